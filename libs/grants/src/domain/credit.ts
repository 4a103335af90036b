import { BilingualText } from '@ipstd/kernel';

/**
 * Credit facts that stop public money (004_39c6efd61937e065.txt 三(五): 无严重失信行为，无非正常专利申请行为):
 * a serious-dishonesty record (严重失信) from the credit platform and an abnormal-patent-application
 * notice (非正常专利申请) from the patent office. The names are those of the enterprise facts.
 */
export const ADVERSE_CREDIT_FACTS = ['serious-dishonesty', 'abnormal-patent-application'] as const;
export type AdverseCreditFact = (typeof ADVERSE_CREDIT_FACTS)[number];

/** One record or notice in force, as the reporting system identified it. */
export interface CreditNotice {
  readonly fact: AdverseCreditFact;
  readonly source: string;
  readonly reference: string;
  /** When the source observed it (ISO instant). */
  readonly observedAt: string;
}

/**
 * The latest credit facts of one enterprise, read from its fact stream when a money gate is decided:
 * every adverse record or notice in force at `checkedAt`.
 */
export interface CreditStanding {
  readonly creditCode: string;
  readonly checkedAt: string;
  readonly adverse: readonly CreditNotice[];
}

/** A fact as another system reported it (the data of EnterpriseFactRecorded). */
export interface ReportedCreditFact {
  readonly fact: string;
  readonly present: boolean;
  readonly source: string;
  readonly reference: string;
  readonly observedAt: string;
}

/** `source|reference`: the identity of a notice (the same notice twice is one notice). */
export const noticeKey = (notice: Pick<CreditNotice, 'source' | 'reference'>): string => `${notice.source}|${notice.reference}`;

const isAdverse = (fact: string): fact is AdverseCreditFact => (ADVERSE_CREDIT_FACTS as readonly string[]).includes(fact);

/**
 * Folds the facts reported about an enterprise, in log order, into what stands now: per fact, the
 * report observed last wins (a report observed before the one in force changes nothing, the rule of
 * the enterprise stream); the adverse ones that are present are returned.
 */
export function creditStandingOf(creditCode: string, reports: readonly ReportedCreditFact[], checkedAt: Date): CreditStanding {
  const latest = new Map<AdverseCreditFact, ReportedCreditFact>();
  for (const report of reports) {
    if (!isAdverse(report.fact)) continue;
    const current = latest.get(report.fact);
    if (current && report.observedAt < current.observedAt) continue;
    latest.set(report.fact, report);
  }
  const adverse = ADVERSE_CREDIT_FACTS.flatMap((fact) => {
    const report = latest.get(fact);
    return report?.present ? [{ fact, source: report.source, reference: report.reference, observedAt: report.observedAt }] : [];
  });
  return { creditCode, checkedAt: checkedAt.toISOString(), adverse };
}

/** A standing with nothing adverse (tests and commands that need no gate). */
export const clearStanding = (creditCode: string, checkedAt: Date): CreditStanding => ({ creditCode, checkedAt: checkedAt.toISOString(), adverse: [] });

export const CREDIT_FACT_TEXT: Readonly<Record<AdverseCreditFact, BilingualText>> = {
  'serious-dishonesty': { zh: '严重失信记录', en: 'a serious-dishonesty record' },
  'abnormal-patent-application': { zh: '非正常专利申请通报', en: 'an abnormal-patent-application notice' },
};

export const describeNotice = (notice: CreditNotice): BilingualText => ({
  zh: `${CREDIT_FACT_TEXT[notice.fact].zh}（${notice.source}，${notice.reference}）`,
  en: `${CREDIT_FACT_TEXT[notice.fact].en} (${notice.source}, ${notice.reference})`,
});
