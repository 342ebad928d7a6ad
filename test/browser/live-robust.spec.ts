// Issue 5, acceptance: "With a 2-second main-thread block every 5 s for 30 s: zero stalls, and latency back under
// target within 2 s after each block", and "The server sends garbage ...: a repair is reported and playback
// continues."

import { expect, test } from '@playwright/test';
import { openDemo, snapshot, waitFor } from './helpers.js';

test('a 2 s main-thread block every 5 s for 30 s: no stall, latency back under its bound within 2 s of each', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openDemo(page);
  await page.evaluate(() => {
    window.weirDemo.start('/live.ts', { fragmentDuration: 100 });
    const w = window as unknown as { stalls: number };
    w.stalls = 0;
    window.weirDemo.state.player!.on('stall', () => {
      w.stalls++;
    });
  });
  await waitFor(page, (s) => s.currentTime > 3 && s.latency !== undefined, 20_000, 'live start');
  // The steady state first: the controller holds latency within its band above the target (0.5 s here; at rate 1.0 it
  // lets the distance to the live edge sit anywhere from the target to a quarter above it, worker/latency.ts), plus
  // the time a frame spends in weir. "Back under target" is back in that band: 2 s after each block, latency is at
  // most the highest of 10 s of steady state before the blocks, plus 50 ms. A block the controller did not catch up
  // would leave 2 s more.
  await page.waitForTimeout(5000);
  const before: number[] = [];
  const ahead: number[] = [];
  for (let k = 0; k < 20; k++) {
    before.push((await snapshot(page)).latency ?? Number.NaN);
    ahead.push(await page.evaluate(() => window.weirDemo.state.stats?.bufferAhead ?? Number.NaN));
    await page.waitForTimeout(500);
  }
  const steady = Math.max(...before);
  const after: number[] = [];
  for (let k = 0; k < 6; k++) {
    await page.evaluate(() => window.weirDemo.block(2000));
    await page.waitForTimeout(2000);
    after.push((await snapshot(page)).latency ?? Number.NaN);
    await page.waitForTimeout(1000);
  }
  console.log(
    `steady latency ${before.map((l) => l.toFixed(3)).join(', ')} (buffer ahead ${ahead.map((l) => l.toFixed(3)).join(', ')}); 2 s after each block: ${after.map((l) => l.toFixed(3)).join(', ')}`,
  );
  const stalls = await page.evaluate(() => (window as unknown as { stalls: number }).stalls);
  const s = await snapshot(page);
  expect(s.errors).toEqual([]);
  expect(stalls, 'stall events during the blocks').toBe(0);
  expect(before.every(Number.isFinite), 'latency reported before the blocks').toBe(true);
  // The steady state is the controller's band: the buffer ahead of the playhead (what it steers) from the target to a
  // quarter above it (0.5-0.625 s), with 50 ms for the sampling. Latency adds the time a frame spends in weir, which
  // for this stream (B-frames, its audio muxed ~0.2 s after the video) is 0.1-0.2 s and varies from run to run
  // (0.74-0.80 s measured): a fixed bound on latency (it was < 0.8) failed a clean-clone run at 0.802 with the buffer
  // in its band, so the band is checked where the controller keeps it.
  expect(Math.max(...ahead), `steady buffer ahead (target 0.5 s): ${ahead}`).toBeLessThanOrEqual(0.5 * 1.25 + 0.05);
  expect(steady, 'steady-state latency (target 0.5 s): the band plus the time in weir').toBeLessThan(1);
  for (const [k, l] of after.entries()) {
    expect(l, `latency 2 s after block ${k}: ${after} (steady state up to ${steady})`).toBeLessThanOrEqual(
      steady + 0.05,
    );
  }
});

test('garbage from the server: each burst is a reported repair and playback goes on', async ({ page }) => {
  await openDemo(page);
  // 3000 random bytes between packets once a second.
  await page.evaluate(() =>
    window.weirDemo.start('/live.ts?garbage=1000&garbageBytes=3000', { fragmentDuration: 100 }),
  );
  const first = await waitFor(page, (x) => x.currentTime > 1, 20_000, 'live start');
  await page.waitForTimeout(6000);
  const s = await snapshot(page);
  expect(s.errors).toEqual([]);
  expect(
    s.warnings.map((w) => w.codeName),
    'garbage skipped and reported',
  ).toContain('SYNC_LOST');
  expect(s.currentTime - first.currentTime).toBeGreaterThan(5);
});
