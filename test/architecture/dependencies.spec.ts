import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The dependency rules of .dependency-cruiser.cjs (domain purity, application never importing
 * infrastructure, only composition code picking an event-store adapter, no module cycles, no undeclared
 * or unresolvable imports), checked with dependency-cruiser
 * over the whole code base, plus the lib-level cycles, which dependency-cruiser's module rules do not see.
 * A fixture code base that breaks each rule once proves the check reports what it should.
 */

const root = join(__dirname, '..', '..');
const config = join(root, '.dependency-cruiser.cjs');

interface Violation {
  rule: string;
  from: string;
  to: string;
  cycle?: string[];
}
interface CruiseSummary {
  violations: Violation[];
  modules: { source: string; dependencies: { module: string; resolved: string; types: string[] }[] }[];
}

/** Runs dependency-cruiser (ES modules only, so in a child process) over PATHS relative to baseDir. */
function cruise(baseDir: string, paths: string[]): CruiseSummary {
  const out = execFileSync(process.execPath, [join(__dirname, 'cruise.mjs'), baseDir, config, ...paths], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as CruiseSummary;
}

const readable = (violations: Violation[]): string =>
  violations.map((v) => `${v.rule}: ${v.from} -> ${v.to}${v.cycle ? `\n    cycle: ${v.from} -> ${v.cycle.join(' -> ')}` : ''}`).join('\n');

const libOf = (path: string): string | undefined => /^libs\/([^/]+)\/src\//.exec(path)?.[1];

/** The cycles of the graph "lib A's source imports lib B's source", each as its sorted lib names. */
function libCycles(summary: CruiseSummary): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const m of summary.modules) {
    const from = libOf(m.source);
    if (!from) continue;
    for (const d of m.dependencies) {
      const to = libOf(d.resolved);
      if (to && to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  // Tarjan's strongly connected components; every component of more than one lib is a cycle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

describe('dependency rules (dependency-cruiser)', () => {
  let summary: CruiseSummary;
  beforeAll(() => {
    summary = cruise(root, ['apps', 'libs', 'scripts', 'test']);
  });

  it('cruises the whole code base, resolving the @ipstd paths', () => {
    const sources = summary.modules.map((m) => m.source);
    expect(sources).toEqual(expect.arrayContaining(['libs/applications/src/domain/application/decide.ts', 'libs/kernel/src/index.ts', 'apps/standalone/src/main.ts']));
    const aliased = summary.modules.flatMap((m) => m.dependencies).filter((d) => d.module === '@ipstd/kernel');
    expect(aliased.length).toBeGreaterThan(10);
    expect(new Set(aliased.map((d) => d.resolved))).toEqual(new Set(['libs/kernel/src/index.ts']));
  });

  it('finds no violation', () => {
    const violations = summary.violations;
    if (violations.length > 0) console.error(`dependency-cruiser found ${violations.length} violation(s):\n${readable(violations)}`);
    expect(readable(violations)).toBe('');
  });

  it('has no lib cycles', () => {
    // The projection contract (Projection, the writer and the runner) lives in @ipstd/platform, which both
    // the libs that define projections (finance, audit, read-models) and the one that lists them import.
    expect(libCycles(summary)).toEqual([]);
  });

  describe('the check itself (a fixture that breaks each rule)', () => {
    let fixture: CruiseSummary;
    beforeAll(() => {
      fixture = cruise(join(__dirname, 'fixtures'), ['libs']);
    });

    it('reports each broken rule, and nothing that is allowed', () => {
      const found = fixture.violations.map((v) => `${v.rule}: ${v.from} -> ${v.to.replace(/^.*node_modules\//, 'node_modules/')}`).sort();
      expect(found).toEqual([
        'application-not-to-infrastructure: libs/shop/src/application/place-order.ts -> libs/shop/src/infrastructure/orders-table.ts',
        'domain-is-pure: libs/shop/src/domain/order.ts -> crypto',
        'domain-is-pure: libs/shop/src/domain/order.ts -> libs/shop/src/infrastructure/orders-table.ts',
        'domain-is-pure: libs/shop/src/domain/order.ts -> node_modules/@nestjs/common/index.js',
        'no-circular: libs/shop/src/domain/line.ts -> libs/shop/src/domain/order.ts',
        expect.stringMatching(/^no-undeclared-packages: libs\/shop\/src\/infrastructure\/orders-table\.ts -> node_modules\/kafkajs\//),
        'only-composition-picks-an-adapter: libs/shop/src/infrastructure/order-store.ts -> libs/event-store-memory/src/index.ts',
      ]);
    });

    it('computes lib cycles', () => {
      const withCycle: CruiseSummary = {
        violations: [],
        modules: [
          { source: 'libs/a/src/x.ts', dependencies: [{ module: '@ipstd/b', resolved: 'libs/b/src/index.ts', types: [] }] },
          { source: 'libs/b/src/index.ts', dependencies: [{ module: '@ipstd/c', resolved: 'libs/c/src/index.ts', types: [] }] },
          { source: 'libs/c/src/index.ts', dependencies: [{ module: '@ipstd/a', resolved: 'libs/a/src/x.ts', types: [] }] },
          { source: 'libs/d/src/index.ts', dependencies: [{ module: '@ipstd/a', resolved: 'libs/a/src/x.ts', types: [] }] },
        ],
      };
      expect(libCycles(withCycle)).toEqual([['a', 'b', 'c']]);
      expect(libCycles(fixture)).toEqual([]);
    });
  });
});
