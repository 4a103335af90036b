import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, formatShanghai, shanghaiDate } from '@ipstd/kernel';
import { RuleSet, isEffectiveOn } from '@ipstd/funding-rules';
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
  /** Reminder lead times in working days (工作日); a missing one takes its default (DEFAULT_REMINDER_LEADS). */
  readonly reminders?: Partial<ReminderLeadTimes>;
  /** Deadlines of the call beyond the window and the endorsement deadline; missing ones take their defaults. */
  readonly schedule?: Partial<CallSchedule>;
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
}

export const DEFAULT_REMINDER_LEADS: ReminderLeadTimes = { endorsement: 2, reviewScoring: 2, defenseScoring: 1, acceptanceRequest: 10, midTermInspection: 10, clawbackDue: 5 };
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

/** The terms as a programme stores them (ProgrammeOpened v2): every reminder lead time and schedule entry set. */
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
  /** v2: the terms carry every reminder lead time and the call's schedule (settleTerms); v1 is upcast with the defaults. */
  | DomainEvent<'ProgrammeOpened', { programmeId: string; openedAt: string; terms: SettledTerms }>
  /** v2: keyed by the selection decision (`selectionId`), with the reservation's lease (`expiresAt`). */
  | DomainEvent<
      'FundsCommitted',
      { programmeId: string; selectionId: string; applicationId: string; amountFen: number; committedFen: number; remainingFen: number; committedAt: string; expiresAt: string }
    >
  /** v2: releases exactly one selection's commitment (`selectionId`). */
  | DomainEvent<'FundsReleased', { programmeId: string; selectionId: string; applicationId: string; amountFen: number; reason: string; releasedAt: string }>
  | DomainEvent<'DefenseRoundOpened', { programmeId: string; roundId: string; size: number; invited: DefenseInvitation[]; openedAt: string }>;

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

export type ProgrammeCommand = OpenProgramme | CommitFunds | ReleaseFunds | OpenDefenseRound;

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
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    if (event.type === 'ProgrammeOpened') {
      return { status: 'open', programmeId: event.data.programmeId, openedAt: event.data.openedAt, terms: event.data.terms, commitments: {}, committedFen: 0, defenseRound: null };
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
      default:
        return assertNever(event);
    }
  },
};

export function describeDeadline(instant: string): { zh: string; en: string } {
  return { zh: `${formatShanghai(instant)}（北京时间）`, en: `${formatShanghai(instant)} Asia/Shanghai` };
}

export const PROGRAMME_EVENTS: EventRegistry<ProgrammeEvent> = {
  ProgrammeOpened: { version: 2, upcast: (data) => upcastProgrammeOpenedV1(data as ProgrammeOpenedV1) },
  FundsCommitted: { version: 2, upcast: (data) => upcastFundsCommittedV1(data as FundsCommittedV1) },
  FundsReleased: { version: 2, upcast: (data) => upcastFundsReleasedV1(data as FundsReleasedV1) },
  DefenseRoundOpened: { version: 1 },
};

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

/** ProgrammeOpened as stored before v2: terms without reminder lead times or schedule. */
type ProgrammeOpenedV1 = { programmeId: string; openedAt: string; terms: ProgrammeTerms };

/** A call opened before v2 had no reminder settings: it takes the defaults. */
function upcastProgrammeOpenedV1(data: ProgrammeOpenedV1): Extract<ProgrammeEvent, { type: 'ProgrammeOpened' }>['data'] {
  return { ...data, terms: settleTerms(data.terms) };
}
