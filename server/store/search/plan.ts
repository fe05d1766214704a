import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { SqlContext } from './condition-sql.ts';
import { conditionSql, indexSubquery } from './condition-sql.ts';
import type { ContainedMode } from './contained.ts';
import { CONTAINED_PARAMS, containedMode, containedRefiner, refuseWithContained } from './contained.ts';
import type { PageRow } from './execute.ts';
import { extractIndexRows } from './extract.ts';
import { getResourceTypes } from '../../fhir/definitions.ts';
import type { Condition } from './conditions.ts';
import { joinedTypes, parseCondition } from './conditions.ts';
import type { SearchParamRegistry } from './registry.ts';
import { visibleTenants } from '../tenants.ts';
import { SqlParams } from './sql.ts';
import { CANONICAL_UCUM } from './ucum.ts';

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 1000;

/** A sort key as SQL: its expression over alias `r`, direction, and the type its cursor value has. */
export interface SortKey {
  expression: string;
  descending: boolean;
  cast: 'text' | 'timestamptz' | 'numeric' | 'bigint';
}

/** A search turned into SQL pieces: the WHERE conditions and the ORDER BY keys. */
export interface SearchPlan {
  /** The table searched, as alias `r`: resources, or the audit store's events (store/audit). */
  table: 'resource' | 'audit_event';
  params: SqlParams;
  where: string[];
  /** How many of `params` the WHERE conditions use (the sort keys add more after them). */
  whereParamCount: number;
  sort: SortKey[];
  /** Unknown parameters left out under `Prefer: handling=lenient`. */
  ignored: string[];
  /**
   * For a search of one index condition: the row keys it selects, from the index alone. Counting
   * them is the exact total without reading the type's resource rows (`_summary=count`).
   */
  countKeys?: string;
  /** A search of contained resources: the entries each row found answers with (contained.ts). */
  refine?: (row: PageRow) => PageRow[];
}

export interface PlanOptions {
  tenant: string;
  /**
   * Called with each type a chain or `_has` reads through, before anything runs: the caller's
   * permission to read that type is not the store's to decide. Throws to refuse.
   */
  mayJoin?: (resourceType: string) => void;
  /** `Prefer: handling=lenient`: unknown parameters are ignored instead of refused. */
  lenient?: boolean;
  baseUrl?: string;
}

