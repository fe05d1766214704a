import type { Deliverer } from '../delivery/deliver.ts';
import type { NotificationJob } from '../event-log.ts';
import type { NotificationQueue } from './queue.ts';

/**
 * The queue without Redis: jobs wait in memory and are delivered by this process, `concurrency`
 * at a time, with the same Deliverer and retry policy as the BullMQ worker. What is lost with
 * the process is only the queue; the relay re-enqueues undelivered events from the log at start.
 */
export class InProcessQueue implements NotificationQueue {
  private readonly deliverer: Deliverer;
  private readonly concurrency: number;
  private readonly waiting: NotificationJob[] = [];
  /** Notification ids queued, running or waiting to be retried: enqueueing them again does nothing. */
  private readonly known = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  private readonly onError: (err: unknown, job: NotificationJob) => void;

  constructor(deliverer: Deliverer, concurrency: number, onError: (err: unknown, job: NotificationJob) => void) {
    this.deliverer = deliverer;
    this.concurrency = concurrency;
    this.onError = onError;
  }

  async enqueue(jobs: readonly NotificationJob[]): Promise<void> {
    for (const job of jobs) {
      if (!this.closed && !this.known.has(job.notificationId)) {
        this.known.add(job.notificationId);
        this.waiting.push(job);
      }
    }
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift() as NotificationJob;
      const run = this.run(job).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
  }

  private async run(job: NotificationJob): Promise<void> {
    let retryIn: number | undefined;
    try {
      const outcome = await this.deliverer.deliver(job);
      if (outcome.kind === 'retry') {
        retryIn = outcome.delayMs;
      }
    } catch (err) {
      // A database error, say: the event stays undelivered in the log and is tried again.
      this.onError(err, job);
      retryIn = 1_000;
    }
    if (retryIn === undefined || this.closed) {
      this.known.delete(job.notificationId);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.push(job);
      this.pump();
    }, retryIn);
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
