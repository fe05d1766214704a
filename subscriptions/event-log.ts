import { randomUUID } from 'node:crypto';
import type { Database } from '../server/store/db/database.ts';
import type { NotifiedEvent } from './notification-bundle.ts';
import type { Interaction } from './subscription-model.ts';

/**
 * The notification log (migration 003): every event that matched a subscription, numbered per
 * subscription, with how its delivery went. It is the durable truth of delivery: queues carry the
 * work and are rebuilt from the rows not yet delivered (after a Redis restart, say).
 */

/**
 * What identifies one notification job; the rest is read from the log when it is delivered. An
 * event notification names its event number; a handshake or heartbeat of a topic-based
 * subscription has `kind` and event number 0.
 */
export interface NotificationJob {
  tenant: string;
  subscriptionId: string;
  eventNumber: number;
  /** Stable across retries and redeliveries: receivers drop duplicates by it. */
  notificationId: string;
  kind?: 'handshake' | 'heartbeat';
  /** The Subscription version a handshake checks: a newer version gets a handshake of its own. */
  versionId?: string;
}

export interface MatchedEvent {
  tenant: string;
  subscriptionId: string;
  historySeq: number;
  interaction: Interaction;
  occurredAt: string;
}

/**
 * Records matched events, in order, under the next event numbers of their subscriptions (one
 * statement: the counters and the rows move together). Call inside the relay's transaction.
 */
export async function recordEvents(tx: Database, events: readonly MatchedEvent[]): Promise<NotificationJob[]> {
  if (events.length === 0) {
    return [];
  }
  const rows = events.map((e, n) => ({ n, ...e, id: randomUUID() }));
  const recorded = await tx.query<{ tenant: string; subscription_id: string; event_number: string | number; notification_id: string }>(
    `WITH e AS (
      SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS e(
        n int, tenant text, "subscriptionId" text, "historySeq" bigint, interaction text, "occurredAt" timestamptz, id uuid)
    ), counts AS (
      SELECT tenant, "subscriptionId" AS subscription_id, count(*) AS c FROM e GROUP BY 1, 2
    ), s AS (
      INSERT INTO subscription_state (tenant, subscription_id, events_since_start)
      SELECT tenant, subscription_id, c FROM counts
      ON CONFLICT (tenant, subscription_id)
        DO UPDATE SET events_since_start = subscription_state.events_since_start + EXCLUDED.events_since_start
      RETURNING tenant, subscription_id, events_since_start
    )
    INSERT INTO subscription_event (tenant, subscription_id, event_number, notification_id, history_seq, interaction, occurred_at)
    SELECT e.tenant, e."subscriptionId",
      s.events_since_start - counts.c + row_number() OVER (PARTITION BY e.tenant, e."subscriptionId" ORDER BY e.n),
      e.id, e."historySeq", e.interaction, e."occurredAt"
    FROM e JOIN counts ON counts.tenant = e.tenant AND counts.subscription_id = e."subscriptionId"
    JOIN s ON s.tenant = e.tenant AND s.subscription_id = e."subscriptionId"
    RETURNING tenant, subscription_id, event_number, notification_id`,
    [JSON.stringify(rows)]
  );
  return recorded
    .map((r) => ({ tenant: r.tenant, subscriptionId: r.subscription_id, eventNumber: Number(r.event_number), notificationId: r.notification_id }))
    .sort((a, b) => a.eventNumber - b.eventNumber);
}

/** One event as delivery needs it: the log row, the version it announces, and the subscription now. */
export interface EventForDelivery extends NotificationJob {
  interaction: Interaction;
  occurredAt: string;
  deliveredAt?: string;
  failedAt?: string;
  firstAttemptAt?: string;
  attempts: number;
  resourceType: string;
  resourceId: string;
  version: number;
  /** The version's JSON text; undefined for a deletion. */
  content?: string;
  /** The Subscription's current JSON text; undefined when it was deleted. */
  subscription?: string;
  eventsSinceStart: number;
}

interface DeliveryRow {
  tenant: string;
  subscription_id: string;
  event_number: string | number;
  notification_id: string;
  interaction: Interaction;
  occurred_at: string | Date;
  delivered_at: string | Date | null;
  failed_at: string | Date | null;
  first_attempt_at: string | Date | null;
  attempts: number;
  resource_type: string;
  resource_id: string;
  version: number;
  content: string | null;
  subscription: string | null;
  events_since_start: string | number;
}

const iso = (value: string | Date | null): string | undefined => (value === null ? undefined : new Date(value).toISOString());

