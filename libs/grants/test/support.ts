import { fold } from '@ipstd/kernel';
import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import {
  AcceptanceResult,
  AwardGrant,
  GrantCommand,
  GrantEvent,
  GrantState,
  InspectionResult,
  TargetProgress,
  grantDecider,
  grantIdFor,
  grantTargetsFrom,
  CreditNotice,
  CreditStanding,
  clearStanding,
} from '../src';

export const applicationId = '0190a4b2-0000-7000-8000-0000000000a1';
export const programmeId = '0190a4b2-0000-7000-8000-000000000001';
export const grantId = grantIdFor(applicationId);

/** 2025-01-10 10:00 in Shanghai. With 24 months and a 3-month lead: ends 2027-01-10 10:00, last request 2026-10-10 10:00. */
export const awardedAt = new Date('2025-01-10T02:00:00Z');
export const signedAt = new Date('2025-01-20T02:00:00Z');
export const midTerm = new Date('2026-01-15T02:00:00Z');
export const beforeDeadline = new Date('2026-09-01T02:00:00Z');
export const decidedAt = new Date('2026-11-20T02:00:00Z');

export const suzhouRuleSet = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd' && r.version === 1)!;
export const TARGETS = grantTargetsFrom(suzhouRuleSet);
export const TARGET_IDS = TARGETS.map((t) => t.id);
/** Every Suzhou target but SZ24-T8, which is checked at acceptance only (四(二)8). */
export const MID_TERM_IDS = TARGET_IDS.filter((id) => id !== 'SZ24-T8');

export const enterprise = { creditCode: '91320505MA1MXXXXX0', name: '苏州某某光电科技有限公司', district: '320505' };

/** The enterprise's credit facts: nothing adverse unless notices are given. */
export const standing = (adverse: readonly CreditNotice[] = [], at: Date = awardedAt): CreditStanding =>
  adverse.length ? { creditCode: enterprise.creditCode, checkedAt: at.toISOString(), adverse } : clearStanding(enterprise.creditCode, at);
export const DISHONESTY: CreditNotice = { fact: 'serious-dishonesty', source: 'credit-china', reference: 'SX-2025-001', observedAt: '2025-02-01T02:00:00.000Z' };
export const PATENT_NOTICE: CreditNotice = { fact: 'abnormal-patent-application', source: 'cnipa', reference: 'FZC-2025-009', observedAt: '2025-02-03T02:00:00.000Z' };

export function awardGrant(overrides: Partial<Omit<AwardGrant, 'type'>> = {}): AwardGrant {
  return {
    type: 'AwardGrant',
    grantId,
    applicationId,
    programmeId,
    enterprise,
    awardFen: 50_000_000,
    tranchePlan: [
      { percent: 50, trigger: 'award' },
      { percent: 50, trigger: 'acceptance-passed' },
    ],
    implementationMonths: 24,
    acceptanceLeadMonths: 3,
    targets: TARGETS,
    credit: standing(),
    now: awardedAt,
    ...overrides,
  };
}

