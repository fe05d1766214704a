import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Database } from '../db/database.ts';
import type { SearchPlan, SortKey } from './plan.ts';
import type { SqlParams } from './sql.ts';

/** Where a page starts: after (or, going back, before) the row whose sort values these are. */
export interface Cursor {
  values: (string | null)[];
  backward: boolean;
}

export interface PageRow {
  id: string;
  content: string;
  keys: (string | null)[];
  /**
   * Where the entry lives, relative to the base, when not `[searched type]/[id]`: a container
   * (`Observation/1`) or a contained resource (`Observation/1#p1`) of a `_contained` search.
   */
  path?: string;
}

export interface SearchPage {
  rows: PageRow[];
  /** Unknown parameters that were left out (lenient handling). */
  ignored: string[];
  /** Cursor of the page after this one, if any. */
  next?: Cursor;
  /** Cursor of the page before this one, if any. */
  previous?: Cursor;
  total?: number;
}

/** Encodes a cursor as an opaque URL-safe token. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.backward ? 1 : 0, cursor.values])).toString('base64url');
}

const VALUE_CHECK: Record<SortKey['cast'], (v: string) => boolean> = {
  bigint: (v) => /^\d{1,18}$/.test(v),
  numeric: (v) => /^-?\d+(\.\d+)?$/.test(v),
  timestamptz: (v) => v === 'infinity' || v === '-infinity' || /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d(:\d\d)?|Z)$/.test(v),
  text: () => true,
};

/** Decodes a `_cursor` token for these sort keys; a token that is not one of ours is a 400. */
export function decodeCursor(token: string, keys: SortKey[]): Cursor {
  try {
    const [backward, values] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [number, unknown[]];
    const fits =
      Array.isArray(values) &&
      values.length === keys.length &&
      values.every((v, i) => v === null || (typeof v === 'string' && VALUE_CHECK[keys[i].cast](v)));
    if (!fits || values.at(-1) === null) {
      throw new Error('shape');
    }
    return { backward: backward === 1, values: values as (string | null)[] };
  } catch {
    throw new OperationOutcomeError(badRequest('Invalid _cursor: it does not belong to this search', '_cursor'));
  }
}

interface OrderedKey extends SortKey {
  nullsLast: boolean;
}

/** Rows strictly after `values` in the order of `keys` (a lexicographic keyset condition). */
function keysetCondition(keys: OrderedKey[], values: (string | null)[], params: SqlParams): string {
  const alternatives: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const parts: string[] = [];
    for (let j = 0; j < i; j++) {
      const v = values[j];
      parts.push(v === null ? `q.k${j} IS NULL` : `q.k${j} = ${params.add(v, keys[j].cast)}`);
    }
    const key = keys[i];
    const v = values[i];
    if (v === null) {
      if (key.nullsLast) {
        continue;
      }
      parts.push(`q.k${i} IS NOT NULL`);
    } else {
      const op = key.descending ? '<' : '>';
      const placeholder = params.add(v, key.cast);
      parts.push(key.nullsLast ? `(q.k${i} ${op} ${placeholder} OR q.k${i} IS NULL)` : `q.k${i} ${op} ${placeholder}`);
    }
    alternatives.push(`(${parts.join(' AND ')})`);
  }
  return alternatives.length ? `(${alternatives.join(' OR ')})` : 'false';
}

export interface PageOptions {
  count: number;
  cursor?: Cursor;
  total?: 'none' | 'estimate' | 'accurate';
}

/** The SQL of one page: the plan's conditions, keyset paging after the cursor, one row more than the page. */
function pageQuery(plan: SearchPlan, options: PageOptions): { sql: string; keys: OrderedKey[]; backward: boolean } {
  const backward = options.cursor?.backward ?? false;
  // Going back, every key runs in reverse: descending becomes ascending and nulls come first.
  const keys: OrderedKey[] = plan.sort.map((k) => ({
    ...k,
    descending: backward ? !k.descending : k.descending,
    nullsLast: !backward,
  }));
  const params = plan.params;
  const select = keys.map((k, i) => `${k.expression} AS k${i}`).join(', ');
  const order = keys.map((k, i) => `q.k${i} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsLast ? 'LAST' : 'FIRST'}`).join(', ');
  const after = options.cursor ? `WHERE ${keysetCondition(keys, options.cursor.values, params)}` : '';
  const limit = params.add(options.count + 1);
  // Cursor values leave as PostgreSQL's own text (infinity included) and come back through a cast.
  const asText = keys.map((_, i) => `q.k${i}::text AS t${i}`).join(', ');
  const whereSql = plan.where.join(' AND ');
  const sql = `SELECT q.id, q.content, ${asText} FROM (SELECT r.id, r.content, ${select} FROM ${plan.table} r WHERE ${whereSql}) q ${after} ORDER BY ${order} LIMIT ${limit}`;
  return { sql, keys, backward };
}

