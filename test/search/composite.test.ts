import type { Observation } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { Criteria, matchSubject } from '../../server/store/search/matcher.ts';
import { parseSearch, queryRecord } from '../../server/fhir/search-request.ts';
import { useTestServer } from '../support/server.ts';
import { enc, keyedObservation, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

/**
 * Composite parameters: a code and a value that belong together (one component of a blood
 * pressure), so a search never pairs the code of one component with the value of another. The
 * second part is searched as its own kind would be: quantity (with UCUM conversion), concept,
 * date, string. Subscription criteria evaluate them in memory the same way.
 */

const env = useTestServer();
const search = new Searcher(env.fhir);
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SYSTOLIC = `${LOINC}|8480-6`;
const DIASTOLIC = `${LOINC}|8462-4`;

let key: Key;
const obs: Record<string, Observation & { id: string }> = {};

const pressure = (systolic: number, diastolic: number): Partial<Observation> => ({
  code: { coding: [{ system: LOINC, code: '85354-9' }] },
  component: [
    { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: systolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
    { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: diastolic, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' } },
  ],
});

beforeAll(async () => {
  key = newKey();
  const make = async (name: string, extra: Partial<Observation>) => {
    obs[name] = await env.fhir.create<Observation>(keyedObservation(key, extra));
  };
  await make('normal', pressure(120, 80));
  await make('high', pressure(150, 95));
  await make('concept', { code: { coding: [{ system: LOINC, code: '94500-6' }] }, valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009' }] } });
  await make('date', { code: { coding: [{ system: LOINC, code: '11778-8' }] }, valueDateTime: '2026-05-01' });
  await make('string', { code: { coding: [{ system: LOINC, code: '5778-6' }] }, valueString: 'Positiv' });
  await make('glucose', { code: { coding: [{ system: LOINC, code: '2339-0' }] }, valueQuantity: { value: 5.4, unit: 'mmol/L', system: UCUM, code: 'mmol/L' } });
});

const q = (param: string, value: string) => `${key.param}&${param}=${enc(value)}`;

describe('composite parameters', () => {
  test('component-code-value-quantity pairs a component\'s code with its own value', async () => {
    await search.expectIds('Observation', q('component-code-value-quantity', `${SYSTOLIC}$gt130`), [obs.high.id]);
    await search.expectIds('Observation', q('component-code-value-quantity', `${DIASTOLIC}$lt90`), [obs.normal.id]);
    // 80 is the normal reading's diastolic, not its systolic: no match across components.
    await search.expectIds('Observation', q('component-code-value-quantity', `${SYSTOLIC}$80`), []);
    await search.expectIds('Observation', q('component-code-value-quantity', `${SYSTOLIC}$120|${UCUM}|mm[Hg]`), [obs.normal.id]);
    // In kPa: 120 mmHg is 16.0 kPa.
    await search.expectIds('Observation', q('component-code-value-quantity', `${SYSTOLIC}$16|${UCUM}|kPa`), [obs.normal.id]);
    await search.expectIds('Observation', q('component-code-value-quantity', `${SYSTOLIC}$gt130,${DIASTOLIC}$lt90`), [obs.normal.id, obs.high.id]);
  });

  test('code-value-concept, -date and -string, and combo-code-value-quantity over the resource and its components', async () => {
    await search.expectIds('Observation', q('code-value-concept', `${LOINC}|94500-6$http://snomed.info/sct|260385009`), [obs.concept.id]);
    await search.expectIds('Observation', q('code-value-concept', `${LOINC}|11778-8$http://snomed.info/sct|260385009`), []);
    await search.expectIds('Observation', q('code-value-date', `${LOINC}|11778-8$ge2026-04`), [obs.date.id]);
    await search.expectIds('Observation', q('code-value-date', `${LOINC}|11778-8$lt2026`), []);
    await search.expectIds('Observation', q('code-value-string', `${LOINC}|5778-6$pos`), [obs.string.id]);
    await search.expectIds('Observation', q('combo-code-value-quantity', `${LOINC}|2339-0$5.4`), [obs.glucose.id]);
    await search.expectIds('Observation', q('combo-code-value-quantity', `${SYSTOLIC}$150`), [obs.high.id]);
  });

  test('subscription criteria match composites in memory exactly as search finds them', async () => {
    const registry = env.server.services.store.registry;
    for (const criteria of [`component-code-value-quantity=${SYSTOLIC}$gt130`, `component-code-value-quantity=${SYSTOLIC}$80`, `code-value-date=${LOINC}|11778-8$ge2026-04`, `code-value-string=${LOINC}|5778-6$pos`]) {
      const compiled = Criteria.compile(registry, parseSearch('Observation', queryRecord(criteria)));
      const matched = Object.values(obs).filter((o) => compiled.matches(matchSubject(registry, o))).map((o) => o.id);
      const found = await search.ids('Observation', `${key.param}&${criteria.replace(/=(.*)$/, (_m, v: string) => `=${enc(v)}`)}`);
      expect(matched.sort(), criteria).toEqual(found.sort());
    }
  });

  test('malformed composite values and modifiers are 400s naming the parameter', async () => {
    expect(await search.expect400('Observation', q('component-code-value-quantity', `${SYSTOLIC}`))).toMatch(/two parts joined by \$/);
    expect(await search.expect400('Observation', q('component-code-value-quantity', `${SYSTOLIC}$high`))).toMatch(/not a number/);
    expect(await search.expect400('Observation', q('component-code-value-quantity:exact', `${SYSTOLIC}$1`))).toMatch(/component-code-value-quantity/);
    expect(await search.expect400('Observation', '_sort=component-code-value-quantity')).toMatch(/Cannot sort/);
  });
});
