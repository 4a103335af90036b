import { BilingualText } from './domain-error';

/**
 * Exact decimals at the edges (scores, percentages): a JSON number or a decimal string becomes an
 * integer count of 10^-scale units (18.15 at scale 2 → 1815) without binary floating-point
 * arithmetic. A JSON number is read through its shortest round-trip decimal form (ECMAScript
 * Number::toString: String(18.15) === '18.15'), which is exactly what the client wrote for any
 * decimal of up to 15 significant digits; exponent forms (1e-7, 1.5e2) are shifted as digit
 * strings, never multiplied.
 */
export type DecimalProblem =
  /** Neither a number nor a decimal string such as "18.15", "-3", "1.5e2". */
  | 'not-a-decimal'
  /** NaN or ±Infinity. */
  | 'not-finite'
  /** More decimals than the scale allows (1.005 at scale 2). */
  | 'too-many-decimals'
  /** An exponent beyond ±DECIMAL_MAX_EXPONENT ("1e99999"). */
  | 'exponent-out-of-range'
  /** The scaled integer is beyond Number.MAX_SAFE_INTEGER (1e21 at scale 2). */
  | 'too-large';

export type ScaledDecimal = { readonly ok: true; readonly scaled: number } | { readonly ok: false; readonly problem: DecimalProblem };

/** Largest exponent magnitude read; anything beyond is refused before any digits are shifted. */
export const DECIMAL_MAX_EXPONENT = 400;

const SHAPE = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

/**
 * The exact integer number of 10^-scale units in `input` (a JSON number or a decimal string), or
 * why it is refused. -0 gives 0. Pure: no floating-point multiplication, no rounding.
 */
export function parseScaledDecimal(input: unknown, scale: number): ScaledDecimal {
  if (!Number.isInteger(scale) || scale < 0 || scale > 15) throw new RangeError(`scale ${scale} must be an integer from 0 to 15`);
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, problem: 'not-finite' };
    text = String(input);
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return { ok: false, problem: 'not-a-decimal' };
  }
  const match = SHAPE.exec(text);
  if (!match) return { ok: false, problem: 'not-a-decimal' };
  const [, sign, whole = '', fraction = '', bareFraction = '', exponentText = '0'] = match;
  const integerPart = whole;
  const fractionPart = bareFraction || fraction;
  const exponentDigits = exponentText.replace(/^[+-]/, '').replace(/^0+(?=\d)/, '');
  if (exponentDigits.length > String(DECIMAL_MAX_EXPONENT).length || Math.abs(Number(exponentText)) > DECIMAL_MAX_EXPONENT) {
    return { ok: false, problem: 'exponent-out-of-range' };
  }
  // value = digits × 10^shift units of 10^-scale
  let digits = (integerPart + fractionPart).replace(/^0+/, '');
  let shift = Number(exponentText) - fractionPart.length + scale;
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  shift += trailing;
  if (digits === '') return { ok: true, scaled: 0 };
  if (shift < 0) return { ok: false, problem: 'too-many-decimals' };
  if (digits.length + shift > MAX_SAFE.length) return { ok: false, problem: 'too-large' };
  const scaledText = digits + '0'.repeat(shift);
  if (scaledText.length === MAX_SAFE.length && scaledText > MAX_SAFE) return { ok: false, problem: 'too-large' };
  // ≤ 2^53 - 1: the digit string converts to a Number exactly.
  const scaled = Number(scaledText);
  return { ok: true, scaled: sign === '-' ? -scaled : scaled };
}

/** The exact decimal text of a scaled integer: 1815 at scale 2 → "18.15", -5 → "-0.05", 300 → "3". */
export function formatScaledDecimal(scaled: number, scale: number): string {
  if (!Number.isSafeInteger(scaled)) throw new RangeError(`${scaled} is not a safe integer`);
  const negative = scaled < 0;
  const digits = String(Math.abs(scaled)).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** What a refusal means, for the bilingual text of the DomainError a caller throws. */
export function decimalProblemText(problem: DecimalProblem, scale: number): BilingualText {
  switch (problem) {
    case 'not-a-decimal':
      return { zh: '不是数字或十进制数字字符串', en: 'is not a number or a decimal string' };
    case 'not-finite':
      return { zh: '不是有限数', en: 'is not a finite number' };
    case 'too-many-decimals':
      return { zh: `小数位数超过 ${scale} 位`, en: `has more than ${scale} decimals` };
    case 'exponent-out-of-range':
      return { zh: `指数超出 ±${DECIMAL_MAX_EXPONENT}`, en: `has an exponent beyond ±${DECIMAL_MAX_EXPONENT}` };
    case 'too-large':
      return { zh: '数值过大', en: 'is too large' };
  }
}
