import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { decodeEvent } from '@ipstd/kernel';
import { APPLICATION_EVENTS, ApplicationEvent, PROGRAMME_EVENTS, ProgrammeContext, ProgrammeEvent, RESERVATION_GRACE_MS, RESERVATION_LEASE_MS, applicationDecider, isLapsed, legacySelectionId, programmeDecider, settleTerms } from '../src/domain';
import { deciderSpec } from '../../../test/support/decider-spec';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../../../test/support/fixtures';

const terms = suzhouTerms({ review: { panelSize: 3, aggregation: 'mean', defenseSize: 2, criteria: [{ id: 'strategy', max: 30 }, { id: 'base', max: 70 }] } });
const programme: ProgrammeContext = { programmeId: '0190a4b2-0000-7000-8000-000000000001', terms };
const applicationId = '0190a4b2-0000-7000-8000-0000000000a1';
const now = new Date('2024-11-19T02:00:00Z');
const afterEndorsementDeadline = new Date('2024-11-20T16:00:00Z');
const basis = { ruleSet: BUILT_IN_RULE_SETS[0], facts: {} };
const expert = (expertId: string, organisation = 'univ-suzhou', links: string[] = []) => ({ expertId, organisation, links });
const panel = [expert('e1'), expert('e2'), expert('e3')];

const submitted = applicationDecider.decide({ type: 'SubmitApplication', applicationId, programme, profile: suzhouProfile(), basis, now: new Date('2024-11-01T02:00:00Z') }, applicationDecider.initialState());
const endorsed: ApplicationEvent = { type: 'ApplicationEndorsed', data: { applicationId, district: '320505', opinion: '同意推荐', endorsedAt: now.toISOString() } };
const assigned: ApplicationEvent = { type: 'ReviewPanelAssigned', data: { applicationId, experts: panel, assignedAt: now.toISOString() } };
const scored = (expertId: string, strategy: number, base: number): ApplicationEvent => ({
  type: 'ReviewScoresSubmitted',
  data: {
    applicationId,
    expertId,
    scores: [{ criterionId: 'strategy', hundredths: strategy * 100 }, { criterionId: 'base', hundredths: base * 100 }],
    totalHundredths: (strategy + base) * 100,
    comment: '',
    submittedAt: now.toISOString(),
  },
});
const allScored = [scored('e1', 25, 60), scored('e2', 20, 60), scored('e3', 27, 63)];
const closed: ApplicationEvent = {
  type: 'ReviewClosed',
  data: { applicationId, aggregation: 'mean', totals: [], aggregateHundredths: 8500, closedAt: now.toISOString() },
};
const spec = deciderSpec(applicationDecider);
const cmd = <T extends object>(c: T) => ({ ...c, programme, now });
const expiresAt = new Date(now.getTime() + RESERVATION_LEASE_MS).toISOString();
/** A selection decision with the budget commitment its handler made first. */
const selectCmd = (approvedAmountFen: number, reason = 'x', eligibilityOverride: string | null = null, commitment: { selectionId: string; amountFen: number; expiresAt: string } | null = { selectionId: 'sel-1', amountFen: approvedAmountFen, expiresAt }) =>
  cmd({ type: 'DecideSelection' as const, decision: 'select' as const, approvedAmountFen, reason, eligibilityOverride, commitment, credit: {} });

