/**
 * `$validate` at type and instance level: the same checks as a write (base rules, claimed and
 * default profiles) or against the one profile asked for, answered 200 with every issue, and the
 * errors of the operation itself (unknown profile or mode, wrong level, wrong type) as 4xx.
 */
import type { DetectedIssue, Observation, OperationOutcome, Parameters, Patient, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import type { JsonResponse } from '../support/fhir-client.ts';
import { FNR_SYSTEM } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';
import { countOf, describeIssues, errorsAt, exampleInstances, SD_BASE } from './cases.ts';

const env = useTestServer({ defaultProfiles: true });
const fhir = env.fhir;

const ALERT_CODES = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
const ALERT_MESSAGE = `Code "${ALERT_CODES}#9.9" is not in the required value set https://knutepunkt.dev/fhir/ValueSet/alert-code`;
const WT_DETECTED_ISSUE = `${SD_BASE}wt-detectedissue`;
const WT_HEART_RATE = `${SD_BASE}wt-heart-rate`;
const VKP_DETECTED_ISSUE = 'http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090';

const examples = new Map(exampleInstances().map((r) => [r.id, r]));
function example<T extends Resource>(id: string): T {
  const found = examples.get(id);
  if (!found) {
    throw new Error(`the build has no example ${id}`);
  }
  return structuredClone(found) as unknown as T;
}

/** A valid alarm without id, as a client would send it for create. */
function alarm(): DetectedIssue {
  const a = example<DetectedIssue>('wt-detectedissue-example');
  delete a.id;
  return a;
}

/** An alarm with the unknown alert code 9.9. */
function badAlarm(): DetectedIssue {
  return { ...alarm(), code: { coding: [{ system: ALERT_CODES, code: '9.9' }] } };
}

function parameters(...parameter: NonNullable<Parameters['parameter']>): Parameters {
  return { resourceType: 'Parameters', parameter };
}

/** A $validate answer: 200 with an OperationOutcome. */
function expectOutcome(res: JsonResponse<OperationOutcome>): OperationOutcome {
  expect(res.status, `${res.status}\n${describeIssues(res.body)}`).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/fhir+json');
  expect(res.body.resourceType).toBe('OperationOutcome');
  return res.body;
}

/** 200 and only the informational "No issues found". */
function expectClean(res: JsonResponse<OperationOutcome>): void {
  const outcome = expectOutcome(res);
  expect(outcome.issue, describeIssues(outcome)).toEqual([{ severity: 'information', code: 'informational', details: { text: 'No issues found' } }]);
}

/** 200 with an error issue at `expression` whose text contains `message`. */
function expectError(res: JsonResponse<OperationOutcome>, expression: string, message: string): OperationOutcome {
  const outcome = expectOutcome(res);
  expect(errorsAt(outcome, expression, message), describeIssues(outcome)).not.toHaveLength(0);
  return outcome;
}

/** A 4xx answer of the operation itself, as an OperationOutcome whose error text matches. */
function expectFailure(res: JsonResponse, status: number, text?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  expect(res.body?.resourceType, res.text).toBe('OperationOutcome');
  expect(res.body.issue[0].severity).toBe('error');
  if (text) {
    expect(res.body.issue[0].details?.text, res.text).toMatch(text);
  }
}

describe('type level: POST [type]/$validate', () => {
  test('a valid resource as the body: 200 with "No issues found", and nothing is stored', async () => {
    const before = await countOf(fhir, 'DetectedIssue');
    expectClean(await fhir.post('DetectedIssue/$validate', alarm()));
    expect(await countOf(fhir, 'DetectedIssue')).toBe(before);
  });

  test('an invalid resource: 200 listing every error (not 422), and nothing is stored', async () => {
    const before = await countOf(fhir, 'DetectedIssue');
    const payload: DetectedIssue = { ...badAlarm(), identifiedDateTime: undefined };
    const outcome = expectError(await fhir.post('DetectedIssue/$validate', payload), 'DetectedIssue.code.coding[0]', ALERT_MESSAGE);
    expect(errorsAt(outcome, 'DetectedIssue.identified[x]', 'Missing required property'), describeIssues(outcome)).toHaveLength(1);
    expect(outcome.issue.some((i) => i.severity === 'information')).toBe(false);
    expect(await countOf(fhir, 'DetectedIssue')).toBe(before);
  });

  test('the default profile applies as on write: an alarm claiming no profile is checked against wt-detectedissue', async () => {
    const payload = badAlarm();
    delete payload.meta;
    expectError(await fhir.post('DetectedIssue/$validate', payload), 'DetectedIssue.code.coding[0]', ALERT_MESSAGE);
  });

  test('a base-rule failure is reported as an error issue with 200', async () => {
    const patient = { ...example<Patient>('wt-patient-example'), id: undefined, gender: 'robot' };
    const outcome = expectOutcome(await fhir.post('Patient/$validate', patient));
    expect(outcome.issue.some((i) => i.severity === 'error' && i.expression?.includes('Patient.gender')), describeIssues(outcome)).toBe(true);
  });

  test('warnings are listed too: a D-nummer sent under the fødselsnummer system', async () => {
    const dnummer = example<Patient>('wt-patient-example-dnummer');
    const value = dnummer.identifier?.[0].value as string;
    const patient: Patient = { ...example<Patient>('wt-patient-example'), id: undefined, identifier: [{ system: FNR_SYSTEM, value }] };
    const outcome = expectOutcome(await fhir.post('Patient/$validate', patient));
    expect(outcome.issue.filter((i) => i.severity === 'error'), describeIssues(outcome)).toEqual([]);
    expect(
      outcome.issue.some((i) => i.severity === 'warning' && i.expression?.includes('Patient.identifier[0].value') && i.details?.text?.includes('D-nummer')),
      describeIssues(outcome),
    ).toBe(true);
  });

  test('a Parameters body with the resource and mode create: the resource id is ignored', async () => {
    const withId = { ...alarm(), id: 'some-id-the-server-would-replace' };
    expectClean(await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: withId }, { name: 'mode', valueCode: 'create' })));
    expectError(
      await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: badAlarm() }, { name: 'mode', valueCode: 'create' })),
      'DetectedIssue.code.coding[0]',
      ALERT_MESSAGE,
    );
  });

  test('mode create in the query with a bare resource body', async () => {
    expectClean(await fhir.post('DetectedIssue/$validate?mode=create', alarm()));
  });

  describe('the profile parameter', () => {
    const observation = (): Observation => {
      const o = example<Observation>('wt-observation-example');
      delete o.id;
      return o;
    };

    test('checks against the profile asked for: a step count is not a heart rate (valueCanonical, valueUri and query)', async () => {
      expectClean(await fhir.post('Observation/$validate', observation()));
      const asked = [
        fhir.post('Observation/$validate', parameters({ name: 'resource', resource: observation() }, { name: 'profile', valueCanonical: WT_HEART_RATE })),
        fhir.post('Observation/$validate', parameters({ name: 'resource', resource: observation() }, { name: 'profile', valueUri: WT_HEART_RATE })),
        fhir.post(`Observation/$validate?profile=${encodeURIComponent(WT_HEART_RATE)}`, observation()),
      ];
      for (const res of await Promise.all(asked)) {
        const outcome = expectOutcome(res);
        expect(outcome.issue.filter((i) => i.severity === 'error').length, describeIssues(outcome)).toBeGreaterThan(0);
        expect(outcome.issue.some((i) => i.expression?.some((e) => e.startsWith('Observation.code') || e.startsWith('Observation.valueQuantity'))), describeIssues(outcome)).toBe(true);
      }
    });

    test.each([
      ['our own URL', WT_DETECTED_ISSUE],
      ['the official VKP URL, understood as its Knutepunkt equivalent', VKP_DETECTED_ISSUE],
    ])('%s as the profile', async (_what, url) => {
      const profile = { name: 'profile', valueCanonical: url };
      expectClean(await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: alarm() }, profile)));
      expectError(await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: badAlarm() }, profile)), 'DetectedIssue.code.coding[0]', ALERT_MESSAGE);
    });

    test('an unknown profile is 400, in the query or in Parameters', async () => {
      const unknown = `${SD_BASE}wt-no-such-profile`;
      expectFailure(await fhir.post(`DetectedIssue/$validate?profile=${encodeURIComponent(unknown)}`, alarm()), 400, /Unknown profile/);
      expectFailure(
        await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: alarm() }, { name: 'profile', valueCanonical: 'http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090' })),
        400,
        /Unknown profile/,
      );
    });

    test('a datatype or extension profile is not a profile a resource can be validated against: 400', async () => {
      expectFailure(await fhir.post(`Patient/$validate?profile=${encodeURIComponent(`${SD_BASE}wt-zone`)}`, example<Patient>('wt-patient-example')), 400, /Unknown profile/);
    });
  });

  test('an unknown mode is 400, in the query or in Parameters', async () => {
    expectFailure(await fhir.post('DetectedIssue/$validate?mode=upsert', alarm()), 400, /Unknown mode/);
    expectFailure(await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: alarm() }, { name: 'mode', valueCode: 'patch' })), 400, /Unknown mode/);
  });

  test.each(['update', 'delete'])('mode %s at type level is 400: it needs the instance', async (mode) => {
    expectFailure(await fhir.post(`DetectedIssue/$validate?mode=${mode}`, alarm()), 400, /needs the instance/);
    expectFailure(await fhir.post('DetectedIssue/$validate', parameters({ name: 'resource', resource: alarm() }, { name: 'mode', valueCode: mode })), 400, /needs the instance/);
  });

  test('no resource to validate is 400: GET at type level, or Parameters without a resource', async () => {
    expectFailure(await fhir.get('DetectedIssue/$validate'), 400, /Give the resource/);
    expectFailure(await fhir.post('DetectedIssue/$validate', parameters({ name: 'mode', valueCode: 'create' })), 400, /Give the resource/);
  });

  test('an unknown resource type is 404, for POST and GET', async () => {
    expectFailure(await fhir.post('Robot/$validate', { resourceType: 'Robot' }), 404);
    expectFailure(await fhir.get('Robot/$validate'), 404);
    expectFailure(await fhir.get('Robot/some-id/$validate'), 404);
  });

  test('a resource of another type than the URL is 400, as the body or in Parameters', async () => {
    expectFailure(await fhir.post('Patient/$validate', alarm()), 400, /not a Patient/);
    expectFailure(await fhir.post('Patient/$validate', parameters({ name: 'resource', resource: alarm() })), 400, /not a Patient/);
  });
});

