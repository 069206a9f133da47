/**
 * One jest run covers unit, integration and e2e tests (test/{unit,integration,e2e}).
 * ts-jest transpiles only (isolatedModules); `npm run typecheck` does the type checking.
 * @octokit/rest and its small dependencies ship ESM only, so they are transformed too; so do
 * @kubernetes/client-node 1.x and the ESM-only packages it imports (openid-client, oauth4webapi, jose).
 */
const esmOnly = [
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'fast-content-type-parse',
  'json-with-bigint',
  'content-type',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
];
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { isolatedModules: true, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testTimeout: 60000,
  maxWorkers: 2,
};
