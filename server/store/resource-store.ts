import type { SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Database, TransactionOptions } from './db/database.ts';
import type { HistoryQuery, HistoryRow, HistoryScope } from './history.ts';
import { readHistory } from './history.ts';
import type { StoredVersion } from './read.ts';
import { readCurrent, readVersion } from './read.ts';
import type { Cursor, SearchPage } from './search/execute.ts';
import { decodeCursor, executeSearch } from './search/execute.ts';
import { extractIndexRows } from './search/extract.ts';
import { DEFAULT_COUNT, MAX_COUNT, planSearch } from './search/plan.ts';
import type { SearchParamRegistry } from './search/registry.ts';
import { writeVersion } from './write.ts';
import { badRequest, OperationOutcomeError } from '@medplum/core';

export interface SearchOptions {
  tenant: string;
  lenient?: boolean;
  baseUrl?: string;
}

/**
 * The store's public interface: versions in, versions and search pages out. It knows SQL and
 * index extraction, and nothing of HTTP, validation or FHIR interactions.
 */
export class ResourceStore {
  readonly db: Database;
  readonly registry: SearchParamRegistry;

  constructor(db: Database, registry: SearchParamRegistry) {
    this.db = db;
    this.registry = registry;
  }

  /** Runs `fn` with a store bound to one database transaction. */
  transaction<T>(fn: (store: ResourceStore) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.db.transaction((tx) => fn(new ResourceStore(tx, this.registry)), options);
  }

  readCurrent(tenant: string, resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return readCurrent(this.db, tenant, resourceType, id);
  }

  readVersion(tenant: string, resourceType: string, id: string, version: number): Promise<StoredVersion | undefined> {
    return readVersion(this.db, tenant, resourceType, id, version);
  }

  /**
   * Writes a new version of `resource` (already carrying its final id and meta) with its history
   * and search index rows, in one statement.
   */
  async writeResource(
    tenant: string,
    resource: Resource & { id: string },
    version: number,
    method: 'POST' | 'PUT' | 'PATCH',
    baseUrl?: string
  ): Promise<string> {
    const content = JSON.stringify(resource);
    await writeVersion(this.db, {
      tenant,
      resourceType: resource.resourceType,
      id: resource.id,
      version,
      lastUpdated: resource.meta?.lastUpdated as string,
      content,
      method,
      index: extractIndexRows(this.registry, resource, { baseUrl, content }),
    });
    return content;
  }

  /** Writes a deletion as a new version: the resource leaves search, its history stays. */
  async writeDeletion(tenant: string, resourceType: string, id: string, version: number, lastUpdated: string): Promise<void> {
    await writeVersion(this.db, { tenant, resourceType, id, version, lastUpdated, method: 'DELETE' });
  }

  history(scope: HistoryScope, query: HistoryQuery): Promise<HistoryRow[]> {
    return readHistory(this.db, scope, query);
  }

  /** One page of search results; `_count` beyond the limit or a foreign cursor is a 400. */
  search(request: SearchRequest, options: SearchOptions): Promise<SearchPage> {
    const count = request.count ?? DEFAULT_COUNT;
    if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
      throw new OperationOutcomeError(badRequest(`_count must be an integer from 0 to ${MAX_COUNT}`, '_count'));
    }
    const plan = planSearch(this.registry, request, options);
    const cursor: Cursor | undefined = request.cursor ? decodeCursor(request.cursor, plan.sort) : undefined;
    return executeSearch(this.db, plan, { count, cursor, total: request.total });
  }
}
