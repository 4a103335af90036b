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

export type ProgrammeEvent = DomainEvent<'ProgrammeOpened', { programmeId: string; openedAt: string; terms: ProgrammeTerms }>;

export type ProgrammeState =
  | { readonly status: 'none' }
  | { readonly status: 'open'; readonly programmeId: string; readonly openedAt: string; readonly terms: ProgrammeTerms };

export interface OpenProgramme {
  readonly type: 'OpenProgramme';
  readonly programmeId: string;
  readonly terms: ProgrammeTerms;
  /** The published rule-set version the terms name: the call pins it for good. */
  readonly ruleSet: RuleSet;
  readonly now: Date;
}

export type ProgrammeCommand = OpenProgramme;

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

export const programmeDecider: Decider<ProgrammeCommand, ProgrammeEvent, ProgrammeState> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'OpenProgramme':
        return open(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ProgrammeOpened':
        return { status: 'open', programmeId: event.data.programmeId, openedAt: event.data.openedAt, terms: event.data.terms };
      default:
        return assertNever(event.type);
    }
  },
};

export function describeDeadline(instant: string): { zh: string; en: string } {
  return { zh: `${formatShanghai(instant)}（北京时间）`, en: `${formatShanghai(instant)} Asia/Shanghai` };
}

export const PROGRAMME_EVENTS: EventRegistry<ProgrammeEvent> = { ProgrammeOpened: { version: 1 } };
