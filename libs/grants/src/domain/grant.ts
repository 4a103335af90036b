import { BilingualText, Decider, DomainError, addMonthsShanghai, assertNever, shanghaiDate } from '@ipstd/kernel';
import { InspectionStage } from '@ipstd/funding-rules';
import {
  AcceptanceDecision,
  AcceptanceResult,
  EvaluationIndexResult,
  EvaluationOutcome,
  GrantEnterprise,
  GrantEvent,
  GrantTarget,
  InspectionOutcome,
  InspectionResult,
  TRANCHE_TRIGGERS,
  TrancheNotDue,
  TrancheTrigger,
} from './events';
import { CreditNotice, CreditStanding, describeNotice, noticeKey } from './credit';
import { amountInvalid, dateInvalid, describeInstant, grantNotFound, statusConflict, textRequired, timeInvalid } from './errors';
import { fenText, isPositiveFen, splitAward } from './money';
import { ActiveGrant, ClawbackState, GrantState, GrantStatus, TrancheState, evolveGrant, isOutstanding, isPastDue, knownNotices, outstandingFen, unpaidFen } from './state';

/** Implementation period limit: 实施期原则上不超过2年 (004_39c6efd61937e065.txt 五(三)). */
export const MAX_IMPLEMENTATION_MONTHS = 24;

export interface AwardGrant {
  readonly type: 'AwardGrant';
  readonly grantId: string;
  readonly applicationId: string;
  readonly programmeId: string;
  readonly enterprise: GrantEnterprise;
  readonly awardFen: number;
  /** Whole percentages adding up to 100, in release order. */
  readonly tranchePlan: ReadonlyArray<{ readonly percent: number; readonly trigger: TrancheTrigger }>;
  readonly implementationMonths: number;
  readonly acceptanceLeadMonths: number;
  /** Copied from the programme's pinned rule set (see `grantTargetsFrom`). */
  readonly targets: readonly GrantTarget[];
  /** The enterprise's latest credit facts: an adverse one awards the grant suspended. */
  readonly credit: CreditStanding;
  readonly now: Date;
}

export interface SignAgreement {
  readonly type: 'SignAgreement';
  readonly now: Date;
}

/** The bureau orders a tranche released (下达项目经费). Without `amountFen` the planned amount is ordered. */
export interface OrderTrancheRelease {
  readonly type: 'OrderTrancheRelease';
  readonly trancheNo: number;
  readonly amountFen?: number;
  readonly orderNo: string;
  /** The enterprise's latest credit facts (credit gate). */
  readonly credit: CreditStanding;
  readonly now: Date;
}

/**
 * Finance confirms a payment against an ordered tranche, with the treasury or bank reference. A tranche order may
 * be paid in several confirmations, each with its own reference and value date, until they add up to the order.
 */
export interface ConfirmTranchePayment {
  readonly type: 'ConfirmTranchePayment';
  readonly trancheNo: number;
  readonly reference: string;
  /** YYYY-MM-DD */
  readonly valueDate: string;
  readonly amountFen: number;
  /** The enterprise's latest credit facts (credit gate). */
  readonly credit: CreditStanding;
  readonly now: Date;
}

/**
 * A credit record or notice arrived after the award (the credit watch): the grant is suspended for each
 * adverse notice it has not seen; notices it knows change nothing, so a redelivery decides nothing.
 */
export interface SuspendGrant {
  readonly type: 'SuspendGrant';
  readonly credit: CreditStanding;
  readonly now: Date;
}

/**
 * The bureau decides on a suspended grant, with a reason: `continue` lifts the suspension, `claw-back`
 * ends it by ordering money back through the clawback rules (`OrderClawback`).
 */
export interface DecideSuspension {
  readonly type: 'DecideSuspension';
  readonly decision: 'continue' | 'claw-back';
  readonly reason: string;
  /** Required with `claw-back`. */
  readonly clawback: { readonly clawbackId: string; readonly amountFen: number; readonly dueDate: string } | null;
  readonly now: Date;
}

/** The bureau cancels a release order nothing has been paid against (撤销拨付令), with a reason. */
export interface CancelTrancheRelease {
  readonly type: 'CancelTrancheRelease';
  readonly trancheNo: number;
  readonly reason: string;
  readonly now: Date;
}

export interface RecordMidTermInspection {
  readonly type: 'RecordMidTermInspection';
  readonly inspectionId: string;
  readonly results: readonly InspectionResult[];
  readonly now: Date;
}

export interface RequestAcceptance {
  readonly type: 'RequestAcceptance';
  readonly now: Date;
}

export interface DecideAcceptance {
  readonly type: 'DecideAcceptance';
  readonly results: readonly AcceptanceResult[];
  readonly decision: AcceptanceDecision;
  readonly reason: string;
  readonly now: Date;
}

/** Rizhao pilot: an evaluation against the evaluation index system (002_2717c857cd88b5c5.txt 三(一)3, 五(三)). */
export interface RecordEvaluation {
  readonly type: 'RecordEvaluation';
  readonly outcome: EvaluationOutcome;
  readonly score: number;
  readonly passMark: number;
  /** The evaluation index result the score came from (Rizhao: 002_2717c857cd88b5c5.txt 三(一)3). */
  readonly index?: EvaluationIndexResult | null;
  readonly now: Date;
}

export interface OrderClawback {
  readonly type: 'OrderClawback';
  readonly clawbackId: string;
  readonly amountFen: number;
  readonly reason: string;
  /** YYYY-MM-DD, Asia/Shanghai */
  readonly dueDate: string;
  readonly now: Date;
}

export interface RecordRepayment {
  readonly type: 'RecordRepayment';
  readonly clawbackId: string;
  readonly repaymentId: string;
  readonly amountFen: number;
  readonly reference: string;
  /** YYYY-MM-DD */
  readonly valueDate: string;
  readonly now: Date;
}

export interface MarkClawbackOverdue {
  readonly type: 'MarkClawbackOverdue';
  readonly clawbackId: string;
  readonly now: Date;
}

export interface WriteOffClawback {
  readonly type: 'WriteOffClawback';
  readonly clawbackId: string;
  readonly reason: string;
  readonly now: Date;
}

export interface CloseGrant {
  readonly type: 'CloseGrant';
  /** Unordered tranches the bureau declares not due, each with a reason (needed to close an accepted grant with unpaid tranches). */
  readonly tranchesNotDue?: readonly TrancheNotDue[];
  readonly now: Date;
}

export type GrantCommand =
  | AwardGrant
  | SignAgreement
  | OrderTrancheRelease
  | ConfirmTranchePayment
  | CancelTrancheRelease
  | RecordMidTermInspection
  | RequestAcceptance
  | DecideAcceptance
  | RecordEvaluation
  | OrderClawback
  | RecordRepayment
  | MarkClawbackOverdue
  | WriteOffClawback
  | SuspendGrant
  | DecideSuspension
  | CloseGrant;

