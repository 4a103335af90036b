import { DomainError, DomainEvent, Decider, EventRegistry, assertNever, canonicalJson, checkCreditCode, shanghaiDate } from '@ipstd/kernel';
import { Assessment, CreditFacts, RuleSet, evaluateEligibility } from '@ipstd/funding-rules';
import { isDistrictOf } from './divisions';
import { ApplicationProfile } from './profile';
import { ProgrammeTerms, describeDeadline, windowPhase } from './programme';

/** The programme facts an application command is decided against, read from the programme stream. */
export interface ProgrammeContext {
  readonly programmeId: string;
  readonly terms: ProgrammeTerms;
}

/** What led to an eligibility assessment. */
export type AssessmentTrigger = 'submission' | 'amendment' | 'credit-fact';

export type ApplicationEvent =
  | DomainEvent<'ApplicationSubmitted', { applicationId: string; programmeId: string; submittedAt: string; profile: ApplicationProfile }>
  | DomainEvent<'ApplicationAmended', { applicationId: string; amendedAt: string; profile: ApplicationProfile }>
  | DomainEvent<'ApplicationWithdrawn', { applicationId: string; withdrawnAt: string; reason: string | null }>
  | DomainEvent<
      'EligibilityAssessed',
      { applicationId: string; trigger: AssessmentTrigger; assessedAt: string; facts: Partial<CreditFacts>; assessment: Assessment }
    >;

export type ApplicationStatus = 'submitted' | 'withdrawn';

export type ApplicationState =
  | { readonly status: 'none' }
  | {
      readonly status: ApplicationStatus;
      readonly applicationId: string;
      readonly programmeId: string;
      readonly profile: ApplicationProfile;
      readonly submittedAt: string;
      readonly amendments: number;
      readonly withdrawnAt: string | null;
      /** The latest assessment under the programme's pinned rule set. */
      readonly eligibility: Assessment | null;
      /** Facts pushed by other systems that the latest assessment used. */
      readonly factsUsed: Partial<CreditFacts>;
    };

/** The rules an application is assessed under: the programme's pinned rule set and the enterprise's pushed facts. */
export interface AssessmentBasis {
  readonly ruleSet: RuleSet;
  readonly facts: Partial<CreditFacts>;
}

