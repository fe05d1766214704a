import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Filter } from '@medplum/core';
import type { IndexedParam, IndexTable, SearchParamRegistry } from './registry.ts';
import { splitOr, splitUnescaped, unescapeValue } from './sql.ts';
import type { DateRange } from './values.ts';
import { dateRange, normalizeString, numberRange, ofTypeMarker } from './values.ts';
import { canonicalUnit, UCUM } from './ucum.ts';
import { textWords } from './text.ts';

/**
 * What one search filter means, parsed once and independent of how it is answered: search renders
 * a condition as SQL over the index tables (condition-sql.ts), subscription matching evaluates the
 * same condition over the index rows of one version (condition-match.ts). Every rule about values
 * (prefixes, precision ranges, normal forms, reference forms) lives here, so the two cannot differ.
 */

export type RangePrefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** A value compared by the range rules of R4 search: the searched range [low, high) by its precision. */
export interface RangeTest {
  prefix: RangePrefix;
  range: DateRange;
}

/** A number or quantity value: `exact` is the number as written, for order comparisons. */
export interface NumberTest extends RangeTest {
  exact: string;
}

export type TokenTest =
  | { kind: 'text'; text: string }
  /** `:in` / `:not-in`: a code of the value set; `'any'`: any code of that system. */
  | { kind: 'set'; codes: ReadonlyMap<string, ReadonlySet<string> | 'any'> }
  /** `system` undefined: any system; null: no system (`|code`). `code` undefined: any code (`system|`). */
  | { kind: 'code'; system?: string | null; code?: string };

export type StringTest = { mode: 'prefix' | 'contains'; norm: string } | { mode: 'exact'; text: string };

export type ReferenceTest =
  | { kind: 'identifier'; system?: string | null; value?: string }
  | { kind: 'target'; type?: string; id: string }
  | { kind: 'url'; url: string };

export interface UriTest {
  mode: 'eq' | 'below' | 'above';
  uri: string;
}

export interface QuantityTest {
  number: NumberTest;
  system?: string;
  code?: string;
  /** For a UCUM value: the same value in canonical units, compared with the canonical rows (ucum.ts). */
  canonical?: { code: string; number: NumberTest };
}

/** The second part of a composite value, tested as a parameter of its kind would be. */
export type CompositePart =
  | { table: 'token'; test: TokenTest }
  | { table: 'string'; test: StringTest }
  | { table: 'date'; test: RangeTest }
  | { table: 'reference'; test: ReferenceTest }
  | { table: 'quantity'; test: QuantityTest };

/** `code$value`: both parts in the same pair (the same component). */
export interface CompositeTest {
  first: TokenTest;
  second: CompositePart;
}

/** `_text` / `_content`: every word must begin a word of the text (text.ts). */
export interface TextTest {
  words: string[];
}

/** Alternatives of one filter on an index table (comma-separated values are ORed). */
export type IndexTests =
  | { table: 'composite'; tests: CompositeTest[] }
  | { table: 'token'; tests: TokenTest[] }
  | { table: 'string'; tests: StringTest[] }
  | { table: 'date'; tests: RangeTest[] }
  | { table: 'reference'; tests: ReferenceTest[] }
  | { table: 'uri'; tests: UriTest[] }
  | { table: 'number'; tests: NumberTest[] }
  | { table: 'quantity'; tests: QuantityTest[] }
  | { table: 'text'; tests: TextTest[] };

/** One filter of a search; the filters of a search are ANDed. */
export type Condition =
  | { kind: 'missing'; param: IndexedParam; missing: boolean }
  /** `negate`: the resource has no index value matching any alternative (`:not`). */
  | ({ kind: 'index'; param: IndexedParam; negate: boolean } & IndexTests)
  | { kind: 'id'; ids: string[]; negate: boolean }
  | { kind: 'lastUpdated'; tests: RangeTest[] }
  /**
   * `param:Type.rest`: a reference of `param` points at a resource of one of the types that
   * satisfies `rest` (one alternative per target type, each parsed against its own type).
   */
  | { kind: 'chain'; param: IndexedParam; targets: { type: string; inner: Condition }[] }
  /** `_has:Type:param:rest`: some resource of `type` whose `param` references this one satisfies `rest`. */
  | { kind: 'has'; type: string; param: IndexedParam; inner: Condition };

