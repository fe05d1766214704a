import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';

/**
 * An example backend client of Knutepunkt, as a vendor or patient-record system writes one: it
 * authenticates with private_key_jwt (a JWT it signs with its own key; no shared secret), gets a
 * DPoP-bound access token, and signs a DPoP proof for every request. Run it:
 *
 *   node examples/oauth-client/client.ts keygen vendor            # vendor.key.json (private), vendor.jwks.json (public)
 *   FHIR_BASE=http://localhost:8080/fhir node examples/oauth-client/client.ts request \
 *     --client vft-demo --key vendor.key.json GET 'Patient?identifier=…'
 *   … request --client vft-demo --key vendor.key.json POST DetectedIssue --body alarm.json
 *
 * The response body goes to standard output, `HTTP <status>` to standard error; the exit code is 1
 * for a 4xx/5xx answer.
 */

export interface ClientKey {
  privateKey: CryptoKey;
  /** The public half, as registered with the server. */
  publicJwk: JWK;
}

/** A new ES256 key pair: the private JWK to keep, the public JWKS to register. */
export async function generateClientKey(): Promise<{ privateJwk: JWK; jwks: { keys: JWK[] } }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
  };
}

export async function loadClientKey(privateJwk: JWK): Promise<ClientKey> {
  const publicJwk = { ...privateJwk };
  delete publicJwk.d;
  return { privateKey: (await importJWK(privateJwk, 'ES256')) as CryptoKey, publicJwk };
}

/** The client assertion (RFC 7523) for one token request: iss = sub = client id, aud = the token endpoint. */
export async function signClientAssertion(clientId: string, tokenEndpoint: string, key: ClientKey, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: clientId, sub: clientId, aud: tokenEndpoint, jti: randomUUID(), iat: now, exp: now + 60, ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}

/** A DPoP proof (RFC 9449) for one request: method, URL without query, and with a token its hash. */
export async function signDpopProof(method: string, url: string, key: ClientKey, accessToken?: string, claims: Record<string, unknown> = {}): Promise<string> {
  const { kty, crv, x, y } = key.publicJwk;
  return new SignJWT({
    jti: randomUUID(),
    htm: method,
    htu: url.split('?')[0],
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken ? { ath: createHash('sha256').update(accessToken).digest('base64url') } : {}),
    ...claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } })
    .sign(key.privateKey);
}

/** Discovers the token endpoint and gets a DPoP-bound token for the client. */
export async function getToken(fhirBase: string, clientId: string, key: ClientKey, scope?: string): Promise<string> {
  const discovery = (await (await fetch(`${fhirBase}/.well-known/smart-configuration`)).json()) as { token_endpoint: string };
  const endpoint = discovery.token_endpoint;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await signDpopProof('POST', endpoint, key) },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await signClientAssertion(clientId, endpoint, key),
      ...(scope ? { scope } : {}),
    }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!res.ok || !body.access_token) {
    throw new Error(`token request refused: ${body.error} (${body.error_description})`);
  }
  return body.access_token;
}

/** One FHIR request with the token and a fresh proof. */
export async function fhirRequest(fhirBase: string, token: string, key: ClientKey, method: string, path: string, body?: string): Promise<Response> {
  const url = `${fhirBase}/${path.replace(/^\//, '')}`;
  return fetch(url, {
    method,
    headers: {
      accept: 'application/fhir+json',
      authorization: `DPoP ${token}`,
      dpop: await signDpopProof(method, url, key, token),
      ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    body,
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { client: { type: 'string' }, key: { type: 'string' }, body: { type: 'string' }, scope: { type: 'string' } },
  });
  const [command, ...rest] = positionals;
  if (command === 'keygen' && rest[0]) {
    const { privateJwk, jwks } = await generateClientKey();
    writeFileSync(`${rest[0]}.key.json`, JSON.stringify(privateJwk), { mode: 0o600 });
    writeFileSync(`${rest[0]}.jwks.json`, JSON.stringify(jwks, null, 2));
    process.stderr.write(`wrote ${rest[0]}.key.json (private: keep it) and ${rest[0]}.jwks.json (public: register it)\n`);
    return;
  }
  if (command === 'request' && values.client && values.key && rest.length === 2) {
    const fhirBase = (process.env.FHIR_BASE ?? 'http://localhost:8080/fhir').replace(/\/+$/, '');
    const key = await loadClientKey(JSON.parse(readFileSync(values.key, 'utf8')) as JWK);
    const token = await getToken(fhirBase, values.client, key, values.scope);
    const res = await fhirRequest(fhirBase, token, key, rest[0].toUpperCase(), rest[1], values.body ? readFileSync(values.body, 'utf8') : undefined);
    process.stdout.write(`${await res.text()}\n`);
    process.stderr.write(`HTTP ${res.status}\n`);
    process.exitCode = res.status >= 400 ? 1 : 0;
    return;
  }
  process.stderr.write('usage: client.ts keygen <name> | client.ts request --client <id> --key <name.key.json> [--scope "…"] [--body file.json] <METHOD> <path>\n');
  process.exitCode = 2;
}

if (import.meta.main) {
  await main();
}
