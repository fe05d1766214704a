import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Filter } from '@medplum/core';
import type { IndexedParam } from './registry.ts';
import { escapeLike, splitOr, splitUnescaped, unescapeValue } from './sql.ts';
import type { SqlParams } from './sql.ts';
import { dateRange, normalizeString, numberRange } from './values.ts';

/** What a condition needs besides the filter: the tenant placeholder and the bound parameters. */
export interface ConditionContext {
  params: SqlParams;
  /** Placeholder of the tenant value, shared by every condition of the query. */
  tenant: string;
  /** The server's own base URL, so absolute references to this server match local ones. */
  baseUrl?: string;
}

const DATE_PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

function invalid(filter: Filter, why: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(`Invalid search parameter "${filter.code}": ${why}`, filter.code));
}

/**
 * The SQL condition (on resource alias `r`) for one filter on an index-table parameter.
 * Comma-separated values are alternatives (OR); repeated parameters are ANDed by the caller.
 */
export function indexCondition(param: IndexedParam, filter: Filter, ctx: ConditionContext): string {
  const { params } = ctx;
  if (filter.operator === 'missing') {
    if (filter.value !== 'true' && filter.value !== 'false') {
      throw invalid(filter, ':missing takes true or false');
    }
    const exists = `EXISTS (SELECT 1 FROM idx_${param.table} m WHERE m.rkey = r.rkey AND m.param = ${params.add(param.id)})`;
    return filter.value === 'true' ? `NOT ${exists}` : exists;
  }
  const values = splitOr(filter.value);
  let negate = false;
  let alternatives: string[];
  switch (param.table) {
    case 'token':
      if (filter.operator === 'not') {
        negate = true;
      } else if (filter.operator !== 'eq' && filter.operator !== 'text') {
        throw invalid(filter, `modifier :${filter.operator} is not supported on token parameters`);
      }
      alternatives = values.map((v) => tokenPredicate(filter, v, params));
      break;
    case 'string':
      alternatives = values.map((v) => stringPredicate(filter, v, params));
      break;
    case 'date':
      alternatives = values.map((v) => {
        const { prefix, rest } = splitPrefix(filter, v);
        const range = dateRange(rest);
        if (!range) {
          throw invalid(filter, `"${rest}" is not a date`);
        }
        return rangePredicate(prefix, 'x.low', 'x.high', range, params, 'timestamptz');
      });
      break;
    case 'reference':
      alternatives = values.map((v) => referencePredicate(filter, v, ctx));
      break;
    case 'uri':
      alternatives = values.map((v) => uriPredicate(filter, unescapeValue(v), params));
      break;
    case 'number':
      alternatives = values.map((v) => {
        const { prefix, rest } = splitPrefix(filter, v);
        const range = numberRange(rest);
        if (!range) {
          throw invalid(filter, `"${rest}" is not a number`);
        }
        return numberPredicate(prefix, rest, range, params);
      });
      break;
    case 'quantity':
      alternatives = values.map((v) => quantityPredicate(filter, v, params));
      break;
    default:
      throw invalid(filter, 'this parameter type cannot be searched yet');
  }
  const subquery = `SELECT x.rkey FROM idx_${param.table} x WHERE x.tenant = ${ctx.tenant} AND x.param = ${params.add(param.id)} AND (${alternatives.join(' OR ')})`;
  return `r.rkey ${negate ? 'NOT IN' : 'IN'} (${subquery})`;
}

/** Date and number prefixes: Medplum's parser has moved a leading prefix into `operator`. */
function splitPrefix(filter: Filter, value: string): { prefix: string; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(value);
  if (m) {
    return { prefix: m[1], rest: m[2] };
  }
  if (!DATE_PREFIXES.has(filter.operator)) {
    throw invalid(filter, `modifier :${filter.operator} is not supported here`);
  }
  return { prefix: filter.operator, rest: value };
}

/**
 * Range comparison by the rules of R4 search: the resource's value is the range [low, high),
 * the searched value the range [pl, ph) implied by its precision.
 */
export function rangePredicate(
  prefix: string,
  low: string,
  high: string,
  range: { low: string; high: string },
  params: SqlParams,
  cast: string
): string {
  // Bind only the bounds a prefix uses: PostgreSQL cannot type a parameter that no clause mentions.
  let plText: string | undefined;
  let phText: string | undefined;
  const bound = {
    get pl(): string {
      plText ??= params.add(range.low, cast);
      return plText;
    },
    get ph(): string {
      phText ??= params.add(range.high, cast);
      return phText;
    },
  };
  return rangeSql(prefix, low, high, bound, cast);
}

