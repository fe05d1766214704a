import { randomBytes } from 'node:crypto';
import type { Bundle, Observation, Parameters, Subscription } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EpjReceiver } from '../../examples/epj-receiver/receiver.ts';
import { loadConfig } from '../../server/config.ts';
import { signatureHeader } from '../../subscriptions/signing.ts';
import { BACKPORT_EXTENSIONS, SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';
import { useTestServer } from '../support/server.ts';

/**
 * The example EPJ receiver (examples/epj-receiver) against a live server: it verifies, drops
 * duplicates and journals; after being down long enough for the server to give up, it finds what
 * it missed with $status and fetches it with $events, then resumes the subscription.
 */

const LOINC = 'http://loinc.org';
const env = useTestServer({
  subscriptionAllowedHosts: ['127.0.0.1'],
  subscriptions: {
    ...loadConfig({}).subscriptions,
    retry: { baseDelayMs: 40, maxDelayMs: 200, horizonMs: 800 },
    pollMs: 50,
    sweepMs: 300,
  },
});
const fhir = env.fhir;
const secret = randomBytes(32).toString('base64url');
const logs: Record<string, unknown>[] = [];
let receiver: EpjReceiver;
let port: number;

const observation = (value: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '8867-4' }] },
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (holds(value) || Date.now() > deadline) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusOf = async (id: string): Promise<Parameters> =>
  ((await fhir.get<Bundle>(`Subscription/${id}/$status`)).body.entry?.[0]?.resource as Parameters);
const param = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);

beforeAll(async () => {
  receiver = await new EpjReceiver({ fhirBase: env.server.base, secret, log: (line) => logs.push(line) }).start();
  port = Number(new URL(receiver.url).port);
});

afterAll(async () => {
  await receiver?.stop();
});

describe('an EPJ that was down finds and fetches what it missed', () => {
  let id: string;

  test('while up: every notification is verified, fetched and journaled once', async () => {
    const sub = await fhir.create<Subscription>({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'journalføring',
      criteria: `Observation?code=${LOINC}|8867-4`,
      extension: [{ url: SECRET_EXTENSION, valueString: secret }],
      channel: { type: 'rest-hook', endpoint: `${receiver.url}/hook` },
    });
    id = sub.id;
    await until(() => statusOf(id), (p) => param(p, 'status')?.valueCode === 'active');
    const first = await fhir.create(observation(61));
    await until(async () => receiver.journal.length, (n) => n >= 1);
    expect(receiver.journal[0]).toMatchObject({ eventNumber: 1, focus: `Observation/${first.id}/_history/1`, via: 'notification' });
    expect((receiver.journal[0].resource as Observation).valueQuantity?.value).toBe(61);
  });

  test('a forged notification is refused with 401 and journals nothing', async () => {
    const before = receiver.journal.length;
    const forged = await fetch(`${receiver.url}/hook`, {
      method: 'POST',
      headers: {
        'x-knutepunkt-signature': signatureHeader(['not-the-secret-0123456789abcdefghijkl'], ''),
        'x-knutepunkt-notification-id': 'f0f0f0f0-0000-4000-8000-000000000000',
        'x-knutepunkt-subscription': `Subscription/${id}`,
        'x-knutepunkt-event-number': '99',
        'x-knutepunkt-focus': 'Observation/x/_history/1',
      },
      body: '',
    });
    expect(forged.status).toBe(401);
    expect(receiver.journal.length).toBe(before);
  });

  test('down until the server gives up: $status shows the error and the count, $events fills the gap, resuming sends no duplicate journal entries', async () => {
    await receiver.stop();
    const missed = [await fhir.create(observation(62)), await fhir.create(observation(63))];
    const failed = await until(() => statusOf(id), (p) => param(p, 'status')?.valueCode === 'error');
    expect(param(failed, 'status')?.valueCode).toBe('error');
    expect(param(failed, 'error')?.valueCodeableConcept?.text).toMatch(/Delivery of event \d failed/);
    expect(param(failed, 'events-since-subscription-start')?.valueString).toBe('3');
    expect(param(failed, 'type')?.valueCode).toBe('query-status');

    await receiver.start(port);
    expect(await receiver.catchUp(id)).toBe(2);
    expect(receiver.journal.slice(1).map((e) => [e.eventNumber, e.focus, e.via])).toEqual([
      [2, `Observation/${missed[0].id}/_history/1`, 'catch-up'],
      [3, `Observation/${missed[1].id}/_history/1`, 'catch-up'],
    ]);
    expect((receiver.journal[2].resource as Observation).valueQuantity?.value).toBe(63);
    expect(receiver.gaps(id)).toEqual([]);

    // Set back to active: the server resumes with the events it gave up on; the receiver drops them.
    const current = (await fhir.get<Subscription>(`Subscription/${id}`)).body;
    const resumed: Subscription = { ...current, status: 'active' };
    delete resumed.error;
    expect((await fhir.put(`Subscription/${id}`, resumed)).status).toBe(200);
    await until(async () => logs.filter((l) => l.msg === 'duplicate dropped').length, (n) => n >= 1);
    const after = await fhir.create(observation(64));
    await until(async () => receiver.journal.length, (n) => n >= 4);
    expect(receiver.journal.map((e) => e.eventNumber)).toEqual([1, 2, 3, 4]);
    expect(receiver.journal[3].focus).toBe(`Observation/${after.id}/_history/1`);
    // Logs carry ids and numbers, never the resources themselves.
    expect(JSON.stringify(logs)).not.toContain('valueQuantity');
  });
});

