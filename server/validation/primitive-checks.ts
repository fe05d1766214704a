import type { OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { issue } from './element-values.ts';

/**
 * FHIR primitive values: the JSON type each is written as (FHIR's JSON format) and the format each
 * must match, read from the regex the R4 definition of the primitive type publishes.
 */

const REGEX_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/regex';
const FREE_TEXT = new Set(['string', 'markdown', 'xhtml']);
const NUMBERS = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);
const INTEGERS: Record<string, number> = { integer: -2_147_483_648, positiveInt: 1, unsignedInt: 0 };
const INTEGER_MAX = 2_147_483_647;
/** FHIR strings are limited to 1 MB (narrative xhtml is not); longer values are refused before any format check. */
const MAX_STRING = 1024 * 1024;
/** Characters below U+0020 other than tab, CR and LF are not allowed in any FHIR string. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;

export interface PrimitiveFormat {
  json: 'string' | 'number' | 'boolean';
  regex?: RegExp;
}

export class PrimitiveFormats {
  private readonly formats = new Map<string, PrimitiveFormat>();

  constructor(definitions: Iterable<StructureDefinition>) {
    for (const sd of definitions) {
      if (sd.kind !== 'primitive-type' || sd.derivation === 'constraint') {
        continue;
      }
      const value = sd.snapshot?.element?.find((e) => e.path === `${sd.type}.value`);
      const source = value?.type?.[0]?.extension?.find((e) => e.url === REGEX_EXTENSION)?.valueString;
      const json = sd.type === 'boolean' ? 'boolean' : NUMBERS.has(sd.type) ? 'number' : 'string';
      // Numbers and booleans are checked by JSON type and range; the regex is for their string forms.
      // Free text (string, markdown, xhtml) is checked for content and control characters instead:
      // R4's string regex would refuse a no-break space, which is ordinary text.
      // base64Binary has a check of its own: R4's regex backtracks exponentially on long invalid input.
      const own = FREE_TEXT.has(sd.type) || sd.type === 'base64Binary';
      const regex = source && json === 'string' && !own ? new RegExp(`^(?:${source})$`) : undefined;
      this.formats.set(sd.type, { json, regex });
    }
  }

  isPrimitive(type: string): boolean {
    return this.formats.has(type);
  }

  /** Issues of one primitive value of `type` at `path` (none when it is valid). */
  check(type: string, value: unknown, path: string, issues: OperationOutcomeIssue[]): void {
    const format = this.formats.get(type);
    if (!format) {
      return;
    }
    if (typeof value !== format.json) {
      issues.push(issue('error', 'structure', `Invalid JSON type: expected ${format.json} for a FHIR ${type}, found ${describe(value)}`, path));
      return;
    }
    if (typeof value === 'number') {
      checkNumber(type, value, path, issues);
    } else if (typeof value === 'string') {
      checkString(type, value, format.regex, path, issues);
    }
  }
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function checkNumber(type: string, n: number, path: string, issues: OperationOutcomeIssue[]): void {
  if (!Number.isFinite(n)) {
    issues.push(issue('error', 'value', `Invalid ${type}: expected a finite number`, path));
    return;
  }
  const min = INTEGERS[type];
  if (min === undefined) {
    return;
  }
  if (!Number.isInteger(n)) {
    issues.push(issue('error', 'value', `Invalid ${type} ${n}: expected a whole number`, path));
  } else if (n < min || n > INTEGER_MAX) {
    issues.push(issue('error', 'value', `Invalid ${type} ${n}: expected a number in the range ${min}..${INTEGER_MAX}`, path));
  }
}

function checkString(type: string, s: string, regex: RegExp | undefined, path: string, issues: OperationOutcomeIssue[]): void {
  if (!s.trim()) {
    issues.push(issue('error', 'value', `Invalid ${type}: expected non-whitespace content`, path));
  } else if (s.length > MAX_STRING && type !== 'xhtml') {
    issues.push(issue('error', 'value', `Invalid ${type}: longer than the 1 MB FHIR allows`, path));
  } else if (CONTROL.test(s)) {
    issues.push(issue('error', 'value', `Invalid ${type}: control characters are not allowed`, path));
  } else if (!s.isWellFormed()) {
    issues.push(issue('error', 'value', `Invalid ${type}: not valid Unicode text (a lone surrogate)`, path));
  } else if (type === 'base64Binary' && !isBase64(s)) {
    issues.push(issue('error', 'value', 'Invalid base64Binary: expected base64 characters in groups of four', path));
  } else if (regex && !regex.test(s)) {
    issues.push(issue('error', 'value', `Invalid ${type} format "${shorten(s)}": expected a FHIR ${type}`, path));
  } else if ((type === 'date' || type === 'dateTime' || type === 'instant') && !calendarDay(s)) {
    issues.push(issue('error', 'value', `Invalid ${type} "${shorten(s)}": no such day in the calendar`, path));
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 as FHIR allows it: whitespace anywhere, padded to a multiple of four characters. */
function isBase64(s: string): boolean {
  const compact = s.replace(/\s+/g, '');
  return compact.length % 4 === 0 && BASE64.test(compact);
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** True unless the value names a day its month does not have (2023-02-29, 2026-04-31). */
function calendarDay(s: string): boolean {
  if (s.length < 10) {
    return true;
  }
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
