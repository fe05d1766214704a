import type { Patient, RiskAssessment } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { enc, keyedObservation, matchIds, newKey, Searcher, sleep } from './helpers.ts';
import type { Key } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

const observation = keyedObservation;

/** Runs each [value, shouldMatch] case against `param` and reports all mismatches at once. */
async function expectCases(type: string, key: Key, param: string, id: string, cases: [string, boolean][]): Promise<void> {
  const wrong: string[] = [];
  for (const [value, shouldMatch] of cases) {
    const query = `${key.param}&${param}=${enc(value)}`;
    const [viaGet, viaPost] = await Promise.all([search.get(type, query), search.post(type, query)]);
    if (viaGet.status !== 200 || viaPost.status !== 200) {
      wrong.push(`${param}=${value}: GET ${viaGet.status}, POST ${viaPost.status}`);
      continue;
    }
    for (const [how, res] of [['GET', viaGet], ['POST', viaPost]] as const) {
      if (matchIds(res.body).includes(id) !== shouldMatch) {
        wrong.push(`${how} ${param}=${value} should ${shouldMatch ? '' : 'not '}match`);
      }
    }
  }
  expect(wrong).toEqual([]);
}

describe('date prefixes on a day-precision date (Patient.birthDate 1951-02-01)', () => {
  let key: Key;
  let id: string;
  beforeAll(async () => {
    key = newKey();
    id = (await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], birthDate: '1951-02-01' })).id;
  });

  test('eq (explicit and implicit) at year, month and day precision', async () => {
    await expectCases('Patient', key, 'birthdate', id, [
      ['1951', true],
      ['1951-02', true],
      ['1951-02-01', true],
      ['eq1951-02-01', true],
      ['1951-02-02', false],
      ['1951-01', false],
      ['1952', false],
      // A finer search value does not contain the whole day.
      ['1951-02-01T12:00:00Z', false],
    ]);
  });

  test('ne', async () => {
    await expectCases('Patient', key, 'birthdate', id, [
      ['ne1951-02-01', false],
      ['ne1951', false],
      ['ne1951-02-02', true],
      ['ne1950', true],
    ]);
  });

  test('gt, lt, ge, le at the edges', async () => {
    await expectCases('Patient', key, 'birthdate', id, [
      ['gt1951-01-31', true],
      ['gt1951-02-01', false],
      ['gt1951-01', true],
      ['gt1951-02', false],
      ['gt1950', true],
      ['gt1951', false],
      ['lt1951-02-02', true],
      ['lt1951-02-01', false],
      ['lt1951-03', true],
      ['lt1951-02', false],
      ['ge1951-02-01', true],
      ['ge1951-01-31', true],
      ['ge1951-02-02', false],
      ['ge1951', true],
      ['le1951-02-01', true],
      ['le1951-02-02', true],
      ['le1951-01-31', false],
      ['le1951', true],
    ]);
  });

  test('sa, eb and ap', async () => {
    await expectCases('Patient', key, 'birthdate', id, [
      ['sa1951-01-31', true],
      ['sa1951-01', true],
      ['sa1951-02-01', false],
      ['sa1951', false],
      ['eb1951-02-02', true],
      ['eb1951-03', true],
      ['eb1951-02-01', false],
      ['eb1951', false],
      ['ap1951-02-01', true],
      ['ap1951-02', true],
      ['ap2020-01-01', false],
      ['ap1900-01-01', false],
    ]);
  });

  test('comma-separated date values are OR', async () => {
    await search.expectIds('Patient', `${key.param}&birthdate=1950,1951`, [id]);
    await search.expectIds('Patient', `${key.param}&birthdate=1950,1952`, []);
    await search.expectIds('Patient', `${key.param}&birthdate=lt1900,gt1951-01`, [id]);
    await search.expectIds('Patient', `${key.param}&birthdate=lt1900,gt2000`, []);
  });

  test('repeated parameters are AND, and :missing', async () => {
    const none = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await search.expectIds('Patient', `${key.param}&birthdate=ge1951&birthdate=le1951-12-31`, [id]);
    await search.expectIds('Patient', `${key.param}&birthdate=ge1951&birthdate=lt1951-02-01`, []);
    await search.expectIds('Patient', `${key.param}&birthdate:missing=true`, [none.id]);
    await search.expectIds('Patient', `${key.param}&birthdate:missing=false`, [id]);
  });
});

