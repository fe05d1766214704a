import type { Address, Bundle, DetectedIssue, Encounter, MedicationDispense, Observation, OperationOutcome, Patient, SearchParameter } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import type { ReindexJob } from '../../server/store/reindex/jobs.ts';
import { useTestServer } from '../support/server.ts';
import { syntheticFnr } from '../support/identities.ts';
import { matchIds, newKey, Searcher } from './helpers.ts';
import type { Key } from './helpers.ts';

/**
 * Search parameters defined by FHIRPath in SearchParameter resources: the welfare-technology ones
 * authored in FSH (profiles/search) and ones created at run time, whose rows for existing data a
 * re-index job builds while the server goes on serving.
 */

// A job starts 2 × SYNC_MS after its definition: long enough to see the first searches warn.
const SYNC_MS = 1000;
const env = useTestServer({ searchParamSyncMs: SYNC_MS });
const search = new Searcher(env.fhir);
const KP = 'https://knutepunkt.dev/fhir/StructureDefinition';
const ALERT = 'http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090';
const KOMMUNE = 'https://register.geonorge.no/subregister/sosi-kodelister/kartverket/kommunenummer-alle';

let key: Key;

const admin = {
  jobs: async (): Promise<ReindexJob[]> => {
    const res = await env.fhir.get<ReindexJob[]>(`${env.server.root}/admin/reindex-jobs`);
    expect(res.status, res.text).toBe(200);
    return res.body;
  },
};