export async function loadEvent(db: Database, job: Omit<NotificationJob, 'notificationId'>): Promise<EventForDelivery | undefined> {
  const [row] = await db.query<DeliveryRow>(
    `SELECT e.tenant, e.subscription_id, e.event_number, e.notification_id, e.interaction, e.occurred_at,
       e.delivered_at, e.failed_at, e.first_attempt_at, e.attempts,
       h.resource_type, h.id AS resource_id, h.version, h.content,
       s.content AS subscription, st.events_since_start
     FROM subscription_event e
     JOIN resource_history h ON h.seq = e.history_seq
     JOIN subscription_state st ON st.tenant = e.tenant AND st.subscription_id = e.subscription_id
     LEFT JOIN resource s ON s.tenant = e.tenant AND s.resource_type = 'Subscription' AND s.id = e.subscription_id AND NOT s.deleted
     WHERE e.tenant = $1 AND e.subscription_id = $2 AND e.event_number = $3`,
    [job.tenant, job.subscriptionId, job.eventNumber]
  );
  if (!row) {
    return undefined;
  }
  return {
    tenant: row.tenant,
    subscriptionId: row.subscription_id,
    eventNumber: Number(row.event_number),
    notificationId: row.notification_id,
    interaction: row.interaction,
    occurredAt: iso(row.occurred_at) as string,
    deliveredAt: iso(row.delivered_at),
    failedAt: iso(row.failed_at),
    firstAttemptAt: iso(row.first_attempt_at),
    attempts: row.attempts,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    version: row.version,
    content: row.content ?? undefined,
    subscription: row.subscription ?? undefined,
    eventsSinceStart: Number(row.events_since_start),
  };
}

/** Records a failed delivery attempt and its error. */
export async function recordFailedAttempt(db: Database, job: NotificationJob, error: string): Promise<void> {
  await db.query(
    `UPDATE subscription_event SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()), last_error = $4
     WHERE tenant = $1 AND subscription_id = $2 AND event_number = $3`,
    [job.tenant, job.subscriptionId, job.eventNumber, error]
  );
}

/** Records successful deliveries, many in one statement, and when their subscribers were last sent anything. */
export async function recordDelivered(db: Database, jobs: readonly NotificationJob[]): Promise<void> {
  await db.query(
    `WITH k AS (
       SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS k(tenant text, "subscriptionId" text, "eventNumber" bigint)
     ), delivered AS (
       UPDATE subscription_event e SET attempts = attempts + 1, first_attempt_at = coalesce(first_attempt_at, now()),
         last_error = NULL, delivered_at = now()
       FROM k WHERE e.tenant = k.tenant AND e.subscription_id = k."subscriptionId" AND e.event_number = k."eventNumber"
     )
     -- In key order, so concurrent batches of several workers lock the rows in the same order.
     INSERT INTO subscription_delivery (tenant, subscription_id, last_sent_at)
     SELECT DISTINCT tenant, "subscriptionId", now() FROM k ORDER BY 1, 2
     ON CONFLICT (tenant, subscription_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at`,
    [JSON.stringify(jobs.map(({ tenant, subscriptionId, eventNumber }) => ({ tenant, subscriptionId, eventNumber })))]
  );
}

/** Records that a handshake or heartbeat reached the subscriber. */
export async function recordSent(db: Database, tenant: string, subscriptionId: string): Promise<void> {
  await db.query(
    `INSERT INTO subscription_delivery (tenant, subscription_id, last_sent_at) VALUES ($1, $2, now())
     ON CONFLICT (tenant, subscription_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at`,
    [tenant, subscriptionId]
  );
}

/** A subscription as it is stored now, and its event count; undefined when deleted. */
export async function loadSubscription(
  db: Database,
  tenant: string,
  subscriptionId: string
): Promise<{ subscription: string; eventsSinceStart: number } | undefined> {
  const [row] = await db.query<{ content: string; events_since_start: string | number | null }>(
    `SELECT r.content, st.events_since_start FROM resource r
     LEFT JOIN subscription_state st ON st.tenant = r.tenant AND st.subscription_id = r.id
     WHERE r.tenant = $1 AND r.resource_type = 'Subscription' AND r.id = $2 AND NOT r.deleted`,
    [tenant, subscriptionId]
  );
  return row ? { subscription: row.content, eventsSinceStart: Number(row.events_since_start ?? 0) } : undefined;
}

/**
 * The subscriptions a heartbeat is due to: nothing was sent to them for their heartbeat period.
 * `lastSentAt` (ISO, or 'never') keys the heartbeat, so sweeps before it is sent queue it once.
 */
