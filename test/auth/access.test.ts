import { randomUUID } from 'node:crypto';
import type { Bundle, Observation, OperationOutcome, Patient, Subscription } from '@medplum/fhirtypes';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadSigningKeys } from '../../server/auth/signing-keys.ts';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { OAuthTestClient, newKeyPair } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';
import { TestReceiver } from '../support/receiver.ts';
import { fastDeliverySettings } from '../support/subscriptions.ts';
import { BACKPORT_EXTENSIONS, SECRET_EXTENSION } from '../../subscriptions/subscription-model.ts';

/**
 * The FHIR API with authentication on, over HTTP with real keys: what a request needs (a valid
 * DPoP-bound token and a fresh proof for this method and URL), what its scopes allow, and that one
 * municipality never sees another's data.
 */

const OSLO = '920000002';
const BODO = '930000000';

let server: TestServer;
let epjOslo: OAuthTestClient;
let epjBodo: OAuthTestClient;
let vendorOslo: OAuthTestClient;
let receiver: TestReceiver;

const patient = (n: number): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: FNR_SYSTEM, value: syntheticFnr(n) }],
  name: [{ family: `Testesen${n}`, given: ['Kari'] }],
});

// Of a patient the vendors serve (digital supervision in both municipalities): see beforeAll.
const SERVED = { system: FNR_SYSTEM, value: syntheticFnr(20) };
const pulse = (): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { identifier: SERVED },
  valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

beforeAll(async () => {
  server = await startTestServer({ ...fastDeliverySettings(undefined), auth: 'on' });
  receiver = await new TestReceiver().start();
  epjOslo = await OAuthTestClient.register(server, { id: 'epj-oslo', tenant: OSLO, role: 'epj' });
  epjBodo = await OAuthTestClient.register(server, { id: 'epj-bodo', tenant: BODO, role: 'epj' });
  vendorOslo = await OAuthTestClient.register(server, { id: 'vft-oslo', tenant: OSLO, role: 'vendor', serviceCodes: ['DT'] });
  await Promise.all([epjOslo.login(), epjBodo.login(), vendorOslo.login()]);
  for (const epj of [epjOslo, epjBodo]) {
    const service = await epj.fhir('POST', 'EpisodeOfCare', {
      resourceType: 'EpisodeOfCare',
      status: 'active',
      type: [{ coding: [{ system: 'https://knutepunkt.dev/fhir/CodeSystem/service-code', code: 'DT' }] }],
      patient: { identifier: SERVED },
      period: { start: '2026-01-01' },
    });
    expect(service.status).toBe(201);
  }
});

afterAll(async () => {
  await server?.close();
  await receiver?.stop();
});

/** A token of ours with claims changed: signed with the server's own key unless `key` says otherwise. */
async function forgedToken(claims: Record<string, unknown>, key?: CryptoKey | Uint8Array, alg = 'ES256'): Promise<string> {
  const keys = await loadSigningKeys(server.database.db);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: server.root,
    aud: `${server.root}/fhir`,
    sub: epjOslo.id,
    client_id: epjOslo.id,
    tenant: OSLO,
    role: 'epj',
    scope: 'system/*.rs',
    jti: randomUUID(),
    iat: now,
    exp: now + 120,
    cnf: { jkt: await import('jose').then((j) => j.calculateJwkThumbprint(epjOslo.dpopKey.publicJwk)) },
    ...claims,
  })
    .setProtectedHeader({ alg, kid: keys.current.kid, typ: 'at+jwt' })
    .sign(key ?? keys.current.key);
}

async function withToken(token: string, path = 'Patient') {
  const url = `${server.base}/${path}`;
  const res = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await epjOslo.proof('GET', url, token) } });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: (await res.json()) as OperationOutcome };
}

