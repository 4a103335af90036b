import { BilingualText } from '@ipstd/kernel';

/**
 * Amounts on a statement are written in yuan with exactly two decimals (`12345678.99`). They are
 * turned into integer fen by reading the digits, never through a floating-point number.
 * At most 13 integer digits, so every amount is below Number.MAX_SAFE_INTEGER fen.
 */
const YUAN = /^(0|[1-9][0-9]{0,12})\.([0-9]{2})$/;

export type YuanProblem = 'format' | 'zero';

export const YUAN_PROBLEMS: Record<YuanProblem, BilingualText> = {
  format: {
    zh: '金额须为以元为单位、恰好两位小数的正数，不带符号、千位分隔符或货币符号（如 1234.50）',
    en: 'the amount must be yuan with exactly two decimals, without sign, thousands separators or currency symbol (e.g. 1234.50)',
  },
  zero: { zh: '金额不能为零', en: 'the amount must not be zero' },
};

/** `"12345678.99"` → `1234567899`; a problem code when the text is not a positive yuan amount. */
export function parseYuanToFen(text: string): { fen: number } | { problem: YuanProblem } {
  const match = YUAN.exec(text);
  if (!match) return { problem: 'format' };
  const [, integer, decimals] = match;
  const fen = Number(integer) * 100 + Number(decimals);
  // integer has ≤ 13 digits: Number(integer) * 100 + decimals is exact (< 2^53).
  if (fen === 0) return { problem: 'zero' };
  return { fen };
}
// The reverse, fen → statement text, is the kernel's formatYuan(fen, { grouping: false }).
