import { suzhouTerms } from '../support/fixtures';
import { TestApp, bearer, startTestApp } from '../support/app';
import { awardedGrant, seededCreditCode, submitApplications } from '../support/seed';

/**
 * Fuzzes every operation of the OpenAPI document (/docs-json of the standalone app, built as
 * test/support/app.ts builds it) with malformed path parameters, query strings, headers and bodies,
 * with and without a valid token: no answer may be a 5xx, and every 4xx must be problem+json with
 * `code`, `detailZh` and `detailEn`. Seeded, bounded: the same requests on every run.
 */

const SEED = 0x1c0ffee;
/**
 * Requests per operation after the role probe: half with a valid token of a role the operation
 * allows, a quarter without a token, a quarter with a malformed or forged one.
 */
const PER_OPERATION = 40;

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema { $ref?: string; type?: string; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; example?: unknown; default?: unknown; required?: string[]; allOf?: Schema[]; oneOf?: Schema[]; anyOf?: Schema[]; format?: string; minimum?: number; maximum?: number }
interface Parameter { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }
interface Operation { method: string; path: string; parameters: Parameter[]; body: Schema | null; consumes: string[] }

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

const NASTY_STRINGS = [
  '', ' ', 'x', '0', '-1', '1e20', '1e400', '9223372036854775807', '9223372036854775808', '18446744073709551616', 'NaN', 'Infinity', '1.5', '0x10', 'true', 'null',
  '2024-W01-1', '2024-01-01T12:00:00,5Z', '+2024-01-01', '2024-02-30T00:00:00Z', '2024-01-01T00:00:00Z', '2024-11-17T23:59:59+08:00', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z',
  'WzFlNDAwXQ', b64(['not a date', 'x']), b64([1e300]), b64([-1]), b64(['2024-01-01T00:00:00Z', '00000000-0000-0000-0000-000000000000']), b64({ a: 1 }), '%%%', '==',
  '__proto__', 'constructor', 'a\u0000b', '\u0000', '\u202e', '😀'.repeat(10), '中文', 'x'.repeat(600), 'x'.repeat(5000), '../../etc/passwd', "' or 1=1 --", '${7*7}', '<script>',
  '00000000-0000-0000-0000-000000000000', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', '320500', '320583', '999999', 'submitted', 'eligible', 'month', '2024-13', '2024-12',
];

const NASTY_VALUES: Json[] = [null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, '', 'x', 'x'.repeat(10_000), '1e400', [], [null], {}, { a: { b: { c: [] } } }, '2024-W01-1', '\u0000'];

class Fuzzer {
  private readonly random: () => number;
  constructor(seed: number, private readonly components: Record<string, Schema>, private readonly ids: Record<string, string[]>) {
    this.random = prng(seed);
  }

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  pathValue(name: string): string {
    const known = this.ids[name];
    if (known && this.chance(0.6)) return this.pick(known);
    return encodeURIComponent(this.pick([...NASTY_STRINGS.filter((s) => s !== ''), 'x', '%E0%A4%A', '..', ...(known ?? [])])).replace(/%25E0%25A4%25A/, '%E0%A4%A');
  }

  resolve(schema: Schema | undefined): Schema {
    let current = schema ?? {};
    for (let i = 0; i < 10 && current.$ref; i++) current = this.components[current.$ref.split('/').pop()!] ?? {};
    if (current.allOf) return Object.assign({}, ...current.allOf.map((s) => this.resolve(s)));
    return current;
  }