const LIVE: readonly GrantStatus[] = ['awarded', 'in-implementation', 'acceptance-requested', 'accepted', 'failed'];

const ACTION = {
  sign: { zh: '签订合同', en: 'signing the agreement' },
  order: { zh: '下达拨付', en: 'ordering a tranche release' },
  pay: { zh: '确认拨付', en: 'confirming a payment' },
  cancel: { zh: '撤销拨付令', en: 'cancelling a release order' },
  inspect: { zh: '记录中期检查', en: 'recording a mid-term inspection' },
  request: { zh: '申请验收', en: 'requesting acceptance' },
  decide: { zh: '作出验收结论', en: 'deciding acceptance' },
  evaluate: { zh: '记录评估结果', en: 'recording an evaluation' },
  clawback: { zh: '收回项目资金', en: 'ordering a clawback' },
  repay: { zh: '登记退回资金', en: 'recording a repayment' },
  overdue: { zh: '标记逾期', en: 'marking a clawback overdue' },
  writeOff: { zh: '核销', en: 'writing a clawback off' },
  close: { zh: '结项', en: 'closing the grant' },
  suspend: { zh: '暂停拨付', en: 'suspending the grant' },
  decideSuspension: { zh: '对暂停拨付作出决定', en: 'deciding on a suspension' },
} as const satisfies Record<string, BilingualText>;

function requireStatus(state: GrantState, allowed: readonly GrantStatus[], action: BilingualText): ActiveGrant {
  if (state.status === 'none') throw grantNotFound();
  if (!allowed.includes(state.status)) throw statusConflict(state.status, action);
  return state;
}

function requireFen(value: unknown, field: string): number {
  if (!isPositiveFen(value)) throw amountInvalid(field);
  return value;
}

function requireText(value: unknown, code: string, field: string, label: BilingualText): string {
  if (typeof value !== 'string' || value.trim() === '') throw textRequired(code, field, label);
  return value;
}

function requireDate(value: unknown, field: string): string {
  const match = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match) throw dateInvalid(field);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw dateInvalid(field);
  return value as string;
}

/** A value date (起息日) of money that moved: a valid date, not after today in Asia/Shanghai. */
function requirePastValueDate(value: unknown, now: Date): string {
  const valueDate = requireDate(value, 'valueDate');
  const today = shanghaiDate(now);
  if (valueDate > today) {
    throw new DomainError(
      'VALUE_DATE_IN_FUTURE',
      'rule',
      { zh: `起息日 ${valueDate} 晚于今天（${today}，北京时间），资金尚未到账不能确认`, en: `The value date ${valueDate} is after today (${today}, Asia/Shanghai): money cannot be confirmed before it moves` },
      { field: 'valueDate', valueDate, today },
    );
  }
  return valueDate;
}

function requireTranche(grant: ActiveGrant, trancheNo: number): TrancheState {
  const tranche = grant.tranches.find((t) => t.trancheNo === trancheNo);
  if (!tranche) {
    throw new DomainError(
      'TRANCHE_NOT_FOUND',
      'not-found',
      { zh: `第 ${trancheNo} 批次不存在（共 ${grant.tranches.length} 批）`, en: `No tranche ${trancheNo}: the plan has ${grant.tranches.length}` },
      { trancheNo, tranches: grant.tranches.length },
    );
  }
  return tranche;
}

function requireClawback(grant: ActiveGrant, clawbackId: string): ClawbackState {
  const clawback = grant.clawbacks.find((c) => c.clawbackId === clawbackId);
  if (!clawback) throw new DomainError('CLAWBACK_NOT_FOUND', 'not-found', { zh: '收回决定不存在', en: 'No such clawback' }, { clawbackId });
  return clawback;
}

const CLAWBACK_STATUS_TEXT: Record<ClawbackState['status'], BilingualText> = {
  open: { zh: '待退回', en: 'open' },
  overdue: { zh: '已逾期', en: 'overdue' },
  repaid: { zh: '已全额退回', en: 'repaid' },
  'written-off': { zh: '已核销', en: 'written off' },
};

function requireOutstanding(clawback: ClawbackState, action: BilingualText): ClawbackState {
  if (isOutstanding(clawback)) return clawback;
  const status = CLAWBACK_STATUS_TEXT[clawback.status];
  throw new DomainError(
    'CLAWBACK_NOT_OPEN',
    'state',
    { zh: `该收回决定${status.zh}，不能${action.zh}`, en: `The clawback is ${status.en}; ${action.en} is not possible` },
    { clawbackId: clawback.clawbackId, status: clawback.status },
  );
}

const TRIGGER_TEXT: Record<TrancheTrigger, BilingualText> = {
  award: { zh: '立项', en: 'award' },
  'mid-term-passed': { zh: '中期检查通过', en: 'a passed mid-term inspection' },
  'acceptance-passed': { zh: '验收通过', en: 'a passed acceptance' },
  'evaluation-passed': { zh: '评估合格', en: 'a passed evaluation' },
};

/** Whether the event a tranche waits for has happened (DOMAIN.md §3: award, mid-term passed, acceptance passed, evaluation passed). */
export function triggerMet(grant: ActiveGrant, trigger: TrancheTrigger): boolean {
  switch (trigger) {
    case 'award':
      return true;
    case 'mid-term-passed':
      return grant.inspections.some((i) => i.outcome === 'passed');
    case 'acceptance-passed':
      return grant.acceptance?.decision === 'accepted';
    case 'evaluation-passed':
      return grant.evaluations.some((e) => e.outcome === 'passed');
    default:
      return assertNever(trigger);
  }
}

/** Targets checked at a stage: those listing it, and those listing no stage at all. */
export const targetsDueAt = (targets: readonly GrantTarget[], stage: InspectionStage): GrantTarget[] =>
  targets.filter((t) => t.stages === undefined || t.stages.includes(stage));

/** The last instant an acceptance request is accepted: the end of the implementation period less the lead time (004_39c6efd61937e065.txt 五(三)). */
export const lastAcceptanceRequestAt = (grant: Pick<ActiveGrant, 'implementation' | 'acceptanceLeadMonths'>): Date =>
  addMonthsShanghai(grant.implementation.endsAt, -grant.acceptanceLeadMonths);