export interface SubmitApplication {
  readonly type: 'SubmitApplication';
  readonly applicationId: string;
  readonly programme: ProgrammeContext;
  readonly profile: ApplicationProfile;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

export interface AmendApplication {
  readonly type: 'AmendApplication';
  readonly programme: ProgrammeContext;
  readonly profile: ApplicationProfile;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

/** Assess again because facts pushed by other systems changed; a no-op when they did not. */
export interface ReassessEligibility {
  readonly type: 'ReassessEligibility';
  readonly programme: ProgrammeContext;
  readonly basis: AssessmentBasis;
  readonly now: Date;
}

export interface WithdrawApplication {
  readonly type: 'WithdrawApplication';
  readonly reason: string | null;
  readonly now: Date;
}

export type ApplicationCommand = SubmitApplication | AmendApplication | WithdrawApplication | ReassessEligibility;

function checkWindow(programme: ProgrammeContext, now: Date, action: { zh: string; en: string }): void {
  const phase = windowPhase(programme.terms, now);
  if (phase === 'closed') {
    const deadline = describeDeadline(programme.terms.window.closesAt);
    throw new DomainError(
      'APPLICATION_WINDOW_CLOSED',
      'rule',
      {
        zh: `申报已于 ${deadline.zh} 截止，不能再${action.zh}`,
        en: `The application window closed at ${deadline.en}; ${action.en} is no longer possible`,
      },
      { closesAt: programme.terms.window.closesAt },
    );
  }
  if (phase === 'not-yet-open') {
    const opens = describeDeadline(programme.terms.window.opensAt);
    throw new DomainError(
      'APPLICATION_WINDOW_NOT_OPEN',
      'rule',
      { zh: `申报将于 ${opens.zh} 开始，尚不能${action.zh}`, en: `The application window opens at ${opens.en}; ${action.en} is not possible yet` },
      { opensAt: programme.terms.window.opensAt },
    );
  }
}

function profileProblem(field: string, zh: string, en: string): DomainError {
  return new DomainError('APPLICATION_PROFILE_INVALID', 'rule', { zh: `申报材料有误（${field}）：${zh}`, en: `Invalid application (${field}): ${en}` }, { field });
}

/** Consistency a valid shape cannot guarantee: the credit code's check character, the district, the three financial years. */
export function checkProfile(profile: ApplicationProfile, programme: ProgrammeContext): void {
  const problem = checkCreditCode(profile.enterprise.creditCode);
  if (problem) {
    throw new DomainError(
      'CREDIT_CODE_INVALID',
      'rule',
      problem === 'format'
        ? { zh: '统一社会信用代码格式不符合 GB 32100-2015（18 位，不含 I、O、S、V、Z）', en: 'The unified social credit code does not have the GB 32100-2015 format (18 characters, no I, O, S, V or Z)' }
        : { zh: '统一社会信用代码校验码错误（GB 32100-2015）', en: 'The check character of the unified social credit code is wrong (GB 32100-2015)' },
      { field: 'enterprise.creditCode', problem },
    );
  }
  if (!isDistrictOf(profile.enterprise.district, programme.terms.city)) {
    throw profileProblem(
      'enterprise.district',
      `行政区划 ${profile.enterprise.district} 不属于本计划所在城市 ${programme.terms.city}`,
      `district ${profile.enterprise.district} is not in the programme's city ${programme.terms.city}`,
    );
  }
  const years = profile.finance.years.map((y) => y.year).sort((a, b) => a - b);
  const consecutive = years.length === 3 && years[1] === years[0] + 1 && years[2] === years[1] + 1;
  if (!consecutive) {
    throw profileProblem('finance.years', '需要连续三个年度的营业收入和利润', 'three consecutive years of revenue and profit are required');
  }
  if (profile.ip.validInventionPatents > profile.ip.validPatents) {
    throw profileProblem('ip.validInventionPatents', '有效发明专利数不能超过有效专利总数', 'valid invention patents cannot exceed valid patents');
  }
}

/**
 * Eligibility is assessed against the call's deadline as an Asia/Shanghai date (004_39c6efd61937e065.txt 六),
 * so the same profile gets the same answer whenever it is assessed.
 */
function assess(
  applicationId: string,
  programme: ProgrammeContext,
  profile: ApplicationProfile,
  basis: AssessmentBasis,
  trigger: AssessmentTrigger,
  now: Date,
): ApplicationEvent {
  const assessment = evaluateEligibility(basis.ruleSet, profile, { referenceDate: shanghaiDate(programme.terms.window.closesAt), facts: basis.facts });
  return { type: 'EligibilityAssessed', data: { applicationId, trigger, assessedAt: now.toISOString(), facts: basis.facts, assessment } };
}

function submit(command: SubmitApplication, state: ApplicationState): ApplicationEvent[] {
  if (state.status !== 'none') {
    throw new DomainError(
      'APPLICATION_ALREADY_SUBMITTED',
      'state',
      { zh: '该企业已向本计划提交过申报，请修改原申报', en: 'This enterprise has already applied to this programme; amend that application instead' },
      { applicationId: state.applicationId },
    );
  }
  checkWindow(command.programme, command.now, { zh: '提交申报', en: 'submitting' });
  checkProfile(command.profile, command.programme);
  return [
    {
      type: 'ApplicationSubmitted',
      data: { applicationId: command.applicationId, programmeId: command.programme.programmeId, submittedAt: command.now.toISOString(), profile: command.profile },
    },
    assess(command.applicationId, command.programme, command.profile, command.basis, 'submission', command.now),
  ];
}

function amend(command: AmendApplication, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['submitted'], { zh: '修改', en: 'amended' });
  checkWindow(command.programme, command.now, { zh: '修改申报', en: 'amending' });
  if (command.profile.enterprise.creditCode !== current.profile.enterprise.creditCode) {
    throw new DomainError('APPLICANT_CANNOT_CHANGE', 'rule', {
      zh: '修改申报不能更换申报单位（统一社会信用代码）',
      en: 'An amendment cannot change the applying enterprise (unified social credit code)',
    });
  }
  checkProfile(command.profile, command.programme);
  return [
    { type: 'ApplicationAmended', data: { applicationId: current.applicationId, amendedAt: command.now.toISOString(), profile: command.profile } },
    assess(current.applicationId, command.programme, command.profile, command.basis, 'amendment', command.now),
  ];
}

function reassess(command: ReassessEligibility, state: ApplicationState): ApplicationEvent[] {
  if (state.status !== 'submitted') return [];
  if (canonicalJson(command.basis.facts) === canonicalJson(state.factsUsed)) return [];
  return [assess(state.applicationId, command.programme, state.profile, command.basis, 'credit-fact', command.now)];
}

function withdraw(command: WithdrawApplication, state: ApplicationState): ApplicationEvent[] {
  const current = requireStatus(state, ['submitted'], { zh: '撤回', en: 'withdrawn' });
  return [{ type: 'ApplicationWithdrawn', data: { applicationId: current.applicationId, withdrawnAt: command.now.toISOString(), reason: command.reason } }];
}

const STATUS_TEXT: Record<ApplicationStatus, { zh: string; en: string }> = {
  submitted: { zh: '已提交', en: 'submitted' },
  withdrawn: { zh: '已撤回', en: 'withdrawn' },
};

function requireStatus(
  state: ApplicationState,
  allowed: readonly ApplicationStatus[],
  action: { zh: string; en: string },
): Exclude<ApplicationState, { status: 'none' }> {
  if (state.status === 'none') {
    throw new DomainError('APPLICATION_NOT_FOUND', 'not-found', { zh: '申报不存在', en: 'No such application' });
  }
  if (!allowed.includes(state.status)) {
    const status = STATUS_TEXT[state.status];
    throw new DomainError(
      'APPLICATION_STATUS_CONFLICT',
      'state',
      { zh: `申报当前状态为“${status.zh}”，不能${action.zh}`, en: `The application is ${status.en} and cannot be ${action.en}` },
      { status: state.status },
    );
  }
  return state;
}

export const applicationDecider: Decider<ApplicationCommand, ApplicationEvent, ApplicationState> = {
  initialState: () => ({ status: 'none' }),
  decide(command, state) {
    switch (command.type) {
      case 'SubmitApplication':
        return submit(command, state);
      case 'AmendApplication':
        return amend(command, state);
      case 'WithdrawApplication':
        return withdraw(command, state);
      case 'ReassessEligibility':
        return reassess(command, state);
      default:
        return assertNever(command);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ApplicationSubmitted':
        return {
          status: 'submitted',
          applicationId: event.data.applicationId,
          programmeId: event.data.programmeId,
          profile: event.data.profile,
          submittedAt: event.data.submittedAt,
          amendments: 0,
          withdrawnAt: null,
          eligibility: null,
          factsUsed: {},
        };
      case 'ApplicationAmended':
        return state.status === 'none' ? state : { ...state, profile: event.data.profile, amendments: state.amendments + 1 };
      case 'ApplicationWithdrawn':
        return state.status === 'none' ? state : { ...state, status: 'withdrawn', withdrawnAt: event.data.withdrawnAt };
      case 'EligibilityAssessed':
        return state.status === 'none' ? state : { ...state, eligibility: event.data.assessment, factsUsed: event.data.facts };
      default:
        return assertNever(event);
    }
  },
};

export const APPLICATION_EVENTS: EventRegistry<ApplicationEvent> = {
  ApplicationSubmitted: { version: 1 },
  ApplicationAmended: { version: 1 },
  ApplicationWithdrawn: { version: 1 },
  EligibilityAssessed: { version: 1 },
};
