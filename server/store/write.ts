import type { AuditEventRow } from './audit/records.ts';
import { insertAuditEventsSql } from './audit/records.ts';
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
  /** The AuditEvent of the request that writes this version, stored with it (audit/write-audit.ts). */
  audit?: AuditEventRow;
}

/** Each index table with its value columns and how they come out of the JSON rows of extract.ts. */
export const INDEX_INSERTS: { table: string; columns: string; select: string; record: string }[] = [
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
  {
    table: 'idx_composite',
    columns: 'a_system, a_code, a_display, b_system, b_code, b_display, b_low, b_high, b_dlow, b_dhigh, b_norm, b_exact, b_target_type, b_target_id, b_url',
    select: 'x."as", x.ac, x.ad, x.bs, x.bc, x.bd, x.bl::numeric, x.bh::numeric, x.bdl::timestamptz, x.bdh::timestamptz, x.bn, x.be, x.btt, x.bti, x.bu',
    record: 'p int, "as" text, ac text, ad text, bs text, bc text, bd text, bl text, bh text, bdl text, bdh text, bn text, be text, btt text, bti text, bu text',
  },
  // Each word becomes the lexeme `param:word`, so the GIN index keeps every parameter's words apart (text.ts).
  { table: 'idx_text', columns: 'doc', select: "array_to_tsvector(string_to_array(x.p || ':' || replace(x.w, ' ', ' ' || x.p || ':'), ' '))", record: 'p int, w text' },
];
/** The IndexRows member of each INDEX_INSERTS table, in the same order. */
export const INDEX_KEYS: (keyof IndexRows)[] = ['token', 'string', 'date', 'reference', 'uri', 'number', 'quantity', 'composite', 'text'];

/**
 * One statement writes any number of versions: the current rows (upsert), the history rows, the
 * index rows (old ones deleted, new ones inserted), all passed as JSON, and one outbox row per
 * version for the subscription relay (outbox.ts). Data-modifying CTEs
 * share one snapshot, so the deletes never see the rows inserted beside them. A second writer of
 * the same version number fails on the history key: that is how concurrent updates are detected.
 * The AuditEvents of the requests that wrote the versions go into the audit store in the same
 * statement, so a write and its trace commit together.
 * Only resources with an earlier version can have index rows to delete; their keys go in as an
 * array so the deletes are index probes whatever the planner guesses about the CTEs' sizes.
 * The versions must name distinct resources (an upsert cannot touch one row twice).
 */
const WRITE_SQL = `WITH v AS (
  SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS v(
    n int, tenant text, resource_type text, id text, version int, last_updated timestamptz,
    deleted boolean, method text, content text)
), r AS (
  INSERT INTO resource (tenant, resource_type, id, version, last_updated, deleted, content)
  SELECT tenant, resource_type, id, version, last_updated, deleted, content FROM v ORDER BY n
  ON CONFLICT (tenant, resource_type, id) DO UPDATE SET
    version = EXCLUDED.version, last_updated = EXCLUDED.last_updated,
    deleted = EXCLUDED.deleted, content = EXCLUDED.content
  RETURNING rkey, tenant, resource_type, id
), k AS (
  SELECT v.*, r.rkey FROM v JOIN r USING (tenant, resource_type, id)
), h AS (
  INSERT INTO resource_history (rkey, tenant, resource_type, id, version, last_updated, deleted, method, content)
  SELECT rkey, tenant, resource_type, id, version, last_updated, deleted, method, content FROM k ORDER BY n
  RETURNING seq, rkey
), o AS (
  INSERT INTO outbox (history_seq) SELECT seq FROM h ORDER BY seq
)${INDEX_INSERTS.map(
  (t, i) => `, d${i} AS (DELETE FROM ${t.table} WHERE rkey = ANY (ARRAY(SELECT rkey FROM k WHERE version > 1)))
, i${i} AS (INSERT INTO ${t.table} (tenant, param, rkey, ${t.columns})
  SELECT k.tenant, x.p, k.rkey, ${t.select} FROM jsonb_to_recordset($${2 + i}::text::jsonb) AS x(vn int, ${t.record}) JOIN k ON k.n = x.vn)`
).join('')}
, a AS (${insertAuditEventsSql(`$${2 + INDEX_INSERTS.length}`)})
SELECT (SELECT count(*) FROM h) AS written`;

/**
 * Locks the current rows of the resources about to be written, in a statement of its own. While a
 * re-index job runs (store/reindex/), a write statement that waited for a batch's lock would
 * otherwise delete old index rows as of its own start, before the batch's rows were committed, and
 * leave those beside its new ones; after this lock the write statement's snapshot sees them.
 */
const LOCK_SQL = `SELECT 1 FROM resource r
  JOIN jsonb_to_recordset($1::text::jsonb) AS v(tenant text, resource_type text, id text)
    ON r.tenant = v.tenant AND r.resource_type = v.resource_type AND r.id = v.id
  FOR UPDATE OF r`;

/**
 * Writes versions of distinct resources with their history and index rows, in one statement; with
 * `lockFirst` (a re-index job is open), after locking their rows in a statement before it.
 */
export async function writeVersions(db: Database, writes: readonly VersionWrite[], lockFirst = false): Promise<void> {
  // A first version has no row a batch could hold, nor index rows of an older version to replace.
  if (lockFirst && writes.some((w) => w.version > 1)) {
    const keys = JSON.stringify(writes.map((w) => ({ tenant: w.tenant, resource_type: w.resourceType, id: w.id })));
    const lockThenWrite = async (tx: Database): Promise<void> => {
      await tx.query(LOCK_SQL, [keys]);
      await writeVersions(tx, writes);
    };
    await (db.inTransaction ? lockThenWrite(db) : db.transaction(lockThenWrite));
    return;
  }
  if (writes.length === 0) {
    return;
  }
  const versions = writes.map((w, n) => ({
    n,
    tenant: w.tenant,
    resource_type: w.resourceType,
    id: w.id,
    version: w.version,
    last_updated: w.lastUpdated,
    deleted: w.content === undefined,
    method: w.method,
    content: w.content ?? null,
  }));
  const indexParams = INDEX_KEYS.map((key) => {
    const rows: object[] = [];
    writes.forEach((w, n) => {
      for (const row of (w.index ?? emptyIndexRows())[key]) {
        rows.push({ vn: n, ...row });
      }
    });
    return JSON.stringify(rows);
  });
  const audits = JSON.stringify(writes.flatMap((w) => (w.audit ? [w.audit] : [])));
  await db.query(WRITE_SQL, [JSON.stringify(versions), ...indexParams, audits]);
}
