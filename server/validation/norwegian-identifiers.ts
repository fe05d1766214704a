/**
 * Check digits and structure of Norwegian identifiers: fødselsnummer and its variants (D-nummer,
 * H-nummer, felles hjelpenummer, Test Norge synthetic numbers) and organisasjonsnummer.
 * The rules are those of Skatteetaten (including the rule for numbers issued from 2032), NHN and
 * Brønnøysundregistrene, as summarised in docs/domain.md §6.
 */

export type PersonNumberKind = 'fodselsnummer' | 'd-nummer' | 'h-nummer' | 'felles-hjelpenummer';

export interface PersonNumberResult {
  valid: boolean;
  kind?: PersonNumberKind;
  /** A Test Norge number (month + 80): valid only where test data is allowed. */
  synthetic: boolean;
  /** Why the number is refused, in words a client can act on. */
  reason?: string;
}

const W1 = [3, 7, 6, 1, 8, 9, 4, 5, 2, 1];
const W2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1];

function weightedSum(digits: number[], weights: number[]): number {
  return weights.reduce((sum, w, i) => sum + w * digits[i], 0);
}

/**
 * The two control digits of an 11-digit number. The second sum must be divisible by 11; the first
 * may leave 0, or since the 2032 rule also 1, 2 or 3.
 */
function controlDigitsHold(digits: number[]): boolean {
  return weightedSum(digits, W1) % 11 <= 3 && weightedSum(digits, W2) % 11 === 0;
}

/** The birth year from the two-digit year and the individual number, or undefined when none fits. */
function birthYear(yy: number, individual: number): number | undefined {
  if (individual <= 499) {
    return 1900 + yy;
  }
  if (individual <= 749 && yy >= 54) {
    return 1800 + yy;
  }
  if (yy <= 39) {
    return 2000 + yy;
  }
  if (individual >= 900) {
    return 1900 + yy;
  }
  return undefined;
}

function isDate(year: number | undefined, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) {
    return false;
  }
  // Without a known century, 29 February is given the benefit of the doubt.
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= days;
}

/** Checks a fødselsnummer or one of its variants. */
export function checkPersonNumber(value: string, options: { allowSynthetic: boolean }): PersonNumberResult {
  if (!/^\d{11}$/.test(value)) {
    return { valid: false, synthetic: false, reason: 'must be 11 digits' };
  }
  const digits = [...value].map(Number);
  if (!controlDigitsHold(digits)) {
    return { valid: false, synthetic: false, reason: 'the control digits do not match' };
  }
  if (digits[0] >= 8) {
    // Felles hjelpenummer: random digits after the first, no date to check.
    return { valid: true, kind: 'felles-hjelpenummer', synthetic: false };
  }
  let day = digits[0] * 10 + digits[1];
  let month = digits[2] * 10 + digits[3];
  let kind: PersonNumberKind = 'fodselsnummer';
  let synthetic = false;
  if (month > 80) {
    synthetic = true;
    month -= 80;
  }
  if (day > 40) {
    kind = 'd-nummer';
    day -= 40;
  }
  if (month > 40) {
    kind = kind === 'fodselsnummer' ? 'h-nummer' : kind;
    month -= 40;
  }
  const year = birthYear(digits[4] * 10 + digits[5], digits[6] * 100 + digits[7] * 10 + digits[8]);
  if (!isDate(year, month, day)) {
    return { valid: false, kind, synthetic, reason: 'the first six digits are not a date' };
  }
  if (synthetic && !options.allowSynthetic) {
    return { valid: false, kind, synthetic, reason: 'it is a synthetic Test Norge number (month + 80), accepted only when the server is configured for test data (SYNTHETIC_IDENTIFIERS=accept)' };
  }
  return { valid: true, kind, synthetic };
}

/** Checks an organisasjonsnummer: nine digits, the last a modulus-11 control digit. */
export function checkOrganizationNumber(value: string): { valid: boolean; reason?: string } {
  if (!/^\d{9}$/.test(value)) {
    return { valid: false, reason: 'must be 9 digits' };
  }
  const digits = [...value].map(Number);
  const rest = weightedSum(digits, [3, 2, 7, 6, 5, 4, 3, 2]) % 11;
  const control = rest === 0 ? 0 : 11 - rest;
  if (control === 10 || control !== digits[8]) {
    return { valid: false, reason: 'the control digit does not match' };
  }
  return { valid: true };
}
