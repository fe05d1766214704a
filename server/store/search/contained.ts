import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Filter, SearchRequest } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { conditionHolds } from './condition-match.ts';
import type { Condition } from './conditions.ts';
import type { ExtractContext, IndexRows } from './extract.ts';
import type { PageRow } from './execute.ts';
import type { SearchParamRegistry } from './registry.ts';

/**
 * Contained resources (`_contained`, `_containedType`). A contained resource has no row of its own:
 * its index rows are written under its container's row key with the parameter ids negated (so no
 * search of top-level resources, count or sort can see them), beside a marker row, a token under
 * the negated id of its type's `_id` with its id as the code. A search with `_contained=true` finds
 * the containers whose contained rows satisfy each condition (from the indexes), and then keeps, in
 * memory, the contained resources that satisfy all of them themselves (condition-match.ts, the
 * twin of the SQL): two contained resources of one container cannot together satisfy a search
 * that neither satisfies alone.
 */

export type ContainedSearch = 'false' | 'true' | 'both';
export type ContainedReturn = 'container' | 'contained';

export interface ContainedMode {
  search: ContainedSearch;
  returns: ContainedReturn;
}

export const CONTAINED_PARAMS = new Set(['_contained', '_containedType']);

function bad(message: string, parameter: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(message, parameter));
}

/** The `_contained` / `_containedType` of a search (validated) and its other filters. */
export function containedMode(request: SearchRequest): { mode: ContainedMode; filters: Filter[] } {
  const mode: ContainedMode = { search: 'false', returns: 'container' };
  const filters: Filter[] = [];
  const seen = new Set<string>();
  for (const filter of request.filters ?? []) {
    if (!CONTAINED_PARAMS.has(filter.code)) {
      filters.push(filter);
      continue;
    }
    if (seen.has(filter.code) || filter.operator !== 'eq') {
      throw bad(`${filter.code} may be given once, without a modifier`, filter.code);
    }
    seen.add(filter.code);
    if (filter.code === '_contained') {
      if (filter.value !== 'true' && filter.value !== 'false' && filter.value !== 'both') {
        throw bad('_contained must be true, false or both', '_contained');
      }
      mode.search = filter.value;
    } else {
      if (filter.value !== 'container' && filter.value !== 'contained') {
        throw bad('_containedType must be container or contained', '_containedType');
      }
      mode.returns = filter.value;
    }
  }
  return { mode, filters };
}

/**
 * What a search of contained resources cannot be combined with, refused with a 400 naming the
 * parameter: chains and `_has` (a contained resource's references are evaluated in memory, where
 * other resources are not at hand), `_sort` (pages are in the order of the containers),
 * `_include`/`_revinclude`, and an accurate total (the index counts containers, not contained
 * resources that satisfy every condition together).
 */
export function refuseWithContained(request: SearchRequest, conditions: readonly Condition[]): void {
  const chain = conditions.find((c) => c.kind === 'chain' || c.kind === 'has');
  if (chain) {
    const code = request.filters?.find((f) => f.code.includes('.') || f.code.startsWith('_has:'))?.code ?? '_contained';
    throw bad(`"${code}": chains and _has are not offered with _contained=true or both`, code);
  }
  if (request.sortRules?.length) {
    throw bad('_sort is not offered with _contained=true or both: results come in the order of their containers', '_sort');
  }
  if (request.include?.length || request.revInclude?.length) {
    const code = request.include?.length ? '_include' : '_revinclude';
    throw bad(`${code} is not offered with _contained=true or both`, code);
  }
  if (request.total === 'accurate') {
    throw bad('_total=accurate (and _summary=count) is not offered with _contained=true or both; _total=estimate is', '_total');
  }
}

type Extract = (registry: SearchParamRegistry, resource: Resource, context: ExtractContext) => IndexRows;

/**
 * Adds the rows of the resource's contained resources: each one's own rows with the parameter ids
 * negated, and its marker row. Left out when only some parameters are rebuilt (`only`, a re-index
 * job), whose deletions name positive ids: a full re-index or the next write brings them.
 */
export function addContainedRows(rows: IndexRows, registry: SearchParamRegistry, resource: Resource, context: ExtractContext, extract: Extract): void {
  const contained = (resource as { contained?: Resource[] }).contained;
  if (!contained?.length) {
    return;
  }
  for (const inner of contained) {
    const idParam = inner?.id && inner.resourceType ? registry.get(inner.resourceType, '_id') : undefined;
    if (!idParam) {
      continue; // without an id a contained resource cannot be referenced, nor is it searched
    }
    // A re-index of some parameters (`only`) rebuilds their contained rows too (reindex/replace-rows.ts).
    const own = extract(registry, inner, { baseUrl: context.baseUrl, only: context.only });
    for (const key of Object.keys(own) as (keyof IndexRows)[]) {
      for (const row of own[key]) {
        (rows[key] as { p: number }[]).push({ ...row, p: -row.p });
      }
    }
    if (!context.only) {
      rows.token.push({ p: -idParam.id, s: null, c: inner.id as string, d: null });
    }
  }
}

/**
 * Turns one container found by the SQL into the entries it answers with: the contained resources
 * of the searched type that satisfy every condition (or their container, once), and with
 * `_contained=both` the resource itself when it is of the searched type and satisfies them.
 */
export function containedRefiner(
  registry: SearchParamRegistry,
  resourceType: string,
  conditions: readonly Condition[],
  mode: ContainedMode,
  extract: Extract,
  baseUrl: string | undefined
): (row: PageRow) => PageRow[] {
  return (row) => {
    const container = JSON.parse(row.content) as Resource & { id: string; contained?: Resource[] };
    const lastUpdated = container.meta?.lastUpdated ?? new Date(0).toISOString();
    const holds = (resource: Resource, id: string): boolean => {
      const subject = { id, lastUpdated, rows: extract(registry, resource, { baseUrl }) };
      return conditions.every((c) => conditionHolds(c, subject));
    };
    const path = `${container.resourceType}/${container.id}`;
    const out: PageRow[] = [];
    let containerShown = false;
    if (mode.search === 'both' && container.resourceType === resourceType && holds(container, container.id)) {
      out.push({ ...row, path });
      containerShown = true;
    }
    for (const inner of container.contained ?? []) {
      if (inner?.resourceType !== resourceType || !inner.id || !holds(inner, inner.id)) {
        continue;
      }
      if (mode.returns === 'contained') {
        out.push({ ...row, id: inner.id, content: JSON.stringify(inner), path: `${path}#${inner.id}` });
      } else if (!containerShown) {
        out.push({ ...row, path });
        containerShown = true;
      }
    }
    return out;
  };
}
