import { creditCodeCheckCharacter } from '@ipstd/applications';
import { CREDIT_CODES, suzhouProfile, suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

describe('programme and application intake over REST', () => {
  let t: TestApp;
  let admin: string;
  let applicant: string;
  let programmeId: string;

  const events = async (streamId: string) => (await t.runtime.store.readStream(streamId)).length;

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z' });
    admin = t.token({ role: 'programme-admin', city: '320500', sub: 'admin-1' });
    applicant = t.token({ role: 'applicant', org: CREDIT_CODES.huqiu, sub: 'ent-huqiu' });
    const response = await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(201);
    programmeId = response.body.programmeId;
  });
  afterAll(() => t?.close());

  describe('opening a programme call', () => {
    it('answers 201 with Location, ETag and the call as recorded', async () => {
      const response = await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(applicant)).expect(200);
      expect(response.headers.etag).toBe('"0"');
      expect(response.body).toMatchObject({ code: 'SZ-2024-IPSTD', budgetFen: 2_000_000_000, phase: 'accepting', window: { closesAt: '2024-11-17T23:59:59+08:00' } });
    });

    it('refuses the same code twice with 409', async () => {
      const response = await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms()).expect(409);
      expect(response.body.code).toBe('PROGRAMME_CODE_TAKEN');
    });

    it('refuses terms that break a rule with 422 naming the field', async () => {
      const response = await t.http.post('/v1/programmes').set(bearer(admin)).send(suzhouTerms({ code: 'SZ-BAD', tranchePlan: [{ percent: 60, trigger: 'award' }] })).expect(422);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.body).toMatchObject({ code: 'PROGRAMME_TERMS_INVALID', field: 'tranchePlan' });
      expect(response.body.detailZh).toContain('100%');
    });

    it('refuses unknown fields and wrong types with 400 listing each field in both languages', async () => {
      const response = await t.http.post('/v1/programmes').set(bearer(admin)).send({ ...suzhouTerms({ code: 'SZ-X' }), budgetFen: 1.5, surprise: true }).expect(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      const fields = response.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['surprise', 'budgetFen']));
      for (const error of response.body.errors) {
        expect(error.zh).toBeTruthy();
        expect(error.en).toBeTruthy();
      }
    });

    it('is for programme admins of that city only, and changes nothing otherwise', async () => {
      const head = await t.runtime.store.headPosition();
      await t.http.post('/v1/programmes').set(bearer(applicant)).send(suzhouTerms({ code: 'SZ-OTHER' })).expect(403);
      const rizhaoAdmin = t.token({ role: 'programme-admin', city: '371100' });
      const response = await t.http.post('/v1/programmes').set(bearer(rizhaoAdmin)).send(suzhouTerms({ code: 'SZ-OTHER' })).expect(403);
      expect(response.body.code).toBe('SCOPE_FORBIDDEN');
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('needs a valid token', async () => {
      await t.http.post('/v1/programmes').send(suzhouTerms()).expect(401);
      const forged = admin.slice(0, -4) + 'AAAA';
      const response = await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(forged)).expect(401);
      expect(response.body.code).toBe('AUTHENTICATION_REQUIRED');
      const shortLived = t.token({ role: 'programme-admin', city: '320500' }, 60);
      await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(shortLived)).expect(200);
      t.clock.advance(2 * 3600_000);
      await t.http.get(`/v1/programmes/${programmeId}`).set(bearer(shortLived)).expect(401);
      t.clock.set('2024-10-09T02:00:00Z');
    });

    it('answers 404 for an unknown programme and 400 for a malformed id', async () => {
      expect((await t.http.get('/v1/programmes/0190a4b2-0000-7000-8000-000000000000').set(bearer(admin)).expect(404)).body.code).toBe('PROGRAMME_NOT_FOUND');
      expect((await t.http.get('/v1/programmes/not-a-uuid').set(bearer(admin)).expect(400)).body.code).toBe('ID_INVALID');
    });
  });

  describe('submitting an application', () => {
    let applicationId: string;

    it('answers 201 with Location, the ETag after both events, and the eligibility assessment', async () => {
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile()).expect(201);
      applicationId = response.body.applicationId;
      expect(response.headers.location).toBe(`/v1/applications/${applicationId}`);
      expect(response.headers.etag).toBe('"1"');
      expect(response.body).toMatchObject({
        status: 'submitted',
        programmeId,
        profile: { enterprise: { creditCode: CREDIT_CODES.huqiu } },
        eligibility: { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, referenceDate: '2024-11-17', outcome: 'eligible' },
      });
      const e2 = response.body.eligibility.clauses.find((c: { id: string }) => c.id === 'SZ24-E2');
      expect(e2.outcome).toBe('pass');
      expect(e2.explanation.en).toContain('18 valid invention patents + 1 PCT national-phase application × 3 = 21 ≥ 20');
      const [event, assessed] = await t.runtime.store.readStream(`application-${applicationId}`);
      expect(assessed.type).toBe('EligibilityAssessed');
      expect(event.metadata.actor).toEqual({ userId: 'ent-huqiu', role: 'applicant', organisation: CREDIT_CODES.huqiu });
      expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('refuses a second application of the same enterprise with 409', async () => {
      expect((await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile()).expect(409)).body.code).toBe('APPLICATION_ALREADY_SUBMITTED');
    });

    it("refuses to file for another enterprise with 403, appending nothing", async () => {
      const head = await t.runtime.store.headPosition();
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(suzhouProfile({ creditCode: CREDIT_CODES.sip, district: '320571' })).expect(403);
      expect(response.body.code).toBe('SCOPE_FORBIDDEN');
      expect(await t.runtime.store.headPosition()).toBe(head);
    });

    it('refuses a credit code with a wrong check character with 422', async () => {
      const code = '91320594MA1W12345C';
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(t.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320571' })).expect(422);
      expect(response.body.code).toBe('CREDIT_CODE_INVALID');
    });

    it('refuses submission after the window closes, naming the deadline', async () => {
      t.clock.set('2024-11-17T16:00:00Z');
      const sip = t.token({ role: 'applicant', org: CREDIT_CODES.sip });
      const response = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(sip)).send(suzhouProfile({ creditCode: CREDIT_CODES.sip, district: '320571' })).expect(422);
      expect(response.body.code).toBe('APPLICATION_WINDOW_CLOSED');
      expect(response.body.detailZh).toContain('2024-11-17 23:59:59');
      expect(response.body.detailEn).toContain('2024-11-17 23:59:59 Asia/Shanghai');
      expect(response.body.closesAt).toBe('2024-11-17T23:59:59+08:00');
      t.clock.set('2024-10-09T02:00:00Z');
    });

    describe('with an Idempotency-Key', () => {
      it('returns the first response again and appends nothing', async () => {
        const sip = t.token({ role: 'applicant', org: CREDIT_CODES.sip, sub: 'ent-sip' });
        const body = suzhouProfile({ creditCode: CREDIT_CODES.sip, district: '320571' });
        const first = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(sip)).set('Idempotency-Key', 'submit-sip-1').send(body).expect(201);
        const again = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(sip)).set('Idempotency-Key', 'submit-sip-1').send(body).expect(201);
        expect(again.body).toEqual(first.body);
        expect(again.headers.etag).toBe(first.headers.etag);
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(await events(`application-${first.body.applicationId}`)).toBe(2);
        const different = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(sip)).set('Idempotency-Key', 'submit-sip-1').send({ ...body, awards: [] }).expect(422);
        expect(different.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      });

      it('appends once when the same request races itself', async () => {
        const code = '91320583MA1Y0000';
        const full = `${code}1${creditCodeCheckCharacter(`${code}1`)}`;
        const token = t.token({ role: 'applicant', org: full, sub: 'ent-ks' });
        const body = suzhouProfile({ creditCode: full, district: '320583' });
        const responses = await Promise.all(
          Array.from({ length: 4 }, () => t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(token)).set('Idempotency-Key', 'race-1').send(body)),
        );
        expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
        expect(new Set(responses.map((r) => r.body.applicationId)).size).toBe(1);
        expect(await events(`application-${responses[0].body.applicationId}`)).toBe(2);
      });
    });

    describe('amending', () => {
      it('honours If-Match: stale gives 412, current gives 200 and the next ETag', async () => {
        const body = suzhouProfile({ requestedAmountFen: 40_000_000 });
        const stale = await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).set('If-Match', '"7"').send(body).expect(412);
        expect(stale.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentRevision: '1' });
        const ok = await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).set('If-Match', '"1"').send(body).expect(200);
        expect(ok.headers.etag).toBe('"3"');
        expect(ok.body).toMatchObject({ amendments: 1, profile: { project: { requestedAmountFen: 40_000_000 } } });
      });

      it('rejects a malformed If-Match with 400', async () => {
        expect((await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).set('If-Match', 'seven').send(suzhouProfile()).expect(400)).body.code).toBe('IF_MATCH_INVALID');
      });

      it('lets exactly one of two racing amendments win; the loser gets 409', async () => {
        const before = await events(`application-${applicationId}`);
        const responses = await Promise.all([
          t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).send(suzhouProfile({ requestedAmountFen: 41_000_000 })),
          t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).send(suzhouProfile({ requestedAmountFen: 42_000_000 })),
        ]);
        const statuses = responses.map((r) => r.status).sort();
        if (statuses[0] === 200 && statuses[1] === 200) {
          // The second request read the stream after the first had committed: not a race.
          expect(await events(`application-${applicationId}`)).toBe(before + 4);
        } else {
          expect(statuses).toEqual([200, 409]);
          expect(responses.find((r) => r.status === 409)!.body.code).toBe('CONCURRENT_MODIFICATION');
          expect(await events(`application-${applicationId}`)).toBe(before + 2);
        }
      });

      it('is refused for another enterprise (404, as if absent) and after the window (422)', async () => {
        const sip = t.token({ role: 'applicant', org: CREDIT_CODES.sip });
        await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(sip)).send(suzhouProfile()).expect(404);
        t.clock.set('2024-11-18T00:00:00+08:00');
        const late = await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).send(suzhouProfile()).expect(422);
        expect(late.body.code).toBe('APPLICATION_WINDOW_CLOSED');
        t.clock.set('2024-10-09T02:00:00Z');
      });
    });

    describe('reading', () => {
      it('lets the owner, its district, the city admin and auditors read it, and nobody else', async () => {
        const get = (token: string) => t.http.get(`/v1/applications/${applicationId}`).set(bearer(token));
        expect((await get(applicant).expect(200)).headers.etag).toMatch(/^"\d+"$/);
        await get(t.token({ role: 'district-office', district: '320505' })).expect(200);
        await get(admin).expect(200);
        await get(t.token({ role: 'auditor', city: '320500' })).expect(200);
        // Out of scope reads exactly like absent (404, no existence oracle); a role that never reads applications is 403.
        await get(t.token({ role: 'district-office', district: '320506' })).expect(404);
        await get(t.token({ role: 'auditor', city: '371100' })).expect(404);
        await get(t.token({ role: 'applicant', org: CREDIT_CODES.sip })).expect(404);
        await get(t.token({ role: 'expert', sub: 'expert-1' })).expect(404);
        await get(t.token({ role: 'finance', city: '320500' })).expect(403);
      });
    });

    describe('withdrawing', () => {
      it('withdraws, after which amendment is a 409', async () => {
        const response = await t.http.post(`/v1/applications/${applicationId}/withdrawal`).set(bearer(applicant)).send({ reason: '调整研发计划' }).expect(200);
        expect(response.body.status).toBe('withdrawn');
        expect((await t.http.post(`/v1/applications/${applicationId}/amendments`).set(bearer(applicant)).send(suzhouProfile()).expect(409)).body.code).toBe('APPLICATION_STATUS_CONFLICT');
      });
    });
  });

  describe('bad input never yields a 500', () => {
    it.each([
      ['malformed JSON', (r: ReturnType<TestApp['http']['post']>) => r.set('Content-Type', 'application/json').send('{"enterprise":'), 400, 'MALFORMED_JSON'],
      ['a NUL character', (r: ReturnType<TestApp['http']['post']>) => r.send({ ...suzhouProfile(), awards: ['a\u0000b'] }), 400, 'INVALID_CHARACTERS'],
      ['an oversized body', (r: ReturnType<TestApp['http']['post']>) => r.send({ ...suzhouProfile(), project: { title: 'x', summary: 'y'.repeat(300_000), requestedAmountFen: 1 } }), 413, 'PAYLOAD_TOO_LARGE'],
      ['an empty body', (r: ReturnType<TestApp['http']['post']>) => r.send(), 400, 'VALIDATION_FAILED'],
      ['an array body', (r: ReturnType<TestApp['http']['post']>) => r.send([1, 2]), 400, 'VALIDATION_FAILED'],
      ['a bad Idempotency-Key', (r: ReturnType<TestApp['http']['post']>) => r.set('Idempotency-Key', 'has spaces').send(suzhouProfile()), 400, 'IDEMPOTENCY_KEY_INVALID'],
    ])('%s', async (_, build, status, code) => {
      const head = await t.runtime.store.headPosition();
      const response = await build(t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant))).expect(status);
      expect(response.body.code).toBe(code);
      expect(response.body.detailZh).toBeTruthy();
      expect(response.body.detailEn).toBeTruthy();
      expect(await t.runtime.store.headPosition()).toBe(head);
    });
  });
});
