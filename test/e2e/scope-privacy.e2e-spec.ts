import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { grantIdFor } from '@ipstd/grants';
import { signHs256 } from '@ipstd/platform';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TEST_SECRET, TestApp, bearer, startTestApp } from '../support/app';
import { until } from '../support/wait';

function code(district: string, tail: string): string {
  const first17 = `91${district}MA${tail}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** Huqiu (320505) and Wuzhong (320506) are districts of Suzhou (320500); Kunshan (320583) is a county-level city under it. */
const A = { creditCode: CREDIT_CODES.huqiu, district: '320505', panel: ['e1', 'e2', 'e3'] };
const B = { creditCode: code('320506', '0000401'), district: '320506', panel: ['e4', 'e5', 'e6'] };
const K = { creditCode: code('320583', '0000402'), district: '320583', panel: ['e7', 'e8', 'e9'] };

describe('scopes along GB/T 2260, privacy by default, and token attacks', () => {
  let t: TestApp;
  let programmeId: string;
  const id = { A: '', B: '', K: '' };
  let grantId: string;
  const admin = (city = '320500') => t.token({ role: 'programme-admin', city, sub: `admin-${city}` });
  const auditor = (city?: string) => t.token({ role: 'auditor', city, sub: `auditor-${city ?? 'log'}` });
  const applicant = (creditCode: string) => t.token({ role: 'applicant', org: creditCode, sub: `user-${creditCode}` });
  const office = (district: string) => t.token({ role: 'district-office', district, sub: `office-${district}` });
  const expert = (e: string) => t.token({ role: 'expert', sub: e });
  const get = (path: string, token: string) => t.http.get(path).set(bearer(token));

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    const terms = suzhouTerms({ code: 'SZ-SCOPE', review: { panelSize: 3, aggregation: 'mean', defenseSize: 1, criteria: [{ id: 'a', max: 100 }] } });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
    for (const [key, e] of [['A', A], ['B', B], ['K', K]] as const) {
      const submitted = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant(e.creditCode))).send(suzhouProfile({ creditCode: e.creditCode, district: e.district }));
      expect(submitted.status).toBe(201);
      id[key] = submitted.body.applicationId;
      await t.http.post(`/v1/applications/${id[key]}/endorsement`).set(bearer(office(e.district))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      await t.http.post(`/v1/applications/${id[key]}/review-panel`).set(bearer(admin())).send({ experts: e.panel.map((expertId) => ({ expertId, organisation: `univ-${expertId}` })) }).expect(200);
    }
    // A: reviewed, closed, invited to the defense round, scored and selected (a grant follows). B: e6 stands down.
    for (const e of A.panel) await t.http.put(`/v1/applications/${id.A}/reviews/${e}`).set(bearer(expert(e))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
    await t.http.post(`/v1/applications/${id.B}/conflicts`).set(bearer(expert('e6'))).send({ reason: '曾在该企业任职' }).expect(200);
    await t.http.post(`/v1/applications/${id.A}/review-panel/closure`).set(bearer(admin())).expect(200);
    await t.projectionsCaughtUp();
    await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(admin())).send({}).expect(200);
    for (const e of A.panel) await t.http.put(`/v1/applications/${id.A}/defense-scores/${e}`).set(bearer(expert(e))).send({ score: 85, comment: '' }).expect(200);
    await t.http.post(`/v1/applications/${id.A}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 10_000_000, reason: '择优立项' }).expect(200);
    grantId = grantIdFor(id.A);
    await until(() => get(`/v1/grants/${grantId}`, admin()), (r) => r.status === 200);
    await t.projectionsCaughtUp();
  });
  afterAll(() => t?.close());

  describe('county-level city (320583) versus its prefecture (320500)', () => {
    const list = async (token: string, query = '') => {
      const response = await get(`/v1/programmes/${programmeId}/applications${query}`, token);
      return { status: response.status, code: response.body.code, ids: (response.body.items ?? []).map((i: { applicationId: string }) => i.applicationId).sort() };
    };

    it('lists for a 320583 token only the applications of 320583, never the prefecture\'s', async () => {
      for (const token of [admin('320583'), auditor('320583')]) {
        expect(await list(token)).toEqual({ status: 200, code: undefined, ids: [id.K] });
        expect(await list(token, '?district=320583')).toEqual({ status: 200, code: undefined, ids: [id.K] });
        expect(await list(token, '?district=320505')).toEqual({ status: 403, code: 'FILTER_OUT_OF_SCOPE', ids: [] });
      }
    });

    it('lists everything of the prefecture for a 320500 token, and refuses a filter outside it', async () => {
      expect(await list(admin())).toEqual({ status: 200, code: undefined, ids: [id.A, id.B, id.K].sort() });
      expect(await list(admin(), '?district=320583')).toEqual({ status: 200, code: undefined, ids: [id.K] });
      expect(await list(admin(), '?district=371102')).toMatchObject({ status: 403, code: 'FILTER_OUT_OF_SCOPE' });
      expect(await list(office(A.district), '?district=320506')).toMatchObject({ status: 403, code: 'FILTER_OUT_OF_SCOPE' });
      expect(await list(office(A.district), `?district=${A.district}`)).toEqual({ status: 200, code: undefined, ids: [id.A] });
    });

    it('lets 320583 read its own application but not the prefecture\'s records', async () => {
      expect((await get(`/v1/applications/${id.K}`, admin('320583'))).status).toBe(200);
      expect((await get(`/v1/applications/${id.A}`, admin('320583'))).status).toBe(404);
      expect((await get(`/v1/dashboards/programmes/${programmeId}`, admin('320583'))).status).toBe(403);
      expect((await get(`/v1/dashboards/programmes/${programmeId}`, admin())).status).toBe(200);
      expect((await get(`/v1/audit/streams/application-${id.K}`, auditor('320583'))).status).toBe(200);
      expect((await get(`/v1/audit/streams/programme-${programmeId}`, auditor('320583'))).status).toBe(404);
      expect((await get(`/v1/grants/${grantId}`, auditor('320583'))).status).toBe(404);
    });

    it('writes on the call stay with the prefecture: 320583 can see K but may not assign its panel (403)', async () => {
      const response = await t.http.post(`/v1/applications/${id.K}/review-panel/closure`).set(bearer(admin('320583')));
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 403, code: 'SCOPE_FORBIDDEN' });
    });

    it('refuses tokens whose city or district is a prefix rather than a code', async () => {
      for (const claims of [{ city: '3205' }, { city: '32058' }, { district: '3205' }]) {
        const response = await get(`/v1/programmes/${programmeId}/applications`, t.token({ role: 'programme-admin', ...claims }));
        expect({ claims, status: response.status, reason: response.body.reason }).toEqual({ claims, status: 401, reason: 'claims-invalid' });
      }
    });
  });

  describe('auditors', () => {
    it('a city auditor reads its own city\'s grant stream (403 before), other cities get 404', async () => {
      expect((await get(`/v1/audit/streams/grant-${grantId}`, auditor('320500'))).status).toBe(200);
      expect((await get(`/v1/audit/grants/${grantId}/history`, auditor('320500'))).status).toBe(200);
      const other = await get(`/v1/audit/streams/grant-${grantId}`, auditor('371100'));
      expect({ status: other.status, code: other.body.code }).toEqual({ status: 404, code: 'STREAM_NOT_FOUND' });
    });

    it('the log auditor (no city) reads every stream through /v1/audit, and nothing operational', async () => {
      for (const path of [`/v1/audit/streams/grant-${grantId}`, `/v1/audit/streams/application-${id.K}`, `/v1/audit/streams/programme-${programmeId}`, '/v1/audit/streams/rule-set-catalog', `/v1/audit/applications/${id.A}/history`, `/v1/audit/grants/${grantId}`]) {
        expect({ path, status: (await get(path, auditor())).status }).toEqual({ path, status: 200 });
      }
      expect((await get('/v1/audit/streams/rule-set-catalog', auditor('320500'))).status).toBe(404);
      for (const path of [`/v1/programmes/${programmeId}/applications`, `/v1/dashboards/programmes/${programmeId}`]) {
        expect({ path, status: (await get(path, auditor())).status }).toEqual({ path, status: 403 });
      }
      for (const path of [`/v1/applications/${id.A}`, `/v1/grants/${grantId}`]) {
        expect({ path, status: (await get(path, auditor())).status }).toEqual({ path, status: 404 });
      }
    });
  });

  describe('privacy', () => {
    it('never shows applicants or district offices who reviews, who stood down, or who scored the defense', async () => {
      for (const [who, token, app] of [['applicant A', applicant(A.creditCode), id.A], ['district-office 320505', office(A.district), id.A], ['applicant B', applicant(B.creditCode), id.B], ['district-office 320506', office(B.district), id.B]] as const) {
        const body = (await get(`/v1/applications/${app}`, token).expect(200)).body;
        expect({ who, panel: body.review.panel, conflicted: body.review.conflicted, scores: body.review.scores, defenseExperts: body.defense?.experts ?? null }).toEqual({ who, panel: null, conflicted: null, scores: [], defenseExperts: null });
        expect(JSON.stringify(body)).not.toMatch(/"e[1-9]"/);
      }
      const own = (await get(`/v1/applications/${id.A}`, applicant(A.creditCode))).body;
      expect(own.review).toMatchObject({ closed: true, aggregate: 80 });
      expect(own.defense).toMatchObject({ rank: 1 });
    });

    it('shows reviewers and conflicts to the bureau, auditors and the panel', async () => {
      expect((await get(`/v1/applications/${id.B}`, admin())).body.review).toMatchObject({ panel: B.panel, conflicted: ['e6'] });
      expect((await get(`/v1/applications/${id.B}`, auditor('320500'))).body.review).toMatchObject({ panel: B.panel, conflicted: ['e6'] });
      expect((await get(`/v1/applications/${id.A}`, expert('e1'))).body.review.panel).toEqual(A.panel);
    });

    it('shows the defense ranking only to the bureau and auditors of the city and the experts of an invited application', async () => {
      const round = async (token: string) => (await get(`/v1/programmes/${programmeId}`, token).expect(200)).body.defenseRound;
      for (const [who, token] of [['programme-admin 320500', admin()], ['auditor 320500', auditor('320500')], ['expert e1 (invited A)', expert('e1')]] as const) {
        expect({ who, invited: (await round(token)).invited.map((i: { applicationId: string }) => i.applicationId) }).toEqual({ who, invited: [id.A] });
      }
      for (const [who, token] of [
        ['applicant A', applicant(A.creditCode)],
        ['applicant B', applicant(B.creditCode)],
        ['district-office 320505', office(A.district)],
        ['expert e4 (B only)', expert('e4')],
        ['expert e99 (no panel)', expert('e99')],
        ['programme-admin 371100', admin('371100')],
        ['programme-admin 320583', admin('320583')],
        ['finance 320500', t.token({ role: 'finance', city: '320500' })],
        ['system', t.token({ role: 'system', sub: 'gateway' })],
      ] as const) {
        const seen = await round(token);
        expect({ who, seen }).toEqual({ who, seen: { roundId: expect.any(String), invited: null } });
      }
    });

    it('answers an out-of-scope application exactly like one that does not exist (no existence oracle)', async () => {
      const absent = '0193a1b2-0000-7000-8000-000000000000';
      const strip = (r: { status: number; body: Record<string, unknown> }) => ({ status: r.status, body: { ...r.body, instance: undefined } });
      for (const [who, token] of [['applicant B', applicant(B.creditCode)], ['district-office 320506', office(B.district)], ['programme-admin 371100', admin('371100')], ['expert e99', expert('e99')]] as const) {
        const existing = strip(await get(`/v1/applications/${id.A}`, token));
        const missing = strip(await get(`/v1/applications/${absent}`, token));
        expect({ who, ...existing }).toEqual({ who, ...missing });
        expect(existing.status).toBe(404);
        const write = await t.http.post(`/v1/applications/${id.A}/withdrawal`).set(bearer(applicant(B.creditCode))).send({ reason: 'x' });
        const writeMissing = await t.http.post(`/v1/applications/${absent}/withdrawal`).set(bearer(applicant(B.creditCode))).send({ reason: 'x' });
        expect(strip(write)).toEqual(strip(writeMissing));
      }
      const grantOther = strip(await get(`/v1/grants/${grantId}`, applicant(B.creditCode)));
      const grantMissing = strip(await get(`/v1/grants/${absent}`, applicant(B.creditCode)));
      expect(grantOther).toEqual(grantMissing);
    });
  });

  describe('token attacks: 401 with a reason, never 500, never accepted', () => {
    const now = () => Math.floor(t.clock.now().getTime() / 1000);
    const header = (alg: string) => ({ alg, typ: 'JWT' });
    const raw = (h: object, payload: unknown, signature = '') => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
    const cases: Array<[string, () => string, string]> = [
      ['no exp', () => signHs256({ sub: 'x', role: 'auditor', city: '320500' }, TEST_SECRET), 'expiry-missing'],
      ['a non-numeric exp', () => signHs256({ sub: 'x', role: 'auditor', city: '320500', exp: 'never' } as never, TEST_SECRET), 'claims-invalid'],
      ['an expired token', () => signHs256({ sub: 'x', role: 'auditor', city: '320500', exp: now() - 3600 }, TEST_SECRET), 'expired'],
      ['alg none', () => raw(header('none'), { sub: 'x', role: 'auditor', city: '320500', exp: now() + 60 }), 'algorithm-not-allowed'],
      ['alg RS256 signed with the secret (alg swap)', () => signHs256({ sub: 'x', role: 'auditor', city: '320500', exp: now() + 60 }, TEST_SECRET, header('RS256')), 'algorithm-not-allowed'],
      ['a payload of null', () => signHs256(null, TEST_SECRET), 'malformed'],
      ['an org holding a NUL', () => signHs256({ sub: 'x', role: 'applicant', org: `${A.creditCode}\u0000`, exp: now() + 60 }, TEST_SECRET), 'claims-invalid'],
      ['a sub holding a NUL', () => signHs256({ sub: 'x\u0000', role: 'auditor', city: '320500', exp: now() + 60 }, TEST_SECRET), 'claims-invalid'],
      ['a city that is a number', () => signHs256({ sub: 'x', role: 'auditor', city: 320500, exp: now() + 60 } as never, TEST_SECRET), 'claims-invalid'],
      ['an unknown role', () => signHs256({ sub: 'x', role: 'root', exp: now() + 60 }, TEST_SECRET), 'claims-invalid'],
    ];
    it.each(cases)('refuses %s', async (_, make, reason) => {
      for (const path of [`/v1/programmes/${programmeId}`, `/v1/programmes/${programmeId}/applications`, `/v1/applications/${id.A}`]) {
        const response = await get(path, make());
        expect({ path, status: response.status, code: response.body.code, reason: response.body.reason, type: response.type }).toEqual({ path, status: 401, code: 'AUTHENTICATION_REQUIRED', reason, type: 'application/problem+json' });
        expect(response.body.detailZh).toBeTruthy();
      }
    });
  });
});
