import type { Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

const patient = (n: number, family = 'Bundlesen'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(n) }],
  name: [{ family }],
});

const observation = (subject: string, code = '8867-4'): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: subject },
  effectiveDateTime: '2026-11-01T10:00:00Z',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function count(query: string): Promise<number> {
  const res = await fhir.get(`${query}${query.includes('?') ? '&' : '?'}_total=accurate&_count=0`);
  return res.body.total as number;
}

describe('transaction', () => {
  test('resolves urn:uuid references between entries and answers a transaction-response in entry order', async () => {
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0b7f1f2e-7c1a-4a4e-9d55-1e2f3a4b5c6d',
          resource: observation('urn:uuid:5f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f'),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:5f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f',
          resource: patient(1),
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const res = await fhir.post<Bundle>('', bundle);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry).toHaveLength(2);
    const [obsEntry, patEntry] = res.body.entry ?? [];
    expect(obsEntry.response?.status).toMatch(/^201/);
    expect(patEntry.response?.status).toMatch(/^201/);
    const patientId = (patEntry.resource as Patient).id;
    const obs = obsEntry.resource as Observation;
    expect(obs.subject?.reference).toBe(`Patient/${patientId}`);
    const stored = await fhir.get<Observation>(`Observation/${obs.id}`);
    expect(stored.body.subject?.reference).toBe(`Patient/${patientId}`);
    const bySubject = await fhir.get(`Observation?subject=Patient/${patientId}`);
    expect(bySubject.body.entry).toHaveLength(1);
  });

  test('a failing entry rolls the whole transaction back: nothing is stored', async () => {
    const before = await count('Patient?family=Rollback');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient(2, 'Rollback'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient(3, 'Rollback'), request: { method: 'POST', url: 'Patient' } },
        // Invalid: Observation without status and code.
        { resource: { resourceType: 'Observation' } as Observation, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const res = await fhir.post('', bundle);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count('Patient?family=Rollback')).toBe(before);
    const history = await fhir.get('Patient/_history?_count=100');
    const names = (history.body.entry ?? []).map((e: { resource?: Patient }) => e.resource?.name?.[0]?.family);
    expect(names).not.toContain('Rollback');
  });

  test('an update in a transaction that fails If-Match rolls back the creates before it', async () => {
    const existing = await fhir.create(patient(4, 'Guarded'));
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient(5, 'CreatedThenRolledBack'), request: { method: 'POST', url: 'Patient' } },
        {
          resource: { ...existing, gender: 'male' },
          request: { method: 'PUT', url: `Patient/${existing.id}`, ifMatch: 'W/"7"' },
        },
      ],
    } satisfies Bundle);
    expect(res.status).toBe(412);
    expect(await count('Patient?family=CreatedThenRolledBack')).toBe(0);
    expect((await fhir.get<Patient>(`Patient/${existing.id}`)).body.meta?.versionId).toBe('1');
  });

  test('conditional references and conditional create inside a transaction', async () => {
    const existing = await fhir.create(patient(6, 'Conditional'));
    const res = await fhir.post<Bundle>('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: observation(`Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(6)}`),
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: patient(6, 'Conditional'),
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FNR_SYSTEM}|${syntheticFnr(6)}` },
        },
      ],
    } satisfies Bundle);
    expect(res.status).toBe(200);
    const obs = res.body.entry?.[0].resource as Observation;
    expect(obs.subject?.reference).toBe(`Patient/${existing.id}`);
    expect(res.body.entry?.[1].response?.status).toMatch(/^200/);
    expect(await count('Patient?family=Conditional')).toBe(1);
  });

  test('a parameter repeated in a conditional reference is ANDed, as in a search', async () => {
    await fhir.create({ ...patient(40, 'Gjentakelse'), birthDate: '1950-01-01' });
    const younger = await fhir.create({ ...patient(41, 'Gjentakelse'), birthDate: '1970-01-01' });
    // Only the 1970 patient is within 1965..1975; the last value alone (le1975) would match both.
    const res = await fhir.post<Bundle>('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: observation('Patient?family=Gjentakelse&birthdate=ge1965&birthdate=le1975'), request: { method: 'POST', url: 'Observation' } }],
    } satisfies Bundle);
    expect(res.status, res.text).toBe(200);
    expect((res.body.entry?.[0].resource as Observation).subject?.reference).toBe(`Patient/${younger.id}`);
  });

  test('update, delete and read entries in one transaction', async () => {
    const a = await fhir.create(patient(7, 'Mixed'));
    const b = await fhir.create(patient(8, 'Mixed'));
    const res = await fhir.post<Bundle>('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...a, gender: 'female' }, request: { method: 'PUT', url: `Patient/${a.id}` } },
        { request: { method: 'DELETE', url: `Patient/${b.id}` } },
      ],
    } satisfies Bundle);
    expect(res.status).toBe(200);
    expect((await fhir.get<Patient>(`Patient/${a.id}`)).body.gender).toBe('female');
    expect((await fhir.get(`Patient/${b.id}`)).status).toBe(410);
  });

  test('a 100-entry transaction stores every entry', async () => {
    const entry = Array.from({ length: 100 }, (_, i) => ({
      resource: patient(100 + i, 'Hundred'),
      request: { method: 'POST' as const, url: 'Patient' },
    }));
    const res = await fhir.post<Bundle>('', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(res.status).toBe(200);
    expect(res.body.entry).toHaveLength(100);
    expect(await count('Patient?family=Hundred')).toBe(100);
  });
});

describe('large transactions', () => {
  test('120 update-as-create entries and a conditional create in one transaction all commit', async () => {
    const entry: BundleEntry[] = Array.from({ length: 120 }, (_, i) => ({
      resource: { ...patient(300 + i, 'Mange'), id: `mange-${i}` },
      request: { method: 'PUT' as const, url: `Patient/mange-${i}` },
    }));
    entry.push({
      resource: patient(500, 'MangeBetinget'),
      request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${FNR_SYSTEM}|${syntheticFnr(500)}` },
    });
    const res = await fhir.post<Bundle>('', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry?.every((e) => e.response?.status?.startsWith('201'))).toBe(true);
    expect(res.body.entry?.[0].response?.location).toBe('Patient/mange-0/_history/1');
    expect(res.body.entry?.[0].response?.etag).toBe('W/"1"');
    expect(await count('Patient?family:exact=Mange')).toBe(120);
    expect(await count('Patient?family=MangeBetinget')).toBe(1);
  });

  test('a failure at entry 90 of 100 rolls back the 89 before it', async () => {
    const entry: BundleEntry[] = Array.from({ length: 100 }, (_, i) => ({
      resource: i === 89 ? ({ resourceType: 'Patient', gender: 'sometimes-invalid', birthDate: 'not a date' } as unknown as Patient) : patient(600 + i, 'Nittien'),
      request: { method: 'POST' as const, url: 'Patient' },
    }));
    const res = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).toContain('Patient.birthDate');
    expect(await count('Patient?family=Nittien')).toBe(0);
  });
});

