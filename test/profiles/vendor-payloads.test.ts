/**
 * Payloads written the way welfare-technology vendors write them for the national hub (VKP) today:
 * official VKP profile and extension URLs, logical references to the patient by fødselsnummer and
 * to the device by serial number. Good ones are taken; bad ones are refused with an
 * OperationOutcome that names the element, and a search afterwards finds nothing of them.
 */
import { randomUUID } from 'node:crypto';
import type { Bundle, DetectedIssue, MedicationDispense, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { useTestServer } from '../support/server.ts';
import { countOf, describeIssues, expectRefusal } from './cases.ts';

const env = useTestServer({ defaultProfiles: true });
const fhir = env.fhir;

const VKP_MEDICATION_DISPENSE = 'http://ehelse.no/fhir/StructureDefinition/vkp-MedicationDispense-v090';
const VKP_DETECTED_ISSUE = 'http://ehelse.no/fhir/StructureDefinition/vkp-DetectedIssue-v090';
const VKP_DISPENSE_DEVICE = 'http://ehelse.no/fhir/StructureDefinition/VkpMedicationDispenseDevice-v090';
const VKP_ZONE = 'http://ehelse.no/fhir/StructureDefinition/vkp-sone-v090';
const DISPENSE_EVENTS = 'http://ehelse.no/fhir/CodeSystem/vkp-medicationdispense-events-v090';
const ALERT_CODES = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
const ALERT_VALUE_SET = 'https://knutepunkt.dev/fhir/ValueSet/alert-code';
const URI = 'urn:ietf:rfc:3986';
const SERIAL = 'https://vendor.example/serialnumber';

/** The same number with its last (control) digit changed: never a valid fødselsnummer. */
function wrongCheckDigit(fnr: string): string {
  return `${fnr.slice(0, 10)}${(Number(fnr[10]) + 1) % 10}`;
}

/** A dispense event as a medicine-dispenser vendor sends it: official VKP URLs, logical references. */
function vendorDispense(uuid: string, fnr = syntheticFnr(301)): MedicationDispense {
  return {
    resourceType: 'MedicationDispense',
    meta: { profile: [VKP_MEDICATION_DISPENSE] },
    extension: [
      {
        url: VKP_DISPENSE_DEVICE,
        extension: [
          { url: 'identifier', valueString: 'PP000533' },
          { url: 'displayName', valueString: 'Medisindispenser kjøkken' },
          { url: 'type', valueString: 'Pill dispenser' },
        ],
      },
    ],
    identifier: [{ system: URI, value: `urn:uuid:${uuid}` }],
    status: 'completed',
    category: { coding: [{ system: DISPENSE_EVENTS, code: '1.1', display: 'medisin utlevert uassistert' }] },
    medicationCodeableConcept: { text: 'Ukjent medisin' },
    subject: { identifier: { system: FNR_SYSTEM, value: fnr }, display: 'Kari Testesen' },
    performer: [{ actor: { type: 'Device', identifier: { system: SERIAL, value: 'PP000533' }, display: 'Multidosedispenser' } }],
    whenHandedOver: '2026-03-14T08:00:12+01:00',
  };
}

/** An alarm (varsel) as a vendor sends it; `profile` false leaves meta.profile out. */
function vendorAlarm(uuid: string, code: string, profile = true): DetectedIssue {
  return {
    resourceType: 'DetectedIssue',
    ...(profile ? { meta: { profile: [VKP_DETECTED_ISSUE] } } : {}),
    identifier: [{ system: URI, value: `urn:uuid:${uuid}` }],
    status: 'final',
    code: { coding: [{ system: ALERT_CODES, code, display: code === '4.1' ? 'Fall' : 'Ukjent' }] },
    severity: 'high',
    patient: { identifier: { system: FNR_SYSTEM, value: syntheticFnr(302) }, display: 'Per Testesen' },
    identifiedDateTime: '2026-03-14T02:17:45+01:00',
    author: { type: 'Device', identifier: { system: SERIAL, value: 'RM004711' }, display: 'Roommate sensor' },
  };
}

/** How many resources of the type carry the UUID identifier. */
function stored(client: FhirClient, type: string, uuid: string): Promise<number> {
  return countOf(client, type, `identifier=${encodeURIComponent(`${URI}|urn:uuid:${uuid}`)}`);
}

describe('MedicationDispense from a medicine dispenser (the issue\'s "done when")', () => {
  test('written as vendors do today (official VKP profile and extension URLs, logical subject and device) it is accepted and found', async () => {
    const uuid = randomUUID();
    const res = await fhir.post<MedicationDispense>('MedicationDispense', vendorDispense(uuid));
    expect(res.status, describeIssues(res.body)).toBe(201);
    expect(res.headers.get('location')).toMatch(/\/MedicationDispense\/[^/]+\/_history\/1$/);
    // Stored as sent: the official URLs stay, nothing is rewritten to ours.
    expect(res.body.meta?.profile).toEqual([VKP_MEDICATION_DISPENSE]);
    expect(res.body.extension?.[0].url).toBe(VKP_DISPENSE_DEVICE);
    expect(res.body.subject).toEqual({ identifier: { system: FNR_SYSTEM, value: syntheticFnr(301) }, display: 'Kari Testesen' });
    expect(await stored(fhir, 'MedicationDispense', uuid)).toBe(1);
  });

  test('with a wrong control digit in the fødselsnummer it is refused with 422 at subject.identifier.value, and not stored', async () => {
    const uuid = randomUUID();
    const res = await fhir.post('MedicationDispense', vendorDispense(uuid, wrongCheckDigit(syntheticFnr(301))));
    expectRefusal(res, 422, 'MedicationDispense.subject.identifier.value', 'Invalid fødselsnummer: the control digits do not match');
    // The message never repeats the number (personal data).
    expect(res.text).not.toContain(wrongCheckDigit(syntheticFnr(301)));
    expect(await stored(fhir, 'MedicationDispense', uuid)).toBe(0);
  });

  test.each([
    ['whenHandedOver', 'MedicationDispense.whenHandedOver'],
    ['category', 'MedicationDispense.category'],
    ['subject', 'MedicationDispense.subject'],
    ['performer', 'MedicationDispense.performer'],
  ] as const)('without %s (required by the profile) it is refused with 422 naming the element, and not stored', async (element, expression) => {
    const uuid = randomUUID();
    const payload = vendorDispense(uuid);
    delete payload[element];
    const res = await fhir.post('MedicationDispense', payload);
    expectRefusal(res, 422, expression, 'Missing required property');
    expect(await stored(fhir, 'MedicationDispense', uuid)).toBe(0);
  });

  test('a device reference without an identifier is refused with 422 at performer[0].actor.identifier', async () => {
    const uuid = randomUUID();
    const payload = vendorDispense(uuid);
    payload.performer = [{ actor: { type: 'Device', display: 'Multidosedispenser' } }];
    const res = await fhir.post('MedicationDispense', payload);
    expectRefusal(res, 422, 'MedicationDispense.performer[0].actor.identifier', 'Missing required property');
    expect(await stored(fhir, 'MedicationDispense', uuid)).toBe(0);
  });
});

describe('DetectedIssue (alarm) and the alert-code value set', () => {
  test('an alarm with a known alert code under the official VKP profile is accepted', async () => {
    const uuid = randomUUID();
    const res = await fhir.post('DetectedIssue', vendorAlarm(uuid, '4.1'));
    expect(res.status, describeIssues(res.body)).toBe(201);
    expect(await stored(fhir, 'DetectedIssue', uuid)).toBe(1);
  });

  test('an unknown alert code (9.9) is refused with 422 at code.coding[0], and not stored', async () => {
    const uuid = randomUUID();
    const res = await fhir.post('DetectedIssue', vendorAlarm(uuid, '9.9'));
    expectRefusal(res, 422, 'DetectedIssue.code.coding[0]', `Code "${ALERT_CODES}#9.9" is not in the required value set ${ALERT_VALUE_SET}`);
    expect(await stored(fhir, 'DetectedIssue', uuid)).toBe(0);
  });

  test('an alarm that claims no profile is still checked against the default profile: 422 on alert code 9.9', async () => {
    const uuid = randomUUID();
    const res = await fhir.post('DetectedIssue', vendorAlarm(uuid, '9.9', false));
    expectRefusal(res, 422, 'DetectedIssue.code.coding[0]', `Code "${ALERT_CODES}#9.9" is not in the required value set ${ALERT_VALUE_SET}`);
    expect(await stored(fhir, 'DetectedIssue', uuid)).toBe(0);
    // …and a good one without a claimed profile is taken.
    const good = randomUUID();
    expect((await fhir.post('DetectedIssue', vendorAlarm(good, '4.1', false))).status).toBe(201);
  });

  test.each([
    ['an official-looking VKP URL the server does not know', 'http://ehelse.no/fhir/StructureDefinition/vkp-Flag-v090'],
    ['a URL in our own namespace that is not defined', 'https://knutepunkt.dev/fhir/StructureDefinition/wt-no-such-profile'],
  ])('claiming an unknown profile (%s) is refused with 422 at meta.profile[i]', async (_what, url) => {
    const uuid = randomUUID();
    const payload = vendorAlarm(uuid, '4.1');
    payload.meta = { profile: [VKP_DETECTED_ISSUE, url] };
    const res = await fhir.post('DetectedIssue', payload);
    expectRefusal(res, 422, 'DetectedIssue.meta.profile[1]', `Unknown profile ${url}`);
    expect(await stored(fhir, 'DetectedIssue', uuid)).toBe(0);
  });

  test('claiming a profile of another resource type is refused with 422', async () => {
    const uuid = randomUUID();
    const payload = vendorAlarm(uuid, '4.1');
    payload.meta = { profile: [VKP_MEDICATION_DISPENSE] };
    const res = await fhir.post('DetectedIssue', payload);
    expectRefusal(res, 422, 'DetectedIssue.meta.profile[0]', 'is for MedicationDispense, not DetectedIssue');
    expect(await stored(fhir, 'DetectedIssue', uuid)).toBe(0);
  });
});

describe('on a server with default profiles off (DEFAULT_PROFILES=off)', () => {
  const off = useTestServer({ defaultProfiles: false });

  test('an alarm that claims no profile is accepted with 201 even with alert code 9.9', async () => {
    const uuid = randomUUID();
    const res = await off.fhir.post('DetectedIssue', vendorAlarm(uuid, '9.9', false));
    expect(res.status, describeIssues(res.body)).toBe(201);
    expect(await stored(off.fhir, 'DetectedIssue', uuid)).toBe(1);
  });

  test('an alarm that claims the VKP profile is still checked against it: 422 on alert code 9.9', async () => {
    const uuid = randomUUID();
    const res = await off.fhir.post('DetectedIssue', vendorAlarm(uuid, '9.9'));
    expectRefusal(res, 422, 'DetectedIssue.code.coding[0]', `is not in the required value set ${ALERT_VALUE_SET}`);
    expect(await stored(off.fhir, 'DetectedIssue', uuid)).toBe(0);
  });
});

describe('on a server that refuses synthetic identities (SYNTHETIC_IDENTIFIERS=reject, the product default)', () => {
  const strict = useTestServer({ defaultProfiles: true, syntheticIdentifiers: false });

  test('a dispense for a synthetic Test Norge number is refused with 422 saying so, and not stored', async () => {
    const uuid = randomUUID();
    const res = await strict.fhir.post('MedicationDispense', vendorDispense(uuid));
    expectRefusal(res, 422, 'MedicationDispense.subject.identifier.value', 'Invalid fødselsnummer: it is a synthetic Test Norge number');
    expect(await stored(strict.fhir, 'MedicationDispense', uuid)).toBe(0);
  });

  test('a Patient identified by a synthetic Test Norge number is refused the same way', async () => {
    const fnr = syntheticFnr(303);
    const res = await strict.fhir.post('Patient', { resourceType: 'Patient', identifier: [{ system: FNR_SYSTEM, value: fnr }], name: [{ family: 'Syntetisk' }] });
    expectRefusal(res, 422, 'Patient.identifier[0].value', 'synthetic Test Norge number');
    expect(await countOf(strict.fhir, 'Patient', `identifier=${FNR_SYSTEM}|${fnr}`)).toBe(0);
  });
});

describe('Patient with official VKP extension URLs', () => {
  const patient = (fnr: string, zone: Patient['extension'] extends (infer E)[] | undefined ? E : never): Patient => ({
    resourceType: 'Patient',
    extension: [zone],
    identifier: [{ system: FNR_SYSTEM, value: fnr }],
    name: [{ family: 'Sonesen', given: ['Kari'] }],
  });

  test('the VKP zone extension (vkp-sone-v090) with a string value is accepted and kept as sent', async () => {
    const fnr = syntheticFnr(304);
    const res = await fhir.post<Patient>('Patient', patient(fnr, { url: VKP_ZONE, valueString: 'Oslo|Gamle Oslo|Øst|Kampen' }));
    expect(res.status, describeIssues(res.body)).toBe(201);
    const read = await fhir.get<Patient>(`Patient/${res.body.id}`);
    expect(read.body.extension).toEqual([{ url: VKP_ZONE, valueString: 'Oslo|Gamle Oslo|Øst|Kampen' }]);
    expect(await countOf(fhir, 'Patient', `identifier=${FNR_SYSTEM}|${fnr}`)).toBe(1);
  });

  test('the same extension with valueInteger is refused with 422 naming the value, and not stored', async () => {
    const fnr = syntheticFnr(305);
    const res = await fhir.post('Patient', patient(fnr, { url: VKP_ZONE, valueInteger: 301 }));
    expectRefusal(res, 422, 'Patient.extension[0].valueInteger', 'is not allowed');
    expect(await countOf(fhir, 'Patient', `identifier=${FNR_SYSTEM}|${fnr}`)).toBe(0);
  });
});

describe('transactions', () => {
  test('one valid and one invalid entry: refused as a whole with the invalid entry\'s 422, and neither is stored', async () => {
    const good = randomUUID();
    const bad = randomUUID();
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:${randomUUID()}`, resource: vendorDispense(good), request: { method: 'POST', url: 'MedicationDispense' } },
        { fullUrl: `urn:uuid:${randomUUID()}`, resource: vendorAlarm(bad, '9.9'), request: { method: 'POST', url: 'DetectedIssue' } },
      ],
    };
    const before = { dispenses: await countOf(fhir, 'MedicationDispense'), alarms: await countOf(fhir, 'DetectedIssue') };
    const res = await fhir.post('', bundle);
    // The answer is the failed entry's outcome: 422 (id business-rule), pointing at the alarm's code.
    expectRefusal(res, 422, 'DetectedIssue.code.coding[0]', `Code "${ALERT_CODES}#9.9" is not in the required value set ${ALERT_VALUE_SET}`);
    expect(await stored(fhir, 'MedicationDispense', good)).toBe(0);
    expect(await stored(fhir, 'DetectedIssue', bad)).toBe(0);
    expect({ dispenses: await countOf(fhir, 'MedicationDispense'), alarms: await countOf(fhir, 'DetectedIssue') }).toEqual(before);

    // The valid entry alone goes through, so it was the invalid one that stopped the first.
    const alone = await fhir.post<Bundle>('', { ...bundle, entry: [bundle.entry?.[0]] });
    expect(alone.status, describeIssues(alone.body)).toBe(200);
    expect(alone.body.type).toBe('transaction-response');
    expect(alone.body.entry?.[0].response?.status).toMatch(/^201/);
    expect(await stored(fhir, 'MedicationDispense', good)).toBe(1);
  });
});

describe('vital signs', () => {
  test('a heart rate measured over a period is accepted (R4 vs-1 repaired for effectivePeriod), a string value is not', async () => {
    const fnr = syntheticFnr(307);
    const heartRate = {
      resourceType: 'Observation',
      meta: { profile: ['https://knutepunkt.dev/fhir/StructureDefinition/wt-heart-rate'] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { identifier: { system: FNR_SYSTEM, value: fnr }, display: 'Kari Testesen' },
      effectivePeriod: { start: '2026-03-14T08:00:00+01:00', end: '2026-03-14T08:05:00+01:00' },
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    const res = await fhir.post('Observation', heartRate);
    expect(res.status, describeIssues(res.body)).toBe(201);
    const asText = { ...heartRate, valueQuantity: undefined, valueString: '72' };
    const refused = await fhir.post('Observation', asText);
    expect(refused.status, describeIssues(refused.body)).toBe(422);
    expect(refused.body.issue.some((i: { expression?: string[]; details?: { text?: string } }) =>
      i.expression?.includes('Observation.valueString') && i.details?.text?.includes('is not allowed'))).toBe(true);
  });
});

describe('FHIR base rules', () => {
  test('a Patient with gender "robot" breaks R4 itself: 400, not 422, and not stored', async () => {
    const fnr = syntheticFnr(306);
    const res = await fhir.post('Patient', {
      resourceType: 'Patient',
      identifier: [{ system: FNR_SYSTEM, value: fnr }],
      name: [{ family: 'Robotsen' }],
      gender: 'robot',
    });
    expect(res.status, describeIssues(res.body)).toBe(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.id).not.toBe('business-rule');
    expect(res.body.issue.some((i: any) => i.severity === 'error' && (i.expression ?? []).includes('Patient.gender')), describeIssues(res.body)).toBe(true);
    expect(await countOf(fhir, 'Patient', `identifier=${FNR_SYSTEM}|${fnr}`)).toBe(0);
  });
});
