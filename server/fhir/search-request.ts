import { badRequest, getSearchParameters, OperationOutcomeError } from '@medplum/core';
import type { Filter, IncludeTarget, SearchRequest, SortRule } from '@medplum/core';
import type { ResourceType } from '@medplum/fhirtypes';
import { MAX_COUNT } from '../store/search/plan.ts';

export type QueryRecord = Record<string, string | string[] | undefined>;

/** A query string (`a=1&a=2&b=3`) as a QueryRecord; a repeated parameter keeps every value. */
export function queryRecord(query: string): QueryRecord {
  const record: QueryRecord = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = record[key];
    record[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return record;
}

/** Modifiers defined by FHIR R4 search; anything else after a colon must be a resource type. */
const MODIFIERS = new Set(['missing', 'exact', 'contains', 'text', 'not', 'above', 'below', 'in', 'not-in', 'of-type', 'identifier']);

/** Result parameters that take one value. */
const SINGLE_VALUED = new Set(['_count', '_total', '_summary', '_cursor', '_sort']);

/** Parameters that shape the result and are accepted (and, where not implemented, answered in full). */
const IGNORED_RESULT_PARAMS = new Set(['_format', '_pretty', '_elements']);

function bad(message: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, parameter));
}

/** Query pairs in order, whether they came as a record (one key, several values) or as form data. */
function pairsOf(query: QueryRecord): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [key, raw] of Object.entries(query)) {
    for (const value of Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]) {
      pairs.push([key, value]);
    }
  }
  return pairs;
}

/**
 * Parses a search query into Medplum's SearchRequest shape. Written here rather than taken from
 * Medplum because its parser drops what a FHIR server must not drop: unknown modifiers become
 * plain equality, `param:Type=id` loses its type, and comma-separated dates are refused. Filters keep
 * the modifier as `operator` and any prefix (`ge2020`) in the value; repeated parameters are ANDed.
 */
export function parseSearch(resourceType: string, query: QueryRecord): SearchRequest {
  const request: SearchRequest = { resourceType: resourceType as ResourceType };
  const filters: Filter[] = [];
  const seen = new Set<string>();
  for (const [key, value] of pairsOf(query)) {
    if (!value.isWellFormed() || value.includes('\u0000') || !key.isWellFormed() || key.includes('\u0000')) {
      throw bad('Search parameters may not contain NUL or invalid Unicode', key);
    }
    if (SINGLE_VALUED.has(key)) {
      if (seen.has(key)) {
        throw bad(`${key} may be given once`, key);
      }
      seen.add(key);
    }
    switch (key) {
      case '_count':
        if (!/^\d+$/.test(value) || Number(value) > MAX_COUNT) {
          throw bad(`_count must be an integer from 0 to ${MAX_COUNT}`, '_count');
        }
        request.count = Number(value);
        break;
      case '_total':
        if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
          throw bad('_total must be none, estimate or accurate', '_total');
        }
        request.total = value;
        break;
      case '_summary':
        if (value === 'count') {
          request.total = 'accurate';
          request.count = 0;
        } else if (!['true', 'false', 'text', 'data'].includes(value)) {
          throw bad('_summary must be true, false, text, data or count', '_summary');
        }
        break;
      case '_sort':
        request.sortRules = [...(request.sortRules ?? []), ...parseSort(value)];
        break;
      case '_cursor':
        request.cursor = value;
        break;
      case '_include':
      case '_include:iterate':
        request.include = [...(request.include ?? []), ...parseInclude(key, value, resourceType, 'include')];
        break;
      case '_revinclude':
      case '_revinclude:iterate':
        request.revInclude = [...(request.revInclude ?? []), ...parseInclude(key, value, resourceType, 'revinclude')];
        break;
      default:
        if (IGNORED_RESULT_PARAMS.has(key)) {
          break;
        }
        filters.push(parseFilter(key, value));
    }
  }
  if (filters.length) {
    request.filters = filters;
  }
  return request;
}

function parseFilter(key: string, value: string): Filter {
  // Chains keep their links in `code` (`subject:Patient.name`, `_has:Observation:subject:code`);
  // the modifier of the last link becomes the operator, as for a parameter of its own.
  const has = /^(_has:[^:]+:[^:]+):(.+)$/.exec(key);
  if (has) {
    const inner = parseFilter(has[2], value);
    return { ...inner, code: `${has[1]}:${inner.code}` };
  }
  const dot = key.indexOf('.');
  if (dot > 0) {
    const inner = parseFilter(key.slice(dot + 1), value);
    return { ...inner, code: `${key.slice(0, dot)}.${inner.code}` };
  }
  const colon = key.indexOf(':');
  if (colon < 0) {
    return { code: key, operator: 'eq', value };
  }
  const code = key.slice(0, colon);
  const modifier = key.slice(colon + 1);
  if (MODIFIERS.has(modifier)) {
    return { code, operator: modifier as Filter['operator'], value };
  }
  if (/^[A-Z][A-Za-z]+$/.test(modifier)) {
    // `subject:Patient=123` is `subject=Patient/123`.
    const typed = value
      .split(',')
      .map((id) => (id.includes('/') ? id : `${modifier}/${id}`))
      .join(',');
    return { code, operator: 'eq', value: typed };
  }
  throw bad(`Unknown modifier ":${modifier}" on search parameter "${code}"`, key);
}

function parseSort(value: string): SortRule[] {
  return value.split(',').map((part) => {
    const code = part.trim().replace(/^-/, '');
    if (!/^[A-Za-z_][\w-]*$/.test(code)) {
      throw bad(`Cannot sort by "${part}"`, '_sort');
    }
    return { code, descending: part.trim().startsWith('-') };
  });
}

/**
 * `Type:parameter[:TargetType]`, with `*` for every reference parameter: `_include=*` follows all of
 * the searched type's references, `_include=Type:*` and `_revinclude=Type:*` all of Type's (for
 * _revinclude those that can point at the searched type). A bare `_revinclude=*` would search every
 * type and is refused.
 */
function parseInclude(key: string, value: string, searched: string, kind: 'include' | 'revinclude'): IncludeTarget[] {
  const iterate = key.endsWith(':iterate') ? { modifier: 'iterate' as const } : {};
  if (value === '*' && kind === 'include') {
    return referenceParams(searched).map((searchParam) => ({ resourceType: searched, searchParam, ...iterate }));
  }
  const [resourceType, searchParam, targetType, ...rest] = value.split(':');
  if (!resourceType || !searchParam || rest.length > 0 || resourceType === '*' || (searchParam === '*' && targetType)) {
    throw bad(`${key} must be Type:parameter[:TargetType] or Type:*`, key.split(':')[0]);
  }
  if (searchParam === '*') {
    const params = referenceParams(resourceType).filter((code) => kind === 'include' || targetsOf(resourceType, code).includes(searched));
    if (params.length === 0) {
      throw bad(`${key}=${value}: ${resourceType} has no reference parameter${kind === 'revinclude' ? ` that can point at ${searched}` : ''}`, key.split(':')[0]);
    }
    return params.map((code) => ({ resourceType, searchParam: code, ...iterate }));
  }
  return [{ resourceType, searchParam, ...(targetType ? { targetType } : {}), ...iterate }];
}

function referenceParams(resourceType: string): string[] {
  return Object.entries(getSearchParameters(resourceType) ?? {})
    .filter(([code, p]) => p.type === 'reference' && !code.startsWith('_'))
    .map(([code]) => code);
}

function targetsOf(resourceType: string, code: string): string[] {
  return (getSearchParameters(resourceType)?.[code]?.target ?? []) as string[];
}
