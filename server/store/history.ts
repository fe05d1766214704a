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

/** Versions newest first, keyset-paged on the history sequence so pages stay stable under writes. */
export async function readHistory(db: Database, scope: HistoryScope, q: HistoryQuery): Promise<HistoryRow[]> {
  const params: unknown[] = [scope.tenant];
  const where = ['tenant = $1'];
  if (scope.resourceType) {
    params.push(scope.resourceType);
    where.push(`resource_type = $${params.length}`);
  }
  if (scope.id) {
    params.push(scope.id);
    where.push(`id = $${params.length}`);
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
     WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT $${params.length}`,
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
