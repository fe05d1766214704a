import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { keyedObservation, newKey } from './helpers.ts';
import type { Key } from './helpers.ts';

/**
 * `_summary` and `_elements` on read, vread and search: the elements R4 marks as summary (and the
 * mandatory ones), the narrative only, everything but the narrative, or the named elements, each
 * tagged SUBSETTED; without them the stored resource goes out untouched.
 */

const env = useTestServer();
const fhir = env.fhir;
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

let key: Key;
let patient: Patient & { id: string };
let observation: Observation & { id: string };

beforeAll(async () => {
  key = newKey();
  patient = await fhir.create<Patient>({
    resourceType: 'Patient',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Kari Utdrag</div>' },
    identifier: [key.identifier],
    active: true,
    name: [{ family: 'Utdrag', given: ['Kari'] }],
    gender: 'female',
    birthDate: '1944-04-04',
    photo: [{ contentType: 'image/png', data: 'iVBORw0KGgo=' }],
    contact: [{ name: { family: 'Pårørende' } }],
    link: [{ other: { reference: 'Patient/eldre-journal' }, type: 'seealso' }],
  });
  observation = await fhir.create<Observation>(
    keyedObservation(key, {
      subject: { reference: `Patient/${patient.id}` },
      effectiveDateTime: '2026-04-01T10:00:00Z',
      valueQuantity: { value: 5.4, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
      note: [{ text: 'Fastende' }],
      component: [{ code: { text: 'del' }, valueString: 'x', interpretation: [{ text: 'normal' }] }],
    })
  );
});

const keys = (r: object) => Object.keys(r).sort();

describe('_summary', () => {
  test('true: the summary and mandatory elements, down through backbone elements, tagged SUBSETTED', async () => {
    const res = await fhir.get<Patient>(`Patient/${patient.id}?_summary=true`);
    expect(res.status).toBe(200);
    expect(keys(res.body)).toEqual(['active', 'birthDate', 'gender', 'id', 'identifier', 'link', 'meta', 'name', 'resourceType']);
    expect(res.body.link).toEqual(patient.link);
    expect(res.body.meta?.tag).toContainEqual(SUBSETTED);
    const obs = await fhir.get<Observation>(`Observation/${observation.id}?_summary=true`);
    // Choice elements by their typed names; a backbone element keeps only its summary parts.
    expect(keys(obs.body)).toEqual(['code', 'component', 'effectiveDateTime', 'id', 'identifier', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
    expect(obs.body.component).toEqual([{ code: { text: 'del' }, valueString: 'x' }]);
  });

  test('text: the narrative with id and meta; data: all but the narrative', async () => {
    const text = await fhir.get<Patient>(`Patient/${patient.id}?_summary=text`);
    expect(keys(text.body)).toEqual(['id', 'meta', 'resourceType', 'text']);
    const data = await fhir.get<Patient>(`Patient/${patient.id}?_summary=data`);
    expect(data.body.text).toBeUndefined();
    expect(data.body.contact).toEqual(patient.contact);
    expect(data.body.meta?.tag).toContainEqual(SUBSETTED);
  });

  test('false or absent: the resource as stored, untagged', async () => {
    for (const query of ['', '?_summary=false']) {
      const res = await fhir.get<Patient>(`Patient/${patient.id}${query}`);
      expect(res.body).toEqual(patient);
    }
  });
});

describe('_elements', () => {
  test('the named elements (by name or Type.name) with id and meta, on read, vread and search', async () => {
    const read = await fhir.get<Patient>(`Patient/${patient.id}?_elements=name,Patient.birthDate`);
    expect(keys(read.body)).toEqual(['birthDate', 'id', 'meta', 'name', 'resourceType']);
    expect(read.body.meta?.tag).toContainEqual(SUBSETTED);
    const vread = await fhir.get<Patient>(`Patient/${patient.id}/_history/1?_elements=gender`);
    expect(keys(vread.body)).toEqual(['gender', 'id', 'meta', 'resourceType']);
    const search = await fhir.get<Bundle<Observation>>(`Observation?${key.param}&_elements=valueQuantity`);
    expect(search.body.entry?.map((e) => keys(e.resource as object))).toEqual([['code', 'id', 'meta', 'resourceType', 'status', 'valueQuantity']]);
    // Includes follow the whole match: the subject is found though _elements leaves it out.
    const withInclude = await fhir.get<Bundle>(`Observation?${key.param}&_elements=status&_include=Observation:subject`);
    expect(withInclude.body.entry?.map((e) => [e.search?.mode, e.resource?.resourceType])).toEqual([
      ['match', 'Observation'],
      ['include', 'Patient'],
    ]);
    const summarised = await fhir.get<Bundle<Patient>>(`Patient?${key.param}&_summary=true`);
    expect(summarised.body.entry?.[0]?.resource?.photo).toBeUndefined();
    expect(summarised.body.entry?.[0]?.resource?.name).toEqual(patient.name);
  });

  test('a name that is not an element name is a 400 naming _elements', async () => {
    const res = await fhir.get<{ issue: { expression?: string[] }[] }>(`Patient/${patient.id}?_elements=na-me`);
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['_elements']);
  });
});