function checkCoverage(prefix: 'INSPECTION' | 'ACCEPTANCE', grant: ActiveGrant, stage: InspectionStage, targetIds: readonly string[]): void {
  const what: BilingualText = prefix === 'INSPECTION' ? { zh: '中期检查', en: 'the mid-term inspection' } : { zh: '验收', en: 'the acceptance decision' };
  const known = new Set(grant.targets.map((t) => t.id));
  const unknown = targetIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new DomainError(
      `${prefix}_UNKNOWN_TARGET`,
      'rule',
      { zh: `${what.zh}结果包含本项目没有的绩效目标：${unknown.join('、')}`, en: `Results for ${what.en} name targets this grant does not have: ${unknown.join(', ')}` },
      { unknown },
    );
  }
  const duplicates = [...new Set(targetIds.filter((id, i) => targetIds.indexOf(id) !== i))];
  if (duplicates.length > 0) {
    throw new DomainError(
      `${prefix}_DUPLICATE_TARGET`,
      'rule',
      { zh: `${what.zh}结果对同一绩效目标给出多次：${duplicates.join('、')}`, en: `Results for ${what.en} name a target more than once: ${duplicates.join(', ')}` },
      { duplicates },
    );
  }
  const given = new Set(targetIds);
  const missing = targetsDueAt(grant.targets, stage).map((t) => t.id).filter((id) => !given.has(id));
  if (missing.length > 0) {
    throw new DomainError(
      `${prefix}_INCOMPLETE`,
      'rule',
      { zh: `${what.zh}缺少以下绩效目标的结果：${missing.join('、')}`, en: `${what.en} lacks a result for: ${missing.join(', ')}` },
      { missing },
    );
  }
}

function requireStandingOf(credit: CreditStanding, creditCode: string): CreditStanding {
  if (!credit || credit.creditCode !== creditCode || !Array.isArray(credit.adverse)) {
    throw new DomainError(
      'CREDIT_STANDING_MISMATCH',
      'rule',
      { zh: '信用信息与项目单位不符', en: "The credit facts given are not the grant enterprise's" },
      { creditCode },
    );
  }
  return credit;
}

/**
 * The credit gate of every money movement (release order, payment confirmation): refused while the grant
 * is suspended, and refused when the enterprise's latest facts hold an adverse notice the bureau has not
 * decided on (the credit watch suspends the grant for it shortly).
 */
function requireCreditClear(grant: ActiveGrant, credit: CreditStanding, action: BilingualText): void {
  const suspension = grant.suspension ?? null;
  if (suspension) {
    const notices = suspension.notices.map(describeNotice);
    throw new DomainError(
      'GRANT_SUSPENDED',
      'state',
      {
        zh: `项目因${notices.map((n) => n.zh).join('、')}自 ${describeInstant(suspension.suspendedAt).zh}起暂停拨付，待市局决定继续执行或收回资金后方可${action.zh}`,
        en: `The grant is suspended since ${describeInstant(suspension.suspendedAt).en} because of ${notices.map((n) => n.en).join(', ')}; ${action.en} waits for the bureau to decide to continue or to claw back`,
      },
      { suspendedAt: suspension.suspendedAt, notices: suspension.notices },
    );
  }
  const decided = new Set(grant.creditDecided ?? []);
  const standing = requireStandingOf(credit, grant.enterprise.creditCode).adverse.filter((n) => !decided.has(noticeKey(n)));
  if (standing.length > 0) {
    const notices = standing.map(describeNotice);
    throw new DomainError(
      'CREDIT_RECORD_ADVERSE',
      'state',
      {
        zh: `项目单位现有${notices.map((n) => n.zh).join('、')}，不能${action.zh}（信用审查，004_39c6efd61937e065.txt 三(五)）`,
        en: `The enterprise has ${notices.map((n) => n.en).join(', ')}; ${action.en} is not possible (credit review)`,
      },
      { notices: standing, checkedAt: credit.checkedAt },
    );
  }
}

function suspensionsFor(grant: { grantId: string; enterprise: GrantEnterprise }, notices: readonly CreditNotice[], stage: 'award' | 'after-award', now: Date): GrantEvent[] {
  return notices.map((notice) => {
    const text = describeNotice(notice);
    return {
      type: 'GrantSuspended',
      data: {
        grantId: grant.grantId,
        creditCode: grant.enterprise.creditCode,
        notice: { ...notice },
        stage,
        reason:
          stage === 'award'
            ? { zh: `立项时项目单位存在${text.zh}，拨付暂停`, en: `The enterprise had ${text.en} at award; releases are suspended` }
            : { zh: `立项后收到${text.zh}，拨付暂停`, en: `${text.en} arrived after the award; releases are suspended` },
        suspendedAt: now.toISOString(),
      },
    };
  });
}

function suspend(command: SuspendGrant, state: GrantState): GrantEvent[] {
  if (state.status === 'none') throw grantNotFound();
  // A closed grant moves no more money: nothing to stop.
  if (state.status === 'closed') return [];
  const known = knownNotices(state);
  const fresh = requireStandingOf(command.credit, state.enterprise.creditCode).adverse.filter((n) => !known.has(noticeKey(n)));
  return suspensionsFor(state, fresh, 'after-award', command.now);
}

function decideSuspension(command: DecideSuspension, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.decideSuspension);
  const suspension = grant.suspension ?? null;
  if (!suspension) {
    throw new DomainError('GRANT_NOT_SUSPENDED', 'state', { zh: '项目未暂停拨付，无需作出决定', en: 'The grant is not suspended; there is nothing to decide' }, { grantId: grant.grantId });
  }
  if (command.decision !== 'continue' && command.decision !== 'claw-back') {
    throw new DomainError('SUSPENSION_DECISION_INVALID', 'rule', { zh: '决定须为继续执行（continue）或收回资金（claw-back）', en: 'The decision must be continue or claw-back' }, { field: 'decision' });
  }
  const reason = requireText(command.reason, 'SUSPENSION_REASON_REQUIRED', 'reason', { zh: '决定理由', en: 'The reason for the decision' });
  const at = command.now.toISOString();
  const decided: GrantEvent = {
    type: 'GrantSuspensionDecided',
    data: {
      grantId: grant.grantId,
      decision: command.decision,
      reason,
      notices: suspension.notices.map((n) => ({ ...n })),
      clawbackId: command.decision === 'claw-back' ? (command.clawback?.clawbackId ?? null) : null,
      decidedAt: at,
    },
  };
  if (command.decision === 'continue') return [decided];
  if (!command.clawback) {
    throw new DomainError('CLAWBACK_TERMS_REQUIRED', 'rule', { zh: '收回资金须给出金额和退回期限', en: 'A claw-back decision needs an amount and a due date' }, { field: 'amountFen' });
  }
  // The clawback itself under the clawback rules (paid > 0, amount ≤ paid − ordered back, due date after today).
  const ordered = orderClawback({ type: 'OrderClawback', ...command.clawback, reason, now: command.now }, state);
  return [decided, ...ordered];
}

