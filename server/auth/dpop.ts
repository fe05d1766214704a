import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import type { ReplayCache } from './replay.ts';

/**
 * DPoP proofs (RFC 9449): a JWT the client signs for each request with the key its token is bound
 * to. Checked: type, an asymmetric algorithm, a public key in the header, the method and URL of
 * this request, freshness, a jti not seen before, and (at the resource server) the hash of the
 * access token it accompanies. Returns the thumbprint of the key, which binds the token.
 */

export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA'];

export class DpopError extends Error {}

export interface DpopCheck {
  method: string;
  /** The request URL as the client addressed it, without query or fragment. */
  url: string;
  /** At the resource server: the access token the proof must name (ath). */
  accessToken?: string;
  maxAgeSeconds: number;
  replay: ReplayCache;
}

export async function verifyDpopProof(proof: string, check: DpopCheck): Promise<string> {
  let payload;
  let protectedHeader;
  try {
    ({ payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: DPOP_ALGORITHMS,
      maxTokenAge: `${check.maxAgeSeconds}s`,
      clockTolerance: 5,
      requiredClaims: ['jti', 'iat', 'htm', 'htu'],
    }));
  } catch (err) {
    throw new DpopError(`invalid DPoP proof: ${(err as Error).message}`);
  }
  const jwk = protectedHeader.jwk;
  if (!jwk || 'd' in jwk || jwk.kty === 'oct') {
    throw new DpopError('invalid DPoP proof: the header must carry a public key');
  }
  if (payload.htm !== check.method) {
    throw new DpopError(`DPoP proof is for ${String(payload.htm)}, not ${check.method}`);
  }
  if (normalizeUrl(String(payload.htu)) !== normalizeUrl(check.url)) {
    throw new DpopError('DPoP proof is for another URL');
  }
  if (check.accessToken !== undefined) {
    const expected = createHash('sha256').update(check.accessToken).digest('base64url');
    if (payload.ath !== expected) {
      throw new DpopError('DPoP proof does not name this access token (ath)');
    }
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  const expiresAt = ((payload.iat as number) + check.maxAgeSeconds + 5) * 1000;
  if (!check.replay.firstUse(`${jkt}:${String(payload.jti)}`, expiresAt)) {
    throw new DpopError('DPoP proof already used');
  }
  return jkt;
}

/** Scheme and host in lower case, no default port, no query or fragment (WHATWG URL does the first two). */
export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '';
  }
}
