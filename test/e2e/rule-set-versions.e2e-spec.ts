import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

/**
 * Issue 15 item 5: a new rule-set version derived from a published one with changed dates and
 * parameters (POST /v1/rules/rule-sets/{id}/versions), validated like a whole publication, so a
 * Suzhou 2025 call and a Rizhao call opening today need no hand-edited JSON.
 */
describe('derived rule-set versions', () => {
  let t: TestApp;
  const admin = (city = '320500') => t.token({ role: 'programme-admin', city, sub: `admin-${city}` });
  const derive = (id: string, body: unknown, token = admin()) => t.http.post(`/v1/rules/rule-sets/${id}/versions`).set(bearer(token)).send(body as object);
  const review = { panelSize: 3, aggregation: 'mean' as const, defenseSize: 0, criteria: [{ id: 'a', max: 100 }] };

  beforeAll(async () => {
    t = await startTestApp({ now: '2025-05-20T02:00:00Z' });
  });
  afterAll(() => t?.close());

  it('derives Suzhou 2025 from the 2024 version and opens a call on it', async () => {
    const created = await derive('suzhou-2024-ipstd', {
      from: 1,
      effective: { from: '2025-01-01', to: '2025-12-31' },
      title: { zh: '2025年度苏州市知识产权和标准融合计划项目', en: 'Suzhou 2025 IP and standards integration programme' },
      params: { 'SZ24-E2': { minValidPatents: 40 } },
    }).expect(201);
    expect(created.headers.location).toBe('/v1/rules/rule-sets/suzhou-2024-ipstd/versions/2');
    expect(created.body).toMatchObject({ id: 'suzhou-2024-ipstd', version: 2, effective: { from: '2025-01-01', to: '2025-12-31' }, derivedFrom: { id: 'suzhou-2024-ipstd', version: 1 } });
    const v2 = (await t.http.get(created.headers.location).set(bearer(admin())).expect(200)).body;
    const v1 = (await t.http.get('/v1/rules/rule-sets/suzhou-2024-ipstd/versions/1').set(bearer(admin())).expect(200)).body;
    const e2 = (v: { clauses: Array<{ id: string; params: Record<string, unknown> }> }) => v.clauses.find((c) => c.id === 'SZ24-E2')!.params;
    expect(e2(v2)).toEqual({ ...e2(v1), minValidPatents: 40 });
    expect(v2.clauses.filter((c: { id: string }) => c.id !== 'SZ24-E2')).toEqual(v1.clauses.filter((c: { id: string }) => c.id !== 'SZ24-E2'));
    expect(v2.targets).toEqual(v1.targets);
    // v1 ended with 2024; the derived version opens a 2025 call.
    const window = { opensAt: '2025-06-01T00:00:00+08:00', closesAt: '2025-07-15T23:59:59+08:00' };
    const terms = (version: number) => suzhouTerms({ code: `SZ-2025-V${version}`, ruleSet: { id: 'suzhou-2024-ipstd', version }, window, endorsementDeadline: '2025-07-20T23:59:59+08:00', review });
    expect((await t.http.post('/v1/programmes').set(bearer(admin())).send(terms(1)).expect(422)).body.code).toBe('RULE_SET_NOT_EFFECTIVE');
    await t.http.post('/v1/programmes').set(bearer(admin())).send(terms(2)).expect(201);
  });

  it('derives a Rizhao version effective today and opens a call on it today', async () => {
    t.clock.set('2026-11-30T02:00:00Z');
    const today = '2026-11-30';
    const created = await derive('rizhao-pilot', { from: 1, effective: { from: today, to: null } }, admin('371100')).expect(201);
    expect(created.body).toMatchObject({ id: 'rizhao-pilot', version: 2, effective: { from: today, to: null } });
    const window = { opensAt: '2026-11-30T09:00:00+08:00', closesAt: '2026-12-31T23:59:59+08:00' };
    const terms = (version: number) =>
      suzhouTerms({ code: `RZ-2026-V${version}`, city: '371100', title: '日照市专利标准融合创新试点企业', ruleSet: { id: 'rizhao-pilot', version }, window, endorsementDeadline: '2027-01-10T23:59:59+08:00', tranchePlan: [{ percent: 100, trigger: 'evaluation-passed' }], review, implementationMonths: 18 });
    expect((await t.http.post('/v1/programmes').set(bearer(admin('371100'))).send(terms(1)).expect(422)).body.code).toBe('RULE_SET_NOT_EFFECTIVE');
    const opened = await t.http.post('/v1/programmes').set(bearer(admin('371100'))).send(terms(2)).expect(201);
    expect(opened.body.phase).toBe('accepting');
  });

  it('validates the result like a whole publication and changes nothing when refused', async () => {
    const before = (await t.http.get('/v1/rules/rule-sets?id=suzhou-2024-ipstd').set(bearer(admin())).expect(200)).body.items.length;
    const refused = async (body: unknown, status: number, code: string, token = admin()) => {
      const response = await derive('suzhou-2024-ipstd', body, token).expect(status);
      expect(response.body.code).toBe(code);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      return response.body;
    };
    expect((await refused({ from: 1, params: { 'NO-SUCH': { x: 1 } } }, 422, 'RULE_SET_INVALID')).problems).toEqual([expect.objectContaining({ path: 'params.NO-SUCH' })]);
    await refused({ from: 1, params: { 'SZ24-E2': { minValidPatents: -5 } } }, 422, 'RULE_SET_INVALID');
    await refused({ from: 1, params: { 'SZ24-E2': { colour: 'red' } } }, 422, 'RULE_SET_INVALID');
    await refused({ from: 1, effective: { from: '2025-13-01', to: null } }, 422, 'RULE_SET_INVALID');
    await refused({ from: 1, effective: { from: '2025-12-31', to: '2025-01-01' } }, 422, 'RULE_SET_INVALID');
    await refused({ from: 9 }, 422, 'RULE_SET_INVALID');
    await refused({ from: 1, publishedAt: 'x' }, 400, 'VALIDATION_FAILED');
    await refused({}, 400, 'VALIDATION_FAILED');
    await refused({ from: 1 }, 403, 'SCOPE_FORBIDDEN', admin('371100'));
    expect((await derive('no-such-rules', { from: 1 }).expect(422)).body.code).toBe('RULE_SET_NOT_FOUND');
    await derive('suzhou-2024-ipstd', { from: 1 }, t.token({ role: 'finance', city: '320500' })).expect(403);
    expect((await t.http.get('/v1/rules/rule-sets?id=suzhou-2024-ipstd').set(bearer(admin())).expect(200)).body.items.length).toBe(before);
  });

  it('numbers concurrent derivations one above the other', async () => {
    const [a, b] = await Promise.all([derive('suzhou-2024-ipstd', { from: 1 }), derive('suzhou-2024-ipstd', { from: 2 })]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.body.version, b.body.version].sort()).toEqual([3, 4]);
  });
});
