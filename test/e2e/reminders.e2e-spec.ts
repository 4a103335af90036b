import { Pool } from 'pg';
import { PostgresEventStore } from '@ipstd/event-store-postgres';
import { CommandPipeline, migrateEventStore } from '@ipstd/platform';
import { ReminderScheduler } from '@ipstd/messaging';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, asText, bearer, startTestApp } from '../support/app';
import { TestDatabase } from '../support/postgres';
import { awardedGrant, seededCreditCode } from '../support/seed';
import { until } from '../support/wait';

interface Notification {
  id: string;
  type: string;
  city?: string;
  data: {
    reminderId: string;
    kind: string;
    recipient: { role: string; scope: Record<string, string> };
    resource: { type: string; id: string; link: string };
    deadline: string;
    leadWorkingDays: number | null;
    remindAt: string;
    sentAt: string;
  };
}

/**
 * Deadline reminders on a real PostgreSQL: collected from the log, sent when the test clock reaches
 * their time (09:00 Shanghai, the call's lead in working days before the deadline), once per deadline
 * and recipient across a restart, a crash between append and bookkeeping, a rebuild of the scheduler's
 * tables, and two schedulers running at once.
 */
describe('deadline reminders', () => {
  let t: TestApp;
  let db: TestDatabase;
  let programmeId: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  const system = () => t.token({ role: 'system', sub: 'notifier' });
  const scheduler = () => t.app.get(ReminderScheduler);
  const expertToken = (e: string) => t.token({ role: 'expert', sub: e });
  const EXPERTS = ['e1', 'e2', 'e3'];
  const huqiu = (i: number) => seededCreditCode(i, '320505');

  async function notifications(token = system()): Promise<Notification[]> {
    const all: Notification[] = [];
    for (let after = '0'; ; ) {
      const page = (await t.http.get('/v1/events').query({ after, context: 'notifications', limit: 1000 }).set(bearer(token)).expect(200)).body;
      all.push(...page.events);
      after = page.next;
      if (!page.more) return all;
    }
  }
  const ofKind = async (kind: string) => (await notifications()).filter((n) => n.data.kind === kind);
  const recipients = (list: Notification[]) => list.map((n) => `${n.data.recipient.role}:${n.data.recipient.scope.code ?? n.data.recipient.scope.id ?? n.data.recipient.scope.creditCode}`).sort();
  async function caughtUp(s: ReminderScheduler = scheduler()): Promise<void> {
    await until(() => s.caughtUp(), (done) => done, 20_000);
  }
  async function runAt(instant: string) {
    t.clock.set(instant);
    await caughtUp();
    return scheduler().runOnce();
  }
  /** What a second process has: its own connections and event store on the same database (and so its own subscription runner). */
  async function replicaStore() {
    const pool = new Pool({ connectionString: db.url, max: 5 });
    const store = new PostgresEventStore(pool, { clock: t.clock, pollIntervalMs: 20 });
    await migrateEventStore(pool);
    return { pool, store };
  }
  async function storedReminders(): Promise<number> {
    const { rows } = await db.pool.query<{ n: string }>(`select count(*) as n from es_events where event_type = 'DeadlineReminderSent'`);
    return Number(rows[0].n);
  }

  let pending: string; // an application never endorsed (district 320505)
  let reviewed: string; // an application whose panel scores late
  let grantId: string;

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { REMINDER_CHECK_INTERVAL_MS: '60000' } });
    db = t.db;
    const terms = suzhouTerms({
      code: 'SZ-REMIND',
      review: { panelSize: 3, aggregation: 'mean', defenseSize: 1, criteria: [{ id: 'a', max: 100 }] },
      reminders: { endorsement: 2, reviewScoring: 1, defenseScoring: 1, clawbackDue: 5 },
      schedule: { reviewScoresDueAt: '2024-11-29T17:00:00+08:00', defenseScoresDueAt: '2024-12-06T17:00:00+08:00', midTermInspectionMonths: 6 },
    });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;

    // District 320505: one application endorsed, one left pending; district 320582: its only application endorsed.
    const submit = async (creditCode: string, district: string) =>
      (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send(suzhouProfile({ creditCode, district })).expect(201)).body.applicationId as string;
    pending = await submit(huqiu(1), '320505');
    reviewed = await submit(huqiu(2), '320505');
    const other = await submit(seededCreditCode(3, '320582'), '320582');
    for (const [id, district] of [[reviewed, '320505'], [other, '320582']]) {
      await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    }
    // A panel of three; e1 scores at once, e2 and e3 are late.
    await t.http.post(`/v1/applications/${reviewed}/review-panel`).set(bearer(admin())).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    await t.http.put(`/v1/applications/${reviewed}/reviews/e1`).set(bearer(expertToken('e1'))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    // The bureau replaces e3 by e4; e1 stays and keeps its score.
    await t.http.post(`/v1/applications/${reviewed}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e4'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);

    // A grant with a paid first tranche, for the grant and clawback deadlines.
    grantId = await awardedGrant(t, programmeId, admin(), { creditCode: huqiu(4), district: '320505', approvedAmountFen: 20_000_000 });
    await t.http.post(`/v1/grants/${grantId}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'SZ-R1' }).expect(200);
    const finance = t.token({ role: 'finance', city: '320500', sub: 'finance-sz' });
    await t.http.post(`/v1/grants/${grantId}/tranches/1/payment`).set(bearer(finance)).send({ reference: 'TRE-R1', valueDate: '2024-10-09', amountFen: 10_000_000 }).expect(200);
    await t.http.post(`/v1/grants/${grantId}/clawbacks`).set(bearer(admin())).send({ amountFen: 4_000_000, reason: '未完成合同约定', dueDate: '2024-12-31' }).expect(201);
    await caughtUp();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await db?.drop().catch(() => undefined);
  });

  it('refuses bad reminder settings of a call with bilingual problems, and opens nothing', async () => {
    const base = suzhouTerms({ code: 'SZ-REMIND-BAD' });
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ reminders: { endorsement: 0 } }, 400, 'VALIDATION_FAILED', 'reminders.endorsement'],
      [{ reminders: { clawbackDue: 61 } }, 400, 'VALIDATION_FAILED', 'reminders.clawbackDue'],
      [{ reminders: { publicNotice: 3 } }, 400, 'VALIDATION_FAILED', 'reminders.publicNotice'],
      [{ schedule: { midTermInspectionMonths: 'six' } }, 400, 'VALIDATION_FAILED', 'schedule.midTermInspectionMonths'],
      [{ schedule: { reviewScoresDueAt: '2024-11-17T12:00:00+08:00' } }, 422, 'PROGRAMME_TERMS_INVALID', 'schedule.reviewScoresDueAt'],
      [{ implementationMonths: 12, schedule: { midTermInspectionMonths: 12 } }, 422, 'PROGRAMME_TERMS_INVALID', 'schedule.midTermInspectionMonths'],
    ];
    for (const [extra, status, code, field] of cases) {
      const res = await t.http.post('/v1/programmes').set(bearer(admin())).send({ ...base, ...extra });
      expect({ field, status: res.status, code: res.body.code, body: res.status === status ? null : res.body }).toEqual({ field, status, code, body: null });
      expect(JSON.stringify(res.body)).toContain(field);
      expect(res.body.detailZh).toMatch(/[\u4e00-\u9fff]/);
      expect(res.body.detailEn).toMatch(/[a-z]/);
    }
    await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(admin())).expect(200);
    const { rows } = await db.pool.query(`select count(*)::int as n from es_events where event_type = 'ProgrammeOpened'`);
    expect(rows[0].n).toBe(1);
  });

  it('reminds the district office with a pending endorsement two working days before the deadline, at 09:00 Shanghai', async () => {
    expect((await runAt('2024-11-18T00:59:59Z')).sent).toBe(0);
    expect(await notifications()).toEqual([]);
    expect((await runAt('2024-11-18T01:00:00Z')).sent).toBe(1);
    const [sent] = await notifications();
    expect(sent).toMatchObject({
      type: 'cn.ipstd.notifications.deadline-reminder.v1',
      id: sent.data.reminderId,
      city: '320500',
      data: {
        kind: 'endorsement-deadline',
        recipient: { role: 'district-office', scope: { type: 'district', code: '320505' } },
        resource: { type: 'programme', id: programmeId, link: `/v1/programmes/${programmeId}` },
        deadline: '2024-11-20T15:59:59.000Z',
        leadWorkingDays: 2,
        remindAt: '2024-11-18T01:00:00.000Z',
        sentAt: '2024-11-18T01:00:00.000Z',
      },
    });
    // Same scope rules as every event of the feed: the city's auditor sees it, another city's does not.
    expect(await notifications(t.token({ role: 'auditor', city: '320500' }))).toHaveLength(1);
    expect(await notifications(t.token({ role: 'auditor', city: '371100' }))).toEqual([]);
    expect((await t.http.get('/v1/events').query({ context: 'notifications' }).set(bearer(t.token({ role: 'district-office', district: '320505' })))).status).toBe(403);
  });

  it('sends nothing twice across a restart, a crash between the append and its bookkeeping, and a rebuild of its tables', async () => {
    await t.app.close();
    await t.runtime.close();
    t = await startTestApp({ now: '2024-11-18T01:00:05Z', database: db, env: { REMINDER_CHECK_INTERVAL_MS: '60000' } });
    await caughtUp();
    expect(await scheduler().runOnce()).toEqual({ sent: 0, alreadySent: 0, missed: 0, cancelled: 0 });

    // Crash after the append, before the row was marked: the next run finds the reminder recorded already.
    await db.pool.query(`update reminder_deadlines set status = 'pending' where kind = 'endorsement-deadline' and status = 'sent'`);
    expect(await scheduler().runOnce()).toMatchObject({ sent: 0, alreadySent: 1 });

    // The scheduler's tables emptied and collected again from the log: what was sent stays sent.
    await t.app.close();
    await t.runtime.close();
    await db.pool.query('truncate reminder_deadlines, reminder_applications, reminder_panel, reminder_grants, reminder_programmes, reminder_calendar_years');
    await db.pool.query(`update subscription_checkpoints set position = 0 where name = 'reminder-collector'`);
    t = await startTestApp({ now: '2024-11-18T01:00:10Z', database: db, env: { REMINDER_CHECK_INTERVAL_MS: '60000' } });
    await caughtUp();
    // (The endorsed district's deadline is looked at again and dropped again: nothing pending there.)
    expect(await scheduler().runOnce()).toEqual({ sent: 0, alreadySent: 0, missed: 0, cancelled: 1 });
    expect(await scheduler().runOnce()).toEqual({ sent: 0, alreadySent: 0, missed: 0, cancelled: 0 });
    expect(await storedReminders()).toBe(1);
  }, 60_000);

  // The second scheduler is a second process's: its own event store and subscription runner. Its collector
  // stands by (the collector is a leased consumer); both send.
  it('reminds only the panel experts who have not scored, once, with two schedulers running at once', async () => {
    const { pool, store } = await replicaStore();
    const second = new ReminderScheduler(pool, store, t.clock, t.config, t.app.get(CommandPipeline));
    await second.onApplicationBootstrap();
    try {
      t.clock.set('2024-11-28T01:00:00Z'); // Thursday 09:00, one working day before Friday 29 November 17:00
      await Promise.all([caughtUp(), caughtUp(second)]);
      // Both find the same two reminders due and both try to send them.
      const runs = await Promise.all([scheduler().runOnce(), second.runOnce()]);
      expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(2);
      expect(runs.reduce((n, r) => n + r.sent + r.alreadySent, 0)).toBeGreaterThanOrEqual(2);
      expect(await Promise.all([scheduler().runOnce(), second.runOnce()])).toEqual([
        { sent: 0, alreadySent: 0, missed: 0, cancelled: 0 },
        { sent: 0, alreadySent: 0, missed: 0, cancelled: 0 },
      ]);
      const review = await ofKind('review-scoring-due');
      expect(recipients(review)).toEqual(['expert:e2', 'expert:e4']);
      expect(review[0].data).toMatchObject({ resource: { type: 'application', id: reviewed, link: `/v1/applications/${reviewed}` }, deadline: '2024-11-29T09:00:00.000Z', leadWorkingDays: 1 });
      expect(await storedReminders()).toBe(3);
    } finally {
      await second.onApplicationShutdown();
      await store.close();
      await pool.end();
    }
  });

  it('reminds the panel of the defense scores due, except whoever scored already', async () => {
    t.clock.set('2024-11-29T02:00:00Z');
    for (const e of ['e2', 'e4']) {
      await t.http.put(`/v1/applications/${reviewed}/reviews/${e}`).set(bearer(expertToken(e))).send({ scores: [{ criterionId: 'a', score: 70 }], comment: '' }).expect(200);
    }
    await t.http.post(`/v1/applications/${reviewed}/review-panel/closure`).set(bearer(admin())).expect(200);
    await t.projectionsCaughtUp();
    const round = await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(admin())).send({ size: 1 }).expect(200);
    expect(round.body.invited.map((i: { applicationId: string }) => i.applicationId)).toEqual([reviewed]);
    await t.http.put(`/v1/applications/${reviewed}/defense-scores/e4`).set(bearer(expertToken('e4'))).send({ score: 85, comment: '' }).expect(200);
    expect((await runAt('2024-12-05T00:59:59Z')).sent).toBe(0);
    expect((await runAt('2024-12-05T01:00:00Z')).sent).toBe(2);
    expect(recipients(await ofKind('defense-scoring-due'))).toEqual(['expert:e1', 'expert:e2']);
  });

  it('reminds the enterprise and the finance bureau of a clawback due, then marks it overdue once and tells both, on the scheduler timer', async () => {
    await t.app.close();
    await t.runtime.close();
    t = await startTestApp({ now: '2024-12-24T00:59:00Z', database: db, env: { REMINDER_CHECK_INTERVAL_MS: '100' } });
    await caughtUp();
    await new Promise((r) => setTimeout(r, 300));
    expect(await ofKind('clawback-due')).toEqual([]);
    t.clock.set('2024-12-24T01:00:00Z'); // five working days before Tuesday 31 December
    const due = await until(() => ofKind('clawback-due'), (list) => list.length === 2);
    expect(recipients(due)).toEqual([`applicant:${huqiu(4)}`, 'finance-bureau:320500']);
    expect(due[0].data).toMatchObject({ resource: { type: 'clawback', link: `/v1/grants/${grantId}` }, deadline: '2024-12-31T16:00:00.000Z', leadWorkingDays: 5 });

    t.clock.set('2024-12-31T15:59:59Z');
    await new Promise((r) => setTimeout(r, 400));
    expect(await ofKind('clawback-overdue')).toEqual([]);
    t.clock.set('2024-12-31T16:00:00Z');
    const overdue = await until(() => ofKind('clawback-overdue'), (list) => list.length === 2);
    expect(recipients(overdue)).toEqual([`applicant:${huqiu(4)}`, 'finance-bureau:320500']);
    const marks = await t.runtime.store.readStream(`grant-${grantId}`);
    expect(marks.filter((e) => e.type === 'ClawbackOverdue').map((e) => e.data)).toEqual([
      { grantId, clawbackId: due[0].data.resource.id, dueDate: '2024-12-31', outstandingFen: 4_000_000, markedAt: '2024-12-31T16:00:00.000Z' },
    ]);
    // Later runs, here and after another restart, add nothing.
    await new Promise((r) => setTimeout(r, 400));
    await t.app.close();
    await t.runtime.close();
    t = await startTestApp({ now: '2025-01-02T02:00:00Z', database: db, env: { REMINDER_CHECK_INTERVAL_MS: '100' } });
    await caughtUp();
    await new Promise((r) => setTimeout(r, 400));
    expect(await ofKind('clawback-overdue')).toHaveLength(2);
    expect((await t.runtime.store.readStream(`grant-${grantId}`)).filter((e) => e.type === 'ClawbackOverdue')).toHaveLength(1);
  }, 60_000);

  it('reminds of the mid-term inspection across the Qingming holiday, and of the last day to request acceptance', async () => {
    // Awarded 2024-10-09 10:00 Shanghai; mid-term due six months on, 2025-04-09 (Wednesday). Ten working
    // days back skip Qingming (04-04..04-06): Tuesday 2025-03-25, 09:00.
    expect((await runAt('2025-03-25T00:59:59Z')).sent).toBe(0);
    expect((await runAt('2025-03-25T01:00:00Z')).sent).toBe(2);
    const midTerm = await ofKind('mid-term-inspection-due');
    expect(recipients(midTerm)).toEqual([`applicant:${huqiu(4)}`, 'city-bureau:320500']);
    expect(midTerm[0].data).toMatchObject({ resource: { type: 'grant', id: grantId }, deadline: '2025-04-09T02:00:00.000Z', leadWorkingDays: 10 });

    // Implementation ends 2026-10-09; a request is accepted until 2026-07-09 (three months before); ten working days: 2026-06-25.
    expect((await runAt('2026-06-25T00:59:59Z')).sent).toBe(0);
    expect((await runAt('2026-06-25T01:00:00Z')).sent).toBe(1);
    expect((await ofKind('acceptance-request-due'))[0].data).toMatchObject({
      recipient: { role: 'applicant', scope: { type: 'enterprise', creditCode: huqiu(4) } },
      deadline: '2026-07-09T02:00:00.000Z',
      leadWorkingDays: 10,
    });
  });

  it('never reminded anyone of something already done, and every reminder is one event', async () => {
    const all = await notifications();
    expect(new Set(all.map((n) => n.id)).size).toBe(all.length);
    // The endorsed district, the experts who scored, the grant's already-scored panel: nothing for them.
    expect(all.filter((n) => n.data.recipient.scope.code === '320582')).toEqual([]);
    expect(all.filter((n) => n.data.kind === 'review-scoring-due' && ['e1', 'e3'].includes(n.data.recipient.scope.id))).toEqual([]);
    expect(all.map((n) => n.data.kind).sort()).toEqual([
      'acceptance-request-due', 'clawback-due', 'clawback-due', 'clawback-overdue', 'clawback-overdue', 'defense-scoring-due', 'defense-scoring-due',
      'endorsement-deadline', 'mid-term-inspection-due', 'mid-term-inspection-due', 'review-scoring-due', 'review-scoring-due',
    ]);
    expect(await storedReminders()).toBe(all.length);
    // The programme's audit export holds its reminders' streams.
    const exported = await t.http.get('/v1/audit/export').query({ programmeId }).set(bearer(t.token({ role: 'auditor', city: '320500' }))).buffer(true).parse(asText).expect(200);
    const lines = (exported.body as string).trim().split('\n').map((l) => JSON.parse(l));
    const reminderIds = lines.filter((l) => l.kind === 'event' && l.event.type === 'DeadlineReminderSent').map((l) => l.event.eventId).sort();
    expect(reminderIds).toEqual(all.map((n) => n.id).sort());
    // A collector replaying the whole log over its current tables (a redelivery from an older
    // checkpoint) changes nothing: every row takes only later positions.
    const snapshot = async () => (await db.pool.query('select reminder_id, kind, status, remind_at, position from reminder_deadlines order by reminder_id')).rows;
    const before = await snapshot();
    expect(before.filter((r) => r.status === 'cancelled').length).toBeGreaterThan(0);
    await t.app.close();
    await t.runtime.close();
    await db.pool.query(`update subscription_checkpoints set position = 0 where name = 'reminder-collector'`);
    t = await startTestApp({ now: t.clock.now().toISOString(), database: db, env: { REMINDER_CHECK_INTERVAL_MS: '60000' } });
    await caughtUp();
    expect(await snapshot()).toEqual(before);
    // Nothing is pending any more for the one application never endorsed: its district was reminded once.
    expect(all.filter((n) => n.data.kind === 'endorsement-deadline')).toHaveLength(1);
    expect(pending).toBeDefined();
  });
});