/** The resource types chains and `_has` of these conditions read through. */
export function joinedTypes(conditions: readonly Condition[]): Set<string> {
  const types = new Set<string>();
  const visit = (c: Condition) => {
    if (c.kind === 'chain') {
      for (const target of c.targets) {
        types.add(target.type);
        visit(target.inner);
      }
    } else if (c.kind === 'has') {
      types.add(c.type);
      visit(c.inner);
    }
  };
  conditions.forEach(visit);
  return types;
}

/** How many links a chain or `_has` may have: enough for real questions, bounded so a query stays a few joins. */
export const MAX_CHAIN_DEPTH = 4;

const RANGE_PREFIXES = new Set<string>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

function invalid(filter: Filter, why: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(`Invalid search parameter "${filter.code}": ${why}`, filter.code));
}

/**
 * The condition of one filter on `resourceType`, or undefined when the type has no such parameter.
 * What cannot be answered (malformed values, unsupported modifiers, chains) is a 400.
 */
export function parseCondition(
  registry: SearchParamRegistry,
  resourceType: string,
  filter: Filter,
  baseUrl: string | undefined
): Condition | undefined {
  const code = filter.code;
  if (code === '_id') {
    if (filter.operator !== 'eq' && filter.operator !== 'not') {
      throw new OperationOutcomeError(badRequest(`Modifier :${filter.operator} is not supported on _id`, '_id'));
    }
    return { kind: 'id', ids: splitOr(filter.value).map(unescapeValue), negate: filter.operator === 'not' };
  }
  if (code === '_lastUpdated') {
    return { kind: 'lastUpdated', tests: splitOr(filter.value).map((v) => dateTest(filter, v)) };
  }
  if (code.startsWith('_has:')) {
    return hasCondition(registry, resourceType, filter, baseUrl);
  }
  if (code.includes('.')) {
    return chainCondition(registry, resourceType, filter, baseUrl);
  }
  if (code.includes(':')) {
    throw new OperationOutcomeError(badRequest(`Invalid search parameter "${code}"`, code));
  }
  const param = registry.get(resourceType, code);
  if (!param) {
    return undefined;
  }
  if (!param.table) {
    throw new OperationOutcomeError(badRequest(`Search parameter "${code}" (${param.definition.type}) is not supported yet`, code));
  }
  if (filter.operator === 'missing') {
    if (filter.value !== 'true' && filter.value !== 'false') {
      throw invalid(filter, ':missing takes true or false');
    }
    return { kind: 'missing', param, missing: filter.value === 'true' };
  }
  const negate = param.table === 'token' && (filter.operator === 'not' || filter.operator === 'not-in');
  return { kind: 'index', param, negate, ...indexTests(registry, param, filter, baseUrl) };
}

function linkCount(code: string): number {
  return code.split('.').length - 1 + (code.match(/(^|[.:])_has:/g)?.length ?? 0);
}

/** The reference parameter a chain or `_has` goes through; anything else is a 400 naming it. */
function referenceParam(registry: SearchParamRegistry, resourceType: string, code: string, whole: string): IndexedParam {
  const param = registry.get(resourceType, code);
  if (!param) {
    throw new OperationOutcomeError(badRequest(`Unknown search parameter "${code}" for ${resourceType} in "${whole}"`, whole));
  }
  if (param.definition.type !== 'reference') {
    throw new OperationOutcomeError(
      badRequest(`Search parameter "${code}" of ${resourceType} is a ${param.definition.type} parameter, not a reference: "${whole}" cannot chain through it`, whole)
    );
  }
  return param;
}

function tooDeep(filter: Filter): void {
  if (linkCount(filter.code) > MAX_CHAIN_DEPTH) {
    throw new OperationOutcomeError(badRequest(`"${filter.code}" chains more than ${MAX_CHAIN_DEPTH} links`, filter.code));
  }
}

