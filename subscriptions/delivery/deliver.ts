import type { Subscription } from '@medplum/fhirtypes';
import type { Database } from '../../server/store/db/database.ts';
import type { NotificationJob } from '../event-log.ts';
import { loadEvent, recordDelivered, recordFailedAttempt, recordGaveUp } from '../event-log.ts';
import { Batcher } from './batcher.ts';
import type { RetryPolicy } from '../retry-policy.ts';
import { beyondHorizon, retryDelay } from '../retry-policy.ts';
import type { SubscriptionStatusWriter } from '../status.ts';
import { restHookRequest, sendRestHook } from './rest-hook.ts';

/**
 * Delivers one notification, whichever queue carried it (BullMQ or in-process): reads the event
 * and the subscription as they are now, sends, records the attempt, and says what the queue
 * should do next. After the last attempt within the retry horizon the subscription goes to
 * `error` with the reason; its events wait until it is set back to active.
 */

export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'gave-up'; error: string }
  /** Nothing to send now: already delivered, or the subscription is not active (its events wait). */
  | { kind: 'skipped'; reason: string };

export interface DeliveryOptions {
  retry: RetryPolicy;
  /** How long a receiver has to answer one notification. */
  timeoutMs: number;
}

export class Deliverer {
  private readonly db: Database;
  private readonly status: SubscriptionStatusWriter;
  private readonly options: DeliveryOptions;
  /** Successes are recorded together: with many deliveries in flight, one statement marks them all. */
  private readonly delivered: Batcher<NotificationJob>;

  constructor(db: Database, status: SubscriptionStatusWriter, options: DeliveryOptions) {
    this.db = db;
    this.status = status;
    this.options = options;
    this.delivered = new Batcher((jobs) => recordDelivered(db, jobs));
  }

  async deliver(job: NotificationJob, now = Date.now()): Promise<DeliveryOutcome> {
    const event = await loadEvent(this.db, job);
    if (!event) {
      return { kind: 'skipped', reason: 'no such event' };
    }
    if (event.deliveredAt) {
      return { kind: 'skipped', reason: 'already delivered' };
    }
    const subscription = event.subscription ? (JSON.parse(event.subscription) as Subscription) : undefined;
    if (subscription?.status !== 'active') {
      return { kind: 'skipped', reason: `subscription is ${subscription?.status ?? 'deleted'}` };
    }
    if (subscription.end && Date.parse(subscription.end) <= now) {
      return { kind: 'skipped', reason: 'subscription has ended' };
    }
    const result = await sendRestHook(restHookRequest(subscription, event, now), this.options.timeoutMs);
    if (result.ok) {
      await this.delivered.add(job);
      return { kind: 'delivered' };
    }
    const error = result.error;
    await recordFailedAttempt(this.db, job, error);
    const attempts = event.attempts + 1;
    const delayMs = retryDelay(this.options.retry, attempts);
    const firstAttempt = event.firstAttemptAt ? Date.parse(event.firstAttemptAt) : now;
    if (!beyondHorizon(this.options.retry, firstAttempt, now, delayMs)) {
      return { kind: 'retry', delayMs, error };
    }
    // The subscription first, so no sweep sees it active with this event already given up.
    const reason = `Delivery of event ${event.eventNumber} failed after ${attempts} attempts since ${new Date(firstAttempt).toISOString()}: ${error}`;
    await this.status.setStatus(job.tenant, job.subscriptionId, 'error', reason);
    await recordGaveUp(this.db, job);
    return { kind: 'gave-up', error };
  }
}
