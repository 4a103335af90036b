import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { ClawbackOverdueCheck, GrantAwarder, grantIdFor } from '@ipstd/grants';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { until } from '../support/wait';

const T_MID = ['SZ24-T1', 'SZ24-T2', 'SZ24-T3', 'SZ24-T4', 'SZ24-T5', 'SZ24-T6', 'SZ24-T7'];
const T_ALL = [...T_MID, 'SZ24-T8'];
const EXPERTS = ['e1', 'e2', 'e3'];

function code(district: string, tail: string): string {
  const first17 = `91${district}MA${tail}`;
  return first17 + creditCodeCheckCharacter(first17);
}


describe('whole lifecycles over REST', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
  });
  afterAll(() => t?.close());
  beforeEach(() => t.clock.set('2024-10-09T02:00:00Z'));

  /** Submits, endorses, reviews (3 experts), closes and selects; returns the application id. */
  async function selectedApplication(options: { programmeId: string; city: string; creditCode: string; district: string; approvedAmountFen: number; batch?: string; defense?: boolean }) {
    const admin = t.token({ role: 'programme-admin', city: options.city, sub: `admin-${options.city}` });
    const applicant = t.token({ role: 'applicant', org: options.creditCode });
    const submitted = await t.http.post(`/v1/programmes/${options.programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: options.creditCode, district: options.district })).expect(201);
    const id = submitted.body.applicationId;
    await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: options.district }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin)).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    for (const e of EXPERTS) {
      await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    }
    await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin)).expect(200);
    if (options.defense) {
      await t.projectionsCaughtUp();
      const round = await t.http.post(`/v1/programmes/${options.programmeId}/defense-round`).set(bearer(admin)).send({ size: 1 }).expect(200);
      expect(round.body.invited.map((i: { applicationId: string }) => i.applicationId)).toEqual([id]);
      for (const e of EXPERTS) {
        await t.http.put(`/v1/applications/${id}/defense-scores/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ score: 85, comment: '答辩表现良好' }).expect(200);
      }
    }
    await t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: options.approvedAmountFen, reason: '择优立项', batch: options.batch }).expect(200);
    return id;
  }

  const grant = (grantId: string, token: string) => t.http.get(`/v1/grants/${grantId}`).set(bearer(token));

  describe('Suzhou 2024', () => {
    let programmeId: string;
    const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
    const finance = () => t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });

    beforeAll(async () => {
      t.clock.set('2024-10-09T02:00:00Z');
      const terms = suzhouTerms({ code: 'SZ-LIFE', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
      programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
    });

    it('runs from submission through review and defense to a closed grant: award, two-signature tranches, mid-term, acceptance', async () => {
      const creditCode = CREDIT_CODES.huqiu;
      const applicant = t.token({ role: 'applicant', org: creditCode });
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320505', approvedAmountFen: 40_000_000, defense: true });
      expect((await t.http.get(`/v1/applications/${applicationId}`).set(bearer(admin())).expect(200)).body.selection.finalScoreHundredths).toBe(8000 + 8500);
      const grantId = grantIdFor(applicationId);
      const awarded = (await until(() => grant(grantId, admin()), (r) => r.status === 200)).body;
      expect(awarded).toMatchObject({ status: 'awarded', money: { awardFen: 40_000_000 }, implementation: { months: 24 } });
      expect(awarded.tranches.map((tr: { plannedFen: number; trigger: string }) => [tr.plannedFen, tr.trigger])).toEqual([[20_000_000, 'award'], [20_000_000, 'acceptance-passed']]);
      expect(awarded.targets.map((x: { id: string }) => x.id)).toEqual(T_ALL);

      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
      const early = await t.http.post(`/v1/grants/${grantId}/tranches/2/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-2' }).expect(422);
      expect(early.body.code).toBe('TRANCHE_TRIGGER_NOT_MET');
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-1' }).expect(200);
      expect((await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-1', valueDate: '2024-12-20', amountFen: 20_000_001 }).expect(422)).body.code).toBe('PAYMENT_EXCEEDS_ORDER');
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-1', valueDate: '2024-12-20', amountFen: 20_000_000 }).expect(200);

      t.clock.advance(365 * 24 * 3600_000);
      const inspected = await t.http
        .post(`/v1/grants/${grantId}/mid-term-inspections`)
        .set(bearer(admin()))
        .send({ results: T_MID.map((targetId) => ({ targetId, status: 'on-track', findings: '按计划推进' })) })
        .expect(200);
      expect(inspected.body.inspections[0].outcome).toBe('passed');
      await t.http.post(`/v1/grants/${grantId}/acceptance-request`).set(bearer(applicant)).expect(200);
      const decided = await t.http
        .post(`/v1/grants/${grantId}/acceptance-decision`)
        .set(bearer(admin()))
        .send({ results: T_ALL.map((targetId) => ({ targetId, met: true, note: '' })), decision: 'accepted', reason: '' })
        .expect(200);
      expect(decided.body.status).toBe('accepted');
      await t.http.post(`/v1/grants/${grantId}/tranches/2/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-2' }).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/2/payment`).set(bearer(finance())).send({ reference: 'TRE-2', valueDate: '2025-11-01', amountFen: 20_000_000 }).expect(200);
      const closed = await t.http.post(`/v1/grants/${grantId}/closure`).set(bearer(admin())).send({}).expect(200);
      expect(closed.body).toMatchObject({ status: 'closed', money: { awardFen: 40_000_000, orderedFen: 40_000_000, paidFen: 40_000_000 } });
      await t.projectionsCaughtUp();
      const dashboard = (await t.http.get(`/v1/dashboards/programmes/${programmeId}`).set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(200)).body;
      expect(dashboard.funnel.byStatus.selected).toBeGreaterThanOrEqual(1);
      expect(dashboard.funnel.byDistrict['320505']).toMatchObject({ selected: 1 });
      expect(dashboard.moneyByGrantStatus.closed).toMatchObject({ grants: 1, awardFen: 40_000_000, paidFen: 40_000_000 });
      expect(dashboard.budget.committedFen).toBeGreaterThanOrEqual(40_000_000);
      await t.http.get(`/v1/dashboards/programmes/${programmeId}`).set(bearer(applicant)).expect(403);
      expect((await grant(grantId, applicant).expect(200)).body.status).toBe('closed');
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('refuses an acceptance request later than three months before the end, naming the last allowed date', async () => {
      const creditCode = code('320506', '0000101');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320506', approvedAmountFen: 10_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
      t.clock.advance((21 * 30 + 20) * 24 * 3600_000);
      const late = await t.http.post(`/v1/grants/${grantId}/acceptance-request`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).expect(422);
      expect(late.body.code).toBe('ACCEPTANCE_REQUEST_TOO_LATE');
      expect(late.body.lastAllowedAt).toBeTruthy();
      expect(late.body.detailZh).toContain('北京时间');
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('ends a failed project in clawback: partial repayment, overdue by the scheduled check, repaid in full', async () => {
      const creditCode = code('320507', '0000102');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320507', approvedAmountFen: 30_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-F1' }).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-F1', valueDate: '2024-12-20', amountFen: 15_000_000 }).expect(200);
      t.clock.advance(400 * 24 * 3600_000);
      await t.http.post(`/v1/grants/${grantId}/acceptance-request`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).expect(200);
      const failed = await t.http
        .post(`/v1/grants/${grantId}/acceptance-decision`)
        .set(bearer(admin()))
        .send({ results: T_ALL.map((targetId, i) => ({ targetId, met: i > 2, note: i > 2 ? '' : '未完成' })), decision: 'failed', reason: '三项绩效目标未完成' })
        .expect(200);
      expect(failed.body.status).toBe('failed');
      expect((await t.http.post(`/v1/grants/${grantId}/tranches/2/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-F2' }).expect(409)).body.code).toBe('GRANT_STATUS_CONFLICT');

      const tooMuch = await t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).send({ amountFen: 15_000_001, reason: '未完成合同约定', dueDate: '2026-03-31' }).expect(422);
      expect(tooMuch.body).toMatchObject({ code: 'CLAWBACK_EXCEEDS_PAID', maxFen: 15_000_000 });
      const ordered = await t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).send({ amountFen: 15_000_000, reason: '未完成合同约定', dueDate: '2026-03-31' }).expect(201);
      const clawbackId = ordered.body.clawbacks[0].clawbackId;
      await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 5_000_000, reference: 'BANK-1', valueDate: '2026-02-01' }).expect(201);
      await t.projectionsCaughtUp();

      const check = t.app.get(ClawbackOverdueCheck);
      t.clock.set('2026-03-31T15:59:59Z');
      expect(await check.runOnce()).toBe(0);
      t.clock.set('2026-03-31T16:00:00Z');
      expect(await check.runOnce()).toBe(1);
      expect(await check.runOnce()).toBe(0);
      const overdue = (await grant(grantId, finance()).expect(200)).body;
      expect(overdue.clawbacks[0].status).toBe('overdue');
      expect((await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 10_000_001, reference: 'BANK-2', valueDate: '2026-04-02' }).expect(422)).body.code).toBe('REPAYMENT_EXCEEDS_OUTSTANDING');
      const repaid = await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 10_000_000, reference: 'BANK-2', valueDate: '2026-04-02' }).expect(201);
      expect(repaid.body.clawbacks[0].status).toBe('repaid');
      expect(repaid.body.money).toMatchObject({ paidFen: 15_000_000, clawbackOrderedFen: 15_000_000, repaidFen: 15_000_000 });
      expect((await t.http.post(`/v1/grants/${grantId}/closure`).set(bearer(admin())).send({}).expect(200)).body.status).toBe('closed');
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('gives 403 for the wrong role, 404 (as if absent) for the wrong city or enterprise, and changes nothing, on every grant endpoint', async () => {
      const creditCode = code('320508', '0000103');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320508', approvedAmountFen: 10_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      const clawbackId = '0190a4b2-0000-7000-8000-0000000000c1';
      const otherCity = (role: 'programme-admin' | 'finance') => t.token({ role, city: '371100' });
      const stranger = t.token({ role: 'applicant', org: CREDIT_CODES.sip });
      // [token, expected]: 403 for a role the route does not allow, 404 for an allowed role out of scope.
      const role = (token: string): [string, number] => [token, 403];
      const hidden = (token: string): [string, number] => [token, 404];
      const cases: Array<[string, string, object, Array<[string, number]>]> = [
        ['post', `/v1/grants/${grantId}/agreement`, {}, [role(finance()), hidden(otherCity('programme-admin')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/tranches/1/release-order`, { orderNo: 'x' }, [role(finance()), hidden(otherCity('programme-admin')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/tranches/1/payment`, { reference: 'x', valueDate: '2024-12-01', amountFen: 1 }, [role(admin()), hidden(otherCity('finance')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/mid-term-inspections`, { results: [] }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/acceptance-request`, {}, [role(admin()), hidden(stranger)]],
        ['post', `/v1/grants/${grantId}/acceptance-decision`, { results: [], decision: 'failed', reason: 'x' }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/evaluation`, { inputs: { peopleTrained: 10 } }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/clawbacks`, { amountFen: 1, reason: 'x', dueDate: '2030-01-01' }, [role(finance()), hidden(otherCity('programme-admin')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`, { amountFen: 1, reference: 'x', valueDate: '2024-12-01' }, [role(admin()), hidden(otherCity('finance'))]],
        ['post', `/v1/grants/${grantId}/clawbacks/${clawbackId}/write-off`, { reason: 'x' }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/closure`, {}, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['get', `/v1/grants/${grantId}`, {}, [hidden(stranger), hidden(otherCity('finance')), role(t.token({ role: 'expert', sub: 'e1' })), role(t.token({ role: 'district-office', district: '320508' }))]],
      ];
      const head = await t.runtime.store.headPosition();
      for (const [method, path, body, tokens] of cases) {
        for (const [token, status] of tokens) {
          const response = method === 'get' ? await t.http.get(path).set(bearer(token)) : await t.http.post(path).set(bearer(token)).send(body);
          expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code: status === 403 ? 'ROLE_FORBIDDEN' : 'GRANT_NOT_FOUND' });
        }
      }
      expect(await t.runtime.store.headPosition()).toBe(head);
    });
  });

  describe('what auditors see', () => {
    it('folds a grant and an application as they stood at a past instant, and tells the grant timeline', async () => {
      const admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
      const finance = t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });
      const auditor = t.token({ role: 'auditor', city: '320500', sub: 'auditor-sz' });
      const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-ASOF', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } })).expect(201)).body.programmeId;
      const submittedAt = t.clock.now().toISOString();
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode: code('320585', '0000301'), district: '320585', approvedAmountFen: 8_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin), (r) => r.status === 200);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin)).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin)).send({ orderNo: 'SZ-A1' }).expect(200);
      const beforePayment = t.clock.now().toISOString();
      t.clock.advance(3600_000);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance)).send({ reference: 'TRE-A1', valueDate: '2024-10-10', amountFen: 4_000_000 }).expect(200);

      const then = (await t.http.get(`/v1/audit/grants/${grantId}?asOf=${encodeURIComponent(beforePayment)}`).set(bearer(auditor)).expect(200)).body;
      expect(then.grant.tranches[0]).toMatchObject({ status: 'ordered', paidFen: 0 });
      expect(then.grant.money).toMatchObject({ orderedFen: 4_000_000, paidFen: 0 });
      const now = (await t.http.get(`/v1/audit/grants/${grantId}`).set(bearer(auditor)).expect(200)).body;
      expect(now.grant.money).toMatchObject({ paidFen: 4_000_000 });
      expect(now.eventsApplied).toBe(then.eventsApplied + 1);
      const early = await t.http.get(`/v1/audit/grants/${grantId}?asOf=2024-01-01T00:00:00%2B08:00`).set(bearer(auditor)).expect(404);
      expect(early.body.code).toBe('GRANT_NOT_YET_AWARDED');

      const application = (await t.http.get(`/v1/audit/applications/${applicationId}?asOf=${encodeURIComponent(submittedAt)}`).set(bearer(auditor)).expect(200)).body;
      expect(application.application.status).toBe('selected');
      expect((await t.http.get(`/v1/audit/applications/${applicationId}?asOf=2024-10-01T00:00:00Z`).set(bearer(auditor)).expect(404)).body.code).toBe('APPLICATION_NOT_YET_SUBMITTED');

      const timeline = (await t.http.get(`/v1/audit/grants/${grantId}/history`).set(bearer(auditor)).expect(200)).body.entries;
      expect(timeline.map((e: { type: string }) => e.type)).toEqual(['GrantAwarded', 'AgreementSigned', 'TrancheReleaseOrdered', 'TranchePaid']);
      expect(timeline[0].who).toEqual({ userId: 'system:grant-awarder', role: 'system', organisation: null });
      const byFinance = (await t.http.get(`/v1/audit/grants/${grantId}/history?role=finance`).set(bearer(auditor)).expect(200)).body.entries;
      expect(byFinance).toHaveLength(1);
      expect(byFinance[0].what.zh).toContain('财政局确认第 1 批已拨付 40000.00 元');
      const paged = (await t.http.get(`/v1/audit/grants/${grantId}/history?limit=2`).set(bearer(auditor)).expect(200)).body;
      expect(paged.entries).toHaveLength(2);
      const rest = (await t.http.get(`/v1/audit/grants/${grantId}/history?limit=2&cursor=${paged.nextCursor}`).set(bearer(auditor)).expect(200)).body;
      expect(rest.entries.map((e: { type: string }) => e.type)).toEqual(['TrancheReleaseOrdered', 'TranchePaid']);
      const appHistory = (await t.http.get(`/v1/audit/applications/${applicationId}/history?type=ApplicationSelected`).set(bearer(auditor)).expect(200)).body.entries;
      expect(appHistory.map((e: { type: string }) => e.type)).toEqual(['ApplicationSelected']);

      await t.http.get(`/v1/audit/grants/${grantId}`).set(bearer(t.token({ role: 'auditor', city: '371100' }))).expect(404);
      await t.http.get(`/v1/audit/grants/${grantId}/history`).set(bearer(admin)).expect(403);
      await t.http.get(`/v1/audit/applications/${applicationId}`).set(bearer(finance)).expect(403);
    });
  });

  describe('the award process manager', () => {
    it('awards each selection exactly once, even when stopped and replayed from the start of the log', async () => {
      const awarder = t.app.get(GrantAwarder);
      const admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
      const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-REPLAY', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } })).expect(201)).body.programmeId;
      await awarder.worker.stop();
      const creditCode = code('320509', '0000201');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320509', approvedAmountFen: 1_000_000 });
      const grantId = grantIdFor(applicationId);
      expect((await grant(grantId, admin)).status).toBe(404);
      await t.db.pool.query("update worker_checkpoints set position = 0 where name = 'grant-awarder'");
      await awarder.worker.start();
      await until(() => grant(grantId, admin), (r) => r.status === 200);
      const head = await t.runtime.store.headPosition();
      await until(() => awarder.worker.checkpoint(), (position) => position >= head);
      const { rows } = await t.db.pool.query<{ stream_id: string; n: number }>("select stream_id, count(*)::int as n from es_events where event_type = 'GrantAwarded' group by stream_id");
      expect(rows.length).toBeGreaterThanOrEqual(4);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    });
  });

  describe('Rizhao pilot', () => {
    it('designates a pilot enterprise and releases its single tranche only after a passed evaluation', async () => {
      const admin = t.token({ role: 'programme-admin', city: '371100', sub: 'admin-rz' });
      const terms = suzhouTerms({
        code: 'RZ-PILOT-2024',
        title: '日照市专利标准融合创新试点企业',
        city: '371100',
        ruleSet: { id: 'rizhao-pilot', version: 1 },
        tranchePlan: [{ percent: 100, trigger: 'evaluation-passed' }],
        review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
        implementationMonths: 18,
      });
      const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId;
      const creditCode = CREDIT_CODES.rizhao;
      const submitted = await t.http.get(`/v1/rules/rule-sets/rizhao-pilot/versions/1`).set(bearer(admin)).expect(200);
      expect(submitted.body.clauses.length).toBeGreaterThan(0);
      const applicationId = await selectedApplication({ programmeId, city: '371100', creditCode, district: '371102', approvedAmountFen: 5_000_000, batch: '第三批' });
      const application = (await t.http.get(`/v1/applications/${applicationId}`).set(bearer(admin)).expect(200)).body;
      expect(application.selection).toMatchObject({ decision: 'select', batch: '第三批' });
      expect(application.eligibility.ruleSet).toEqual({ id: 'rizhao-pilot', version: 1 });
      const grantId = grantIdFor(applicationId);
      const awarded = (await until(() => grant(grantId, admin), (r) => r.status === 200)).body;
      expect(awarded.tranches).toEqual([expect.objectContaining({ trancheNo: 1, plannedFen: 5_000_000, trigger: 'evaluation-passed' })]);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin)).expect(200);
      expect((await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin)).send({ orderNo: 'RZ-1' }).expect(422)).body.code).toBe('TRANCHE_TRIGGER_NOT_MET');
      const bad = await t.http.post(`/v1/grants/${grantId}/evaluation`).set(bearer(admin)).send({ inputs: { horoscope: 3, peopleTrained: -1 } }).expect(422);
      expect(bad.body.code).toBe('INDEX_INPUTS_INVALID');
      const failed = await t.http.post(`/v1/grants/${grantId}/evaluation`).set(bearer(admin)).send({ inputs: { peopleTrained: 5 } }).expect(200);
      expect(failed.body.evaluations[0]).toMatchObject({ outcome: 'failed', passMark: 60 });
      expect((await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin)).send({ orderNo: 'RZ-1' }).expect(422)).body.code).toBe('TRANCHE_TRIGGER_NOT_MET');
      const inputs = {
        standardsByLevel: { international: 1, national: 3, industry: 2, group: 4 },
        leaderStandards: 3,
        patentsIntoStandards: 10,
        ipManagementCertified: true,
        standardisationGoodBehaviour: true,
        highValuePatentCentre: true,
        patentNavigationProjects: 3,
        peopleTrained: 300,
        integratedIpStandardsFunction: true,
      };
      const passed = await t.http.post(`/v1/grants/${grantId}/evaluation`).set(bearer(admin)).send({ inputs }).expect(200);
      expect(passed.body.evaluations[1]).toMatchObject({ outcome: 'passed' });
      const [evaluated] = (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'GrantEvaluated').slice(-1);
      expect(evaluated.data).toMatchObject({ outcome: 'passed', index: { ruleSet: { id: 'rizhao-pilot', version: 1 } } });
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin)).send({ orderNo: 'RZ-1' }).expect(200);
      await t.projectionsCaughtUp();
      const dashboard = (await t.http.get('/v1/dashboards/cities/371100/targets').set(bearer(admin)).expect(200)).body;
      const targets = Object.fromEntries(dashboard.ruleSets[0].targets.map((x: { id: string }) => [x.id, x]));
      expect(targets['RZ-C4']).toMatchObject({ target: 50, actual: 1, tracked: true });
      expect(targets['RZ-C1']).toMatchObject({ target: 200, actual: 10 });
      expect(targets['RZ-C10']).toMatchObject({ target: 1500, actual: 300, progressPercent: 20 });
      expect(targets['RZ-C9']).toMatchObject({ tracked: false, actual: null });
      await t.http.get('/v1/dashboards/cities/371100/targets').set(bearer(t.token({ role: 'auditor', city: '320500' }))).expect(403);
      const paid = await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(t.token({ role: 'finance', city: '371100' }))).send({ reference: 'RZ-TRE-1', valueDate: '2025-03-01', amountFen: 5_000_000 }).expect(200);
      expect(paid.body.money).toMatchObject({ awardFen: 5_000_000, paidFen: 5_000_000 });
    });
  });
});
