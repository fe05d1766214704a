import type {
  CompositePart,
  Condition,
  NumberTest,
  QuantityTest,
  RangeTest,
  ReferenceTest,
  StringTest,
  TextTest,
  TokenTest,
  UriTest,
} from './conditions.ts';
import type { CompositeRow, IndexRows } from './extract.ts';
import { NEG_INFINITY, normalizeString, POS_INFINITY } from './values.ts';
import { CANONICAL_UCUM } from './ucum.ts';

/**
 * Conditions (conditions.ts) evaluated over the index rows of one resource version, for
 * subscription matching: the in-memory twin of condition-sql.ts, comparison for comparison.
 * Dates compare as milliseconds (the precision of every stored range); numbers compare exactly as
 * decimals, as PostgreSQL's numeric does, never as binary floating point.
 */

/** The columns of the resource row a condition may read besides its index rows. */
export interface MatchSubject {
  id: string;
  lastUpdated: string;
  rows: IndexRows;
}

export function conditionHolds(condition: Condition, subject: MatchSubject, now = Date.now()): boolean {
  switch (condition.kind) {
    case 'id': {
      const listed = condition.ids.includes(subject.id);
      return condition.negate ? !listed : listed;
    }
    case 'lastUpdated': {
      const low = Date.parse(subject.lastUpdated);
      return condition.tests.some((t) => rangeHolds(t, low, low + 1, now));
    }
    case 'missing': {
      const table = condition.param.table as keyof IndexRows;
      const present = subject.rows[table].some((row) => row.p === condition.param.id);
      return condition.missing ? !present : present;
    }
    case 'index': {
      const found = indexRowMatches(condition, subject.rows, now);
      return condition.negate ? !found : found;
    }
    case 'chain':
    case 'has':
      // Refused when criteria are compiled (matcher.ts): they depend on other resources.
      throw new Error('chained conditions cannot be evaluated on one version');
  }
}

/** True when some row of the condition's parameter satisfies one of its alternatives. */
function indexRowMatches(condition: Condition & { kind: 'index' }, rows: IndexRows, now: number): boolean {
  const p = condition.param.id;
  switch (condition.table) {
    case 'token':
      return rows.token.some((row) => row.p === p && condition.tests.some((t) => tokenHolds(t, row)));
    case 'string':
      return rows.string.some((row) => row.p === p && condition.tests.some((t) => stringHolds(t, row)));
    case 'date':
      return rows.date.some(
        (row) => row.p === p && condition.tests.some((t) => rangeHolds(t, instant(row.l), instant(row.h), now))
      );
    case 'reference':
      return rows.reference.some((row) => row.p === p && condition.tests.some((t) => referenceHolds(t, row)));
    case 'uri':
      return rows.uri.some((row) => row.p === p && condition.tests.some((t) => uriHolds(t, row.u)));
    case 'number':
      return rows.number.some((row) => row.p === p && condition.tests.some((t) => numberHolds(t, row.l, row.h)));
    case 'quantity':
      return rows.quantity.some((row) => row.p === p && condition.tests.some((t) => quantityHolds(t, row)));
    case 'composite':
      return rows.composite.some(
        (row) => row.p === p && condition.tests.some((t) => tokenHolds(t.first, { p, s: row.as, c: row.ac, d: row.ad }) && compositePartHolds(t.second, row, now))
      );
    case 'text':
      return rows.text.some((row) => row.p === p && condition.tests.some((t) => textHolds(t, row.w.split(' '))));
  }
}

/** Every word searched begins a word of the row, as `doc @@ 'word':* & …` in condition-sql.ts. */
function textHolds(test: TextTest, words: string[]): boolean {
  return test.words.every((w) => words.some((word) => word.startsWith(w)));
}

/** The second part of a composite pair, read from its b columns as condition-sql.ts reads them. */
function compositePartHolds(part: CompositePart, row: CompositeRow, now: number): boolean {
  switch (part.table) {
    case 'token':
      return tokenHolds(part.test, { p: row.p, s: row.bs, c: row.bc, d: row.bd });
    case 'string':
      return row.bn !== null && row.be !== null && stringHolds(part.test, { p: row.p, n: row.bn, e: row.be });
    case 'date':
      return row.bdl !== null && row.bdh !== null && rangeHolds(part.test, instant(row.bdl), instant(row.bdh), now);
    case 'reference':
      return referenceHolds(part.test, { p: row.p, t: row.btt, i: row.bti, u: row.bu, is: row.bs, iv: row.bc });
    case 'quantity':
      return row.bl !== null && row.bh !== null && quantityHolds(part.test, { p: row.p, s: row.bs, c: row.bc, l: row.bl, h: row.bh });
  }
}

function instant(text: string): number {
  if (text === NEG_INFINITY) {
    return -Infinity;
  }
  return text === POS_INFINITY ? Infinity : Date.parse(text);
}

