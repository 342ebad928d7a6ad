// Issue 4 in the browser: WebM and Matroska fixtures through the worker. VP9+Opus, AV1+Opus and H.264+AAC in MKV
// become fMP4 (asserted by the SourceBuffer MIME types the worker used, from the `tracks` event) and play with
// their video decoded and their audio decoded; VP8+Vorbis, which has no MP4 form this browser takes, plays through
// the passthrough route: the original WebM bytes in one `video/webm` SourceBuffer.

import { expect, type Page, test } from '@playwright/test';
import { type DemoSnapshot, openDemo, snapshot } from './helpers.js';

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
});
