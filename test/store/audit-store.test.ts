import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationOutcomeError } from '@medplum/core';
import type { AuditEvent, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditRecord } from '../../server/audit/audit-event.ts';
import { auditEvent } from '../../server/audit/audit-event.ts';
import { loadBaseDefinitions } from '../../server/fhir/definitions.ts';
import { parseSearch, queryRecord } from '../../server/fhir/search-request.ts';
import { termsOf } from '../../server/store/audit/terms.ts';
import { listMigrations, migrate } from '../../server/store/migrate.ts';
import { ResourceStore } from '../../server/store/resource-store.ts';
import { extractIndexRows } from '../../server/store/search/extract.ts';
import { SearchParamRegistry } from '../../server/store/search/registry.ts';
import { writeVersions } from '../../server/store/write.ts';
import { loadProfileRegistry } from '../../server/validation/profile-registry.ts';
import type { TestDatabase } from '../support/database.ts';
import { createTestDatabase } from '../support/database.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';

/**
 * The audit store (server/store/audit): AuditEvents as one narrow row each, searched by terms.
 * Every search form an access log needs is compared with the events it must find; what equality
 * of terms cannot answer is a 400; events written before the store existed are moved into it by
 * migration 006 with exactly the terms the server would write.
 */

const A = '950000023';
const B = '920000002';
const CLIENTS = 'https://knutepunkt.dev/fhir/client-id';
const fnr = (n: number) => ({ system: FNR_SYSTEM, value: syntheticFnr(n) });

const at = (iso: string) => new Date(iso);
type Event = AuditEvent & { id: string; meta: { lastUpdated: string } };

/** Four events in municipality A, one in B about a patient with the same id. */
function makeEvents(): { tenant: string; event: Event }[] {
  const rec = (r: Omit<AuditRecord, 'patients'> & { patients?: AuditRecord['patients'] }, when: string) => ({
    tenant: r.tenant,
    event: auditEvent({ patients: [], ...r }, at(when)),
  });
  return [
    rec({ tenant: A, clientId: 'vendor-1', role: 'vendor', interaction: 'read', action: 'R', what: 'Patient/p1', patients: [{ ids: ['p1'], identifiers: [fnr(1)] }], status: 200, address: '10.0.0.1' }, '2026-03-01T10:00:00Z'),
    rec(
      {
        tenant: A,
        clientId: 'epj-1',
        role: 'epj',
        interaction: 'search-type',
        action: 'E',
        what: 'Observation',
        query: 'subject=Patient/p1',
        patients: [
          { ids: ['p1'], identifiers: [fnr(1)] },
          { ids: ['p2'], identifiers: [fnr(2)] },
        ],
        status: 200,
      },
      '2026-03-02T10:00:00Z'
    ),
    rec({ tenant: A, clientId: 'vendor-1', role: 'vendor', interaction: 'create', action: 'C', what: 'DetectedIssue', patients: [{ ids: [], identifiers: [fnr(3)] }], status: 403, reason: 'Ikke oppfylt tjenstlig behov' }, '2026-03-03T12:00:00Z'),
    rec({ tenant: A, interaction: 'login', action: 'E', status: 401, reason: 'invalid_client' }, '2026-03-04T08:00:00Z'),
    rec({ tenant: B, clientId: 'vendor-b', role: 'vendor', interaction: 'read', action: 'R', what: 'Patient/p1', patients: [{ ids: ['p1'], identifiers: [fnr(4)] }], status: 200 }, '2026-03-02T11:00:00Z'),
  ];
}

let database: TestDatabase;
let store: ResourceStore;
let events: { tenant: string; event: Event }[];
/** The events of A by their place in makeEvents, as search results are compared. */
const e = (...n: number[]) => n.map((i) => events[i].event.id);

async function ids(query: string, tenant = A): Promise<string[]> {
  const page = await store.search(parseSearch('AuditEvent', queryRecord(`${query}&_count=100`)), { tenant });
  return page.rows.map((r) => r.id);
}

async function refusal(query: string): Promise<string> {
  try {
    await ids(query);
  } catch (err) {
    const outcome = (err as OperationOutcomeError).outcome;
    expect(outcome.issue[0].code).toBe('invalid');
    return outcome.issue[0].details?.text ?? '';
  }
  throw new Error(`expected ${query} to be refused`);
}

beforeAll(async () => {
  loadBaseDefinitions();
  database = await createTestDatabase();
  await migrate(database.db);
  const registry = await SearchParamRegistry.load(database.db);
  registry.codeSets = loadProfileRegistry().terminology; // as the server wires it (services.ts)
  store = new ResourceStore(database.db, registry);
  events = makeEvents();
  await store.writeAuditEvents(events);
});

afterAll(async () => {
  await database?.drop();
});

