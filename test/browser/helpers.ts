import { expect, type Page } from '@playwright/test';

/** A warning or error event as the demo page records it. */
export interface Reported {
  code: number;
  codeName: string;
  message: string;
  severity: 'recoverable' | 'fatal';
  track: number | undefined;
  detail: number | undefined;
}

/** The fields of a `tracks` event entry the tests look at. */
export interface TrackSummary {
  id: number;
  kind: 'video' | 'audio';
  codec: string;
  codecString: string;
  mimeType: string;
  language: string | undefined;
  width: number | undefined;
  height: number | undefined;
}

/** The demo page's state as the tests read it (see demo/main.ts `window.weirDemo`). */
export interface DemoSnapshot {
  currentTime: number;
  decoded: number;
  dropped: number;
  errors: Reported[];
  warnings: Reported[];
  mseInWorker: boolean | undefined;
  bufferedEnd: number;
  ended: boolean;
  /** The MIME types of the last `tracks` event. */
  tracks: string[];
  /** The last `tracks` event's entries, and every `audiotrack` event's id in order. */
  trackInfo: TrackSummary[];
  audioTracks: number[];
  /** The element: its duration, whether it reached its end, its picture size. */
  duration: number;
  elementEnded: boolean;
  videoWidth: number;
  videoHeight: number;
  /** Chrome's count of audio bytes decoded by the element (undefined where the property does not exist). */
  audioDecodedBytes: number | undefined;
  /** The worker's warning count. */
  workerWarnings: number | undefined;
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
      trackInfo: d.state.tracks.map((t) => ({
        id: t.id,
        kind: t.kind,
        codec: t.codec,
        codecString: t.codecString,
        mimeType: t.mimeType,
        language: t.language,
        width: t.width,
        height: t.height,
      })),
      audioTracks: d.state.audioTracks,
      duration: v.duration,
      elementEnded: v.ended,
      videoWidth: v.videoWidth,
      videoHeight: v.videoHeight,
      audioDecodedBytes: (v as HTMLVideoElement & { webkitAudioDecodedByteCount?: number }).webkitAudioDecodedByteCount,
      workerWarnings: d.state.stats?.warnings,
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

/** One frame the element presented, as requestVideoFrameCallback reports it. */
export interface PresentedFrame {
  /** The frame's presentation timestamp on the element's timeline (seconds). */
  mediaTime: number;
  /** The element's count of frames presented so far (frames the callback did not see included). */
  presentedFrames: number;
  width: number;
  height: number;
}

/**
 * Starts recording every video frame the element presents (requestVideoFrameCallback, re-armed at each call). Call it
 * before `start`: the callback stays registered across source changes.
 */
export async function recordPresentedFrames(page: Page): Promise<void> {
  await page.evaluate(() => {
    const v = window.weirDemo.video;
    const frames: PresentedFrame[] = [];
    (window as unknown as { presented: PresentedFrame[] }).presented = frames;
    const onFrame = (_now: number, m: VideoFrameCallbackMetadata) => {
      frames.push({ mediaTime: m.mediaTime, presentedFrames: m.presentedFrames, width: m.width, height: m.height });
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  });
}

export async function presentedFrames(page: Page): Promise<PresentedFrame[]> {
  return page.evaluate(() => (window as unknown as { presented: PresentedFrame[] }).presented);
}

/**
 * Plays a file, seeks to `target` once it plays, and waits until the element has played past `playTo`. Gives the
 * worker's stats at that moment and the start of the buffered range holding the target (null: none holds it).
 */
export async function seekInFile(
  page: Page,
  url: string,
  target: number,
  playTo: number,
): Promise<{ stats: NonNullable<Window['weirDemo']['state']['stats']>; rangeStart: number | null }> {
  await page.evaluate((u) => window.weirDemo.start(u), url);
  await waitFor(page, (s) => s.currentTime >= 0.2, 20_000, `${url} playing`);
  await page.evaluate((t) => window.weirDemo.state.player!.seek(t), target);
  await waitFor(page, (s) => s.currentTime >= playTo, 20_000, `${url}: playing past ${playTo} s after the seek`);
  const stats = await page.evaluate(() => window.weirDemo.state.stats!);
  const rangeStart = await page.evaluate((t) => {
    const b = window.weirDemo.video.buffered;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= t && t < b.end(i)) return b.start(i);
    return null;
  }, target);
  return { stats, rangeStart };
}
