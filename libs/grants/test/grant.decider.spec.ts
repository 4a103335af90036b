import { UUID_PATTERN } from '@ipstd/kernel';
import { GRANT_EVENTS, GrantCommand, GrantEvent, InspectionOutcome, InspectionResult, grantDecider, grantIdFor, grantStream, moneyOf, overdueClawbacks } from '../src';
import { deciderSpec } from '../../../test/support/decider-spec';
import {
  ACCEPTANCE_REQUESTED,
  ACCEPTED,
  AWARDED,
  FAILED,
  FIRST_PAID,
  IN_IMPLEMENTATION,
  MID_TERM_IDS,
  TARGETS,
  TARGET_IDS,
  applicationId,
  awardGrant,
  awardedAt,
  beforeDeadline,
  cancelOrder,
  clawback,
  close,
  decide,
  decidedAt,
  enterprise,
  evaluate,
  extend,
  grantId,
  history,
  inspect,
  markOverdue,
  midTerm,
  order,
  pay,
  programmeId,
  repay,
  requestAcceptance,
  results,
  sign,
  signedAt,
  stateOf,
  verdicts,
  writeOff,
  standing,
  DISHONESTY,
} from './support';

const spec = deciderSpec(grantDecider);
const iso = (d: Date) => d.toISOString();

