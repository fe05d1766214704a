import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import type { ReindexJob } from '../../server/store/reindex/jobs.ts';
import type { BenchClient, Figures } from './harness.ts';

/**
 * A SearchParameter defined at run time over the whole data set: how long its re-index job takes,
 * and what searches and writes cost while it runs (the "without downtime"). At the end the
 * new parameter must find every Observation, or the benchmark fails.
 */

const DEFINITION: SearchParameter = {
  resourceType: 'SearchParameter',
  url: 'https://knutepunkt.dev/fhir/SearchParameter/bench-measured-unit',
  name: 'BenchMeasuredUnit',
  status: 'active',
  description: 'The UCUM code of an Observation value, defined during the benchmark',
  code: 'measured-unit',
  base: ['Observation'],
  type: 'token',
  expression: '(Observation.value as Quantity).code',
};

/** Runs `makeRequest` with `concurrency` workers until `stop()` says so. */
async function loadUntil(scenario: string, concurrency: number, stop: () => boolean, makeRequest: (i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        const t0 = performance.now();
        await makeRequest(next++);
        latencies.push(performance.now() - t0);
      }
    })
  );
  return { scenario, requests: latencies.length, resourcesPerRequest: 1, concurrency, seconds: (performance.now() - started) / 1000, latencies };
}

async function jobs(client: BenchClient): Promise<ReindexJob[]> {
  const res = await client.pool.request({ method: 'GET', path: '/admin/reindex-jobs' });
  return (await res.body.json()) as ReindexJob[];
}

async function total(client: BenchClient, query: string): Promise<number> {
  return (JSON.parse(await client.request('GET', `Observation?${query}_summary=count`)) as Bundle).total as number;
}

export async function benchReindex(
  client: BenchClient,
  search: (i: number) => Promise<void>,
  create: (i: number) => Promise<void>
): Promise<Figures[]> {
  // The jobs of the profiles' own parameters, from the server's start, are older than this one.
  const before = Math.max(0, ...(await jobs(client)).map((j) => j.id));
  await client.request('POST', 'SearchParameter', DEFINITION, [201]);
  let job: ReindexJob | undefined;
  const watcher = (async () => {
    while (!job) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const ours = (await jobs(client)).find((j) => j.id > before);
      if (ours && (ours.state === 'done' || ours.state === 'failed')) {
        job = ours;
      } else {
        console.error(`re-index: ${ours?.state ?? 'not yet queued'} ${ours?.percent ?? 0} %`);
      }
    }
  })();
  const finished = () => job !== undefined;
  const rows = await Promise.all([
    loadUntil('search subject+code+date, during the re-index', 1, finished, search),
    loadUntil('create Observation, during the re-index', 4, finished, create),
  ]);
  await watcher;
  const done = job as ReindexJob;
  if (done.state !== 'done') {
    throw new Error(`the re-index job ended ${done.state}: ${done.error}`);
  }
  const seconds = (Date.parse(done.finishedAt as string) - Date.parse(done.startedAt as string)) / 1000;
  rows.push({ scenario: 're-index job of a new token parameter', requests: 1, resourcesPerRequest: done.processed, concurrency: 1, seconds, latencies: [seconds * 1000] });
  const [found, all] = [await total(client, 'measured-unit=/min&'), await total(client, '')];
  console.error(`re-index: ${done.processed} resources in ${seconds.toFixed(0)} s; measured-unit finds ${found} of ${all} Observations`);
  if (found !== all) {
    throw new Error(`after the re-index the new parameter finds ${found} of ${all} Observations`);
  }
  return rows;
}
