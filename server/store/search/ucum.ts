import ucum from '@lhncbc/ucum-lhc';

/**
 * UCUM quantities in canonical units, so a search for `7|http://unitsofmeasure.org|mmol/L` finds
 * 7000 umol/L and 0.007 mol/L too. Every UCUM quantity gets a second index row in the base units
 * of its dimension (ucum-lhc's conversion: mmol/L → m-3 via Avogadro's number, [degF] → K with its
 * offset), and a UCUM search value is compared in those units as well as in its own.
 */

export const UCUM = 'http://unitsofmeasure.org';
/** The system of the canonical rows: no real system, so no search in the user's terms meets them. */
export const CANONICAL_UCUM = 'urn:knutepunkt:ucum-canonical';

export interface CanonicalUnit {
  /** The base units with exponents, in a fixed order (`g.m-3`; `1` when dimensionless). */
  code: string;
  /** A value in the original unit, in the base units, as decimal text for a numeric column; undefined when it overflows. */
  convert(value: number): string | undefined;
}

const utils = ucum.UcumLhcUtils.getInstance();
const CACHE_SIZE = 2000;
const cache = new Map<string, CanonicalUnit | null>();
/** What a UCUM code can look like: printable ASCII without spaces, not too long to be a unit. */
const UNIT_TEXT = /^[\x21-\x7e]{1,64}$/;
/** The special units whose conversion keeps order (an offset); others, such as [pH], invert it. */
const ORDERED_SPECIAL = new Set(['Cel', '[degF]']);

/** Fifteen significant digits: enough for any measurement, and the same text for the same quantity whichever unit it came in. */
function decimalText(value: number | undefined): string | undefined {
  return value !== undefined && Number.isFinite(value) ? String(Number(value.toPrecision(15))) : undefined;
}

/** The library writes the unit text of a unit it cannot parse to stdout; client text has no place there. */
function quietly<T>(fn: () => T): T {
  const log = console.log;
  console.log = () => undefined;
  try {
    return fn();
  } finally {
    console.log = log;
  }
}

/** The canonical unit of a UCUM code, or undefined when it is not valid UCUM. */
export function canonicalUnit(code: string): CanonicalUnit | undefined {
  if (!UNIT_TEXT.test(code)) {
    return undefined;
  }
  let unit = cache.get(code);
  if (unit === undefined) {
    const base = quietly(() => utils.convertToBaseUnits(code, 1));
    if (base.status !== 'succeeded' || base.magnitude === undefined || !base.unitToExp || (base.fromUnitIsSpecial && !ORDERED_SPECIAL.has(code))) {
      unit = null;
    } else {
      const canonical =
        Object.entries(base.unitToExp)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([u, e]) => (e === 1 ? u : `${u}${e}`))
          .join('.') || '1';
      // Special units (Celsius, Fahrenheit) convert with an offset, so each value converts on its own.
      const factor = base.magnitude;
      const convert = base.fromUnitIsSpecial
        ? (value: number) => decimalText(quietly(() => utils.convertToBaseUnits(code, value).magnitude))
        : (value: number) => decimalText(value * factor);
      unit = { code: canonical, convert };
    }
    if (cache.size >= CACHE_SIZE) {
      cache.delete(cache.keys().next().value as string);
    }
    cache.set(code, unit);
  }
  return unit ?? undefined;
}