export async function heartbeatsDue(
  db: Database,
  subscriptions: readonly { tenant: string; id: string; heartbeatMs: number }[]
): Promise<{ tenant: string; id: string; lastSentAt: string }[]> {
  if (subscriptions.length === 0) {
    return [];
  }
  const rows = await db.query<{ tenant: string; id: string; last_sent_at: string | Date | null }>(
    `SELECT k.tenant, k.id, d.last_sent_at
     FROM jsonb_to_recordset($1::text::jsonb) AS k(tenant text, id text, "heartbeatMs" bigint)
     LEFT JOIN subscription_delivery d ON d.tenant = k.tenant AND d.subscription_id = k.id
     WHERE d.last_sent_at IS NULL OR d.last_sent_at <= now() - make_interval(secs => k."heartbeatMs" / 1000.0)`,
    [JSON.stringify(subscriptions)]
  );
  return rows.map((r) => ({ tenant: r.tenant, id: r.id, lastSentAt: iso(r.last_sent_at) ?? 'never' }));
}

/** Marks an event whose retries ran out; it is delivered again when the subscription is reactivated. */
export async function recordGaveUp(db: Database, job: NotificationJob): Promise<void> {
  await db.query(
    'UPDATE subscription_event SET failed_at = now() WHERE tenant = $1 AND subscription_id = $2 AND event_number = $3',
    [job.tenant, job.subscriptionId, job.eventNumber]
  );
}

/**
 * The events still owed to the given subscriptions (which must be active), oldest first, among
 * those recorded at least `minAgeMs` ago: younger ones are still on their first way through the
 * queue, and queueing them again would only race their delivery (a job already done and removed
 * from the queue but not yet marked delivered would be sent twice). Events that ran out of retries
 * are given a fresh start: setting a subscription back to active resumes delivery from where it
 * stopped.
 */
export async function undeliveredEvents(
  db: Database,
  subscriptions: readonly { tenant: string; id: string }[],
  limit: number,
  minAgeMs = 0
): Promise<NotificationJob[]> {
  if (subscriptions.length === 0) {
    return [];
  }
  const keys = JSON.stringify(subscriptions);
  await db.query(
    `UPDATE subscription_event e SET failed_at = NULL, first_attempt_at = NULL
     FROM jsonb_to_recordset($1::text::jsonb) AS k(tenant text, id text)
     WHERE e.tenant = k.tenant AND e.subscription_id = k.id AND e.delivered_at IS NULL AND e.failed_at IS NOT NULL`,
    [keys]
  );
  const rows = await db.query<{ tenant: string; subscription_id: string; event_number: string | number; notification_id: string }>(
    `SELECT e.tenant, e.subscription_id, e.event_number, e.notification_id
     FROM jsonb_to_recordset($1::text::jsonb) AS k(tenant text, id text)
     CROSS JOIN LATERAL (
       SELECT * FROM subscription_event e
       WHERE e.tenant = k.tenant AND e.subscription_id = k.id AND e.delivered_at IS NULL
         AND e.occurred_at <= now() - make_interval(secs => $3 / 1000.0)
       ORDER BY e.event_number LIMIT $2) e`,
    [keys, limit, minAgeMs]
  );
  return rows.map((r) => ({
    tenant: r.tenant,
    subscriptionId: r.subscription_id,
    eventNumber: Number(r.event_number),
    notificationId: r.notification_id,
  }));
}

/** How many events have matched each subscription since it was created. */
export async function eventCounts(db: Database, tenant: string, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await db.query<{ subscription_id: string; events_since_start: string | number }>(
    'SELECT subscription_id, events_since_start FROM subscription_state WHERE tenant = $1 AND subscription_id = ANY($2::text[])',
    [tenant, ids]
  );
  return new Map(rows.map((r) => [r.subscription_id, Number(r.events_since_start)]));
}

/** The subscription's events numbered `since` to `until` (inclusive), at most `limit`, in order. */
export async function eventsInRange(
  db: Database,
  tenant: string,
  subscriptionId: string,
  since: number,
  until: number,
  limit: number
): Promise<NotifiedEvent[]> {
  const rows = await db.query<{
    event_number: string | number;
    interaction: Interaction;
    occurred_at: string | Date;
    resource_type: string;
    id: string;
    version: number;
    content: string | null;
  }>(
    `SELECT e.event_number, e.interaction, e.occurred_at, h.resource_type, h.id, h.version, h.content
     FROM subscription_event e JOIN resource_history h ON h.seq = e.history_seq
     WHERE e.tenant = $1 AND e.subscription_id = $2 AND e.event_number BETWEEN $3 AND $4
     ORDER BY e.event_number LIMIT $5`,
    [tenant, subscriptionId, since, until, limit]
  );
  return rows.map((r) => ({
    eventNumber: Number(r.event_number),
    interaction: r.interaction,
    occurredAt: new Date(r.occurred_at).toISOString(),
    resourceType: r.resource_type,
    resourceId: r.id,
    version: r.version,
    content: r.content ?? undefined,
  }));
}
