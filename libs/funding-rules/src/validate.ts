import { DomainError } from '@ipstd/kernel';
import { CLAUSE_KINDS, PARAM_CHECKS } from './kinds';
import { CITY_TARGET_COMPARISONS, CITY_TARGET_UNITS, ClauseKind, RuleSet } from './types';
import { anything, at, bilingual, Check, clauseId, decimal, integer, isObject, isoDate, kebabId, list, nullable, oneOf, report, RuleSetProblem, shape, text, pattern } from './checks';
import { indexCheck } from './evaluation-index';
import { targetCheck } from './targets';

/** A rule set that cannot be published, with every problem found, each at its field path. */
export class RuleSetInvalidError extends DomainError {
  constructor(readonly problems: readonly RuleSetProblem[]) {
    super(
      'RULE_SET_INVALID',
      'rule',
      {
        zh: `规则集无效：${problems.map((p) => `${p.path || '（根）'} ${p.text.zh}`).join('；')}`,
        en: `Invalid rule set: ${problems.map((p) => `${p.path || '(root)'} ${p.text.en}`).join('; ')}`,
      },
      { problems },
    );
  }
}

const clause: Check = (value, path, out) => {
  shape({ id: clauseId, kind: oneOf(CLAUSE_KINDS), citation: text, description: bilingual, params: anything })(value, path, out);
  if (isObject(value) && CLAUSE_KINDS.includes(value.kind as ClauseKind) && value.params !== undefined) {
    PARAM_CHECKS[value.kind as ClauseKind](value.params, at(path, 'params'), out);
  }
};

const cityTarget = shape({
  id: clauseId,
  citation: text,
  description: bilingual,
  value: decimal(0, 1e9),
  unit: oneOf(CITY_TARGET_UNITS),
  comparison: oneOf(CITY_TARGET_COMPARISONS),
  dueBy: isoDate,
});

const ruleSetShape = shape(
  {
    id: kebabId,
    version: integer(1),
    title: bilingual,
    city: pattern(/^[1-8]\d{3}00$/, '须为地级市行政区划代码（GB/T 2260）', 'must be a prefecture-level city code (GB/T 2260)'),
    source: text,
    effective: shape({ from: isoDate, to: nullable(isoDate) }),
    clauses: list(clause, { min: 1 }),
    targets: list(targetCheck, { min: 1 }),
    index: indexCheck,
    cityTargets: list(cityTarget, { min: 1 }),
  },
  ['targets', 'index', 'cityTargets'],
);

/**
 * Checks a whole rule set as published data (shape, known kinds, params per kind, unique ids
 * across clauses, targets, indicators and city targets, effective dates in order) and returns a
 * deep-frozen copy. Throws a RuleSetInvalidError listing every problem, never just the first.
 */
export function validateRuleSet(input: unknown): RuleSet {
  const problems: RuleSetProblem[] = [];
  ruleSetShape(input, '', problems);
  if (isObject(input)) {
    uniqueIds(input, problems);
    const effective = input.effective;
    if (isObject(effective) && typeof effective.from === 'string' && typeof effective.to === 'string' && effective.to < effective.from) {
      report(problems, 'effective.to', `不能早于生效日 ${effective.from}`, `cannot be before effective.from ${effective.from}`);
    }
  }
  if (problems.length > 0) throw new RuleSetInvalidError(problems);
  return deepFreeze(structuredClone(input) as RuleSet);
}

/** Ids name clauses in assessments, grants and audit trails, so one id means one rule within a version. */
function uniqueIds(input: Record<string, unknown>, out: RuleSetProblem[]): void {
  const seen = new Map<string, string>();
  const collect = (items: unknown, path: string) => {
    if (!Array.isArray(items)) return;
    items.forEach((item, i) => {
      if (!isObject(item) || typeof item.id !== 'string') return;
      const where = at(at(path, i), 'id');
      const first = seen.get(item.id);
      if (first) report(out, where, `与 ${first} 重复：${item.id}`, `duplicates ${first}: ${item.id}`);
      else seen.set(item.id, where);
    });
  };
  collect(input.clauses, 'clauses');
  collect(input.targets, 'targets');
  if (isObject(input.index)) collect(input.index.indicators, 'index.indicators');
  collect(input.cityTargets, 'cityTargets');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
