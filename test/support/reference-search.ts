import type { Coding, Identifier, Observation, Patient, Quantity, Resource } from '@medplum/fhirtypes';

/**
 * An independent reading of FHIR R4 search (https://hl7.org/fhir/R4/search.html) for a handful of
 * Patient and Observation parameters, to check the server's search against. It reads the resource's
 * elements directly and shares nothing with server/store/search: no index rows, no normal forms, no
 * date or number ranges of the server's. Kept deliberately plain, so that it is right by reading.
 *
 * The answer for one resource is three-valued. Where R4 says one thing, a resource `match`es or is
 * `no` match. Where R4 leaves a choice to the server, or two parts of the text read differently,
 * the answer is `either`, and a server may include or leave out that resource. The choices are few
 * and named where they are made:
 *
 * - `ap` (approximately): R4 recommends 10% of the value (of the gap to now for dates) and lets a
 *   server choose. Every resource whose range overlaps the searched range matches (R4's prefix
 *   table); those within a generous 25% may; the rest do not.
 * - Numbers with `eq`/`ne` (no prefix is `eq`): R4's number section reads "values in the range
 *   [99.5 ... 100.5)" (the resource's value is a point), its prefix table "the range of the search
 *   value fully contains the range of the target value" (the resource's value has a precision range
 *   too). Where the two disagree (5.35 searched with 5.4) the resource may match.
 * - Numbers with `sa`/`eb`: R4's number section says nothing; "starts after" read as the value
 *   being above, or as its whole precision range being above, may differ at the edge.
 * - Token `:text`: R4 says the text is "processed as a string", i.e. starts-with; a text that only
 *   contains the searched words (anywhere) may match.
 *
 * Dates without a time zone are read in UTC, the server's time zone: R4 leaves the zone of such a
 * value to the server ("the server's local time zone"), and this server declares UTC.
 *
 * `_sort` (sortValue, mustFollow): R4 does not say where a date with a range sorts, so the order is
 * partial: a resource never comes before one whose range lies wholly before its own. Quantities sort
 * by value, `_lastUpdated` by instant, `_id` by id.
 */

export type Verdict = 'match' | 'no' | 'either';

const verdict = (b: boolean): Verdict => (b ? 'match' : 'no');

/** Definitely when `strict`, possibly when `loose` (strict implies loose). */
const between = (strict: boolean, loose: boolean): Verdict => (strict ? 'match' : loose ? 'either' : 'no');

/** Two readings of the text: where they agree that is the answer, else either. */
const twoReadings = (a: boolean, b: boolean): Verdict => (a === b ? verdict(a) : 'either');

export function anyOf(verdicts: Verdict[]): Verdict {
  return verdicts.includes('match') ? 'match' : verdicts.includes('either') ? 'either' : 'no';
}

export function allOf(verdicts: Verdict[]): Verdict {
  return verdicts.includes('no') ? 'no' : verdicts.includes('either') ? 'either' : 'match';
}

// ---------------------------------------------------------------------------------------------
// Strings: "a field matches a string query if the value of the field equals or starts with the
// supplied parameter value, after both have been normalized by case and accent". Case and accent
// are ignored the way Unicode's collation does at base strength (Intl.Collator, sensitivity base):
// å = a, é = e, ø = o, æ = ae, ß = ss, and any case.

const baseLetters = new Intl.Collator('und', { sensitivity: 'base', usage: 'search' });

function sameIgnoringCaseAndAccents(a: string, b: string): boolean {
  return baseLetters.compare(a, b) === 0;
}

export function startsWithIgnoringCase(value: string, searched: string): boolean {
  const text = value.normalize('NFC');
  for (let end = 0; end <= text.length; end++) {
    if (sameIgnoringCaseAndAccents(text.slice(0, end), searched)) {
      return true;
    }
  }
  return false;
}

export function containsIgnoringCase(value: string, searched: string): boolean {
  const text = value.normalize('NFC');
  for (let start = 0; start <= text.length; start++) {
    if (startsWithIgnoringCase(text.slice(start), searched)) {
      return true;
    }
  }
  return false;
}

