import type { Observation, Patient, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';
import { enc, keyedObservation, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

const observation = keyedObservation;

describe('reference', () => {
  let key: Key;
  let patient: Patient & { id: string };
  let other: Patient & { id: string };
  const fnr = syntheticFnr(201);
  const obs: Record<string, string> = {};

  beforeAll(async () => {
    key = newKey();
    patient = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [{ system: FNR_SYSTEM, value: fnr }] });
    other = await fhir.create<Patient>({ resourceType: 'Patient' });
    const make = async (name: string, extra: Partial<Observation>) => {
      obs[name] = (await fhir.create(observation(key, extra))).id;
    };
    await make('relative', { subject: { reference: `Patient/${patient.id}` } });
    await make('absoluteOwn', { subject: { reference: `${env.server.base}/Patient/${patient.id}` } });
    await make('versioned', { subject: { reference: `Patient/${patient.id}/_history/1` } });
    await make('otherPatient', { subject: { reference: `Patient/${other.id}` } });
    await make('identifierOnly', { subject: { type: 'Patient', identifier: { system: FNR_SYSTEM, value: fnr }, display: 'Kari Nordmann' } });
    await make('identifierOther', { subject: { identifier: { system: FNR_SYSTEM, value: syntheticFnr(202) } } });
    await make('identifierNoSystem', { subject: { identifier: { value: fnr } } });
    await make('group', { subject: { reference: 'Group/gruppe-1' } });
    await make('none', {});
  });

  const local = () => [obs.relative, obs.absoluteOwn, obs.versioned];

  test('Type/id matches relative, absolute-to-this-server and versioned references', async () => {
    await search.expectIds('Observation', `${key.param}&subject=Patient/${patient.id}`, local());
    await search.expectIds('Observation', `${key.param}&subject=Patient/${other.id}`, [obs.otherPatient]);
  });

  test('patient (subject where it is a Patient) also matches absolute references to this server', async () => {
    await search.expectIds('Observation', `${key.param}&patient=Patient/${other.id}`, [obs.otherPatient]);
    await search.expectIds('Observation', `${key.param}&patient=Patient/${patient.id}`, local());
  });

  test('a bare id matches references of any type with that id', async () => {
    await search.expectIds('Observation', `${key.param}&subject=${patient.id}`, local());
    await search.expectIds('Observation', `${key.param}&subject=gruppe-1`, [obs.group]);
  });

  test("an absolute URL on the server's own base matches local references", async () => {
    await search.expectIds('Observation', `${key.param}&subject=${enc(`${env.server.base}/Patient/${patient.id}`)}`, local());
  });

  test('subject:Patient=id restricts the type; a wrong type finds nothing', async () => {
    await search.expectIds('Observation', `${key.param}&subject:Patient=${patient.id}`, local());
    await search.expectIds('Observation', `${key.param}&subject:Group=gruppe-1`, [obs.group]);
    await search.expectIds('Observation', `${key.param}&subject:Group=${patient.id}`, []);
    await search.expectIds('Observation', `${key.param}&subject:Patient=${patient.id},${other.id}`, [...local(), obs.otherPatient]);
  });

  test('comma values are OR over references', async () => {
    await search.expectIds('Observation', `${key.param}&subject=Patient/${other.id},Group/gruppe-1`, [obs.otherPatient, obs.group]);
  });

  test(':identifier finds logical references by fødselsnummer', async () => {
    await search.expectIds('Observation', `${key.param}&subject:identifier=${FNR_SYSTEM}|${fnr}`, [obs.identifierOnly]);
    await search.expectIds('Observation', `${key.param}&patient:identifier=${FNR_SYSTEM}|${fnr}`, [obs.identifierOnly]);
    await search.expectIds('Observation', `${key.param}&subject:identifier=${fnr}`, [obs.identifierOnly, obs.identifierNoSystem]);
    await search.expectIds('Observation', `${key.param}&subject:identifier=|${fnr}`, [obs.identifierNoSystem]);
    await search.expectIds('Observation', `${key.param}&subject:identifier=${FNR_SYSTEM}|`, [obs.identifierOnly, obs.identifierOther]);
    await search.expectIds('Observation', `${key.param}&subject:identifier=${FNR_SYSTEM}|${syntheticFnr(203)}`, []);
    await search.expectIds('Observation', `${key.param}&subject:identifier=urn:other|${fnr}`, []);
  });

  test(':missing on references', async () => {
    await search.expectIds('Observation', `${key.param}&subject:missing=true`, [obs.none]);
    const present = await search.ids('Observation', `${key.param}&subject:missing=false`);
    expect(present.sort()).toEqual(Object.entries(obs).filter(([name]) => name !== 'none').map(([, id]) => id).sort());
  });

  test('a reference to another server is only found by its full URL, not as a local reference', async () => {
    const k = newKey();
    const foreignUrl = `https://annen-server.example.no/fhir/Patient/${patient.id}`;
    const foreign = await fhir.create(observation(k, { subject: { reference: foreignUrl } }));
    const localObs = await fhir.create(observation(k, { subject: { reference: `Patient/${patient.id}` } }));
    await search.expectIds('Observation', `${k.param}&subject=${enc(foreignUrl)}`, [foreign.id]);
    await search.expectIds('Observation', `${k.param}&subject=Patient/${patient.id}`, [localObs.id]);
    await search.expectIds('Observation', `${k.param}&subject=${patient.id}`, [localObs.id]);
  });

  test('unsupported modifiers on references are 400', async () => {
    await search.expect400('Observation', 'subject:exact=Patient/1');
    await search.expect400('Observation', 'subject:contains=Patient');
  });
});

