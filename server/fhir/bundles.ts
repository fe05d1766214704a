import { formatSearchQuery } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { HistoryRow } from '../store/history.ts';
import type { SearchPage } from '../store/search/execute.ts';
import { encodeCursor } from '../store/search/execute.ts';

/*
 * Bundles are assembled as JSON text around the stored resource text, so a resource read from the
 * database is never parsed and serialised again on its way out.
 */

function link(relation: string, url: string): string {
  return `{"relation":${JSON.stringify(relation)},"url":${JSON.stringify(url)}}`;
}

/**
 * The searchset Bundle of one page, with self/next/previous links that carry keyset cursors, and
 * a warning about the answer, if any, as an OperationOutcome entry of search mode `outcome`.
 */
export function searchBundle(request: SearchRequest, page: SearchPage, baseUrl: string, warning?: string): string {
  const base = `${baseUrl}/${request.resourceType}`;
  // Links show the search as it was run: without parameters ignored under lenient handling.
  const filters = request.filters?.filter((f) => !page.ignored.includes(f.code));
  const query = formatSearchQuery({ ...request, filters, cursor: undefined });
  const withCursor = (token: string): string => `${base}${query ? `${query}&` : '?'}_cursor=${token}`;
  const links = [link('self', request.cursor ? withCursor(request.cursor) : `${base}${query}`)];
  if (page.next) {
    links.push(link('next', withCursor(encodeCursor(page.next))));
  }
  if (page.previous) {
    links.push(link('previous', withCursor(encodeCursor(page.previous))));
  }
  const entries = page.rows.map(
    (row) => `{"fullUrl":${JSON.stringify(row.path ? `${baseUrl}/${row.path}` : `${base}/${row.id}`)},"resource":${row.content},"search":{"mode":"match"}}`
  );
  if (warning) {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'incomplete', details: { text: warning } }] };
    entries.push(`{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`);
  }
  const total = page.total !== undefined ? `,"total":${page.total}` : '';
  const entry = entries.length ? `,"entry":[${entries.join(',')}]` : '';
  return `{"resourceType":"Bundle","type":"searchset"${total},"link":[${links.join(',')}]${entry}}`;
}

/** The history Bundle of versions, newest first; deletions appear as DELETE entries without a resource. */
export function historyBundle(rows: HistoryRow[], baseUrl: string, links: { self?: string; next?: string }): string {
  const entries = rows.map((row) => {
    const url = `${row.resourceType}/${row.id}`;
    const status = row.deleted ? '204' : row.version === 1 ? '201' : '200';
    const request = `{"method":${JSON.stringify(row.method)},"url":${JSON.stringify(row.method === 'POST' ? row.resourceType : url)}}`;
    const response = `{"status":"${status}","etag":"W/\\"${row.version}\\"","lastModified":"${row.lastUpdated}"}`;
    const resource = row.content ? `,"resource":${row.content}` : '';
    return `{"fullUrl":${JSON.stringify(`${baseUrl}/${url}`)}${resource},"request":${request},"response":${response}}`;
  });
  const linkList = [
    ...(links.self ? [link('self', links.self)] : []),
    ...(links.next ? [link('next', links.next)] : []),
  ];
  const linkJson = linkList.length ? `,"link":[${linkList.join(',')}]` : '';
  const entry = entries.length ? `,"entry":[${entries.join(',')}]` : '';
  return `{"resourceType":"Bundle","type":"history"${linkJson}${entry}}`;
}
