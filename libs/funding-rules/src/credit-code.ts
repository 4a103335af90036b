import { checkCreditCode, creditCodeRegion } from '@ipstd/kernel';

/**
 * The rules re-check the unified social credit code (GB 32100-2015) because they also serve what-if
 * evaluations and must not read a region out of a malformed code.
 */
export function isValidCreditCode(code: string): boolean {
  return checkCreditCode(code) === null;
}

/** The GB/T 2260 division of the registering authority: characters 3–8. */
export const registrationDivision = creditCodeRegion;
