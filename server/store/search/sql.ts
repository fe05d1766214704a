/** Collects bound parameters while SQL text is assembled; values never enter the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];

  /**
   * Adds a value and returns its placeholder, with an optional cast (`$3::text::timestamptz`).
   * Values travel as text and PostgreSQL converts them, so `infinity` and exact decimals arrive
   * as written whatever the driver would make of a typed parameter.
   */
  add(value: unknown, cast?: string): string {
    this.values.push(value);
    return cast ? `$${this.values.length}::text::${cast}` : `$${this.values.length}`;
  }
}

/** Escapes LIKE wildcards so user text matches literally (`\` is PostgreSQL's default escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Splits a search value on commas not escaped with a backslash (FHIR's OR separator). */
export function splitOr(value: string): string[] {
  return splitUnescaped(value, ',');
}

/** Splits on a separator not preceded by a backslash, then unescapes `\,` `\|` `\$` `\\`. */
export function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === separator) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** Removes FHIR search escapes from one value part. */
export function unescapeValue(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}
