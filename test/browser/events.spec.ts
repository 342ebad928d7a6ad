// Issue 5, stats and events: a live stream gives `latency` events with every stats report (now, p50, p95) and stats
// with the buffer ahead and behind the playhead, the input bitrate and the append latency; a server that stops
// sending long enough for the buffer to run dry gives a `stall` event (and the stall count in the stats), and
// playback goes on when it sends again.

import { expect, test } from '@playwright/test';
import { openDemo, waitFor } from './helpers.js';

test('live: latency events, stats with buffer, bitrate and append latency, and a stall reported', async ({ page }) => {
  await openDemo(page);
  // The server stops sending for 3 s after 4 s (more than the ~0.5 s buffered at the target latency).
  await page.evaluate(() => {
    window.weirDemo.start('/live.ts?stallAt=4000&stallFor=3000', { fragmentDuration: 100 });
    const p = window.weirDemo.state.player!;
    const w = window as unknown as { seen: { latency: number[]; stalls: number[] } };
    w.seen = { latency: [], stalls: [] };
    p.on('latency', (l) => w.seen.latency.push(l.latency));
    p.on('stall', (s) => w.seen.stalls.push(s.currentTime));
  });
  await waitFor(page, (s) => s.currentTime > 2, 20_000, 'live start');
  const stats = await page.evaluate(() => window.weirDemo.state.stats!);
  expect(stats.bufferAhead).toBeGreaterThanOrEqual(0);
  expect(stats.bufferBehind, 'media behind the playhead').toBeGreaterThan(0.5);
  expect(stats.bitrate, 'the live stream comes in at its bitrate').toBeGreaterThan(100_000);
  expect(stats.appendLatencyMs, 'appends are timed').toBeGreaterThan(0);
  // The stall, then playback again.
  await page.waitForFunction(
    () => (window as unknown as { seen: { stalls: number[] } }).seen.stalls.length > 0,
    undefined,
    { timeout: 15_000 },
  );
  const t = await page.evaluate(() => window.weirDemo.video.currentTime);
  await waitFor(page, (s) => s.currentTime > t + 2, 20_000, 'playing again after the stall');
  const seen = await page.evaluate(() => (window as unknown as { seen: { latency: number[]; stalls: number[] } }).seen);
  expect(seen.latency.length, 'a latency event with each stats report').toBeGreaterThan(10);
  for (const l of seen.latency) expect(Number.isFinite(l)).toBe(true);
  expect(seen.stalls.length).toBeGreaterThanOrEqual(1);
  const after = await page.evaluate(() => window.weirDemo.state.stats!);
  expect(after.stalls).toBe(seen.stalls.length);
});

test('load() with an already-aborted signal rejects and starts nothing', async ({ page }) => {
  await openDemo(page);
  const result = await page.evaluate(async () => {
    const v = document.createElement('video');
    const p = new window.weirDemo.Player(v);
    try {
      await p.load('/media/sample.ts', { signal: AbortSignal.abort() });
      return { rejected: false, name: '', attached: false };
    } catch (e) {
      // Nothing started: no worker ever attaches a MediaSource to the element.
      await new Promise((r) => setTimeout(r, 500));
      return { rejected: true, name: (e as Error).name, attached: v.srcObject !== null || v.src !== '' };
    } finally {
      p.destroy();
    }
  });
  expect(result).toEqual({ rejected: true, name: 'AbortError', attached: false });
});
