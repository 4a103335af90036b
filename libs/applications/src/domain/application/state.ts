import { assertNever } from '@ipstd/kernel';
import { Assessment, CreditFacts } from '@ipstd/funding-rules';
import { ApplicationProfile } from '../profile';
import { PanelExpert } from '../review';
import { ApplicationEvent } from './events';

export type ApplicationStatus =
  | 'submitted'
  | 'withdrawn'
  | 'endorsed'
  | 'not-endorsed'
  | 'under-review'
  | 'invited-to-defense'
  | 'selected'
  | 'not-selected';

export interface ReviewState {
  readonly experts: readonly PanelExpert[];
  /** Experts who declared a conflict: never counted, never again on this panel. */
  readonly conflicted: readonly string[];
  /** Reserves of a drawn panel not yet called in, in draw order (empty for a panel assigned by hand). */
  readonly reserves: readonly PanelExpert[];
  /** Per expert, the latest scores (revisable until the review closes). */
  readonly scores: Readonly<Record<string, { readonly totalHundredths: number; readonly scores: ReadonlyArray<{ criterionId: string; hundredths: number }> }>>;
  readonly aggregateHundredths: number | null;
}

export interface DefenseState {
  readonly roundId: string;
  readonly rank: number;
  readonly scores: Readonly<Record<string, number>>;
}

export interface Endorsement<Decision extends 'endorse' | 'decline' = 'endorse' | 'decline'> {
  readonly decision: Decision;
  readonly district: string;
  readonly opinion: string;
  readonly at: string;
}

export interface SelectionRecord<Decision extends 'select' | 'reject' = 'select' | 'reject'> {
  readonly decision: Decision;
  readonly approvedAmountFen: number;
  readonly reason: string;
  readonly finalScoreHundredths: number;
  readonly eligibilityOverride: string | null;
  readonly batch: string | null;
  /** The selection decision (and budget commitment) behind a `select`; null for a rejection. */
  readonly selectionId: Decision extends 'select' ? string : null;
}

/** A review request (复核) by the applicant against the decision that went against it. */
export interface ReviewRequestState {
  readonly requestId: string;
  readonly basis: 'not-selected' | 'objection-upheld';
  /** When the decision requested against was made. */
  readonly decisionAt: string;
  readonly grounds: string;
  readonly requestedBy: { readonly sub: string; readonly role: string };
  readonly requestedAt: string;
  readonly deadlineOn: string;
  readonly decision: { readonly outcome: 'upheld' | 'dismissed'; readonly reason: string; readonly decidedBy: { readonly sub: string; readonly role: string }; readonly decidedAt: string } | null;
}

/** What every application has, whatever its status. */
export interface ApplicationFacts {
  readonly applicationId: string;
  readonly programmeId: string;
  readonly profile: ApplicationProfile;
  readonly submittedAt: string;
  readonly amendments: number;
  /** The latest assessment under the programme's pinned rule set. */
  readonly eligibility: Assessment | null;
  /** Facts pushed by other systems that the latest assessment used. */
  readonly factsUsed: Partial<CreditFacts>;
  /** The latest decision against the applicant that a review request (复核) may be made against. */
  readonly adverseDecision: { readonly basis: 'not-selected' | 'objection-upheld'; readonly at: string } | null;
  readonly reviewRequests: readonly ReviewRequestState[];
}

type Stage<Status extends ApplicationStatus, Parts> = ApplicationFacts & { readonly status: Status; readonly withdrawnAt: null } & Parts;

/**
 * One shape per status, so that impossible combinations cannot be expressed: an endorsed application
 * has an endorsement and no review; one under review has a review and no selection; a selected one
 * has a `select` record with its selection id; a withdrawn one has no selection.
 */
export type SubmittedApplication = Stage<'submitted', { readonly endorsement: null; readonly review: null; readonly defense: null; readonly selection: null }>;
export type EndorsedApplication = Stage<'endorsed', { readonly endorsement: Endorsement<'endorse'>; readonly review: null; readonly defense: null; readonly selection: null }>;
export type NotEndorsedApplication = Stage<'not-endorsed', { readonly endorsement: Endorsement<'decline'>; readonly review: null; readonly defense: null; readonly selection: null }>;
export type UnderReviewApplication = Stage<'under-review', { readonly endorsement: Endorsement<'endorse'>; readonly review: ReviewState; readonly defense: null; readonly selection: null }>;
export type InvitedToDefenseApplication = Stage<
  'invited-to-defense',
  { readonly endorsement: Endorsement<'endorse'>; readonly review: ReviewState; readonly defense: DefenseState; readonly selection: null }
