/**
 * Synthetic Norwegian identities for tests: fødselsnummer in the Test Norge form (month + 80),
 * with valid check digits, so no test ever carries a real person's number.
 */
const K1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const K2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

function checkDigit(digits: number[], weights: number[]): number | undefined {
  const sum = weights.reduce((acc, w, i) => acc + w * digits[i], 0);
  const k = 11 - (sum % 11);
  if (k === 11) {
    return 0;
  }
  return k === 10 ? undefined : k;
}

/** A synthetic fødselsnummer for the n-th test person (deterministic, valid check digits). */
export function syntheticFnr(n: number): string {
  for (let individual = (n * 7) % 500; ; individual = (individual + 1) % 1000) {
    const day = 1 + (n % 28);
    const month = 1 + (Math.floor(n / 28) % 12) + 80;
    const year = 50 + (n % 40);
    const base = `${String(day).padStart(2, '0')}${month}${String(year).padStart(2, '0')}${String(individual).padStart(3, '0')}`;
    const digits = [...base].map(Number);
    const k1 = checkDigit(digits, K1);
    if (k1 === undefined) {
      continue;
    }
    const k2 = checkDigit([...digits, k1], K2);
    if (k2 === undefined) {
      continue;
    }
    return `${base}${k1}${k2}`;
  }
}

export const FNR_SYSTEM = 'urn:oid:2.16.578.1.12.4.1.4.1';
