import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

const patient = (n: number): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(n) }],
  name: [{ family: 'Testesen', given: ['Kari'] }],
  gender: 'female',
  birthDate: '1951-02-01',
});

describe('create', () => {
  test('assigns id, version and time, and answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await fhir.post<Patient>('Patient', { ...patient(1), id: 'client-chosen' });
    expect(res.status).toBe(201);
    const created = res.body;
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.id).not.toBe('client-chosen');
    expect(created.meta?.versionId).toBe('1');
    expect(Date.parse(created.meta?.lastUpdated as string)).toBeGreaterThan(Date.now() - 60_000);
    expect(res.headers.get('location')).toBe(`${env.server.base}/Patient/${created.id}/_history/1`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    expect(res.headers.get('last-modified')).toBe(new Date(created.meta?.lastUpdated as string).toUTCString());
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
  });

  test('ignores versionId and lastUpdated sent by the client', async () => {
    const res = await fhir.post<Patient>('Patient', {
      ...patient(2),
      meta: { versionId: '77', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ system: 'urn:t', code: 'keep' }] },
    });
    expect(res.status).toBe(201);
    expect(res.body.meta?.versionId).toBe('1');
    expect(res.body.meta?.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
    expect(res.body.meta?.tag).toEqual([{ system: 'urn:t', code: 'keep' }]);
  });

  test('conditional create with If-None-Exist returns the existing resource instead of a second one', async () => {
    const p = patient(3);
    const ifNoneExist = { 'if-none-exist': `identifier=${FNR_SYSTEM}|${syntheticFnr(3)}` };
    const first = await fhir.post<Patient>('Patient', p, ifNoneExist);
    expect(first.status).toBe(201);
    const second = await fhir.post<Patient>('Patient', p, ifNoneExist);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const search = await fhir.get(`Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(3)}&_total=accurate`);
    expect(search.body.total).toBe(1);
  });

  test('conditional create with criteria matching several resources is 412', async () => {
    await fhir.create({ ...patient(4), name: [{ family: 'Dobbel' }] });
    await fhir.create({ ...patient(5), name: [{ family: 'Dobbel' }] });
    const res = await fhir.post('Patient', patient(6), { 'if-none-exist': 'family=Dobbel' });
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  test('a parameter repeated in If-None-Exist is ANDed, as in a search, not reduced to its last value', async () => {
    const existing = await fhir.create<Patient>({ ...patient(7), name: [{ family: 'Gjentatt' }], birthDate: '1955-06-01' });
    const inside = await fhir.post<Patient>('Patient', { ...patient(8), name: [{ family: 'Gjentatt' }] }, {
      'if-none-exist': 'family=Gjentatt&birthdate=ge1950&birthdate=le1956',
    });
    expect(inside.status).toBe(200);
    expect(inside.body.id).toBe(existing.id);
    // 1955 is not within 1960..1970 (only the last value, le1970, would match it): a new resource.
    const outside = await fhir.post<Patient>('Patient', { ...patient(9), name: [{ family: 'Gjentatt' }] }, {
      'if-none-exist': 'family=Gjentatt&birthdate=ge1960&birthdate=le1970',
    });
    expect(outside.status).toBe(201);
  });
});

describe('read and vread', () => {
  test('read returns the stored resource; vread returns each version', async () => {
    const created = await fhir.create(patient(10));
    const updated = await fhir.put<Patient>(`Patient/${created.id}`, { ...created, gender: 'other' });
    expect(updated.status).toBe(200);
    expect(updated.body.meta?.versionId).toBe('2');

    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body.gender).toBe('other');
    expect(read.headers.get('etag')).toBe('W/"2"');

    const v1 = await fhir.get<Patient>(`Patient/${created.id}/_history/1`);
    expect(v1.status).toBe(200);
    expect(v1.body.gender).toBe('female');
    expect(v1.headers.get('etag')).toBe('W/"1"');

    expect((await fhir.get(`Patient/${created.id}/_history/3`)).status).toBe(404);
    expect((await fhir.get(`Patient/${created.id}/_history/x`)).status).toBe(404);
  });

  test('If-None-Match with the current ETag answers 304 Not Modified', async () => {
    const created = await fhir.create(patient(11));
    const res = await fhir.get(`Patient/${created.id}`, { 'if-none-match': 'W/"1"' });
    expect(res.status).toBe(304);
    expect((await fhir.get(`Patient/${created.id}`, { 'if-none-match': 'W/"0"' })).status).toBe(200);
  });

  test('unknown id is 404 and unknown type is 404, each an OperationOutcome', async () => {
    const missing = await fhir.get('Patient/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    const badType = await fhir.get('NoSuchType/1');
    expect(badType.status).toBe(404);
    expect(badType.body.resourceType).toBe('OperationOutcome');
  });
});

