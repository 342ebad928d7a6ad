import { defineConfig } from 'vitest/config';

// The node project: wasm/ + engine/ + CLI, fast and deterministic (STYLE.md §9). Browser tests
// (worker/ + player/ in real Chromium) run under Playwright: see playwright.config.ts.
export default defineConfig({
  test: {
    include: ['test/node/**/*.test.{ts,js}'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
