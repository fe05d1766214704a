import { afterAll, beforeAll, expect, test } from 'vitest';
import { generateClientKey, getToken, loadClientKey } from '../../examples/oauth-client/client.ts';
import { signDpopProof } from '../../examples/oauth-client/client.ts';
import type { ClientKey } from '../../examples/oauth-client/client.ts';
import { OAuthTestClient } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * The admin API over HTTP with real keys: a municipality's administrator registers a vendor's
 * client and rotates its keys, no restart; nobody else may, and no municipality sees another's
 * clients.
 */

const OSLO = '920000002';
const BODO = '930000000';
let server: TestServer;
let admin: OAuthTestClient;

beforeAll(async () => {
  server = await startTestServer({ auth: 'on' });
  admin = await OAuthTestClient.register(server, { id: 'admin-oslo', tenant: OSLO, role: 'admin' });
  await admin.login();
});
afterAll(async () => {
  await server?.close();
});

/** A request to the admin API as a client with a token and proof. */
async function call(client: OAuthTestClient, method: string, path: string, body?: unknown) {
  const url = `${server.root}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `DPoP ${client.accessToken}`,
      dpop: await client.proof(method, url, client.accessToken),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function worksWith(clientId: string, key: ClientKey): Promise<number> {
  try {
    const token = await getToken(server.base, clientId, key);
    const url = `${server.base}/Patient`;
    const res = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await signDpopProof('GET', url, key, token) } });
    return res.status;
  } catch (err) {
    return (err as Error).message.includes('invalid_client') ? 401 : 500;
  }
}

test('an administrator registers a vendor\'s client for its municipality, and it works at once', async () => {
  const { privateJwk, jwks } = await generateClientKey();
  const created = await call(admin, 'POST', '/admin/clients', { id: 'vft-new', name: 'Ny leverandør', role: 'vendor', serviceCodes: ['MD'], jwks });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: 'vft-new', tenant: OSLO, role: 'vendor', serviceCodes: ['MD'] });
  expect(await worksWith('vft-new', await loadClientKey(privateJwk))).toBe(200);
  expect((await call(admin, 'GET', '/admin/clients/vft-new')).body.tenant).toBe(OSLO);
  expect((await call(admin, 'GET', '/admin/tenant')).body).toMatchObject({ id: OSLO });
});

test('rotating a client\'s keys: the old key is refused from then on, the new one works', async () => {
  const first = await generateClientKey();
  await call(admin, 'POST', '/admin/clients', { id: 'vft-rotating', role: 'vendor', jwks: first.jwks });
  const oldKey = await loadClientKey(first.privateJwk);
  expect(await worksWith('vft-rotating', oldKey)).toBe(200);
  const second = await generateClientKey();
  expect((await call(admin, 'PUT', '/admin/clients/vft-rotating/keys', { jwks: second.jwks })).status).toBe(200);
  expect(await worksWith('vft-rotating', oldKey)).toBe(401);
  expect(await worksWith('vft-rotating', await loadClientKey(second.privateJwk))).toBe(200);
});

test('bad registrations are refused with a 400 naming the problem, and nothing is registered', async () => {
  const { jwks, privateJwk } = await generateClientKey();
  const cases = [
    [{ id: 'x1', role: 'vendor' }, /public keys/],
    [{ id: 'x2', role: 'owner', jwks }, /Unknown role/],
    [{ id: 'x3', role: 'vendor', serviceCodes: ['XX'], jwks }, /Unknown service code/],
    [{ id: 'x4', role: 'vendor', jwks: { keys: [privateJwk] } }, /public keys only/],
    [{ id: 'x5', role: 'vendor', jwksUri: 'http://keys.example/jwks' }, /https/],
    [{ id: 'x6', role: 'vendor', scopes: ['everything'], jwks }, /system scope/],
  ] as const;
  for (const [body, message] of cases) {
    const res = await call(admin, 'POST', '/admin/clients', body);
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(res.body.issue[0].details.text).toMatch(message);
    expect((await call(admin, 'GET', `/admin/clients/${body.id}`)).status).toBe(404);
  }
});

test('only administrators, and only of their own municipality', async () => {
  const epj = await OAuthTestClient.register(server, { id: 'epj-oslo-admin-test', tenant: OSLO, role: 'epj' });
  await epj.login();
  expect((await call(epj, 'POST', '/admin/clients', { id: 'sneaky', role: 'admin', jwks: (await generateClientKey()).jwks })).status).toBe(403);
  const bodoAdmin = await OAuthTestClient.register(server, { id: 'admin-bodo', tenant: BODO, role: 'admin' });
  await bodoAdmin.login();
  expect((await call(bodoAdmin, 'GET', '/admin/clients/vft-new')).status).toBe(404);
  expect((await call(bodoAdmin, 'PUT', '/admin/clients/vft-new/keys', { jwks: (await generateClientKey()).jwks })).status).toBe(404);
  expect((await fetch(`${server.root}/admin/tenant`)).status).toBe(401);
});

test('malformed registrations (wrong types) are a 400, not a server error', async () => {
  for (const body of [
    { id: 'y1', role: 'vendor', serviceCodes: 'TA', jwks: { keys: [] } },
    { id: 'y2', role: 'vendor', scopes: 'system/*.rs', jwks: { keys: [] } },
    { id: 'y3', role: 'vendor', jwks: { keys: [null] } },
    { id: 'y4', role: 'vendor', jwks: 'keys' },
    { id: ['y5'], role: 'vendor', jwksUri: 'https://keys.example/jwks' },
  ]) {
    const res = await call(admin, 'POST', '/admin/clients', body);
    expect(res.status, JSON.stringify(body)).toBe(400);
  }
});