describe('a FHIR request needs a valid token and proof', () => {
  test('with them: 200; without a token: 401 with a DPoP challenge and an OperationOutcome', async () => {
    expect((await epjOslo.fhir('GET', 'Patient')).status).toBe(200);
    const res = await fetch(`${server.base}/Patient`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
    expect(((await res.json()) as OperationOutcome).issue?.[0]).toMatchObject({ severity: 'error', code: 'login' });
    // Metadata and discovery stay open.
    expect((await fetch(`${server.base}/metadata`)).status).toBe(200);
  });

  test.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 60, iat: Math.floor(Date.now() / 1000) - 400 }, /exp/],
    ['not yet valid', { nbf: Math.floor(Date.now() / 1000) + 300 }, /nbf/],
    ['for another audience', { aud: 'https://other-server.example/fhir' }, /aud/],
    ['from another issuer', { iss: 'https://evil.example' }, /iss/],
  ])('a token %s: 401', async (_case, claims, reason) => {
    const res = await withToken(await forgedToken(claims));
    expect(res.status).toBe(401);
    expect(res.body.issue?.[0]?.details?.text).toMatch(reason);
  });

  test('a token signed with another key, unsigned (alg none), or not a JWT: 401', async () => {
    const other = await newKeyPair();
    expect((await withToken(await forgedToken({}, other.privateKey))).status).toBe(401);
    const [header, payload] = (await forgedToken({})).split('.');
    const none = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'none' })).toString('base64url')}.${payload}.`;
    expect((await withToken(none)).status).toBe(401);
    expect((await withToken('not-a-token')).status).toBe(401);
  });

  test('a forged tenant claim cannot be signed: changing the payload breaks the signature', async () => {
    const [header, payload, signature] = epjOslo.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, tenant: BODO })).toString('base64url')}.${signature}`;
    expect((await withToken(tampered)).status).toBe(401);
  });

  test('DPoP: a proof for another method or URL, a reused proof, another key\'s proof, no proof, or the token sent as Bearer: 401', async () => {
    const token = epjOslo.accessToken;
    const url = `${server.base}/Patient`;
    const send = (headers: Record<string, string>) => fetch(url, { headers: { authorization: `DPoP ${token}`, ...headers } });
    expect((await send({ dpop: await epjOslo.proof('POST', url, token) })).status).toBe(401);
    expect((await send({ dpop: await epjOslo.proof('GET', `${server.base}/Observation`, token) })).status).toBe(401);
    const proof = await epjOslo.proof('GET', url, token);
    expect((await send({ dpop: proof })).status).toBe(200);
    const replay = await send({ dpop: proof });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toMatch(/invalid_dpop_proof/);
    expect((await send({ dpop: await epjOslo.proof('GET', url, token, {}, await newKeyPair()) })).status).toBe(401);
    expect((await send({ dpop: await epjOslo.proof('GET', url, undefined) })).status).toBe(401); // no ath
    expect((await send({})).status).toBe(401);
    const bearer = await fetch(url, { headers: { authorization: `Bearer ${token}`, dpop: await epjOslo.proof('GET', url, token) } });
    expect(bearer.status).toBe(401);
  });
});

