import { badRequest, OperationOutcomeError, parseSearchRequest } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { ResourceType } from '@medplum/fhirtypes';
import { MAX_COUNT } from '../store/search/plan.ts';

export type QueryRecord = Record<string, string | string[] | undefined>;

/**
 * Parses a search query with Medplum's parser, after checking what that parser lets through:
 * `_count` and `_total` values, and `param:Type=id` (which it would drop) rewritten to the
 * equivalent `param=Type/id`.
 */
export function parseSearch(resourceType: string, query: QueryRecord): SearchRequest {
  const normalized: QueryRecord = {};
  for (const [key, raw] of Object.entries(query)) {
    if (raw === undefined) {
      continue;
    }
    const typeModifier = /^([^:.]+):([A-Z][A-Za-z]+)$/.exec(key);
    if (typeModifier) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) =>
        v
          .split(',')
          .map((id) => (id.includes('/') ? id : `${typeModifier[2]}/${id}`))
          .join(',')
      );
      append(normalized, typeModifier[1], values);
      continue;
    }
    append(normalized, key, Array.isArray(raw) ? raw : [raw]);
  }
  checkSingle(normalized, '_count', (v) => /^\d+$/.test(v) && Number(v) <= MAX_COUNT, `an integer from 0 to ${MAX_COUNT}`);
  checkSingle(normalized, '_total', (v) => ['none', 'estimate', 'accurate'].includes(v), 'none, estimate or accurate');
  checkSingle(normalized, '_summary', (v) => ['true', 'false', 'text', 'data', 'count'].includes(v), 'true, false, text, data or count');
  try {
    return parseSearchRequest(resourceType as ResourceType, normalized);
  } catch (err) {
    if (err instanceof OperationOutcomeError) {
      throw err;
    }
    throw new OperationOutcomeError(badRequest((err as Error).message));
  }
}

function append(target: QueryRecord, key: string, values: string[]): void {
  const existing = target[key];
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  const merged = [...list, ...values];
  target[key] = merged.length === 1 ? merged[0] : merged;
}

function checkSingle(query: QueryRecord, name: string, ok: (v: string) => boolean, expected: string): void {
  const value = query[name];
  if (value === undefined) {
    return;
  }
  if (Array.isArray(value) || !ok(value)) {
    throw new OperationOutcomeError(badRequest(`${name} must be ${expected}`, name));
  }
}
