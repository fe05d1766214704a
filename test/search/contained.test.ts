import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';
import { enc, link, newKey, Searcher } from './helpers.ts';

const env = useTestServer();
const fhir = env.fhir;
const search = new Searcher(fhir);

/** Full URLs of the match entries, relative to the FHIR base, from GET and POST _search alike (asserted equal). */
async function entries(type: string, query: string): Promise<string[]> {
  const [viaGet, viaPost] = await Promise.all([search.get(type, query), search.post(type, query)]);
  expect(viaGet.status, `GET ${type}?${query}: ${viaGet.text}`).toBe(200);
  expect(viaPost.status, `POST ${type}/_search ${query}: ${viaPost.text}`).toBe(200);
  const urls = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => (e.fullUrl as string).slice(env.server.base.length + 1));
  expect([...urls(viaPost.body)].sort()).toEqual([...urls(viaGet.body)].sort());
  return urls(viaGet.body);
}

describe('_contained and _containedType', () => {
  const k = newKey();
  let top: Patient & { id: string };
  let a: Observation & { id: string };
  let b: Observation & { id: string };
  const patient = (id: string, family: string, gender: Patient['gender']): Patient => ({ resourceType: 'Patient', id, identifier: [k.identifier], name: [{ family }], gender });

  beforeAll(async () => {
    top = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [k.identifier], name: [{ family: 'Taylor' }], gender: 'male' });
    // a: Taylor (male) and Smith (female) in one container; b: Taylor (female).
    a = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Puls' },
      contained: [patient('p1', 'Taylor', 'male'), patient('p2', 'Smith', 'female')],
      subject: { reference: '#p1' },
      performer: [{ reference: '#p2' }],
    });
    b = await fhir.create<Observation>({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Vekt' },
      contained: [{ ...patient('p1', 'Taylor', 'female'), text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Kari Taylor, Bodø</div>' } }],
      subject: { reference: '#p1' },
    });
  });

  test('by default, and with _contained=false, only top-level resources are searched', async () => {
    expect(await entries('Patient', `${k.param}&name=taylor`)).toEqual([`Patient/${top.id}`]);
    expect(await entries('Patient', `${k.param}&name=taylor&_contained=false`)).toEqual([`Patient/${top.id}`]);
    // The contained rows change no count of top-level resources.
    const count = await search.get('Patient', `${k.param}&_summary=count`);
    expect(count.body.total).toBe(1);
    // Nor the container's own parameters: its subject is a contained reference.
    expect(await entries('Observation', `_id=${a.id}&subject:missing=false`)).toEqual([]);
  });

  test('_contained=true finds contained resources and answers with their containers', async () => {
    expect((await entries('Patient', `${k.param}&name=taylor&_contained=true`)).sort()).toEqual([`Observation/${a.id}`, `Observation/${b.id}`].sort());
    expect(await entries('Patient', `${k.param}&name=smith&_contained=true`)).toEqual([`Observation/${a.id}`]);
    expect(await entries('Patient', `${k.param}&_contained=true&_id=p2`)).toEqual([`Observation/${a.id}`]);
    expect(await entries('Patient', `${k.param}&_contained=true&_text=${enc('kari bodø')}`)).toEqual([`Observation/${b.id}`]);
    expect(await entries('Patient', `${k.param}&_contained=true&_content=smith`)).toEqual([`Observation/${a.id}`]);
    expect(await entries('Patient', `${k.param}&_contained=true&name=nobody`)).toEqual([]);
    // Every condition must hold in one contained resource: a has a Taylor and a female, not a female Taylor.
    expect(await entries('Patient', `${k.param}&name=taylor&gender=female&_contained=true`)).toEqual([`Observation/${b.id}`]);
    expect(await entries('Patient', `${k.param}&name=taylor&gender:not=male&_contained=true`)).toEqual([`Observation/${b.id}`]);
    // A negation is about one contained resource too: a's Smith is not male, though its Taylor is.
    expect((await entries('Patient', `${k.param}&gender:not=male&_contained=true`)).sort()).toEqual([`Observation/${a.id}`, `Observation/${b.id}`].sort());
    expect(await entries('Patient', `${k.param}&gender:not=male&_contained=true&_containedType=contained`)).toEqual(expect.arrayContaining([`Observation/${a.id}#p2`, `Observation/${b.id}#p1`]));
    expect(await entries('Patient', `${k.param}&_contained=true&_id:not=p1`)).toEqual([`Observation/${a.id}`]);
  });

  test('_containedType=contained answers with the contained resources themselves', async () => {
    const got = await entries('Patient', `${k.param}&name=taylor&_contained=true&_containedType=contained`);
    expect(got.sort()).toEqual([`Observation/${a.id}#p1`, `Observation/${b.id}#p1`].sort());
    const bundle = await search.get('Patient', `${k.param}&name=smith&_contained=true&_containedType=contained`);
    expect(bundle.body.entry?.map((e) => e.resource)).toEqual([patient('p2', 'Smith', 'female')]);
    expect(await entries('Patient', `${k.param}&name=taylor&gender=female&_contained=true&_containedType=contained`)).toEqual([`Observation/${b.id}#p1`]);
  });

  test('_contained=both: top-level resources and contained ones', async () => {
    expect((await entries('Patient', `${k.param}&name=taylor&_contained=both`)).sort()).toEqual([`Patient/${top.id}`, `Observation/${a.id}`, `Observation/${b.id}`].sort());
    expect((await entries('Patient', `${k.param}&gender=male&_contained=both&_containedType=contained`)).sort()).toEqual([`Patient/${top.id}`, `Observation/${a.id}#p1`].sort());
  });

  test('pages follow the containers, and the links keep _contained', async () => {
    const first = await search.get('Patient', `${k.param}&name=taylor&_contained=true&_count=1`);
    expect(first.status).toBe(200);
    const next = link(first.body, 'next');
    expect(next).toMatch(/_contained=true/);
    const second = await fhir.get<Bundle>((next as string).slice(env.server.base.length + 1));
    const seen = [...(first.body.entry ?? []), ...(second.body.entry ?? [])].map((e) => e.fullUrl?.slice(env.server.base.length + 1));
    expect(seen.sort()).toEqual([`Observation/${a.id}`, `Observation/${b.id}`].sort());
  });

  test('an update that removes a contained resource takes it out of search', async () => {
    const c = await fhir.create<Observation>({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, contained: [patient('p9', 'Nordmann', 'other')], subject: { reference: '#p9' } });
    expect(await entries('Patient', `${k.param}&name=nordmann&_contained=true`)).toEqual([`Observation/${c.id}`]);
    const updated = await fhir.request('PUT', `Observation/${c.id}`, { resourceType: 'Observation', id: c.id, status: 'final', code: { text: 'x' } });
    expect(updated.status).toBe(200);
    expect(await entries('Patient', `${k.param}&name=nordmann&_contained=true`)).toEqual([]);
  });

  test('bad values, and what a search of contained resources cannot be combined with, are a 400 naming the parameter', async () => {
    expect(await search.expect400('Patient', '_contained=maybe')).toMatch(/_contained must be true, false or both/);
    expect(await search.expect400('Patient', '_contained=true&_contained=false')).toMatch(/_contained may be given once/);
    expect(await search.expect400('Patient', '_containedType=all')).toMatch(/_containedType must be container or contained/);
    expect(await search.expect400('Patient', '_contained=true&_sort=name')).toMatch(/_sort is not offered/);
    expect(await search.expect400('Patient', '_contained=true&_summary=count')).toMatch(/_total=accurate/);
    expect(await search.expect400('Patient', '_contained=true&_include=Patient:organization')).toMatch(/_include is not offered/);
    expect(await search.expect400('Patient', `_contained=both&organization.name=x`)).toMatch(/organization\.name.*chains and _has are not offered/);
    const outcome = (await search.get('Patient', '_contained=maybe')).body as unknown as { issue: { expression?: string[] }[] };
    expect(outcome.issue[0].expression).toEqual(['_contained']);
  });
});
