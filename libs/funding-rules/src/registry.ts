import { RuleSet } from './types';
import { RuleSetInvalidError, validateRuleSet } from './validate';
import { rizhaoPilotV1 } from './rule-sets/rizhao-pilot.v1';
import { suzhou2024IpstdV1 } from './rule-sets/suzhou-2024-ipstd.v1';

/** The rule sets shipped with the product, validated and frozen when this module loads. */
export const BUILT_IN_RULE_SETS: readonly RuleSet[] = Object.freeze([suzhou2024IpstdV1, rizhaoPilotV1].map(validateRuleSet));

export function findRuleSet(list: readonly RuleSet[], id: string, version: number): RuleSet | undefined {
  return list.find((r) => r.id === id && r.version === version);
}

export function latestRuleSet(list: readonly RuleSet[], id: string): RuleSet | undefined {
  return list.filter((r) => r.id === id).reduce<RuleSet | undefined>((latest, r) => (!latest || r.version > latest.version ? r : latest), undefined);
}

/**
 * Accepts a new version for publication: valid as data, and numbered one above the latest version
 * of its id (or 1 for a new id), so a published version is never replaced.
 */
export function checkNewVersion(published: readonly RuleSet[], input: unknown): RuleSet {
  const candidate = validateRuleSet(input);
  const latest = latestRuleSet(published, candidate.id);
  const expected = (latest?.version ?? 0) + 1;
  if (latest && latest.city !== candidate.city) {
    throw new RuleSetInvalidError([
      {
        path: 'city',
        text: {
          zh: `规则集 ${candidate.id} 属于城市 ${latest.city}，新版本不能改变所属城市`,
          en: `rule set ${candidate.id} belongs to city ${latest.city}; a new version cannot move it to another city`,
        },
      },
    ]);
  }
  if (candidate.version !== expected) {
    throw new RuleSetInvalidError([
      {
        path: 'version',
        text: {
          zh: `规则集 ${candidate.id} 的下一个版本号应为 ${expected}；已发布的版本不可更改`,
          en: `the next version of rule set ${candidate.id} must be ${expected}; published versions never change`,
        },
      },
    ]);
  }
  return candidate;
}

/** Whether a programme call opened on `date` (YYYY-MM-DD, Asia/Shanghai) may pin this version. */
export function isEffectiveOn(ruleSet: RuleSet, date: string): boolean {
  return ruleSet.effective.from <= date && (ruleSet.effective.to === null || date <= ruleSet.effective.to);
}

/** What a derived version changes in its base version; everything else is copied unchanged. */
export interface RuleSetChanges {
  /** The published version to derive from. */
  readonly from: number;
  readonly effective?: unknown;
  readonly title?: unknown;
  readonly source?: unknown;
  /** Per clause id, the parameters to replace (a shallow merge over the clause's `params`). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** The evaluation index's pass mark (Rizhao pilot). */
  readonly passMark?: unknown;
}

/**
 * A new version of rule set `id` derived from its published version `changes.from`: numbered one
 * above the latest, with the changed dates, title, source, clause parameters and pass mark, and then
 * validated exactly like a whole publication (checkNewVersion). A clause id the base does not have is
 * RULE_SET_INVALID naming its path.
 */
export function deriveRuleSet(published: readonly RuleSet[], id: string, changes: RuleSetChanges): RuleSet {
  const base = findRuleSet(published, id, changes.from);
  if (!base) throw new RuleSetInvalidError([{ path: 'from', text: { zh: `规则集 ${id} 第 ${changes.from} 版未发布`, en: `rule set ${id} version ${changes.from} has not been published` } }]);
  const latest = latestRuleSet(published, id)!;
  const unknown = Object.keys(changes.params ?? {}).filter((clauseId) => !base.clauses.some((c) => c.id === clauseId));
  if (unknown.length) {
    throw new RuleSetInvalidError(unknown.map((clauseId) => ({ path: `params.${clauseId}`, text: { zh: `第 ${base.version} 版没有条款 ${clauseId}`, en: `version ${base.version} has no clause ${clauseId}` } })));
  }
  const notObjects = Object.entries(changes.params ?? {}).filter(([, value]) => typeof value !== 'object' || value === null || Array.isArray(value));
  if (notObjects.length) {
    throw new RuleSetInvalidError(notObjects.map(([clauseId]) => ({ path: `params.${clauseId}`, text: { zh: '须为参数对象', en: 'must be an object of parameters' } })));
  }
  if (changes.passMark !== undefined && !base.index) {
    throw new RuleSetInvalidError([{ path: 'passMark', text: { zh: `第 ${base.version} 版没有评价指标体系`, en: `version ${base.version} has no evaluation index` } }]);
  }
  const candidate: Record<string, unknown> = {
    ...base,
    version: latest.version + 1,
    ...(changes.title !== undefined ? { title: changes.title } : {}),
    ...(changes.source !== undefined ? { source: changes.source } : {}),
    ...(changes.effective !== undefined ? { effective: changes.effective } : {}),
    clauses: base.clauses.map((clause) => {
      const replaced = changes.params?.[clause.id] as Record<string, unknown> | undefined;
      return replaced ? { ...clause, params: { ...clause.params, ...replaced } } : clause;
    }),
    ...(changes.passMark !== undefined && base.index ? { index: { ...base.index, passMark: changes.passMark } } : {}),
  };
  return checkNewVersion(published, candidate);
}
