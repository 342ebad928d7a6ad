// How weir's tests and benchmarks launch Chromium (../shared/BROWSER.md): Debian's /usr/bin/chromium, never a
// download, with the flags that keep it off the network and let media autoplay. playwright.config.ts and
// bench/browser.js both use these, so a test and a benchmark run the same browser the same way.

/** @type {string} */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];
