import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import { conditionSql, indexSubquery } from './condition-sql.ts';
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
  const tenants = visibleTenants(options.tenant, request.resourceType);
  // One tenant is an equality (index probe); the shared definitions are ANY of two.
  const tenant = tenants.length === 1 ? params.add(tenants[0]) : `ANY(${params.add(tenants)}::text[])`;
  // The type is one of R4's names (checked here too): written into the SQL, so that a count from the
  // index alone (countKeys) uses every parameter the page uses.
  if (!/^[A-Z][A-Za-z]+$/.test(request.resourceType)) {
    throw new OperationOutcomeError(badRequest(`Unknown resource type ${request.resourceType}`));
  }
  const where = [`r.tenant = ${tenant}`, `r.resource_type = '${request.resourceType}'`, 'NOT r.deleted'];
  const { conditions, ignored } = parseConditions(registry, request, options);
  for (const type of joinedTypes(conditions)) {
    options.mayJoin?.(type);
  }
  const ctx = { params, tenant, requester: options.tenant, resourceType: request.resourceType };
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
  number: { asc: 'min(s.low)', desc: 'max(s.high)', cast: 'numeric' },
  quantity: { asc: 'min(s.low)', desc: 'max(s.high)', cast: 'numeric' },
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
