import type { Observation, Patient, ValueSet } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { enc, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);


/** Family names carrying SQL metacharacters; FHIR search escapes (\ , | $) are applied where the value is sent. */
const NASTY = {
  quote: "O'Brien",
  doubleQuote: 'Hun"ter',
  semicolon: 'Semi;kolon',
  comment: 'Dash--dash',
  percent: '100%Sikker',
  underscore: 'Under_strek',
  backslash: 'Back\\slash',
  injection: "x'); DROP TABLE resource; --",
};

/** Escapes a value for FHIR search (backslash, comma, pipe, dollar), then for the URL. */
function fhirValue(text: string): string {
  return enc(text.replace(/[\\,|$]/g, (c) => `\\${c}`));
}

describe('SQL metacharacters in search values match literally', () => {
  let key: Key;
  const ids: Record<string, string> = {};
  let plain: string;
  beforeAll(async () => {
    key = newKey();
    for (const [name, family] of Object.entries(NASTY)) {
      ids[name] = (
        await fhir.create<Patient>({
          resourceType: 'Patient',
          identifier: [key.identifier, { system: 'urn:kp:nasty', value: family }],
          name: [{ family }],
        })
      ).id;
    }
    plain = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier, { system: 'urn:kp:nasty', value: 'plain' }], name: [{ family: 'Plain' }] })).id;
  });

  test('string default (prefix): each value finds only its own resource', async () => {
    for (const [name, family] of Object.entries(NASTY)) {
      await search.expectIds('Patient', `${key.param}&family=${fhirValue(family)}`, [ids[name]]);
    }
  });

  test('string :exact and :contains with metacharacters', async () => {
    for (const [name, family] of Object.entries(NASTY)) {
      await search.expectIds('Patient', `${key.param}&family:exact=${fhirValue(family)}`, [ids[name]]);
    }
    await search.expectIds('Patient', `${key.param}&family:contains=${enc("'")}`, [ids.quote, ids.injection]);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc('%')}`, [ids.percent]);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc('_')}`, [ids.underscore]);
    await search.expectIds('Patient', `${key.param}&family:contains=${fhirValue('\\')}`, [ids.backslash]);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc('--')}`, [ids.comment, ids.injection]);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc(';')}`, [ids.semicolon, ids.injection]);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc('"')}`, [ids.doubleQuote]);
  });

  test('LIKE wildcards do not match everything', async () => {
    await search.expectIds('Patient', `${key.param}&family=${enc('%')}`, []);
    await search.expectIds('Patient', `${key.param}&family=${enc('_')}`, []);
    await search.expectIds('Patient', `${key.param}&family=${enc('%25')}`, []);
    await search.expectIds('Patient', `${key.param}&family=${enc('P_ain')}`, []);
    await search.expectIds('Patient', `${key.param}&family=${enc('Pl%')}`, []);
    await search.expectIds('Patient', `${key.param}&family:contains=${enc('%%')}`, []);
    await search.expectIds('Patient', `${key.param}&family:exact=${enc('%')}`, []);
    expect(plain).toBeTruthy();
  });

  test('token values with metacharacters match exactly', async () => {
    for (const [name, family] of Object.entries(NASTY)) {
      await search.expectIds('Patient', `${key.param}&identifier=urn:kp:nasty|${fhirValue(family)}`, [ids[name]]);
    }
    await search.expectIds('Patient', `${key.param}&identifier=${enc('%')}`, []);
    await search.expectIds('Patient', `${key.param}&identifier=urn:kp:nasty|${enc("' OR '1'='1")}`, []);
    await search.expectIds('Patient', `${key.param}&identifier=${enc("urn:kp:nasty' OR 1=1 --|x")}`, []);
  });

  test(':text and uri values with wildcards match literally', async () => {
    const k = newKey();
    const obs = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      identifier: [k.identifier],
      code: { coding: [{ system: 'http://loinc.org', code: '1', display: '50% _rabatt_' }] },
    });
    await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      identifier: [k.identifier],
      code: { coding: [{ system: 'http://loinc.org', code: '2', display: 'Helt vanlig' }] },
    });
    await search.expectIds('Observation', `${k.param}&code:text=${enc('%')}`, [obs.id]);
    await search.expectIds('Observation', `${k.param}&code:text=${enc('_')}`, [obs.id]);
    await search.expectIds('Observation', `${k.param}&code:text=${enc('H_lt')}`, []);

    const vs = await fhir.create<ValueSet>({ resourceType: 'ValueSet', status: 'active', identifier: [k.identifier], url: "http://example.no/vs/o'brien" });
    await search.expectIds('ValueSet', `${k.param}&url=${enc("http://example.no/vs/o'brien")}`, [vs.id]);
    await search.expectIds('ValueSet', `${k.param}&url:below=${enc('%')}`, []);
    await search.expectIds('ValueSet', `${k.param}&url:below=${enc('http://example.no/vs/o')}`, [vs.id]);
    await search.expectIds('ValueSet', `${k.param}&url:above=${enc("http://example.no/vs/o'brien/x")}`, [vs.id]);
  });

  test('reference, _id and number parameters with metacharacters: no match, no error', async () => {
    await search.expectIds('Observation', `subject=${enc("Patient/x' OR '1'='1")}`, []);
    await search.expectIds('Observation', `subject=${enc("'; DROP TABLE resource; --")}`, []);
    await search.expectIds('Observation', `subject:identifier=${enc("a'|b--")}`, []);
    await search.expectIds('Patient', `_id=${enc("' OR 1=1 --")}`, []);
    await search.expectIds('Patient', `_id=${enc('%')}`, []);
    await search.expect400('RiskAssessment', `probability=${enc("0.5'; --")}`);
    await search.expect400('Patient', `birthdate=${enc("1951'--")}`);
    await search.expect400('Patient', `_sort=${enc('family;DROP TABLE resource')}`);
    await search.expect400('Patient', `_count=${enc('1;')}`);
  });

  test('after all of the above every resource is still there', async () => {
    const res = await search.get('Patient', `${key.param}&_total=accurate`);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(Object.keys(NASTY).length + 1);
  });
});