function award(command: AwardGrant, state: GrantState): GrantEvent[] {
  if (state.status !== 'none') {
    throw new DomainError('GRANT_ALREADY_AWARDED', 'state', { zh: '该项目已经立项', en: 'This grant has already been awarded' }, { grantId: state.grantId });
  }
  const awardFen = requireFen(command.awardFen, 'awardFen');
  const plan = command.tranchePlan;
  const percentTotal = plan.reduce((sum, t) => sum + (typeof t.percent === 'number' ? t.percent : Number.NaN), 0);
  const wellFormed = plan.every((t) => Number.isInteger(t.percent) && t.percent >= 1 && t.percent <= 100 && TRANCHE_TRIGGERS.includes(t.trigger));
  if (plan.length === 0 || !wellFormed || percentTotal !== 100) {
    throw new DomainError(
      'TRANCHE_PLAN_INVALID',
      'rule',
      {
        zh: `拨付计划须由 1–100 的整数比例组成且合计 100%，现为 ${plan.length} 批、合计 ${percentTotal}%`,
        en: `The tranche plan needs whole percentages of 1–100 adding up to 100 %; it has ${plan.length} tranches adding up to ${percentTotal} %`,
      },
      { tranches: plan.length, percentTotal },
    );
  }
  const months = command.implementationMonths;
  if (!Number.isInteger(months) || months < 1 || months > MAX_IMPLEMENTATION_MONTHS) {
    throw new DomainError(
      'IMPLEMENTATION_PERIOD_INVALID',
      'rule',
      { zh: `实施期须为 1 至 ${MAX_IMPLEMENTATION_MONTHS} 个月，现为 ${months} 个月`, en: `The implementation period must be 1 to ${MAX_IMPLEMENTATION_MONTHS} months, not ${months}` },
      { implementationMonths: months, maxMonths: MAX_IMPLEMENTATION_MONTHS },
    );
  }
  const lead = command.acceptanceLeadMonths;
  if (!Number.isInteger(lead) || lead < 0 || lead >= months) {
    throw new DomainError(
      'ACCEPTANCE_LEAD_INVALID',
      'rule',
      { zh: `验收申请提前期（${lead} 个月）须短于实施期（${months} 个月）`, en: `The acceptance lead time (${lead} months) must be shorter than the implementation period (${months} months)` },
      { acceptanceLeadMonths: lead, implementationMonths: months },
    );
  }
  const ids = command.targets.map((t) => t.id);
  const duplicates = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  if (duplicates.length > 0 || ids.some((id) => typeof id !== 'string' || id === '')) {
    throw new DomainError('TARGETS_INVALID', 'rule', { zh: `绩效目标编号须唯一且不为空：${duplicates.join('、')}`, en: `Target ids must be unique and non-empty: ${duplicates.join(', ')}` }, { duplicates });
  }
  const amounts = splitAward(awardFen, plan.map((t) => t.percent));
  return [
    {
      type: 'GrantAwarded',
      data: {
        grantId: command.grantId,
        applicationId: command.applicationId,
        programmeId: command.programmeId,
        enterprise: command.enterprise,
        awardFen,
        tranches: plan.map((t, i) => ({ trancheNo: i + 1, percent: t.percent, trigger: t.trigger, amountFen: amounts[i] })),
        implementation: { months, startsAt: command.now.toISOString(), endsAt: addMonthsShanghai(command.now, months).toISOString() },
        acceptanceLeadMonths: lead,
        targets: [...command.targets],
        awardedAt: command.now.toISOString(),
      },
    },
    // The credit gate at award: the selection stands and the award is recorded, but no fen moves until the bureau decides.
    ...suspensionsFor(command, requireStandingOf(command.credit, command.enterprise.creditCode).adverse, 'award', command.now),
  ];
}

function sign(command: SignAgreement, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['awarded'], ACTION.sign);
  return [{ type: 'AgreementSigned', data: { grantId: grant.grantId, signedAt: command.now.toISOString() } }];
}

function orderTranche(command: OrderTrancheRelease, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['awarded', 'in-implementation', 'acceptance-requested', 'accepted'], ACTION.order);
  requireCreditClear(grant, command.credit, ACTION.order);
  if (grant.agreementSignedAt === null) {
    throw new DomainError(
      'AGREEMENT_NOT_SIGNED',
      'state',
      { zh: '项目合同尚未签订，不能下达拨付令；请先登记合同签订', en: 'The grant agreement has not been signed; no tranche can be ordered for release before it is' },
      { trancheNo: command.trancheNo },
    );
  }
  const tranche = requireTranche(grant, command.trancheNo);
  if (tranche.status !== 'planned') {
    throw new DomainError(
      'TRANCHE_ALREADY_ORDERED',
      'state',
      { zh: `第 ${tranche.trancheNo} 批已下达（令号 ${tranche.orderNo}）`, en: `Tranche ${tranche.trancheNo} has already been ordered (order ${tranche.orderNo})` },
      { trancheNo: tranche.trancheNo, orderNo: tranche.orderNo },
    );
  }
  if (!triggerMet(grant, tranche.trigger)) {
    const trigger = TRIGGER_TEXT[tranche.trigger];
    throw new DomainError(
      'TRANCHE_TRIGGER_NOT_MET',
      'rule',
      { zh: `第 ${tranche.trancheNo} 批须在${trigger.zh}后下达`, en: `Tranche ${tranche.trancheNo} can be released only after ${trigger.en}` },
      { trancheNo: tranche.trancheNo, trigger: tranche.trigger },
    );
  }
  const blocking = grant.clawbacks.filter(isOutstanding).map((c) => c.clawbackId);
  if (blocking.length > 0) {
    throw new DomainError(
      'TRANCHE_BLOCKED_BY_CLAWBACK',
      'state',
      { zh: '项目有尚未结清的收回决定，暂停下达拨付', en: 'Tranches cannot be released while a clawback is outstanding' },
      { clawbackIds: blocking },
    );
  }
  const orderNo = requireText(command.orderNo, 'ORDER_NO_REQUIRED', 'orderNo', { zh: '拨付令号', en: 'The order number' });
  const amountFen = requireFen(command.amountFen ?? tranche.plannedFen, 'amountFen');
  if (amountFen > tranche.plannedFen) {
    const [asked, planned] = [fenText(amountFen), fenText(tranche.plannedFen)];
    throw new DomainError(
      'TRANCHE_AMOUNT_EXCEEDS_PLAN',
      'rule',
      { zh: `下达金额 ${asked.zh} 超过第 ${tranche.trancheNo} 批计划金额 ${planned.zh}`, en: `${asked.en} exceeds the ${planned.en} planned for tranche ${tranche.trancheNo}` },
      { trancheNo: tranche.trancheNo, plannedFen: tranche.plannedFen },
    );
  }
  const maxFen = grant.money.awardFen - grant.money.orderedFen;
  if (amountFen > maxFen) {
    const [asked, left] = [fenText(amountFen), fenText(maxFen)];
    throw new DomainError(
      'ORDER_EXCEEDS_AWARD',
      'rule',
      { zh: `下达金额 ${asked.zh} 超过立项金额中尚未下达的 ${left.zh}`, en: `${asked.en} exceeds the ${left.en} of the award not yet ordered` },
      { maxFen },
    );
  }
  return [{ type: 'TrancheReleaseOrdered', data: { grantId: grant.grantId, trancheNo: tranche.trancheNo, amountFen, orderNo, orderedAt: command.now.toISOString() } }];
}

