import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadBaseDefinitions } from '../../server/fhir/definitions.ts';
import { loadProfileRegistry } from '../../server/validation/profile-registry.ts';
import { ResourceValidator } from '../../server/validation/resource-validator.ts';
import { describeIssues } from '../profiles/cases.ts';

/**
 * The structural half of the validator (server/validation/profile-checker.ts), in process: what
 * FHIR itself requires of any resource, before any profile. Each case breaks one rule and must be
 * refused with 400, at the element that breaks it, saying what was expected.
 */

let validator: ResourceValidator;

beforeAll(() => {
  loadBaseDefinitions();
  validator = new ResourceValidator(loadProfileRegistry(), { defaultProfiles: false, allowSyntheticIdentifiers: true });
});

function errors(resource: unknown): OperationOutcomeIssue[] {
  return validator.check(resource as Resource).issues.filter((i) => i.severity === 'error');
}

function issuesText(issues: OperationOutcomeIssue[]): string {
  return describeIssues({ resourceType: 'OperationOutcome', issue: issues });
}

/** Asserts a resource has no error issues, listing them when it has. */
function expectValid(resource: unknown): void {
  const found = errors(resource);
  expect(found, issuesText(found)).toEqual([]);
}

const observation = {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-03-01T08:00:00+01:00',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};

const patient = { resourceType: 'Patient', name: [{ family: 'Testesen', given: ['Kari'] }], gender: 'female', birthDate: '1951-01-02' };

describe('structure: every rule refused with 400 at the element, saying what was expected', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown property', { ...patient, colour: 'blue' }, 'Patient.colour', /Invalid additional property "colour": Patient has no element colour/],
    ['an unknown property inside a datatype', { ...patient, name: [{ family: 'X', nickname: 'Y' }] }, 'Patient.name[0].nickname', /HumanName has no element nickname/],
    ['an unknown property inside a backbone element', { ...observation, component: [{ code: { text: 'x' }, colour: 1 }] }, 'Observation.component[0].colour', /Observation.component has no element colour/],
    ['a missing required element', { ...observation, status: undefined }, 'Observation.status', /Missing required property: Observation.status expects a value/],
    ['a missing required element inside a backbone element', { ...observation, component: [{ valueString: 'x' }] }, 'Observation.component[0].code', /Missing required property/],
    ['a single value where an array belongs', { ...patient, name: { family: 'X' } }, 'Patient.name', /Expected an array for Patient.name/],
    ['an array where a single value belongs', { ...patient, gender: ['female'] }, 'Patient.gender', /Expected a single value for Patient.gender/],
    ['an empty array', { ...patient, name: [] }, 'Patient.name', /Invalid empty array/],
    ['null as a value', { ...patient, gender: null }, 'Patient.gender', /Invalid null value/],
    ['null in an array without extensions beside it', { ...patient, name: [{ family: 'X', given: ['A', null] }] }, 'Patient.name[0].given[1]', /Invalid null value in an array/],
    ['a boolean written as a string', { ...patient, active: 'yes' }, 'Patient.active', /Invalid JSON type: expected boolean for a FHIR boolean, found string/],
    ['a string written as a number', { ...patient, gender: 1 }, 'Patient.gender', /Invalid JSON type: expected string/],
    ['a date that is not a date', { ...patient, birthDate: '1955-13-40' }, 'Patient.birthDate', /Invalid date format "1955-13-40": expected a FHIR date/],
    ['a day its month does not have', { ...patient, birthDate: '2023-02-29' }, 'Patient.birthDate', /no such day in the calendar/],
    ['a dateTime with a time but no time zone', { ...observation, effectiveDateTime: '2026-03-01T08:00:00' }, 'Observation.effectiveDateTime', /Invalid dateTime format/],
    ['a decimal written as a string', { ...observation, valueQuantity: { ...observation.valueQuantity, value: '72' } }, 'Observation.valueQuantity.value', /expected number for a FHIR decimal/],
    ['an integer with a fraction', { ...patient, multipleBirthInteger: 1.5 }, 'Patient.multipleBirthInteger', /expected a whole number/],
    ['an unsignedInt below zero', { ...patient, photo: [{ contentType: 'image/png', size: -1 }] }, 'Patient.photo[0].size', /expected a number in the range 0\.\.2147483647/],
    ['a string of whitespace', { ...patient, name: [{ family: '   ' }] }, 'Patient.name[0].family', /expected non-whitespace content/],
    ['a lone surrogate in a string', { ...patient, name: [{ family: 'Nord\ud800mann' }] }, 'Patient.name[0].family', /not valid Unicode text/],
    ['a control character in a string', { ...patient, name: [{ family: 'Te\u0007st' }] }, 'Patient.name[0].family', /control characters/],
    ['a code with inner double spaces', { ...patient, gender: 'fe  male' }, 'Patient.gender', /Invalid code format/],
    ['a choice of a type the element does not allow', { ...observation, valueQuantity: undefined, valueAddress: { city: 'Oslo' } }, 'Observation.valueAddress', /Type Address is not allowed for Observation.value\[x\]/],
    ['too many values', { resourceType: 'Patient', link: [{ other: { reference: 'Patient/a' } }], photo: [{ contentType: 'image/png' }], communication: [{ language: { text: 'no' }, preferred: [true] }] }, 'Patient.communication[0].preferred', /Expected a single value/],
    ['a base64Binary that is not base64', { resourceType: 'Binary', contentType: 'text/plain', data: 'not base64!' }, 'Binary.data', /Invalid base64Binary/],
    ['extensions on a complex element written as a primitive extension', { ...patient, _name: [{ extension: [] }] }, 'Patient.name', /is not a primitive/],
    ['an extension with both a value and extensions (ext-1)', { ...patient, extension: [{ url: 'http://example.org/x', valueString: 'a', extension: [{ url: 'y', valueString: 'b' }] }] }, 'Patient.extension[0]', /Constraint ext-1 not met/],
    ['a period that ends before it starts (per-1, a datatype invariant)', { ...observation, effectiveDateTime: undefined, effectivePeriod: { start: '2026-03-02', end: '2026-03-01' } }, 'Observation.effectivePeriod', /Constraint per-1 not met/],
    ['a required binding inside a datatype (Quantity.comparator)', { ...observation, valueQuantity: { ...observation.valueQuantity, comparator: '~' } }, 'Observation.valueQuantity.comparator', /not in the required value set http:\/\/hl7.org\/fhir\/ValueSet\/quantity-comparator/],
    ['a reference to a type the element does not allow', { ...observation, subject: { reference: 'Medication/m1' } }, 'Observation.subject', /Reference to Medication is not allowed here/],
    ['a contained resource that breaks its own definition', { ...observation, contained: [{ resourceType: 'Patient', id: 'c1', gender: 'sometimes' }] }, 'Observation.contained[0].gender', /not in the required value set/],
    ['a contained resource inside a contained resource (dom-2)', { ...observation, contained: [{ resourceType: 'Patient', id: 'c1', contained: [{ resourceType: 'Patient', id: 'c2' }] }] }, 'Observation', /Constraint dom-2 not met/],
    ['a Bundle entry that breaks FHIR', { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0b1c8e4e-2c6e-4b7f-9a56-33c3ef2ee5f1', resource: { ...patient, active: 'no' } }] }, 'Bundle.entry[0].resource.active', /Invalid JSON type/],
    ['nested questionnaire answers (contentReference) with an unknown property', { resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ linkId: '1', item: [{ linkId: '1.1', answer: [{ valueString: 'ja', score: 1 }] }] }] }, 'QuestionnaireResponse.item[0].item[0].answer[0].score', /Invalid additional property "score"/],
  ];

  test.each(cases)('%s', (_name, resource, expression, message) => {
    const result = validator.check(resource as Resource);
    const found = result.issues.filter((i) => i.severity === 'error' && i.expression?.includes(expression) && message.test(i.details?.text ?? ''));
    expect(found, issuesText(result.issues)).not.toHaveLength(0);
    expect(result.status, issuesText(result.issues)).toBe(400);
  });

  test('the unbroken resources of these cases are valid', () => {
    expectValid(observation);
    expectValid(patient);
  });

  test('what FHIR JSON allows is accepted: primitive extensions, null beside them, nested items, narrative', () => {
    const allowed = {
      ...patient,
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Kari</div>' },
      name: [{ family: 'Testesen', given: ['Kari', null], _given: [null, { extension: [{ url: 'http://example.org/kallenavn', valueString: 'K' }] }] }],
      _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1951-01-02T04:00:00+01:00' }] },
      contained: [{ resourceType: 'Organization', id: 'o1', name: 'Kommune' }],
      managingOrganization: { reference: '#o1' },
      communication: [{ language: { text: 'norsk' }, preferred: true }],
    };
    expectValid(allowed);
    const nested = { resourceType: 'QuestionnaireResponse', status: 'completed', item: [{ linkId: '1', item: [{ linkId: '1.1', answer: [{ valueString: 'ja' }] }] }] };
    expectValid(nested);
  });
});

