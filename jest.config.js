/** @type {import('jest').Config} */
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    baseUrl: __dirname,
    paths: {
      '@ipstd/kernel': ['libs/kernel/src'],
      '@ipstd/event-store': ['libs/event-store/src'],
      '@ipstd/platform': ['libs/platform/src'],
      '@ipstd/applications': ['libs/applications/src'],
      '@ipstd/read-models': ['libs/read-models/src'],
      '@ipstd/funding-rules': ['libs/funding-rules/src'],
      '@ipstd/grants': ['libs/grants/src'],
    },
  },
  module: { type: 'commonjs', ignoreDynamic: true },
}];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/libs', '<rootDir>/apps', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@ipstd/(kernel|event-store|platform|applications|read-models|funding-rules|grants)$': '<rootDir>/libs/$1/src',
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  modulePathIgnorePatterns: ['<rootDir>/dist', '<rootDir>/.test-cache'],
};
