import type { CarePlan, Encounter, Observation, Organization, Patient, Subscription } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { keyedObservation, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

/**
 * Chained parameters (`subject:Patient.name=…`, to any depth up to the limit) and reverse chaining
 * (`_has:Observation:subject:code=…`, nested), over HTTP by GET and POST _search, on resources built
 * for the purpose: each query's answer is the exact set of resources it must find.
 */

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

let key: Key;
let org: Organization & { id: string };
let otherOrg: Organization & { id: string };
let kari: Patient & { id: string };
let ola: Patient & { id: string };
let gone: Patient & { id: string };
const obs: Record<string, string> = {};

beforeAll(async () => {
  key = newKey();
  const tag = key.key.slice(0, 8);
  org = await fhir.create<Organization>({ resourceType: 'Organization', identifier: [key.identifier], name: `Kjede kommune ${tag}` });
  otherOrg = await fhir.create<Organization>({ resourceType: 'Organization', identifier: [key.identifier], name: `Annen kommune ${tag}` });
  kari = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], name: [{ family: `Kjedesen${tag}`, given: ['Kari'] }], gender: 'female', managingOrganization: { reference: `Organization/${org.id}` } });
  ola = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], name: [{ family: `Lenkesen${tag}`, given: ['Ola'] }], gender: 'male', managingOrganization: { reference: `Organization/${otherOrg.id}` } });
  gone = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], name: [{ family: `Kjedesen${tag}`, given: ['Borte'] }], gender: 'female' });
  const make = async (name: string, extra: Partial<Observation>) => {
    obs[name] = (await fhir.create(keyedObservation(key, extra))).id;
  };
  const pulse = { coding: [{ system: 'http://loinc.org', code: '8867-4' }] };
  await make('kariPulse', { subject: { reference: `Patient/${kari.id}` }, code: pulse });
  await make('kariGlucose', { subject: { reference: `Patient/${kari.id}` } });
  await make('olaPulse', { subject: { reference: `Patient/${ola.id}` }, code: pulse });
  await make('gonePulse', { subject: { reference: `Patient/${gone.id}` }, code: pulse });
  await make('byIdentifier', { subject: { type: 'Patient', identifier: key.identifier } });
  await make('group', { subject: { reference: `Group/${kari.id}` } }); // another type, the same id
  const encounter = await fhir.create<Encounter>({ resourceType: 'Encounter', status: 'finished', class: { code: 'HH' }, subject: { reference: `Patient/${ola.id}` } });
  await make('olaInEncounter', { subject: { reference: `Patient/${ola.id}` }, encounter: { reference: `Encounter/${encounter.id}` } });
  await fhir.create<CarePlan>({ resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${kari.id}` } });
  await fhir.create<CarePlan>({ resourceType: 'CarePlan', status: 'revoked', intent: 'plan', subject: { reference: `Patient/${ola.id}` } });
  expect((await fhir.delete(`Patient/${gone.id}`)).status).toBe(200);
});

const tag = () => key.key.slice(0, 8);

describe('chaining', () => {
  test('one link, with the target type named or taken from the parameter, and any modifier on the last link', async () => {
    await search.expectIds('Observation', `${key.param}&subject:Patient.name=Kjedesen${tag()}`, [obs.kariPulse, obs.kariGlucose]);
    await search.expectIds('Observation', `${key.param}&subject.name=Kjedesen${tag()}`, [obs.kariPulse, obs.kariGlucose]);
    await search.expectIds('Observation', `${key.param}&patient.gender=male`, [obs.olaPulse, obs.olaInEncounter]);
    await search.expectIds('Observation', `${key.param}&subject:Patient.name:exact=Lenkesen${tag()}`, [obs.olaPulse, obs.olaInEncounter]);
    await search.expectIds('Observation', `${key.param}&subject:Patient.name:contains=enkesen${tag()}`, [obs.olaPulse, obs.olaInEncounter]);
    await search.expectIds('Observation', `${key.param}&subject:Patient.gender:not=male`, [obs.kariPulse, obs.kariGlucose]);
    await search.expectIds('Observation', `${key.param}&subject:Patient._id=${kari.id}`, [obs.kariPulse, obs.kariGlucose]);
  });

  test('a deleted target, a reference by identifier only, and another type with the same id are not followed', async () => {
    // Borte Kjedesen is deleted; the group shares Kari's id; byIdentifier has no literal reference.
    await search.expectIds('Observation', `${key.param}&subject:Patient.name=Kjedesen${tag()}&code=8867-4`, [obs.kariPulse]);
    await search.expectIds('Observation', `${key.param}&subject:Patient.identifier=${key.identifier.system}|${key.key}`, [
      obs.kariPulse,
      obs.kariGlucose,
      obs.olaPulse,
      obs.olaInEncounter,
    ]);
  });

  test('two and three links deep, and several chains ANDed', async () => {
    await search.expectIds('Observation', `${key.param}&subject:Patient.organization.name=Kjede`, [obs.kariPulse, obs.kariGlucose]);
    await search.expectIds('Observation', `${key.param}&encounter.subject:Patient.organization:Organization.name=Annen`, [obs.olaInEncounter]);
    await search.expectIds('Observation', `${key.param}&subject:Patient.gender=male&subject:Patient.organization.name=Kjede`, []);
    await search.expectIds('Observation', `${key.param}&subject:Patient.gender=male,female&code=8867-4`, [obs.kariPulse, obs.olaPulse]);
  });
});

describe('reverse chaining (_has)', () => {
  test('resources referenced by some resource that matches, nested, with modifiers', async () => {
    await search.expectIds('Patient', `${key.param}&_has:Observation:subject:code=8867-4`, [kari.id, ola.id]);
    await search.expectIds('Patient', `${key.param}&_has:Observation:subject:code=2345-7`, [kari.id, ola.id]);
    await search.expectIds('Patient', `${key.param}&_has:CarePlan:subject:status=active`, [kari.id]);
    await search.expectIds('Patient', `${key.param}&_has:CarePlan:subject:status:not=active`, [ola.id]);
    await search.expectIds('Organization', `${key.param}&_has:Patient:organization:_has:CarePlan:subject:status=revoked`, [otherOrg.id]);
    await search.expectIds('Patient', `${key.param}&_has:Observation:subject:encounter.class=HH`, [ola.id]);
  });
});

describe('what cannot be answered is a 400 naming the parameter', () => {
  test('chains through a non-reference, unknown parameters, types the parameter cannot refer to, too many links', async () => {
    // The outcome names the parameter (the raw JSON text escapes its quotes).
    expect(await search.expect400('Observation', 'code.name=x')).toMatch(/code.{0,4} of Observation is a token parameter, not a reference/);
    expect(await search.expect400('Observation', 'subject:Patient.nonsense=x')).toMatch(/Unknown search parameter .{0,2}nonsense.{0,2} for Patient/);
    expect(await search.expect400('Observation', 'nonsense.name=x')).toMatch(/Unknown search parameter .{0,2}nonsense.{0,2} for Observation/);
    expect(await search.expect400('Observation', 'subject:Medication.code=x')).toMatch(/refers to .*not Medication/);
    expect(await search.expect400('Patient', '_has:Observation:code:status=final')).toMatch(/code.{0,4} of Observation is a token parameter, not a reference/);
    expect(await search.expect400('Patient', '_has:Observation:encounter:status=final')).toMatch(/encounter of Observation does not refer to Patient/);
    expect(await search.expect400('Patient', '_has:Observation')).toMatch(/_has/);
    expect(await search.expect400('Observation', 'subject:Patient.birthdate=not-a-date')).toMatch(/not a date/);
    const deep = 'subject:Patient.organization.partof.partof.partof.name=x';
    expect(await search.expect400('Observation', deep)).toMatch(/more than 4 links/);
    const nested = `_has:Observation:subject:${'_has:Observation:has-member:'.repeat(4)}status=final`;
    expect(await search.expect400('Patient', nested)).toMatch(/more than 4 links/);
    expect(await search.expect400('Patient', '_has:AuditEvent:patient:action=R')).toMatch(/AuditEvent/);
  });

  test('a subscription cannot chain: whether it fires would depend on resources other than the one written', async () => {
    const res = await fhir.post<Subscription>('Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'kjede',
      criteria: 'Observation?subject:Patient.gender=male',
      channel: { type: 'rest-hook', endpoint: 'http://127.0.0.1:9/hook', payload: 'application/fhir+json' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).toMatch(/chain/);
  });
});
