import { BilingualText, DomainError, assertNever, parseScaledDecimal } from '@ipstd/kernel';
import { STANDARD_LEVELS, StandardLevel } from './profile';
import { IndicatorScoring, RuleSet, RuleSetRef } from './types';
import { anything, at, bilingual, Check, clauseId, decimal, isObject, list, oneOf, pattern, report, shape, text } from './checks';
import { LEVEL_TEXT, twoDecimals } from './text';

export type IndicatorValue = boolean | number | Readonly<Partial<Record<StandardLevel, number>>>;
/** The evaluated unit's values, keyed by each indicator's `input`. */
export type IndexInputs = Readonly<Record<string, IndicatorValue | undefined>>;

/** The inputs of the Rizhao pilot index v1 (002_2717c857cd88b5c5.txt 二(二)–(四), 三); a type, not an interface, so it is an `IndexInputs`. */
export type RizhaoPilotIndicators = {
  readonly standardsByLevel?: Readonly<Partial<Record<StandardLevel, number>>>;
  readonly leaderStandards?: number;
  readonly patentsIntoStandards?: number;
  readonly ipManagementCertified?: boolean;
  readonly standardisationGoodBehaviour?: boolean;
  readonly highValuePatentCentre?: boolean;
  readonly patentNavigationProjects?: number;
  readonly peopleTrained?: number;
  readonly integratedIpStandardsFunction?: boolean;
};

/** Weights, points and the pass mark are kept in hundredths: at most two decimals, checked exactly. */
const weight = decimal(0, 1000, true, 2);
const SCORING_FIELDS: Readonly<Record<IndicatorScoring['kind'], Record<string, Check>>> = {
  boolean: { kind: anything, weight },
  linear: { kind: anything, weight, cap: decimal(0, 1e9, true) },
  'per-level': { kind: anything, weight, points: shape(Object.fromEntries(STANDARD_LEVELS.map((l) => [l, decimal(0, 1000, false, 2)])), STANDARD_LEVELS) },
};

/** Exact hundredths of a validated weight, points value or pass mark (never `x * 100`). */
function hundredthsOf(points: number): number {
  const parsed = parseScaledDecimal(points, 2);
  if (!parsed.ok) throw new RangeError(`${points} is not a number of points with at most two decimals`);
  return parsed.scaled;
}

const scoring: Check = (value, path, out) => {
  if (!isObject(value)) return report(out, path, '必须是对象', 'must be an object');
  const kinds = Object.keys(SCORING_FIELDS);
  oneOf(kinds)(value.kind, at(path, 'kind'), out);
  if (kinds.includes(value.kind as string)) shape(SCORING_FIELDS[value.kind as IndicatorScoring['kind']])(value, path, out);
};

const indicator = shape({
  id: clauseId,
  citation: text,
  description: bilingual,
  input: pattern(/^[a-z][A-Za-z0-9]*$/, 'camelCase 输入名', 'a camelCase input name'),
  scoring,
});

export const indexCheck: Check = (value, path, out) => {
  shape({ passMark: decimal(0, 1e6, false, 2), indicators: list(indicator, { min: 1, unique: 'input' }) })(value, path, out);
  if (!isObject(value) || !Array.isArray(value.indicators) || typeof value.passMark !== 'number') return;
  const exact = (points: unknown) => (typeof points === 'number' ? parseScaledDecimal(points, 2) : null);
  const passMark = exact(value.passMark);
  const max = value.indicators.reduce((sum: number, i) => {
    const weight = isObject(i) && isObject(i.scoring) ? exact(i.scoring.weight) : null;
    return sum + (weight?.ok ? weight.scaled : 0);
  }, 0);
  if (passMark?.ok && passMark.scaled > max) report(out, at(path, 'passMark'), `合格线 ${value.passMark} 高于满分 ${max / 100}`, `pass mark ${value.passMark} exceeds the maximum score ${max / 100}`);
};

export interface IndicatorResult {
  readonly id: string;
  readonly citation: string;
  readonly input: string;
  readonly value: unknown;
  readonly weight: number;
  readonly points: number;
  readonly outcome: 'scored' | 'no-evidence';
  readonly explanation: BilingualText;
}

export interface IndexAssessment {
  readonly ruleSet: RuleSetRef;
  readonly score: number;
  readonly maxScore: number;
  readonly passMark: number;
  readonly outcome: 'pass' | 'fail';
  readonly indicators: IndicatorResult[];
  readonly explanation: BilingualText;
}

