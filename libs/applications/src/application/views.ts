import { CommandResult, Principal } from '@ipstd/platform';
import { ApplicationState, ProgrammeState, ReviewState, fromHundredths, windowPhase } from '../domain';

/**
 * A programme call. The defense-round ranking (every invited application with its rank and review
 * score) is shown only when `seesRanking` (the bureau and auditors of the call's city, the experts on
 * an invited application's panel: programmes.controller.ts); everyone else learns only that a round
 * is open (`{ roundId, invited: null }`).
 */
export function programmeView(state: Extract<ProgrammeState, { status: 'open' }>, revision: bigint, now: Date, seesRanking = true) {
  return {
    programmeId: state.programmeId,
    ...state.terms,
    openedAt: state.openedAt,
    phase: windowPhase(state.terms, now),
    committedFen: state.committedFen,
    remainingFen: state.terms.budgetFen - state.committedFen,
    defenseRound: state.defenseRound && (seesRanking ? state.defenseRound : { roundId: state.defenseRound.roundId, invited: null }),
    /** The public notices (公示) and when each period ends (for reminders); entries and objections at /notices. */
    notices: Object.values(state.notices).map((n) => ({ noticeId: n.noticeId, publishedAt: n.publishedAt, workingDays: n.workingDays, endsOn: n.endsOn, endsAt: n.endsAt, closedAt: n.closedAt, entries: n.entries.length })),
    revision: Number(revision),
  };
}

/**
 * Whether the viewer may know who reviews: the bureau, auditors and the experts themselves. Applicants
 * and district offices never learn reviewers' identities or who declared a conflict (privacy by
 * default, docs/api-guide.md).
 */
function seesReviewers(viewer: Principal | null): boolean {
  return viewer === null || viewer.role === 'programme-admin' || viewer.role === 'auditor' || viewer.role === 'expert';
}

/**
 * The review as the caller may see it: whether it is closed and, once closed, the aggregate for
 * everyone; the panel and conflicts for the bureau, auditors and experts only (null for others); an
 * expert sees only their own scores until the review closes; the bureau and auditors see all scores.
 */
function reviewView(review: ReviewState | null, viewer: Principal | null) {
  if (!review) return null;
  const closed = review.aggregateHundredths !== null;
  const sees = (expertId: string) => viewer === null || viewer.role === 'programme-admin' || viewer.role === 'auditor' || (viewer.role === 'expert' && (viewer.sub === expertId || closed));
  const reviewers = seesReviewers(viewer);
  return {
    panel: reviewers ? review.experts.map((e) => e.expertId) : null,
    conflicted: reviewers ? review.conflicted : null,
    /** Reserves of a drawn panel still to be called in, in draw order: the bureau and auditors only. */
    ...(viewer === null || viewer.role === 'programme-admin' || viewer.role === 'auditor' ? { reserves: review.reserves.map((e) => e.expertId) } : {}),
    closed,
    aggregate: closed ? fromHundredths(review.aggregateHundredths!) : null,
    scores: Object.entries(review.scores)
      .filter(([expertId]) => sees(expertId))
      .map(([expertId, s]) => ({ expertId, total: fromHundredths(s.totalHundredths), criteria: s.scores.map((c) => ({ criterionId: c.criterionId, score: fromHundredths(c.hundredths) })) })),
  };
}

export function applicationView(state: Exclude<ApplicationState, { status: 'none' }>, revision: bigint, viewer: Principal | null = null, grantId: string | null = null) {
  return {
    applicationId: state.applicationId,
    /** The grant, once awarded (GET /v1/applications/{id} looks it up; command responses say null). */
    grantId,
    programmeId: state.programmeId,
    status: state.status,
    submittedAt: state.submittedAt,
    amendments: state.amendments,
    withdrawnAt: state.withdrawnAt,
    eligibility: state.eligibility,
    endorsement: state.endorsement,
    review: reviewView(state.review, viewer),
    defense: state.defense && {
      roundId: state.defense.roundId,
      rank: state.defense.rank,
      experts: seesReviewers(viewer) ? Object.keys(state.defense.scores).filter((id) => viewer === null || viewer.role !== 'expert' || viewer.sub === id) : null,
    },
    selection: state.selection,
    /** Review requests (复核) and the bureau's decisions, with who and when. */
    reviewRequests: state.reviewRequests,
    profile: state.profile,
    revision: Number(revision),
  };
}

export type ProgrammeView = ReturnType<typeof programmeView>;
export type ApplicationView = ReturnType<typeof applicationView>;

export interface ApplicationCommandResult {
  readonly view: ApplicationView;
  readonly revision: bigint;
  readonly replayed: boolean;
}

/** What every application command answers: the application as it now stands, and its ETag. */
export function applicationResult(result: CommandResult<ApplicationState>, viewer: Principal): ApplicationCommandResult {
  if (result.state.status === 'none') throw new Error('an application command left no application');
  return { view: applicationView(result.state, result.revision, viewer), revision: result.revision, replayed: result.replayed };
}
