import { CommandResult, Principal } from '@ipstd/platform';
import { ApplicationState, ProgrammeState, ReviewState, fromHundredths, windowPhase } from '../domain';

export function programmeView(state: Extract<ProgrammeState, { status: 'open' }>, revision: bigint, now: Date) {
  return {
    programmeId: state.programmeId,
    ...state.terms,
    openedAt: state.openedAt,
    phase: windowPhase(state.terms, now),
    committedFen: state.committedFen,
    remainingFen: state.terms.budgetFen - state.committedFen,
    defenseRound: state.defenseRound,
    revision: Number(revision),
  };
}

/**
 * The review as the caller may see it: the panel and, once closed, the aggregate for everyone; an
 * expert sees only their own scores until the review closes; the bureau and auditors see all scores.
 */
function reviewView(review: ReviewState | null, viewer: Principal | null) {
  if (!review) return null;
  const closed = review.aggregateHundredths !== null;
  const sees = (expertId: string) => viewer === null || viewer.role === 'programme-admin' || viewer.role === 'auditor' || (viewer.role === 'expert' && (viewer.sub === expertId || closed));
  return {
    panel: review.experts.map((e) => e.expertId),
    conflicted: review.conflicted,
    /** Reserves of a drawn panel still to be called in, in draw order: the bureau and auditors only. */
    ...(viewer === null || viewer.role === 'programme-admin' || viewer.role === 'auditor' ? { reserves: review.reserves.map((e) => e.expertId) } : {}),
    closed,
    aggregate: closed ? fromHundredths(review.aggregateHundredths!) : null,
    scores: Object.entries(review.scores)
      .filter(([expertId]) => sees(expertId))
      .map(([expertId, s]) => ({ expertId, total: fromHundredths(s.totalHundredths), criteria: s.scores.map((c) => ({ criterionId: c.criterionId, score: fromHundredths(c.hundredths) })) })),
  };
}

export function applicationView(state: Exclude<ApplicationState, { status: 'none' }>, revision: bigint, viewer: Principal | null = null) {
  return {
    applicationId: state.applicationId,
    programmeId: state.programmeId,
    status: state.status,
    submittedAt: state.submittedAt,
    amendments: state.amendments,
    withdrawnAt: state.withdrawnAt,
    eligibility: state.eligibility,
    endorsement: state.endorsement,
    review: reviewView(state.review, viewer),
    defense: state.defense && { roundId: state.defense.roundId, rank: state.defense.rank, experts: Object.keys(state.defense.scores).filter((id) => viewer === null || viewer.role !== 'expert' || viewer.sub === id) },
    selection: state.selection,
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
