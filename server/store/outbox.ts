import type { Database } from './db/database.ts';

/**
 * The transactional outbox (migrations 002, 003): every committed version leaves one event here,
 * written by the same statement as the version (write.ts). The subscription relay takes events
 * inside its own transaction and commits the notifications it made from them in that same
 * transaction, so an event is consumed exactly when its notifications exist: a relay that crashes
 * rolls back, and the events are taken again.
 */

export interface OutboxEvent {
  /** Position in the outbox: events of one resource are in version order. */
  seq: number;
  /** The history row of the version the event announces. */
  historySeq: number;
  tenant: string;
  resourceType: string;
  id: string;
  version: number;
  deleted: boolean;
  /** True when the version before this one was a deletion (the resource was brought back). */
  previousDeleted: boolean;
  committedAt: string;
  lastUpdated: string;
  /** The version as stored (JSON text); undefined for a deletion. */
  content?: string;
  /** For a deletion: the version that was deleted, which delete notifications are matched against. */
  previousContent?: string;
}

interface EventRow {
  seq: string | number;
  history_seq: string | number;
  tenant: string;
  resource_type: string;
  id: string;
  version: string | number;
  deleted: boolean;
  previous_deleted: boolean | null;
  committed_at: string | Date;
  last_updated: string | Date;
  content: string | null;
  previous_content: string | null;
}

// Rows another relay holds are skipped, not waited for; the versions are read from history.
const TAKE_SQL = `WITH o AS (
  DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING seq, history_seq, committed_at
)
SELECT o.seq, o.history_seq, h.tenant, h.resource_type, h.id, h.version, h.deleted, o.committed_at,
  h.last_updated, h.content, p.deleted AS previous_deleted,
  CASE WHEN h.deleted THEN p.content END AS previous_content
FROM o JOIN resource_history h ON h.seq = o.history_seq
LEFT JOIN resource_history p ON p.rkey = h.rkey AND p.version = h.version - 1
ORDER BY o.seq`;

/**
 * Removes up to `limit` events, oldest first, and returns them. Call it inside the transaction that
 * records what the events caused: a rollback puts them back.
 */
export async function takeOutboxEvents(tx: Database, limit: number): Promise<OutboxEvent[]> {
  const rows = await tx.query<EventRow>(TAKE_SQL, [limit]);
  return rows.map((r) => ({
    seq: Number(r.seq),
    historySeq: Number(r.history_seq),
    tenant: r.tenant,
    resourceType: r.resource_type,
    id: r.id,
    version: Number(r.version),
    deleted: r.deleted,
    previousDeleted: r.previous_deleted ?? false,
    committedAt: new Date(r.committed_at).toISOString(),
    lastUpdated: new Date(r.last_updated).toISOString(),
    content: r.content ?? undefined,
    previousContent: r.previous_content ?? undefined,
  }));
}

/** Events not yet taken: what the relay still owes. */
export async function outboxBacklog(db: Database): Promise<number> {
  const [row] = await db.query<{ n: string | number }>('SELECT count(*) AS n FROM outbox');
  return Number(row.n);
}