describe('date prefixes on a second-precision dateTime with time zones', () => {
  let key: Key;
  let utc: string;
  let plusOne: string;
  let later: string;
  beforeAll(async () => {
    key = newKey();
    utc = (await fhir.create(observation(key, { effectiveDateTime: '2024-03-10T12:30:45Z' }))).id;
    // The same instant written in +01:00.
    plusOne = (await fhir.create(observation(key, { effectiveDateTime: '2024-03-10T13:30:45+01:00' }))).id;
    // 23:30 at -02:00 is already the next day in UTC.
    later = (await fhir.create(observation(key, { effectiveDateTime: '2024-03-10T23:30:00-02:00' }))).id;
  });

  test('an instant written in different zones is the same instant', async () => {
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-10T12:30:45Z')}`, [utc, plusOne]);
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-10T13:30:45+01:00')}`, [utc, plusOne]);
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-10T07:30:45-05:00')}`, [utc, plusOne]);
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-11T01:30:00Z')}`, [later]);
    await search.expectIds('Observation', `${key.param}&date=${enc('ge2024-03-11T00:00:00Z')}`, [later]);
    await search.expectIds('Observation', `${key.param}&date=${enc('lt2024-03-11T00:00:00+00:00')}`, [utc, plusOne]);
  });

  test('precision edges: seconds, minutes, day', async () => {
    await expectCases('Observation', key, 'date', utc, [
      ['2024-03-10T12:30:45Z', true],
      ['2024-03-10T12:30:46Z', false],
      ['2024-03-10T12:30:44Z', false],
      ['2024-03-10T12:30Z', true],
      ['2024-03-10T12:31Z', false],
      ['2024-03-10', true],
      ['2024-03', true],
      ['2024', true],
      ['gt2024-03-10T12:30:44Z', true],
      ['gt2024-03-10T12:30:45Z', false],
      ['lt2024-03-10T12:30:46Z', true],
      ['lt2024-03-10T12:30:45Z', false],
      ['ge2024-03-10T12:30:45Z', true],
      ['ge2024-03-10T12:30:46Z', false],
      ['le2024-03-10T12:30:45Z', true],
      ['le2024-03-10T12:30:44Z', false],
      ['sa2024-03-10T12:30:44Z', true],
      ['sa2024-03-10T12:30:45Z', false],
      ['eb2024-03-10T12:30:46Z', true],
      ['eb2024-03-10T12:30:45Z', false],
      ['ne2024-03-10T12:30:45Z', false],
      ['ne2024-03-10T12:30:46Z', true],
      // A finer search value cannot contain the whole second.
      ['2024-03-10T12:30:45.000Z', false],
    ]);
  });

  test('a millisecond-precision value is found by its second', async () => {
    const ms = (await fhir.create(observation(key, { effectiveDateTime: '2024-03-12T08:00:00.250Z' }))).id;
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-12T08:00:00Z')}`, [ms]);
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-12T08:00:00.250Z')}`, [ms]);
    await search.expectIds('Observation', `${key.param}&date=${enc('2024-03-12T08:00:00.251Z')}`, []);
    await search.expectIds('Observation', `${key.param}&date=${enc('gt2024-03-12T08:00:00.250Z')}`, []);
  });
});

