import type { TokenConfig } from '../config.ts';
import type { Database } from '../store/db/database.ts';
import type { Audience, TokenClaims } from './access-token.ts';
import { issueAccessToken, TokenError, verifyAccessToken } from './access-token.ts';
import type { AuthContext } from './auth-context.ts';
import { ClientAssertionVerifier, ClientAuthError } from './client-assertion.ts';
import type { Client } from './clients.ts';
import { ClientRegistry } from './clients.ts';
import { DpopError, verifyDpopProof } from './dpop.ts';
import { ExternalIssuer } from './external-token.ts';
import { decodeJwt } from 'jose';
import { ReplayCache } from './replay.ts';
import { ScopeSet, parseScope } from './scopes.ts';
import type { SigningKeys } from './signing-keys.ts';
import { loadSigningKeys } from './signing-keys.ts';

/**
 * Authentication as one object the HTTP layer calls: issuing a token for a client that proved
 * who it is (and, with DPoP, which key it holds), and turning the token and proof of a request
 * into an AuthContext. HTTP details (form fields, headers, status codes) stay in the routes.
 */

/** Where a request was addressed: this server's origin and FHIR base, as the client sees them. */
export interface Addressing extends Audience {
  /** The URL of the token endpoint (the audience of client assertions). */
  tokenEndpoint: string;
}

/** An OAuth error (RFC 6749 §5.2, RFC 9449 §5), with the HTTP status it is sent with. */
export class OAuthError extends Error {
  readonly code: string;
  readonly status: number;
  /** The client, when it proved who it is before the request failed (for the audit trail). */
  readonly client?: Client;
  constructor(code: string, description: string, status = 400, client?: Client) {
    super(description);
    this.code = code;
    this.status = status;
    this.client = client;
  }
}

export interface TokenRequest {
  grantType?: string;
  assertionType?: string;
  assertion?: string;
  scope?: string;
  /** The DPoP header of the token request. */
  dpop?: string;
}

export interface IssuedToken {
  accessToken: string;
  tokenType: 'DPoP' | 'Bearer';
  expiresIn: number;
  scope: string;
  client: Client;
}

export interface ResourceRequest {
  authorization?: string;
  dpop?: string;
  method: string;
  /** The request URL as the client addressed it, without query. */
  url: string;
}

export class AuthService {
  readonly clients: ClientRegistry;
  private readonly keys: SigningKeys;
  private readonly assertions: ClientAssertionVerifier;
  private readonly config: TokenConfig;
  private readonly proofs = new ReplayCache();
  /**
   * Access tokens already verified, until they expire: a client sends the same token with many
   * requests, and only the proof that comes with each must be checked anew.
   */
  private readonly verified = new Map<string, { claims: TokenClaims; scopes: ScopeSet }>();

  /** Tokens of an external OpenID provider accepted beside ours, when configured. */
  private readonly external: ExternalIssuer | undefined;

  private constructor(db: Database, keys: SigningKeys, config: TokenConfig) {
    this.clients = new ClientRegistry(db);
    this.keys = keys;
    this.assertions = new ClientAssertionVerifier(db, this.clients);
    this.config = config;
    this.external = config.external ? new ExternalIssuer(config.external, this.clients) : undefined;
  }

  static async start(db: Database, config: TokenConfig): Promise<AuthService> {
    return new AuthService(db, await loadSigningKeys(db), config);
  }

  /** The public keys tokens are signed with (JWKS). */
  get jwks(): SigningKeys['jwks'] {
    return this.keys.jwks;
  }

  get allowsBearer(): boolean {
    return this.config.allowBearer;
  }

