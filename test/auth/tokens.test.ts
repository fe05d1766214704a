import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OAuthTestClient, newKeyPair } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * The token endpoint over HTTP with real keys: the client-credentials grant with a private_key_jwt
 * assertion (RFC 7523) and a DPoP proof (RFC 9449), and each way an assertion or proof can be bad.
 */

const MUNICIPALITY = '910000004';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

let server: TestServer;
let vendor: OAuthTestClient;

beforeAll(async () => {
  server = await startTestServer({ auth: 'on' });
  vendor = await OAuthTestClient.register(server, { id: 'vft-alarm-910000004', tenant: MUNICIPALITY, role: 'vendor', serviceCodes: ['TA', 'MD'] });
});

afterAll(async () => {
  await server?.close();
});

async function grant(assertion: string, extra: Record<string, string> = {}, dpop?: string) {
  const form = { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra };
  return vendor.tokenRequest(form, { dpop: dpop ?? (await vendor.proof('POST', vendor.tokenEndpoint)) });
}

describe('discovery', () => {
  test('SMART configuration names the token endpoint, private_key_jwt, DPoP algorithms and the JWKS; the JWKS has public keys only', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await fetch(`${server.root}${path}`);
      expect(res.status).toBe(200);
      const config = (await res.json()) as Record<string, unknown>;
      expect(config).toMatchObject({
        token_endpoint: `${server.root}/oauth2/token`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        grant_types_supported: ['client_credentials'],
        jwks_uri: `${server.root}/oauth2/jwks`,
      });
      expect(config.dpop_signing_alg_values_supported).toContain('ES256');
    }
    const jwks = (await (await fetch(`${server.root}/oauth2/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.length).toBeGreaterThan(0);
    expect(jwks.keys.every((k) => k.kty === 'EC' && !('d' in k))).toBe(true);
  });
});

describe('client credentials with private_key_jwt and DPoP', () => {
  test('a valid assertion and proof get a short-lived DPoP-bound token with the role\'s scopes, not cached', async () => {
    const res = await grant(await vendor.assertion());
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ token_type: 'DPoP', expires_in: 300 });
    expect(res.body.scope).toContain('system/DetectedIssue.cru');
    const claims = decodeJwt(res.body.access_token);
    expect(claims).toMatchObject({ sub: vendor.id, tenant: MUNICIPALITY, role: 'vendor', service_codes: ['TA', 'MD'], aud: `${server.root}/fhir` });
    expect((claims.cnf as { jkt: string }).jkt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((claims.exp as number) - (claims.iat as number)).toBe(300);
  });

  test('a narrower scope is granted as asked; a scope beyond the client\'s is refused (invalid_scope)', async () => {
    const narrow = await grant(await vendor.assertion(), { scope: 'system/Observation.cr system/Patient.rs' });
    expect(narrow.status, narrow.text).toBe(200);
    expect(narrow.body.scope).toBe('system/Observation.cr system/Patient.rs');
    const wide = await grant(await vendor.assertion(), { scope: 'system/Patient.cruds' });
    expect(wide.status).toBe(400);
    expect(wide.body.error).toBe('invalid_scope');
    expect(wide.body.error_description).toMatch(/system\/Patient\.cruds/);
  });

  test.each([
    ['signed with another key under the client\'s key id', async () => vendor.assertion({}, { kid: vendor.signingKey.publicJwk.kid }, await newKeyPair()), /signature/i],
    ['signed with a key the client has not registered', async () => vendor.assertion({}, {}, await newKeyPair()), /no applicable key/],
    ['expired', async () => vendor.assertion({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 }), /exp/],
    ['not yet valid', async () => vendor.assertion({ nbf: Math.floor(Date.now() / 1000) + 120 }), /nbf/],
    ['for another audience', async () => vendor.assertion({ aud: 'https://another.example/oauth2/token' }), /aud/],
    ['with another subject', async () => vendor.assertion({ sub: 'someone-else' }), /sub/],
    ['living longer than five minutes', async () => vendor.assertion({ exp: Math.floor(Date.now() / 1000) + 3600 }), /longer than 300 seconds/],
    ['without a jti', async () => vendor.assertion({ jti: undefined }), /jti/],
    ['from an unknown client', async () => vendor.assertion({ iss: 'nobody', sub: 'nobody' }), /unknown client/],
    [
      'unsigned (alg: none)',
      async () => {
        const now = Math.floor(Date.now() / 1000);
        const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ iss: vendor.id, sub: vendor.id, aud: vendor.tokenEndpoint, jti: 'x1', iat: now, exp: now + 60 })}.`;
      },
      /alg|signature|Unsupported/i,
    ],
    ['signed with a shared secret (HS256)', async () => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: vendor.id, sub: vendor.id, aud: vendor.tokenEndpoint, jti: 'hs', iat: now, exp: now + 60 })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a-shared-secret-a-shared-secret-32'));
    }, /alg|not allowed|Unsupported/i],
  ])('an assertion %s is refused with 401 invalid_client', async (_case, make, reason) => {
    const res = await grant(await make());
    expect(res.status, res.text).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_description).toMatch(reason);
    expect(res.body.access_token).toBeUndefined();
  });

  test('an assertion is used once: the same jti again is refused', async () => {
    const assertion = await vendor.assertion();
    expect((await grant(assertion)).status).toBe(200);
    const again = await grant(assertion);
    expect(again.status).toBe(401);
    expect(again.body.error_description).toMatch(/already used/);
  });

  test('without a DPoP proof, or with a proof for another URL or method, or reused, no token (invalid_dpop_proof)', async () => {
    const form = async () => ({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: await vendor.assertion() });
    const none = await vendor.tokenRequest(await form());
    expect(none.status).toBe(400);
    expect(none.body.error).toBe('invalid_dpop_proof');
    const otherUrl = await vendor.tokenRequest(await form(), { dpop: await vendor.proof('POST', `${server.root}/elsewhere`) });
    expect([otherUrl.status, otherUrl.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const otherMethod = await vendor.tokenRequest(await form(), { dpop: await vendor.proof('GET', vendor.tokenEndpoint) });
    expect([otherMethod.status, otherMethod.body.error]).toEqual([400, 'invalid_dpop_proof']);
    const proof = await vendor.proof('POST', vendor.tokenEndpoint);
    expect((await vendor.tokenRequest(await form(), { dpop: proof })).status).toBe(200);
    const reused = await vendor.tokenRequest(await form(), { dpop: proof });
    expect([reused.status, reused.body.error]).toEqual([400, 'invalid_dpop_proof']);
    expect(reused.body.error_description).toMatch(/already used/);
  });

  test('other grants and client authentication methods are refused', async () => {
    const password = await vendor.tokenRequest({ grant_type: 'password', username: 'x', password: 'y' });
    expect([password.status, password.body.error]).toEqual([400, 'unsupported_grant_type']);
    const secret = await vendor.tokenRequest({ grant_type: 'client_credentials', client_id: vendor.id, client_secret: 'secret' });
    expect([secret.status, secret.body.error]).toEqual([401, 'invalid_client']);
  });
});