/** `param[:Type].rest`: parsed per target type; a type where `rest` is unknown drops out, all unknown is a 400. */
function chainCondition(registry: SearchParamRegistry, resourceType: string, filter: Filter, baseUrl: string | undefined): Condition {
  tooDeep(filter);
  const dot = filter.code.indexOf('.');
  const [code, typeModifier, ...extra] = filter.code.slice(0, dot).split(':');
  const rest = filter.code.slice(dot + 1);
  const param = referenceParam(registry, resourceType, code, filter.code);
  const allowed = param.definition.target ?? [];
  if (extra.length > 0 || (typeModifier !== undefined && !allowed.includes(typeModifier as never))) {
    throw new OperationOutcomeError(
      badRequest(`"${filter.code}": ${code} of ${resourceType} refers to ${allowed.join(', ') || 'no resource type'}, not ${typeModifier ?? extra.join(':')}`, filter.code)
    );
  }
  const targets: { type: string; inner: Condition }[] = [];
  const first = rest.split(/[.:]/)[0];
  // Without a type modifier, a target type the rest does not fit drops out; if none fits, the
  // first reason is the answer.
  let refusal: unknown;
  for (const type of typeModifier ? [typeModifier] : allowed) {
    if (!rest.startsWith('_has:') && !registry.get(type, first)) {
      continue;
    }
    try {
      const inner = parseCondition(registry, type, { ...filter, code: rest }, baseUrl);
      if (inner) {
        targets.push({ type, inner });
      }
    } catch (err) {
      refusal ??= err;
    }
  }
  if (targets.length === 0) {
    throw (
      refusal ??
      new OperationOutcomeError(badRequest(`Unknown search parameter "${first}" for ${typeModifier ?? allowed.join(' or ')} in "${filter.code}"`, filter.code))
    );
  }
  return { kind: 'chain', param, targets };
}

/** `_has:Type:param:rest`, where `param` of `Type` must be able to reference `resourceType`. */
function hasCondition(registry: SearchParamRegistry, resourceType: string, filter: Filter, baseUrl: string | undefined): Condition {
  tooDeep(filter);
  const m = /^_has:([A-Z][A-Za-z]+):([A-Za-z0-9_-]+):(.+)$/.exec(filter.code);
  if (!m) {
    throw new OperationOutcomeError(badRequest(`"${filter.code}" is not of the form _has:Type:parameter:parameter`, filter.code));
  }
  const [, type, code, rest] = m;
  const param = referenceParam(registry, type, code, filter.code);
  const targets = param.definition.target ?? [];
  if (!targets.includes(resourceType as never)) {
    throw new OperationOutcomeError(badRequest(`"${filter.code}": ${code} of ${type} does not refer to ${resourceType}`, filter.code));
  }
  const inner = parseCondition(registry, type, { ...filter, code: rest }, baseUrl);
  if (!inner) {
    throw new OperationOutcomeError(badRequest(`Unknown search parameter "${rest.split(/[.:]/)[0]}" for ${type} in "${filter.code}"`, filter.code));
  }
  return { kind: 'has', type, param, inner };
}

const TOKEN_MODIFIERS = new Set(['eq', 'not', 'text', 'in', 'not-in', 'below', 'above', 'of-type']);

function indexTests(registry: SearchParamRegistry, param: IndexedParam, filter: Filter, baseUrl: string | undefined): IndexTests {
  const values = splitOr(filter.value);
  const table = param.table as IndexTable;
  switch (table) {
    case 'token':
      if (!TOKEN_MODIFIERS.has(filter.operator)) {
        throw invalid(filter, `modifier :${filter.operator} is not supported on token parameters`);
      }
      if (filter.operator === 'in' || filter.operator === 'not-in') {
        return { table, tests: values.map((v) => valueSetTest(registry, filter, unescapeValue(v))) };
      }
      if (filter.operator === 'below' || filter.operator === 'above') {
        return { table, tests: values.map((v) => hierarchyTest(registry, filter, v)) };
      }
      if (filter.operator === 'of-type') {
        return { table, tests: values.map((v) => ofTypeTest(param, filter, v)) };
      }
      return { table, tests: values.map((v) => tokenTest(filter, v)) };
    case 'string':
      return { table, tests: values.map((v) => stringTest(filter, v)) };
    case 'date':
      return { table, tests: values.map((v) => dateTest(filter, v)) };
    case 'reference':
      return { table, tests: values.map((v) => referenceTest(filter, v, baseUrl)) };
    case 'uri':
      return { table, tests: values.map((v) => uriTest(filter, unescapeValue(v))) };
    case 'number':
      return { table, tests: values.map((v) => numberTest(filter, v)) };
    case 'quantity':
      return { table, tests: values.map((v) => quantityTest(filter, v)) };
    case 'composite':
      return { table, tests: values.map((v) => compositeTest(param, filter, v, baseUrl)) };
    case 'text':
      return { table, tests: values.map((v) => textTest(filter, v)) };
  }
}

