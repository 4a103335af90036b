import { BilingualText } from '@ipstd/kernel';
import { BREACH_OUTCOMES, CleanCreditParams, CREDIT_CHECKS, CreditCheck } from '../types';
import { Check, list, oneOf, shape } from '../checks';
import { EligibilityContext, FactSource, Verdict, verdict } from './verdict';

export const cleanCreditParams: Check = shape({ checks: list(oneOf(CREDIT_CHECKS), { min: 1, unique: true }), breachOutcome: oneOf(BREACH_OUTCOMES) });

const TEXT: Readonly<Record<CreditCheck, { clean: BilingualText; breach: BilingualText }>> = {
  'serious-dishonesty': {
    clean: { zh: '无严重失信行为', en: 'no serious dishonesty record' },
    breach: { zh: '有严重失信行为记录', en: 'a serious dishonesty record' },
  },
  'abnormal-patent-applications': {
    clean: { zh: '无非正常专利申请通报', en: 'no abnormal patent application notice' },
    breach: { zh: '有非正常专利申请通报（以国家知识产权局通报为准）', en: 'an abnormal patent application notice (as notified by CNIPA)' },
  },
};

const SOURCE: Readonly<Record<FactSource, BilingualText>> = {
  'pushed-fact': { zh: '依据外部系统推送', en: 'as pushed by another system' },
  profile: { zh: '依据申报材料', en: 'as declared in the application' },
};

/**
 * 社会信誉 (004_39c6efd61937e065.txt 三(五)): 无严重失信行为，无非正常专利申请行为（以国家知识产权局通报为准）.
 * Pushed facts override the declaration, so a later notice re-opens an earlier assessment.
 */
export function evaluateCleanCredit(params: CleanCreditParams, { credit }: EligibilityContext): Verdict {
  const parts = params.checks.map((check) => {
    const fact = credit[check];
    const text = fact.value ? TEXT[check].breach : TEXT[check].clean;
    const source = SOURCE[fact.source];
    return { ok: !fact.value, breach: params.breachOutcome, text: { zh: `${text.zh}（${source.zh}）`, en: `${text.en} (${source.en})` } };
  });
  return verdict(parts, Object.fromEntries(params.checks.map((check) => [check, credit[check]])));
}