describe('$status and $events', () => {
  test('$events: id-only has entries without resources, empty has no focus, ranges are checked', async () => {
    const [sub] = (await fhir.get<Bundle>('Subscription?_count=1')).body.entry ?? [];
    const subId = sub.resource?.id as string;
    const idOnly = (await fhir.get<Bundle>(`Subscription/${subId}/$events?eventsSinceNumber=2&eventsUntilNumber=3&content=id-only`)).body;
    expect(idOnly.type).toBe('history');
    const status = idOnly.entry?.[0].resource as Parameters;
    expect(param(status, 'type')?.valueCode).toBe('query-event');
    const numbers = status.parameter?.filter((p) => p.name === 'notification-event').map((p) => p.part?.find((x) => x.name === 'event-number')?.valueString);
    expect(numbers).toEqual(['2', '3']);
    expect(idOnly.entry?.slice(1).map((e) => [e.request?.method, e.resource])).toEqual([
      ['POST', undefined],
      ['POST', undefined],
    ]);
    const empty = (await fhir.get<Bundle>(`Subscription/${subId}/$events?content=empty`)).body;
    expect(empty.entry).toHaveLength(1);
    const emptyEvents = (empty.entry?.[0].resource as Parameters).parameter?.filter((p) => p.name === 'notification-event') ?? [];
    expect(emptyEvents.length).toBeGreaterThanOrEqual(4);
    expect(emptyEvents.every((p) => !p.part?.some((x) => x.name === 'focus'))).toBe(true);

    for (const query of ['eventsSinceNumber=0', 'eventsSinceNumber=abc', 'eventsSinceNumber=5&eventsUntilNumber=2', 'content=everything']) {
      const res = await fhir.get(`Subscription/${subId}/$events?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
    expect((await fhir.get('Subscription/no-such/$events')).status).toBe(404);
  });

  test('$status at type level selects by id and status', async () => {
    const all = (await fhir.get<Bundle>('Subscription/$status')).body;
    expect(all.type).toBe('searchset');
    expect(all.entry?.length).toBeGreaterThanOrEqual(1);
    const none = (await fhir.get<Bundle>('Subscription/$status?status=off')).body;
    expect(none.entry ?? []).toHaveLength(0);
    expect((await fhir.get('Subscription/no-such/$status')).status).toBe(404);
  });
});

describe('the example receiver on topic-based subscriptions', () => {
  const topicSecret = randomBytes(32).toString('base64url');
  const topicLogs: Record<string, unknown>[] = [];
  let topicReceiver: EpjReceiver;

  beforeAll(async () => {
    topicReceiver = await new EpjReceiver({ fhirBase: env.server.base, secret: topicSecret, log: (line) => topicLogs.push(line) }).start();
  });

  afterAll(async () => {
    await topicReceiver?.stop();
  });

  const subscribe = async (content: 'empty' | 'full-resource', code: string) => {
    const sub = await fhir.create({
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'journalføring',
      criteria: 'https://knutepunkt.dev/fhir/SubscriptionTopic/measurement',
      _criteria: { extension: [{ url: BACKPORT_EXTENSIONS.filterCriteria, valueString: `Observation?code=${LOINC}|${code}` }] },
      extension: [{ url: SECRET_EXTENSION, valueString: topicSecret }],
      channel: {
        type: 'rest-hook',
        endpoint: `${topicReceiver.url}/notifications`,
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: BACKPORT_EXTENSIONS.payloadContent, valueCode: content }] },
      },
    } as Subscription);
    await until(() => statusOf(sub.id), (p) => param(p, 'status')?.valueCode === 'active');
    return sub.id;
  };

  const measurement = (code: string, value: number): Observation => ({ ...observation(value), code: { coding: [{ system: LOINC, code }] } });

  test('handshake acknowledged; each event journaled once, from the Bundle (full-resource) or looked up by number and fetched (empty)', async () => {
    const full = await subscribe('full-resource', '8310-5');
    const empty = await subscribe('empty', '9279-1');
    expect(topicLogs.filter((l) => l.msg === 'handshake received')).toHaveLength(2);
    const temperature = await fhir.create(measurement('8310-5', 37.2));
    const breathing = await fhir.create(measurement('9279-1', 14));
    await until(async () => topicReceiver.journal.length, (n) => n >= 2);
    const bySubscription = (id: string) => topicReceiver.journal.filter((e) => e.subscription === id);
    expect(bySubscription(full).map((e) => [e.eventNumber, e.focus, e.interaction])).toEqual([[1, `Observation/${temperature.id}/_history/1`, 'create']]);
    expect((bySubscription(full)[0].resource as Observation).valueQuantity?.value).toBe(37.2);
    expect(bySubscription(empty).map((e) => [e.eventNumber, e.focus, e.interaction])).toEqual([[1, `Observation/${breathing.id}/_history/1`, 'create']]);
    expect((bySubscription(empty)[0].resource as Observation).valueQuantity?.value).toBe(14);
    expect(JSON.stringify(topicLogs)).not.toContain('valueQuantity');
  });

  test('a tampered notification Bundle is refused with 401', async () => {
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'history', entry: [] });
    const signature = signatureHeader([topicSecret], body);
    const res = await fetch(`${topicReceiver.url}/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'x-knutepunkt-signature': signature },
      body: body.replace('history', 'batch'),
    });
    expect(res.status).toBe(401);
  });
});
