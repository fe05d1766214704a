import type { SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Database, TransactionOptions } from './db/database.ts';
import type { HistoryQuery, HistoryRow, HistoryScope } from './history.ts';
import { readHistory } from './history.ts';
import type { StoredVersion } from './read.ts';
import { readCurrent, readVersion } from './read.ts';
import type { Cursor, PageOptions, SearchPage } from './search/execute.ts';
import { decodeCursor, executeSearch, explainSearch } from './search/execute.ts';
import { extractIndexRows } from './search/extract.ts';
import type { SearchPlan } from './search/plan.ts';
import { DEFAULT_COUNT, MAX_COUNT, planSearch } from './search/plan.ts';
import type { SearchParamRegistry } from './search/registry.ts';
import type { VersionWrite } from './write.ts';
import { writeVersions } from './write.ts';
import { visibleTenants } from './tenants.ts';
import { badRequest, conflict, OperationOutcomeError } from '@medplum/core';
import { SqlState, sqlState } from './db/database.ts';
import type { AuditEventRecord } from './audit/records.ts';
import { AUDIT_EVENT, auditEventRow, readAuditEvent, readAuditHistory, writeAuditEvents } from './audit/records.ts';
import { planAuditSearch } from './audit/plan.ts';

export interface SearchOptions {
  tenant: string;
  lenient?: boolean;
  baseUrl?: string;
  /** Permission to read each type a chain or `_has` goes through (plan.ts). */
  mayJoin?: (resourceType: string) => void;
}

/**
 * The store's public interface: versions in, versions and search pages out. It knows SQL and
 * index extraction, and nothing of HTTP, validation or FHIR interactions. AuditEvents live in a
 * store of their own (store/audit): reads, history and searches of that type are answered there,
 * and only the audit log writes them.
 */
/** Bounds on what one request may cost the database. */
export interface StoreLimits {
  /** A search running longer is cancelled and answered 400 too-costly; 0 for none (SEARCH_TIMEOUT_MS). */
  searchTimeoutMs: number;
  /** Where searches outside a transaction run: a pool whose statements carry that limit (Database.limited). */
  searchDb?: Database;
}

export class ResourceStore {
  readonly db: Database;
  readonly registry: SearchParamRegistry;
  readonly limits: StoreLimits;
  /** Shared by a store and the stores of its transactions. */
  private readonly commitListeners: Set<() => void>;
  /**
   * Brings the search parameters up to date after a commit that wrote SearchParameters, before the
   * write is answered: the writer's next request can search with its new parameter at once.
   */
  definitionsWritten?: () => Promise<void>;
  /** Inside a transaction: the resource types it has written, so its commit is worth announcing. */
  private written = new Set<string>();

  constructor(db: Database, registry: SearchParamRegistry, commitListeners: Set<() => void> = new Set(), limits: StoreLimits = { searchTimeoutMs: 0 }) {
    this.db = db;
    this.registry = registry;
    this.commitListeners = commitListeners;
    this.limits = limits;
  }

  /** The server's store: searches bounded by `searchTimeoutMs` where the database can cancel them. */
  static open(db: Database, registry: SearchParamRegistry, searchTimeoutMs: number): ResourceStore {
    const searchDb = db.searchPool(searchTimeoutMs);
    return new ResourceStore(db, registry, new Set(), { searchTimeoutMs, searchDb });
  }

  /** Closes what the store opened itself (the search pool); the database is its opener's to close. */
  async close(): Promise<void> {
    await this.limits.searchDb?.close();
  }

  /**
   * Calls `listener` after each commit that wrote versions, so the subscription relay in this
   * process wakes at once instead of at its next poll. Returns a function that removes it.
   */
  onCommit(listener: () => void): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  private async afterDefinitions(types: ReadonlySet<string>): Promise<void> {
    if (types.has('SearchParameter')) {
      await this.definitionsWritten?.();
    }
  }

  private announceCommit(): void {
    for (const listener of this.commitListeners) {
      listener();
    }
  }

  /**
   * Versions written inside a transaction wait here and go to the database in one statement,
   * before the next read and before commit: a 100-entry transaction bundle is one write, not 100.
   */
  private pending: VersionWrite[] = [];

