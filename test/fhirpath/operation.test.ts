import type { Bundle, CapabilityStatement, OperationOutcome, Parameters, ParametersParameter, Patient } from '@medplum/fhirtypes';
import { availableParallelism } from 'node:os';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { keyedObservation, newKey } from '../search/helpers.ts';
import type { Key } from '../search/helpers.ts';

/**
 * `$fhirpath` over HTTP: an expression evaluated over what a search finds or over one resource,
 * each value typed, paged like the search; bad expressions and bad searches are 400s naming them.
 * Evaluation runs in worker threads under a time budget, small here so the tests of it are quick.
 */

const BUDGET_MS = 1000;
const env = useTestServer({ fhirpathTimeoutMs: BUDGET_MS });
const fhir = env.fhir;

let key: Key;
let patient: Patient & { id: string };
const obs: string[] = [];

beforeAll(async () => {
  key = newKey();
  patient = await fhir.create<Patient>({
    resourceType: 'Patient',
    identifier: [key.identifier],
    name: [{ family: 'Stisen', given: ['Kari', 'Ada'] }],
    birthDate: '1950-02-03',
    contact: [{ name: { family: 'Pårørende' } }],
  });
  for (const value of [72, 88]) {
    obs.push(
      (
        await fhir.create(
          keyedObservation(key, {
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
            subject: { reference: `Patient/${patient.id}` },
            valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          })
        )
      ).id
    );
  }
});

const results = (p: Parameters) => (p.parameter ?? []).filter((x) => x.name === 'result');
const values = (result: ParametersParameter) => (result.part ?? []).filter((x) => x.name !== 'resource');
const run = (path: string) => fhir.get<Parameters & Pick<OperationOutcome, 'issue'>>(path);

describe('over one resource', () => {
  test('values carry their FHIR or FHIRPath type in the matching value[x]', async () => {
    const given = await run(`Patient/${patient.id}/$fhirpath?expression=${encodeURIComponent('name.given')}`);
    expect(given.status, given.text).toBe(200);
    expect(given.body.parameter?.[0]).toEqual({ name: 'expression', valueString: 'name.given' });
    const [result] = results(given.body);
    expect(result.part?.[0]).toEqual({ name: 'resource', valueReference: { reference: `Patient/${patient.id}` } });
    expect(values(result)).toEqual([
      { name: 'FHIR.string', valueString: 'Kari' },
      { name: 'FHIR.string', valueString: 'Ada' },
    ]);
    const cases: [string, ParametersParameter[]][] = [
      ['birthDate + 1 year', [{ name: 'System.Date', valueDate: '1951-02-03' }]],
      ['name.given.count() = 2', [{ name: 'System.Boolean', valueBoolean: true }]],
      ['name.first()', [{ name: 'FHIR.HumanName', valueHumanName: { family: 'Stisen', given: ['Kari', 'Ada'] } }]],
      ["(1 'cm' + 2 'mm')", [{ name: 'System.Quantity', valueQuantity: { value: 12, unit: 'mm' } }]],
      ['contact.name.family', [{ name: 'FHIR.string', valueString: 'Pårørende' }]],
      ['contact', [{ name: 'FHIR.BackboneElement', valueString: JSON.stringify({ name: { family: 'Pårørende' } }) }]],
      ["identifier.where(system = 'nowhere')", []],
      ['%loinc', [{ name: 'System.String', valueString: 'http://loinc.org' }]],
    ];
    for (const [expression, expected] of cases) {
      const res = await run(`Patient/${patient.id}/$fhirpath?expression=${encodeURIComponent(expression)}`);
      expect(res.status, `${expression}: ${res.text}`).toBe(200);
      expect(values(results(res.body)[0]), expression).toEqual(expected);
    }
  });

  test('a resource that is not there is 404; other parameters beside the expression are a 400', async () => {
    expect((await run(`Patient/no-such-patient/$fhirpath?expression=name`)).status).toBe(404);
    expect((await run(`Patient/${patient.id}/$fhirpath?expression=name&gender=female`)).status).toBe(400);
  });
});

describe('over a search', () => {
  test('each match of the page gets its result, and the next page is linked', async () => {
    const query = `${key.param}&code=8867-4&_sort=_lastUpdated&expression=${encodeURIComponent('value.value')}`;
    const all = await run(`Observation/$fhirpath?${query}`);
    expect(all.status, all.text).toBe(200);
    expect(results(all.body).map((r) => [r.part?.[0]?.valueReference?.reference, values(r)])).toEqual([
      [`Observation/${obs[0]}`, [{ name: 'FHIR.decimal', valueDecimal: 72 }]],
      [`Observation/${obs[1]}`, [{ name: 'FHIR.decimal', valueDecimal: 88 }]],
    ]);
    const first = await run(`Observation/$fhirpath?${query}&_count=1`);
    expect(results(first.body)).toHaveLength(1);
    const next = first.body.parameter?.find((p) => p.name === 'next')?.valueUri;
    expect(next).toBeDefined();
    const second = await fhir.get<Parameters>(next!.slice(next!.indexOf('/Observation/')));
    expect(second.status, second.text).toBe(200);
    expect(results(second.body).map((r) => r.part?.[0]?.valueReference?.reference)).toEqual([`Observation/${obs[1]}`]);
    expect(second.body.parameter?.some((p) => p.name === 'next')).toBe(false);
  });
});

