import fc from 'fast-check';
import { GrantEvent, clearStanding, grantDecider, splitAward } from '../src';
import { deciderSpec } from '../../../test/support/decider-spec';
import { awardGrant, close, decide, enterprise, extend, history, requestAcceptance, sign, verdicts } from './support';

const trancheAmounts = (events: GrantEvent[]) => (events[0].type === 'GrantAwarded' ? events[0].data.tranches.map((t) => t.amountFen) : []);
const award = (awardFen: number, percents: number[]) =>
  trancheAmounts(history(awardGrant({ awardFen, tranchePlan: percents.map((percent, i) => ({ percent, trigger: i === 0 ? 'award' : 'acceptance-passed' })) })));

describe('tranche split', () => {
  it.each<[string, number, number[], number[]]>([
    ['a 1 fen award in one tranche', 1, [100], [1]],
    ['a 1 fen award in halves: the last tranche takes the fen', 1, [50, 50], [0, 1]],
    ['a 1 fen award in 33/33/34', 1, [33, 33, 34], [0, 0, 1]],
    ['an odd amount in halves', 99_999, [50, 50], [49_999, 50_000]],
    ['100 fen in 33/33/34', 100, [33, 33, 34], [33, 33, 34]],
    ['an odd amount in 33/33/34', 10_000_001, [33, 33, 34], [3_300_000, 3_300_000, 3_400_001]],
    ['floors rather than rounds', 299, [67, 33], [200, 99]],
    ['the largest safe amount without precision loss', Number.MAX_SAFE_INTEGER, [33, 33, 34], [2_972_375_754_064_527, 2_972_375_754_064_527, 3_062_447_746_611_937]],
  ])('splits %s', (_, awardFen, percents, expected) => {
    expect(award(awardFen, percents)).toEqual(expected);
    expect(expected.reduce((a, b) => a + b, 0)).toBe(awardFen);
  });

  it('always adds up to the award exactly, floors all but the last and never goes negative', () => {
    const plan = fc
      .array(fc.integer({ min: 1, max: 99 }), { maxLength: 5 })
      .map((cuts) => [...new Set(cuts)].sort((a, b) => a - b))
      .map((cuts) => [...cuts, 100].map((cut, i, all) => cut - (i === 0 ? 0 : all[i - 1])));
    const amount = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(amount, plan, (awardFen, percents) => {
        const split = splitAward(awardFen, percents);
        expect(split).toHaveLength(percents.length);
        expect(split.reduce((a, b) => a + b, 0)).toBe(awardFen);
        split.forEach((fen) => expect(Number.isSafeInteger(fen) && fen >= 0).toBe(true));
        split.slice(0, -1).forEach((fen, i) => expect(BigInt(fen)).toBe((BigInt(awardFen) * BigInt(percents[i])) / 100n));
      }),
      { numRuns: 500 },
    );
  });

  describe('a tranche of 0 fen', () => {
    const spec = deciderSpec(grantDecider);
    const oneFen = history(
      awardGrant({ awardFen: 1, tranchePlan: [{ percent: 50, trigger: 'award' }, { percent: 50, trigger: 'acceptance-passed' }] }),
      sign(),
      requestAcceptance(),
      decide('accepted', verdicts(true)),
    );

    it('cannot be ordered', () => {
      spec.given(oneFen).when({ type: 'OrderTrancheRelease', trancheNo: 1, orderNo: 'O-1', credit: clearStanding(enterprise.creditCode, new Date('2026-11-21T00:00:00Z')), now: new Date('2026-11-21T00:00:00Z') }).thenRefuses('AMOUNT_INVALID');
    });

    it('does not keep the grant from closing', () => {
      const events = extend(
        oneFen,
        { type: 'OrderTrancheRelease', trancheNo: 2, orderNo: 'O-2', credit: clearStanding(enterprise.creditCode, new Date('2026-11-21T00:00:00Z')), now: new Date('2026-11-21T00:00:00Z') },
        { type: 'ConfirmTranchePayment', trancheNo: 2, amountFen: 1, reference: 'T-2', valueDate: '2026-11-22', credit: clearStanding(enterprise.creditCode, new Date('2026-11-22T00:00:00Z')), now: new Date('2026-11-22T00:00:00Z') },
      );
      spec.given(events).when(close()).thenMatches([{ type: 'GrantClosed', data: { outcome: 'accepted', tranchesNotDue: [] } }]);
    });
  });
});