/** The words of a `_text` or `_content` value, split and normalised as the text they are sought in. */
function textTest(filter: Filter, value: string): TextTest {
  if (filter.operator !== 'eq') {
    throw invalid(filter, `modifier :${filter.operator} is not supported on ${filter.code}, which finds words (only :missing is)`);
  }
  const words = [...new Set(textWords(unescapeValue(value)))];
  if (words.length === 0) {
    throw invalid(filter, 'give at least one word (letters or digits)');
  }
  return { words };
}

/** `first$second`, each part parsed as its component's kind of parameter parses it. */
function compositeTest(param: IndexedParam, filter: Filter, value: string, baseUrl: string | undefined): CompositeTest {
  if (filter.operator !== 'eq') {
    throw invalid(filter, `modifier :${filter.operator} is not supported on composite parameters`);
  }
  const parts = splitUnescaped(value, '$');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw invalid(filter, 'a composite value is two parts joined by $ (for example http://loinc.org|8480-6$gt100)');
  }
  const [first, second] = parts;
  const table = (param.components as NonNullable<IndexedParam['components']>)[1].param.table;
  const plain: Filter = { ...filter, operator: 'eq' };
  switch (table) {
    case 'token':
      return { first: tokenTest(plain, first), second: { table, test: tokenTest(plain, second) } };
    case 'string':
      return { first: tokenTest(plain, first), second: { table, test: stringTest(plain, second) } };
    case 'date':
      return { first: tokenTest(plain, first), second: { table, test: dateTest(plain, second) } };
    case 'reference':
      return { first: tokenTest(plain, first), second: { table, test: referenceTest(plain, second, baseUrl) } };
    case 'quantity':
      return { first: tokenTest(plain, first), second: { table, test: quantityTest(plain, second) } };
    default:
      throw invalid(filter, `composites of ${table} values are not indexed`);
  }
}

/** Date and number prefixes: Medplum's parser has moved a leading prefix into `operator`. */
function splitPrefix(filter: Filter, value: string): { prefix: RangePrefix; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(value);
  if (m) {
    return { prefix: m[1] as RangePrefix, rest: m[2] };
  }
  if (!RANGE_PREFIXES.has(filter.operator)) {
    throw invalid(filter, `modifier :${filter.operator} is not supported here`);
  }
  return { prefix: filter.operator as RangePrefix, rest: value };
}

function dateTest(filter: Filter, value: string): RangeTest {
  const { prefix, rest } = splitPrefix(filter, value);
  const range = dateRange(rest);
  if (!range) {
    throw invalid(filter, `"${rest}" is not a date`);
  }
  return { prefix, range };
}

function numberTest(filter: Filter, value: string): NumberTest {
  const { prefix, rest } = splitPrefix(filter, value);
  const range = numberRange(rest);
  if (!range) {
    throw invalid(filter, `"${rest}" is not a number`);
  }
  return { prefix, range, exact: rest };
}

/** `:in=<value set url>`: the codes of a value set this server holds. */
function valueSetTest(registry: SearchParamRegistry, filter: Filter, url: string): TokenTest {
  const codes = registry.codeSets?.codeSet(url);
  if (!codes) {
    throw invalid(filter, `the value set ${url} is not held here or cannot be expanded`);
  }
  return { kind: 'set', codes };
}

/** `:below=system|code` (the code and those it subsumes) and `:above=system|code` (and those above it), in code systems held here. */
function hierarchyTest(registry: SearchParamRegistry, filter: Filter, value: string): TokenTest {
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw invalid(filter, `:${filter.operator} takes system|code`);
  }
  const [system, code] = parts;
  const codes = filter.operator === 'below' ? registry.codeSets?.descendants(system, code) : registry.codeSets?.ancestors(system, code);
  if (!codes) {
    throw invalid(filter, `${system}|${code} is not a code of a code system held here`);
  }
  return { kind: 'set', codes: new Map([[system, new Set(codes)]]) };
}

/** A token parameter whose values are Identifiers (as its definition's elements say): the ones `:of-type` is for. */
export function isIdentifierParam(param: IndexedParam): boolean {
  return param.table === 'token' && !!param.details.elementDefinitions?.some((e) => e.type?.some((t) => t.code === 'Identifier'));
}

/**
 * `:of-type=typeSystem|typeCode|value` on an identifier parameter: an identifier with that value
 * whose type has that coding, found through its marker row (values.ts ofTypeMarker) as a token
 * of that system and code. An empty type system is a type coding without one, as `|code` is.
 */
