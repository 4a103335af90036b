import { RuleSet } from '@ipstd/funding-rules';
import { GrantTarget } from './events';

/** The performance targets of a rule set as a grant keeps them from award on (004_39c6efd61937e065.txt 四(二)). */
export function grantTargetsFrom(ruleSet: Pick<RuleSet, 'targets'>): GrantTarget[] {
  return (ruleSet.targets ?? []).map((t) => ({ id: t.id, citation: t.citation, text: t.description, stages: t.stages, requirements: t.requirements }));
}
