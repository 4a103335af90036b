import { BUILT_IN_RULE_SETS } from '@ipstd/funding-rules';
import { creditCodeCheckCharacter } from '@ipstd/kernel';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { until } from '../support/wait';

const suzhouV1 = BUILT_IN_RULE_SETS.find((r) => r.id === 'suzhou-2024-ipstd' && r.version === 1)!;

/** v2 of the Suzhou rules as an admin would publish it: the same data with a stricter E2 threshold. */
function stricterV2(minValidPatents = 70) {
  const copy = JSON.parse(JSON.stringify(suzhouV1));
  copy.version = 2;
  const e2 = copy.clauses.find((c: { id: string }) => c.id === 'SZ24-E2');
  e2.params.minValidPatents = minValidPatents;
  return copy;
}

function code(tail: string, district = '320505'): string {
  const first17 = `91${district}MA${tail}`;
  return first17 + creditCodeCheckCharacter(first17);
}


describe('funding rules over REST', () => {
  let t: TestApp;
  let admin: string;
  let auditor: string;
  let system: string;
  let programmeId: string;

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    auditor = t.token({ role: 'auditor', city: '320500', sub: 'auditor-1' });
    system = t.token({ role: 'system', sub: 'credit-china-gateway' });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201)).body.programmeId;
  });
  afterAll(() => t?.close());

  const submit = (creditCode: string, overrides: Record<string, unknown> = {}) =>
    t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: creditCode }))).send({ ...suzhouProfile({ creditCode }), ...overrides });
  const application = (id: string) => t.http.get(`/v1/applications/${id}`).set(bearer(admin)).expect(200).then((r) => r.body);

  describe('rule-set versions', () => {
    it('lists the built-in versions, published as events of the catalog stream at start', async () => {
      const response = await t.http.get('/v1/rules/rule-sets').set(bearer(t.token({ role: 'applicant', org: CREDIT_CODES.huqiu }))).expect(200);
      expect(response.body.items.map((r: { id: string; version: number }) => `${r.id}@${r.version}`)).toEqual(['suzhou-2024-ipstd@1', 'rizhao-pilot@1']);
      const catalog = await t.runtime.store.readStream('rule-set-catalog');
      expect(catalog.map((e) => e.type)).toEqual(['RuleSetPublished', 'RuleSetPublished']);
      expect(catalog[0].metadata.actor.role).toBe('system');
      const full = await t.http.get('/v1/rules/rule-sets/suzhou-2024-ipstd/versions/1').set(bearer(admin)).expect(200);
      expect(full.body.clauses.find((c: { id: string }) => c.id === 'SZ24-E2').citation).toBe('004_39c6efd61937e065.txt 三(二)');
    });

    it('publishes a new version as data; the catalog lists it; an earlier decision is unchanged', async () => {
      const earlier = (await submit(code('0000001')).expect(201)).body;
      expect(earlier.eligibility.outcome).toBe('eligible');

      const published = await t.http.post('/v1/rules/rule-sets').set(bearer(admin)).send(stricterV2()).expect(201);
      expect(published.headers.location).toBe('/v1/rules/rule-sets/suzhou-2024-ipstd/versions/2');
      expect(published.body).toMatchObject({ id: 'suzhou-2024-ipstd', version: 2 });
      const listed = await t.http.get('/v1/rules/rule-sets?id=suzhou-2024-ipstd').set(bearer(admin)).expect(200);
      expect(listed.body.items.map((r: { version: number }) => r.version)).toEqual([1, 2]);

      expect((await application(earlier.applicationId)).eligibility).toEqual(earlier.eligibility);
      const later = (await submit(code('0000002')).expect(201)).body;
      expect(later.eligibility).toMatchObject({ ruleSet: { version: 1 }, outcome: 'eligible' });
    });

    it('refuses a rule set that is not the next version, or is malformed, listing every problem', async () => {
      const skipped = await t.http.post('/v1/rules/rule-sets').set(bearer(admin)).send({ ...stricterV2(), version: 7 }).expect(422);
      expect(skipped.body.code).toBe('RULE_SET_INVALID');
      expect(skipped.body.problems.map((p: { path: string }) => p.path)).toContain('version');
      const broken = { ...stricterV2(), version: 3, clauses: [{ id: 'X', kind: 'astrology', citation: 'x', description: { zh: 'x', en: 'x' }, params: {} }] };
      const invalid = await t.http.post('/v1/rules/rule-sets').set(bearer(admin)).send(broken).expect(422);
      expect(invalid.body.problems.length).toBeGreaterThan(0);
      expect(invalid.body.detailZh).toContain('规则集无效');
      await t.http.post('/v1/rules/rule-sets').set(bearer(t.token({ role: 'auditor', city: '320500' }))).send({ ...stricterV2(), version: 3 }).expect(403);
      const listed = await t.http.get('/v1/rules/rule-sets?id=suzhou-2024-ipstd').set(bearer(admin)).expect(200);
      expect(listed.body.items).toHaveLength(2);
    });

    it('opens a call only under a published version in effect when the call opens', async () => {
      const unknown = await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-UNKNOWN', ruleSet: { id: 'suzhou-2024-ipstd', version: 9 } })).expect(422);
      expect(unknown.body.code).toBe('RULE_SET_NOT_FOUND');
      const outOfPeriod = suzhouTerms({
        code: 'SZ-2025',
        window: { opensAt: '2025-03-01T00:00:00+08:00', closesAt: '2025-04-01T00:00:00+08:00' },
        endorsementDeadline: '2025-04-04T00:00:00+08:00',
      });
      expect((await t.http.post('/v1/programmes').set(bearer(admin)).send(outOfPeriod).expect(422)).body.code).toBe('RULE_SET_NOT_EFFECTIVE');
    });
  });

  describe('what-if evaluation', () => {
    it('evaluates a profile under any version and records nothing', async () => {
      const head = await t.runtime.store.headPosition();
      const body = { ruleSet: { id: 'suzhou-2024-ipstd', version: 2 }, referenceDate: '2024-11-17', profile: suzhouProfile() };
      const v2 = await t.http.post('/v1/rules/evaluations').set(bearer(auditor)).send(body).expect(200);
      expect(v2.body.outcome).toBe('ineligible');
      const e2 = v2.body.clauses.find((c: { id: string }) => c.id === 'SZ24-E2');
      expect(e2).toMatchObject({ outcome: 'fail', citation: '004_39c6efd61937e065.txt 三(二)' });
      const { project: _project, ...profile } = suzhouProfile();
      const v1 = await t.http.post('/v1/rules/evaluations').set(bearer(admin)).send({ ...body, ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, profile }).expect(200);
      expect(v1.body.outcome).toBe('eligible');
      expect(v1.body.priority[0].items).toEqual(['jiangsu-patent-award']);
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('evaluates a past application as it stood at submission, after it was amended', async () => {
      const creditCode = code('0000003');
      const submitted = (await submit(creditCode).expect(201)).body;
      const token = t.token({ role: 'applicant', org: creditCode });
      await t.http.post(`/v1/applications/${submitted.applicationId}/amendments`).set(bearer(token)).send({ ...suzhouProfile({ creditCode }), ip: { ...suzhouProfile().ip, validPatents: 40 } }).expect(200);
      expect((await application(submitted.applicationId)).eligibility.outcome).toBe('ineligible');
      const whatIf = await t.http.post('/v1/rules/evaluations').set(bearer(auditor)).send({ ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: submitted.applicationId }).expect(200);
      expect(whatIf.body).toMatchObject({ outcome: 'eligible', referenceDate: '2024-11-17' });
      await t.http.post('/v1/rules/evaluations').set(bearer(t.token({ role: 'auditor', city: '371100' }))).send({ ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: submitted.applicationId }).expect(404);
    });

    it('refuses unclear requests and the wrong roles', async () => {
      const ruleSet = { id: 'suzhou-2024-ipstd', version: 1 };
      expect((await t.http.post('/v1/rules/evaluations').set(bearer(admin)).send({ ruleSet }).expect(400)).body.code).toBe('EVALUATION_SUBJECT_INVALID');
      const { project: _p, ...profile } = suzhouProfile();
      expect((await t.http.post('/v1/rules/evaluations').set(bearer(admin)).send({ ruleSet, profile }).expect(400)).body.code).toBe('REFERENCE_DATE_REQUIRED');
      expect((await t.http.post('/v1/rules/evaluations').set(bearer(admin)).send({ ruleSet: { id: 'nope', version: 1 }, profile, referenceDate: '2024-11-17' }).expect(422)).body.code).toBe('RULE_SET_NOT_FOUND');
      await t.http.post('/v1/rules/evaluations').set(bearer(t.token({ role: 'applicant', org: CREDIT_CODES.huqiu }))).send({ ruleSet, profile, referenceDate: '2024-11-17' }).expect(403);
    });
  });

  describe('facts pushed by other systems', () => {
    const fact = (creditCode: string, body: Record<string, unknown>, token = system) => t.http.post(`/v1/enterprises/${creditCode}/facts`).set(bearer(token)).send(body);

    it('re-assesses open applications when a serious-dishonesty record arrives, and again when it is lifted', async () => {
      const creditCode = code('0000004');
      const { applicationId } = (await submit(creditCode).expect(201)).body;
      const recorded = await fact(creditCode, { fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SD-1', observedAt: '2024-10-09T09:00:00+08:00' }).expect(200);
      expect(recorded.body).toMatchObject({ recorded: true, facts: { seriousDishonesty: true }, reassessment: 'scheduled' });
      const after = await until(() => application(applicationId), (a) => a.eligibility.outcome === 'ineligible');
      expect(after.eligibility.clauses.find((c: { id: string }) => c.id === 'SZ24-E5').outcome).toBe('fail');
      const stream = await t.runtime.store.readStream(`application-${applicationId}`);
      const reassessed = stream[stream.length - 1];
      expect(reassessed).toMatchObject({ type: 'EligibilityAssessed', data: { trigger: 'credit-fact', facts: { seriousDishonesty: true } } });
      expect(reassessed.metadata.actor).toEqual({ userId: 'system:eligibility-reassessor', role: 'system', organisation: null });
      const [factEvent] = await t.runtime.store.readStream(`enterprise-${creditCode}`);
      expect(reassessed.metadata.causationId).toBe(factEvent.eventId);

      const again = await fact(creditCode, { fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SD-1', observedAt: '2024-10-09T09:00:00+08:00' }).expect(200);
      expect(again.body).toMatchObject({ recorded: false, reassessment: 'unchanged' });

      await fact(creditCode, { fact: 'serious-dishonesty', present: false, source: 'credit-china', reference: 'SD-1-lifted', observedAt: '2024-10-09T10:00:00+08:00' }).expect(200);
      await until(() => application(applicationId), (a) => a.eligibility.outcome === 'eligible');
    });

    it('applies a fact recorded before the submission', async () => {
      const creditCode = code('0000005');
      await fact(creditCode, { fact: 'abnormal-patent-application', present: true, source: 'cnipa', reference: 'AP-9', observedAt: '2024-10-08T12:00:00+08:00' }).expect(200);
      const submitted = (await submit(creditCode).expect(201)).body;
      expect(submitted.eligibility.outcome).toBe('ineligible');
      expect(submitted.eligibility.clauses.find((c: { id: string }) => c.id === 'SZ24-E5').outcome).toBe('fail');
    });

    it('is for system callers with well-formed facts only, and changes nothing otherwise', async () => {
      const creditCode = code('0000006');
      const body = { fact: 'serious-dishonesty', present: true, source: 'credit-china', reference: 'SD-2', observedAt: '2024-10-09T09:00:00+08:00' };
      await fact(creditCode, body, admin).expect(403);
      expect((await fact(creditCode, { ...body, fact: 'rumour' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
      expect((await fact('NOT-A-CODE', body).expect(400)).body.code).toBe('CREDIT_CODE_INVALID');
      expect((await fact(`${creditCode.slice(0, 17)}${creditCode[17] === '0' ? '1' : '0'}`, body).expect(422)).body.code).toBe('CREDIT_CODE_INVALID');
      expect((await fact(creditCode, { ...body, observedAt: '2030-01-01T00:00:00+08:00' }).expect(422)).body.code).toBe('FACT_FROM_THE_FUTURE');
      expect(await t.runtime.store.readStream(`enterprise-${creditCode}`)).toEqual([]);
    });
  });
});
