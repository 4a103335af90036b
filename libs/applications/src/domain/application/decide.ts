import { DomainError, assertNever, canonicalJson, checkCreditCode, shanghaiDate } from '@ipstd/kernel';
import { CalendarYearMissing, addWorkingDays, evaluateEligibility, nextDate } from '@ipstd/funding-rules';
import { isDistrictOf } from '../divisions';
import { ApplicationProfile } from '../profile';
import { describeDeadline, requireWindowClosed, windowPhase } from '../programme';
import { aggregate, conflictOf, scoreHundredths, ConflictReason } from '../review';
import {
  AmendApplication, ApplicationCommand, AssessmentBasis, AssignReviewPanel, CloseReview, DEFENSE_MAX_POINTS, DecideSelection, DeclareConflict, EndorseApplication,
  InviteToDefense, ProgrammeContext, ReassessEligibility, RecordPanelDraw, SubmitApplication, SubmitDefenseScore, SubmitReviewScores, WithdrawApplication,
  WithdrawSelection, RequestReview, DecideReviewRequest,
} from './commands';
import { ApplicationEvent, AssessmentTrigger } from './events';
import { ApplicationState, ApplicationStatus, ExistingApplication, ReviewState, reviewOf } from './state';

function checkWindow(programme: ProgrammeContext, now: Date, action: { zh: string; en: string }): void {
  const phase = windowPhase(programme.terms, now);
  if (phase === 'closed') {
    const deadline = describeDeadline(programme.terms.window.closesAt);
    throw new DomainError(
      'APPLICATION_WINDOW_CLOSED',
      'rule',
      {
        zh: `申报已于 ${deadline.zh} 截止，不能再${action.zh}`,
        en: `The application window closed at ${deadline.en}; ${action.en} is no longer possible`,
      },
      { closesAt: programme.terms.window.closesAt },
    );
  }
  if (phase === 'not-yet-open') {
    const opens = describeDeadline(programme.terms.window.opensAt);
    throw new DomainError(
      'APPLICATION_WINDOW_NOT_OPEN',
      'rule',
      { zh: `申报将于 ${opens.zh} 开始，尚不能${action.zh}`, en: `The application window opens at ${opens.en}; ${action.en} is not possible yet` },
      { opensAt: programme.terms.window.opensAt },
    );
  }
}

function profileProblem(field: string, zh: string, en: string): DomainError {
  return new DomainError('APPLICATION_PROFILE_INVALID', 'rule', { zh: `申报材料有误（${field}）：${zh}`, en: `Invalid application (${field}): ${en}` }, { field });
}

/** Consistency a valid shape cannot guarantee: the credit code's check character, the district, the three financial years. */
export function checkProfile(profile: ApplicationProfile, programme: ProgrammeContext): void {
  const problem = checkCreditCode(profile.enterprise.creditCode);
  if (problem) {
    throw new DomainError(
      'CREDIT_CODE_INVALID',
      'rule',
      problem === 'format'
        ? { zh: '统一社会信用代码格式不符合 GB 32100-2015（18 位，不含 I、O、S、V、Z）', en: 'The unified social credit code does not have the GB 32100-2015 format (18 characters, no I, O, S, V or Z)' }
        : { zh: '统一社会信用代码校验码错误（GB 32100-2015）', en: 'The check character of the unified social credit code is wrong (GB 32100-2015)' },
      { field: 'enterprise.creditCode', problem },
    );
  }
  if (!isDistrictOf(profile.enterprise.district, programme.terms.city)) {
    throw profileProblem(
      'enterprise.district',
      `行政区划 ${profile.enterprise.district} 不属于本计划所在城市 ${programme.terms.city}`,
      `district ${profile.enterprise.district} is not in the programme's city ${programme.terms.city}`,
    );
  }
  const years = profile.finance.years.map((y) => y.year).sort((a, b) => a - b);
  const consecutive = years.length === 3 && years[1] === years[0] + 1 && years[2] === years[1] + 1;
  if (!consecutive) {
    throw profileProblem('finance.years', '需要连续三个年度的营业收入和利润', 'three consecutive years of revenue and profit are required');
  }
  if (profile.ip.validInventionPatents > profile.ip.validPatents) {
    throw profileProblem('ip.validInventionPatents', '有效发明专利数不能超过有效专利总数', 'valid invention patents cannot exceed valid patents');
  }
}

