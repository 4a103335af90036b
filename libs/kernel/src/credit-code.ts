/**
 * Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-character
 * alphabet (no I, O, S, V, Z). Characters 3–8 are the GB/T 2260 administrative division of the
 * registering authority; the 18th is a check character over the first 17 with fixed weights.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}$/;

/** 18 characters of the alphabet: what the edges (paths, messages) check before the full check. */
export const CREDIT_CODE_CHARACTERS = /^[0-9A-HJ-NP-RT-UW-Y]{18}$/;

export function creditCodeCheckCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const value = ALPHABET.indexOf(first17[i]);
    if (value < 0) throw new RangeError(`character ${first17[i]} is not allowed in a credit code`);
    sum += value * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

export type CreditCodeProblem = 'format' | 'check-character';

/** Null when the code is valid, otherwise what is wrong with it. */
export function checkCreditCode(code: string): CreditCodeProblem | null {
  if (!SHAPE.test(code)) return 'format';
  return creditCodeCheckCharacter(code.slice(0, 17)) === code[17] ? null : 'check-character';
}

/** The administrative division code (GB/T 2260) embedded in a credit code. */
export function creditCodeRegion(code: string): string {
  return code.slice(2, 8);
}
