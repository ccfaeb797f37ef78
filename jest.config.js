/**
 * Two projects: `unit` (pure functions, use cases and handlers against in-process doubles: the inner
 * loop, `npm run test:unit`) and `integration` (what packages the stack, starts a server such as
 * dynalite or a child process, and the property suites with many runs). `npm test` runs both.
 * A unit test that starts dynalite fails, naming this file (doubles/dynalite.ts checks TEST_TIER).
 */
const INTEGRATION = [
  '<rootDir>/test/infra/',
  '<rootDir>/test/scripts/',
  '<rootDir>/test/properties/',
  // The local stand-ins over HTTP (servers, real SDK clients).
  '<rootDir>/test/doubles/',
  // They start dynalite (a real DynamoDB API).
  '<rootDir>/test/handlers/fan-in-handlers.test.ts',
  '<rootDir>/test/handlers/fan-in-dead-letter.test.ts',
  '<rootDir>/test/handlers/fan-out-progress.test.ts',
  '<rootDir>/test/handlers/metrics-published.test.ts',
  '<rootDir>/test/lib/fan-out/fan-in.test.ts',
  '<rootDir>/test/lib/fan-out/fan-in-scale.test.ts',
  '<rootDir>/test/lib/fan-out/distributed-map.test.ts',
  '<rootDir>/test/lib/fan-out/progress.test.ts',
  '<rootDir>/test/lib/fan-out/sweep.test.ts',
];

/** @type {import('jest').Config} */
const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  // p-limit ships ESM only: let ts-jest transpile it
  transformIgnorePatterns: ['/node_modules/(?!(p-limit|yocto-queue)/)'],
  setupFiles: ['<rootDir>/test/setup-env.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION],
      setupFiles: [...common.setupFiles, '<rootDir>/test/setup-unit.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      // `sls package`, once per run (test/helpers/packaged-template.ts).
      globalSetup: '<rootDir>/test/global-setup.ts',
      testMatch: INTEGRATION.map((p) => (p.endsWith('/') ? `${p}**/*.test.ts` : p)),
    },
  ],
};