describe('batch', () => {
  test('entries succeed or fail on their own, each with its own status', async () => {
    const existing = await fhir.create(patient(9, 'Batch'));
    const res = await fhir.post<Bundle>('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: patient(10, 'Batch'), request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation' } as Observation, request: { method: 'POST', url: 'Observation' } },
        { request: { method: 'GET', url: `Patient/${existing.id}` } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { request: { method: 'GET', url: 'Patient?family=Batch' } },
      ],
    } satisfies Bundle);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('batch-response');
    const statuses = (res.body.entry ?? []).map((e) => e.response?.status?.slice(0, 3));
    expect(statuses).toEqual(['201', '400', '200', '404', '200']);
    expect((res.body.entry?.[1].response?.outcome as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect((res.body.entry?.[2].resource as Patient).id).toBe(existing.id);
    const searchset = res.body.entry?.[4].resource as Bundle;
    expect(searchset.type).toBe('searchset');
    expect(searchset.entry?.length).toBe(2);
    expect(await count('Patient?family=Batch')).toBe(2);
  });

  test('history entries in a batch answer like GET _history: versions, or 404 for an unknown id', async () => {
    const p = await fhir.create(patient(12, 'Historikk'));
    await fhir.put(`Patient/${p.id}`, { ...p, gender: 'male' });
    const res = await fhir.post<Bundle>('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${p.id}/_history` } }, { request: { method: 'GET', url: 'Patient/nobody/_history' } }],
    } satisfies Bundle);
    const [found, missing] = res.body.entry ?? [];
    expect((found.resource as Bundle).type).toBe('history');
    expect((found.resource as Bundle).entry?.map((e) => e.response?.etag)).toEqual(['W/"2"', 'W/"1"']);
    expect(missing.response?.status).toBe('404');
  });

  test('a body that is not a Bundle is refused', async () => {
    const res = await fhir.post('', patient(11));
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
