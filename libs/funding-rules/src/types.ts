import { BilingualText } from '@ipstd/kernel';
import { StandardLevel, StandardRole } from './profile';

/** How one clause judged an applicant. `finding` flags a point for reviewers without rejecting. */
export type ClauseOutcome = 'pass' | 'fail' | 'finding' | 'not-applicable';
/** What a breach of a clause leads to: a rejection, or a point for reviewers. */
export type BreachOutcome = 'fail' | 'finding';
export const BREACH_OUTCOMES: readonly BreachOutcome[] = ['fail', 'finding'];

interface ClauseOf<Kind extends string, Params> {
  readonly id: string;
  readonly kind: Kind;
  /** Seed file and clause, e.g. `004_39c6efd61937e065.txt 三(二)`. */
  readonly citation: string;
  readonly description: BilingualText;
  readonly params: Params;
}

export interface RegisteredInRegionParams {
  /** Leading digits of the GB/T 2260 division in the credit code: `3205` for Suzhou. */
  readonly divisionPrefix: string;
  readonly region: BilingualText;
  readonly requireIndependentLegalPerson: boolean;
  readonly outsideRegion: BreachOutcome;
}

export interface GrowthOrProfitParams {
  /** The complete fiscal years before the reference date's year that are looked at. */
  readonly years: number;
  readonly shortfall: BreachOutcome;
  readonly requireHealthyAssets: boolean;
}

export interface PatentPortfolioParams {
  readonly requireManagementSystem: boolean;
  readonly requireDepartment: boolean;
  readonly minStaff: number;
  readonly minValidPatents: number;
  readonly minInventionPatents: number;
  /** Invention patents one PCT national-phase application counts for (the "1:3" of 三(二)). */
  readonly pctRatio: number;
}

export interface StandardSystemParams {
  readonly minCoveragePercent: number;
  readonly requireDepartment: boolean;
  readonly minStaff: number;
  readonly minStandards: number;
  readonly levels: readonly StandardLevel[];
  readonly roles: readonly StandardRole[];
  /** Publication on or after the same calendar day this many years before the reference date. */
  readonly windowYears: number;
}

export interface QmsAndTrademarkParams {
  readonly requireQms: boolean;
  readonly minTrademarks: number;
}

export type CreditCheck = 'serious-dishonesty' | 'abnormal-patent-applications';
export const CREDIT_CHECKS: readonly CreditCheck[] = ['serious-dishonesty', 'abnormal-patent-applications'];

export interface CleanCreditParams {
  readonly checks: readonly CreditCheck[];
  readonly breachOutcome: BreachOutcome;
}

export interface PriorityItem {
  /** Stable kebab-case id; an applicant's `awards` name these. */
  readonly id: string;
  readonly title: BilingualText;
}

export interface PriorityListParams {
  readonly items: readonly PriorityItem[];
}

export type Clause =
  | ClauseOf<'registered-in-region', RegisteredInRegionParams>
  | ClauseOf<'growth-or-profit', GrowthOrProfitParams>
  | ClauseOf<'patent-portfolio', PatentPortfolioParams>
  | ClauseOf<'standard-system', StandardSystemParams>
  | ClauseOf<'qms-and-trademark', QmsAndTrademarkParams>
  | ClauseOf<'clean-credit', CleanCreditParams>
  | ClauseOf<'priority-list', PriorityListParams>;

export type ClauseKind = Clause['kind'];

export type InspectionStage = 'mid-term' | 'acceptance';
export const INSPECTION_STAGES: readonly InspectionStage[] = ['mid-term', 'acceptance'];

export type FlagEvidence =
  | 'collaborationSystem'
  | 'collaborationCentreOrAlliance'
  | 'patentPool'
  | 'leadershipGroup'
  | 'ipStandardsDirector'
  | 'publicity'
  | 'onSiteDemonstration';
export type CountEvidence = 'licensedPatents' | 'standardisedPatentIntensiveProducts' | 'certifiedStaff' | 'summaryChars';
export type YearPairEvidence = 'ipStandardsShareOfRdPercent' | 'domesticMarketSharePercent';