/**
 * HL7's R4 examples (the hl7.fhir.r4.examples package, installed as hl7.fhir.r4.core) are valid
 * FHIR, a few known errata aside. Every one of them must pass the base rules: a structural check
 * that is too strict shows up here. Claimed profiles are removed (most are not published in R4).
 */
describe('the R4 examples pass the base rules', () => {
  // Errata in the R4 examples, each a real error of the example that the checker finds (Medplum's
  // validator refuses the same ones but the reference types, which it only warns about).
  const ERRATA: [RegExp, RegExp][] = [
    [/^DeviceMetric-example\.json$/, /Reference to DeviceDefinition is not allowed/],
    [/^DeviceUseStatement-example\.json$/, /Reference to Procedure is not allowed/],
    [/^MedicationRequest-medrx0301\.json$/, /Reference to Practitioner is not allowed/],
    [/^Observation-clinical-gender\.json$/, /Reference to Encounter is not allowed/],
    [/^OrganizationAffiliation-orgrole1\.json$/, /Reference to Network is not allowed/],
    [/^Bundle-dataelements\.json$/, /Constraint bdl-7 not met/],
    [/^(Bundle-v2-valuesets|CodeSystem-v2-0550)\.json$/, /Invalid code format "CHEST/],
    [/^(ImplementationGuide-fhir|ig-r4)\.json$/, /Missing required property: ImplementationGuide.name/],
    [/^Questionnaire-qs1\.json$/, /Missing required property: Questionnaire.item.linkId/],
    [/^SearchParameter-(codesystem|valueset)-extensions-/, /Missing required property: SearchParameter.base/],
    [/^StructureDefinition-(Definition|Event|FiveWs|Request)\.json$/, /Constraint sdf-4 not met/],
  ];

  function withoutProfiles(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map(withoutProfiles);
    }
    if (value === null || typeof value !== 'object') {
      return value;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      copy[key] = key === 'meta' && child && typeof child === 'object' ? { ...(child as object), profile: undefined } : withoutProfiles(child);
    }
    return copy;
  }

  test('all of them, errata refused for their documented reason', () => {
    const dir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.core/package.json'));
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'));
    expect(files.length).toBeGreaterThan(5000);
    const unexpected: string[] = [];
    const errataSeen = new Set<RegExp>();
    for (const file of files) {
      const resource = withoutProfiles(JSON.parse(readFileSync(join(dir, file), 'utf8'))) as Resource;
      if (typeof resource.resourceType !== 'string') {
        continue;
      }
      const found = errors(resource);
      const erratum = ERRATA.find(([name]) => name.test(file));
      if (erratum) {
        expect(found.some((i) => erratum[1].test(i.details?.text ?? '')), `${file}\n${issuesText(found)}`).toBe(true);
        errataSeen.add(erratum[0]);
      } else if (found.length) {
        unexpected.push(`${file}\n${issuesText(found)}`);
      }
    }
    expect(unexpected.slice(0, 5).join('\n\n')).toBe('');
    expect(errataSeen.size).toBe(ERRATA.length);
  }, 180_000); // some 2,000 example files: about 25 s alone, far more on a busy machine
});
