import { connect } from 'node:net';
import { AddressInfo } from 'node:net';
import { Server } from 'node:http';
import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { awardedGrant, seededCreditCode, submitApplications } from '../support/seed';

type Res = { status: number; headers: Record<string, string>; body: { code?: string; detailZh?: string; detailEn?: string; errors?: Array<{ field: string; code: string }> } };

function expectProblem(response: Res, status: number, code: string): void {
  expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body.detailZh).toEqual(expect.any(String));
  expect(response.body.detailEn).toEqual(expect.any(String));
}

/** Sends raw bytes on a new connection and resolves with everything the server wrote before closing. */
function rawExchange(server: Server, payload: string, timeoutMs = 10_000): Promise<{ text: string; closedAfterMs: number }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 200))}`));
    }, timeoutMs);
    socket.on('data', (chunk) => (text += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    });
    if (payload) socket.write(payload);
  });
}

function rawProblem(text: string): { status: number; contentType: string; body: { code: string; detailZh: string; detailEn: string } } {
  const [head, body] = text.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
  return { status, contentType, body: JSON.parse(body) };
}

describe('HTTP edges: bodies, strict query values, Node parser errors', () => {
  let t: TestApp;
  let server: Server;
  let programmeId: string;
  let applicationId: string;
  let grantId: string;
  const admin = () => t.token({ role: 'programme-admin', city: '320500' });
  const auditor = () => t.token({ role: 'auditor', city: '320500' });

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '3000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '500' } });
    await t.app.listen(0, '127.0.0.1');
    server = t.app.getHttpServer();
    const terms = suzhouTerms({ code: 'SZ-EDGE', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    programmeId = (await t.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
    [applicationId] = await submitApplications(t, programmeId, 2, ['320505'], 5);
    grantId = await awardedGrant(t, programmeId, admin(), { creditCode: seededCreditCode(9, '320506'), district: '320506', approvedAmountFen: 10_000_000 });
    await t.projectionsCaughtUp();
  });
  afterAll(() => t?.close());

  describe('bodies', () => {
    const post = (token?: string) => {
      const request = t.http.post(`/v1/programmes/${programmeId}/applications`);
      return token ? request.set(bearer(token)) : request;
    };
    const applicant = () => t.token({ role: 'applicant', org: seededCreditCode(1, '320505') });

    it('refuses a 50,000-deep array with JSON_TOO_DEEP, without overflowing the stack', async () => {
      const deep = '['.repeat(50_000) + ']'.repeat(50_000);
      expectProblem(await post(applicant()).set('Content-Type', 'application/json').send(deep), 400, 'JSON_TOO_DEEP');
      const deepObject = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
      expectProblem(await post(applicant()).set('Content-Type', 'application/json').send(deepObject), 400, 'JSON_TOO_DEEP');
    });

    it('authenticates before parsing: a malformed body without a token is a 401, not a 400', async () => {
      expectProblem(await post().set('Content-Type', 'application/json').send('{"not json'), 401, 'AUTHENTICATION_REQUIRED');
      expectProblem(await post().set('Content-Type', 'application/json').send('['.repeat(50_000)), 401, 'AUTHENTICATION_REQUIRED');
      expectProblem(await post(applicant()).set('Content-Type', 'application/json').send('{"not json'), 400, 'MALFORMED_JSON');
    });

    it.each(['gzip', 'br', 'deflate', 'identity, gzip', 'x-custom'])('refuses Content-Encoding %s with 415', async (encoding) => {
      expectProblem(await post(applicant()).set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('{"a":1}'), 415, 'UNSUPPORTED_CONTENT_ENCODING');
    });

    it('refuses bodies over the limit with 413 and a media type the route does not take with 415', async () => {
      expectProblem(await post(applicant()).set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(300 * 1024)}"}`), 413, 'PAYLOAD_TOO_LARGE');
      expectProblem(await post(applicant()).set('Content-Type', 'text/plain').send('hello'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await post(applicant()).set('Content-Type', 'application/json; charset=latin1').send('{}'), 415, 'UNSUPPORTED_CHARSET');
    });

    it('POST /v1/rules/rule-sets with a non-JSON type is a 415, with no body or an array a 400', async () => {
      expectProblem(await t.http.post('/v1/rules/rule-sets').set(bearer(admin())).set('Content-Type', 'text/plain').send('id=x'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await t.http.post('/v1/rules/rule-sets').set(bearer(admin())).set('Content-Type', 'application/x-www-form-urlencoded').send('id=x'), 415, 'UNSUPPORTED_MEDIA_TYPE');
      expectProblem(await t.http.post('/v1/rules/rule-sets').set(bearer(admin())), 400, 'VALIDATION_FAILED');
      expectProblem(await t.http.post('/v1/rules/rule-sets').set(bearer(admin())).send([1, 2]), 400, 'VALIDATION_FAILED');
    });

    it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere in a body', async (key) => {
      const top = await post(applicant()).set('Content-Type', 'application/json').send(`{"${key}":{"x":1}}`);
      expectProblem(top, 400, 'VALIDATION_FAILED');
      expect(top.body.errors).toEqual([expect.objectContaining({ field: key, code: 'whitelistValidation' })]);
      const nested = await t.http.post('/v1/rules/rule-sets').set(bearer(admin())).set('Content-Type', 'application/json').send(`{"clauses":[{"${key}":1}]}`);
      expectProblem(nested, 400, 'VALIDATION_FAILED');
      expect(nested.body.errors?.[0].field).toBe(`clauses[0].${key}`);
    });

    it('refuses NUL characters in values and keys', async () => {
      expectProblem(await post(applicant()).send({ name: 'a\u0000b' }), 400, 'INVALID_CHARACTERS');
      expectProblem(await post(applicant()).send({ 'a\u0000': 1 }), 400, 'INVALID_CHARACTERS');
    });
  });

  describe('strict query values', () => {
    it('positions: digits only, 0 … 2^63−1', async () => {
      const stream = `/v1/audit/streams/programme-${programmeId}`;
      for (const bad of ['1e20', '9223372036854775808', '-1', '1.5', ' 1', '0x10', '']) {
        const response = await t.http.get(`${stream}?fromRevision=${encodeURIComponent(bad)}`).set(bearer(auditor()));
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.errors?.[0]).toEqual(expect.objectContaining({ field: 'fromRevision', code: 'isPosition' }));
      }
      expect((await t.http.get(`${stream}?fromRevision=9223372036854775807`).set(bearer(auditor())).expect(200)).body.events).toEqual([]);
      expect((await t.http.get(`${stream}?fromRevision=0`).set(bearer(auditor())).expect(200)).body.events.length).toBeGreaterThan(0);
    });

    const badInstants = ['2024-W01-1', '2024-01-01T12:00:00,5Z', '+2024-01-01', '+002024-01-01T00:00:00Z', '2024-01-01', '2024-01-01T12:00Z', '2024-01-01T12:00:00', '2024-02-30T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T12:00:60Z', '2024-01-01t12:00:00z', '2024-001T00:00:00Z', '2024-01-01T00:00:00+15:00', 'yesterday', '0000-01-01T00:00:00Z'];

    it.each([
      ['application history', () => `/v1/audit/applications/${applicationId}/history`, 'from'],
      ['application history', () => `/v1/audit/applications/${applicationId}/history`, 'to'],
      ['grant history', () => `/v1/audit/grants/${grantId}/history`, 'from'],
      ['grant history', () => `/v1/audit/grants/${grantId}/history`, 'to'],
      ['application as of', () => `/v1/audit/applications/${applicationId}`, 'asOf'],
      ['grant as of', () => `/v1/audit/grants/${grantId}`, 'asOf'],
      ['export', () => '/v1/audit/export', 'from'],
    ])('instants on %s (%s): one RFC 3339 profile, everything else 400', async (_name, path, field) => {
      for (const bad of badInstants) {
        const response = await t.http.get(`${path()}?${field}=${encodeURIComponent(bad)}`).set(bearer(auditor()));
        expectProblem(response, 400, 'VALIDATION_FAILED');
        expect(response.body.errors?.[0]).toEqual(expect.objectContaining({ field, code: 'isInstant' }));
      }
    });

    it('instants in the profile are accepted, with fractions and offsets', async () => {
      for (const good of ['2024-01-01T00:00:00Z', '2024-02-29T23:59:59.123456789+08:00', '2099-12-31T00:00:00-14:00']) {
        await t.http.get(`/v1/audit/grants/${grantId}/history?from=${encodeURIComponent(good)}`).set(bearer(auditor())).expect(200);
        await t.http.get(`/v1/audit/applications/${applicationId}/history?to=${encodeURIComponent(good)}`).set(bearer(auditor())).expect(200);
      }
      const all = (await t.http.get(`/v1/audit/grants/${grantId}/history?from=2024-01-01T00:00:00%2B08:00`).set(bearer(auditor())).expect(200)).body.entries;
      expect(all.length).toBeGreaterThan(0);
    });

    it('cursors are checked when decoded: CURSOR_INVALID, never a 500 or an empty page', async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const list = `/v1/programmes/${programmeId}/applications`;
      for (const cursor of [b64(['not a date', 'x']), b64(['2024-01-01T00:00:00Z', 'x']), b64([1, 2]), b64(['2024-01-01T00:00:00Z']), 'WzFlNDAwXQ', '!!!', b64({})]) {
        expectProblem(await t.http.get(`${list}?cursor=${encodeURIComponent(cursor)}`).set(bearer(auditor())), 400, 'CURSOR_INVALID');
      }
      for (const path of [`/v1/audit/grants/${grantId}/history`, `/v1/audit/applications/${applicationId}/history`]) {
        for (const cursor of ['WzFlNDAwXQ', b64(['x']), b64([-1]), b64([1.5]), b64([2 ** 53]), b64([1, 2])]) {
          expectProblem(await t.http.get(`${path}?cursor=${encodeURIComponent(cursor)}`).set(bearer(auditor())), 400, 'CURSOR_INVALID');
        }
      }
    });

    it('refuses __proto__, constructor and unknown keys in query strings, also where no query is read', async () => {
      for (const key of ['__proto__', 'constructor', 'prototype']) {
        expectProblem(await t.http.get(`/v1/programmes/${programmeId}/applications?${key}=1`).set(bearer(auditor())), 400, 'VALIDATION_FAILED');
        expectProblem(await t.http.get(`/v1/rules/rule-sets?${key}[x]=1`).set(bearer(auditor())), 400, 'VALIDATION_FAILED');
      }
      expectProblem(await t.http.get(`/v1/programmes/${programmeId}?foo=1`).set(bearer(auditor())), 400, 'VALIDATION_FAILED');
      expectProblem(await t.http.get('/v1/rules/rule-sets?foo=1').set(bearer(auditor())), 400, 'VALIDATION_FAILED');
      expectProblem(await t.http.get(`/v1/finance/ledger?programmeId=${programmeId}&extra=1`).set(bearer(auditor())), 400, 'VALIDATION_FAILED');
      expectProblem(await t.http.get(`/v1/finance/ledger?programmeId=${programmeId}&programmeId=${programmeId}`).set(bearer(auditor())), 400, 'VALIDATION_FAILED');
    });

    it('If-Match holds a revision in the same range: anything else is IF_MATCH_INVALID before the handler runs', async () => {
      const applicant = t.token({ role: 'applicant', org: seededCreditCode(0, '320505') });
      for (const bad of ['"-1"', '"9223372036854775808"', '"1e3"', '"01"', '3', '"3', 'W/3']) {
        expectProblem(await t.http.post(`/v1/applications/${applicationId}/withdrawal`).set(bearer(applicant)).set('If-Match', bad).send({}), 400, 'IF_MATCH_INVALID');
      }
      expectProblem(await t.http.post(`/v1/applications/${applicationId}/withdrawal`).set(bearer(applicant)).set('If-Match', '"9223372036854775807"').send({}), 412, 'PRECONDITION_FAILED');
    });

    it('a path that is not valid percent-encoding is a 400 problem', async () => {
      expectProblem(await t.http.get('/v1/applications/%E0%A4%A').set(bearer(auditor())), 400, 'MALFORMED_REQUEST');
    });
  });

  describe("Node's own refusals and timeouts", () => {
    it('oversized headers: 431 problem+json', async () => {
      const { text } = await rawExchange(server, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      const problem = rawProblem(text);
      expect([problem.status, problem.contentType, problem.body.code]).toEqual([431, 'application/problem+json', 'HEADERS_TOO_LARGE']);
      expect(problem.body.detailZh && problem.body.detailEn).toBeTruthy();
    });

    it('a malformed request line: 400 problem+json', async () => {
      const { text } = await rawExchange(server, 'GARBAGE\r\n\r\n');
      const problem = rawProblem(text);
      expect([problem.status, problem.contentType, problem.body.code]).toEqual([400, 'application/problem+json', 'MALFORMED_REQUEST']);
    });

    it('a connection that never sends its headers is closed after the headers timeout', async () => {
      const { text, closedAfterMs } = await rawExchange(server, 'GET /health/live HTTP/1.1\r\nHost: x\r\n');
      expect(closedAfterMs).toBeLessThan(4000);
      expect(rawProblem(text).body.code).toBe('REQUEST_TIMEOUT');
      const idle = await rawExchange(server, '');
      expect(idle.closedAfterMs).toBeLessThan(4000);
    });

    it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
      const { text, closedAfterMs } = await rawExchange(server, 'GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(text).toMatch(/^HTTP\/1\.1 200/);
      expect(closedAfterMs).toBeLessThan(2500);
    });
  });
});

