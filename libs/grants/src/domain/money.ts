import { formatYuan } from '@ipstd/kernel';

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

/** An amount for an error text: `1,234.56 元（123456 分）` / `CNY 1,234.56 (123456 fen)`. */
export const fenText = (fen: number): { zh: string; en: string } => ({ zh: `${formatYuan(fen)} 元（${fen} 分）`, en: `CNY ${formatYuan(fen)} (${fen} fen)` });
