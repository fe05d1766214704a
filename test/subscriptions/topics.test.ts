import { randomBytes } from 'node:crypto';
import type {
  Basic,
  Bundle,
  CapabilityStatement,
  DetectedIssue,
  Extension,
  Observation,
  OperationOutcome,
  Parameters,
  Patient,
  Reference,
  Subscription,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { verifySignature } from '../../subscriptions/signing.ts';
import { BACKPORT_EXTENSIONS, SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';
import { FhirClient } from '../support/fhir-client.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import type { ReceivedRequest } from '../support/receiver.ts';
import { TestReceiver } from '../support/receiver.ts';
import { fastDeliverySettings, TEST_REDIS_URL, waitForSubscriptionStatus } from '../support/subscriptions.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Topic-based subscriptions (Subscriptions R5 Backport IG on R4) end to end: topics published and
 * discoverable, admission of topic and filter criteria, the handshake that activates, event
 * notifications as history Bundles with the status first and the content asked for, heartbeats,
 * and $status / $events. A real server, a real receiver on loopback; BullMQ on Redis where the
 * transport matters.
 */

const TOPIC = 'https://knutepunkt.dev/fhir/SubscriptionTopic/';
const LOINC = 'http://loinc.org';
const ALERT_CODES = 'https://knutepunkt.dev/fhir/CodeSystem/alert-code';

// A logical reference with its type, so `patient` (subject.where(resolve() is Patient)) sees a Patient.
const patientRef = (n: number): Reference<Patient> => ({ type: 'Patient', identifier: { system: FNR_SYSTEM, value: syntheticFnr(n) }, display: `Test person ${n}` });

const pulse = (n: number, value = 72): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: LOINC, code: '8867-4' }] },
  subject: patientRef(n),
  effectiveDateTime: '2026-11-30T08:00:00Z',
  valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

const fall = (n: number): DetectedIssue => ({
  resourceType: 'DetectedIssue',
  status: 'final',
  code: { coding: [{ system: ALERT_CODES, code: '4.1' }] },
  patient: patientRef(n),
  identifiedDateTime: '2026-11-30T08:00:00Z',
});

interface TopicOptions {
  filters?: string[];
  content?: 'empty' | 'id-only' | 'full-resource';
  heartbeat?: number;
  status?: Subscription['status'];
  path?: string;
}

/** A Backport IG topic-based Subscription, as a patient-record system would write it. */
function topicSubscription(receiverUrl: string, topic: string, options: TopicOptions = {}): Subscription & { _criteria?: unknown } {
  const channelExtensions: Extension[] = [{ url: BACKPORT_EXTENSIONS.timeout, valueUnsignedInt: 5 }];
  if (options.heartbeat !== undefined) {
    channelExtensions.push({ url: BACKPORT_EXTENSIONS.heartbeatPeriod, valueUnsignedInt: options.heartbeat });
  }
  return {
    resourceType: 'Subscription',
    status: options.status ?? 'requested',
    reason: 'Journal events of our patients',
    criteria: `${TOPIC}${topic}`,
    ...(options.filters?.length
      ? { _criteria: { extension: options.filters.map((f) => ({ url: BACKPORT_EXTENSIONS.filterCriteria, valueString: f })) } }
      : {}),
    extension: [{ url: SECRET_EXTENSION, valueString: randomBytes(32).toString('base64url') }],
    channel: {
      type: 'rest-hook',
      endpoint: `${receiverUrl}${options.path ?? '/notify'}`,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: BACKPORT_EXTENSIONS.payloadContent, valueCode: options.content ?? 'id-only' }] },
      extension: channelExtensions,
      header: ['Authorization: Bearer epj-token'],
    } as Subscription['channel'],
  } as Subscription;
}

const bundleOf = (r: ReceivedRequest): Bundle => JSON.parse(r.body) as Bundle;
const statusOf = (b: Bundle): Parameters => b.entry?.[0]?.resource as Parameters;
const param = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);
const typeOf = (r: ReceivedRequest): string | undefined => param(statusOf(bundleOf(r)), 'type')?.valueCode;