export const sign = (now = signedAt): GrantCommand => ({ type: 'SignAgreement', now });
export const order = (trancheNo: number, amountFen?: number, now = signedAt, orderNo = `SZ-ORD-${trancheNo}`): GrantCommand => ({
  type: 'OrderTrancheRelease',
  trancheNo,
  amountFen,
  orderNo,
  credit: standing([], now),
  now,
});
export const pay = (trancheNo: number, amountFen: number, now = signedAt, reference = `TREAS-${trancheNo}`, valueDate = now.toISOString().slice(0, 10)): GrantCommand => ({
  type: 'ConfirmTranchePayment',
  trancheNo,
  amountFen,
  reference,
  valueDate,
  credit: standing([], now),
  now,
});
export const cancelOrder = (trancheNo: number, reason = '拨付令金额有误，撤销后重新下达', now = signedAt): GrantCommand => ({ type: 'CancelTrancheRelease', trancheNo, reason, now });
export const results = (status: TargetProgress, ids: readonly string[] = MID_TERM_IDS): InspectionResult[] => ids.map((targetId) => ({ targetId, status, findings: '按计划推进' }));
export const inspect = (inspectionResults: readonly InspectionResult[] = results('on-track'), inspectionId = 'insp-1', now = midTerm): GrantCommand => ({
  type: 'RecordMidTermInspection',
  inspectionId,
  results: inspectionResults,
  now,
});
export const requestAcceptance = (now = beforeDeadline): GrantCommand => ({ type: 'RequestAcceptance', now });
export const verdicts = (met: boolean | ((id: string) => boolean) = true, ids: readonly string[] = TARGET_IDS): AcceptanceResult[] =>
  ids.map((targetId) => ({ targetId, met: typeof met === 'function' ? met(targetId) : met, note: '' }));
export const decide = (decision: 'accepted' | 'failed', acceptanceResults = verdicts(decision === 'accepted'), reason = '', now = decidedAt): GrantCommand => ({
  type: 'DecideAcceptance',
  results: acceptanceResults,
  decision,
  reason,
  now,
});
export const evaluate = (score: number, passMark = 60, outcome: 'passed' | 'failed' = score >= passMark ? 'passed' : 'failed', now = midTerm): GrantCommand => ({
  type: 'RecordEvaluation',
  outcome,
  score,
  passMark,
  now,
});
export const clawback = (amountFen: number, clawbackId = 'cb-1', dueDate = '2026-12-31', now = decidedAt, reason = '未按期完成合同内容'): GrantCommand => ({
  type: 'OrderClawback',
  clawbackId,
  amountFen,
  reason,
  dueDate,
  now,
});
export const repay = (amountFen: number, repaymentId = 'rp-1', clawbackId = 'cb-1', now = decidedAt, reference = 'BANK-1', valueDate = now.toISOString().slice(0, 10)): GrantCommand => ({
  type: 'RecordRepayment',
  clawbackId,
  repaymentId,
  amountFen,
  reference,
  valueDate,
  now,
});
export const markOverdue = (now: Date, clawbackId = 'cb-1'): GrantCommand => ({ type: 'MarkClawbackOverdue', clawbackId, now });
export const writeOff = (reason = '企业已注销，无法追回', clawbackId = 'cb-1', now = decidedAt): GrantCommand => ({ type: 'WriteOffClawback', clawbackId, reason, now });
export const close = (tranchesNotDue?: Array<{ trancheNo: number; reason: string }>, now = new Date('2027-02-01T02:00:00Z')): GrantCommand => ({
  type: 'CloseGrant',
  tranchesNotDue,
  now,
});

/** The events the decider produces for a sequence of accepted commands (throws if one is refused). */
export const history = (...commands: GrantCommand[]): GrantEvent[] => extend([], ...commands);

/** `events` followed by what the decider produces for further commands. */
export const extend = (events: readonly GrantEvent[], ...commands: GrantCommand[]): GrantEvent[] => {
  const all = [...events];
  for (const command of commands) all.push(...grantDecider.decide(command, fold(grantDecider, all)));
  return all;
};

export const stateOf = (events: readonly GrantEvent[]): GrantState => fold(grantDecider, events);

/** The standard Suzhou path: award 50 % on award, 50 % on acceptance. */
export const AWARDED = history(awardGrant());
export const IN_IMPLEMENTATION = history(awardGrant(), sign());
/** First tranche (25 000 000 fen) ordered and paid. */
export const FIRST_PAID = history(awardGrant(), sign(), order(1), pay(1, 25_000_000));
export const ACCEPTANCE_REQUESTED = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance());
export const ACCEPTED = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('accepted'));
export const FAILED = history(awardGrant(), sign(), order(1), pay(1, 25_000_000), requestAcceptance(), decide('failed', verdicts(false)));
