import type {
  CompositePart,
  Condition,
  NumberTest,
  QuantityTest,
  RangePrefix,
  RangeTest,
  ReferenceTest,
  StringTest,
  TokenTest,
  UriTest,
} from './conditions.ts';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { SqlParams } from './sql.ts';
import { escapeLike } from './sql.ts';
import { visibleTenants } from '../tenants.ts';
import { CANONICAL_UCUM } from './ucum.ts';
import { normalizeString } from './values.ts';
import { wordsQuery } from './text.ts';

/**
 * Conditions (conditions.ts) as SQL over a resource row (alias `r`, or the alias of a chain's link)
 * and the index tables. Its twin, condition-match.ts, evaluates the same conditions in memory;
 * change both together.
 */

/** What rendering needs besides the condition. */
export interface SqlContext {
  params: SqlParams;
  /** SQL for the tenants whose rows this level sees (`$1` or `ANY($1::text[])`). */
  tenant: string;
  /** The tenant asking: chains and `_has` see the rows of that tenant (and shared definitions). */
  requester: string;
  /** Alias of the resource row the condition is about; `r` at the top. */
  alias?: string;
  /** Its resource type (what `_has` references must point at). */
  resourceType?: string;
  /**
   * The condition is about the contained resources of the row (contained.ts): their rows carry
   * the negated parameter ids, and `_id` is the code of the marker row under the negated id of
   * the type's `_id` parameter (`idParam`).
   */
  contained?: { idParam: number };
}

/** A parameter's id in the index rows the condition reads: negated for contained resources. */
function paramId(id: number, ctx: SqlContext): number {
  return ctx.contained ? -id : id;
}

/** A logical index column (`code`, `low`) as SQL; own tables are alias `x`, a composite's parts its a_/b_ columns. */
type Columns = (column: string) => string;
const own: Columns = (column) => `x.${column}`;
const compositeFirst: Columns = (column) => `x.a_${column}`;
/** The second part of a composite: dates have columns of their own (timestamptz, not numeric). */
const SECOND_COLUMNS: Record<string, Record<string, string>> = {
  date: { low: 'b_dlow', high: 'b_dhigh' },
  // A reference's identifier sits in the system and code columns (extract.ts addComposite).
  reference: { ident_system: 'b_system', ident_value: 'b_code' },
};
const compositeSecond = (table: string): Columns => (column) => `x.${SECOND_COLUMNS[table]?.[column] ?? `b_${column}`}`;

/** Types whose rows are not in the resource and index tables, so no chain can go through them. */
const NOT_CHAINABLE = new Set(['AuditEvent']);

export function conditionSql(condition: Condition, ctx: SqlContext): string {
  const { params } = ctx;
  const r = ctx.alias ?? 'r';
  switch (condition.kind) {
    case 'id': {
      if (ctx.contained) {
        const test = `x.code ${condition.negate ? '<> ALL' : '= ANY'}(${params.add(condition.ids)}::text[])`;
        return `${r}.rkey IN (SELECT x.rkey FROM idx_token x WHERE x.tenant = ${ctx.tenant} AND x.param = ${params.add(-ctx.contained.idParam)} AND ${test})`;
      }
      const list = condition.ids.map((id) => params.add(id)).join(', ');
      return condition.negate ? `${r}.id NOT IN (${list})` : `${r}.id IN (${list})`;
    }
    case 'lastUpdated': {
      const high = `(${r}.last_updated + interval '1 millisecond')`;
      const alternatives = condition.tests.map((t) => rangeSql(t, `${r}.last_updated`, high, params, 'timestamptz'));
      return `(${alternatives.join(' OR ')})`;
    }
    case 'missing': {
      const table = condition.param.table as string;
      const exists = `EXISTS (SELECT 1 FROM idx_${table} m WHERE m.rkey = ${r}.rkey AND m.param = ${params.add(paramId(condition.param.id, ctx))})`;
      return condition.missing ? `NOT ${exists}` : exists;
    }
    case 'index':
      return `${r}.rkey ${condition.negate ? 'NOT IN' : 'IN'} (${indexSubquery(condition, ctx)})`;
    case 'chain':
      return chainSql(condition, ctx, r);
    case 'has':
      return hasSql(condition, ctx, r);
  }
}

/** The context of the next link of a chain: rows of `type` under a fresh alias, in the asking tenant. */
function linkContext(ctx: SqlContext, type: string, alias: string): SqlContext {
  if (NOT_CHAINABLE.has(type)) {
    throw new OperationOutcomeError(badRequest(`${type} is kept apart from other resources and cannot be reached by a chain or _has; search ${type} directly`));
  }
  const tenants = visibleTenants(ctx.requester, type);
  const tenant = tenants.length === 1 ? ctx.params.add(tenants[0]) : `ANY(${ctx.params.add(tenants)}::text[])`;
  return { ...ctx, tenant, alias, resourceType: type };
}

/** Each link its own alias, so the conditions of a nested link never mean an outer row. */
function nextAlias(r: string): string {
  return r === 'r' ? 'c1' : `c${Number(r.slice(1)) + 1}`;
}

