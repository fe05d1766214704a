import { badRequest, notFound, OperationOutcomeError } from '@medplum/core';
import { historyBundle } from '../bundles.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { KnutepunktRepository } from '../repository.ts';
import type { QueryRecord } from '../search-request.ts';
import { dateRange } from '../../store/search/values.ts';
import { MAX_COUNT } from '../../store/search/plan.ts';
import type { FhirResult } from './result.ts';
import { authorize, permits } from '../../auth/auth-context.ts';
import type { HistoryRow } from '../../store/history.ts';

const DEFAULT_HISTORY_COUNT = 50;

/** history at instance, type or system level, newest first, `_since` and `_count`, keyset-paged. */
export async function historyInteraction(
  repo: KnutepunktRepository,
  query: QueryRecord,
  resourceType?: string,
  id?: string
): Promise<FhirResult> {
  if (resourceType !== undefined && !isKnownResourceType(resourceType)) {
    throw new OperationOutcomeError(notFound);
  }
  // History of a type or of everything lists many resources: as a search would (SMART v2: s).
  const permission = id ? 'r' : 's';
  authorize(repo.context.auth, permission, resourceType ?? '*');
  const tenant = repo.context.tenant;
  if (resourceType && id && !(await repo.store.readCurrent(tenant, resourceType, id))) {
    throw new OperationOutcomeError(notFound);
  }
  const count = single(query, '_count');
  if (count !== undefined && (!/^\d+$/.test(count) || Number(count) > MAX_COUNT)) {
    throw new OperationOutcomeError(badRequest(`_count must be an integer from 0 to ${MAX_COUNT}`, '_count'));
  }
  const since = instant(query, '_since');
  const page = single(query, '_page');
  if (page !== undefined && !/^\d+$/.test(page)) {
    throw new OperationOutcomeError(badRequest('_page is not a page of this history', '_page'));
  }
  const limit = count === undefined ? DEFAULT_HISTORY_COUNT : Number(count);
  const rows = await repo.store.history(
    { tenant, resourceType, id },
    { since, count: limit + 1, beforeSeq: page === undefined ? undefined : Number(page) }
  );
  const path = [repo.context.baseUrl, resourceType, id, '_history'].filter(Boolean).join('/');
  const params = new URLSearchParams();
  for (const name of ['_since', '_count']) {
    const value = single(query, name);
    if (value !== undefined) {
      params.set(name, value);
    }
  }
  const self = params.size ? `${path}?${params}` : path;
  let next: string | undefined;
  if (rows.length > limit) {
    rows.length = limit;
    params.set('_page', String(rows.at(-1)?.seq));
    next = `${path}?${params}`;
  }
  return { status: 200, body: historyBundle(await visibleHistory(repo, rows, permission), repo.context.baseUrl, { self, next }) };
}

/**
 * The versions the caller may see: those of types its scopes let it list (the audit trail only
 * for administrators), and for a vendor patient information, services and plans only of patients
 * it serves (a version of a patient no longer served is left out, as a read would be refused).
 * Paging is decided before this filter, so a page may hold fewer entries than _count while the
 * next link still continues after it.
 */
async function visibleHistory(repo: KnutepunktRepository, rows: HistoryRow[], permission: 'r' | 's'): Promise<HistoryRow[]> {
  const auth = repo.context.auth;
  const kept: HistoryRow[] = [];
  for (const row of rows) {
    const listed = permits(auth, permission, row.resourceType);
    if (listed && (await (repo.needToKnow?.mayRead(auth, row.resourceType, row.content ?? undefined) ?? true))) {
      kept.push(row);
    }
  }
  return kept;
}

function single(query: QueryRecord, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    throw new OperationOutcomeError(badRequest(`${name} may be given once`, name));
  }
  return value;
}

function instant(query: QueryRecord, name: string): string | undefined {
  const value = single(query, name);
  if (value === undefined) {
    return undefined;
  }
  const range = dateRange(value);
  if (!range) {
    throw new OperationOutcomeError(badRequest(`${name} must be a date or instant`, name));
  }
  return range.low;
}
