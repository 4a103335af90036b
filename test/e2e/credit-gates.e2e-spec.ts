import { EVENT_STORE, EventStore } from '@ipstd/event-store';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { CommandPipeline, PG_POOL } from '@ipstd/platform';
import { EligibilityReassessor } from '@ipstd/applications';
import { CREDIT_WATCH, CreditWatch, GrantAwarder, grantIdFor } from '@ipstd/grants';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { awardedGrant, seededCreditCode } from '../support/seed';
import { until } from '../support/wait';

/**
 * Credit gates over HTTP with real PostgreSQL: selection, award, release order and payment confirmation
 * refused (or the award suspended) on a bad credit record; suspension after the award by the credit
 * watch, and the bureau's two decisions, under duplicate and concurrent requests; the watch restarted
 * and replayed.
 */
describe('credit gates', () => {
  let t: TestApp;
  let programmeId: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  const finance = () => t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });
  const auditor = () => t.token({ role: 'auditor', city: '320500' });
  const system = () => t.token({ role: 'system', sub: 'credit-china' });
  let seq = 0;
  const nextCode = () => seededCreditCode(700 + ++seq, '320506');

  const recordFact = (creditCode: string, fact: 'serious-dishonesty' | 'abnormal-patent-application', reference: string, present = true) =>
    t.http
      .post(`/v1/enterprises/${creditCode}/facts`)
      .set(bearer(system()))
      .send({ fact, present, source: fact === 'serious-dishonesty' ? 'credit-china' : 'cnipa', reference, observedAt: '2024-10-09T09:00:00+08:00' })
      .expect(200);
  const grant = (grantId: string) => t.http.get(`/v1/grants/${grantId}`).set(bearer(admin()));
  const streamTypes = async (grantId: string) => (await t.runtime.store.readStream(`grant-${grantId}`)).map((e) => e.type);
  const count = async (grantId: string, type: string) => (await streamTypes(grantId)).filter((x) => x === type).length;
  const order = (grantId: string, n: number, orderNo = `CG-${grantId.slice(0, 6)}-${n}`) => t.http.post(`/v1/grants/${grantId}/tranches/${n}/release-order`).set(bearer(admin())).send({ orderNo });
  const pay = (grantId: string, n: number, amountFen: number, reference = `TRE-${grantId.slice(0, 6)}-${n}`) =>
    t.http.post(`/v1/grants/${grantId}/tranches/${n}/payment`).set(bearer(finance())).send({ reference, valueDate: '2024-10-08', amountFen });
  const decideSuspension = (grantId: string, body: object, key?: string) => {
    const request = t.http.post(`/v1/grants/${grantId}/suspension/decision`).set(bearer(admin()));
    return key ? request.set('Idempotency-Key', key).send(body) : request.send(body);
  };
  const watch = () => t.app.get(CreditWatch);
  async function watchCaughtUp(): Promise<void> {
    const head = await t.runtime.store.headPosition();
    await until(() => watch().worker.checkpoint(), (position) => position >= head);
  }
  const suspended = (grantId: string) => until(() => grant(grantId), (r) => r.status === 200 && r.body.suspension !== null);
  /** A grant whose first tranche (of two, both on award) is ordered and paid. */
  async function paidGrant(creditCode = nextCode()): Promise<{ grantId: string; creditCode: string }> {
    const grantId = await awardedGrant(t, programmeId, admin(), { creditCode, district: '320506', approvedAmountFen: 10_000_000 });
    await order(grantId, 1).expect(200);
    await pay(grantId, 1, 5_000_000).expect(200);
    return { grantId, creditCode };
  }

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    const terms = suzhouTerms({
      code: 'SZ-CREDIT',
      tranchePlan: [
        { percent: 50, trigger: 'award' },
        { percent: 50, trigger: 'award' },
      ],
      review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
    });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
  });
  afterAll(() => t?.close());

  it('checks the latest facts at selection, before the re-assessor has caught up: a record in force needs the override, reserves nothing without it, and the grant is awarded suspended', async () => {
    const creditCode = nextCode();
    const applicant = t.token({ role: 'applicant', org: creditCode });
    const id = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode, district: '320506' })).expect(201)).body.applicationId;
    await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: '320506' }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    for (const e of ['e1', 'e2', 'e3']) {
      await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    }
    await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin())).expect(200);
    const reassessor = t.app.get(EligibilityReassessor);
    await reassessor.worker.stop();
    try {
      await recordFact(creditCode, 'serious-dishonesty', `SX-SEL-${seq}`);
      // The recorded assessment still says eligible: the gate reads the fact stream itself.
      expect((await t.http.get(`/v1/applications/${id}`).set(bearer(admin())).expect(200)).body.eligibility.outcome).not.toBe('ineligible');
      const before = (await t.runtime.store.readStream(`programme-${programmeId}`)).length;
      const refused = await t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 1_000_000, reason: '择优' }).expect(422);
      expect(refused.body).toMatchObject({ code: 'CREDIT_RECORD_ADVERSE', facts: ['serious-dishonesty'] });
      expect(refused.body.detailZh).toContain('严重失信');
      expect(refused.body.detailEn).toContain('serious-dishonesty');
      expect((await t.runtime.store.readStream(`programme-${programmeId}`)).length).toBe(before);
      const selected = await t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 1_000_000, reason: '择优', eligibilityOverride: '经局务会研究同意' }).expect(200);
      expect(selected.body.selection).toMatchObject({ eligibilityOverride: '经局务会研究同意' });
      const stored = (await t.runtime.store.readStream(`application-${id}`)).find((e) => e.type === 'ApplicationSelected')!;
      expect(stored.data).toMatchObject({ eligibility: 'ineligible', eligibilityOverride: '经局务会研究同意' });
    } finally {
      await reassessor.worker.start();
    }
    // The award reads the same facts: the grant starts suspended, and the bureau decides on the record once more.
    const grantId = grantIdFor(id);
    expect((await suspended(grantId)).body.suspension.notices).toEqual([expect.objectContaining({ fact: 'serious-dishonesty', reference: `SX-SEL-${seq}` })]);
  });

  it('awards a grant suspended when a record arrives between selection and award; nothing can be ordered, and the history says why', async () => {
    const awarder = t.app.get(GrantAwarder);
    const creditCode = nextCode();
    await awarder.worker.stop();
    let grantId: string;
    try {
      const applicant = t.token({ role: 'applicant', org: creditCode });
      const id = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode, district: '320506' })).expect(201)).body.applicationId;
      await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: '320506' }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
      for (const e of ['e1', 'e2', 'e3']) {
        await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
      }
      await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin())).expect(200);
      await t.http.post(`/v1/applications/${id}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 2_000_000, reason: '择优' }).expect(200);
      await recordFact(creditCode, 'abnormal-patent-application', `FZC-AWD-${seq}`);
      grantId = grantIdFor(id);
    } finally {
      await awarder.worker.start();
    }
    const awarded = (await suspended(grantId)).body;
    expect(awarded).toMatchObject({ status: 'awarded', money: { awardFen: 2_000_000 }, suspension: { notices: [{ fact: 'abnormal-patent-application', source: 'cnipa', reference: `FZC-AWD-${seq}` }] } });
    await watchCaughtUp();
    expect(await streamTypes(grantId)).toEqual(['GrantAwarded', 'GrantSuspended']);
    const [, suspension] = await t.runtime.store.readStream(`grant-${grantId}`);
    expect(suspension.metadata.actor.userId).toBe('system:grant-awarder');
    expect(suspension.data).toMatchObject({ stage: 'award' });
    await t.http.post(`/v1/grants/${grantId}/agreement`).set(bearer(admin())).expect(200);
    const refused = await order(grantId, 1).expect(409);
    expect(refused.body).toMatchObject({ code: 'GRANT_SUSPENDED', notices: [{ fact: 'abnormal-patent-application' }] });
    expect(refused.body.detailZh).toContain('非正常专利申请通报');
    await t.projectionsCaughtUp();
    const timeline = (await t.http.get(`/v1/audit/grants/${grantId}/history`).set(bearer(auditor())).expect(200)).body.entries;
    expect(timeline.map((e: { type: string }) => e.type)).toEqual(['GrantAwarded', 'GrantSuspended', 'AgreementSigned']);
    expect(timeline[1].what.zh).toContain('立项时项目单位存在非正常专利申请通报');
  });

  it('refuses a release order and a payment confirmation on the latest facts before the credit watch has acted, then suspends', async () => {
    const { grantId, creditCode } = await paidGrant();
    await order(grantId, 2).expect(200);
    await watch().worker.stop();
    try {
      await recordFact(creditCode, 'serious-dishonesty', `SX-GATE-${seq}`);
      const payment = await pay(grantId, 2, 5_000_000).expect(409);
      expect(payment.body).toMatchObject({ code: 'CREDIT_RECORD_ADVERSE', notices: [{ fact: 'serious-dishonesty', reference: `SX-GATE-${seq}` }] });
      expect(payment.body.detailEn).toContain('confirming a payment');
      await t.http.post(`/v1/grants/${grantId}/tranches/2/cancellation`).set(bearer(admin())).send({ reason: '信用审查' }).expect(200);
      const release = await order(grantId, 2, 'CG-AGAIN').expect(409);
      expect(release.body.code).toBe('CREDIT_RECORD_ADVERSE');
      expect((await grant(grantId).expect(200)).body).toMatchObject({ suspension: null, money: { paidFen: 5_000_000, orderedFen: 5_000_000 } });
    } finally {
      await watch().worker.start();
    }
    await suspended(grantId);
    expect((await order(grantId, 2, 'CG-AGAIN').expect(409)).body.code).toBe('GRANT_SUSPENDED');
  });

  it('suspends after the award and continues on the bureau decision: releases resume; the same request twice at once, with and without Idempotency-Key', async () => {
    const { grantId, creditCode } = await paidGrant();
    await recordFact(creditCode, 'serious-dishonesty', `SX-CONT-${seq}`);
    const view = (await suspended(grantId)).body;
    expect(view.suspension.notices).toEqual([{ fact: 'serious-dishonesty', source: 'credit-china', reference: `SX-CONT-${seq}`, observedAt: '2024-10-09T01:00:00.000Z' }]);
    const [suspension] = (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'GrantSuspended');
    expect(suspension.metadata.actor.userId).toBe('system:credit-watch');
    expect(suspension.data).toMatchObject({ stage: 'after-award' });
    expect((await order(grantId, 2).expect(409)).body.code).toBe('GRANT_SUSPENDED');

    const body = { decision: 'continue', reason: '失信记录与本项目无关，经局务会研究继续执行' };
    const keyed = await Promise.all([decideSuspension(grantId, body, `cont-${grantId}`), decideSuspension(grantId, body, `cont-${grantId}`)]);
    expect(keyed.map((r) => r.status)).toEqual([200, 200]);
    expect(keyed[0].body).toEqual(keyed[1].body);
    expect(keyed[0].body.suspension).toBeNull();
    expect(await count(grantId, 'GrantSuspensionDecided')).toBe(1);
    // Without a key the twin finds nothing left to decide.
    await recordFact(creditCode, 'abnormal-patent-application', `FZC-CONT-${seq}`);
    await suspended(grantId);
    const twins = await Promise.all([decideSuspension(grantId, body), decideSuspension(grantId, body)]);
    expect(twins.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(twins.find((r) => r.status === 409)!.body.code).toBe('GRANT_NOT_SUSPENDED');
    expect(await count(grantId, 'GrantSuspensionDecided')).toBe(2);
    const decided = (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'GrantSuspensionDecided');
    expect(decided[0].metadata.actor).toMatchObject({ userId: 'admin-sz', role: 'programme-admin' });
    expect(decided[0].data).toMatchObject({ decision: 'continue', reason: body.reason, notices: [{ reference: `SX-CONT-${seq}` }], clawbackId: null });

    // Both records still stand, but the bureau decided on them: money moves again.
    await order(grantId, 2).expect(200);
    await pay(grantId, 2, 5_000_000).expect(200);
    await watchCaughtUp();
    expect(await count(grantId, 'GrantSuspended')).toBe(2);
  });

  it('claws back on the bureau decision through the clawback rules: once under concurrent twins with and without Idempotency-Key', async () => {
    const { grantId, creditCode } = await paidGrant();
    await recordFact(creditCode, 'serious-dishonesty', `SX-CB-${seq}`);
    await suspended(grantId);
    expect((await decideSuspension(grantId, { decision: 'claw-back', reason: '严重失信' }).expect(422)).body.code).toBe('CLAWBACK_TERMS_REQUIRED');
    expect((await decideSuspension(grantId, { decision: 'claw-back', reason: '严重失信', amountFen: 5_000_001, dueDate: '2024-12-31' }).expect(422)).body.code).toBe('CLAWBACK_EXCEEDS_PAID');
    expect((await decideSuspension(grantId, { decision: 'pause', reason: 'x' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect(await count(grantId, 'GrantSuspensionDecided')).toBe(0);

    const body = { decision: 'claw-back', reason: '严重失信，收回已拨资金', amountFen: 5_000_000, dueDate: '2024-12-31' };
    const twins = await Promise.all([decideSuspension(grantId, body), decideSuspension(grantId, body)]);
    expect(twins.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(twins.find((r) => r.status === 409)!.body.code).toBe('GRANT_NOT_SUSPENDED');
    const view = twins.find((r) => r.status === 200)!.body;
    expect(view.suspension).toBeNull();
    expect(view.clawbacks).toEqual([expect.objectContaining({ status: 'open', amountFen: 5_000_000, reason: body.reason, dueDate: '2024-12-31' })]);
    expect(await count(grantId, 'ClawbackOrdered')).toBe(1);
    const decided = (await t.runtime.store.readStream(`grant-${grantId}`)).find((e) => e.type === 'GrantSuspensionDecided')!;
    expect(decided.data).toMatchObject({ decision: 'claw-back', clawbackId: view.clawbacks[0].clawbackId });
    expect((await order(grantId, 2).expect(409)).body.code).toBe('TRANCHE_BLOCKED_BY_CLAWBACK');

    // A second grant: the keyed twins answer the same clawback, ordered once.
    const second = await paidGrant();
    await recordFact(second.creditCode, 'abnormal-patent-application', `FZC-CB-${seq}`);
    await suspended(second.grantId);
    const keyed = await Promise.all([decideSuspension(second.grantId, body, `cb-${second.grantId}`), decideSuspension(second.grantId, body, `cb-${second.grantId}`)]);
    expect(keyed.map((r) => r.status)).toEqual([200, 200]);
    expect(keyed[0].body.clawbacks).toEqual(keyed[1].body.clawbacks);
    expect(await count(second.grantId, 'ClawbackOrdered')).toBe(1);
    expect(await count(second.grantId, 'GrantSuspensionDecided')).toBe(1);
  });

  it('only the city bureau decides: finance 403, another city 404, the enterprise 403', async () => {
    const { grantId, creditCode } = await paidGrant();
    await recordFact(creditCode, 'serious-dishonesty', `SX-ROLE-${seq}`);
    await suspended(grantId);
    const body = { decision: 'continue', reason: 'x' };
    await t.http.post(`/v1/grants/${grantId}/suspension/decision`).set(bearer(finance())).send(body).expect(403);
    await t.http.post(`/v1/grants/${grantId}/suspension/decision`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send(body).expect(403);
    await t.http.post(`/v1/grants/${grantId}/suspension/decision`).set(bearer(t.token({ role: 'programme-admin', city: '371100' }))).send(body).expect(404);
    expect(await count(grantId, 'GrantSuspensionDecided')).toBe(0);
  });

  it('appends each suspension once when the credit watch crashes before its checkpoint and is replayed, and when a second instance races it', async () => {
    const { grantId, creditCode } = await paidGrant();
    const from = await watch().worker.checkpoint();
    await watch().worker.stop();
    await recordFact(creditCode, 'serious-dishonesty', `SX-CRASH-${seq}`);
    // A second watch process (its own store and subscription runner, the same checkpoint row) and this one, started together.
    const otherStore = new PostgresEventStore(t.app.get(PG_POOL));
    const other = new CreditWatch(t.app.get(PG_POOL), otherStore, t.app.get(CommandPipeline));
    await Promise.all([other.worker.start(), watch().worker.start()]);
    await suspended(grantId);
    await watchCaughtUp();
    await until(() => other.worker.checkpoint(), (p) => p >= from);
    // Crash before the checkpoint moved: the checkpoint goes back and the events are handled again.
    await Promise.all([other.worker.stop(), watch().worker.stop()]);
    await otherStore.close();
    await t.db.pool.query('update subscription_checkpoints set position = $2 where name = $1', [CREDIT_WATCH, from.toString()]);
    await watch().worker.start();
    await watchCaughtUp();
    expect(await count(grantId, 'GrantSuspended')).toBe(1);
    const [suspension] = (await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'GrantSuspended');
    const fact = (await t.runtime.store.readStream(`enterprise-${creditCode}`))[0];
    expect(suspension.metadata.causationId).toBe(fact.eventId);
  });
});
