// Issue 5: "A seek in a 60-second TS file lands on the keyframe at or before the target and plays on, using range
// requests." The 2 MB fixture is served at 1600 kbit/s (10 s to load in order, range requests too); a seek to 45 s
// right after the start must not wait for that: the worker bisects the file with small range requests (stats.probeBytes), fetches it again
// from the keyframe at or before 45 s (stats.rangeSeeks), and the element plays on from there.

import { expect, test } from '@playwright/test';
import { openDemo, snapshot } from './helpers.js';

test('a seek in a 60-second TS file lands on the keyframe at or before the target and plays on', async ({ page }) => {
  await openDemo(page);
  const size = 2_077_212; // test/fixtures/ts-h264-aac-60s.ts
  await page.evaluate(() => window.weirDemo.start('/fixtures/ts-h264-aac-60s.ts?kbps=1600'));
  const deadline = Date.now() + 20_000;
  while ((await snapshot(page)).currentTime < 0.3) {
    if (Date.now() > deadline) throw new Error(`did not start: ${JSON.stringify(await snapshot(page))}`);
    await page.waitForTimeout(100);
  }
  await page.evaluate(() => window.weirDemo.state.player!.seek(45));
  const end = Date.now() + 20_000;
  let s = await snapshot(page);
  while (s.currentTime < 45.5 && s.errors.length === 0) {
    if (Date.now() > end) throw new Error(`did not play on after the seek: ${JSON.stringify(s)}`);
    await page.waitForTimeout(150);
    s = await snapshot(page);
  }
  expect(s.errors).toEqual([]);
  const stats = await page.evaluate(() => window.weirDemo.state.stats!);
  expect(stats.rangeSeeks, 'one seek served by a range request').toBe(1);
  expect(stats.probeBytes, 'the bisection fetched windows of the file').toBeGreaterThan(0);
  // Loading in order, playing 45 s would need the first 44/60 of the file (1.5 MB); the worker had loaded far less.
  expect(stats.bytesLoaded, 'the bytes before the target were not all loaded').toBeLessThan(0.6 * size);
  // Landed on the keyframe at or before the target (2 s GOPs): the buffered range holding 45 s starts at most one
  // GOP before it.
  const range = await page.evaluate(() => {
    const b = window.weirDemo.video.buffered;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= 45 && 45 < b.end(i)) return { start: b.start(i) };
    return null;
  });
  expect(range, 'a buffered range holds the target').not.toBeNull();
  expect(range!.start).toBeLessThanOrEqual(45);
  expect(45 - range!.start).toBeLessThanOrEqual(2.1);
  // Then it plays on.
  const later = Date.now() + 10_000;
  while ((await snapshot(page)).currentTime < 47) {
    if (Date.now() > later) throw new Error(`stopped after the seek: ${JSON.stringify(await snapshot(page))}`);
    await page.waitForTimeout(150);
  }
});
