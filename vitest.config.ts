import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Real-browser suites have their own runners (see scripts/test.sh).
    exclude: ['test/e2e/**', 'test/browser/**', 'node_modules/**'],
    // A real ClickHouse for the collector, report and retraining tests (started unless test.sh did).
    globalSetup: ['test/clickhouse-setup.ts'],
    // Some tests start the CLI through tsx; on a loaded 2-core machine that can pass vitest's 5 s
    // default. Tests check behaviour, not speed (speed is in bench/).
    testTimeout: 30_000,
  },
});