describe('an access log is a search away', () => {
  test('by patient: reference, id, identifier with and without system, only in the municipality asked', async () => {
    expect(await ids('patient=Patient/p1')).toEqual(e(0, 1));
    expect(await ids('patient=p1')).toEqual(e(0, 1));
    expect(await ids('patient=Patient/p2,Patient/p9')).toEqual(e(1));
    expect(await ids(`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(3)}`)).toEqual(e(2));
    expect(await ids(`patient:identifier=${syntheticFnr(3)}`)).toEqual(e(2));
    expect(await ids(`patient:identifier=${FNR_SYSTEM}|`)).toEqual(e(0, 1, 2));
    expect(await ids(`patient:identifier=|${syntheticFnr(3)}`)).toEqual([]);
    expect(await ids('patient=Patient/p1', B)).toEqual(e(4));
    expect(await ids(`patient:identifier=${syntheticFnr(4)}`)).toEqual([]);
  });

  test('by client, outcome, action, interaction and entity, with :not and :missing', async () => {
    expect(await ids(`agent:identifier=${CLIENTS}|vendor-1`)).toEqual(e(0, 2));
    expect(await ids('agent:missing=true')).toEqual(e(3));
    expect(await ids('agent:missing=false')).toEqual(e(0, 1, 2));
    expect(await ids('outcome=4')).toEqual(e(2, 3));
    expect(await ids('outcome:not=0')).toEqual(e(2, 3));
    expect(await ids('action=C,R')).toEqual(e(0, 2));
    expect(await ids('subtype=read')).toEqual(e(0));
    expect(await ids('subtype=http://hl7.org/fhir/restful-interaction|read')).toEqual(e(0));
    expect(await ids('subtype=|read')).toEqual([]);
    expect(await ids('subtype=http://hl7.org/fhir/restful-interaction|')).toEqual(e(0, 1, 2));
    // The read names the patient as its object; the search names it among the patients it touched.
    expect(await ids('entity=Patient/p1')).toEqual(e(0, 1));
    expect(await ids('entity-type=http://terminology.hl7.org/CodeSystem/audit-entity-type|2&outcome=4')).toEqual(e(2));
    expect(await ids('address:exact=10.0.0.1')).toEqual(e(0));
    expect(await ids('address=10.0')).toEqual(e(0));
    expect(await ids('address:contains=0.0.1')).toEqual(e(0));
    expect(await ids('address:contains=0.0.1,nowhere&outcome=0')).toEqual(e(0));
    expect(await ids('address:exact=10.0')).toEqual([]);
    expect(await ids(`_id=${events[1].event.id}`)).toEqual(e(1));
    // action is a code element: stored without the system its value set names.
    expect(await ids('action:in=http://hl7.org/fhir/ValueSet/audit-event-action')).toEqual(e(0, 1, 2, 3));
    expect(await ids('action:not-in=http://hl7.org/fhir/ValueSet/audit-event-action')).toEqual([]);
  });

  test('by date, with the prefixes and precision of any date search', async () => {
    expect(await ids('date=2026-03-02')).toEqual(e(1));
    expect(await ids('date=ge2026-03-02&date=lt2026-03-04')).toEqual(e(1, 2));
    expect(await ids('date=gt2026-03-03T12:00:00Z')).toEqual(e(3));
    expect(await ids('date=2026-03-03T12:00:00Z')).toEqual(e(2));
    expect(await ids('_lastUpdated=le2026-03-01')).toEqual(e(0));
    expect(await ids('date=2026-03')).toEqual(e(0, 1, 2, 3));
    expect(await ids('date:missing=true')).toEqual([]);
  });

  test('sorted newest first, paged by cursor both ways, counted', async () => {
    expect(await ids('_sort=-date')).toEqual(e(3, 2, 1, 0));
    const first = await store.search(parseSearch('AuditEvent', queryRecord('_count=2&_total=accurate')), { tenant: A });
    expect(first.total).toBe(4);
    expect(first.rows.map((r) => r.id)).toEqual(e(0, 1));
    const { encodeCursor } = await import('../../server/store/search/execute.ts');
    const second = await store.search(parseSearch('AuditEvent', queryRecord(`_count=2&_cursor=${encodeCursor(first.next!)}`)), { tenant: A });
    expect(second.rows.map((r) => r.id)).toEqual(e(2, 3));
    expect(second.next).toBeUndefined();
    const back = await store.search(parseSearch('AuditEvent', queryRecord(`_count=2&_cursor=${encodeCursor(second.previous!)}`)), { tenant: A });
    expect(back.rows.map((r) => r.id)).toEqual(e(0, 1));
  });

  test('what terms cannot answer is a 400 naming the parameter', async () => {
    expect(await refusal('subtype:text=read')).toMatch(/"subtype".*:text/);
    expect(await refusal('policy:below=http://example.org')).toMatch(/"policy".*:below/);
    expect(await refusal('_sort=outcome')).toMatch(/Cannot sort AuditEvent by "outcome"/);
    expect(await refusal('nonsense=1')).toMatch(/Unknown search parameter "nonsense"/);
    expect(await refusal('date=yesterday')).toMatch(/"date".*not a date/);
  });

  test('read and history answer from the audit store, each in its municipality', async () => {
    const read = await store.readCurrent(A, 'AuditEvent', events[0].event.id);
    expect(JSON.parse(read?.content ?? '{}')).toEqual(events[0].event);
    expect(await store.readCurrent(B, 'AuditEvent', events[0].event.id)).toBeUndefined();
    expect((await store.readVersion(A, 'AuditEvent', events[0].event.id, 1))?.version).toBe(1);
    expect(await store.readVersion(A, 'AuditEvent', events[0].event.id, 2)).toBeUndefined();
    const history = await store.history({ tenant: A, resourceType: 'AuditEvent' }, { count: 10 });
    expect(history.map((h) => h.id)).toEqual(e(3, 2, 1, 0));
    const older = await store.history({ tenant: A, resourceType: 'AuditEvent' }, { count: 10, beforeSeq: history[1].seq });
    expect(older.map((h) => h.id)).toEqual(e(1, 0));
    expect((await store.history({ tenant: A }, { count: 100 })).some((h) => h.resourceType === 'AuditEvent')).toBe(false);
  });

  test('an access log by patient is answered from the terms index, not by reading every event', async () => {
    const { db } = database;
    const plan = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      // With five rows any plan is cheap; forbid the others to see that this index can answer.
      await tx.query('SET LOCAL enable_bitmapscan = on');
      await tx.query('SET LOCAL enable_indexscan = off');
      return tx.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT id FROM audit_event r WHERE r.terms && $1::text[]', [['x']]);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('audit_event_terms');
  });
});

