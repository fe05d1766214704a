import { DelayedError, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Deliverer } from '../delivery/deliver.ts';
import type { NotificationJob } from '../event-log.ts';
import type { NotificationQueue } from './queue.ts';

/**
 * Notification jobs on Redis through BullMQ, so delivery can run in separate worker processes
 * (`npm run worker`). The job id is the notification id: BullMQ ignores a second add of a job it
 * still holds. Finished jobs are removed at once; the notification log keeps the record. Retries
 * are scheduled by moving the job to BullMQ's delayed set with the delay the Deliverer chose.
 */

export const QUEUE_NAME = 'knutepunkt-notifications';

export interface BullmqOptions {
  redisUrl: string;
  /** Lets several deployments share one Redis. */
  prefix?: string;
}

/** Workers block on Redis and must ride out a restart: unlimited retries, commands wait for it. */
function connectWorker(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null });
}

/**
 * The relay's producer fails fast while Redis is away instead of waiting: the notifications are in
 * the log already, and the sweep queues them when Redis is back. Waiting would stall the relay.
 */
function connectProducer(redisUrl: string): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
}

export class BullmqQueue implements NotificationQueue {
  private readonly queue: Queue;
  private readonly connection: Redis;

  constructor(options: BullmqOptions, onError: (err: unknown) => void) {
    this.connection = connectProducer(options.redisUrl);
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection, prefix: options.prefix });
    this.queue.on('error', onError);
  }

  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    await this.queue.addBulk(
      jobs.map((job) => ({
        name: 'rest-hook',
        data: job,
        opts: { jobId: job.notificationId, removeOnComplete: true, removeOnFail: true },
      }))
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export interface BullmqWorkerOptions extends BullmqOptions {
  concurrency: number;
  /**
   * How long a job stays locked to a worker that stopped renewing it (one that was killed) before
   * another worker takes it over.
   */
  lockDurationMs: number;
}

/** Runs the Deliverer on jobs from Redis, `concurrency` at a time. */
export class BullmqDeliveryWorker {
  private readonly worker: Worker<NotificationJob>;
  private readonly connection: Redis;

  /** `onError`: Redis faults of the worker; `onDeliveryError`: a delivery that threw (the database, say). */
  constructor(
    deliverer: Deliverer,
    options: BullmqWorkerOptions,
    onError: (err: unknown) => void,
    onDeliveryError: (err: unknown) => void = onError
  ) {
    this.connection = connectWorker(options.redisUrl);
    this.worker = new Worker<NotificationJob>(
      QUEUE_NAME,
      async (job, token) => {
        let outcome;
        try {
          outcome = await deliverer.deliver(job.data);
        } catch (err) {
          // The database is unreachable, say: try again shortly; the log still owes the event.
          onDeliveryError(err);
          await job.moveToDelayed(Date.now() + 1_000, token);
          throw new DelayedError();
        }
        if (outcome.kind === 'retry') {
          await job.moveToDelayed(Date.now() + outcome.delayMs, token);
          throw new DelayedError();
        }
        if (outcome.kind === 'gave-up') {
          throw new UnrecoverableError(outcome.error);
        }
        return outcome.kind;
      },
      {
        connection: this.connection,
        prefix: options.prefix,
        concurrency: options.concurrency,
        lockDuration: options.lockDurationMs,
        stalledInterval: options.lockDurationMs,
        // A job a killed worker held is taken over, however often that happens.
        maxStalledCount: 1_000,
      }
    );
    this.worker.on('error', onError);
  }

  async close(): Promise<void> {
    await this.worker.close();
    this.connection.disconnect();
  }
}
