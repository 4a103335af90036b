import { RecordedEvent } from '@ipstd/event-store';
import { domainEventOf, readEvent } from '@ipstd/platform';
import { GRANT_EVENTS, GrantState, grantDecider } from '@ipstd/grants';
import { KeyedProjection, Row } from '@ipstd/platform';

/**
 * Grants with their money, for the bureau, finance and the overdue check. The row keeps the folded
 * grant state, so the columns come from the domain's own fold rather than a second copy of its rules.
 */
export const grantsProjection: KeyedProjection = {
  kind: 'keyed',
  name: 'grants',
  version: 1,
  table: {
    name: 'rm_grants',
    columns: {
      grant_id: 'text',
      application_id: 'text',
      programme_id: 'text',
      credit_code: 'text',
      district: 'text',
      status: 'text',
      award_fen: 'bigint',
      ordered_fen: 'bigint',
      paid_fen: 'bigint',
      clawback_ordered_fen: 'bigint',
      repaid_fen: 'bigint',
      written_off_fen: 'bigint',
      open_clawbacks: 'int',
      awarded_at: 'timestamptz',
      updated_at: 'timestamptz',
      revision: 'bigint',
      state: 'jsonb',
    },
    primaryKey: ['grant_id'],
    indexes: [['programme_id', 'status'], ['credit_code'], ['open_clawbacks'], ['awarded_at', 'grant_id'], ['application_id']],
  },
  handles: Object.keys(GRANT_EVENTS),
  keyOf: (event) => [readEvent(GRANT_EVENTS, event).data.grantId],
  evolve(row: Row | null, recorded: RecordedEvent): Row | null {
    const before = (row?.state as GrantState | undefined) ?? grantDecider.initialState();
    const state = grantDecider.evolve(before, domainEventOf(readEvent(GRANT_EVENTS, recorded)));
    if (state.status === 'none') return null;
    const { money } = state;
    return {
      grant_id: state.grantId,
      application_id: state.applicationId,
      programme_id: state.programmeId,
      credit_code: state.enterprise.creditCode,
      district: state.enterprise.district,
      status: state.status,
      award_fen: String(money.awardFen),
      ordered_fen: String(money.orderedFen),
      paid_fen: String(money.paidFen),
      clawback_ordered_fen: String(money.clawbackOrderedFen),
      repaid_fen: String(money.repaidFen),
      written_off_fen: String(money.writtenOffFen),
      open_clawbacks: state.clawbacks.filter((c) => c.status === 'open' || c.status === 'overdue').length,
      awarded_at: state.awardedAt,
      updated_at: recorded.recordedAt,
      revision: recorded.revision.toString(),
      state,
    };
  },
};
