import type { DetectedIssue, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { enc, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

/**
 * Token searches through terminology this server holds: `:in`/`:not-in` a value set, `:below` a
 * code (the code and what it subsumes) and `:above` (the code and what subsumes it), over the VKP
 * alert codes, whose dotted codes form an is-a hierarchy.
 */

const env = useTestServer();
const search = new Searcher(env.fhir);
const ALERT = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
const ALERT_VS = 'https://knutepunkt.dev/fhir/ValueSet/alert-code';

let key: Key;
const ids: Record<string, string> = {};

beforeAll(async () => {
  key = newKey();
  const alarm = async (name: string, code: string, system = ALERT) => {
    ids[name] = (
      await env.fhir.create<DetectedIssue>({ resourceType: 'DetectedIssue', status: 'final', identifier: [key.identifier], code: { coding: [{ system, code }] } })
    ).id;
  };
  await alarm('notDispensed', '1.1');
  await alarm('empty', '1.13');
  await alarm('dispenser', '1');
  await alarm('other', '3');
  await alarm('foreign', '1.1', 'urn:other-system');
});

const q = (modifier: string, value: string) => `${key.param}&code:${modifier}=${enc(value)}`;

describe('terminology modifiers on tokens', () => {
  test(':below: the code and every code it subsumes; :above: the code and every code above it', async () => {
    await search.expectIds('DetectedIssue', q('below', `${ALERT}|1`), [ids.notDispensed, ids.empty, ids.dispenser]);
    await search.expectIds('DetectedIssue', q('below', `${ALERT}|1.13`), [ids.empty]);
    await search.expectIds('DetectedIssue', q('above', `${ALERT}|1.1`), [ids.notDispensed, ids.dispenser]);
    await search.expectIds('DetectedIssue', q('below', `${ALERT}|1.1,${ALERT}|3`), [ids.notDispensed, ids.other]);
  });

  test(':in and :not-in a value set held here (ours, or R4\'s)', async () => {
    await search.expectIds('DetectedIssue', q('in', ALERT_VS), [ids.notDispensed, ids.empty, ids.dispenser, ids.other]);
    await search.expectIds('DetectedIssue', q('not-in', ALERT_VS), [ids.foreign]);
    const patient = await env.fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], gender: 'other' });
    await search.expectIds('Patient', `${key.param}&gender:in=${enc('http://hl7.org/fhir/ValueSet/administrative-gender')}`, [patient.id]);
  });

  test('a value set or code not held here, or :below without a system, is a 400 naming the parameter', async () => {
    expect(await search.expect400('DetectedIssue', q('in', 'http://example.org/ValueSet/unknown'))).toMatch(/not held here/);
    expect(await search.expect400('DetectedIssue', q('below', '1'))).toMatch(/takes system\|code/);
    expect(await search.expect400('DetectedIssue', q('below', `${ALERT}|99.9`))).toMatch(/not a code of a code system held here/);
    expect(await search.expect400('DetectedIssue', `code:of-type=${enc('a|b|c')}`)).toMatch(/of-type/);
  });
});
