import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, formatShanghai, shanghaiDate } from '@ipstd/kernel';
import { CalendarYearMissing, RuleSet, WorkingDayCalendar, addWorkingDays, isEffectiveOn, nextDate } from '@ipstd/funding-rules';
import { CITIES, CITY_CODE } from './divisions';
import { legacySelectionId } from './streams';

/** What releases a tranche (DOMAIN.md §3, Grant). */
export const TRANCHE_TRIGGERS = ['award', 'mid-term-passed', 'acceptance-passed', 'evaluation-passed'] as const;
export type TrancheTrigger = (typeof TRANCHE_TRIGGERS)[number];

export const AGGREGATIONS = ['mean', 'trimmed-mean'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** Implementation period limit: 实施期 ≤ 2 years (004_39c6efd61937e065.txt 五). */
export const MAX_IMPLEMENTATION_MONTHS = 24;

/**
 * The parameters of a programme call (申报通知). The seeds fix no amounts, tranche split or
 * weights, so all of them are parameters of the call, never constants in code.
 */
export interface ProgrammeTerms {
  readonly code: string;
  readonly title: string;
  readonly city: string;
  readonly ruleSet: { readonly id: string; readonly version: number };
  readonly window: { readonly opensAt: string; readonly closesAt: string };
  readonly endorsementDeadline: string;
  readonly budgetFen: number;
  readonly tranchePlan: ReadonlyArray<{ readonly percent: number; readonly trigger: TrancheTrigger }>;
  readonly review: {
    readonly panelSize: number;
    readonly aggregation: Aggregation;
    readonly defenseSize: number;
    readonly criteria: ReadonlyArray<{ readonly id: string; readonly max: number }>;
  };
  readonly implementationMonths: number;
  readonly acceptanceLeadMonths: number;
  /**
   * The public notice (公示) of proposed selections before any grant is awarded, its period in working
   * days; null: no notice, a selection is awarded at once (every call opened before ProgrammeOpened v2).
   */
  readonly publicNotice: { readonly workingDays: number } | null;
  /**
   * The review request (复核): an applicant not selected (or whose selection an upheld objection
   * withdrew) may ask within this many working days; null: not offered (calls opened before v2).
   */
  readonly reviewRequest: { readonly workingDays: number } | null;
  /**
   * When review, defense and selection may run: `after-close` (only once the window has closed, so no
   * budget is committed before later applicants are reviewed) or `rolling` (while the call still
   * accepts applications: rolling programmes, and every call opened before ProgrammeOpened v2).
   */
  readonly phases: PhaseRule;
  /** Reminder lead times in working days (工作日); a missing one takes its default (DEFAULT_REMINDER_LEADS). */
  readonly reminders?: Partial<ReminderLeadTimes>;
  /** Deadlines of the call beyond the window and the endorsement deadline; missing ones take their defaults. */
  readonly schedule?: Partial<CallSchedule>;
}

export const PHASE_RULES = ['after-close', 'rolling'] as const;
export type PhaseRule = (typeof PHASE_RULES)[number];

/** Review, defense and selection wait for the window to close unless the call is rolling. */
export function requireWindowClosed(terms: ProgrammeTerms, now: Date, action: { zh: string; en: string }): void {
  if (terms.phases === 'rolling' || windowPhase(terms, now) === 'closed') return;
  const closes = describeDeadline(terms.window.closesAt);
  throw new DomainError(
    'WINDOW_STILL_OPEN',
    'state',
    { zh: `申报将于 ${closes.zh} 截止，截止后方可${action.zh}`, en: `The application window closes at ${closes.en}; ${action.en} only after it has closed` },
    { closesAt: terms.window.closesAt },
  );
}

/** The review-request window when a new call names none (Guangzhou's 5 working days). */
export const DEFAULT_REVIEW_REQUEST_WORKING_DAYS = 5;

/** The notice period when a new call names none (Guangzhou's 5 working days). */
export const DEFAULT_NOTICE_WORKING_DAYS = 5;

/** One proposed selection on a public notice: the public fields only. */
export interface NoticeEntry {
  readonly applicationId: string;
  readonly selectionId: string;
  readonly enterpriseName: string;
  readonly projectTitle: string;
  readonly approvedAmountFen: number;
}

/** Who did a step: the caller's subject and role. */
export interface StepActor {
  readonly sub: string;
  readonly role: string;
}

export interface Objector {
  readonly name: string;
  readonly contact: string;
}

export type ObjectionChannel = 'online' | 'written';
export type ObjectionOutcome = 'upheld' | 'dismissed';

export interface NoticeState {
  readonly noticeId: string;
  readonly entries: readonly NoticeEntry[];
  readonly workingDays: number;
  readonly publishedAt: string;
  readonly publishedBy: StepActor;
  /** The last working day of the period (Asia/Shanghai) and the instant it ends (the next day's 00:00). */
  readonly endsOn: string;
  readonly endsAt: string;
  readonly closedAt: string | null;
}

export interface ObjectionState {
  readonly objectionId: string;
  readonly noticeId: string;
  readonly applicationId: string;
  readonly objector: Objector;
  readonly grounds: string;
  readonly channel: ObjectionChannel;
  readonly filedBy: StepActor;
  readonly filedAt: string;
  readonly resolution: { readonly outcome: ObjectionOutcome; readonly reason: string; readonly resolvedBy: StepActor; readonly resolvedAt: string } | null;
}

/**
 * How many working days (Chinese working-day calendar) before each deadline its reminder goes out
 * (docs/integration.md, "Reminders"). Clawback overdue has no lead time: it goes out when the due
 * date has passed.
 */
export interface ReminderLeadTimes {
  readonly endorsement: number;
  readonly reviewScoring: number;
  readonly defenseScoring: number;
  readonly acceptanceRequest: number;
  readonly midTermInspection: number;
  readonly clawbackDue: number;
  /** Before the last working day of a public notice (公示) period: the bureau and the listed enterprises. */
  readonly publicNoticeEnding: number;
}

export const DEFAULT_REMINDER_LEADS: ReminderLeadTimes = { endorsement: 2, reviewScoring: 2, defenseScoring: 1, acceptanceRequest: 10, midTermInspection: 10, clawbackDue: 5, publicNoticeEnding: 1 };
export const MAX_REMINDER_LEAD_WORKING_DAYS = 60;

/**
 * The call's own deadlines for review and defense scoring (null: the call sets none, and no scoring
 * reminder goes out), and when the mid-term inspection (中期检查) is due, in months after the award
 * (default: half the implementation period, rounded down; null when that is under a month).
 */
export interface CallSchedule {
  readonly reviewScoresDueAt: string | null;
  readonly defenseScoresDueAt: string | null;
  readonly midTermInspectionMonths: number | null;
}

/** The terms as a programme stores them (ProgrammeOpened v3): every reminder lead time and schedule entry set. */
export type SettledTerms = ProgrammeTerms & { readonly reminders: ReminderLeadTimes; readonly schedule: CallSchedule };

/** Fills the reminder lead times and the schedule a call left out with their defaults. */
export function settleTerms(terms: ProgrammeTerms): SettledTerms {
  const midTerm = Math.floor(terms.implementationMonths / 2);
  return {
    ...terms,
    reminders: { ...DEFAULT_REMINDER_LEADS, ...stripUndefined(terms.reminders ?? {}) },
    schedule: {
      reviewScoresDueAt: terms.schedule?.reviewScoresDueAt ?? null,
      defenseScoresDueAt: terms.schedule?.defenseScoresDueAt ?? null,
      midTermInspectionMonths: terms.schedule?.midTermInspectionMonths ?? (midTerm >= 1 ? midTerm : null),
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface DefenseInvitation {
  readonly applicationId: string;
  readonly rank: number;
  readonly scoreHundredths: number;
}

export type ProgrammeEvent =
  /**
   * v2: the terms carry `publicNotice`, `reviewRequest` and `phases`; v3: also every reminder lead time and
   * the call's schedule (settleTerms). v1 is upcast to v2, v2 to v3 with the reminder defaults.
   */
  | DomainEvent<'ProgrammeOpened', { programmeId: string; openedAt: string; terms: SettledTerms }>
  /** v2: keyed by the selection decision (`selectionId`), with the reservation's lease (`expiresAt`). */
  | DomainEvent<
      'FundsCommitted',
      { programmeId: string; selectionId: string; applicationId: string; amountFen: number; committedFen: number; remainingFen: number; committedAt: string; expiresAt: string }
    >
  /** v2: releases exactly one selection's commitment (`selectionId`). */
  | DomainEvent<'FundsReleased', { programmeId: string; selectionId: string; applicationId: string; amountFen: number; reason: string; releasedAt: string }>
  | DomainEvent<'DefenseRoundOpened', { programmeId: string; roundId: string; size: number; invited: DefenseInvitation[]; openedAt: string }>
  /** The proposed list published for public notice (公示), with the period's end in working days. */
  | DomainEvent<
      'PublicNoticePublished',
      { programmeId: string; noticeId: string; entries: NoticeEntry[]; workingDays: number; calendarNotices: string[]; endsOn: string; endsAt: string; publishedBy: StepActor; publishedAt: string }
    >
  /** A real-name objection against one listed application (identity visible to the bureau and auditors only). */
  | DomainEvent<
      'ObjectionFiled',
      { programmeId: string; noticeId: string; objectionId: string; applicationId: string; objector: Objector; grounds: string; channel: ObjectionChannel; filedBy: StepActor; filedAt: string }
    >
  | DomainEvent<'ObjectionResolved', { programmeId: string; objectionId: string; applicationId: string; outcome: ObjectionOutcome; reason: string; resolvedBy: StepActor; resolvedAt: string }>
  /** The notice period has ended: no more objections; its settled entries can be awarded. */
  | DomainEvent<'PublicNoticeClosed', { programmeId: string; noticeId: string; closedAt: string }>;

export type ProgrammeState =
  | { readonly status: 'none' }
  | {
      readonly status: 'open';
      readonly programmeId: string;
      readonly openedAt: string;
      readonly terms: ProgrammeTerms;
      /**
       * Money committed against the budget, per selection decision (立项 within budget). A commitment
       * is the reservation of one selection: it becomes the award once the application records that
       * selection (same selectionId), and is released if the selection is never recorded.
       */
      readonly commitments: Readonly<Record<string, Commitment>>;
      readonly committedFen: number;
      readonly defenseRound: { readonly roundId: string; readonly invited: readonly DefenseInvitation[] } | null;
      readonly notices: Readonly<Record<string, NoticeState>>;
      readonly objections: Readonly<Record<string, ObjectionState>>;
    };

export interface OpenProgramme {
  readonly type: 'OpenProgramme';
  readonly programmeId: string;
  readonly terms: ProgrammeTerms;
  /** The published rule-set version the terms name: the call pins it for good. */
  readonly ruleSet: RuleSet;
  readonly now: Date;
}

export interface Commitment {
  readonly applicationId: string;
  readonly amountFen: number;
  readonly committedAt: string;
  /** The selection must be recorded on the application by then, or the commitment is released. */
  readonly expiresAt: string;
}

/**
 * How long a selection may take between committing its money and recording the selection on the
 * application. The application refuses a selection whose commitment has expired, so after the lease
 * (plus RESERVATION_GRACE_MS for an append already under way) a commitment without its selection can
 * be released safely: by the reconciler, or by the next selection of the same application.
 */
export const RESERVATION_LEASE_MS = 60_000;
export const RESERVATION_GRACE_MS = 60_000;

/**
 * Commits an approved amount against the budget for one selection decision: Σ commitments never
 * exceeds the budget (DOMAIN.md §5), and an application holds at most one commitment at a time.
 */
export interface CommitFunds {
  readonly type: 'CommitFunds';
  /** The selection decision this money is reserved for (derived from the Idempotency-Key when there is one). */
  readonly selectionId: string;
  readonly applicationId: string;
  readonly amountFen: number;
  readonly now: Date;
}

/** Undoes the commitment of one selection that was not (and now cannot be) recorded. */
export interface ReleaseFunds {
  readonly type: 'ReleaseFunds';
  readonly selectionId: string;
  readonly reason: string;
  readonly now: Date;
}

export interface OpenDefenseRound {
  readonly type: 'OpenDefenseRound';
  readonly roundId: string;
  readonly size: number;
  /** The ranked candidates, best first: the top `size` are invited. */
  readonly ranking: readonly DefenseInvitation[];
  readonly now: Date;
}

export interface PublishNotice {
  readonly type: 'PublishNotice';
  readonly noticeId: string;
  /** The selections recorded on their applications and not yet on a notice, as the use case read them. */
  readonly entries: readonly NoticeEntry[];
  readonly calendar: WorkingDayCalendar;
  readonly by: StepActor;
  readonly now: Date;
}

export interface FileObjection {
  readonly type: 'FileObjection';
  readonly objectionId: string;
  readonly applicationId: string;
  readonly objector: Objector;
  readonly grounds: string;
  readonly channel: ObjectionChannel;
  readonly by: StepActor;
  readonly now: Date;
}

export interface ResolveObjection {
  readonly type: 'ResolveObjection';
  readonly objectionId: string;
  readonly outcome: ObjectionOutcome;
  readonly reason: string;
  readonly by: StepActor;
  readonly now: Date;
}

export interface CloseNotice {
  readonly type: 'CloseNotice';
  readonly noticeId: string;
  readonly now: Date;
}

export type ProgrammeCommand = OpenProgramme | CommitFunds | ReleaseFunds | OpenDefenseRound | PublishNotice | FileObjection | ResolveObjection | CloseNotice;

/** Where a programme's application window stands at an instant. */
export type WindowPhase = 'not-yet-open' | 'accepting' | 'closed';

export function windowPhase(terms: ProgrammeTerms, now: Date): WindowPhase {
  if (now.getTime() < Date.parse(terms.window.opensAt)) return 'not-yet-open';
  if (now.getTime() > Date.parse(terms.window.closesAt)) return 'closed';
  return 'accepting';
}

function invalidTerms(field: string, zh: string, en: string): DomainError {
  return new DomainError('PROGRAMME_TERMS_INVALID', 'rule', { zh: `申报通知参数无效（${field}）：${zh}`, en: `Invalid programme terms (${field}): ${en}` }, { field });
}

export function checkTerms(terms: ProgrammeTerms): void {
  if (!CITY_CODE.test(terms.city) || !CITIES[terms.city]) {
    throw invalidTerms('city', `不支持的城市代码 ${terms.city}`, `unsupported city code ${terms.city}`);
  }
  const opens = Date.parse(terms.window.opensAt);
  const closes = Date.parse(terms.window.closesAt);
  const endorsement = Date.parse(terms.endorsementDeadline);
  if (!(opens < closes)) throw invalidTerms('window', '开始时间必须早于截止时间', 'opensAt must be before closesAt');
  if (!(endorsement >= closes)) {
    throw invalidTerms('endorsementDeadline', '推荐截止时间不得早于申报截止时间', 'the endorsement deadline cannot be before the window closes');
  }
  if (!Number.isSafeInteger(terms.budgetFen) || terms.budgetFen <= 0) {
    throw invalidTerms('budgetFen', '预算必须是正整数（分）', 'the budget must be a positive whole number of fen');
  }
  const percentTotal = terms.tranchePlan.reduce((sum, t) => sum + t.percent, 0);
  if (terms.tranchePlan.length === 0 || percentTotal !== 100) {
    throw invalidTerms('tranchePlan', `各批次比例之和为 ${percentTotal}%，应为 100%`, `tranche percentages add up to ${percentTotal}%, not 100%`);
  }
  const ids = terms.review.criteria.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw invalidTerms('review.criteria', '评分项编号重复', 'criterion ids must be unique');
  if (terms.review.aggregation === 'trimmed-mean' && terms.review.panelSize < 5) {
    throw invalidTerms('review.aggregation', '去掉最高分和最低分的平均需要至少 5 名专家', 'a trimmed mean needs a panel of at least 5 experts');
  }
  if (terms.implementationMonths > MAX_IMPLEMENTATION_MONTHS) {
    throw invalidTerms('implementationMonths', '实施期不得超过 24 个月', 'the implementation period cannot exceed 24 months');
  }
  if (terms.publicNotice !== null && (!Number.isInteger(terms.publicNotice.workingDays) || terms.publicNotice.workingDays < 1 || terms.publicNotice.workingDays > 30)) {
    throw invalidTerms('publicNotice.workingDays', '公示期须为 1 至 30 个工作日', 'the notice period must be 1 to 30 working days');
  }
  if (!(PHASE_RULES as readonly string[]).includes(terms.phases)) {
    throw invalidTerms('phases', '须为 after-close 或 rolling', 'must be after-close or rolling');
  }
  if (terms.reviewRequest !== null && (!Number.isInteger(terms.reviewRequest.workingDays) || terms.reviewRequest.workingDays < 1 || terms.reviewRequest.workingDays > 30)) {
    throw invalidTerms('reviewRequest.workingDays', '复核申请期须为 1 至 30 个工作日', 'the review-request window must be 1 to 30 working days');
  }
  if (terms.acceptanceLeadMonths >= terms.implementationMonths) {
    throw invalidTerms('acceptanceLeadMonths', '验收申请提前期必须短于实施期', 'the acceptance lead time must be shorter than the implementation period');
  }
  for (const [kind, lead] of Object.entries(terms.reminders ?? {})) {
    if (!(kind in DEFAULT_REMINDER_LEADS)) throw invalidTerms(`reminders.${kind}`, '未知的提醒类型', 'unknown reminder');
    if (lead !== undefined && (!Number.isInteger(lead) || lead < 1 || lead > MAX_REMINDER_LEAD_WORKING_DAYS)) {
      throw invalidTerms(`reminders.${kind}`, `提前量须为 1 至 ${MAX_REMINDER_LEAD_WORKING_DAYS} 个工作日`, `the lead time must be 1 to ${MAX_REMINDER_LEAD_WORKING_DAYS} working days`);
    }
  }
  for (const field of ['reviewScoresDueAt', 'defenseScoresDueAt'] as const) {
    const due = terms.schedule?.[field];
    if (due !== undefined && due !== null && !(Date.parse(due) > closes)) {
      throw invalidTerms(`schedule.${field}`, '评分截止时间须晚于申报截止时间', 'a scoring deadline must be after the window closes');
    }
  }
  const midTerm = terms.schedule?.midTermInspectionMonths;
  if (midTerm !== undefined && midTerm !== null && (!Number.isInteger(midTerm) || midTerm < 1 || midTerm >= terms.implementationMonths)) {
    throw invalidTerms('schedule.midTermInspectionMonths', '中期检查时间须在实施期内（至少 1 个月）', 'the mid-term inspection must fall inside the implementation period (at least 1 month after award)');
  }
}

function open(command: OpenProgramme, state: ProgrammeState): ProgrammeEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(
      'PROGRAMME_CODE_TAKEN',
      'state',
      { zh: `编号为 ${command.terms.code} 的申报通知已经发布`, en: `A programme call with code ${command.terms.code} has already been opened` },
      { programmeCode: command.terms.code },
    );
  }
  checkTerms(command.terms);
  if (command.ruleSet.city !== command.terms.city) {
    throw invalidTerms('ruleSet', `规则集 ${command.ruleSet.id} 适用于城市 ${command.ruleSet.city}`, `rule set ${command.ruleSet.id} belongs to city ${command.ruleSet.city}`);
  }
  const opens = shanghaiDate(command.terms.window.opensAt);
  if (!isEffectiveOn(command.ruleSet, opens)) {
    const { from, to } = command.ruleSet.effective;
    throw new DomainError(
      'RULE_SET_NOT_EFFECTIVE',
      'rule',
      {
        zh: `规则集 ${command.ruleSet.id} 第 ${command.ruleSet.version} 版适用期为 ${from} 至 ${to ?? '长期'}，不适用于 ${opens} 开始的申报`,
        en: `Rule set ${command.ruleSet.id} version ${command.ruleSet.version} applies from ${from} to ${to ?? 'open-ended'}, not to a call opening on ${opens}`,
      },
      { field: 'ruleSet', effectiveFrom: from, effectiveTo: to },
    );
  }
  return [{ type: 'ProgrammeOpened', data: { programmeId: command.programmeId, openedAt: command.now.toISOString(), terms: settleTerms(command.terms) } }];
}

type Opened = Extract<ProgrammeState, { status: 'open' }>;

function requireOpened(state: ProgrammeState): Opened {
  if (state.status === 'none') throw new DomainError('PROGRAMME_NOT_FOUND', 'not-found', { zh: '申报通知不存在', en: 'No such programme call' });
  return state;
}

/** The commitment an application holds, if any, with its selection id. */
export function commitmentOf(state: ProgrammeState, applicationId: string): ({ selectionId: string } & Commitment) | null {
  if (state.status !== 'open') return null;
  for (const [selectionId, c] of Object.entries(state.commitments)) if (c.applicationId === applicationId) return { selectionId, ...c };
  return null;
}

/** True when a commitment's selection can no longer be recorded, so releasing it cannot undo an award. */
export function isLapsed(commitment: Commitment, now: Date): boolean {
  return now.getTime() > Date.parse(commitment.expiresAt) + RESERVATION_GRACE_MS;
}

function commit(command: CommitFunds, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const own = Object.hasOwn(programme.commitments, command.selectionId) ? programme.commitments[command.selectionId] : undefined;
  if (own) {
    // The same selection again (a retry, or a concurrent twin with the same Idempotency-Key).
    if (own.applicationId === command.applicationId && own.amountFen === command.amountFen) return [];
    throw new DomainError('SELECTION_ID_REUSED', 'state', {
      zh: '该选定编号已用于其他申报或金额',
      en: 'This selection id was already used for another application or amount',
    });
  }
  const held = commitmentOf(state, command.applicationId);
  if (held) {
    throw new DomainError(
      'FUNDS_ALREADY_COMMITTED',
      'state',
      {
        zh: `该申报已有另一立项决定占用 ${held.amountFen} 分预算；如该决定未能完成，预算将于 ${describeDeadline(new Date(Date.parse(held.expiresAt) + RESERVATION_GRACE_MS).toISOString()).zh} 后释放`,
        en: `Another selection of this application holds ${held.amountFen} fen of the budget; if it is not completed, the money is released after ${describeDeadline(new Date(Date.parse(held.expiresAt) + RESERVATION_GRACE_MS).toISOString()).en}`,
      },
      { committedFen: held.amountFen, selectionId: held.selectionId, expiresAt: held.expiresAt },
    );
  }
  const remaining = programme.terms.budgetFen - programme.committedFen;
  if (command.amountFen > remaining) {
    throw new DomainError(
      'BUDGET_EXCEEDED',
      'state',
      {
        zh: `预算不足：剩余 ${remaining} 分，需 ${command.amountFen} 分`,
        en: `Not enough budget: ${remaining} fen remain, ${command.amountFen} fen are needed`,
      },
      { remainingFen: remaining, requestedFen: command.amountFen, budgetFen: programme.terms.budgetFen },
    );
  }
  const committedFen = programme.committedFen + command.amountFen;
  return [
    {
      type: 'FundsCommitted',
      data: {
        programmeId: programme.programmeId,
        selectionId: command.selectionId,
        applicationId: command.applicationId,
        amountFen: command.amountFen,
        committedFen,
        remainingFen: programme.terms.budgetFen - committedFen,
        committedAt: command.now.toISOString(),
        expiresAt: new Date(command.now.getTime() + RESERVATION_LEASE_MS).toISOString(),
      },
    },
  ];
}

function release(command: ReleaseFunds, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  if (!Object.hasOwn(programme.commitments, command.selectionId)) return [];
  const { applicationId, amountFen } = programme.commitments[command.selectionId];
  return [
    {
      type: 'FundsReleased',
      data: { programmeId: programme.programmeId, selectionId: command.selectionId, applicationId, amountFen, reason: command.reason, releasedAt: command.now.toISOString() },
    },
  ];
}

function openDefenseRound(command: OpenDefenseRound, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  requireWindowClosed(programme.terms, command.now, { zh: '安排答辩', en: 'the defense round can be opened' });
  if (programme.defenseRound) {
    if (programme.defenseRound.roundId === command.roundId) return [];
    throw new DomainError('DEFENSE_ROUND_ALREADY_OPEN', 'state', { zh: '本计划的答辩已经安排', en: 'The defense round of this programme is already open' }, { roundId: programme.defenseRound.roundId });
  }
  if (command.ranking.length === 0) {
    throw new DomainError('DEFENSE_ROUND_EMPTY', 'state', { zh: '尚无已结束评审的申报，无法安排答辩', en: 'No application has a closed review yet' });
  }
  const invited = command.ranking.slice(0, command.size);
  return [{ type: 'DefenseRoundOpened', data: { programmeId: programme.programmeId, roundId: command.roundId, size: command.size, invited, openedAt: command.now.toISOString() } }];
}

export const programmeDecider: Decider<ProgrammeCommand, ProgrammeEvent, ProgrammeState> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'OpenProgramme':
        return open(command, state);
      case 'CommitFunds':
        return commit(command, state);
      case 'ReleaseFunds':
        return release(command, state);
      case 'OpenDefenseRound':
        return openDefenseRound(command, state);
      case 'PublishNotice':
        return publishNotice(command, state);
      case 'FileObjection':
        return fileObjection(command, state);
      case 'ResolveObjection':
        return resolveObjection(command, state);
      case 'CloseNotice':
        return closeNotice(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    if (event.type === 'ProgrammeOpened') {
      return {
        status: 'open',
        programmeId: event.data.programmeId,
        openedAt: event.data.openedAt,
        terms: event.data.terms,
        commitments: {},
        committedFen: 0,
        defenseRound: null,
        notices: {},
        objections: {},
      };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'FundsCommitted': {
        const { selectionId, applicationId, amountFen, committedAt, expiresAt } = event.data;
        return { ...state, commitments: { ...state.commitments, [selectionId]: { applicationId, amountFen, committedAt, expiresAt } }, committedFen: state.committedFen + amountFen };
      }
      case 'FundsReleased': {
        if (!Object.hasOwn(state.commitments, event.data.selectionId)) return state;
        const { [event.data.selectionId]: released, ...commitments } = state.commitments;
        return { ...state, commitments, committedFen: state.committedFen - released.amountFen };
      }
      case 'DefenseRoundOpened':
        return { ...state, defenseRound: { roundId: event.data.roundId, invited: event.data.invited } };
      case 'PublicNoticePublished': {
        const { noticeId, entries, workingDays, publishedAt, publishedBy, endsOn, endsAt } = event.data;
        return { ...state, notices: { ...state.notices, [noticeId]: { noticeId, entries, workingDays, publishedAt, publishedBy, endsOn, endsAt, closedAt: null } } };
      }
      case 'ObjectionFiled': {
        const { objectionId, noticeId, applicationId, objector, grounds, channel, filedBy, filedAt } = event.data;
        return { ...state, objections: { ...state.objections, [objectionId]: { objectionId, noticeId, applicationId, objector, grounds, channel, filedBy, filedAt, resolution: null } } };
      }
      case 'ObjectionResolved': {
        const objection = state.objections[event.data.objectionId];
        if (!objection) return state;
        const { outcome, reason, resolvedBy, resolvedAt } = event.data;
        return { ...state, objections: { ...state.objections, [objection.objectionId]: { ...objection, resolution: { outcome, reason, resolvedBy, resolvedAt } } } };
      }
      case 'PublicNoticeClosed': {
        const notice = state.notices[event.data.noticeId];
        if (!notice) return state;
        return { ...state, notices: { ...state.notices, [notice.noticeId]: { ...notice, closedAt: event.data.closedAt } } };
      }
      default:
        return assertNever(event);
    }
  },
};

export function describeDeadline(instant: string): { zh: string; en: string } {
  return { zh: `${formatShanghai(instant)}（北京时间）`, en: `${formatShanghai(instant)} Asia/Shanghai` };
}

export const PROGRAMME_EVENTS: EventRegistry<ProgrammeEvent> = {
  ProgrammeOpened: {
    version: 3,
    upcast: (data, fromVersion) => upcastProgrammeOpenedV2(fromVersion < 2 ? upcastProgrammeOpenedV1(data as ProgrammeOpenedV1) : (data as ProgrammeOpenedV2)),
  },
  FundsCommitted: { version: 2, upcast: (data) => upcastFundsCommittedV1(data as FundsCommittedV1) },
  FundsReleased: { version: 2, upcast: (data) => upcastFundsReleasedV1(data as FundsReleasedV1) },
  DefenseRoundOpened: { version: 1 },
  PublicNoticePublished: { version: 1 },
  ObjectionFiled: { version: 1 },
  ObjectionResolved: { version: 1 },
  PublicNoticeClosed: { version: 1 },
};

/** ProgrammeOpened as stored before v2: terms without `publicNotice`, `reviewRequest` and `phases`. */
interface ProgrammeOpenedV1 {
  programmeId: string;
  openedAt: string;
  terms: Omit<ProgrammeTerms, 'publicNotice' | 'reviewRequest' | 'phases' | 'reminders' | 'schedule'>;
}

/**
 * A call opened before the public notice existed keeps its behaviour: no notice (a selection is
 * awarded at once), no review request, and review and selection while the window is still open.
 */
function upcastProgrammeOpenedV1(data: ProgrammeOpenedV1): ProgrammeOpenedV2 {
  return { ...data, terms: { ...data.terms, publicNotice: null, reviewRequest: null, phases: 'rolling' } };
}

/** ProgrammeOpened as stored in v2: terms with the public notice, review request and phases, no reminder settings. */
interface ProgrammeOpenedV2 {
  programmeId: string;
  openedAt: string;
  terms: Omit<ProgrammeTerms, 'reminders' | 'schedule'>;
}

/** A call opened before reminders existed takes the default lead times, no scoring deadlines, and the default mid-term inspection. */
function upcastProgrammeOpenedV2(data: ProgrammeOpenedV2): Extract<ProgrammeEvent, { type: 'ProgrammeOpened' }>['data'] {
  return { ...data, terms: settleTerms(data.terms) };
}

/** FundsCommitted as stored before v2: keyed by application, no lease. */
interface FundsCommittedV1 {
  programmeId: string;
  applicationId: string;
  amountFen: number;
  committedFen: number;
  remainingFen: number;
  committedAt: string;
}

/** FundsReleased as stored before v2: released whatever the application held. */
interface FundsReleasedV1 {
  programmeId: string;
  applicationId: string;
  amountFen: number;
  reason: string;
  releasedAt: string;
}

/**
 * v1 keyed commitments by application, so each application's v1 commitment is read as the one
 * selection `legacySelectionId(applicationId)`, which its v1 ApplicationSelected names too. The lease
 * of an old commitment is taken to have run from its commit.
 */
function upcastFundsCommittedV1(data: FundsCommittedV1): Extract<ProgrammeEvent, { type: 'FundsCommitted' }>['data'] {
  return {
    programmeId: data.programmeId,
    selectionId: legacySelectionId(data.applicationId),
    applicationId: data.applicationId,
    amountFen: data.amountFen,
    committedFen: data.committedFen,
    remainingFen: data.remainingFen,
    committedAt: data.committedAt,
    expiresAt: new Date(Date.parse(data.committedAt) + RESERVATION_LEASE_MS).toISOString(),
  };
}

function upcastFundsReleasedV1(data: FundsReleasedV1): Extract<ProgrammeEvent, { type: 'FundsReleased' }>['data'] {
  return { ...data, selectionId: legacySelectionId(data.applicationId) };
}

// ---------------------------------------------------------------------------------------------
// Public notice (公示) and objections (异议)
// ---------------------------------------------------------------------------------------------

const SHANGHAI_OFFSET = '+08:00';

/** The latest notice listing an application (a selection made again after a review request is listed anew). */
function noticeOf(programme: Opened, applicationId: string): NoticeState | null {
  let found: NoticeState | null = null;
  for (const notice of Object.values(programme.notices)) if (notice.entries.some((e) => e.applicationId === applicationId)) found = notice;
  return found;
}

function listedSelection(programme: Opened, selectionId: string): boolean {
  return Object.values(programme.notices).some((n) => n.entries.some((e) => e.selectionId === selectionId));
}

function publishNotice(command: PublishNotice, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const own = Object.hasOwn(programme.notices, command.noticeId) ? programme.notices[command.noticeId] : undefined;
  if (own) return [];
  if (!programme.terms.publicNotice) {
    throw new DomainError('NOTICE_NOT_REQUIRED', 'state', {
      zh: '本申报通知未设公示期：立项即下达经费',
      en: 'This call has no public notice period: a selection is awarded at once',
    });
  }
  const fresh = command.entries.filter((e) => !listedSelection(programme, e.selectionId));
  if (fresh.length === 0) {
    throw new DomainError('NOTICE_EMPTY', 'state', { zh: '没有尚未公示的立项申报', en: 'No selected application awaits a public notice' });
  }
  const workingDays = programme.terms.publicNotice.workingDays;
  const publishedOn = shanghaiDate(command.now);
  let endsOn: string;
  try {
    endsOn = addWorkingDays(command.calendar, publishedOn, workingDays);
  } catch (error) {
    if (error instanceof CalendarYearMissing) {
      throw new DomainError(
        'CALENDAR_YEAR_MISSING',
        'rule',
        { zh: `尚未发布 ${error.year} 年的工作日历，无法计算公示期`, en: `No working-day calendar is published for ${error.year}; the notice period cannot be counted` },
        { year: error.year },
      );
    }
    throw error;
  }
  const years = new Set<number>();
  for (let d = publishedOn; d <= endsOn; d = nextDate(d)) years.add(Number(d.slice(0, 4)));
  const calendarNotices = [...years].sort().map((y) => command.calendar.get(y)!.notice);
  const endsAt = new Date(`${nextDate(endsOn)}T00:00:00${SHANGHAI_OFFSET}`).toISOString();
  return [
    {
      type: 'PublicNoticePublished',
      data: {
        programmeId: programme.programmeId,
        noticeId: command.noticeId,
        entries: fresh.map((e) => ({ ...e })),
        workingDays,
        calendarNotices,
        endsOn,
        endsAt,
        publishedBy: command.by,
        publishedAt: command.now.toISOString(),
      },
    },
  ];
}

function fileObjection(command: FileObjection, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const own = Object.hasOwn(programme.objections, command.objectionId) ? programme.objections[command.objectionId] : undefined;
  if (own) {
    if (own.applicationId === command.applicationId && own.grounds === command.grounds && own.filedBy.sub === command.by.sub) return [];
    throw new DomainError('OBJECTION_ID_REUSED', 'state', { zh: '该异议编号已用于其他异议', en: 'This objection id was already used for another objection' });
  }
  const notice = noticeOf(programme, command.applicationId);
  if (!notice) {
    throw new DomainError('APPLICATION_NOT_ON_NOTICE', 'state', { zh: '该申报不在公示名单中', en: 'This application is not on a public notice' }, { applicationId: command.applicationId });
  }
  if (notice.closedAt !== null || command.now.getTime() >= Date.parse(notice.endsAt)) {
    throw new DomainError(
      'NOTICE_PERIOD_ENDED',
      'state',
      { zh: `公示期已于 ${notice.endsOn} 结束，不再受理异议`, en: `The notice period ended on ${notice.endsOn}; objections are no longer accepted` },
      { endsOn: notice.endsOn, endsAt: notice.endsAt },
    );
  }
  return [
    {
      type: 'ObjectionFiled',
      data: {
        programmeId: programme.programmeId,
        noticeId: notice.noticeId,
        objectionId: command.objectionId,
        applicationId: command.applicationId,
        objector: { ...command.objector },
        grounds: command.grounds,
        channel: command.channel,
        filedBy: command.by,
        filedAt: command.now.toISOString(),
      },
    },
  ];
}

function resolveObjection(command: ResolveObjection, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const objection = Object.hasOwn(programme.objections, command.objectionId) ? programme.objections[command.objectionId] : undefined;
  if (!objection) throw new DomainError('OBJECTION_NOT_FOUND', 'not-found', { zh: '异议不存在', en: 'No such objection' });
  if (objection.resolution) {
    // The same decision again (a retry, or its concurrent twin) changes nothing.
    if (objection.resolution.outcome === command.outcome && objection.resolution.reason === command.reason) return [];
    throw new DomainError(
      'OBJECTION_ALREADY_RESOLVED',
      'state',
      { zh: `该异议已于 ${objection.resolution.resolvedAt} 处理（${objection.resolution.outcome}）`, en: `This objection was already resolved (${objection.resolution.outcome}) at ${objection.resolution.resolvedAt}` },
      { outcome: objection.resolution.outcome },
    );
  }
  return [
    {
      type: 'ObjectionResolved',
      data: {
        programmeId: programme.programmeId,
        objectionId: objection.objectionId,
        applicationId: objection.applicationId,
        outcome: command.outcome,
        reason: command.reason,
        resolvedBy: command.by,
        resolvedAt: command.now.toISOString(),
      },
    },
  ];
}

function closeNotice(command: CloseNotice, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const notice = Object.hasOwn(programme.notices, command.noticeId) ? programme.notices[command.noticeId] : undefined;
  if (!notice) throw new DomainError('NOTICE_NOT_FOUND', 'not-found', { zh: '公示不存在', en: 'No such public notice' });
  if (notice.closedAt !== null) return [];
  if (command.now.getTime() < Date.parse(notice.endsAt)) {
    throw new DomainError(
      'NOTICE_PERIOD_RUNNING',
      'state',
      { zh: `公示期至 ${notice.endsOn} 结束`, en: `The notice period runs until the end of ${notice.endsOn}` },
      { endsOn: notice.endsOn, endsAt: notice.endsAt },
    );
  }
  return [{ type: 'PublicNoticeClosed', data: { programmeId: programme.programmeId, noticeId: notice.noticeId, closedAt: command.now.toISOString() } }];
}

/**
 * Whether a selection may become a grant (the gate of the public notice):
 * - `no-notice`: the call has none, award at once;
 * - `awaiting-notice`: selected but not yet on a notice;
 * - `pending`: the period runs, or an objection on it is unresolved;
 * - `upheld`: an objection against it was upheld, the selection is to be withdrawn, never awarded;
 * - `cleared`: the period ended and every objection on it was dismissed: award.
 */
export type NoticeClearance = 'no-notice' | 'awaiting-notice' | 'pending' | 'upheld' | 'cleared';

export function noticeClearance(state: ProgrammeState, applicationId: string): NoticeClearance {
  if (state.status !== 'open') return 'awaiting-notice';
  if (!state.terms.publicNotice) return 'no-notice';
  const notice = noticeOf(state, applicationId);
  if (!notice) return 'awaiting-notice';
  const objections = Object.values(state.objections).filter((o) => o.applicationId === applicationId && o.noticeId === notice.noticeId);
  if (objections.some((o) => o.resolution?.outcome === 'upheld')) return 'upheld';
  if (notice.closedAt === null) return 'pending';
  if (objections.some((o) => o.resolution === null)) return 'pending';
  return 'cleared';
}

export function noticeEntryOf(state: ProgrammeState, applicationId: string): NoticeEntry | null {
  if (state.status !== 'open') return null;
  const notice = noticeOf(state, applicationId);
  return notice?.entries.find((e) => e.applicationId === applicationId) ?? null;
}
