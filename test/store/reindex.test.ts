import type { Patient, Resource, SearchParameter } from '@medplum/fhirtypes';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadBaseDefinitions } from '../../server/fhir/definitions.ts';
import { parseSearch, queryRecord } from '../../server/fhir/search-request.ts';
import { listMigrations, migrate } from '../../server/store/migrate.ts';
import { listJobs } from '../../server/store/reindex/jobs.ts';
import { ReindexRunner } from '../../server/store/reindex/runner.ts';
import { ResourceStore } from '../../server/store/resource-store.ts';
import { CustomParamSync } from '../../server/store/search/custom-param-sync.ts';
import { SearchParamRegistry } from '../../server/store/search/registry.ts';
import type { TestDatabase } from '../support/database.ts';
import { createTestDatabase, usingPostgres } from '../support/database.ts';

/**
 * Two server processes on one database, each with its own registry: a SearchParameter one of
 * them stores is found by the other's sync, re-indexed exactly once, and a job whose process died
 * goes on from the cursor of its last batch in another process.
 */

const TENANT = 'reindex';
let database: TestDatabase;

interface Process {
  registry: SearchParamRegistry;
  store: ResourceStore;
  sync: CustomParamSync;
}

async function startProcess(): Promise<Process> {
  const registry = await SearchParamRegistry.load(database.db);
  const store = new ResourceStore(database.db, registry);
  return { registry, store, sync: new CustomParamSync(database.db, registry, { intervalMs: 60_000 }) };
}

let version = 0;
async function put(store: ResourceStore, resource: Resource & { id: string }): Promise<void> {
  version++;
  await store.writeResource(TENANT, { ...resource, meta: { versionId: '1', lastUpdated: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString() } }, 1, 'PUT');
}

async function ids(process: Process, query: string): Promise<string[]> {
  const page = await process.store.search(parseSearch('Patient', queryRecord(query)), { tenant: TENANT });
  return page.rows.map((r) => r.id).sort();
}

const colour: SearchParameter & { id: string } = {
  resourceType: 'SearchParameter',
  id: 'colour',
  url: 'https://example.org/fhir/SearchParameter/colour',
  name: 'colour',
  status: 'active',
  description: 'The favourite colour the test writes in an extension',
  code: 'colour',
  base: ['Patient'],
  type: 'token',
  expression: "Patient.extension.where(url = 'https://example.org/colour').value",
};
const patient = (id: string, value: string): Patient & { id: string } => ({
  resourceType: 'Patient',
  id,
  extension: [{ url: 'https://example.org/colour', valueCode: value }],
});

beforeAll(async () => {
  loadBaseDefinitions();
  database = await createTestDatabase();
  await migrate(database.db);
});

afterAll(async () => {
  await database?.drop();
});

describe('SearchParameters across processes', () => {
  test('the process that did not write the definition learns it, and only one job is enqueued', async () => {
    const a = await startProcess();
    const b = await startProcess();
    for (let i = 0; i < 7; i++) {
      await put(a.store, patient(`p${i}`, i % 2 ? 'red' : 'blue'));
    }
    await put(a.store, colour);
    await Promise.all([a.sync.refresh(), b.sync.refresh(), a.sync.refresh()]);
    expect(b.registry.get('Patient', 'colour')?.custom).toBe(true);
    expect(b.registry.get('Patient', 'colour')?.id).toBe(a.registry.get('Patient', 'colour')?.id);
    const jobs = await listJobs(database.db);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'queued', resourceTypes: ['Patient'], params: [a.registry.get('Patient', 'colour')?.id] });
    expect(b.registry.indexing.has(b.registry.get('Patient', 'colour')?.id as number)).toBe(true);

    // B writes with the new parameter at once; the stored patients wait for the job.
    await put(b.store, patient('late', 'red'));
    expect(await ids(a, 'colour=red')).toEqual(['late']);

    await database.db.query("UPDATE reindex_job SET not_before = now() - interval '1 second'");
    const runner = new ReindexRunner(database.db, b.registry, { batchSize: 3 });
    await runner.runDue();
    const [done] = await listJobs(database.db);
    expect(done).toMatchObject({ state: 'done', processed: 8, total: 8, percent: 100 });
    expect(await ids(a, 'colour=red')).toEqual(['late', 'p1', 'p3', 'p5']);
    await b.sync.refreshIndexing();
    expect(b.registry.indexing.size).toBe(0);
  });

  test('a job whose process died is taken over from its cursor', async () => {
    const c = await startProcess();
    await c.sync.refresh();
    const param = c.registry.get('Patient', 'colour')?.id as number;
    const [{ first, last }] = await database.db.query<{ first: string; last: string }>(
      "SELECT min(rkey) AS first, max(rkey) AS last FROM resource WHERE resource_type = 'Patient'"
    );
    // A dead process's job: it had done the resources up to `first` (its last committed batch).
    await database.db.query('DELETE FROM idx_token WHERE param = $1', [param]);
    await database.db.query(
      `INSERT INTO reindex_job (resource_types, params, reason, state, cursor_rkey, processed, total, worker, heartbeat, started_at)
       VALUES ('{Patient}', $1, 'test', 'running', $2, 1, 8, 'dead', now() - interval '1 hour', now() - interval '1 hour')`,
      [[param], first]
    );
    const fresh = new ReindexRunner(database.db, c.registry, { batchSize: 2, staleMs: 60_000 });
    await fresh.runDue();
    const [job] = await listJobs(database.db);
    expect(job).toMatchObject({ state: 'done', processed: 8, total: 8 });
    const rows = await database.db.query<{ rkey: string }>('SELECT rkey FROM idx_token WHERE param = $1 ORDER BY rkey', [param]);
    // Every resource after the cursor was indexed again; the one before it, the dead job's, was not.
    expect(rows.map((r) => Number(r.rkey))).not.toContain(Number(first));
    expect(rows.map((r) => Number(r.rkey))).toContain(Number(last));
    expect(rows).toHaveLength(7);

    // A running job with a live heartbeat is left to its process.
    await database.db.query(
      `INSERT INTO reindex_job (resource_types, params, reason, state, worker, heartbeat) VALUES ('{Patient}', $1, 'test', 'running', 'alive', now())`,
      [[param]]
    );
    await fresh.runDue();
    expect((await listJobs(database.db))[0].state).toBe('running');
  });
});