/**
 * A reference of the parameter points at a live resource, of the asking tenant, that satisfies the
 * rest of the chain: references are followed within the tenant, so a chain can never reach, or
 * tell of, another tenant's resource with the same id.
 */
function chainSql(condition: Condition & { kind: 'chain' }, ctx: SqlContext, r: string): string {
  const c = nextAlias(r);
  const alternatives = condition.targets.map(({ type, inner }) => {
    const link = linkContext(ctx, type, c);
    const typeParam = ctx.params.add(type);
    return `(x.target_type = ${typeParam} AND x.target_id IN (SELECT ${c}.id FROM resource ${c} WHERE ${c}.tenant = ${link.tenant} AND ${c}.resource_type = ${typeParam} AND NOT ${c}.deleted AND ${conditionSql(inner, link)}))`;
  });
  return `${r}.rkey IN (SELECT x.rkey FROM idx_reference x WHERE x.tenant = ${ctx.tenant} AND x.param = ${ctx.params.add(condition.param.id)} AND (${alternatives.join(' OR ')}))`;
}

/** Some live resource of the referring type, of the asking tenant, references this one and satisfies the rest. */
function hasSql(condition: Condition & { kind: 'has' }, ctx: SqlContext, r: string): string {
  const c = nextAlias(r);
  const link = linkContext(ctx, condition.type, c);
  const referrers = `SELECT x.target_id FROM idx_reference x JOIN resource ${c} ON ${c}.rkey = x.rkey
    WHERE x.tenant = ${link.tenant} AND x.param = ${ctx.params.add(condition.param.id)} AND x.target_type = ${ctx.params.add(ctx.resourceType)}
    AND NOT ${c}.deleted AND ${conditionSql(condition.inner, link)}`;
  return `${r}.id IN (${referrers})`;
}

/**
 * The row keys of the resources whose index rows satisfy the condition. Index rows exist only for
 * live versions (a deletion removes them), so for a search of one such condition the count of
 * its distinct keys is the search's total, read from the index alone.
 */
export function indexSubquery(condition: Condition & { kind: 'index' }, ctx: SqlContext): string {
  const id = paramId(condition.param.id, ctx);
  const alternatives = indexAlternatives(condition, ctx.params, id);
  return `SELECT x.rkey FROM idx_${condition.table} x WHERE x.tenant = ${ctx.tenant} AND x.param = ${ctx.params.add(id)} AND (${alternatives.join(' OR ')})`;
}

/** `id`: the parameter's id in the rows read, which the lexemes of idx_text carry too. */
function indexAlternatives(condition: Condition & { kind: 'index' }, params: SqlParams, id: number): string[] {
  switch (condition.table) {
    case 'token':
      return condition.tests.map((t) => tokenSql(t, params));
    case 'string':
      return condition.tests.map((t) => stringSql(t, params));
    case 'date':
      return condition.tests.map((t) => rangeSql(t, 'x.low', 'x.high', params, 'timestamptz'));
    case 'reference':
      return condition.tests.map((t) => referenceSql(t, params));
    case 'uri':
      return condition.tests.map((t) => uriSql(t, params));
    case 'number':
      return condition.tests.map((t) => numberSql(t, params));
    case 'quantity':
      return condition.tests.map((t) => quantitySql(t, params));
    case 'composite':
      return condition.tests.map((t) => `(${tokenSql(t.first, params, compositeFirst)} AND ${compositePartSql(t.second, params)})`);
    case 'text':
      return condition.tests.map((t) => `x.doc @@ ${params.add(wordsQuery(id, t.words), 'tsquery')}`);
  }
}

function compositePartSql(part: CompositePart, params: SqlParams): string {
  const x = compositeSecond(part.table);
  switch (part.table) {
    case 'token':
      return tokenSql(part.test, params, x);
    case 'string':
      return stringSql(part.test, params, x);
    case 'date':
      return rangeSql(part.test, x('low'), x('high'), params, 'timestamptz');
    case 'reference':
      return referenceSql(part.test, params, x);
    case 'quantity':
      return quantitySql(part.test, params, x);
  }
}

/**
 * Range comparison by the rules of R4 search: the stored value is the range [low, high), the
 * searched value the range [pl, ph) implied by its precision.
 */
function rangeSql(test: RangeTest, low: string, high: string, params: SqlParams, cast: 'timestamptz' | 'numeric'): string {
  // Bind only the bounds a prefix uses: PostgreSQL cannot type a parameter that no clause mentions.
  let plText: string | undefined;
  let phText: string | undefined;
  const b = {
    get pl(): string {
      plText ??= params.add(test.range.low, cast);
      return plText;
    },
    get ph(): string {
      phText ??= params.add(test.range.high, cast);
      return phText;
    },
  };
  const prefix: RangePrefix = test.prefix;
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
      // Approximately: overlap with the searched range widened by 10% of its distance from now
      // (dates) or of its own size (numbers).
      if (cast === 'timestamptz') {
        const spread = `(abs(extract(epoch FROM (now() - ${b.pl}))) * 0.1) * interval '1 second'`;
        return `(${low} < ${b.ph} + ${spread} AND ${high} > ${b.pl} - ${spread})`;
      }
      return `(${low} < ${b.ph} + abs(${b.ph}) * 0.1 AND ${high} > ${b.pl} - abs(${b.pl}) * 0.1)`;
    }
  }
}

