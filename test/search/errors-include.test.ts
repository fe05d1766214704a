import type { Bundle, BundleEntry, Observation, OperationOutcome, Organization, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { link, matchIds, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);


function observation(key: Key, subject?: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    identifier: [key.identifier],
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
    ...(subject ? { subject: { reference: subject } } : {}),
  };
}

function outcomeText(body: unknown): string {
  const oo = body as OperationOutcome;
  return (oo.issue ?? []).map((i) => `${i.details?.text ?? ''} ${i.diagnostics ?? ''} ${(i.expression ?? []).join(' ')}`).join('\n');
}

describe('unknown and unsupported parameters', () => {
  test('an unknown parameter is 400 with an OperationOutcome that names it', async () => {
    const text = await search.expect400('Patient', 'shoe-size=42');
    expect(text).toContain('shoe-size');
    const res = await search.get('Patient', 'gender=female&shoe-size=42');
    expect(res.status).toBe(400);
    const oo = res.body as unknown as OperationOutcome;
    expect(oo.issue?.[0].severity).toBe('error');
    expect(outcomeText(oo)).toContain('shoe-size');
    // A parameter of another resource type is unknown here too.
    expect(await search.expect400('Patient', 'value-quantity=5')).toContain('value-quantity');
  });

  test('an unknown modifier on a known parameter is 400', async () => {
    await search.expect400('Patient', 'gender:sounds-like=female');
  });

  test('with Prefer: handling=lenient an unknown parameter is ignored, and the known ones still filter', async () => {
    const key = newKey();
    const female = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], gender: 'female' });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], gender: 'male' });
    const lenient = { prefer: 'handling=lenient' };
    await search.expectIds('Patient', `${key.param}&gender=female&shoe-size=42`, [female.id], lenient);
    // Strict handling is the default, and can be asked for explicitly.
    await search.expect400('Patient', `${key.param}&shoe-size=42`, { prefer: 'handling=strict' });
  });

  test('in lenient mode the self link shows only the parameters that were used', async () => {
    const key = newKey();
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], gender: 'female' });
    const res = await search.get('Patient', `${key.param}&gender=female&shoe-size=42`, { prefer: 'handling=lenient' });
    expect(res.status).toBe(200);
    const self = link(res.body, 'self') as string;
    expect(self).toContain('gender=female');
    expect(self).not.toContain('shoe-size');
  });

  test('lenient handling does not turn invalid values of known parameters into matches', async () => {
    const res = await search.get('Patient', 'birthdate=notadate', { prefer: 'handling=lenient' });
    expect(res.status).toBe(400);
  });

  test(':missing takes only true or false', async () => {
    expect(await search.expect400('Patient', 'gender:missing=maybe')).toContain('gender');
    await search.expect400('Patient', 'name:missing=yes');
    await search.expect400('Observation', 'subject:missing=1');
  });

  test('an unknown resource type is 404', async () => {
    const res = await search.get('NoSuchType', 'name=x');
    expect(res.status).toBe(404);
  });
});

