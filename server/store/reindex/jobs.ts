import type { Database } from '../db/database.ts';

/**
 * Re-index jobs as rows of `reindex_job` (migration 008): what to rebuild, how far it got, and who
 * is running it. Any server process may run any job (runner.ts); the table is the only state.
 */

export type JobState = 'queued' | 'running' | 'done' | 'failed';

/** A job as an administrator sees it (GET /admin/reindex-jobs). */
export interface ReindexJob {
  id: number;
  resourceTypes: string[];
  /** The parameters rebuilt; undefined for every parameter of the types. */
  params?: number[];
  reason: string;
  state: JobState;
  /** Resources done so far, and how many there were when the job started (undefined before). */
  processed: number;
  total?: number;
  /** processed / total, from 0 to 100; 100 when done. */
  percent?: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  error?: string;
}

export interface JobRow {
  id: string;
  resource_types: string[];
  params: number[] | null;
  reason: string;
  state: JobState;
  cursor_rkey: string;
  processed: string;
  total: string | null;
  error: string | null;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export interface NewJob {
  resourceTypes: string[];
  params?: number[];
  reason: string;
  /** Wait this long before starting: until every server process has the new definitions. */
  delayMs?: number;
}

const iso = (value: Date | string | null): string | undefined => (value === null ? undefined : new Date(value).toISOString());

export function jobOf(row: JobRow): ReindexJob {
  const processed = Number(row.processed);
  const total = row.total === null ? undefined : Number(row.total);
  const percent = row.state === 'done' ? 100 : total === undefined ? undefined : total === 0 ? 0 : Math.min(100, Math.floor((processed / total) * 100));
  return {
    id: Number(row.id),
    resourceTypes: row.resource_types,
    ...(row.params ? { params: row.params.map(Number) } : {}),
    reason: row.reason,
    state: row.state,
    processed,
    ...(total !== undefined ? { total } : {}),
    ...(percent !== undefined ? { percent } : {}),
    createdAt: iso(row.created_at) as string,
    ...(row.started_at ? { startedAt: iso(row.started_at) } : {}),
    ...(row.finished_at ? { finishedAt: iso(row.finished_at) } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

const COLUMNS = 'id, resource_types, params, reason, state, cursor_rkey, processed, total, error, created_at, started_at, finished_at';

export async function enqueueJob(db: Database, job: NewJob): Promise<ReindexJob> {
  const [row] = await db.query<JobRow>(
    `INSERT INTO reindex_job (resource_types, params, reason, not_before)
     VALUES ($1, $2, $3, now() + $4 * interval '1 millisecond') RETURNING ${COLUMNS}`,
    [job.resourceTypes, job.params ?? null, job.reason, job.delayMs ?? 0]
  );
  return jobOf(row);
}

export async function readJob(db: Database, id: number): Promise<ReindexJob | undefined> {
  const [row] = await db.query<JobRow>(`SELECT ${COLUMNS} FROM reindex_job WHERE id = $1`, [id]);
  return row && jobOf(row);
}

/** The newest jobs first. */
export async function listJobs(db: Database, limit = 50): Promise<ReindexJob[]> {
  const rows = await db.query<JobRow>(`SELECT ${COLUMNS} FROM reindex_job ORDER BY id DESC LIMIT $1`, [limit]);
  return rows.map(jobOf);
}

/** Jobs not finished: the parameters they rebuild may still miss resources in a search. */
export async function openJobs(db: Database): Promise<ReindexJob[]> {
  const rows = await db.query<JobRow>(`SELECT ${COLUMNS} FROM reindex_job WHERE state IN ('queued', 'running') ORDER BY id`);
  return rows.map(jobOf);
}

/**
 * Takes the oldest job that is due, or one whose runner stopped sending heartbeats (its process
 * died): the cursor it committed last is where this runner goes on.
 */
export async function claimJob(db: Database, worker: string, staleMs: number): Promise<JobRow | undefined> {
  const [row] = await db.query<JobRow>(
    `UPDATE reindex_job SET state = 'running', worker = $1, heartbeat = now(), started_at = coalesce(started_at, now())
     WHERE id = (
       SELECT id FROM reindex_job
       WHERE (state = 'queued' OR (state = 'running' AND heartbeat < now() - $2 * interval '1 millisecond'))
         AND not_before <= now()
       ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING ${COLUMNS}`,
    [worker, staleMs]
  );
  return row;
}
