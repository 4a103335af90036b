import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { ROLES, Role } from '@ipstd/platform';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

function code(district: string, tail: string): string {
  const first17 = `91${district}MA${tail}`;
  return first17 + creditCodeCheckCharacter(first17);
}

/** Three Suzhou enterprises in three districts, and one that never applies. */
const A = { creditCode: CREDIT_CODES.huqiu, district: '320505', panel: ['e1', 'e2', 'e3'] };
const B = { creditCode: code('320506', '0000201'), district: '320506', panel: ['e4', 'e5', 'e6'] };
const C = { creditCode: code('320507', '0000202'), district: '320507', panel: [] as string[] };
const D = { creditCode: code('320508', '0000203'), district: '320508' };
type Target = typeof A | typeof B | typeof C;

const OTHER_CITY = '371100';

type Method = 'get' | 'post' | 'put';
interface Case {
  readonly method: Method;
  readonly path: string;
  readonly body?: object;
  /** Who calls, for the failure message. */
  readonly who: string;
  readonly token: string;
  /** The code: ROLE_FORBIDDEN from the guard, SCOPE_FORBIDDEN or EXPERT_NOT_ON_PANEL from the handler, or a not-found code. */
  readonly code: string;
  /** 403, or 404 where the caller may not even see the record (no existence oracle: api-guide.md, "Privacy"). */
  readonly status: 403 | 404;
}