function confirmPayment(command: ConfirmTranchePayment, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.pay);
  requireCreditClear(grant, command.credit, ACTION.pay);
  const tranche = requireTranche(grant, command.trancheNo);
  if (tranche.status === 'planned') {
    throw new DomainError(
      'TRANCHE_NOT_ORDERED',
      'state',
      { zh: `第 ${tranche.trancheNo} 批尚未下达，不能确认拨付`, en: `Tranche ${tranche.trancheNo} has not been ordered; its payment cannot be confirmed` },
      { trancheNo: tranche.trancheNo },
    );
  }
  if (tranche.status === 'paid') {
    const ordered = fenText(tranche.orderedFen);
    throw new DomainError(
      'TRANCHE_ALREADY_PAID',
      'state',
      {
        zh: `第 ${tranche.trancheNo} 批下达的 ${ordered.zh} 已全部确认拨付（最近凭证 ${tranche.payment?.reference}）`,
        en: `The ${ordered.en} ordered for tranche ${tranche.trancheNo} has been paid in full (latest reference ${tranche.payment?.reference})`,
      },
      { trancheNo: tranche.trancheNo, orderedFen: tranche.orderedFen, paidFen: tranche.paidFen },
    );
  }
  const reference = requireText(command.reference, 'PAYMENT_REFERENCE_REQUIRED', 'reference', { zh: '国库或银行凭证号', en: 'The treasury or bank reference' });
  const valueDate = requirePastValueDate(command.valueDate, command.now);
  const amountFen = requireFen(command.amountFen, 'amountFen');
  const earlier = grant.tranches.find((t) => (t.payments ?? []).some((p) => p.reference === reference));
  if (earlier) {
    throw new DomainError(
      'PAYMENT_REFERENCE_ALREADY_CONFIRMED',
      'state',
      {
        zh: `凭证 ${reference} 已确认为第 ${earlier.trancheNo} 批的拨付，同一凭证不能重复确认`,
        en: `Reference ${reference} has already been confirmed as a payment of tranche ${earlier.trancheNo}; one transfer is confirmed once`,
      },
      { reference, trancheNo: earlier.trancheNo },
    );
  }
  const remainingFen = unpaidFen(tranche);
  if (amountFen > remainingFen) {
    const [paid, ordered, left] = [fenText(amountFen), fenText(tranche.orderedFen), fenText(remainingFen)];
    throw new DomainError(
      'PAYMENT_EXCEEDS_ORDER',
      'rule',
      {
        zh: `拨付金额 ${paid.zh} 超过第 ${tranche.trancheNo} 批尚未拨付的 ${left.zh}（下达 ${ordered.zh}）`,
        en: `The payment of ${paid.en} exceeds the ${left.en} of tranche ${tranche.trancheNo} still unpaid (${ordered.en} ordered)`,
      },
      { trancheNo: tranche.trancheNo, orderedFen: tranche.orderedFen, paidFen: tranche.paidFen, remainingFen },
    );
  }
  const at = command.now.toISOString();
  const paid: GrantEvent = { type: 'TranchePaid', data: { grantId: grant.grantId, trancheNo: tranche.trancheNo, amountFen, reference, valueDate, confirmedAt: at } };
  if (amountFen < remainingFen) return [paid];
  return [paid, { type: 'TranchePaidInFull', data: { grantId: grant.grantId, trancheNo: tranche.trancheNo, orderNo: tranche.orderNo ?? '', paidFen: tranche.orderedFen, paidInFullAt: at } }];
}

function cancelTranche(command: CancelTrancheRelease, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.cancel);
  const tranche = requireTranche(grant, command.trancheNo);
  if (tranche.status === 'planned') {
    throw new DomainError(
      'TRANCHE_NOT_ORDERED',
      'state',
      { zh: `第 ${tranche.trancheNo} 批尚未下达，无拨付令可撤销`, en: `Tranche ${tranche.trancheNo} has not been ordered; there is no release order to cancel` },
      { trancheNo: tranche.trancheNo },
    );
  }
  if (tranche.paidFen > 0) {
    const paid = fenText(tranche.paidFen);
    throw new DomainError(
      'TRANCHE_CANCEL_AFTER_PAYMENT',
      'state',
      {
        zh: `第 ${tranche.trancheNo} 批已确认拨付 ${paid.zh}，拨付令不能撤销`,
        en: `${paid.en} has been confirmed as paid against tranche ${tranche.trancheNo}; its release order can no longer be cancelled`,
      },
      { trancheNo: tranche.trancheNo, orderNo: tranche.orderNo, paidFen: tranche.paidFen },
    );
  }
  const reason = requireText(command.reason, 'CANCELLATION_REASON_REQUIRED', 'reason', { zh: '撤销拨付令的理由', en: 'The reason for cancelling the release order' });
  return [
    {
      type: 'TrancheReleaseCancelled',
      data: { grantId: grant.grantId, trancheNo: tranche.trancheNo, orderNo: tranche.orderNo ?? '', amountFen: tranche.orderedFen, reason, cancelledAt: command.now.toISOString() },
    },
  ];
}

/** Overall mid-term outcome: any failing target fails it, else any target at risk puts it at risk. */
export function inspectionOutcome(results: readonly InspectionResult[]): InspectionOutcome {
  if (results.some((r) => r.status === 'failing')) return 'failing';
  if (results.some((r) => r.status === 'at-risk')) return 'at-risk';
  return 'passed';
}

function inspect(command: RecordMidTermInspection, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['in-implementation'], ACTION.inspect);
  if (grant.inspections.some((i) => i.inspectionId === command.inspectionId)) {
    throw new DomainError('INSPECTION_ALREADY_RECORDED', 'state', { zh: '该次中期检查已记录', en: 'This mid-term inspection has already been recorded' }, { inspectionId: command.inspectionId });
  }
  checkCoverage('INSPECTION', grant, 'mid-term', command.results.map((r) => r.targetId));
  return [
    {
      type: 'MidTermInspected',
      data: {
        grantId: grant.grantId,
        inspectionId: command.inspectionId,
        results: [...command.results],
        outcome: inspectionOutcome(command.results),
        inspectedAt: command.now.toISOString(),
      },
    },
  ];
}

