import { OperationOutcomeError } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, test } from 'vitest';
import { evaluateEach } from '../../server/fhirpath/engine.ts';
import { FhirPathBusyError, FhirPathPool, fhirpathEvaluator, MAX_VALUES_MB } from '../../server/fhirpath/pool.ts';

/**
 * The `$fhirpath` worker pool without a server: what a worker answers is what the engine answers in
 * the server's thread, errors included; a budget ends a worker, a full queue turns requests away.
 */

const patient: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Stisen', given: ['Kari', 'Ada'] }],
  birthDate: '1950-02-03',
  contact: [{ name: { family: 'Pårørende' } }],
  extension: [{ url: 'http://example.org/x', valueQuantity: { value: 3, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
};
const resources = [JSON.stringify(patient), JSON.stringify({ resourceType: 'Observation', id: 'o1', status: 'final', valueQuantity: { value: 1.5, unit: 'kg' } })];

const TEN = '(1|2|3|4|5|6|7|8|9|10)';
const EXPENSIVE = Array.from({ length: 8 }).reduce<string>((inner) => `${TEN}.select(${inner}).count()`, TEN);

const pools: FhirPathPool[] = [];
const pool = (options: ConstructorParameters<typeof FhirPathPool>[0]) => {
  const created = new FhirPathPool(options);
  pools.push(created);
  return created;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('a worker answers as the engine does in the server thread', () => {
  test("fhirpath.js's own types (quantities, dates, times) and FHIR's come back the same, as JSON", async () => {
    const workers = pool({ timeoutMs: 5000, size: 1 });
    const expressions = [
      'name.given',
      'birthDate',
      'birthDate + 1 year',
      "(1 'cm' + 2 'mm')",
      '2 years',
      'extension.value',
      '@2020-01-01T10:00:00.000+01:00',
      '@2020-01-01T10:00:00Z + 1 hour',
      '@T10:30',
      '1.5 * 2',
      "'a' & 'b'",
      'name.first()',
      'contact',
      'value',
      '%ucum',
      'descendants().count()',
      "iif(true, 1 'mg', 2 'g')",
      'today() > @2000-01-01',
    ];
    for (const expression of expressions) {
      const inWorker = await workers.evaluate(expression, resources);
      expect(inWorker, expression).toEqual(evaluateEach(expression, resources));
      expect(JSON.stringify(inWorker), expression).toBe(JSON.stringify(evaluateEach(expression, resources)));
    }
  });

  test('an expression that fails at evaluation is the same 400 naming the expression', async () => {
    const workers = pool({ timeoutMs: 5000, size: 1 });
    const expression = "'a'.single().single() + 1 + name.given.single()";
    const inThread = (() => {
      try {
        evaluateEach(expression, resources);
      } catch (err) {
        return err;
      }
    })();
    expect(inThread).toBeInstanceOf(OperationOutcomeError);
    const inWorker = await workers.evaluate(expression, resources).catch((err: unknown) => err);
    expect(inWorker).toBeInstanceOf(OperationOutcomeError);
    expect((inWorker as OperationOutcomeError).outcome).toEqual((inThread as OperationOutcomeError).outcome);
    expect((inWorker as OperationOutcomeError).outcome.issue?.[0]?.expression).toEqual(['expression']);
  });

  test('without a budget (0) the engine runs in the server thread, as before', async () => {
    const inThread = fhirpathEvaluator(0);
    expect(inThread).not.toBeInstanceOf(FhirPathPool);
    expect(await inThread.evaluate('name.given', resources)).toEqual(evaluateEach('name.given', resources));
    await inThread.close();
  });
});

describe('the budget and the queue', () => {
  test('past the budget the worker is ended and the request is too-costly; a full queue turns the next away; a new worker follows', async () => {
    const budget = 300;
    const workers = pool({ timeoutMs: budget, size: 1, maxQueue: 1 });
    await workers.evaluate('1', resources); // started and warm
    const started = performance.now();
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'answered',
        (err: unknown) => (err instanceof OperationOutcomeError ? err.outcome.issue?.[0]?.code : err instanceof FhirPathBusyError ? 'busy' : String(err))
      );
    const first = outcome(workers.evaluate(EXPENSIVE, resources));
    const second = outcome(workers.evaluate(EXPENSIVE, resources));
    const third = workers.evaluate(EXPENSIVE, resources).catch((err: unknown) => err);
    const turnedAway = await third;
    expect(turnedAway).toBeInstanceOf(FhirPathBusyError);
    expect((turnedAway as FhirPathBusyError).retryAfterSeconds).toBe(1);
    expect(performance.now() - started).toBeLessThan(budget);
    expect(await first).toBe('too-costly');
    const firstEnded = performance.now() - started;
    expect(firstEnded).toBeGreaterThanOrEqual(budget - 20);
    expect(await second).toBe('too-costly'); // on a new worker, started after the first was ended
    expect(await workers.evaluate('name.family', resources)).toEqual(evaluateEach('name.family', resources));
  });

  test('an expression that needs more memory than a worker has, or answers more than MAX_VALUES_MB, is too-costly too', async () => {
    const workers = pool({ timeoutMs: 20_000, size: 1, maxMemoryMb: 32 });
    const growing = Array.from({ length: 7 }).reduce<string>((inner) => `${TEN}.select(${inner})`, TEN);
    const outOfMemory = await workers.evaluate(`${growing}.count()`, resources).catch((err: unknown) => err);
    expect((outOfMemory as OperationOutcomeError).outcome?.issue?.[0]).toMatchObject({ code: 'too-costly', expression: ['expression'] });
    expect((outOfMemory as OperationOutcomeError).outcome.issue?.[0]?.details?.text).toMatch(/more than the limit of 32 MB of memory/);
    expect(await workers.evaluate('name.family', resources)).toEqual(evaluateEach('name.family', resources)); // a new worker
    const large = JSON.stringify({ resourceType: 'Patient', id: 'large', name: [{ family: 'x'.repeat(200_000) }] });
    const roomy = pool({ timeoutMs: 20_000, size: 1 });
    const tooLarge = await roomy.evaluate(`${TEN}.select(${TEN}.select(%context.name.family))`, [large]).catch((err: unknown) => err);
    expect((tooLarge as OperationOutcomeError).outcome?.issue?.[0]?.details?.text).toMatch(`larger than the limit of ${MAX_VALUES_MB} MB`);
    expect(await roomy.evaluate(`${TEN}.select(%context.name.family).count()`, [large])).toEqual([[{ type: 'System.Integer', value: 10 }]]);
  });

  test('closing ends the workers; what runs or waits fails, and nothing more is taken', async () => {
    const workers = new FhirPathPool({ timeoutMs: 60_000, size: 1 });
    await workers.evaluate('1', resources);
    const running = workers.evaluate(EXPENSIVE, resources).catch((err: unknown) => err);
    const waiting = workers.evaluate('1', resources).catch((err: unknown) => err);
    await workers.close();
    expect(String(await running)).toMatch(/closing/);
    expect(String(await waiting)).toMatch(/closing/);
    await expect(workers.evaluate('1', resources)).rejects.toThrow(/closed/);
  });
});
