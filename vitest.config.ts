import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // Real-browser suites have their own runners (see scripts/test.sh).
    exclude: ['test/e2e/**', 'test/browser/**', 'node_modules/**'],
    // A real ClickHouse for the collector, report and retraining tests (started unless test.sh did).
    globalSetup: ['test/clickhouse-setup.ts'],
  },
});
