import type { Config } from '../../config.ts';
import type { Database } from './database.ts';
import { PgliteDatabase } from './pglite-driver.ts';
import { PostgresDatabase } from './postgres-driver.ts';

/** Opens PostgreSQL when DATABASE_URL is set, else the embedded PGlite store in DATA_DIR. */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<Database> {
  if (config.databaseUrl) {
    return PostgresDatabase.connect(config.databaseUrl);
  }
  return PgliteDatabase.open(config.dataDir);
}
