import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { signClientAssertion, signDpopProof } from '../../examples/oauth-client/client.ts';
import type { ClientRole, ServiceCode } from '../../server/auth/clients.ts';
import type { TestServer } from './server.ts';

/**
 * A client of the test server's OAuth endpoints with real keys: it signs private_key_jwt client
 * assertions and DPoP proofs, obtains tokens, and calls the FHIR API with them. Overrides let a
 * test forge every kind of bad assertion and proof.
 */

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newKeyPair(alg = 'ES256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg, kid: randomUUID() } };
}

export interface Registration {
  id: string;
  tenant: string;
  role: ClientRole;
  serviceCodes?: ServiceCode[];
  scopes?: string[];
}

export interface JsonReply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class OAuthTestClient {
  readonly id: string;
  readonly signingKey: KeyPair;
  readonly dpopKey: KeyPair;
  private readonly server: TestServer;
  accessToken = '';

  private constructor(server: TestServer, id: string, signingKey: KeyPair, dpopKey: KeyPair) {
    this.server = server;
    this.id = id;
    this.signingKey = signingKey;
    this.dpopKey = dpopKey;
  }

  /** Registers a client (and its tenant, if new) directly in the server's registry. */
  static async register(server: TestServer, registration: Registration): Promise<OAuthTestClient> {
    const clients = server.services.auth.clients;
    if (!(await clients.tenant(registration.tenant))) {
      await clients.createTenant({ id: registration.tenant, name: `Kommune ${registration.tenant}` });
    }
    const signingKey = await newKeyPair();
    await clients.registerClient({
      id: registration.id,
      tenant: registration.tenant,
      name: registration.id,
      role: registration.role,
      serviceCodes: registration.serviceCodes ?? [],
      scopes: registration.scopes,
      jwks: { keys: [signingKey.publicJwk] },
    });
    return new OAuthTestClient(server, registration.id, signingKey, await newKeyPair());
  }

  get tokenEndpoint(): string {
    return `${this.server.root}/oauth2/token`;
  }

  /** A client assertion; `claims`/`header` override what a well-behaved client sends. */
  async assertion(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key = this.signingKey): Promise<string> {
    return signClientAssertion(this.id, this.tokenEndpoint, key, claims, header);
  }

  /** A DPoP proof for one request; `claims` override. */
  async proof(method: string, url: string, accessToken?: string, claims: Record<string, unknown> = {}, key = this.dpopKey): Promise<string> {
    return signDpopProof(method, url, key, accessToken, claims);
  }

  /** POSTs to the token endpoint with the given form fields and headers. */
  async tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<JsonReply> {
    const res = await fetch(this.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  /** Obtains a DPoP-bound token (or fails the test) and keeps it for `fhir`. */
  async login(scope?: string): Promise<string> {
    const reply = await this.tokenRequest(
      {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await this.assertion(),
        ...(scope ? { scope } : {}),
      },
      { dpop: await this.proof('POST', this.tokenEndpoint) }
    );
    if (reply.status !== 200) {
      throw new Error(`token request answered ${reply.status}: ${reply.text}`);
    }
    this.accessToken = reply.body.access_token;
    return this.accessToken;
  }

  /** A FHIR API request with the token and a fresh DPoP proof. */
  async fhir<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonReply<T>> {
    const url = `${this.server.base}/${path.replace(/^\//, '')}`;
    const res = await fetch(url, {
      method,
      headers: {
        accept: 'application/fhir+json',
        authorization: `DPoP ${this.accessToken}`,
        dpop: await this.proof(method, url.split('?')[0], this.accessToken),
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
}
