import { ALL_PROJECTIONS } from '@ipstd/read-models';
import { Projection } from '@ipstd/platform';
import { legacySelectionId } from '@ipstd/applications';
import { createTestDatabase, TestDatabase } from '../../../test/support/postgres';
import { Given, ProjectionTable, fixture, recordedStream } from '../../../test/support/projection-tables';

/**
 * Projection specs: given events (the stored event fixtures where they fit, so old versions are read
 * too), the rows the projection writer leaves in PostgreSQL. Keyed projections are also fed one event
 * per transaction and all in one, which must give the same rows: each batch reads the rows back from
 * PostgreSQL (jsonb state included) before it evolves them.
 */
const projection = (name: string): Projection => {
  const found = ALL_PROJECTIONS.find((p) => p.name === name);
  if (!found) throw new Error(`no projection ${name}`);
  return found;
};

const APP = 'eced6588-da47-5c7d-9d0c-5a83635d4290';
const GRANT = 'deb12acb-2760-5295-abfa-9de8833ee26e';
const CLAWBACK = '019f8266-c100-7028-aecf-6466cf442b21';
const A = (type: string, patch: Record<string, unknown> = {}) => fixture(`APPLICATION_EVENTS/${type}.v1.json`, patch);
const G = (type: string, patch: Record<string, unknown> = {}) => fixture(`GRANT_EVENTS/${type}.v1.json`, patch);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('proj');
});
afterAll(async () => {
  await db.drop();
});

async function rowsOf(name: string, streams: ReadonlyArray<readonly [string, readonly Given[]]>, batches: 'one' | 'each' = 'each') {
  const table = await ProjectionTable.create(projection(name), db);
  await table.clear();
  let position = 1;
  const events = streams.flatMap(([streamId, given]) => {
    const recorded = recordedStream(streamId, given, position);
    position += given.length;
    return recorded;
  });
  await table.given(events, batches);
  return table.rows();
}

describe('programmes projection (rm_programmes)', () => {
  it('keeps one row per call opened, v3 and v1 alike, and ignores the other programme events', async () => {
    const v1 = fixture('PROGRAMME_EVENTS/ProgrammeOpened.v1.json', { programmeId: '0190a4b2-0000-7000-8000-0000000000f1' });
    const rows = await rowsOf('programmes', [
      ['programme-792086a3-7392-57c5-a684-f0358984922f', [fixture('PROGRAMME_EVENTS/ProgrammeOpened.v3.json'), fixture('PROGRAMME_EVENTS/FundsCommitted.v2.json')]],
      ['programme-0190a4b2-0000-7000-8000-0000000000f1', [v1]],
    ]);
    expect(rows).toEqual([
      {
        programme_id: '0190a4b2-0000-7000-8000-0000000000f1',
        code: 'SZ-2024-IPSTD',
        title: '2024年度苏州市知识产权和标准融合计划项目',
        city: '320500',
        rule_set_id: 'suzhou-2024-ipstd',
        rule_set_version: 1,
        opens_at: '2024-10-07T16:00:00.000Z',
        closes_at: '2024-11-17T15:59:59.000Z',
        endorsement_deadline: '2024-11-20T15:59:59.000Z',
        budget_fen: '2000000000',
        opened_at: '2024-10-09T02:00:00.000Z',
        revision: '0',
      },
      expect.objectContaining({ programme_id: '792086a3-7392-57c5-a684-f0358984922f', code: 'SZ-2024-IPSTD', budget_fen: '2000000000', revision: '0' }),
    ]);
  });
});

describe('applications projection (rm_applications)', () => {
  it('follows an application from submission to a selection stored as v1, with the amended profile and the eligibility', async () => {
    const amended = A('ApplicationAmended', { applicationId: APP });
    const profile = (amended.data as { profile: { enterprise: { name: string; creditCode: string; district: string }; project: { title: string; requestedAmountFen: number } } }).profile;
    const history = [A('ApplicationSubmitted'), A('EligibilityAssessed'), amended, A('ApplicationEndorsed'), A('ReviewPanelAssigned'), A('InvitedToDefense'), fixture('APPLICATION_EVENTS/ApplicationSelected.v1.json')];
    const rows = await rowsOf('applications', [[`application-${APP}`, history]]);
    expect(rows).toEqual([
      {
        application_id: APP,
        programme_id: '792086a3-7392-57c5-a684-f0358984922f',
        status: 'selected',
        district: profile.enterprise.district,
        credit_code: profile.enterprise.creditCode,
        enterprise_name: profile.enterprise.name,
        project_title: profile.project.title,
        requested_amount_fen: String(profile.project.requestedAmountFen),
        submitted_at: (A('ApplicationSubmitted').data as { submittedAt: string }).submittedAt,
        updated_at: '2025-01-10T02:00:06.000Z',
        amendments: 1,
        eligibility: 'eligible',
        rule_set: 'suzhou-2024-ipstd@1',
        approved_amount_fen: '30000000',
        final_score_hundredths: 8000,
        defense_invited: true,
        revision: '6',
      },
    ]);
  });

  it('withdraws: status withdrawn, the rest kept; the same row one event per transaction or all in one', async () => {
    const history: Array<readonly [string, readonly Given[]]> = [[`application-${APP}`, [A('ApplicationSubmitted'), A('EligibilityAssessed'), A('ApplicationWithdrawn')]]];
    const each = await rowsOf('applications', history, 'each');
    expect(each).toEqual([expect.objectContaining({ status: 'withdrawn', eligibility: 'eligible', amendments: 0, revision: '2' })]);
    expect(await rowsOf('applications', history, 'one')).toEqual(each);
  });
});