describe('migration 006: events written before the audit store move into it', () => {
  let legacy: TestDatabase;
  afterAll(async () => {
    await legacy?.drop();
  });

  test('with the terms the server writes, out of the resource tables, and searchable', async () => {
    legacy = await createTestDatabase();
    const before = mkdtempSync(join(tmpdir(), 'kp-migrations-'));
    try {
      // The schema before the audit store (later migrations that do not depend on it included).
      for (const m of listMigrations().filter((m) => m.version !== 6)) {
        copyFileSync(join(import.meta.dirname, '../../server/store/migrations', m.name), join(before, m.name));
      }
      await migrate(legacy.db, before);
    } finally {
      rmSync(before, { recursive: true, force: true });
    }
    const registry = await SearchParamRegistry.load(legacy.db);
    const old = makeEvents();
    // Today's write statement also fills the audit store; an empty stand-in lets it write the
    // rows the server wrote before the store existed. Migration 006 makes the real one.
    await legacy.db.query('CREATE TABLE audit_event (tenant text, id text, last_updated timestamptz, terms text[], content text)');
    const patient: Patient & { id: string } = { resourceType: 'Patient', id: 'p1', meta: { versionId: '1', lastUpdated: '2026-03-01T09:00:00.000Z' } };
    // As the server wrote them then: resource rows with history and index rows.
    await writeVersions(
      legacy.db,
      [...old.map((o) => ({ tenant: o.tenant, resource: o.event as Patient | Event })), { tenant: A, resource: patient }].map(({ tenant, resource }) => {
        const content = JSON.stringify(resource);
        return {
          tenant,
          resourceType: resource.resourceType,
          id: resource.id as string,
          version: 1,
          lastUpdated: resource.meta?.lastUpdated as string,
          content,
          method: 'POST' as const,
          index: extractIndexRows(registry, resource, { content }),
        };
      })
    );

    await legacy.db.query('DROP TABLE audit_event');
    expect(await migrate(legacy.db)).toEqual(['006_audit_store.sql']);

    const moved = await legacy.db.query<{ id: string; terms: string[]; content: string }>('SELECT id, terms, content FROM audit_event ORDER BY seq');
    expect(moved.map((m) => m.id)).toEqual(old.map((o) => o.event.id));
    for (const [i, row] of moved.entries()) {
      const expected = termsOf(registry, 'AuditEvent', extractIndexRows(registry, old[i].event, { content: row.content }));
      expect([...row.terms].sort()).toEqual([...expected].sort());
    }
    const orphans = ['token', 'string', 'date', 'reference', 'uri', 'number', 'quantity']
      .map((t) => `(SELECT count(*) FROM idx_${t} WHERE rkey NOT IN (SELECT rkey FROM resource))`)
      .join(' + ');
    const [left] = await legacy.db.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM resource WHERE resource_type = 'AuditEvent')
        + (SELECT count(*) FROM resource_history WHERE resource_type = 'AuditEvent')
        + (SELECT count(*) FROM outbox WHERE history_seq NOT IN (SELECT seq FROM resource_history)) + ${orphans} AS n`
    );
    expect(Number(left.n)).toBe(0);
    const migrated = new ResourceStore(legacy.db, registry);
    expect((await migrated.readCurrent(A, 'Patient', 'p1'))?.version).toBe(1);
    const page = await migrated.search(parseSearch('AuditEvent', queryRecord('patient=Patient/p1')), { tenant: A });
    expect(page.rows.map((r) => r.id)).toEqual([old[0].event.id, old[1].event.id]);
  });
});
