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
    profile: state.profile,
    revision: Number(revision),
  };
}

export type ProgrammeView = ReturnType<typeof programmeView>;
export type ApplicationView = ReturnType<typeof applicationView>;
