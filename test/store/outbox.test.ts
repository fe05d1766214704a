import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { beforeEach, describe, expect, test } from 'vitest';
import { Outbox } from '../../server/store/outbox.ts';
import { useTestServer } from '../support/server.ts';

const env = useTestServer();
const fhir = env.fhir;
let outbox: Outbox;

/** Empties the outbox so each test sees only the events of its own writes. */
beforeEach(async () => {
  outbox = new Outbox(env.server.services.db);
  await env.server.services.db.query('DELETE FROM outbox');
});

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });

describe('transactional outbox: one event per committed version, none for what is rolled back', () => {
  test('create, update and delete leave three events in version order, each with its own version', async () => {
    const created = await fhir.create(patient('Utboks'));
    expect((await fhir.put(`Patient/${created.id}`, { ...created, name: [{ family: 'Utboks 2' }] })).status).toBe(200);
    expect((await fhir.delete(`Patient/${created.id}`)).status).toBe(200);
    const events = await outbox.claim(100, 60_000);
    expect(events.map((e) => [e.resourceType, e.id, e.version, e.deleted])).toEqual([
      ['Patient', created.id, 1, false],
      ['Patient', created.id, 2, false],
      ['Patient', created.id, 3, true],
    ]);
    expect((JSON.parse(events[0].content as string) as Patient).name?.[0].family).toBe('Utboks');
    expect((JSON.parse(events[1].content as string) as Patient).name?.[0].family).toBe('Utboks 2');
    expect(events[2].content).toBeUndefined();
    expect(events.every((e) => e.tenant === 'default' && !Number.isNaN(Date.parse(e.committedAt)))).toBe(true);
  });

  test('a transaction Bundle leaves one event per entry; a refused one leaves none', async () => {
    const entries = (extra: object[] = []): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:8a3c2a4e-53c4-4c55-9f0e-1d8a5d0a0a01', resource: patient('Transaksjon'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient('Transaksjon 2'), request: { method: 'POST', url: 'Patient' } },
        ...extra,
      ],
    } as Bundle);
    expect((await fhir.post('', entries())).status).toBe(200);
    expect((await outbox.claim(100, 60_000)).map((e) => e.version)).toEqual([1, 1]);

    const invalid: Observation = { resourceType: 'Observation' } as Observation; // no status, no code
    const refused = await fhir.post('', entries([{ resource: invalid, request: { method: 'POST', url: 'Observation' } }]));
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await outbox.claim(100, 60_000)).toEqual([]);
    expect(await outbox.backlog()).toBe(2);
  });

  test('a database transaction that fails after its versions were written leaves no event', async () => {
    const { store } = env.server.services;
    await expect(
      store.transaction(async (tx) => {
        await tx.writeResource('default', { ...patient('Rullet tilbake'), id: 'rolled-back', meta: { versionId: '1', lastUpdated: new Date().toISOString() } }, 1, 'PUT');
        // A read flushes the pending write to the database inside the transaction…
        expect(await tx.readCurrent('default', 'Patient', 'rolled-back')).toBeDefined();
        // …and then the transaction fails.
        throw new Error('fails after the write');
      }),
    ).rejects.toThrow('fails after the write');
    expect(await outbox.backlog()).toBe(0);
    expect((await fhir.get('Patient/rolled-back')).status).toBe(404);
  });
});

describe('leases', () => {
  test('two relays claiming at once get disjoint events; acknowledged ones are gone', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => fhir.create(patient(`Lease ${i}`))));
    const [a, b] = await Promise.all([outbox.claim(12, 60_000), outbox.claim(12, 60_000)]);
    const seqs = [...a, ...b].map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toHaveLength(20);
    expect(await outbox.claim(10, 60_000)).toEqual([]);
    await outbox.acknowledge(seqs);
    expect(await outbox.backlog()).toBe(0);
  });

  test('an event whose lease ran out (a relay crashed before acknowledging) is claimed again', async () => {
    const created = await fhir.create(patient('Krasj'));
    const first = await outbox.claim(10, 100);
    expect(first.map((e) => e.id)).toEqual([created.id]);
    expect(await outbox.claim(10, 100)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = await outbox.claim(10, 60_000);
    expect(again.map((e) => e.seq)).toEqual(first.map((e) => e.seq));
  });

  test('a released event is available at once', async () => {
    await fhir.create(patient('Frigitt'));
    const held = await outbox.claim(10, 60_000);
    await outbox.release(held.map((e) => e.seq));
    expect((await outbox.claim(10, 60_000)).map((e) => e.seq)).toEqual(held.map((e) => e.seq));
  });
});
