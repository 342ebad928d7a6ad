// Issue 4 in the browser: WebM and Matroska fixtures through the worker. VP9+Opus, AV1+Opus and H.264+AAC in MKV
// become fMP4 (asserted by the SourceBuffer MIME types the worker used, from the `tracks` event) and play with
// their video decoded and their audio decoded; VP8+Vorbis, which has no MP4 form this browser takes, plays through
// the passthrough route: the original WebM bytes in one `video/webm` SourceBuffer.

import { expect, type Page, test } from '@playwright/test';
import { type DemoSnapshot, openDemo, seekInFile, snapshot } from './helpers.js';

async function play(page: Page, name: string, seconds: number): Promise<DemoSnapshot> {
  await page.evaluate((u) => window.weirDemo.start(u), `/fixtures/${name}`);
  const deadline = Date.now() + 20_000;
  let s = await snapshot(page);
  while (s.currentTime <= seconds && s.errors.length === 0) {
    if (Date.now() > deadline) throw new Error(`${name}: did not play ${seconds} s: ${JSON.stringify(s)}`);
    await page.waitForTimeout(150);
    s = await snapshot(page);
  }
  expect(s.errors, `${name}: no error`).toEqual([]);
  return s;
}

function expectPlayed(s: DemoSnapshot, mimeTypes: RegExp[]): void {
  expect(s.tracks.length, JSON.stringify(s.trackInfo)).toBe(mimeTypes.length);
  s.tracks.forEach((t, k) => {
    expect(t).toMatch(mimeTypes[k]!);
  });
  expect(s.mseInWorker, 'MSE in the worker').toBe(true);
  expect(s.workerHasMediaSource).toBe(true);
  expect(s.decoded, 'video frames decoded').toBeGreaterThan(30);
  expect(s.audioDecodedBytes ?? 0, 'audio decoded').toBeGreaterThan(0);
  expect(s.warnings.filter((w) => w.codeName === 'UNSUPPORTED_CODEC')).toEqual([]);
}

test.describe('WebM/Matroska through the worker', () => {
  test.beforeEach(async ({ page }) => {
    await openDemo(page);
  });

  test('VP9 + Opus WebM plays as fMP4 (vp09 + opus SourceBuffers)', async ({ page }) => {
    const s = await play(page, 'webm-vp9-opus.webm', 1.5);
    expectPlayed(s, [/^video\/mp4; codecs="vp09\.00\.\d\d\.08"$/, /^audio\/mp4; codecs="opus"$/]);
  });

  test('AV1 + Opus WebM plays as fMP4 (av01 + opus SourceBuffers)', async ({ page }) => {
    const s = await play(page, 'webm-av1-opus.webm', 1.5);
    expectPlayed(s, [/^video\/mp4; codecs="av01\.0\.\d\d[MH]\.08"$/, /^audio\/mp4; codecs="opus"$/]);
  });

  test('H.264 + AAC Matroska with B-frames plays as fMP4 (avc1 + mp4a SourceBuffers)', async ({ page }) => {
    const s = await play(page, 'mkv-h264-aac-bframes.mkv', 1.5);
    expectPlayed(s, [/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/, /^audio\/mp4; codecs="mp4a\.40\.2"$/]);
  });

  test('VP8 + Vorbis WebM plays through the passthrough route (one video/webm SourceBuffer)', async ({ page }) => {
    expect(
      await page.evaluate(() => MediaSource.isTypeSupported('video/webm; codecs="vp8,vorbis"')),
      'this Chromium plays VP8 + Vorbis WebM through MSE',
    ).toBe(true);
    const s = await play(page, 'webm-vp8-vorbis.webm', 1.5);
    expectPlayed(s, [/^video\/webm; codecs="vp8,vorbis"$/]);
  });

  test('a 0.5 s hole in a passthrough WebM: the playhead is moved over it (GAP_JUMPED) and plays on', async ({
    page,
  }) => {
    // webm-vp8-vorbis-gap.webm: no video or audio from 2.0 s to 2.5 s (test/fixtures/README.md). Chromium buffers two
    // ranges and, left alone, waits at the end of the first.
    const s = await play(page, 'webm-vp8-vorbis-gap.webm', 3);
    const ranges = await page.evaluate(() => {
      const b = window.weirDemo.video.buffered;
      return Array.from({ length: b.length }, (_, i) => [b.start(i), b.end(i)]);
    });
    expect(ranges.length, `two buffered ranges: ${JSON.stringify(ranges)}`).toBe(2);
    const jumps = s.warnings.filter((w) => w.codeName === 'GAP_JUMPED');
    expect(jumps.length, JSON.stringify(s.warnings)).toBe(1);
    const gap = ranges[1]![0]! - ranges[0]![1]!;
    expect(gap).toBeGreaterThan(0.4);
    expect(gap).toBeLessThan(0.6);
    const stats = await page.evaluate(() => window.weirDemo.state.stats?.gapJumps);
    expect(stats).toBe(1);
  });
});

