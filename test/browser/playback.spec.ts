import { expect, test } from '@playwright/test';
import { openDemo, snapshot, waitFor } from './helpers.js';

test.describe('playback from a worker-owned MediaSource', () => {
  test('the bundled sample plays with the MediaSource constructed in the worker', async ({ page }) => {
    const consoleErrors = await openDemo(page);
    const capability = await page.evaluate(() => ({
      canConstructInDedicatedWorker: (MediaSource as unknown as { canConstructInDedicatedWorker?: boolean })
        .canConstructInDedicatedWorker,
    }));
    expect(capability.canConstructInDedicatedWorker).toBe(true);
    await page.evaluate(() => window.weirDemo.start('/media/sample.ts', { forceMainThreadMse: false }));
    const s = await waitFor(page, (x) => x.currentTime > 3 && x.decoded > 60, 30_000, 'sample playback');
    expect(s.mseInWorker).toBe(true);
    expect(s.workerHasMediaSource).toBe(true);
    expect(s.errors).toEqual([]);
    expect(s.tracks).toEqual(['video/mp4; codecs="avc1.64001f"', 'audio/mp4; codecs="mp4a.40.2"']);
    expect(consoleErrors).toEqual([]);
  });

  test('the forced fallback path (appends on the main thread) plays the same way', async ({ page }) => {
    await openDemo(page);
    await page.evaluate(() => window.weirDemo.start('/media/sample.ts', { forceMainThreadMse: true }));
    const s = await waitFor(page, (x) => x.currentTime > 3 && x.decoded > 60, 30_000, 'fallback playback');
    expect(s.mseInWorker).toBe(false);
    expect(s.workerHasMediaSource).toBe(false);
    expect(s.errors).toEqual([]);
  });
});

test.describe('live and a busy page', () => {
  test('the local live stream plays for 10 s with the buffered end advancing', async ({ page }) => {
    await openDemo(page);
    await page.evaluate(() => window.weirDemo.start('/live.ts', { fragmentDuration: 100 }));
    const first = await waitFor(page, (x) => x.currentTime > 0.5 && x.bufferedEnd > 0, 20_000, 'live start');
    expect(first.mseInWorker).toBe(true);
    const samples: { t: number; end: number }[] = [];
    for (let i = 0; i < 10; i++) {
      await page.waitForTimeout(1000);
      const s = await snapshot(page);
      expect(s.errors).toEqual([]);
      samples.push({ t: s.currentTime, end: s.bufferedEnd });
    }
    // Ten seconds of wall time: the playhead and the buffered end move with it (real-time pacing).
    const last = samples.at(-1)!;
    expect(last.t - first.currentTime).toBeGreaterThan(8);
    expect(last.end - first.bufferedEnd).toBeGreaterThan(8);
    for (let i = 1; i < samples.length; i++) expect(samples[i]!.end).toBeGreaterThanOrEqual(samples[i - 1]!.end);
  });

  test('a 2 s busy loop on the main thread does not stop playback', async ({ page }) => {
    await openDemo(page);
    await page.evaluate(() => window.weirDemo.start('/live.ts', { fragmentDuration: 100 }));
    await waitFor(page, (x) => x.currentTime > 2 && x.decoded > 30, 20_000, 'live start');
    // Frames presented during the block: getVideoPlaybackQuality counters advance even while this
    // thread is busy, and are read inside the same task, before and after the loop.
    const during = await page.evaluate(() => {
      const v = window.weirDemo.video;
      const before = v.getVideoPlaybackQuality().totalVideoFrames;
      window.weirDemo.block(2000);
      const after = v.getVideoPlaybackQuality().totalVideoFrames;
      return { before, after };
    });
    expect(during.after - during.before).toBeGreaterThan(30); // 2 s of 30 fps video, with margin
    const s = await snapshot(page);
    expect(s.errors).toEqual([]);
    await page.waitForTimeout(1500);
    const later = await snapshot(page);
    expect(later.currentTime).toBeGreaterThan(s.currentTime + 1);
  });
});

test.describe('bad input', () => {
  for (const [name, url, code] of [
    ['a 404', '/test/404', 'NETWORK_ERROR'],
    ['a non-media URL', '/test/not-media', 'NOT_MPEG_TS'],
  ] as const) {
    test(`${name} gives a typed error event and the page stays responsive`, async ({ page }) => {
      await openDemo(page);
      await page.evaluate((u) => window.weirDemo.start(u), url);
      await expect
        .poll(async () => (await snapshot(page)).errors.map((e) => e.codeName), { timeout: 15_000 })
        .toEqual([code]);
      const t0 = Date.now();
      expect(await page.evaluate(() => 1 + 1)).toBe(2);
      expect(Date.now() - t0).toBeLessThan(1000);
    });
  }

  test('a truncated file gives a typed error after everything before the cut was appended', async ({ page }) => {
    await openDemo(page);
    await page.evaluate(() => window.weirDemo.start('/test/truncated.ts'));
    await expect
      .poll(async () => (await snapshot(page)).errors.map((e) => e.codeName), { timeout: 20_000 })
      .toEqual(['TRUNCATED_INPUT']);
    const s = await snapshot(page);
    expect(s.ended).toBe(true);
    expect(s.warnings.map((w) => w.codeName)).toContain('TRUNCATED_INPUT');
    // The complete part (about 0.4 s of the sample) is buffered and plays.
    expect(s.bufferedEnd).toBeGreaterThan(0.2);
    expect(await page.evaluate(() => 1 + 1)).toBe(2);
  });
});

