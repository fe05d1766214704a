import type { Bundle, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { usingPostgres } from '../support/database.ts';
import { useTestServer } from '../support/server.ts';

/**
 * What bounds a search: a time limit after which PostgreSQL cancels it and the client gets a 400
 * too-costly (the server keeps serving), and `_explain` for operators, which shows the SQL and
 * PostgreSQL's plan of a search without guessing.
 */

const LIMIT_MS = 50;
const env = useTestServer({ searchTimeoutMs: LIMIT_MS });
const fhir = env.fhir;

describe('_explain (an administrator\'s, here AUTH=off)', () => {
  test('plan shows the SQL and the plan; analyze runs it; anything else is a 400', async () => {
    const planned = await fhir.get<Parameters>('Patient?birthdate=ge1950-01-01&_explain=plan');
    expect(planned.status, planned.text).toBe(200);
    const value = (name: string, p: Parameters) => p.parameter?.find((x) => x.name === name)?.valueString ?? '';
    expect(value('sql', planned.body)).toMatch(/FROM resource r WHERE r\.tenant = \$1/);
    expect(value('plan', planned.body)).toMatch(/Scan/);
    expect(value('plan', planned.body)).not.toMatch(/actual time/);
    const analyzed = await fhir.get<Parameters>('Patient?birthdate=ge1950-01-01&_explain=analyze');
    expect(value('plan', analyzed.body)).toMatch(/actual time/);
    expect((await fhir.get('Patient?_explain=yes')).status).toBe(400);
    expect((await fhir.get('Patient?birthdate=not-a-date&_explain=plan')).status).toBe(400);
  });
});

describe.skipIf(!usingPostgres)('the search time limit (PostgreSQL)', () => {
  test('a search that runs past the limit is cancelled and answered 400 too-costly; the next one is served', async () => {
    const db = env.server.services.db;
    const name = env.server.services.store.registry.get('Patient', 'name');
    // 400,000 patients whose names all contain an "a": counting the matches of a one-letter
    // :contains reads all of them, which takes far longer than the limit.
    await db.query(
      `WITH p AS (
         INSERT INTO resource (tenant, resource_type, id, version, last_updated, content)
         SELECT 'default', 'Patient', 'tregt-' || g, 1, now(), '{"resourceType":"Patient","id":"tregt-' || g || '"}'
         FROM generate_series(1, 400000) g
         RETURNING rkey)
       INSERT INTO idx_string (tenant, param, rkey, norm, exact) SELECT 'default', $1, rkey, 'tregesen ' || rkey, 'Tregesen' FROM p`,
      [name?.id]
    );
    await db.query('ANALYZE resource');
    await db.query('ANALYZE idx_string');
    const started = performance.now();
    const slow = await fhir.get<OperationOutcome>('Patient?name:contains=e&_total=accurate&_count=1');
    const took = performance.now() - started;
    expect(slow.status, slow.text).toBe(400);
    expect(slow.body.issue?.[0]?.code).toBe('too-costly');
    expect(slow.body.issue?.[0]?.details?.text).toMatch(new RegExp(`limit of ${LIMIT_MS} ms`));
    expect(took).toBeLessThan(5_000);
    // In a transaction the limit holds too: the bundle fails as a whole, with the same outcome.
    const bundle = await fhir.post<OperationOutcome>('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Patient?name:contains=e&_total=accurate&_count=1' } },
        { resource: { resourceType: 'Patient', name: [{ family: 'Ikke-lagret' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(bundle.status, bundle.text).toBe(400);
    expect(JSON.stringify(bundle.body)).toMatch(/too-costly|limit of/);
    expect(((await fhir.get<Bundle>('Patient?family=Ikke-lagret')).body.entry ?? []).length).toBe(0);
    // The server serves on.
    const page = await fhir.get<Bundle>('Patient?_id=tregt-7');
    expect(page.status, page.text).toBe(200);
    expect(page.body.entry).toHaveLength(1);
  });
});