describe('Period values, including open-ended periods', () => {
  let key: Key;
  let closed: string;
  let openEnd: string;
  let openStart: string;
  beforeAll(async () => {
    key = newKey();
    closed = (await fhir.create(observation(key, { effectivePeriod: { start: '2024-01-01T08:00:00Z', end: '2024-01-01T10:00:00Z' } }))).id;
    openEnd = (await fhir.create(observation(key, { effectivePeriod: { start: '2024-06-01' } }))).id;
    openStart = (await fhir.create(observation(key, { effectivePeriod: { end: '2020-12-31' } }))).id;
  });

  test('a closed period', async () => {
    await expectCases('Observation', key, 'date', closed, [
      ['2024-01-01', true],
      ['2024', true],
      ['2024-01-01T09:00:00Z', false],
      ['gt2024-01-01T09:00:00Z', true],
      ['gt2024-01-01T10:00:00Z', false],
      ['lt2024-01-01T09:00:00Z', true],
      ['lt2024-01-01T08:00:00Z', false],
      ['ge2024-01-01T09:59:59Z', true],
      ['ge2024-01-01T10:00:01Z', false],
      ['le2024-01-01T08:00:01Z', true],
      ['le2024-01-01T07:59:59Z', false],
      ['sa2024-01-01T07:59:59Z', true],
      ['sa2024-01-01T08:00:00Z', false],
      ['eb2024-01-01T10:00:01Z', true],
      ['eb2024-01-01T10:00:00Z', false],
      ['ne2024-01-01', false],
      ['ne2024-01-01T09:00:00Z', true],
      ['2024-01-02', false],
    ]);
  });

  test('a period without end reaches into the future', async () => {
    await expectCases('Observation', key, 'date', openEnd, [
      ['gt2030-01-01', true],
      ['ge2099', true],
      ['lt2024-05-01', false],
      ['lt2024-06-02', true],
      ['sa2024-05-31', true],
      ['sa2024-06-01', false],
      ['eb2099', false],
      ['2024-06', false],
      ['2024-06-01', false],
      ['ne2024-06-01', true],
    ]);
  });

  test('a period without start reaches into the past', async () => {
    await expectCases('Observation', key, 'date', openStart, [
      ['lt1900', true],
      ['le1900', true],
      ['gt2021', false],
      ['gt2020-12-30', true],
      ['eb2021-01-01', true],
      ['eb2020-12-31', false],
      ['sa1900', false],
      ['2020', false],
    ]);
  });

  test('one search over the three periods', async () => {
    await search.expectIds('Observation', `${key.param}&date=gt2024-03-01`, [openEnd]);
    await search.expectIds('Observation', `${key.param}&date=lt2021-06-01`, [openStart]);
    await search.expectIds('Observation', `${key.param}&date=ge2021&date=le2024-02`, [closed]);
    await search.expectIds('Observation', `${key.param}&date=2023`, []);
  });
});

