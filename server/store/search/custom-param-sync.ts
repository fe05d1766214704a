import { parseFhirPath } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import type { Database } from '../db/database.ts';
import { reportFault } from '../../log.ts';
import { SERVER_TENANT } from '../tenants.ts';
import { enqueueJob, openJobs } from '../reindex/jobs.ts';
import { customTable, definitionDigest } from './custom-params.ts';
import type { CustomParamEntry, IndexTable, SearchParamRegistry } from './registry.ts';

/**
 * Keeps this process's search parameters in step with the SearchParameter resources in the
 * database, whichever process wrote them: a cheap fingerprint of that type (row count and latest
 * change, from a partial index) is compared on every tick, and only a change loads the
 * definitions again. A definition whose meaning changed (definitionDigest) gets a re-index job for its
 * base types; the row lock on its `search_param` row makes exactly one process enqueue it. The
 * job waits `settleMs` before it starts, by when every process indexes the parameter on write,
 * so the job's scan and the writers between them miss no resource.
 */

/** Any fixed number: the advisory lock under which one process applies definitions at a time. */
const SYNC_LOCK = 747_008;

export interface SyncOptions {
  /** How often to look for changes made by other processes. */
  intervalMs: number;
  /** Told when a job was enqueued here, so the runner can look for it. */
  onJob?: (delayMs: number) => void;
}

interface Candidate {
  definition: SearchParameter;
  table: IndexTable;
  digest: string;
}

export class CustomParamSync {
  private readonly db: Database;
  private readonly registry: SearchParamRegistry;
  private readonly options: SyncOptions;
  private fingerprint?: string;
  private queue: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(db: Database, registry: SearchParamRegistry, options: SyncOptions) {
    this.db = db;
    this.registry = registry;
    this.options = options;
  }

  /** Brings the registry up to date now; calls are run one at a time. */
  refresh(): Promise<void> {
    this.queue = this.queue.then(() => this.sync()).catch((err) => reportFault(err, 'search parameter refresh failed'));
    return this.queue;
  }

  start(): void {
    const tick = (): void => {
      if (this.stopped) {
        return;
      }
      this.timer = setTimeout(() => void this.refresh().finally(tick), this.options.intervalMs);
      this.timer.unref();
    };
    tick();
  }

  /** Stops looking for changes; resolves when a refresh under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.queue;
  }

  private stopped = false;

  private async sync(): Promise<void> {
    // The sum of versions moves with every write, whatever the writers' clocks say.
    const [{ fingerprint }] = await this.db.query<{ fingerprint: string }>(
      `SELECT count(*)::text || '/' || coalesce(sum(version), 0)::text || '/' || coalesce(max(last_updated)::text, '') AS fingerprint
       FROM resource WHERE resource_type = 'SearchParameter'`
    );
    if (fingerprint !== this.fingerprint) {
      await this.apply();
      this.fingerprint = fingerprint;
    }
    await this.refreshIndexing();
  }

  /**
   * The active definitions this store can index, one per (base, code): the server's own first,
   * then by tenant and id. A definition that clashes with FHIR's parameters or an earlier one is
   * left out (the write checks refuse such definitions; this guards against older rows).
   */
  private async loadDefinitions(db: Database): Promise<Candidate[]> {
    // The first stored keeps its (base, code): a later definition, of any municipality, cannot take it over.
    const rows = await db.query<{ content: string }>(
      `SELECT content FROM resource WHERE resource_type = 'SearchParameter' AND NOT deleted
       ORDER BY tenant <> $1, rkey`,
      [SERVER_TENANT]
    );
    const taken = new Set<string>();
    const candidates: Candidate[] = [];
    for (const { content } of rows) {
      const definition = JSON.parse(content) as SearchParameter;
      const table = customTable(definition);
      if (definition.status !== 'active' || !table || !definition.code || !definition.expression) {
        continue;
      }
      try {
        parseFhirPath(definition.expression);
      } catch {
        continue;
      }
      const bases = (definition.base ?? []).filter((base) => {
        const existing = this.registry.get(base, definition.code as string);
        const key = `${base}/${definition.code}`;
        const free = (!existing || existing.custom) && !taken.has(key);
        taken.add(key);
        return free;
      });
      if (bases.length > 0) {
        candidates.push({ definition: { ...definition, base: bases as SearchParameter['base'] }, table, digest: definitionDigest(definition) });
      }
    }
    return candidates;
  }

