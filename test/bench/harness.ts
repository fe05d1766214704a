import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Pool } from 'undici';
import postgres from 'postgres';

/** Latency figures of one scenario, in milliseconds, and its throughput. */
export interface Figures {
  scenario: string;
  requests: number;
  /** Resources handled per request (100 for a 100-entry transaction). */
  resourcesPerRequest: number;
  concurrency: number;
  seconds: number;
  latencies: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

/** Prints the scenarios as a Markdown table (the README's performance section uses it as is). */
export function printTable(rows: Figures[]): void {
  console.log('| scenario | concurrency | requests | median ms | p95 ms | p99 ms | req/s | resources/s |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    const rps = r.requests / r.seconds;
    console.log(
      `| ${r.scenario} | ${r.concurrency} | ${r.requests} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 95))} | ${ms(percentile(sorted, 99))} | ${rps.toFixed(0)} | ${(rps * r.resourcesPerRequest).toFixed(0)} |`
    );
  }
}

/** Runs `count` requests with `concurrency` workers; `makeRequest(i)` performs request i. */
export async function load(
  scenario: string,
  count: number,
  concurrency: number,
  resourcesPerRequest: number,
  makeRequest: (i: number) => Promise<void>
): Promise<Figures> {
  const latencies: number[] = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const t0 = performance.now();
        const watchdog = setTimeout(() => console.error(`${scenario}: request ${i} has taken over 5 s`), 5000);
        await makeRequest(i);
        clearTimeout(watchdog);
        latencies[i] = performance.now() - t0;
      }
    })
  );
  return { scenario, requests: count, resourcesPerRequest, concurrency, seconds: (performance.now() - started) / 1000, latencies };
}

/** A connection pool to the server with helpers that fail loudly on unexpected statuses. */
export class BenchClient {
  readonly pool: Pool;
  readonly base: string;
  constructor(origin: string, connections: number) {
    this.pool = new Pool(origin, { connections, pipelining: 1 });
    this.base = '/fhir';
  }

  async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown, expected = [200, 201], headers: Record<string, string> = {}): Promise<string> {
    const res = await this.pool.request({
      method,
      path: `${this.base}/${path}`,
      headers: { ...(body ? { 'content-type': 'application/fhir+json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.body.text();
    if (!expected.includes(res.statusCode)) {
      throw new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
    }
    return text;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  return port;
}

/**
 * Starts `npm start`'s server in its own process (so the load generator does not share its event
 * loop); `cwd`: the checkout whose server it is (write-baseline.ts runs an earlier commit's).
 */
export async function startServerProcess(env: Record<string, string>, cwd?: string): Promise<{ origin: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['server/main.ts'], {
    cwd,
    env: { ...process.env, AUTH: 'off', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      const res = await fetch(`${origin}/healthz`);
      if (res.ok) {
        return { origin, child };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('server did not start');
}

/** A latency for the table; a dash for scenarios that measure throughput only. */
function ms(value: number): string {
  return Number.isNaN(value) ? '–' : value.toFixed(2);
}

/** Runs `fn` against a fresh database made through `adminUrl`, dropped afterwards. */
export async function withBenchDatabase<T>(adminUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const dbName = `knutepunkt_bench_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  try {
    return await fn(url.toString());
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}
