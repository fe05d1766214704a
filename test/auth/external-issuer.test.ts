import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { signDpopProof } from '../../examples/oauth-client/client.ts';
import { newKeyPair } from '../support/oauth.ts';
import type { KeyPair } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Tokens of an external OpenID provider (HelseID-like) over HTTP: its keys published at a JWKS URL
 * on loopback, its tokens DPoP-bound, the municipality in orgnr_parent and the client in client_id.
 */

const ISSUER = 'https://helseid-sts.test.example';
const OSLO = '920000002';
let jwksServer: Server;
let issuerKey: KeyPair;
let server: TestServer;
let dpopKey: KeyPair;

beforeAll(async () => {
  issuerKey = await newKeyPair('RS256');
  dpopKey = await newKeyPair();
  jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [issuerKey.publicJwk] })));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  const address = jwksServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const base = loadConfig({});
  server = await startTestServer({
    auth: 'on',
    tokens: {
      ...base.tokens,
      external: { issuer: ISSUER, jwksUri: `http://127.0.0.1:${port}/jwks`, audience: 'knutepunkt', tenantClaim: 'orgnr_parent', clientClaim: 'client_id' },
    },
  });
  await server.services.auth.clients.createTenant({ id: OSLO, name: 'Oslo' });
  await server.services.auth.clients.registerClient({
    id: 'helseid-epj',
    tenant: OSLO,
    name: 'EPJ via HelseID',
    role: 'epj',
    serviceCodes: [],
    jwks: { keys: [(await newKeyPair()).publicJwk] },
  });
});

afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => jwksServer?.close(resolve));
});

async function externalToken(claims: Record<string, unknown> = {}, key = issuerKey, typ = 'at+jwt'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { kty, crv, x, y } = dpopKey.publicJwk;
  return new SignJWT({
    iss: ISSUER,
    aud: 'knutepunkt',
    client_id: 'helseid-epj',
    orgnr_parent: OSLO,
    scope: 'nhn:knutepunkt/api',
    iat: now,
    exp: now + 300,
    cnf: { jkt: await calculateJwkThumbprint({ kty, crv, x, y }) },
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.publicJwk.kid, typ })
    .sign(key.privateKey);
}

async function get(token: string): Promise<number> {
  const url = `${server.base}/Patient`;
  const res = await fetch(url, { headers: { authorization: `DPoP ${token}`, dpop: await signDpopProof('GET', url, { privateKey: dpopKey.privateKey, publicJwk: dpopKey.publicJwk }, token) } });
  return res.status;
}

test('a DPoP-bound token of the external issuer for a client registered here is accepted, as that client', async () => {
  expect(await get(await externalToken())).toBe(200);
});

test.each([
  ['for another audience', { aud: 'another-api' }],
  ['expired', { iat: Math.floor(Date.now() / 1000) - 900, exp: Math.floor(Date.now() / 1000) - 600 }],
  ['naming another municipality than the client\'s', { orgnr_parent: '930000000' }],
  ['of a client not registered here', { client_id: 'stranger' }],
  ['without the municipality claim', { orgnr_parent: undefined }],
])('a token %s: 401', async (_case, claims) => {
  expect(await get(await externalToken(claims))).toBe(401);
});

test('an ID token or another JWT of the issuer (typ not at+jwt): 401', async () => {
  expect(await get(await externalToken({}, issuerKey, 'JWT'))).toBe(401);
});

test('a token signed with a key the issuer does not publish: 401', async () => {
  const stranger = await newKeyPair('RS256');
  expect(await get(await externalToken({}, { ...stranger, publicJwk: { ...stranger.publicJwk, kid: issuerKey.publicJwk.kid } }))).toBe(401);
});

test('the settings: keys and audience required, keys over https (or http to this machine)', () => {
  expect(() => loadConfig({ OIDC_ISSUER: ISSUER })).toThrow(/OIDC_JWKS_URI/);
  expect(() => loadConfig({ OIDC_ISSUER: ISSUER, OIDC_JWKS_URI: 'http://keys.example/jwks', OIDC_AUDIENCE: 'x' })).toThrow(/https/);
  expect(() => loadConfig({ OIDC_ISSUER: ISSUER, OIDC_JWKS_URI: 'https://keys.example/jwks' })).toThrow(/OIDC_AUDIENCE/);
  expect(loadConfig({ OIDC_ISSUER: ISSUER, OIDC_JWKS_URI: 'https://keys.example/jwks', OIDC_AUDIENCE: 'knutepunkt' }).tokens.external).toEqual({
    issuer: ISSUER,
    jwksUri: 'https://keys.example/jwks',
    audience: 'knutepunkt',
    tenantClaim: 'orgnr_parent',
    clientClaim: 'client_id',
  });
});
