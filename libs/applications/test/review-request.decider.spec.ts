import { BUILT_IN_RULE_SETS, BUILT_IN_WORKING_DAY_YEARS, calendarOf } from '@ipstd/funding-rules';
import { ApplicationEvent, ProgrammeContext, applicationDecider } from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { suzhouProfile, suzhouTerms } from '../../../test/support/fixtures';

const calendar = calendarOf(BUILT_IN_WORKING_DAY_YEARS);
const terms = suzhouTerms({ review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] }, reviewRequest: { workingDays: 5 } });
const programme: ProgrammeContext = { programmeId: '0190a4b2-0000-7000-8000-000000000001', terms };
const applicationId = '0190a4b2-0000-7000-8000-0000000000a1';
const at = '2024-11-19T02:00:00.000Z';
const basis = { ruleSet: BUILT_IN_RULE_SETS[0], facts: {} };
const applicant = { sub: 'ent-1', role: 'applicant' };
const bureau = { sub: 'admin-1', role: 'programme-admin' };
const spec = deciderSpec(applicationDecider);

const submitted = applicationDecider.decide({ type: 'SubmitApplication', applicationId, programme, profile: suzhouProfile(), basis, now: new Date('2024-11-01T02:00:00Z') }, applicationDecider.initialState());
const reviewed: ApplicationEvent[] = [
  ...submitted,
  { type: 'ApplicationEndorsed', data: { applicationId, district: '320505', opinion: '同意推荐', endorsedAt: at } },
  { type: 'ReviewPanelAssigned', data: { applicationId, experts: ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ', links: [] })), assignedAt: at } },
  { type: 'ReviewClosed', data: { applicationId, aggregation: 'mean', totals: [], aggregateHundredths: 7000, closedAt: at } },
];
// Not selected on Friday 2024-09-27 (Shanghai): the window of 5 working days runs over National Day to 2024-10-10.
const notSelected: ApplicationEvent = { type: 'ApplicationNotSelected', data: { applicationId, reason: '预算有限', finalScoreHundredths: 7000, decidedAt: '2024-09-27T02:00:00.000Z' } };
const request = (now: string, requestId = 'r1', p: ProgrammeContext = programme) =>
  ({ type: 'RequestReview' as const, requestId, programme: p, grounds: '评审未考虑本企业主导制定的国家标准', by: applicant, calendar, now: new Date(now) });
const requested: ApplicationEvent = {
  type: 'ReviewRequested',
  data: { applicationId, requestId: 'r1', basis: 'not-selected', decisionAt: '2024-09-27T02:00:00.000Z', grounds: '评审未考虑本企业主导制定的国家标准', requestedBy: applicant, requestedAt: '2024-10-10T15:59:59.000Z', deadlineOn: '2024-10-10' },
};
const decide = (outcome: 'upheld' | 'dismissed', reason = '经复核') => ({ type: 'DecideReviewRequest' as const, requestId: 'r1', outcome, reason, by: bureau, now: new Date('2024-10-11T02:00:00Z') });

describe('review request (复核)', () => {
  it('is taken until the end of the last working day of the window, counted across National Day 2024 and its make-up Sunday', () => {
    spec.given([...reviewed, notSelected]).when(request('2024-10-10T15:59:59Z')).then([requested]);
    spec.given([...reviewed, notSelected]).when(request('2024-10-10T16:00:00Z')).thenRefuses('REVIEW_REQUEST_WINDOW_CLOSED', { deadlineOn: '2024-10-10' });
  });

  it('needs a decision against the applicant, a call that offers it, and is made once per decision', () => {
    spec.given(reviewed).when(request('2024-10-08T02:00:00Z')).thenRefuses('APPLICATION_STATUS_CONFLICT');
    spec.given([...reviewed, notSelected]).when(request('2024-10-08T02:00:00Z', 'r1', { ...programme, terms: { ...terms, reviewRequest: null } })).thenRefuses('REVIEW_REQUEST_NOT_OFFERED');
    spec.given([...reviewed, notSelected, requested]).when(request('2024-10-08T02:00:00Z')).then([]);
    spec.given([...reviewed, notSelected, requested]).when(request('2024-10-08T02:00:00Z', 'r2')).thenRefuses('REVIEW_ALREADY_REQUESTED');
  });

  it('is decided once by the bureau; upheld reopens the selection decision, dismissed keeps it', () => {
    spec.given([...reviewed, notSelected, requested]).when(decide('upheld')).then([
      { type: 'ReviewRequestDecided', data: { applicationId, requestId: 'r1', outcome: 'upheld', reason: '经复核', decidedBy: bureau, decidedAt: '2024-10-11T02:00:00.000Z' } },
    ]);
    spec.given([...reviewed, notSelected, requested, { type: 'ReviewRequestDecided', data: { applicationId, requestId: 'r1', outcome: 'dismissed', reason: '经复核', decidedBy: bureau, decidedAt: at } }]).when(decide('dismissed')).then([]);
    spec.given([...reviewed, notSelected, requested, { type: 'ReviewRequestDecided', data: { applicationId, requestId: 'r1', outcome: 'dismissed', reason: '经复核', decidedBy: bureau, decidedAt: at } }]).when(decide('upheld')).thenRefuses('REVIEW_REQUEST_ALREADY_DECIDED');
    spec.given([...reviewed, notSelected]).when(decide('upheld')).thenRefuses('REVIEW_REQUEST_NOT_FOUND');
    const upheld = [...reviewed, notSelected, requested, { type: 'ReviewRequestDecided' as const, data: { applicationId, requestId: 'r1', outcome: 'upheld' as const, reason: '经复核', decidedBy: bureau, decidedAt: at } }];
    const state = upheld.reduce(applicationDecider.evolve, applicationDecider.initialState());
    expect(state).toMatchObject({ status: 'under-review', selection: null, adverseDecision: null, reviewRequests: [{ requestId: 'r1', decision: { outcome: 'upheld' } }] });
  });

  it('withdraws only the selection an upheld objection names, once', () => {
    const selected: ApplicationEvent = {
      type: 'ApplicationSelected',
      data: { applicationId, approvedAmountFen: 1000, reason: 'x', finalScoreHundredths: 7000, eligibility: 'eligible', eligibilityOverride: null, batch: null, selectionId: 'sel-1', selectedAt: at },
    };
    const withdraw = (selectionId: string) => ({ type: 'WithdrawSelection' as const, selectionId, objectionId: 'o1', reason: 'objection o1 upheld', now: new Date('2024-11-20T02:00:00Z') });
    spec.given([...reviewed, selected]).when(withdraw('sel-1')).then([
      { type: 'ApplicationSelectionWithdrawn', data: { applicationId, selectionId: 'sel-1', objectionId: 'o1', reason: 'objection o1 upheld', withdrawnAt: '2024-11-20T02:00:00.000Z' } },
    ]);
    spec.given([...reviewed, selected]).when(withdraw('sel-other')).then([]);
    spec.given([...reviewed, notSelected]).when(withdraw('sel-1')).then([]);
  });

  it('assigns a panel and decides the selection only after the window closed when the call says after-close', () => {
    const strict: ProgrammeContext = { ...programme, terms: { ...terms, phases: 'after-close' } };
    const endorsed = reviewed.slice(0, submitted.length + 1);
    const experts = ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ', links: [] }));
    spec.given(endorsed).when({ type: 'AssignReviewPanel', experts, programme: strict, now: new Date('2024-11-17T15:59:59Z') }).thenRefuses('WINDOW_STILL_OPEN');
    spec.given(endorsed).when({ type: 'AssignReviewPanel', experts, programme: strict, now: new Date('2024-11-18T02:00:00Z') }).thenMatches([{ type: 'ReviewPanelAssigned' }]);
    spec.given(endorsed).when({ type: 'AssignReviewPanel', experts, programme, now: new Date('2024-11-10T02:00:00Z') }).thenMatches([{ type: 'ReviewPanelAssigned' }]);
    spec
      .given(reviewed)
      .when({ type: 'DecideSelection', programme: strict, decision: 'reject', approvedAmountFen: 0, reason: 'x', eligibilityOverride: null, commitment: null, credit: {}, now: new Date('2024-11-10T02:00:00Z') })
      .thenRefuses('WINDOW_STILL_OPEN');
  });
});
