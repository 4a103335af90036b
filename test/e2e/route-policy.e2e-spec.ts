import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_ROLES, PUBLIC_ROUTE, ROLES } from '@ipstd/platform';
import { TestApp, startTestApp } from '../support/app';
import { registeredRoutes } from '../support/routes';

interface Route {
  readonly route: string;
  readonly controller: string;
  readonly handler: string;
  readonly roles: readonly string[] | undefined;
  readonly public: boolean;
}

/** Every HTTP route Nest registered, with the roles and the public flag its metadata declares. */
function routesOf(t: TestApp): Route[] {
  return registeredRoutes(t.app).map(({ route, controller, handlerName, handler }) => {
    const read = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, controller);
    return { route, controller: controller.name, handler: handlerName, roles: read<string[]>(ALLOWED_ROLES), public: read<boolean>(PUBLIC_ROUTE) === true };
  });
}

/**
 * The documented role matrix: every row of docs/api-guide.md's endpoint tables, `| \`METHOD /path\` | roles | … |`,
 * read as the route and the set of roles its second column names ("any authenticated" = every role,
 * "no token" = public).
 */
/** Path parameters compared by position, not name (`{id}` in the guide, `:grantId` in the code). */
const normalised = (route: string): string => route.replace(/\{\w+\}|:\w+/g, ':param');

function documentedMatrix(): Map<string, string> {
  const text = readFileSync(join(__dirname, '..', '..', 'docs', 'api-guide.md'), 'utf8');
  const rows = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \| ([^|]*) \|/.exec(line);
    if (!match) continue;
    const route = normalised(`${match[1]} ${match[2].split('?')[0]}`);
    const column = match[3].toLowerCase();
    const roles = column.includes('no token') ? 'public' : column.includes('any authenticated') ? [...ROLES].sort().join(',') : ROLES.filter((r) => new RegExp(`(^|[^a-z-])${r}([^a-z-]|$)`).test(column)).sort().join(',');
    rows.set(route, roles);
  }
  return rows;
}

describe('every route declares who may call it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('finds the routes from Nest metadata', () => {
    const routes = routesOf(t);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.map((r) => r.route)).toEqual(expect.arrayContaining(['GET /v1/programmes/:programmeId/applications', 'GET /v1/audit/streams/:streamId', 'GET /health/live']));
  });

  it('has @Roles (or @AnyRole) or @Public on every route, never both, with known roles only', () => {
    const offenders = routesOf(t)
      .filter((r) => (r.roles === undefined) === !r.public || (r.roles !== undefined && (r.roles.length === 0 || r.roles.some((role) => !(ROLES as readonly string[]).includes(role)))))
      .map((r) => `${r.route} (${r.controller}.${r.handler})`);
    expect(offenders).toEqual([]);
  });

  it('matches the role matrix documented in docs/api-guide.md, route by route', () => {
    const documented = documentedMatrix();
    const fromCode = new Map(routesOf(t).map((r) => [normalised(r.route), r.public ? 'public' : [...(r.roles ?? [])].sort().join(',')]));
    const undocumented = [...fromCode.keys()].filter((route) => !documented.has(route));
    const stale = [...documented.keys()].filter((route) => !fromCode.has(route));
    const differing = [...fromCode.entries()].filter(([route, roles]) => documented.has(route) && documented.get(route) !== roles).map(([route, roles]) => `${route}: code ${roles} / docs ${documented.get(route)}`);
    expect({ undocumented, stale, differing }).toEqual({ undocumented: [], stale: [], differing: [] });
  });

  it('keeps the public routes to health, metrics and the published contracts', () => {
    expect(routesOf(t).filter((r) => r.public).map((r) => r.route)).toEqual([
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'GET /v1/integration/asyncapi.json',
      'GET /v1/integration/schemas',
      'GET /v1/integration/schemas/:type',
    ]);
  });

  it('refuses, for every role, a route that declares no roles (deny by default)', async () => {
    // The guard's own fallback, exercised through a handler whose metadata is removed for the test.
    const { handler } = registeredRoutes(t.app).find((r) => r.route === 'GET /v1/rules/rule-sets')!;
    const saved = Reflect.getMetadata(ALLOWED_ROLES, handler);
    Reflect.deleteMetadata(ALLOWED_ROLES, handler);
    try {
      const response = await t.http.get('/v1/rules/rule-sets').set({ Authorization: `Bearer ${t.token({ role: 'auditor', city: '320500' })}` });
      expect({ status: response.status, code: response.body.code }).toEqual({ status: 403, code: 'ROUTE_POLICY_MISSING' });
    } finally {
      Reflect.defineMetadata(ALLOWED_ROLES, saved, handler);
    }
  });
});