>;
export type SelectedApplication = Stage<
  'selected',
  { readonly endorsement: Endorsement<'endorse'>; readonly review: ReviewState; readonly defense: DefenseState | null; readonly selection: SelectionRecord<'select'> }
>;
export type NotSelectedApplication = Stage<
  'not-selected',
  { readonly endorsement: Endorsement<'endorse'>; readonly review: ReviewState; readonly defense: DefenseState | null; readonly selection: SelectionRecord<'reject'> }
>;
export type WithdrawnApplication = ApplicationFacts & {
  readonly status: 'withdrawn';
  readonly withdrawnAt: string;
  readonly endorsement: Endorsement | null;
  readonly review: ReviewState | null;
  readonly defense: DefenseState | null;
  readonly selection: null;
};

export type ExistingApplication =
  | SubmittedApplication
  | EndorsedApplication
  | NotEndorsedApplication
  | UnderReviewApplication
  | InvitedToDefenseApplication
  | SelectedApplication
  | NotSelectedApplication
  | WithdrawnApplication;

export type ApplicationState = { readonly status: 'none' } | ExistingApplication;

/** The review of an application, empty before a panel is assigned. */
export function reviewOf(state: ExistingApplication): ReviewState {
  return state.review ?? { experts: [], conflicted: [], reserves: [], scores: {}, aggregateHundredths: null };
}

/** The facts part of a state, to build the next status from. */
function factsOf(state: ExistingApplication): ApplicationFacts {
  const { applicationId, programmeId, profile, submittedAt, amendments, eligibility, factsUsed, adverseDecision, reviewRequests } = state;
  return { applicationId, programmeId, profile, submittedAt, amendments, eligibility, factsUsed, adverseDecision, reviewRequests };
}

/**
 * Folds one event into the state. `decide` appends an event only in a status that takes it; an
 * event that the current status cannot take (which only a damaged log could hold) leaves the state
 * unchanged, so that a read never fails: the integrity checks are where damage is reported.
 */
