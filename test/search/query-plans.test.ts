import type { Bundle, Parameters } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { usingPostgres } from '../support/database.ts';
import { useTestServer } from '../support/server.ts';

/**
 * Plans at scale: a count or a key lookup is answered from the value index alone (an index-only
 * scan, no visit to the table's pages), which is what keeps `_summary=count` on a common code of a
 * million Observations within its budget. Checked through `_explain`, on rows generated in SQL so
 * that PostgreSQL's statistics describe a table of some size.
 */
const env = useTestServer();
const fhir = env.fhir;

const OBSERVATIONS = 30_000;
const CODES = 10;

const plan = (p: Parameters, name: 'sql' | 'plan') => p.parameter?.find((x) => x.name === name)?.valueString ?? '';

describe.skipIf(!usingPostgres)('query plans (PostgreSQL)', () => {
  beforeAll(async () => {
    const db = env.server.services.db;
    const registry = env.server.services.store.registry;
    const code = registry.get('Observation', 'code')?.id;
    const date = registry.get('Observation', 'date')?.id;
    await db.query(
      `WITH o AS (
         INSERT INTO resource (tenant, resource_type, id, version, last_updated, content)
         SELECT 'default', 'Observation', 'plan-' || g, 1, now(), '{"resourceType":"Observation","id":"plan-' || g || '"}'
         FROM generate_series(1, ${OBSERVATIONS}) g
         RETURNING rkey),
       t AS (INSERT INTO idx_token (tenant, param, rkey, system, code) SELECT 'default', $1, rkey, 'http://loinc.org', 'c' || (rkey % ${CODES}) FROM o)
       INSERT INTO idx_date (tenant, param, rkey, low, high)
       SELECT 'default', $2, rkey, timestamptz '2026-01-01' + (rkey % 300) * interval '1 day', timestamptz '2026-01-01' + (rkey % 300 + 1) * interval '1 day' FROM o`,
      [code, date]
    );
    // What autovacuum does on a live server: statistics, and the visibility map an index-only scan needs.
    for (const table of ['resource', 'idx_token', 'idx_date']) {
      await db.query(`VACUUM ANALYZE ${table}`);
    }
  }, 60_000);

  test('_summary=count of one code counts its keys from idx_token_value alone, and counts right', async () => {
    const explained = await fhir.get<Parameters>('Observation?code=http://loinc.org|c3&_summary=count&_explain=plan');
    expect(explained.status, explained.text).toBe(200);
    expect(plan(explained.body, 'sql')).toMatch(/^SELECT count\(DISTINCT k\.rkey\)/);
    expect(plan(explained.body, 'plan')).toMatch(/Index Only Scan using idx_token_value/);
    expect(plan(explained.body, 'plan')).not.toMatch(/Seq Scan/);
    const counted = await fhir.get<Bundle>('Observation?code=http://loinc.org|c3&_summary=count');
    expect(counted.body.total).toBe(OBSERVATIONS / CODES);
  });

  test('a date range is counted from the date indexes, never a scan', async () => {
    const explained = await fhir.get<Parameters>('Observation?date=ge2026-10-01&_summary=count&_explain=plan');
    // ge is two range tests (a period ending after the day, or starting on it): one index each.
    expect(plan(explained.body, 'plan')).toMatch(/Index(?: Only)? Scan on idx_date_high[\s\S]*Index(?: Only)? Scan on idx_date_low|Index Only Scan using idx_date/);
    expect(plan(explained.body, 'plan')).not.toMatch(/Seq Scan/);
    const counted = await fhir.get<Bundle>('Observation?date=ge2026-10-01&_summary=count');
    // Each value is one whole day; those of 1 October (day 273) and after: 27 of every 300 keys.
    expect(counted.body.total).toBe((OBSERVATIONS * 27) / 300);
  });

  test('a page with a total explains both statements it runs', async () => {
    const explained = await fhir.get<Parameters>('Observation?code=http://loinc.org|c3&_total=accurate&_count=5&_explain=plan');
    const sql = plan(explained.body, 'sql');
    expect(sql).toMatch(/^SELECT count\(DISTINCT k\.rkey\)/);
    expect(sql).toMatch(/;\nSELECT q\.id, q\.content/);
  });

  test('searches run on connections that plan each statement for its values; writes keep cached plans', async () => {
    const db = env.server.services.db;
    const search = db.searchPool(0);
    try {
      expect((await search?.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))?.[0].plan_cache_mode).toBe('force_custom_plan');
      expect((await db.query<{ plan_cache_mode: string }>('SHOW plan_cache_mode'))[0].plan_cache_mode).toBe('auto');
    } finally {
      await search?.close();
    }
  });
});