function stringMatches(values: string[], modifier: string, searched: string): Verdict {
  switch (modifier) {
    case '':
      return verdict(values.some((v) => startsWithIgnoringCase(v, searched)));
    case 'contains':
      return verdict(values.some((v) => containsIgnoringCase(v, searched)));
    case 'exact':
      return verdict(values.some((v) => v === searched));
    default:
      throw new Error(`reference search: no string modifier :${modifier}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Decimals, exactly: `units / 10^scale`. No exponents (see the test's number pools).

interface Decimal {
  units: bigint;
  scale: number;
}

export function decimal(text: string): Decimal {
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) {
    throw new Error(`reference search: "${text}" is not a plain decimal`);
  }
  const fraction = m[3] ?? '';
  return { units: BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}${fraction}`), scale: fraction.length };
}

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = rescale(a, scale);
  const y = rescale(b, scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The implicit range of a decimal by its significant figures: 5.4 is [5.35, 5.45), 100 is [99.5, 100.5). */
function implicitRange(d: Decimal): [Decimal, Decimal] {
  const scale = d.scale + 1;
  const middle = rescale(d, scale);
  return [
    { units: middle - 5n, scale },
    { units: middle + 5n, scale },
  ];
}

const toNumber = (d: Decimal): number => Number(d.units) / 10 ** d.scale;

/** A resource's number (as JSON gives it) compared with a searched `[prefix]number`. */
function numberMatches(value: number, prefix: string, searchedText: string): Verdict {
  const t = decimal(String(value));
  const v = decimal(searchedText);
  const [low, high] = implicitRange(v);
  const [tLow, tHigh] = implicitRange(t);
  const lt = (a: Decimal, b: Decimal) => compareDecimals(a, b) < 0;
  const le = (a: Decimal, b: Decimal) => compareDecimals(a, b) <= 0;
  // Reading A: the resource's value is a point in the searched range. Reading B: its own range lies in it.
  const pointIn = le(low, t) && lt(t, high);
  const rangeIn = le(low, tLow) && le(tHigh, high);
  switch (prefix) {
    case 'eq':
      return twoReadings(pointIn, rangeIn);
    case 'ne':
      return twoReadings(!pointIn, !rangeIn);
    // "lt100: values that are less than exactly 100", and so on: the searched value has no range.
    case 'gt':
      return verdict(lt(v, t));
    case 'lt':
      return verdict(lt(t, v));
    case 'ge':
      return verdict(le(v, t));
    case 'le':
      return verdict(le(t, v));
    case 'sa':
      return twoReadings(lt(v, t), le(v, tLow));
    case 'eb':
      return twoReadings(lt(t, v), le(tHigh, v));
    case 'ap': {
      const loose = Math.abs(value - toNumber(v)) <= 0.25 * Math.abs(toNumber(v)) + (toNumber(high) - toNumber(low)) + (toNumber(tHigh) - toNumber(tLow));
      return between(pointIn, loose);
    }
    default:
      throw new Error(`reference search: no prefix ${prefix}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Dates: every date, dateTime, instant and Period is a range of instants [low, high) in ms.

export interface Instants {
  low: number;
  high: number;
}

/**
 * The instants a date covers at its precision: `1950` is the whole year, `1950-06-15` the day,
 * `2024-03-01T10:00:00Z` one second, `...T10:00:00.500+01:00` one millisecond. Without a zone: UTC.
 */
export function instants(text: string): Instants {
  const m = /^(\d{4})(-(\d\d)(-(\d\d)(T(\d\d):(\d\d)(:(\d\d)(\.(\d{1,3}))?)?(Z|([+-])(\d\d):(\d\d))?)?)?)?$/.exec(text);
  if (!m) {
    throw new Error(`reference search: "${text}" is not a date this evaluator reads`);
  }
  const year = Number(m[1]);
  const month = m[3] === undefined ? undefined : Number(m[3]) - 1;
  const day = m[5] === undefined ? undefined : Number(m[5]);
  const hour = m[7] === undefined ? undefined : Number(m[7]);
  const minute = m[8] === undefined ? undefined : Number(m[8]);
  const second = m[10] === undefined ? undefined : Number(m[10]);
  const fraction = m[12];
  const offsetMinutes = m[14] === undefined ? 0 : (m[14] === '-' ? -1 : 1) * (Number(m[15]) * 60 + Number(m[16]));
  const zone = offsetMinutes * 60_000;
  if (month === undefined) {
    return { low: Date.UTC(year, 0, 1), high: Date.UTC(year + 1, 0, 1) };
  }
  if (day === undefined) {
    return { low: Date.UTC(year, month, 1), high: Date.UTC(year, month + 1, 1) };
  }
  if (hour === undefined || minute === undefined) {
    return { low: Date.UTC(year, month, day), high: Date.UTC(year, month, day + 1) };
  }
  if (second === undefined) {
    const low = Date.UTC(year, month, day, hour, minute) - zone;
    return { low, high: low + 60_000 };
  }
  if (fraction === undefined) {
    const low = Date.UTC(year, month, day, hour, minute, second) - zone;
    return { low, high: low + 1000 };
  }
  const low = Date.UTC(year, month, day, hour, minute, second) - zone + Number(fraction.padEnd(3, '0'));
  return { low, high: low + 10 ** (3 - fraction.length) };
}

/** R4's prefix table, in ranges: `s` the searched range, `t` the resource's. */
function dateMatches(t: Instants, prefix: string, searchedText: string, now: number): Verdict {
  const s = instants(searchedText);
  const contains = s.low <= t.low && t.high <= s.high;
  const overlaps = t.low < s.high && s.low < t.high;
  switch (prefix) {
    case 'eq':
      return verdict(contains);
    case 'ne':
      return verdict(!contains);
    case 'gt': // the range above the searched value intersects the resource's range
      return verdict(t.high > s.high);
    case 'lt':
      return verdict(t.low < s.low);
    case 'ge':
      return verdict(t.high > s.high || contains);
    case 'le':
      return verdict(t.low < s.low || contains);
    case 'sa': // no overlap, and the range above contains the resource's range
      return verdict(t.low >= s.high);
    case 'eb':
      return verdict(t.high <= s.low);
    case 'ap': {
      const slack = 0.25 * Math.max(Math.abs(now - s.low), Math.abs(now - s.high));
      return between(overlaps, t.low < s.high + slack && s.low - slack < t.high);
    }
    default:
      throw new Error(`reference search: no prefix ${prefix}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens, references and quantities as the resource holds them.

interface Token {
  system?: string;
  code?: string;
}

function tokenMatches(tokens: Token[], searched: string): boolean {
  const bar = searched.indexOf('|');
  if (bar < 0) {
    return tokens.some((t) => t.code === searched); // any system
  }
  const system = searched.slice(0, bar);
  const code = searched.slice(bar + 1);
  if (!system) {
    return tokens.some((t) => t.code === code && !t.system); // |code: no system
  }
  if (!code) {
    return tokens.some((t) => t.system === system); // system|: any code of the system
  }
  return tokens.some((t) => t.system === system && t.code === code);
}

/**
 * A reference: `Type/id` is that local resource, a bare `id` a local resource of any type with that
 * id, an absolute URL that URL. References to other servers are not local references.
 */
function referenceMatches(references: string[], searched: string): boolean {
  if (/^https?:\/\//.test(searched)) {
    return references.includes(searched);
  }
  if (searched.includes('/')) {
    return references.includes(searched);
  }
  return references.some((r) => /^[A-Z][A-Za-z]+\/[^/]+$/.test(r) && r.split('/')[1] === searched);
}

/** `[prefix]number|system|code`; without a system, the code or the unit as written. */
function quantityMatches(quantities: Quantity[], searched: string): Verdict {
  const [numberPart, system, code] = searched.split('|');
  const { prefix, rest } = splitPrefix(numberPart);
  return anyOf(
    quantities.map((q) => {
      if (typeof q.value !== 'number') {
        return 'no';
      }
      if (system && q.system !== system) {
        return 'no';
      }
      if (code && (system ? q.code !== code : q.code !== code && q.unit !== code)) {
        return 'no';
      }
      return numberMatches(q.value, prefix, rest);
    })
  );
}

function splitPrefix(value: string): { prefix: string; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(value);
  return m ? { prefix: m[1], rest: m[2] } : { prefix: 'eq', rest: value };
}

// ---------------------------------------------------------------------------------------------
// The parameters: what each one reads, written from R4's SearchParameter definitions.

type Param =
  | { type: 'string'; values: (r: any) => string[] }
  | { type: 'token'; values: (r: any) => Token[]; texts?: (r: any) => string[] }
  | { type: 'date'; values: (r: any) => Instants[] }
  | { type: 'reference'; values: (r: any) => string[] }
  | { type: 'quantity'; values: (r: any) => Quantity[] };

const present = <T>(values: (T | undefined | null)[]): T[] => values.filter((v): v is T => v !== undefined && v !== null && v !== '');

const PATIENT: Record<string, Param> = {
  family: { type: 'string', values: (p: Patient) => present((p.name ?? []).map((n) => n.family)) },
  given: { type: 'string', values: (p: Patient) => present((p.name ?? []).flatMap((n) => n.given ?? [])) },
  // "may match any of the string fields in the HumanName, including family, give, prefix, suffix, and/or text"
  name: {
    type: 'string',
    values: (p: Patient) => present((p.name ?? []).flatMap((n) => [n.text, n.family, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])])),
  },
  'address-city': { type: 'string', values: (p: Patient) => present((p.address ?? []).map((a) => a.city)) },
  birthdate: { type: 'date', values: (p: Patient) => present([p.birthDate]).map(instants) },
  gender: { type: 'token', values: (p: Patient) => present([p.gender]).map((code) => ({ code })) },
  active: { type: 'token', values: (p: Patient) => (p.active === undefined ? [] : [{ code: String(p.active) }]) },
  identifier: {
    type: 'token',
    values: (p: Patient) => (p.identifier ?? []).map((i: Identifier) => ({ system: i.system, code: i.value })),
    texts: (p: Patient) => present((p.identifier ?? []).map((i) => i.type?.text)),
  },
  'general-practitioner': { type: 'reference', values: (p: Patient) => present((p.generalPractitioner ?? []).map((r) => r.reference)) },
};

function effective(o: Observation): Instants[] {
  if (o.effectiveDateTime) {
    return [instants(o.effectiveDateTime)];
  }
  if (o.effectiveInstant) {
    return [instants(o.effectiveInstant)];
  }
  const period = o.effectivePeriod;
  if (period && (period.start || period.end)) {
    // A Period without a start began at an unknown time; one without an end is ongoing.
    return [{ low: period.start ? instants(period.start).low : -Infinity, high: period.end ? instants(period.end).high : Infinity }];
  }
  return [];
}

const OBSERVATION: Record<string, Param> = {
  code: {
    type: 'token',
    values: (o: Observation) => (o.code?.coding ?? []).map((c: Coding) => ({ system: c.system, code: c.code })),
    texts: (o: Observation) => present([o.code?.text, ...(o.code?.coding ?? []).map((c) => c.display)]),
  },
  status: { type: 'token', values: (o: Observation) => [{ code: o.status }] },
  subject: { type: 'reference', values: (o: Observation) => present([o.subject?.reference]) },
  // Observation.subject.where(resolve() is Patient)
  patient: { type: 'reference', values: (o: Observation) => present([o.subject?.reference]).filter((r) => r.startsWith('Patient/')) },
  date: { type: 'date', values: effective },
  'value-quantity': { type: 'quantity', values: (o: Observation) => present([o.valueQuantity]) },
};

const PARAMS: Record<string, Record<string, Param>> = { Patient: PATIENT, Observation: OBSERVATION };

/** The searchable value of `_lastUpdated` (an instant) and `_id`. */
const lastUpdated = (r: Resource): Instants[] => present([r.meta?.lastUpdated]).map(instants);

/** How one resource answers one `name[:modifier]=value[,value]` pair. */
export function evaluatePair(resource: Resource, key: string, value: string, now: number): Verdict {
  const [name, modifier = ''] = key.split(':');
  const alternatives = value.split(','); // the test's values hold no escaped commas
  if (name === '_id') {
    return verdict(alternatives.includes(resource.id as string));
  }
  if (name === '_lastUpdated') {
    return anyOf(alternatives.map((a) => anyOf(lastUpdated(resource).map((t) => dateMatches(t, splitPrefix(a).prefix, splitPrefix(a).rest, now)))));
  }
  const param = PARAMS[resource.resourceType]?.[name];
  if (!param) {
    throw new Error(`reference search: no parameter ${resource.resourceType}.${name}`);
  }
  if (modifier === 'missing') {
    const has = param.values(resource).length > 0;
    return verdict(value === 'true' ? !has : has);
  }
  switch (param.type) {
    case 'string': {
      const values = param.values(resource);
      return anyOf(alternatives.map((a) => stringMatches(values, modifier, a)));
    }
    case 'token': {
      if (modifier === 'text') {
        const texts = param.texts?.(resource) ?? [];
        return anyOf(
          alternatives.map((a) => between(texts.some((t) => startsWithIgnoringCase(t, a)), texts.some((t) => containsIgnoringCase(t, a))))
        );
      }
      const tokens = param.values(resource);
      const found = alternatives.some((a) => tokenMatches(tokens, a));
      if (modifier === 'not') {
        // "reverse the code matching": also resources without a value.
        return verdict(!found);
      }
      if (modifier !== '') {
        throw new Error(`reference search: no token modifier :${modifier}`);
      }
      return verdict(found);
    }
    case 'date': {
      const ranges = param.values(resource);
      return anyOf(alternatives.map((a) => anyOf(ranges.map((t) => dateMatches(t, splitPrefix(a).prefix, splitPrefix(a).rest, now)))));
    }
    case 'reference': {
      const references = param.values(resource);
      // `subject:Patient=a` is `subject=Patient/a`.
      const typed = modifier ? alternatives.map((a) => `${modifier}/${a}`) : alternatives;
      return verdict(typed.some((a) => referenceMatches(references, a)));
    }
    case 'quantity': {
      const quantities = param.values(resource);
      return anyOf(alternatives.map((a) => quantityMatches(quantities, a)));
    }
  }
}

/** How one resource answers a whole search: its pairs are ANDed. */
export function evaluate(resource: Resource, pairs: [string, string][], now: number): Verdict {
  return allOf(pairs.map(([key, value]) => evaluatePair(resource, key, value, now)));
}

/** The expected result of a search over `resources` of its type: ids that must be in it, and those that may. */
export function expectedResult(resources: Resource[], resourceType: string, pairs: [string, string][], now = Date.now()): { must: string[]; may: string[] } {
  const must: string[] = [];
  const may: string[] = [];
  for (const r of resources) {
    if (r.resourceType !== resourceType) {
      continue;
    }
    const v = evaluate(r, pairs, now);
    if (v === 'match') {
      must.push(r.id as string);
    } else if (v === 'either') {
      may.push(r.id as string);
    }
  }
  return { must: must.sort(), may: may.sort() };
}

// ---------------------------------------------------------------------------------------------
// Sorting: what a resource sorts by, for the orders a test checks.

/**
 * The value `_sort=name` orders by: for dates the resource's range (a result must never put a
 * resource before one whose range lies wholly before its own); for quantities the value; for
 * `_lastUpdated` the instant; for `_id` the id. Undefined when the resource has none.
 */
export type SortValue = { kind: 'range'; range: Instants } | { kind: 'decimal'; value: Decimal } | { kind: 'text'; value: string };

export function sortValue(resource: Resource, name: string): SortValue | undefined {
  if (name === '_id') {
    return { kind: 'text', value: resource.id as string };
  }
  if (name === '_lastUpdated') {
    const [t] = lastUpdated(resource);
    return t && { kind: 'range', range: t };
  }
  const param = PARAMS[resource.resourceType]?.[name];
  if (param?.type === 'date') {
    const ranges = param.values(resource);
    if (ranges.length !== 1) {
      return undefined;
    }
    return { kind: 'range', range: ranges[0] };
  }
  if (param?.type === 'quantity') {
    const [q] = param.values(resource);
    return typeof q?.value === 'number' ? { kind: 'decimal', value: decimal(String(q.value)) } : undefined;
  }
  throw new Error(`reference search: cannot sort ${resource.resourceType} by ${name}`);
}

/** True when `a` must come after `b` in ascending order (b is wholly before a). */
export function mustFollow(a: SortValue, b: SortValue): boolean {
  if (a.kind === 'range' && b.kind === 'range') {
    return b.range.high <= a.range.low;
  }
  if (a.kind === 'decimal' && b.kind === 'decimal') {
    return compareDecimals(b.value, a.value) < 0;
  }
  if (a.kind === 'text' && b.kind === 'text') {
    return b.value < a.value;
  }
  throw new Error('reference search: sort values of different kinds');
}