function rangeSql(prefix: string, low: string, high: string, b: { pl: string; ph: string }, cast: string): string {
  switch (prefix) {
    case 'eq':
      return `(${low} >= ${b.pl} AND ${high} <= ${b.ph})`;
    case 'ne':
      return `NOT (${low} >= ${b.pl} AND ${high} <= ${b.ph})`;
    case 'gt':
      return `${high} > ${b.ph}`;
    case 'lt':
      return `${low} < ${b.pl}`;
    case 'ge':
      return `(${high} > ${b.ph} OR ${low} >= ${b.pl})`;
    case 'le':
      return `(${low} < ${b.pl} OR ${high} <= ${b.ph})`;
    case 'sa':
      return `${low} >= ${b.ph}`;
    case 'eb':
      return `${high} <= ${b.pl}`;
    case 'ap': {
      // Approximately: overlap with the searched range widened by 10% of its distance from now.
      if (cast === 'timestamptz') {
        const spread = `(abs(extract(epoch FROM (now() - ${b.pl}))) * 0.1) * interval '1 second'`;
        return `(${low} < ${b.ph} + ${spread} AND ${high} > ${b.pl} - ${spread})`;
      }
      return `(${low} < ${b.ph} + abs(${b.ph}) * 0.1 AND ${high} > ${b.pl} - abs(${b.pl}) * 0.1)`;
    }
    default:
      throw new OperationOutcomeError(badRequest(`Unknown prefix ${prefix}`));
  }
}

function tokenPredicate(filter: Filter, value: string, params: SqlParams): string {
  if (filter.operator === 'text') {
    return `x.display ILIKE ${params.add(`%${escapeLike(unescapeValue(value))}%`)}`;
  }
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length > 2) {
    throw invalid(filter, 'a token is [system]|[code]');
  }
  if (parts.length === 1) {
    return `x.code = ${params.add(parts[0])}`;
  }
  const [system, code] = parts;
  if (!system && !code) {
    throw invalid(filter, 'empty token');
  }
  if (!system) {
    return `(x.code = ${params.add(code)} AND x.system IS NULL)`;
  }
  if (!code) {
    return `x.system = ${params.add(system)}`;
  }
  return `(x.code = ${params.add(code)} AND x.system = ${params.add(system)})`;
}

function stringPredicate(filter: Filter, value: string, params: SqlParams): string {
  const text = unescapeValue(value);
  switch (filter.operator) {
    case 'eq':
      return `x.norm LIKE ${params.add(`${escapeLike(normalizeString(text))}%`)}`;
    case 'exact':
      return `x.exact = ${params.add(text)}`;
    case 'contains':
      return `x.norm LIKE ${params.add(`%${escapeLike(normalizeString(text))}%`)}`;
    default:
      throw invalid(filter, `modifier :${filter.operator} is not supported on string parameters`);
  }
}

function referencePredicate(filter: Filter, value: string, ctx: ConditionContext): string {
  const { params } = ctx;
  const text = unescapeValue(value);
  if (filter.operator === 'identifier') {
    const parts = splitUnescaped(value, '|').map(unescapeValue);
    if (parts.length === 1) {
      return `x.ident_value = ${params.add(parts[0])}`;
    }
    const [system, code] = parts;
    if (!code) {
      return `x.ident_system = ${params.add(system)}`;
    }
    return system
      ? `(x.ident_value = ${params.add(code)} AND x.ident_system = ${params.add(system)})`
      : `(x.ident_value = ${params.add(code)} AND x.ident_system IS NULL)`;
  }
  if (filter.operator !== 'eq') {
    throw invalid(filter, `modifier :${filter.operator} is not supported on reference parameters`);
  }
  let local = text;
  if (ctx.baseUrl && text.startsWith(`${ctx.baseUrl}/`)) {
    local = text.slice(ctx.baseUrl.length + 1);
  }
  const relative = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(local);
  if (relative) {
    return `(x.target_id = ${params.add(relative[2])} AND x.target_type = ${params.add(relative[1])})`;
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(local)) {
    return `x.target_id = ${params.add(local)}`;
  }
  return `x.url = ${params.add(text)}`;
}

function uriPredicate(filter: Filter, value: string, params: SqlParams): string {
  switch (filter.operator) {
    case 'eq':
      return `x.uri = ${params.add(value)}`;
    case 'below':
      return `x.uri LIKE ${params.add(`${escapeLike(value)}%`)}`;
    case 'above':
      return `${params.add(value)} LIKE (replace(replace(replace(x.uri, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')`;
    default:
      throw invalid(filter, `modifier :${filter.operator} is not supported on uri parameters`);
  }
}

function numberPredicate(prefix: string, exact: string, range: { low: string; high: string }, params: SqlParams): string {
  if (prefix === 'eq' || prefix === 'ne' || prefix === 'ap') {
    return rangePredicate(prefix, 'x.low', 'x.high', range, params, 'numeric');
  }
  // Order comparisons use the stored value itself (the middle of its precision range).
  const value = params.add(exact, 'numeric');
  const middle = '((x.low + x.high) / 2)';
  const ops: Record<string, string> = { gt: '>', lt: '<', ge: '>=', le: '<=', sa: '>', eb: '<' };
  return `${middle} ${ops[prefix]} ${value}`;
}

function quantityPredicate(filter: Filter, value: string, params: SqlParams): string {
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 1 && parts.length !== 3) {
    throw invalid(filter, 'a quantity is [prefix]number[|system|code]');
  }
  const { prefix, rest } = splitPrefix(filter, parts[0]);
  const range = numberRange(rest);
  if (!range) {
    throw invalid(filter, `"${rest}" is not a number`);
  }
  const conditions = [numberPredicate(prefix, rest, range, params)];
  if (parts.length === 3) {
    if (parts[1]) {
      conditions.push(`x.system = ${params.add(parts[1])}`);
    }
    if (parts[2]) {
      conditions.push(`x.code = ${params.add(parts[2])}`);
    }
  }
  return `(${conditions.join(' AND ')})`;
}
