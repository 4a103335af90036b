import { CommandPipeline as Pipeline, systemContext } from '@ipstd/platform';
import { ObjectionSettler, ProgrammeState, applicationSpec, programmeSpec } from '@ipstd/applications';
import { GrantAwarder, grantIdFor } from '@ipstd/grants';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { seededCreditCode } from '../support/seed';
import { until } from '../support/wait';

/**
 * Public notice (公示) over HTTP with real PostgreSQL: a call opened without naming a notice gets the
 * default 5 working days; the selections are published (public fields only), the period is counted
 * across the 2025 Spring Festival and its make-up working days; objections carry a real name that
 * only the bureau and auditors see; an upheld objection withdraws the selection and releases its
 * money once (even when the decision is sent twice at once); grants are awarded only after the period
 * and only once every objection on the application is resolved.
 */
/** A 201 names what it created: `Location` (followed, 200) contains the new id, which the body carries too. */
async function expectCreatedAt(t: TestApp, response: { status: number; headers: Record<string, string> }, id: string, token: string): Promise<void> {
  expect(response.status).toBe(201);
  expect(id).toBeTruthy();
  expect(response.headers.location).toEqual(expect.stringMatching(/^\/v1\//));
  expect(response.headers.location).toContain(id);
  expect((await t.http.get(response.headers.location).set(bearer(token))).status).toBe(200);
}

describe('public notice (公示) and objections', () => {
  const DISTRICTS = ['320505', '320506', '320507'];
  const EXPERTS = ['e1', 'e2', 'e3'];
  const AMOUNTS = [30_000_000, 20_000_000, 10_000_000];
  let t: TestApp;
  let admin: string;
  let programmeId: string;
  let ids: string[];
  let codes: string[];
  let pipeline: Pipeline;

  const awarder = () => t.app.get(GrantAwarder);
  const grant = (applicationId: string) => t.http.get(`/v1/grants/${grantIdFor(applicationId)}`).set(bearer(admin));
  const programme = async () => (await pipeline.load(programmeSpec(programmeId))).state as Extract<ProgrammeState, { status: 'open' }>;
  async function caughtUp(worker: { checkpoint(): Promise<bigint> }): Promise<void> {
    const head = await t.runtime.store.headPosition();
    await until(() => worker.checkpoint(), (position) => position >= head);
  }
  const objectionBody = (applicationId: string, extra: object = {}) => ({ applicationId, objector: { name: '王某某', contact: '13800000000' }, grounds: '申报材料所列标准并非该企业主导制定', ...extra });
  const decide = (objectionId: string, outcome: 'upheld' | 'dismissed', key?: string) => {
    const request = t.http.post(`/v1/programmes/${programmeId}/objections/${objectionId}/decision`).set(bearer(admin));
    return (key ? request.set('Idempotency-Key', key) : request).send({ outcome, reason: outcome === 'upheld' ? '经核查异议属实' : '经核查异议不成立' });
  };

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    pipeline = t.app.get(Pipeline);
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    const { publicNotice: _, reviewRequest: __, phases: ___, ...terms } = suzhouTerms({ review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    const opened = await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201);
    programmeId = opened.body.programmeId;
    expect(opened.body).toMatchObject({ publicNotice: { workingDays: 5 }, reviewRequest: { workingDays: 5 }, phases: 'after-close' });
    ids = [];
    codes = [];
    for (let i = 0; i < 3; i++) {
      const code = seededCreditCode(i, DISTRICTS[i]);
      codes.push(code);
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: DISTRICTS[i], name: `苏州企业${i}` })).expect(201);
      ids.push(response.body.applicationId);
    }
    // A new call reviews only after its window closed (2024-11-17 end of day).
    await t.http.post(`/v1/applications/${ids[0]}/endorsement`).set(bearer(t.token({ role: 'district-office', district: DISTRICTS[0] }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    const early = await t.http.post(`/v1/applications/${ids[0]}/review-panel`).set(bearer(admin)).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) });
    expect([early.status, early.body.code]).toEqual([409, 'WINDOW_STILL_OPEN']);
    t.clock.set('2024-11-19T02:00:00Z');
    for (let i = 0; i < 3; i++) {
      if (i > 0) await t.http.post(`/v1/applications/${ids[i]}/endorsement`).set(bearer(t.token({ role: 'district-office', district: DISTRICTS[i] }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      await t.http.post(`/v1/applications/${ids[i]}/review-panel`).set(bearer(admin)).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
      for (const e of EXPERTS) {
        await t.http.put(`/v1/applications/${ids[i]}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
      }
      await t.http.post(`/v1/applications/${ids[i]}/review-panel/closure`).set(bearer(admin)).expect(200);
    }
    // Friday 2025-01-24, 10:00 in Shanghai: the selections, then the notice.
    t.clock.set('2025-01-24T02:00:00Z');
    for (let i = 0; i < 3; i++) {
      await t.http.post(`/v1/applications/${ids[i]}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: AMOUNTS[i], reason: '择优立项' }).expect(200);
    }
  });
  afterAll(() => t?.close());

  it('awards nothing at selection when the call has a notice', async () => {
    await caughtUp(awarder().worker);
    for (const id of ids) await grant(id).expect(404);
  });

  it('publishes the list (public fields only) with the period counted across the Spring Festival; twice at once with one key gives one notice, without a key the second finds nothing left', async () => {
    const publish = (key?: string) => {
      const request = t.http.post(`/v1/programmes/${programmeId}/notices`).set(bearer(admin));
      return key ? request.set('Idempotency-Key', key) : request;
    };
    const keyed = await Promise.all([publish('notice-1'), publish('notice-1')]);
    expect(keyed.map((r) => r.status)).toEqual([201, 201]);
    expect(keyed[0].body.noticeId).toBe(keyed[1].body.noticeId);
    const notice = keyed[0].body;
    // 5 working days after Friday 2025-01-24: Sunday 01-26 (make-up day) 1, Monday 01-27 2, 01-28..02-04 off, 02-05 3, 02-06 4, 02-07 5.
    expect(notice).toMatchObject({ workingDays: 5, endsOn: '2025-02-07', endsAt: '2025-02-07T16:00:00.000Z', closedAt: null });
    expect(keyed[0].headers.location).toContain(`/v1/programmes/${programmeId}/notices`);
    await expectCreatedAt(t, keyed[0], notice.noticeId, admin);
    expect(notice.entries).toHaveLength(3);
    for (const entry of notice.entries) expect(Object.keys(entry).sort()).toEqual(['applicationId', 'approvedAmountFen', 'clearance', 'enterpriseName', 'projectTitle']);
    expect(notice.entries.find((e: { applicationId: string }) => e.applicationId === ids[0])).toMatchObject({ enterpriseName: '苏州企业0', approvedAmountFen: AMOUNTS[0], clearance: 'pending' });
    const again = await publish();
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('NOTICE_EMPTY');
    expect(again.headers['content-type']).toContain('application/problem+json');
    const types = (await t.runtime.store.readStream(`programme-${programmeId}`)).map((e) => e.type);
    expect(types.filter((x) => x === 'PublicNoticePublished')).toHaveLength(1);
    // The programme view names when the period ends (for reminders).
    const view = await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(t.token({ role: 'applicant', org: codes[0] }))).expect(200);
    expect(view.body.notices).toEqual([expect.objectContaining({ noticeId: notice.noticeId, endsOn: '2025-02-07', endsAt: '2025-02-07T16:00:00.000Z' })]);
  });

  let objectionA: string;
  let objectionB: string;

  it('takes real-name objections from any caller and written ones from the bureau; identity only for the bureau and auditors', async () => {
    t.clock.set('2025-02-05T02:00:00Z');
    const citizen = t.token({ role: 'applicant', org: codes[2], sub: 'ent-2' });
    const filed = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(citizen)).send(objectionBody(ids[0])).expect(201);
    objectionA = filed.body.objectionId;
    await expectCreatedAt(t, filed, objectionA, citizen);
    expect(filed.body.objector).toBeNull();
    const refused = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(citizen)).send(objectionBody(ids[1], { channel: 'written' }));
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('OBJECTION_CHANNEL_FORBIDDEN');
    const written = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(admin)).send(objectionBody(ids[1], { channel: 'written', objector: { name: '李某', contact: '苏州市某路 1 号' } })).expect(201);
    objectionB = written.body.objectionId;
    expect(written.body).toMatchObject({ channel: 'written', objector: { name: '李某', contact: '苏州市某路 1 号' } });
    const unlisted = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(citizen)).send(objectionBody('0190a4b2-0000-7000-8000-0000000000ff'));
    expect(unlisted.status).toBe(409);
    expect(unlisted.body.code).toBe('APPLICATION_NOT_ON_NOTICE');
    const invalid = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(citizen)).send({ applicationId: ids[0], grounds: 'x' });
    expect(invalid.status).toBe(400);

    const list = (token: string) => t.http.get(`/v1/programmes/${programmeId}/notices`).set(bearer(token)).expect(200);
    const objectionsSeenBy = async (token: string) => (await list(token)).body.notices[0].objections as Array<{ objector: unknown; filedBy: unknown }>;
    for (const token of [admin, t.token({ role: 'auditor', city: '320500' })]) {
      const seen = await objectionsSeenBy(token);
      expect(seen.map((o) => o.objector)).toEqual([{ name: '王某某', contact: '13800000000' }, { name: '李某', contact: '苏州市某路 1 号' }]);
      expect(seen[0].filedBy).toEqual({ sub: 'ent-2', role: 'applicant' });
    }
    for (const token of [citizen, t.token({ role: 'applicant', org: codes[0] }), t.token({ role: 'district-office', district: DISTRICTS[0] }), t.token({ role: 'auditor', city: '320400' }), t.token({ role: 'expert', sub: 'e1' })]) {
      const seen = await objectionsSeenBy(token);
      expect(seen).toHaveLength(2);
      expect(seen.map((o) => [o.objector, o.filedBy])).toEqual([[null, null], [null, null]]);
    }
  });

  it('an upheld objection sent twice at once (no key) withdraws the selection and releases its money once; a different decision is then refused', async () => {
    const before = await programme();
    const selectionA = Object.entries(before.commitments).find(([, c]) => c.applicationId === ids[0])![0];
    const responses = await Promise.all([decide(objectionA, 'upheld'), decide(objectionA, 'upheld')]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    expect(responses[0].body.resolution).toMatchObject({ outcome: 'upheld', reason: '经核查异议属实' });
    const after = await programme();
    expect(after.committedFen).toBe(before.committedFen - AMOUNTS[0]);
    expect(after.commitments[selectionA]).toBeUndefined();
    const programmeEvents = await t.runtime.store.readStream(`programme-${programmeId}`);
    expect(programmeEvents.filter((e) => e.type === 'ObjectionResolved')).toHaveLength(1);
    expect(programmeEvents.filter((e) => e.type === 'FundsReleased').map((e) => (e.data as { selectionId: string }).selectionId)).toEqual([selectionA]);
    const appEvents = await t.runtime.store.readStream(`application-${ids[0]}`);
    expect(appEvents.filter((e) => e.type === 'ApplicationSelectionWithdrawn')).toHaveLength(1);
    const view = await t.http.get(`/v1/applications/${ids[0]}`).set(bearer(admin)).expect(200);
    expect(view.body.status).toBe('not-selected');
    const other = await decide(objectionA, 'dismissed');
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('OBJECTION_ALREADY_RESOLVED');
    // The reactor sees the same resolution and finds nothing left to do.
    await caughtUp(t.app.get(ObjectionSettler).worker);
    expect((await t.runtime.store.readStream(`programme-${programmeId}`)).filter((e) => e.type === 'FundsReleased')).toHaveLength(1);
  });

  it('awards nothing before the period ends, however often the awarder looks', async () => {
    await until(async () => (await t.runtime.pool.query('select count(*)::int as n from ga_public_notices')).rows[0].n, (n) => n === 1);
    t.clock.set('2025-02-07T15:59:59Z');
    expect(await awarder().runOnce()).toBe(0);
    for (const id of ids) await grant(id).expect(404);
    const closing = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(t.token({ role: 'applicant', org: codes[0] }))).send(objectionBody(ids[2]));
    expect(closing.status).toBe(201);
    // Resolved at once: C's objection was the last one possible.
    await decide(closing.body.objectionId, 'dismissed').expect(200);
    // The awarder reacts to the resolution at once, but the period has not ended: still nothing.
    await caughtUp(awarder().worker);
    for (const id of ids) await grant(id).expect(404);
  });

  it('after the period: the cleared entry is awarded, the one with an open objection waits for its dismissal, the upheld one never', async () => {
    t.clock.set('2025-02-07T16:00:01Z');
    expect(await awarder().runOnce()).toBe(1);
    await grant(ids[2]).expect(200);
    await grant(ids[1]).expect(404);
    await grant(ids[0]).expect(404);
    const late = await t.http.post(`/v1/programmes/${programmeId}/objections`).set(bearer(admin)).send(objectionBody(ids[1]));
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('NOTICE_PERIOD_ENDED');
    // Dismissed twice at once with one key: one resolution, then the awarder (a reactor) awards B.
    const responses = await Promise.all([decide(objectionB, 'dismissed', 'dismiss-b'), decide(objectionB, 'dismissed', 'dismiss-b')]);
    expect(responses.map((r) => r.status)).toEqual([200, 200]);
    const awarded = (await until(() => grant(ids[1]), (r) => r.status === 200)).body;
    expect(awarded).toMatchObject({ applicationId: ids[1] });
    const programmeEvents = await t.runtime.store.readStream(`programme-${programmeId}`);
    expect(programmeEvents.filter((e) => e.type === 'ObjectionResolved')).toHaveLength(3);
    expect(programmeEvents.filter((e) => e.type === 'PublicNoticeClosed')).toHaveLength(1);
    // Again and again: nothing more.
    expect(await awarder().runOnce()).toBe(0);
    await grant(ids[0]).expect(404);
    const state = await programme();
    expect(state.committedFen).toBe(AMOUNTS[1] + AMOUNTS[2]);
  });

  it('a 复核: the applicant whose selection the upheld objection withdrew requests a review (twice at once with one key: one request), the bureau upholds it and selects again on a new notice', async () => {
    // Now Saturday 2025-02-08 00:00 in Shanghai; withdrawn Wednesday 02-05: 02-06, 02-07, Saturday 02-08 (make-up day), 02-10, 02-11.
    const own = t.token({ role: 'applicant', org: codes[0], sub: 'ent-0' });
    const ask = (token: string, key?: string) => {
      const request = t.http.post(`/v1/applications/${ids[0]}/review-requests`).set(bearer(token));
      return (key ? request.set('Idempotency-Key', key) : request).send({ grounds: '异议所称情况与事实不符，附证明材料' });
    };
    const other = await ask(t.token({ role: 'applicant', org: codes[1] }));
    expect([403, 404]).toContain(other.status);
    const twice = await Promise.all([ask(own, 'review-1'), ask(own, 'review-1')]);
    expect(twice.map((r) => r.status)).toEqual([201, 201]);
    const requests = twice[0].body.reviewRequests;
    expect(requests).toHaveLength(1);
    await expectCreatedAt(t, twice[0], requests[0].requestId, own);
    expect(requests[0]).toMatchObject({ basis: 'objection-upheld', deadlineOn: '2025-02-11', requestedBy: { sub: 'ent-0', role: 'applicant' }, decision: null });
    const again = await ask(own);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('REVIEW_ALREADY_REQUESTED');
    const requestId = requests[0].requestId;
    const decideReview = (token: string) =>
      t.http.post(`/v1/applications/${ids[0]}/review-requests/${requestId}/decision`).set(bearer(token)).send({ outcome: 'upheld', reason: '经复核，异议所述情况不实' });
    expect((await decideReview(own)).status).toBe(403);
    const decided = await decideReview(admin).expect(200);
    expect(decided.body.status).toBe('under-review');
    expect(decided.body.reviewRequests[0].decision).toMatchObject({ outcome: 'upheld', decidedBy: { sub: 'admin-1', role: 'programme-admin' } });
    const events = (await t.runtime.store.readStream(`application-${ids[0]}`)).map((e) => e.type);
    expect(events.slice(-2)).toEqual(['ReviewRequested', 'ReviewRequestDecided']);
    // Selected again (Monday 2025-02-10): not awarded until a new notice has run its course.
    t.clock.set('2025-02-10T02:00:00Z');
    await t.http.post(`/v1/applications/${ids[0]}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: AMOUNTS[0], reason: '复核后立项' }).expect(200);
    const notice = await t.http.post(`/v1/programmes/${programmeId}/notices`).set(bearer(admin)).expect(201);
    expect(notice.body.entries.map((e: { applicationId: string }) => e.applicationId)).toEqual([ids[0]]);
    expect(notice.body.entries[0].clearance).toBe('pending');
    await caughtUp(awarder().worker);
    await grant(ids[0]).expect(404);
    t.clock.set(notice.body.endsAt);
    await until(() => awarder().runOnce().then(() => grant(ids[0])), (r) => r.status === 200);
  });

  it('refuses a notice on a call without one (calls opened with publicNotice null, as before)', async () => {
    const terms = suzhouTerms({ code: 'SZ-2024-NO-NOTICE' });
    const opened = await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201);
    expect(opened.body.publicNotice).toBeNull();
    const refused = await t.http.post(`/v1/programmes/${opened.body.programmeId}/notices`).set(bearer(admin));
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('NOTICE_NOT_REQUIRED');
    const foreign = await t.http.post(`/v1/programmes/${programmeId}/notices`).set(bearer(t.token({ role: 'programme-admin', city: '320400' })));
    expect(foreign.status).toBe(403);
  });

  it('an upheld objection whose request crashed after recording the decision: the settler withdraws the selection and releases its money, once', async () => {
    // A second call, one application, selected and published (clock: Monday 2025-02-10).
    t.clock.set('2024-10-09T02:00:00Z');
    const { publicNotice: _, reviewRequest: __, phases: ___, ...terms } = suzhouTerms({ code: 'SZ-2024-NOTICE-CRASH', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    const other = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId as string;
    const code = seededCreditCode(9, DISTRICTS[0]);
    const applicationId = (await t.http.post(`/v1/programmes/${other}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: DISTRICTS[0] })).expect(201)).body.applicationId as string;
    t.clock.set('2024-11-19T02:00:00Z');
    await t.http.post(`/v1/applications/${applicationId}/endorsement`).set(bearer(t.token({ role: 'district-office', district: DISTRICTS[0] }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${applicationId}/review-panel`).set(bearer(admin)).send({ experts: EXPERTS.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    for (const e of EXPERTS) await t.http.put(`/v1/applications/${applicationId}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    await t.http.post(`/v1/applications/${applicationId}/review-panel/closure`).set(bearer(admin)).expect(200);
    t.clock.set('2025-02-10T02:00:00Z');
    await t.http.post(`/v1/applications/${applicationId}/selection`).set(bearer(admin)).send({ decision: 'select', approvedAmountFen: 5_000_000, reason: '择优立项' }).expect(200);
    const notice = (await t.http.post(`/v1/programmes/${other}/notices`).set(bearer(admin)).expect(201)).body;
    const objectionId = (await t.http.post(`/v1/programmes/${other}/objections`).set(bearer(admin)).send(objectionBody(applicationId, { channel: 'written' })).expect(201)).body.objectionId as string;
    const programmeOf = async () => (await pipeline.load(programmeSpec(other))).state as Extract<ProgrammeState, { status: 'open' }>;
    expect((await programmeOf()).committedFen).toBe(5_000_000);
    // The request's first step only (as if the process died right after it): the decision on the programme.
    await pipeline.run(programmeSpec(other), systemContext('admin-1', 'crashed-request'), (_, now) => ({
      type: 'ResolveObjection' as const, objectionId, outcome: 'upheld' as const, reason: '经核查异议属实', by: { sub: 'admin-1', role: 'programme-admin' }, now,
    }));
    await until(async () => (await pipeline.load(applicationSpec(applicationId))).state.status, (status) => status === 'not-selected');
    await until(programmeOf, (state) => state.committedFen === 0);
    await caughtUp(t.app.get(ObjectionSettler).worker);
    const events = await t.runtime.store.readStream(`programme-${other}`);
    expect(events.filter((e) => e.type === 'FundsReleased')).toHaveLength(1);
    // The request retried by the bureau answers the same and moves nothing more.
    const retried = await t.http.post(`/v1/programmes/${other}/objections/${objectionId}/decision`).set(bearer(admin)).send({ outcome: 'upheld', reason: '经核查异议属实' });
    expect(retried.status).toBe(200);
    expect((await t.runtime.store.readStream(`programme-${other}`)).filter((e) => e.type === 'FundsReleased')).toHaveLength(1);
    // After its period: no grant.
    t.clock.set(notice.endsAt);
    await caughtUp(awarder().worker);
    await awarder().runOnce();
    await grant(applicationId).expect(404);
  });

  it('keeps the working-day calendar as published data: built-in years with their notices, a new year published by the bureau, validated', async () => {
    const listed = await t.http.get('/v1/calendar/working-day-years').set(bearer(t.token({ role: 'applicant', org: codes[0] }))).expect(200);
    expect(listed.body.items.map((y: { year: number; version: number }) => [y.year, y.version])).toEqual([[2024, 1], [2025, 1], [2026, 1]]);
    expect(listed.body.items[1].notice).toContain('国办发明电〔2024〕12号');
    const year2027 = { year: 2027, notice: '国务院办公厅关于2027年部分节假日安排的通知（测试数据）', off: ['2027-01-01', '2027-02-08'], work: ['2027-02-06'] };
    const publish = (body: object, token = admin) => t.http.post('/v1/calendar/working-day-years').set(bearer(token)).send(body);
    expect((await publish(year2027, t.token({ role: 'applicant', org: codes[0] }))).status).toBe(403);
    const bad = await publish({ ...year2027, work: ['2027-02-03'] });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('WORKING_DAY_YEAR_INVALID');
    const invalid = await publish({ ...year2027, off: 'x' });
    expect(invalid.status).toBe(400);
    const first = await publish(year2027);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ year: 2027, version: 1 });
    await expectCreatedAt(t, first, '2027', admin);
    const twice = await Promise.all([publish(year2027), publish(year2027)]);
    expect(twice.map((r) => [r.status, r.body.version])).toEqual([[201, 1], [201, 1]]);
    const corrected = await publish({ ...year2027, off: [...year2027.off, '2027-02-09'] });
    expect(corrected.body.version).toBe(2);
    const events = await t.runtime.store.readStream('working-day-calendar');
    expect(events.map((e) => (e.data as { year: { year: number } }).year.year)).toEqual([2024, 2025, 2026, 2027, 2027]);
  });
});
