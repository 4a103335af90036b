import { CreditFacts, RuleSet, WorkingDayCalendar } from '@ipstd/funding-rules';
import { ApplicationProfile } from '../profile';
import { ProgrammeTerms } from '../programme';
import { PanelExpert } from '../review';
import { PanelDraw } from '../expert-pool';

/** The programme facts an application command is decided against, read from the programme stream. */
export interface ProgrammeContext {
  readonly programmeId: string;
  readonly terms: ProgrammeTerms;
}

/** The rules an application is assessed under: the programme's pinned rule set and the enterprise's pushed facts. */
export interface AssessmentBasis {
  readonly ruleSet: RuleSet;
  readonly facts: Partial<CreditFacts>;
}

export interface SubmitApplication {
  readonly type: 'SubmitApplication';
  readonly applicationId: string;
  readonly programme: ProgrammeContext;
  readonly profile: ApplicationProfile;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

export interface AmendApplication {
  readonly type: 'AmendApplication';
  readonly programme: ProgrammeContext;
  readonly profile: ApplicationProfile;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

/** Assess again because facts pushed by other systems changed; a no-op when they did not. */
export interface ReassessEligibility {
  readonly type: 'ReassessEligibility';
  readonly programme: ProgrammeContext;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

export interface WithdrawApplication {
  readonly type: 'WithdrawApplication';
  readonly reason: string | null;
  readonly now: Date;
}

/** Initial review and recommendation (初审/推荐意见) by the applicant's district office. */
export interface EndorseApplication {
  readonly type: 'EndorseApplication';
  readonly programme: ProgrammeContext;
  readonly decision: 'endorse' | 'decline';
  readonly district: string;
  readonly opinion: string;
  readonly now: Date;
}

export interface AssignReviewPanel {
  readonly type: 'AssignReviewPanel';
  readonly programme: ProgrammeContext;
  readonly experts: readonly PanelExpert[];
  readonly now: Date;
}

/** Record on the application the panel drawn from the city's expert pool (recorded there first as ExpertsDrawn). */
export interface RecordPanelDraw {
  readonly type: 'RecordPanelDraw';
  readonly programme: ProgrammeContext;
  readonly draw: PanelDraw;
  readonly now: Date;
}

export interface DeclareConflict {
  readonly type: 'DeclareConflict';
  readonly expertId: string;
  readonly reason: string;
  readonly now: Date;
}

export interface SubmitReviewScores {
  readonly type: 'SubmitReviewScores';
  readonly programme: ProgrammeContext;
  readonly expertId: string;
  readonly scores: ReadonlyArray<{ readonly criterionId: string; readonly score: number }>;
  readonly comment: string;
  readonly now: Date;
}

export interface CloseReview {
  readonly type: 'CloseReview';
  readonly programme: ProgrammeContext;
  readonly now: Date;
}

export interface InviteToDefense {
  readonly type: 'InviteToDefense';
  readonly roundId: string;
  readonly rank: number;
  readonly now: Date;
}

export interface SubmitDefenseScore {
  readonly type: 'SubmitDefenseScore';
  readonly expertId: string;
  readonly score: number;
  readonly comment: string;
  readonly now: Date;
}

/** Selection (立项) or rejection by the bureau; the budget commitment is made on the programme first. */
export interface DecideSelection {
  readonly type: 'DecideSelection';
  readonly programme: ProgrammeContext;
  readonly decision: 'select' | 'reject';
  readonly approvedAmountFen: number;
  readonly reason: string;
  /** Needed, with a reason, to select an application assessed ineligible. */
  readonly eligibilityOverride: string | null;
  /** The designation batch this selection belongs to, when the programme designates in batches. */
  readonly batch?: string | null;
  /**
   * For `select`: the budget commitment made for this decision on the programme stream. Null only
   * when checking, before any money is committed, whether the selection would be refused.
   */
  readonly commitment: { readonly selectionId: string; readonly amountFen: number; readonly expiresAt: string } | null;
  /**
   * The enterprise's latest credit facts, read from its fact stream when the selection is decided (not
   * the last recorded assessment, which the re-assessor brings up to date a moment later).
   */
  readonly credit: Partial<CreditFacts>;
  readonly now: Date;
}

/**
 * An objection upheld during the public notice withdraws the selection it named (that selection only:
 * a later selection of the application, if any, is not touched).
 */
export interface WithdrawSelection {
  readonly type: 'WithdrawSelection';
  readonly selectionId: string;
  readonly objectionId: string;
  readonly reason: string;
  readonly now: Date;
}

/** The applicant asks for a review (复核) of the decision against it. */
export interface RequestReview {
  readonly type: 'RequestReview';
  readonly requestId: string;
  readonly programme: ProgrammeContext;
  readonly grounds: string;
  readonly by: { readonly sub: string; readonly role: string };
  readonly calendar: WorkingDayCalendar;
  readonly now: Date;
}

export interface DecideReviewRequest {
  readonly type: 'DecideReviewRequest';
  readonly requestId: string;
  readonly outcome: 'upheld' | 'dismissed';
  readonly reason: string;
  readonly by: { readonly sub: string; readonly role: string };
  readonly now: Date;
}

export type ApplicationCommand =
  | RequestReview
  | DecideReviewRequest
  | WithdrawSelection
  | SubmitApplication
  | AmendApplication
  | WithdrawApplication
  | ReassessEligibility
  | EndorseApplication
  | AssignReviewPanel
  | RecordPanelDraw
  | DeclareConflict
  | SubmitReviewScores
  | CloseReview
  | InviteToDefense
  | SubmitDefenseScore
  | DecideSelection;

/** The maximum score of the defense round (答辩), in points. */
export const DEFENSE_MAX_POINTS = 100;
