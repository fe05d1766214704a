import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signatures of rest-hook notifications, so a receiver knows a notification came from this server
 * and was not altered or replayed. The header is
 *
 *   X-Knutepunkt-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * A receiver verifies it by recomputing the HMAC over the timestamp, a dot and the body bytes
 * exactly as received (before any JSON parsing), comparing in constant time, and refusing a
 * timestamp further than its tolerance from its own clock. While a secret is being rotated the
 * header carries one v1 per secret; any one matching is enough.
 */

export const SIGNATURE_HEADER = 'x-knutepunkt-signature';
/** Five minutes either way: wide enough for clock skew, narrow enough against replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new per-subscription signing secret: 256 random bits, URL-safe. */
export function newSigningSecret(): string {
  return randomBytes(32).toString('base64url');
}

function hmac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature header value for a body, with one v1 per secret (several while rotating). */
export function signatureHeader(secrets: readonly string[], body: string | Buffer, now = Date.now()): string {
  const timestamp = Math.floor(now / 1000);
  return [`t=${timestamp}`, ...secrets.map((s) => `v1=${hmac(s, timestamp, body)}`)].join(',');
}

export type Verification = { valid: true; timestamp: number } | { valid: false; reason: string };

/** Checks a signature header against the raw body; says why when it does not hold. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  options: { toleranceSeconds?: number; now?: number } = {},
): Verification {
  if (!header) {
    return { valid: false, reason: 'no signature header' };
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) {
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) {
      signatures.push(value);
    }
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { valid: false, reason: 'malformed signature header' };
  }
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    return { valid: false, reason: `timestamp outside the ${tolerance} s tolerance` };
  }
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  const matches = signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'signature does not match the body' };
}
