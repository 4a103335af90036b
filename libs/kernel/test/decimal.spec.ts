import fc from 'fast-check';
import { DECIMAL_MAX_EXPONENT, formatScaledDecimal, parseScaledDecimal } from '../src';

const scaled = (input: unknown, scale = 2) => parseScaledDecimal(input, scale);

describe('parseScaledDecimal: exact decimals without binary floating point', () => {
  it.each([
    [0.57, 57],
    [8.2, 820],
    [18.15, 1815],
    [32.8, 3280],
    [10.07, 1007],
    [72.35, 7235],
    [0.1, 10],
    [0.29, 29],
    [1.1, 110],
    [4.35, 435],
    [1.15, 115],
    [100, 10000],
    [0, 0],
    [-0, 0],
    [-18.15, -1815],
    [1e-2, 1],
    [1.5e2, 15000],
  ])('reads the JSON number %p as %p hundredths', (input, expected) => {
    expect(scaled(input)).toEqual({ ok: true, scaled: expected });
  });

  it.each([
    ['18.15', 1815],
    ['0.57', 57],
    ['72.35', 7235],
    ['1e-2', 1],
    ['1E-2', 1],
    ['1.5e2', 15000],
    ['1.50', 150],
    ['18.150000', 1815],
    ['.5', 50],
    ['5.', 500],
    ['+3', 300],
    ['-0', 0],
    ['-0.00', 0],
    ['000012.30', 1230],
    ['1000e-5', 1],
    ['0e99', 0],
  ])('reads the string %p as %p hundredths', (input, expected) => {
    expect(scaled(input)).toEqual({ ok: true, scaled: expected });
  });

  it('never yields -0', () => {
    const result = scaled(-0);
    expect(result.ok && Object.is(result.scaled, 0)).toBe(true);
    const fromString = scaled('-0.0');
    expect(fromString.ok && Object.is(fromString.scaled, 0)).toBe(true);
  });

  it.each([
    [1.005, 'too-many-decimals'],
    ['1.005', 'too-many-decimals'],
    [0.1 + 0.2, 'too-many-decimals'],
    [1e-7, 'too-many-decimals'],
    ['1e-3', 'too-many-decimals'],
    [1e21, 'too-large'],
    ['90071992547409.92', 'too-large'],
    [Number.NaN, 'not-finite'],
    [Number.POSITIVE_INFINITY, 'not-finite'],
    [Number.NEGATIVE_INFINITY, 'not-finite'],
    [`1e${DECIMAL_MAX_EXPONENT + 1}`, 'exponent-out-of-range'],
    ['1e-99999999999999999999', 'exponent-out-of-range'],
    ['NaN', 'not-a-decimal'],
    ['Infinity', 'not-a-decimal'],
    ['', 'not-a-decimal'],
    [' 1', 'not-a-decimal'],
    ['1,5', 'not-a-decimal'],
    ['0x10', 'not-a-decimal'],
    ['1e', 'not-a-decimal'],
    ['.', 'not-a-decimal'],
    [null, 'not-a-decimal'],
    [true, 'not-a-decimal'],
    [{}, 'not-a-decimal'],
  ])('refuses %p at scale 2: %s', (input, problem) => {
    expect(scaled(input)).toEqual({ ok: false, problem });
  });

  it('reaches exactly Number.MAX_SAFE_INTEGER units and no further', () => {
    expect(scaled('90071992547409.91')).toEqual({ ok: true, scaled: Number.MAX_SAFE_INTEGER });
    expect(scaled('9007199254740991', 0)).toEqual({ ok: true, scaled: Number.MAX_SAFE_INTEGER });
    expect(scaled('9007199254740992', 0)).toEqual({ ok: false, problem: 'too-large' });
  });

  it('takes other scales: whole numbers at 0, tenths at 1', () => {
    expect(scaled(50, 0)).toEqual({ ok: true, scaled: 50 });
    expect(scaled(50.5, 0)).toEqual({ ok: false, problem: 'too-many-decimals' });
    expect(scaled(79.9, 1)).toEqual({ ok: true, scaled: 799 });
    expect(() => parseScaledDecimal(1, -1)).toThrow(RangeError);
  });

  it('reads every hundredth n / 100 (as a JSON number and as its text) back as n', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), (n) => {
        expect(scaled(n / 100)).toEqual({ ok: true, scaled: n === 0 ? 0 : n });
        expect(scaled(formatScaledDecimal(n, 2))).toEqual({ ok: true, scaled: n === 0 ? 0 : n });
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses every value with a third significant decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 1, max: 9 }), fc.boolean(), (n, d, negative) => {
        const text = `${negative ? '-' : ''}${formatScaledDecimal(n * 10 + d, 3)}`;
        expect(scaled(text)).toEqual({ ok: false, problem: 'too-many-decimals' });
        expect(scaled(Number(text))).toEqual({ ok: false, problem: 'too-many-decimals' });
      }),
    );
  });

  it('formats scaled integers exactly', () => {
    expect(formatScaledDecimal(1815, 2)).toBe('18.15');
    expect(formatScaledDecimal(-5, 2)).toBe('-0.05');
    expect(formatScaledDecimal(300, 2)).toBe('3');
    expect(formatScaledDecimal(0, 2)).toBe('0');
    expect(formatScaledDecimal(7, 0)).toBe('7');
  });
});