describe('_lastUpdated', () => {
  test('gt, lt, ge, le and eq on the stored lastUpdated', async () => {
    const key = newKey();
    const a = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await sleep(15);
    const b = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    const ta = a.meta?.lastUpdated as string;
    const tb = b.meta?.lastUpdated as string;
    expect(Date.parse(tb)).toBeGreaterThan(Date.parse(ta));

    await search.expectIds('Patient', `${key.param}&_lastUpdated=gt${enc(ta)}`, [b.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=lt${enc(tb)}`, [a.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=ge${enc(ta)}`, [a.id, b.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=le${enc(tb)}`, [a.id, b.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=${enc(ta)}`, [a.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=gt2000-01-01`, [a.id, b.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=lt2000-01-01`, []);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=gt${enc(ta)}&_lastUpdated=lt${enc(tb)}`, []);
    // Day precision: today (UTC) covers both.
    await search.expectIds('Patient', `${key.param}&_lastUpdated=${ta.slice(0, 10)}`, tb.slice(0, 10) === ta.slice(0, 10) ? [a.id, b.id] : [a.id]);
  });

  test('comma-separated _lastUpdated values are OR', async () => {
    const key = newKey();
    const a = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await sleep(15);
    const b = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier] });
    await search.expectIds('Patient', `${key.param}&_lastUpdated=lt2000-01-01,gt${enc(a.meta?.lastUpdated as string)}`, [b.id]);
  });

  test('an update moves a resource to its new lastUpdated', async () => {
    const key = newKey();
    const a = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [key.identifier], gender: 'female' });
    await sleep(15);
    const updated = await fhir.put<Patient>(`Patient/${a.id}`, { ...a, gender: 'male' });
    expect(updated.status).toBe(200);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=gt${enc(a.meta?.lastUpdated as string)}`, [a.id]);
    await search.expectIds('Patient', `${key.param}&_lastUpdated=${enc(a.meta?.lastUpdated as string)}`, []);
  });
});

describe('invalid dates', () => {
  test('a value that is not a date is 400, never 500', async () => {
    for (const q of ['birthdate=notadate', 'birthdate=2020-13-01', 'birthdate=2021-02-29', 'birthdate=gtyesterday', 'birthdate=2020-01-01T25:00:00Z', '_lastUpdated=garbage', '_lastUpdated=gt2020-02-30']) {
      const text = await search.expect400('Patient', q);
      expect(text).toContain(decodeURIComponent(q.split('=')[1]).replace(/^(gt|lt)/, ''));
    }
  });
});

describe('number (RiskAssessment.prediction.probability)', () => {
  let key: Key;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    key = newKey();
    const subject = await fhir.create<Patient>({ resourceType: 'Patient' });
    for (const p of [0.2, 0.5, 0.8]) {
      const ra = await fhir.create<RiskAssessment>({
        resourceType: 'RiskAssessment',
        identifier: [key.identifier],
        status: 'final',
        subject: { reference: `Patient/${subject.id}` },
        prediction: [{ probabilityDecimal: p }],
      });
      ids[String(p)] = ra.id;
    }
  });

  test('eq with implicit precision, and the prefixes', async () => {
    const q = (v: string) => `${key.param}&probability=${v}`;
    await search.expectIds('RiskAssessment', q('0.5'), [ids['0.5']]);
    await search.expectIds('RiskAssessment', q('eq0.5'), [ids['0.5']]);
    await search.expectIds('RiskAssessment', q('0.52'), []);
    await search.expectIds('RiskAssessment', q('0.4'), []);
    await search.expectIds('RiskAssessment', q('gt0.5'), [ids['0.8']]);
    await search.expectIds('RiskAssessment', q('ge0.5'), [ids['0.5'], ids['0.8']]);
    await search.expectIds('RiskAssessment', q('lt0.5'), [ids['0.2']]);
    await search.expectIds('RiskAssessment', q('le0.5'), [ids['0.2'], ids['0.5']]);
    await search.expectIds('RiskAssessment', q('ne0.5'), [ids['0.2'], ids['0.8']]);
    await search.expectIds('RiskAssessment', q('gt0.79'), [ids['0.8']]);
    await search.expectIds('RiskAssessment', q('lt0.21'), [ids['0.2']]);
    await search.expectIds('RiskAssessment', q('sa0.5'), [ids['0.8']]);
    await search.expectIds('RiskAssessment', q('eb0.5'), [ids['0.2']]);
    await search.expectIds('RiskAssessment', q('ap0.5'), [ids['0.5']]);
    await search.expectIds('RiskAssessment', q('0.2,0.8'), [ids['0.2'], ids['0.8']]);
    await search.expectIds('RiskAssessment', q('gt0.1&probability=lt0.6'), [ids['0.2'], ids['0.5']]);
    await search.expectIds('RiskAssessment', q('5e-1'), [ids['0.5']]);
  });

  test('a value that is not a number is 400', async () => {
    await search.expect400('RiskAssessment', 'probability=high');
    await search.expect400('RiskAssessment', 'probability=gt0.5.5');
  });
});