/**
 * Eligibility is assessed against the call's deadline as an Asia/Shanghai date (004_39c6efd61937e065.txt 六),
 * so the same profile gets the same answer whenever it is assessed.
 */
function assess(
  applicationId: string,
  programme: ProgrammeContext,
  profile: ApplicationProfile,
  basis: AssessmentBasis,
  trigger: AssessmentTrigger,
  now: Date,
): ApplicationEvent {
  const assessment = evaluateEligibility(basis.ruleSet, profile, { referenceDate: shanghaiDate(programme.terms.window.closesAt), facts: basis.facts });
  return { type: 'EligibilityAssessed', data: { applicationId, trigger, assessedAt: now.toISOString(), facts: basis.facts, assessment } };
}

function submit(command: SubmitApplication, state: ApplicationState): ApplicationEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(
      'APPLICATION_ALREADY_SUBMITTED',
      'state',
      { zh: '该企业已向本计划提交过申报，请修改原申报', en: 'This enterprise has already applied to this programme; amend that application instead' },
      { applicationId: state.applicationId },
    );
  }
  checkWindow(command.programme, command.now, { zh: '提交申报', en: 'submitting' });
  checkProfile(command.profile, command.programme);
  return [
    {
      type: 'ApplicationSubmitted',
      data: { applicationId: command.applicationId, programmeId: command.programme.programmeId, submittedAt: command.now.toISOString(), profile: command.profile },
    },
    assess(command.applicationId, command.programme, command.profile, command.basis, 'submission', command.now),
  ];
}

function amend(command: AmendApplication, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['submitted'], { zh: '修改', en: 'amended' });
  checkWindow(command.programme, command.now, { zh: '修改申报', en: 'amending' });
  if (command.profile.enterprise.creditCode !== current.profile.enterprise.creditCode) {
    throw new DomainError('APPLICANT_CANNOT_CHANGE', 'rule', {
      zh: '修改申报不能更换申报单位（统一社会信用代码）',
      en: 'An amendment cannot change the applying enterprise (unified social credit code)',
    });
  }
  checkProfile(command.profile, command.programme);
  return [
    { type: 'ApplicationAmended', data: { applicationId: current.applicationId, amendedAt: command.now.toISOString(), profile: command.profile } },
    assess(current.applicationId, command.programme, command.profile, command.basis, 'amendment', command.now),
  ];
}

const OPEN: readonly ApplicationStatus[] = ['submitted', 'endorsed', 'not-endorsed', 'under-review', 'invited-to-defense'];

function reassess(command: ReassessEligibility, state: ApplicationState): ApplicationEvent[] {
  if (state.status === 'none' || !OPEN.includes(state.status)) return [];
  if (canonicalJson(command.basis.facts) === canonicalJson(state.factsUsed)) return [];
  return [assess(state.applicationId, command.programme, state.profile, command.basis, 'credit-fact', command.now)];
}

function withdraw(command: WithdrawApplication, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, OPEN, { zh: '撤回', en: 'withdrawn' });
  return [{ type: 'ApplicationWithdrawn', data: { applicationId: current.applicationId, withdrawnAt: command.now.toISOString(), reason: command.reason } }];
}

