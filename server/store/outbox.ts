import type { Database } from './db/database.ts';

/**
 * The transactional outbox (migration 002): every committed version leaves one event here, written
 * by the same statement as the version (write.ts). The subscription relay leases events, turns them
 * into notification jobs and acknowledges them once the jobs are queued. A lease that runs out
 * (the relay crashed between queueing and acknowledging) makes its events available again, so
 * delivery is at least once; receivers drop the repeats by notification id.
 */

export interface OutboxEvent {
  /** Position in the outbox: events of one resource are in version order. */
  seq: number;
  tenant: string;
  resourceType: string;
  id: string;
  version: number;
  deleted: boolean;
  committedAt: string;
  /** The version as stored (JSON text); undefined for a deletion. */
  content?: string;
}

interface EventRow {
  seq: string | number;
  tenant: string;
  resource_type: string;
  id: string;
  version: string | number;
  deleted: boolean;
  committed_at: string | Date;
  content: string | null;
}

// Rows another relay holds are skipped, not waited for; the version itself is read from history.
const CLAIM_SQL = `WITH c AS (
  UPDATE outbox SET claimed_until = now() + ($2::int * interval '1 millisecond')
  WHERE seq IN (
    SELECT seq FROM outbox WHERE claimed_until IS NULL OR claimed_until < now()
    ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING seq, history_seq, committed_at
)
SELECT c.seq, h.tenant, h.resource_type, h.id, h.version, h.deleted, c.committed_at, h.content
FROM c JOIN resource_history h ON h.seq = c.history_seq ORDER BY c.seq`;

export class Outbox {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Leases up to `limit` events that no one else holds, oldest first, for `leaseMs`. */
  async claim(limit: number, leaseMs: number): Promise<OutboxEvent[]> {
    const rows = await this.db.query<EventRow>(CLAIM_SQL, [limit, leaseMs]);
    return rows.map((r) => ({
      seq: Number(r.seq),
      tenant: r.tenant,
      resourceType: r.resource_type,
      id: r.id,
      version: Number(r.version),
      deleted: r.deleted,
      committedAt: new Date(r.committed_at).toISOString(),
      content: r.content ?? undefined,
    }));
  }

  /** Removes events whose notifications are safely queued. */
  async acknowledge(seqs: readonly number[]): Promise<void> {
    if (seqs.length) {
      await this.db.query('DELETE FROM outbox WHERE seq = ANY($1::bigint[])', [seqs]);
    }
  }

  /** Gives leased events back at once (a relay that stops), instead of when their lease runs out. */
  async release(seqs: readonly number[]): Promise<void> {
    if (seqs.length) {
      await this.db.query('UPDATE outbox SET claimed_until = NULL WHERE seq = ANY($1::bigint[])', [seqs]);
    }
  }

  /** Events not yet acknowledged, leased or not: what the relay still owes. */
  async backlog(): Promise<number> {
    const [row] = await this.db.query<{ n: string | number }>('SELECT count(*) AS n FROM outbox');
    return Number(row.n);
  }
}
