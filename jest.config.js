/**
 * Two projects: `unit` (pure logic, no services) and `integration`
 * (`*.integration.test.ts`, against the real local stack that the global
 * setup starts once per run). Workspace packages map to their `src/`, so
 * tests run without a prior build.
 */
const shared = {
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  moduleNameMapper: {
    // Services are mapped by name only where they export an API (for their tests: start one in-process).
    '^@abtest/(ingress|processor|results)$': '<rootDir>/services/$1/src',
    '^@abtest/([^/]+)$': '<rootDir>/packages/$1/src',
    // A package's internals for other packages' tests: its src/testing entry, never another src/ path.
    '^@abtest/([^/]+)/testing$': '<rootDir>/packages/$1/src/testing',
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/.*/dist/'],
};

module.exports = {
  // Integration tests wait on real services; each wait has its own, shorter deadline.
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/packages/test-harness/src/summary-reporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.integration\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{packages,services}/*/src/**/*.integration.test.ts', '<rootDir>/test/**/*.integration.test.ts'],
      globalSetup: '<rootDir>/packages/test-harness/src/global-setup.ts',
      globalTeardown: '<rootDir>/packages/test-harness/src/global-teardown.ts',
    },
  ],
};