  /**
   * Gives each definition an id per base type, moves the digests of changed and removed ones in
   * `search_param`, enqueues their re-index in the same transaction, and installs the parameters.
   */
  private async apply(): Promise<void> {
    const settleMs = this.options.intervalMs * 2;
    const { candidates, ids, jobs } = await this.db.transaction(async (tx) => {
      // One process at a time reads the definitions and moves the digests, so a process whose
      // read is older cannot undo what another has just applied.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [SYNC_LOCK]);
      const candidates = await this.loadDefinitions(tx);
      const wanted = candidates.flatMap(({ definition, digest }) =>
        (definition.base ?? []).map((base) => ({ resource_type: base, code: definition.code, type: definition.type, url: definition.url, digest }))
      );
      await tx.query(
        `INSERT INTO search_param (resource_type, code, type, url, custom)
         SELECT x.resource_type, x.code, x.type, x.url, true
         FROM jsonb_to_recordset($1::text::jsonb) AS x(resource_type text, code text, type text, url text)
         ON CONFLICT (resource_type, code) DO UPDATE SET type = EXCLUDED.type, url = EXCLUDED.url
         WHERE search_param.custom`,
        [JSON.stringify(wanted)]
      );
      // Changed or new: the digest moves to the definition's; removed: the digest is cleared (its rows go).
      const changed = await tx.query<{ id: number; resource_type: string }>(
        `WITH x AS (SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS x(resource_type text, code text, digest text))
         UPDATE search_param p SET digest = x.digest FROM x
         WHERE p.resource_type = x.resource_type AND p.code = x.code AND p.custom AND p.digest IS DISTINCT FROM x.digest
         RETURNING p.id, p.resource_type`,
        [JSON.stringify(wanted)]
      );
      const removed = await tx.query<{ id: number; resource_type: string }>(
        `UPDATE search_param p SET digest = NULL
         WHERE p.custom AND p.digest IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($1::text::jsonb) AS x(resource_type text, code text)
                           WHERE x.resource_type = p.resource_type AND x.code = p.code)
         RETURNING p.id, p.resource_type`,
        [JSON.stringify(wanted)]
      );
      const byType = new Map<string, number[]>();
      for (const row of [...changed, ...removed]) {
        byType.set(row.resource_type, [...(byType.get(row.resource_type) ?? []), Number(row.id)]);
      }
      for (const [resourceType, params] of byType) {
        await enqueueJob(tx, { resourceTypes: [resourceType], params, reason: 'search parameter defined, changed or removed', delayMs: settleMs });
      }
      const rows = await tx.query<{ id: number; resource_type: string; code: string }>('SELECT id, resource_type, code FROM search_param WHERE custom');
      return { candidates, ids: new Map(rows.map((r) => [`${r.resource_type}/${r.code}`, Number(r.id)])), jobs: byType.size };
    });
    const entries: CustomParamEntry[] = candidates.map(({ definition, table }) => ({
      definition,
      table,
      ids: new Map((definition.base ?? []).map((base) => [base, ids.get(`${base}/${definition.code}`) as number])),
    }));
    this.registry.setCustom(entries);
    if (jobs > 0) {
      this.options.onJob?.(settleMs);
    }
  }

  /** Which parameters open jobs are still building, for the warning on searches that use them. */
  async refreshIndexing(): Promise<void> {
    const jobs = await openJobs(this.db);
    // A job of every parameter of a type replaces each resource's rows at once: its searches are
    // as complete as before it started, so only jobs of some parameters warn.
    this.registry.indexing = new Set(jobs.flatMap((job) => job.params ?? []));
    this.registry.reindexing = jobs.length > 0;
  }
}
