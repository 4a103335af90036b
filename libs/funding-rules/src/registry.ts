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
