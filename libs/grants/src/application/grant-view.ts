import { GrantState, lastAcceptanceRequestAt, moneyOf } from '../domain';

/**
 * The grant as every reader sees it. Money uses the ledger's vocabulary (`netPaidFen`, `outstandingFen`,
 * docs/api-guide.md "Money fields"); `netDisbursedFen` and `clawbackOutstandingFen` are deprecated
 * aliases kept with the same values until clients have moved.
 */

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
    money: moneyWithAliases(state),
    /** Each mid-term inspection with its per-target results (on-track, at-risk or failing, with findings). */
    inspections: state.inspections.map((i) => ({ inspectionId: i.inspectionId, outcome: i.outcome, inspectedAt: i.inspectedAt, results: i.results ?? [] })),
    /** The latest instant the enterprise may request acceptance: the implementation end less the lead time. */
    lastAcceptanceRequestAt: lastAcceptanceRequestAt(state).toISOString(),
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

function moneyWithAliases(state: Exclude<GrantState, { status: 'none' }>) {
  const { netDisbursedFen, clawbackOutstandingFen, ...money } = moneyOf(state);
  return {
    ...money,
    /** paid − repaid, as the ledger names it. */
    netPaidFen: netDisbursedFen,
    /** What open and overdue clawbacks still ask back (ordered − repaid − written off), as the ledger names it. */
    outstandingFen: clawbackOutstandingFen,
    /** @deprecated alias of netPaidFen (docs/api-guide.md, "Money fields"). */
    netDisbursedFen,
    /** @deprecated alias of outstandingFen (docs/api-guide.md, "Money fields"). */
    clawbackOutstandingFen,
  };
}
