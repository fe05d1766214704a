import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;

describe('concurrent writers', () => {
  test('of ten updates racing with the same If-Match, exactly one wins and the others get 412', async () => {
    const created = await fhir.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Kappløp' }] });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        fhir.put(`Patient/${created.id}`, { ...created, name: [{ family: `Vinner ${i}` }] }, { 'if-match': 'W/"1"' })
      )
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(9);
    const winner = results.find((r) => r.status === 200)?.body as Patient;
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    expect(read.body.meta?.versionId).toBe('2');
    expect(read.body.name?.[0].family).toBe(winner.name?.[0].family);
  });

  test('concurrent patches without If-Match lose no update: every accepted patch is in the result', async () => {
    // FHIR JSON has no empty arrays, so the list starts with one identifier.
    const created = await fhir.create<Patient>({ resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'seed' }], name: [{ family: 'Mange' }] });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fhir.patch(`Patient/${created.id}`, [{ op: 'add', path: '/identifier/-', value: { system: 'urn:test', value: `v${i}` } }], {
          'content-type': 'application/json-patch+json',
        })
      )
    );
    const accepted = results.filter((r) => r.status === 200);
    // Under heavy contention a writer may be told to retry (409); nothing else is acceptable.
    expect(results.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    const read = await fhir.get<Patient>(`Patient/${created.id}`);
    const values = (read.body.identifier ?? []).map((i) => i.value).sort();
    expect(values).toHaveLength(1 + accepted.length);
    expect(read.body.meta?.versionId).toBe(String(1 + accepted.length));
    const history = await fhir.get(`Patient/${created.id}/_history?_count=100`);
    expect(history.body.entry).toHaveLength(1 + accepted.length);
  });

  test('two concurrent update-as-creates of the same new id make versions 1 and 2, not two version 1s', async () => {
    const body = (family: string): Patient => ({ resourceType: 'Patient', id: 'samtidig', name: [{ family }] });
    const [a, b] = await Promise.all([fhir.put('Patient/samtidig', body('A')), fhir.put('Patient/samtidig', body('B'))]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    const history = await fhir.get('Patient/samtidig/_history');
    expect(history.body.entry.map((e: { response: { etag: string } }) => e.response.etag)).toEqual(['W/"2"', 'W/"1"']);
  });
});