function requestAcceptance(command: RequestAcceptance, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['in-implementation'], ACTION.request);
  const lastAllowedAt = lastAcceptanceRequestAt(grant).toISOString();
  if (command.now.getTime() > Date.parse(lastAllowedAt)) {
    const [last, end] = [describeInstant(lastAllowedAt), describeInstant(grant.implementation.endsAt)];
    const lead = grant.acceptanceLeadMonths;
    throw new DomainError(
      'ACCEPTANCE_REQUEST_TOO_LATE',
      'rule',
      {
        zh: `验收申请须在实施期截止（${end.zh}）前 ${lead} 个月提出，最迟为 ${last.zh}，现已逾期`,
        en: `Acceptance must be requested at least ${lead} months before the implementation period ends (${end.en}), by ${last.en} at the latest; that time has passed`,
      },
      { lastAllowedAt, endsAt: grant.implementation.endsAt, acceptanceLeadMonths: lead },
    );
  }
  return [{ type: 'AcceptanceRequested', data: { grantId: grant.grantId, requestedAt: command.now.toISOString(), lastAllowedAt } }];
}

function decideAcceptance(command: DecideAcceptance, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['acceptance-requested'], ACTION.decide);
  checkCoverage('ACCEPTANCE', grant, 'acceptance', command.results.map((r) => r.targetId));
  const unmet = command.results.filter((r) => !r.met).map((r) => r.targetId);
  const departs = command.decision === 'accepted' ? unmet.length > 0 : unmet.length === 0;
  const reason = typeof command.reason === 'string' ? command.reason : '';
  if (departs && reason.trim() === '') {
    throw new DomainError(
      'ACCEPTANCE_REASON_REQUIRED',
      'rule',
      command.decision === 'accepted'
        ? { zh: `有绩效目标未完成（${unmet.join('、')}），验收通过须说明理由`, en: `Targets are unmet (${unmet.join(', ')}): accepting needs a reason` }
        : { zh: '所有绩效目标均已完成，验收不通过须说明理由', en: 'Every target is met: failing the grant needs a reason' },
      { decision: command.decision, unmet },
    );
  }
  return [
    {
      type: 'AcceptanceDecided',
      data: { grantId: grant.grantId, decision: command.decision, results: [...command.results], unmet, reason, decidedAt: command.now.toISOString() },
    },
  ];
}

function evaluate(command: RecordEvaluation, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['in-implementation', 'acceptance-requested'], ACTION.evaluate);
  if (grant.evaluations.some((e) => e.outcome === 'passed')) {
    throw new DomainError('EVALUATION_ALREADY_PASSED', 'state', { zh: '该项目已评估合格', en: 'This grant has already passed its evaluation' });
  }
  for (const field of ['score', 'passMark'] as const) {
    const value = command[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new DomainError('EVALUATION_INVALID', 'rule', { zh: `评估分数（${field}）须为非负数`, en: `The evaluation ${field} must be a non-negative number` }, { field });
    }
  }
  const expected: EvaluationOutcome = command.score >= command.passMark ? 'passed' : 'failed';
  if (command.outcome !== expected) {
    throw new DomainError(
      'EVALUATION_INCONSISTENT',
      'rule',
      {
        zh: `总分 ${command.score}、合格线 ${command.passMark}，评估结果应为“${expected === 'passed' ? '合格' : '不合格'}”`,
        en: `A score of ${command.score} against a pass mark of ${command.passMark} is ${expected}, not ${command.outcome}`,
      },
      { score: command.score, passMark: command.passMark, outcome: command.outcome },
    );
  }
  return [{ type: 'GrantEvaluated', data: { grantId: grant.grantId, outcome: expected, score: command.score, passMark: command.passMark, index: command.index ?? null, evaluatedAt: command.now.toISOString() } }];
}

function orderClawback(command: OrderClawback, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.clawback);
  if (grant.clawbacks.some((c) => c.clawbackId === command.clawbackId)) {
    throw new DomainError('CLAWBACK_ALREADY_ORDERED', 'state', { zh: '该收回决定已下达', en: 'This clawback has already been ordered' }, { clawbackId: command.clawbackId });
  }
  if (grant.money.paidFen === 0) {
    throw new DomainError('CLAWBACK_NOTHING_PAID', 'state', { zh: '项目尚未拨付资金，无可收回', en: 'Nothing has been paid out, so nothing can be clawed back' }, { paidFen: 0 });
  }
  const amountFen = requireFen(command.amountFen, 'amountFen');
  const twin = grant.clawbacks.find(
    (c) => isOutstanding(c) && c.amountFen === amountFen && c.dueDate === command.dueDate && c.reason === command.reason,
  );
  if (twin) {
    // The same recovery decision again (a double submission without Idempotency-Key): refused, not ordered twice.
    throw new DomainError(
      'CLAWBACK_DUPLICATE',
      'state',
      { zh: '已有金额、理由和期限完全相同的收回决定在执行中', en: 'An outstanding clawback with the same amount, reason and due date already exists' },
      { clawbackId: twin.clawbackId },
    );
  }
  const maxFen = grant.money.paidFen - grant.money.clawbackOrderedFen;
  if (amountFen > maxFen) {
    const [asked, max, paid] = [fenText(amountFen), fenText(maxFen), fenText(grant.money.paidFen)];
    throw new DomainError(
      'CLAWBACK_EXCEEDS_PAID',
      'rule',
      {
        zh: `收回金额 ${asked.zh} 超过可收回上限 ${max.zh}（已拨付 ${paid.zh}，减去已下达的收回）`,
        en: `${asked.en} exceeds the ${max.en} that can still be clawed back (${paid.en} paid, less clawbacks already ordered)`,
      },
      { maxFen, paidFen: grant.money.paidFen, clawbackOrderedFen: grant.money.clawbackOrderedFen },
    );
  }
  const reason = requireText(command.reason, 'CLAWBACK_REASON_REQUIRED', 'reason', { zh: '收回理由', en: 'The reason for the clawback' });
  const dueDate = requireDate(command.dueDate, 'dueDate');
  const today = shanghaiDate(command.now);
  if (dueDate <= today) {
    throw new DomainError(
      'CLAWBACK_DUE_DATE_INVALID',
      'rule',
      { zh: `退回期限 ${dueDate} 须晚于今天（${today}，北京时间）`, en: `The due date ${dueDate} must be after today (${today}, Asia/Shanghai)` },
      { dueDate, today },
    );
  }
  return [{ type: 'ClawbackOrdered', data: { grantId: grant.grantId, clawbackId: command.clawbackId, amountFen, reason, dueDate, orderedAt: command.now.toISOString() } }];
}

