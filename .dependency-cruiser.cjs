/**
 * Dependency rules of the code base, checked by `npm test` (test/architecture/dependencies.spec.ts runs
 * dependency-cruiser with this file over apps/, libs/, scripts/ and test/ and fails on any violation).
 * Run by hand: `npx depcruise apps libs scripts test` (add `--output-type text` to see every dependency).
 *
 * The lib paths `@ipstd/<lib>` resolve through tsconfig.json's `paths` (options.tsConfig below).
 */

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'Domain code (libs/*/src/domain) imports only @ipstd/kernel, @ipstd/funding-rules and domain files of its own context: ' +
        'no Nest, no pg, no node built-ins, no application or infrastructure code, no other npm package.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/src/domain/' },
      to: { pathNot: ['^libs/(kernel|funding-rules)/src/', '^libs/$1/src/domain/'] },
    },
    {
      name: 'application-not-to-infrastructure',
      comment: 'Application code (use cases) depends on ports, never on an infrastructure folder (of its own context or another).',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/application/' },
      to: { path: '/infrastructure/' },
    },
    {
      name: 'only-composition-picks-an-adapter',
      comment:
        'An event-store adapter package (libs/event-store-<adapter>, e.g. @ipstd/event-store-postgres) is imported only by ' +
        'composition code: apps/, the platform\'s store-selection module (libs/platform/src/database/event-store.ts), ' +
        'scripts/ and tests. Lib code (libs/<lib>/src) depends on the port, @ipstd/event-store; an adapter imports only its own files.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/src/', pathNot: '^libs/platform/src/database/event-store[.]ts$' },
      to: { path: '^libs/event-store-[^/]+/', pathNot: '^libs/$1/' },
    },
    {
      name: 'no-circular',
      comment: 'No module cycles, without exceptions.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-undeclared-packages',
      comment: 'Every npm package imported is declared in package.json (dependencies or devDependencies).',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves to a file or a package (catches typos and @ipstd paths missing from tsconfig.json).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The fixtures break every rule on purpose; dependencies.spec.ts cruises them on their own.
    exclude: { path: ['^(dist|node_modules|coverage)/', '^test/architecture/fixtures/'] },
    // Type-only imports count: they couple modules as much as value imports do.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