function endorse(command: EndorseApplication, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['submitted'], { zh: '推荐', en: 'endorsed' });
  if (command.now.getTime() > Date.parse(command.programme.terms.endorsementDeadline)) {
    const deadline = describeDeadline(command.programme.terms.endorsementDeadline);
    throw new DomainError(
      'ENDORSEMENT_DEADLINE_PASSED',
      'rule',
      { zh: `推荐意见须在 ${deadline.zh} 前提交，已逾期`, en: `District recommendations were due by ${deadline.en}` },
      { endorsementDeadline: command.programme.terms.endorsementDeadline },
    );
  }
  const at = command.now.toISOString();
  const { applicationId } = current;
  return command.decision === 'endorse'
    ? [{ type: 'ApplicationEndorsed', data: { applicationId, district: command.district, opinion: command.opinion, endorsedAt: at } }]
    : [{ type: 'ApplicationNotEndorsed', data: { applicationId, district: command.district, opinion: command.opinion, declinedAt: at } }];
}

type Open = ExistingApplication;

function reviewClosedError(): DomainError {
  return new DomainError('REVIEW_CLOSED', 'state', { zh: '评审已结束，评分不能再修改', en: 'The review is closed; scores can no longer change' });
}

function assignPanel(command: AssignReviewPanel, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['endorsed', 'under-review'], { zh: '分配评审专家', en: 'given a review panel' });
  requireWindowClosed(command.programme.terms, command.now, { zh: '分配评审专家', en: 'a review panel can be assigned' });
  const review = reviewOf(current);
  if (review.aggregateHundredths !== null) throw reviewClosedError();
  const ids = command.experts.map((e) => e.expertId);
  if (new Set(ids).size !== ids.length) {
    throw new DomainError('REVIEW_PANEL_INVALID', 'rule', { zh: '评审专家重复', en: 'An expert appears twice on the panel' });
  }
  const creditCode = current.profile.enterprise.creditCode;
  const conflicts: Array<{ expertId: string; reason: ConflictReason }> = command.experts.flatMap((e) => {
    const reason = review.conflicted.includes(e.expertId) ? 'self-declared' : conflictOf(e, creditCode);
    return reason ? [{ expertId: e.expertId, reason }] : [];
  });
  if (conflicts.length) {
    throw new DomainError(
      'REVIEW_EXPERT_CONFLICT',
      'rule',
      {
        zh: `专家 ${conflicts.map((c) => c.expertId).join('、')} 与申报单位存在利益冲突，须更换`,
        en: `Expert(s) ${conflicts.map((c) => c.expertId).join(', ')} have a conflict of interest with the applicant and must be replaced`,
      },
      { conflicts },
    );
  }
  const size = command.programme.terms.review.panelSize;
  if (command.experts.length !== size) {
    throw new DomainError(
      'REVIEW_PANEL_SIZE',
      'rule',
      { zh: `评审组应有 ${size} 名专家，实际 ${command.experts.length} 名`, en: `The panel must have ${size} experts, not ${command.experts.length}` },
      { panelSize: size },
    );
  }
  return [{ type: 'ReviewPanelAssigned', data: { applicationId: current.applicationId, experts: [...command.experts], assignedAt: command.now.toISOString() } }];
}

/**
 * Whether a panel may be drawn for this application now: endorsed, with no panel yet. The draw
 * handler asks before recording the draw on the pool, so that a refused draw never counts there.
 */
export function requireDrawable(state: ApplicationState): Exclude<ApplicationState, { status: 'none' }> {
  if (state.status === 'under-review' || state.status === 'invited-to-defense') {
    throw new DomainError('REVIEW_PANEL_ALREADY_ASSIGNED', 'state', {
      zh: '该申报已有评审组；抽取的专家因利益冲突回避时由备选专家依次递补',
      en: 'This application already has a review panel; reserves replace experts who stand down, in draw order',
    });
  }
  return requireStatus(state, ['endorsed'], { zh: '抽取评审专家', en: 'given a drawn review panel' });
}

