/** A positive whole amount of fen (分) that integer arithmetic handles exactly. */
export const isPositiveFen = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value > 0;

/**
 * Splits an award over a tranche plan of whole percentages: every tranche but the last gets
 * floor(award × percent / 100) fen, the last gets the remainder, so the tranches add up to the award
 * exactly. The product is taken in BigInt so that no award loses precision.
 */
export function splitAward(awardFen: number, percents: readonly number[]): number[] {
  const award = BigInt(awardFen);
  const leading = percents.slice(0, -1).map((percent) => Number((award * BigInt(percent)) / 100n));
  return [...leading, awardFen - leading.reduce((sum, fen) => sum + fen, 0)];
}

/** `123456` → `1234.56`, without floating point. */
export function yuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export const fenText = (fen: number): { zh: string; en: string } => ({ zh: `${yuan(fen)} 元（${fen} 分）`, en: `CNY ${yuan(fen)} (${fen} fen)` });