describe('bad input is a 400 naming it', () => {
  test('an expression that does not parse, is missing, is given twice, or a search parameter that is wrong', async () => {
    const broken = await run(`Patient/$fhirpath?expression=${encodeURIComponent('name.given.(')}`);
    expect(broken.status).toBe(400);
    expect(broken.body.issue?.[0]?.expression).toEqual(['expression']);
    expect(broken.body.issue?.[0]?.details?.text).toMatch(/not valid FHIRPath/);
    expect((await run('Patient/$fhirpath')).status).toBe(400);
    expect((await run('Patient/$fhirpath?expression=name&expression=gender')).status).toBe(400);
    const badSearch = await run(`Patient/$fhirpath?expression=name&birthdate=not-a-date`);
    expect(badSearch.status).toBe(400);
    expect(badSearch.body.issue?.[0]?.expression).toEqual(['birthdate']);
    expect((await run(`Patient/$fhirpath?expression=${encodeURIComponent("'a'.single().single() + 1")}`)).status).toBe(400);
    expect((await run('Patient/$fhirpath?expression=name&_count=101')).status).toBe(400);
    expect((await run(`Patient/${patient.id}`)).status).toBe(200); // and the server keeps serving
  });

  test('the operation is declared and its definition published', async () => {
    const capability = await fhir.get<CapabilityStatement>('metadata');
    const patientResource = capability.body.rest?.[0].resource?.find((r) => r.type === 'Patient');
    expect(patientResource?.operation?.map((o) => o.name)).toEqual(expect.arrayContaining(['fhirpath', 'validate']));
    const definition = await fhir.get<Bundle>('OperationDefinition?url=https://knutepunkt.dev/fhir/OperationDefinition/fhirpath');
    expect(definition.body.entry?.[0]?.resource).toMatchObject({ resourceType: 'OperationDefinition', code: 'fhirpath', type: true, instance: true });
  });
});

/** `(1|…|10).select(….count()).count()` nested eight deep: 10^7 unions, an hour's work in little memory. */
const TEN = '(1|2|3|4|5|6|7|8|9|10)';
const EXPENSIVE = Array.from({ length: 8 }).reduce<string>((inner) => `${TEN}.select(${inner}).count()`, TEN);

describe('the time budget', () => {
  test('an expression past the budget is cancelled and answered 400 too-costly, while the server keeps answering; the next one runs', async () => {
    // A worker is started when first needed; this one is warm before the clock starts.
    expect((await run(`Patient/${patient.id}/$fhirpath?expression=name.given`)).status).toBe(200);
    const started = performance.now();
    const slow = run(`Patient/${patient.id}/$fhirpath?expression=${encodeURIComponent(EXPENSIVE)}`).then((res) => ({ res, at: performance.now() }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const asked = performance.now();
    const metadata = await fhir.get<CapabilityStatement>('metadata');
    const answered = performance.now();
    expect(metadata.status).toBe(200);
    const { res, at } = await slow;
    // The event loop was free: metadata came back while the expression was still running.
    expect(answered).toBeLessThan(at);
    expect(answered - asked).toBeLessThan(BUDGET_MS / 2);
    expect(res.status, res.text).toBe(400);
    expect(res.body.issue?.[0]).toMatchObject({ severity: 'error', code: 'too-costly', expression: ['expression'] });
    expect(res.body.issue?.[0]?.details?.text).toMatch(`ran longer than the limit of ${BUDGET_MS} ms and was cancelled`);
    expect(at - started).toBeGreaterThanOrEqual(BUDGET_MS - 50);
    expect(at - started).toBeLessThan(BUDGET_MS + 1500);
    // The cancelled worker was ended; the next expression gets a new one and its answer is as before.
    const after = await run(`Patient/${patient.id}/$fhirpath?expression=${encodeURIComponent("birthDate + 1 year | (1 'cm' + 2 'mm')")}`);
    expect(after.status, after.text).toBe(200);
    expect(values(results(after.body)[0])).toEqual([
      { name: 'System.Date', valueDate: '1951-02-03' },
      { name: 'System.Quantity', valueQuantity: { value: 12, unit: 'mm' } },
    ]);
  });

  test('when every worker is busy and the queue is full, a request is turned away at once: 503 with Retry-After', async () => {
    // One worker per core, at most two, and two waiting requests per worker: one request more is too many.
    const capacity = 3 * Math.min(2, availableParallelism());
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: capacity + 1 }, () =>
        run(`Patient/${patient.id}/$fhirpath?expression=${encodeURIComponent(EXPENSIVE)}`).then((res) => ({ res, ms: performance.now() - started }))
      )
    );
    const [turnedAway, ...others] = answers.filter(({ res }) => res.status === 503);
    expect(others).toEqual([]);
    expect(turnedAway.ms).toBeLessThan(BUDGET_MS);
    expect(turnedAway.res.headers.get('retry-after')).toBe(String(Math.ceil(BUDGET_MS / 1000)));
    expect(turnedAway.res.body.issue?.[0]?.code).toBe('throttled');
    const cancelled = answers.filter(({ res }) => res.status !== 503);
    expect(cancelled.map(({ res }) => [res.status, res.body.issue?.[0]?.code])).toEqual(Array.from({ length: capacity }, () => [400, 'too-costly']));
    expect((await run(`Patient/${patient.id}/$fhirpath?expression=name.family`)).status).toBe(200);
  });
});