test.describe('live WebM (unknown-size Segment and Clusters, scripts/live-webm.js)', () => {
  const sources: [string, () => string][] = [
    ['a streamed fetch (/live.webm)', () => '/live.webm'],
    ['a WebSocket (ws://…/live.webm)', () => `ws://${new URL(test.info().project.use.baseURL!).host}/live.webm`],
  ];
  for (const [label, url] of sources) {
    test(`plays for 10 s over ${label}, the buffered end advancing and latency bounded`, async ({ page }) => {
      await openDemo(page);
      await page.evaluate((u) => window.weirDemo.start(u, { fragmentDuration: 100 }), url());
      const deadline = Date.now() + 20_000;
      let first = await snapshot(page);
      while (!(first.currentTime > 0.5 && first.bufferedEnd > 0) && first.errors.length === 0) {
        if (Date.now() > deadline) throw new Error(`live WebM did not start: ${JSON.stringify(first)}`);
        await page.waitForTimeout(150);
        first = await snapshot(page);
      }
      expect(first.errors).toEqual([]);
      expect(first.mseInWorker).toBe(true);
      expect(first.tracks).toEqual([expect.stringMatching(/^video\/mp4; codecs="vp09\./), 'audio/mp4; codecs="opus"']);
      const samples: { t: number; end: number; latency: number | undefined }[] = [];
      for (let i = 0; i < 10; i++) {
        await page.waitForTimeout(1000);
        const s = await snapshot(page);
        expect(s.errors).toEqual([]);
        samples.push({ t: s.currentTime, end: s.bufferedEnd, latency: s.latency });
      }
      // Ten seconds of wall time: the playhead and the buffered end move with it (real-time pacing), across the
      // clip's loops (its timestamps keep growing).
      const last = samples.at(-1)!;
      expect(last.t - first.currentTime).toBeGreaterThan(8);
      expect(last.end - first.bufferedEnd).toBeGreaterThan(8);
      for (let i = 1; i < samples.length; i++) expect(samples[i]!.end).toBeGreaterThanOrEqual(samples[i - 1]!.end);
      // The worker's latency measure (live edge − playhead) stays near its target, not creeping up.
      expect(last.latency, JSON.stringify(samples)).toBeDefined();
      expect(last.latency!).toBeLessThan(3);
    });
  }
});

test.describe('seeking in a WebM file (Cues and a range request)', () => {
  test('a seek past what has loaded fetches from the keyframe Cluster at or before the target and plays on', async ({
    page,
  }) => {
    await openDemo(page);
    // 160 kbit/s: the 120 kB file takes 6 s to load in order, and its Cues are its last bytes.
    const size = 119_930;
    const { stats, rangeStart } = await seekInFile(page, '/fixtures/webm-vp9-opus.webm?kbps=160', 2.2, 2.6);
    expect(stats.rangeSeeks, 'one seek served by a range request from the Cues').toBe(1);
    // Not loaded in order to get there: the GOP of 1..2 s was skipped.
    expect(stats.bytesLoaded).toBeLessThan(size - 20_000);
    // Landed within one GOP (1 s) of the target.
    expect(rangeStart, 'a buffered range holds the target').not.toBeNull();
    expect(2.2 - rangeStart!).toBeLessThanOrEqual(1);
  });
});

test.describe('seeking in a WebM file without Cues (a keyframe found by scanning, range requests)', () => {
  test('a seek past what has loaded finds the keyframe at or before the target and plays on', async ({ page }) => {
    await openDemo(page);
    // A 60 s WebM without Cues or Duration (the live clip looped 20 times, unknown-size Clusters, 1 s GOPs), 2.4 MB
    // served at 1600 kbit/s: 12 s to load in order, range requests as slow.
    const size = 2_386_034;
    const { stats, rangeStart } = await seekInFile(page, '/test/looped.webm?kbps=1600', 45, 45.5);
    expect(stats.rangeSeeks, 'one seek served by a range request').toBe(1);
    expect(stats.probeBytes, 'windows of the file were scanned for the keyframe').toBeGreaterThan(0);
    // Loading in order, playing 45 s would need three quarters of the file.
    expect(stats.bytesLoaded, 'the bytes before the target were not all loaded').toBeLessThan(0.6 * size);
    expect(rangeStart, 'a buffered range holds the target').not.toBeNull();
    expect(45 - rangeStart!, 'landed within one GOP (1 s) before the target').toBeLessThanOrEqual(1);
  });
});
