import { BilingualText, DomainError } from '@ipstd/kernel';
import { isIsoDate } from './calendar';
import { EligibilityContext, evaluateCondition, FactSource, priorityItems } from './kinds';
import { CreditFacts, EligibilityProfile } from './profile';
import { ClauseOutcome, RuleSet, RuleSetRef } from './types';

export type EligibilityOutcome = 'eligible' | 'ineligible' | 'needs-review';

export interface ClauseResult {
  readonly id: string;
  readonly outcome: ClauseOutcome;
  readonly citation: string;
  readonly inputs: Record<string, unknown>;
  readonly explanation: BilingualText;
}

export interface PriorityResult {
  readonly id: string;
  /** Priority-list ids the applicant holds, in the list's order. */
  readonly items: string[];
  readonly citation: string;
  readonly explanation: BilingualText;
}

/** One eligibility assessment: every clause with its inputs and reasons, never a bare boolean. */
export interface Assessment {
  readonly ruleSet: RuleSetRef;
  readonly referenceDate: string;
  readonly outcome: EligibilityOutcome;
  readonly clauses: ClauseResult[];
  readonly priority: PriorityResult[];
}

export interface EligibilityOptions {
  /** The call's deadline as an Asia/Shanghai calendar date (YYYY-MM-DD): windows and years count back from it. */
  readonly referenceDate: string;
  /** Facts pushed by other systems (credit platform, CNIPA notices); each one present overrides the profile. */
  readonly facts?: Partial<CreditFacts>;
}

/**
 * Assesses a profile against a rule set's clauses. Deterministic and total on any well-formed
 * profile; only a malformed reference date is refused, since it is the caller's, not the applicant's.
 */
export function evaluateEligibility(ruleSet: RuleSet, profile: EligibilityProfile, options: EligibilityOptions): Assessment {
  const { referenceDate, facts = {} } = options;
  if (typeof referenceDate !== 'string' || !isIsoDate(referenceDate)) {
    throw new DomainError(
      'RULES_REFERENCE_DATE_INVALID',
      'rule',
      { zh: '评估基准日必须是有效日期 YYYY-MM-DD', en: 'The reference date must be a valid date YYYY-MM-DD' },
      { referenceDate: String(referenceDate) },
    );
  }
  const context: EligibilityContext = {
    profile,
    referenceDate,
    credit: {
      'serious-dishonesty': resolve(facts.seriousDishonesty, profile.credit.seriousDishonesty),
      'abnormal-patent-applications': resolve(facts.abnormalPatentApplications, profile.credit.abnormalPatentApplications),
    },
  };
  const clauses: ClauseResult[] = [];
  const priority: PriorityResult[] = [];
  for (const clause of ruleSet.clauses) {
    if (clause.kind === 'priority-list') {
      priority.push({ id: clause.id, citation: clause.citation, ...priorityItems(clause.params, profile.awards) });
    } else {
      clauses.push({ id: clause.id, citation: clause.citation, ...evaluateCondition(clause, context) });
    }
  }
  return { ruleSet: { id: ruleSet.id, version: ruleSet.version }, referenceDate, outcome: overall(clauses), clauses, priority };
}

function overall(clauses: readonly ClauseResult[]): EligibilityOutcome {
  if (clauses.some((c) => c.outcome === 'fail')) return 'ineligible';
  if (clauses.some((c) => c.outcome === 'finding')) return 'needs-review';
  return 'eligible';
}

function resolve(pushed: boolean | undefined, declared: boolean): { value: boolean; source: FactSource } {
  return typeof pushed === 'boolean' ? { value: pushed, source: 'pushed-fact' } : { value: declared === true, source: 'profile' };
}
