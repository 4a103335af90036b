import { RecordedEvent } from '@ipstd/event-store';
import { PROGRAMME_EVENTS } from '@ipstd/applications';
import { KeyedProjection, Row, cityOf, readEvent } from '@ipstd/platform';

/**
 * Programme calls (申报通知), for GET /v1/programmes: who may see which call and its phase are decided
 * at query time (the phase depends on the clock), so the row keeps the call's city, rule set and window.
 */
export const programmesProjection: KeyedProjection = {
  kind: 'keyed',
  name: 'programmes',
  version: 1,
  table: {
    name: 'rm_programmes',
    columns: {
      programme_id: 'text',
      code: 'text',
      title: 'text',
      city: 'text',
      rule_set_id: 'text',
      rule_set_version: 'int',
      opens_at: 'timestamptz',
      closes_at: 'timestamptz',
      endorsement_deadline: 'timestamptz',
      budget_fen: 'bigint',
      opened_at: 'timestamptz',
      revision: 'bigint',
    },
    primaryKey: ['programme_id'],
    indexes: [['city', 'opened_at', 'programme_id'], ['opened_at', 'programme_id'], ['closes_at']],
  },
  handles: ['ProgrammeOpened'],
  keyOf: (event) => [readEvent(PROGRAMME_EVENTS, event).data.programmeId],
  evolve(row: Row | null, recorded: RecordedEvent): Row | null {
    const event = readEvent(PROGRAMME_EVENTS, recorded);
    if (event.type !== 'ProgrammeOpened') return row;
    const { terms } = event.data;
    return {
      programme_id: event.data.programmeId,
      code: terms.code,
      title: terms.title,
      city: cityOf(event),
      rule_set_id: terms.ruleSet.id,
      rule_set_version: terms.ruleSet.version,
      opens_at: terms.window.opensAt,
      closes_at: terms.window.closesAt,
      endorsement_deadline: terms.endorsementDeadline,
      budget_fen: String(terms.budgetFen),
      opened_at: event.data.openedAt,
      revision: recorded.revision.toString(),
    };
  },
};