describe('update', () => {
  test('update-as-create with a client id answers 201 and keeps the id', async () => {
    const res = await fhir.put<Patient>('Patient/kari-1', { ...patient(20), id: 'kari-1' });
    expect(res.status).toBe(201);
    expect(res.body.id).toBe('kari-1');
    expect(res.body.meta?.versionId).toBe('1');
    expect(res.headers.get('location')).toBe(`${env.server.base}/Patient/kari-1/_history/1`);
  });

  test('If-Match with the current version updates; a stale one is 412 and stores nothing', async () => {
    const created = await fhir.create(patient(21));
    const ok = await fhir.put<Patient>(`Patient/${created.id}`, { ...created, gender: 'male' }, { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body.meta?.versionId).toBe('2');
    const stale = await fhir.put(`Patient/${created.id}`, { ...created, gender: 'other' }, { 'if-match': 'W/"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body.resourceType).toBe('OperationOutcome');
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.gender).toBe('male');
    expect(read.body.meta?.versionId).toBe('2');
  });

  test('an update that changes nothing creates no new version', async () => {
    const created = await fhir.create(patient(22));
    const same = await fhir.put<Patient>(`Patient/${created.id}`, created);
    expect(same.status).toBe(200);
    expect(same.body.meta?.versionId).toBe('1');
  });

  test('conditional update by search updates the single match, or creates when none matches', async () => {
    const created = await fhir.create(patient(23));
    const criteria = `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(23)}`;
    const updated = await fhir.put<Patient>(criteria, { ...patient(23), gender: 'unknown' });
    expect(updated.status).toBe(200);
    expect(updated.body.id).toBe(created.id);
    expect(updated.body.meta?.versionId).toBe('2');

    const createdByPut = await fhir.put<Patient>(`Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(24)}`, patient(24));
    expect(createdByPut.status).toBe(201);
    expect(createdByPut.body.id).toBeTruthy();
  });

  test('id in the URL must match the id in the body, and the type must match the URL', async () => {
    const created = await fhir.create(patient(25));
    const mismatch = await fhir.put(`Patient/${created.id}`, { ...created, id: 'other-id' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.resourceType).toBe('OperationOutcome');
    const wrongType = await fhir.put(`Observation/${created.id}`, created);
    expect(wrongType.status).toBe(400);
    const wrongTypeCreate = await fhir.post('Observation', patient(26));
    expect(wrongTypeCreate.status).toBe(400);
    expect(wrongTypeCreate.text).toContain('Incorrect resource type');
  });

  test('Prefer return=minimal sends no body; return=OperationOutcome sends an outcome', async () => {
    const minimal = await fhir.post('Patient', patient(27), { prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.get('location')).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    const outcome = await fhir.post('Patient', patient(28), { prefer: 'return=OperationOutcome' });
    expect(outcome.status).toBe(201);
    expect(outcome.body.resourceType).toBe('OperationOutcome');
    const representation = await fhir.post('Patient', patient(29), { prefer: 'return=representation' });
    expect(representation.body.resourceType).toBe('Patient');
  });
});

describe('delete', () => {
  test('delete leaves history; read is then 410 and the resource leaves search', async () => {
    const created = await fhir.create(patient(30));
    const del = await fhir.delete(`Patient/${created.id}`);
    expect(del.status).toBe(200);
    const read = await fhir.get(`Patient/${created.id}`);
    expect(read.status).toBe(410);
    expect(read.body.resourceType).toBe('OperationOutcome');
    const search = await fhir.get(`Patient?_id=${created.id}`);
    expect(search.body.entry).toBeUndefined();
    const history = await fhir.get(`Patient/${created.id}/_history`);
    expect(history.status).toBe(200);
    expect(history.body.entry).toHaveLength(2);
    expect(history.body.entry[0].request.method).toBe('DELETE');
    expect(history.body.entry[0].resource).toBeUndefined();
    expect(history.body.entry[1].resource.id).toBe(created.id);
    // The deleted version is gone; the earlier one can still be read.
    expect((await fhir.get(`Patient/${created.id}/_history/2`)).status).toBe(410);
    expect((await fhir.get(`Patient/${created.id}/_history/1`)).status).toBe(200);
  });

  test('deleting twice is harmless; deleting what never existed is 404', async () => {
    const created = await fhir.create(patient(31));
    expect((await fhir.delete(`Patient/${created.id}`)).status).toBe(200);
    expect((await fhir.delete(`Patient/${created.id}`)).status).toBe(200);
    const history = await fhir.get(`Patient/${created.id}/_history`);
    expect(history.body.entry).toHaveLength(2);
    expect((await fhir.delete('Patient/never-was')).status).toBe(404);
  });

  test('a deleted resource can be brought back by update, continuing its version numbers', async () => {
    const created = await fhir.create(patient(32));
    await fhir.delete(`Patient/${created.id}`);
    const back = await fhir.put<Patient>(`Patient/${created.id}`, { ...patient(32), id: created.id });
    expect(back.body.meta?.versionId).toBe('3');
    expect((await fhir.get(`Patient/${created.id}`)).status).toBe(200);
  });

  test('conditional delete removes the single match; If-Match guards delete', async () => {
    const created = await fhir.create({ ...patient(33), name: [{ family: 'Slettes' }] });
    const res = await fhir.delete('Patient?family=Slettes');
    expect(res.status).toBe(200);
    expect((await fhir.get(`Patient/${created.id}`)).status).toBe(410);

    const guarded = await fhir.create(patient(34));
    expect((await fhir.delete(`Patient/${guarded.id}`, { 'if-match': 'W/"9"' })).status).toBe(412);
    expect((await fhir.get(`Patient/${guarded.id}`)).status).toBe(200);
  });
});

describe('patch', () => {
  test('JSON Patch changes the resource and makes a new version', async () => {
    const created = await fhir.create(patient(40));
    const res = await fhir.patch<Patient>(
      `Patient/${created.id}`,
      [
        { op: 'replace', path: '/gender', value: 'male' },
        { op: 'add', path: '/name/0/given/-', value: 'Ola' },
      ],
      { 'content-type': 'application/json-patch+json' }
    );
    expect(res.status).toBe(200);
    expect(res.body.gender).toBe('male');
    expect(res.body.name?.[0].given).toEqual(['Kari', 'Ola']);
    expect(res.body.meta?.versionId).toBe('2');
  });

  test('FHIRPath Patch (a Parameters body) is applied', async () => {
    const created = await fhir.create(patient(41));
    const res = await fhir.patch<Patient>(`Patient/${created.id}`, {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'operation',
          part: [
            { name: 'type', valueCode: 'replace' },
            { name: 'path', valueString: 'Patient.birthDate' },
            { name: 'value', valueDate: '1960-03-04' },
          ],
        },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.birthDate).toBe('1960-03-04');
  });

  test('a patch that makes the resource invalid is refused and stores nothing', async () => {
    const created = await fhir.create(patient(42));
    const res = await fhir.patch(`Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 42 }], {
      'content-type': 'application/json-patch+json',
    });
    expect(res.status).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.meta?.versionId).toBe('1');
  });

  test('a patch with a failing test operation is refused; a stale If-Match is 412', async () => {
    const created = await fhir.create(patient(43));
    const failing = await fhir.patch(`Patient/${created.id}`, [{ op: 'test', path: '/gender', value: 'male' }], {
      'content-type': 'application/json-patch+json',
    });
    expect(failing.status).toBe(400);
    const stale = await fhir.patch(`Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 'male' }], {
      'content-type': 'application/json-patch+json',
      'if-match': 'W/"5"',
    });
    expect(stale.status).toBe(412);
  });
});

describe('base validation on write', () => {
  test('an invalid resource is 400 with one issue per problem, each with its location, and nothing is stored', async () => {
    const before = await fhir.get('Observation?_total=accurate&_count=0');
    const res = await fhir.post('Observation', {
      resourceType: 'Observation',
      valueQuantity: { value: 'high' },
      effectiveDateTime: 'yesterday',
      colour: 'blue',
    } as unknown as Observation);
    expect(res.status).toBe(400);
    const issues = res.body.issue as { severity: string; expression?: string[]; details?: { text?: string } }[];
    const locations = issues.map((i) => i.expression?.[0]);
    expect(locations).toEqual(
      expect.arrayContaining(['Observation.status', 'Observation.code', 'Observation.colour', 'Observation.effectiveDateTime', 'Observation.valueQuantity.value'])
    );
    expect(issues.every((i) => i.severity === 'error' && i.details?.text)).toBe(true);
    const after = await fhir.get('Observation?_total=accurate&_count=0');
    expect(after.body.total).toBe(before.body.total);
  });
});