describe('evaluations projection (rm_evaluations)', () => {
  it('adds one row per evaluation with its score, pass mark, rule set and indicators', async () => {
    const evaluated = G('GrantEvaluated');
    const index = (evaluated.data as { index: { indicators: unknown[] } }).index;
    const rows = await rowsOf('evaluations', [
      ['grant-5842d942-c3dd-506c-a5cb-299c0ea1ed80', [G('GrantAwarded', { grantId: '5842d942-c3dd-506c-a5cb-299c0ea1ed80' }), evaluated, G('GrantEvaluated', { outcome: 'passed', score: 72, index: null, evaluatedAt: '2025-06-01T02:00:00.000Z' })]],
    ]);
    expect(rows).toEqual([
      { grant_id: '5842d942-c3dd-506c-a5cb-299c0ea1ed80', revision: '1', outcome: 'failed', score: '1.25', pass_mark: '60', rule_set: 'rizhao-pilot@1', indicators: index.indicators, evaluated_at: '2024-10-09T02:00:00.000Z' },
      { grant_id: '5842d942-c3dd-506c-a5cb-299c0ea1ed80', revision: '2', outcome: 'passed', score: '72', pass_mark: '60', rule_set: null, indicators: [], evaluated_at: '2025-06-01T02:00:00.000Z' },
    ]);
    expect(index.indicators).toHaveLength(9);
  });
});

describe('grants projection (rm_grants)', () => {
  const awardToOverdue: Given[] = ['GrantAwarded', 'AgreementSigned', 'TrancheReleaseOrdered', 'TranchePaid', 'TranchePaidInFull', 'AcceptanceRequested', 'AcceptanceDecided', 'ClawbackOrdered', 'RepaymentRecorded', 'ClawbackOverdue'].map((t) => G(t));
  const secondRepayment = G('RepaymentRecorded', { repaymentId: '019f8266-c100-702b-a3d4-ee559fcd9a55', amountFen: 10_000_000, reference: 'BANK-2' });

  it('follows a grant from award to an overdue clawback: money in exact fen, one open clawback', async () => {
    const rows = await rowsOf('grants', [[`grant-${GRANT}`, awardToOverdue]]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      grant_id: GRANT,
      application_id: 'dd687dda-37d4-51de-a160-872b67326819',
      programme_id: '9646b5aa-716d-590a-a509-02b0b2436818',
      credit_code: '91320507MA0000102X',
      district: '320507',
      status: 'failed',
      award_fen: '30000000',
      ordered_fen: '15000000',
      paid_fen: '15000000',
      clawback_ordered_fen: '15000000',
      repaid_fen: '5000000',
      written_off_fen: '0',
      open_clawbacks: 1,
      awarded_at: '2024-10-09T02:00:00.000Z',
      revision: '9',
    });
    expect((rows[0].state as { clawbacks: Array<{ status: string }> }).clawbacks.map((c) => c.status)).toEqual(['overdue']);
  });

  it('settles the clawback with the last repayment and closes the grant', async () => {
    const rows = await rowsOf('grants', [[`grant-${GRANT}`, [...awardToOverdue, secondRepayment, G('ClawbackSettled'), G('GrantClosed')]]]);
    expect(rows[0]).toMatchObject({ status: 'closed', repaid_fen: '15000000', open_clawbacks: 0, revision: '12' });
  });

  it('writes a clawback off: the written-off fen, no open clawback', async () => {
    const rows = await rowsOf('grants', [[`grant-${GRANT}`, [...awardToOverdue.slice(0, 8), G('ClawbackWrittenOff')]]]);
    expect(rows[0]).toMatchObject({ clawback_ordered_fen: '15000000', repaid_fen: '0', written_off_fen: '15000000', open_clawbacks: 0 });
  });

  it('gives the same row one event per transaction and all in one (the state goes through jsonb and back)', async () => {
    const history: Array<readonly [string, readonly Given[]]> = [[`grant-${GRANT}`, [...awardToOverdue, secondRepayment, G('ClawbackSettled')]]];
    expect(await rowsOf('grants', history, 'each')).toEqual(await rowsOf('grants', history, 'one'));
  });
});

