import type { AuditEvent, Bundle, DetectedIssue, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { OAuthTestClient } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * The audit trail over HTTP with real tokens: every read, search, write, delete, token issue and
 * refusal leaves an AuditEvent in the municipality's data before the answer goes out; a patient's
 * access log is one search for the administrator; nobody can change or delete it.
 */

const MUNICIPALITY = '950000023';

let server: TestServer;
let admin: OAuthTestClient;
let epj: OAuthTestClient;
let vendor: OAuthTestClient;
let served: Patient & { id: string };
let other: Patient & { id: string };

const person = (n: number) => ({ system: FNR_SYSTEM, value: syntheticFnr(n) });
const alarm = (n: number): DetectedIssue => ({
  resourceType: 'DetectedIssue',
  status: 'final',
  code: { coding: [{ system: 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090', code: '3' }] },
  patient: { identifier: person(n), display: 'Pasient' },
  identifiedDateTime: '2026-11-30T10:00:00Z',
});

async function auditOf(query: string): Promise<AuditEvent[]> {
  const res = await admin.fhir<Bundle<AuditEvent>>('GET', `AuditEvent?${query}&_count=1000`);
  expect(res.status, res.text).toBe(200);
  return (res.body.entry ?? []).map((e) => e.resource as AuditEvent);
}

const subtypes = (events: AuditEvent[]) => events.map((e) => e.subtype?.[0]?.code);

beforeAll(async () => {
  server = await startTestServer({ auth: 'on' });
  admin = await OAuthTestClient.register(server, { id: 'admin-audit', tenant: MUNICIPALITY, role: 'admin' });
  epj = await OAuthTestClient.register(server, { id: 'epj-audit', tenant: MUNICIPALITY, role: 'epj' });
  vendor = await OAuthTestClient.register(server, { id: 'vft-audit', tenant: MUNICIPALITY, role: 'vendor', serviceCodes: ['TA'] });
  await Promise.all([admin.login(), epj.login(), vendor.login()]);
  served = (await epj.fhir<Patient & { id: string }>('POST', 'Patient', { resourceType: 'Patient', identifier: [person(1)], name: [{ family: 'Hemmeligsen' }] })).body;
  other = (await epj.fhir<Patient & { id: string }>('POST', 'Patient', { resourceType: 'Patient', identifier: [person(2)], name: [{ family: 'Annensen' }] })).body;
  await epj.fhir('POST', 'EpisodeOfCare', {
    resourceType: 'EpisodeOfCare',
    status: 'active',
    type: [{ coding: [{ system: 'https://knutepunkt.dev/fhir/CodeSystem/service-code', code: 'TA' }] }],
    patient: { identifier: person(1) },
    period: { start: '2026-01-01' },
  });
});

afterAll(async () => {
  await server?.close();
});

describe('every access leaves a trace', () => {
  test('a read is on record the moment its answer arrives, with who, what, which patient, the outcome and the purpose', async () => {
    expect((await vendor.fhir('GET', `Patient/${served.id}`)).status).toBe(200);
    const [event] = (await auditOf(`patient=Patient/${served.id}&subtype=read`)).filter((e) => e.agent?.[0]?.who?.identifier?.value === vendor.id);
    expect(event).toMatchObject({
      type: { code: 'rest' },
      action: 'R',
      outcome: '0',
      purposeOfEvent: [{ coding: [{ code: 'TREAT' }] }],
      agent: [{ who: { identifier: { value: vendor.id } }, role: [{ text: 'vendor' }], requestor: true }],
    });
    expect(event.entity?.[0]?.what?.reference).toBe(`Patient/${served.id}`);
    expect(event.entity?.some((e) => e.role?.code === '1' && e.what?.reference === `Patient/${served.id}`)).toBe(true);
    expect(JSON.stringify(event)).not.toContain('Hemmeligsen'); // ids and identifiers, never the resource
  });

  test('writes, searches, deletes and refusals are on record too, refusals with the reason', async () => {
    const written = await vendor.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(1));
    expect(written.status).toBe(201);
    expect((await vendor.fhir('POST', 'DetectedIssue', alarm(2))).status).toBe(403); // not its patient
    expect((await epj.fhir('GET', `DetectedIssue?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`)).status).toBe(200);
    expect((await admin.fhir('DELETE', `DetectedIssue/${written.body.id}`)).status).toBe(200);

    const mine = await auditOf(`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`);
    expect(subtypes(mine)).toEqual(expect.arrayContaining(['create', 'search-type', 'read']));
    const create = mine.find((e) => e.subtype?.[0]?.code === 'create' && e.entity?.[0]?.what?.reference?.startsWith('DetectedIssue/'));
    expect(create?.entity?.[0]?.what?.reference).toBe(`DetectedIssue/${written.body.id}/_history/1`);
    const search = mine.find((e) => e.subtype?.[0]?.code === 'search-type');
    expect(Buffer.from(search?.entity?.[0]?.query ?? '', 'base64').toString()).toContain('patient:identifier=');

    const refused = (await auditOf(`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(2)}`)).find((e) => e.outcome === '4');
    expect(refused).toMatchObject({ action: 'C', subtype: [{ code: 'create' }] });
    expect(refused?.outcomeDesc).toMatch(/HTTP 403: Ikke oppfylt tjenstlig behov/);

    const deleted = await auditOf(`entity=DetectedIssue/${written.body.id}&subtype=delete`);
    expect(deleted.map((e) => [e.action, e.agent?.[0]?.who?.identifier?.value])).toEqual([['D', admin.id]]);
  });

  test('a write and its AuditEvent are one commit, and the write leaves exactly one event', async () => {
    const written = await vendor.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(1));
    expect(written.status).toBe(201);
    const events = await auditOf(`entity=DetectedIssue/${written.body.id}`);
    expect(events.map((e) => [e.subtype?.[0]?.code, e.outcome, e.entity?.[0]?.what?.reference])).toEqual([
      ['create', '0', `DetectedIssue/${written.body.id}/_history/1`],
    ]);
    // The same transaction id on both rows: one cannot be committed without the other.
    const [row] = await server.services.db.query<{ resource: string; audit: string }>(
      `SELECT (SELECT xmin::text FROM resource WHERE resource_type = 'DetectedIssue' AND id = $1) AS resource,
              (SELECT xmin::text FROM audit_event WHERE id = $2) AS audit`,
      [written.body.id, events[0].id]
    );
    expect(row.audit).toBe(row.resource);
  });

  test('an operation that reads resources ($fhirpath) puts their patients on record', async () => {
    const res = await epj.fhir('GET', `Patient/$fhirpath?expression=name.family&identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`);
    expect(res.status, res.text).toBe(200);
    const events = await auditOf(`patient=Patient/${served.id}&subtype=operation`);
    expect(events.filter((e) => e.agent?.[0]?.who?.identifier?.value === epj.id).map((e) => e.entity?.[0]?.what?.display)).toContain('Patient');
  });

  test('concurrent identical updates each leave one event, retried or not; _elements does not hide the patient', async () => {
    const patient = await epj.fhir<Patient & { id: string }>('POST', 'Patient', { resourceType: 'Patient', identifier: [person(9)], name: [{ family: 'Samtidig' }] });
    let sent = 0;
    for (let round = 1; round <= 4; round++) {
      const body = { ...patient.body, name: [{ family: `Samtidig ${round}` }] };
      const answers = await Promise.all([1, 2, 3].map(() => epj.fhir('PUT', `Patient/${patient.body.id}`, body)));
      expect(answers.every((a) => a.status < 500), JSON.stringify(answers.map((a) => a.status))).toBe(true);
      sent += answers.length;
    }
    const updates = (await auditOf(`entity=Patient/${patient.body.id}&subtype=update`)).filter((e) => e.agent?.[0]?.who?.identifier?.value === epj.id);
    expect(updates).toHaveLength(sent);
    // An alarm names its patient only in `patient`, which _elements=status leaves out of the answer.
    const written = await vendor.fhir<DetectedIssue & { id: string }>('POST', 'DetectedIssue', alarm(1));
    const read = await epj.fhir<DetectedIssue>('GET', `DetectedIssue/${written.body.id}?_elements=status`);
    expect(read.status).toBe(200);
    expect(read.body.patient).toBeUndefined();
    const reads = await auditOf(`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}&subtype=read`);
    expect(reads.map((e) => e.entity?.[0]?.what?.reference)).toContain(`DetectedIssue/${written.body.id}`);
  });

  test('token issue and refusal: logins of the municipality\'s clients, refusals with the reason once the client proved who it is', async () => {
    const issued = await vendor.login();
    expect(issued).toBeTruthy();
    const form = async (assertion: string) => [
      { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
      { dpop: await vendor.proof('POST', vendor.tokenEndpoint) },
    ] as const;
    // Signed by the client, then refused (a replay): on the municipality's trail.
    const assertion = await vendor.assertion();
    expect((await vendor.tokenRequest(...(await form(assertion)))).status).toBe(200);
    expect((await vendor.tokenRequest(...(await form(assertion)))).status).toBe(401);
    // Not provably from the client (for another audience): kept off it, or anyone could fill it.
    const forged = await vendor.tokenRequest(...(await form(await vendor.assertion({ aud: 'https://elsewhere.example' }))));
    expect(forged.status).toBe(401);
    const logins = (await auditOf('type=http://dicom.nema.org/resources/ontology/DCM|110114')).filter((e) => e.agent?.[0]?.who?.identifier?.value === vendor.id);
    const refusals = logins.filter((e) => e.outcome === '4');
    expect(logins.some((e) => e.outcome === '0')).toBe(true);
    expect(refusals.map((e) => e.outcomeDesc)).toEqual([expect.stringMatching(/invalid_client: client_assertion already used/)]);
  });
});

describe('the audit trail is the administrator\'s to read, and nobody\'s to change', () => {
  test('a patient-record system and a vendor may not read it', async () => {
    expect((await epj.fhir('GET', 'AuditEvent')).status).toBe(403);
    expect((await vendor.fhir('GET', `AuditEvent?patient=Patient/${served.id}`)).status).toBe(403);
  });

  test('create, update, patch and delete through the API: 405, and the event is unchanged', async () => {
    const [event] = await auditOf(`patient=Patient/${served.id}&subtype=read`);
    const id = event.id as string;
    const attempts = [
      await admin.fhir<OperationOutcome>('PUT', `AuditEvent/${id}`, { ...event, outcome: '0', outcomeDesc: 'nothing happened' }),
      await admin.fhir<OperationOutcome>('DELETE', `AuditEvent/${id}`),
      await admin.fhir<OperationOutcome>('PATCH', `AuditEvent/${id}`, [{ op: 'replace', path: '/outcome', value: '8' }], { 'content-type': 'application/json-patch+json' }),
      await admin.fhir<OperationOutcome>('POST', 'AuditEvent', { ...event, id: undefined }),
    ];
    expect(attempts.map((a) => a.status)).toEqual([405, 405, 405, 405]);
    const after = await admin.fhir<AuditEvent>('GET', `AuditEvent/${id}`);
    expect(after.body).toEqual(event);
  });

  test('another municipality\'s patient has no trace here', async () => {
    expect(await auditOf(`patient=Patient/${other.id}&subtype=read`)).toEqual([]);
  });
});

describe('no way around authentication or the audit trail (review findings)', () => {
  test('an encoded path or an absolute-form target reaches no handler unauthenticated', async () => {
    for (const path of ['/%66hir/Patient', '/fhir/%50atient']) {
      const res = await fetch(`${server.root}${path}`);
      expect([401, 404]).toContain(res.status);
    }
  });

  test('the audit trail has a history of its own, the administrator\'s: system history is of resources only', async () => {
    for (const client of [epj, admin]) {
      const system = await client.fhir<Bundle>('GET', '_history?_count=500');
      expect(system.status).toBe(200);
      expect((system.body.entry ?? []).some((e) => e.resource?.resourceType === 'AuditEvent')).toBe(false);
    }
    expect((await epj.fhir('GET', 'AuditEvent/_history')).status).toBe(403);
    const trail = await admin.fhir<Bundle<AuditEvent>>('GET', 'AuditEvent/_history?_count=5');
    expect(trail.status).toBe(200);
    const [newest] = (trail.body.entry ?? []).map((e) => e.resource as AuditEvent);
    expect(newest?.resourceType).toBe('AuditEvent');
    const instance = await admin.fhir<Bundle<AuditEvent>>('GET', `AuditEvent/${newest.id}/_history`);
    expect(instance.body.entry?.map((e) => e.resource)).toEqual([newest]);
    expect((await admin.fhir<AuditEvent>('GET', `AuditEvent/${newest.id}/_history/1`)).body).toEqual(newest);
    expect((await admin.fhir('GET', `AuditEvent/${newest.id}/_history/2`)).status).toBe(404);
  });

  test('a request carrying NUL or a lone surrogate is refused and audited, and the trail keeps working', async () => {
    expect((await epj.fhir('GET', 'Patient?%00=1')).status).toBe(400);
    expect((await epj.fhir('GET', 'Patient/%00')).status).toBe(400);
    // A lone surrogate in the path ends up in the AuditEvent's entity, which is indexed.
    expect((await epj.fhir('GET', 'Patient/%ED%A0%80')).status).toBeGreaterThanOrEqual(400);
    expect((await epj.fhir('GET', 'Patient/%ED%A0%80')).status).toBeLessThan(500);
    expect((await epj.fhir('GET', 'Patient?birthdate=not-a-date')).status).toBe(400);
    expect((await epj.fhir('GET', `Patient/${served.id}`)).status).toBe(200);
    const refused = (await auditOf('subtype=search-type&outcome=4')).filter((e) => e.agent?.[0]?.who?.identifier?.value === epj.id);
    expect(refused.length).toBeGreaterThan(0);
  });
});

test('a conditional update and delete are audited as such, with their criteria and the version they wrote', async () => {
  const criteria = `identifier=${FNR_SYSTEM}|${syntheticFnr(7)}`;
  const put = await epj.fhir<Patient & { id: string }>('PUT', `Patient?${criteria}`, { resourceType: 'Patient', identifier: [person(7)], name: [{ family: 'Betinget' }] });
  expect(put.status).toBe(201);
  expect((await epj.fhir('DELETE', `Patient?${criteria}`)).status).toBe(200);
  const events = (await auditOf('entity-type=http://terminology.hl7.org/CodeSystem/audit-entity-type|2')).filter((e) =>
    Buffer.from(e.entity?.[0]?.query ?? '', 'base64').toString().includes(syntheticFnr(7))
  );
  expect(events.map((e) => [e.subtype?.[0]?.code, e.action, e.outcome, e.entity?.[0]?.what?.reference]).sort()).toEqual([
    ['delete', 'D', '0', `Patient/${put.body.id}/_history/2`],
    ['update', 'U', '0', `Patient/${put.body.id}/_history/1`],
  ]);
  // The deleted patient is named on the deletion's event too, by its identifier.
  const deletion = events.find((e) => e.action === 'D');
  expect(deletion?.entity?.some((e) => e.what?.identifier?.value === syntheticFnr(7))).toBe(true);
});
