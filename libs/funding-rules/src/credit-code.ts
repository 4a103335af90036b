/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015). The applications context refuses an
 * invalid code at submission; the rules re-check it because they also serve what-if evaluations
 * and must not read a region out of a malformed code. Kept here rather than imported so that this
 * library does not depend on the context that will depend on it; a test proves both agree.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NP-RT-UW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RT-UW-Y]{10}$/;

export function isValidCreditCode(code: string): boolean {
  if (!SHAPE.test(code)) return false;
  const sum = WEIGHTS.reduce((total, weight, i) => total + ALPHABET.indexOf(code[i]) * weight, 0);
  return ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}

/** The GB/T 2260 division of the registering authority: characters 3–8. */
export function registrationDivision(code: string): string {
  return code.slice(2, 8);
}