describe('uri', () => {
  let key: Key;
  const vs: Record<string, string> = {};
  beforeAll(async () => {
    key = newKey();
    const make = async (name: string, url: string) => {
      vs[name] = (await fhir.create<ValueSet>({ resourceType: 'ValueSet', status: 'active', identifier: [key.identifier], url })).id;
    };
    await make('a', 'http://example.no/fhir/ValueSet/a');
    await make('aSub', 'http://example.no/fhir/ValueSet/a/sub');
    await make('b', 'http://example.no/fhir/ValueSet/b');
    await make('underscore', 'http://example.no/fhir_vs/x');
    await make('urn', 'urn:oid:2.16.578.1.12.4.1.1.9801');
  });

  test('plain uri search is exact and case-sensitive', async () => {
    await search.expectIds('ValueSet', `${key.param}&url=${enc('http://example.no/fhir/ValueSet/a')}`, [vs.a]);
    await search.expectIds('ValueSet', `${key.param}&url=${enc('http://example.no/fhir/ValueSet/A')}`, []);
    await search.expectIds('ValueSet', `${key.param}&url=${enc('http://example.no/fhir/ValueSet')}`, []);
    await search.expectIds('ValueSet', `${key.param}&url=${enc('urn:oid:2.16.578.1.12.4.1.1.9801')}`, [vs.urn]);
    await search.expectIds('ValueSet', `${key.param}&url=${enc('http://example.no/fhir/ValueSet/a,http://example.no/fhir/ValueSet/b')}`, [vs.a, vs.b]);
  });

  test(':below matches the uri and everything under it', async () => {
    await search.expectIds('ValueSet', `${key.param}&url:below=${enc('http://example.no/fhir/ValueSet/a')}`, [vs.a, vs.aSub]);
    await search.expectIds('ValueSet', `${key.param}&url:below=${enc('http://example.no/fhir/')}`, [vs.a, vs.aSub, vs.b]);
    // An underscore is a literal character, not a LIKE wildcard.
    await search.expectIds('ValueSet', `${key.param}&url:below=${enc('http://example.no/fhir_')}`, [vs.underscore]);
    await search.expectIds('ValueSet', `${key.param}&url:below=${enc('http://example.no/fhir%')}`, []);
  });

  test(':above matches the uri and every uri it lies under', async () => {
    await search.expectIds('ValueSet', `${key.param}&url:above=${enc('http://example.no/fhir/ValueSet/a/sub/deeper')}`, [vs.a, vs.aSub]);
    await search.expectIds('ValueSet', `${key.param}&url:above=${enc('http://example.no/fhir/ValueSet/b')}`, [vs.b]);
    // The stored "_" must not act as a wildcard against the searched text.
    await search.expectIds('ValueSet', `${key.param}&url:above=${enc('http://example.no/fhirXvs/x/y')}`, []);
    await search.expectIds('ValueSet', `${key.param}&url:above=${enc('http://example.no/fhir_vs/x/y')}`, [vs.underscore]);
  });

  test('unsupported uri modifier is 400', async () => {
    await search.expect400('ValueSet', 'url:contains=example');
  });
});

describe('_id, _profile, _tag', () => {
  test('_id with one or several ids, repeated _id, and :not', async () => {
    const key = newKey();
    const a = await fhir.put<Patient>('Patient/kp-id-a', { resourceType: 'Patient', id: 'kp-id-a', identifier: [key.identifier] });
    const b = await fhir.put<Patient>('Patient/kp-id-b', { resourceType: 'Patient', id: 'kp-id-b', identifier: [key.identifier] });
    const c = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    await search.expectIds('Patient', '_id=kp-id-a', ['kp-id-a']);
    await search.expectIds('Patient', `_id=kp-id-a,kp-id-b,${c.id}`, ['kp-id-a', 'kp-id-b', c.id]);
    await search.expectIds('Patient', '_id=kp-id-a,does-not-exist', ['kp-id-a']);
    await search.expectIds('Patient', '_id=kp-id-a&_id=kp-id-b', []);
    await search.expectIds('Patient', `${key.param}&_id:not=kp-id-a`, ['kp-id-b', c.id]);
    // Ids are compared exactly, not as prefixes.
    await search.expectIds('Patient', '_id=kp-id', []);
    // An id of another type is not found.
    await search.expectIds('Observation', '_id=kp-id-a', []);
  });

  test('_profile finds resources by meta.profile', async () => {
    const key = newKey();
    // A profile this server knows: an unknown claimed profile is refused on write.
    const profile = 'https://knutepunkt.dev/fhir/StructureDefinition/no-patient';
    const fnr = { system: FNR_SYSTEM, value: syntheticFnr(170) };
    const withProfile = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier, fnr], meta: { profile: [profile] } });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await search.expectIds('Patient', `${key.param}&_profile=${enc(profile)}`, [withProfile.id]);
    await search.expectIds('Patient', `${key.param}&_profile=${enc(`${profile}-other`)}`, []);
  });

  test('_tag by system|code, by code, and by system|', async () => {
    const key = newKey();
    const tagged = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], meta: { tag: [{ system: 'urn:kp:tags', code: 'import' }] } });
    const otherTag = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], meta: { tag: [{ system: 'urn:kp:tags', code: 'manual' }] } });
    await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await search.expectIds('Patient', `${key.param}&_tag=urn:kp:tags|import`, [tagged.id]);
    await search.expectIds('Patient', `${key.param}&_tag=import`, [tagged.id]);
    await search.expectIds('Patient', `${key.param}&_tag=urn:kp:tags|`, [tagged.id, otherTag.id]);
    await search.expectIds('Patient', `${key.param}&_tag=urn:other|import`, []);
    await search.expectIds('Patient', `${key.param}&_tag:not=urn:kp:tags|import`, (await search.ids('Patient', key.param)).filter((id) => id !== tagged.id));
  });
});
