import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, formatShanghai, shanghaiDate } from '@ipstd/kernel';
import { RuleSet, isEffectiveOn } from '@ipstd/funding-rules';
import { CITIES, CITY_CODE } from './divisions';

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
}

export interface DefenseInvitation {
  readonly applicationId: string;
  readonly rank: number;
  readonly scoreHundredths: number;
}

export type ProgrammeEvent =
  | DomainEvent<'ProgrammeOpened', { programmeId: string; openedAt: string; terms: ProgrammeTerms }>
  | DomainEvent<'FundsCommitted', { programmeId: string; applicationId: string; amountFen: number; committedFen: number; remainingFen: number; committedAt: string }>
  | DomainEvent<'FundsReleased', { programmeId: string; applicationId: string; amountFen: number; reason: string; releasedAt: string }>
  | DomainEvent<'DefenseRoundOpened', { programmeId: string; roundId: string; size: number; invited: DefenseInvitation[]; openedAt: string }>;

export type ProgrammeState =
  | { readonly status: 'none' }
  | {
      readonly status: 'open';
      readonly programmeId: string;
      readonly openedAt: string;
      readonly terms: ProgrammeTerms;
      /** Awards committed against the budget, per application (立项 within budget). */
      readonly commitments: Readonly<Record<string, number>>;
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

/** Commits an approved amount against the budget: Σ commitments never exceeds the budget (DOMAIN.md §5). */
export interface CommitFunds {
  readonly type: 'CommitFunds';
  readonly applicationId: string;
  readonly amountFen: number;
  readonly now: Date;
}

/** Undoes a commitment whose selection could not be recorded. */
export interface ReleaseFunds {
  readonly type: 'ReleaseFunds';
  readonly applicationId: string;
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
  return [{ type: 'ProgrammeOpened', data: { programmeId: command.programmeId, openedAt: command.now.toISOString(), terms: command.terms } }];
}

type Opened = Extract<ProgrammeState, { status: 'open' }>;

function requireOpened(state: ProgrammeState): Opened {
  if (state.status === 'none') throw new DomainError('PROGRAMME_NOT_FOUND', 'not-found', { zh: '申报通知不存在', en: 'No such programme call' });
  return state;
}

function commit(command: CommitFunds, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  const existing = Object.hasOwn(programme.commitments, command.applicationId) ? programme.commitments[command.applicationId] : undefined;
  if (existing !== undefined) {
    if (existing === command.amountFen) return [];
    throw new DomainError(
      'FUNDS_ALREADY_COMMITTED',
      'state',
      { zh: `该申报已承诺 ${existing} 分`, en: `${existing} fen are already committed to this application` },
      { committedFen: existing },
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
      data: { programmeId: programme.programmeId, applicationId: command.applicationId, amountFen: command.amountFen, committedFen, remainingFen: programme.terms.budgetFen - committedFen, committedAt: command.now.toISOString() },
    },
  ];
}

function release(command: ReleaseFunds, state: ProgrammeState): ProgrammeEvent[] {
  const programme = requireOpened(state);
  if (!Object.hasOwn(programme.commitments, command.applicationId)) return [];
  const amountFen = programme.commitments[command.applicationId];
  return [{ type: 'FundsReleased', data: { programmeId: programme.programmeId, applicationId: command.applicationId, amountFen, reason: command.reason, releasedAt: command.now.toISOString() } }];
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
      case 'FundsCommitted':
        return { ...state, commitments: { ...state.commitments, [event.data.applicationId]: event.data.amountFen }, committedFen: state.committedFen + event.data.amountFen };
      case 'FundsReleased': {
        const { [event.data.applicationId]: _released, ...commitments } = state.commitments;
        return { ...state, commitments, committedFen: state.committedFen - event.data.amountFen };
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
  ProgrammeOpened: { version: 1 },
  FundsCommitted: { version: 1 },
  FundsReleased: { version: 1 },
  DefenseRoundOpened: { version: 1 },
};
