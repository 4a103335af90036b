import { GrantState, moneyOf } from '../domain';

export function grantView(state: Exclude<GrantState, { status: 'none' }>, revision: bigint) {
  return {
    grantId: state.grantId,
    applicationId: state.applicationId,
    programmeId: state.programmeId,
    status: state.status,
    enterprise: state.enterprise,
    awardedAt: state.awardedAt,
    agreementSignedAt: state.agreementSignedAt,
    implementation: state.implementation,
    acceptanceLeadMonths: state.acceptanceLeadMonths,
    targets: state.targets,
    tranches: state.tranches,
    clawbacks: state.clawbacks,
    money: moneyOf(state),
    inspections: state.inspections,
    evaluations: state.evaluations,
    acceptanceRequestedAt: state.acceptanceRequestedAt,
    acceptance: state.acceptance,
    closedAt: state.closedAt,
    /** Set while releases and payment confirmations are stopped for a credit record (until the bureau decides). */
    suspension: state.suspension ?? null,
    revision: Number(revision),
  };
}

export type GrantView = ReturnType<typeof grantView>;
