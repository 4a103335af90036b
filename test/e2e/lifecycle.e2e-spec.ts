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
      const future = await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-1', valueDate: '2099-01-01', amountFen: 20_000_000 }).expect(422);
      expect(future.body).toMatchObject({ code: 'VALUE_DATE_IN_FUTURE', valueDate: '2099-01-01', today: '2024-10-09' });
      expect((await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-1', valueDate: '2024-09-13', amountFen: 20_000_001 }).expect(422)).body.code).toBe('PAYMENT_EXCEEDS_ORDER');
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-1', valueDate: '2024-09-13', amountFen: 20_000_000 }).expect(200);

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
      await t.http.post(`/v1/grants/${grantId}/tranches/2/payment`).set(bearer(finance())).send({ reference: 'TRE-2', valueDate: '2024-09-17', amountFen: 20_000_000 }).expect(200);
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
      // Every event of the programme's, the application's and the grant's streams carries the city in
      // its metadata, stamped at append time (docs/events.md, "Metadata"); the ledger took it from there.
      for (const streamId of [`programme-${programmeId}`, `application-${applicationId}`, `grant-${grantId}`]) {
        const stamped = (await t.runtime.store.readStream(streamId)).map((e) => [e.type, e.metadata.city]);
        expect(stamped.length).toBeGreaterThan(1);
        expect(stamped).toEqual(stamped.map(([type]) => [type, '320500']));
      }
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
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-F1', valueDate: '2024-09-13', amountFen: 15_000_000 }).expect(200);
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
      await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 5_000_000, reference: 'BANK-1', valueDate: '2024-09-23' }).expect(201);
      await t.projectionsCaughtUp();

      const check = t.app.get(ClawbackOverdueCheck);
      t.clock.set('2026-03-31T15:59:59Z');
      expect(await check.runOnce()).toBe(0);
      t.clock.set('2026-03-31T16:00:00Z');
      expect(await check.runOnce()).toBe(1);
      expect(await check.runOnce()).toBe(0);
      const overdue = (await grant(grantId, finance()).expect(200)).body;
      expect(overdue.clawbacks[0].status).toBe('overdue');
      expect((await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 10_000_001, reference: 'BANK-2', valueDate: '2024-09-25' }).expect(422)).body.code).toBe('REPAYMENT_EXCEEDS_OUTSTANDING');
      const repaid = await t.http.post(`/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 10_000_000, reference: 'BANK-2', valueDate: '2024-09-25' }).expect(201);
      expect(repaid.body.clawbacks[0].status).toBe('repaid');
      expect(repaid.body.money).toMatchObject({ paidFen: 15_000_000, clawbackOrderedFen: 15_000_000, repaidFen: 15_000_000 });
      expect((await t.http.post(`/v1/grants/${grantId}/closure`).set(bearer(admin())).send({}).expect(200)).body.status).toBe('closed');
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('pays a tranche order in several confirmations, refuses orders before the agreement, cancels an unpaid order and closes only when nothing ordered is unpaid', async () => {
      const creditCode = code('320582', '0000104');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320582', approvedAmountFen: 20_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      const tranche = (n: number) => `/v1/grants/${grantId}/tranches/${n}`;
      const events = async () => (await t.runtime.store.readStream(`grant-${grantId}`)).map((e) => e.type);

      // No release order before the agreement is signed: 409, bilingual, nothing appended.
      const early = await t.http.post(`${tranche(1)}/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-P0' }).expect(409);
      expect(early.headers['content-type']).toContain('application/problem+json');
      expect(early.body).toMatchObject({ code: 'AGREEMENT_NOT_SIGNED', trancheNo: 1 });
      expect(early.body.detailZh).toContain('合同尚未签订');
      expect(early.body.detailEn).toContain('agreement has not been signed');
      expect(await events()).toEqual(['GrantAwarded']);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);

      // Cancelling an unpaid order: reason required, programme admin of the city only; the tranche can be ordered again.
      await t.http.post(`${tranche(1)}/cancellation`).set(bearer(admin())).send({ reason: '无' }).expect(409).expect((r) => expect(r.body.code).toBe('TRANCHE_NOT_ORDERED'));
      await t.http.post(`${tranche(1)}/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-P1', amountFen: 9_000_000 }).expect(200);
      await t.http.post(`${tranche(1)}/cancellation`).set(bearer(finance())).send({ reason: '金额有误' }).expect(403);
      await t.http.post(`${tranche(1)}/cancellation`).set(bearer(t.token({ role: 'programme-admin', city: '371100' }))).send({ reason: '金额有误' }).expect(404);
      expect((await t.http.post(`${tranche(1)}/cancellation`).set(bearer(admin())).send({}).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await t.http.post(`${tranche(1)}/cancellation`).set(bearer(admin())).send({ reason: '   ' }).expect(422)).body.code).toBe('CANCELLATION_REASON_REQUIRED');
      const cancelled = await t.http.post(`${tranche(1)}/cancellation`).set(bearer(admin())).send({ reason: '拨付令金额有误，撤销后重新下达' }).expect(200);
      expect(cancelled.body.tranches[0]).toMatchObject({ status: 'planned', orderedFen: 0, orderNo: null, cancellations: [{ orderNo: 'SZ-P1', amountFen: 9_000_000, reason: '拨付令金额有误，撤销后重新下达' }] });
      expect(cancelled.body.money).toMatchObject({ orderedFen: 0, paidFen: 0 });
      await t.http.post(`${tranche(1)}/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-P1B' }).expect(200);

      // 10,000,000 ordered, 8,000,000 confirmed: partly paid, and the other 2,000,000 can be confirmed.
      const partly = await t.http.post(`${tranche(1)}/payment`).set(bearer(finance())).send({ reference: 'TRE-P1', valueDate: '2024-09-03', amountFen: 8_000_000 }).expect(200);
      expect(partly.body.tranches[0]).toMatchObject({ status: 'partly-paid', orderedFen: 10_000_000, paidFen: 8_000_000 });
      expect(partly.body.money).toMatchObject({ orderedFen: 10_000_000, paidFen: 8_000_000, unpaidOrderedFen: 2_000_000 });
      expect((await t.http.post(`${tranche(1)}/cancellation`).set(bearer(admin())).send({ reason: '撤销' }).expect(409)).body).toMatchObject({ code: 'TRANCHE_CANCEL_AFTER_PAYMENT', paidFen: 8_000_000 });
      expect((await t.http.post(`${tranche(1)}/payment`).set(bearer(finance())).send({ reference: 'TRE-P2', valueDate: '2024-09-09', amountFen: 2_000_001 }).expect(422)).body).toMatchObject({
        code: 'PAYMENT_EXCEEDS_ORDER',
        orderedFen: 10_000_000,
        paidFen: 8_000_000,
        remainingFen: 2_000_000,
      });
      expect((await t.http.post(`${tranche(1)}/payment`).set(bearer(finance())).send({ reference: 'TRE-P1', valueDate: '2024-09-09', amountFen: 1_000 }).expect(409)).body.code).toBe('PAYMENT_REFERENCE_ALREADY_CONFIRMED');

      // The grant fails acceptance; it cannot close while 2,000,000 fen ordered is unpaid.
      t.clock.advance(400 * 24 * 3600_000);
      await t.http.post(`/v1/grants/${grantId}/acceptance-request`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).expect(200);
      await t.http
        .post(`/v1/grants/${grantId}/acceptance-decision`)
        .set(bearer(admin()))
        .send({ results: T_ALL.map((targetId, i) => ({ targetId, met: i > 0, note: '' })), decision: 'failed', reason: '未完成' })
        .expect(200);
      const blocked = await t.http.post(`/v1/grants/${grantId}/closure`).set(bearer(admin())).send({}).expect(409);
      expect(blocked.body).toMatchObject({ code: 'TRANCHES_ORDERED_UNPAID', trancheNos: [1], unpaidFen: 2_000_000, tranches: [{ trancheNo: 1, orderedFen: 10_000_000, paidFen: 8_000_000, unpaidFen: 2_000_000 }] });
      expect(blocked.body.detailZh).toContain('20,000.00 元');

      const full = await t.http.post(`${tranche(1)}/payment`).set(bearer(finance())).send({ reference: 'TRE-P2', valueDate: '2024-09-19', amountFen: 2_000_000 }).expect(200);
      expect(full.body.tranches[0]).toMatchObject({
        status: 'paid',
        orderedFen: 10_000_000,
        paidFen: 10_000_000,
        payments: [
          { reference: 'TRE-P1', valueDate: '2024-09-03', amountFen: 8_000_000 },
          { reference: 'TRE-P2', valueDate: '2024-09-19', amountFen: 2_000_000 },
        ],
      });
      expect((await t.http.post(`${tranche(1)}/payment`).set(bearer(finance())).send({ reference: 'TRE-P3', valueDate: '2024-09-21', amountFen: 1 }).expect(409)).body.code).toBe('TRANCHE_ALREADY_PAID');
      const closed = await t.http.post(`/v1/grants/${grantId}/closure`).set(bearer(admin())).send({}).expect(200);
      expect(closed.body).toMatchObject({ status: 'closed', money: { orderedFen: 10_000_000, paidFen: 10_000_000, unpaidOrderedFen: 0 } });
      expect(await events()).toEqual([
        'GrantAwarded',
        'AgreementSigned',
        'TrancheReleaseOrdered',
        'TrancheReleaseCancelled',
        'TrancheReleaseOrdered',
        'TranchePaid',
        'AcceptanceRequested',
        'AcceptanceDecided',
        'TranchePaid',
        'TranchePaidInFull',
        'GrantClosed',
      ]);

      // The read models follow: the timeline tells the cancellation, the ledger nets it out of the ordered total.
      await t.projectionsCaughtUp();
      const auditor = t.token({ role: 'auditor', city: '320500', sub: 'auditor-sz' });
      const timeline = (await t.http.get(`/v1/audit/grants/${grantId}/history`).set(bearer(auditor)).expect(200)).body.entries;
      expect(timeline.find((e: { type: string }) => e.type === 'TrancheReleaseCancelled').what.zh).toContain('撤销第 1 批拨付令（SZ-P1，90,000.00 元）');
      expect(timeline.find((e: { type: string }) => e.type === 'TranchePaidInFull').what.en).toContain('paid in full: 100,000.00 yuan');
      const ledger = (await t.http.get(`/v1/finance/ledger?programmeId=${programmeId}`).set(bearer(finance())).expect(200)).body;
      expect(ledger.grants.find((g: { grantId: string }) => g.grantId === grantId)).toMatchObject({ orderedFen: 10_000_000, paidFen: 10_000_000, unpaidOrderedFen: 0 });
      const row = await t.db.pool.query(`select status, ordered_fen::int, paid_fen::int from rm_grants where grant_id = $1`, [grantId]);
      expect(row.rows[0]).toEqual({ status: 'closed', ordered_fen: 10_000_000, paid_fen: 10_000_000 });
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('counts the same payment confirmation sent at once only once, with and without Idempotency-Key, and never pays more than ordered', async () => {
      const creditCode = code('320583', '0000105');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320583', approvedAmountFen: 20_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-R1' }).expect(200);
      const payment = `/v1/grants/${grantId}/tranches/1/payment`;
      const paidEvents = async () => (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'TranchePaid').map((e) => e.data as { reference: string; amountFen: number });
      const sum = (list: Array<{ amountFen: number }>) => list.reduce((total, p) => total + p.amountFen, 0);
      const N = 10;

      // Without Idempotency-Key: N identical confirmations at once; one is counted, the others are refused.
      const bare = { reference: 'TRE-R1', valueDate: '2024-09-03', amountFen: 6_000_000 };
      const racing = await Promise.all(Array.from({ length: N }, () => t.http.post(payment).set(bearer(finance())).send(bare)));
      const statuses = racing.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(N - 1);
      for (const r of racing.filter((x) => x.status === 409)) expect(['CONCURRENT_MODIFICATION', 'PAYMENT_REFERENCE_ALREADY_CONFIRMED']).toContain(r.body.code);
      expect(await paidEvents()).toEqual([expect.objectContaining({ reference: 'TRE-R1', amountFen: 6_000_000 })]);

      // Two different confirmations that together exceed the order, at once: Σ paid stays ≤ ordered (10,000,000).
      const over = await Promise.all(
        ['TRE-R2', 'TRE-R3'].map((reference) => t.http.post(payment).set(bearer(finance())).send({ reference, valueDate: '2024-09-05', amountFen: 3_000_000 })),
      );
      expect(over.map((r) => r.status).sort()).toEqual(expect.arrayContaining([200]));
      expect(sum(await paidEvents())).toBeLessThanOrEqual(10_000_000);

      // With one Idempotency-Key: N identical confirmations at once; one TranchePaid, and a retry answers the first result.
      const state = (await grant(grantId, finance()).expect(200)).body.tranches[0];
      const remaining = state.orderedFen - state.paidFen;
      expect(remaining).toBeGreaterThan(0);
      const keyed = { reference: 'TRE-R4', valueDate: '2024-09-07', amountFen: remaining };
      const withKey = await Promise.all(Array.from({ length: N }, () => t.http.post(payment).set(bearer(finance())).set('Idempotency-Key', 'pay-r4').send(keyed)));
      const keyedStatuses = withKey.map((r) => r.status);
      expect(keyedStatuses).toEqual(Array(N).fill(200));
      const first = withKey.find((r) => r.status === 200)!;
      expect(first).toBeDefined();
      expect((await paidEvents()).filter((p) => p.reference === 'TRE-R4')).toHaveLength(1);
      const retry = await t.http.post(payment).set(bearer(finance())).set('Idempotency-Key', 'pay-r4').send(keyed).expect(200);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(retry.body).toEqual(first.body);
      expect(retry.body.tranches[0]).toMatchObject({ status: 'paid', orderedFen: 10_000_000, paidFen: 10_000_000 });
      expect((await t.http.post(payment).set(bearer(finance())).set('Idempotency-Key', 'pay-r4').send({ ...keyed, amountFen: 1 }).expect(422)).body.code).toBe('IDEMPOTENCY_KEY_REUSED');

      const paid = await paidEvents();
      expect(sum(paid)).toBe(10_000_000);
      expect(new Set(paid.map((p) => p.reference)).size).toBe(paid.length);
      const view = (await grant(grantId, finance()).expect(200)).body;
      expect(view.money).toMatchObject({ orderedFen: 10_000_000, paidFen: 10_000_000 });
      console.log(
        `[race] ${N} identical confirmations without key: ${statuses.filter((s) => s === 200).length}×200, ${statuses.filter((s) => s === 409).length}×409 (${[...new Set(racing.filter((r) => r.status === 409).map((r) => r.body.code))].join(', ')}); ` +
          `two exceeding confirmations: ${over.map((r) => `${r.status}${r.status === 200 ? '' : ` ${r.body.code}`}`).join(', ')}; ` +
          `${N} with one Idempotency-Key: ${keyedStatuses.filter((s) => s === 200).length}×200, ${keyedStatuses.filter((s) => s === 409).length}×409; TranchePaid events ${paid.length}, Σ paid ${sum(paid)} of 10000000 ordered`,
      );
    });

    it('orders a clawback and records a repayment once when sent many times at once, with and without Idempotency-Key', async () => {
      const creditCode = code('320583', '0000106');
      const applicationId = await selectedApplication({ programmeId, city: '320500', creditCode, district: '320583', approvedAmountFen: 20_000_000 });
      const grantId = grantIdFor(applicationId);
      await until(() => grant(grantId, admin()), (r) => r.status === 200);
      await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-C1' }).expect(200);
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'TRE-C1', valueDate: '2024-09-03', amountFen: 10_000_000 }).expect(200);
      const events = async (type: string) => (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === type);
      const N = 10;

      // A double-clicked recovery decision without a key: one order, the rest refused as duplicates.
      const order = { amountFen: 4_000_000, reason: '未完成合同约定', dueDate: '2026-03-31' };
      const bare = await Promise.all(Array.from({ length: N }, () => t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).send(order)));
      expect(bare.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of bare.filter((x) => x.status !== 201)) expect(r.body).toMatchObject({ code: 'CLAWBACK_DUPLICATE' });
      expect(await events('ClawbackOrdered')).toHaveLength(1);

      // With one key: every answer is the first result.
      const keyedOrder = { amountFen: 3_000_000, reason: '部分指标未完成', dueDate: '2026-03-31' };
      const keyed = await Promise.all(Array.from({ length: N }, () => t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).set('Idempotency-Key', 'cb-k1').send(keyedOrder)));
      expect(keyed.map((r) => r.status)).toEqual(Array(N).fill(201));
      expect(new Set(keyed.map((r) => r.headers.etag)).size).toBe(1);
      expect(await events('ClawbackOrdered')).toHaveLength(2);
      const view = (await grant(grantId, admin()).expect(200)).body;
      expect(view.money).toMatchObject({ paidFen: 10_000_000, clawbackOrderedFen: 7_000_000 });

      // Repayments: the same bank reference is recorded once, with or without a key.
      const clawbackId = view.clawbacks[0].clawbackId;
      const repayment = { amountFen: 1_000_000, reference: 'BANK-C1', valueDate: '2024-09-05' };
      const path = `/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`;
      const bareRepay = await Promise.all(Array.from({ length: N }, () => t.http.post(path).set(bearer(finance())).send(repayment)));
      expect(bareRepay.filter((r) => r.status === 201)).toHaveLength(1);
      for (const r of bareRepay.filter((x) => x.status !== 201)) expect(r.body).toMatchObject({ code: 'REPAYMENT_REFERENCE_ALREADY_RECORDED' });
      const keyedRepay = await Promise.all(Array.from({ length: N }, () => t.http.post(path).set(bearer(finance())).set('Idempotency-Key', 'rp-k1').send({ ...repayment, reference: 'BANK-C2' })));
      expect(keyedRepay.map((r) => r.status)).toEqual(Array(N).fill(201));
      expect((await events('RepaymentRecorded')).map((e) => (e.data as { reference: string }).reference)).toEqual(['BANK-C1', 'BANK-C2']);
      const after = (await grant(grantId, admin()).expect(200)).body;
      expect(after.money).toMatchObject({ clawbackOrderedFen: 7_000_000, repaidFen: 2_000_000 });
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
        ['post', `/v1/grants/${grantId}/tranches/1/payment`, { reference: 'x', valueDate: '2024-09-11', amountFen: 1 }, [role(admin()), hidden(otherCity('finance')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/tranches/1/cancellation`, { reason: 'x' }, [role(finance()), hidden(otherCity('programme-admin')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/mid-term-inspections`, { results: [] }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/acceptance-request`, {}, [role(admin()), hidden(stranger)]],
        ['post', `/v1/grants/${grantId}/acceptance-decision`, { results: [], decision: 'failed', reason: 'x' }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/evaluation`, { inputs: { peopleTrained: 10 } }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/clawbacks`, { amountFen: 1, reason: 'x', dueDate: '2030-01-01' }, [role(finance()), hidden(otherCity('programme-admin')), role(stranger)]],
        ['post', `/v1/grants/${grantId}/clawbacks/${clawbackId}/repayments`, { amountFen: 1, reference: 'x', valueDate: '2024-09-11' }, [role(admin()), hidden(otherCity('finance'))]],
        ['post', `/v1/grants/${grantId}/clawbacks/${clawbackId}/write-off`, { reason: 'x' }, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['post', `/v1/grants/${grantId}/closure`, {}, [role(finance()), hidden(otherCity('programme-admin'))]],
        ['get', `/v1/grants/${grantId}`, {}, [hidden(stranger), hidden(otherCity('finance')), role(t.token({ role: 'expert', sub: 'e1' })), hidden(t.token({ role: 'district-office', district: '320505' }))]],
      ];
      const head = await t.runtime.store.headPosition();
      for (const [method, path, body, tokens] of cases) {
        for (const [token, status] of tokens) {
          const response = method === 'get' ? await t.http.get(path).set(bearer(token)) : await t.http.post(path).set(bearer(token)).send(body);
          expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status, code: status === 403 ? 'ROLE_FORBIDDEN' : 'GRANT_NOT_FOUND' });
        }
      }
      // The district office of the grant's own district reads it (issue 15: grants are found by their district too).
      await t.http.get(`/v1/grants/${grantId}`).set(bearer(t.token({ role: 'district-office', district: '320508' }))).expect(200);
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
      await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance)).send({ reference: 'TRE-A1', valueDate: '2024-09-01', amountFen: 4_000_000 }).expect(200);

      const then = (await t.http.get(`/v1/audit/grants/${grantId}?asOf=${encodeURIComponent(beforePayment)}`).set(bearer(auditor)).expect(200)).body;
      expect(then.grant.tranches[0]).toMatchObject({ status: 'ordered', paidFen: 0 });
      expect(then.grant.money).toMatchObject({ orderedFen: 4_000_000, paidFen: 0 });
      const now = (await t.http.get(`/v1/audit/grants/${grantId}`).set(bearer(auditor)).expect(200)).body;
      expect(now.grant.money).toMatchObject({ paidFen: 4_000_000 });
      // The confirmation pays the whole order: TranchePaid and TranchePaidInFull.
      expect(now.eventsApplied).toBe(then.eventsApplied + 2);
      const early = await t.http.get(`/v1/audit/grants/${grantId}?asOf=2024-01-01T00:00:00%2B08:00`).set(bearer(auditor)).expect(404);
      expect(early.body.code).toBe('GRANT_NOT_YET_AWARDED');

      const application = (await t.http.get(`/v1/audit/applications/${applicationId}?asOf=${encodeURIComponent(submittedAt)}`).set(bearer(auditor)).expect(200)).body;
      expect(application.application.status).toBe('selected');
      expect((await t.http.get(`/v1/audit/applications/${applicationId}?asOf=2024-10-01T00:00:00Z`).set(bearer(auditor)).expect(404)).body.code).toBe('APPLICATION_NOT_YET_SUBMITTED');

      const timeline = (await t.http.get(`/v1/audit/grants/${grantId}/history`).set(bearer(auditor)).expect(200)).body.entries;
      expect(timeline.map((e: { type: string }) => e.type)).toEqual(['GrantAwarded', 'AgreementSigned', 'TrancheReleaseOrdered', 'TranchePaid', 'TranchePaidInFull']);
      expect(timeline[0].who).toEqual({ userId: 'system:grant-awarder', role: 'system', organisation: null });
      const byFinance = (await t.http.get(`/v1/audit/grants/${grantId}/history?role=finance`).set(bearer(auditor)).expect(200)).body.entries;
      expect(byFinance).toHaveLength(2);
      expect(byFinance[0].what.zh).toContain('财政局确认第 1 批已拨付 40,000.00 元');
      expect(byFinance[1].what.zh).toContain('第 1 批拨付令（SZ-A1）40,000.00 元已全部拨付');
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
      await t.db.pool.query("update subscription_checkpoints set position = 0 where name = 'grant-awarder'");
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
      const paid = await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(t.token({ role: 'finance', city: '371100' }))).send({ reference: 'RZ-TRE-1', valueDate: '2024-09-15', amountFen: 5_000_000 }).expect(200);
      expect(paid.body.money).toMatchObject({ awardFen: 5_000_000, paidFen: 5_000_000 });
    });
  });
});