describe('HTTP edges: throttling', () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it('limits anonymous callers per IP before authentication: 429 problem+json with Retry-After', async () => {
    t = await startTestApp({ env: { THROTTLE_IP_LIMIT: '5', THROTTLE_WINDOW_SECONDS: '30' } });
    for (let i = 0; i < 5; i++) await t.http.get('/v1/rules/rule-sets').expect(401);
    const limited = await t.http.get('/v1/rules/rule-sets');
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(30);
    // Probes are never throttled.
    await t.http.get('/health/live').expect(200);
    // The window passes: a new one starts.
  });

  it('limits each token subject separately', async () => {
    t = await startTestApp({ env: { THROTTLE_SUBJECT_LIMIT: '3', THROTTLE_WINDOW_SECONDS: '30' } });
    const a = t.token({ role: 'auditor', city: '320500', sub: 'auditor-a' });
    const b = t.token({ role: 'auditor', city: '320500', sub: 'auditor-b' });
    for (let i = 0; i < 3; i++) await t.http.get('/v1/rules/rule-sets').set(bearer(a)).expect(200);
    const limited = await t.http.get('/v1/rules/rule-sets').set(bearer(a));
    expectProblem(limited, 429, 'RATE_LIMITED');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    await t.http.get('/v1/rules/rule-sets').set(bearer(b)).expect(200);
  });
});