/** Waits until every re-index job is done, and returns the newest. */
async function jobsDone(timeoutMs = 20_000): Promise<ReindexJob[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = await admin.jobs();
    if (jobs.every((j) => j.state === 'done' || j.state === 'failed')) {
      expect(jobs.filter((j) => j.state === 'failed')).toEqual([]);
      return jobs;
    }
    if (Date.now() > until) {
      throw new Error(`re-index jobs not done: ${JSON.stringify(jobs)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function outcomes(bundle: Bundle): OperationOutcome[] {
  return (bundle.entry ?? []).filter((e) => e.search?.mode === 'outcome').map((e) => e.resource as OperationOutcome);
}

/** An address whose district carries its kommunenummer (on the primitive's `_district`, which the types leave out). */
function withDistrictCode(city: string, url: string, code: string): Address {
  return { city, district: city, _district: { extension: [{ url, valueCoding: { system: KOMMUNE, code } }] } } as Address;
}

function patient(extra: Partial<Patient>): Patient {
  return { resourceType: 'Patient', identifier: [key.identifier], ...extra };
}

function definition(code: string, expression: string, extra: Partial<SearchParameter> = {}): SearchParameter {
  return {
    resourceType: 'SearchParameter',
    url: `https://example.org/fhir/SearchParameter/${code}-${key.key.slice(0, 8)}`,
    name: code,
    status: 'active',
    description: 'A parameter made by the test',
    code,
    base: ['Patient'],
    type: 'string',
    expression,
    ...extra,
  };
}

beforeAll(() => {
  key = newKey();
});

describe('the welfare-technology parameters authored in FSH', () => {
  test('are published as SearchParameter resources and listed in the CapabilityStatement', async () => {
    const found = await env.fhir.get<Bundle<SearchParameter>>('SearchParameter?url=https://knutepunkt.dev/fhir/SearchParameter/wt-device-serial');
    expect(found.status, found.text).toBe(200);
    expect(found.body.entry?.[0]?.resource?.code).toBe('device-serial');
    const capability = await env.fhir.get('metadata');
    const patientParams = capability.body.rest[0].resource.find((r: { type: string }) => r.type === 'Patient').searchParam as { name: string; definition: string }[];
    expect(patientParams).toContainEqual(expect.objectContaining({ name: 'zone', definition: 'https://knutepunkt.dev/fhir/SearchParameter/wt-zone' }));
  });

  test('alert-code follows the VKP alert code hierarchy', async () => {
    const issue = (code: string): DetectedIssue => ({ resourceType: 'DetectedIssue', status: 'final', identifier: [key.identifier], code: { coding: [{ system: ALERT, code }] } });
    const notDispensed = await env.fhir.create(issue('1.1'));
    const fall = await env.fhir.create(issue('4.1'));
    expect(await search.ids('DetectedIssue', `${key.param}&alert-code:below=${ALERT}|1`)).toEqual([notDispensed.id]);
    expect(await search.ids('DetectedIssue', `${key.param}&alert-code=${ALERT}|4.1`)).toEqual([fall.id]);
    expect((await search.ids('DetectedIssue', `${key.param}&alert-code:not=${ALERT}|4.1`)).sort()).toEqual([notDispensed.id]);
  });

  test('zone, municipality and device-serial read the extensions', async () => {
    const kampen = await env.fhir.create(
      patient({
        extension: [{ url: `${KP}/wt-zone`, valueString: 'Oslo|Gamle Oslo|Øst|Kampen' }],
        address: [withDistrictCode('Oslo', `${KP}/no-municipality-code`, '0301')],
      })
    );
    const bodo = await env.fhir.create(
      patient({
        extension: [{ url: `${KP}/wt-zone`, valueString: 'Bodø|Sentrum' }],
        address: [withDistrictCode('Bodø', 'http://hl7.no/fhir/StructureDefinition/no-basis-municipalitycode', '1804')],
      })
    );
    expect(await search.ids('Patient', `${key.param}&zone=${encodeURIComponent('oslo|gamle')}`)).toEqual([kampen.id]);
    expect(await search.ids('Patient', `${key.param}&zone:exact=${encodeURIComponent('Bodø|Sentrum')}`)).toEqual([bodo.id]);
    expect(await search.ids('Patient', `${key.param}&municipality=${KOMMUNE}|0301`)).toEqual([kampen.id]);
    expect(await search.ids('Patient', `${key.param}&municipality=1804`)).toEqual([bodo.id]);

    const supervision = await env.fhir.create<Encounter>({
      resourceType: 'Encounter',
      status: 'finished',
      identifier: [key.identifier],
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
      participant: [{ extension: [{ url: `${KP}/wt-encounter-device`, extension: [{ url: 'deviceIdentifier', valueIdentifier: { system: 'urn:example:serial', value: 'CAM-77' } }, { url: 'display', valueString: 'Camera' }] }] }],
    });
    const dispense = await env.fhir.create<MedicationDispense>({
      resourceType: 'MedicationDispense',
      status: 'completed',
      identifier: [key.identifier],
      medicationCodeableConcept: { text: 'Dose' },
      extension: [{ url: `${KP}/wt-dispense-device`, extension: [{ url: 'identifier', valueString: 'SN-4411' }, { url: 'displayName', valueString: 'Dispenser' }, { url: 'type', valueString: 'Pill dispenser' }] }],
    });
    expect(await search.ids('Encounter', `${key.param}&device-serial=urn:example:serial|CAM-77`)).toEqual([supervision.id]);
    expect(await search.ids('Encounter', `${key.param}&device-serial=CAM-77`)).toEqual([supervision.id]);
    expect(await search.ids('MedicationDispense', `${key.param}&device-serial=SN-4411`)).toEqual([dispense.id]);
    expect(await search.ids('MedicationDispense', `${key.param}&device-serial=CAM-77`)).toEqual([]);
  });

  test('journaling-status finds what is still to be journaled', async () => {
    const observation = (): Observation => ({ resourceType: 'Observation', status: 'final', identifier: [key.identifier], code: { text: 'Puls' } });
    const done = await env.fhir.create(observation());
    const waiting = await env.fhir.create(observation());
    const ack = await env.fhir.post(`Observation/${done.id}/$journaling-acknowledged`, undefined);
    expect(ack.status, ack.text).toBeLessThan(300);
    expect(await search.ids('Observation', `${key.param}&journaling-status=journaled`)).toEqual([done.id]);
    expect(await search.ids('Observation', `${key.param}&journaling-status:missing=true`)).toEqual([waiting.id]);
  });
});

describe('a SearchParameter created at run time', () => {
  test('indexes what is written from then on, and what was stored before by a re-index job with progress', async () => {
    const before = await env.fhir.create(patient({ name: [{ use: 'nickname', given: ['Kalle'] }, { family: 'Karlsen' }] }));
    const other = await env.fhir.create(patient({ name: [{ use: 'official', given: ['Kalle'] }] }));
    const container = await env.fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Puls' },
      contained: [patient({ id: 'p1', name: [{ use: 'nickname', given: ['Kalvin'] }] })],
      subject: { reference: '#p1' },
    });
    const created = await env.fhir.post<SearchParameter>('SearchParameter', definition('nickname', "Patient.name.where(use = 'nickname').given"));
    expect(created.status, created.text).toBe(201);

    // The job waits until every process indexes the parameter on write: the first answers warn.
    const early = await search.get('Patient', `${key.param}&nickname=kal`);
    expect(early.status, early.text).toBe(200);
    expect(outcomes(early.body)[0]?.issue[0]).toMatchObject({ severity: 'warning', code: 'incomplete' });
    expect(outcomes(early.body)[0]?.issue[0].details?.text).toContain('nickname');

    // The warning is the search client's: conditional writes, searching by the same means, still
    // see one match as one match (and no OperationOutcome as a resource).
    const only = { system: 'urn:kp:custom-param-conditional', value: key.key };
    const conditional = await env.fhir.put<Patient>(`Patient?identifier=${only.system}|${only.value}`, { resourceType: 'Patient', identifier: [only] });
    expect(conditional.status, conditional.text).toBe(201);
    const again = await env.fhir.put<Patient>(`Patient?identifier=${only.system}|${only.value}`, { resourceType: 'Patient', identifier: [only], active: true });
    expect(again.status, again.text).toBe(200);
    expect(again.body.id).toBe(conditional.body.id);

    const after = await env.fhir.create(patient({ name: [{ use: 'nickname', given: ['Kalla'] }] }));
    expect(await search.ids('Patient', `${key.param}&nickname=kal`)).toContain(after.id);

    const jobs = await jobsDone();
    const job = jobs.find((j) => j.reason.startsWith('search parameter'));
    expect(job).toMatchObject({ state: 'done', percent: 100, resourceTypes: ['Patient'] });
    expect(job?.processed).toBeGreaterThanOrEqual(3);
    expect(job?.total).toBe(job?.processed);

    const done = await search.get('Patient', `${key.param}&nickname=kal&_sort=nickname`);
    expect(outcomes(done.body)).toEqual([]);
    expect(matchIds(done.body).sort()).toEqual([before.id, after.id].sort());
    expect(matchIds(done.body)).not.toContain(other.id);
    // Contained resources are indexed by the job too (their rows belong to the container).
    const contained = await search.get('Patient', `${key.param}&nickname=kalvin&_contained=true&_containedType=contained`);
    expect(contained.body.entry?.map((e) => e.fullUrl)).toEqual([`${env.server.base}/Observation/${container.id}#p1`]);
    const missing = await search.ids('Patient', `${key.param}&nickname:missing=true&_count=100`);
    expect(missing).toContain(other.id);
    expect(missing).not.toContain(before.id);
  });

  test('a changed expression is indexed again, and a deleted parameter is gone with its rows', async () => {
    const stored = await env.fhir.create(patient({ birthDate: '1944-05-17', gender: 'female' }));
    const made = await env.fhir.create<SearchParameter>(definition('born', 'Patient.birthDate', { type: 'date' }));
    await jobsDone();
    expect(await search.ids('Patient', `${key.param}&born=1944`)).toEqual([stored.id]);

    const changed = await env.fhir.put<SearchParameter>(`SearchParameter/${made.id}`, { ...made, type: 'token', expression: 'Patient.gender' });
    expect(changed.status, changed.text).toBe(200);
    await jobsDone();
    expect(await search.ids('Patient', `${key.param}&born=female`)).toEqual([stored.id]);
    const rows = await env.server.database.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM idx_date d JOIN search_param p ON p.id = d.param WHERE p.code = 'born'"
    );
    expect(Number(rows[0].n)).toBe(0); // the date rows of the old definition are gone

    expect((await env.fhir.delete(`SearchParameter/${made.id}`)).status).toBe(200);
    const unknown = await search.get('Patient', `${key.param}&born=female`);
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('born');
    await jobsDone();
    const left = await env.server.database.db.query<{ n: string }>(
      "SELECT count(*) AS n FROM idx_token t JOIN search_param p ON p.id = t.param WHERE p.code = 'born'"
    );
    expect(Number(left[0].n)).toBe(0);
  });

  test('writes during a re-index end with the rows of their own version', async () => {
    const patients = await Promise.all(
      Array.from({ length: 40 }, (_, i) => env.fhir.create(patient({ identifier: [key.identifier, { system: 'urn:oid:2.16.578.1.12.4.1.4.1', value: syntheticFnr(i + 100) }], name: [{ text: `first-${i}` }] })))
    );
    const made = await env.fhir.create<SearchParameter>(definition('label', 'Patient.name.text'));
    // Changed while the job is waiting or running: each ends with its new text only.
    await Promise.all(patients.slice(0, 20).map((p) => env.fhir.put(`Patient/${p.id}`, { ...p, name: [{ text: `second-${p.id}` }] })));
    await jobsDone();
    expect(await search.ids('Patient', `${key.param}&label=first&_count=100`)).toHaveLength(20);
    expect(await search.ids('Patient', `${key.param}&label=second&_count=100`)).toHaveLength(20);
    expect((await env.fhir.delete(`SearchParameter/${made.id}`)).status).toBe(200);
  });

  test('bad definitions are refused (422) with the element named, and nothing is stored', async () => {
    const cases: [Partial<SearchParameter>, string][] = [
      [{ expression: 'Patient.name.where(' }, 'SearchParameter.expression'],
      [{ code: 'name' }, 'SearchParameter.code'],
      [{ code: '_secret' }, 'SearchParameter.code'],
      [{ type: 'composite' }, 'SearchParameter.type'],
      [{ base: ['Resource'] as unknown as SearchParameter['base'] }, 'SearchParameter.base'],
      [{ type: 'reference', expression: 'Patient.generalPractitioner' }, 'SearchParameter.target'],
    ];
    for (const [change, element] of cases) {
      const res = await env.fhir.post<OperationOutcome>('SearchParameter', definition('refused', 'Patient.name.family', change));
      expect(res.status, JSON.stringify(change)).toBe(422);
      expect(res.body.issue.some((i) => i.expression?.includes(element)), `${JSON.stringify(change)}: ${res.text}`).toBe(true);
    }
    const stored = await env.fhir.get<Bundle>(`SearchParameter?url=${definition('refused', '').url}`);
    expect(stored.body.entry ?? []).toEqual([]);
    expect((await search.get('Patient', 'refused=x')).status).toBe(400);
  });
});

describe('re-index jobs for operators', () => {
  test('an administrator starts one for a type and follows it to the end', async () => {
    const res = await env.fhir.post<ReindexJob>(`${env.server.root}/admin/reindex-jobs`, { resourceTypes: ['Patient'] }, { 'content-type': 'application/json' });
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`/admin/reindex-jobs/${res.body.id}`);
    await jobsDone();
    const job = await env.fhir.get<ReindexJob>(`${env.server.root}/admin/reindex-jobs/${res.body.id}`);
    expect(job.body).toMatchObject({ state: 'done', percent: 100, reason: 'requested by an administrator' });
    expect(job.body.total).toBeGreaterThan(40);
    // Every row was rebuilt: the searches still answer as before.
    expect(await search.ids('Patient', `${key.param}&zone=Oslo`)).toHaveLength(1);
    const bad = await env.fhir.post<OperationOutcome>(`${env.server.root}/admin/reindex-jobs`, { resourceTypes: ['Nonsense'] }, { 'content-type': 'application/json' });
    expect(bad.status).toBe(400);
    expect((await env.fhir.get(`${env.server.root}/admin/reindex-jobs/999999`)).status).toBe(404);
  });
});
