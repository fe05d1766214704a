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
  /** A value in the original unit, in the base units, as decimal text for a numeric column. */
  convert(value: number): string;
}

const utils = ucum.UcumLhcUtils.getInstance();
const cache = new Map<string, CanonicalUnit | null>();

/** Fifteen significant digits: enough for any measurement, and the same text for the same quantity whichever unit it came in. */
function decimalText(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/** The canonical unit of a UCUM code, or undefined when it is not valid UCUM. */
export function canonicalUnit(code: string): CanonicalUnit | undefined {
  let unit = cache.get(code);
  if (unit === undefined) {
    const base = utils.convertToBaseUnits(code, 1);
    if (base.status !== 'succeeded' || base.magnitude === undefined || !base.unitToExp) {
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
        ? (value: number) => decimalText(utils.convertToBaseUnits(code, value).magnitude ?? Number.NaN)
        : (value: number) => decimalText(value * factor);
      unit = { code: canonical, convert };
    }
    cache.set(code, unit);
  }
  return unit ?? undefined;
}
