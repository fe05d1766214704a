import type { Bundle, Encounter, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

describe('values at the edges', () => {
  test('a birthDate in year 9999 is stored and found; searches at the end of time work', async () => {
    const created = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Framtid' }], birthDate: '9999-12-31' });
    const found = await fhir.get<Bundle>('Patient?birthdate=9999&family=Framtid');
    expect(found.status).toBe(200);
    expect(found.body.entry?.map((e) => e.resource?.id)).toEqual([created.id]);
    expect((await fhir.get('Patient?_lastUpdated=lt9999-12-31')).status).toBe(200);
  });

  test('paging sorted by a date passes rows whose periods are open at either end', async () => {
    const open = [
      { period: { end: '2020-01-01' } },
      { period: { start: '2020-01-01' } },
      { period: { start: '2019-06-01', end: '2019-07-01' } },
    ].map((p) => ({ resourceType: 'Encounter', status: 'finished', class: { code: 'VR' }, identifier: [{ system: 'urn:kanttest', value: 'x' }], ...p }) as Encounter);
    const ids = [];
    for (const e of open) {
      ids.push((await fhir.create(e)).id);
    }
    const seen: string[] = [];
    let url: string | undefined = 'Encounter?identifier=urn:kanttest|x&_sort=date&_count=1';
    while (url) {
      const page: { status: number; body: Bundle } = await fhir.get<Bundle>(url);
      expect(page.status).toBe(200);
      seen.push(...(page.body.entry ?? []).map((e) => e.resource?.id as string));
      url = page.body.link?.find((l) => l.relation === 'next')?.url;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Ascending by the start of each period: the one open at its start comes first.
    expect(seen[0]).toBe(ids[0]);
  });

  test('NUL and lone surrogates are 400s, not server errors', async () => {
    const nul = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Nul\u0000l' }] });
    expect(nul.status).toBe(400);
    const surrogate = await fhir.post('Patient', '{"resourceType":"Patient","name":[{"family":"Nord\\ud800mann"}]}');
    expect(surrogate.status).toBe(400);
    expect((await fhir.get('Patient?family=a%00b')).status).toBe(400);
  });

  test('a malformed If-Match is refused instead of ignored', async () => {
    const created = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Etag' }] });
    await fhir.put(`Patient/${created.id}`, { ...created, gender: 'male' });
    const res = await fhir.put(`Patient/${created.id}`, { ...created, gender: 'female' }, { 'if-match': '1' });
    expect(res.status).toBe(400);
    expect((await fhir.get<Patient>(`Patient/${created.id}`)).body.gender).toBe('male');
  });

  test('a transaction posted with a query string is still all or nothing', async () => {
    const res = await fhir.post('?_format=json', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', name: [{ family: 'Spørring' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 'nan' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(res.status).toBe(400);
    const count = await fhir.get('Patient?family:exact=Spørring&_summary=count');
    expect(count.body.total).toBe(0);
  });
});
