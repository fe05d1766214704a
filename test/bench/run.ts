/**
 * `npm run bench`: loads a generated data set through the HTTP API of a server running in its own
 * process on PostgreSQL, and prints a table of median, p95, p99 and throughput per scenario.
 *
 * Settings (environment):
 *   BENCH_DATABASE_URL  admin connection used to create a fresh bench database
 *                       (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_OBSERVATIONS  Observations in the search data set (default 100000; the target is 1000000)
 *   BENCH_PATIENTS      patients they are spread over (default BENCH_OBSERVATIONS / 100)
 *   BENCH_SCENARIOS     "validation" runs only the in-process validation scenarios (no database);
 *                       "subscriptions" only the notification scenarios; "auth" only token validation
 *                       and the cost of the audit trail; "write-baseline" creates of this checkout
 *                       against an earlier commit's (BENCH_BASELINE), in pairs (write-baseline.ts)
 *   BENCH_REDIS_URL     Redis for the notification scenarios (default redis://127.0.0.1:6379)
 *   BENCH_KEEP_DATABASE set: the search data set's database is kept for inspection, not dropped
 *
 * After the searches, a SearchParameter is defined over the data set and its re-index job runs
 * while searches and creates go on (reindex.ts).
 */
import postgres from 'postgres';
import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { syntheticFnr, FNR_SYSTEM } from '../support/identities.ts';
import type { Figures } from './harness.ts';
import { BenchClient, load, printTable, startServerProcess, withBenchDatabase } from './harness.ts';
import { CODES, DAY, observation, START } from './dataset.ts';
import { benchValidation } from './validation.ts';
import { benchSubscriptions } from './subscriptions.ts';
import { auditCost, benchAuth } from './auth.ts';
import { benchReindex } from './reindex.ts';
import { benchWriteBaseline } from './write-baseline.ts';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const observations = Number(process.env.BENCH_OBSERVATIONS ?? 100_000);
const patients = Number(process.env.BENCH_PATIENTS ?? Math.max(10, Math.round(observations / 100)));

function patient(i: number): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(i) }],
    name: [{ family: `Benchmark${i}`, given: ['Test'] }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: '1950-01-01',
  };
}

function transaction(resources: (Observation | Patient)[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
  };
}

