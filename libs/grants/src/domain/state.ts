import { assertNever, shanghaiDate } from '@ipstd/kernel';
import {
  AcceptanceDecision,
  EvaluationOutcome,
  GrantEnterprise,
  GrantEvent,
  GrantTarget,
  InspectionOutcome,
  InspectionResult,
  TrancheNotDue,
  TrancheTrigger,
} from './events';
import { CreditNotice, noticeKey } from './credit';

export type GrantStatus = 'awarded' | 'in-implementation' | 'acceptance-requested' | 'accepted' | 'failed' | 'closed';

/**
 * `planned` → `ordered` (the bureau's release order) → `partly-paid` (finance confirmed part of it) → `paid`
 * (the confirmations add up to the order). An `ordered` tranche nothing was paid against can be cancelled
 * back to `planned`.
 */
export type TrancheStatus = 'planned' | 'ordered' | 'partly-paid' | 'paid';

/** One payment confirmation by the finance bureau (国库/银行凭证). */
export interface TranchePayment {
  readonly reference: string;
  /** YYYY-MM-DD */
  readonly valueDate: string;
  readonly amountFen: number;
  readonly confirmedAt: string;
}

/** A release order withdrawn before anything was paid against it. */
export interface TrancheCancellation {
  readonly orderNo: string;
  readonly amountFen: number;
  readonly reason: string;
  readonly cancelledAt: string;
}

export interface TrancheState {
  readonly trancheNo: number;
  readonly percent: number;
  readonly trigger: TrancheTrigger;
  readonly plannedFen: number;
  readonly status: TrancheStatus;
  /** Amount of the live release order (0 when planned). */
  readonly orderedFen: number;
  /** Σ payment confirmations against the live order; ≤ orderedFen. */
  readonly paidFen: number;
  readonly orderNo: string | null;
  readonly orderedAt: string | null;
  /** The latest payment confirmation (kept for readers of the single-payment shape); see `payments`. */
  readonly payment: { readonly reference: string; readonly valueDate: string; readonly confirmedAt: string } | null;
  /** Every payment confirmation against the live order, oldest first. */
  readonly payments: readonly TranchePayment[];
  /** Release orders cancelled earlier, oldest first. */
  readonly cancellations: readonly TrancheCancellation[];
}

/** Ordered but not (or not fully) paid, in fen. */
export const unpaidFen = (tranche: Pick<TrancheState, 'orderedFen' | 'paidFen'>): number => tranche.orderedFen - tranche.paidFen;

/** `open` and `overdue` are outstanding; `repaid` and `written-off` are settled. */
export type ClawbackStatus = 'open' | 'overdue' | 'repaid' | 'written-off';

/** A recovery order (收回项目资金, 004_39c6efd61937e065.txt 五(三)). */
export interface ClawbackState {
  readonly clawbackId: string;
  readonly status: ClawbackStatus;
  readonly amountFen: number;
  readonly repaidFen: number;
  readonly writtenOffFen: number;
  readonly reason: string;
  /** Asia/Shanghai calendar date; the clawback is overdue from the next day. */
  readonly dueDate: string;
  readonly orderedAt: string;
  readonly repaymentIds: readonly string[];
  /** Treasury/bank references of the repayments, each recorded once per grant (absent in states stored before). */
  readonly repaymentReferences?: readonly string[];
}

/** Running totals, integer fen. Invariants: ordered ≤ award; paid ≤ ordered; clawbackOrdered ≤ paid; repaid + writtenOff ≤ clawbackOrdered. */
export interface GrantMoney {
  readonly awardFen: number;
  readonly orderedFen: number;
  readonly paidFen: number;
  readonly clawbackOrderedFen: number;
  readonly repaidFen: number;
  readonly writtenOffFen: number;
}