/** Turns a parsed search into SQL conditions; refuses what it cannot answer with a 400. */
export function planSearch(registry: SearchParamRegistry, request: SearchRequest, options: PlanOptions): SearchPlan {
  const params = new SqlParams();
  // The type is one of R4's names (checked here too): written into the SQL, so that a count from the
  // index alone (countKeys) uses every parameter the page uses.
  if (!/^[A-Z][A-Za-z]+$/.test(request.resourceType)) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type ${request.resourceType}`));
  }
  const { mode, filters } = containedMode(request);
  const { conditions, ignored } = parseConditions(registry, { ...request, filters }, options);
  for (const type of joinedTypes(conditions)) {
    options.mayJoin?.(type);
  }
  if (mode.search !== 'false') {
    return planContainedSearch(registry, request, options, { params, mode, conditions, ignored });
  }
  const tenant = tenantSql(options.tenant, request.resourceType, params);
  const ctx = { params, tenant, requester: options.tenant, resourceType: request.resourceType };
  const where = [`r.tenant = ${tenant}`, `r.resource_type = '${request.resourceType}'`, 'NOT r.deleted'];
  const [only] = conditions;
  // One index condition: its key subquery serves both the page and the count (same placeholders).
  const countKeys = conditions.length === 1 && only.kind === 'index' && !only.negate ? indexSubquery(only, ctx) : undefined;
  if (countKeys) {
    where.push(`r.rkey IN (${countKeys})`);
  } else {
    for (const condition of conditions) {
      where.push(conditionSql(condition, ctx));
    }
  }
  const whereParamCount = params.values.length;
  return { table: 'resource', params, where, whereParamCount, sort: sortKeys(registry, request, params), ignored, countKeys };
}

/**
 * `_contained=true|both`: the containers (of types the caller may search) with a contained
 * resource of the searched type whose rows satisfy each condition, found through the contained
 * rows' marker and conditions (contained.ts), and with `both` the resources of the type that
 * satisfy them too; `refine` then keeps what satisfies every condition in one resource.
 */
function planContainedSearch(
  registry: SearchParamRegistry,
  request: SearchRequest,
  options: PlanOptions,
  found: { params: SqlParams; mode: ContainedMode; conditions: Condition[]; ignored: string[] }
): SearchPlan {
  const { params, mode, conditions, ignored } = found;
  refuseWithContained(request, conditions);
  const type = request.resourceType;
  try {
    options.mayJoin?.(type); // a caller whose searches of the type are limited to what it may read
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) {
      throw err;
    }
    const text = `This client may not search contained ${type} resources (_contained): its searches of ${type} are limited to what it may read`;
    throw new OperationOutcomeError({ ...err.outcome, issue: (err.outcome.issue ?? []).map((i) => ({ ...i, details: { text }, expression: ['_contained'] })) });
  }
  // Containers are of any type: only those the caller may search.
  const containerTypes = options.mayJoin ? getResourceTypes().filter((t) => mayJoinQuietly(options.mayJoin as (t: string) => void, t)) : undefined;
  const idParam = registry.get(type, '_id');
  if (!idParam) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type ${type}`));
  }
  // Containers are the asking tenant's own resources.
  const own = params.add(options.tenant);
  const ctx: SqlContext = { params, tenant: own, requester: options.tenant, resourceType: type };
  const inner: SqlContext = { ...ctx, alias: 'c', contained: { idParam: idParam.id } };
  const containedWhere = [
    `c.tenant = ${own}`,
    'NOT c.deleted',
    `c.rkey IN (SELECT x.rkey FROM idx_token x WHERE x.tenant = ${own} AND x.param = ${params.add(-idParam.id)})`,
    ...(containerTypes ? [`c.resource_type = ANY(${params.add(containerTypes)}::text[])`] : []),
    // A negation holds for a container when any one of its contained resources satisfies it,
    // which the container's rows cannot tell (they are all its contained resources' together):
    // `refine` alone decides those.
    ...conditions.filter((c) => !(c.kind === 'index' && c.negate) && !(c.kind === 'missing' && c.missing)).map((c) => conditionSql(c, inner)),
  ];
  const keys = [`SELECT c.rkey FROM resource c WHERE ${containedWhere.join(' AND ')}`];
  if (mode.search === 'both') {
    const top: SqlContext = { ...ctx, tenant: tenantSql(options.tenant, type, params), alias: 't' };
    const topWhere = [`t.tenant = ${top.tenant}`, `t.resource_type = ${params.add(type)}`, 'NOT t.deleted', ...conditions.map((c) => conditionSql(c, top))];
    keys.push(`SELECT t.rkey FROM resource t WHERE ${topWhere.join(' AND ')}`);
  }
  const where = [`r.rkey IN (${keys.join(' UNION ')})`];
  const whereParamCount = params.values.length;
  const refine = containedRefiner(registry, type, conditions, mode, extractIndexRows, options.baseUrl);
  return { table: 'resource', params, where, whereParamCount, sort: sortKeys(registry, request, params), ignored, refine };
}

/** The tenants whose resources of the type a tenant sees, as SQL: one is an equality (index probe); the shared definitions are ANY of two. */
function tenantSql(tenant: string, resourceType: string, params: SqlParams): string {
  const tenants = visibleTenants(tenant, resourceType);
  return tenants.length === 1 ? params.add(tenants[0]) : `ANY(${params.add(tenants)}::text[])`;
}

function mayJoinQuietly(mayJoin: (type: string) => void, type: string): boolean {
  try {
    mayJoin(type);
    return true;
  } catch {
    return false;
  }
}