async function notificationScenarios(): Promise<void> {
  const rows = await withBenchDatabase(adminUrl, (url) => benchSubscriptions(url, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'));
  console.log(`\nSubscriptions: rest-hook delivery on loopback (PostgreSQL, Redis, one worker process; ${new Date().toISOString().slice(0, 10)})\n`);
  printTable(rows);
}

async function authScenarios(): Promise<void> {
  const rows = await withBenchDatabase(adminUrl, (url) => benchAuth(url));
  console.log(`\nAuthentication and audit (PostgreSQL, one server process, authenticated clients; ${new Date().toISOString().slice(0, 10)})\n`);
  printTable(rows);
  console.log(`\nWrite throughput lost to the audit trail: ${medianCost(auditCost(rows))}`);
}

/** The median of pairs' costs (fractions of throughput lost), and each pair's. */
function medianCost(costs: number[]): string {
  const sorted = [...costs].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  return `median ${pct(median)} over ${costs.length} pairs (each: ${costs.map(pct).join(', ')})`;
}

async function writeBaselineScenarios(): Promise<void> {
  const { rows, costs } = await benchWriteBaseline(adminUrl, process.env.BENCH_BASELINE ?? '0ea994e');
  console.log(`\nWrite throughput against an earlier commit (PostgreSQL, one server process at a time; ${new Date().toISOString().slice(0, 10)})\n`);
  printTable(rows);
  console.log(`\nWrite throughput lost since the earlier commit: ${medianCost(costs)}`);
}

async function main(): Promise<void> {
  const only = process.env.BENCH_SCENARIOS;
  if (only === 'subscriptions') {
    await notificationScenarios();
    return;
  }
  if (only === 'auth') {
    await authScenarios();
    return;
  }
  if (only === 'write-baseline') {
    await writeBaselineScenarios();
    return;
  }
  console.log('\nValidation, in-process on one core (median ms per resource; resources/s is per core)\n');
  printTable(benchValidation());
  if (only === 'validation') {
    return;
  }
  const dbName = `knutepunkt_bench_${Date.now()}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  // The data set uses synthetic Test Norge identities.
  const { origin, child } = await startServerProcess({ DATABASE_URL: url.toString(), SYNTHETIC_IDENTIFIERS: 'accept' });
  const client = new BenchClient(origin, 16);
  const rows: Figures[] = [];
  try {
    // Patients first, in transactions; their ids are the search subjects.
    const patientIds: string[] = [];
    for (let i = 0; i < patients; i += 100) {
      const batch = Array.from({ length: Math.min(100, patients - i) }, (_, k) => patient(i + k));
      const res = JSON.parse(await client.request('POST', '', transaction(batch))) as Bundle;
      patientIds.push(...(res.entry ?? []).map((e) => (e.resource as Patient).id as string));
    }

    rows.push(
      await load('create Observation', 4000, 16, 1, async (i) => {
        await client.request('POST', 'Observation', observation(i, `Patient/${patientIds[i % patientIds.length]}`));
      })
    );

    const bundles = Math.ceil(observations / 100);
    const loadStarted = performance.now();
    // Autovacuum's part, which this machine's PostgreSQL leaves undone (autovacuum = off in its CI
    // configuration): every 100,000 Observations a VACUUM ANALYZE beside the load, as autovacuum
    // would start on a live server, so that the outbox's dead rows are reclaimed and plans see the
    // tables as they grow. The load does not wait for it.
    const bench = postgres(url.toString(), { max: 1, onnotice: () => undefined });
    let vacuuming: Promise<unknown> | undefined;
    rows.push(
      await load('transaction, 100 entries', bundles, 4, 100, async (b) => {
        const batch = Array.from({ length: 100 }, (_, k) => {
          const i = b * 100 + k;
          return observation(i, `Patient/${patientIds[i % patientIds.length]}`);
        });
        await client.request('POST', '', transaction(batch));
        if (b % 1000 === 999 && !vacuuming) {
          vacuuming = bench.unsafe('VACUUM ANALYZE').finally(() => (vacuuming = undefined));
        }
      })
    );
    await vacuuming;
    console.error(`loaded ${bundles * 100} Observations in ${((performance.now() - loadStarted) / 1000).toFixed(0)} s`);

    // After an import an operator vacuums and analyses: plans from fresh statistics, and the
    // visibility map that lets counts and key lookups read indexes alone.
    await bench.unsafe('VACUUM ANALYZE');
    await bench.end();

    const sample = JSON.parse(await client.request('GET', 'Observation?_count=200')) as Bundle;
    const ids = (sample.entry ?? []).map((e) => e.resource?.id as string);
    const read = async (i: number): Promise<void> => {
      await client.request('GET', `Observation/${ids[i % ids.length]}`);
    };
    const searchByPatientCodeDate = async (i: number): Promise<void> => {
      const subject = patientIds[(i * 31) % patientIds.length];
      const code = CODES[i % CODES.length];
      const date = new Date(START + (i % 200) * DAY).toISOString().slice(0, 10);
      await client.request('GET', `Observation?subject=Patient/${subject}&code=http://loinc.org|${code}&date=ge${date}`);
    };
    // Issue #6: a one-level chain by the patient's fødselsnummer, a count over a common code, and a
    // page of 100 with the patients it names included.
    const searchByChain = async (i: number): Promise<void> => {
      const n = (i * 31) % patients;
      await client.request('GET', `Observation?subject:Patient.identifier=${FNR_SYSTEM}|${syntheticFnr(n)}&code=http://loinc.org|${CODES[i % CODES.length]}`);
    };
    const countCommonCode = async (i: number): Promise<void> => {
      await client.request('GET', `Observation?code=http://loinc.org|${CODES[i % CODES.length]}&_summary=count`);
    };
    const pageWithPatients = async (i: number): Promise<void> => {
      const date = new Date(START + (i % 200) * DAY).toISOString().slice(0, 10);
      await client.request('GET', `Observation?code=http://loinc.org|${CODES[i % CODES.length]}&date=ge${date}&_count=100&_include=Observation:subject`);
    };
    rows.push(await load('read by id', 2000, 1, 1, read));
    rows.push(await load('read by id', 20000, 16, 1, read));
    rows.push(await load('search subject+code+date', 1000, 1, 1, searchByPatientCodeDate));
    rows.push(await load('search subject+code+date', 4000, 16, 1, searchByPatientCodeDate));
    rows.push(await load('search chain subject:Patient.identifier + code', 1000, 1, 1, searchByChain));
    rows.push(await load('_summary=count on a common code', 50, 1, 1, countCommonCode));
    rows.push(await load('page of 100 + _include of its patients', 300, 1, 1, pageWithPatients));
    let created = 0;
    const createDuring = async (): Promise<void> => {
      const i = observations + 4000 + created++;
      await client.request('POST', 'Observation', observation(i, `Patient/${patientIds[i % patientIds.length]}`));
    };
    rows.push(...(await benchReindex(client, searchByPatientCodeDate, createDuring)));
  } catch (err) {
    console.error('benchmark failed:', err);
    process.exitCode = 1;
  } finally {
    await client.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (process.env.BENCH_KEEP_DATABASE) {
      console.error(`kept the bench database ${dbName} (BENCH_KEEP_DATABASE): drop it when done`);
    } else {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    }
    await admin.end();
  }
  console.log(`\nData set: ${patients} patients, ${observations + 4000} Observations (PostgreSQL, ${new Date().toISOString().slice(0, 10)})\n`);
  printTable(rows);
  await notificationScenarios();
}

await main();
