import { RecordedEvent } from '@ipstd/event-store';
import { AppendProjection, Row } from '@ipstd/platform';

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
    const data = recorded.data as { grantId: string; outcome: string; score: number; passMark: number; evaluatedAt: string; index?: { ruleSet: { id: string; version: number }; indicators: unknown[] } | null };
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
