import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, checkCreditCode } from '@ipstd/kernel';
import { CreditFacts } from '@ipstd/funding-rules';

/**
 * Facts about an enterprise that other government systems push in (004_39c6efd61937e065.txt 三(五)):
 * a serious-dishonesty record (严重失信) from the credit platform, an abnormal-patent-application
 * notice (非正常专利申请) from the patent office. A later fact re-opens eligibility.
 */
export const ENTERPRISE_FACTS = ['serious-dishonesty', 'abnormal-patent-application'] as const;
export type EnterpriseFact = (typeof ENTERPRISE_FACTS)[number];

const FACT_FIELD: Record<EnterpriseFact, keyof CreditFacts> = {
  'serious-dishonesty': 'seriousDishonesty',
  'abnormal-patent-application': 'abnormalPatentApplications',
};

export type EnterpriseEvent = DomainEvent<
  'EnterpriseFactRecorded',
  { creditCode: string; fact: EnterpriseFact; present: boolean; source: string; reference: string; observedAt: string; recordedAt: string }
>;

export interface EnterpriseState {
  readonly facts: Partial<CreditFacts>;
  /** When the current value of each fact was observed at its source. */
  readonly observedAt: Partial<Record<EnterpriseFact, string>>;
  /** `source|reference` of every notice recorded: the same notice twice changes nothing. */
  readonly references: readonly string[];
}

export interface RecordEnterpriseFact {
  readonly type: 'RecordEnterpriseFact';
  readonly creditCode: string;
  readonly fact: EnterpriseFact;
  readonly present: boolean;
  readonly source: string;
  readonly reference: string;
  readonly observedAt: string;
  readonly now: Date;
}

function record(command: RecordEnterpriseFact, state: EnterpriseState): EnterpriseEvent[] {
  if (checkCreditCode(command.creditCode)) {
    throw new DomainError('CREDIT_CODE_INVALID', 'rule', {
      zh: '统一社会信用代码无效（GB 32100-2015）',
      en: 'The unified social credit code is invalid (GB 32100-2015)',
    }, { field: 'creditCode' });
  }
  if (Date.parse(command.observedAt) > command.now.getTime() + 5 * 60_000) {
    throw new DomainError('FACT_FROM_THE_FUTURE', 'rule', {
      zh: '事实的观测时间晚于当前时间',
      en: 'The fact was observed later than now',
    }, { field: 'observedAt' });
  }
  if (state.references.includes(`${command.source}|${command.reference}`)) return [];
  const { type: _type, now, ...fact } = command;
  return [{ type: 'EnterpriseFactRecorded', data: { ...fact, observedAt: new Date(command.observedAt).toISOString(), recordedAt: now.toISOString() } }];
}

export const enterpriseDecider: Decider<RecordEnterpriseFact, EnterpriseEvent, EnterpriseState> = {
  initialState: () => ({ facts: {}, observedAt: {}, references: [] }),
  decide(command, state) {
    switch (command.type) {
      case 'RecordEnterpriseFact':
        return record(command, state);
      default:
        return assertNever(command.type);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'EnterpriseFactRecorded': {
        const { fact, present, observedAt, source, reference } = event.data;
        const references = [...state.references, `${source}|${reference}`];
        const current = state.observedAt[fact];
        // A notice observed before the one already in force is kept in the log but does not overturn it.
        if (current !== undefined && observedAt < current) return { ...state, references };
        return { facts: { ...state.facts, [FACT_FIELD[fact]]: present }, observedAt: { ...state.observedAt, [fact]: observedAt }, references };
      }
      default:
        return assertNever(event.type);
    }
  },
};

export const ENTERPRISE_EVENTS: EventRegistry<EnterpriseEvent> = { EnterpriseFactRecorded: { version: 1 } };