test.describe('live latency control (in the worker)', () => {
  test('latency settles at the target, and a paused player catches up by rate, then by a jump', async ({ page }) => {
    await openDemo(page);
    await page.evaluate(() =>
      window.weirDemo.start('/live.ts', {
        fragmentDuration: 100,
        liveTargetLatency: 0.5,
        liveMaxLatency: 3,
        liveMaxRate: 1.5,
      }),
    );
    await waitFor(page, (x) => x.currentTime > 1 && x.latency !== undefined, 20_000, 'live start');
    // Steady state: near the target (the live edge advances a fragment at a time, 100 ms).
    await page.waitForTimeout(4000);
    const steady = await snapshot(page);
    expect(steady.latency!).toBeGreaterThan(0.2);
    expect(steady.latency!).toBeLessThan(0.9);
    // A 1.5 s pause: about 2 s behind, under the maximum. The controller speeds up, within its limit, and the
    // latency comes back under 0.9 s without a jump.
    await page.evaluate(() => window.weirDemo.video.pause());
    await page.waitForTimeout(1500);
    await page.evaluate(() => window.weirDemo.video.play());
    const behind = await waitFor(page, (x) => x.rate > 1, 3000, 'catch-up by rate');
    expect(behind.rate).toBeLessThanOrEqual(1.5);
    const caught = await waitFor(page, (x) => x.latency! < 0.9 && x.rate === 1, 12_000, 'back at the target');
    expect(caught.errors).toEqual([]);
    // A 4 s pause: past the maximum (3 s). The controller jumps to the live edge minus the target.
    await page.evaluate(() => window.weirDemo.video.pause());
    await page.waitForTimeout(4000);
    await page.evaluate(() => window.weirDemo.video.play());
    const jumped = await waitFor(page, (x) => x.latency! < 0.9, 3000, 'jump to the live edge');
    expect(jumped.errors).toEqual([]);
  });
});

test.describe('live connection lost', () => {
  test('the worker reconnects, reports it, and playback goes on', async ({ page }) => {
    await openDemo(page);
    // The simulator drops every connection after 3 s (each new one starts its loop again: a timestamp jump too).
    await page.evaluate(() => window.weirDemo.start('/live.ts?dropAfter=3000', { fragmentDuration: 100 }));
    const first = await waitFor(page, (x) => x.currentTime > 1, 20_000, 'live start');
    await page.waitForTimeout(8000);
    const s = await snapshot(page);
    expect(s.errors).toEqual([]);
    expect(s.warnings.map((w) => w.codeName)).toContain('RECONNECTING');
    // Playing across at least two reconnects: the playhead moved on with the wall clock, give or take the waits.
    expect(s.currentTime - first.currentTime).toBeGreaterThan(5);
    const reconnects = await page.evaluate(() => window.weirDemo.state.stats?.reconnects ?? 0);
    expect(reconnects).toBeGreaterThanOrEqual(2);
    // No reconnect loop: about one per 3 s connection, not dozens.
    expect(reconnects).toBeLessThanOrEqual(6);
  });
});

test('bad Player options are a TypeError naming the option', async ({ page }) => {
  await openDemo(page);
  const results = await page.evaluate(() => {
    const Player = window.weirDemo.Player;
    const out: { name: string; isTypeError: boolean; message: string }[] = [];
    for (const options of [{ liveTargetLatency: -1 }, { liveMaxRate: 3 }, { bogus: true }, { fragmentDuration: -5 }]) {
      try {
        new Player(window.weirDemo.video, options as never);
        out.push({ name: 'none', isTypeError: false, message: '' });
      } catch (e) {
        out.push({ name: (e as Error).name, isTypeError: e instanceof TypeError, message: (e as Error).message });
      }
    }
    return out;
  });
  expect(results.map((r) => r.isTypeError)).toEqual([true, true, true, true]);
  expect(results.map((r) => r.message.split(' ')[2])).toEqual([
    'liveTargetLatency',
    'liveMaxRate',
    'bogus',
    'fragmentDuration',
  ]);
});
