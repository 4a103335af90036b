/**
 * Money is a whole number of fen (分, 1/100 yuan) held in a JavaScript number. Every amount is a safe
 * integer (|fen| ≤ Number.MAX_SAFE_INTEGER = 2^53 − 1, about 90 trillion yuan), so sums and
 * differences of amounts are exact; products that could leave that range are taken in BigInt where
 * they occur (grants' splitAward). Decimal yuan from outside are parsed exactly (parseScaledDecimal,
 * finance's parseYuanToFen), never through a floating-point number.
 */

export interface FormatYuanOptions {
  /** Thousands separators in the yuan part (`1,234.56`); default true. False gives `1234.56`, the form bank statements use. */
  readonly grouping?: boolean;
}

/**
 * The one formatter for amounts shown to people: integer fen → yuan with exactly two decimals,
 * `123456` → `"1,234.56"`, `-5` → `"-0.05"`. Integer division and padding only, no floating point and no
 * locale data. Throws a RangeError for anything that is not a safe integer (money is never fractional fen).
 */
export function formatYuan(fen: number, options: FormatYuanOptions = {}): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`${fen} is not a safe integer amount of fen`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const cents = abs % 100;
  // abs - cents is an exact multiple of 100 within the safe range, so the division is exact.
  const whole = String((abs - cents) / 100);
  const grouped = options.grouping === false ? whole : whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${grouped}.${String(cents).padStart(2, '0')}`;
}