describe.each([
  ['in-process queue', undefined],
  ['BullMQ on Redis', TEST_REDIS_URL],
])('topic-based subscriptions through the %s', (_name, redisUrl) => {
  let server: TestServer;
  let fhir: FhirClient;
  let receiver: TestReceiver;

  beforeAll(async () => {
    server = await startTestServer(fastDeliverySettings(redisUrl, 250));
    fhir = new FhirClient(server.base);
    receiver = await new TestReceiver().start();
  });

  afterAll(async () => {
    await server?.close();
    await receiver?.stop();
  });

  /** Subscribes and waits for the handshake to make it active. */
  async function subscribe(topic: string, options: TopicOptions = {}) {
    const body = topicSubscription(receiver.url, topic, options);
    const created = await fhir.create(body as Subscription);
    await waitForSubscriptionStatus(fhir, created.id, 'active');
    const secret = (body.extension?.[0]?.valueString ?? '') as string;
    return { id: created.id, secret };
  }

  const events = (id: string) => receiver.of(id).filter((r) => typeOf(r) === 'event-notification');

  test('requested → handshake → active: a signed history Bundle with the status first, of type handshake', async () => {
    const sub = await subscribe('measurement');
    const [handshake] = receiver.of(sub.id);
    expect(handshake.method).toBe('POST');
    expect(handshake.path).toBe('/notify');
    expect(handshake.headers['content-type']).toBe('application/fhir+json');
    expect(handshake.headers.authorization).toBe('Bearer epj-token');
    expect(verifySignature(sub.secret, handshake.headers['x-knutepunkt-signature'] as string, handshake.body)).toMatchObject({ valid: true });
    const bundle = bundleOf(handshake);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(bundle.entry).toHaveLength(1);
    expect(bundle.entry?.[0]?.request).toMatchObject({ method: 'GET', url: expect.stringMatching(new RegExp(`/Subscription/${sub.id}/\\$status$`)) });
    const status = statusOf(bundle);
    expect(param(status, 'type')?.valueCode).toBe('handshake');
    expect(param(status, 'status')?.valueCode).toBe('requested');
    expect(param(status, 'topic')?.valueCanonical).toBe(`${TOPIC}measurement`);
    expect(param(status, 'subscription')?.valueReference?.reference).toBe(`Subscription/${sub.id}`);
    expect(param(status, 'events-since-subscription-start')?.valueString).toBe('0');
  });

  test('a refused handshake sets the subscription to error with the reason; requesting it again activates it', async () => {
    receiver.scriptFor.set('/refusing-at-first', [503]);
    const created = await fhir.create(topicSubscription(receiver.url, 'alarm', { path: '/refusing-at-first' }) as Subscription);
    const failed = await waitForSubscriptionStatus(fhir, created.id, 'error');
    expect(failed.error).toMatch(/Handshake failed: HTTP 503/);
    const again = await fhir.put<Subscription>(`Subscription/${created.id}`, { ...failed, status: 'requested', error: undefined });
    expect(again.status).toBe(200);
    await waitForSubscriptionStatus(fhir, created.id, 'active');
    expect(receiver.of(created.id).map((r) => [typeOf(r), r.status])).toEqual([
      ['handshake', 503],
      ['handshake', 200],
    ]);
  });

  test('event notifications: only the topic\'s resource types, only what the filters select, numbered, with the content asked for', async () => {
    const full = await subscribe('measurement', { filters: [`Observation?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`], content: 'full-resource' });
    const idOnly = await subscribe('measurement', { filters: [`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(1)}`], content: 'id-only' });
    const empty = await subscribe('measurement', { filters: [`Observation?code=${LOINC}|8867-4`], content: 'empty' });
    const mine = await fhir.create(pulse(1));
    await fhir.create(pulse(2)); // another patient: only the unfiltered-by-patient subscription
    await fhir.create(fall(1)); // an alarm: not a measurement
    await receiver.waitFor(() => events(full.id).length >= 1 && events(idOnly.id).length >= 1 && events(empty.id).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300)); // time for a wrong extra notification to show
    expect(events(full.id)).toHaveLength(1);
    expect(events(idOnly.id)).toHaveLength(1);
    expect(events(empty.id)).toHaveLength(2);

    const fullBundle = bundleOf(events(full.id)[0]);
    const status = statusOf(fullBundle);
    expect(param(status, 'events-since-subscription-start')?.valueString).toBe('1');
    const event = param(status, 'notification-event');
    expect(event?.part?.find((p) => p.name === 'event-number')?.valueString).toBe('1');
    expect(event?.part?.find((p) => p.name === 'focus')?.valueReference?.reference).toBe(`Observation/${mine.id}/_history/1`);
    expect(fullBundle.id).toBe(events(full.id)[0].headers['x-knutepunkt-notification-id']);
    expect(fullBundle.entry?.[1]).toMatchObject({
      // Absolute, from BASE_URL (the test server has none: the server falls back to its configured port).
      fullUrl: expect.stringMatching(new RegExp(`^http://[^/]+/fhir/Observation/${mine.id}$`)),
      request: { method: 'POST', url: 'Observation' },
      response: { status: '201' },
      resource: { resourceType: 'Observation', id: mine.id },
    });

    const idOnlyBundle = bundleOf(events(idOnly.id)[0]);
    expect(idOnlyBundle.entry).toHaveLength(2);
    expect(idOnlyBundle.entry?.[1]?.fullUrl).toMatch(new RegExp(`/fhir/Observation/${mine.id}$`));
    expect(idOnlyBundle.entry?.[1]?.resource).toBeUndefined();

    // Empty: no focus and no entries beyond the status (no health data leaves the server).
    for (const request of events(empty.id)) {
      const bundle = bundleOf(request);
      expect(bundle.entry).toHaveLength(1);
      const parts = param(statusOf(bundle), 'notification-event')?.part?.map((p) => p.name);
      expect(parts).toEqual(['event-number', 'timestamp']);
      expect(request.body).not.toContain(syntheticFnr(1));
    }
  });

  test('the journalable-event topic carries every kind of event; a filter without a type narrows them all', async () => {
    const sub = await subscribe('journalable-event', { filters: [`patient:identifier=${FNR_SYSTEM}|${syntheticFnr(3)}`] });
    const alarm = await fhir.create(fall(3));
    const measurement = await fhir.create(pulse(3));
    await fhir.create(pulse(4));
    const changed = await fhir.put(`DetectedIssue/${alarm.id}`, { ...alarm, severity: 'high' });
    expect(changed.status, changed.text).toBe(200);
    await receiver.waitFor(() => events(sub.id).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const focuses = events(sub.id)
      .map((r) => param(statusOf(bundleOf(r)), 'notification-event')?.part ?? [])
      .map((parts) => [parts.find((p) => p.name === 'event-number')?.valueString, parts.find((p) => p.name === 'focus')?.valueReference?.reference])
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(focuses).toEqual([
      ['1', `DetectedIssue/${alarm.id}/_history/1`],
      ['2', `Observation/${measurement.id}/_history/1`],
      ['3', `DetectedIssue/${alarm.id}/_history/2`],
    ]);
    // Deletions are not journalable events: the topics do not offer them.
    await fhir.delete(`Observation/${measurement.id}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events(sub.id)).toHaveLength(3);
  });

  test('created active: the server sets it to requested and only the handshake activates it', async () => {
    const created = await fhir.create(topicSubscription(receiver.url, 'supervision', { status: 'active' }) as Subscription);
    // Created active (1), set to requested by the server (2), activated by the handshake (3).
    const statuses = async () =>
      ((await fhir.get<Bundle<Subscription>>(`Subscription/${created.id}/_history`)).body.entry ?? []).map((e) => e.resource?.status).reverse();
    const deadline = Date.now() + 10_000;
    while ((await statuses()).length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await statuses()).toEqual(['active', 'requested', 'active']);
    expect(receiver.of(created.id).map((r) => [typeOf(r), r.status])).toEqual([['handshake', 200]]);
  });

  test('events written while a subscription is in error wait; a new handshake activates it and they are delivered', async () => {
    receiver.scriptFor.set('/failing-at-first', [500]);
    const created = await fhir.create(
      topicSubscription(receiver.url, 'measurement', {
        filters: [`Observation?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(6)}`],
        path: '/failing-at-first',
      }) as Subscription
    );
    const failed = await waitForSubscriptionStatus(fhir, created.id, 'error');
    const waiting = await fhir.create(pulse(6, 90));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events(created.id)).toHaveLength(0);
    await fhir.put(`Subscription/${created.id}`, { ...failed, status: 'requested', error: undefined });
    await waitForSubscriptionStatus(fhir, created.id, 'active');
    const [delivered] = await receiver.waitFor(() => events(created.id).length >= 1).then(() => events(created.id));
    const event = param(statusOf(bundleOf(delivered)), 'notification-event');
    expect(event?.part?.find((p) => p.name === 'focus')?.valueReference?.reference).toBe(`Observation/${waiting.id}/_history/1`);
  });

  test('a version requested while the handshake of the one before is in flight gets its own; it is activated only when its endpoint answers', async () => {
    receiver.delayFor.set('/old-endpoint', 800);
    receiver.delayFor.set('/new-endpoint', 1_600);
    const first = await fhir.create(topicSubscription(receiver.url, 'note', { path: '/old-endpoint' }) as Subscription);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the first handshake is on its way
    const put = await fhir.put<Subscription>(`Subscription/${first.id}`, { ...topicSubscription(receiver.url, 'note', { path: '/new-endpoint' }), id: first.id });
    expect(put.status, put.text).toBe(200);
    // The old endpoint answers first; that must not activate the new version.
    const answered = await receiver.waitFor(() => receiver.of(first.id).some((r) => r.path === '/new-endpoint'), 8_000);
    const current = await waitForSubscriptionStatus(fhir, first.id, 'active');
    expect(current.channel.endpoint).toBe(`${receiver.url}/new-endpoint`);
    const newAnswer = answered.find((r) => r.path === '/new-endpoint' && r.headers['x-knutepunkt-subscription'] === `Subscription/${first.id}`);
    const history = (await fhir.get<Bundle<Subscription>>(`Subscription/${first.id}/_history`)).body.entry ?? [];
    const activations = history.filter((e) => e.resource?.status === 'active');
    expect(activations).toHaveLength(1);
    // Activated after the new endpoint answered (the receiver stamps its answer just before sending it).
    expect(Date.parse(activations[0].resource?.meta?.lastUpdated as string)).toBeGreaterThanOrEqual((newAnswer?.at ?? Infinity) - 5);
    expect(receiver.of(first.id).map((r) => r.path).sort()).toEqual(['/new-endpoint', '/old-endpoint']);
  });

  test('a heartbeat the receiver refuses is not repeated on every sweep: the next one is a period later', async () => {
    receiver.scriptFor.set('/refusing-heartbeats', [200, ...Array<number>(20).fill(500)]);
    const sub = await subscribe('medication-dispense', { heartbeat: 2, path: '/refusing-heartbeats' });
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    const beats = receiver.of(sub.id).filter((r) => typeOf(r) === 'heartbeat');
    expect(beats.map((r) => r.status)).toEqual([500]);
    expect((await fhir.get<Subscription>(`Subscription/${sub.id}`)).body.status).toBe('active');
  });

  test('a deleted subscription is sent no more heartbeats', async () => {
    const sub = await subscribe('medication-dispense', { heartbeat: 1 });
    await receiver.waitFor(() => receiver.of(sub.id).some((r) => typeOf(r) === 'heartbeat'), 8_000);
    expect((await fhir.delete(`Subscription/${sub.id}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300)); // one in flight may still land
    const before = receiver.of(sub.id).length;
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(receiver.of(sub.id).length).toBe(before);
  });

  test('heartbeats while nothing else is sent, with the current event count', async () => {
    const sub = await subscribe('questionnaire-response', { heartbeat: 1 });
    await receiver.waitFor(() => receiver.of(sub.id).filter((r) => typeOf(r) === 'heartbeat').length >= 2, 8_000);
    const beats = receiver.of(sub.id).filter((r) => typeOf(r) === 'heartbeat');
    const status = statusOf(bundleOf(beats[0]));
    expect(param(status, 'status')?.valueCode).toBe('active');
    expect(param(status, 'events-since-subscription-start')?.valueString).toBe('0');
    expect(bundleOf(beats[0]).entry).toHaveLength(1);
    expect(verifySignature(sub.secret, beats[0].headers['x-knutepunkt-signature'] as string, beats[0].body)).toMatchObject({ valid: true });
    // About one period apart: not sent on every sweep.
    expect(beats[1].at - beats[0].at).toBeGreaterThanOrEqual(700);
  });

  test('$status names the topic; $events replays with the subscription\'s content unless asked otherwise', async () => {
    const sub = await subscribe('measurement', { filters: [`Observation?patient:identifier=${FNR_SYSTEM}|${syntheticFnr(5)}`] });
    const first = await fhir.create(pulse(5, 60));
    const second = await fhir.create(pulse(5, 61));
    await receiver.waitFor(() => events(sub.id).length >= 2);
    const status = await fhir.get<Bundle>(`Subscription/${sub.id}/$status`);
    const parameters = status.body.entry?.[0]?.resource as Parameters;
    expect(param(parameters, 'topic')?.valueCanonical).toBe(`${TOPIC}measurement`);
    expect(param(parameters, 'events-since-subscription-start')?.valueString).toBe('2');
    const replay = await fhir.get<Bundle>(`Subscription/${sub.id}/$events?eventsSinceNumber=2`);
    expect(replay.status).toBe(200);
    expect(param(statusOf(replay.body), 'type')?.valueCode).toBe('query-event');
    expect(replay.body.entry?.map((e) => e.fullUrl)).toEqual([expect.stringMatching(/^urn:uuid:/), `${server.base}/Observation/${second.id}`]);
    expect(replay.body.entry?.[1]?.resource).toBeUndefined(); // id-only, as subscribed
    const withResources = await fhir.get<Bundle>(`Subscription/${sub.id}/$events?content=full-resource`);
    expect(withResources.body.entry?.slice(1).map((e) => e.resource?.id)).toEqual([first.id, second.id]);
  });
});

