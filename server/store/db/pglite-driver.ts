import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Transaction } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import type { Database, Row } from './database.ts';

type Handle = PGlite | Transaction;

/**
 * PGlite (PostgreSQL compiled to WebAssembly) in this process: the zero-set-up embedded store.
 * It has one backend, so PGlite itself serialises transactions; serializable isolation holds
 * trivially and is not requested.
 */
export class PgliteDatabase implements Database {
  readonly engine = 'pglite' as const;

  /** PGlite runs one statement at a time in this process: nothing can cancel it. */
  searchPool(): undefined {
    return undefined;
  }

  private readonly handle: Handle;
  private readonly root: PGlite | undefined;
  readonly inTransaction: boolean;

  private constructor(handle: Handle, root: PGlite | undefined) {
    this.handle = handle;
    this.root = root;
    this.inTransaction = root === undefined;
  }

  /** Opens (or creates) the database in `dataDir`; `memory://` keeps it in memory only. */
  static async open(dataDir: string): Promise<PgliteDatabase> {
    if (!dataDir.startsWith('memory://')) {
      mkdirSync(dataDir, { recursive: true });
    }
    const db = await PGlite.create(dataDir, { extensions: { pg_trgm, btree_gin } });
    return new PgliteDatabase(db, db);
  }

  async query<T extends object = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.handle.query<T>(text, params as unknown[]);
    return result.rows;
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>): Promise<T> {
    if (!this.root) {
      return fn(this);
    }
    return this.root.transaction((tx) => fn(new PgliteDatabase(tx, undefined)));
  }

  async close(): Promise<void> {
    await this.root?.close();
  }
}