describe('quantity (Observation.valueQuantity)', () => {
  let key: Key;
  let mmol54: string;
  let mmol71: string;
  let mg54: string;
  let unitOnly: string;
  beforeAll(async () => {
    key = newKey();
    const ucum = 'http://unitsofmeasure.org';
    mmol54 = (await fhir.create(observation(key, { valueQuantity: { value: 5.4, unit: 'mmol/L', system: ucum, code: 'mmol/L' } }))).id;
    mmol71 = (await fhir.create(observation(key, { valueQuantity: { value: 7.1, unit: 'mmol/L', system: ucum, code: 'mmol/L' } }))).id;
    mg54 = (await fhir.create(observation(key, { valueQuantity: { value: 5.4, unit: 'mg/dL', system: ucum, code: 'mg/dL' } }))).id;
    unitOnly = (await fhir.create(observation(key, { valueQuantity: { value: 3, unit: 'mmol/L' } }))).id;
  });

  test('without a system, the code or the unit as written is found; with one, only the code', async () => {
    const own = newKey();
    const pulse = (await fhir.create(observation(own, { valueQuantity: { value: 72, unit: 'slag/min', system: 'http://unitsofmeasure.org', code: '/min' } }))).id;
    const q = (v: string) => `${own.param}&value-quantity=${enc(v)}`;
    await search.expectIds('Observation', q('72||slag/min'), [pulse]);
    await search.expectIds('Observation', q('72||/min'), [pulse]);
    await search.expectIds('Observation', q('72|http://unitsofmeasure.org|/min'), [pulse]);
    await search.expectIds('Observation', q('72|http://unitsofmeasure.org|slag/min'), []);
  });

  test('number|system|code, number||code and number alone', async () => {
    const q = (v: string) => `${key.param}&value-quantity=${enc(v)}`;
    await search.expectIds('Observation', q('5.4|http://unitsofmeasure.org|mmol/L'), [mmol54]);
    await search.expectIds('Observation', q('5.4||mmol/L'), [mmol54]);
    await search.expectIds('Observation', q('5.4|http://unitsofmeasure.org|mg/dL'), [mg54]);
    await search.expectIds('Observation', q('5.4'), [mmol54, mg54]);
    await search.expectIds('Observation', q('5.4|urn:other|mmol/L'), []);
    await search.expectIds('Observation', q('5.5|http://unitsofmeasure.org|mmol/L'), []);
    // Without a code, the unit is what is compared.
    await search.expectIds('Observation', q('3||mmol/L'), [unitOnly]);
  });

  test('prefixes on quantities', async () => {
    const q = (v: string) => `${key.param}&value-quantity=${enc(v)}`;
    await search.expectIds('Observation', q('gt6|http://unitsofmeasure.org|mmol/L'), [mmol71]);
    await search.expectIds('Observation', q('lt6|http://unitsofmeasure.org|mmol/L'), [mmol54]);
    await search.expectIds('Observation', q('ge5.4||mmol/L'), [mmol54, mmol71]);
    await search.expectIds('Observation', q('le5.4||mmol/L'), [mmol54, unitOnly]);
    await search.expectIds('Observation', q('gt5.4'), [mmol71]);
    await search.expectIds('Observation', q('lt5.4'), [unitOnly]);
    await search.expectIds('Observation', q('ne5.4||mmol/L'), [mmol71, unitOnly]);
    await search.expectIds('Observation', q('gt1,lt0'), [mmol54, mmol71, mg54, unitOnly]);
  });

  test('malformed quantities are 400', async () => {
    await search.expect400('Observation', `value-quantity=${enc('5.4|mmol/L')}`);
    await search.expect400('Observation', `value-quantity=${enc('abc||mmol/L')}`);
  });
});