describe('grant', () => {
  describe('not yet awarded', () => {
    it('is awarded with the tranche amounts in fen, the period from award and the targets of the rule set', () => {
      spec.given([]).when(awardGrant()).then([
        {
          type: 'GrantAwarded',
          data: {
            grantId,
            applicationId,
            programmeId,
            enterprise,
            awardFen: 50_000_000,
            tranches: [
              { trancheNo: 1, percent: 50, trigger: 'award', amountFen: 25_000_000 },
              { trancheNo: 2, percent: 50, trigger: 'acceptance-passed', amountFen: 25_000_000 },
            ],
            implementation: { months: 24, startsAt: '2025-01-10T02:00:00.000Z', endsAt: '2027-01-10T02:00:00.000Z' },
            acceptanceLeadMonths: 3,
            targets: TARGETS,
            awardedAt: '2025-01-10T02:00:00.000Z',
          },
        },
      ]);
    });

    it('keeps the targets as copied from the rule set at award, with citation and bilingual text', () => {
      const state = stateOf(AWARDED);
      expect(state.status === 'none' ? [] : state.targets.map((t) => t.id)).toEqual(['SZ24-T1', 'SZ24-T2', 'SZ24-T3', 'SZ24-T4', 'SZ24-T5', 'SZ24-T6', 'SZ24-T7', 'SZ24-T8']);
      expect(state).toMatchObject({ targets: expect.arrayContaining([expect.objectContaining({ id: 'SZ24-T4', citation: '004_39c6efd61937e065.txt 四(二)4', text: { zh: expect.any(String), en: expect.any(String) } })]) });
    });

    it.each([
      ['zero', 0],
      ['negative', -100],
      ['fractional', 100.5],
      ['beyond safe integers', Number.MAX_SAFE_INTEGER + 2],
      ['NaN', Number.NaN],
    ])('refuses a %s award amount', (_, awardFen) => {
      spec.given([]).when(awardGrant({ awardFen })).thenRefuses('AMOUNT_INVALID', { field: 'awardFen' });
    });

    it.each([
      ['percentages not adding up to 100', [{ percent: 50, trigger: 'award' as const }]],
      ['an empty plan', []],
      ['a fractional percentage', [{ percent: 50.5, trigger: 'award' as const }, { percent: 49.5, trigger: 'acceptance-passed' as const }]],
      ['a zero percentage', [{ percent: 0, trigger: 'award' as const }, { percent: 100, trigger: 'acceptance-passed' as const }]],
      ['an unknown trigger', [{ percent: 100, trigger: 'whenever' as never }]],
    ])('refuses a tranche plan with %s', (_, tranchePlan) => {
      spec.given([]).when(awardGrant({ tranchePlan })).thenRefuses('TRANCHE_PLAN_INVALID');
    });

    it('refuses an implementation period over 24 months (004 五(三))', () => {
      spec.given([]).when(awardGrant({ implementationMonths: 25 })).thenRefuses('IMPLEMENTATION_PERIOD_INVALID', { implementationMonths: 25, maxMonths: 24 });
    });

    it('refuses a lead time as long as the implementation period', () => {
      spec.given([]).when(awardGrant({ implementationMonths: 3, acceptanceLeadMonths: 3 })).thenRefuses('ACCEPTANCE_LEAD_INVALID');
    });

    it('refuses duplicate target ids', () => {
      spec.given([]).when(awardGrant({ targets: [TARGETS[0], TARGETS[0]] })).thenRefuses('TARGETS_INVALID', { duplicates: ['SZ24-T1'] });
    });

    it.each<[string, GrantCommand]>([
      ['sign', sign()],
      ['order a tranche', order(1)],
      ['confirm a payment', pay(1, 1)],
      ['cancel a release order', cancelOrder(1)],
      ['record an inspection', inspect()],
      ['request acceptance', requestAcceptance()],
      ['decide acceptance', decide('accepted')],
      ['record an evaluation', evaluate(80)],
      ['order a clawback', clawback(1)],
      ['record a repayment', repay(1)],
      ['mark a clawback overdue', markOverdue(decidedAt)],
      ['write a clawback off', writeOff()],
      ['close', close()],
    ])('cannot %s', (_, command) => {
      spec.given([]).when(command).thenRefuses('GRANT_NOT_FOUND');
    });

    it('refuses a command without a valid time', () => {
      spec.given([]).when(awardGrant({ now: new Date(Number.NaN) })).thenRefuses('COMMAND_TIME_INVALID');
    });
  });

  describe('awarded', () => {
    it('folds into the awarded state with the money of the award', () => {
      expect(stateOf(AWARDED)).toMatchObject({ status: 'awarded', awardedAt: iso(awardedAt), money: { awardFen: 50_000_000, orderedFen: 0, paidFen: 0 } });
    });

    it('cannot be awarded twice', () => {
      spec.given(AWARDED).when(awardGrant()).thenRefuses('GRANT_ALREADY_AWARDED', { grantId });
    });

    it('signs the agreement, which starts implementation', () => {
      spec.given(AWARDED).when(sign()).then([{ type: 'AgreementSigned', data: { grantId, signedAt: iso(signedAt) } }]);
      expect(stateOf(IN_IMPLEMENTATION)).toMatchObject({ status: 'in-implementation', agreementSignedAt: iso(signedAt) });
    });

    it('refuses a release order before the agreement is signed, in both languages', () => {
      const error = spec.given(AWARDED).when(order(1)).thenRefuses('AGREEMENT_NOT_SIGNED', { trancheNo: 1 });
      expect(error.kind).toBe('state');
      expect(error.text.zh).toContain('合同尚未签订');
      expect(error.text.en).toContain('agreement has not been signed');
      spec.given(AWARDED).when(order(2)).thenRefuses('AGREEMENT_NOT_SIGNED');
    });

    it('orders the award tranche once the agreement is signed', () => {
      spec.given(IN_IMPLEMENTATION).when(order(1)).then([{ type: 'TrancheReleaseOrdered', data: { grantId, trancheNo: 1, amountFen: 25_000_000, orderNo: 'SZ-ORD-1', orderedAt: iso(signedAt) } }]);
    });

    it('refuses the acceptance tranche before acceptance passed', () => {
      spec.given(IN_IMPLEMENTATION).when(order(2)).thenRefuses('TRANCHE_TRIGGER_NOT_MET', { trancheNo: 2, trigger: 'acceptance-passed' });
    });

    it.each<[string, GrantCommand]>([
      ['record an inspection', inspect()],
      ['request acceptance', requestAcceptance()],
      ['decide acceptance', decide('accepted')],
      ['record an evaluation', evaluate(80)],
      ['close', close()],
    ])('cannot %s yet', (_, command) => {
      spec.given(AWARDED).when(command).thenRefuses('GRANT_STATUS_CONFLICT', { status: 'awarded' });
    });

    it('cannot order a clawback before money went out', () => {
      spec.given(history(awardGrant(), sign(), order(1))).when(clawback(1)).thenRefuses('CLAWBACK_NOTHING_PAID');
    });
  });

  describe('in implementation', () => {
    describe('tranche release order', () => {
      it('orders a smaller amount than planned', () => {
        spec.given(IN_IMPLEMENTATION).when(order(1, 10_000_000)).thenMatches([{ type: 'TrancheReleaseOrdered', data: { trancheNo: 1, amountFen: 10_000_000 } }]);
      });

      it('refuses more than the planned amount, naming it', () => {
        const error = spec.given(IN_IMPLEMENTATION).when(order(1, 25_000_001)).thenRefuses('TRANCHE_AMOUNT_EXCEEDS_PLAN', { trancheNo: 1, plannedFen: 25_000_000 });
        expect(error.text.zh).toContain('250,000.00 元');
        expect(error.text.en).toContain('CNY 250,000.01');
      });

      it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses an amount of %s', (amountFen) => {
        spec.given(IN_IMPLEMENTATION).when(order(1, amountFen)).thenRefuses('AMOUNT_INVALID', { field: 'amountFen' });
      });

      it('refuses a tranche the plan does not have', () => {
        spec.given(IN_IMPLEMENTATION).when(order(3)).thenRefuses('TRANCHE_NOT_FOUND', { trancheNo: 3, tranches: 2 });
        spec.given(IN_IMPLEMENTATION).when(order(0)).thenRefuses('TRANCHE_NOT_FOUND');
      });

      it('orders a tranche once', () => {
        spec.given(history(awardGrant(), sign(), order(1, 1_000))).when(order(1, 1_000)).thenRefuses('TRANCHE_ALREADY_ORDERED', { trancheNo: 1, orderNo: 'SZ-ORD-1' });
      });

      it('needs an order number', () => {
        spec.given(IN_IMPLEMENTATION).when(order(1, undefined, signedAt, ' ')).thenRefuses('ORDER_NO_REQUIRED', { field: 'orderNo' });
      });

      it('orders a mid-term tranche only after a passed mid-term inspection', () => {
        const plan = [
          { percent: 40, trigger: 'award' as const },
          { percent: 30, trigger: 'mid-term-passed' as const },
          { percent: 30, trigger: 'acceptance-passed' as const },
        ];
        const started = history(awardGrant({ tranchePlan: plan }), sign());
        spec.given(started).when(order(2, undefined, midTerm)).thenRefuses('TRANCHE_TRIGGER_NOT_MET', { trigger: 'mid-term-passed' });
        const atRisk = history(awardGrant({ tranchePlan: plan }), sign(), inspect(results('at-risk')));
        spec.given(atRisk).when(order(2, undefined, midTerm)).thenRefuses('TRANCHE_TRIGGER_NOT_MET');
        const passed = history(awardGrant({ tranchePlan: plan }), sign(), inspect(results('at-risk')), inspect(results('on-track'), 'insp-2'));
        spec.given(passed).when(order(2, undefined, midTerm)).thenMatches([{ type: 'TrancheReleaseOrdered', data: { trancheNo: 2, amountFen: 15_000_000 } }]);
      });

      it('is suspended while a clawback is outstanding', () => {
        const plan = [
          { percent: 50, trigger: 'award' as const },
          { percent: 50, trigger: 'mid-term-passed' as const },
        ];
        const events = history(awardGrant({ tranchePlan: plan }), sign(), order(1), pay(1, 25_000_000), inspect(), clawback(1_000, 'cb-1', '2026-03-01', midTerm));
        spec.given(events).when(order(2, undefined, midTerm)).thenRefuses('TRANCHE_BLOCKED_BY_CLAWBACK', { clawbackIds: ['cb-1'] });
        spec.given(extend(events, repay(1_000, 'rp-1', 'cb-1', midTerm))).when(order(2, undefined, midTerm)).thenMatches([{ type: 'TrancheReleaseOrdered' }]);
      });
    });

    describe('tranche payment', () => {
      const ordered = history(awardGrant(), sign(), order(1));

      it('is confirmed by finance with the treasury reference and value date; paying the whole order pays the tranche in full', () => {
        spec.given(ordered).when(pay(1, 25_000_000)).then([
          { type: 'TranchePaid', data: { grantId, trancheNo: 1, amountFen: 25_000_000, reference: 'TREAS-1', valueDate: '2025-01-20', confirmedAt: iso(signedAt) } },
          { type: 'TranchePaidInFull', data: { grantId, trancheNo: 1, orderNo: 'SZ-ORD-1', paidFen: 25_000_000, paidInFullAt: iso(signedAt) } },
        ]);
        expect(stateOf(extend(ordered, pay(1, 25_000_000)))).toMatchObject({
          tranches: [{ status: 'paid', orderedFen: 25_000_000, paidFen: 25_000_000, payments: [{ reference: 'TREAS-1', amountFen: 25_000_000 }] }, { status: 'planned' }],
        });
      });

      it('refuses a value date after today (Asia/Shanghai): money is confirmed once it moved', () => {
        spec.given(ordered).when(pay(1, 25_000_000, signedAt, 'TREAS-1', '2099-01-01')).thenRefuses('VALUE_DATE_IN_FUTURE', { valueDate: '2099-01-01', today: '2025-01-20' });
        // 2025-01-20T16:00Z is already 2025-01-21 in Shanghai.
        spec.given(ordered).when(pay(1, 25_000_000, new Date('2025-01-20T16:00:00Z'), 'TREAS-1', '2025-01-21')).thenMatches([{ type: 'TranchePaid', data: { valueDate: '2025-01-21' } }, { type: 'TranchePaidInFull' }]);
      });

      it('may be less than ordered: the tranche is partly paid and the rest stays payable', () => {
        spec.given(ordered).when(pay(1, 24_999_999)).then([
          { type: 'TranchePaid', data: { grantId, trancheNo: 1, amountFen: 24_999_999, reference: 'TREAS-1', valueDate: '2025-01-20', confirmedAt: iso(signedAt) } },
        ]);
        const partly = extend(ordered, pay(1, 24_999_999));
        expect(stateOf(partly)).toMatchObject({ tranches: [{ status: 'partly-paid', orderedFen: 25_000_000, paidFen: 24_999_999 }, { status: 'planned' }], money: { orderedFen: 25_000_000, paidFen: 24_999_999 } });
        expect(moneyOf(stateOf(partly))).toMatchObject({ unpaidOrderedFen: 1, tranches: [{ status: 'partly-paid', unpaidFen: 1 }, { unpaidFen: 0 }] });
      });

      it('takes several confirmations, each with its own reference and value date, up to the order (10,000,000 ordered, 8,000,000 + 2,000,000 paid)', () => {
        const tenMillion = history(awardGrant(), sign(), order(1, 10_000_000));
        const first = extend(tenMillion, pay(1, 8_000_000, signedAt, 'TRE-8M', '2025-01-20'));
        expect(stateOf(first)).toMatchObject({ tranches: [{ status: 'partly-paid', paidFen: 8_000_000 }, {}] });
        spec.given(first).when(pay(1, 2_000_001, midTerm, 'TRE-2M', '2025-02-03')).thenRefuses('PAYMENT_EXCEEDS_ORDER', { trancheNo: 1, orderedFen: 10_000_000, paidFen: 8_000_000, remainingFen: 2_000_000 });
        spec.given(first).when(pay(1, 2_000_000, midTerm, 'TRE-2M', '2025-02-03')).then([
          { type: 'TranchePaid', data: { grantId, trancheNo: 1, amountFen: 2_000_000, reference: 'TRE-2M', valueDate: '2025-02-03', confirmedAt: iso(midTerm) } },
          { type: 'TranchePaidInFull', data: { grantId, trancheNo: 1, orderNo: 'SZ-ORD-1', paidFen: 10_000_000, paidInFullAt: iso(midTerm) } },
        ]);
        const full = extend(first, pay(1, 2_000_000, midTerm, 'TRE-2M', '2025-02-03'));
        expect(stateOf(full)).toMatchObject({
          tranches: [
            {
              status: 'paid',
              orderedFen: 10_000_000,
              paidFen: 10_000_000,
              payment: { reference: 'TRE-2M', valueDate: '2025-02-03' },
              payments: [
                { reference: 'TRE-8M', valueDate: '2025-01-20', amountFen: 8_000_000, confirmedAt: iso(signedAt) },
                { reference: 'TRE-2M', valueDate: '2025-02-03', amountFen: 2_000_000, confirmedAt: iso(midTerm) },
              ],
            },
            {},
          ],
          money: { orderedFen: 10_000_000, paidFen: 10_000_000 },
        });
        spec.given(full).when(pay(1, 1, midTerm, 'TRE-MORE')).thenRefuses('TRANCHE_ALREADY_PAID', { trancheNo: 1, orderedFen: 10_000_000, paidFen: 10_000_000 });
      });

      it('reads a stored payment for less than its order (once shown as paid) as a partial one, so the rest can be confirmed', () => {
        const stored: GrantEvent[] = [
          ...history(awardGrant(), sign(), order(1, 10_000_000)),
          { type: 'TranchePaid', data: { grantId, trancheNo: 1, amountFen: 8_000_000, reference: 'TRE-OLD', valueDate: '2025-01-20', confirmedAt: iso(signedAt) } },
        ];
        expect(stateOf(stored)).toMatchObject({ tranches: [{ status: 'partly-paid', paidFen: 8_000_000 }, {}] });
        spec.given(stored).when(pay(1, 2_000_000, midTerm, 'TRE-REST')).thenMatches([{ type: 'TranchePaid', data: { amountFen: 2_000_000 } }, { type: 'TranchePaidInFull' }]);
      });

      it('confirms one treasury reference once per grant, whatever the amount or tranche', () => {
        const partly = extend(ordered, pay(1, 1_000, signedAt, 'TRE-A'));
        spec.given(partly).when(pay(1, 1_000, signedAt, 'TRE-A')).thenRefuses('PAYMENT_REFERENCE_ALREADY_CONFIRMED', { reference: 'TRE-A', trancheNo: 1 });
        spec.given(partly).when(pay(1, 5, midTerm, 'TRE-A', '2025-03-01')).thenRefuses('PAYMENT_REFERENCE_ALREADY_CONFIRMED');
        spec.given(partly).when(pay(1, 1_000, signedAt, 'TRE-B')).thenMatches([{ type: 'TranchePaid', data: { reference: 'TRE-B' } }]);
      });

      it('never exceeds the order', () => {
        spec.given(ordered).when(pay(1, 25_000_001)).thenRefuses('PAYMENT_EXCEEDS_ORDER', { trancheNo: 1, orderedFen: 25_000_000, paidFen: 0, remainingFen: 25_000_000 });
      });

      it('needs an order first', () => {
        spec.given(IN_IMPLEMENTATION).when(pay(1, 1)).thenRefuses('TRANCHE_NOT_ORDERED', { trancheNo: 1 });
      });

      it('is not confirmed beyond a fully paid order', () => {
        spec.given(FIRST_PAID).when(pay(1, 1, signedAt, 'TRE-NEW')).thenRefuses('TRANCHE_ALREADY_PAID', { trancheNo: 1 });
      });

      it('needs a reference and a real value date', () => {
        spec.given(ordered).when(pay(1, 1, signedAt, '')).thenRefuses('PAYMENT_REFERENCE_REQUIRED', { field: 'reference' });
        spec.given(ordered).when(pay(1, 1, signedAt, 'T-1', '2025-02-30')).thenRefuses('DATE_INVALID', { field: 'valueDate' });
        spec.given(ordered).when(pay(1, 1, signedAt, 'T-1', '2025/01/22')).thenRefuses('DATE_INVALID');
      });

      it.each([0, -5, 0.5])('refuses an amount of %s', (amountFen) => {
        spec.given(ordered).when(pay(1, amountFen)).thenRefuses('AMOUNT_INVALID');
      });
    });

    describe('release order cancellation', () => {
      const ordered = history(awardGrant(), sign(), order(1, 10_000_000));

      it('cancels an order nothing was paid against, with a reason; the tranche is planned again and the money unordered', () => {
        spec.given(ordered).when(cancelOrder(1, '拨付令金额有误', midTerm)).then([
          { type: 'TrancheReleaseCancelled', data: { grantId, trancheNo: 1, orderNo: 'SZ-ORD-1', amountFen: 10_000_000, reason: '拨付令金额有误', cancelledAt: iso(midTerm) } },
        ]);
        const cancelled = extend(ordered, cancelOrder(1, '拨付令金额有误', midTerm));
        expect(stateOf(cancelled)).toMatchObject({
          tranches: [{ status: 'planned', orderedFen: 0, paidFen: 0, orderNo: null, cancellations: [{ orderNo: 'SZ-ORD-1', amountFen: 10_000_000, reason: '拨付令金额有误', cancelledAt: iso(midTerm) }] }, {}],
          money: { orderedFen: 0, paidFen: 0 },
        });
      });

      it('lets the tranche be ordered again and paid after a cancellation', () => {
        const cancelled = extend(ordered, cancelOrder(1));
        spec.given(cancelled).when(order(1, undefined, midTerm, 'SZ-ORD-1B')).then([
          { type: 'TrancheReleaseOrdered', data: { grantId, trancheNo: 1, amountFen: 25_000_000, orderNo: 'SZ-ORD-1B', orderedAt: iso(midTerm) } },
        ]);
        const again = extend(cancelled, order(1, undefined, midTerm, 'SZ-ORD-1B'), pay(1, 25_000_000, midTerm));
        expect(stateOf(again)).toMatchObject({ tranches: [{ status: 'paid', orderNo: 'SZ-ORD-1B', orderedFen: 25_000_000, paidFen: 25_000_000 }, {}], money: { orderedFen: 25_000_000, paidFen: 25_000_000 } });
      });

      it('is refused once any payment was confirmed against the order', () => {
        const partly = extend(ordered, pay(1, 1));
        spec.given(partly).when(cancelOrder(1)).thenRefuses('TRANCHE_CANCEL_AFTER_PAYMENT', { trancheNo: 1, orderNo: 'SZ-ORD-1', paidFen: 1 });
        spec.given(FIRST_PAID).when(cancelOrder(1)).thenRefuses('TRANCHE_CANCEL_AFTER_PAYMENT', { paidFen: 25_000_000 });
      });

      it('needs an order and a reason', () => {
        spec.given(IN_IMPLEMENTATION).when(cancelOrder(1)).thenRefuses('TRANCHE_NOT_ORDERED', { trancheNo: 1 });
        spec.given(ordered).when(cancelOrder(1, '  ')).thenRefuses('CANCELLATION_REASON_REQUIRED', { field: 'reason' });
        spec.given(ordered).when(cancelOrder(5)).thenRefuses('TRANCHE_NOT_FOUND', { trancheNo: 5 });
      });
    });

    describe('mid-term inspection', () => {
      it.each<[string, InspectionResult[], InspectionOutcome]>([
        ['passed when every target is on track', results('on-track'), 'passed'],
        ['at risk when a target is at risk', [...results('on-track', MID_TERM_IDS.slice(1)), ...results('at-risk', MID_TERM_IDS.slice(0, 1))], 'at-risk'],
        ['failing when any target fails', [...results('at-risk', MID_TERM_IDS.slice(1)), ...results('failing', MID_TERM_IDS.slice(0, 1))], 'failing'],
      ])('is %s', (_, inspectionResults, outcome) => {
        spec.given(IN_IMPLEMENTATION).when(inspect(inspectionResults)).then([
          { type: 'MidTermInspected', data: { grantId, inspectionId: 'insp-1', results: inspectionResults, outcome, inspectedAt: iso(midTerm) } },
        ]);
      });

      it('needs a result for every target due at mid-term, and not for SZ24-T8 (acceptance only)', () => {
        spec.given(IN_IMPLEMENTATION).when(inspect(results('on-track', MID_TERM_IDS.slice(1)))).thenRefuses('INSPECTION_INCOMPLETE', { missing: ['SZ24-T1'] });
        spec.given(IN_IMPLEMENTATION).when(inspect(results('on-track', TARGET_IDS))).thenMatches([{ type: 'MidTermInspected', data: { outcome: 'passed' } }]);
      });

      it('refuses results for targets the grant does not have', () => {
        spec.given(IN_IMPLEMENTATION).when(inspect(results('on-track', [...MID_TERM_IDS, 'SZ24-T9']))).thenRefuses('INSPECTION_UNKNOWN_TARGET', { unknown: ['SZ24-T9'] });
      });

      it('refuses two results for one target', () => {
        spec.given(IN_IMPLEMENTATION).when(inspect(results('on-track', [...MID_TERM_IDS, 'SZ24-T2']))).thenRefuses('INSPECTION_DUPLICATE_TARGET', { duplicates: ['SZ24-T2'] });
      });

      it('records an inspection once', () => {
        spec.given(history(awardGrant(), sign(), inspect())).when(inspect()).thenRefuses('INSPECTION_ALREADY_RECORDED', { inspectionId: 'insp-1' });
      });
    });

    describe('evaluation (Rizhao pilot)', () => {
      const rizhao = history(awardGrant({ tranchePlan: [{ percent: 100, trigger: 'evaluation-passed' }], targets: [] }), sign());

      it('releases the single tranche only after a passed evaluation', () => {
        spec.given(rizhao).when(order(1, undefined, midTerm)).thenRefuses('TRANCHE_TRIGGER_NOT_MET', { trigger: 'evaluation-passed' });
        const failed = extend(rizhao, evaluate(55));
        spec.given(failed).when(order(1, undefined, midTerm)).thenRefuses('TRANCHE_TRIGGER_NOT_MET');
        const passed = extend(failed, evaluate(72.5));
        spec.given(passed).when(order(1, undefined, midTerm)).thenMatches([{ type: 'TrancheReleaseOrdered', data: { trancheNo: 1, amountFen: 50_000_000 } }]);
      });

      it('records the score against the pass mark', () => {
        spec.given(rizhao).when(evaluate(60)).then([{ type: 'GrantEvaluated', data: { grantId, outcome: 'passed', score: 60, passMark: 60, index: null, evaluatedAt: iso(midTerm) } }]);
      });

      it('refuses an outcome that contradicts the score', () => {
        spec.given(rizhao).when(evaluate(59.99, 60, 'passed')).thenRefuses('EVALUATION_INCONSISTENT', { score: 59.99, passMark: 60 });
      });

      it('refuses a score that is not a number', () => {
        spec.given(rizhao).when(evaluate(Number.NaN, 60, 'failed')).thenRefuses('EVALUATION_INVALID', { field: 'score' });
      });

      it('is not evaluated again once passed', () => {
        const passed = extend(rizhao, evaluate(80));
        spec.given(passed).when(evaluate(90)).thenRefuses('EVALUATION_ALREADY_PASSED');
      });
    });

    describe('acceptance request', () => {
      it('is filed by the applicant before the deadline, which the event records', () => {
        spec.given(IN_IMPLEMENTATION).when(requestAcceptance()).then([
          { type: 'AcceptanceRequested', data: { grantId, requestedAt: iso(beforeDeadline), lastAllowedAt: '2026-10-10T02:00:00.000Z' } },
        ]);
      });

      it('is refused too late with the last allowed date (see acceptance-deadline.spec)', () => {
        spec.given(IN_IMPLEMENTATION).when(requestAcceptance(new Date('2026-12-01T00:00:00Z'))).thenRefuses('ACCEPTANCE_REQUEST_TOO_LATE', { lastAllowedAt: '2026-10-10T02:00:00.000Z' });
      });
    });

    describe('clawback', () => {
      it('is ordered once money went out, up to what was paid', () => {
        spec.given(FIRST_PAID).when(clawback(25_000_000, 'cb-1', '2026-03-31', midTerm)).then([
          { type: 'ClawbackOrdered', data: { grantId, clawbackId: 'cb-1', amountFen: 25_000_000, reason: '未按期完成合同内容', dueDate: '2026-03-31', orderedAt: iso(midTerm) } },
        ]);
      });

      it('never exceeds what was paid less clawbacks already ordered', () => {
        spec.given(FIRST_PAID).when(clawback(25_000_001, 'cb-1', '2026-03-31', midTerm)).thenRefuses('CLAWBACK_EXCEEDS_PAID', { maxFen: 25_000_000 });
        const once = extend(FIRST_PAID, clawback(20_000_000, 'cb-1', '2026-03-31', midTerm));
        spec.given(once).when(clawback(5_000_001, 'cb-2', '2026-03-31', midTerm)).thenRefuses('CLAWBACK_EXCEEDS_PAID', { maxFen: 5_000_000, paidFen: 25_000_000, clawbackOrderedFen: 20_000_000 });
        spec.given(once).when(clawback(5_000_000, 'cb-2', '2026-03-31', midTerm)).thenMatches([{ type: 'ClawbackOrdered', data: { clawbackId: 'cb-2' } }]);
      });

      it('needs a reason', () => {
        spec.given(FIRST_PAID).when(clawback(1, 'cb-1', '2026-03-31', midTerm, '  ')).thenRefuses('CLAWBACK_REASON_REQUIRED', { field: 'reason' });
      });

      it('needs a due date after today in Shanghai', () => {
        const lateEvening = new Date('2026-01-15T15:30:00Z');
        spec.given(FIRST_PAID).when(clawback(1, 'cb-1', '2026-01-15', lateEvening)).thenRefuses('CLAWBACK_DUE_DATE_INVALID', { today: '2026-01-15' });
        spec.given(FIRST_PAID).when(clawback(1, 'cb-1', '2026-01-16', lateEvening)).thenMatches([{ type: 'ClawbackOrdered' }]);
        spec.given(FIRST_PAID).when(clawback(1, 'cb-1', '2026-01-16', new Date('2026-01-15T16:00:00Z'))).thenRefuses('CLAWBACK_DUE_DATE_INVALID', { today: '2026-01-16' });
        spec.given(FIRST_PAID).when(clawback(1, 'cb-1', 'soon', midTerm)).thenRefuses('DATE_INVALID', { field: 'dueDate' });
      });

      it('is ordered once per id', () => {
        const once = extend(FIRST_PAID, clawback(1, 'cb-1', '2026-03-31', midTerm));
        spec.given(once).when(clawback(1, 'cb-1', '2026-03-31', midTerm)).thenRefuses('CLAWBACK_ALREADY_ORDERED', { clawbackId: 'cb-1' });
      });
    });
  });

  describe('acceptance requested', () => {
    it('is accepted when every target is met', () => {
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted')).then([
        { type: 'AcceptanceDecided', data: { grantId, decision: 'accepted', results: verdicts(true), unmet: [], reason: '', decidedAt: iso(decidedAt) } },
      ]);
    });

    it('is not accepted with an unmet target unless a reason is given', () => {
      const mixed = verdicts((id) => id !== 'SZ24-T5');
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted', mixed)).thenRefuses('ACCEPTANCE_REASON_REQUIRED', { decision: 'accepted', unmet: ['SZ24-T5'] });
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted', mixed, '经费占比受疫情影响，专家组认可')).thenMatches([{ type: 'AcceptanceDecided', data: { decision: 'accepted', unmet: ['SZ24-T5'] } }]);
    });

    it('is failed with unmet targets', () => {
      spec.given(ACCEPTANCE_REQUESTED).when(decide('failed', verdicts((id) => id !== 'SZ24-T3'))).thenMatches([{ type: 'AcceptanceDecided', data: { decision: 'failed', unmet: ['SZ24-T3'] } }]);
    });

    it('is not failed with every target met unless a reason is given', () => {
      spec.given(ACCEPTANCE_REQUESTED).when(decide('failed', verdicts(true))).thenRefuses('ACCEPTANCE_REASON_REQUIRED', { decision: 'failed', unmet: [] });
    });

    it('needs a result for every target, SZ24-T8 included', () => {
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted', verdicts(true, MID_TERM_IDS))).thenRefuses('ACCEPTANCE_INCOMPLETE', { missing: ['SZ24-T8'] });
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted', verdicts(true, [...TARGET_IDS, 'X']))).thenRefuses('ACCEPTANCE_UNKNOWN_TARGET', { unknown: ['X'] });
      spec.given(ACCEPTANCE_REQUESTED).when(decide('accepted', verdicts(true, [...TARGET_IDS, 'SZ24-T1']))).thenRefuses('ACCEPTANCE_DUPLICATE_TARGET', { duplicates: ['SZ24-T1'] });
    });

    it.each<[string, GrantCommand]>([
      ['record another mid-term inspection', inspect(undefined, 'insp-9', decidedAt)],
      ['request acceptance again', requestAcceptance()],
      ['sign again', sign()],
      ['close', close()],
    ])('cannot %s', (_, command) => {
      spec.given(ACCEPTANCE_REQUESTED).when(command).thenRefuses('GRANT_STATUS_CONFLICT', { status: 'acceptance-requested' });
    });

    it('still refuses the acceptance tranche', () => {
      spec.given(ACCEPTANCE_REQUESTED).when(order(2, undefined, decidedAt)).thenRefuses('TRANCHE_TRIGGER_NOT_MET');
    });
  });

  describe('accepted', () => {
    const secondPaid = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('accepted'), order(2, undefined, decidedAt), pay(2, 25_000_000, decidedAt));

    it('releases the acceptance tranche', () => {
      spec.given(ACCEPTED).when(order(2, undefined, decidedAt)).thenMatches([{ type: 'TrancheReleaseOrdered', data: { trancheNo: 2, amountFen: 25_000_000 } }]);
    });

    it('closes once every tranche is paid', () => {
      const closedAt = new Date('2027-02-01T02:00:00Z');
      spec.given(secondPaid).when(close()).then([{ type: 'GrantClosed', data: { grantId, outcome: 'accepted', tranchesNotDue: [], closedAt: iso(closedAt) } }]);
    });

    it('does not close while a tranche is unpaid', () => {
      spec.given(ACCEPTED).when(close()).thenRefuses('TRANCHES_OUTSTANDING', { trancheNos: [2] });
      spec.given(history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('accepted'), order(2, 1, decidedAt))).when(close()).thenRefuses('TRANCHES_ORDERED_UNPAID', { trancheNos: [2], unpaidFen: 1 });
    });

    it('does not close while money is ordered but only partly paid (the 8,000,000 of 10,000,000 case), in both languages', () => {
      const partly = history(awardGrant(), sign(), order(1, 10_000_000), pay(1, 8_000_000, signedAt, 'TRE-8M'), requestAcceptance(), decide('accepted'));
      const error = spec.given(partly).when(close([{ trancheNo: 2, reason: '企业书面放弃剩余资金' }])).thenRefuses('TRANCHES_ORDERED_UNPAID', {
        trancheNos: [1],
        unpaidFen: 2_000_000,
        tranches: [{ trancheNo: 1, orderedFen: 10_000_000, paidFen: 8_000_000, unpaidFen: 2_000_000 }],
      });
      expect(error.text.zh).toContain('20,000.00 元');
      expect(error.text.en).toContain('CNY 20,000.00');
      const paid = extend(partly, pay(1, 2_000_000, decidedAt, 'TRE-2M'));
      spec.given(paid).when(close([{ trancheNo: 2, reason: '企业书面放弃剩余资金' }])).thenMatches([{ type: 'GrantClosed', data: { outcome: 'accepted' } }]);
    });

    it('closes with an unordered tranche declared not due, with a reason', () => {
      spec.given(ACCEPTED).when(close([{ trancheNo: 2, reason: '企业书面放弃剩余资金' }])).thenMatches([{ type: 'GrantClosed', data: { tranchesNotDue: [{ trancheNo: 2, reason: '企业书面放弃剩余资金' }] } }]);
      spec.given(ACCEPTED).when(close([{ trancheNo: 2, reason: '' }])).thenRefuses('TRANCHE_NOT_DUE_REASON_REQUIRED');
      spec.given(ACCEPTED).when(close([{ trancheNo: 1, reason: '已拨付' }])).thenRefuses('TRANCHE_NOT_DUE_INVALID', { trancheNo: 1 });
      spec.given(ACCEPTED).when(close([{ trancheNo: 7, reason: '?' }])).thenRefuses('TRANCHE_NOT_FOUND');
    });

    it('does not close while a clawback is outstanding', () => {
      const withClawback = extend(secondPaid, clawback(1_000));
      spec.given(withClawback).when(close()).thenRefuses('CLAWBACKS_OUTSTANDING', { clawbackIds: ['cb-1'] });
    });
  });

  describe('failed', () => {
    it('refuses every further tranche order', () => {
      spec.given(FAILED).when(order(2, undefined, decidedAt)).thenRefuses('GRANT_STATUS_CONFLICT', { status: 'failed' });
    });

    it('claws back what was paid, and closes once the clawback is repaid', () => {
      const ordered = extend(FAILED, clawback(25_000_000));
      spec.given(ordered).when(close()).thenRefuses('CLAWBACKS_OUTSTANDING', { clawbackIds: ['cb-1'] });
      const repaid = extend(ordered, repay(25_000_000));
      spec.given(repaid).when(close()).thenMatches([{ type: 'GrantClosed', data: { outcome: 'failed', tranchesNotDue: [] } }]);
    });

    it('closes with nothing clawed back (at the bureau’s discretion, 视情况)', () => {
      spec.given(FAILED).when(close()).thenMatches([{ type: 'GrantClosed', data: { outcome: 'failed' } }]);
    });

    it('does not close while an ordered tranche awaits payment confirmation', () => {
      const events = history(awardGrant(), sign(), order(1), requestAcceptance(), decide('failed', verdicts(false)));
      spec.given(events).when(close()).thenRefuses('TRANCHES_ORDERED_UNPAID', { trancheNos: [1], unpaidFen: 25_000_000 });
      spec.given(events).when(pay(1, 25_000_000, decidedAt)).thenMatches([{ type: 'TranchePaid' }, { type: 'TranchePaidInFull' }]);
    });

    it('closes once the unpaid release order is cancelled (the order the failed project no longer warrants)', () => {
      const events = history(awardGrant(), sign(), order(1), requestAcceptance(), decide('failed', verdicts(false)));
      const cancelled = extend(events, cancelOrder(1, '验收不通过，不再拨付', decidedAt));
      spec.given(cancelled).when(close()).thenMatches([{ type: 'GrantClosed', data: { outcome: 'failed' } }]);
      expect(moneyOf(stateOf(cancelled))).toMatchObject({ orderedFen: 0, paidFen: 0, unpaidOrderedFen: 0 });
    });

    it('does not close while a failed grant’s order is partly paid', () => {
      const events = history(awardGrant(), sign(), order(1), pay(1, 5_000_000), requestAcceptance(), decide('failed', verdicts(false)));
      spec.given(events).when(close()).thenRefuses('TRANCHES_ORDERED_UNPAID', { trancheNos: [1], unpaidFen: 20_000_000 });
      spec.given(events).when(cancelOrder(1, '验收不通过', decidedAt)).thenRefuses('TRANCHE_CANCEL_AFTER_PAYMENT');
    });
  });

  describe('with a clawback ordered', () => {
    const ordered = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('failed', verdicts(false)), clawback(10_000_000));
    const dueEnd = new Date('2026-12-31T15:59:59Z');
    const dayAfter = new Date('2026-12-31T16:00:00Z');

    it('records partial repayments', () => {
      spec.given(ordered).when(repay(4_000_000)).then([
        { type: 'RepaymentRecorded', data: { grantId, clawbackId: 'cb-1', repaymentId: 'rp-1', amountFen: 4_000_000, reference: 'BANK-1', valueDate: '2026-11-20', recordedAt: iso(decidedAt) } },
      ]);
    });

    it('is settled by the repayment of the last fen', () => {
      const partly = extend(ordered, repay(9_999_999));
      spec.given(partly).when(repay(1, 'rp-2', 'cb-1', decidedAt, 'BANK-2')).then([
        { type: 'RepaymentRecorded', data: { grantId, clawbackId: 'cb-1', repaymentId: 'rp-2', amountFen: 1, reference: 'BANK-2', valueDate: '2026-11-20', recordedAt: iso(decidedAt) } },
        { type: 'ClawbackSettled', data: { grantId, clawbackId: 'cb-1', repaidFen: 10_000_000, settledAt: iso(decidedAt) } },
      ]);
    });

    it('records a bank reference once: the same repayment sent twice without a key is refused the second time', () => {
      const partly = extend(ordered, repay(1_000_000));
      spec.given(partly).when(repay(1_000_000, 'rp-2')).thenRefuses('REPAYMENT_REFERENCE_ALREADY_RECORDED', { reference: 'BANK-1', clawbackId: 'cb-1' });
    });

    it('refuses the same recovery decision twice while it is outstanding (a double submission), not a different one', () => {
      spec.given(ordered).when(clawback(10_000_000, 'cb-2')).thenRefuses('CLAWBACK_DUPLICATE', { clawbackId: 'cb-1' });
    });

    it('refuses a repayment beyond what is outstanding', () => {
      const partly = extend(ordered, repay(9_999_999));
      spec.given(partly).when(repay(2, 'rp-2')).thenRefuses('REPAYMENT_EXCEEDS_OUTSTANDING', { clawbackId: 'cb-1', outstandingFen: 1 });
    });

    it('records a repayment once', () => {
      const partly = extend(ordered, repay(1));
      spec.given(partly).when(repay(1)).thenRefuses('REPAYMENT_ALREADY_RECORDED', { repaymentId: 'rp-1' });
    });

    it('refuses a repayment without a reference or for an unknown clawback', () => {
      spec.given(ordered).when(repay(1, 'rp-1', 'cb-1', decidedAt, '')).thenRefuses('PAYMENT_REFERENCE_REQUIRED');
      spec.given(ordered).when(repay(1, 'rp-1', 'cb-x')).thenRefuses('CLAWBACK_NOT_FOUND', { clawbackId: 'cb-x' });
    });

    it('is not overdue until its due date has ended in Shanghai', () => {
      spec.given(ordered).when(markOverdue(dueEnd)).thenRefuses('CLAWBACK_NOT_DUE', { dueDate: '2026-12-31' });
      expect(overdueClawbacks(stateOf(ordered), dueEnd)).toEqual([]);
    });

    it('becomes overdue the day after its due date', () => {
      spec.given(ordered).when(markOverdue(dayAfter)).then([
        { type: 'ClawbackOverdue', data: { grantId, clawbackId: 'cb-1', dueDate: '2026-12-31', outstandingFen: 10_000_000, markedAt: iso(dayAfter) } },
      ]);
      expect(overdueClawbacks(stateOf(ordered), dayAfter)).toEqual(['cb-1']);
    });

    it('writes off what is outstanding, with a reason', () => {
      const partly = extend(ordered, repay(3_000_000));
      spec.given(partly).when(writeOff()).then([
        { type: 'ClawbackWrittenOff', data: { grantId, clawbackId: 'cb-1', amountFen: 7_000_000, reason: '企业已注销，无法追回', writtenOffAt: iso(decidedAt) } },
      ]);
      spec.given(partly).when(writeOff('')).thenRefuses('WRITE_OFF_REASON_REQUIRED');
    });

    describe('overdue', () => {
      const overdue = extend(ordered, markOverdue(dayAfter));

      it('is marked once: marking again appends nothing', () => {
        spec.given(overdue).when(markOverdue(new Date('2027-01-05T00:00:00Z'))).then([]);
        expect(overdueClawbacks(stateOf(overdue), dayAfter)).toEqual([]);
      });

      it('is still repaid and settled', () => {
        spec.given(overdue).when(repay(10_000_000, 'rp-1', 'cb-1', dayAfter)).thenMatches([{ type: 'RepaymentRecorded' }, { type: 'ClawbackSettled' }]);
      });
    });

    describe('settled', () => {
      const repaid = extend(ordered, repay(10_000_000));
      const writtenOff = extend(ordered, writeOff());

      it.each<[string, GrantEvent[]]>([
        ['repaid', repaid],
        ['written off', writtenOff],
      ])('once %s takes no repayment, overdue mark or write-off', (_, events) => {
        spec.given(events).when(repay(1, 'rp-9')).thenRefuses('CLAWBACK_NOT_OPEN', { clawbackId: 'cb-1' });
        spec.given(events).when(markOverdue(dayAfter)).thenRefuses('CLAWBACK_NOT_OPEN');
        spec.given(events).when(writeOff()).thenRefuses('CLAWBACK_NOT_OPEN');
        expect(overdueClawbacks(stateOf(events), dayAfter)).toEqual([]);
      });
    });
  });

  describe('closed', () => {
    const closed = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('failed', verdicts(false)), close());

    it.each<[string, GrantCommand]>([
      ['order a tranche', order(2, undefined, decidedAt)],
      ['confirm a payment', pay(1, 1)],
      ['cancel a release order', cancelOrder(1)],
      ['order a clawback', clawback(1)],
      ['record a repayment', repay(1)],
      ['mark a clawback overdue', markOverdue(decidedAt)],
      ['write a clawback off', writeOff()],
      ['close again', close()],
      ['decide acceptance', decide('accepted')],
    ])('cannot %s', (_, command) => {
      spec.given(closed).when(command).thenRefuses('GRANT_STATUS_CONFLICT', { status: 'closed' });
    });
  });

  describe('money', () => {
    it('sums ordered, paid, clawed back, repaid and written off in fen', () => {
      const events = history(
        awardGrant({ awardFen: 1_000_001 }),
        sign(),
        order(1),
        pay(1, 500_000),
        requestAcceptance(),
        decide('failed', verdicts(false)),
        clawback(300_000),
        repay(100_000),
        writeOff(),
        clawback(200_000, 'cb-2'),
      );
      expect(moneyOf(stateOf(events))).toEqual({
        awardFen: 1_000_001,
        orderedFen: 500_000,
        paidFen: 500_000,
        clawbackOrderedFen: 500_000,
        repaidFen: 100_000,
        writtenOffFen: 200_000,
        unorderedFen: 500_001,
        unpaidOrderedFen: 0,
        clawbackOutstandingFen: 200_000,
        netDisbursedFen: 400_000,
        tranches: [
          { trancheNo: 1, trigger: 'award', status: 'paid', plannedFen: 500_000, orderedFen: 500_000, paidFen: 500_000, unpaidFen: 0 },
          { trancheNo: 2, trigger: 'acceptance-passed', status: 'planned', plannedFen: 500_001, orderedFen: 0, paidFen: 0, unpaidFen: 0 },
        ],
        clawbacks: [
          { clawbackId: 'cb-1', status: 'written-off', amountFen: 300_000, repaidFen: 100_000, writtenOffFen: 200_000, outstandingFen: 0 },
          { clawbackId: 'cb-2', status: 'open', amountFen: 200_000, repaidFen: 0, writtenOffFen: 0, outstandingFen: 200_000 },
        ],
      });
    });

    it('is all zero before award', () => {
      expect(moneyOf(grantDecider.initialState())).toMatchObject({ awardFen: 0, orderedFen: 0, paidFen: 0, tranches: [], clawbacks: [] });
    });
  });

  describe('stream and id', () => {
    it('derives one grant id per application, deterministically', () => {
      expect(grantIdFor(applicationId)).toBe(grantId);
      expect(grantId).toMatch(UUID_PATTERN);
      expect(grantId[14]).toBe('5');
      expect(grantIdFor('0190a4b2-0000-7000-8000-0000000000a2')).not.toBe(grantId);
      expect(grantStream(grantId)).toBe(`grant-${grantId}`);
    });

    it('registers every event type the decider emits at version 1', () => {
      const emitted = new Set(
        [
          ...history(awardGrant(), sign(), order(1), pay(1, 25_000_000), inspect(), evaluate(10, 60, 'failed'), requestAcceptance(), decide('failed', verdicts(false)), clawback(2), repay(1)),
          ...history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('failed', verdicts(false)), clawback(2), repay(2), clawback(1, 'cb-2'), markOverdue(new Date('2027-01-01T00:00:00Z'), 'cb-2'), writeOff(undefined, 'cb-2'), close()),
          ...history(awardGrant(), sign(), order(1), cancelOrder(1)),
          ...history(awardGrant({ credit: standing([DISHONESTY]) }), sign(), { type: 'DecideSuspension', decision: 'continue', reason: '继续执行', clawback: null, now: signedAt }),
        ].map((e) => e.type),
      );
      expect([...emitted].sort()).toEqual(Object.keys(GRANT_EVENTS).sort());
      expect(Object.values(GRANT_EVENTS).every((schema) => schema.version === 1)).toBe(true);
    });
  });
});
