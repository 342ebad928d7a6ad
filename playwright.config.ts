import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.js';

// Browser tests: worker/ + player/ in real Chromium (Debian's /usr/bin/chromium; never a download).
// One browser, one worker: these machines have 2 cores and a browser test needs most of one.
const port = Number(process.env.WEIR_TEST_PORT ?? 4179);

export default defineConfig({
  testDir: 'test/browser',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: `node scripts/serve.js --port ${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
