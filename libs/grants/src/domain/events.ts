import { BilingualText, DomainEvent, EventRegistry } from '@ipstd/kernel';
import { InspectionStage, TargetRequirement } from '@ipstd/funding-rules';
import { CreditNotice } from './credit';

/** What releases a tranche (DOMAIN.md §3, Grant; Rizhao: 002_2717c857cd88b5c5.txt 五(三), funds only for units that pass evaluation). */
export const TRANCHE_TRIGGERS = ['award', 'mid-term-passed', 'acceptance-passed', 'evaluation-passed'] as const;
export type TrancheTrigger = (typeof TRANCHE_TRIGGERS)[number];

/** How one target stands at a mid-term inspection (中期检查). */
export type TargetProgress = 'on-track' | 'at-risk' | 'failing';
/** A mid-term inspection as a whole: `failing` if any target fails, else `at-risk` if any is at risk, else `passed`. */
export type InspectionOutcome = 'passed' | 'at-risk' | 'failing';
/** The bureau's final acceptance decision (结项验收). */
export type AcceptanceDecision = 'accepted' | 'failed';
/** A Rizhao pilot evaluation against the evaluation index system (评价指标体系). */
export type EvaluationOutcome = 'passed' | 'failed';

/** The evaluation index result behind a Rizhao evaluation: the rule-set version and each indicator's points. */
export interface EvaluationIndexResult {
  readonly ruleSet: { readonly id: string; readonly version: number };
  readonly indicators: readonly unknown[];
}

export interface GrantEnterprise {
  /** Unified social credit code (统一社会信用代码, GB 32100-2015). */
  readonly creditCode: string;
  readonly name: string;
  /** GB/T 2260 division code of the enterprise's district. */
  readonly district: string;
}

/**
 * A performance target (绩效目标, 004_39c6efd61937e065.txt 四(二)) as copied into the grant at award.
 * No command changes a grant's targets afterwards. `stages` says when the target is checked; a target
 * without stages is checked at every stage.
 */
export interface GrantTarget {
  readonly id: string;
  readonly citation: string;
  readonly text: BilingualText;
  readonly stages?: readonly InspectionStage[];
  readonly requirements?: readonly TargetRequirement[];
}

export interface PlannedTranche {
  /** 1-based position in the tranche plan. */
  readonly trancheNo: number;
  readonly percent: number;
  readonly trigger: TrancheTrigger;
  readonly amountFen: number;
}

export interface InspectionResult {
  readonly targetId: string;
  readonly status: TargetProgress;
  readonly findings: string;
}

export interface AcceptanceResult {
  readonly targetId: string;
  readonly met: boolean;
  readonly note: string;
}

export interface TrancheNotDue {
  readonly trancheNo: number;
  readonly reason: string;
}

/** `award`: the record stood when the grant was awarded; `after-award`: it arrived later. */
export type SuspensionStage = 'award' | 'after-award';
/** The bureau's decision on a suspended grant: go on releasing, or order money back. */
export type SuspensionDecision = 'continue' | 'claw-back';

