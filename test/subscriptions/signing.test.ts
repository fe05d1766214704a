import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { newSigningSecret, signatureHeader, verifySignature } from '../../subscriptions/signing.ts';

const body = '{"resourceType":"Bundle","type":"history","entry":[]}';
const now = Date.parse('2026-11-22T10:00:00Z');

describe('notification signatures', () => {
  test('the documented recipe, written out by hand, verifies a signed body', () => {
    const secret = newSigningSecret();
    const header = signatureHeader([secret], body, now);
    // The receiver's recipe from the module documentation, independent of verifySignature.
    const fields = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
    const expected = createHmac('sha256', secret).update(`${fields.t}.${body}`).digest('hex');
    expect(fields.v1).toBe(expected);
    expect(Number(fields.t)).toBe(now / 1000);
    expect(verifySignature(secret, header, body, { now })).toEqual({ valid: true, timestamp: now / 1000 });
  });

  test('a tampered body, a wrong secret, a stale or future timestamp, or a malformed header fail, saying why', () => {
    const secret = newSigningSecret();
    const header = signatureHeader([secret], body, now);
    expect(verifySignature(secret, header, body.replace('history', 'batch'), { now })).toEqual({ valid: false, reason: 'signature does not match the body' });
    expect(verifySignature(newSigningSecret(), header, body, { now })).toEqual({ valid: false, reason: 'signature does not match the body' });
    expect(verifySignature(secret, header, body, { now: now + 301_000 })).toMatchObject({ valid: false, reason: expect.stringMatching(/tolerance/) });
    expect(verifySignature(secret, header, body, { now: now - 301_000 })).toMatchObject({ valid: false, reason: expect.stringMatching(/tolerance/) });
    expect(verifySignature(secret, header, body, { now: now + 299_000 })).toMatchObject({ valid: true });
    expect(verifySignature(secret, undefined, body, { now })).toEqual({ valid: false, reason: 'no signature header' });
    expect(verifySignature(secret, 't=abc,v1=zz', body, { now })).toEqual({ valid: false, reason: 'malformed signature header' });
    expect(verifySignature(secret, header.replace(/v1=[0-9a-f]+/, 'v1=00'), body, { now })).toMatchObject({ valid: false });
  });

  test('while a secret is rotated, either secret verifies', () => {
    const [old, fresh] = [newSigningSecret(), newSigningSecret()];
    const header = signatureHeader([old, fresh], body, now);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verifySignature(old, header, body, { now }).valid).toBe(true);
    expect(verifySignature(fresh, header, body, { now }).valid).toBe(true);
    expect(verifySignature(newSigningSecret(), header, body, { now }).valid).toBe(false);
  });

  test('bytes are signed as received: a Buffer and its string sign alike, re-serialised JSON does not', () => {
    const secret = newSigningSecret();
    const header = signatureHeader([secret], Buffer.from(body, 'utf8'), now);
    expect(verifySignature(secret, header, body, { now }).valid).toBe(true);
    expect(verifySignature(secret, header, JSON.stringify(JSON.parse(body), null, 2), { now }).valid).toBe(false);
  });

  test('secrets are 256 random bits, different every time', () => {
    const secrets = new Set(Array.from({ length: 100 }, newSigningSecret));
    expect(secrets.size).toBe(100);
    expect([...secrets].every((s) => Buffer.from(s, 'base64url').length === 32)).toBe(true);
  });
});
