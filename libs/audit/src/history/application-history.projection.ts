import { RecordedEvent } from '@ipstd/event-store';
import { readEvent } from '@ipstd/platform';
import { APPLICATION_EVENTS, ApplicationEvent } from '@ipstd/applications';
import { AppendProjection, Row } from '@ipstd/platform';

/** The auditors' decision timeline of an application: who, when, what, why, caused by what. */
export const applicationHistoryProjection: AppendProjection = {
  kind: 'append',
  name: 'application-history',
  version: 1,
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
  handles: Object.keys(APPLICATION_EVENTS),
  rowsFor(recorded: RecordedEvent): Row[] {
    const event = readEvent(APPLICATION_EVENTS, recorded);
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
    case 'ApplicationEndorsed':
      return { zh: `区县知识产权管理部门（${event.data.district}）推荐：${event.data.opinion}`, en: `Endorsed by district office ${event.data.district}: ${event.data.opinion}`, details: { ...event.data } };
    case 'ApplicationNotEndorsed':
      return { zh: `区县知识产权管理部门（${event.data.district}）不予推荐：${event.data.opinion}`, en: `Not endorsed by district office ${event.data.district}: ${event.data.opinion}`, details: { ...event.data } };
    case 'ReviewPanelAssigned':
      return {
        zh: `分配评审专家：${event.data.experts.map((e) => e.expertId).join('、')}`,
        en: `Review panel assigned: ${event.data.experts.map((e) => e.expertId).join(', ')}`,
        details: { experts: event.data.experts },
      };
    case 'ReviewPanelDrawn':
      return {
        zh: `从专家库随机抽取评审专家（领域 ${event.data.field}）：${event.data.drawn.map((e) => e.expertId).join('、')}；备选：${event.data.reserves.map((e) => e.expertId).join('、') || '无'}`,
        en: `Review panel drawn at random from the expert pool (field ${event.data.field}): ${event.data.drawn.map((e) => e.expertId).join(', ')}; reserves: ${event.data.reserves.map((e) => e.expertId).join(', ') || 'none'}`,
        details: { ...event.data },
      };
    case 'ReserveExpertAssigned':
      return {
        zh: `备选专家 ${event.data.expert.expertId} 依抽取顺序递补，替换回避的专家 ${event.data.replaces}`,
        en: `Reserve expert ${event.data.expert.expertId} called in, in draw order, in place of ${event.data.replaces}`,
        details: { ...event.data },
      };
    case 'ExpertConflictDeclared':
      return { zh: `专家 ${event.data.expertId} 申报利益冲突，回避：${event.data.reason}`, en: `Expert ${event.data.expertId} declared a conflict of interest and stands down: ${event.data.reason}`, details: { ...event.data } };
    case 'ReviewScoresSubmitted':
      return { zh: `专家 ${event.data.expertId} 提交评分，合计 ${event.data.totalHundredths / 100} 分`, en: `Expert ${event.data.expertId} scored ${event.data.totalHundredths / 100} points`, details: { ...event.data } };
    case 'ReviewClosed':
      return {
        zh: `评审结束，${event.data.aggregation === 'trimmed-mean' ? '去掉最高分和最低分后' : ''}平均 ${event.data.aggregateHundredths / 100} 分`,
        en: `Review closed: ${event.data.aggregation} ${event.data.aggregateHundredths / 100} points`,
        details: { ...event.data },
      };
    case 'InvitedToDefense':
      return { zh: `排名第 ${event.data.rank}，邀请参加答辩`, en: `Ranked ${event.data.rank}; invited to the defense round`, details: { ...event.data } };
    case 'DefenseScoreSubmitted':
      return { zh: `专家 ${event.data.expertId} 提交答辩评分 ${event.data.hundredths / 100} 分`, en: `Expert ${event.data.expertId} gave a defense score of ${event.data.hundredths / 100}`, details: { ...event.data } };
    case 'ApplicationSelected':
      return {
        zh: `${event.data.batch ? `（${event.data.batch}）` : ''}立项，批准金额 ${event.data.approvedAmountFen} 分，理由：${event.data.reason}${event.data.eligibilityOverride ? `；不符合申报条件经人工认定：${event.data.eligibilityOverride}` : ''}`,
        en: `Selected${event.data.batch ? ` in batch ${event.data.batch}` : ''} with ${event.data.approvedAmountFen} fen approved; reason: ${event.data.reason}${event.data.eligibilityOverride ? `; eligibility overridden: ${event.data.eligibilityOverride}` : ''}`,
        details: { ...event.data },
      };
    case 'ApplicationNotSelected':
      return { zh: `未立项，理由：${event.data.reason}`, en: `Not selected; reason: ${event.data.reason}`, details: { ...event.data } };
    case 'ApplicationSelectionWithdrawn':
      return {
        zh: `公示期间异议成立，撤销立项（异议 ${event.data.objectionId}）：${event.data.reason}`,
        en: `Selection withdrawn after objection ${event.data.objectionId} was upheld during the public notice: ${event.data.reason}`,
        details: { ...event.data },
      };
    case 'ReviewRequested':
      return {
        zh: `申报单位申请复核（${event.data.basis === 'not-selected' ? '未立项' : '异议成立撤销立项'}），期限至 ${event.data.deadlineOn}：${event.data.grounds}`,
        en: `The applicant requested a review (${event.data.basis}) by ${event.data.deadlineOn}: ${event.data.grounds}`,
        details: { ...event.data },
      };
    case 'ReviewRequestDecided':
      return {
        zh: `复核${event.data.outcome === 'upheld' ? '成立，重新作出立项决定' : '不成立，维持原决定'}：${event.data.reason}`,
        en: `Review request ${event.data.outcome}${event.data.outcome === 'upheld' ? '; the selection is decided again' : '; the decision stands'}: ${event.data.reason}`,
        details: { ...event.data },
      };
  }
}
