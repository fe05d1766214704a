import type { Bundle, OperationOutcome, Subscription } from '@medplum/fhirtypes';
import { describe, expect, test } from 'vitest';
import type { JsonResponse } from '../support/fhir-client.ts';
import { useTestServer } from '../support/server.ts';
import { SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';

const env = useTestServer({ subscriptionAllowedHosts: ['127.0.0.1', 'localhost'] });
const fhir = env.fhir;

function subscription(changes: Partial<Subscription> = {}, channel: Partial<Subscription['channel']> = {}): Subscription {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'EPJ journalføring av målinger',
    criteria: 'Observation?code=http://loinc.org|8867-4',
    extension: [{ url: SECRET_EXTENSION, valueString: 'test-secret-0123456789abcdefghijklmnop' }],
    ...changes,
    channel: { type: 'rest-hook', endpoint: 'https://epj.example.no/fhir-hook', payload: 'application/fhir+json', ...channel },
  };
}

async function stored(): Promise<number> {
  const res = await fhir.get<Bundle>('Subscription?_total=accurate');
  return res.body.total ?? 0;
}

/** A 422 OperationOutcome with an error at `expression` whose text matches `text`. */
function expectRefused(res: JsonResponse, expression: string, text: RegExp): void {
  expect(res.status, res.text).toBe(422);
  const outcome = res.body as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  const found = outcome.issue.filter((i) => i.severity === 'error' && i.expression?.includes(expression) && text.test(i.details?.text ?? ''));
  expect(found, res.text).not.toHaveLength(0);
}

describe('a Subscription that could deliver is stored', () => {
  test('an https endpoint, and plain http to a host in SUBSCRIPTION_ALLOWED_HOSTS', async () => {
    const https = await fhir.post('Subscription', subscription());
    expect(https.status, https.text).toBe(201);
    const loopback = await fhir.post('Subscription', subscription({}, { endpoint: 'http://127.0.0.1:9/hook', header: ['Authorization: Bearer abc'] }));
    expect(loopback.status, loopback.text).toBe(201);
    const withoutPayload = await fhir.post('Subscription', subscription({ criteria: 'DetectedIssue' }, { payload: undefined }));
    expect(withoutPayload.status, withoutPayload.text).toBe(201);
  });
});

describe('a Subscription that could never deliver is refused with 422 at the element, and not stored', () => {
  const cases: [string, Subscription, string, RegExp][] = [
    ['plain http to a host not allowed', subscription({}, { endpoint: 'http://epj.example.no/hook' }), 'Subscription.channel.endpoint', /must use https.*SUBSCRIPTION_ALLOWED_HOSTS/],
    ['a scheme other than http(s)', subscription({}, { endpoint: 'ftp://epj.example.no/hook' }), 'Subscription.channel.endpoint', /must be an https URL/],
    ['a relative endpoint', subscription({}, { endpoint: '/hook' }), 'Subscription.channel.endpoint', /not an absolute URL/],
    ['credentials in the endpoint URL', subscription({}, { endpoint: 'https://user:secret@epj.example.no/hook' }), 'Subscription.channel.endpoint', /credentials/],
    ['no endpoint', subscription({}, { endpoint: undefined }), 'Subscription.channel.endpoint', /Missing endpoint/],
    ['a channel type other than rest-hook', subscription({}, { type: 'websocket' }), 'Subscription.channel.type', /not supported.*rest-hook/],
    ['a payload type it cannot carry', subscription({}, { payload: 'application/fhir+xml' }), 'Subscription.channel.payload', /not supported/],
    ['a header that is not "Name: value"', subscription({}, { header: ['Authorization Bearer abc'] }), 'Subscription.channel.header[0]', /Name: value/],
    ['criteria on a type that does not exist', subscription({ criteria: 'Alarm?code=1' }), 'Subscription.criteria', /resource type, not "Alarm"/],
    ['criteria with an unknown search parameter', subscription({ criteria: 'Observation?colour=red' }), 'Subscription.criteria', /Unknown search parameter "colour"/],
    ['criteria with an invalid value', subscription({ criteria: 'Observation?date=yesterday' }), 'Subscription.criteria', /Invalid criteria/],
    ['no signing secret', subscription({ extension: undefined }), 'Subscription.extension', /Missing signing secret/],
    ['a signing secret too short to be random', subscription({ extension: [{ url: SECRET_EXTENSION, valueString: 'hunter2' }] }), 'Subscription.extension', /at least 32 characters/],
    ['criteria with _sort', subscription({ criteria: 'Observation?_sort=date' }), 'Subscription.criteria', /_sort/],
  ];

  test.each(cases)('%s', async (_name, body, expression, text) => {
    const before = await stored();
    expectRefused(await fhir.post('Subscription', body), expression, text);
    expect(await stored()).toBe(before);
  });

  test('an update to an endpoint that is not allowed is refused and the stored version stays', async () => {
    // Off, so the relay does not activate it (a new version) while the test runs.
    const created = await fhir.create<Subscription>(subscription({ status: 'off' }));
    const res = await fhir.put(`Subscription/${created.id}`, { ...created, channel: { ...created.channel, endpoint: 'http://10.0.0.1/hook' } });
    expectRefused(res, 'Subscription.channel.endpoint', /https/);
    const read = await fhir.get<Subscription>(`Subscription/${created.id}`);
    expect(read.body.meta?.versionId).toBe('1');
    expect(read.body.channel.endpoint).toBe('https://epj.example.no/fhir-hook');
  });

  test('a transaction carrying a refused Subscription stores nothing', async () => {
    const before = await stored();
    const res = await fhir.post('', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: subscription(), request: { method: 'POST', url: 'Subscription' } },
        { resource: subscription({}, { endpoint: 'http://epj.example.no/hook' }), request: { method: 'POST', url: 'Subscription' } },
      ],
    });
    expect(res.status).toBe(422);
    expect(await stored()).toBe(before);
  });

  test('$validate reports what a write would refuse', async () => {
    const res = await fhir.post('Subscription/$validate', subscription({}, { endpoint: 'http://epj.example.no/hook' }));
    expect(res.status, res.text).toBe(200);
    const errors = (res.body as OperationOutcome).issue.filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.expression?.[0]), res.text).toContain('Subscription.channel.endpoint');
  });

  test('a Subscription without criteria breaks R4 itself: 400', async () => {
    const res = await fhir.post('Subscription', subscription({ criteria: undefined }));
    expect(res.status, res.text).toBe(400);
  });
});
