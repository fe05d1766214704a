import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { isConflict } from '../db/database.ts';
import { reportFault } from '../../log.ts';
import { extractIndexRows } from '../search/extract.ts';
import type { SearchParamRegistry } from '../search/registry.ts';
import type { JobRow } from './jobs.ts';
import { claimJob } from './jobs.ts';
import type { RebuiltRows } from './replace-rows.ts';
import { replaceIndexRows } from './replace-rows.ts';

/**
 * Runs re-index jobs in the background of a server process, without downtime: a batch of resources
 * is locked (`FOR UPDATE`, so a concurrent write of one of them waits for the batch instead of
 * racing it), their rows rebuilt from the current version, and the job's cursor and count moved
 * on, all in one transaction. Searches and writes go on between batches; a process that dies
 * leaves the cursor of its last batch, and another takes the job over once its heartbeat is stale.
 */

/**
 * The resources a job rebuilds ($2: its types): those of its types, and any that contain resources
 * (search/contained.ts indexes a contained resource under its container, whatever the container's
 * type). Stored JSON has no spaces, so the text test is exact enough; it only widens the scan.
 */
const IN_JOB = `NOT deleted AND (resource_type = ANY ($2) OR content LIKE '%"contained":[%')`;

export interface RunnerOptions {
  /** The server's public FHIR base, so references to it index as local ones (as on write). */
  baseUrl?: string;
  /** Resources per batch (per transaction). */
  batchSize?: number;
  /** How often to look for due jobs when idle. */
  pollMs?: number;
  /** A running job whose heartbeat is older than this is taken over. */
  staleMs?: number;
}

/** This runner's heartbeat was late and another process took the job over: the batch is rolled back. */
class TakenOver extends Error {}

export class ReindexRunner {
  private readonly db: Database;
  private readonly registry: SearchParamRegistry;
  private readonly worker = randomUUID();
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly staleMs: number;
  private readonly baseUrl?: string;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  /** Told after each batch and at the end of a job (the parameters' search warnings are lifted then). */
  onProgress?: () => void;
  /** Brings this process's parameters up to date before a job is taken, so it builds the current definitions. */
  beforeClaim?: () => Promise<void>;

  constructor(db: Database, registry: SearchParamRegistry, options: RunnerOptions = {}) {
    this.db = db;
    this.registry = registry;
    this.batchSize = options.batchSize ?? 250;
    this.pollMs = options.pollMs ?? 5000;
    this.staleMs = options.staleMs ?? 60_000;
    this.baseUrl = options.baseUrl;
  }

  start(): void {
    this.schedule(0);
  }

  /** Looks for due jobs soon (after a definition changed here), instead of at the next poll. */
  wake(afterMs = 0): void {
    if (!this.stopped && !this.running) {
      this.schedule(afterMs);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runDue()
        .catch((err) => reportFault(err, 're-index job runner failed'))
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) {
            this.schedule(this.pollMs);
          }
        });
    }, ms);
    this.timer.unref();
  }

  /** Runs every job that is due, one after another. */
  async runDue(): Promise<void> {
    for (;;) {
      if (this.stopped) {
        return;
      }
      await this.beforeClaim?.();
      const job = await claimJob(this.db, this.worker, this.staleMs);
      if (!job) {
        return;
      }
      await this.run(job);
    }
  }

  private async run(job: JobRow): Promise<void> {
    try {
      if (job.total === null) {
        // Counted once, at the start: progress is against the resources there were then.
        await this.db.query(
          `UPDATE reindex_job SET total = (SELECT count(*) FROM resource WHERE ${IN_JOB})
           WHERE id = $1 AND worker = $3`,
          [job.id, job.resource_types, this.worker]
        );
      }
      let cursor = Number(job.cursor_rkey);
      for (;;) {
        if (this.stopped) {
          return; // another process, or this one after a restart, goes on from the cursor
        }
        const next = await this.batch(job, cursor);
        this.onProgress?.();
        if (next === undefined) {
          break;
        }
        cursor = next;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await this.db.query(
        "UPDATE reindex_job SET state = 'done', finished_at = now(), heartbeat = now() WHERE id = $1 AND worker = $2",
        [job.id, this.worker]
      );
      this.onProgress?.();
    } catch (err) {
      if (err instanceof TakenOver) {
        return; // another process runs it now, from the cursor this one last committed
      }
      if (isConflict(err)) {
        // Writers kept colliding with a batch: the job goes back to the queue where it stands.
        await this.db.query("UPDATE reindex_job SET state = 'queued', worker = NULL WHERE id = $1 AND worker = $2", [job.id, this.worker]);
        return;
      }
      reportFault(err, 're-index job failed');
      const code = (err as { code?: unknown }).code;
      // The database's own messages quote values from resources: only its SQLSTATE is kept.
      const error = typeof code === 'string' ? `database error ${code}` : (err as Error).message;
      await this.db.query("UPDATE reindex_job SET state = 'failed', error = $2, finished_at = now() WHERE id = $1 AND worker = $3", [job.id, error, this.worker]);
      this.onProgress?.();
    }
  }

  /** One batch after `cursor`; the new cursor, or undefined when the job has no resources left. */
  private async batch(job: JobRow, cursor: number): Promise<number | undefined> {
    const params = job.params?.map(Number);
    const only = params ? new Set(params) : undefined;
    // Serializable, so that a conditional write (a serializable transaction whose snapshot predates
    // this batch) that deletes the rows it sees is rolled back and retried instead of leaving ours
    // beside its own; plain writes lock their rows first for the same reason (write.ts).
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ rkey: string; tenant: string; content: string }>(
        `SELECT rkey, tenant, content FROM resource
         WHERE rkey > $1 AND ${IN_JOB}
         ORDER BY rkey LIMIT $3 FOR UPDATE`,
        [cursor, job.resource_types, this.batchSize]
      );
      const rebuilt: RebuiltRows[] = rows.map((row) => ({
        rkey: Number(row.rkey),
        tenant: row.tenant,
        index: extractIndexRows(this.registry, JSON.parse(row.content) as Resource, { baseUrl: this.baseUrl, content: row.content, only }),
      }));
      await replaceIndexRows(tx, rebuilt, params);
      const last = rows.length ? Number(rows[rows.length - 1].rkey) : cursor;
      const owned = await tx.query(
        `UPDATE reindex_job SET cursor_rkey = $2, processed = processed + $3, heartbeat = now()
         WHERE id = $1 AND worker = $4 AND state = 'running' RETURNING id`,
        [job.id, last, rows.length, this.worker]
      );
      if (owned.length === 0) {
        throw new TakenOver();
      }
      return rows.length < this.batchSize ? undefined : last;
    }, { serializable: true });
  }
}
