import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ASYMMETRIC_ALGORITHMS } from './algorithms.ts';
import type { JWTVerifyGetKey } from 'jose';
import type { ExternalIssuerConfig } from '../config.ts';
import type { TokenClaims } from './access-token.ts';
import { TokenError } from './access-token.ts';
import type { ClientRegistry } from './clients.ts';

/**
 * Access tokens of an external OpenID provider (a HelseID-like issuer), accepted beside our own:
 * signed with one of the issuer's published keys, for our audience, unexpired. The municipality
 * comes from a claim (HelseID: orgnr_parent) and the client from another; the client must be
 * registered here for that municipality, and its registration, not the token, says what it may do.
 */


export class ExternalIssuer {
  readonly config: ExternalIssuerConfig;
  private readonly keys: JWTVerifyGetKey;
  private readonly clients: ClientRegistry;

  constructor(config: ExternalIssuerConfig, clients: ClientRegistry) {
    this.config = config;
    this.clients = clients;
    this.keys = createRemoteJWKSet(new URL(config.jwksUri), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }

  async verify(token: string): Promise<TokenClaims> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ASYMMETRIC_ALGORITHMS,
        // An access token, not an ID token or another JWT of the same issuer (RFC 9068).
        typ: 'at+jwt',
        clockTolerance: 5,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new TokenError(`the access token is refused: ${(err as Error).message}`);
    }
    const tenant = payload[this.config.tenantClaim];
    const clientId = payload[this.config.clientClaim];
    if (typeof tenant !== 'string' || typeof clientId !== 'string') {
      throw new TokenError(`the access token names no ${this.config.tenantClaim} or ${this.config.clientClaim}`);
    }
    const client = await this.clients.client(clientId);
    if (!client || client.tenant !== tenant) {
      throw new TokenError(`client ${clientId} is not registered here for ${tenant}`);
    }
    const cnf = payload.cnf as { jkt?: string } | undefined;
    return {
      clientId,
      tenant,
      role: client.role,
      serviceCodes: client.serviceCodes,
      scope: client.scopes.join(' '),
      jkt: cnf?.jkt,
      expiresAt: (payload.exp as number) * 1000,
    };
  }
}
