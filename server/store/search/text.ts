import { SearchParameterType } from '@medplum/core';
import type { FhirPathAtom, SearchParameterDetails } from '@medplum/core';
import type { Resource, ResourceType, SearchParameter } from '@medplum/fhirtypes';
import type { IndexRows } from './extract.ts';
import type { SearchParamRegistry } from './registry.ts';
import { normalizeString } from './values.ts';

/**
 * R4's full-text parameters, answered from the index table `idx_text` (migration 009): one row per
 * resource and parameter holding the distinct words of its text as a tsvector of `param:word`
 * lexemes, under a GIN index.
 *
 * - `_text`: the words of the narrative (`text.div`, tags stripped, entities decoded).
 * - `_content`: the words of the narrative and of every string value of the resource, except
 *   those that name rather than say: `id`, `meta`, `reference`, `system`, `url`, `data` (base64),
 *   `contained` (contained resources are searched as themselves, with `_contained`), and dates.
 *
 * A word is a run of letters, digits and combining marks, lower-cased with accents folded as every
 * string search folds them (Tromsø → tromso), at most MAX_WORD characters (longer ones are cut).
 * A row keeps at most MAX_WORDS distinct words, in the order they first occur; the rest of a
 * longer text is not searchable. Searching `_content=glukose tromsø` finds the resources with a
 * word that starts with each word searched, in any order (each word of the value must be there).
 * Words are lexemes as written here (array_to_tsvector, no stemming, no stop words), so the index
 * and the in-memory matching of subscriptions (condition-match.ts) agree exactly.
 */

export const MAX_WORD = 64;
export const MAX_WORDS = 2000;

export const TEXT_PARAMS: Record<string, { url: string; description: string }> = {
  _text: {
    url: 'http://hl7.org/fhir/SearchParameter/DomainResource-text',
    description: 'Words of the narrative: each word searched must begin a word of text.div (case and accents ignored)',
  },
  _content: {
    url: 'http://hl7.org/fhir/SearchParameter/Resource-content',
    description: 'Words of the whole resource (narrative and string values): each word searched must begin one of them (case and accents ignored)',
  },
};

/** R4's types without narrative (not DomainResources): no `_text`. */
const NO_NARRATIVE = new Set(['Binary', 'Bundle', 'Parameters']);
/** Types whose searches are answered elsewhere (the audit store, by its terms): no text rows. */
const NO_TEXT = new Set(['AuditEvent']);

/** The full-text parameters of a resource type, for the registry to give ids. */
export function textParamDefinitions(resourceType: string): { resourceType: string; code: string; type: string; url: string; definition: SearchParameter }[] {
  if (NO_TEXT.has(resourceType)) {
    return [];
  }
  return Object.entries(TEXT_PARAMS)
    .filter(([code]) => code !== '_text' || !NO_NARRATIVE.has(resourceType))
    .map(([code, { url, description }]) => ({
      resourceType,
      code,
      type: 'string',
      url,
      definition: { resourceType: 'SearchParameter', url, name: code, code, status: 'active', type: 'string', base: [resourceType as ResourceType], description },
    }));
}

/**
 * The details of a full-text parameter: without an expression, which leaves it out of the
 * parameters extraction evaluates (registry.indexedForType); addTextRows builds its rows.
 */
export const TEXT_PARAM_DETAILS: SearchParameterDetails = { type: SearchParameterType.TEXT, array: true, parsedExpression: undefined as unknown as FhirPathAtom };

/** The words of a text, normalised as string search normalises (values.ts), each cut to MAX_WORD. */
export function textWords(text: string): string[] {
  return normalizeString(text)
    .split(/[^\p{L}\p{N}\p{M}]+/u)
    .filter((w) => w.length > 0)
    .map((w) => (w.length > MAX_WORD ? w.slice(0, MAX_WORD) : w));
}

/** Adds the `_text` and `_content` rows of a resource (those of `only`, when given). */
export function addTextRows(rows: IndexRows, registry: SearchParamRegistry, resource: Resource, only?: ReadonlySet<number>): void {
  const text = registry.get(resource.resourceType, '_text');
  const content = registry.get(resource.resourceType, '_content');
  const wantText = text?.table === 'text' && (!only || only.has(text.id));
  const wantContent = content?.table === 'text' && (!only || only.has(content.id));
  if (!wantText && !wantContent) {
    return;
  }
  const div = (resource as { text?: { div?: unknown } }).text?.div;
  const narrative = new Set<string>();
  if (typeof div === 'string') {
    addWords(narrative, narrativeText(div));
  }
  if (wantText && narrative.size > 0) {
    rows.text.push({ p: (text as { id: number }).id, w: [...narrative].join(' ') });
  }
  if (wantContent) {
    const words = new Set(narrative);
    collectStrings(resource, words);
    if (words.size > 0) {
      rows.text.push({ p: (content as { id: number }).id, w: [...words].join(' ') });
    }
  }
}

function addWords(into: Set<string>, text: string): void {
  for (const word of textWords(text)) {
    if (into.size >= MAX_WORDS) {
      return;
    }
    into.add(word);
  }
}

/** Keys whose strings name or encode rather than say something (see the comment at the top). */
const SKIPPED_KEYS = new Set(['resourceType', 'id', 'meta', 'reference', 'system', 'url', 'data', 'contained', 'div']);

/** A FHIR date of at least year and month, dateTime or instant. */
const DATE_LIKE = /^\d{4}-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?$/;

function collectStrings(node: unknown, into: Set<string>): void {
  if (into.size >= MAX_WORDS) {
    return;
  }
  if (typeof node === 'string') {
    if (!DATE_LIKE.test(node)) {
      addWords(into, node);
    }
  } else if (Array.isArray(node)) {
    for (const item of node) {
      collectStrings(item, into);
    }
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (!SKIPPED_KEYS.has(k)) {
        collectStrings(v, into);
      }
    }
  }
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ',
  aring: 'å', Aring: 'Å', oslash: 'ø', Oslash: 'Ø', aelig: 'æ', AElig: 'Æ',
  auml: 'ä', Auml: 'Ä', ouml: 'ö', Ouml: 'Ö', uuml: 'ü', Uuml: 'Ü', eacute: 'é', Eacute: 'É', egrave: 'è', szlig: 'ß',
};

/** The text of an XHTML narrative: tags become spaces, character references their characters. */
export function narrativeText(div: string): string {
  return div.replace(/<[^>]*>/g, ' ').replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (_, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES[ref] ?? ' ';
  });
}

/**
 * A search's words as a tsquery over the lexemes `param:word` the index holds (write.ts): every
 * word must begin a word of the parameter's row (`'1903:glukose':* & '1903:tromso':*`).
 */
export function wordsQuery(param: number, words: readonly string[]): string {
  // Words hold letters, digits and marks only (textWords), so quoting them needs no escapes.
  return words.map((w) => `'${param}:${w}':*`).join(' & ');
}
