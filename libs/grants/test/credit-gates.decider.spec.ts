import { GrantCommand, grantDecider, noticeKey } from '../src';
import { deciderSpec } from '../../../test/support/decider-spec';
import {
  DISHONESTY,
  FIRST_PAID,
  IN_IMPLEMENTATION,
  PATENT_NOTICE,
  awardGrant,
  awardedAt,
  decidedAt,
  enterprise,
  extend,
  grantId,
  history,
  order,
  pay,
  sign,
  signedAt,
  standing,
  stateOf,
} from './support';

const spec = deciderSpec(grantDecider);
const later = new Date('2025-02-05T02:00:00Z');
const suspend = (adverse = [DISHONESTY], now = later): GrantCommand => ({ type: 'SuspendGrant', credit: standing(adverse, now), now });
const decideSuspension = (decision: 'continue' | 'claw-back', reason = '经局务会研究决定', clawback: { clawbackId: string; amountFen: number; dueDate: string } | null = null, now = later): GrantCommand => ({
  type: 'DecideSuspension',
  decision,
  reason,
  clawback,
  now,
});
const withCredit = (command: GrantCommand, adverse = [DISHONESTY]): GrantCommand => ({ ...command, credit: standing(adverse, command.now) }) as GrantCommand;

describe('grant credit gates', () => {
  describe('at award', () => {
    it('awards a clean enterprise without suspension', () => {
      spec.given([]).when(awardGrant()).thenMatches([{ type: 'GrantAwarded' }]);
    });

    it('awards an enterprise with a record in force suspended, one GrantSuspended per notice, with the reason', () => {
      spec.given([]).when(awardGrant({ credit: standing([DISHONESTY, PATENT_NOTICE]) })).thenMatches([
        { type: 'GrantAwarded' },
        { type: 'GrantSuspended', data: { grantId, creditCode: enterprise.creditCode, notice: DISHONESTY, stage: 'award', suspendedAt: awardedAt.toISOString(), reason: { zh: expect.stringContaining('严重失信记录') } } },
        { type: 'GrantSuspended', data: { notice: PATENT_NOTICE, stage: 'award', reason: { en: expect.stringContaining('abnormal-patent-application notice') } } },
      ]);
    });

    it("refuses facts about another enterprise", () => {
      spec.given([]).when(awardGrant({ credit: { creditCode: '91320505MA1MYYYYY0', checkedAt: awardedAt.toISOString(), adverse: [] } })).thenRefuses('CREDIT_STANDING_MISMATCH');
    });
  });

  describe('release orders and payment confirmations', () => {
    it('refuses a release order when the latest facts hold a record the bureau has not decided on', () => {
      spec.given(IN_IMPLEMENTATION).when(withCredit(order(1))).thenRefuses('CREDIT_RECORD_ADVERSE', { notices: [DISHONESTY] });
    });

    it('refuses a payment confirmation when the latest facts hold a record', () => {
      const ordered = history(awardGrant(), sign(), order(1));
      spec.given(ordered).when(withCredit(pay(1, 25_000_000), [PATENT_NOTICE])).thenRefuses('CREDIT_RECORD_ADVERSE', { notices: [PATENT_NOTICE] });
    });

    it('refuses both while suspended, naming the notices, even when the facts were lifted since', () => {
      const ordered = history(awardGrant(), sign(), order(1));
      const suspended = extend(ordered, suspend());
      const error = spec.given(suspended).when(pay(1, 25_000_000, later)).thenRefuses('GRANT_SUSPENDED', { notices: [DISHONESTY], suspendedAt: later.toISOString() });
      expect(error.text.zh).toContain('暂停拨付');
      const orderSuspended = extend(IN_IMPLEMENTATION, suspend());
      spec.given(orderSuspended).when(order(1, undefined, later)).thenRefuses('GRANT_SUSPENDED');
    });

    it('lets an awarded-suspended grant sign its agreement but order nothing', () => {
      const suspendedAtAward = history(awardGrant({ credit: standing([DISHONESTY]) }), sign());
      spec.given(suspendedAtAward).when(order(1)).thenRefuses('GRANT_SUSPENDED');
    });
  });

  describe('suspension after the award (credit watch)', () => {
    it('suspends for each notice the grant has not seen', () => {
      spec.given(FIRST_PAID).when(suspend([DISHONESTY, PATENT_NOTICE])).thenMatches([
        { type: 'GrantSuspended', data: { notice: DISHONESTY, stage: 'after-award' } },
        { type: 'GrantSuspended', data: { notice: PATENT_NOTICE, stage: 'after-award' } },
      ]);
    });

    it('decides nothing for notices already on the suspension (redelivery), and adds only a new one', () => {
      const suspended = extend(FIRST_PAID, suspend());
      spec.given(suspended).when(suspend()).then([]);
      spec.given(suspended).when(suspend([DISHONESTY, PATENT_NOTICE])).thenMatches([{ type: 'GrantSuspended', data: { notice: PATENT_NOTICE } }]);
      const state = stateOf(extend(suspended, suspend([DISHONESTY, PATENT_NOTICE])));
      expect(state.status !== 'none' && state.suspension?.notices.map(noticeKey)).toEqual([noticeKey(DISHONESTY), noticeKey(PATENT_NOTICE)]);
    });

    it('decides nothing with clean facts, nor for a notice the bureau has already decided on', () => {
      spec.given(FIRST_PAID).when(suspend([])).then([]);
      const continued = extend(FIRST_PAID, suspend(), decideSuspension('continue'));
      spec.given(continued).when(suspend()).then([]);
    });

    it('does nothing to a closed grant and refuses a grant that does not exist', () => {
      spec.given([]).when(suspend()).thenRefuses('GRANT_NOT_FOUND');
    });
  });

  describe("the bureau's decision", () => {
    const suspended = extend(FIRST_PAID, suspend());

    it('continue lifts the suspension with its reason; releases resume despite the same record in force', () => {
      spec.given(suspended).when(decideSuspension('continue', '失信记录与本项目无关，继续执行')).then([
        { type: 'GrantSuspensionDecided', data: { grantId, decision: 'continue', reason: '失信记录与本项目无关，继续执行', notices: [DISHONESTY], clawbackId: null, decidedAt: later.toISOString() } },
      ]);
      const continued = extend(suspended, decideSuspension('continue'));
      expect(stateOf(continued)).toMatchObject({ suspension: null, creditDecided: [noticeKey(DISHONESTY)] });
      // Tranche 2 waits for acceptance; the gate itself passes: a new notice is refused, the decided one is not.
      spec.given(continued).when(withCredit(order(2, undefined, later), [DISHONESTY])).thenRefuses('TRANCHE_TRIGGER_NOT_MET');
      spec.given(continued).when(withCredit(order(2, undefined, later), [DISHONESTY, PATENT_NOTICE])).thenRefuses('CREDIT_RECORD_ADVERSE', { notices: [PATENT_NOTICE] });
    });

    it('claw-back ends the suspension and orders the clawback under the clawback rules', () => {
      spec.given(suspended).when(decideSuspension('claw-back', '严重失信，收回已拨资金', { clawbackId: 'cb-9', amountFen: 25_000_000, dueDate: '2025-03-31' })).then([
        { type: 'GrantSuspensionDecided', data: { grantId, decision: 'claw-back', reason: '严重失信，收回已拨资金', notices: [DISHONESTY], clawbackId: 'cb-9', decidedAt: later.toISOString() } },
        { type: 'ClawbackOrdered', data: { grantId, clawbackId: 'cb-9', amountFen: 25_000_000, reason: '严重失信，收回已拨资金', dueDate: '2025-03-31', orderedAt: later.toISOString() } },
      ]);
      spec.given(suspended).when(decideSuspension('claw-back', 'x', { clawbackId: 'cb-9', amountFen: 25_000_001, dueDate: '2025-03-31' })).thenRefuses('CLAWBACK_EXCEEDS_PAID');
      spec.given(suspended).when(decideSuspension('claw-back', 'x', null)).thenRefuses('CLAWBACK_TERMS_REQUIRED');
    });

    it('claw-back on a grant nothing was paid from is refused; it stays suspended', () => {
      const nothingPaid = extend(IN_IMPLEMENTATION, suspend());
      spec.given(nothingPaid).when(decideSuspension('claw-back', 'x', { clawbackId: 'cb-9', amountFen: 1, dueDate: '2025-03-31' })).thenRefuses('CLAWBACK_NOTHING_PAID');
    });

    it('needs a reason, and a suspension to decide on', () => {
      spec.given(suspended).when(decideSuspension('continue', ' ')).thenRefuses('SUSPENSION_REASON_REQUIRED');
      spec.given(FIRST_PAID).when(decideSuspension('continue')).thenRefuses('GRANT_NOT_SUSPENDED');
      spec.given(extend(suspended, decideSuspension('continue'))).when(decideSuspension('continue')).thenRefuses('GRANT_NOT_SUSPENDED');
    });

    it('a payment confirmed before the suspension stays; the bureau decides after', () => {
      expect(stateOf(suspended)).toMatchObject({ money: { paidFen: 25_000_000 } });
      expect(decidedAt.getTime()).toBeGreaterThan(signedAt.getTime());
    });
  });
});
