import type { Database } from './db/database.ts';
import type { IndexRows } from './search/extract.ts';
import { emptyIndexRows } from './search/extract.ts';

/** One version to write: the resource text as it will be served, or a deletion. */
export interface VersionWrite {
  tenant: string;
  resourceType: string;
  id: string;
  version: number;
  lastUpdated: string;
  /** Serialised resource; undefined for a delete. */
  content?: string;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Index rows of the new version; empty for a delete. */
  index?: IndexRows;
}

const INDEX_INSERTS: { table: string; columns: string; select: string; record: string }[] = [
  { table: 'idx_token', columns: 'system, code, display', select: 'x.s, x.c, x.d', record: 'p int, s text, c text, d text' },
  { table: 'idx_string', columns: 'norm, exact', select: 'x.n, x.e', record: 'p int, n text, e text' },
  { table: 'idx_date', columns: 'low, high', select: 'x.l::timestamptz, x.h::timestamptz', record: 'p int, l text, h text' },
  {
    table: 'idx_reference',
    columns: 'target_type, target_id, url, ident_system, ident_value',
    select: 'x.t, x.i, x.u, x."is", x.iv',
    record: 'p int, t text, i text, u text, "is" text, iv text',
  },
  { table: 'idx_uri', columns: 'uri', select: 'x.u', record: 'p int, u text' },
  { table: 'idx_number', columns: 'low, high', select: 'x.l::numeric, x.h::numeric', record: 'p int, l text, h text' },
  {
    table: 'idx_quantity',
    columns: 'system, code, low, high',
    select: 'x.s, x.c, x.l::numeric, x.h::numeric',
    record: 'p int, s text, c text, l text, h text',
  },
];
const INDEX_KEYS: (keyof IndexRows)[] = ['token', 'string', 'date', 'reference', 'uri', 'number', 'quantity'];

/**
 * One statement writes a version: the current row (upsert), the history row, and the index rows
 * (old ones deleted, new ones inserted from JSON). Data-modifying CTEs share one snapshot, so the
 * deletes never see the rows inserted beside them. A second writer of the same version number
 * fails on the history key: that is how concurrent updates are detected.
 */
const WRITE_SQL = `WITH r AS (
  INSERT INTO resource (tenant, resource_type, id, version, last_updated, deleted, content)
  VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7)
  ON CONFLICT (tenant, resource_type, id) DO UPDATE SET
    version = EXCLUDED.version, last_updated = EXCLUDED.last_updated,
    deleted = EXCLUDED.deleted, content = EXCLUDED.content
  RETURNING rkey
), h AS (
  INSERT INTO resource_history (rkey, tenant, resource_type, id, version, last_updated, deleted, method, content)
  SELECT rkey, $1, $2, $3, $4, $5::timestamptz, $6, $8, $7 FROM r
  RETURNING seq
)${INDEX_INSERTS.map(
  (t, i) => `, d${i} AS (DELETE FROM ${t.table} WHERE rkey = (SELECT rkey FROM r))
, i${i} AS (INSERT INTO ${t.table} (tenant, param, rkey, ${t.columns})
  SELECT $1, x.p, r.rkey, ${t.select} FROM r, jsonb_to_recordset($${9 + i}::text::jsonb) AS x(${t.record}))`
).join('')}
SELECT r.rkey, h.seq FROM r, h`;

/** Writes one version with its history and index rows; returns the resource's row key. */
export async function writeVersion(db: Database, w: VersionWrite): Promise<number> {
  const index = w.index ?? emptyIndexRows();
  const rows = await db.query<{ rkey: string | number }>(WRITE_SQL, [
    w.tenant,
    w.resourceType,
    w.id,
    w.version,
    w.lastUpdated,
    w.content === undefined,
    w.content ?? null,
    w.method,
    ...INDEX_KEYS.map((k) => JSON.stringify(index[k])),
  ]);
  return Number(rows[0].rkey);
}