export interface GrantFacts {
  readonly grantId: string;
  readonly applicationId: string;
  readonly programmeId: string;
  readonly enterprise: GrantEnterprise;
  readonly targets: readonly GrantTarget[];
  readonly implementation: { readonly months: number; readonly startsAt: string; readonly endsAt: string };
  readonly acceptanceLeadMonths: number;
  readonly awardedAt: string;
  readonly agreementSignedAt: string | null;
  readonly tranches: readonly TrancheState[];
  readonly clawbacks: readonly ClawbackState[];
  readonly money: GrantMoney;
  /** Mid-term inspections with their per-target results (`results` absent in states folded before it was kept). */
  readonly inspections: ReadonlyArray<{ readonly inspectionId: string; readonly outcome: InspectionOutcome; readonly inspectedAt: string; readonly results?: readonly InspectionResult[] }>;
  readonly evaluations: ReadonlyArray<{ readonly outcome: EvaluationOutcome; readonly score: number; readonly passMark: number; readonly evaluatedAt: string }>;
  readonly acceptanceRequestedAt: string | null;
  readonly acceptance: { readonly decision: AcceptanceDecision; readonly unmet: readonly string[]; readonly reason: string; readonly decidedAt: string } | null;
  readonly closedAt: string | null;
  readonly tranchesNotDue: readonly TrancheNotDue[];
  /** Releases and payment confirmations are stopped until the bureau decides (absent in states stored before). */
  readonly suspension?: GrantSuspension | null;
  /** `source|reference` of every credit notice the bureau has decided on (absent in states stored before). */
  readonly creditDecided?: readonly string[];
}

/** Why and since when a grant's money is stopped: the credit notices that stand against the enterprise. */
export interface GrantSuspension {
  readonly suspendedAt: string;
  readonly notices: readonly CreditNotice[];
}

export const suspensionOf = (grant: GrantFacts): GrantSuspension | null => grant.suspension ?? null;

/** Credit notices the grant has already seen: on its open suspension, or decided on by the bureau. */
export function knownNotices(grant: GrantFacts): Set<string> {
  return new Set([...(grant.creditDecided ?? []), ...(grant.suspension?.notices ?? []).map(noticeKey)]);
}

export type GrantState = { readonly status: 'none' } | (GrantFacts & { readonly status: GrantStatus });
export type ActiveGrant = Exclude<GrantState, { status: 'none' }>;

export const isOutstanding = (clawback: ClawbackState): boolean => clawback.status === 'open' || clawback.status === 'overdue';
export const outstandingFen = (clawback: ClawbackState): number => clawback.amountFen - clawback.repaidFen - clawback.writtenOffFen;

/** A due date (Asia/Shanghai calendar date) has passed once that day has ended in Shanghai. */
export const isPastDue = (dueDate: string, now: Date): boolean => shanghaiDate(now) > dueDate;

/** Open clawbacks whose due date has passed at `now`: what a scheduled check marks overdue. */
export function overdueClawbacks(state: GrantState, now: Date): string[] {
  if (state.status === 'none') return [];
  return state.clawbacks.filter((c) => c.status === 'open' && isPastDue(c.dueDate, now)).map((c) => c.clawbackId);
}

export interface MoneySummary extends GrantMoney {
  /** Award not yet ordered for release. */
  readonly unorderedFen: number;
  /** Ordered but not (or not fully) paid. */
  readonly unpaidOrderedFen: number;
  /** Recovery still owed on open and overdue clawbacks. */
  readonly clawbackOutstandingFen: number;
  /** Paid out minus repaid. */
  readonly netDisbursedFen: number;
  readonly tranches: ReadonlyArray<{
    readonly trancheNo: number;
    readonly trigger: TrancheTrigger;
    readonly status: TrancheStatus;
    readonly plannedFen: number;
    readonly orderedFen: number;
    readonly paidFen: number;
    readonly unpaidFen: number;
  }>;
  readonly clawbacks: ReadonlyArray<{
    readonly clawbackId: string;
    readonly status: ClawbackStatus;
    readonly amountFen: number;
    readonly repaidFen: number;
    readonly writtenOffFen: number;
    readonly outstandingFen: number;
  }>;
}

const NO_MONEY: GrantMoney = { awardFen: 0, orderedFen: 0, paidFen: 0, clawbackOrderedFen: 0, repaidFen: 0, writtenOffFen: 0 };

