import { CommandResult } from '@ipstd/platform';
import { ApplicationState, ProgrammeState, windowPhase } from '../domain';

export function programmeView(state: Extract<ProgrammeState, { status: 'open' }>, revision: bigint, now: Date) {
  return {
    programmeId: state.programmeId,
    ...state.terms,
    openedAt: state.openedAt,
    phase: windowPhase(state.terms, now),
    revision: Number(revision),
  };
}

export function applicationView(state: Exclude<ApplicationState, { status: 'none' }>, revision: bigint) {
  return {
    applicationId: state.applicationId,
    programmeId: state.programmeId,
    status: state.status,
    submittedAt: state.submittedAt,
    amendments: state.amendments,
    withdrawnAt: state.withdrawnAt,
    eligibility: state.eligibility,
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
export function applicationResult(result: CommandResult<ApplicationState>): ApplicationCommandResult {
  if (result.state.status === 'none') throw new Error('an application command left no application');
  return { view: applicationView(result.state, result.revision), revision: result.revision, replayed: result.replayed };
}
