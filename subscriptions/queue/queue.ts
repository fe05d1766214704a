import type { NotificationJob } from '../event-log.ts';

/**
 * Carries notification jobs from the relay to delivery. Two transports share one contract:
 * BullMQ on Redis (bullmq.ts: separate worker processes, jobs survive a server restart) and an
 * in-process queue (in-process.ts: the embedded default). Neither is the durable record; the
 * notification log is, and the relay re-enqueues what it still owes, so a job may arrive twice.
 * Enqueueing a job whose notification id is already queued does nothing.
 */
export interface NotificationQueue {
  enqueue(jobs: readonly NotificationJob[]): Promise<void>;
  close(): Promise<void>;
}
