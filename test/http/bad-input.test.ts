import type { Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { JsonResponse } from '../support/fhir-client.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

let server: TestServer;
let fhir: FhirClient;
/** A resource that exists for the whole file, read after every hostile request to show nothing changed. */
let anchor: Patient & { id: string };

const INJECTION = "x';DROP TABLE resource;--";
const INJECTIONS = [
  INJECTION,
  "' OR '1'='1",
  "1; DELETE FROM resource WHERE '1'='1",
  '"); DROP TABLE idx_token; --',
  "$1'::text; TRUNCATE resource; --",
  '%',
  '_',
  '\\',
];
/** As parameter names: `_` is left out here, it has a test of its own (the server ignores a parameter named `_`). */
const NAME_INJECTIONS = INJECTIONS.filter((v) => v !== '_');

beforeAll(async () => {
  server = await startTestServer();
  fhir = new FhirClient(server.base);
  anchor = await fhir.create(patient(1, 'Ankersen'));
});
afterAll(async () => {
  await server?.close();
});

function patient(n: number, family = 'Feilsen'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(n) }],
    name: [{ family, given: ['Kari'] }],
    gender: 'female',
    birthDate: '1955-05-05',
  };
}

/** Total of a search, counted by the server. */
async function total(type: string, query = ''): Promise<number> {
  const res = await fhir.get(`${type}?${query}${query ? '&' : ''}_total=accurate&_count=0`);
  expect(res.status, res.text).toBe(200);
  return res.body.total as number;
}

/** Rows in the resource table (every version of every resource), straight from the database. */
async function storedRows(): Promise<number> {
  const rows = await server.services.db.query<{ n: string | number }>('SELECT count(*) AS n FROM resource');
  return Number(rows[0].n);
}

/** A 4xx answer as an OperationOutcome with an error issue that says something. */
function expectClientError(res: JsonResponse, status?: number | number[], text?: RegExp): void {
  if (status === undefined) {
    expect(res.status, res.text).toBeGreaterThanOrEqual(400);
    expect(res.status, res.text).toBeLessThan(500);
  } else if (Array.isArray(status)) {
    expect(status, res.text).toContain(res.status);
  } else {
    expect(res.status, res.text).toBe(status);
  }
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body?.resourceType, res.text).toBe('OperationOutcome');
  const issue = res.body.issue?.[0];
  expect(issue?.severity).toBe('error');
  expect(typeof issue?.details?.text).toBe('string');
  expect(issue.details.text.length).toBeGreaterThan(3);
  if (text) {
    expect(issue.details.text).toMatch(text);
  }
}

/** The server still answers, the anchor resource is unchanged, and the tables still work. */
async function expectIntact(): Promise<void> {
  const read = await fhir.get<Patient>(`Patient/${anchor.id}`);
  expect(read.status).toBe(200);
  expect(read.body.meta?.versionId).toBe('1');
  expect(read.body.name?.[0].family).toBe('Ankersen');
  expect(await total('Patient', 'family=Ankersen')).toBe(1);
  expect((await fhir.get(`${server.root}/healthz`)).status).toBe(200);
}

