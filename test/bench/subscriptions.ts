import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { Bundle, Observation, Subscription } from '@medplum/fhirtypes';
import { SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';
import type { Figures } from './harness.ts';
import { BenchClient, startServerProcess } from './harness.ts';

/**
 * Subscription delivery, end to end on loopback: a server process (relay, PostgreSQL, BullMQ on
 * Redis), one `npm run worker` process delivering, and a receiver in this process.
 *   - latency: 200 writes/s paced for 20 s with 100 active subscriptions (each write matches one),
 *     from the version's lastUpdated stamp (taken just before its commit) to the receiver's arrival,
 *     after 2 s at the same rate that are not measured (steady state, not start-up);
 *   - throughput: 10 subscriptions all matching 1,000 writes loaded in transactions, i.e. 10,000
 *     notifications through one worker, from the first arrival to the last.
 */

const RATE = 200;
const SECONDS = 20;
const LOINC = 'http://loinc.org';

interface Arrival {
  focus: string;
  at: number;
}

class Receiver {
  readonly arrivals: Arrival[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        this.arrivals.push({ focus: String(req.headers['x-knutepunkt-focus']), at: Date.now() });
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async waitFor(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.arrivals.length < count) {
      if (Date.now() > deadline) {
        throw new Error(`receiver: ${this.arrivals.length} of ${count} notifications after ${timeoutMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

const observation = (code: string, subject: string, value: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: LOINC, code }] },
  subject: { reference: subject },
  effectiveDateTime: '2026-03-01T10:00:00Z',
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function subscribe(client: BenchClient, criteria: string, endpoint: string): Promise<void> {
  const subscription: Subscription = {
    resourceType: 'Subscription',
    status: 'active',
    reason: 'benchmark',
    criteria,
    extension: [{ url: SECRET_EXTENSION, valueString: randomBytes(32).toString('base64url') }],
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
  };
  await client.request('POST', 'Subscription', subscription);
}

function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['subscriptions/worker.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('delivery worker started')) {
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

export async function benchSubscriptions(databaseUrl: string, redisUrl: string): Promise<Figures[]> {
  const receiver = new Receiver();
  await receiver.start();
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    SYNTHETIC_IDENTIFIERS: 'accept',
    SUBSCRIPTION_ALLOWED_HOSTS: '127.0.0.1',
    SUBSCRIPTION_DELIVERY: 'worker',
    SUBSCRIPTION_QUEUE_PREFIX: `kp-bench-${randomBytes(4).toString('hex')}`,
  };
  const { origin, child } = await startServerProcess(env);
  const worker = await startWorker({ ...env, AUTH: 'off', LOG_LEVEL: 'warn' });
  const client = new BenchClient(origin, 32);
  const rows: Figures[] = [];
  try {
    // Latency: 100 subscriptions, one per patient; each write matches exactly one of them.
    for (let p = 0; p < 100; p++) {
      await subscribe(client, `Observation?subject=Patient/bench-${p}`, `${receiver.url}/latency`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000)); // the relay takes in the subscriptions
    // Two seconds at the same rate first, not measured: connections open, code is compiled.
    const pace = async (count: number, label: string, stamped?: Map<string, number>): Promise<number> => {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: count }, async (_, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (i * 1000) / RATE - performance.now())));
          const body = await client.request('POST', 'Observation', observation('8867-4', `Patient/${label}-${i % 100}`, 60 + (i % 50)));
          const written = JSON.parse(body) as Observation;
          stamped?.set(`Observation/${written.id}/_history/1`, Date.parse(written.meta?.lastUpdated as string));
        })
      );
      return started;
    };
    await pace(RATE * 2, 'bench');
    await receiver.waitFor(RATE * 2, 60_000);
    receiver.arrivals.length = 0;
    const writes = RATE * SECONDS;
    const stamped = new Map<string, number>();
    const started = await pace(writes, 'bench', stamped);
    await receiver.waitFor(writes, 60_000);
    const latencies = receiver.arrivals.map((a) => a.at - (stamped.get(a.focus) ?? Number.NaN)).filter((l) => !Number.isNaN(l));
    rows.push({
      scenario: `notify: commit → receiver, ${RATE} writes/s, 100 subscriptions`,
      requests: latencies.length,
      resourcesPerRequest: 1,
      concurrency: 1,
      seconds: (performance.now() - started) / 1000,
      latencies,
    });

    // Throughput: 10 subscriptions on one code, 1,000 writes in transactions of 100.
    receiver.arrivals.length = 0;
    for (let s = 0; s < 10; s++) {
      await subscribe(client, `Observation?code=${LOINC}|8480-6`, `${receiver.url}/throughput`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    for (let b = 0; b < 10; b++) {
      const bundle: Bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: 100 }, (_, k) => ({
          resource: observation('8480-6', `Patient/bulk-${k}`, 100 + k),
          request: { method: 'POST', url: 'Observation' },
        })),
      };
      await client.request('POST', '', bundle);
    }
    await receiver.waitFor(10_000, 120_000);
    const first = Math.min(...receiver.arrivals.map((a) => a.at));
    const last = Math.max(...receiver.arrivals.map((a) => a.at));
    rows.push({
      scenario: 'notify: 10,000 notifications, one worker process',
      requests: receiver.arrivals.length,
      resourcesPerRequest: 1,
      concurrency: 32,
      seconds: (last - first) / 1000,
      latencies: [],
    });
  } finally {
    await client.close();
    worker.kill('SIGTERM');
    child.kill('SIGTERM');
    await Promise.all([new Promise((r) => worker.once('exit', r)), new Promise((r) => child.once('exit', r))]);
    await receiver.stop();
  }
  return rows;
}
