import { DomainError } from '@ipstd/kernel';
import { IndexInputs, RuleSet, STANDARD_LEVELS } from '@ipstd/funding-rules';

const MAX_COUNT = 1_000_000_000;
/** Counts are whole numbers: index points are then computed from integers, with no binary fractions to round. */
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= MAX_COUNT;

/**
 * Checks evaluation inputs against the pinned rule set's index: only its indicators' inputs, each a
 * boolean, a count, or counts per standard level. The index is data (dynamically adjusted,
 * 002_2717c857cd88b5c5.txt 三(一)3), so the accepted inputs follow the version, not the code.
 */
export function checkIndexInputs(ruleSet: RuleSet, inputs: Record<string, unknown>): IndexInputs {
  const known = new Set((ruleSet.index?.indicators ?? []).map((i) => i.input));
  const problems: string[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    if (!known.has(key)) problems.push(`${key}: not an input of ${ruleSet.id} v${ruleSet.version}`);
    else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [level, count] of Object.entries(value)) {
        if (!(STANDARD_LEVELS as readonly string[]).includes(level) || !isCount(count)) problems.push(`${key}.${level}: a standard level with a whole non-negative count`);
      }
    } else if (typeof value !== 'boolean' && !isCount(value)) problems.push(`${key}: a boolean or a whole non-negative count`);
  }
  if (!ruleSet.index) problems.push(`${ruleSet.id} v${ruleSet.version} defines no evaluation index`);
  if (problems.length) {
    throw new DomainError(
      'INDEX_INPUTS_INVALID',
      'rule',
      { zh: `评价指标数据有误：${problems.join('；')}`, en: `Invalid evaluation index inputs: ${problems.join('; ')}` },
      { problems },
    );
  }
  return inputs as IndexInputs;
}
