import { RecordedEvent } from '@ipstd/event-store';
import { decodeEvent } from '@ipstd/kernel';
import { APPLICATION_EVENTS, ApplicationEvent } from '@ipstd/applications';
import { AppendProjection, Row } from '../runner/projection';

/** The auditors' decision timeline of an application: who, when, what, why, caused by what. */
export const applicationHistoryProjection: AppendProjection = {
  kind: 'append',
  name: 'application-history',
  table: {
    name: 'rm_application_history',
    columns: {
      application_id: 'text',
      revision: 'bigint',
      global_position: 'bigint',
      event_id: 'text',
      event_type: 'text',
      recorded_at: 'timestamptz',
      effective_at: 'timestamptz',
      actor_user_id: 'text',
      actor_role: 'text',
      actor_organisation: 'text',
      correlation_id: 'text',
      causation_id: 'text',
      summary_zh: 'text',
      summary_en: 'text',
      details: 'jsonb',
    },
    primaryKey: ['application_id', 'revision'],
  },
  handles: ['ApplicationSubmitted', 'ApplicationAmended', 'ApplicationWithdrawn', 'EligibilityAssessed'],
  rowsFor(recorded: RecordedEvent): Row[] {
    const event: ApplicationEvent = decodeEvent(APPLICATION_EVENTS, recorded.type, recorded.schemaVersion, recorded.data);
    const { zh, en, details } = describe(event);
    return [
      {
        application_id: event.data.applicationId,
        revision: recorded.revision.toString(),
        global_position: recorded.globalPosition.toString(),
        event_id: recorded.eventId,
        event_type: recorded.type,
        recorded_at: recorded.recordedAt,
        effective_at: recorded.metadata.effectiveAt,
        actor_user_id: recorded.metadata.actor.userId,
        actor_role: recorded.metadata.actor.role,
        actor_organisation: recorded.metadata.actor.organisation,
        correlation_id: recorded.metadata.correlationId,
        causation_id: recorded.metadata.causationId,
        summary_zh: zh,
        summary_en: en,
        details,
      },
    ];
  },
};

function describe(event: ApplicationEvent): { zh: string; en: string; details: Record<string, unknown> } {
  switch (event.type) {
    case 'ApplicationSubmitted': {
      const { enterprise, project } = event.data.profile;
      return {
        zh: `${enterprise.name}（${enterprise.creditCode}）提交申报“${project.title}”，申请金额 ${project.requestedAmountFen} 分`,
        en: `${enterprise.creditCode} submitted “${project.title}” requesting ${project.requestedAmountFen} fen`,
        details: { programmeId: event.data.programmeId, district: enterprise.district, requestedAmountFen: project.requestedAmountFen },
      };
    }
    case 'ApplicationAmended':
      return {
        zh: '申报单位在截止前修改了申报材料',
        en: 'The applicant amended the application before the deadline',
        details: { requestedAmountFen: event.data.profile.project.requestedAmountFen },
      };
    case 'ApplicationWithdrawn':
      return {
        zh: `申报单位撤回申报${event.data.reason ? `，理由：${event.data.reason}` : ''}`,
        en: `The applicant withdrew the application${event.data.reason ? `; reason: ${event.data.reason}` : ''}`,
        details: { reason: event.data.reason },
      };
    case 'EligibilityAssessed': {
      const { assessment, trigger, facts } = event.data;
      const version = `${assessment.ruleSet.id} v${assessment.ruleSet.version}`;
      const open = assessment.clauses.filter((c) => c.outcome === 'fail' || c.outcome === 'finding');
      const outcome = { eligible: ['符合申报条件', 'eligible'], ineligible: ['不符合申报条件', 'ineligible'], 'needs-review': ['需评审关注', 'needs review'] }[assessment.outcome];
      const why = { submission: ['提交时', 'on submission'], amendment: ['修改后', 'after amendment'], 'credit-fact': ['外部系统推送信用信息后', 'after a fact pushed by another system'] }[trigger];
      return {
        zh: `${why[0]}按 ${version} 评估：${outcome[0]}${open.length ? `（${open.map((c) => `${c.id} ${c.outcome === 'fail' ? '不符合' : '待核'}`).join('，')}）` : ''}`,
        en: `Assessed ${why[1]} under ${version}: ${outcome[1]}${open.length ? ` (${open.map((c) => `${c.id} ${c.outcome}`).join(', ')})` : ''}`,
        details: { ruleSet: assessment.ruleSet, referenceDate: assessment.referenceDate, outcome: assessment.outcome, trigger, facts, clauses: assessment.clauses, priority: assessment.priority },
      };
    }
  }
}
