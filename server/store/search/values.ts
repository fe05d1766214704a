/**
 * Value rules shared by index extraction (write time) and query planning (search time), so a
 * stored value and a searched value are always turned into ranges and normal forms the same way.
 */

/** A half-open range [low, high) of instants as ISO strings, or ±infinity for open ends. */
export interface DateRange {
  low: string;
  high: string;
}

export const NEG_INFINITY = '-infinity';
export const POS_INFINITY = 'infinity';

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range of instants a FHIR date, dateTime or instant covers at its precision:
 * `2020` is the whole year, `2020-05-06T10:00:00Z` one second. Values without a time zone are
 * taken as UTC. Returns undefined when the text is not a date.
 */
export function dateRange(text: string): DateRange | undefined {
  const m = DATE_PATTERN.exec(text);
  if (!m) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : 1;
  const day = d ? Number(d) : 1;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) {
    return undefined;
  }
  const offsetMinutes = tz && tz !== 'Z' ? (tz[0] === '-' ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) : 0;
  const fracMs = frac ? Number(`0.${frac}`) * 1000 : 0;
  const start = utc(year, month - 1, day, h ? Number(h) : 0, mi ? Number(mi) : 0, s ? Number(s) : 0) + Math.floor(fracMs);
  const lowMs = start - offsetMinutes * 60_000;
  let highMs: number;
  if (!mo) {
    highMs = utc(year + 1, 0, 1);
  } else if (!d) {
    highMs = utc(year, month, 1);
  } else if (h === undefined) {
    highMs = utc(year, month - 1, day + 1);
  } else if (s === undefined) {
    highMs = lowMs + 60_000;
  } else if (!frac) {
    highMs = lowMs + 1000;
  } else {
    highMs = lowMs + Math.max(1, 10 ** (3 - Math.min(frac.length, 3)));
  }
  return { low: instantText(lowMs, NEG_INFINITY), high: instantText(highMs, POS_INFINITY) };
}

const MIN_MS = utc(1, 0, 1);
const MAX_MS = utc(10000, 0, 1);

/** ISO text of an instant, or an infinity where a bound leaves the years 0001–9999 (as 9999-12-31's end does). */
function instantText(ms: number, outside: string): string {
  return ms < MIN_MS || ms >= MAX_MS ? outside : new Date(ms).toISOString();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

/** Date.UTC without its quirk of reading years 0–99 as 1900–1999. */
function utc(year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hours, minutes, seconds, 0);
  return date.getTime();
}

/** Letters that Unicode does not decompose into a base letter and an accent. */
const FOLDED: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', đ: 'd', ł: 'l', þ: 'th' };

/**
 * Lower-cases and strips accents (é → e, å → a, ø → o, æ → ae) so string search ignores case
 * and diacritics: `tromso` finds Tromsø.
 */
export function normalizeString(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[øæœßđłþ]/g, (c) => FOLDED[c])
    .trim();
}

/** The implicit range of a decimal by its precision: `5.4` covers [5.35, 5.45). */
export function numberRange(text: string): { low: string; high: string } | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    return undefined;
  }
  const [mantissa, exponentText] = text.toLowerCase().split('e');
  const exponent = exponentText ? Number(exponentText) : 0;
  const decimals = mantissa.includes('.') ? mantissa.length - mantissa.indexOf('.') - 1 : 0;
  const halfStep = 0.5 * 10 ** (exponent - decimals);
  const value = Number(text);
  if (!Number.isFinite(value) || !Number.isFinite(halfStep) || Math.abs(value) > 1e300) {
    return undefined; // beyond what a measurement is, and what the range arithmetic keeps exact
  }
  // Fixed digits avoid binary noise such as 5.3500000000000005 reaching a numeric column.
  const digits = Math.min(20, Math.max(0, decimals - exponent + 1));
  return { low: (value - halfStep).toFixed(digits), high: (value + halfStep).toFixed(digits) };
}

/**
 * The system column of the extra token row that indexes an identifier by its type for `:of-type`
 * (`identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345`): the row holds
 * the identifier's value as its code and this marker as its system. A FHIR uri has no whitespace,
 * so no real system can equal a marker, and the first space after the prefix ends the type's
 * system. The marker row always sits beside the identifier's own row with the same value, so the
 * other token searches (`value`, `system|value`, `|value`, `:not`, `:text`, sorting by the code) find
 * and order exactly what they would without it.
 */
export function ofTypeMarker(typeSystem: string | undefined, typeCode: string): string {
  return `of-type ${typeSystem ?? ''} ${typeCode}`;
}