function ofTypeTest(param: IndexedParam, filter: Filter, value: string): TokenTest {
  if (!isIdentifierParam(param)) {
    throw invalid(filter, ':of-type is only for parameters of Identifier values (such as identifier)');
  }
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 3 || !parts[1] || !parts[2]) {
    throw invalid(filter, ':of-type takes typeSystem|typeCode|value (for example http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345)');
  }
  const [typeSystem, typeCode, identifierValue] = parts;
  return { kind: 'code', system: ofTypeMarker(typeSystem || undefined, typeCode), code: identifierValue };
}

function tokenTest(filter: Filter, value: string): TokenTest {
  if (filter.operator === 'text') {
    return { kind: 'text', text: unescapeValue(value) };
  }
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length > 2) {
    throw invalid(filter, 'a token is [system]|[code]');
  }
  if (parts.length === 1) {
    return { kind: 'code', code: parts[0] };
  }
  const [system, code] = parts;
  if (!system && !code) {
    throw invalid(filter, 'empty token');
  }
  return { kind: 'code', system: system || null, code: code || undefined };
}

function stringTest(filter: Filter, value: string): StringTest {
  const text = unescapeValue(value);
  switch (filter.operator) {
    case 'eq':
      return { mode: 'prefix', norm: normalizeString(text) };
    case 'contains':
      return { mode: 'contains', norm: normalizeString(text) };
    case 'exact':
      return { mode: 'exact', text };
    default:
      throw invalid(filter, `modifier :${filter.operator} is not supported on string parameters`);
  }
}

function referenceTest(filter: Filter, value: string, baseUrl: string | undefined): ReferenceTest {
  if (filter.operator === 'identifier') {
    const parts = splitUnescaped(value, '|').map(unescapeValue);
    if (parts.length === 1) {
      return { kind: 'identifier', value: parts[0] };
    }
    const [system, code] = parts;
    return code ? { kind: 'identifier', system: system || null, value: code } : { kind: 'identifier', system };
  }
  if (filter.operator !== 'eq') {
    throw invalid(filter, `modifier :${filter.operator} is not supported on reference parameters`);
  }
  const text = unescapeValue(value);
  // Absolute references to this server are the local references they name.
  const local = baseUrl && text.startsWith(`${baseUrl}/`) ? text.slice(baseUrl.length + 1) : text;
  const relative = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(local);
  if (relative) {
    return { kind: 'target', type: relative[1], id: relative[2] };
  }
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(local)) {
    return { kind: 'target', id: local };
  }
  return { kind: 'url', url: text };
}

function uriTest(filter: Filter, uri: string): UriTest {
  if (filter.operator !== 'eq' && filter.operator !== 'below' && filter.operator !== 'above') {
    throw invalid(filter, `modifier :${filter.operator} is not supported on uri parameters`);
  }
  return { mode: filter.operator, uri };
}

/**
 * A canonical row's value is the middle of its converted range, each end rounded to 15 digits
 * (ucum.ts), so 100 /min can sit a rounding step below 100 /min converted on its own, and
 * `lt100|…|/min` would find it. Order comparisons in canonical units therefore count values
 * within 1e-13 of each other as equal: the bound moves away from the value by that much.
 */
function beyondRounding(exact: string, prefix: string): string {
  const slack = Math.abs(Number(exact)) * 1e-13;
  const moved = prefix === 'lt' || prefix === 'eb' || prefix === 'ge' ? Number(exact) - slack : prefix === 'gt' || prefix === 'sa' || prefix === 'le' ? Number(exact) + slack : Number(exact);
  return moved === Number(exact) ? exact : String(moved);
}

function quantityTest(filter: Filter, value: string): QuantityTest {
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 1 && parts.length !== 3) {
    throw invalid(filter, 'a quantity is [prefix]number[|system|code]');
  }
  const number = numberTest(filter, parts[0]);
  const system = parts[1] || undefined;
  const code = parts[2] || undefined;
  const unit = system === UCUM && code ? canonicalUnit(code) : undefined;
  const low = unit?.convert(Number(number.range.low));
  const high = unit?.convert(Number(number.range.high));
  const exact = unit?.convert(Number(number.exact));
  const canonical =
    unit && low !== undefined && high !== undefined && exact !== undefined
      ? { code: unit.code, number: { prefix: number.prefix, range: { low, high }, exact: beyondRounding(exact, number.prefix) } }
      : undefined;
  return { number, system, code, ...(canonical ? { canonical } : {}) };
}
