import type { Database } from '../../server/store/db/database.ts';
import type { NotificationJob } from '../event-log.ts';
import { loadEvent, loadSubscription, recordDelivered, recordFailedAttempt, recordGaveUp, recordSent } from '../event-log.ts';
import type { StoredSubscription } from '../notification-bundle.ts';
import { Batcher } from '../../server/store/batcher.ts';
import type { RetryPolicy } from '../retry-policy.ts';
import { beyondHorizon, retryDelay } from '../retry-policy.ts';
import type { SubscriptionStatusWriter } from '../status.ts';
import { BACKPORT_EXTENSIONS, channelNumber } from '../subscription-model.ts';
import { restHookRequest, sendRestHook, signalRequest } from './rest-hook.ts';

/**
 * Delivers one notification, whichever queue carried it (BullMQ or in-process): reads the event
 * and the subscription as they are now, sends, records the attempt, and says what the queue
 * should do next. After the last attempt within the retry horizon the subscription goes to
 * `error` with the reason; its events wait until it is set back to active. A topic-based
 * subscription is also sent a handshake when it is requested (2xx makes it active, anything else
 * sets it to error) and heartbeats while nothing else is sent.
 */

export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'gave-up'; error: string }
  /** Nothing to send now: already delivered, or the subscription is not active (its events wait). */
  | { kind: 'skipped'; reason: string };

export interface DeliveryOptions {
  retry: RetryPolicy;
  /** How long a receiver has to answer one notification (a subscription may ask for less). */
  timeoutMs: number;
  /** The FHIR base of this server, for full URLs in notification Bundles. */
  baseUrl: string;
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
    if (job.kind) {
      return this.signal(job, job.kind, now);
    }
    const event = await loadEvent(this.db, job);
    if (!event) {
      return { kind: 'skipped', reason: 'no such event' };
    }
    if (event.deliveredAt) {
      return { kind: 'skipped', reason: 'already delivered' };
    }
    const subscription = event.subscription ? (JSON.parse(event.subscription) as StoredSubscription) : undefined;
    if (subscription?.status !== 'active') {
      return { kind: 'skipped', reason: `subscription is ${subscription?.status ?? 'deleted'}` };
    }
    if (subscription.end && Date.parse(subscription.end) <= now) {
      return { kind: 'skipped', reason: 'subscription has ended' };
    }
    const result = await sendRestHook(restHookRequest(subscription, event, this.options.baseUrl, now), this.timeoutOf(subscription));
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

  /** A handshake (status requested) or heartbeat (status active) of a topic-based subscription. */
  private async signal(job: NotificationJob, kind: 'handshake' | 'heartbeat', now: number): Promise<DeliveryOutcome> {
    const stored = await loadSubscription(this.db, job.tenant, job.subscriptionId);
    const subscription = stored ? (JSON.parse(stored.subscription) as StoredSubscription) : undefined;
    const expected = kind === 'handshake' ? 'requested' : 'active';
    if (!stored || subscription?.status !== expected) {
      return { kind: 'skipped', reason: `subscription is ${subscription?.status ?? 'deleted'}` };
    }
    if (job.versionId !== undefined && subscription.meta?.versionId !== job.versionId) {
      return { kind: 'skipped', reason: 'subscription changed since: its new version has a handshake of its own' };
    }
    const request = signalRequest(subscription, kind, stored.eventsSinceStart, job.notificationId, this.options.baseUrl, now);
    const result = await sendRestHook(request, this.timeoutOf(subscription));
    // The next heartbeat is due a period after this one, whether the receiver took it or not.
    await recordSent(this.db, job.tenant, job.subscriptionId);
    if (result.ok) {
      if (kind === 'handshake') {
        // Only the version whose endpoint answered becomes active.
        await this.status.setStatus(job.tenant, job.subscriptionId, 'active', undefined, ['requested'], job.versionId);
      }
      return { kind: 'delivered' };
    }
    if (kind === 'heartbeat') {
      // A missed heartbeat is what tells the receiver something is wrong; the next one follows.
      return { kind: 'skipped', reason: `heartbeat not received: ${result.error}` };
    }
    // The Backport IG: a failed handshake sets the subscription to error; requesting it again retries.
    await this.status.setStatus(job.tenant, job.subscriptionId, 'error', `Handshake failed: ${result.error}`, ['requested'], job.versionId);
    return { kind: 'gave-up', error: result.error };
  }

  /** The subscription's own timeout (Backport IG) when shorter than the server's. */
  private timeoutOf(subscription: StoredSubscription): number {
    const seconds = channelNumber(subscription, BACKPORT_EXTENSIONS.timeout);
    return seconds ? Math.min(seconds * 1000, this.options.timeoutMs) : this.options.timeoutMs;
  }
}