function recordDraw(command: RecordPanelDraw, state: ApplicationState): ApplicationEvent[] {
  const current = requireDrawable(state);
  requireWindowClosed(command.programme.terms, command.now, { zh: '抽取评审专家', en: 'a review panel can be drawn' });
  const { draw } = command;
  const size = command.programme.terms.review.panelSize;
  const creditCode = current.profile.enterprise.creditCode;
  const conflicted = [...draw.drawn, ...draw.reserves].filter((e) => conflictOf(e, creditCode) !== null).map((e) => e.expertId);
  if (draw.applicationId !== current.applicationId || draw.creditCode !== creditCode || draw.drawn.length !== size || conflicted.length) {
    throw new DomainError(
      'REVIEW_DRAW_INVALID',
      'rule',
      { zh: '抽取结果与本申报不符（申报、申报单位、评审组人数或利益冲突）', en: 'The draw does not fit this application (application, applicant, panel size or a conflict of interest)' },
      { panelSize: size, conflicted },
    );
  }
  return [{ type: 'ReviewPanelDrawn', data: { ...draw, drawn: [...draw.drawn], reserves: [...draw.reserves], eligible: [...draw.eligible] } }];
}

function requirePanelist(state: Open, expertId: string): ReviewState {
  const review = reviewOf(state);
  if (!review.experts.some((e) => e.expertId === expertId) || review.conflicted.includes(expertId)) {
    throw new DomainError('EXPERT_NOT_ON_PANEL', 'forbidden', { zh: '该专家不在本申报的评审组中', en: 'This expert is not on the panel of this application' }, { expertId });
  }
  return review;
}

function declareConflict(command: DeclareConflict, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['under-review', 'invited-to-defense'], { zh: '申报利益冲突', en: 'given a conflict declaration' });
  const review = requirePanelist(current, command.expertId);
  if (review.aggregateHundredths !== null) throw reviewClosedError();
  const at = command.now.toISOString();
  const declared: ApplicationEvent = { type: 'ExpertConflictDeclared', data: { applicationId: current.applicationId, expertId: command.expertId, reason: command.reason, declaredAt: at } };
  // A drawn panel calls in its next reserve, in draw order; never during the defense round, whose panel is the review's.
  const next = current.status === 'under-review' ? review.reserves[0] : undefined;
  if (!next) return [declared];
  return [declared, { type: 'ReserveExpertAssigned', data: { applicationId: current.applicationId, expert: next, replaces: command.expertId, assignedAt: at } }];
}

function submitScores(command: SubmitReviewScores, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['under-review'], { zh: '评分', en: 'scored' });
  const review = requirePanelist(current, command.expertId);
  if (review.aggregateHundredths !== null) throw reviewClosedError();
  const criteria = command.programme.terms.review.criteria;
  const given = command.scores.map((s) => s.criterionId);
  const problems = [
    ...criteria.filter((c) => !given.includes(c.id)).map((c) => ({ criterionId: c.id, problem: 'missing' })),
    ...command.scores.filter((s) => !criteria.some((c) => c.id === s.criterionId)).map((s) => ({ criterionId: s.criterionId, problem: 'unknown' })),
    ...given.filter((id, i) => given.indexOf(id) !== i).map((id) => ({ criterionId: id, problem: 'duplicate' })),
    ...command.scores
      .filter((s) => {
        const max = criteria.find((c) => c.id === s.criterionId)?.max;
        return max !== undefined && scoreHundredths(s.score, max) === null;
      })
      .map((s) => ({ criterionId: s.criterionId, problem: 'out-of-range' })),
  ];
  if (problems.length) {
    throw new DomainError(
      'REVIEW_SCORES_INVALID',
      'rule',
      {
        zh: `评分须覆盖全部评分项，每项一次，分值在 0 至满分之间且最多两位小数：${problems.map((p) => `${p.criterionId}（${p.problem}）`).join('，')}`,
        en: `Score every criterion once, between 0 and its maximum, with at most two decimals: ${problems.map((p) => `${p.criterionId} (${p.problem})`).join(', ')}`,
      },
      { problems },
    );
  }
  const scores = criteria.map((c) => ({ criterionId: c.id, hundredths: scoreHundredths(command.scores.find((s) => s.criterionId === c.id)!.score, c.max)! }));
  return [
    {
      type: 'ReviewScoresSubmitted',
      data: {
        applicationId: current.applicationId,
        expertId: command.expertId,
        scores,
        totalHundredths: scores.reduce((sum, s) => sum + s.hundredths, 0),
        comment: command.comment,
        submittedAt: command.now.toISOString(),
      },
    },
  ];
}

