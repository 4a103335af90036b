import fc from 'fast-check';
import { formatYuan } from '../src/money';

describe('formatYuan (integer fen → yuan text)', () => {
  it.each([
    [0, '0.00'],
    [-0, '0.00'],
    [1, '0.01'],
    [-1, '-0.01'],
    [10, '0.10'],
    [99, '0.99'],
    [100, '1.00'],
    [123456, '1,234.56'],
    [-123456, '-1,234.56'],
    [99999, '999.99'],
    [100000, '1,000.00'],
    [25000001, '250,000.01'],
    [100000000000, '1,000,000,000.00'],
    [Number.MAX_SAFE_INTEGER, '90,071,992,547,409.91'],
    [-Number.MAX_SAFE_INTEGER, '-90,071,992,547,409.91'],
    [Number.MAX_SAFE_INTEGER - 8, '90,071,992,547,409.83'],
  ])('%d fen is %s yuan', (fen, text) => {
    expect(formatYuan(fen)).toBe(text);
  });

  it('leaves out the separators on request (the bank-statement form)', () => {
    expect(formatYuan(123456789, { grouping: false })).toBe('1234567.89');
    expect(formatYuan(-5, { grouping: false })).toBe('-0.05');
  });

  it.each([0.5, 1.000001, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 1, 2 ** 60])('refuses %p, which is not a safe integer of fen', (fen) => {
    expect(() => formatYuan(fen)).toThrow(RangeError);
  });

  it('agrees with BigInt arithmetic on every safe integer (property)', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (fen) => {
        const big = BigInt(fen);
        const abs = big < 0n ? -big : big;
        const expected = `${big < 0n ? '-' : ''}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, '0')}`;
        expect(formatYuan(fen, { grouping: false })).toBe(expected);
        expect(formatYuan(fen).replace(/,/g, '')).toBe(expected);
        expect(formatYuan(fen)).toMatch(/^-?\d{1,3}(,\d{3})*\.\d{2}$/);
      }),
    );
  });
});