describe('scopes', () => {
  test('a vendor reads patients but may not create or delete them: 403 naming the scope', async () => {
    expect((await vendorOslo.fhir('GET', 'Patient')).status).toBe(200);
    const created = await vendorOslo.fhir<OperationOutcome>('POST', 'Patient', patient(1));
    expect(created.status).toBe(403);
    expect(created.body.issue?.[0]).toMatchObject({ code: 'forbidden' });
    expect(created.body.issue?.[0]?.details?.text).toMatch(/system\/Patient\.c/);
    expect((await vendorOslo.fhir('POST', 'Observation', pulse())).status).toBe(201);
  });

  test('inside a batch or transaction each entry is checked: forbidden entries fail, a forbidden transaction stores nothing', async () => {
    const batch = await vendorOslo.fhir<Bundle>('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: pulse(), request: { method: 'POST', url: 'Observation' } },
        { resource: patient(2), request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.body.entry?.map((e) => e.response?.status.slice(0, 3))).toEqual(['201', '403']);
    const transaction = await vendorOslo.fhir('POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:1b7a0f8e-0000-4000-8000-000000000001', resource: patient(3), request: { method: 'POST', url: 'Patient' } },
        { resource: pulse(), request: { method: 'POST', url: 'Observation' } },
      ],
    });
    expect(transaction.status).toBe(403);
    const found = await epjOslo.fhir<Bundle>('GET', `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(3)}`);
    expect(found.body.entry ?? []).toHaveLength(0);
  });

  test('_include brings in only what the token may read', async () => {
    const patientId = (await epjOslo.fhir<{ id: string }>('POST', 'Patient', patient(30))).body.id;
    const plan = await epjOslo.fhir<{ id: string }>('POST', 'CarePlan', { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${patientId}` } });
    const plansOnly = await OAuthTestClient.register(server, { id: 'epj-oslo-plans', tenant: OSLO, role: 'epj' });
    await plansOnly.login('system/CarePlan.rs');
    const found = await plansOnly.fhir<Bundle>('GET', `CarePlan?_id=${plan.body.id}&_include=CarePlan:subject`);
    expect(found.status).toBe(200);
    expect(found.body.entry?.map((e) => e.resource?.resourceType)).toEqual(['CarePlan']);
    const both = await epjOslo.fhir<Bundle>('GET', `CarePlan?_id=${plan.body.id}&_include=CarePlan:subject`);
    expect(both.body.entry?.map((e) => e.resource?.resourceType)).toEqual(['CarePlan', 'Patient']);
  });

  test('a token narrowed to fewer scopes than the client has allows only those', async () => {
    const narrow = await OAuthTestClient.register(server, { id: 'epj-oslo-reader', tenant: OSLO, role: 'epj' });
    await narrow.login('system/Observation.rs');
    expect((await narrow.fhir('GET', 'Observation')).status).toBe(200);
    expect((await narrow.fhir('GET', 'Patient')).status).toBe(403);
    expect((await narrow.fhir('GET', '_history')).status).toBe(403);
  });
});

describe('municipalities never see each other\'s data', () => {
  let osloPatient: Patient & { id: string };

  beforeAll(async () => {
    const created = await epjOslo.fhir<Patient & { id: string }>('POST', 'Patient', patient(10));
    expect(created.status).toBe(201);
    osloPatient = created.body;
  });

  test('by id, version, search, history, and batch entry: not found, with no hint that it exists', async () => {
    const own = await epjOslo.fhir('GET', `Patient/${osloPatient.id}`);
    expect(own.status).toBe(200);
    const other = await epjBodo.fhir<OperationOutcome>('GET', `Patient/${osloPatient.id}`);
    expect(other.status).toBe(404);
    const unknown = await epjBodo.fhir<OperationOutcome>('GET', `Patient/${randomUUID()}`);
    expect(other.body).toEqual(unknown.body); // the same answer as for an id that exists nowhere
    expect((await epjBodo.fhir('GET', `Patient/${osloPatient.id}/_history/1`)).status).toBe(404);
    expect((await epjBodo.fhir('GET', `Patient/${osloPatient.id}/_history`)).status).toBe(404);
    const search = await epjBodo.fhir<Bundle>('GET', `Patient?identifier=${FNR_SYSTEM}|${syntheticFnr(10)}`);
    expect(search.body.entry ?? []).toHaveLength(0);
    const byId = await epjBodo.fhir<Bundle>('GET', `Patient?_id=${osloPatient.id}`);
    expect(byId.body.entry ?? []).toHaveLength(0);
    const history = await epjBodo.fhir<Bundle>('GET', 'Patient/_history');
    expect((history.body.entry ?? []).map((e) => e.resource?.id)).not.toContain(osloPatient.id);
    const batch = await epjBodo.fhir<Bundle>('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: `Patient/${osloPatient.id}` } }],
    });
    expect(batch.body.entry?.[0]?.response?.status).toMatch(/^404/);
  });

  test('_include of a reference into another municipality includes nothing', async () => {
    const plan = await epjBodo.fhir<{ id: string }>('POST', 'CarePlan', {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: { reference: `Patient/${osloPatient.id}` },
    });
    expect(plan.status, plan.text).toBe(201);
    const found = await epjBodo.fhir<Bundle>('GET', `CarePlan?_id=${plan.body.id}&_include=CarePlan:subject`);
    expect(found.status).toBe(200);
    expect(found.body.entry?.map((e) => e.resource?.resourceType)).toEqual(['CarePlan']);
    // Oslo's own plan for the patient includes the patient.
    const own = await epjOslo.fhir<{ id: string }>('POST', 'CarePlan', { resourceType: 'CarePlan', status: 'active', intent: 'plan', subject: { reference: `Patient/${osloPatient.id}` } });
    const included = await epjOslo.fhir<Bundle>('GET', `CarePlan?_id=${own.body.id}&_include=CarePlan:subject`);
    expect(included.body.entry?.map((e) => e.resource?.resourceType)).toEqual(['CarePlan', 'Patient']);
  });

  test('by chain and _has: references are followed within the municipality, so another one\'s resource is never reached', async () => {
    // Bodø's plan names Oslo's patient by id; Oslo's plan names it too.
    const bodoPlan = await epjBodo.fhir<{ id: string }>('POST', 'CarePlan', { resourceType: 'CarePlan', status: 'active', intent: 'proposal', subject: { reference: `Patient/${osloPatient.id}` } });
    const osloPlan = await epjOslo.fhir<{ id: string }>('POST', 'CarePlan', { resourceType: 'CarePlan', status: 'active', intent: 'order', subject: { reference: `Patient/${osloPatient.id}` } });
    expect([bodoPlan.status, osloPlan.status]).toEqual([201, 201]);
    const ids = async (client: OAuthTestClient, query: string) => {
      const res = await client.fhir<Bundle>('GET', query);
      expect(res.status, res.text).toBe(200);
      return (res.body.entry ?? []).map((e) => e.resource?.id);
    };
    for (const chain of [`subject:Patient.identifier=${FNR_SYSTEM}|${syntheticFnr(10)}`, 'subject:Patient.name=Testesen10', 'patient.family=Testesen10']) {
      expect(await ids(epjBodo, `CarePlan?${chain}`)).toEqual([]);
      expect(await ids(epjOslo, `CarePlan?${chain}`)).toContain(osloPlan.body.id);
    }
    // Bodø's plan does not make Oslo's patient match for Oslo, nor the patient visible to Bodø.
    expect(await ids(epjOslo, 'Patient?_has:CarePlan:subject:intent=proposal')).toEqual([]);
    expect(await ids(epjOslo, 'Patient?_has:CarePlan:subject:intent=order')).toEqual([osloPatient.id]);
    expect(await ids(epjBodo, 'Patient?_has:CarePlan:subject:intent=proposal')).toEqual([]);
  });

  test('a chain reads what it goes through: it needs that type\'s scope, and a vendor may not filter by patients it does not serve', async () => {
    const narrow = await OAuthTestClient.register(server, { id: 'epj-oslo-narrow', tenant: OSLO, role: 'epj', scopes: ['system/CarePlan.rs'] });
    await narrow.login();
    expect((await narrow.fhir('GET', 'CarePlan?subject:Patient.name=Testesen10')).status).toBe(403);
    expect((await narrow.fhir('GET', 'CarePlan?status=active')).status).toBe(200);
    // Vendors search plans (of patients they serve); a chain into Patient would tell of others.
    const viaPatient = await vendorOslo.fhir<OperationOutcome>('GET', 'CarePlan?subject:Patient.name=Testesen10');
    expect(viaPatient.status).toBe(403);
    expect(viaPatient.body.issue?.[0]?.details?.text).toMatch(/may not chain or use _has through Patient/);
    expect((await vendorOslo.fhir('GET', 'CarePlan?subject._has:EpisodeOfCare:patient:status=active')).status).toBe(403);
    expect((await vendorOslo.fhir('GET', `CarePlan?subject:identifier=${SERVED.system}|${SERVED.value}`)).status).toBe(200);
  });

  test('the plan of a search (_explain) is an administrator\'s only', async () => {
    expect((await epjOslo.fhir('GET', 'Patient?_explain=plan')).status).toBe(403);
    const admin = await OAuthTestClient.register(server, { id: 'admin-oslo-explain', tenant: OSLO, role: 'admin' });
    await admin.login();
    const res = await admin.fhir<{ parameter?: { name: string; valueString?: string }[] }>('GET', 'Patient?_explain=plan');
    expect(res.status, res.text).toBe(200);
    // The plan is of the administrator's own municipality's rows.
    expect(res.body.parameter?.find((p) => p.name === 'sql')?.valueString).toMatch(/r\.tenant = \$1/);
  });

  test('the definitions the server publishes (profiles, topics) are visible to every municipality; a municipality\'s own Basic is not', async () => {
    const profile = await epjOslo.fhir<Bundle>('GET', 'StructureDefinition?url=https://knutepunkt.dev/fhir/StructureDefinition/wt-detectedissue');
    expect(profile.body.entry).toHaveLength(1);
    expect((await epjBodo.fhir('GET', 'Basic/topic-alarm')).status).toBe(200);
    const topics = await epjBodo.fhir<Bundle>('GET', 'Basic?code=http://hl7.org/fhir/fhir-types|SubscriptionTopic&_count=50');
    expect(topics.body.entry?.length).toBe(7);
    const adminBodo = await OAuthTestClient.register(server, { id: 'admin-bodo', tenant: BODO, role: 'admin' });
    await adminBodo.login();
    const own = await adminBodo.fhir<{ id: string }>('POST', 'Basic', { resourceType: 'Basic', code: { text: 'Bodøs egen' } });
    expect(own.status).toBe(201);
    expect((await epjOslo.fhir('GET', `Basic/${own.body.id}`)).status).toBe(404);
    expect(((await epjOslo.fhir<Bundle>('GET', 'Basic?_count=100')).body.entry ?? []).map((e) => e.resource?.id)).not.toContain(own.body.id);
  });

  test('search parameters are defined by administrators only, and apply in every municipality', async () => {
    const definition = {
      resourceType: 'SearchParameter',
      url: 'https://example.org/fhir/SearchParameter/access-family-initial',
      name: 'familyInitial',
      status: 'active',
      description: 'The family names of a patient, for the access test',
      code: 'access-family',
      base: ['Patient'],
      type: 'string',
      expression: 'Patient.name.family',
    };
    // Even with the scope, an EPJ client is not an administrator.
    const epjWithScope = await OAuthTestClient.register(server, {
      id: 'epj-oslo-searchparameter', tenant: OSLO, role: 'epj', scopes: ['system/*.rs', 'system/SearchParameter.cruds'],
    });
    await epjWithScope.login();
    const refused = await epjWithScope.fhir<OperationOutcome>('POST', 'SearchParameter', definition);
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0].details?.text).toContain('administrator');
    const admin = await OAuthTestClient.register(server, { id: 'admin-oslo-searchparameter', tenant: OSLO, role: 'admin' });
    await admin.login();
    expect((await admin.fhir('POST', 'SearchParameter', definition)).status).toBe(201);
    // Bodø searches its own patients with it: the index is of every municipality's data, each sees its own rows.
    const own = await epjBodo.fhir<Patient & { id: string }>('POST', 'Patient', patient(61));
    const found = await epjBodo.fhir<Bundle>('GET', 'Patient?access-family=Testesen61');
    expect(found.status, found.text).toBe(200);
    expect(found.body.entry?.filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id)).toEqual([own.body.id]);
    expect((await epjOslo.fhir<Bundle>('GET', 'Patient?access-family=Testesen61')).body.entry?.filter((e) => e.search?.mode === 'match') ?? []).toEqual([]);
  });

  test('writes: an update or delete by another municipality never touches the resource', async () => {
    const update = await epjBodo.fhir('PUT', `Patient/${osloPatient.id}`, { ...patient(10), id: osloPatient.id, name: [{ family: 'Overskrevet' }] });
    expect([200, 201]).toContain(update.status); // Bodø's own resource under that id, if anything
    expect((await epjBodo.fhir('DELETE', `Patient/${osloPatient.id}`)).status).toBe(200);
    const still = await epjOslo.fhir<Patient>('GET', `Patient/${osloPatient.id}`);
    expect(still.status).toBe(200);
    expect(still.body.name?.[0]?.family).toBe('Testesen10');
    expect(still.body.meta?.versionId).toBe('1');
  });
});

describe('subscriptions see their own municipality only', () => {
  const subscribe = async (client: OAuthTestClient, filter: string, path: string) => {
    const created = await client.fhir<Subscription & { id: string }>('POST', 'Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'journalføring',
      criteria: 'https://knutepunkt.dev/fhir/SubscriptionTopic/measurement',
      _criteria: { extension: [{ url: BACKPORT_EXTENSIONS.filterCriteria, valueString: filter }] },
      extension: [{ url: SECRET_EXTENSION, valueString: 'x'.repeat(40) }],
      channel: {
        type: 'rest-hook',
        endpoint: `${receiver.url}${path}`,
        payload: 'application/fhir+json',
        _payload: { extension: [{ url: BACKPORT_EXTENSIONS.payloadContent, valueCode: 'id-only' }] },
      },
    });
    expect(created.status, created.text).toBe(201);
    const deadline = Date.now() + 10_000;
    while ((await client.fhir<Subscription>('GET', `Subscription/${created.body.id}`)).body.status !== 'active' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return created.body.id;
  };
  const events = (path: string) => receiver.requests.filter((r) => r.path === path && r.body.includes('event-notification'));

  test('events of another municipality never notify; the municipality filter takes the own organisasjonsnummer, and another one matches nothing', async () => {
    await subscribe(epjOslo, `municipality=${OSLO}`, '/oslo-own');
    await subscribe(epjOslo, `municipality=${BODO}`, '/oslo-naming-bodo');
    await subscribe(epjOslo, `code=http://loinc.org|8867-4`, '/oslo-all');
    await subscribe(epjBodo, `code=http://loinc.org|8867-4`, '/bodo-all');
    const oslo = await vendorOslo.fhir<Observation & { id: string }>('POST', 'Observation', pulse());
    const bodoVendor = await OAuthTestClient.register(server, { id: 'vft-bodo', tenant: BODO, role: 'vendor', serviceCodes: ['DT'] });
    await bodoVendor.login();
    const bodo = await bodoVendor.fhir<Observation & { id: string }>('POST', 'Observation', pulse());
    await receiver.waitFor(() => events('/oslo-own').length >= 1 && events('/oslo-all').length >= 1 && events('/bodo-all').length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(events('/oslo-own').map((r) => r.body.includes(oslo.body.id))).toEqual([true]);
    expect(events('/oslo-all').map((r) => r.body.includes(oslo.body.id))).toEqual([true]);
    expect(events('/bodo-all').map((r) => r.body.includes(bodo.body.id))).toEqual([true]);
    expect(events('/oslo-naming-bodo')).toHaveLength(0);
  });

  test('another municipality\'s subscription cannot be read, searched or asked for its status', async () => {
    const id = await subscribe(epjOslo, `municipality=${OSLO}`, '/oslo-private');
    expect((await epjBodo.fhir('GET', `Subscription/${id}`)).status).toBe(404);
    expect((await epjBodo.fhir('GET', `Subscription/${id}/$status`)).status).toBe(404);
    expect((await epjBodo.fhir('GET', `Subscription/${id}/$events`)).status).toBe(404);
    const search = await epjBodo.fhir<Bundle>('GET', `Subscription?_id=${id}`);
    expect(search.body.entry ?? []).toHaveLength(0);
  });

  test('a municipality that is not an organisasjonsnummer is refused at the filter', async () => {
    const res = await epjOslo.fhir<OperationOutcome>('POST', 'Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'x',
      criteria: 'https://knutepunkt.dev/fhir/SubscriptionTopic/alarm',
      _criteria: { extension: [{ url: BACKPORT_EXTENSIONS.filterCriteria, valueString: 'municipality=123456789' }] },
      extension: [{ url: SECRET_EXTENSION, valueString: 'x'.repeat(40) }],
      channel: { type: 'rest-hook', endpoint: `${receiver.url}/x`, payload: 'application/fhir+json' },
    });
    expect(res.status).toBe(422);
    expect(res.body.issue?.find((i) => i.expression?.includes('Subscription.criteria.extension[0]'))?.details?.text).toMatch(/organisasjonsnummer/);
  });
});
