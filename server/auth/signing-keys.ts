import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import type { Database } from '../store/db/database.ts';

/**
 * The keys this server signs its access tokens with, kept in the database so every server process
 * of a deployment signs and verifies with the same ones and tokens survive a restart. The first
 * start makes one; retired keys stop signing but keep verifying until their tokens have expired.
 */

export const TOKEN_ALG = 'ES256';

export interface SigningKeys {
  /** The key new tokens are signed with. */
  current: { kid: string; key: CryptoKey };
  /** Every key a token of ours may be signed with, by kid. */
  verifying: ReadonlyMap<string, CryptoKey>;
  /** The public keys, for the JWKS endpoint. */
  jwks: { keys: JWK[] };
}

interface KeyRow {
  kid: string;
  private_jwk: JWK | string;
  public_jwk: JWK | string;
  retired_at: string | Date | null;
}

const json = (value: JWK | string): JWK => (typeof value === 'string' ? (JSON.parse(value) as JWK) : value);

/** Loads the signing keys, making the first one if there is none. */
export async function loadSigningKeys(db: Database): Promise<SigningKeys> {
  let rows = await readKeys(db);
  if (!rows.some((r) => r.retired_at === null)) {
    const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALG, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALG, use: 'sig' };
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALG };
    // Several processes may start at once: the first insert wins, the others read it.
    await db.query(
      `INSERT INTO signing_key (kid, private_jwk, public_jwk)
       SELECT $1, $2::text::jsonb, $3::text::jsonb WHERE NOT EXISTS (SELECT 1 FROM signing_key WHERE retired_at IS NULL)`,
      [kid, JSON.stringify(privateJwk), JSON.stringify(publicJwk)]
    );
    rows = await readKeys(db);
  }
  const active = rows.filter((r) => r.retired_at === null);
  const newest = active[active.length - 1];
  const verifying = new Map<string, CryptoKey>();
  for (const row of rows) {
    verifying.set(row.kid, (await importJWK(json(row.public_jwk), TOKEN_ALG)) as CryptoKey);
  }
  return {
    current: { kid: newest.kid, key: (await importJWK(json(newest.private_jwk), TOKEN_ALG)) as CryptoKey },
    verifying,
    jwks: { keys: rows.map((r) => json(r.public_jwk)) },
  };
}

async function readKeys(db: Database): Promise<KeyRow[]> {
  return db.query<KeyRow>('SELECT kid, private_jwk, public_jwk, retired_at FROM signing_key ORDER BY created_at, kid');
}