describe('topics: discovery and admission', () => {
  let server: TestServer;
  let fhir: FhirClient;

  beforeAll(async () => {
    server = await startTestServer(fastDeliverySettings(undefined));
    fhir = new FhirClient(server.base);
  });

  afterAll(async () => {
    await server?.close();
  });

  test('the CapabilityStatement lists every topic on Subscription, and each is a Basic resource clients can search', async () => {
    const capability = (await fhir.get<CapabilityStatement>('metadata')).body;
    expect(capability.instantiates).toContain('http://hl7.org/fhir/uv/subscriptions-backport/CapabilityStatement/backport-subscription-server-r4');
    const subscription = capability.rest?.[0]?.resource?.find((r) => r.type === 'Subscription');
    const listed = (subscription?.extension ?? []).map((e) => e.valueCanonical).sort();
    const names = ['alarm', 'journalable-event', 'measurement', 'medication-dispense', 'note', 'questionnaire-response', 'supervision'];
    expect(listed).toEqual(names.map((n) => `${TOPIC}${n}`));
    const found = await fhir.get<Bundle<Basic>>('Basic?code=http://hl7.org/fhir/fhir-types|SubscriptionTopic&_count=50');
    const urls = (found.body.entry ?? [])
      .map((e) => e.resource?.extension?.find((x) => x.url === 'http://hl7.org/fhir/StructureDefinition/artifact-url')?.valueUri)
      .sort();
    expect(urls).toEqual(listed);
  });

  const base = (over: TopicOptions & { topic?: string } = {}) => topicSubscription('http://127.0.0.1:9', over.topic ?? 'measurement', over);

  test.each([
    ['an unknown topic', base({ topic: 'weather' }), 'Subscription.criteria', /Unknown topic .*weather.*offers/],
    ['a filter the topic does not offer', base({ filters: ['Observation?value-quantity=gt100'] }), 'Subscription.criteria.extension[0]', /cannot filter Observation by "value-quantity": it offers patient, code, category/],
    ['a filter on a type the topic has no events of', base({ filters: ['Encounter?patient=Patient/1'] }), 'Subscription.criteria.extension[0]', /Filter on Encounter/],
    ['an invalid filter value', base({ filters: ['Observation?code=a|b|c', 'patient=Patient/1'] }), 'Subscription.criteria.extension[0]', /Invalid criteria/],
    ['a heartbeat period of 0', base({ heartbeat: 0 }), 'Subscription.channel.extension', /heartbeat period must be at least 1 second/],
    ['a malformed municipality value', base({ filters: ['municipality=%E0%A4%A'] }), 'Subscription.criteria.extension[0]', /Malformed percent-encoding/],
  ])('refused with 422 at the element: %s', async (_case, subscription, expression, message) => {
    const res = await fhir.post<OperationOutcome>('Subscription', subscription);
    expect(res.status, res.text).toBe(422);
    const issue = res.body.issue?.find((i) => i.expression?.includes(expression));
    expect(issue?.details?.text, JSON.stringify(res.body.issue)).toMatch(message);
    const stored = await fhir.get<Bundle>('Subscription?_summary=count');
    expect(stored.body.total).toBe(0);
  });

  test('refused with 422: no payload, or a content code that does not exist', async () => {
    const noPayload = base();
    delete (noPayload.channel as { payload?: string }).payload;
    const res = await fhir.post<OperationOutcome>('Subscription', noPayload);
    expect(res.status).toBe(422);
    expect(res.body.issue?.find((i) => i.expression?.includes('Subscription.channel.payload'))?.details?.text).toMatch(/notifications are Bundles/);
    const badContent = base();
    (badContent.channel as unknown as { _payload: unknown })._payload = { extension: [{ url: BACKPORT_EXTENSIONS.payloadContent, valueCode: 'everything' }] };
    const res2 = await fhir.post<OperationOutcome>('Subscription', badContent);
    expect(res2.status).toBe(422);
    expect(JSON.stringify(res2.body)).toMatch(/empty, id-only or full-resource/);
  });
});
