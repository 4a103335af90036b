import fc from 'fast-check';
import { aggregate, conflictOf, rank, scoreHundredths } from '../src/domain';

describe('review arithmetic', () => {
  it('takes the plain mean, rounded half up to a hundredth', () => {
    expect(aggregate([8000, 8050, 8100], 'mean')).toBe(8050);
    expect(aggregate([1, 2], 'mean')).toBe(2);
    expect(aggregate([], 'mean')).toBe(0);
  });

  it('drops one highest and one lowest total with five or more experts (trimmed mean)', () => {
    expect(aggregate([6000, 8000, 8000, 8200, 9900], 'trimmed-mean')).toBe(8067);
    expect(aggregate([6000, 8000, 9900], 'trimmed-mean')).toBe(aggregate([6000, 8000, 9900], 'mean'));
  });

  it('keeps scores exact in hundredths', () => {
    expect(scoreHundredths(26.5, 30)).toBe(2650);
    expect(scoreHundredths(0.29, 30)).toBe(29);
    for (const [points, hundredths] of [[18.15, 1815], [32.8, 3280], [10.07, 1007], [8.2, 820], [0.57, 57], [72.35, 7235]] as const) {
      expect(scoreHundredths(points, 100)).toBe(hundredths);
    }
    expect(scoreHundredths(1.005, 30)).toBeNull();
    expect(scoreHundredths(30.01, 30)).toBeNull();
    expect(scoreHundredths(-0.01, 30)).toBeNull();
  });

  it('takes every two-decimal score from 0 to the maximum exactly, and nothing above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000_00 }), fc.integer({ min: 1, max: 1000 }), (n, max) => {
        expect(scoreHundredths(n / 100, max)).toBe(n <= max * 100 ? n : null);
      }),
    );
  });

  it('an aggregate always lies between the lowest and the highest total', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 100_00 }), { minLength: 1, maxLength: 15 }), fc.constantFrom('mean' as const, 'trimmed-mean' as const), (totals, how) => {
        const value = aggregate(totals, how);
        expect(value).toBeGreaterThanOrEqual(Math.min(...totals));
        expect(value).toBeLessThanOrEqual(Math.max(...totals));
      }),
    );
  });
});

describe('conflicts of interest', () => {
  const expert = { expertId: 'e1', organisation: '91320505MA1MXXXXX0', links: ['91320594MA1W12345B'] };
  it.each([
    ['91320505MA1MXXXXX0', 'same-organisation'],
    ['91320594MA1W12345B', 'declared-link'],
    ['91371102MA3C00001T', null],
  ])('an expert from %s reviewing is %s', (creditCode, reason) => {
    expect(conflictOf(expert, creditCode)).toBe(reason);
  });
});

describe('ranking', () => {
  const entry = (applicationId: string, scoreHundredths: number, priorityItems = 0, submittedAt = '2024-11-01T00:00:00Z') => ({ applicationId, scoreHundredths, priorityItems, submittedAt });

  it('ranks by score, then priority-support items (同等条件下优先), then earlier submission, then id', () => {
    const ranked = rank([
      entry('d', 8000, 0, '2024-11-02T00:00:00Z'),
      entry('c', 8000, 0, '2024-11-01T00:00:00Z'),
      entry('b', 8000, 2),
      entry('a', 9000),
    ]);
    expect(ranked.map((e) => e.applicationId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('is the same whatever order the entries come in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ applicationId: fc.uuid(), scoreHundredths: fc.integer({ min: 0, max: 200 }), priorityItems: fc.integer({ min: 0, max: 2 }), submittedAt: fc.constantFrom('2024-11-01T00:00:00Z', '2024-11-02T00:00:00Z') }), { selector: (e) => e.applicationId, maxLength: 20 }), (entries) => {
        expect(rank([...entries].reverse())).toEqual(rank(entries));
      }),
    );
  });
});
