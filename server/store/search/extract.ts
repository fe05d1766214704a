import { evalFhirPathTyped, toTypedValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Identifier,
  Period,
  Quantity,
  Reference,
  Resource,
  Timing,
} from '@medplum/fhirtypes';
import type { IndexedParam, SearchParamRegistry } from './registry.ts';
import { dateRange, NEG_INFINITY, normalizeString, numberRange, ofTypeMarker, POS_INFINITY } from './values.ts';
import { CANONICAL_UCUM, canonicalUnit, UCUM } from './ucum.ts';
import { addContainedRows } from './contained.ts';
import { addTextRows } from './text.ts';

/** The index rows of one resource, one array per index table, ready to insert as JSON. */
export interface IndexRows {
  token: { p: number; s: string | null; c: string | null; d: string | null }[];
  string: { p: number; n: string; e: string }[];
  date: { p: number; l: string; h: string }[];
  reference: { p: number; t: string | null; i: string | null; u: string | null; is: string | null; iv: string | null }[];
  uri: { p: number; u: string }[];
  number: { p: number; l: string; h: string }[];
  quantity: { p: number; s: string | null; c: string | null; l: string; h: string }[];
  /** A composite's pairs: a token (a*) and a second value in the columns of its kind (b*). */
  composite: CompositeRow[];
  /** `_text` and `_content`: the distinct words of the text, joined by spaces (text.ts). */
  text: { p: number; w: string }[];
}

export interface CompositeRow {
  p: number;
  as: string | null;
  ac: string | null;
  ad: string | null;
  bs: string | null;
  bc: string | null;
  bd: string | null;
  bl: string | null;
  bh: string | null;
  bdl: string | null;
  bdh: string | null;
  bn: string | null;
  be: string | null;
  btt: string | null;
  bti: string | null;
  bu: string | null;
}

export function emptyIndexRows(): IndexRows {
  return { token: [], string: [], date: [], reference: [], uri: [], number: [], quantity: [], composite: [], text: [] };
}

/** Where the resource was written: references to this base URL are local references. */
export interface ExtractContext {
  baseUrl?: string;
  /** The resource as serialised, to look for absolute references cheaply. */
  content?: string;
  /** Only these parameters (a re-index job building some parameters' rows); all when absent. */
  only?: ReadonlySet<number>;
}

/**
 * Evaluates every indexed search parameter of the resource's type (their FHIRPath expressions,
 * parsed once at start) and turns the values into index rows.
 */
export function extractIndexRows(registry: SearchParamRegistry, resource: Resource, context: ExtractContext = {}): IndexRows {
  const rows = emptyIndexRows();
  const local = context.baseUrl ? `${context.baseUrl}/` : undefined;
  // Absolute references to this server are evaluated as the relative references they are, so
  // expressions such as `subject.where(resolve() is Patient)` see their type.
  const subject =
    local && (context.content ?? JSON.stringify(resource)).includes(local) ? relativize(resource, local) : resource;
  const input = [toTypedValue(subject)];
  for (const param of registry.indexedForType(resource.resourceType)) {
    if (context.only && !context.only.has(param.id)) {
      continue;
    }
    let values: TypedValue[];
    try {
      values = evalFhirPathTyped(param.details.parsedExpression, input);
    } catch {
      // An expression that cannot be evaluated on this resource indexes nothing, as no value.
      continue;
    }
    for (const value of values) {
      if (param.components) {
        addComposite(rows, param, value);
      } else {
        addValue(rows, param, value);
      }
    }
  }
  addTextRows(rows, registry, resource, context.only);
  addContainedRows(rows, registry, resource, context, extractIndexRows);
  return dedupe(rows);
}

const EMPTY_PAIR = { bs: null, bc: null, bd: null, bl: null, bh: null, bdl: null, bdh: null, bn: null, be: null, btt: null, bti: null, bu: null };

/**
 * The pairs of one node a composite selects (an Observation.component): every value of its first
 * component with every value of its second, both taken from this node only.
 */
