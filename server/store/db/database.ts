/** A row as the database returns it: column name to value. */
export type Row = Record<string, unknown>;

/**
 * The one database interface the store is written against. Both drivers (PostgreSQL over the
 * network, PGlite in-process) run the same SQL text with `$n` parameters, so no query is
 * written twice.
 */
export interface Database {
  /** Runs one statement and returns its rows. */
  query<T extends object = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs `fn` inside one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Database) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** True when this handle is already inside a transaction. */
  readonly inTransaction: boolean;
  /** Which engine answers: used only for health output and for the few places the engines differ. */
  readonly engine: 'postgres' | 'pglite';
  /**
   * A handle of its own for searches: every statement planned for its values (a code held by a
   * tenth of the rows and one held by three want different plans; a prepared statement's generic
   * plan serves neither), and, when `timeoutMs` > 0, cancelled after it (SQLSTATE 57014). Undefined
   * where there is no such pool (PGlite: one user, in-process). Close it apart.
   */
  searchPool(timeoutMs: number): Database | undefined;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /** Run at SERIALIZABLE isolation, retried on serialization failure (conditional writes). */
  serializable?: boolean;
}

/** SQLSTATE codes the store reacts to. */
export const SqlState = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  queryCanceled: '57014',
} as const;

/** Reads the SQLSTATE of a driver error, whichever driver threw it. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True for the errors concurrent writers cause: a duplicate version, a serialization failure, a deadlock. */
export function isConflict(err: unknown): boolean {
  const state = sqlState(err);
  return state === SqlState.uniqueViolation || state === SqlState.serializationFailure || state === SqlState.deadlockDetected;
}

/** Retries `fn` when PostgreSQL reports a serialization failure or deadlock between transactions. */
export async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isConflict(err) || attempt >= attempts) {
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}
