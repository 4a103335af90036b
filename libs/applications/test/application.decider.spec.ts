import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { ApplicationEvent, AssessmentBasis, ProgrammeContext, applicationDecider } from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../../../test/support/fixtures';

const spec = deciderSpec(applicationDecider);
const programme: ProgrammeContext = { programmeId: '0190a4b2-0000-7000-8000-000000000001', terms: suzhouTerms() };
const applicationId = '0190a4b2-0000-7000-8000-0000000000a1';
const inWindow = new Date('2024-11-01T02:00:00Z');
/** 2024-11-17 23:59:59 in Shanghai is 15:59:59 UTC: the last second of the window. */
const lastSecond = new Date('2024-11-17T15:59:59Z');
const afterClose = new Date('2024-11-17T16:00:00Z');

const basis: AssessmentBasis = { ruleSet: BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd' && r.version === 1)!, facts: {} };
const dishonest: AssessmentBasis = { ...basis, facts: { seriousDishonesty: true } };
const submit = (now = inWindow, profile = suzhouProfile()) => ({ type: 'SubmitApplication' as const, applicationId, programme, profile, basis, now });
const amend = (now = inWindow, profile = suzhouProfile({ requestedAmountFen: 40_000_000 })) => ({ type: 'AmendApplication' as const, programme, profile, basis, now });
const reassess = (b: AssessmentBasis, now = afterClose) => ({ type: 'ReassessEligibility' as const, programme, basis: b, now });
const assessed = (trigger: string, outcome: string, facts = {}) => ({
  type: 'EligibilityAssessed',
  data: { applicationId, trigger, facts, assessment: { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, referenceDate: '2024-11-17', outcome } },
});
const withdraw = (now = inWindow) => ({ type: 'WithdrawApplication' as const, reason: '调整研发计划', now });

const submitted: ApplicationEvent = {
  type: 'ApplicationSubmitted',
  data: { applicationId, programmeId: programme.programmeId, submittedAt: inWindow.toISOString(), profile: suzhouProfile() },
};
const withdrawn: ApplicationEvent = { type: 'ApplicationWithdrawn', data: { applicationId, withdrawnAt: inWindow.toISOString(), reason: null } };

describe('application', () => {
  describe('not yet submitted', () => {
    it('is submitted inside the window and assessed under the pinned rule set against the deadline date', () => {
      spec.given([]).when(submit()).thenMatches([submitted, assessed('submission', 'eligible')]);
    });

    it('is submitted in the last second of the window (Asia/Shanghai)', () => {
      spec.given([]).when(submit(lastSecond)).thenMatches([{ ...submitted, data: { ...submitted.data, submittedAt: lastSecond.toISOString() } }, assessed('submission', 'eligible')]);
    });

    it('records an ineligible assessment rather than refusing the submission', () => {
      const few = suzhouProfile();
      spec.given([]).when(submit(inWindow, { ...few, ip: { ...few.ip, validPatents: 49 } })).thenMatches([{ type: 'ApplicationSubmitted' }, assessed('submission', 'ineligible')]);
    });

    it('is refused once the window has closed, naming the deadline', () => {
      const error = spec.given([]).when(submit(afterClose)).thenRefuses('APPLICATION_WINDOW_CLOSED', { closesAt: '2024-11-17T23:59:59+08:00' });
      expect(error.text.zh).toContain('2024-11-17 23:59:59');
      expect(error.text.en).toContain('2024-11-17 23:59:59 Asia/Shanghai');
    });

    it('is refused before the window opens', () => {
      spec.given([]).when(submit(new Date('2024-10-07T15:59:59Z'))).thenRefuses('APPLICATION_WINDOW_NOT_OPEN');
    });

    it('is refused with a wrong check character in the credit code', () => {
      spec.given([]).when(submit(inWindow, suzhouProfile({ creditCode: '91320505MA1MXXXXX1' }))).thenRefuses('CREDIT_CODE_INVALID', { problem: 'check-character' });
    });

    it("is refused from a district outside the programme's city", () => {
      spec.given([]).when(submit(inWindow, suzhouProfile({ creditCode: CREDIT_CODES.rizhao, district: '371102' }))).thenRefuses('APPLICATION_PROFILE_INVALID', { field: 'enterprise.district' });
    });

    it('is refused without three consecutive financial years', () => {
      const profile = suzhouProfile();
      const gap = { ...profile, finance: { ...profile.finance, years: [profile.finance.years[0], profile.finance.years[2]] } };
      spec.given([]).when(submit(inWindow, gap)).thenRefuses('APPLICATION_PROFILE_INVALID', { field: 'finance.years' });
    });

    it('cannot be amended or withdrawn', () => {
      spec.given([]).when(amend()).thenRefuses('APPLICATION_NOT_FOUND');
      spec.given([]).when(withdraw()).thenRefuses('APPLICATION_NOT_FOUND');
    });
  });

  describe('submitted', () => {
    it('cannot be submitted twice', () => {
      spec.given([submitted]).when(submit()).thenRefuses('APPLICATION_ALREADY_SUBMITTED');
    });

    it('is amended before the deadline, replacing the profile, and assessed again', () => {
      const profile = suzhouProfile({ requestedAmountFen: 40_000_000 });
      spec.given([submitted]).when(amend(inWindow, profile)).thenMatches([{ type: 'ApplicationAmended', data: { applicationId, amendedAt: inWindow.toISOString(), profile } }, assessed('amendment', 'eligible')]);
    });

    it('is assessed again when a pushed fact changes, even after the window closed', () => {
      spec.given([submitted]).when(reassess(dishonest)).thenMatches([assessed('credit-fact', 'ineligible', { seriousDishonesty: true })]);
    });

    it('is not assessed again when the facts are those already used', () => {
      const events = applicationDecider.decide(submit(), applicationDecider.initialState());
      spec.given(events).when(reassess(basis)).then([]);
    });

    it('is not amended after the deadline', () => {
      spec.given([submitted]).when(amend(afterClose)).thenRefuses('APPLICATION_WINDOW_CLOSED');
    });

    it('cannot change the applying enterprise by amendment', () => {
      spec.given([submitted]).when(amend(inWindow, suzhouProfile({ creditCode: CREDIT_CODES.sip, district: '320571' }))).thenRefuses('APPLICANT_CANNOT_CHANGE');
    });

    it('is withdrawn, even after the window closed', () => {
      spec.given([submitted]).when(withdraw(afterClose)).then([{ type: 'ApplicationWithdrawn', data: { applicationId, withdrawnAt: afterClose.toISOString(), reason: '调整研发计划' } }]);
    });

    it('folds amendments into the state', () => {
      const amended: ApplicationEvent = { type: 'ApplicationAmended', data: { applicationId, amendedAt: inWindow.toISOString(), profile: suzhouProfile({ requestedAmountFen: 1 }) } };
      const state = [submitted, amended].reduce(applicationDecider.evolve, applicationDecider.initialState());
      expect(state).toMatchObject({ status: 'submitted', amendments: 1, profile: { project: { requestedAmountFen: 1 } } });
    });
  });

  describe('withdrawn', () => {
    it('is not assessed again', () => {
      spec.given([submitted, withdrawn]).when(reassess(dishonest)).then([]);
    });

    it('can be neither amended nor withdrawn again', () => {
      spec.given([submitted, withdrawn]).when(amend()).thenRefuses('APPLICATION_STATUS_CONFLICT', { status: 'withdrawn' });
      spec.given([submitted, withdrawn]).when(withdraw()).thenRefuses('APPLICATION_STATUS_CONFLICT');
    });
  });
});

describe('application state: one shape per status', () => {
  const fold = (events: readonly ApplicationEvent[]) => events.reduce(applicationDecider.evolve, applicationDecider.initialState());
  const at = inWindow.toISOString();
  const endorsed: ApplicationEvent = { type: 'ApplicationEndorsed', data: { applicationId, district: '320505', opinion: '同意', endorsedAt: at } };
  const selected: ApplicationEvent = {
    type: 'ApplicationSelected',
    data: { applicationId, approvedAmountFen: 1, reason: 'x', finalScoreHundredths: 1, eligibility: 'eligible', eligibilityOverride: null, batch: null, selectionId: 's1', selectedAt: at },
  };

  it('keeps what each status has: endorsed has an endorsement and no review; withdrawn keeps the endorsement, never a selection', () => {
    expect(fold([submitted, endorsed])).toMatchObject({ status: 'endorsed', endorsement: { decision: 'endorse' }, review: null, selection: null });
    expect(fold([submitted, endorsed, withdrawn])).toMatchObject({ status: 'withdrawn', withdrawnAt: at, endorsement: { decision: 'endorse' }, selection: null });
  });

  it('folds an event the status cannot take (only a damaged log holds one) to the unchanged state, so reads never fail', () => {
    const before = fold([submitted]);
    expect(fold([submitted, selected])).toEqual(before);
    expect(fold([submitted, withdrawn, endorsed])).toEqual(fold([submitted, withdrawn]));
  });
});