export interface YearPair {
  readonly lastYear: number;
  readonly thisYear: number;
}

/** Evidence a grantee files at mid-term inspection and acceptance (004_39c6efd61937e065.txt 四(二)). */
export type TargetEvidence = { readonly [F in FlagEvidence]: boolean } & { readonly [F in CountEvidence]: number } & {
  readonly [F in YearPairEvidence]: YearPair;
} & {
  readonly standardsFromOwnIp: ReadonlyArray<{ readonly code: string; readonly level: StandardLevel }>;
  readonly collaborationMeetings: ReadonlyArray<{ readonly heldOn: string; readonly experts: number }>;
};

export type TargetRequirement =
  | { readonly check: 'true'; readonly field: FlagEvidence }
  | { readonly check: 'at-least'; readonly field: CountEvidence; readonly min: number }
  | { readonly check: 'rising'; readonly field: YearPairEvidence }
  | { readonly check: 'standards'; readonly field: 'standardsFromOwnIp'; readonly min: number; readonly minAtLevels: number; readonly levels: readonly StandardLevel[] }
  | { readonly check: 'meetings'; readonly field: 'collaborationMeetings'; readonly min: number; readonly minExperts: number };

/** A performance target (绩效目标) checked at mid-term inspection and acceptance. */
export interface Target {
  readonly id: string;
  readonly citation: string;
  readonly description: BilingualText;
  readonly stages: readonly InspectionStage[];
  readonly requirements: readonly TargetRequirement[];
}

export type IndicatorScoring =
  | { readonly kind: 'boolean'; readonly weight: number }
  /** weight × min(value, cap) / cap */
  | { readonly kind: 'linear'; readonly weight: number; readonly cap: number }
  /** min(weight, Σ count × points of its level) */
  | { readonly kind: 'per-level'; readonly weight: number; readonly points: Readonly<Partial<Record<StandardLevel, number>>> };

export interface Indicator {
  readonly id: string;
  readonly citation: string;
  readonly description: BilingualText;
  /** The key under which the evaluated unit's value is given to `evaluateIndex`. */
  readonly input: string;
  readonly scoring: IndicatorScoring;
}

/** 评价指标体系 (002_2717c857cd88b5c5.txt 三(一)3), versioned: 动态调整 is a new version. */
export interface EvaluationIndex {
  readonly passMark: number;
  readonly indicators: readonly Indicator[];
}

export type CityTargetUnit = 'count' | 'percent' | 'per-10k-people' | 'per-year';
export const CITY_TARGET_UNITS: readonly CityTargetUnit[] = ['count', 'percent', 'per-10k-people', 'per-year'];
/** `at-least` where the text says 以上; `target` where it gives a bare figure (培育50家). */
export type CityTargetComparison = 'at-least' | 'target';
export const CITY_TARGET_COMPARISONS: readonly CityTargetComparison[] = ['at-least', 'target'];

export interface CityTarget {
  readonly id: string;
  readonly citation: string;
  readonly description: BilingualText;
  readonly value: number;
  readonly unit: CityTargetUnit;
  readonly comparison: CityTargetComparison;
  readonly dueBy: string;
}

/**
 * One immutable version of a programme's rules. Programmes pin `{ id, version }` when they open;
 * a changed threshold, list or weight is a new version, never an edit.
 */
export interface RuleSet {
  /** kebab-case, e.g. `suzhou-2024-ipstd` */
  readonly id: string;
  readonly version: number;
  readonly title: BilingualText;
  /** The city (GB/T 2260) whose bureau publishes and uses this rule set; only its admins publish new versions. */
  readonly city: string;
  /** The seed file the clauses cite. */
  readonly source: string;
  /** When a programme call may be opened under this version; pinned programmes keep it afterwards. */
  readonly effective: { readonly from: string; readonly to: string | null };
  readonly clauses: readonly Clause[];
  readonly targets?: readonly Target[];
  readonly index?: EvaluationIndex;
  readonly cityTargets?: readonly CityTarget[];
}

export interface RuleSetRef {
  readonly id: string;
  readonly version: number;
}
