import { randomBytes } from 'node:crypto';
import type { Bundle, Observation, Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifySignature } from '../../subscriptions/signing.ts';
import { INTERACTION_EXTENSION, SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { TestReceiver } from '../support/receiver.ts';
import { fastDeliverySettings, TEST_REDIS_URL, waitForSubscriptionStatus } from '../support/subscriptions.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Rest-hook delivery end to end: a real server writes, its relay matches, a queue (in-process, or
 * BullMQ on a real Redis) carries the job, and a real HTTP receiver on loopback answers. Each
 * transport runs the same cases.
 */

const LOINC = 'http://loinc.org';

const observation = (code: string, value = 72): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code }] },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

describe.each([
  ['in-process queue', undefined],
  ['BullMQ on Redis', TEST_REDIS_URL],
])('rest-hook delivery through the %s', (_name, redisUrl) => {
  let server: TestServer;
  let fhir: FhirClient;
  let receiver: TestReceiver;

  beforeAll(async () => {
    server = await startTestServer(fastDeliverySettings(redisUrl));
    fhir = new FhirClient(server.base);
    receiver = await new TestReceiver().start();
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
  });

  /** Creates a subscription and waits until the server has activated it. */
  async function subscribe(criteria: string, options: { payload?: boolean; interactions?: string[]; path?: string } = {}) {
    const secret = randomBytes(32).toString('base64url');
    const created = await fhir.create<Subscription>({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'test',
      criteria,
      extension: [
        { url: SECRET_EXTENSION, valueString: secret },
        ...(options.interactions ?? []).map((code) => ({ url: INTERACTION_EXTENSION, valueCode: code })),
      ],
      channel: {
        type: 'rest-hook',
        endpoint: `${receiver.url}${options.path ?? '/hook'}`,
        payload: options.payload === false ? undefined : 'application/fhir+json',
        header: ['Authorization: Bearer epj-token'],
      },
    });
    await waitForSubscriptionStatus(fhir, created.id, 'active');
    return { id: created.id, secret };
  }

  test('requested becomes active; a matching write is delivered once, signed; a non-matching one is not', async () => {
    const sub = await subscribe(`Observation?code=${LOINC}|8867-4`, { path: '/fhir' });
    const matching = await fhir.create(observation('8867-4'));
    await fhir.create(observation('29463-7')); // another code: no notification
    const marker = await fhir.create(observation('8867-4', 80)); // a later match, to know delivery has caught up
    const got = await receiver.waitFor(() => receiver.of(sub.id).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a wrong extra delivery to show
    // Notifications may overtake each other (README): order by event number.
    const mine = receiver.of(sub.id).sort((a, b) => Number(a.headers['x-knutepunkt-event-number']) - Number(b.headers['x-knutepunkt-event-number']));
    expect(mine.map((r) => r.headers['x-knutepunkt-focus'])).toEqual([
      `Observation/${matching.id}/_history/1`,
      `Observation/${marker.id}/_history/1`,
    ]);
    const [first] = mine;
    // R4 rest-hook with a payload: the endpoint is a FHIR base and the resource is PUT to it.
    expect(first.method).toBe('PUT');
    expect(first.path).toBe(`/fhir/Observation/${matching.id}`);
    expect(first.headers['content-type']).toBe('application/fhir+json');
    expect(first.headers.authorization).toBe('Bearer epj-token');
    expect(first.headers['x-knutepunkt-event-number']).toBe('1');
    expect(mine[1].headers['x-knutepunkt-event-number']).toBe('2');
    expect(first.headers['x-knutepunkt-interaction']).toBe('create');
    expect(first.headers['x-knutepunkt-notification-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((JSON.parse(first.body) as Observation).id).toBe(matching.id);
    // The documented recipe verifies the signature; a tampered body fails it.
    const signature = first.headers['x-knutepunkt-signature'] as string;
    expect(verifySignature(sub.secret, signature, first.body)).toMatchObject({ valid: true });
    expect(verifySignature(sub.secret, signature, first.body.replace('8867-4', '8867-5'))).toMatchObject({ valid: false });
    expect(got.filter((r) => r.headers['x-knutepunkt-notification-id'] === first.headers['x-knutepunkt-notification-id'])).toHaveLength(1);
  });

  test('without a payload: an empty signed POST to the endpoint', async () => {
    const sub = await subscribe(`Observation?code=${LOINC}|2339-0`, { payload: false });
    const created = await fhir.create(observation('2339-0', 5));
    const [request] = await receiver.waitFor(() => receiver.of(sub.id).length >= 1).then(() => receiver.of(sub.id));
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hook');
    expect(request.body).toBe('');
    expect(request.headers['x-knutepunkt-focus']).toBe(`Observation/${created.id}/_history/1`);
    expect(verifySignature(sub.secret, request.headers['x-knutepunkt-signature'] as string, '')).toMatchObject({ valid: true });
  });

  test('delete events only for subscriptions that ask for them; updates as updates', async () => {
    const plain = await subscribe(`Observation?code=${LOINC}|85354-9`);
    const withDeletes = await subscribe(`Observation?code=${LOINC}|85354-9`, { interactions: ['create', 'update', 'delete'] });
    const created = await fhir.create(observation('85354-9'));
    await fhir.put(`Observation/${created.id}`, { ...created, valueQuantity: { ...created.valueQuantity, value: 73 } });
    await fhir.delete(`Observation/${created.id}`);
    await receiver.waitFor(() => receiver.of(withDeletes.id).length >= 3);
    await receiver.waitFor(() => receiver.of(plain.id).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Notifications of one subscription may overtake each other; the event number gives the order.
    const byNumber = (list: typeof receiver.requests) =>
      [...list].sort((a, b) => Number(a.headers['x-knutepunkt-event-number']) - Number(b.headers['x-knutepunkt-event-number']));
    expect(byNumber(receiver.of(withDeletes.id)).map((r) => [r.headers['x-knutepunkt-event-number'], r.method, r.headers['x-knutepunkt-interaction']])).toEqual([
      ['1', 'PUT', 'create'],
      ['2', 'PUT', 'update'],
      ['3', 'DELETE', 'delete'],
    ]);
    expect(byNumber(receiver.of(plain.id)).map((r) => r.headers['x-knutepunkt-interaction'])).toEqual(['create', 'update']);
  });

  test('a receiver that answers 500 twice then 200 gets three attempts of one notification, in order', async () => {
    const sub = await subscribe(`Observation?code=${LOINC}|8310-5`);
    receiver.script.push(500, 500);
    await fhir.create(observation('8310-5', 37));
    await receiver.waitFor(() => receiver.of(sub.id).some((r) => r.status === 200));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const attempts = receiver.of(sub.id);
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(new Set(attempts.map((r) => r.headers['x-knutepunkt-notification-id'])).size).toBe(1);
    expect(attempts.every((r) => r.headers['x-knutepunkt-event-number'] === '1')).toBe(true);
    expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(25); // backed off, not hammered
  });

  test('a rolled-back transaction notifies nobody', async () => {
    const sub = await subscribe(`Observation?code=${LOINC}|59408-5`);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: observation('59408-5', 97), request: { method: 'POST', url: 'Observation' } },
        { resource: { resourceType: 'Observation' } as Observation, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    expect((await fhir.post('', bundle)).status).toBeGreaterThanOrEqual(400);
    const after = await fhir.create(observation('59408-5', 98));
    await receiver.waitFor(() => receiver.of(sub.id).length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.of(sub.id).map((r) => r.headers['x-knutepunkt-focus'])).toEqual([`Observation/${after.id}/_history/1`]);
  });

  test('when retries run out the subscription goes to error with the reason; set back to active, it resumes where it stopped', async () => {
    const sub = await subscribe(`Observation?code=${LOINC}|9279-1`, { path: '/down' });
    receiver.failing = 503;
    try {
      const lost = await fhir.create(observation('9279-1', 16));
      const failed = await waitForSubscriptionStatus(fhir, sub.id, 'error');
      expect(failed.error).toMatch(/Delivery of event 1 failed after \d+ attempts .*HTTP 503/);
      // While in error, events keep being counted but are not sent.
      const later = await fhir.create(observation('9279-1', 18));
      await new Promise((resolve) => setTimeout(resolve, 400));
      const triedWhileDown = receiver.of(sub.id).length;
      expect(receiver.of(sub.id).every((r) => r.headers['x-knutepunkt-focus'] === `Observation/${lost.id}/_history/1`)).toBe(true);
      receiver.failing = undefined;
      expect(receiver.of(sub.id)).toHaveLength(triedWhileDown);

      const reactivated: Subscription = { ...failed, status: 'active' };
      delete reactivated.error;
      expect((await fhir.put(`Subscription/${sub.id}`, reactivated)).status).toBe(200);
      await receiver.waitFor(() => receiver.of(sub.id).filter((r) => r.status === 200).length >= 2);
      const delivered = receiver.of(sub.id).filter((r) => r.status === 200);
      expect(delivered.map((r) => r.headers['x-knutepunkt-event-number']).sort()).toEqual(['1', '2']);
      expect(delivered.map((r) => r.headers['x-knutepunkt-focus']).sort()).toEqual(
        [`Observation/${lost.id}/_history/1`, `Observation/${later.id}/_history/1`].sort()
      );
    } finally {
      receiver.failing = undefined;
    }
  });
});
