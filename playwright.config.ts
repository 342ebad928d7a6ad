import { defineConfig } from '@playwright/test';

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
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--autoplay-policy=no-user-gesture-required',
      ],
    },
  },
  webServer: {
    command: `node scripts/serve.js --port ${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