describe('roles and scope on every application-side endpoint', () => {
  let t: TestApp;
  let programmeId: string;
  const app = { A: '', B: '', C: '' };
  let admin: string;

  const applicant = (creditCode: string) => t.token({ role: 'applicant', org: creditCode, sub: `user-${creditCode}` });
  const office = (district: string) => t.token({ role: 'district-office', district, sub: `office-${district}` });
  const expert = (id: string) => t.token({ role: 'expert', sub: id });
  const cityRole = (role: 'programme-admin' | 'finance' | 'auditor', city = '320500') => t.token({ role, city, sub: `${role}-${city}` });

  /** A token of `role` whose claims cover `target` as far as that role's claims go: only the role is wrong. */
  function inScope(role: Role, target: Target): string {
    switch (role) {
      case 'applicant':
        return applicant(target.creditCode);
      case 'district-office':
        return office(target.district);
      case 'programme-admin':
      case 'finance':
      case 'auditor':
        return cityRole(role);
      case 'expert':
        return expert(target.panel[0] ?? 'e1');
      case 'system':
        return t.token({ role: 'system', sub: 'credit-gateway' });
      case 'witness':
        return t.token({ role: 'witness', sub: 'witness.example/w1' });
    }
  }

  /** Every role not allowed on the route, each with claims in scope of the target. */
  function wrongRoles(method: Method, path: string, body: object | undefined, allowed: readonly Role[], target: Target): Case[] {
    return ROLES.filter((role) => !allowed.includes(role)).map((role) => ({ method, path, body, who: `${role} (in scope)`, token: inScope(role, target), code: 'ROLE_FORBIDDEN', status: 403 as const }));
  }

  async function call(c: Pick<Case, 'method' | 'path' | 'body' | 'token'>) {
    const req = t.http[c.method](c.path).set(bearer(c.token));
    return c.method === 'get' ? req : req.send(c.body ?? {});
  }

  const panelBody = (experts: readonly string[]) => ({ experts: experts.map((expertId) => ({ expertId, organisation: `univ-${expertId}` })) });
  const scoresBody = { scores: [{ criterionId: 'a', score: 80 }], comment: '' };
  const terms = () => suzhouTerms({ code: 'SZ-ROLES', review: { panelSize: 3, aggregation: 'mean', defenseSize: 1, criteria: [{ id: 'a', max: 100 }] } });

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-sz' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms()).expect(201)).body.programmeId;
    for (const [key, e] of [['A', A], ['B', B], ['C', C]] as const) {
      const submitted = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant(e.creditCode))).send(suzhouProfile({ creditCode: e.creditCode, district: e.district }));
      expect(submitted.status).toBe(201);
      app[key] = submitted.body.applicationId;
    }
    t.clock.set('2024-11-19T02:00:00Z');
    // A: endorsed, reviewed by e1–e3, closed, invited to the defense round. B: endorsed, under review by e4–e6. C: only submitted.
    for (const [id, e] of [[app.A, A], [app.B, B]] as const) {
      await t.http.post(`/v1/applications/${id}/endorsement`).set(bearer(office(e.district))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      await t.http.post(`/v1/applications/${id}/review-panel`).set(bearer(admin)).send(panelBody(e.panel)).expect(200);
    }
    for (const e of A.panel) await t.http.put(`/v1/applications/${app.A}/reviews/${e}`).set(bearer(expert(e))).send(scoresBody).expect(200);
    await t.http.post(`/v1/applications/${app.A}/review-panel/closure`).set(bearer(admin)).expect(200);
    await t.projectionsCaughtUp();
    const round = await t.http.post(`/v1/programmes/${programmeId}/defense-round`).set(bearer(admin)).send({}).expect(200);
    expect(round.body.invited.map((i: { applicationId: string }) => i.applicationId)).toEqual([app.A]);
    await t.projectionsCaughtUp();
  });
  afterAll(() => t?.close());

  it('refuses every wrong role (403) and every wrong scope (403, or 404 when the caller may not see the record), and appends nothing', async () => {
    const P = `/v1/programmes/${programmeId}`;
    const a = (id: string, rest = '') => `/v1/applications/${id}${rest}`;
    const otherAdmin = cityRole('programme-admin', OTHER_CITY);
    const otherAuditor = cityRole('auditor', OTHER_CITY);
    const suzhouRuleSet = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd')!;
    const nextRuleSet = { ...suzhouRuleSet, version: 2 };
    const rizhaoTerms = suzhouTerms({ code: 'RZ-ROLES', city: OTHER_CITY, ruleSet: { id: 'rizhao-pilot', version: 1 }, tranchePlan: [{ percent: 100, trigger: 'evaluation-passed' }] });
    const fact = { fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SD-ROLES-1', observedAt: '2024-11-19T09:00:00+08:00' };
    const endorse = { decision: 'endorse', opinion: '同意推荐' };
    const select = { decision: 'select', approvedAmountFen: 1_000_000, reason: '择优立项' };
    const scope = (method: Method, path: string, body: object | undefined, who: string, token: string, expected = 'SCOPE_FORBIDDEN'): Case => ({ method, path, body, who, token, code: expected, status: 403 });
    const hidden = (method: Method, path: string, body: object | undefined, who: string, token: string, expected = 'APPLICATION_NOT_FOUND'): Case => ({ method, path, body, who, token, code: expected, status: 404 });

    const cases: Case[] = [
      // POST /v1/programmes: programme-admin of body.city
      ...wrongRoles('post', '/v1/programmes', terms(), ['programme-admin'], A),
      scope('post', '/v1/programmes', suzhouTerms({ code: 'SZ-ROLES-2' }), 'programme-admin 371100, Suzhou call', otherAdmin),
      scope('post', '/v1/programmes', rizhaoTerms, 'programme-admin 320500, Rizhao call', admin),

      // POST /v1/programmes/{id}/applications: an applicant for its own enterprise
      ...wrongRoles('post', `${P}/applications`, suzhouProfile({ creditCode: D.creditCode, district: D.district }), ['applicant'], A),
      scope('post', `${P}/applications`, suzhouProfile({ creditCode: D.creditCode, district: D.district }), "applicant B, D's profile", applicant(B.creditCode)),
      scope('post', `${P}/applications`, suzhouProfile({ creditCode: B.creditCode, district: B.district }), "applicant A, B's profile", applicant(A.creditCode)),

      // GET /v1/programmes/{id}/applications: the wrong roles (scope filters the rows: see the listing test below)
      ...wrongRoles('get', `${P}/applications`, undefined, ['applicant', 'district-office', 'programme-admin', 'auditor'], A),

      // POST /v1/programmes/{id}/defense-round: programme-admin of the call's city
      ...wrongRoles('post', `${P}/defense-round`, {}, ['programme-admin'], A),
      scope('post', `${P}/defense-round`, {}, 'programme-admin 371100', otherAdmin),

      // GET /v1/applications/{id}
      ...wrongRoles('get', a(app.A), undefined, ['applicant', 'district-office', 'programme-admin', 'auditor', 'expert'], A),
      hidden('get', a(app.A), undefined, 'applicant B', applicant(B.creditCode)),
      hidden('get', a(app.A), undefined, 'district-office 320506', office(B.district)),
      hidden('get', a(app.A), undefined, 'programme-admin 371100', otherAdmin),
      hidden('get', a(app.A), undefined, 'auditor 371100', otherAuditor),
      hidden('get', a(app.A), undefined, "expert e4 (B's panel)", expert('e4')),
      hidden('get', a(app.A), undefined, 'expert e9 (no panel)', expert('e9')),

      // POST amendments / withdrawal: the owner only
      ...wrongRoles('post', a(app.A, '/amendments'), suzhouProfile(), ['applicant'], A),
      hidden('post', a(app.A, '/amendments'), suzhouProfile(), 'applicant B', applicant(B.creditCode)),
      hidden('post', a(app.A, '/amendments'), suzhouProfile(), 'applicant Rizhao', applicant(CREDIT_CODES.rizhao)),
      ...wrongRoles('post', a(app.C, '/withdrawal'), { reason: 'x' }, ['applicant'], C),
      hidden('post', a(app.C, '/withdrawal'), { reason: 'x' }, 'applicant A', applicant(A.creditCode)),
      hidden('post', a(app.A, '/withdrawal'), { reason: 'x' }, 'applicant B', applicant(B.creditCode)),

      // POST endorsement: the applicant's district office
      ...wrongRoles('post', a(app.C, '/endorsement'), endorse, ['district-office'], C),
      hidden('post', a(app.C, '/endorsement'), endorse, 'district-office 320505', office(A.district)),
      hidden('post', a(app.C, '/endorsement'), endorse, 'district-office 371102', office('371102')),

      // POST review-panel, review-panel/closure, selection: programme-admin of the call's city
      ...wrongRoles('post', a(app.B, '/review-panel'), panelBody(B.panel), ['programme-admin'], B),
      hidden('post', a(app.B, '/review-panel'), panelBody(B.panel), 'programme-admin 371100', otherAdmin),
      ...wrongRoles('post', a(app.B, '/review-panel/closure'), {}, ['programme-admin'], B),
      hidden('post', a(app.B, '/review-panel/closure'), {}, 'programme-admin 371100', otherAdmin),
      ...wrongRoles('post', a(app.A, '/selection'), select, ['programme-admin'], A),
      hidden('post', a(app.A, '/selection'), select, 'programme-admin 371100, select', otherAdmin),
      hidden('post', a(app.A, '/selection'), { decision: 'reject', reason: 'x' }, 'programme-admin 371100, reject', otherAdmin),

      // POST conflicts: an expert on this application's panel, as themself
      ...wrongRoles('post', a(app.B, '/conflicts'), { reason: '曾在该企业任职' }, ['expert'], B),
      hidden('post', a(app.B, '/conflicts'), { reason: '曾在该企业任职' }, "expert e1 (A's panel)", expert('e1')),
      hidden('post', a(app.A, '/conflicts'), { reason: '曾在该企业任职' }, "expert e4 (B's panel)", expert('e4')),
      hidden('post', a(app.A, '/conflicts'), { reason: '曾在该企业任职' }, 'expert e9 (no panel)', expert('e9')),

      // PUT reviews/{expertId}: that expert, on the panel
      ...wrongRoles('put', a(app.B, '/reviews/e4'), scoresBody, ['expert'], B),
      scope('put', a(app.B, '/reviews/e5'), scoresBody, 'expert e4 as e5', expert('e4')),
      scope('put', a(app.B, '/reviews/e4'), scoresBody, 'expert e5 as e4', expert('e5')),
      hidden('put', a(app.B, '/reviews/e1'), scoresBody, "expert e1 (A's panel)", expert('e1')),
      hidden('put', a(app.B, '/reviews/e9'), scoresBody, 'expert e9 (no panel)', expert('e9')),

      // PUT defense-scores/{expertId}: that expert, on the panel
      ...wrongRoles('put', a(app.A, '/defense-scores/e1'), { score: 88, comment: '' }, ['expert'], A),
      scope('put', a(app.A, '/defense-scores/e2'), { score: 88, comment: '' }, 'expert e1 as e2', expert('e1')),
      hidden('put', a(app.A, '/defense-scores/e4'), { score: 88, comment: '' }, "expert e4 (B's panel)", expert('e4')),
      hidden('put', a(app.A, '/defense-scores/e9'), { score: 88, comment: '' }, 'expert e9 (no panel)', expert('e9')),

      // POST /v1/rules/rule-sets: programme-admin (rule sets carry no city: no scope to test, see the report)
      ...wrongRoles('post', '/v1/rules/rule-sets', nextRuleSet, ['programme-admin'], A),

      // POST /v1/rules/evaluations: programme-admin or auditor; an application only within their city
      ...wrongRoles('post', '/v1/rules/evaluations', { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: app.A }, ['programme-admin', 'auditor'], A),
      hidden('post', '/v1/rules/evaluations', { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: app.A }, 'programme-admin 371100', otherAdmin),
      hidden('post', '/v1/rules/evaluations', { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: app.A }, 'auditor 371100', otherAuditor),

      // POST /v1/enterprises/{code}/facts: system only (a system client has no scope claim)
      ...wrongRoles('post', `/v1/enterprises/${A.creditCode}/facts`, fact, ['system'], A),

      // GET /v1/audit/...: auditors of the record's city
      ...wrongRoles('get', `/v1/audit/streams/application-${app.A}`, undefined, ['auditor'], A),
      hidden('get', `/v1/audit/streams/application-${app.A}`, undefined, 'auditor 371100', otherAuditor, 'STREAM_NOT_FOUND'),
      hidden('get', `/v1/audit/streams/programme-${programmeId}`, undefined, 'auditor 371100, programme stream', otherAuditor, 'STREAM_NOT_FOUND'),
      ...wrongRoles('get', `/v1/audit/applications/${app.A}/history`, undefined, ['auditor'], A),
      hidden('get', `/v1/audit/applications/${app.A}/history`, undefined, 'auditor 371100', otherAuditor),
    ];

    const head = await t.runtime.store.headPosition();
    for (const c of cases) {
      const response = await call(c);
      const { method, path, who } = c;
      expect({ method, path, who, status: response.status, code: response.body?.code }).toEqual({ method, path, who, status: c.status, code: c.code });
    }
    expect(await t.runtime.store.headPosition()).toBe(head);
    expect({ role: cases.filter((c) => c.code === 'ROLE_FORBIDDEN').length, scope: cases.filter((c) => c.code !== 'ROLE_FORBIDDEN' && c.status === 403).length, hidden: cases.filter((c) => c.status === 404).length }).toEqual(CASE_COUNT);
  });

  it('lets every role read a programme call and the published rule sets', async () => {
    const tokens: Array<[string, string]> = [
      ...ROLES.map((role): [string, string] => [role, inScope(role, A)]),
      ['programme-admin 371100', cityRole('programme-admin', OTHER_CITY)],
      ['applicant Rizhao', applicant(CREDIT_CODES.rizhao)],
      ['expert e9', expert('e9')],
    ];
    const head = await t.runtime.store.headPosition();
    for (const [who, token] of tokens) {
      for (const path of [`/v1/programmes/${programmeId}`, '/v1/rules/rule-sets', '/v1/rules/rule-sets/suzhou-2024-ipstd/versions/1']) {
        const response = await t.http.get(path).set(bearer(token));
        expect({ path, who, status: response.status }).toEqual({ path, who, status: 200 });
      }
    }
    expect(await t.runtime.store.headPosition()).toBe(head);
  });

  it('lists only the rows within the caller\'s scope: other cities, districts and enterprises see none of them', async () => {
    const list = async (token: string) => {
      const response = await t.http.get(`/v1/programmes/${programmeId}/applications`).set(bearer(token));
      return { status: response.status, ids: (response.body.items ?? []).map((i: { applicationId: string }) => i.applicationId).sort() };
    };
    const sorted = (...ids: string[]) => [...ids].sort();
    // In scope, as a control that the read model has caught up.
    expect(await list(admin)).toEqual({ status: 200, ids: sorted(app.A, app.B, app.C) });
    expect(await list(cityRole('auditor'))).toEqual({ status: 200, ids: sorted(app.A, app.B, app.C) });
    expect(await list(office(B.district))).toEqual({ status: 200, ids: [app.B] });
    expect(await list(applicant(C.creditCode))).toEqual({ status: 200, ids: [app.C] });
    // Out of scope: the documented behaviour is a filtered list (api-guide.md), not a 403.
    for (const [who, token] of [
      ['programme-admin 371100', cityRole('programme-admin', OTHER_CITY)],
      ['auditor 371100', cityRole('auditor', OTHER_CITY)],
      ['district-office 320508', office(D.district)],
      ['district-office 371102', office('371102')],
      ['applicant D (not applied)', applicant(D.creditCode)],
      ['applicant Rizhao', applicant(CREDIT_CODES.rizhao)],
    ] as const) {
      expect({ who, ...(await list(token)) }).toEqual({ who, status: 200, ids: [] });
    }
  });

  it('answers the same read-only requests for the right role within scope (control for the refusals above)', async () => {
    const evaluation = { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: app.A };
    const controls: Array<Pick<Case, 'method' | 'path' | 'body' | 'who' | 'token'>> = [
      { method: 'get', path: `/v1/applications/${app.A}`, who: 'applicant A', token: applicant(A.creditCode) },
      { method: 'get', path: `/v1/applications/${app.A}`, who: 'district-office 320505', token: office(A.district) },
      { method: 'get', path: `/v1/applications/${app.A}`, who: 'programme-admin 320500', token: admin },
      { method: 'get', path: `/v1/applications/${app.A}`, who: 'auditor 320500', token: cityRole('auditor') },
      { method: 'get', path: `/v1/applications/${app.A}`, who: 'expert e1', token: expert('e1') },
      { method: 'post', path: '/v1/rules/evaluations', body: evaluation, who: 'programme-admin 320500', token: admin },
      { method: 'post', path: '/v1/rules/evaluations', body: evaluation, who: 'auditor 320500', token: cityRole('auditor') },
      { method: 'get', path: `/v1/audit/streams/application-${app.A}`, who: 'auditor 320500', token: cityRole('auditor') },
      { method: 'get', path: `/v1/audit/streams/programme-${programmeId}`, who: 'auditor 320500', token: cityRole('auditor') },
      { method: 'get', path: `/v1/audit/applications/${app.A}/history`, who: 'auditor 320500', token: cityRole('auditor') },
    ];
    const head = await t.runtime.store.headPosition();
    for (const c of controls) {
      const response = await call(c);
      const { method, path, who } = c;
      expect({ method, path, who, status: response.status }).toEqual({ method, path, who, status: 200 });
    }
    expect(await t.runtime.store.headPosition()).toBe(head);
  });

  // Rule sets belong to a city; only that city's bureau publishes new versions of them.
  it('refuses a programme-admin of another city publishing a version of a Suzhou rule set', async () => {
    const head = await t.runtime.store.headPosition();
    const suzhouRuleSet = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd')!;
    const path = '/v1/rules/rule-sets';
    const response = await t.http.post(path).set(bearer(cityRole('programme-admin', OTHER_CITY))).send({ ...suzhouRuleSet, version: 2 });
    expect({ path, status: response.status }).toEqual({ path, status: 403 });
    expect(await t.runtime.store.headPosition()).toBe(head);
  });
});

/** Guards the table against cases silently dropping out (role: 19 routes refuse the witness role too). */
const CASE_COUNT = { role: 125, scope: 8, hidden: 28 };
