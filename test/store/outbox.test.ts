import type { Bundle, Observation, Patient } from '@medplum/fhirtypes';
import { beforeEach, describe, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import type { OutboxEvent } from '../../server/store/outbox.ts';
import { outboxBacklog, takeOutboxEvents } from '../../server/store/outbox.ts';
import { useTestServer } from '../support/server.ts';

// No relay here: these tests take the events themselves.
const env = useTestServer({ subscriptions: { ...loadConfig({}).subscriptions, relay: false } });
const fhir = env.fhir;

/** Empties the outbox so each test sees only the events of its own writes. */
beforeEach(async () => {
  await env.server.services.db.query('DELETE FROM outbox');
});

/** Takes events in a transaction that commits, as the relay does. */
function take(limit: number): Promise<OutboxEvent[]> {
  return env.server.services.db.transaction((tx) => takeOutboxEvents(tx, limit));
}

const backlog = (): Promise<number> => outboxBacklog(env.server.services.db);

const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });

describe('transactional outbox: one event per committed version, none for what is rolled back', () => {
  test('create, update and delete leave three events in version order, each with its own version', async () => {
    const created = await fhir.create(patient('Utboks'));
    expect((await fhir.put(`Patient/${created.id}`, { ...created, name: [{ family: 'Utboks 2' }] })).status).toBe(200);
    expect((await fhir.delete(`Patient/${created.id}`)).status).toBe(200);
    const events = await take(100);
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
    expect((await take(100)).map((e) => e.version)).toEqual([1, 1]);

    const invalid: Observation = { resourceType: 'Observation' } as Observation; // no status, no code
    const refused = await fhir.post('', entries([{ resource: invalid, request: { method: 'POST', url: 'Observation' } }]));
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(await take(100)).toEqual([]);
    expect(await backlog()).toBe(0);
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
    expect(await backlog()).toBe(0);
    expect((await fhir.get('Patient/rolled-back')).status).toBe(404);
  });
});

describe('taking events', () => {
  test('events taken by a transaction that rolls back are taken again, in the same order', async () => {
    const created = await fhir.create(patient('Krasj'));
    await fhir.put(`Patient/${created.id}`, { ...created, name: [{ family: 'Krasj 2' }] });
    await expect(
      env.server.services.db.transaction(async (tx) => {
        expect((await takeOutboxEvents(tx, 10)).map((e) => e.version)).toEqual([1, 2]);
        throw new Error('the relay crashed before committing');
      })
    ).rejects.toThrow('the relay crashed');
    expect(await backlog()).toBe(2);
    const again = await take(10);
    expect(again.map((e) => [e.id, e.version])).toEqual([[created.id, 1], [created.id, 2]]);
    expect(await backlog()).toBe(0);
  });

  test('a limit takes the oldest events first and leaves the rest', async () => {
    for (let i = 0; i < 5; i++) {
      await fhir.create(patient(`Grense ${i}`));
    }
    const first = await take(3);
    const rest = await take(10);
    expect(first).toHaveLength(3);
    expect(rest).toHaveLength(2);
    expect(Math.max(...first.map((e) => e.seq))).toBeLessThan(Math.min(...rest.map((e) => e.seq)));
  });

  test('a deletion carries the version it deleted; a resource brought back is marked as such', async () => {
    const created = await fhir.create(patient('Slettet'));
    await fhir.delete(`Patient/${created.id}`);
    await fhir.put(`Patient/${created.id}`, { ...created, name: [{ family: 'Tilbake' }] });
    const [, deletion, revived] = await take(10);
    expect(deletion.deleted).toBe(true);
    expect((JSON.parse(deletion.previousContent as string) as Patient).name?.[0].family).toBe('Slettet');
    expect(revived.previousDeleted).toBe(true);
    expect(revived.previousContent).toBeUndefined();
  });
});
