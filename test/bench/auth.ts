import type { Observation } from '@medplum/fhirtypes';
import { generateClientKey, loadClientKey, signClientAssertion, signDpopProof } from '../../examples/oauth-client/client.ts';
import type { ClientKey } from '../../examples/oauth-client/client.ts';
import { AuthService } from '../../server/auth/auth-service.ts';
import { loadConfig } from '../../server/config.ts';
import { PostgresDatabase } from '../../server/store/db/postgres-driver.ts';
import { migrate } from '../../server/store/migrate.ts';
import type { Figures } from './harness.ts';
import { BenchClient, load, startServerProcess } from './harness.ts';

/**
 * What authentication and audit cost:
 *   - token validation: AuthService.authenticate in-process (the access token's signature and
 *     claims, the DPoP proof's signature, method, URL, ath and replay check), each call with a
 *     fresh proof, as every request to the FHIR API pays it;
 *   - audit: creates of Observations through a server process with authentication on, with the
 *     audit trail written (AUDIT=on) and not (AUDIT=off), in pairs under the same load. This
 *     machine's throughput drifts by more than the difference measured, so each pair runs back to
 *     back, the order alternates from pair to pair, and the cost is the median over the pairs.
 */

const PAIRS = Number(process.env.BENCH_AUDIT_PAIRS ?? 6);
const REQUESTS = 2500;

const MUNICIPALITY = '920000002';
const CLIENT = 'bench-admin';

async function registerClient(databaseUrl: string): Promise<ClientKey> {
  const db = PostgresDatabase.connect(databaseUrl);
  try {
    await migrate(db);
    const auth = await AuthService.start(db, loadConfig({}).tokens);
    if (!(await auth.clients.tenant(MUNICIPALITY))) {
      await auth.clients.createTenant({ id: MUNICIPALITY, name: 'Benchmark kommune' });
    }
    const { privateJwk, jwks } = await generateClientKey();
    if (await auth.clients.client(CLIENT)) {
      await auth.clients.rotateKeys(CLIENT, { jwks });
    } else {
      await auth.clients.registerClient({ id: CLIENT, tenant: MUNICIPALITY, name: CLIENT, role: 'admin', serviceCodes: [], jwks });
    }
    return loadClientKey(privateJwk);
  } finally {
    await db.close();
  }
}

async function tokenValidation(databaseUrl: string, key: ClientKey): Promise<Figures> {
  const db = PostgresDatabase.connect(databaseUrl);
  try {
    const auth = await AuthService.start(db, loadConfig({}).tokens);
    const where = { issuer: 'http://bench.example', audience: 'http://bench.example/fhir', tokenEndpoint: 'http://bench.example/oauth2/token' };
    const issued = await auth.issue(
      {
        grantType: 'client_credentials',
        assertionType: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        assertion: await signClientAssertion(CLIENT, where.tokenEndpoint, key),
        dpop: await signDpopProof('POST', where.tokenEndpoint, key),
      },
      where
    );
    const url = `${where.audience}/Observation`;
    const count = 5000;
    const proofs = await Promise.all(Array.from({ length: count }, () => signDpopProof('GET', url, key, issued.accessToken)));
    const authorization = `DPoP ${issued.accessToken}`;
    // Warm-up: the first calls compile and import keys.
    for (let i = 0; i < 200; i++) {
      await auth.authenticate({ authorization, dpop: await signDpopProof('GET', url, key, issued.accessToken), method: 'GET', url }, where);
    }
    const latencies: number[] = [];
    const started = performance.now();
    for (const dpop of proofs) {
      const t0 = performance.now();
      await auth.authenticate({ authorization, dpop, method: 'GET', url }, where);
      latencies.push(performance.now() - t0);
    }
    return { scenario: 'token + DPoP proof validation, in-process', requests: count, resourcesPerRequest: 1, concurrency: 1, seconds: (performance.now() - started) / 1000, latencies };
  } finally {
    await db.close();
  }
}

/**
 * Fresh statistics before measuring. The benchmark starts on an empty database, and a server's
 * cached query plans made while its tables held a few rows (sequential scans) would otherwise
 * stay until autovacuum's next ANALYZE, slowing whichever run came first; ANALYZE replaces them.
 */
async function analyze(databaseUrl: string): Promise<void> {
  const db = PostgresDatabase.connect(databaseUrl, 1);
  try {
    await db.query('ANALYZE');
  } finally {
    await db.close();
  }
}

const observation = (i: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: `Patient/bench-${i % 1000}` },
  effectiveDateTime: '2026-03-01T10:00:00Z',
  valueQuantity: { value: 60 + (i % 50), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function writes(databaseUrl: string, key: ClientKey, audit: 'on' | 'off', run: number): Promise<Figures> {
  const { origin, child } = await startServerProcess({ DATABASE_URL: databaseUrl, AUTH: 'on', AUDIT: audit });
  const client = new BenchClient(origin, 16);
  try {
    const discovery = (await (await fetch(`${origin}/.well-known/smart-configuration`)).json()) as { token_endpoint: string };
    const tokenRes = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await signDpopProof('POST', discovery.token_endpoint, key) },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await signClientAssertion(CLIENT, discovery.token_endpoint, key),
      }).toString(),
    });
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const url = `${origin}/fhir/Observation`;
    const create = async (i: number) => {
      const dpop = await signDpopProof('POST', url, key, token);
      await client.request('POST', 'Observation', observation(i), [201], { authorization: `DPoP ${token}`, dpop });
    };
    await load('warm-up', 500, 16, 1, create);
    await analyze(databaseUrl);
    return await load(`create Observation, authenticated, audit ${audit} (pair ${run})`, REQUESTS, 16, 1, create);
  } finally {
    await client.close();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Throughput lost to the audit trail in each pair, as a fraction of the throughput without it. */
export function auditCost(rows: Figures[]): number[] {
  const rate = (f: Figures) => f.requests / f.seconds;
  const costs: number[] = [];
  for (let pair = 1; pair <= PAIRS; pair++) {
    const off = rows.find((r) => r.scenario.endsWith(`audit off (pair ${pair})`));
    const on = rows.find((r) => r.scenario.endsWith(`audit on (pair ${pair})`));
    if (off && on) {
      costs.push(1 - rate(on) / rate(off));
    }
  }
  return costs;
}

export async function benchAuth(databaseUrl: string): Promise<Figures[]> {
  // A server's start makes the schema; registering needs it first.
  const key = await registerClient(databaseUrl);
  const rows: Figures[] = [await tokenValidation(databaseUrl, key)];
  // The order alternates, so neither setting always has the emptier database or the colder machine.
  for (let pair = 1; pair <= PAIRS; pair++) {
    for (const audit of pair % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      rows.push(await writes(databaseUrl, key, audit, pair));
    }
  }
  return rows;
}