  /** A value that follows the schema (examples and enums first), to get past validation and into the domain. */
  valid(schemaRef: Schema | undefined, depth = 0): Json {
    const schema = this.resolve(schemaRef);
    if (schema.example !== undefined && this.chance(0.8)) return schema.example as Json;
    if (schema.enum && schema.enum.length) return this.pick(schema.enum) as Json;
    if (schema.default !== undefined) return schema.default as Json;
    const variants = schema.oneOf ?? schema.anyOf;
    if (variants) return this.valid(this.pick(variants), depth);
    if (depth > 6) return null;
    switch (schema.type) {
      case 'object': {
        const out: Record<string, Json> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
          if ((schema.required ?? []).includes(key) || this.chance(0.5)) out[key] = this.valid(property, depth + 1);
        }
        return out;
      }
      case 'array':
        return Array.from({ length: 1 + this.int(3) }, () => this.valid(schema.items, depth + 1));
      case 'integer':
        return Math.max(schema.minimum ?? 0, Math.min(schema.maximum ?? 100, this.int(100)));
      case 'number':
        return Math.max(schema.minimum ?? 0, Math.min(schema.maximum ?? 100, Math.round(this.random() * 10000) / 100));
      case 'boolean':
        return this.chance(0.5);
      case 'string':
        return schema.format === 'date-time' ? '2024-11-01T10:00:00+08:00' : schema.format === 'uuid' ? this.pick(this.ids.any) : 'abc';
      default:
        return this.properties(schema) ? this.valid({ ...schema, type: 'object' }, depth) : 'abc';
    }
  }

  private properties(schema: Schema): boolean {
    return !!schema.properties;
  }

  /** Changes one place in a valid value: wrong type, extreme value, unknown or forbidden key, NUL. */
  mutate(value: Json, depth = 0): Json {
    if (value !== null && typeof value === 'object' && depth < 6 && this.chance(0.7)) {
      if (Array.isArray(value)) {
        if (value.length === 0 || this.chance(0.2)) return [...value, this.pick(NASTY_VALUES)];
        const i = this.int(value.length);
        return value.map((v, j) => (j === i ? this.mutate(v, depth + 1) : v));
      }
      const keys = Object.keys(value);
      const roll = this.int(10);
      if (roll === 0 || keys.length === 0) return { ...value, [this.pick(['unknownField', 'extra', 'a\u0000'])]: this.pick(NASTY_VALUES) };
      if (roll === 1) {
        const copy = { ...value };
        delete copy[this.pick(keys)];
        return copy;
      }
      const key = this.pick(keys);
      return { ...value, [key]: this.mutate(value[key], depth + 1) };
    }
    return this.chance(0.5) ? this.pick(NASTY_VALUES) : this.pick(NASTY_STRINGS);
  }

  /** The raw body text and its content type. */
  body(operation: Operation): { text: string | null; type: string | null } {
    const csv = operation.consumes.includes('text/csv');
    const roll = this.int(20);
    if (csv && roll < 10) return { text: this.pick(['', 'a,b\n1,2\n', '\u0000,\n', 'x'.repeat(3000), '"unterminated\n', 'date,amount\n2024-13-01,1e400\n']), type: this.pick(['text/csv', 'text/csv; charset=latin1', 'text/plain']) };
    const valid = this.valid(operation.body ?? { type: 'object' });
    switch (roll) {
      case 0: return { text: null, type: null };
      case 1: return { text: '', type: 'application/json' };
      case 2: return { text: '['.repeat(20 + this.int(60_000)) + ']'.repeat(this.int(3)), type: 'application/json' };
      case 3: return { text: '{"a":'.repeat(30 + this.int(30)) + '1' + '}'.repeat(30), type: 'application/json' };
      case 4: return { text: JSON.stringify(valid).slice(0, -1 - this.int(5)), type: 'application/json' };
      case 5: return { text: `{"${this.pick(['__proto__', 'constructor', 'prototype'])}":{"isAdmin":true}${JSON.stringify(valid).replace(/^\{/, ',').replace(/^,\}$/, '}')}`, type: 'application/json' };
      case 6: return { text: JSON.stringify(valid), type: this.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/vnd.api+json', '']) };
      case 7: return { text: this.pick(['null', '1', '"s"', 'true', '[]', '[{}]', '1e400', '{"a":1e400}', '{"a":"\\u0000"}', '{"a":"\\ud800"}', '\ufeff{}']), type: 'application/json' };
      case 8: return { text: JSON.stringify({ ...(typeof valid === 'object' && valid && !Array.isArray(valid) ? valid : {}), pad: 'x'.repeat(300 * 1024) }), type: 'application/json' };
      default: return { text: JSON.stringify(this.chance(0.3) ? valid : this.mutate(valid)), type: 'application/json' };
    }
  }

  query(operation: Operation): string {
    const parts: string[] = [];
    for (const p of operation.parameters.filter((q) => q.in === 'query')) {
      if (this.chance(0.4)) continue;
      const schema = this.resolve(p.schema);
      const value = this.chance(0.3) && (schema.example !== undefined || schema.enum) ? String(schema.example ?? this.pick(schema.enum!)) : this.pick(NASTY_STRINGS);
      parts.push(`${p.name}=${encodeURIComponent(value)}`);
      if (this.chance(0.1)) parts.push(`${p.name}=${encodeURIComponent(this.pick(NASTY_STRINGS))}`);
    }
    if (this.chance(0.15)) parts.push(this.pick(['__proto__=1', 'constructor=x', '__proto__[polluted]=1', 'foo=bar', 'a[b][c]=1', 'limit[]=1', '%00=1', '=', '&&', 'x=%E0%A4%A']));
    return parts.length ? `?${parts.join('&')}` : '';
  }

  headers(): Record<string, string> {
    const out: Record<string, string> = {};
    if (this.chance(0.15)) out['If-Match'] = this.pick(['"0"', '"1"', '"99999"', 'W/"1"', '*', 'x', '"-1"', '"1e20"', '"9223372036854775808"', '']);
    if (this.chance(0.15)) out['Idempotency-Key'] = this.pick(['k1', 'x'.repeat(200), 'a b', '\u00e9', 'fuzz-key']);
    if (this.chance(0.1)) out['X-Correlation-Id'] = this.pick(['x'.repeat(300), 'a b', 'ok-1']);
    if (this.chance(0.1)) out['X-Causation-Id'] = this.pick(['x'.repeat(300), 'a\tb', 'ok-2']);
    if (this.chance(0.08)) out['Content-Encoding'] = this.pick(['gzip', 'br', 'deflate', 'identity', 'compress']);
    if (this.chance(0.05)) out['Accept'] = this.pick(['text/html', 'application/xml', '*/*']);
    return out;
  }
}

