import { ApplicationProfile } from '@ipstd/applications';
import { Assessment, BUILT_IN_RULE_SETS, ClauseResult, EligibilityOptions, EligibilityProfile, evaluateEligibility, findRuleSet, RuleSet } from '../src';
import { suzhouProfile } from '../../../test/support/fixtures';

function builtIn(id: string): RuleSet {
  const found = findRuleSet(BUILT_IN_RULE_SETS, id, 1);
  if (!found) throw new Error(`no built-in rule set ${id} v1`);
  return found;
}

export const SUZHOU_V1 = builtIn('suzhou-2024-ipstd');
export const RIZHAO_V1 = builtIn('rizhao-pilot');

/** The deadline of the Suzhou 2024 call (004_39c6efd61937e065.txt 六(二)) as the reference date. */
export const SUZHOU_DEADLINE = '2024-11-17';

type Patch = {
  readonly [K in Exclude<keyof EligibilityProfile, 'awards'>]?: Partial<EligibilityProfile[K]>;
} & { readonly awards?: readonly string[] };

/** The API example's applicant (eligible under Suzhou v1), with sections patched. */
export function profile(patch: Patch = {}): ApplicationProfile {
  const base = suzhouProfile();
  return {
    ...base,
    enterprise: { ...base.enterprise, ...patch.enterprise },
    finance: { ...base.finance, ...patch.finance },
    ip: { ...base.ip, ...patch.ip },
    standards: { ...base.standards, ...patch.standards },
    quality: { ...base.quality, ...patch.quality },
    credit: { ...base.credit, ...patch.credit },
    awards: patch.awards ?? base.awards,
  };
}

export function assess(p: EligibilityProfile, options: Partial<EligibilityOptions> = {}, ruleSet: RuleSet = SUZHOU_V1): Assessment {
  return evaluateEligibility(ruleSet, p, { referenceDate: SUZHOU_DEADLINE, ...options });
}

export function clause(assessment: Assessment, id: string): ClauseResult {
  const found = assessment.clauses.find((c) => c.id === id);
  if (!found) throw new Error(`no clause ${id} in the assessment`);
  return found;
}

/** A deep, mutable copy of a rule set, for publishing a changed version as data. */
export function copyOf(ruleSet: RuleSet): any {
  return structuredClone(ruleSet);
}
