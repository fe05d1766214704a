import type { Database } from './db/database.ts';

/** Which history: one resource, one type, or the whole tenant. */
export interface HistoryScope {
  tenant: string;
  resourceType?: string;
  id?: string;
}

export interface HistoryQuery {
  /** Only versions written at or after this instant. */
  since?: string;
  count: number;
  /** Page cursor: versions with a sequence number below this one. */
  beforeSeq?: number;
}

export interface HistoryRow {
  seq: number;
  resourceType: string;
  id: string;
  version: number;
  deleted: boolean;
  method: string;
  lastUpdated: string;
  content: string | null;
}

/**
 * The WHERE clause and parameters of a page of history: the given columns equal, versions since
 * `q.since`, before the cursor; the last parameter is the page size. Shared with the audit store.
 */
export function historyFilter(equal: Record<string, string | undefined>, q: HistoryQuery): { where: string; params: unknown[]; limit: string } {
  const params: unknown[] = [];
  const where: string[] = [];
  for (const [column, value] of Object.entries(equal)) {
    if (value !== undefined) {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
  }
  if (q.since) {
    params.push(q.since);
    where.push(`last_updated >= $${params.length}::text::timestamptz`);
  }
  if (q.beforeSeq !== undefined) {
    params.push(q.beforeSeq);
    where.push(`seq < $${params.length}`);
  }
  params.push(q.count);
  return { where: where.join(' AND '), params, limit: `$${params.length}` };
}

/** Versions newest first, keyset-paged on the history sequence so pages stay stable under writes. */
export async function readHistory(db: Database, scope: HistoryScope, q: HistoryQuery): Promise<HistoryRow[]> {
  const { where, params, limit } = historyFilter({ tenant: scope.tenant, resource_type: scope.resourceType, id: scope.id }, q);
  const rows = await db.query<{
    seq: string | number;
    resource_type: string;
    id: string;
    version: number;
    deleted: boolean;
    method: string;
    last_updated: Date | string;
    content: string | null;
  }>(
    `SELECT seq, resource_type, id, version, deleted, method, last_updated, content FROM resource_history
     WHERE ${where} ORDER BY seq DESC LIMIT ${limit}`,
    params
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    resourceType: r.resource_type,
    id: r.id,
    version: Number(r.version),
    deleted: r.deleted,
    method: r.method,
    lastUpdated: new Date(r.last_updated).toISOString(),
    content: r.content,
  }));
}