  /** The client-credentials grant with a private_key_jwt assertion, DPoP-bound unless Bearer is allowed and no proof came. */
  async issue(request: TokenRequest, where: Addressing): Promise<IssuedToken> {
    if (request.grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'Only grant_type=client_credentials is supported');
    }
    if (request.assertionType !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !request.assertion) {
      throw new OAuthError('invalid_client', 'Authenticate with a private_key_jwt client_assertion (RFC 7523)', 401);
    }
    let client: Client;
    try {
      client = await this.assertions.verify(request.assertion, where.tokenEndpoint);
    } catch (err) {
      if (err instanceof ClientAuthError) {
        throw new OAuthError('invalid_client', err.message, 401, err.client);
      }
      throw err;
    }
    try {
      return await this.issueFor(client, request, where);
    } catch (err) {
      if (err instanceof OAuthError && !err.client) {
        throw new OAuthError(err.code, err.message, err.status, client);
      }
      throw err;
    }
  }

  /** The token of a client that proved who it is: the DPoP binding and the scopes checked. */
  private async issueFor(client: Client, request: TokenRequest, where: Addressing): Promise<IssuedToken> {
    let jkt: string | undefined;
    if (request.dpop) {
      jkt = await this.proof(request.dpop, { method: 'POST', url: where.tokenEndpoint }, 400);
    } else if (!this.config.allowBearer) {
      throw new OAuthError('invalid_dpop_proof', 'A DPoP proof is required: this server issues sender-constrained tokens only');
    }
    const scope = grantedScopes(client, request.scope);
    const accessToken = await issueAccessToken(
      this.keys,
      { clientId: client.id, tenant: client.tenant, role: client.role, serviceCodes: client.serviceCodes, scope, jkt },
      where,
      this.config.ttlSeconds
    );
    return { accessToken, tokenType: jkt ? 'DPoP' : 'Bearer', expiresIn: this.config.ttlSeconds, scope, client };
  }

  /** The key thumbprint of a valid DPoP proof, or invalid_dpop_proof with the given status. */
  private async proof(proof: string, check: { method: string; url: string; accessToken?: string }, status: number): Promise<string> {
    try {
      return await verifyDpopProof(proof, { ...check, maxAgeSeconds: this.config.proofMaxAgeSeconds, replay: this.proofs });
    } catch (err) {
      if (err instanceof DpopError) {
        throw new OAuthError('invalid_dpop_proof', err.message, status);
      }
      throw err;
    }
  }

  /** The claims of one of our access tokens for this audience, from memory while it is unexpired. */
  private async verifiedToken(token: string, where: Audience): Promise<{ claims: TokenClaims; scopes: ScopeSet }> {
    const key = `${where.audience}\u0000${token}`;
    const known = this.verified.get(key);
    if (known && (known.claims.expiresAt ?? 0) > Date.now()) {
      return known;
    }
    let claims;
    try {
      claims = this.external && issuerOf(token) === this.external.config.issuer ? await this.external.verify(token) : await verifyAccessToken(this.keys, token, where);
    } catch (err) {
      if (err instanceof TokenError) {
        throw new OAuthError('invalid_token', err.message, 401);
      }
      throw err;
    }
    if (this.verified.size >= MAX_VERIFIED) {
      this.verified.clear();
    }
    const verified = { claims, scopes: ScopeSet.parse(claims.scope) };
    this.verified.set(key, verified);
    return verified;
  }

  /** The AuthContext of a request to the FHIR API, or an OAuthError (401) saying what is wrong. */
  async authenticate(request: ResourceRequest, where: Audience): Promise<AuthContext> {
    const match = /^(DPoP|Bearer)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.authorization ?? '');
    if (!match) {
      throw new OAuthError('invalid_token', request.authorization ? 'Malformed Authorization header' : 'An access token is required', 401);
    }
    const scheme = match[1].toLowerCase();
    const token = match[2];
    const { claims, scopes } = await this.verifiedToken(token, where);
    if (claims.jkt) {
      if (scheme !== 'dpop' || !request.dpop) {
        throw new OAuthError('invalid_token', 'This token is DPoP-bound: send it as "Authorization: DPoP …" with a DPoP proof', 401);
      }
      const jkt = await this.proof(request.dpop, { method: request.method, url: request.url, accessToken: token }, 401);
      if (jkt !== claims.jkt) {
        throw new OAuthError('invalid_dpop_proof', 'The DPoP proof is signed with another key than the token is bound to', 401);
      }
    } else if (scheme !== 'bearer' || !this.config.allowBearer) {
      throw new OAuthError('invalid_token', 'Bearer tokens are not accepted here: use a DPoP-bound token', 401);
    }
    return {
      tenant: claims.tenant,
      clientId: claims.clientId,
      role: claims.role,
      scopes,
      serviceCodes: claims.serviceCodes,
    };
  }
}

/** The issuer a token claims, unverified: only to choose whose keys verify it. */
function issuerOf(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}

/** The largest number of verified tokens remembered; beyond it the memory starts afresh. */
const MAX_VERIFIED = 10_000;

/** The requested scopes if the client may have each of them, else all the client may have. */
function grantedScopes(client: Client, requested: string | undefined): string {
  const allowed = ScopeSet.parse(client.scopes.join(' '));
  if (!requested?.trim()) {
    return allowed.toString();
  }
  const asked = requested.trim().split(/\s+/);
  for (const text of asked) {
    const scope = parseScope(text);
    if (!scope || !allowed.covers(scope)) {
      throw new OAuthError('invalid_scope', `Scope ${text} is not one this client may have`);
    }
  }
  return asked.join(' ');
}