/**
 * What PostgreSQL will do for a search (`analyze`: and what it did, by running it): the statements
 * executeSearch runs for these options (the count when a total is asked, the page unless `_count=0`),
 * the operator's view of a search, for finding the one that does not use an index.
 */
export async function explainSearch(db: Database, plan: SearchPlan, options: PageOptions, analyze: boolean): Promise<{ sql: string; plan: string }> {
  const statements: { sql: string; values: readonly unknown[] }[] = [];
  const count = countQuery(plan, options.total);
  if (count) {
    statements.push(count);
  }
  if (options.count > 0 || statements.length === 0) {
    statements.push({ sql: pageQuery(plan, { ...options, count: Math.max(options.count, 1) }).sql, values: plan.params.values });
  }
  const plans: string[] = [];
  for (const statement of statements) {
    const rows = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT TEXT) ${statement.sql}`, statement.values);
    plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  return { sql: statements.map((s) => s.sql).join(';\n'), plan: plans.join('\n\n') };
}

/**
 * The statement that counts a search's matches: from its index rows alone when it has one index
 * condition (countKeys), else over the type's resource rows. `estimate` asks the planner instead.
 */
function countQuery(plan: SearchPlan, total: PageOptions['total']): { sql: string; values: readonly unknown[]; estimate: boolean } | undefined {
  const values = plan.params.values.slice(0, plan.whereParamCount);
  if (total === 'accurate' && plan.countKeys) {
    return { sql: `SELECT count(DISTINCT k.rkey) AS n FROM (${plan.countKeys}) k`, values, estimate: false };
  }
  if (total === 'accurate' || total === 'estimate') {
    const from = `FROM ${plan.table} r WHERE ${plan.where.join(' AND ')}`;
    return total === 'estimate' ? { sql: `SELECT 1 ${from}`, values, estimate: true } : { sql: `SELECT count(*) AS n ${from}`, values, estimate: false };
  }
  return undefined;
}

/** Runs one page of a planned search with keyset paging, and the total when asked. */
export async function executeSearch(db: Database, plan: SearchPlan, options: PageOptions): Promise<SearchPage> {
  const page: SearchPage = { rows: [], ignored: plan.ignored };
  const count = countQuery(plan, options.total);
  if (count) {
    page.total = await countMatches(db, count);
  }
  if (options.count === 0) {
    return page;
  }
  const { sql, keys, backward } = pageQuery(plan, options);
  const params = plan.params;
  const rows = await db.query<Record<string, unknown>>(sql, params.values);
  const more = rows.length > options.count;
  const pageRows = rows.slice(0, options.count).map((row) => ({
    id: row.id as string,
    content: row.content as string,
    keys: keys.map((_, i) => (row[`t${i}`] ?? null) as string | null),
  }));
  if (backward) {
    pageRows.reverse();
  }
  // Cursors stay those of the rows the SQL found (containers, for a search of contained resources).
  page.rows = plan.refine ? pageRows.flatMap(plan.refine) : pageRows;
  const first = pageRows[0];
  const last = pageRows.at(-1);
  if (backward) {
    if (more && first) {
      page.previous = { values: first.keys, backward: true };
    }
    if (last) {
      page.next = { values: last.keys, backward: false };
    }
  } else {
    if (more && last) {
      page.next = { values: last.keys, backward: false };
    }
    if (options.cursor && first) {
      page.previous = { values: first.keys, backward: true };
    }
  }
  return page;
}

async function countMatches(db: Database, count: { sql: string; values: readonly unknown[]; estimate: boolean }): Promise<number> {
  if (count.estimate) {
    const rows = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${count.sql}`, count.values);
    const planJson = rows[0]?.['QUERY PLAN'];
    const parsed = (typeof planJson === 'string' ? JSON.parse(planJson) : planJson) as { Plan: { 'Plan Rows': number } }[];
    return Math.round(parsed[0]?.Plan?.['Plan Rows'] ?? 0);
  }
  const rows = await db.query<{ n: string | number }>(count.sql, count.values);
  return Number(rows[0].n);
}
