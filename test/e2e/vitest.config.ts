import { defineConfig } from 'vitest/config';

/** Real-browser playback suite (scripts/test-e2e.sh): one Chromium session at a time, long timeouts. */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/e2e/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 60_000,
    reporters: ['verbose'],
  },
});