function recordRepayment(command: RecordRepayment, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.repay);
  const clawback = requireOutstanding(requireClawback(grant, command.clawbackId), ACTION.repay);
  if (clawback.repaymentIds.includes(command.repaymentId)) {
    throw new DomainError('REPAYMENT_ALREADY_RECORDED', 'state', { zh: '该笔退回资金已登记', en: 'This repayment has already been recorded' }, { repaymentId: command.repaymentId });
  }
  const amountFen = requireFen(command.amountFen, 'amountFen');
  const owed = outstandingFen(clawback);
  if (amountFen > owed) {
    const [paid, left] = [fenText(amountFen), fenText(owed)];
    throw new DomainError(
      'REPAYMENT_EXCEEDS_OUTSTANDING',
      'rule',
      { zh: `退回金额 ${paid.zh} 超过尚未退回的 ${left.zh}`, en: `The repayment of ${paid.en} exceeds the ${left.en} still owed` },
      { clawbackId: clawback.clawbackId, outstandingFen: owed },
    );
  }
  const reference = requireText(command.reference, 'PAYMENT_REFERENCE_REQUIRED', 'reference', { zh: '国库或银行凭证号', en: 'The treasury or bank reference' });
  const repaidBefore = grant.clawbacks.find((c) => (c.repaymentReferences ?? []).includes(reference));
  if (repaidBefore) {
    throw new DomainError(
      'REPAYMENT_REFERENCE_ALREADY_RECORDED',
      'state',
      { zh: `凭证号 ${reference} 已登记为退回资金`, en: `The reference ${reference} is already recorded as a repayment` },
      { reference, clawbackId: repaidBefore.clawbackId },
    );
  }
  const valueDate = requirePastValueDate(command.valueDate, command.now);
  const at = command.now.toISOString();
  const recorded: GrantEvent = {
    type: 'RepaymentRecorded',
    data: { grantId: grant.grantId, clawbackId: clawback.clawbackId, repaymentId: command.repaymentId, amountFen, reference, valueDate, recordedAt: at },
  };
  if (amountFen < owed) return [recorded];
  return [recorded, { type: 'ClawbackSettled', data: { grantId: grant.grantId, clawbackId: clawback.clawbackId, repaidFen: clawback.repaidFen + amountFen, settledAt: at } }];
}

function markOverdue(command: MarkClawbackOverdue, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.overdue);
  const clawback = requireClawback(grant, command.clawbackId);
  if (clawback.status === 'overdue') return [];
  requireOutstanding(clawback, ACTION.overdue);
  if (!isPastDue(clawback.dueDate, command.now)) {
    throw new DomainError(
      'CLAWBACK_NOT_DUE',
      'rule',
      { zh: `退回期限 ${clawback.dueDate}（北京时间）尚未届满`, en: `The due date ${clawback.dueDate} (Asia/Shanghai) has not passed yet` },
      { clawbackId: clawback.clawbackId, dueDate: clawback.dueDate },
    );
  }
  return [
    {
      type: 'ClawbackOverdue',
      data: { grantId: grant.grantId, clawbackId: clawback.clawbackId, dueDate: clawback.dueDate, outstandingFen: outstandingFen(clawback), markedAt: command.now.toISOString() },
    },
  ];
}

function writeOff(command: WriteOffClawback, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, LIVE, ACTION.writeOff);
  const clawback = requireOutstanding(requireClawback(grant, command.clawbackId), ACTION.writeOff);
  const reason = requireText(command.reason, 'WRITE_OFF_REASON_REQUIRED', 'reason', { zh: '核销理由', en: 'The reason for the write-off' });
  return [
    {
      type: 'ClawbackWrittenOff',
      data: { grantId: grant.grantId, clawbackId: clawback.clawbackId, amountFen: outstandingFen(clawback), reason, writtenOffAt: command.now.toISOString() },
    },
  ];
}

function close(command: CloseGrant, state: GrantState): GrantEvent[] {
  const grant = requireStatus(state, ['accepted', 'failed'], ACTION.close);
  const notDue = command.tranchesNotDue ?? [];
  for (const entry of notDue) {
    const tranche = requireTranche(grant, entry.trancheNo);
    if (tranche.status !== 'planned' || notDue.filter((e) => e.trancheNo === entry.trancheNo).length > 1) {
      throw new DomainError(
        'TRANCHE_NOT_DUE_INVALID',
        'rule',
        { zh: `第 ${tranche.trancheNo} 批已下达或重复列出，不能列为不再拨付`, en: `Tranche ${tranche.trancheNo} has been ordered or is listed twice; it cannot be declared not due` },
        { trancheNo: tranche.trancheNo },
      );
    }
    requireText(entry.reason, 'TRANCHE_NOT_DUE_REASON_REQUIRED', 'tranchesNotDue.reason', { zh: `第 ${tranche.trancheNo} 批不再拨付的理由`, en: `The reason tranche ${tranche.trancheNo} is not due` });
  }
  // The closure rule (docs/lifecycle/grant.md): no money ordered but unpaid. Checked on the amounts, so a
  // partly paid order blocks closure as much as an unpaid one.
  const unpaid = grant.tranches.filter((t) => unpaidFen(t) > 0);
  if (unpaid.length > 0 || grant.money.orderedFen !== grant.money.paidFen) {
    const total = grant.money.orderedFen - grant.money.paidFen;
    const nos = unpaid.map((t) => t.trancheNo);
    const left = fenText(total);
    throw new DomainError(
      'TRANCHES_ORDERED_UNPAID',
      'state',
      {
        zh: `第 ${nos.join('、')} 批已下达但未拨付完毕（尚未拨付 ${left.zh}）：须确认剩余拨付，或撤销未拨付的拨付令后再结项`,
        en: `Tranches ${nos.join(', ')} were ordered but are not fully paid (${left.en} unpaid): confirm the remaining payments, or cancel the unpaid release orders, before closing`,
      },
      { trancheNos: nos, unpaidFen: total, tranches: unpaid.map((t) => ({ trancheNo: t.trancheNo, orderedFen: t.orderedFen, paidFen: t.paidFen, unpaidFen: unpaidFen(t) })) },
    );
  }
  const waived = new Set(notDue.map((e) => e.trancheNo));
  const outstanding = grant.tranches
    .filter((t) => grant.status === 'accepted' && t.status === 'planned' && t.plannedFen > 0 && !waived.has(t.trancheNo))
    .map((t) => t.trancheNo);
  if (outstanding.length > 0) {
    throw new DomainError(
      'TRANCHES_OUTSTANDING',
      'state',
      {
        zh: `第 ${outstanding.join('、')} 批尚未下达拨付：须下达并确认拨付，或列为不再拨付并说明理由`,
        en: `Tranches ${outstanding.join(', ')} have not been ordered: order and pay them, or declare them not due with a reason`,
      },
      { trancheNos: outstanding },
    );
  }
  const openClawbacks = grant.clawbacks.filter(isOutstanding).map((c) => c.clawbackId);
  if (openClawbacks.length > 0) {
    throw new DomainError(
      'CLAWBACKS_OUTSTANDING',
      'state',
      { zh: `尚有 ${openClawbacks.length} 项收回决定未结清（全额退回或核销）`, en: `${openClawbacks.length} clawbacks are neither repaid nor written off` },
      { clawbackIds: openClawbacks },
    );
  }
  const outcome = grant.status as AcceptanceDecision;
  return [{ type: 'GrantClosed', data: { grantId: grant.grantId, outcome, tranchesNotDue: notDue.map((e) => ({ trancheNo: e.trancheNo, reason: e.reason })), closedAt: command.now.toISOString() } }];
}

