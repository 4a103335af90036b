import fc from 'fast-check';
import { MAX_POSITION, decodeCursor, encodeCursor, parseInstant, parsePosition } from '../src/http/strict-input';
import { exceedsDepth, findBodyDefect } from '../src/http/body';
import { containsNul, nestingDepth } from '../src/errors/validation';

const SEED = 20241117;

describe('strict input', () => {
  it('positions: digits only, 0 … 2^63−1', () => {
    expect(parsePosition('0')).toBe(0n);
    expect(parsePosition('9223372036854775807')).toBe(MAX_POSITION);
    for (const bad of ['9223372036854775808', '1e20', '-1', '01', '+1', '1.0', ' 1', '', '0x1', '１']) expect(parsePosition(bad)).toBeNull();
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: MAX_POSITION }), (n) => parsePosition(n.toString()) === n), { seed: SEED });
  });

  it('instants: every Date in 0001–9999 round-trips through its ISO text, with any offset', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (date, offset) => {
        expect(parseInstant(date.toISOString())?.getTime()).toBe(date.getTime());
        const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 23);
        if (!/^(?!0000)\d{4}-/.test(local)) return; // shifted outside 0001–9999
        const sign = offset < 0 ? '-' : '+';
        const text = `${local}${sign}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, '0')}:${String(Math.abs(offset) % 60).padStart(2, '0')}`;
        expect(parseInstant(text)?.getTime()).toBe(date.getTime());
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('instants: refuses week and ordinal dates, comma fractions, expanded years, missing parts and impossible dates', () => {
    expect(parseInstant('2024-02-29T23:59:59.123456789+08:00')?.toISOString()).toBe('2024-02-29T15:59:59.123Z');
    for (const bad of ['2024-W01-1', '2024-W01-1T00:00:00Z', '2024-001T00:00:00Z', '2024-01-01T12:00:00,5Z', '+2024-01-01T00:00:00Z', '2024-01-01', '2024-01-01T12:00Z', '2024-01-01T12:00:00', '2023-02-29T00:00:00Z', '2024-04-31T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T12:60:00Z', '2024-01-01T12:00:60Z', '2024-01-01t12:00:00z', '2024-01-01T00:00:00+14:01', '2024-01-01T00:00:00+0800', '0000-01-01T00:00:00Z', '2024-01-01T00:00:00.Z', '2024-01-01T00:00:00.1234567890Z', ' 2024-01-01T00:00:00Z']) {
      expect([bad, parseInstant(bad)]).toEqual([bad, null]);
    }
  });

  it('cursors: only what encodeCursor wrote, with the right element types', () => {
    const cursor = encodeCursor(['2024-11-01T02:00:00.000Z', '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f']);
    expect(decodeCursor(cursor, ['instant', 'uuid'])).toEqual(['2024-11-01T02:00:00.000Z', '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f']);
    expect(decodeCursor(encodeCursor([12]), ['revision'])).toEqual([12]);
    expect(decodeCursor(undefined, ['revision'])).toBeNull();
    for (const bad of [encodeCursor(['not a date', 'x']), 'WzFlNDAwXQ', encodeCursor([-1]), encodeCursor([1.5]), encodeCursor(['1']), 'a+b/', '%%%']) {
      expect(() => decodeCursor(bad, bad.startsWith('WyJub3Q') ? ['instant', 'uuid'] : ['revision'])).toThrow(expect.objectContaining({ code: 'CURSOR_INVALID' }));
    }
  });
});

describe('body checks without recursion', () => {
  const depthOf = (value: unknown): number => (value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0);

  it('exceedsDepth agrees with the parsed depth, brackets inside strings not counted', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, limit) => {
        const raw = Buffer.from(JSON.stringify(value));
        expect(exceedsDepth(raw, limit)).toBe(depthOf(value) > limit);
        expect(nestingDepth(value)).toBe(depthOf(value));
      }),
      { seed: SEED, numRuns: 500 },
    );
    expect(exceedsDepth(Buffer.from('{"a":"[[[[\\"[[["}'), 1)).toBe(false);
  });

  it('walks 100,000-deep values for NUL and forbidden keys without overflowing the stack', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(containsNul(deep)).toBe(true);
    expect(findBodyDefect(deep)?.kind).toBe('nul');
    expect(findBodyDefect(JSON.parse('{"a":[{"b":1},{"__proto__":{"x":1}}]}'))).toEqual({ field: 'a[1].__proto__', kind: 'forbiddenKey' });
    expect(findBodyDefect({ a: [{ constructor: 1 }] })).toEqual({ field: 'a[0].constructor', kind: 'forbiddenKey' });
    expect(findBodyDefect({ a: ['ok', { b: 'fine' }] })).toBeNull();
  });
});
