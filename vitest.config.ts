import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the "source" export condition.
const resolve = { conditions: ['source', ...defaultClientConditions] };
const ssr = { resolve: { conditions: ['source', ...defaultServerConditions], externalConditions: ['source'] } };

export default defineConfig({
  resolve,
  ssr,
  test: {
    reporters: process.env.CI ? ['default', 'junit'] : ['default'],
    outputFile: { junit: 'test-results/junit.xml' },
    onConsoleLog: () => true,
    setupFiles: ['./vitest.setup.ts'],
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          setupFiles: ['./vitest.setup.ts'],
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        resolve,
        ssr,
        // Real processes and network namespaces: one file at a time, generous but bounded.
        test: {
          name: 'e2e',
          setupFiles: ['./vitest.setup.ts'],
          include: ['tests/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