describe('quantity: UCUM units are converted, so equal quantities in other units match', () => {
  let key: Key;
  const ids: Record<string, string> = {};
  const ucum = 'http://unitsofmeasure.org';
  beforeAll(async () => {
    key = newKey();
    const make = async (name: string, value: number, code: string) => {
      ids[name] = (await fhir.create(observation(key, { valueQuantity: { value, unit: code, system: ucum, code } }))).id;
    };
    await make('mmol7', 7, 'mmol/L');
    await make('umol7000', 7000, 'umol/L');
    await make('mol0007', 0.007, 'mol/L');
    await make('mg126', 126, 'mg/dL');
    await make('cel37', 37, 'Cel');
    await make('degF986', 98.6, '[degF]');
    await make('kg1', 1, 'kg');
    await make('g1000', 1000, 'g');
    await make('lb', 2.2046, '[lb_av]');
    await make('ph', 7.4, '[pH]');
    await make('pulse100', 100, '/min');
    // Far beyond any measurement: stored, but not converted (it would overflow), and nothing breaks.
    await make('huge', 1e300, 'mol/L');
  });

  const q = (v: string) => `${key.param}&value-quantity=${enc(v)}`;

  test('7 mmol/L finds 7000 umol/L and 0.007 mol/L; the precision of the value searched for still rules', async () => {
    await search.expectIds('Observation', q(`7|${ucum}|mmol/L`), [ids.mmol7, ids.umol7000, ids.mol0007]);
    // 7000 umol/L is precise to 0.5 umol/L: 7 mmol/L (6.5 to 7.5 mmol/L) is not within it.
    await search.expectIds('Observation', q(`7000|${ucum}|umol/L`), [ids.umol7000]);
    await search.expectIds('Observation', q(`gt6.9|${ucum}|mmol/L`), [ids.mmol7, ids.umol7000, ids.mol0007]);
    await search.expectIds('Observation', q(`lt7000|${ucum}|umol/L`), []);
  });

  test('a unit whose factor is not a finite decimal (/min is 1/60 s-1): the value searched for is not below or above itself', async () => {
    await search.expectIds('Observation', q(`lt100|${ucum}|/min`), []);
    await search.expectIds('Observation', q(`gt100|${ucum}|/min`), []);
    await search.expectIds('Observation', q(`le100|${ucum}|/min`), [ids.pulse100]);
    await search.expectIds('Observation', q(`ge100|${ucum}|/min`), [ids.pulse100]);
    await search.expectIds('Observation', q(`lt100.01|${ucum}|/min`), [ids.pulse100]);
    await search.expectIds('Observation', q(`gt99.99|${ucum}|/min`), [ids.pulse100]);
  });

  test('mass, and temperature with its offset; another dimension never matches', async () => {
    await search.expectIds('Observation', q(`1|${ucum}|kg`), [ids.kg1, ids.g1000, ids.lb]);
    await search.expectIds('Observation', q(`1000|${ucum}|g`), [ids.g1000, ids.lb]);
    await search.expectIds('Observation', q(`37|${ucum}|Cel`), [ids.cel37, ids.degF986]);
    await search.expectIds('Observation', q(`126|${ucum}|mmol/L`), []);
  });

  test('a unit whose conversion turns the order round ([pH]) is compared as written only; absurd numbers are a 400', async () => {
    await search.expectIds('Observation', q(`gt8|${ucum}|[pH]`), []);
    await search.expectIds('Observation', q(`7.4|${ucum}|[pH]`), [ids.ph]);
    await search.expectIds('Observation', q(`1e300|${ucum}|mol/L`), [ids.huge]);
    expect(await search.expect400('Observation', q('1e400'))).toMatch(/not a number/);
  });

  test('without a system, values compare as written: 1 kg is not 1000', async () => {
    await search.expectIds('Observation', q('1000'), [ids.g1000]);
    await search.expectIds('Observation', q('1000||kg'), []);
    const sorted = await search.ids('Observation', `${key.param}&code=2345-7&_sort=value-quantity&_count=20`);
    expect(sorted[0]).toBe(ids.mol0007); // 0.007, by its written value, not its canonical one
  });
});