export function evolveApplication(state: ApplicationState, event: ApplicationEvent): ApplicationState {
  if (event.type === 'ApplicationSubmitted') {
    return {
      status: 'submitted',
      applicationId: event.data.applicationId,
      programmeId: event.data.programmeId,
      profile: event.data.profile,
      submittedAt: event.data.submittedAt,
      amendments: 0,
      withdrawnAt: null,
      eligibility: null,
      factsUsed: {},
      adverseDecision: null,
      reviewRequests: [],
      endorsement: null,
      review: null,
      defense: null,
      selection: null,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'ApplicationAmended':
      return { ...state, profile: event.data.profile, amendments: state.amendments + 1 };
    case 'EligibilityAssessed':
      return { ...state, eligibility: event.data.assessment, factsUsed: event.data.facts };
    case 'ApplicationWithdrawn':
      if (state.status === 'withdrawn' || state.status === 'selected' || state.status === 'not-selected') return state;
      return { ...factsOf(state), status: 'withdrawn', withdrawnAt: event.data.withdrawnAt, endorsement: state.endorsement, review: state.review, defense: state.defense, selection: null };
    case 'ApplicationEndorsed':
      if (state.status !== 'submitted') return state;
      return { ...state, status: 'endorsed', endorsement: { decision: 'endorse', district: event.data.district, opinion: event.data.opinion, at: event.data.endorsedAt } };
    case 'ApplicationNotEndorsed':
      if (state.status !== 'submitted') return state;
      return { ...state, status: 'not-endorsed', endorsement: { decision: 'decline', district: event.data.district, opinion: event.data.opinion, at: event.data.declinedAt } };
    case 'ReviewPanelAssigned': {
      if (state.status !== 'endorsed' && state.status !== 'under-review') return state;
      const review = reviewOf(state);
      const kept = new Set(event.data.experts.map((e) => e.expertId));
      const scores = Object.fromEntries(Object.entries(review.scores).filter(([id]) => kept.has(id)));
      return { ...state, status: 'under-review', review: { ...review, experts: event.data.experts, reserves: [], scores }, defense: null };
    }
    case 'ReviewPanelDrawn': {
      if (state.status !== 'endorsed') return state;
      return { ...state, status: 'under-review', review: { ...reviewOf(state), experts: event.data.drawn, reserves: event.data.reserves }, defense: null };
    }
    case 'ReserveExpertAssigned': {
      if (state.status !== 'under-review' && state.status !== 'invited-to-defense') return state;
      const review = reviewOf(state);
      return { ...state, review: { ...review, experts: [...review.experts, event.data.expert], reserves: review.reserves.filter((e) => e.expertId !== event.data.expert.expertId) } };
    }
    case 'ExpertConflictDeclared':
      if (state.status !== 'under-review' && state.status !== 'invited-to-defense') return state;
      return { ...state, review: { ...state.review, conflicted: [...state.review.conflicted, event.data.expertId] } };
    case 'ReviewScoresSubmitted':
      if (state.status !== 'under-review') return state;
      return { ...state, review: { ...state.review, scores: { ...state.review.scores, [event.data.expertId]: { totalHundredths: event.data.totalHundredths, scores: event.data.scores } } } };
    case 'ReviewClosed':
      if (state.status !== 'under-review') return state;
      return { ...state, review: { ...state.review, aggregateHundredths: event.data.aggregateHundredths } };
    case 'InvitedToDefense':
      if (state.status !== 'under-review' && state.status !== 'invited-to-defense') return state;
      return { ...state, status: 'invited-to-defense', defense: { roundId: event.data.roundId, rank: event.data.rank, scores: {} } };
    case 'DefenseScoreSubmitted':
      if (state.status !== 'invited-to-defense') return state;
      return { ...state, defense: { ...state.defense, scores: { ...state.defense.scores, [event.data.expertId]: event.data.hundredths } } };
    case 'ApplicationSelected':
      if (state.status !== 'under-review' && state.status !== 'invited-to-defense') return state;
      return {
        ...state,
        status: 'selected',
        selection: {
          decision: 'select',
          approvedAmountFen: event.data.approvedAmountFen,
          reason: event.data.reason,
          finalScoreHundredths: event.data.finalScoreHundredths,
          eligibilityOverride: event.data.eligibilityOverride,
          batch: event.data.batch,
          selectionId: event.data.selectionId,
        },
      };
    case 'ApplicationNotSelected':
      if (state.status !== 'under-review' && state.status !== 'invited-to-defense') return state;
      return {
        ...state,
        status: 'not-selected',
        selection: { decision: 'reject', approvedAmountFen: 0, reason: event.data.reason, finalScoreHundredths: event.data.finalScoreHundredths, eligibilityOverride: null, batch: null, selectionId: null },
        adverseDecision: { basis: 'not-selected', at: event.data.decidedAt },
      };
    case 'ApplicationSelectionWithdrawn':
      if (state.status !== 'selected' || state.selection.selectionId !== event.data.selectionId) return state;
      return {
        ...state,
        status: 'not-selected',
        selection: {
          decision: 'reject',
          approvedAmountFen: 0,
          reason: event.data.reason,
          finalScoreHundredths: state.selection.finalScoreHundredths,
          eligibilityOverride: null,
          batch: null,
          selectionId: null,
        },
        adverseDecision: { basis: 'objection-upheld', at: event.data.withdrawnAt },
      };
    case 'ReviewRequested': {
      const { requestId, basis, decisionAt, grounds, requestedBy, requestedAt, deadlineOn } = event.data;
      return { ...state, reviewRequests: [...state.reviewRequests, { requestId, basis, decisionAt, grounds, requestedBy, requestedAt, deadlineOn, decision: null }] };
    }
    case 'ReviewRequestDecided': {
      const { requestId, outcome, reason, decidedBy, decidedAt } = event.data;
      const reviewRequests = state.reviewRequests.map((r) => (r.requestId === requestId ? { ...r, decision: { outcome, reason, decidedBy, decidedAt } } : r));
      if (outcome === 'dismissed' || state.status !== 'not-selected' || !state.review) return { ...state, reviewRequests };
      // Upheld: the decision is reopened; the bureau decides the selection again (the review stays closed).
      if (state.defense) return { ...state, reviewRequests, status: 'invited-to-defense', review: state.review, defense: state.defense, selection: null, adverseDecision: null };
      return { ...state, reviewRequests, status: 'under-review', review: state.review, defense: null, selection: null, adverseDecision: null };
    }
    default:
      return assertNever(event);
  }
}
