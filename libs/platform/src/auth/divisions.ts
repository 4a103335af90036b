/**
 * GB/T 2260 administrative divisions, as the scope checks (policy.ts) and the typed reader's metadata
 * upcaster (events/stored-events.ts) compare them. Kept apart from the policy so the reader does not
 * depend on it.
 */

/** A GB/T 2260 code: six digits, the first naming a region (1–8). */
export const DIVISION_CODE = /^[1-8][0-9]{5}$/;

/** True for a prefecture-level code (XXXX00 that is not a province, XX0000). */
export function isPrefecture(code: string): boolean {
  return DIVISION_CODE.test(code) && code.endsWith('00') && !code.endsWith('0000');
}

/** The prefecture-level code a county-level code belongs to (320583 → 320500); a prefecture is its own. */
export function prefectureOf(code: string): string {
  return `${code.slice(0, 4)}00`;
}
