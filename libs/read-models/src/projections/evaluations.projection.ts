import { RecordedEvent } from '@ipstd/event-store';
import { GRANT_EVENTS } from '@ipstd/grants';
import { AppendProjection, Row, readEventOf } from '@ipstd/platform';

/** Every evaluation against an index (Rizhao pilot), with its indicator values, for the city dashboard. */
export const evaluationsProjection: AppendProjection = {
  kind: 'append',
  name: 'evaluations',
  version: 1,
  table: {
    name: 'rm_evaluations',
    columns: {
      grant_id: 'text',
      revision: 'bigint',
      outcome: 'text',
      score: 'text',
      pass_mark: 'text',
      rule_set: 'text',
      indicators: 'jsonb',
      evaluated_at: 'timestamptz',
    },
    primaryKey: ['grant_id', 'revision'],
    indexes: [['grant_id', 'evaluated_at']],
  },
  handles: ['GrantEvaluated'],
  rowsFor(recorded: RecordedEvent): Row[] {
    const { data } = readEventOf(GRANT_EVENTS, 'GrantEvaluated', recorded);
    return [
      {
        grant_id: data.grantId,
        revision: recorded.revision.toString(),
        outcome: data.outcome,
        score: String(data.score),
        pass_mark: String(data.passMark),
        rule_set: data.index ? `${data.index.ruleSet.id}@${data.index.ruleSet.version}` : null,
        indicators: data.index?.indicators ?? [],
        evaluated_at: data.evaluatedAt,
      },
    ];
  },
};
