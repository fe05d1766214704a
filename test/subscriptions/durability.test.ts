import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { Observation, Subscription } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';
import { usingPostgres } from '../support/database.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { freePort, kill, startRedis, startWorker } from '../support/processes.ts';
import { TestReceiver } from '../support/receiver.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Nothing committed is lost when the parts in between fail: the delivery worker is killed
 * mid-run, or Redis restarts and forgets every job. Delivery runs only in separate worker
 * processes (`npm run worker`) on a Redis of this test's own, so both can be killed; that needs
 * a database other processes can reach, so it runs on PostgreSQL (as CI does).
 */

const LOINC = 'http://loinc.org';
const EVENTS = 40;

describe.skipIf(!usingPostgres)('no committed event is lost', () => {
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let server: TestServer;
  let fhir: FhirClient;
  let receiver: TestReceiver;
  let workerEnv: Record<string, string>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const redisUrl = `redis://127.0.0.1:${redisPort}`;
    const queuePrefix = `kp-durability-${randomBytes(4).toString('hex')}`;
    const base = loadConfig({});
    server = await startTestServer({
      redisUrl,
      subscriptionAllowedHosts: ['127.0.0.1'],
      subscriptions: { ...base.subscriptions, deliverHere: false, pollMs: 50, sweepMs: 500, lockMs: 1_000, queuePrefix },
    });
    fhir = new FhirClient(server.base);
    receiver = await new TestReceiver().start();
    workerEnv = {
      DATABASE_URL: server.database.url as string,
      REDIS_URL: redisUrl,
      AUTH: 'off',
      LOG_LEVEL: 'silent',
      DEFAULT_PROFILES: 'off',
      SYNTHETIC_IDENTIFIERS: 'accept',
      SUBSCRIPTION_ALLOWED_HOSTS: '127.0.0.1',
      SUBSCRIPTION_QUEUE_PREFIX: queuePrefix,
      SUBSCRIPTION_LOCK_MS: '1000',
      SUBSCRIPTION_RETRY_BASE_MS: '50',
      SUBSCRIPTION_RETRY_MAX_DELAY_MS: '500',
      SUBSCRIPTION_WORKER_CONCURRENCY: '4',
    };
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => kill(w)));
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
    await kill(redis);
  });

  async function worker(): Promise<ChildProcess> {
    const started = await startWorker(workerEnv);
    workers.push(started);
    return started;
  }

  async function subscribe(code: string): Promise<string> {
    const created = await fhir.create<Subscription>({
      resourceType: 'Subscription',
      status: 'active',
      reason: 'durability',
      criteria: `Observation?code=${LOINC}|${code}`,
      extension: [{ url: SECRET_EXTENSION, valueString: randomBytes(32).toString('base64url') }],
      channel: { type: 'rest-hook', endpoint: `${receiver.url}/hook`, payload: 'application/fhir+json' },
    });
    return created.id;
  }

  async function write(code: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const observation: Observation = { resourceType: 'Observation', status: 'final', code: { coding: [{ system: LOINC, code }] }, valueInteger: i };
      await fhir.create(observation);
    }
  }

  /** Distinct event numbers delivered with a 2xx to the subscription. */
  function delivered(id: string): Set<string> {
    return new Set(receiver.of(id).filter((r) => r.status === 200).map((r) => r.headers['x-knutepunkt-event-number'] as string));
  }

  const all = (count: number): Set<string> => new Set(Array.from({ length: count }, (_, i) => String(i + 1)));

  test('a delivery worker killed mid-run: a new worker delivers every event, duplicates recognisable by id', async () => {
    const id = await subscribe('8867-4');
    receiver.delayMs = 20;
    const first = await worker();
    await write('8867-4', EVENTS);
    await receiver.waitFor(() => receiver.of(id).length >= 5, 20_000);
    await kill(first); // mid-run: jobs in flight, jobs waiting
    expect(delivered(id).size).toBeLessThan(EVENTS);
    await worker();
    await receiver.waitFor(() => delivered(id).size === EVENTS, 30_000);
    expect(delivered(id)).toEqual(all(EVENTS));
    // At least once: a repeat carries the same notification id as the first delivery of its event.
    const idsByNumber = new Map<string, Set<string>>();
    for (const r of receiver.of(id)) {
      const number = r.headers['x-knutepunkt-event-number'] as string;
      idsByNumber.set(number, (idsByNumber.get(number) ?? new Set()).add(r.headers['x-knutepunkt-notification-id'] as string));
    }
    expect([...idsByNumber.values()].every((ids) => ids.size === 1)).toBe(true);
  }, 90_000);

  test('Redis restarted mid-run, losing every queued job: the log is swept into the new Redis and every event arrives', async () => {
    const id = await subscribe('29463-7');
    receiver.delayMs = 20;
    await worker();
    await write('29463-7', EVENTS);
    await receiver.waitFor(() => receiver.of(id).length >= 5, 20_000);
    await kill(redis);
    // Written while Redis is down: recorded in the log, queued once it is back.
    await write('29463-7', 10);
    redis = await startRedis(redisPort);
    await receiver.waitFor(() => delivered(id).size === EVENTS + 10, 60_000);
    expect(delivered(id)).toEqual(all(EVENTS + 10));
  }, 120_000);
});