function decideGrant(command: GrantCommand, state: GrantState): GrantEvent[] {
  if (!(command.now instanceof Date) || Number.isNaN(command.now.getTime())) throw timeInvalid();
  switch (command.type) {
    case 'AwardGrant':
      return award(command, state);
    case 'SignAgreement':
      return sign(command, state);
    case 'OrderTrancheRelease':
      return orderTranche(command, state);
    case 'ConfirmTranchePayment':
      return confirmPayment(command, state);
    case 'CancelTrancheRelease':
      return cancelTranche(command, state);
    case 'RecordMidTermInspection':
      return inspect(command, state);
    case 'RequestAcceptance':
      return requestAcceptance(command, state);
    case 'DecideAcceptance':
      return decideAcceptance(command, state);
    case 'RecordEvaluation':
      return evaluate(command, state);
    case 'OrderClawback':
      return orderClawback(command, state);
    case 'RecordRepayment':
      return recordRepayment(command, state);
    case 'MarkClawbackOverdue':
      return markOverdue(command, state);
    case 'WriteOffClawback':
      return writeOff(command, state);
    case 'SuspendGrant':
      return suspend(command, state);
    case 'DecideSuspension':
      return decideSuspension(command, state);
    case 'CloseGrant':
      return close(command, state);
    default:
      return assertNever(command);
  }
}

/**
 * The grant (下达项目经费 → 结项) of one selected project, one stream per grant (`grantStream`).
 *
 * Grant status (`GrantState.status`):
 * ```
 * none ──AwardGrant──▶ awarded ──SignAgreement──▶ in-implementation ──RequestAcceptance──▶ acceptance-requested
 * acceptance-requested ──DecideAcceptance(accepted)──▶ accepted ──CloseGrant──▶ closed
 * acceptance-requested ──DecideAcceptance(failed)────▶ failed   ──CloseGrant──▶ closed
 * ```
 * Commands that leave the status as it is (self-loops):
 * - `OrderTrancheRelease`: once the agreement is signed (`AGREEMENT_NOT_SIGNED` before), in in-implementation,
 *   acceptance-requested and accepted; the tranche's trigger
 *   must have happened (award: always; mid-term-passed: a MidTermInspected with outcome `passed`;
 *   acceptance-passed: AcceptanceDecided `accepted`; evaluation-passed: GrantEvaluated `passed`), no clawback
 *   may be outstanding, each tranche is ordered once, amount ≤ planned.
 * - `ConfirmTranchePayment`: in every status but closed, for an ordered or partly paid tranche; amount ≤ ordered −
 *   already paid; each confirmation with its own reference (a reference is confirmed once per grant). The one
 *   that pays the last fen also emits `TranchePaidInFull`.
 * - `CancelTrancheRelease`: in every status but closed, for an ordered tranche nothing was paid against, with a
 *   reason; the tranche is planned again and may be ordered anew.
 * - `RecordMidTermInspection` (中期检查, any number): in-implementation only; a result for every target due at mid-term.
 * - `RecordEvaluation` (Rizhao pilot): in-implementation and acceptance-requested, until one passes.
 * - `OrderClawback`, `RecordRepayment`, `MarkClawbackOverdue`, `WriteOffClawback`: in every status but closed,
 *   once money went out (paid > 0).
 *
 * `RequestAcceptance` is refused after `endsAt − acceptanceLeadMonths` (004_39c6efd61937e065.txt 五(三):
 * 实施期截止日前3个月提出项目验收申请). Signing starts implementation; the period itself runs from award.
 *
 * Clawback status (`ClawbackState.status`, 收回项目资金, "视情况"):
 * ```
 * OrderClawback ──▶ open ──MarkClawbackOverdue (due date ended, Asia/Shanghai)──▶ overdue
 * open | overdue ──RecordRepayment (partial: stays; the last fen: + ClawbackSettled)──▶ repaid
 * open | overdue ──WriteOffClawback──▶ written-off
 * ```
 * Tranche status (`TrancheState.status`):
 * ```
 * planned ──OrderTrancheRelease──▶ ordered ──ConfirmTranchePayment (part)──▶ partly-paid ──ConfirmTranchePayment (rest)──▶ paid
 * ordered ──ConfirmTranchePayment (all)──▶ paid
 * ordered ──CancelTrancheRelease──▶ planned
 * ```
 *
 * Suspension (credit gate, `GrantState.suspension`; 004_39c6efd61937e065.txt 三(五)):
 * ```
 * AwardGrant with an adverse notice in `credit` ──▶ awarded + suspended (GrantSuspended, stage award, per notice)
 * not suspended | suspended ──SuspendGrant (a notice the grant has not seen)──▶ suspended (GrantSuspended, stage after-award)
 * suspended ──DecideSuspension continue (reason)──▶ not suspended; the notices decided on stop no more money
 * suspended ──DecideSuspension claw-back (reason, amount, due date)──▶ not suspended + ClawbackOrdered
 * ```
 * `OrderTrancheRelease` and `ConfirmTranchePayment` are refused while suspended (`GRANT_SUSPENDED`) and
 * when their `credit` holds an adverse notice the bureau has not decided on (`CREDIT_RECORD_ADVERSE`).
 *
 * Closing (`CloseGrant`, from accepted or failed) needs: no money ordered but unpaid (`TRANCHES_ORDERED_UNPAID`:
 * Σ paid = Σ ordered, every tranche order paid in full or cancelled); no clawback open or
 * overdue; and, for an accepted grant, every tranche with a planned amount paid or declared not due (unordered,
 * with a reason) in the command. A failed grant's unordered tranches simply lapse.
 *
 * Money invariants (DOMAIN.md §5), integer fen: Σ ordered ≤ award; paid ≤ ordered per tranche and in total;
 * Σ clawback ordered ≤ paid; repaid + written off ≤ ordered per clawback.
 */
export const grantDecider: Decider<GrantCommand, GrantEvent, GrantState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideGrant,
  evolve: evolveGrant,
};