/** R4's range rules over milliseconds, as rangeSql states them over timestamptz. */
function rangeHolds(test: RangeTest, low: number, high: number, now: number): boolean {
  const pl = instant(test.range.low);
  const ph = instant(test.range.high);
  switch (test.prefix) {
    case 'eq':
      return low >= pl && high <= ph;
    case 'ne':
      return !(low >= pl && high <= ph);
    case 'gt':
      return high > ph;
    case 'lt':
      return low < pl;
    case 'ge':
      return high > ph || low >= pl;
    case 'le':
      return low < pl || high <= ph;
    case 'sa':
      return low >= ph;
    case 'eb':
      return high <= pl;
    case 'ap': {
      const spread = Math.abs(now - pl) * 0.1;
      return low < ph + spread && high > pl - spread;
    }
  }
}

function tokenHolds(test: TokenTest, row: IndexRows['token'][number]): boolean {
  if (test.kind === 'text') {
    return row.d !== null && row.d.includes(normalizeString(test.text));
  }
  if (test.kind === 'set') {
    if (row.c === null) {
      return false;
    }
    if (row.s === null) {
      return [...test.codes.values()].some((codes) => codes !== 'any' && codes.has(row.c as string)); // as condition-sql.ts
    }
    const codes = test.codes.get(row.s);
    return codes !== undefined && (codes === 'any' || codes.has(row.c));
  }
  if (test.code !== undefined && row.c !== test.code) {
    return false;
  }
  return test.system === undefined || row.s === test.system;
}

function stringHolds(test: StringTest, row: IndexRows['string'][number]): boolean {
  switch (test.mode) {
    case 'prefix':
      return row.n.startsWith(test.norm);
    case 'contains':
      return row.n.includes(test.norm);
    case 'exact':
      return row.e === test.text;
  }
}

function referenceHolds(test: ReferenceTest, row: IndexRows['reference'][number]): boolean {
  switch (test.kind) {
    case 'identifier':
      return (test.value === undefined || row.iv === test.value) && (test.system === undefined || row.is === test.system);
    case 'target':
      return row.i === test.id && (test.type === undefined || row.t === test.type);
    case 'url':
      return row.u === test.url;
  }
}

function uriHolds(test: UriTest, uri: string): boolean {
  switch (test.mode) {
    case 'eq':
      return uri === test.uri;
    case 'below':
      return uri.startsWith(test.uri);
    case 'above':
      return test.uri.startsWith(uri);
  }
}

function numberHolds(test: NumberTest, lowText: string, highText: string): boolean {
  const low = decimal(lowText);
  const high = decimal(highText);
  const pl = decimal(test.range.low);
  const ph = decimal(test.range.high);
  switch (test.prefix) {
    case 'eq':
      return compare(low, pl) >= 0 && compare(high, ph) <= 0;
    case 'ne':
      return !(compare(low, pl) >= 0 && compare(high, ph) <= 0);
    case 'ap': {
      // low < ph + |ph|/10 and high > pl - |pl|/10, multiplied by 10 to stay in integers.
      const ten = (d: Decimal): Decimal => ({ units: d.units * 10n, scale: d.scale });
      const abs = (d: Decimal): Decimal => ({ units: d.units < 0n ? -d.units : d.units, scale: d.scale });
      return compare(ten(low), add(ten(ph), abs(ph))) < 0 && compare(ten(high), add(ten(pl), negate(abs(pl)))) > 0;
    }
    default: {
      // The stored value is the middle of its range: (low + high) / 2 compared with 2 × value.
      const sum = add(low, high);
      const exact = decimal(test.exact);
      const c = compare(sum, add(exact, exact));
      switch (test.prefix) {
        case 'gt':
        case 'sa':
          return c > 0;
        case 'lt':
        case 'eb':
          return c < 0;
        case 'ge':
          return c >= 0;
        case 'le':
          return c <= 0;
      }
    }
  }
}

function quantityHolds(test: QuantityTest, row: IndexRows['quantity'][number]): boolean {
  if (row.s === CANONICAL_UCUM) {
    return !!test.canonical && row.c === test.canonical.code && numberHolds(test.canonical.number, row.l, row.h);
  }
  if ((test.system && row.s !== test.system) || (test.code && row.c !== test.code)) {
    return false;
  }
  return numberHolds(test.number, row.l, row.h);
}

/** An exact decimal: units × 10^-scale. */
interface Decimal {
  units: bigint;
  scale: number;
}

function decimal(text: string): Decimal {
  const [mantissa, exponentText] = text.toLowerCase().split('e');
  const exponent = exponentText ? Number(exponentText) : 0;
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^[+-]/, '');
  const point = digits.indexOf('.');
  const whole = point < 0 ? digits : digits.slice(0, point) + digits.slice(point + 1);
  let scale = (point < 0 ? 0 : digits.length - point - 1) - exponent;
  let units = BigInt(whole || '0');
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: negative ? -units : units, scale };
}

function aligned(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

function compare(a: Decimal, b: Decimal): number {
  const [x, y] = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function add(a: Decimal, b: Decimal): Decimal {
  const [x, y, scale] = aligned(a, b);
  return { units: x + y, scale };
}

function negate(d: Decimal): Decimal {
  return { units: -d.units, scale: d.scale };
}
