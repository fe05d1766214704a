import type { Database } from '../db/database.ts';
import type { IndexRows } from '../search/extract.ts';
import { INDEX_INSERTS, INDEX_KEYS } from '../write.ts';

/** The index rows of one stored resource, built again from its current version. */
export interface RebuiltRows {
  rkey: number;
  tenant: string;
  index: IndexRows;
}

/**
 * One statement replaces the index rows of some resources: for the given parameters only (a
 * parameter defined or changed at run time; their contained resources' rows, under the negated
 * id, with them: search/contained.ts), or all of them. Like the write statement (write.ts),
 * the deletes and inserts are CTEs of one snapshot, so the deletes never see the new rows.
 */
const REPLACE_SQL = `WITH ${INDEX_INSERTS.map(
  (t, i) => `d${i} AS (DELETE FROM ${t.table} WHERE rkey = ANY ($1::bigint[]) AND ($2::int[] IS NULL OR param = ANY ($2::int[]) OR -param = ANY ($2::int[])))
, i${i} AS (INSERT INTO ${t.table} (tenant, param, rkey, ${t.columns})
  SELECT x.tenant, x.p, x.rkey, ${t.select} FROM jsonb_to_recordset($${3 + i}::text::jsonb) AS x(tenant text, rkey bigint, ${t.record}))`
).join('\n, ')}
SELECT 1`;

export async function replaceIndexRows(db: Database, rebuilt: readonly RebuiltRows[], params: readonly number[] | undefined): Promise<void> {
  if (rebuilt.length === 0) {
    return;
  }
  const tables = INDEX_KEYS.map((key) =>
    JSON.stringify(rebuilt.flatMap(({ rkey, tenant, index }) => index[key].map((row) => ({ tenant, rkey, ...row }))))
  );
  await db.query(REPLACE_SQL, [rebuilt.map((r) => r.rkey), params ?? null, ...tables]);
}