function addComposite(rows: IndexRows, param: IndexedParam, node: TypedValue): void {
  const [first, second] = param.components as NonNullable<IndexedParam['components']>;
  const partRows = (component: typeof first): IndexRows => {
    const part = emptyIndexRows();
    let values: TypedValue[];
    try {
      values = evalFhirPathTyped(component.expression, [node]);
    } catch {
      values = [];
    }
    for (const value of values) {
      addValue(part, component.param, value);
    }
    return part;
  };
  const a = partRows(first).token;
  const b = partRows(second);
  const seconds: Omit<CompositeRow, 'p' | 'as' | 'ac' | 'ad'>[] = [
    ...b.token.map((r) => ({ ...EMPTY_PAIR, bs: r.s, bc: r.c, bd: r.d })),
    ...b.quantity.map((r) => ({ ...EMPTY_PAIR, bs: r.s, bc: r.c, bl: r.l, bh: r.h })),
    ...b.date.map((r) => ({ ...EMPTY_PAIR, bdl: r.l, bdh: r.h })),
    ...b.string.map((r) => ({ ...EMPTY_PAIR, bn: r.n, be: r.e })),
    ...b.reference.map((r) => ({ ...EMPTY_PAIR, btt: r.t, bti: r.i, bu: r.u, bs: r.is, bc: r.iv })),
  ];
  for (const code of a) {
    for (const value of seconds) {
      rows.composite.push({ p: param.id, as: code.s, ac: code.c, ad: code.d, ...value });
    }
  }
}

function addValue(rows: IndexRows, param: IndexedParam, typed: TypedValue): void {
  const p = param.id;
  const { type, value } = typed;
  if (value === undefined || value === null) {
    return;
  }
  switch (param.table) {
    case 'token':
      addTokens(rows, p, type, value);
      break;
    case 'string':
      for (const text of stringsOf(type, value)) {
        rows.string.push({ p, n: normalizeString(text), e: text });
      }
      break;
    case 'date':
      for (const range of dateRangesOf(type, value)) {
        rows.date.push({ p, l: range.low, h: range.high });
      }
      break;
    case 'reference':
      addReference(rows, p, type, value);
      break;
    case 'uri':
      if (typeof value === 'string') {
        rows.uri.push({ p, u: value });
      }
      break;
    case 'number':
      if (typeof value === 'number') {
        const range = numberRange(String(value));
        if (range) {
          rows.number.push({ p, l: range.low, h: range.high });
        }
      }
      break;
    case 'quantity':
      addQuantity(rows, p, value as Quantity);
      break;
  }
}

function addTokens(rows: IndexRows, p: number, type: string, value: unknown): void {
  // The display is kept only for :text, which searches it as a string: case and accents folded.
  const push = (s: string | undefined, c: string | undefined, d: string | undefined): void => {
    if (s || c || d) {
      rows.token.push({ p, s: s ?? null, c: c ?? null, d: d ? normalizeString(d) : null });
    }
  };
  switch (type) {
    case 'CodeableConcept': {
      const cc = value as CodeableConcept;
      for (const coding of cc.coding ?? []) {
        push(coding.system, coding.code, coding.display);
      }
      // The concept's own text is searchable with :text beside the displays of its codings.
      if (cc.text) {
        push(undefined, undefined, cc.text);
      }
      break;
    }
    case 'Coding': {
      const coding = value as Coding;
      push(coding.system, coding.code, coding.display);
      break;
    }
    case 'Identifier': {
      const identifier = value as Identifier;
      push(identifier.system, identifier.value, identifier.type?.text);
      // `:of-type` finds the value by a coding of its type: one marker row per coding (values.ts).
      for (const coding of identifier.value ? (identifier.type?.coding ?? []) : []) {
        if (coding.code) {
          push(ofTypeMarker(coding.system, coding.code), identifier.value, undefined);
        }
      }
      break;
    }
    case 'ContactPoint': {
      const contact = value as ContactPoint;
      push(contact.system, contact.value, undefined);
      break;
    }
    default:
      if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
        push(undefined, String(value), undefined);
      }
  }
}

function stringsOf(type: string, value: unknown): string[] {
  switch (type) {
    case 'HumanName': {
      const name = value as HumanName;
      return [name.text, name.family, ...(name.given ?? []), ...(name.prefix ?? []), ...(name.suffix ?? [])].filter(
        (s): s is string => !!s
      );
    }
    case 'Address': {
      const a = value as Address;
      return [a.text, ...(a.line ?? []), a.city, a.district, a.state, a.postalCode, a.country].filter(
        (s): s is string => !!s
      );
    }
    default:
      return typeof value === 'string' && value.length > 0 ? [value] : [];
  }
}