describe('_include and _revinclude', () => {
  test('Observation?_include=Observation:subject returns the patient once, with search mode include', async () => {
    const key = newKey();
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Inkludert' }] });
    const o1 = await fhir.create(observation(key, `Patient/${patient.id}`));
    const o2 = await fhir.create(observation(key, `Patient/${patient.id}`));
    const o3 = await fhir.create(observation(key));

    for (const res of [
      await search.get('Observation', `${key.param}&_include=Observation:subject&_total=accurate`),
      await search.post('Observation', `${key.param}&_include=Observation:subject&_total=accurate`),
    ]) {
      expect(res.status).toBe(200);
      const entries = res.body.entry as BundleEntry[];
      expect(matchIds(res.body).sort()).toEqual([o1.id, o2.id, o3.id].sort());
      const included = entries.filter((e) => e.search?.mode === 'include');
      expect(included).toHaveLength(1);
      expect(included[0].resource?.resourceType).toBe('Patient');
      expect(included[0].resource?.id).toBe(patient.id);
      expect(included[0].fullUrl).toBe(`${env.server.base}/Patient/${patient.id}`);
      // The total counts matches only.
      expect(res.body.total).toBe(3);
    }
  });

  test('_include with a target type only includes that type', async () => {
    const key = newKey();
    const patient = await fhir.create<Patient>({ resourceType: 'Patient' });
    await fhir.create(observation(key, `Patient/${patient.id}`));
    const withType = await search.get('Observation', `${key.param}&_include=Observation:subject:Patient`);
    expect(withType.status).toBe(200);
    expect(withType.body.entry?.filter((e) => e.search?.mode === 'include').map((e) => e.resource?.id)).toEqual([patient.id]);
    const wrongType = await search.get('Observation', `${key.param}&_include=Observation:subject:Group`);
    expect(wrongType.status).toBe(200);
    expect(wrongType.body.entry?.filter((e) => e.search?.mode === 'include') ?? []).toEqual([]);
  });

  test('without _include no referenced resources are returned', async () => {
    const key = newKey();
    const patient = await fhir.create<Patient>({ resourceType: 'Patient' });
    await fhir.create(observation(key, `Patient/${patient.id}`));
    const res = await search.get('Observation', key.param);
    expect(res.body.entry?.map((e) => e.search?.mode)).toEqual(['match']);
  });

  test('Patient?_revinclude=Observation:subject returns the observations that point at the patient', async () => {
    const key = newKey();
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    const lonely = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    const o1 = await fhir.create(observation(newKey(), `Patient/${patient.id}`));
    const o2 = await fhir.create(observation(newKey(), `Patient/${patient.id}`));
    await fhir.create(observation(newKey(), 'Patient/someone-else'));

    const res = await search.get('Patient', `${key.param}&_revinclude=Observation:subject`);
    expect(res.status).toBe(200);
    expect(matchIds(res.body).sort()).toEqual([patient.id, lonely.id].sort());
    const included = (res.body.entry ?? []).filter((e) => e.search?.mode === 'include');
    expect(included.map((e) => `${e.resource?.resourceType}/${e.resource?.id}`).sort()).toEqual(
      [`Observation/${o1.id}`, `Observation/${o2.id}`].sort()
    );
  });

  test('_include of a parameter the type does not have is 400', async () => {
    const key = newKey();
    await fhir.create(observation(key));
    const res = await search.get('Observation', `${key.param}&_include=Observation:shoe-size`);
    expect(res.status).toBe(400);
  });

  test(':iterate follows the included resources\' references too; without it one level only', async () => {
    const key = newKey();
    const org = await fhir.create<Organization>({ resourceType: 'Organization', name: 'Iterasjon kommune' });
    const patient = await fhir.create<Patient>({ resourceType: 'Patient', managingOrganization: { reference: `Organization/${org.id}` } });
    await fhir.create(observation(key, `Patient/${patient.id}`));
    const included = async (query: string) =>
      ((await search.get('Observation', `${key.param}&${query}`)).body.entry ?? [])
        .filter((e) => e.search?.mode === 'include')
        .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`)
        .sort();
    expect(await included('_include=Observation:subject&_include=Patient:organization')).toEqual([`Patient/${patient.id}`]);
    expect(await included('_include=Observation:subject&_include:iterate=Patient:organization')).toEqual([`Organization/${org.id}`, `Patient/${patient.id}`]);
    // * is every reference parameter of the type.
    expect(await included('_include=*&_include:iterate=Patient:*')).toEqual([`Organization/${org.id}`, `Patient/${patient.id}`]);
    expect(await included('_include=Observation:*')).toEqual([`Patient/${patient.id}`]);
    const rev = await search.get('Patient', `_id=${patient.id}&_revinclude=Observation:*`);
    expect((rev.body.entry ?? []).filter((e) => e.search?.mode === 'include').map((e) => e.resource?.resourceType)).toEqual(['Observation']);
  });

  test('_revinclude=* (every type) and wildcards of types without references are 400s', async () => {
    expect((await search.get('Patient', '_revinclude=*')).status).toBe(400);
    expect((await search.get('Patient', '_revinclude=Binary:*')).status).toBe(400);
    expect((await search.get('Patient', '_include=*:subject')).status).toBe(400);
  });

  test('_include on an empty result gives an empty bundle', async () => {
    const res = await search.get('Observation', `${newKey().param}&_include=Observation:subject`);
    expect(res.status).toBe(200);
    expect((res.body as Bundle).entry).toBeUndefined();
  });
});
