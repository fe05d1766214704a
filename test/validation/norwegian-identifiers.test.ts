import { describe, expect, test } from 'vitest';
import { checkOrganizationNumber, checkPersonNumber } from '../../server/validation/norwegian-identifiers.ts';

/**
 * Builds an 11-digit number from nine digits with the classic control-digit formulas (written
 * here independently of the module under test). `remainder` selects the 2032 rule's k1 variants.
 */
function withControlDigits(nine: string, remainder = 0): string | undefined {
  const d = [...nine].map(Number);
  const s1 = [3, 7, 6, 1, 8, 9, 4, 5, 2].reduce((sum, w, i) => sum + w * d[i], 0);
  const k1 = (((remainder - s1) % 11) + 11) % 11;
  if (k1 > 9) {
    return undefined;
  }
  const s2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2].reduce((sum, w, i) => sum + w * [...d, k1][i], 0);
  const k2 = (11 - (s2 % 11)) % 11;
  return k2 > 9 ? undefined : `${nine}${k1}${k2}`;
}

/** The first number with valid control digits whose first nine digits start with `prefix`. */
function numberStarting(prefix: string, remainder = 0): string {
  for (let individual = 0; individual < 1000; individual++) {
    const n = withControlDigits(`${prefix}${String(individual).padStart(3, '0')}`.slice(0, 9), remainder);
    if (n) {
      return n;
    }
  }
  throw new Error(`no number for ${prefix}`);
}

const strict = { allowSynthetic: false };
const testData = { allowSynthetic: true };

describe('fødselsnummer and variants', () => {
  test('numbers from the VKP documentation are valid fødselsnummer', () => {
    for (const n of ['13116900216', '05073500186', '12057900499']) {
      expect(checkPersonNumber(n, strict)).toEqual({ valid: true, kind: 'fodselsnummer', synthetic: false });
    }
  });

  test('a changed digit breaks the control digits', () => {
    const result = checkPersonNumber('13116900217', strict);
    expect(result.valid).toBe(false);
    expect(result.reason).toContain('control digits');
    // Example numbers printed in IGs that fail the checksum.
    expect(checkPersonNumber('13057444850', strict).valid).toBe(false);
    expect(checkPersonNumber('01017012345', strict).valid).toBe(false);
  });

  test('D-nummer (day + 40) and H-nummer (month + 40) are recognised', () => {
    expect(checkPersonNumber(numberStarting('410170'), strict)).toMatchObject({ valid: true, kind: 'd-nummer' });
    expect(checkPersonNumber(numberStarting('014170'), strict)).toMatchObject({ valid: true, kind: 'h-nummer' });
  });

  test('felles hjelpenummer (first digit 8 or 9) is checked by control digits only', () => {
    expect(checkPersonNumber(numberStarting('812345'), strict)).toMatchObject({ valid: true, kind: 'felles-hjelpenummer' });
    expect(checkPersonNumber(numberStarting('999999'), strict)).toMatchObject({ valid: true, kind: 'felles-hjelpenummer' });
  });

  test('Test Norge numbers (month + 80) are valid only where test data is allowed', () => {
    for (const n of ['02850097219', '11845599620']) {
      expect(checkPersonNumber(n, testData)).toEqual({ valid: true, kind: 'fodselsnummer', synthetic: true });
      const refused = checkPersonNumber(n, strict);
      expect(refused.valid).toBe(false);
      expect(refused.reason).toContain('synthetic');
    }
    // D-nummer and Test Norge together.
    expect(checkPersonNumber(numberStarting('428170'), testData)).toMatchObject({ valid: true, kind: 'd-nummer', synthetic: true });
  });

  test('numbers issued under the 2032 rule (first remainder 1, 2 or 3) are accepted; remainder 4 is not', () => {
    for (const remainder of [1, 2, 3]) {
      expect(checkPersonNumber(numberStarting('150332', remainder), strict).valid).toBe(true);
    }
    expect(checkPersonNumber(numberStarting('150332', 4), strict).valid).toBe(false);
  });

  test('the date part must be a date', () => {
    expect(checkPersonNumber(numberStarting('320170'), strict)).toMatchObject({ valid: false, reason: 'the first six digits are not a date' });
    expect(checkPersonNumber(numberStarting('011370'), strict).valid).toBe(false);
    // 29 February 1970 (individual numbers 000–499 are the 1900s) is no date; 29 February 1972 is.
    expect(checkPersonNumber(numberStarting('290270'), strict).valid).toBe(false);
    expect(checkPersonNumber(numberStarting('290272'), strict).valid).toBe(true);
  });

  test('anything but 11 digits is refused', () => {
    for (const n of ['1311690021', '131169002166', '1311690021a', '']) {
      expect(checkPersonNumber(n, strict)).toMatchObject({ valid: false, reason: 'must be 11 digits' });
    }
  });
});

describe('organisasjonsnummer', () => {
  test('the modulus-11 control digit is checked', () => {
    expect(checkOrganizationNumber('123456785')).toEqual({ valid: true });
    expect(checkOrganizationNumber('123456789')).toMatchObject({ valid: false, reason: 'the control digit does not match' });
    expect(checkOrganizationNumber('12345678')).toMatchObject({ valid: false, reason: 'must be 9 digits' });
  });
});
