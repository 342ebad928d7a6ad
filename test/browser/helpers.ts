import { expect, type Page } from '@playwright/test';

/** The demo page's state as the tests read it (see demo/main.ts `window.weirDemo`). */
export interface DemoSnapshot {
  currentTime: number;
  decoded: number;
  dropped: number;
  errors: { code: number; codeName: string; message: string }[];
  warnings: { code: number; codeName: string }[];
  mseInWorker: boolean | undefined;
  bufferedEnd: number;
  ended: boolean;
  tracks: string[];
  workerHasMediaSource: boolean;
  /** Live: the worker's latency measure (seconds), and the element's playback rate. */
  latency: number | undefined;
  rate: number;
}

export async function snapshot(page: Page): Promise<DemoSnapshot> {
  return page.evaluate(() => {
    const d = window.weirDemo;
    const v = d.video;
    const q = v.getVideoPlaybackQuality();
    return {
      currentTime: v.currentTime,
      decoded: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      errors: d.state.errors,
      warnings: d.state.warnings,
      mseInWorker: d.state.stats?.mseInWorker,
      bufferedEnd: v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0,
      ended: d.state.ended,
      tracks: d.state.tracks.map((t) => t.mimeType),
      latency: d.state.stats?.latency,
      rate: v.playbackRate,
      // With MSE in the worker the element's source is a MediaSourceHandle (only a MediaSource constructed in a
      // dedicated worker has one), not a blob: URL of a MediaSource on this thread.
      workerHasMediaSource:
        typeof MediaSourceHandle !== 'undefined' &&
        v.srcObject instanceof MediaSourceHandle &&
        !v.src.startsWith('blob:'),
    };
  });
}

/** Opens the demo page with the browser's console errors collected. */
export async function openDemo(page: Page): Promise<string[]> {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto('/');
  await expect(page.locator('h1')).toHaveText('weir');
  return consoleErrors;
}

/** Polls until `predicate` holds for the page state, or fails after `timeout` ms with the last state. */
export async function waitFor(
  page: Page,
  predicate: (s: DemoSnapshot) => boolean,
  timeout: number,
  what: string,
): Promise<DemoSnapshot> {
  const deadline = Date.now() + timeout;
  let last = await snapshot(page);
  while (Date.now() < deadline) {
    if (predicate(last)) return last;
    if (last.errors.length) throw new Error(`${what}: error events ${JSON.stringify(last.errors)}`);
    await page.waitForTimeout(200);
    last = await snapshot(page);
  }
  throw new Error(`${what}: timed out after ${timeout} ms; last state ${JSON.stringify(last)}`);
}
