import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ASYMMETRIC_ALGORITHMS } from './algorithms.ts';
import type { JWTVerifyGetKey } from 'jose';
import type { Database } from '../store/db/database.ts';
import type { Client, ClientRegistry } from './clients.ts';

/**
 * Client authentication by `private_key_jwt` (RFC 7523, as HelseID and SMART backend services use
 * it): the client signs a short-lived JWT with its private key; the server checks it against the
 * public keys registered for the client. Checked: signature with an asymmetric algorithm,
 * iss = sub = the client id, aud = the token endpoint, exp (and a lifetime of at most five
 * minutes), and a jti never used before by that client.
 */

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_LIFETIME_SECONDS = 300;

export class ClientAuthError extends Error {
  /** The client, when its signature held and a later check failed (lifetime, replay). */
  readonly client?: Client;
  constructor(message: string, client?: Client) {
    super(message);
    this.client = client;
  }
}

export class ClientAssertionVerifier {
  private readonly db: Database;
  private readonly clients: ClientRegistry;
  /** Remote key sets, cached per URL (jose refreshes them when an unknown kid appears). */
  private readonly remote = new Map<string, JWTVerifyGetKey>();

  constructor(db: Database, clients: ClientRegistry) {
    this.db = db;
    this.clients = clients;
  }

  /** The client the assertion authenticates, or a ClientAuthError saying why not. */
  async verify(assertion: string, tokenEndpoint: string): Promise<Client> {
    let claimed: unknown;
    try {
      claimed = decodeJwt(assertion).iss;
    } catch {
      throw new ClientAuthError('client_assertion is not a JWT');
    }
    if (typeof claimed !== 'string') {
      throw new ClientAuthError('client_assertion names no issuer');
    }
    const client = claimed ? await this.clients.client(claimed) : undefined;
    if (!client) {
      throw new ClientAuthError('unknown client');
    }
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keysOf(client), {
        issuer: client.id,
        subject: client.id,
        audience: tokenEndpoint,
        algorithms: ASYMMETRIC_ALGORITHMS,
        clockTolerance: 5,
        requiredClaims: ['exp', 'jti'],
      }));
    } catch (err) {
      throw new ClientAuthError(`client_assertion refused: ${(err as Error).message}`);
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = payload.exp as number;
    if (exp - (payload.iat ?? now) > MAX_LIFETIME_SECONDS || exp - now > MAX_LIFETIME_SECONDS) {
      throw new ClientAuthError(`client_assertion lives longer than ${MAX_LIFETIME_SECONDS} seconds`, client);
    }
    // Used once: the same jti again, from this client, is a replay.
    const fresh = await this.db.query(
      `WITH gone AS (DELETE FROM used_assertion WHERE client_id = $1 AND expires_at < now())
       INSERT INTO used_assertion (client_id, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT DO NOTHING RETURNING jti`,
      [client.id, payload.jti, exp + 5]
    );
    if (fresh.length === 0) {
      throw new ClientAuthError('client_assertion already used (jti)', client);
    }
    return client;
  }

  private keysOf(client: Client): JWTVerifyGetKey {
    if (client.jwks) {
      return createLocalJWKSet(client.jwks);
    }
    const url = client.jwksUri as string;
    let keys = this.remote.get(url);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(url), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
      this.remote.set(url, keys);
    }
    return keys;
  }
}