describe('an upgrade of a database that holds resources', () => {
  test('enqueues one re-index of every type it holds; a new database gets none', async () => {
    const upgraded = await createTestDatabase();
    const older = mkdtempSync(join(tmpdir(), 'kp-migrations-'));
    try {
      const shipped = join(import.meta.dirname, '../../server/store/migrations');
      for (const file of readdirSync(shipped).filter((f) => f < '010')) {
        cpSync(join(shipped, file), join(older, file));
      }
      await migrate(upgraded.db, older);
      const registry = await SearchParamRegistry.load(upgraded.db);
      const store = new ResourceStore(upgraded.db, registry);
      await store.writeResource(TENANT, { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z' } }, 1, 'PUT');
      await put(store, patient('q1', 'green'));
      await migrate(upgraded.db);
      const jobs = await listJobs(upgraded.db);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ state: 'queued', resourceTypes: ['Observation', 'Patient'], reason: 'index rows added by an upgrade' });
      expect(jobs[0].params).toBeUndefined();
    } finally {
      rmSync(older, { recursive: true, force: true });
      await upgraded.drop();
    }
    expect(listMigrations().some((m) => m.name.startsWith('010_'))).toBe(true);
    expect(await listJobs(database.db)).not.toContainEqual(expect.objectContaining({ reason: 'index rows added by an upgrade' }));
  });
});

describe.skipIf(!usingPostgres)('a write that overlaps a re-index batch (PostgreSQL)', () => {
  /**
   * A batch holds the resource's row and commits rows built from the old version while a write of
   * that resource waits for it. The write must replace them: with the lock taken first it does;
   * without (no job open, so never needed) the old rows would stay beside the new ones.
   */
  /** Until a statement of this database waits for a row lock: the write has reached the batch's row. */
  async function waitingForLock(): Promise<void> {
    for (const until = Date.now() + 10_000; Date.now() < until; ) {
      const [{ n }] = await database.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
      );
      if (n > 0) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the write never waited for the batch');
  }

  async function overlap(lockFirst: boolean): Promise<string[]> {
    const p = await startProcess();
    await p.sync.refresh();
    const param = p.registry.get('Patient', 'colour')?.id as number;
    const id = `overlap-${lockFirst}`;
    await put(p.store, patient(id, 'blue'));
    const [{ rkey }] = await database.db.query<{ rkey: string }>("SELECT rkey FROM resource WHERE id = $1", [id]);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const batch = database.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM resource WHERE rkey = $1 FOR UPDATE', [rkey]);
      await tx.query('DELETE FROM idx_token WHERE rkey = $1 AND param = $2', [rkey, param]);
      await tx.query("INSERT INTO idx_token (tenant, param, rkey, code) VALUES ($1, $2, $3, 'blue')", [TENANT, param, rkey]);
      locked();
      await released;
    });
    await holding;
    p.registry.reindexing = lockFirst;
    version++;
    const write = p.store.writeResource(TENANT, { ...patient(id, 'red'), meta: { versionId: '2', lastUpdated: new Date(Date.UTC(2026, 0, 2, 0, 0, version)).toISOString() } }, 2, 'PUT');
    await waitingForLock();
    release();
    await batch;
    await write;
    const rows = await database.db.query<{ code: string }>('SELECT code FROM idx_token WHERE rkey = $1 AND param = $2 ORDER BY code', [rkey, param]);
    return rows.map((r) => r.code);
  }

  test('with a job open, the write locks first and keeps only its own rows', async () => {
    expect(await overlap(true)).toEqual(['red']);
  });

  test('the race it prevents: without the lock first, the batch\'s rows would stay', async () => {
    expect(await overlap(false)).toEqual(['blue', 'red']);
  });
});