function closeReview(command: CloseReview, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['under-review'], { zh: '结束评审', en: 'closed for review' });
  const review = reviewOf(current);
  if (review.aggregateHundredths !== null) return [];
  const counted = review.experts.filter((e) => !review.conflicted.includes(e.expertId));
  const size = command.programme.terms.review.panelSize;
  const missing = counted.filter((e) => !review.scores[e.expertId]).map((e) => e.expertId);
  if (counted.length < size || missing.length) {
    throw new DomainError(
      'REVIEW_INCOMPLETE',
      'state',
      {
        zh: `评审尚未完成：需要 ${size} 名无利益冲突专家的评分${missing.length ? `，尚缺 ${missing.join('、')}` : ''}`,
        en: `The review is incomplete: it needs scores from ${size} experts without a conflict${missing.length ? `; missing ${missing.join(', ')}` : ''}`,
      },
      { panelSize: size, counted: counted.length, missing },
    );
  }
  const totals = counted.map((e) => ({ expertId: e.expertId, totalHundredths: review.scores[e.expertId].totalHundredths }));
  const aggregation = command.programme.terms.review.aggregation;
  return [
    {
      type: 'ReviewClosed',
      data: {
        applicationId: current.applicationId,
        aggregation,
        totals,
        aggregateHundredths: aggregate(totals.map((t) => t.totalHundredths), aggregation),
        closedAt: command.now.toISOString(),
      },
    },
  ];
}

function inviteToDefense(command: InviteToDefense, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['under-review', 'invited-to-defense'], { zh: '邀请答辩', en: 'invited to the defense round' });
  if (current.defense?.roundId === command.roundId) return [];
  if (reviewOf(current).aggregateHundredths === null) {
    throw new DomainError('REVIEW_NOT_CLOSED', 'state', { zh: '评审结束后才能邀请答辩', en: 'The review must be closed before the defense round' });
  }
  return [{ type: 'InvitedToDefense', data: { applicationId: current.applicationId, roundId: command.roundId, rank: command.rank, invitedAt: command.now.toISOString() } }];
}

function submitDefenseScore(command: SubmitDefenseScore, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['invited-to-defense'], { zh: '答辩评分', en: 'scored for the defense round' });
  requirePanelist(current, command.expertId);
  const hundredths = scoreHundredths(command.score, DEFENSE_MAX_POINTS);
  if (hundredths === null) {
    throw new DomainError('DEFENSE_SCORE_INVALID', 'rule', {
      zh: `答辩分须在 0 至 ${DEFENSE_MAX_POINTS} 之间，最多两位小数`,
      en: `A defense score is between 0 and ${DEFENSE_MAX_POINTS} with at most two decimals`,
    });
  }
  return [
    {
      type: 'DefenseScoreSubmitted',
      data: { applicationId: current.applicationId, expertId: command.expertId, hundredths, comment: command.comment, submittedAt: command.now.toISOString() },
    },
  ];
}

function defenseComplete(state: Open): boolean {
  const review = reviewOf(state);
  return review.experts.filter((e) => !review.conflicted.includes(e.expertId)).every((e) => state.defense?.scores[e.expertId] !== undefined);
}