describe('instance level: [type]/[id]/$validate', () => {
  const OBSERVATION_ID = 'validate-steps';
  const PATIENT_ID = 'validate-dnummer-under-fnr';
  let dnummer: string;

  beforeAll(async () => {
    const observation = { ...example<Observation>('wt-observation-example'), id: OBSERVATION_ID };
    expect((await fhir.put(`Observation/${OBSERVATION_ID}`, observation)).status).toBe(201);
    // A warning does not stop a write: this patient is stored with one.
    dnummer = example<Patient>('wt-patient-example-dnummer').identifier?.[0].value as string;
    const patient: Patient = { ...example<Patient>('wt-patient-example'), id: PATIENT_ID, identifier: [{ system: FNR_SYSTEM, value: dnummer }] };
    const stored = await fhir.put(`Patient/${PATIENT_ID}`, patient);
    expect(stored.status, describeIssues(stored.body)).toBe(201);
  });

  test('without a body (GET and POST) it validates the stored resource', async () => {
    expectClean(await fhir.get(`Observation/${OBSERVATION_ID}/$validate`));
    // The stored patient's warning comes back: it was the stored resource that was checked.
    for (const res of [await fhir.get(`Patient/${PATIENT_ID}/$validate`), await fhir.request('POST', `Patient/${PATIENT_ID}/$validate`)]) {
      const outcome = expectOutcome(res);
      expect(outcome.issue.some((i) => i.severity === 'warning' && i.details?.text?.includes('D-nummer')), describeIssues(outcome)).toBe(true);
    }
  });

  test('the stored resource against a profile asked for in the query: errors, still 200', async () => {
    const outcome = expectOutcome(await fhir.get(`Observation/${OBSERVATION_ID}/$validate?profile=${encodeURIComponent(WT_HEART_RATE)}`));
    expect(outcome.issue.filter((i) => i.severity === 'error').length, describeIssues(outcome)).toBeGreaterThan(0);
  });

  test('mode update with the resource carrying the instance id: validated, 200, and nothing written', async () => {
    const changed: Observation = { ...example<Observation>('wt-observation-example'), id: OBSERVATION_ID, status: 'amended' };
    expectClean(await fhir.post(`Observation/${OBSERVATION_ID}/$validate`, parameters({ name: 'resource', resource: changed }, { name: 'mode', valueCode: 'update' })));
    const broken: Observation = { ...changed, subject: undefined };
    expectError(
      await fhir.post(`Observation/${OBSERVATION_ID}/$validate?mode=update`, broken),
      'Observation.subject',
      'Missing required property',
    );
    const read = await fhir.get<Observation>(`Observation/${OBSERVATION_ID}`);
    expect(read.body.meta?.versionId).toBe('1');
    expect(read.body.status).toBe('final');
  });

  test('mode update with another id in the resource, or none, is 400', async () => {
    const other: Observation = { ...example<Observation>('wt-observation-example'), id: 'another-id' };
    expectFailure(await fhir.post(`Observation/${OBSERVATION_ID}/$validate`, parameters({ name: 'resource', resource: other }, { name: 'mode', valueCode: 'update' })), 400, /must be "validate-steps"/);
    expectFailure(await fhir.post(`Observation/${OBSERVATION_ID}/$validate?mode=update`, { ...other, id: undefined }), 400, /must be "validate-steps"/);
  });

  test('mode delete on an existing instance is 200 and deletes nothing', async () => {
    expectClean(await fhir.post(`Observation/${OBSERVATION_ID}/$validate`, parameters({ name: 'mode', valueCode: 'delete' })));
    expectClean(await fhir.get(`Observation/${OBSERVATION_ID}/$validate?mode=delete`));
    expect((await fhir.get(`Observation/${OBSERVATION_ID}`)).status).toBe(200);
  });

  test('mode delete on a missing or deleted instance is 404', async () => {
    expectFailure(await fhir.get('Observation/never-existed/$validate?mode=delete'), 404);
    expectFailure(await fhir.post('Observation/never-existed/$validate', parameters({ name: 'mode', valueCode: 'delete' })), 404);
    const gone = { ...example<Observation>('wt-observation-example'), id: 'validate-deleted' };
    expect((await fhir.put('Observation/validate-deleted', gone)).status).toBe(201);
    expect((await fhir.delete('Observation/validate-deleted')).status).toBeLessThan(300);
    expectFailure(await fhir.get('Observation/validate-deleted/$validate?mode=delete'), 404);
  });

  test('without a body, a missing instance is 404 and a deleted one 410', async () => {
    expectFailure(await fhir.get('Observation/never-existed-either/$validate'), 404);
    const deleted = { ...example<Observation>('wt-observation-example'), id: 'validate-gone' };
    expect((await fhir.put('Observation/validate-gone', deleted)).status).toBe(201);
    expect((await fhir.delete('Observation/validate-gone')).status).toBeLessThan(300);
    expectFailure(await fhir.get('Observation/validate-gone/$validate'), 410);
  });

  test('the URL supplies what a Parameters body leaves out: mode=update at type level is 400', async () => {
    expectFailure(await fhir.post('DetectedIssue/$validate?mode=update', parameters({ name: 'resource', resource: alarm() })), 400, /mode update/i);
  });

  test('a resource of another type than the URL is 400 at instance level too', async () => {
    expectFailure(await fhir.post(`Observation/${OBSERVATION_ID}/$validate`, alarm()), 400, /not a Observation/);
  });
});