function dateRangesOf(type: string, value: unknown): { low: string; high: string }[] {
  switch (type) {
    case 'Period': {
      const period = value as Period;
      const start = period.start ? dateRange(period.start) : undefined;
      const end = period.end ? dateRange(period.end) : undefined;
      return start || end ? [{ low: start?.low ?? NEG_INFINITY, high: end?.high ?? POS_INFINITY }] : [];
    }
    case 'Timing': {
      const timing = value as Timing;
      const ranges = (timing.event ?? []).map((e) => dateRange(e)).filter((r) => r !== undefined);
      const bounds = timing.repeat?.boundsPeriod;
      if (bounds) {
        ranges.push(...dateRangesOf('Period', bounds));
      }
      return ranges;
    }
    default: {
      const range = typeof value === 'string' ? dateRange(value) : undefined;
      return range ? [range] : [];
    }
  }
}

function addReference(rows: IndexRows, p: number, type: string, value: unknown): void {
  if (typeof value === 'string') {
    // canonical or uri typed reference parameters
    rows.reference.push({ p, t: null, i: null, u: value, is: null, iv: null });
    return;
  }
  if (type !== 'Reference') {
    return;
  }
  const ref = value as Reference;
  const target = ref.reference ? parseReference(ref.reference) : undefined;
  if (target || ref.identifier?.value) {
    rows.reference.push({
      p,
      t: target?.type ?? null,
      i: target?.id ?? null,
      u: target?.url ?? null,
      is: ref.identifier?.system ?? null,
      iv: ref.identifier?.value ?? null,
    });
  }
}

/**
 * Splits a relative literal reference (`Patient/123`, optionally versioned) into type and id.
 * Absolute URLs (another server's resources, canonical or urn: references) keep only their
 * full form, so they never match a search for a local resource.
 */
export function parseReference(reference: string): { type?: string; id?: string; url?: string } | undefined {
  if (reference.startsWith('#')) {
    return undefined;
  }
  const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(reference);
  return m ? { type: m[1], id: m[2] } : { url: reference };
}

/** A copy of the resource with references to `local` (this server's base URL + '/') made relative. */
function relativize<T>(node: T, local: string): T {
  if (Array.isArray(node)) {
    return node.map((n) => relativize(n, local)) as T;
  }
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = key === 'reference' && typeof value === 'string' && value.startsWith(local) ? value.slice(local.length) : relativize(value, local);
    }
    return out as T;
  }
  return node;
}

function addQuantity(rows: IndexRows, p: number, quantity: Quantity): void {
  if (typeof quantity?.value !== 'number') {
    return;
  }
  const range = numberRange(String(quantity.value));
  if (range) {
    rows.quantity.push({ p, s: quantity.system ?? null, c: quantity.code ?? quantity.unit ?? null, l: range.low, h: range.high });
    // A search without a system finds "either the code or the stated human unit" (R4): the unit as
    // written gets a row of its own, with no system, so no search with a system meets it.
    if (quantity.code && quantity.unit && quantity.unit !== quantity.code) {
      rows.quantity.push({ p, s: null, c: quantity.unit, l: range.low, h: range.high });
    }
    // A UCUM quantity is found in other units of its dimension through its canonical row (ucum.ts).
    const canonical = quantity.system === UCUM && quantity.code ? canonicalUnit(quantity.code) : undefined;
    const low = canonical?.convert(Number(range.low));
    const high = canonical?.convert(Number(range.high));
    if (canonical && low !== undefined && high !== undefined) {
      rows.quantity.push({ p, s: CANONICAL_UCUM, c: canonical.code, l: low, h: high });
    }
  }
}

/** The same value reached by two paths (e.g. `patient` and `subject`) is one row per parameter. */
function dedupe(rows: IndexRows): IndexRows {
  for (const key of Object.keys(rows) as (keyof IndexRows)[]) {
    const list = rows[key] as object[];
    if (list.length > 1) {
      const seen = new Set<string>();
      (rows[key] as object[]) = list.filter((row) => {
        const k = JSON.stringify(row);
        if (seen.has(k)) {
          return false;
        }
        seen.add(k);
        return true;
      });
    }
  }
  return rows;
}
