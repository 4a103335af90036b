import fc from 'fast-check';
import { checkCreditCode, creditCodeCheckCharacter, creditCodeRegion } from '../src/domain';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

describe('unified social credit code (GB 32100-2015)', () => {
  it.each([
    ['91350100M000100Y43', 'the standard\'s widely published sample'],
    ['91320594MA1W12345B', 'a Suzhou Industrial Park registration'],
    ['91371102MA3C00001T', 'a Rizhao Donggang registration'],
  ])('accepts %s (%s)', (code) => {
    expect(checkCreditCode(code)).toBeNull();
  });

  it.each([
    ['91350100M000100Y44', 'check-character'],
    ['91350100M000100Y4', 'format'],
    ['91350100M000100Y433', 'format'],
    ['91350100M000100I43', 'format'],
    ['91350100m000100Y43', 'format'],
    ['913501A0M000100Y43', 'format'],
  ])('refuses %s as %s', (code, problem) => {
    expect(checkCreditCode(code)).toBe(problem);
  });

  it('reads the registering region', () => {
    expect(creditCodeRegion('91320594MA1W12345B')).toBe('320594');
  });

  it('detects every single-character substitution in the first 17 characters', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 10, maxLength: 10 }),
        fc.integer({ min: 100000, max: 999999 }),
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 30 }),
        (tail, region, position, shift) => {
          const first17 = `91${region}${tail.slice(0, 9)}`;
          const valid = first17 + creditCodeCheckCharacter(first17);
          expect(checkCreditCode(valid)).toBeNull();
          const original = valid[position];
          const pool = position >= 2 && position < 8 ? '0123456789' : ALPHABET;
          const replacement = pool[(pool.indexOf(original) + shift) % pool.length];
          if (replacement === original) return;
          const mutated = valid.slice(0, position) + replacement + valid.slice(position + 1);
          expect(checkCreditCode(mutated)).not.toBeNull();
        },
      ),
    );
  });
});