describe('unusable bodies', () => {
  test('malformed JSON is 400 "Malformed JSON", nothing stored, the server still answers', async () => {
    const before = await storedRows();
    for (const text of ['{"resourceType": "Patient",', '{resourceType: Patient}', "{'resourceType':'Patient'}", '{"a":1}}']) {
      const res = await fhir.post('Patient', text);
      expectClientError(res, 400, /JSON/i);
    }
    const put = await fhir.put('Patient/malformed', '{"resourceType":"Patient","id":"malformed"');
    expectClientError(put, 400, /JSON/i);
    expect(await storedRows()).toBe(before);
    expect((await fhir.get('Patient/malformed')).status).toBe(404);
    await expectIntact();
  });

  test('an empty body on POST and PUT is 400, nothing stored', async () => {
    const before = await storedRows();
    expectClientError(await fhir.post('Patient', ''), 400, /empty/i);
    expectClientError(await fhir.put('Patient/empty', ''), 400, /empty/i);
    // No Content-Type and no body at all.
    const bare = await fetch(`${server.base}/Patient`, { method: 'POST' });
    expect(bare.status).toBeGreaterThanOrEqual(400);
    expect(bare.status).toBeLessThan(500);
    expect(((await bare.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('JSON that is an array, a string, a number or a boolean is 400 saying a resource is expected', async () => {
    const before = await storedRows();
    for (const text of ['[]', '[{"resourceType":"Patient"}]', '"Patient"', '42', 'true']) {
      const res = await fhir.post('Patient', text);
      expectClientError(res, 400, /resource/i);
    }
    expectClientError(await fhir.put(`Patient/${anchor.id}`, '[]'), 400);
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('JSON null as the body is 400 with a message about the body, not an internal JavaScript error', async () => {
    const before = await storedRows();
    for (const send of [() => fhir.post('Patient', 'null'), () => fhir.put(`Patient/${anchor.id}`, 'null')]) {
      const res = await send();
      expectClientError(res, 400);
      expect(res.body.issue[0].details.text).not.toMatch(/Cannot read properties|undefined|null \(reading/);
    }
    expect(await storedRows()).toBe(before);
  });

  test('a body without resourceType, or of the wrong type for the URL, is 400 and stores nothing', async () => {
    const before = await storedRows();
    expectClientError(await fhir.post('Patient', { name: [{ family: 'Typeless' }] }), 400, /resource type/i);
    expectClientError(
      await fhir.post('Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } } as Observation),
      400,
      /expected Patient, but found Observation/
    );
    expectClientError(await fhir.post('Observation', patient(2)), 400, /Incorrect resource type/);
    expectClientError(await fhir.put(`Observation/${anchor.id}`, anchor), 400, /resource type/i);
    expectClientError(await fhir.post('Patient', { resourceType: 'NoSuchType' }), 400, /resource type/i);
    expect(await storedRows()).toBe(before);
    expect((await fhir.get(`Observation/${anchor.id}`)).status).toBe(404);
    await expectIntact();
  });

  test('PUT with an id in the body different from the URL, or with no id in the body, is 400', async () => {
    const before = await storedRows();
    expectClientError(await fhir.put(`Patient/${anchor.id}`, { ...anchor, id: 'someone-else' }), 400, /id/i);
    expectClientError(await fhir.put(`Patient/${anchor.id}`, { ...patient(3) }), 400, /id/i);
    expectClientError(await fhir.put('Patient/new-one', { ...patient(4), id: 'other-one' }), 400, /id/i);
    expect(await storedRows()).toBe(before);
    expect((await fhir.get('Patient/someone-else')).status).toBe(404);
    expect((await fhir.get('Patient/new-one')).status).toBe(404);
    expect((await fhir.get('Patient/other-one')).status).toBe(404);
    await expectIntact();
  });

  test('an invalid id on PUT (space, 65 characters, underscore, colon, non-ASCII) is 400 and stores nothing', async () => {
    const before = await storedRows();
    for (const id of ['a b', 'a'.repeat(65), 'a_b', 'a:b', 'blåbær', INJECTION]) {
      const res = await fhir.put(`Patient/${encodeURIComponent(id)}`, { ...patient(5), id });
      expectClientError(res, 400, /id/i);
    }
    expect(await storedRows()).toBe(before);
    // 64 characters of the allowed alphabet is the longest valid id.
    const longest = `${'A1-.'.repeat(16)}`;
    expect(longest).toHaveLength(64);
    const ok = await fhir.put(`Patient/${longest}`, { ...patient(6), id: longest });
    expect(ok.status).toBe(201);
    expect((await fhir.get(`Patient/${longest}`)).body.id).toBe(longest);
  });

  test('a resource that fails base validation is 400 with the element named', async () => {
    const before = await storedRows();
    const res = await fhir.post('Patient', { ...patient(7), active: 'yes', birthDate: '1955-13-40' } as unknown as Patient);
    expectClientError(res, 400);
    const where = (res.body.issue as { expression?: string[] }[]).map((i) => i.expression?.[0]);
    expect(where).toEqual(expect.arrayContaining(['Patient.active', 'Patient.birthDate']));
    expect(await storedRows()).toBe(before);
  });
});

describe('unknown resource types', () => {
  test('read, vread, create, update, patch, delete, search and history of an unknown type are 404 OperationOutcomes', async () => {
    const before = await storedRows();
    expectClientError(await fhir.get('NoSuchType/1'), 404);
    expectClientError(await fhir.get('NoSuchType/1/_history/1'), 404);
    expectClientError(await fhir.post('NoSuchType', { resourceType: 'NoSuchType' }), 404);
    expectClientError(await fhir.put('NoSuchType/1', { resourceType: 'NoSuchType', id: '1' }), 404);
    expectClientError(await fhir.patch('NoSuchType/1', [], { 'content-type': 'application/json-patch+json' }), 404);
    expectClientError(await fhir.delete('NoSuchType/1'), 404);
    expectClientError(await fhir.get('NoSuchType'), 404);
    expectClientError(await fhir.get('NoSuchType?name=x'), 404);
    expectClientError(await fhir.get('NoSuchType/_history'), 404);
    expectClientError(await fhir.get('NoSuchType/1/_history'), 404);
    // Case matters: resource type names are case-sensitive.
    expectClientError(await fhir.get(`patient/${anchor.id}`), 404);
    expectClientError(await fhir.get('patient'), 404);
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });
});

describe('errors and their statuses', () => {
  test('400 for invalid search values, each naming the parameter or value', async () => {
    expectClientError(await fhir.get('Patient?birthdate=notadate'), 400, /notadate|date/);
    expectClientError(await fhir.get('Patient?birthdate=2020-13-45'), 400);
    expectClientError(await fhir.get('Observation?date=gt2020-02-30'), 400);
    expectClientError(await fhir.get('Patient?_lastUpdated=yesterday'), 400, /yesterday/);
    expectClientError(await fhir.get('RiskAssessment?probability=abc'), 400, /probability/);
    expectClientError(await fhir.get('Observation?value-quantity=lots'), 400, /value-quantity/);
    expectClientError(await fhir.get('Patient?identifier=a|b|c'), 400, /identifier/);
    expectClientError(await fhir.get('Patient?name:missing=perhaps'), 400, /missing/);
    expectClientError(await fhir.get('Patient?_count=-1'), 400, /_count/);
    expectClientError(await fhir.get('Patient?_count=abc'), 400, /_count/);
    expectClientError(await fhir.get('Patient?_count=100000'), 400, /_count/);
    expectClientError(await fhir.get('Patient?_total=all'), 400, /_total/);
    expectClientError(await fhir.get('Patient?_sort=colour'), 400, /sort/i);
    expectClientError(await fhir.get('Patient?colour=blue'), 400, /colour/);
    expectClientError(await fhir.get('Patient?_cursor=bm9wZQ'), 400, /_cursor/);
    expectClientError(await fhir.get('Patient/_history?_since=last-week'), 400, /_since/);
    await expectIntact();
  });

  test('an unknown modifier is refused with 400, not silently dropped', async () => {
    // family:bogus=Ankersen must not be answered as family=Ankersen.
    const res = await fhir.get('Patient?family:bogus=Ankersen');
    expectClientError(res, 400, /bogus|modifier/i);
    expectClientError(await fhir.get('Patient?gender:nonsense=female'), 400, /nonsense|modifier/i);
  });

  test('404 for a missing resource, a missing version and an unknown endpoint', async () => {
    expectClientError(await fhir.get('Patient/not-here'), 404);
    expectClientError(await fhir.get(`Patient/${anchor.id}/_history/99`), 404);
    expectClientError(await fhir.get('Patient/not-here/_history'), 404);
    expectClientError(await fhir.delete('Patient/not-here'), 404);
    expectClientError(await fhir.patch('Patient/not-here', [{ op: 'replace', path: '/gender', value: 'male' }], { 'content-type': 'application/json-patch+json' }), 404);
    expectClientError(await fhir.get(`${server.root}/no/such/endpoint`), 404, /endpoint/);
  });

  test('unsupported methods on FHIR paths are 404 or 405, never a write', async () => {
    const before = await storedRows();
    const attempts: [string, string, unknown?][] = [
      ['POST', `Patient/${anchor.id}`, anchor],
      ['PUT', `Patient/${anchor.id}/_history/1`, anchor],
      ['DELETE', `Patient/${anchor.id}/_history/1`],
      ['POST', `Patient/${anchor.id}/_history`, {}],
      ['DELETE', 'Patient/_history'],
      ['OPTIONS', 'Patient'],
      ['PUT', `${server.root}/healthz`, {}],
      ['DELETE', 'metadata'],
    ];
    for (const [method, path, body] of attempts) {
      const res = await fhir.request(method, path, body);
      expect([404, 405], `${method} ${path}: ${res.status} ${res.text}`).toContain(res.status);
      expect(res.body?.resourceType).toBe('OperationOutcome');
    }
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('POST, PUT and PATCH on /metadata are 404 or 405 (it is not a resource type)', async () => {
    const before = await storedRows();
    for (const [method, body, headers] of [
      ['POST', { resourceType: 'Patient' }, {}],
      ['PUT', { resourceType: 'Patient' }, {}],
      ['PATCH', [{ op: 'add', path: '/x', value: 1 }], { 'content-type': 'application/json-patch+json' }],
    ] as [string, unknown, Record<string, string>][]) {
      const res = await fhir.request(method, 'metadata', body, headers);
      expect([404, 405], `${method} /metadata: ${res.status} ${res.text}`).toContain(res.status);
      expect(res.body?.resourceType).toBe('OperationOutcome');
    }
    expect(await storedRows()).toBe(before);
  });

  test('412 for a stale If-Match on update, patch and delete, and for conditional writes matching several resources', async () => {
    const created = await fhir.create(patient(10, 'Betingelse'));
    await fhir.create(patient(11, 'Betingelse'));
    const before = await storedRows();
    expectClientError(await fhir.put(`Patient/${created.id}`, { ...created, gender: 'male' }, { 'if-match': 'W/"7"' }), 412);
    expectClientError(
      await fhir.patch(`Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 'male' }], {
        'content-type': 'application/json-patch+json',
        'if-match': 'W/"7"',
      }),
      412
    );
    expectClientError(await fhir.delete(`Patient/${created.id}`, { 'if-match': 'W/"7"' }), 412);
    expectClientError(await fhir.post('Patient', patient(12), { 'if-none-exist': 'family=Betingelse' }), 412);
    expectClientError(await fhir.put('Patient?family=Betingelse', patient(13, 'Betingelse')), 412);
    expectClientError(await fhir.delete('Patient?family=Betingelse'), 412);
    expect(await storedRows()).toBe(before);
    expect((await fhir.get<Patient>(`Patient/${created.id}`)).body.gender).toBe('female');
  });

  test('concurrent updates with the same If-Match: exactly one succeeds, the rest are 409 or 412, never 500', async () => {
    const created = await fhir.create(patient(14));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        fhir.put(`Patient/${created.id}`, { ...created, birthDate: `19${60 + i}-01-01` }, { 'if-match': 'W/"1"' })
      )
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) {
      expectClientError(r, [409, 412]);
    }
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.meta?.versionId).toBe('2');
  });

  test('410 for a deleted resource on read and on vread of the deletion; the earlier version stays readable', async () => {
    const created = await fhir.create(patient(15));
    expect((await fhir.delete(`Patient/${created.id}`)).status).toBe(200);
    expectClientError(await fhir.get(`Patient/${created.id}`), 410);
    expectClientError(await fhir.get(`Patient/${created.id}/_history/2`), 410);
    expect((await fhir.get(`Patient/${created.id}/_history/1`)).status).toBe(200);
    expectClientError(
      await fhir.patch(`Patient/${created.id}`, [{ op: 'replace', path: '/gender', value: 'male' }], {
        'content-type': 'application/json-patch+json',
      }),
      410
    );
  });

  test('a JSON Patch that is not an array, or a patch body of the wrong media type, is 400', async () => {
    const before = await storedRows();
    expectClientError(
      await fhir.patch(`Patient/${anchor.id}`, { op: 'replace', path: '/gender', value: 'male' }, { 'content-type': 'application/json-patch+json' }),
      400
    );
    expectClientError(
      await fhir.patch(`Patient/${anchor.id}`, [{ op: 'explode', path: '/gender' }], { 'content-type': 'application/json-patch+json' }),
      400
    );
    expectClientError(await fhir.patch(`Patient/${anchor.id}`, [{ op: 'replace', path: '/id', value: 'stolen' }], { 'content-type': 'application/json-patch+json' }), 400);
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });
});

describe('SQL metacharacters never reach SQL as code', () => {
  test(`an id like ${INJECTION} in a GET path is 404 and the table still works`, async () => {
    const before = await storedRows();
    const exact = await fhir.get(`Patient/${encodeURIComponent(INJECTION)}`);
    expectClientError(exact, 404);
    for (const id of INJECTIONS) {
      const path = encodeURIComponent(id);
      for (const p of [`Patient/${path}`, `Patient/${path}/_history`, `Patient/${path}/_history/1`, `Patient/${anchor.id}/_history/${path}`]) {
        const res = await fhir.get(p);
        expect([400, 404], `${p}: ${res.status} ${res.text}`).toContain(res.status);
        expect(res.body?.resourceType).toBe('OperationOutcome');
      }
      expect([400, 404]).toContain((await fhir.delete(`Patient/${path}`)).status);
      expect([400, 404]).toContain((await fhir.get(encodeURIComponent(`Patient${id}`))).status);
    }
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('SQL in search parameter values of every type is an ordinary value: no match, no 500', async () => {
    const before = await storedRows();
    const queries = [
      'Patient?family={v}',
      'Patient?name:contains={v}',
      'Patient?name:exact={v}',
      'Patient?identifier={v}',
      `Patient?identifier=${encodeURIComponent(FNR_SYSTEM)}|{v}`,
      'Patient?gender={v}',
      'Patient?_id={v}',
      'Patient?general-practitioner={v}',
      'Observation?subject=Patient/{v}',
      'Observation?subject:identifier={v}',
      'ValueSet?url={v}',
      'ValueSet?url:below={v}',
      'Patient?_tag:text={v}',
      'Observation?code:text={v}',
    ];
    for (const template of queries) {
      for (const value of INJECTIONS) {
        const path = template.replace('{v}', encodeURIComponent(value));
        const res = await fhir.get(path);
        expect(res.status, `${path}: ${res.text}`).toBeLessThan(500);
        if (res.status === 200) {
          expect(res.body.resourceType).toBe('Bundle');
          expect(res.body.entry ?? [], path).toHaveLength(0);
        } else {
          expectClientError(res);
        }
      }
    }
    // Date, number and quantity parameters refuse such values as not being dates or numbers.
    for (const template of ['Patient?birthdate={v}', 'Patient?_lastUpdated={v}', 'RiskAssessment?probability={v}', 'Observation?value-quantity={v}']) {
      for (const value of INJECTIONS) {
        expectClientError(await fhir.get(template.replace('{v}', encodeURIComponent(value))), 400);
      }
    }
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('LIKE wildcards in string searches match literally', async () => {
    await fhir.create(patient(20, 'Prosent%Navn'));
    expect(await total('Patient', 'family=%25')).toBe(0);
    expect(await total('Patient', 'family=_')).toBe(0);
    expect(await total('Patient', 'family:contains=%25')).toBe(1);
    expect(await total('Patient', 'family=Prosent%25')).toBe(1);
    expect(await total('Patient', 'family=Prosent_')).toBe(0);
  });

  test('SQL in search parameter names and modifiers is 400 unknown parameter (or ignored), never a 500', async () => {
    const before = await storedRows();
    for (const value of NAME_INJECTIONS) {
      for (const name of [value, `family:${value}`, `${value}:exact`, `_has:${value}`, `subject.${value}`]) {
        const res = await fhir.get(`Patient?${encodeURIComponent(name)}=x`);
        expect(res.status, `${name}: ${res.text}`).toBeLessThan(500);
        if (res.status !== 200) {
          expectClientError(res, 400);
        }
      }
    }
    expect(await storedRows()).toBe(before);
    await expectIntact();
  });

  test('SQL in _sort, _count, _total, _include, _cursor and _since is 400, never a 500', async () => {
    for (const value of INJECTIONS) {
      const v = encodeURIComponent(value);
      for (const path of [
        `Patient?_sort=${v}`,
        `Patient?_sort=-${v}`,
        `Patient?_sort=family,${v}`,
        `Patient?_count=${v}`,
        `Patient?_count=1${v}`,
        `Patient?_total=${v}`,
        `Patient?_include=Patient:${v}`,
        `Patient?_revinclude=${v}`,
        `Patient?_cursor=${v}`,
        `Patient/_history?_since=${v}`,
        `_history?_count=${v}`,
      ]) {
        const res = await fhir.get(path);
        expect(res.status, `${path}: ${res.text}`).toBeLessThan(500);
        if (res.status !== 200) {
          expectClientError(res, 400);
        }
      }
    }
    await expectIntact();
  });

  test('SQL in If-None-Exist criteria: an unknown parameter is 400 and stores nothing; a value simply matches nothing', async () => {
    const before = await total('Patient');
    for (const value of NAME_INJECTIONS) {
      const res = await fhir.post('Patient', patient(30), { 'if-none-exist': `${value}=1` });
      expectClientError(res, 400);
    }
    expect(await total('Patient')).toBe(before);
    // As a value of a real parameter it is data: no match, so the resource is created, exactly once.
    const created = await fhir.post<Patient>('Patient', patient(31, 'Hvisikke'), { 'if-none-exist': `family=${encodeURIComponent(INJECTION)}` });
    expect(created.status).toBe(201);
    expect(await total('Patient')).toBe(before + 1);
    const again = await fhir.post<Patient>('Patient', patient(31, 'Hvisikke'), {
      'if-none-exist': `identifier=${FNR_SYSTEM}|${syntheticFnr(31)}`,
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(created.body.id);
    expect(await total('Patient')).toBe(before + 1);
    await expectIntact();
  });

  test('SQL in conditional update criteria: unknown parameter 400 with nothing stored; as a value it matches nothing', async () => {
    const before = await total('Patient');
    for (const value of NAME_INJECTIONS) {
      expectClientError(await fhir.put(`Patient?${encodeURIComponent(value)}=1`, patient(40)), 400);
    }
    expect(await total('Patient')).toBe(before);
    const res = await fhir.put<Patient>(`Patient?family=${encodeURIComponent(INJECTION)}`, patient(41, 'Betinget'));
    expect(res.status).toBe(201);
    expect(await total('Patient')).toBe(before + 1);
    // The anchor was not the target, even though the criteria contained an always-true SQL fragment.
    const orTrue = await fhir.put<Patient>(`Patient?family=${encodeURIComponent("' OR '1'='1")}`, patient(42, 'Betinget'));
    expect(orTrue.status).toBe(201);
    expect(orTrue.body.id).not.toBe(anchor.id);
    await expectIntact();
  });

  test('SQL in conditional delete criteria deletes nothing', async () => {
    const before = await total('Patient');
    const rows = await storedRows();
    for (const value of NAME_INJECTIONS) {
      const byName = await fhir.delete(`Patient?${encodeURIComponent(value)}=1`);
      expectClientError(byName, 400);
      const byValue = await fhir.delete(`Patient?family=${encodeURIComponent(value)}`);
      expect([200, 204, 404], `${value}: ${byValue.status} ${byValue.text}`).toContain(byValue.status);
      const byId = await fhir.delete(`Patient?_id=${encodeURIComponent(value)}`);
      expect([200, 204, 404]).toContain(byId.status);
    }
    expect(await total('Patient')).toBe(before);
    expect(await storedRows()).toBe(rows);
    await expectIntact();
  });

  test('conditional delete whose criteria the server ignores (none, `_`, `_count`, `_pretty`) is refused and deletes nothing', async () => {
    // Basic is used by no other test here, so exactly one resource of the type exists.
    const only = await fhir.create({ resourceType: 'Basic', code: { text: 'eneste' } });
    for (const criteria of ['', '?_=1', '?_count=5', '?_pretty=true']) {
      const res = await fhir.delete(`Basic${criteria}`);
      expect([400, 412], `DELETE Basic${criteria}: ${res.status} ${res.text}`).toContain(res.status);
      expect((await fhir.get(`Basic/${only.id}`)).status, `after DELETE Basic${criteria}`).toBe(200);
    }
  });

  test('conditional update and create whose criteria the server ignores do not act on an unrelated resource', async () => {
    // Substance is used by no other test here, so exactly one resource of the type exists.
    const only = await fhir.create({ resourceType: 'Substance', code: { text: 'uberort' }, description: 'må ikke endres' });
    for (const criteria of ['?_=1', '?_count=1', '']) {
      const res = await fhir.put(`Substance${criteria}`, { resourceType: 'Substance', code: { text: 'overskrevet' } });
      expect([400, 412], `PUT Substance${criteria}: ${res.status} ${res.text}`).toContain(res.status);
      const read = await fhir.get(`Substance/${only.id}`);
      expect(read.body.code.text, `after PUT Substance${criteria}`).toBe('uberort');
      expect(read.body.meta.versionId).toBe('1');
    }
    const create = await fhir.post('Substance', { resourceType: 'Substance', code: { text: 'ny' } }, { 'if-none-exist': '_=1' });
    expect([400, 412], create.text).toContain(create.status);
  });

  test('SQL in a form-encoded POST _search body is data, never a 500', async () => {
    for (const value of INJECTIONS) {
      const body = new URLSearchParams({ family: value }).toString();
      const res = await fhir.request('POST', 'Patient/_search', body, { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.status, res.text).toBe(200);
      expect(res.body.entry ?? []).toHaveLength(0);
      const sorted = await fhir.request('POST', 'Patient/_search', new URLSearchParams({ _sort: value }).toString(), {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expectClientError(sorted, 400);
    }
    await expectIntact();
  });

  test('resource content full of SQL metacharacters is stored, read and searched verbatim', async () => {
    const family = "O'Brien\"; DROP TABLE resource; --";
    const created = await fhir.create({ ...patient(50), name: [{ family, given: ["Robert'); DELETE FROM idx_string;--"] }] });
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.name?.[0].family).toBe(family);
    expect(read.body.name?.[0].given).toEqual(["Robert'); DELETE FROM idx_string;--"]);
    const found = await fhir.get(`Patient?family:exact=${encodeURIComponent(family)}`);
    expect(found.status).toBe(200);
    expect(found.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([created.id]);
    const contains = await fhir.get(`Patient?name:contains=${encodeURIComponent('DROP TABLE')}`);
    expect(contains.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([created.id]);
    await expectIntact();
  });
});
