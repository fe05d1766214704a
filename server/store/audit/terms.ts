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

/** Every term of one event, from its index rows (extract.ts), without repeats. */
export function termsOf(registry: SearchParamRegistry, resourceType: string, rows: IndexRows): string[] {
  const codes = new Map(registry.forType(resourceType).map((p) => [p.id, p.code]));
  const terms = new Set<string>();
  const add = (p: number, kind: string, ...value: (string | null)[]) => {
    const code = codes.get(p);
    if (code !== undefined && value.every((v) => v !== null)) {
      terms.add(term(code, kind, ...(value as string[])));
    }
  };
  for (const row of rows.token) {
    add(row.p, TERM.present);
    add(row.p, TERM.code, row.c);
    add(row.p, row.s === null ? TERM.noSystemCode : TERM.systemCode, ...(row.s === null ? [row.c] : [row.s, row.c]));
    add(row.p, TERM.system, row.s);
  }
  for (const row of rows.reference) {
    add(row.p, TERM.present);
    add(row.p, TERM.id, row.i);
    add(row.p, TERM.typedId, row.t, row.i);
    add(row.p, TERM.url, row.u);
    add(row.p, TERM.identValue, row.iv);
    add(row.p, row.is === null ? TERM.identNoSystemValue : TERM.identSystemValue, ...(row.is === null ? [row.iv] : [row.is, row.iv]));
    add(row.p, TERM.identSystem, row.is);
  }
  for (const row of rows.uri) {
    add(row.p, TERM.present);
    add(row.p, TERM.url, row.u);
  }
  for (const row of rows.string) {
    add(row.p, TERM.present);
    add(row.p, TERM.exact, row.e);
    add(row.p, TERM.normalized, row.n);
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
      codes === 'any' ? [term(code, TERM.system, system)] : [...codes].flatMap((c) => [term(code, TERM.systemCode, system, c), term(code, TERM.noSystemCode, c)])
    );
  }
  if (test.code === undefined) {
    return test.system ? [term(code, TERM.system, test.system)] : [];
  }
  if (test.system === undefined) {
    return [term(code, TERM.code, test.code)];
  }
  return [test.system === null ? term(code, TERM.noSystemCode, test.code) : term(code, TERM.systemCode, test.system, test.code)];
}

function referenceTerms(code: string, test: ReferenceTest): string[] {
  switch (test.kind) {
    case 'target':
      return [test.type ? term(code, TERM.typedId, test.type, test.id) : term(code, TERM.id, test.id)];
    case 'url':
      return [term(code, TERM.url, test.url)];
    case 'identifier':
      if (test.value === undefined) {
        return test.system ? [term(code, TERM.identSystem, test.system)] : [];
      }
      if (test.system === undefined) {
        return [term(code, TERM.identValue, test.value)];
      }
      return [test.system === null ? term(code, TERM.identNoSystemValue, test.value) : term(code, TERM.identSystemValue, test.system, test.value)];
  }
}

function uriTerms(param: IndexedParam, code: string, test: UriTest): string[] {
  if (test.mode !== 'eq') {
    throw notHere(param, `:${test.mode}`);
  }
  return [term(code, TERM.url, test.uri)];
}