/** The grant's money in integer fen, totals and per tranche and clawback. */
export function moneyOf(state: GrantState): MoneySummary {
  const money = state.status === 'none' ? NO_MONEY : state.money;
  const tranches = state.status === 'none' ? [] : state.tranches;
  const clawbacks = state.status === 'none' ? [] : state.clawbacks;
  return {
    ...money,
    unorderedFen: money.awardFen - money.orderedFen,
    unpaidOrderedFen: money.orderedFen - money.paidFen,
    clawbackOutstandingFen: clawbacks.filter(isOutstanding).reduce((sum, c) => sum + outstandingFen(c), 0),
    netDisbursedFen: money.paidFen - money.repaidFen,
    tranches: tranches.map((t) => ({ trancheNo: t.trancheNo, trigger: t.trigger, status: t.status, plannedFen: t.plannedFen, orderedFen: t.orderedFen, paidFen: t.paidFen, unpaidFen: unpaidFen(t) })),
    clawbacks: clawbacks.map((c) => ({
      clawbackId: c.clawbackId,
      status: c.status,
      amountFen: c.amountFen,
      repaidFen: c.repaidFen,
      writtenOffFen: c.writtenOffFen,
      outstandingFen: outstandingFen(c),
    })),
  };
}

function withTranche(state: ActiveGrant, trancheNo: number, change: (t: TrancheState) => TrancheState): readonly TrancheState[] {
  return state.tranches.map((t) => (t.trancheNo === trancheNo ? change(t) : t));
}

function withClawback(state: ActiveGrant, clawbackId: string, change: (c: ClawbackState) => ClawbackState): readonly ClawbackState[] {
  return state.clawbacks.map((c) => (c.clawbackId === clawbackId ? change(c) : c));
}

function awarded(event: Extract<GrantEvent, { type: 'GrantAwarded' }>): ActiveGrant {
  const d = event.data;
  return {
    status: 'awarded',
    grantId: d.grantId,
    applicationId: d.applicationId,
    programmeId: d.programmeId,
    enterprise: d.enterprise,
    targets: d.targets,
    implementation: d.implementation,
    acceptanceLeadMonths: d.acceptanceLeadMonths,
    awardedAt: d.awardedAt,
    agreementSignedAt: null,
    tranches: d.tranches.map((t) => ({
      trancheNo: t.trancheNo,
      percent: t.percent,
      trigger: t.trigger,
      plannedFen: t.amountFen,
      ...UNORDERED,
      cancellations: [],
    })),
    clawbacks: [],
    money: { ...NO_MONEY, awardFen: d.awardFen },
    inspections: [],
    evaluations: [],
    acceptanceRequestedAt: null,
    acceptance: null,
    closedAt: null,
    tranchesNotDue: [],
    suspension: null,
    creditDecided: [],
  };
}

/** Folds one event into the state. Trusts the event: every check happened in `decide` before it was stored. */
/** A tranche with no live release order: as planned, and again after its order was cancelled. */
const UNORDERED = { status: 'planned', orderedFen: 0, paidFen: 0, orderNo: null, orderedAt: null, payment: null, payments: [] } as const satisfies Partial<TrancheState>;

