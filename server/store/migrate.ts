import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db/database.ts';

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations');
/** Any fixed number: several server processes starting at once take turns through this lock. */
const MIGRATION_LOCK = 747_001;

interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The versioned migrations shipped with the server, in order (`NNN_name.sql`). */
export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 3)), name: f, sql: readFileSync(join(dir, f), 'utf8') }));
}

/**
 * Brings the schema up to date: each migration not yet recorded runs in its own transaction
 * together with its record, so a failed migration leaves nothing behind. Returns the names run.
 */
export async function migrate(db: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migration (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: string[] = [];
  for (const migration of listMigrations(dir)) {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const done = await tx.query('SELECT 1 FROM schema_migration WHERE version = $1', [migration.version]);
      if (done.length > 0) {
        return;
      }
      for (const statement of splitStatements(migration.sql)) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO schema_migration (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      applied.push(migration.name);
    });
  }
  return applied;
}

/** Splits a migration file into statements (the files hold no functions or quoted semicolons). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}
