import { randomUUID } from 'node:crypto';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, Subscription } from '@medplum/fhirtypes';
import type { Database } from '../server/store/db/database.ts';
import { eventCounts, eventsInRange } from './event-log.ts';
import type { StoredSubscription } from './notification-bundle.ts';
import { notificationBundle, statusParameters } from './notification-bundle.ts';
import type { PayloadContent } from './subscription-model.ts';
import { isTopicBased, payloadContentOf } from './subscription-model.ts';

/**
 * The Subscriptions Backport IG's `$status` and `$events` on R4 Subscriptions, so a receiver that
 * was away can see how far the server got (events-since-subscription-start, status, error) and
 * fetch the notifications it missed by event number.
 */

/** Most events one $events call returns; ask again from the last number for more. */
export const MAX_EVENTS_PER_CALL = 1000;

/** `$status`: the status of the subscriptions named (instance level: one), as a searchset Bundle. */
export async function statusOperation(
  db: Database,
  tenant: string,
  subscriptions: readonly StoredSubscription[]
): Promise<Bundle> {
  const counts = await eventCounts(db, tenant, subscriptions.map((s) => s.id));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: subscriptions.length,
    entry: subscriptions.map((s) => ({
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: statusParameters(s, 'query-status', counts.get(s.id) ?? 0),
      search: { mode: 'match' },
    })),
  };
}

/** The $events parameters, checked: positive event numbers in order, a known content code. */
export function eventsRange(
  query: Record<string, unknown>,
  subscription: Subscription
): { since: number; until: number; content: PayloadContent } {
  const number = (name: string): number | undefined => {
    const raw = query[name];
    if (raw === undefined) {
      return undefined;
    }
    if (typeof raw !== 'string' || !/^[1-9]\d{0,15}$/.test(raw)) {
      throw new OperationOutcomeError(badRequest(`${name} must be a positive integer`, name));
    }
    return Number(raw);
  };
  const since = number('eventsSinceNumber') ?? 1;
  const until = number('eventsUntilNumber') ?? Number.MAX_SAFE_INTEGER;
  if (until < since) {
    throw new OperationOutcomeError(badRequest('eventsUntilNumber must not be below eventsSinceNumber', 'eventsUntilNumber'));
  }
  // By default as the notifications carried them.
  const sent = isTopicBased(subscription) ? payloadContentOf(subscription) : subscription.channel.payload ? 'full-resource' : 'id-only';
  const raw = query.content ?? sent;
  if (raw !== 'empty' && raw !== 'id-only' && raw !== 'full-resource') {
    throw new OperationOutcomeError(badRequest('content must be empty, id-only or full-resource', 'content'));
  }
  return { since, until, content: raw };
}

/**
 * `$events`: a notification Bundle (history; first entry the status Parameters of type
 * query-event) with the events in the range, as the notifications carried them.
 */
export async function eventsOperation(
  db: Database,
  tenant: string,
  baseUrl: string,
  subscription: StoredSubscription,
  range: { since: number; until: number; content: PayloadContent }
): Promise<Bundle> {
  const events = await eventsInRange(db, tenant, subscription.id, range.since, range.until, MAX_EVENTS_PER_CALL);
  const counts = await eventCounts(db, tenant, [subscription.id]);
  return notificationBundle({
    subscription,
    type: 'query-event',
    eventsSinceStart: counts.get(subscription.id) ?? 0,
    events,
    content: range.content,
    baseUrl,
  });
}