describe('OpenAPI-driven fuzzing', () => {
  let t: TestApp;
  const ids: Record<string, string[]> = {};
  let operations: Operation[] = [];
  let components: Record<string, Schema> = {};

  beforeAll(async () => {
    t = await startTestApp({ now: '2024-10-09T02:00:00Z', env: { LOG_LEVEL: 'error' } });
    const admin = t.token({ role: 'programme-admin', city: '320500' });
    const terms = suzhouTerms({ code: 'SZ-FUZZ', review: { panelSize: 3, aggregation: 'mean', defenseSize: 0, criteria: [{ id: 'a', max: 100 }] } });
    const programmeId = (await t.http.post('/v1/programmes').set(bearer(admin)).send(terms).expect(201)).body.programmeId;
    const applications = await submitApplications(t, programmeId, 3, ['320505', '320506'], 3);
    const grantId = await awardedGrant(t, programmeId, admin, { creditCode: seededCreditCode(7, '320507'), district: '320507', approvedAmountFen: 10_000_000 });
    await t.projectionsCaughtUp();
    const random = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    Object.assign(ids, {
      programmeId: [programmeId, random],
      applicationId: [...applications, random],
      grantId: [grantId, random],
      streamId: [`programme-${programmeId}`, `application-${applications[0]}`, `grant-${grantId}`, 'nope'],
      statementId: [random],
      expertId: ['e1', 'e2', 'x'.repeat(300)],
      id: ['suzhou-2024-ipstd', 'nope'],
      version: ['1', '2', '0', '-1', '1e3', '99999999999999999999'],
      any: [programmeId, applications[0], grantId, random],
    });
    const document = (await t.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>; components?: { schemas?: Record<string, Schema> } };
    components = document.components?.schemas ?? {};
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        const content = op.requestBody?.content ?? {};
        operations.push({ method, path, parameters: op.parameters ?? [], body: content['application/json']?.schema ?? null, consumes: Object.keys(content) });
      }
    }
    operations = operations.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
  }, 120_000);
  afterAll(() => t?.close());

  it(`answers every malformed request to every operation without a 5xx, and every 4xx as problem+json (seed ${SEED}, ${PER_OPERATION} requests per operation after a probe of 8 roles)`, async () => {
    expect(operations.length).toBeGreaterThan(40);
    const fuzz = new Fuzzer(SEED, components, ids);
    const roles = [
      () => t.token({ role: 'programme-admin', city: '320500' }),
      () => t.token({ role: 'auditor', city: '320500' }),
      () => t.token({ role: 'auditor' }),
      () => t.token({ role: 'applicant', org: seededCreditCode(0, '320505') }),
      () => t.token({ role: 'district-office', district: '320505' }),
      () => t.token({ role: 'expert', sub: 'e1' }),
      () => t.token({ role: 'finance', city: '320500' }),
      () => t.token({ role: 'programme-admin', city: '370000' }),
    ];
    const badTokens = ['', 'x', 'Bearer', 'Bearer a.b.c', `Bearer ${'a'.repeat(5000)}`, 'Basic dXNlcjpwYXNz', `Bearer ${roles[0]().slice(0, -3)}abc`];
    const histogram = new Map<number, number>();
    const failures: string[] = [];
    let count = 0;
    const started = Date.now();
    const record = (status: number) => {
      count++;
      histogram.set(status, (histogram.get(status) ?? 0) + 1);
    };
    // Role probe: which roles get past ROLE_FORBIDDEN, so the fuzzing reaches validation and the domain.
    const allowed = new Map<Operation, Array<() => string>>();
    for (const operation of operations) {
      const path = operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) => ids[name]?.[0] ?? 'x');
      const permitted: Array<() => string> = [];
      for (const role of roles) {
        const request = (t.http as unknown as Record<string, (url: string) => import('supertest').Test>)[operation.method](path).set(bearer(role()));
        const response = await (operation.method === 'get' || operation.method === 'delete' ? request : request.send({}));
        record(response.status);
        if (response.status >= 500) failures.push(`probe ${operation.method.toUpperCase()} ${path} → ${response.status}`);
        if (response.body?.code !== 'ROLE_FORBIDDEN') permitted.push(role);
      }
      allowed.set(operation, permitted.length ? permitted : roles);
    }
    for (const operation of operations) {
      for (let i = 0; i < PER_OPERATION; i++) {
        const path = operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) => fuzz.pathValue(name));
        const url = path + fuzz.query(operation);
        const headers = fuzz.headers();
        const auth = i % 4 === 1 ? null : i % 4 === 3 ? fuzz.pick(badTokens) : `Bearer ${fuzz.pick(allowed.get(operation)!)()}`;
        if (auth !== null) headers.Authorization = auth;
        const body = ['post', 'put', 'patch'].includes(operation.method) ? fuzz.body(operation) : { text: null, type: null };
        let request = (t.http as unknown as Record<string, (url: string) => import('supertest').Test>)[operation.method](url);
        for (const [name, value] of Object.entries(headers)) request = request.set(name, value);
        if (body.type !== null) request = request.set('Content-Type', body.type);
        if (body.text !== null) request = request.send(body.text);
        const described = `${operation.method.toUpperCase()} ${url.slice(0, 160)} auth=${auth === null ? 'none' : auth.slice(0, 12)} type=${body.type} body=${JSON.stringify(body.text?.slice(0, 80) ?? null)}`;
        let response: import('supertest').Response;
        try {
          response = await request;
        } catch (error) {
          failures.push(`${described} → transport error ${(error as Error).message}`);
          continue;
        }
        record(response.status);
        if (response.status >= 500) failures.push(`${described} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
        else if (response.status >= 400) {
          const problem = response.body as { code?: unknown; detailZh?: unknown; detailEn?: unknown };
          const ok = /^application\/problem\+json/.test(response.headers['content-type'] ?? '') && typeof problem.code === 'string' && typeof problem.detailZh === 'string' && typeof problem.detailEn === 'string';
          if (!ok) failures.push(`${described} → ${response.status} not problem+json: ${response.headers['content-type']} ${String(response.text).slice(0, 200)}`);
        }
      }
    }
    const summary = [...histogram.entries()].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`).join(', ');
    // Quoted in reports: the request count and the status histogram of this fixed seed.
    process.stdout.write(`\n[fuzz] ${count} requests over ${operations.length} operations in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}); statuses: ${summary}\n`);
    expect(failures.slice(0, 25)).toEqual([]);
    expect(count).toBe(operations.length * (PER_OPERATION + roles.length));
  }, 180_000);
});
