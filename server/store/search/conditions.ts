import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Filter } from '@medplum/core';
import type { IndexedParam, IndexTable, SearchParamRegistry } from './registry.ts';
import { splitOr, splitUnescaped, unescapeValue } from './sql.ts';
import type { DateRange } from './values.ts';
import { dateRange, normalizeString, numberRange } from './values.ts';

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
}

/** Alternatives of one filter on an index table (comma-separated values are ORed). */
export type IndexTests =
  | { table: 'token'; tests: TokenTest[] }
  | { table: 'string'; tests: StringTest[] }
  | { table: 'date'; tests: RangeTest[] }
  | { table: 'reference'; tests: ReferenceTest[] }
  | { table: 'uri'; tests: UriTest[] }
  | { table: 'number'; tests: NumberTest[] }
  | { table: 'quantity'; tests: QuantityTest[] };

/** One filter of a search; the filters of a search are ANDed. */
export type Condition =
  | { kind: 'missing'; param: IndexedParam; missing: boolean }
  /** `negate`: the resource has no index value matching any alternative (`:not`). */
  | ({ kind: 'index'; param: IndexedParam; negate: boolean } & IndexTests)
  | { kind: 'id'; ids: string[]; negate: boolean }
  | { kind: 'lastUpdated'; tests: RangeTest[] };

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
  if (code.includes('.') || code.startsWith('_has')) {
    throw new OperationOutcomeError(badRequest(`Chained and reverse-chained parameters are not supported yet: "${code}"`, code));
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
  return { kind: 'index', param, negate: param.table === 'token' && filter.operator === 'not', ...indexTests(param.table, filter, baseUrl) };
}

function indexTests(table: IndexTable, filter: Filter, baseUrl: string | undefined): IndexTests {
  const values = splitOr(filter.value);
  switch (table) {
    case 'token':
      if (filter.operator !== 'eq' && filter.operator !== 'not' && filter.operator !== 'text') {
        throw invalid(filter, `modifier :${filter.operator} is not supported on token parameters`);
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

function quantityTest(filter: Filter, value: string): QuantityTest {
  const parts = splitUnescaped(value, '|').map(unescapeValue);
  if (parts.length !== 1 && parts.length !== 3) {
    throw invalid(filter, 'a quantity is [prefix]number[|system|code]');
  }
  return { number: numberTest(filter, parts[0]), system: parts[1] || undefined, code: parts[2] || undefined };
}
