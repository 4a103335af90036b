import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The project's docs stand alone: no link to design notes outside the repository, and no folder of the
 * machine a page was written on (a checkout, a home folder, a test cache).
 */
const root = join(__dirname, '..', '..');
const FORBIDDEN: ReadonlyArray<[RegExp, string]> = [
  [/\/work\//, 'a folder of the machine the page was written on'],
  [/\/home\/[A-Za-z0-9_.-]+\//, 'a home folder'],
  [/\/Users\/[A-Za-z0-9_.-]+\//, 'a home folder'],
  [/\.\.\/shared\b/, 'a link outside the repository'],
  [/\.test-cache\/[a-z]+-\d+/, "a test run's cache folder"],
];

/** Every file under `dir` (docs/ holds Markdown pages and generated JSON: the OpenAPI document, AsyncAPI, JSON Schemas). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Every README.md of the repository outside docs/ (the root one, deploy/k8s, test fixtures, ...). */
function readmes(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (['node_modules', 'dist', 'docs', 'bench-results'].includes(name) || name.startsWith('.')) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return readmes(path);
    return name === 'README.md' ? [path] : [];
  });
}

describe('docs stand alone', () => {
  const files = [...readmes(root), ...filesUnder(join(root, 'docs'))];

  it('finds the pages to check: every file of docs/ and every README', () => {
    expect(files.map((f) => relative(root, f))).toEqual(
      expect.arrayContaining(['README.md', 'deploy/k8s/README.md', 'docs/api-guide.md', 'docs/architecture.md', 'docs/sources.md', 'docs/openapi.json', 'docs/integration/asyncapi.json']),
    );
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s names no folder of a particular machine', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const found = FORBIDDEN.flatMap(([pattern, what]) => {
      const match = pattern.exec(text);
      return match ? [`${what}: "${match[0]}" at line ${text.slice(0, match.index).split('\n').length}`] : [];
    });
    expect(found).toEqual([]);
  });
});

/**
 * The docs name files that exist: every `libs/…`, `apps/…`, `test/…`, `scripts/…`, `docs/…` or `deploy/…`
 * path in backticks is a file or folder of the repository (or, in a lib's or app's row of a table, of
 * that lib or app: `test/contract.ts` of libs/event-store). A moved or deleted file fails here until
 * the pages that name it follow.
 */
describe('docs name files that exist', () => {
  const packages = ['libs', 'apps'].flatMap((dir) => readdirSync(join(root, dir)).map((name) => join(root, dir, name)));
  const pages = [...readmes(root), ...filesUnder(join(root, 'docs')).filter((f) => f.endsWith('.md'))];

  it.each(pages.map((f) => [relative(root, f), f]))('%s', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const missing = [...text.matchAll(/`((?:libs|apps|test|scripts|docs|deploy)\/[A-Za-z0-9_./-]+)`/g)]
      .map((m) => m[1].replace(/[.]$/, ''))
      .filter((path) => !existsSync(join(root, path)) && !packages.some((pkg) => existsSync(join(pkg, path))));
    expect(missing).toEqual([]);
  });
});

describe('architecture.md lists every decision', () => {
  it('links every ADR in docs/adr from its Decisions section', () => {
    const page = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
    const decisions = page.slice(page.indexOf('## Decisions'));
    const adrs = readdirSync(join(root, 'docs', 'adr')).filter((f) => /^\d{4}-.+\.md$/.test(f));
    expect(adrs.filter((f) => !decisions.includes(`(adr/${f})`))).toEqual([]);
  });
});
