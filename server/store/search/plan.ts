import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Filter, SearchRequest } from '@medplum/core';
import type { ConditionContext } from './conditions.ts';
import { indexCondition, rangePredicate } from './conditions.ts';
import type { SearchParamRegistry } from './registry.ts';
import { SqlParams, splitOr, unescapeValue } from './sql.ts';
import { dateRange } from './values.ts';

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
  params: SqlParams;
  where: string[];
  /** How many of `params` the WHERE conditions use (the sort keys add more after them). */
  whereParamCount: number;
  sort: SortKey[];
  /** Unknown parameters left out under `Prefer: handling=lenient`. */
  ignored: string[];
}

export interface PlanOptions {
  tenant: string;
  /** `Prefer: handling=lenient`: unknown parameters are ignored instead of refused. */
  lenient?: boolean;
  baseUrl?: string;
}

/** Turns a parsed search into SQL conditions; refuses what it cannot answer with a 400. */
export function planSearch(registry: SearchParamRegistry, request: SearchRequest, options: PlanOptions): SearchPlan {
  const params = new SqlParams();
  const tenant = params.add(options.tenant);
  const where = [`r.tenant = ${tenant}`, `r.resource_type = ${params.add(request.resourceType)}`, 'NOT r.deleted'];
  const ctx: ConditionContext = { params, tenant, baseUrl: options.baseUrl };
  const ignored: string[] = [];
  for (const filter of request.filters ?? []) {
    const condition = filterCondition(registry, request.resourceType, filter, ctx);
    if (condition) {
      where.push(condition);
    } else if (options.lenient) {
      ignored.push(filter.code);
    } else {
      throw new OperationOutcomeError(
        badRequest(`Unknown search parameter "${filter.code}" for ${request.resourceType}`, filter.code)
      );
    }
  }
  const whereParamCount = params.values.length;
  return { params, where, whereParamCount, sort: sortKeys(registry, request, params), ignored };
}

/** The SQL condition of one filter, or undefined when the type has no such parameter. */
function filterCondition(
  registry: SearchParamRegistry,
  resourceType: string,
  filter: Filter,
  ctx: ConditionContext
): string | undefined {
  const code = filter.code;
  if (code === '_id') {
    const ids = splitOr(filter.value).map(unescapeValue);
    if (filter.operator !== 'eq' && filter.operator !== 'not') {
      throw new OperationOutcomeError(badRequest(`Modifier :${filter.operator} is not supported on _id`, '_id'));
    }
    const list = ids.map((id) => ctx.params.add(id)).join(', ');
    return filter.operator === 'not' ? `r.id NOT IN (${list})` : `r.id IN (${list})`;
  }
  if (code === '_lastUpdated') {
    const alternatives = splitOr(filter.value).map((v) => {
      const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.*)$/.exec(v) as RegExpExecArray;
      const prefix = m[1] ?? filter.operator;
      const range = dateRange(m[2]);
      if (!range) {
        throw new OperationOutcomeError(badRequest(`Invalid search parameter "_lastUpdated": "${m[2]}" is not a date`, code));
      }
      return rangePredicate(prefix, 'r.last_updated', "(r.last_updated + interval '1 millisecond')", range, ctx.params, 'timestamptz');
    });
    return `(${alternatives.join(' OR ')})`;
  }
  if (code.includes('.') || code.startsWith('_has')) {
    throw new OperationOutcomeError(
      badRequest(`Chained and reverse-chained parameters are not supported yet: "${code}"`, code)
    );
  }
  const param = registry.get(resourceType, code);
  if (!param) {
    return undefined;
  }
  if (!param.table) {
    throw new OperationOutcomeError(
      badRequest(`Search parameter "${code}" (${param.definition.type}) is not supported yet`, code)
    );
  }
  return indexCondition(param, filter, ctx);
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
    keys.push({
      expression: `(SELECT ${aggregate} FROM idx_${param.table} s WHERE s.rkey = r.rkey AND s.param = ${params.add(param.id)})`,
      descending: !!rule.descending,
      cast: column.cast,
    });
  }
  // The row key breaks ties, so the order is total and keyset paging never skips or repeats.
  keys.push({ expression: 'r.rkey', descending: false, cast: 'bigint' });
  return keys;
}
