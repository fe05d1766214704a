import type { Bundle, BundleEntry, Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { JsonResponse } from '../support/fhir-client.ts';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });

/** Follows next links from `path` and returns every entry. */
async function allPages(path: string): Promise<{ entries: BundleEntry[]; pages: number }> {
  const entries: BundleEntry[] = [];
  let url: string | undefined = path;
  let pages = 0;
  while (url) {
    const res: JsonResponse<Bundle> = await fhir.get<Bundle>(url);
    expect(res.status).toBe(200);
    expect(res.body.type).toBe('history');
    entries.push(...(res.body.entry ?? []));
    url = res.body.link?.find((l) => l.relation === 'next')?.url;
    pages++;
  }
  return { entries, pages };
}

describe('instance history', () => {
  test('lists every version newest first, with request and response of each, including the deletion', async () => {
    const created = await fhir.create(patient('Versjon'));
    await fhir.put(`Patient/${created.id}`, { ...created, gender: 'female' });
    await fhir.put(`Patient/${created.id}`, { ...created, gender: 'male' });
    await fhir.delete(`Patient/${created.id}`);
    const res = await fhir.get<Bundle>(`Patient/${created.id}/_history`);
    expect(res.status).toBe(200);
    const entries = res.body.entry ?? [];
    expect(entries.map((e) => e.request?.method)).toEqual(['DELETE', 'PUT', 'PUT', 'POST']);
    expect(entries.map((e) => e.response?.etag)).toEqual(['W/"4"', 'W/"3"', 'W/"2"', 'W/"1"']);
    expect(entries[0].resource).toBeUndefined();
    expect((entries[1].resource as Patient).gender).toBe('male');
    expect((entries[2].resource as Patient).gender).toBe('female');
    expect(entries[3].response?.status).toBe('201');
    expect(entries.every((e) => e.fullUrl === `${env.server.base}/Patient/${created.id}`)).toBe(true);
    expect(entries.every((e) => e.response?.lastModified)).toBe(true);
  });

  test('history of an id that never existed is 404', async () => {
    expect((await fhir.get('Patient/nobody/_history')).status).toBe(404);
  });
});

describe('type and system history', () => {
  test('type history holds only that type; system history holds all types', async () => {
    const p = await fhir.create(patient('Typehistorikk'));
    const o = await fhir.create({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'puls' },
      subject: { reference: `Patient/${p.id}` },
    });
    const typeHistory = await fhir.get<Bundle>('Patient/_history?_count=1000');
    const typeIds = (typeHistory.body.entry ?? []).map((e) => e.resource?.id);
    expect(typeIds).toContain(p.id);
    expect(typeIds).not.toContain(o.id);
    expect((typeHistory.body.entry ?? []).every((e) => e.fullUrl?.includes('/Patient/'))).toBe(true);
    const systemHistory = await fhir.get<Bundle>('_history?_count=1000');
    const systemIds = (systemHistory.body.entry ?? []).map((e) => e.resource?.id);
    expect(systemIds).toEqual(expect.arrayContaining([p.id, o.id]));
    // Newest first: the observation was written after the patient.
    expect(systemIds.indexOf(o.id)).toBeLessThan(systemIds.indexOf(p.id));
  });

  test('_since keeps only versions written at or after the instant', async () => {
    await fhir.create(patient('FørSince'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const since = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const after = await fhir.create(patient('EtterSince'));
    const res = await fhir.get<Bundle>(`Patient/_history?_since=${encodeURIComponent(since)}`);
    const ids = (res.body.entry ?? []).map((e) => e.resource?.id);
    expect(ids).toEqual([after.id]);
    expect(res.body.link?.find((l) => l.relation === 'self')?.url).toContain('_since=');
  });

  test('_count pages through history with next links; pages stay stable while new versions are written', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await fhir.create({ resourceType: 'Group', type: 'person', actual: true, name: `side ${i}` })).id);
    }
    // Group: a type the server does not write itself (it publishes subscription topics as Basic).
    const first = await fhir.get<Bundle>('Group/_history?_count=3');
    expect(first.body.entry).toHaveLength(3);
    // Writes after the first page must not shift the later pages.
    await fhir.create({ resourceType: 'Group', type: 'person', actual: true, name: 'late' });
    const next = first.body.link?.find((l) => l.relation === 'next')?.url as string;
    const rest = await allPages(next);
    const seen = [...(first.body.entry ?? []), ...rest.entries].map((e) => e.resource?.id);
    expect(seen).toEqual([...ids].reverse());
    expect(rest.pages).toBe(2);
  });

  test('invalid _since, _count and unknown types are 4xx OperationOutcomes', async () => {
    expect((await fhir.get('Patient/_history?_since=yesterday')).status).toBe(400);
    expect((await fhir.get('Patient/_history?_count=lots')).status).toBe(400);
    expect((await fhir.get('NoSuchType/_history')).status).toBe(404);
  });
});
