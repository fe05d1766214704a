import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Condition, ReferenceTest, StringTest, TokenTest, UriTest } from '../search/conditions.ts';
import type { IndexRows } from '../search/extract.ts';
import type { IndexedParam, SearchParamRegistry } from '../search/registry.ts';
import type { SqlParams } from '../search/sql.ts';
import { escapeLike } from '../search/sql.ts';

/**
 * The searchable values of an AuditEvent as terms: short strings in one array under one GIN
 * index, instead of rows in the seven index tables. An event is written once and never changed,
 * and an access log is searched by equality (this patient, this client, this outcome), so every
 * value a token, reference, uri or exact-string search can ask for is spelled out as its own
 * term, and a search is an array overlap (strings also by prefix, over their normalised terms). Dates are the row's `last_updated` column (an event's
 * only date is when it was recorded).
 *
 * A term is the parameter code, a kind, and the value, joined by U+001F (no FHIR code, id or
 * identifier contains it). Migration 006 builds the same terms in SQL for events written before
 * this store existed; test/store/audit-store.test.ts holds the two to each other.
 */

const SEP = '\u001f';

/** What a term says about a parameter's value; each kind answers one form of search value. */
export const TERM = {
  /** The parameter has a value (`:missing=false`). */
  present: '?',
  /** token `code` (any system) */
  code: 'c',
  /** token `system|code` */
  systemCode: 'sc',
  /** token `|code` (no system) */
  noSystemCode: 'nc',
  /** token `system|` (any code) */
  system: 's',
  /** reference `id` (any type) */
  id: 'i',
  /** reference `Type/id` */
  typedId: 'ti',
  /** reference or uri by its full text (absolute URLs, canonicals, uris) */
  url: 'u',
  /** reference `:identifier=value` (any system) */
  identValue: 'iv',
  /** reference `:identifier=system|value` */
  identSystemValue: 'isv',
  /** reference `:identifier=|value` (no system) */
  identNoSystemValue: 'niv',
  /** reference `:identifier=system|` */
  identSystem: 'is',
  /** string `:exact` */
  exact: 'x',
  /** string, normalised (searched by prefix or :contains with LIKE over the terms, not the index) */
  normalized: 'n',
} as const;

export function term(code: string, kind: string, ...value: string[]): string {
  return [code, kind, ...value].join(SEP);
}

/** The kinds a `[system|]value` pair is spelled in, for tokens and for identifiers. */
interface PairKinds {
  /** `value` in any system */
  any: string;
  /** `system|value` */
  with: string;
  /** `|value`: no system */
  without: string;
  /** `system|`: any value */
  systemOnly: string;
}
const CODE: PairKinds = { any: TERM.code, with: TERM.systemCode, without: TERM.noSystemCode, systemOnly: TERM.system };
const IDENTIFIER: PairKinds = { any: TERM.identValue, with: TERM.identSystemValue, without: TERM.identNoSystemValue, systemOnly: TERM.identSystem };

/**
 * The one term a search for `[system|]value` asks for (system undefined: any, null: none; value
 * undefined: any). Stored pairs are spelled with the same function, so the two cannot differ.
 */
function pairTerm(code: string, kinds: PairKinds, system: string | null | undefined, value: string | undefined): string | undefined {
  if (value === undefined) {
    return system ? term(code, kinds.systemOnly, system) : undefined;
  }
  if (system === undefined) {
    return term(code, kinds.any, value);
  }
  return system === null ? term(code, kinds.without, value) : term(code, kinds.with, system, value);
}

/** Every term a stored pair answers to: by its value alone, with its system (or none), by its system alone. */
function storedPairTerms(code: string, kinds: PairKinds, system: string | null, value: string | null): (string | undefined)[] {
  const v = value ?? undefined;
  return [v === undefined ? undefined : pairTerm(code, kinds, undefined, v), v === undefined ? undefined : pairTerm(code, kinds, system, v), pairTerm(code, kinds, system, undefined)];
}

