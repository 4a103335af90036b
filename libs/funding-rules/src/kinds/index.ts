import { assertNever } from '@ipstd/kernel';
import { Clause, ClauseKind } from '../types';
import { Check } from '../checks';
import { cleanCreditParams, evaluateCleanCredit } from './clean-credit';
import { evaluateGrowthOrProfit, growthOrProfitParams } from './growth-or-profit';
import { evaluatePatentPortfolio, patentPortfolioParams } from './patent-portfolio';
import { priorityListParams } from './priority-list';
import { evaluateQmsAndTrademark, qmsAndTrademarkParams } from './qms-and-trademark';
import { evaluateRegisteredInRegion, registeredInRegionParams } from './registered-in-region';
import { evaluateStandardSystem, standardSystemParams } from './standard-system';
import { EligibilityContext, Verdict } from './verdict';

export { priorityItems } from './priority-list';
export type { ExclusionReason } from './standard-system';
export type { EligibilityContext, FactSource, Verdict } from './verdict';

/** The params each rule kind accepts; a rule set may only use these kinds. */
export const PARAM_CHECKS: Readonly<Record<ClauseKind, Check>> = {
  'registered-in-region': registeredInRegionParams,
  'growth-or-profit': growthOrProfitParams,
  'patent-portfolio': patentPortfolioParams,
  'standard-system': standardSystemParams,
  'qms-and-trademark': qmsAndTrademarkParams,
  'clean-credit': cleanCreditParams,
  'priority-list': priorityListParams,
};

export const CLAUSE_KINDS = Object.keys(PARAM_CHECKS) as ClauseKind[];

export type ConditionClause = Exclude<Clause, { kind: 'priority-list' }>;

export function evaluateCondition(clause: ConditionClause, context: EligibilityContext): Verdict {
  switch (clause.kind) {
    case 'registered-in-region':
      return evaluateRegisteredInRegion(clause.params, context);
    case 'growth-or-profit':
      return evaluateGrowthOrProfit(clause.params, context);
    case 'patent-portfolio':
      return evaluatePatentPortfolio(clause.params, context);
    case 'standard-system':
      return evaluateStandardSystem(clause.params, context);
    case 'qms-and-trademark':
      return evaluateQmsAndTrademark(clause.params, context);
    case 'clean-credit':
      return evaluateCleanCredit(clause.params, context);
    default:
      return assertNever(clause);
  }
}