export type GrantEvent =
  | DomainEvent<
      'GrantAwarded',
      {
        grantId: string;
        applicationId: string;
        programmeId: string;
        enterprise: GrantEnterprise;
        awardFen: number;
        tranches: PlannedTranche[];
        /** 实施期: starts at award, ends `months` later (Asia/Shanghai calendar), both ISO instants. */
        implementation: { months: number; startsAt: string; endsAt: string };
        acceptanceLeadMonths: number;
        targets: GrantTarget[];
        awardedAt: string;
      }
    >
  | DomainEvent<'AgreementSigned', { grantId: string; signedAt: string }>
  | DomainEvent<'TrancheReleaseOrdered', { grantId: string; trancheNo: number; amountFen: number; orderNo: string; orderedAt: string }>
  /** One payment confirmation (schema 1 unchanged): a tranche order may be paid by several, each with its own reference and value date. */
  | DomainEvent<'TranchePaid', { grantId: string; trancheNo: number; amountFen: number; reference: string; valueDate: string; confirmedAt: string }>
  /** With the confirmation that pays the last fen of a tranche order (Σ confirmations = ordered). */
  | DomainEvent<'TranchePaidInFull', { grantId: string; trancheNo: number; orderNo: string; paidFen: number; paidInFullAt: string }>
  /** The bureau withdrew a release order nothing had been paid against; the tranche is planned again. */
  | DomainEvent<'TrancheReleaseCancelled', { grantId: string; trancheNo: number; orderNo: string; amountFen: number; reason: string; cancelledAt: string }>
  | DomainEvent<'MidTermInspected', { grantId: string; inspectionId: string; results: InspectionResult[]; outcome: InspectionOutcome; inspectedAt: string }>
  | DomainEvent<'AcceptanceRequested', { grantId: string; requestedAt: string; lastAllowedAt: string }>
  | DomainEvent<'AcceptanceDecided', { grantId: string; decision: AcceptanceDecision; results: AcceptanceResult[]; unmet: string[]; reason: string; decidedAt: string }>
  | DomainEvent<'GrantEvaluated', { grantId: string; outcome: EvaluationOutcome; score: number; passMark: number; index?: EvaluationIndexResult | null; evaluatedAt: string }>
  | DomainEvent<'ClawbackOrdered', { grantId: string; clawbackId: string; amountFen: number; reason: string; dueDate: string; orderedAt: string }>
  | DomainEvent<
      'RepaymentRecorded',
      { grantId: string; clawbackId: string; repaymentId: string; amountFen: number; reference: string; valueDate: string; recordedAt: string }
    >
  | DomainEvent<'ClawbackSettled', { grantId: string; clawbackId: string; repaidFen: number; settledAt: string }>
  | DomainEvent<'ClawbackOverdue', { grantId: string; clawbackId: string; dueDate: string; outstandingFen: number; markedAt: string }>
  | DomainEvent<'ClawbackWrittenOff', { grantId: string; clawbackId: string; amountFen: number; reason: string; writtenOffAt: string }>
  /** Releases and payment confirmations stop: an adverse credit record or notice stands against the enterprise (one event per notice). */
  | DomainEvent<'GrantSuspended', { grantId: string; creditCode: string; notice: CreditNotice; stage: SuspensionStage; reason: BilingualText; suspendedAt: string }>
  /** The bureau decided on the suspension, with a reason; it ends. `claw-back` comes with the ClawbackOrdered it ordered (`clawbackId`). */
  | DomainEvent<
      'GrantSuspensionDecided',
      { grantId: string; decision: SuspensionDecision; reason: string; notices: CreditNotice[]; clawbackId: string | null; decidedAt: string }
    >
  | DomainEvent<'GrantClosed', { grantId: string; outcome: AcceptanceDecision; tranchesNotDue: TrancheNotDue[]; closedAt: string }>;

export type GrantEventType = GrantEvent['type'];

export const GRANT_EVENTS: EventRegistry<GrantEvent> = {
  GrantAwarded: { version: 1 },
  AgreementSigned: { version: 1 },
  TrancheReleaseOrdered: { version: 1 },
  TranchePaid: { version: 1 },
  TranchePaidInFull: { version: 1 },
  TrancheReleaseCancelled: { version: 1 },
  MidTermInspected: { version: 1 },
  AcceptanceRequested: { version: 1 },
  AcceptanceDecided: { version: 1 },
  GrantEvaluated: { version: 1 },
  ClawbackOrdered: { version: 1 },
  RepaymentRecorded: { version: 1 },
  ClawbackSettled: { version: 1 },
  ClawbackOverdue: { version: 1 },
  ClawbackWrittenOff: { version: 1 },
  GrantClosed: { version: 1 },
  GrantSuspended: { version: 1 },
  GrantSuspensionDecided: { version: 1 },
};