  /**
   * Runs `fn` with a store bound to one database transaction. Pending writes are flushed before
   * commit; if they collide with a concurrent writer the whole transaction is a 409.
   */
  async transaction<T>(fn: (store: ResourceStore) => Promise<T>, options?: TransactionOptions): Promise<T> {
    let written = new Set<string>();
    const result = await this.db.transaction(async (tx) => {
      const store = new ResourceStore(tx, this.registry, this.commitListeners, this.limits);
      const result = await fn(store);
      try {
        await store.flush();
      } catch (err) {
        if (sqlState(err) === SqlState.uniqueViolation) {
          throw new OperationOutcomeError(conflict('A resource in this transaction was changed by another request at the same time'));
        }
        throw err;
      }
      written = store.written;
      return result;
    }, options);
    if (this.db.inTransaction) {
      written.forEach((type) => this.written.add(type)); // announced when the outer transaction commits
    } else if (written.size > 0) {
      this.announceCommit();
      await this.afterDefinitions(written);
    }
    return result;
  }

  /** Sends pending writes to the database. */
  async flush(): Promise<void> {
    if (this.pending.length > 0) {
      const writes = this.pending;
      this.pending = [];
      await writeVersions(this.db, writes, this.registry.reindexing);
      writes.forEach((w) => this.written.add(w.resourceType));
    }
  }

  /** The current version as the tenant sees it: its own, or a definition the server publishes (tenants.ts). */
  async readCurrent(tenant: string, resourceType: string, id: string): Promise<StoredVersion | undefined> {
    await this.flush();
    if (resourceType === AUDIT_EVENT) {
      return readAuditEvent(this.db, tenant, id);
    }
    for (const visible of visibleTenants(tenant, resourceType)) {
      const found = await readCurrent(this.db, visible, resourceType, id);
      if (found) {
        return found;
      }
    }
    return undefined;
  }

  async readVersion(tenant: string, resourceType: string, id: string, version: number): Promise<StoredVersion | undefined> {
    await this.flush();
    if (resourceType === AUDIT_EVENT) {
      return version === 1 ? readAuditEvent(this.db, tenant, id) : undefined;
    }
    for (const visible of visibleTenants(tenant, resourceType)) {
      const found = await readVersion(this.db, visible, resourceType, id, version);
      if (found) {
        return found;
      }
    }
    return undefined;
  }

  /** Writes now, or inside a transaction queues the write until the next read or the commit. */
  private async write(w: VersionWrite): Promise<void> {
    if (w.resourceType === AUDIT_EVENT) {
      throw new Error('AuditEvents are written by the audit log alone (writeAuditEvents)');
    }
    if (!this.db.inTransaction) {
      await writeVersions(this.db, [w], this.registry.reindexing);
      this.announceCommit();
      await this.afterDefinitions(new Set([w.resourceType]));
      return;
    }
    if (this.pending.some((p) => p.id === w.id && p.resourceType === w.resourceType && p.tenant === w.tenant)) {
      await this.flush(); // one statement cannot write the same resource twice
    }
    this.pending.push(w);
  }

  /**
   * Writes a new version of `resource` (already carrying its final id and meta) with its history
   * and search index rows, and the AuditEvent of the request writing it if given, in one statement.
   */
  async writeResource(
    tenant: string,
    resource: Resource & { id: string },
    version: number,
    method: 'POST' | 'PUT' | 'PATCH',
    baseUrl?: string,
    audit?: AuditEventRecord
  ): Promise<string> {
    const content = JSON.stringify(resource);
    // JSON.stringify writes NUL and lone surrogates as \u escapes, which PostgreSQL's jsonb refuses.
    if (content.includes('\\u') && hasUnstorableText(resource)) {
      throw new OperationOutcomeError(badRequest('The resource contains characters that are not valid Unicode text (a lone surrogate or NUL)'));
    }
    await this.write({
      tenant,
      resourceType: resource.resourceType,
      id: resource.id,
      version,
      lastUpdated: resource.meta?.lastUpdated as string,
      content,
      method,
      index: extractIndexRows(this.registry, resource, { baseUrl, content }),
      audit: audit && auditEventRow(this.registry, audit),
    });
    return content;
  }