/**
 * The conditions of a search's filters (ANDed), as both search and subscription matching read
 * them; unknown parameters are a 400, or left out under `lenient`.
 */
export function parseConditions(
  registry: SearchParamRegistry,
  request: SearchRequest,
  options: Omit<PlanOptions, 'tenant'>
): { conditions: Condition[]; ignored: string[] } {
  const conditions: Condition[] = [];
  const ignored: string[] = [];
  for (const filter of request.filters ?? []) {
    if (CONTAINED_PARAMS.has(filter.code)) {
      // Searches of resources take these out first (planSearch); elsewhere only the default means anything.
      if (filter.code === '_contained' && filter.value !== 'false') {
        throw new OperationOutcomeError(badRequest(`_contained=${filter.value} is not offered here: only top-level ${request.resourceType} resources are`, '_contained'));
      }
      continue;
    }
    const condition = parseCondition(registry, request.resourceType, filter, options.baseUrl);
    if (condition) {
      conditions.push(condition);
    } else if (options.lenient) {
      ignored.push(filter.code);
    } else {
      throw new OperationOutcomeError(
        badRequest(`Unknown search parameter "${filter.code}" for ${request.resourceType}`, filter.code)
      );
    }
  }
  return { conditions, ignored };
}

const SORT_COLUMN: Record<string, { asc: string; desc: string; cast: SortKey['cast'] }> = {
  token: { asc: 'min(s.code)', desc: 'max(s.code)', cast: 'text' },
  string: { asc: 'min(s.norm)', desc: 'max(s.norm)', cast: 'text' },
  date: { asc: 'min(s.low)', desc: 'max(s.high)', cast: 'timestamptz' },
  reference: {
    asc: "min(coalesce(s.target_type || '/' || s.target_id, s.url))",
    desc: "max(coalesce(s.target_type || '/' || s.target_id, s.url))",
    cast: 'text',
  },
  uri: { asc: 'min(s.uri)', desc: 'max(s.uri)', cast: 'text' },
  // A number or quantity sorts by its value, the middle of the range its precision spans (5 is
  // [4.5, 5.5)): by the range's ends, 5 would sort before 4.9 ascending and after 5.45 descending.
  number: { asc: 'min((s.low + s.high) / 2)', desc: 'max((s.low + s.high) / 2)', cast: 'numeric' },
  quantity: { asc: 'min((s.low + s.high) / 2)', desc: 'max((s.low + s.high) / 2)', cast: 'numeric' },
};

function sortKeys(registry: SearchParamRegistry, request: SearchRequest, params: SqlParams): SortKey[] {
  const keys: SortKey[] = [];
  for (const rule of request.sortRules ?? []) {
    if (rule.code === '_id') {
      keys.push({ expression: 'r.id', descending: !!rule.descending, cast: 'text' });
      continue;
    }
    if (rule.code === '_lastUpdated') {
      keys.push({ expression: 'r.last_updated', descending: !!rule.descending, cast: 'timestamptz' });
      continue;
    }
    const param = registry.get(request.resourceType, rule.code);
    const column = param?.table ? SORT_COLUMN[param.table] : undefined;
    if (!param || !column) {
      throw new OperationOutcomeError(badRequest(`Cannot sort ${request.resourceType} by "${rule.code}"`, '_sort'));
    }
    const aggregate = rule.descending ? column.desc : column.asc;
    // A quantity sorts by its value as written, not by its canonical row (ucum.ts).
    const own = param.table === 'quantity' ? ` AND s.system IS DISTINCT FROM ${params.add(CANONICAL_UCUM)}` : '';
    keys.push({
      expression: `(SELECT ${aggregate} FROM idx_${param.table} s WHERE s.rkey = r.rkey AND s.param = ${params.add(param.id)}${own})`,
      descending: !!rule.descending,
      cast: column.cast,
    });
  }
  // The row key breaks ties, so the order is total and keyset paging never skips or repeats.
  keys.push({ expression: 'r.rkey', descending: false, cast: 'bigint' });
  return keys;
}
