import { suzhouProfile, suzhouTerms, CREDIT_CODES } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';

describe('logs (nestjs-pino): correlation id on every request line, no personal data, no stack for 4xx', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', logLines: lines });
  });
  afterAll(() => t?.close());

  it('logs each request once with its correlation id, and nothing a citizen would not want there', async () => {
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    const applicant = t.token({ role: 'applicant', org: CREDIT_CODES.huqiu });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).set('X-Correlation-Id', 'corr-open-1').send(suzhouTerms({ code: 'SZ-LOG' })).expect(201)).body.programmeId;
    const profile = suzhouProfile({ creditCode: CREDIT_CODES.huqiu });
    const submitted = await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(profile).expect(201);
    const responses = [
      submitted,
      await t.http.get(`/v1/applications/${submitted.body.applicationId}`).set(bearer(applicant)).expect(200),
      await t.http.get(`/v1/applications/${submitted.body.applicationId}`).set({ Authorization: 'Bearer not-a-token' }).expect(401),
      await t.http.get('/v1/no-such-route').set(bearer(admin)).expect(404),
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send({ ...profile, extra: 1 }).expect(400),
      await t.http.post(`/v1/programmes/${programmeId}/applications`).set(bearer(applicant)).send(profile).expect(409),
    ];
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = entries.filter((e) => e.msg === 'request' || e.msg === 'request failed');
    expect(access.length).toBeGreaterThanOrEqual(responses.length + 1);
    // Every line logged while serving a request carries its correlation id, the one the response echoed.
    for (const e of entries.filter((x) => x.context === 'http')) expect(e.correlationId).toEqual(expect.any(String));
    expect(access.find((e) => e.correlationId === 'corr-open-1')).toMatchObject({ method: 'POST', path: '/v1/programmes', status: 201, level: 'info' });
    for (const response of responses) {
      const id = response.headers['x-correlation-id'];
      expect(access.filter((e) => e.correlationId === id).map((e) => e.status)).toEqual([response.status]);
    }
    const text = lines.join('\n');
    for (const secret of [profile.enterprise.contact.name, profile.enterprise.contact.phone, admin, applicant, 'not-a-token', 'Bearer']) expect(text).not.toContain(secret);
    // Client errors are answered, not debugged: no stack, no error object.
    for (const e of access.filter((x) => (x.status as number) < 500)) expect(Object.keys(e).filter((k) => ['err', 'error', 'stack', 'trace'].includes(k))).toEqual([]);
    expect(text).not.toMatch(/\n\s+at /);
  });
});