export function evolveGrant(state: GrantState, event: GrantEvent): GrantState {
  if (event.type === 'GrantAwarded') return awarded(event);
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'AgreementSigned':
      return { ...state, status: 'in-implementation', agreementSignedAt: event.data.signedAt };
    case 'TrancheReleaseOrdered': {
      const { trancheNo, amountFen, orderNo, orderedAt } = event.data;
      return {
        ...state,
        tranches: withTranche(state, trancheNo, (t) => ({ ...t, status: 'ordered', orderedFen: amountFen, orderNo, orderedAt })),
        money: { ...state.money, orderedFen: state.money.orderedFen + amountFen },
      };
    }
    case 'TranchePaid': {
      // One confirmation among possibly several: the status follows from the amounts, so a stored TranchePaid
      // for less than its order (schema 1 called that `paid`) leaves the rest payable.
      const { trancheNo, amountFen, reference, valueDate, confirmedAt } = event.data;
      return {
        ...state,
        tranches: withTranche(state, trancheNo, (t) => {
          const paidFen = t.paidFen + amountFen;
          return {
            ...t,
            status: paidFen >= t.orderedFen ? 'paid' : 'partly-paid',
            paidFen,
            payment: { reference, valueDate, confirmedAt },
            // `?? []`: grant states stored by read models before payments were listed.
            payments: [...(t.payments ?? []), { reference, valueDate, amountFen, confirmedAt }],
          };
        }),
        money: { ...state.money, paidFen: state.money.paidFen + amountFen },
      };
    }
    case 'TranchePaidInFull':
      return state;
    case 'TrancheReleaseCancelled': {
      const { trancheNo, orderNo, amountFen, reason, cancelledAt } = event.data;
      return {
        ...state,
        tranches: withTranche(state, trancheNo, (t) => ({
          ...t,
          ...UNORDERED,
          cancellations: [...(t.cancellations ?? []), { orderNo, amountFen, reason, cancelledAt }],
        })),
        money: { ...state.money, orderedFen: state.money.orderedFen - amountFen },
      };
    }
    case 'MidTermInspected': {
      const { inspectionId, outcome, inspectedAt, results } = event.data;
      return { ...state, inspections: [...state.inspections, { inspectionId, outcome, inspectedAt, results }] };
    }
    case 'AcceptanceRequested':
      return { ...state, status: 'acceptance-requested', acceptanceRequestedAt: event.data.requestedAt };
    case 'AcceptanceDecided': {
      const { decision, unmet, reason, decidedAt } = event.data;
      return { ...state, status: decision, acceptance: { decision, unmet, reason, decidedAt } };
    }
    case 'GrantEvaluated': {
      const { outcome, score, passMark, evaluatedAt } = event.data;
      return { ...state, evaluations: [...state.evaluations, { outcome, score, passMark, evaluatedAt }] };
    }
    case 'ClawbackOrdered': {
      const { clawbackId, amountFen, reason, dueDate, orderedAt } = event.data;
      const clawback: ClawbackState = { clawbackId, status: 'open', amountFen, repaidFen: 0, writtenOffFen: 0, reason, dueDate, orderedAt, repaymentIds: [] };
      return { ...state, clawbacks: [...state.clawbacks, clawback], money: { ...state.money, clawbackOrderedFen: state.money.clawbackOrderedFen + amountFen } };
    }
    case 'RepaymentRecorded': {
      const { clawbackId, repaymentId, amountFen } = event.data;
      return {
        ...state,
        clawbacks: withClawback(state, clawbackId, (c) => ({ ...c, repaidFen: c.repaidFen + amountFen, repaymentIds: [...c.repaymentIds, repaymentId], repaymentReferences: [...(c.repaymentReferences ?? []), event.data.reference] })),
        money: { ...state.money, repaidFen: state.money.repaidFen + amountFen },
      };
    }
    case 'ClawbackSettled':
      return { ...state, clawbacks: withClawback(state, event.data.clawbackId, (c) => ({ ...c, status: 'repaid' })) };
    case 'ClawbackOverdue':
      return { ...state, clawbacks: withClawback(state, event.data.clawbackId, (c) => ({ ...c, status: 'overdue' })) };
    case 'ClawbackWrittenOff': {
      const { clawbackId, amountFen } = event.data;
      return {
        ...state,
        clawbacks: withClawback(state, clawbackId, (c) => ({ ...c, status: 'written-off', writtenOffFen: c.writtenOffFen + amountFen })),
        money: { ...state.money, writtenOffFen: state.money.writtenOffFen + amountFen },
      };
    }
    case 'GrantSuspended': {
      const { notice, suspendedAt } = event.data;
      const open = state.suspension ?? null;
      return { ...state, suspension: open ? { ...open, notices: [...open.notices, notice] } : { suspendedAt, notices: [notice] } };
    }
    case 'GrantSuspensionDecided':
      return { ...state, suspension: null, creditDecided: [...(state.creditDecided ?? []), ...event.data.notices.map(noticeKey)] };
    case 'GrantClosed':
      return { ...state, status: 'closed', closedAt: event.data.closedAt, tranchesNotDue: event.data.tranchesNotDue };
    default:
      return assertNever(event);
  }
}
