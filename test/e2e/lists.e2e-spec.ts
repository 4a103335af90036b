import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { registeredRoutes } from '../support/routes';
import { awardedGrant, seededCreditCode } from '../support/seed';

/**
 * Issue 15 item 4: the lists every role needs to find its work (calls, grants, an expert's
 * assignments), scoped like the single-record reads; the application view naming its grant; the
 * grant view's per-target inspection results, last acceptance-request date and money vocabulary; the
 * ledger for the bureau; and every 201 carrying Location and the new id.
 */
const SZ = '320500';
const RZ = '371100';
const review = { panelSize: 3, aggregation: 'mean' as const, defenseSize: 0, criteria: [{ id: 'a', max: 100 }] };

type Page = { items: Array<Record<string, unknown>>; nextCursor: string | null };

describe('lists and views', () => {
  let t: TestApp;
  const admin = (city = SZ) => t.token({ role: 'programme-admin', city, sub: `admin-${city}` });
  const finance = (city = SZ) => t.token({ role: 'finance', city, sub: `finance-${city}` });
  let p1: string; // Suzhou, accepting
  let p2: string; // Suzhou, not yet open
  let p3: string; // Rizhao, accepting
  let gA: string;
  let gB: string;
  let gR: string;
  const codeA = seededCreditCode(1, '320505');
  const codeB = seededCreditCode(2, '320506');
  let openApplication: string;

  const get = (path: string, token: string) => t.http.get(path).set(bearer(token));
  const ids = (page: Page, key: string) => page.items.map((i) => i[key]);

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    p1 = (await t.http.post('/v1/programmes').set(bearer(admin())).send(suzhouTerms({ code: 'SZ-L1', review })).expect(201)).body.programmeId;
    t.clock.advance(60_000);
    const later = { opensAt: '2024-12-01T00:00:00+08:00', closesAt: '2024-12-20T23:59:59+08:00' };
    p2 = (await t.http.post('/v1/programmes').set(bearer(admin())).send(suzhouTerms({ code: 'SZ-L2', window: later, endorsementDeadline: '2024-12-25T23:59:59+08:00', review })).expect(201)).body.programmeId;
    t.clock.advance(60_000);
    const rizhao = suzhouTerms({ code: 'RZ-L1', city: RZ, ruleSet: { id: 'rizhao-pilot', version: 1 }, tranchePlan: [{ percent: 100, trigger: 'evaluation-passed' }], review, implementationMonths: 18 });
    p3 = (await t.http.post('/v1/programmes').set(bearer(admin(RZ))).send(rizhao).expect(201)).body.programmeId;
    gA = await awardedGrant(t, p1, admin(), { creditCode: codeA, district: '320505', approvedAmountFen: 10_000_000 });
    t.clock.advance(60_000);
    gB = await awardedGrant(t, p1, admin(), { creditCode: codeB, district: '320506', approvedAmountFen: 20_000_000 });
    t.clock.advance(60_000);
    gR = await awardedGrant(t, p3, admin(RZ), { creditCode: CREDIT_CODES.rizhao, district: '371102', approvedAmountFen: 5_000_000 });
    // One application still under review: e1 and e4 have scores to give, e2 declares a conflict.
    const codeC = seededCreditCode(3, '320507');
    t.clock.advance(60_000);
    openApplication = (await t.http.post(`/v1/programmes/${p1}/applications`).set(bearer(t.token({ role: 'applicant', org: codeC }))).send(suzhouProfile({ creditCode: codeC, district: '320507' })).expect(201)).body.applicationId;
    await t.http.post(`/v1/applications/${openApplication}/endorsement`).set(bearer(t.token({ role: 'district-office', district: '320507' }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
    await t.http.post(`/v1/applications/${openApplication}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e4'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
    await t.http.post(`/v1/applications/${openApplication}/conflicts`).set(bearer(t.token({ role: 'expert', sub: 'e2' }))).send({ reason: '曾为该企业提供咨询' }).expect(200);
    await t.projectionsCaughtUp();
  }, 120_000);
  afterAll(() => t?.close());

  describe('GET /v1/programmes', () => {
    const list = async (token: string, query = '') => (await get(`/v1/programmes${query}`, token).expect(200)).body as Page;

    it("shows the bureau, finance and auditors their city's calls only, with the phase computed now", async () => {
      const sz = await list(admin());
      expect(ids(sz, 'programmeId')).toEqual([p1, p2]);
      expect(sz.items.map((i) => i.phase)).toEqual(['accepting', 'not-yet-open']);
      expect(sz.items[0]).toMatchObject({ code: 'SZ-L1', city: SZ, ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, budgetFen: 2_000_000_000, window: { opensAt: '2024-10-07T16:00:00.000Z' } });
      expect(ids(await list(finance()), 'programmeId')).toEqual([p1, p2]);
      expect(ids(await list(t.token({ role: 'auditor', city: SZ })), 'programmeId')).toEqual([p1, p2]);
      expect(ids(await list(admin(RZ)), 'programmeId')).toEqual([p3]);
      expect(ids(await list(t.token({ role: 'district-office', district: '320505' })), 'programmeId')).toEqual([p1, p2]);
      expect(ids(await list(t.token({ role: 'district-office', district: '371102' })), 'programmeId')).toEqual([p3]);
    });

    it('filters by phase, rule set and city', async () => {
      expect(ids(await list(admin(), '?phase=accepting'), 'programmeId')).toEqual([p1]);
      expect(ids(await list(admin(), '?phase=not-yet-open'), 'programmeId')).toEqual([p2]);
      expect(ids(await list(admin(), '?phase=closed'), 'programmeId')).toEqual([]);
      expect(ids(await list(admin(), '?ruleSet=suzhou-2024-ipstd@1'), 'programmeId')).toEqual([p1, p2]);
      expect(ids(await list(admin(), '?ruleSet=suzhou-2024-ipstd@2'), 'programmeId')).toEqual([]);
      expect(ids(await list(admin(), '?ruleSet=rizhao-pilot'), 'programmeId')).toEqual([]);
      expect(ids(await list(admin(), `?city=${SZ}`), 'programmeId')).toEqual([p1, p2]);
      const applicant = t.token({ role: 'applicant', org: codeA });
      expect(ids(await list(applicant, `?city=${RZ}`), 'programmeId')).toEqual([p3]);
    });

    it('shows an applicant the calls it can apply to now, in every city', async () => {
      const applicant = t.token({ role: 'applicant', org: codeA });
      expect(ids(await list(applicant), 'programmeId')).toEqual([p1, p3]);
      expect((await get('/v1/programmes?phase=closed', applicant).expect(403)).body.code).toBe('FILTER_OUT_OF_SCOPE');
    });

    it('pages with an opaque cursor and refuses what is out of scope or malformed', async () => {
      const first = await list(admin(), '?limit=1');
      expect(ids(first, 'programmeId')).toEqual([p1]);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await list(admin(), `?limit=1&cursor=${first.nextCursor}`);
      expect(ids(second, 'programmeId')).toEqual([p2]);
      expect(second.nextCursor).toBeNull();
      expect((await get(`/v1/programmes?city=${RZ}`, admin()).expect(403)).body.code).toBe('FILTER_OUT_OF_SCOPE');
      expect((await get('/v1/programmes', t.token({ role: 'auditor' })).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      await get('/v1/programmes', t.token({ role: 'expert', sub: 'e1' })).expect(403);
      expect((await get('/v1/programmes?cursor=garbage', admin()).expect(400)).body.code).toBe('CURSOR_INVALID');
      expect((await get('/v1/programmes?phase=open', admin()).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await get('/v1/programmes?limit=0', admin()).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await get('/v1/programmes?colour=red', admin()).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /v1/grants', () => {
    const list = async (token: string, query = '') => (await get(`/v1/grants${query}`, token).expect(200)).body as Page;

    it('lists the grants of the caller scope in award order, never another city', async () => {
      const sz = await list(admin());
      expect(ids(sz, 'grantId')).toEqual([gA, gB]);
      expect(sz.items[0]).toMatchObject({ grantId: gA, programmeId: p1, creditCode: codeA, district: '320505', status: 'in-implementation', awardFen: 10_000_000, paidFen: 0, netPaidFen: 0, outstandingFen: 0 });
      expect(ids(await list(finance()), 'grantId')).toEqual([gA, gB]);
      expect(ids(await list(t.token({ role: 'auditor', city: SZ })), 'grantId')).toEqual([gA, gB]);
      expect(ids(await list(admin(RZ)), 'grantId')).toEqual([gR]);
      expect(ids(await list(finance(RZ)), 'grantId')).toEqual([gR]);
      expect(ids(await list(t.token({ role: 'district-office', district: '320506' })), 'grantId')).toEqual([gB]);
      expect(ids(await list(t.token({ role: 'applicant', org: codeA })), 'grantId')).toEqual([gA]);
      expect(ids(await list(t.token({ role: 'applicant', org: seededCreditCode(8, '320505') })), 'grantId')).toEqual([]);
    });

    it('filters by programme, application, status and district', async () => {
      expect(ids(await list(admin(), '?district=320506'), 'grantId')).toEqual([gB]);
      expect(ids(await list(admin(), `?programmeId=${p3}`), 'grantId')).toEqual([]);
      expect(ids(await list(admin(RZ), `?programmeId=${p3}`), 'grantId')).toEqual([gR]);
      const applicationA = sz(await list(admin(), '?district=320505'));
      expect(ids(await list(admin(), `?applicationId=${applicationA}`), 'grantId')).toEqual([gA]);
      expect(ids(await list(admin(), '?status=in-implementation'), 'grantId')).toEqual([gA, gB]);
      expect(ids(await list(admin(), '?status=closed'), 'grantId')).toEqual([]);
    });
    const sz = (page: Page) => page.items[0].applicationId as string;

    it('pages with a cursor and refuses filters outside the scope', async () => {
      const first = await list(finance(), '?limit=1');
      expect(ids(first, 'grantId')).toEqual([gA]);
      expect(ids(await list(finance(), `?limit=1&cursor=${first.nextCursor}`), 'grantId')).toEqual([gB]);
      expect((await get('/v1/grants?district=371102', admin()).expect(403)).body.code).toBe('FILTER_OUT_OF_SCOPE');
      expect((await get('/v1/grants?district=320505', t.token({ role: 'district-office', district: '320506' })).expect(403)).body.code).toBe('FILTER_OUT_OF_SCOPE');
      expect((await get('/v1/grants', t.token({ role: 'auditor' })).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      await get('/v1/grants', t.token({ role: 'expert', sub: 'e1' })).expect(403);
      expect((await get('/v1/grants?status=paid', admin()).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });

    it('lets a district office read the grants of its district and answers 404 for others', async () => {
      await get(`/v1/grants/${gB}`, t.token({ role: 'district-office', district: '320506' })).expect(200);
      expect((await get(`/v1/grants/${gA}`, t.token({ role: 'district-office', district: '320506' })).expect(404)).body.code).toBe('GRANT_NOT_FOUND');
      expect((await get(`/v1/grants/${gA}`, admin(RZ)).expect(404)).body.code).toBe('GRANT_NOT_FOUND');
    });
  });

  describe('GET /v1/experts/me/assignments', () => {
    const list = async (expert: string, query = '') => (await get(`/v1/experts/me/assignments${query}`, t.token({ role: 'expert', sub: expert })).expect(200)).body as Page;

    it("lists an expert's panels, marking what still waits for its scores; a conflict takes the application off", async () => {
      const e1 = await list('e1');
      expect(e1.items).toHaveLength(4);
      expect(e1.items[3]).toMatchObject({ applicationId: openApplication, programmeId: p1, status: 'under-review', review: { scoresSubmitted: false, closed: false, scoresPath: `/v1/applications/${openApplication}/reviews/e1` }, defense: null });
      expect(e1.items.slice(0, 3).every((i) => (i.review as { scoresSubmitted: boolean; closed: boolean }).scoresSubmitted && (i.review as { closed: boolean }).closed)).toBe(true);
      expect(ids(await list('e1', '?state=open'), 'applicationId')).toEqual([openApplication]);
      expect(ids(await list('e1', `?programmeId=${p3}`), 'applicationId')).toHaveLength(1);
      expect(ids(await list('e4'), 'applicationId')).toEqual([openApplication]);
      expect(ids(await list('e2'), 'applicationId')).not.toContain(openApplication);
      expect(await list('e2', '?state=open')).toEqual({ items: [], nextCursor: null });
      expect(await list('e9')).toEqual({ items: [], nextCursor: null });
    });

    it('adds the defense once the application is invited, until the expert has scored it', async () => {
      const terms = suzhouTerms({ code: 'SZ-L-DEF', review: { ...review, defenseSize: 1 } });
      const programme = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
      const code = seededCreditCode(5, '320505');
      t.clock.advance(60_000);
      const id = (await t.http.post(`/v1/programmes/${programme}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320505' })).expect(201)).body.applicationId;
      await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(t.token({ role: 'district-office', district: '320505' }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      const panel = ['d1', 'd2', 'd3'];
      await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin())).send({ experts: panel.map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
      for (const e of panel) await t.http.put(`/v1/applications/${id}/reviews/${e}`).set(bearer(t.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 75 }], comment: '' }).expect(200);
      await t.http.post(`/v1/applications/${id}/review-panel/closure`).set(bearer(admin())).expect(200);
      await t.projectionsCaughtUp();
      expect(await list('d1', '?state=open')).toEqual({ items: [], nextCursor: null });
      const round = (await t.http.post(`/v1/programmes/${programme}/defense-round`).set(bearer(admin())).send({}).expect(200)).body;
      await t.projectionsCaughtUp();
      const [invited] = (await list('d1', '?state=open')).items;
      expect(invited).toMatchObject({ applicationId: id, status: 'invited-to-defense', defense: { roundId: round.roundId, scoreSubmitted: false, scorePath: `/v1/applications/${id}/defense-scores/d1` } });
      await t.http.put(`/v1/applications/${id}/defense-scores/d1`).set(bearer(t.token({ role: 'expert', sub: 'd1' }))).send({ score: 80, comment: '' }).expect(200);
      await t.projectionsCaughtUp();
      expect(await list('d1', '?state=open')).toEqual({ items: [], nextCursor: null });
      expect((await list('d1')).items[0]).toMatchObject({ applicationId: id, defense: { roundId: round.roundId, scoreSubmitted: true } });
      expect(ids(await list('d2', '?state=open'), 'applicationId')).toEqual([id]);
    });

    it('pages and is for experts only', async () => {
      const first = await list('e1', '?limit=3');
      expect(first.items).toHaveLength(3);
      expect(ids(await list('e1', `?limit=3&cursor=${first.nextCursor}`), 'applicationId')).toEqual([openApplication]);
      await get('/v1/experts/me/assignments', admin()).expect(403);
      await get(`/v1/programmes/${p1}/applications`, t.token({ role: 'expert', sub: 'e1' })).expect(403);
      expect((await get('/v1/experts/me/assignments?state=done', t.token({ role: 'expert', sub: 'e1' })).expect(400)).body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('views', () => {
    it('names the grant on the application view once awarded', async () => {
      const row = (await get(`/v1/grants/${gA}`, admin()).expect(200)).body;
      const application = (await get(`/v1/applications/${row.applicationId}`, admin()).expect(200)).body;
      expect(application.grantId).toBe(gA);
      expect((await get(`/v1/applications/${row.applicationId}`, t.token({ role: 'applicant', org: codeA })).expect(200)).body.grantId).toBe(gA);
      expect((await get(`/v1/applications/${openApplication}`, admin()).expect(200)).body.grantId).toBeNull();
    });

    it('reads the ledger for the bureau of the call city only', async () => {
      const ledger = (await get(`/v1/finance/ledger?programmeId=${p1}`, admin()).expect(200)).body;
      expect(ledger.city).toBe(SZ);
      expect((await get(`/v1/finance/ledger?programmeId=${p1}`, admin(RZ)).expect(403)).body.code).toBe('SCOPE_FORBIDDEN');
      await get(`/v1/finance/ledger?programmeId=${p1}`, t.token({ role: 'district-office', district: '320505' })).expect(403);
    });
  });

  describe('every 201 carries Location and the new id', () => {
    /** Every route whose handler answers 201, from Nest's metadata. */
    function createdRoutes(): string[] {
      const created = registeredRoutes(t.app).filter(({ method, handler }) => (Reflect.getMetadata(HTTP_CODE_METADATA, handler) ?? (method === 'POST' ? 201 : 200)) === 201);
      return [...new Set(created.map(({ route }) => route.replace(/:\w+/g, ':param')))].sort();
    }

    it('walks every POST answering 201 in a lifecycle and follows each Location', async () => {
      const walked = new Map<string, { location: string; id: string }>();
      const check = async (route: string, response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, idKey: string, token: string, locationId?: string) => {
        expect(response.status).toBe(201);
        const location = response.headers.location;
        expect(location).toEqual(expect.stringMatching(/^\/v1\//));
        const id = String(response.body[idKey]);
        expect(id).not.toBe('undefined');
        expect(location).toContain(encodeURIComponent(locationId ?? id));
        await t.projectionsCaughtUp(); // a statement's reconciliation answers once the read models hold it
        const followed = await get(location, token);
        expect(followed.status).toBe(200);
        walked.set(route, { location, id });
      };
      const terms = suzhouTerms({ code: 'SZ-L201', review });
      const opened = await t.http.post('/v1/programmes').set(bearer(admin())).send(terms);
      await check('POST /v1/programmes', opened, 'programmeId', admin());
      const codeD = seededCreditCode(4, '320505');
      const applicant = t.token({ role: 'applicant', org: codeD });
      const submitted = await t.http.post(`/v1/programmes/${opened.body.programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: codeD, district: '320505' }));
      await check('POST /v1/programmes/:param/applications', submitted, 'applicationId', applicant);
      const registered = await t.http.post(`/v1/expert-pools/${SZ}/experts`).set(bearer(admin())).send({ expertId: 'x-201', name: '专家甲', organisation: '12320000466007236X', fields: ['0812'] });
      await check('POST /v1/expert-pools/:param/experts', registered, 'expertId', admin());
      const current = (await get('/v1/rules/rule-sets?id=suzhou-2024-ipstd', admin()).expect(200)).body.items as Array<{ version: number }>;
      const latest = Math.max(...current.map((r) => r.version));
      const base = (await get(`/v1/rules/rule-sets/suzhou-2024-ipstd/versions/${latest}`, admin()).expect(200)).body;
      const derived = await t.http.post('/v1/rules/rule-sets/suzhou-2024-ipstd/versions').set(bearer(admin())).send({ from: latest, effective: base.effective, title: base.title });
      await check('POST /v1/rules/rule-sets/:param/versions', derived, 'version', admin());
      const { publishedAt: _publishedAt, ...whole } = (await get(`/v1/rules/rule-sets/suzhou-2024-ipstd/versions/${derived.body.version}`, admin()).expect(200)).body;
      const published = await t.http.post('/v1/rules/rule-sets').set(bearer(admin())).send({ ...whole, version: derived.body.version + 1 });
      await check('POST /v1/rules/rule-sets', published, 'version', admin());
      const statement = await t.http
        .post('/v1/finance/statements')
        .set(bearer(finance()))
        .set('Content-Type', 'text/csv')
        .send(Buffer.from(`reference,payee_credit_code,amount_yuan,value_date,direction\nL201-1,${codeA},1.00,2024-10-09,debit\n`));
      await check('POST /v1/finance/statements', statement, 'statementId', finance());
      // Money on grant A: order and pay its first tranche, claw part back, record a repayment.
      await t.http.post(`/v1/grants/${gA}/tranches/1/release-order`).set(bearer(admin())).send({ orderNo: 'L201-O1' }).expect(200);
      await t.http.post(`/v1/grants/${gA}/tranches/1/payment`).set(bearer(finance())).send({ reference: 'L201-P1', valueDate: '2024-10-09', amountFen: 5_000_000 }).expect(200);
      const clawback = await t.http.post(`/v1/grants/${gA}/clawbacks`).set(bearer(admin())).set('Idempotency-Key', 'l201-clawback').send({ amountFen: 1_000_000, reason: '未按期完成', dueDate: '2025-06-30' });
      await check('POST /v1/grants/:param/clawbacks', clawback, 'clawbackId', admin());
      // A replay names the same clawback.
      const replay = await t.http.post(`/v1/grants/${gA}/clawbacks`).set(bearer(admin())).set('Idempotency-Key', 'l201-clawback').send({ amountFen: 1_000_000, reason: '未按期完成', dueDate: '2025-06-30' });
      expect(replay.status).toBe(201);
      expect(replay.body.clawbackId).toBe(clawback.body.clawbackId);
      expect(replay.headers.location).toBe(clawback.headers.location);
      const repayment = await t.http.post(`/v1/grants/${gA}/clawbacks/${clawback.body.clawbackId}/repayments`).set(bearer(finance())).send({ amountFen: 400_000, reference: 'L201-R1', valueDate: '2024-10-09' });
      // A repayment has no page of its own: its Location is its clawback, which lists it.
      await check('POST /v1/grants/:param/clawbacks/:param/repayments', repayment, 'repaymentId', finance(), clawback.body.clawbackId);
      const followed = (await get(repayment.headers.location, finance()).expect(200)).body;
      expect(followed).toMatchObject({ clawbackId: clawback.body.clawbackId, amountFen: 1_000_000, repaidFen: 400_000, outstandingFen: 600_000, repaymentIds: [repayment.body.repaymentId] });
      // A witness cosignature needs a configured witness key: its Location and id are checked in
      // test/e2e/witness-cosignatures.e2e-spec.ts. The public notice, objections, review requests and
      // calendar years need a call with a notice period: test/e2e/public-notice.e2e-spec.ts checks
      // theirs (expectCreatedAt). Every other 201 route is walked here.
      const elsewhere = [
        'POST /v1/audit/checkpoint/cosignatures',
        'POST /v1/programmes/:param/notices',
        'POST /v1/programmes/:param/objections',
        'POST /v1/applications/:param/review-requests',
        'POST /v1/calendar/working-day-years',
      ];
      expect([...walked.keys(), ...elsewhere].sort()).toEqual(createdRoutes());

      // The money names of the grant view match the ledger's, with the old names as aliases.
      const money = (await get(`/v1/grants/${gA}`, admin()).expect(200)).body.money;
      expect(money).toMatchObject({ paidFen: 5_000_000, repaidFen: 400_000, netPaidFen: 4_600_000, outstandingFen: 600_000, netDisbursedFen: 4_600_000, clawbackOutstandingFen: 600_000 });
      await t.projectionsCaughtUp();
      const ledger = (await get(`/v1/finance/ledger?programmeId=${p1}`, admin()).expect(200)).body;
      const row = (ledger.grants as Array<Record<string, unknown>>).find((g) => g.grantId === gA);
      expect(row).toMatchObject({ netPaidFen: money.netPaidFen, outstandingFen: money.outstandingFen });
      const listed = (await get(`/v1/grants?applicationId=${(await get(`/v1/grants/${gA}`, admin())).body.applicationId}`, admin()).expect(200)).body.items[0];
      expect(listed).toMatchObject({ netPaidFen: 4_600_000, outstandingFen: 600_000 });
      // Out of scope: another city's clawback is 404, an unknown one too.
      expect((await get(clawback.headers.location, admin(RZ)).expect(404)).body.code).toBe('GRANT_NOT_FOUND');
      expect((await get(`/v1/grants/${gA}/clawbacks/${gB}`, admin()).expect(404)).body.code).toBe('CLAWBACK_NOT_FOUND');
    });
  });

  describe('the grant view', () => {
    it('shows the last acceptance-request date and each inspection with its per-target results', async () => {
      const before = (await get(`/v1/grants/${gB}`, admin()).expect(200)).body;
      const ends = new Date(before.implementation.endsAt);
      expect(before.lastAcceptanceRequestAt).toBe(new Date(Date.UTC(ends.getUTCFullYear(), ends.getUTCMonth() - before.acceptanceLeadMonths, ends.getUTCDate(), ends.getUTCHours(), ends.getUTCMinutes(), ends.getUTCSeconds())).toISOString());
      expect(before.acceptanceRequestedAt).toBeNull();
      t.clock.advance(365 * 24 * 3600_000);
      const due = (before.targets as Array<{ id: string; stages?: string[] }>).filter((target) => !target.stages || target.stages.includes('mid-term')).map((target) => target.id);
      const results = due.map((targetId, i) => ({ targetId, status: i === 0 ? 'at-risk' : 'on-track', findings: `检查意见${i}` }));
      await t.http.post(`/v1/grants/${gB}/mid-term-inspections`).set(bearer(admin())).send({ results }).expect(200);
      const after = (await get(`/v1/grants/${gB}`, t.token({ role: 'applicant', org: codeB })).expect(200)).body;
      expect(after.inspections).toHaveLength(1);
      expect(after.inspections[0].results).toEqual(results);
    });
  });
});
