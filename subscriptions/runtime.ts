import type { FhirRepository } from '@medplum/fhir-router';
import type { Config } from '../server/config.ts';
import type { RequestContext } from '../server/fhir/repository.ts';
import { reportFault } from '../server/log.ts';
import type { Database } from '../server/store/db/database.ts';
import type { ResourceStore } from '../server/store/resource-store.ts';
import { Deliverer } from './delivery/deliver.ts';
import { BullmqDeliveryWorker, BullmqQueue } from './queue/bullmq.ts';
import { InProcessQueue } from './queue/in-process.ts';
import type { NotificationQueue } from './queue/queue.ts';
import { Relay } from './relay.ts';
import { RepositoryStatusWriter } from './status.ts';
import type { TopicCatalog } from './topics/topic-catalog.ts';

/**
 * Subscription delivery as one process runs it, from configuration: the outbox relay, the queue
 * (BullMQ when REDIS_URL is set, else in-process) and, unless delivery is left to `npm run worker`
 * processes, the delivery worker.
 */
export interface SubscriptionRuntime {
  relay?: Relay;
  queue: NotificationQueue;
  close(): Promise<void>;
}

export interface RuntimeDependencies {
  config: Config;
  db: Database;
  store: ResourceStore;
  repository: (context: RequestContext) => FhirRepository;
  topics: TopicCatalog;
}

export function startSubscriptionRuntime({ config, db, store, repository, topics }: RuntimeDependencies): SubscriptionRuntime {
  const settings = config.subscriptions;
  const status = new RepositoryStatusWriter(repository, config.baseUrl ?? '');
  // Notification Bundles need absolute URLs even when no public BASE_URL is configured.
  const baseUrl = config.baseUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}/fhir`;
  const deliverer = new Deliverer(db, status, { retry: settings.retry, timeoutMs: settings.timeoutMs, baseUrl });
  let queue: NotificationQueue;
  let worker: BullmqDeliveryWorker | undefined;
  if (config.redisUrl) {
    // While Redis is away every connection attempt fails: report that, but not hundreds of times.
    const redisFault = throttled((err: unknown) => reportFault(err, 'Redis unavailable for notification jobs'), 10_000);
    queue = new BullmqQueue({ redisUrl: config.redisUrl, prefix: settings.queuePrefix }, redisFault);
    if (settings.deliverHere) {
      worker = new BullmqDeliveryWorker(
        deliverer,
        { redisUrl: config.redisUrl, prefix: settings.queuePrefix, concurrency: settings.concurrency, lockDurationMs: settings.lockMs },
        redisFault,
        (err) => reportFault(err, 'notification delivery failed; retrying in a second')
      );
    }
  } else {
    queue = new InProcessQueue(deliverer, settings.concurrency, (err) => reportFault(err, 'notification delivery failed'));
  }
  let relay: Relay | undefined;
  let stopNudges: (() => void) | undefined;
  if (settings.relay) {
    relay = new Relay(db, { registry: store.registry, topics, baseUrl: config.baseUrl }, queue, status, {
      batchSize: 500,
      pollMs: settings.pollMs,
      sweepMs: settings.sweepMs,
    });
    const started = relay;
    stopNudges = store.onCommit(() => started.nudge());
    relay.start();
  }
  return {
    relay,
    queue,
    close: async () => {
      stopNudges?.();
      await relay?.stop();
      await worker?.close();
      await queue.close();
    },
  };
}

/** Calls `fn` at most once per `intervalMs`; the calls in between are dropped. */
function throttled<A extends unknown[]>(fn: (...args: A) => void, intervalMs: number): (...args: A) => void {
  let last = 0;
  return (...args: A) => {
    const now = Date.now();
    if (now - last >= intervalMs) {
      last = now;
      fn(...args);
    }
  };
}
