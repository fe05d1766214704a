import { createHash } from 'node:crypto';
import type { Subscription } from '@medplum/fhirtypes';
import { reportFault } from '../server/log.ts';
import type { Database } from '../server/store/db/database.ts';
import type { OutboxEvent } from '../server/store/outbox.ts';
import { takeOutboxEvents } from '../server/store/outbox.ts';
import { matchSubject } from '../server/store/search/matcher.ts';
import type { CompileContext } from './compile.ts';
import { SubscriptionDirectory } from './directory.ts';
import type { MatchedEvent, NotificationJob } from './event-log.ts';
import { heartbeatsDue, recordEvents, undeliveredEvents } from './event-log.ts';
import type { NotificationQueue } from './queue/queue.ts';
import type { SubscriptionStatusWriter } from './status.ts';
import type { Interaction, LiveSubscription } from './subscription-model.ts';
import { isLive } from './subscription-model.ts';

/**
 * The outbox relay: takes committed events from the outbox, matches them against the
 * subscriptions of their tenant, and records each match under the subscription's next event
 * number, all in one transaction (a crash rolls back and the events are taken again). Then it
 * queues the notifications of active subscriptions. One relay works at a time (an advisory lock),
 * so event numbers follow commit order. A periodic sweep queues again what the log still owes:
 * after a Redis restart, a process restart, or a subscription set back to active. It also queues
 * the handshakes of requested topic-based subscriptions and the heartbeats that are due.
 */

export interface RelayOptions {
  /** Events taken per transaction. */
  batchSize: number;
  /** How often to look for events written by other processes (this process's writes wake it). */
  pollMs: number;
  /** How often to queue again what is undelivered. */
  sweepMs: number;
}

/** Any fixed number, distinct from the migration lock. */
const RELAY_LOCK = 747_002;
/** Statuses under which matched events are recorded; only `active` ones are delivered. */
const RECORDING: ReadonlySet<Subscription['status']> = new Set(['requested', 'active', 'error']);
const SWEEP_LIMIT_PER_SUBSCRIPTION = 1_000;

interface StepResult {
  taken: number;
  jobs: NotificationJob[];
  requested: LiveSubscription[];
  /** Topic-based subscriptions created active: to be set to requested, for their handshake. */
  unverified: LiveSubscription[];
  subscriptionsChanged: boolean;
}

export class Relay {
  private readonly db: Database;
  private readonly context: CompileContext;
  private readonly queue: NotificationQueue;
  private readonly status: SubscriptionStatusWriter;
  private readonly options: RelayOptions;
  readonly directory: SubscriptionDirectory;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private lastSweep = 0;
  /** The next sweep resumes a subscription just changed: everything owed, however recent. */
  private resuming = false;
  private sweeping: Promise<void> | undefined;
  /** Serialises steps and sweeps of this relay: both read and change the directory. */
  private exclusive: Promise<unknown> = Promise.resolve();

  constructor(
    db: Database,
    context: CompileContext,
    queue: NotificationQueue,
    status: SubscriptionStatusWriter,
    options: RelayOptions
  ) {
    this.db = db;
    this.context = context;
    this.queue = queue;
    this.status = status;
    this.options = options;
    this.directory = new SubscriptionDirectory(context, (tenant, id, reason) => {
      void this.status.setStatus(tenant, id, 'error', `Criteria no longer valid: ${reason}`, ['requested', 'active']).catch((err) =>
        reportFault(err, 'could not set an invalid subscription to error')
      );
    });
  }

  start(): void {
    this.running = true;
    this.lastSweep = 0;
    this.loop = this.run();
  }

