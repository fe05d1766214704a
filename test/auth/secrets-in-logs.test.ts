import { afterAll, beforeAll, expect, test } from 'vitest';
import { FNR_SYSTEM, syntheticFnr } from '../support/identities.ts';
import { OAuthTestClient } from '../support/oauth.ts';
import type { TestServer } from '../support/server.ts';
import { startTestServer } from '../support/server.ts';

/**
 * With authentication on and the most verbose logging, no secret reaches the log: not the access
 * tokens, client assertions or DPoP proofs of successful or refused requests, not the keys, and no
 * personal identifier from a query string.
 */

const lines: string[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ auth: 'on', logLevel: 'trace' }, { logStream: { write: (line) => lines.push(line) } });
});
afterAll(async () => {
  await server?.close();
});

test('tokens, assertions, proofs and keys of good and refused requests never appear in the log', async () => {
  const client = await OAuthTestClient.register(server, { id: 'epj-logs', tenant: '910000004', role: 'epj' });
  const secrets: string[] = [];
  const token = await client.login();
  secrets.push(token);
  const fnr = syntheticFnr(42);
  expect((await client.fhir('GET', `Patient?identifier=${FNR_SYSTEM}|${fnr}`)).status).toBe(200);
  const assertion = await client.assertion({ aud: 'https://wrong.example/token' });
  secrets.push(assertion);
  const proof = await client.proof('POST', client.tokenEndpoint);
  secrets.push(proof);
  const refused = await client.tokenRequest(
    { grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
    { dpop: proof }
  );
  expect(refused.status).toBe(401);
  const stale = await fetch(`${server.base}/Patient`, { headers: { authorization: `DPoP ${token}`, dpop: proof } });
  expect(stale.status).toBe(401);
  const log = lines.join('\n');
  expect(lines.length).toBeGreaterThan(4); // the requests were logged at all
  for (const secret of secrets) {
    // Any of the three parts of a JWT would do harm; the signature part identifies it best.
    expect(log).not.toContain(secret.split('.')[2]);
    expect(log).not.toContain(secret.split('.')[1]);
  }
  expect(log).not.toContain(client.signingKey.publicJwk.x as string);
  expect(log).not.toContain(client.dpopKey.publicJwk.x as string);
  expect(log).not.toContain(fnr);
});