describe('application review and selection', () => {
  describe('submitted', () => {
    it("is endorsed by its district office with the office's opinion", () => {
      spec.given(submitted).when(cmd({ type: 'EndorseApplication' as const, decision: 'endorse' as const, district: '320505', opinion: '同意推荐' })).then([endorsed]);
    });

    it('is declined with an opinion', () => {
      spec.given(submitted).when(cmd({ type: 'EndorseApplication' as const, decision: 'decline' as const, district: '320505', opinion: '材料不全' })).thenMatches([{ type: 'ApplicationNotEndorsed' }]);
    });

    it('is not endorsed after the endorsement deadline (close + 3 days)', () => {
      spec
        .given(submitted)
        .when({ type: 'EndorseApplication', decision: 'endorse', district: '320505', opinion: 'x', programme, now: afterEndorsementDeadline })
        .thenRefuses('ENDORSEMENT_DEADLINE_PASSED', { endorsementDeadline: '2024-11-20T23:59:59+08:00' });
    });

    it('gets no panel before endorsement', () => {
      spec.given(submitted).when(cmd({ type: 'AssignReviewPanel' as const, experts: panel })).thenRefuses('APPLICATION_STATUS_CONFLICT');
    });
  });

  describe('endorsed', () => {
    it('gets a panel of the call\'s size', () => {
      spec.given([...submitted, endorsed]).when(cmd({ type: 'AssignReviewPanel' as const, experts: panel })).thenMatches([{ type: 'ReviewPanelAssigned', data: { experts: panel } }]);
    });

    it.each([
      ['from the applicant itself', expert('e9', CREDIT_CODES.huqiu)],
      ['linked by employment or shares', expert('e9', 'univ', [CREDIT_CODES.huqiu])],
    ])('refuses an expert %s, naming them', (_, bad) => {
      const error = spec.given([...submitted, endorsed]).when(cmd({ type: 'AssignReviewPanel' as const, experts: [panel[0], panel[1], bad] })).thenRefuses('REVIEW_EXPERT_CONFLICT');
      expect(error.details.conflicts).toEqual([{ expertId: 'e9', reason: expect.any(String) }]);
    });

    it('refuses a panel of the wrong size or with an expert twice', () => {
      spec.given([...submitted, endorsed]).when(cmd({ type: 'AssignReviewPanel' as const, experts: panel.slice(0, 2) })).thenRefuses('REVIEW_PANEL_SIZE', { panelSize: 3 });
      spec.given([...submitted, endorsed]).when(cmd({ type: 'AssignReviewPanel' as const, experts: [panel[0], panel[0], panel[1]] })).thenRefuses('REVIEW_PANEL_INVALID');
    });
  });

  describe('under review', () => {
    const underReview = [...submitted, endorsed, assigned];

    it('takes an expert\'s scores for every criterion, in exact hundredths', () => {
      spec
        .given(underReview)
        .when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e1', scores: [{ criterionId: 'strategy', score: 25.5 }, { criterionId: 'base', score: 60.25 }], comment: '好' }))
        .thenMatches([{ type: 'ReviewScoresSubmitted', data: { expertId: 'e1', totalHundredths: 8575 } }]);
    });

    it.each([
      [18.15, 32.8, 1815, 3280],
      [10.07, 8.2, 1007, 820],
      [0.57, 0.57, 57, 57],
      [29.99, 69.99, 2999, 6999],
      [0.1, 0.7, 10, 70],
    ])('takes the scores %p and %p exactly as %p and %p hundredths (no binary floating point)', (strategy, base, strategyHundredths, baseHundredths) => {
      spec
        .given(underReview)
        .when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e1', scores: [{ criterionId: 'strategy', score: strategy }, { criterionId: 'base', score: base }], comment: '' }))
        .thenMatches([
          {
            type: 'ReviewScoresSubmitted',
            data: { scores: [{ criterionId: 'strategy', hundredths: strategyHundredths }, { criterionId: 'base', hundredths: baseHundredths }], totalHundredths: strategyHundredths + baseHundredths },
          },
        ]);
    });

    it('takes a score equal to the maximum and refuses one a hundredth above it', () => {
      const scores = (strategy: number) => [{ criterionId: 'strategy', score: strategy }, { criterionId: 'base', score: 70 }];
      spec.given(underReview).when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e1', scores: scores(30), comment: '' })).thenMatches([{ data: { totalHundredths: 10000 } }]);
      spec.given(underReview).when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e1', scores: scores(30.01), comment: '' })).thenRefuses('REVIEW_SCORES_INVALID', { problems: [{ criterionId: 'strategy', problem: 'out-of-range' }] });
    });

    it.each([
      ['a missing criterion', [{ criterionId: 'strategy', score: 25 }]],
      ['a score above the maximum', [{ criterionId: 'strategy', score: 31 }, { criterionId: 'base', score: 60 }]],
      ['an unknown criterion', [{ criterionId: 'strategy', score: 1 }, { criterionId: 'base', score: 1 }, { criterionId: 'luck', score: 1 }]],
      ['three decimals', [{ criterionId: 'strategy', score: 1.125 }, { criterionId: 'base', score: 1 }]],
      ['1.005 (three decimals, although 1.005 × 100 rounds to 100.5)', [{ criterionId: 'strategy', score: 1.005 }, { criterionId: 'base', score: 1 }]],
      ['0.1 + 0.2 (0.30000000000000004)', [{ criterionId: 'strategy', score: 0.1 + 0.2 }, { criterionId: 'base', score: 1 }]],
      ['a negative score', [{ criterionId: 'strategy', score: -0.01 }, { criterionId: 'base', score: 1 }]],
      ['NaN', [{ criterionId: 'strategy', score: Number.NaN }, { criterionId: 'base', score: 1 }]],
      ['Infinity', [{ criterionId: 'strategy', score: Number.POSITIVE_INFINITY }, { criterionId: 'base', score: 1 }]],
    ])('refuses %s', (_, scores) => {
      spec.given(underReview).when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e1', scores, comment: '' })).thenRefuses('REVIEW_SCORES_INVALID');
    });

    it('refuses scores from an expert not on the panel, or one who declared a conflict', () => {
      const scores = [{ criterionId: 'strategy', score: 1 }, { criterionId: 'base', score: 1 }];
      spec.given(underReview).when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e7', scores, comment: '' })).thenRefuses('EXPERT_NOT_ON_PANEL');
      const conflict: ApplicationEvent = { type: 'ExpertConflictDeclared', data: { applicationId, expertId: 'e2', reason: '亲属', declaredAt: now.toISOString() } };
      spec.given([...underReview, conflict]).when(cmd({ type: 'SubmitReviewScores' as const, expertId: 'e2', scores, comment: '' })).thenRefuses('EXPERT_NOT_ON_PANEL');
    });

    it('does not close while a counted expert has not scored, nor with a conflicted expert not yet replaced', () => {
      spec.given([...underReview, ...allScored.slice(0, 2)]).when(cmd({ type: 'CloseReview' as const })).thenRefuses('REVIEW_INCOMPLETE', { missing: ['e3'] });
      const conflict: ApplicationEvent = { type: 'ExpertConflictDeclared', data: { applicationId, expertId: 'e3', reason: '亲属', declaredAt: now.toISOString() } };
      spec.given([...underReview, ...allScored, conflict]).when(cmd({ type: 'CloseReview' as const })).thenRefuses('REVIEW_INCOMPLETE');
    });

    it('closes with the mean of the experts\' totals', () => {
      spec.given([...underReview, ...allScored]).when(cmd({ type: 'CloseReview' as const })).thenMatches([{ type: 'ReviewClosed', data: { aggregateHundredths: 8500, aggregation: 'mean' } }]);
    });

    it('a re-assigned panel keeps the scores of experts who stay and never re-admits a conflicted one', () => {
      const conflict: ApplicationEvent = { type: 'ExpertConflictDeclared', data: { applicationId, expertId: 'e3', reason: '亲属', declaredAt: now.toISOString() } };
      spec.given([...underReview, conflict]).when(cmd({ type: 'AssignReviewPanel' as const, experts: panel })).thenRefuses('REVIEW_EXPERT_CONFLICT');
      const replaced = [panel[0], panel[1], expert('e4')];
      const state = [...underReview, ...allScored, conflict, { type: 'ReviewPanelAssigned', data: { applicationId, experts: replaced, assignedAt: now.toISOString() } } as ApplicationEvent].reduce(applicationDecider.evolve, applicationDecider.initialState());
      expect(state.status !== 'none' && Object.keys(state.review!.scores).sort()).toEqual(['e1', 'e2']);
    });
  });

  describe('reviewed', () => {
    const reviewed = [...submitted, endorsed, assigned, ...allScored, closed];

    it('is selected with the approved amount and its final score', () => {
      spec
        .given(reviewed)
        .when(selectCmd(40_000_000, '排名靠前'))
        .thenMatches([{ type: 'ApplicationSelected', data: { approvedAmountFen: 40_000_000, finalScoreHundredths: 8500, eligibility: 'eligible', eligibilityOverride: null, selectionId: 'sel-1', batch: null } }]);
    });

    it('decides nothing before its commitment exists: the check the handler runs before any money moves', () => {
      spec.given(reviewed).when(selectCmd(40_000_000, 'x', null, null)).then([]);
    });

    it('records the selection only with a commitment of the same amount that has not expired', () => {
      spec.given(reviewed).when(selectCmd(40_000_000, 'x', null, { selectionId: 'sel-1', amountFen: 30_000_000, expiresAt })).thenRefuses('SELECTION_COMMITMENT_MISMATCH');
      spec.given(reviewed).when(selectCmd(40_000_000, 'x', null, { selectionId: 'sel-1', amountFen: 40_000_000, expiresAt: new Date(now.getTime() - 1).toISOString() })).thenRefuses('SELECTION_COMMITMENT_EXPIRED', { selectionId: 'sel-1' });
    });

    it('cannot be selected twice', () => {
      const selected = applicationDecider.decide(selectCmd(40_000_000), reviewed.reduce(applicationDecider.evolve, applicationDecider.initialState()));
      spec.given([...reviewed, ...selected]).when(selectCmd(40_000_000, 'x', null, { selectionId: 'sel-2', amountFen: 40_000_000, expiresAt })).thenRefuses('APPLICATION_STATUS_CONFLICT');
    });

    it('reads a v1 ApplicationSelected (no selection id, no batch) as the legacy selection of its application', () => {
      const stored = { applicationId, approvedAmountFen: 1, reason: 'x', finalScoreHundredths: 8500, eligibility: 'eligible', eligibilityOverride: null, selectedAt: now.toISOString() };
      const event = decodeEvent(APPLICATION_EVENTS, 'ApplicationSelected', 1, JSON.parse(JSON.stringify(stored)));
      expect(event).toEqual({ type: 'ApplicationSelected', data: { ...stored, batch: null, selectionId: legacySelectionId(applicationId) } });
      const withBatch = decodeEvent(APPLICATION_EVENTS, 'ApplicationSelected', 1, { ...stored, batch: '第三批' });
      expect(withBatch.data).toMatchObject({ batch: '第三批', selectionId: legacySelectionId(applicationId) });
    });

    it('cannot be approved more than it requested', () => {
      spec
        .given(reviewed)
        .when(selectCmd(50_000_001))
        .thenRefuses('APPROVED_AMOUNT_INVALID', { requestedAmountFen: 50_000_000 });
    });

    it('needs an override with a reason once assessed ineligible', () => {
      const ineligible = applicationDecider.decide({ type: 'ReassessEligibility', programme, basis: { ...basis, facts: { seriousDishonesty: true } }, now }, reviewed.reduce(applicationDecider.evolve, applicationDecider.initialState()));
      const select = (eligibilityOverride: string | null) => selectCmd(1, 'x', eligibilityOverride);
      spec.given([...reviewed, ...ineligible]).when(select(null)).thenRefuses('SELECTION_REQUIRES_OVERRIDE');
      spec.given([...reviewed, ...ineligible]).when(select('失信记录已修复，经局务会研究同意')).thenMatches([{ type: 'ApplicationSelected', data: { eligibility: 'ineligible', eligibilityOverride: '失信记录已修复，经局务会研究同意' } }]);
    });

    it('checks the latest credit facts: a record in force needs the override even while the recorded assessment is still eligible', () => {
      const withCredit = (credit: object, eligibilityOverride: string | null = null) => ({ ...selectCmd(1, 'x', eligibilityOverride), credit });
      spec.given(reviewed).when(withCredit({ seriousDishonesty: true })).thenRefuses('CREDIT_RECORD_ADVERSE', { facts: ['serious-dishonesty'] });
      spec.given(reviewed).when(withCredit({ seriousDishonesty: true, abnormalPatentApplications: true })).thenRefuses('CREDIT_RECORD_ADVERSE', { facts: ['serious-dishonesty', 'abnormal-patent-application'] });
      spec.given(reviewed).when(withCredit({ abnormalPatentApplications: true }, '经局务会研究同意')).thenMatches([{ type: 'ApplicationSelected', data: { eligibility: 'ineligible', eligibilityOverride: '经局务会研究同意' } }]);
      spec.given(reviewed).when(withCredit({ seriousDishonesty: false, abnormalPatentApplications: false })).thenMatches([{ type: 'ApplicationSelected', data: { eligibilityOverride: null } }]);
    });

    it('with a defense round, adds the defense aggregate once every expert has scored it', () => {
      const invited: ApplicationEvent = { type: 'InvitedToDefense', data: { applicationId, roundId: 'r1', rank: 1, invitedAt: now.toISOString() } };
      const defense = (expertId: string, points: number): ApplicationEvent => ({ type: 'DefenseScoreSubmitted', data: { applicationId, expertId, hundredths: points * 100, comment: '', submittedAt: now.toISOString() } });
      const select = selectCmd(1);
      spec.given([...reviewed, invited, defense('e1', 90)]).when(select).thenRefuses('DEFENSE_INCOMPLETE', { missing: ['e2', 'e3'] });
      spec.given([...reviewed, invited, defense('e1', 90), defense('e2', 80), defense('e3', 70)]).when(select).thenMatches([{ type: 'ApplicationSelected', data: { finalScoreHundredths: 8500 + 8000 } }]);
    });

    it('takes a defense score of 72.35 exactly as 7235 hundredths, and refuses 100.01, 72.355 and NaN', () => {
      const invited: ApplicationEvent = { type: 'InvitedToDefense', data: { applicationId, roundId: 'r1', rank: 1, invitedAt: now.toISOString() } };
      const score = (points: number) => cmd({ type: 'SubmitDefenseScore' as const, expertId: 'e1', score: points, comment: '' });
      spec.given([...reviewed, invited]).when(score(72.35)).thenMatches([{ type: 'DefenseScoreSubmitted', data: { expertId: 'e1', hundredths: 7235 } }]);
      spec.given([...reviewed, invited]).when(score(100)).thenMatches([{ type: 'DefenseScoreSubmitted', data: { hundredths: 10000 } }]);
      spec.given([...reviewed, invited]).when(score(-0)).thenMatches([{ type: 'DefenseScoreSubmitted', data: { hundredths: 0 } }]);
      for (const refused of [100.01, 72.355, -1, Number.NaN]) spec.given([...reviewed, invited]).when(score(refused)).thenRefuses('DEFENSE_SCORE_INVALID');
    });

    it('is rejected with a reason', () => {
      spec.given(reviewed).when(cmd({ type: 'DecideSelection' as const, decision: 'reject' as const, approvedAmountFen: 0, reason: '预算有限', eligibilityOverride: null, commitment: null, credit: {} })).thenMatches([{ type: 'ApplicationNotSelected', data: { reason: '预算有限' } }]);
    });
  });
});