/**
 * Scores a unit against the rule set's evaluation index (评价指标体系, 002_2717c857cd88b5c5.txt
 * 三(一)3); only units that pass receive funds (五(三)). Points are kept in hundredths so sums are
 * exact; a missing or malformed value scores zero and says so.
 */
export function evaluateIndex(ruleSet: RuleSet, inputs: IndexInputs): IndexAssessment {
  const index = ruleSet.index;
  if (!index) {
    throw new DomainError('RULE_SET_HAS_NO_INDEX', 'rule', { zh: '该规则集未定义评价指标体系', en: 'This rule set defines no evaluation index' }, { ruleSet: ruleSet.id, version: ruleSet.version });
  }
  const scored = index.indicators.map((ind) => {
    const value = inputs[ind.input];
    return { ind, value, result: scoreOf(ind.scoring, value) };
  });
  const indicators = scored.map(({ ind, value, result }): IndicatorResult => ({
    id: ind.id,
    citation: ind.citation,
    input: ind.input,
    value: value ?? null,
    weight: ind.scoring.weight,
    points: (result?.hundredths ?? 0) / 100,
    outcome: result ? 'scored' : 'no-evidence',
    explanation: result
      ? { zh: `${ind.description.zh}：${result.working.zh} = ${twoDecimals(result.hundredths)} 分`, en: `${ind.description.en}: ${result.working.en} = ${twoDecimals(result.hundredths)} points` }
      : { zh: `${ind.description.zh}：未提供有效数据，0 分`, en: `${ind.description.en}: no valid value, 0 points` },
  }));
  const hundredths = scored.reduce((sum, s) => sum + (s.result?.hundredths ?? 0), 0);
  const passed = hundredths >= hundredthsOf(index.passMark);
  const total = twoDecimals(hundredths);
  return {
    ruleSet: { id: ruleSet.id, version: ruleSet.version },
    score: hundredths / 100,
    maxScore: index.indicators.reduce((sum, i) => sum + hundredthsOf(i.scoring.weight), 0) / 100,
    passMark: index.passMark,
    outcome: passed ? 'pass' : 'fail',
    indicators,
    explanation: passed
      ? { zh: `总分 ${total} ≥ 合格线 ${index.passMark}：评估合格`, en: `total ${total} ≥ pass mark ${index.passMark}: passed` }
      : { zh: `总分 ${total} < 合格线 ${index.passMark}：评估不合格`, en: `total ${total} < pass mark ${index.passMark}: not passed` },
  };
}

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

function scoreOf(scoring: IndicatorScoring, value: unknown): { hundredths: number; working: BilingualText } | null {
  switch (scoring.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') return null;
      return { hundredths: value ? hundredthsOf(scoring.weight) : 0, working: { zh: value ? `是，${scoring.weight}` : '否，0', en: value ? `yes, ${scoring.weight}` : 'no, 0' } };
    case 'linear': {
      if (!isCount(value)) return null;
      const counted = Math.min(value, scoring.cap);
      const working = `${scoring.weight} × min(${value}, ${scoring.cap}) / ${scoring.cap}`;
      return { hundredths: Math.round((hundredthsOf(scoring.weight) * counted) / scoring.cap), working: { zh: working, en: working } };
    }
    case 'per-level': {
      if (!isObject(value) || !Object.values(value).every(isCount)) return null;
      const terms = STANDARD_LEVELS.filter((l) => isCount(value[l]) && (value[l] as number) > 0 && (scoring.points[l] ?? 0) > 0);
      const raw = terms.reduce((sum, l) => sum + (value[l] as number) * hundredthsOf(scoring.points[l] ?? 0), 0);
      const zh = terms.map((l) => `${LEVEL_TEXT[l].zh} ${value[l]} × ${scoring.points[l]}`).join(' + ') || '0';
      const en = terms.map((l) => `${LEVEL_TEXT[l].en} ${value[l]} × ${scoring.points[l]}`).join(' + ') || '0';
      return {
        hundredths: Math.round(Math.min(raw, hundredthsOf(scoring.weight))),
        working: { zh: `min(${zh}, ${scoring.weight})`, en: `min(${en}, ${scoring.weight})` },
      };
    }
    default:
      return assertNever(scoring);
  }
}