describe('expert assignments projection (rm_expert_assignments)', () => {
  const panel = [A('ApplicationSubmitted'), A('EligibilityAssessed'), A('ApplicationEndorsed'), { ...A('ReviewPanelAssigned'), recordedAt: '2025-01-11T02:00:00.000Z' }];

  it('lists the panel and what each expert has done', async () => {
    const rows = await rowsOf('expert-assignments', [[`application-${APP}`, [...panel, A('ReviewScoresSubmitted')]]]);
    expect(rows).toEqual([
      expect.objectContaining({
        application_id: APP,
        programme_id: '792086a3-7392-57c5-a684-f0358984922f',
        status: 'under-review',
        project_title: '光通信模块标准必要专利布局与转化',
        experts: ['e1', 'e2', 'e3'],
        assignments: [
          { expertId: 'e1', review: { submitted: true, closed: false }, defense: null },
          { expertId: 'e2', review: { submitted: false, closed: false }, defense: null },
          { expertId: 'e3', review: { submitted: false, closed: false }, defense: null },
        ],
        assigned_at: '2025-01-11T02:00:00.000Z',
        revision: '4',
      }),
    ]);
  });

  it('drops an expert who declares a conflict, and marks the review closed', async () => {
    const rows = await rowsOf('expert-assignments', [[`application-${APP}`, [...panel, A('ReviewScoresSubmitted'), A('ExpertConflictDeclared', { expertId: 'e3' }), A('ReviewClosed')]]]);
    expect(rows[0]).toMatchObject({ experts: ['e1', 'e2'], assigned_at: '2025-01-11T02:00:00.000Z' });
    expect((rows[0].assignments as Array<{ review: { closed: boolean } }>).every((a) => a.review.closed)).toBe(true);
  });

  it('has no row before a submission, and the same rows one event per transaction or all in one', async () => {
    const history: Array<readonly [string, readonly Given[]]> = [[`application-${APP}`, [...panel, A('ReviewScoresSubmitted'), A('ExpertConflictDeclared', { expertId: 'e2' })]]];
    expect(await rowsOf('expert-assignments', history, 'each')).toEqual(await rowsOf('expert-assignments', history, 'one'));
    expect(await rowsOf('expert-assignments', [])).toEqual([]);
  });
});

describe('application history projection (rm_application_history)', () => {
  it('adds one row per event with who, when and what, in both languages', async () => {
    const officer = { userId: 'district-320505', role: 'district-officer', organisation: '320505' };
    const rows = await rowsOf('application-history', [
      [`application-${APP}`, [A('ApplicationSubmitted'), A('EligibilityAssessed'), { ...A('ApplicationEndorsed'), actor: officer }, A('ApplicationWithdrawn')]],
    ]);
    expect(rows.map((r) => [r.revision, r.event_type, r.actor_user_id])).toEqual([
      ['0', 'ApplicationSubmitted', 'bureau-1'],
      ['1', 'EligibilityAssessed', 'bureau-1'],
      ['2', 'ApplicationEndorsed', 'district-320505'],
      ['3', 'ApplicationWithdrawn', 'bureau-1'],
    ]);
    expect(rows[0]).toMatchObject({ application_id: APP, global_position: '1', correlation_id: `corr-application-${APP}`, details: { programmeId: '792086a3-7392-57c5-a684-f0358984922f', district: '320505', requestedAmountFen: 50000000 } });
    expect(rows[0].summary_zh).toContain('光通信模块标准必要专利布局与转化');
    expect(rows[2]).toMatchObject({ actor_role: 'district-officer', actor_organisation: '320505', summary_en: 'Endorsed by district office 320505: 同意推荐' });
    expect(rows[3].summary_zh).toContain('企业主动撤回申报');
  });

  it('records an ApplicationSelected stored as v1 in its current shape (the legacy selection, no batch)', async () => {
    const rows = await rowsOf('application-history', [[`application-${APP}`, [fixture('APPLICATION_EVENTS/ApplicationSelected.v1.json')]]]);
    expect(rows[0]).toMatchObject({ event_type: 'ApplicationSelected', details: { selectionId: legacySelectionId(APP), batch: null, approvedAmountFen: 30000000 } });
  });
});
