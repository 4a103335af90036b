/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // Transpile only: `npm run typecheck` (and the build) check types once for the whole tree.
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true, diagnostics: false }],
    // jose 6 ships ES modules only: Node (>= 20.19) requires them natively, Jest's module system does not,
    // so its files are transpiled to CommonJS for the tests.
    '/node_modules/jose/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'es2022' }, isolatedModules: true, diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleNameMapper: {
    // The event store's contract suite, run by every adapter package against its adapter.
    '^@ipstd/event-store/contract$': '<rootDir>/libs/event-store/test/contract',
    '^@ipstd/(kernel|event-store|event-store-postgres|event-store-eventstoredb|platform|applications|read-models|funding-rules|grants|audit|finance|messaging)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // Exit once every suite has reported. kafkajs clients of the broker-restart test keep reconnect timers
  // for a broker that is gone; left alone they fire after the test environment is torn down and turn a
  // passing run into exit code 1. Suites still close everything they open (afterAll).
  forceExit: true,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/.test-cache'],
};