describe('programme budget', () => {
  const opened: ProgrammeEvent = { type: 'ProgrammeOpened', data: { programmeId: programme.programmeId, openedAt: now.toISOString(), terms: settleTerms({ ...terms, budgetFen: 100 }) } };
  const expires = new Date(now.getTime() + RESERVATION_LEASE_MS).toISOString();
  const committed = (selectionId: string, id: string, amountFen: number, total: number): ProgrammeEvent => ({
    type: 'FundsCommitted',
    data: { programmeId: programme.programmeId, selectionId, applicationId: id, amountFen, committedFen: total, remainingFen: 100 - total, committedAt: now.toISOString(), expiresAt: expires },
  });
  const released = (selectionId: string, id: string, amountFen: number): ProgrammeEvent => ({
    type: 'FundsReleased',
    data: { programmeId: programme.programmeId, selectionId, applicationId: id, amountFen, reason: 'x', releasedAt: now.toISOString() },
  });
  const pspec = deciderSpec(programmeDecider);

  it('commits up to the budget exactly, with the lease of the selection', () => {
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'CommitFunds', selectionId: 's2', applicationId: 'b', amountFen: 40, now }).then([committed('s2', 'b', 40, 100)]);
  });

  it('refuses a commitment beyond the budget, naming what remains', () => {
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'CommitFunds', selectionId: 's2', applicationId: 'b', amountFen: 41, now }).thenRefuses('BUDGET_EXCEEDED', { remainingFen: 40, requestedFen: 41 });
  });

  it('keys a commitment by its selection: the same selection again is a no-op, another selection of the same application is refused', () => {
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'CommitFunds', selectionId: 's1', applicationId: 'a', amountFen: 60, now }).then([]);
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'CommitFunds', selectionId: 's2', applicationId: 'a', amountFen: 60, now }).thenRefuses('FUNDS_ALREADY_COMMITTED', { selectionId: 's1', expiresAt: expires });
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'CommitFunds', selectionId: 's1', applicationId: 'a', amountFen: 10, now }).thenRefuses('SELECTION_ID_REUSED');
  });

  it('releases only its own selection\'s commitment, so a losing twin can never free the winner\'s money', () => {
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'ReleaseFunds', selectionId: 's2', reason: 'x', now }).then([]);
    pspec.given([opened, committed('s1', 'a', 60, 60)]).when({ type: 'ReleaseFunds', selectionId: 's1', reason: 'x', now }).then([released('s1', 'a', 60)]);
    pspec.given([opened, committed('s1', 'a', 60, 60), released('s1', 'a', 60)]).when({ type: 'CommitFunds', selectionId: 's3', applicationId: 'b', amountFen: 100, now }).then([committed('s3', 'b', 100, 100)]);
  });

  it('counts a commitment as lapsed only after its lease and the grace period', () => {
    const c = { applicationId: 'a', amountFen: 1, committedAt: now.toISOString(), expiresAt: expires };
    expect(isLapsed(c, new Date(Date.parse(expires) + RESERVATION_GRACE_MS))).toBe(false);
    expect(isLapsed(c, new Date(Date.parse(expires) + RESERVATION_GRACE_MS + 1))).toBe(true);
  });

  it('reads v1 commitments and releases (keyed by application) as the legacy selection of that application', () => {
    const v1 = { programmeId: programme.programmeId, applicationId: 'a', amountFen: 60, committedFen: 60, remainingFen: 40, committedAt: now.toISOString() };
    expect(decodeEvent(PROGRAMME_EVENTS, 'FundsCommitted', 1, JSON.parse(JSON.stringify(v1))).data).toEqual({ ...v1, selectionId: legacySelectionId('a'), expiresAt: expires });
    const r1 = { programmeId: programme.programmeId, applicationId: 'a', amountFen: 60, reason: 'x', releasedAt: now.toISOString() };
    const release = decodeEvent(PROGRAMME_EVENTS, 'FundsReleased', 1, JSON.parse(JSON.stringify(r1)));
    expect(release.data).toEqual({ ...r1, selectionId: legacySelectionId('a') });
    const state = [opened, decodeEvent(PROGRAMME_EVENTS, 'FundsCommitted', 1, v1), release].reduce(programmeDecider.evolve, programmeDecider.initialState());
    expect(state).toMatchObject({ committedFen: 0, commitments: {} });
  });

  it('opens one defense round, inviting the top N of the ranking', () => {
    const ranking = [1, 2, 3].map((rank) => ({ applicationId: `app-${rank}`, rank, scoreHundredths: 9000 - rank }));
    pspec.given([opened]).when({ type: 'OpenDefenseRound', roundId: 'r1', size: 2, ranking, now }).thenMatches([{ type: 'DefenseRoundOpened', data: { invited: ranking.slice(0, 2) } }]);
    const round: ProgrammeEvent = { type: 'DefenseRoundOpened', data: { programmeId: programme.programmeId, roundId: 'r1', size: 2, invited: ranking.slice(0, 2), openedAt: now.toISOString() } };
    pspec.given([opened, round]).when({ type: 'OpenDefenseRound', roundId: 'r1', size: 2, ranking, now }).then([]);
    pspec.given([opened, round]).when({ type: 'OpenDefenseRound', roundId: 'r2', size: 2, ranking, now }).thenRefuses('DEFENSE_ROUND_ALREADY_OPEN');
  });
});
