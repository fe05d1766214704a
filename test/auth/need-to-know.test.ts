import type { Bundle, DetectedIssue, EpisodeOfCare, Observation, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { OAuthTestClient } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Tjenstlig behov over HTTP with real tokens: a safety-alarm vendor (service code TA) sees the
 * patient information, services and plans of patients with an active TA service, and writes
 * alarms only for them; everyone else's is a 403 carrying VKP's code 1.3.
 */

const MUNICIPALITY = '940000017';
const SERVICE_CODES = 'https://knutepunkt.dev/fhir/CodeSystem/service-code';
const IPLOS = 'urn:oid:2.16.578.1.12.4.1.1.9151';
const VKP_OUTCOME = 'http://ehelse.no/fhir/CodeSystem/vkp-operation-outcome-v090';

let server: TestServer;
let epj: OAuthTestClient;
let vendor: OAuthTestClient;
const patients: Record<string, Patient & { id: string }> = {};

const person = (n: number) => ({ system: FNR_SYSTEM, value: syntheticFnr(n) });

function episode(n: number, type: { system: string; code: string }, period: { start: string; end?: string }, status: EpisodeOfCare['status'] = 'active'): EpisodeOfCare {
  return { resourceType: 'EpisodeOfCare', status, type: [{ coding: [type] }], patient: { identifier: person(n), display: `Person ${n}` }, period };
}

const alarm = (n: number): DetectedIssue => ({
  resourceType: 'DetectedIssue',
  status: 'final',
  code: { coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090', code: '3' }] },
  patient: { identifier: person(n), display: `Person ${n}` },
  identifiedDateTime: '2026-11-30T10:00:00Z',
});

function expectMissingService(reply: { status: number; body: OperationOutcome }): void {
  expect(reply.status).toBe(403);
  expect(reply.body.issue?.[0]?.code).toBe('forbidden');
  expect(reply.body.issue?.[0]?.details?.coding?.[0]).toMatchObject({ system: VKP_OUTCOME, code: '1.3' });
}

beforeAll(async () => {
  server = await startTestServer({ auth: 'on' });
  epj = await OAuthTestClient.register(server, { id: 'epj-ntk', tenant: MUNICIPALITY, role: 'epj' });
  vendor = await OAuthTestClient.register(server, { id: 'vft-ta', tenant: MUNICIPALITY, role: 'vendor', serviceCodes: ['TA'] });
  await Promise.all([epj.login(), vendor.login()]);
  for (const n of [1, 2, 3, 4, 5]) {
    const created = await epj.fhir<Patient & { id: string }>('POST', 'Patient', { resourceType: 'Patient', identifier: [person(n)], name: [{ family: `Person${n}` }] });
    expect(created.status).toBe(201);
    patients[n] = created.body;
  }
  const episodes = [
    episode(1, { system: SERVICE_CODES, code: 'TA' }, { start: '2026-01-01' }), // served
    episode(2, { system: SERVICE_CODES, code: 'MD' }, { start: '2026-01-01' }), // another service
    episode(3, { system: SERVICE_CODES, code: 'TA' }, { start: '2025-01-01', end: '2025-12-31' }), // ended
    episode(4, { system: IPLOS, code: '6' }, { start: '2026-01-01' }), // TA as its IPLOS code
    episode(5, { system: SERVICE_CODES, code: 'TA' }, { start: '2026-01-01' }, 'finished'),
  ];
  for (const e of episodes) {
    expect((await epj.fhir('POST', 'EpisodeOfCare', e)).status).toBe(201);
  }
});

afterAll(async () => {
  await server?.close();
});

describe('a vendor reads patient information, services and plans of the patients it serves', () => {
  test('by id: its patients 200; a patient with another service, an ended or finished one: 403 with VKP 1.3', async () => {
    expect((await vendor.fhir('GET', `Patient/${patients[1].id}`)).status).toBe(200);
    expect((await vendor.fhir('GET', `Patient/${patients[4].id}`)).status).toBe(200);
    for (const n of [2, 3, 5]) {
      expectMissingService(await vendor.fhir<OperationOutcome>('GET', `Patient/${patients[n].id}`));
    }
    expectMissingService(await vendor.fhir<OperationOutcome>('GET', `Patient/${patients[2].id}/_history/1`));
  });

  test('by search: only its patients; a search that finds only others is refused', async () => {
    const all = await vendor.fhir<Bundle>('GET', 'Patient?_count=50');
    expect(all.status).toBe(200);
    expect((all.body.entry ?? []).map((e) => e.resource?.id).sort()).toEqual([patients[1].id, patients[4].id].sort());
    expect(all.body.total).toBeUndefined(); // a count of everyone would tell what the vendor may not see
    const mine = await vendor.fhir<Bundle>('GET', `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`);
    expect(mine.body.entry?.map((e) => e.resource?.id)).toEqual([patients[1].id]);
    expectMissingService(await vendor.fhir<OperationOutcome>('GET', `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(2)}`));
    const services = await vendor.fhir<Bundle>('GET', `EpisodeOfCare?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`);
    expect(services.body.entry).toHaveLength(1);
    expectMissingService(await vendor.fhir<OperationOutcome>('GET', `EpisodeOfCare?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(2)}`));
  });

  test('inside a batch, as a read would be', async () => {
    const batch = await vendor.fhir<Bundle>('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${patients[1].id}` } }, { request: { method: 'GET', url: `Patient/${patients[2].id}` } }],
    });
    expect(batch.body.entry?.map((e) => e.response?.status.slice(0, 3))).toEqual(['200', '403']);
  });

  test('the patient-record system is not limited by services', async () => {
    expect((await epj.fhir('GET', `Patient/${patients[2].id}`)).status).toBe(200);
    expect((await epj.fhir<Bundle>('GET', 'Patient?_count=50')).body.entry).toHaveLength(5);
  });
});

describe('a vendor writes journalable events only for the patients it serves', () => {
  test('an alarm for its patient 201; for another patient 403 with VKP 1.3, and nothing stored', async () => {
    expect((await vendor.fhir('POST', 'DetectedIssue', alarm(1))).status).toBe(201);
    expectMissingService(await vendor.fhir<OperationOutcome>('POST', 'DetectedIssue', alarm(2)));
    const stored = await epj.fhir<Bundle>('GET', `DetectedIssue?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(2)}`);
    expect(stored.body.entry ?? []).toHaveLength(0);
  });

  test('a literal reference to its patient counts as the patient (its identifiers are looked up)', async () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patients[1].id}` },
    };
    expect((await vendor.fhir('POST', 'Observation', observation)).status).toBe(201);
    expectMissingService(await vendor.fhir<OperationOutcome>('POST', 'Observation', { ...observation, subject: { reference: `Patient/${patients[2].id}` } }));
  });

  test('an event that names no patient is refused, and an update cannot move another patient\'s event to its own', async () => {
    expectMissingService(await vendor.fhir<OperationOutcome>('POST', 'DetectedIssue', { ...alarm(1), patient: undefined }));
    // Written by another vendor's system (an administrator here): the patient-record system only reads events.
    const admin = await OAuthTestClient.register(server, { id: 'admin-ntk', tenant: MUNICIPALITY, role: 'admin' });
    await admin.login();
    const others = await admin.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(2));
    expect(others.status).toBe(201);
    expectMissingService(await vendor.fhir<OperationOutcome>('PUT', `DetectedIssue/${others.body.id}`, { ...alarm(1), id: others.body.id }));
  });
});

describe('the patient-record system acknowledges what it has journaled', () => {
  const JOURNALED = 'https://knutepunkt.dev/fhir/CodeSystem/journaling-status|journaled';

  test('$journaling-acknowledged tags the event once; _tag:not lists what is still to be journaled; vendors may not', async () => {
    const first = await vendor.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(1));
    const second = await vendor.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(1));
    const pending = async () =>
      ((await epj.fhir<Bundle>('GET', `DetectedIssue?_tag:not=${JOURNALED}&_count=100`)).body.entry ?? []).map((e) => e.resource?.id);
    expect(await pending()).toEqual(expect.arrayContaining([first.body.id, second.body.id]));

    const acknowledged = await epj.fhir<DetectedIssue>('POST', `DetectedIssue/${first.body.id}/$journaling-acknowledged`);
    expect(acknowledged.status, acknowledged.text).toBe(200);
    expect(acknowledged.body.meta?.versionId).toBe('2');
    expect(acknowledged.body.meta?.tag).toContainEqual(expect.objectContaining({ code: 'journaled' }));
    const again = await epj.fhir<DetectedIssue>('POST', `DetectedIssue/${first.body.id}/$journaling-acknowledged`);
    expect(again.body.meta?.versionId).toBe('2');

    const still = await pending();
    expect(still).not.toContain(first.body.id);
    expect(still).toContain(second.body.id);
    expect((await vendor.fhir('POST', `DetectedIssue/${second.body.id}/$journaling-acknowledged`)).status).toBe(403);
    expect((await epj.fhir('POST', `Patient/${patients[1].id}/$journaling-acknowledged`)).status).toBe(400);
  });
});

describe('need-to-know holds on every path (review findings)', () => {
  test('a conditional create cannot answer with a patient the vendor does not serve, nor a transaction read one', async () => {
    const conditional = await vendor.fhir<OperationOutcome>(
      'POST',
      'Patient',
      { resourceType: 'Patient', identifier: [person(2)] },
      { 'if-none-exist': `identifier=${FNR_SYSTEM}|${syntheticFnr(2)}` }
    );
    expect(conditional.status).toBe(403);
    expect(JSON.stringify(conditional.body)).not.toContain('Person2');
    const transaction = await vendor.fhir<Bundle>('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'GET', url: `Patient/${patients[2].id}` } }],
    });
    expect(transaction.status).toBe(403);
    expect(transaction.text).not.toContain('Person2');
  });

  test('in a transaction, need-to-know is looked up within it: an alarm for a served patient is stored, one for another refused, and the server goes on', async () => {
    // On PGlite (one connection) a look-up outside the transaction waited for it forever.
    const bundle = (n: number): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: alarm(n), request: { method: 'POST', url: 'DetectedIssue' } }] });
    const served = await vendor.fhir<Bundle>('POST', '', bundle(1));
    expect(served.status, served.text).toBe(200);
    expect(served.body.entry?.[0]?.response?.status).toMatch(/^201/);
    expectMissingService(await vendor.fhir<OperationOutcome>('POST', '', bundle(2)));
    expect((await vendor.fhir('GET', `Patient/${patients[1].id}`)).status).toBe(200);
  });

  test('history lists only the patients the vendor serves; instance history of another is empty', async () => {
    const history = await vendor.fhir<Bundle>('GET', 'Patient/_history?_count=100');
    expect(history.status).toBe(200);
    expect([...new Set((history.body.entry ?? []).map((e) => e.resource?.id))].sort()).toEqual([patients[1].id, patients[4].id].sort());
    const other = await vendor.fhir<Bundle>('GET', `Patient/${patients[2].id}/_history`);
    expect(other.body.entry ?? []).toHaveLength(0);
  });

  test('$validate of a stored resource is a read: refused for a patient the vendor does not serve', async () => {
    expectMissingService(await vendor.fhir<OperationOutcome>('GET', `Patient/${patients[2].id}/$validate`));
    expect((await vendor.fhir('GET', `Patient/${patients[1].id}/$validate`)).status).toBe(200);
  });

  test('a reference to one patient beside the identifier of a served one does not pass', async () => {
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patients[2].id}`, identifier: person(1) },
    };
    expectMissingService(await vendor.fhir<OperationOutcome>('POST', 'Observation', observation));
  });

  test('a vendor\'s search never carries a total of everyone', async () => {
    const counted = await vendor.fhir<Bundle>('GET', 'Patient?_total=accurate&_count=0');
    expect(counted.status).toBe(200);
    expect(counted.body.total).toBeUndefined();
    const mine = await vendor.fhir<Bundle>('GET', `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(1)}&_total=accurate`);
    expect(mine.body.total).toBeUndefined();
  });
});