/**
 * The end of a public notice (公示) period: the city bureau and every enterprise listed on the notice
 * are reminded, the call's lead in working days before its last working day (counted with the
 * published calendar, here onto a make-up Saturday). Its own database: its selections and notice
 * stay out of the schedule above.
 */
describe('deadline reminders: the public notice period ending', () => {
  let t: TestApp;
  let programmeId: string;
  let noticeId: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
  const codes = [seededCreditCode(11, '320505'), seededCreditCode(12, '320582')];

  async function ofKind(kind: string): Promise<Notification[]> {
    const page = (await t.http.get('/v1/events').query({ after: '0', context: 'notifications', limit: 1000 }).set(bearer(t.token({ role: 'system', sub: 'notifier' }))).expect(200)).body;
    return (page.events as Notification[]).filter((n) => n.data.kind === kind);
  }
  async function runAt(instant: string) {
    t.clock.set(instant);
    const scheduler = t.app.get(ReminderScheduler);
    await until(() => scheduler.caughtUp(), (done) => done, 20_000);
    return scheduler.runOnce();
  }

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { REMINDER_CHECK_INTERVAL_MS: '60000' } });
    const terms = suzhouTerms({
      code: 'SZ-REMIND-NOTICE',
      review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] },
      publicNotice: { workingDays: 5 },
      phases: 'rolling',
      reminders: { publicNoticeEnding: 2 },
    });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
    for (const creditCode of codes) {
      const district = creditCode === codes[0] ? '320505' : '320582';
      const applicationId = (await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send(suzhouProfile({ creditCode, district })).expect(201)).body.applicationId;
      await t.http.post(`/v1/applications/${applicationId}/endorsement`).set(bearer(t.token({ role: 'district-office', district }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      await t.http.post(`/v1/applications/${applicationId}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
      for (const e of ['e1', 'e2', 'e3']) {
        await t.http.put(`/v1/applications/${applicationId}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
      }
      await t.http.post(`/v1/applications/${applicationId}/review-panel/closure`).set(bearer(admin())).expect(200);
      await t.http.post(`/v1/applications/${applicationId}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 20_000_000, reason: '择优立项' }).expect(200);
    }
    // Wednesday 2024-10-09, 10:00 Shanghai: 5 working days are 10-10, 10-11, Saturday 10-12 (make-up day), 10-14, 10-15.
    const notice = (await t.http.post(`/v1/programmes/${programmeId}/notices`).set(bearer(admin())).expect(201)).body;
    expect(notice).toMatchObject({ endsOn: '2024-10-15', endsAt: '2024-10-15T16:00:00.000Z' });
    noticeId = notice.noticeId;
  }, 120_000);

  afterAll(async () => {
    const db = t?.db;
    await t?.close();
    await db?.drop().catch(() => undefined);
  });

  it('stores the call as ProgrammeOpened v3 with the reminder settings', async () => {
    const [opened] = await t.runtime.store.readStream(`programme-${programmeId}`);
    expect(opened).toMatchObject({ type: 'ProgrammeOpened', schemaVersion: 3 });
    expect((opened.data as { terms: { reminders: Record<string, number> } }).terms.reminders).toMatchObject({ publicNoticeEnding: 2, endorsement: 2 });
  });

  it('reminds the city bureau and each listed enterprise two working days before the last day, on the make-up Saturday at 09:00', async () => {
    // Without the calendar, two weekdays before Tuesday 10-15 would be Friday 10-11.
    expect((await runAt('2024-10-12T00:59:59Z')).sent).toBe(0);
    expect(await ofKind('public-notice-ending')).toEqual([]);
    expect((await runAt('2024-10-12T01:00:00Z')).sent).toBe(3);
    const sent = await ofKind('public-notice-ending');
    expect(sent.map((n) => `${n.data.recipient.role}:${n.data.recipient.scope.code ?? n.data.recipient.scope.creditCode}`).sort()).toEqual([`applicant:${codes[0]}`, `applicant:${codes[1]}`, 'city-bureau:320500'].sort());
    for (const n of sent) {
      expect(n.data).toMatchObject({
        resource: { type: 'public-notice', id: noticeId, link: `/v1/programmes/${programmeId}/notices#${noticeId}` },
        deadline: '2024-10-15T16:00:00.000Z',
        leadWorkingDays: 2,
        remindAt: '2024-10-12T01:00:00.000Z',
      });
    }
    // Once: later runs, and the notice closed once its period ended (the grant awarder closes it), add nothing.
    expect((await runAt('2024-10-14T01:00:00Z')).sent).toBe(0);
    expect((await runAt('2024-10-16T02:00:00Z')).sent).toBe(0);
    expect(await ofKind('public-notice-ending')).toHaveLength(3);
  });
});
