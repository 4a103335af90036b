import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { OPENAPI_TITLE, openApiDocument } from '@ipstd/platform';
import { TestApp, bearer, startTestApp } from '../support/app';
import { suzhouProfile, suzhouTerms } from '../support/fixtures';
import { awardedGrant, seededCreditCode, submitApplications } from '../support/seed';

/**
 * Issue 15 item 6: the OpenAPI document describes responses, not only requests. docs/openapi.json is
 * the document the code generates (`npm run openapi` rewrites it); this suite fails when they differ,
 * when an operation lacks a 2xx body schema or the problem+json error responses, or falls back to the
 * generic `Resource` schema; and real responses of a set of routes must validate against their schemas.
 */
const CHECKED_IN = join(__dirname, '..', '..', 'docs', 'openapi.json');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

type Operation = { responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; security?: unknown[] };

describe('OpenAPI document', () => {
  let t: TestApp;
  let text: string;
  let operations: Array<[string, Operation]>;

  beforeAll(async () => {
    t = await startTestApp();
    const document = openApiDocument(t.app, OPENAPI_TITLE);
    text = `${JSON.stringify(document, null, 2)}\n`;
    if (process.env.OPENAPI_WRITE === '1') writeFileSync(CHECKED_IN, text);
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item as Record<string, Operation>)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as [string, Operation]),
    );
  });
  afterAll(() => t?.close());

  it('is checked in exactly as the code generates it (npm run openapi)', () => {
    expect(readFileSync(CHECKED_IN, 'utf8') === text ? 'up to date' : 'docs/openapi.json is out of date: run npm run openapi').toBe('up to date');
  });

  it('gives every operation a 2xx response with a body schema', () => {
    expect(operations.length).toBeGreaterThan(60);
    const missing = operations.filter(([, op]) => !Object.entries(op.responses).some(([code, r]) => /^2\d\d$/.test(code) && Object.values(r.content ?? {}).some((m) => m.schema !== undefined)));
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it('gives no operation the generic Resource schema: every body has its own', () => {
    const generic = operations.filter(([, op]) => JSON.stringify(op.responses).includes('#/components/schemas/Resource'));
    expect(generic.map(([name]) => name)).toEqual([]);
    expect(JSON.parse(text).components.schemas.Resource).toBeUndefined();
    // Every schema an operation names exists.
    const names = new Set(Object.keys(JSON.parse(text).components.schemas));
    const dangling = [...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]).filter((n) => !names.has(n));
    expect([...new Set(dangling)]).toEqual([]);
  });

  it('gives every operation its problem+json error responses', () => {
    const problem = (op: Operation, code: string) => (op.responses[code]?.content?.['application/problem+json']?.schema as { $ref?: string } | undefined)?.$ref === '#/components/schemas/Problem';
    const lacking = operations.filter(([name, op]) => {
      const needed = ['400', '404'];
      if (op.security && op.security.length > 0) needed.push('401', '403', '429');
      if (!name.startsWith('GET ')) needed.push('409', '422');
      return !needed.every((code) => problem(op, code));
    });
    expect(lacking.map(([name]) => name)).toEqual([]);
  });

  it('describes the lists item by item and names Location on every 201', () => {
    const doc = JSON.parse(text);
    expect(doc.paths['/v1/grants'].get.responses['200'].content['application/json'].schema.properties.items.items).toEqual({ $ref: '#/components/schemas/GrantSummary' });
    expect(doc.components.schemas.GrantSummary.properties.netPaidFen).toBeDefined();
    // The grant view's money: the ledger's names, and the old names marked deprecated.
    expect(doc.paths['/v1/grants/{grantId}'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/GrantView' });
    const money = doc.components.schemas.GrantMoney.properties;
    expect([money.netPaidFen.deprecated, money.outstandingFen.deprecated, money.netDisbursedFen.deprecated, money.clawbackOutstandingFen.deprecated]).toEqual([undefined, undefined, true, true]);
    const created = operations.filter(([, op]) => op.responses['201']);
    expect(created.length).toBeGreaterThanOrEqual(7);
    for (const [, op] of created) expect((op.responses['201'] as { headers?: Record<string, unknown> }).headers?.Location).toBeDefined();
  });

  it('is served at /docs-json with the same operations and responses', async () => {
    const served = (await t.http.get('/docs-json').expect(200)).body;
    const generated = JSON.parse(text);
    expect(served.paths).toEqual(generated.paths);
    expect(served.components).toEqual(generated.components);
  });

  /**
   * Real responses against the documented schemas. The schema is resolved ($ref inlined, allOf merged)
   * and every object that lists its properties is closed (additionalProperties: false unless it says
   * otherwise), so a field the route returns but the document does not name fails too, as does a
   * documented required field the route leaves out or a wrong type or format.
   */
  describe('real responses match the documented schemas', () => {
    let r: TestApp;
    let doc: { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };
    let programmeId: string;
    let applicationIds: string[];
    let grantId: string;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const admin = () => r.token({ role: 'programme-admin', city: '320500' });
    const auditor = () => r.token({ role: 'auditor', city: '320500' });

    type Schema = Record<string, unknown>;
    const resolve = (schema: Schema): Schema => {
      if (typeof schema.$ref === 'string') {
        const { $ref, ...rest } = schema;
        return resolve({ ...doc.components.schemas[($ref as string).split('/').pop()!], ...rest });
      }
      if (Array.isArray(schema.allOf)) {
        const { allOf, ...rest } = schema;
        const parts = (allOf as Schema[]).map(resolve);
        return resolve({
          ...Object.assign({}, ...parts),
          ...rest,
          properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
          required: parts.flatMap((p) => (p.required as string[] | undefined) ?? []),
        });
      }
      const out: Schema = { ...schema };
      if (out.properties) {
        out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, resolve(v)]));
        if (out.additionalProperties === undefined) out.additionalProperties = false;
      }
      if (out.items) out.items = resolve(out.items as Schema);
      if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = resolve(out.additionalProperties as Schema);
      return out;
    };
    /** Calls the route and validates its body against the operation's schema for that status. */
    const check = async (method: 'get' | 'post', path: string, url: string, token: string | null, status: number, body?: unknown) => {
      let call = method === 'get' ? r.http.get(url) : r.http.post(url);
      if (token) call = call.set(bearer(token));
      if (Buffer.isBuffer(body)) call = call.set('Content-Type', 'text/csv').send(body);
      else if (body !== undefined) call = call.send(body as object);
      const response = await call;
      expect({ url, status: response.status }).toEqual({ url, status });
      const media = doc.paths[path][method].responses[String(status)].content!['application/json'];
      const validate = ajv.compile(resolve(media.schema as Schema));
      expect({ url, errors: validate(response.body) ? null : validate.errors }).toEqual({ url, errors: null });
      return response.body;
    };

    beforeAll(async () => {
      doc = JSON.parse(text);
      r = await startTestApp({ now: '2024-10-09T02:00:00Z' });
      const terms = suzhouTerms({ code: 'SZ-OPENAPI', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
      programmeId = (await r.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
      applicationIds = await submitApplications(r, programmeId, 3, ['320505', '320506'], 2);
      grantId = await awardedGrant(r, programmeId, admin(), { creditCode: seededCreditCode(9, '320506'), district: '320506', approvedAmountFen: 10_000_000 });
      await r.projectionsCaughtUp();
    });
    afterAll(() => r?.close());

    it('health', async () => {
      await check('get', '/health/live', '/health/live', null, 200);
      const ready = await check('get', '/health/ready', '/health/ready', null, 200);
      expect(ready.checks.projections).toBeDefined();
    });

    it('dashboards, the calendar, rule evaluations and notices', async () => {
      const dashboard = await check('get', '/v1/dashboards/programmes/{programmeId}', `/v1/dashboards/programmes/${programmeId}`, admin(), 200);
      expect(Object.keys(dashboard.moneyByGrantStatus)).toEqual(['in-implementation']);
      const targets = await check('get', '/v1/dashboards/cities/{city}/targets', '/v1/dashboards/cities/371100/targets', r.token({ role: 'auditor', city: '371100' }), 200);
      expect(targets.ruleSets[0].targets.length).toBeGreaterThan(0);
      const years = await check('get', '/v1/calendar/working-day-years', '/v1/calendar/working-day-years', admin(), 200);
      expect(years.items.length).toBeGreaterThan(0);
      const assessment = await check('post', '/v1/rules/evaluations', '/v1/rules/evaluations', admin(), 200, { ruleSet: { id: 'suzhou-2024-ipstd', version: 1 }, applicationId: applicationIds[1] });
      expect(assessment.clauses.length).toBeGreaterThan(0);
      await check('get', '/v1/programmes/{programmeId}/notices', `/v1/programmes/${programmeId}/notices`, admin(), 200);
    });

    it('audit streams, histories, integrity, keys, proofs and evidence', async () => {
      const stream = await check('get', '/v1/audit/streams/{streamId}', `/v1/audit/streams/grant-${grantId}`, auditor(), 200);
      expect(stream.events.length).toBeGreaterThan(1);
      const history = await check('get', '/v1/audit/applications/{applicationId}/history', `/v1/audit/applications/${applicationIds[1]}/history`, auditor(), 200);
      expect(history.entries.length).toBeGreaterThan(0);
      const grantHistory = await check('get', '/v1/audit/grants/{grantId}/history', `/v1/audit/grants/${grantId}/history`, auditor(), 200);
      expect(grantHistory.entries.length).toBeGreaterThan(1);
      const integrity = await check('get', '/v1/audit/integrity', '/v1/audit/integrity', auditor(), 200);
      expect(integrity.ok).toBe(true);
      await check('get', '/v1/audit/keys', '/v1/audit/keys', auditor(), 200);
      const proof = await check('get', '/v1/audit/proofs/inclusion', `/v1/audit/proofs/inclusion?position=${stream.events[0].globalPosition}`, auditor(), 200);
      await check('get', '/v1/audit/proofs/consistency', `/v1/audit/proofs/consistency?from=1&to=${proof.treeSize}`, auditor(), 200);
      await check('get', '/v1/audit/evidence/{eventId}', `/v1/audit/evidence/${stream.events[0].eventId}`, r.token({ role: 'auditor' }), 200);
    });

    it('statement imports (201, then 200 for the same content) and reconciliations', async () => {
      const finance = r.token({ role: 'finance', city: '320500' });
      const statement = Buffer.from(
        ['reference,payee_credit_code,amount_yuan,value_date,direction', `PAY-1,${seededCreditCode(9, '320506')},1000.00,2024-10-08,debit`, `REP-1,${seededCreditCode(9, '320506')},10.00,2024-10-08,credit`].join('\n') + '\n',
      );
      const imported = await check('post', '/v1/finance/statements', '/v1/finance/statements', finance, 201, statement);
      expect(await check('post', '/v1/finance/statements', '/v1/finance/statements', finance, 200, statement)).toEqual(imported);
      await r.projectionsCaughtUp();
      const reconciliation = await check('get', '/v1/finance/reconciliations/{statementId}', `/v1/finance/reconciliations/${imported.statementId}`, finance, 200);
      const rows = Object.values(reconciliation.categories as Record<string, { items: unknown[] }>).flatMap((c) => c.items);
      expect(rows.length).toBe(2);
      await check('get', '/v1/finance/reconciliations/{statementId}', `/v1/finance/reconciliations/${imported.statementId}?category=ordered-but-unpaid`, finance, 200);
    });

    it('the events feed and the integration routes', async () => {
      const feed = await check('get', '/v1/events', '/v1/events?limit=50', r.token({ role: 'system' }), 200);
      expect(feed.events.length).toBeGreaterThan(5);
      await check('get', '/v1/integration/status', '/v1/integration/status', auditor(), 200);
      const types = await check('get', '/v1/integration/schemas', '/v1/integration/schemas', null, 200);
      await check('get', '/v1/integration/schemas/{type}', `/v1/integration/schemas/${types.items[0].type}`, null, 200);
      await check('get', '/v1/integration/asyncapi.json', '/v1/integration/asyncapi.json', null, 200);
    });

    // Last: it moves the clock past the call's window.
    it('public notices and objections (publish, list, file, resolve)', async () => {
      const { publicNotice: _, reviewRequest: __, phases: ___, ...terms } = suzhouTerms({ code: 'SZ-OPENAPI-NOTICE', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
      const callId = (await r.http.post('/v1/programmes').set(bearer(admin())).send(terms).expect(201)).body.programmeId;
      const code = seededCreditCode(20, '320505');
      const applicationId = (await r.http.post(`/v1/programmes/${callId}/applications`).set(bearer(r.token({ role: 'applicant', org: code }))).send(suzhouProfile({ creditCode: code, district: '320505' })).expect(201)).body.applicationId;
      await r.http.post(`/v1/applications/${applicationId}/endorsement`).set(bearer(r.token({ role: 'district-office', district: '320505' }))).send({ decision: 'endorse', opinion: '同意推荐' }).expect(200);
      r.clock.set('2024-11-19T02:00:00Z');
      await r.http.post(`/v1/applications/${applicationId}/review-panel`).set(bearer(admin())).send({ experts: ['e1', 'e2', 'e3'].map((expertId) => ({ expertId, organisation: 'univ' })) }).expect(200);
      for (const e of ['e1', 'e2', 'e3']) await r.http.put(`/v1/applications/${applicationId}/reviews/${e}`).set(bearer(r.token({ role: 'expert', sub: e }))).send({ scores: [{ criterionId: 'a', score: 80 }], comment: '' }).expect(200);
      await r.http.post(`/v1/applications/${applicationId}/review-panel/closure`).set(bearer(admin())).expect(200);
      await r.http.post(`/v1/applications/${applicationId}/selection`).set(bearer(admin())).send({ decision: 'select', approvedAmountFen: 10_000_000, reason: '择优立项' }).expect(200);
      const notice = await check('post', '/v1/programmes/{programmeId}/notices', `/v1/programmes/${callId}/notices`, admin(), 201);
      expect(notice.entries.map((e: { applicationId: string }) => e.applicationId)).toEqual([applicationId]);
      const objection = { applicationId, objector: { name: '王某某', contact: '13800000000' }, grounds: '申报材料所列标准并非该企业主导制定' };
      const filed = await check('post', '/v1/programmes/{programmeId}/objections', `/v1/programmes/${callId}/objections`, r.token({ role: 'applicant', org: seededCreditCode(21, '320506') }), 201, objection);
      expect(filed.objector).toBeNull();
      const listed = await check('get', '/v1/programmes/{programmeId}/notices', `/v1/programmes/${callId}/notices`, admin(), 200);
      expect(listed.notices[0].objections[0].objector).toEqual(objection.objector);
      const resolved = await check('post', '/v1/programmes/{programmeId}/objections/{objectionId}/decision', `/v1/programmes/${callId}/objections/${filed.objectionId}/decision`, admin(), 200, { outcome: 'dismissed', reason: '经核查异议不成立' });
      expect(resolved.resolution.outcome).toBe('dismissed');
    });

  });
});
