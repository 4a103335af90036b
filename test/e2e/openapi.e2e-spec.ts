import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPENAPI_TITLE, openApiDocument } from '@ipstd/platform';
import { TestApp, startTestApp } from '../support/app';

/**
 * Issue 15 item 6: the OpenAPI document describes responses, not only requests. docs/openapi.json is
 * the document the code generates (`npm run openapi` rewrites it); this suite fails when they differ,
 * and when an operation lacks a 2xx body schema or the problem+json error responses.
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
});
