import postgres from 'postgres';
import type { Database, Row, TransactionOptions } from './database.ts';
import { withRetry } from './database.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** PostgreSQL through the `postgres` client: the production store. */
export class PostgresDatabase implements Database {
  readonly engine = 'postgres' as const;
  private readonly sql: Sql;
  private readonly root: postgres.Sql | undefined;
  readonly inTransaction: boolean;
  /** How the pool was opened, for a limited pool beside it. */
  private readonly opened: { url: string; max: number } | undefined;

  private constructor(sql: Sql, root: postgres.Sql | undefined, inTransaction: boolean, opened?: { url: string; max: number }) {
    this.sql = sql;
    this.root = root;
    this.inTransaction = inTransaction;
    this.opened = opened;
  }

  /** Opens a pool on `url`; `max` bounds the connections this process holds. */
  static connect(url: string, max = 10, session: Record<string, string | number> = {}): PostgresDatabase {
    const sql = postgres(url, {
      max,
      onnotice: () => undefined,
      // JIT compilation pays off for long analytical queries, not for the short statements of an API.
      connection: { application_name: 'knutepunkt', jit: 'off', ...session },
    });
    return new PostgresDatabase(sql, sql, false, { url, max });
  }

  /**
   * A pool beside this one whose connections carry the search settings as session settings: a
   * search costs no more round trips than any other statement (postgres.js opens connections
   * lazily). Custom plans cost a planning per statement, which writes, whose plans do not depend
   * on their values, keep saving on the main pool.
   */
  searchPool(timeoutMs: number): Database | undefined {
    const session = { plan_cache_mode: 'force_custom_plan', ...(timeoutMs > 0 ? { statement_timeout: timeoutMs } : {}) };
    return this.opened ? PostgresDatabase.connect(this.opened.url, this.opened.max, session) : undefined;
  }

  async query<T extends object = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const rows = await this.sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
    return rows as unknown as T[];
  }

  async transaction<T>(fn: (tx: Database) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.inTransaction) {
      return fn(this);
    }
    const root = this.root;
    if (!root) {
      throw new Error('transaction on a closed handle');
    }
    const run = (): Promise<T> =>
      root.begin(options.serializable ? 'isolation level serializable' : '', (tx) =>
        fn(new PostgresDatabase(tx, undefined, true))
      ) as Promise<T>;
    return options.serializable ? withRetry(run) : run();
  }

  async close(): Promise<void> {
    await this.root?.end({ timeout: 5 });
  }
}