  /** Stores audit events in the audit store, in one statement, outside any transaction. */
  async writeAuditEvents(records: readonly AuditEventRecord[]): Promise<void> {
    await writeAuditEvents(this.db, this.registry, records);
  }

  /** Writes a deletion as a new version: the resource leaves search, its history stays. */
  async writeDeletion(tenant: string, resourceType: string, id: string, version: number, lastUpdated: string, audit?: AuditEventRecord): Promise<void> {
    await this.write({ tenant, resourceType, id, version, lastUpdated, method: 'DELETE', audit: audit && auditEventRow(this.registry, audit) });
  }

  /** Versions newest first; the history of the whole tenant is of its resources, not its audit trail. */
  async history(scope: HistoryScope, query: HistoryQuery): Promise<HistoryRow[]> {
    await this.flush();
    if (scope.resourceType === AUDIT_EVENT) {
      return readAuditHistory(this.db, scope.tenant, scope.id, query);
    }
    return readHistory(this.db, scope, query);
  }

  /** One page of search results; `_count` beyond the limit or a foreign cursor is a 400. */
  async search(request: SearchRequest, options: SearchOptions): Promise<SearchPage> {
    const { plan, page } = await this.planPage(request, options);
    return this.withinSearchLimit((db) => executeSearch(db, plan, page));
  }

  /** The SQL of one page of a search and PostgreSQL's plan for it (`analyze`: run, with timings). */
  async explain(request: SearchRequest, options: SearchOptions, analyze: boolean): Promise<{ sql: string; plan: string }> {
    const { plan, page } = await this.planPage(request, options);
    return this.withinSearchLimit((db) => explainSearch(db, plan, page, analyze));
  }

  private async planPage(request: SearchRequest, options: SearchOptions): Promise<{ plan: SearchPlan; page: PageOptions }> {
    await this.flush();
    const count = request.count ?? DEFAULT_COUNT;
    if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
      throw new OperationOutcomeError(badRequest(`_count must be an integer from 0 to ${MAX_COUNT}`, '_count'));
    }
    const plan = request.resourceType === AUDIT_EVENT ? planAuditSearch(this.registry, request, options) : planSearch(this.registry, request, options);
    const cursor: Cursor | undefined = request.cursor ? decodeCursor(request.cursor, plan.sort) : undefined;
    return { plan, page: { count, cursor, total: request.total } };
  }

  /**
   * Runs a search's statements under the time limit: PostgreSQL cancels them when it is reached
   * and the caller gets a 400 too-costly, whatever the search and wherever it runs. Alone, it runs
   * on the limited pool (no extra statements); inside a bundle's transaction the limit is set for
   * its statements and lifted after them, and a search cancelled there fails the bundle, as any
   * failed entry of a transaction does. The embedded store (one user, no cancellation) has no limit.
   */
  private async withinSearchLimit<T>(fn: (db: Database) => Promise<T>): Promise<T> {
    const { searchTimeoutMs: ms, searchDb } = this.limits;
    const inBundle = this.db.inTransaction && this.db.engine === 'postgres';
    if (!inBundle && !searchDb) {
      return fn(this.db);
    }
    try {
      if (!inBundle) {
        return await fn(searchDb as Database);
      }
      // The search pool's settings (its limit and custom plans), for this transaction's searches only.
      await this.db.query("SELECT set_config('statement_timeout', $1, true), set_config('plan_cache_mode', 'force_custom_plan', true)", [String(Math.floor(ms))]);
      const result = await fn(this.db);
      await this.db.query("SELECT set_config('statement_timeout', '0', true), set_config('plan_cache_mode', 'auto', true)");
      return result;
    } catch (err) {
      if (sqlState(err) === SqlState.queryCanceled) {
        throw new OperationOutcomeError({
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'too-costly',
              details: { text: `The search ran longer than the limit of ${ms} ms and was cancelled: narrow it with more selective parameters, a smaller _count or _total=none` },
            },
          ],
        });
      }
      throw err;
    }
  }
}

/** True when a string anywhere in the value holds NUL or a lone surrogate. */
function hasUnstorableText(value: unknown): boolean {
  if (typeof value === 'string') {
    return value.includes('\u0000') || !value.isWellFormed();
  }
  if (value && typeof value === 'object') {
    return Object.values(value).some(hasUnstorableText);
  }
  return false;
}