  /** Wakes the relay now: something was committed. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.sweeping;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let taken = 0;
      try {
        taken = await this.drainOnce();
        if (Date.now() - this.lastSweep >= this.options.sweepMs && !this.sweeping) {
          // Beside the steps, not between them: a sweep must not hold up new events.
          this.sweeping = this.sweep()
            .catch((err) => reportFault(err, 'subscription sweep failed'))
            .finally(() => {
              this.sweeping = undefined;
            });
        }
      } catch (err) {
        reportFault(err, 'subscription relay step failed');
      }
      if (taken < this.options.batchSize && !this.nudged && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
      this.nudged = false;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.exclusive.then(fn, fn);
    this.exclusive = next.catch(() => undefined);
    return next;
  }

  /** Takes one batch of events and queues what they caused; returns how many events it took. */
  drainOnce(): Promise<number> {
    return this.serial(async () => {
      let result: StepResult | undefined;
      try {
        result = await this.db.transaction((tx) => this.step(tx));
      } catch (err) {
        this.directory.generation = -1; // it may hold changes that were rolled back
        throw err;
      }
      if (!result) {
        return 0;
      }
      await this.afterCommit(result);
      return result.taken;
    });
  }

  private async step(tx: Database): Promise<StepResult | undefined> {
    const [{ locked }] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK]);
    if (!locked) {
      return undefined; // another relay is at work
    }
    // A statement of its own, after the lock: its snapshot sees the last relay's commit.
    await this.refreshDirectory(tx);
    const events = await takeOutboxEvents(tx, this.options.batchSize);
    const matched: MatchedEvent[] = [];
    const requested: LiveSubscription[] = [];
    const unverified: LiveSubscription[] = [];
    let subscriptionsChanged = false;
    for (const event of events) {
      matched.push(...this.match(event));
      if (event.resourceType === 'Subscription') {
        // After matching: a subscription is not told of its own creation.
        const live = this.directory.apply(event.tenant, event.id, event.deleted ? undefined : event.content);
        subscriptionsChanged = true;
        if (live?.kind === 'topic' && live.status === 'active' && (event.version === 1 || event.previousDeleted)) {
          // The Backport IG: a topic-based subscription starts as requested and is activated by its
          // handshake. Created active, it is held back and set to requested after this step.
          live.status = 'requested';
          unverified.push(live);
        } else if (live?.status === 'requested') {
          requested.push(live);
        }
      }
    }
    if (subscriptionsChanged) {
      const [row] = await tx.query<{ generation: string | number }>(
        'UPDATE relay_state SET generation = generation + 1 RETURNING generation'
      );
      this.directory.generation = Number(row.generation);
    }
    const jobs = await recordEvents(tx, matched);
    return { taken: events.length, jobs, requested, unverified, subscriptionsChanged };
  }

  private async refreshDirectory(db: Database): Promise<void> {
    const [{ generation }] = await db.query<{ generation: string | number }>('SELECT generation FROM relay_state');
    if (Number(generation) !== this.directory.generation) {
      await this.directory.reload(db, Number(generation));
    }
  }

  /** The subscriptions this event notifies: same tenant and type, interaction wanted, criteria met. */
  private match(event: OutboxEvent): MatchedEvent[] {
    const committed = Date.parse(event.committedAt);
    const candidates = this.directory
      .candidates(event.tenant, event.resourceType)
      .filter((s) => RECORDING.has(s.status) && (s.end === undefined || s.end > committed));
    if (candidates.length === 0) {
      return [];
    }
    const interaction: Interaction = event.deleted ? 'delete' : event.version === 1 || event.previousDeleted ? 'create' : 'update';
    // A deletion is matched against the version it deleted.
    const content = event.deleted ? event.previousContent : event.content;
    if (!content) {
      return [];
    }
    // Index rows are extracted once, and only when some subscription wants this interaction.
    let subject: ReturnType<typeof matchSubject> | undefined;
    const version = () => (subject ??= matchSubject(this.context.registry, JSON.parse(content), this.context.baseUrl));
    return candidates
      .filter((s) => s.matches(event.resourceType, interaction, version))
      .map((s) => ({
        tenant: event.tenant,
        subscriptionId: s.id,
        historySeq: event.historySeq,
        interaction,
        occurredAt: event.committedAt,
      }));
  }

  private async afterCommit(result: StepResult): Promise<void> {
    const deliverable = result.jobs.filter((job) => {
      const live = this.directory.get(job.tenant, job.subscriptionId);
      return live !== undefined && isLive(live);
    });
    try {
      await this.queue.enqueue(deliverable);
    } catch (err) {
      // Recorded in the log all the same: the next sweep queues them.
      reportFault(err, 'could not queue notifications; the sweep will retry');
    }
    // A topic-based subscription becomes active when its endpoint answers the handshake.
    await this.queue.enqueue(result.requested.filter((s) => s.kind === 'topic').map(handshakeJob)).catch((err) =>
      reportFault(err, 'could not queue handshakes; the sweep will retry')
    );
    for (const live of result.unverified) {
      await this.status.setStatus(live.tenant, live.id, 'requested', undefined, ['active'], live.versionId).catch((err) =>
        reportFault(err, 'could not set a subscription to requested')
      );
    }
    for (const live of result.requested.filter((s) => s.kind === 'criteria')) {
      // R4 criteria subscriptions need no handshake: requested becomes active at once, and the
      // events recorded meanwhile are delivered by the sweep that follows.
      await this.status.setStatus(live.tenant, live.id, 'active', undefined, ['requested']).catch((err) =>
        reportFault(err, 'could not activate a subscription')
      );
    }
    if (result.subscriptionsChanged) {
      this.lastSweep = 0; // a subscription may have been set back to active: resume it now
      this.resuming = true;
    }
  }

  /**
   * Queues again every undelivered event of active subscriptions, oldest first, the handshakes
   * still owed and the heartbeats due, and turns off subscriptions past their end. Queues ignore
   * jobs they already hold.
   */
  async sweep(): Promise<void> {
    this.lastSweep = Date.now();
    // Routinely only events older than a sweep interval: the newer ones were queued when recorded.
    const minAgeMs = this.resuming ? 0 : this.options.sweepMs;
    this.resuming = false;
    // Only reading the directory is exclusive: the queries and the queueing run beside new steps.
    const all = await this.serial(async () => {
      await this.refreshDirectory(this.db);
      return this.directory.all();
    });
    const now = Date.now();
    for (const ended of all.filter((s) => s.end !== undefined && s.end <= now)) {
      await this.status.setStatus(ended.tenant, ended.id, 'off', undefined, ['requested', 'active', 'error']);
    }
    const live = all.filter((s) => isLive(s, now));
    const jobs = await undeliveredEvents(this.db, live, SWEEP_LIMIT_PER_SUBSCRIPTION, minAgeMs);
    jobs.push(...all.filter((s) => s.kind === 'topic' && s.status === 'requested' && (s.end === undefined || s.end > now)).map(handshakeJob));
    const beating = live.flatMap((s) => (s.heartbeatMs ? [{ tenant: s.tenant, id: s.id, heartbeatMs: s.heartbeatMs }] : []));
    for (const due of await heartbeatsDue(this.db, beating)) {
      jobs.push(signalJob('heartbeat', due.tenant, due.id, due.lastSentAt));
    }
    await this.queue.enqueue(jobs);
  }
}

/** The handshake of one version of a requested subscription: queued once however often it is swept. */
function handshakeJob(live: LiveSubscription): NotificationJob {
  return { ...signalJob('handshake', live.tenant, live.id, live.versionId), versionId: live.versionId };
}

/** A handshake or heartbeat job, its notification id derived from what makes it unique. */
function signalJob(kind: 'handshake' | 'heartbeat', tenant: string, subscriptionId: string, key: string): NotificationJob {
  const hex = createHash('sha256').update(`${kind}\u0000${tenant}\u0000${subscriptionId}\u0000${key}`).digest('hex');
  const notificationId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return { tenant, subscriptionId, eventNumber: 0, notificationId, kind };
}
