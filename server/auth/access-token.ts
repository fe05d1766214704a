import { randomUUID } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { Client } from './clients.ts';
import type { SigningKeys } from './signing-keys.ts';
import { TOKEN_ALG } from './signing-keys.ts';

/**
 * The access tokens this server issues: short-lived JWTs signed with its own key, naming the
 * client, its tenant, role, service codes and granted scopes, and (DPoP) the thumbprint of the
 * key the client must prove possession of with every request.
 */

export interface TokenClaims {
  clientId: string;
  tenant: string;
  role: Client['role'];
  serviceCodes: string[];
  scope: string;
  /** The DPoP key thumbprint the token is bound to; undefined for a Bearer token. */
  jkt?: string;
  /** When the token expires (epoch ms); set on verification. */
  expiresAt?: number;
}

export interface Audience {
  /** This server's issuer identifier (its origin). */
  issuer: string;
  /** The FHIR base the token is for. */
  audience: string;
}

export async function issueAccessToken(keys: SigningKeys, claims: TokenClaims, where: Audience, ttlSeconds: number): Promise<string> {
  return new SignJWT({
    client_id: claims.clientId,
    tenant: claims.tenant,
    role: claims.role,
    service_codes: claims.serviceCodes,
    scope: claims.scope,
    ...(claims.jkt ? { cnf: { jkt: claims.jkt } } : {}),
  })
    .setProtectedHeader({ alg: TOKEN_ALG, kid: keys.current.kid, typ: 'at+jwt' })
    .setIssuer(where.issuer)
    .setAudience(where.audience)
    .setSubject(claims.clientId)
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keys.current.key);
}

export class TokenError extends Error {}

/** Verifies one of our access tokens: our key, our issuer, this audience, not expired or early. */
export async function verifyAccessToken(keys: SigningKeys, token: string, where: Audience): Promise<TokenClaims> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new TokenError('the access token is not a JWT');
  }
  const key = kid ? keys.verifying.get(kid) : undefined;
  if (!key) {
    throw new TokenError('the access token is not signed by this server');
  }
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [TOKEN_ALG],
      issuer: where.issuer,
      audience: where.audience,
      typ: 'at+jwt',
      clockTolerance: 5,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    const cnf = payload.cnf as { jkt?: string } | undefined;
    return {
      clientId: String(payload.client_id ?? payload.sub),
      tenant: String(payload.tenant),
      role: payload.role as Client['role'],
      serviceCodes: (payload.service_codes as string[] | undefined) ?? [],
      scope: String(payload.scope ?? ''),
      jkt: cnf?.jkt,
      expiresAt: (payload.exp as number) * 1000,
    };
  } catch (err) {
    throw new TokenError(`the access token is refused: ${(err as Error).message}`);
  }
}