/** Review aggregate, plus the defense aggregate for those invited; throws while scores are missing. */
export function finalScore(state: Open, programme: ProgrammeContext): number {
  const review = reviewOf(state);
  if (review.aggregateHundredths === null) {
    throw new DomainError('REVIEW_NOT_CLOSED', 'state', { zh: '评审尚未结束', en: 'The review is not closed yet' });
  }
  if (!state.defense) return review.aggregateHundredths;
  const counted = review.experts.filter((e) => !review.conflicted.includes(e.expertId)).map((e) => e.expertId);
  const missing = counted.filter((id) => state.defense!.scores[id] === undefined);
  if (missing.length) {
    throw new DomainError(
      'DEFENSE_INCOMPLETE',
      'state',
      { zh: `答辩评分尚缺 ${missing.join('、')}`, en: `Defense scores are missing from ${missing.join(', ')}` },
      { missing },
    );
  }
  return review.aggregateHundredths + aggregate(counted.map((id) => state.defense!.scores[id]), programme.terms.review.aggregation);
}

function decideSelection(command: DecideSelection, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['under-review', 'invited-to-defense'], { zh: '立项', en: 'selected or rejected' });
  requireWindowClosed(command.programme.terms, command.now, { zh: '作出立项决定', en: 'selection can be decided' });
  const at = command.now.toISOString();
  if (command.decision === 'reject') {
    // An invited applicant who never completed the defense round can still be turned down on its review.
    const score = current.defense && !defenseComplete(current) ? reviewOf(current).aggregateHundredths ?? 0 : finalScore(current, command.programme);
    return [{ type: 'ApplicationNotSelected', data: { applicationId: current.applicationId, reason: command.reason, finalScoreHundredths: score, decidedAt: at } }];
  }
  const score = finalScore(current, command.programme);
  const eligibility = current.eligibility?.outcome ?? 'needs-review';
  if (eligibility === 'ineligible' && !command.eligibilityOverride) {
    throw new DomainError('SELECTION_REQUIRES_OVERRIDE', 'rule', {
      zh: '该申报经评估不符合申报条件；如确需立项，须填写理由进行人工认定',
      en: 'This application was assessed ineligible; selecting it needs an eligibility override with a reason',
    });
  }
  // The credit gate (004_39c6efd61937e065.txt 三(五)) on the latest facts, not only the recorded assessment
  // (which the re-assessor brings up to date a moment after a fact): a record in force needs the override too.
  const adverse = [
    ...(command.credit?.seriousDishonesty ? [{ fact: 'serious-dishonesty', zh: '严重失信记录', en: 'a serious-dishonesty record' }] : []),
    ...(command.credit?.abnormalPatentApplications ? [{ fact: 'abnormal-patent-application', zh: '非正常专利申请通报', en: 'an abnormal-patent-application notice' }] : []),
  ];
  if (adverse.length > 0 && !command.eligibilityOverride) {
    throw new DomainError(
      'CREDIT_RECORD_ADVERSE',
      'rule',
      {
        zh: `申报单位现有${adverse.map((a) => a.zh).join('、')}，不符合申报条件（三(五)）；如确需立项，须填写理由进行人工认定`,
        en: `The enterprise has ${adverse.map((a) => a.en).join(' and ')} and is not eligible (三(五)); selecting it needs an eligibility override with a reason`,
      },
      { facts: adverse.map((a) => a.fact) },
    );
  }
  const requested = current.profile.project.requestedAmountFen;
  if (!Number.isSafeInteger(command.approvedAmountFen) || command.approvedAmountFen <= 0 || command.approvedAmountFen > requested) {
    throw new DomainError(
      'APPROVED_AMOUNT_INVALID',
      'rule',
      { zh: `批准金额须为正整数（分）且不超过申请金额 ${requested} 分`, en: `The approved amount must be a positive whole number of fen, at most the ${requested} fen requested` },
      { requestedAmountFen: requested },
    );
  }
  const commitment = command.commitment;
  if (!commitment) return [];
  if (commitment.amountFen !== command.approvedAmountFen) {
    throw new DomainError('SELECTION_COMMITMENT_MISMATCH', 'state', {
      zh: '立项金额与预算占用金额不一致',
      en: 'The approved amount differs from the amount committed against the budget',
    });
  }
  if (command.now.getTime() > Date.parse(commitment.expiresAt)) {
    throw new DomainError(
      'SELECTION_COMMITMENT_EXPIRED',
      'state',
      { zh: '预算占用已超时，立项未记录；请重新提交立项决定', en: 'The budget commitment expired before the selection could be recorded; submit the selection again' },
      { selectionId: commitment.selectionId, expiresAt: commitment.expiresAt },
    );
  }
  return [
    {
      type: 'ApplicationSelected',
      data: {
        applicationId: current.applicationId,
        approvedAmountFen: command.approvedAmountFen,
        reason: command.reason,
        finalScoreHundredths: score,
        // A record in force makes the application ineligible on SZ24-E5 whatever the last assessment said.
        eligibility: adverse.length > 0 ? 'ineligible' : eligibility,
        eligibilityOverride: eligibility === 'ineligible' || adverse.length > 0 ? command.eligibilityOverride : null,
        batch: command.batch ?? null,
        selectionId: commitment.selectionId,
        selectedAt: at,
      },
    },
  ];
}