/** Every term of one event, from its index rows (extract.ts), without repeats. */
export function termsOf(registry: SearchParamRegistry, resourceType: string, rows: IndexRows): string[] {
  const codes = new Map(registry.forType(resourceType).map((p) => [p.id, p.code]));
  const terms = new Set<string>();
  const add = (p: number, termsOfRow: (code: string) => (string | null | undefined)[]) => {
    const code = codes.get(p);
    if (code !== undefined) {
      for (const t of [term(code, TERM.present), ...termsOfRow(code)]) {
        if (t) {
          terms.add(t);
        }
      }
    }
  };
  for (const row of rows.token) {
    add(row.p, (code) => storedPairTerms(code, CODE, row.s, row.c));
  }
  for (const row of rows.reference) {
    add(row.p, (code) => [
      row.i === null ? undefined : term(code, TERM.id, row.i),
      row.i === null || row.t === null ? undefined : term(code, TERM.typedId, row.t, row.i),
      row.u === null ? undefined : term(code, TERM.url, row.u),
      ...storedPairTerms(code, IDENTIFIER, row.is, row.iv),
    ]);
  }
  for (const row of rows.uri) {
    add(row.p, (code) => [term(code, TERM.url, row.u)]);
  }
  for (const row of rows.string) {
    add(row.p, (code) => [term(code, TERM.exact, row.e), term(code, TERM.normalized, row.n)]);
  }
  return [...terms];
}

function notHere(param: IndexedParam, what: string): OperationOutcomeError {
  return new OperationOutcomeError(
    badRequest(`Invalid search parameter "${param.code}": ${what} is not offered on AuditEvent, whose values are searched by equality`, param.code)
  );
}

/**
 * One filter as SQL over the row's terms: equality forms are an overlap with the terms that satisfy
 * them (answered by the GIN index); a string's prefix or :contains is a LIKE over the normalised
 * terms of the row, a filter on the rows the other conditions found.
 */
export function conditionTermsSql(condition: Condition & { kind: 'index' }, params: SqlParams): string {
  const code = condition.param.code;
  const terms: string[] = [];
  const patterns: string[] = [];
  for (const test of condition.tests) {
    switch (condition.table) {
      case 'token':
        terms.push(...tokenTerms(condition.param, code, test as TokenTest));
        break;
      case 'reference':
        terms.push(...referenceTerms(code, test as ReferenceTest));
        break;
      case 'uri':
        terms.push(...uriTerms(condition.param, code, test as UriTest));
        break;
      case 'string': {
        const t = test as StringTest;
        if (t.mode === 'exact') {
          terms.push(term(code, TERM.exact, t.text));
        } else {
          const prefix = `${term(code, TERM.normalized, '')}`;
          patterns.push(`${escapeLike(prefix)}${t.mode === 'contains' ? '%' : ''}${escapeLike(t.norm)}%`);
        }
        break;
      }
      default:
        throw notHere(condition.param, `a ${condition.table} search`);
    }
  }
  const parts: string[] = [];
  if (terms.length > 0) {
    parts.push(`r.terms && ${params.add(terms)}::text[]`);
  }
  if (patterns.length > 0) {
    parts.push(`EXISTS (SELECT 1 FROM unnest(r.terms) t WHERE t LIKE ANY (${params.add(patterns)}::text[]))`);
  }
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}

function tokenTerms(param: IndexedParam, code: string, test: TokenTest): string[] {
  if (test.kind === 'text') {
    throw notHere(param, ':text');
  }
  if (test.kind === 'set') {
    // A code element is stored without its system, as condition-sql.ts takes it.
    return [...test.codes].flatMap(([system, codes]) =>
      codes === 'any' ? [pairTerm(code, CODE, system, undefined)] : [...codes].flatMap((c) => [pairTerm(code, CODE, system, c), pairTerm(code, CODE, null, c)])
    ).filter((t): t is string => t !== undefined);
  }
  const t = pairTerm(code, CODE, test.system, test.code);
  return t ? [t] : [];
}

function referenceTerms(code: string, test: ReferenceTest): string[] {
  switch (test.kind) {
    case 'target':
      return [test.type ? term(code, TERM.typedId, test.type, test.id) : term(code, TERM.id, test.id)];
    case 'url':
      return [term(code, TERM.url, test.url)];
    case 'identifier': {
      const t = pairTerm(code, IDENTIFIER, test.system, test.value);
      return t ? [t] : [];
    }
  }
}

function uriTerms(param: IndexedParam, code: string, test: UriTest): string[] {
  if (test.mode !== 'eq') {
    throw notHere(param, `:${test.mode}`);
  }
  return [term(code, TERM.url, test.uri)];
}
