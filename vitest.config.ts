import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Request and job logs would drown the test report; failures are asserted, not read from logs.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'error' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/connectors/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'store',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