const STATUS_TEXT: Record<ApplicationStatus, { zh: string; en: string }> = {
  submitted: { zh: '已提交', en: 'submitted' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
  endorsed: { zh: '已推荐', en: 'endorsed' },
  'not-endorsed': { zh: '未获推荐', en: 'not endorsed' },
  'under-review': { zh: '评审中', en: 'under review' },
  'invited-to-defense': { zh: '已邀请答辩', en: 'invited to the defense round' },
  selected: { zh: '已立项', en: 'selected' },
  'not-selected': { zh: '未立项', en: 'not selected' },
};

function requireStatus(
  state: ApplicationState,
  allowed: readonly ApplicationStatus[],
  action: { zh: string; en: string },
): Exclude<ApplicationState, { status: 'none' }> {
  if (state.status === 'none') {
    throw new DomainError('APPLICATION_NOT_FOUND', 'not-found', { zh: '申报不存在', en: 'No such application' });
  }
  if (!allowed.includes(state.status)) {
    const status = STATUS_TEXT[state.status];
    throw new DomainError(
      'APPLICATION_STATUS_CONFLICT',
      'state',
      { zh: `申报当前状态为“${status.zh}”，不能${action.zh}`, en: `The application is ${status.en} and cannot be ${action.en}` },
      { status: state.status },
    );
  }
  return state;
}

/** Idempotent: a selection already withdrawn (or never recorded) leaves nothing to do. */
function withdrawSelection(command: WithdrawSelection, state: ApplicationState): ApplicationEvent[] {
  if (state.status !== 'selected' || state.selection.selectionId !== command.selectionId) return [];
  return [
    {
      type: 'ApplicationSelectionWithdrawn',
      data: { applicationId: state.applicationId, selectionId: command.selectionId, objectionId: command.objectionId, reason: command.reason, withdrawnAt: command.now.toISOString() },
    },
  ];
}

/**
 * A review request (复核) within the call's window of working days after the decision against the
 * applicant (not selected, or its selection withdrawn after an upheld objection); one per decision.
 */
function requestReview(command: RequestReview, state: ApplicationState): ApplicationEvent[] {
  const application = requireStatus(state, ['not-selected'], { zh: '申请复核', en: 'the subject of a review request' });
  const own = application.reviewRequests.find((r) => r.requestId === command.requestId);
  if (own) return [];
  const window = command.programme.terms.reviewRequest;
  if (!window) {
    throw new DomainError('REVIEW_REQUEST_NOT_OFFERED', 'state', { zh: '本申报通知未设复核程序', en: 'This call offers no review request' });
  }
  const decision = application.adverseDecision;
  if (!decision) throw new DomainError('REVIEW_REQUEST_NOT_OFFERED', 'state', { zh: '没有可申请复核的决定', en: 'There is no decision to request a review of' });
  if (application.reviewRequests.some((r) => r.decisionAt === decision.at)) {
    throw new DomainError('REVIEW_ALREADY_REQUESTED', 'state', { zh: '对该决定已申请过复核', en: 'A review of this decision was already requested' });
  }
  let deadlineOn: string;
  try {
    deadlineOn = addWorkingDays(command.calendar, shanghaiDate(decision.at), window.workingDays);
  } catch (error) {
    if (error instanceof CalendarYearMissing) {
      throw new DomainError('CALENDAR_YEAR_MISSING', 'rule', { zh: `尚未发布 ${error.year} 年的工作日历`, en: `No working-day calendar is published for ${error.year}` }, { year: error.year });
    }
    throw error;
  }
  if (shanghaiDate(command.now) > deadlineOn) {
    throw new DomainError(
      'REVIEW_REQUEST_WINDOW_CLOSED',
      'state',
      { zh: `复核申请期已于 ${deadlineOn} 结束`, en: `The window for a review request ended on ${deadlineOn}` },
      { deadlineOn, endsAt: new Date(`${nextDate(deadlineOn)}T00:00:00+08:00`).toISOString() },
    );
  }
  return [
    {
      type: 'ReviewRequested',
      data: {
        applicationId: application.applicationId,
        requestId: command.requestId,
        basis: decision.basis,
        decisionAt: decision.at,
        grounds: command.grounds,
        requestedBy: command.by,
        requestedAt: command.now.toISOString(),
        deadlineOn,
      },
    },
  ];
}

function decideReviewRequest(command: DecideReviewRequest, state: ApplicationState): ApplicationEvent[] {
  if (state.status === 'none') throw new DomainError('APPLICATION_NOT_FOUND', 'not-found', { zh: '申报不存在', en: 'No such application' });
  const request = state.reviewRequests.find((r) => r.requestId === command.requestId);
  if (!request) throw new DomainError('REVIEW_REQUEST_NOT_FOUND', 'not-found', { zh: '复核申请不存在', en: 'No such review request' });
  if (request.decision) {
    if (request.decision.outcome === command.outcome && request.decision.reason === command.reason) return [];
    throw new DomainError('REVIEW_REQUEST_ALREADY_DECIDED', 'state', { zh: '该复核申请已作出决定', en: 'This review request was already decided' }, { outcome: request.decision.outcome });
  }
  return [
    {
      type: 'ReviewRequestDecided',
      data: { applicationId: state.applicationId, requestId: command.requestId, outcome: command.outcome, reason: command.reason, decidedBy: command.by, decidedAt: command.now.toISOString() },
    },
  ];
}

/** The application's decide: one function per command. */
export function decideApplication(command: ApplicationCommand, state: ApplicationState): ApplicationEvent[] {
  switch (command.type) {
    case 'SubmitApplication':
      return submit(command, state);
    case 'AmendApplication':
      return amend(command, state);
    case 'WithdrawApplication':
      return withdraw(command, state);
    case 'ReassessEligibility':
      return reassess(command, state);
    case 'EndorseApplication':
      return endorse(command, state);
    case 'AssignReviewPanel':
      return assignPanel(command, state);
    case 'RecordPanelDraw':
      return recordDraw(command, state);
    case 'DeclareConflict':
      return declareConflict(command, state);
    case 'SubmitReviewScores':
      return submitScores(command, state);
    case 'CloseReview':
      return closeReview(command, state);
    case 'InviteToDefense':
      return inviteToDefense(command, state);
    case 'SubmitDefenseScore':
      return submitDefenseScore(command, state);
    case 'DecideSelection':
      return decideSelection(command, state);
    case 'WithdrawSelection':
      return withdrawSelection(command, state);
    case 'RequestReview':
      return requestReview(command, state);
    case 'DecideReviewRequest':
      return decideReviewRequest(command, state);
    default:
      return assertNever(command);
  }
}
