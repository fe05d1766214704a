import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Database } from '../../server/store/db/database.ts';
import { PgliteDatabase } from '../../server/store/db/pglite-driver.ts';
import { PostgresDatabase } from '../../server/store/db/postgres-driver.ts';

/** A database for one test file: a fresh PostgreSQL database when DATABASE_URL is set, else PGlite in memory. */
export interface TestDatabase {
  db: Database;
  /** Connection string of the fresh database (PostgreSQL only). */
  url?: string;
  drop(): Promise<void>;
}

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const db = await PgliteDatabase.open('memory://');
    return { db, drop: () => db.close() };
  }
  const name = `kp_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = PostgresDatabase.connect(url.toString());
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