function tokenSql(test: TokenTest, params: SqlParams, x: Columns = own): string {
  if (test.kind === 'text') {
    return `${x('display')} LIKE ${params.add(`%${escapeLike(normalizeString(test.text))}%`)}`;
  }
  if (test.kind === 'set') {
    const systems = [...test.codes].map(([system, codes]) =>
      codes === 'any' ? `(${x('system')} = ${params.add(system)} AND ${x('code')} IS NOT NULL)` : `(${x('system')} = ${params.add(system)} AND ${x('code')} = ANY(${params.add([...codes])}::text[]))`
    );
    // A `code` element (Patient.gender) is stored without its system, which its binding implies.
    const bare = setCodes(test.codes);
    if (bare.length) {
      systems.push(`(${x('system')} IS NULL AND ${x('code')} = ANY(${params.add(bare)}::text[]))`);
    }
    return systems.length ? `(${systems.join(' OR ')})` : 'false';
  }
  const parts: string[] = [];
  if (test.code !== undefined) {
    parts.push(`${x('code')} = ${params.add(test.code)}`);
  }
  if (test.system === null) {
    parts.push(`${x('system')} IS NULL`);
  } else if (test.system !== undefined) {
    parts.push(`${x('system')} = ${params.add(test.system)}`);
  }
  return `(${parts.join(' AND ')})`;
}

/** Every code a value set enumerates, whatever its system. */
function setCodes(codes: ReadonlyMap<string, ReadonlySet<string> | 'any'>): string[] {
  return [...new Set([...codes.values()].flatMap((c) => (c === 'any' ? [] : [...c])))];
}

function stringSql(test: StringTest, params: SqlParams, x: Columns = own): string {
  switch (test.mode) {
    case 'prefix':
      return `${x('norm')} LIKE ${params.add(`${escapeLike(test.norm)}%`)}`;
    case 'contains':
      return `${x('norm')} LIKE ${params.add(`%${escapeLike(test.norm)}%`)}`;
    case 'exact':
      return `${x('exact')} = ${params.add(test.text)}`;
  }
}

function referenceSql(test: ReferenceTest, params: SqlParams, x: Columns = own): string {
  switch (test.kind) {
    case 'identifier': {
      const parts: string[] = [];
      if (test.value !== undefined) {
        parts.push(`${x('ident_value')} = ${params.add(test.value)}`);
      }
      if (test.system === null) {
        parts.push(`${x('ident_system')} IS NULL`);
      } else if (test.system !== undefined) {
        parts.push(`${x('ident_system')} = ${params.add(test.system)}`);
      }
      return `(${parts.join(' AND ')})`;
    }
    case 'target':
      return test.type
        ? `(${x('target_id')} = ${params.add(test.id)} AND ${x('target_type')} = ${params.add(test.type)})`
        : `${x('target_id')} = ${params.add(test.id)}`;
    case 'url':
      return `${x('url')} = ${params.add(test.url)}`;
  }
}

function uriSql(test: UriTest, params: SqlParams): string {
  switch (test.mode) {
    case 'eq':
      return `x.uri = ${params.add(test.uri)}`;
    case 'below':
      return `x.uri LIKE ${params.add(`${escapeLike(test.uri)}%`)}`;
    case 'above':
      return `${params.add(test.uri)} LIKE (replace(replace(replace(x.uri, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')`;
  }
}

function numberSql(test: NumberTest, params: SqlParams, x: Columns = own): string {
  if (test.prefix === 'eq' || test.prefix === 'ne' || test.prefix === 'ap') {
    return rangeSql(test, x('low'), x('high'), params, 'numeric');
  }
  // Order comparisons use the stored value itself (the middle of its precision range).
  const ops: Record<string, string> = { gt: '>', lt: '<', ge: '>=', le: '<=', sa: '>', eb: '<' };
  return `((${x('low')} + ${x('high')}) / 2) ${ops[test.prefix]} ${params.add(test.exact, 'numeric')}`;
}

function quantitySql(test: QuantityTest, params: SqlParams, x: Columns = own): string {
  const parts = [numberSql(test.number, params, x)];
  if (test.system) {
    parts.push(`${x('system')} = ${params.add(test.system)}`);
  } else {
    parts.push(`${x('system')} IS DISTINCT FROM ${params.add(CANONICAL_UCUM)}`); // values as written only
  }
  if (test.code) {
    parts.push(`${x('code')} = ${params.add(test.code)}`);
  }
  const asWritten = `(${parts.join(' AND ')})`;
  if (!test.canonical) {
    return asWritten;
  }
  const canonical = `(${x('system')} = ${params.add(CANONICAL_UCUM)} AND ${x('code')} = ${params.add(test.canonical.code)} AND ${numberSql(test.canonical.number, params, x)})`;
  return `(${asWritten} OR ${canonical})`;
}
