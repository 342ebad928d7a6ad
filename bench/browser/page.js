/**
 * The browser bench's page (bench/browser.js drives it): one <video>, weir's packaged build (lib/web/weir.js, its
 * worker and core beside it) and mpegts.js's UMD build both loaded before anything starts, whichever contestant runs.
 * It records, the same way for every contestant:
 *  - every presented frame (requestVideoFrameCallback: media time, expected display time, presented and dropped
 *    counts), `waiting` events, errors;
 *  - the main thread's load: Long Tasks (PerformanceObserver 'longtask') and a requestAnimationFrame probe (the time
 *    by which frames came later than one display frame apart: the thread was busy);
 *  - for weir, its `stats` events (timeOrigin, WASM memory, its own latency figure).
 * `window.bench` starts a contestant, blocks the thread on request, seeks, and hands the record out.
 */
import { Player } from './weir.js';

const video = /** @type {HTMLVideoElement} */ (document.getElementById('video'));
/** A display frame at 60 Hz, for the rAF probe. */
const VSYNC_MS = 1000 / 60;

const record = {
  kind: '',
  /** performance.now() just before the contestant was started. */
  t0: Number.NaN,
  /** [mediaTime, expectedDisplayTime, presentationTime, presentedFrames, droppedVideoFrames, playbackRate] each. */
  frames: /** @type {number[][]} */ ([]),
  waiting: /** @type {number[]} */ ([]),
  errors: /** @type {string[]} */ ([]),
  stats: /** @type {Record<string, unknown>[]} */ ([]),
  longTasks: /** @type {number[][]} */ ([]),
  /** rAF probe: callbacks seen, and the sum over them of (interval - one display frame) where positive. */
  rafCallbacks: 0,
  rafLateMs: 0,
  /** [from, to, playbackRate, seconds buffered ahead, buffered ranges, readyState] per block, read just before it. */
  blocks: /** @type {number[][]} */ ([]),
};
/** @type {any} */ (window).benchRecord = record;

new PerformanceObserver((list) => {
  for (const e of list.getEntries()) record.longTasks.push([e.startTime, e.duration]);
}).observe({ type: 'longtask', buffered: true });

let lastRaf = 0;
const onAnimationFrame = () => {
  const now = performance.now();
  if (lastRaf) {
    record.rafCallbacks++;
    record.rafLateMs += Math.max(0, now - lastRaf - VSYNC_MS);
  }
  lastRaf = now;
  requestAnimationFrame(onAnimationFrame);
};
requestAnimationFrame(onAnimationFrame);

/** @param {number} _now @param {VideoFrameCallbackMetadata} m */
const onFrame = (_now, m) => {
  record.frames.push([
    m.mediaTime,
    m.expectedDisplayTime,
    m.presentationTime,
    m.presentedFrames,
    video.getVideoPlaybackQuality().droppedVideoFrames,
    video.playbackRate,
  ]);
  video.requestVideoFrameCallback(onFrame);
};
video.requestVideoFrameCallback(onFrame);
video.addEventListener('waiting', () => record.waiting.push(performance.now()));
video.addEventListener('error', () =>
  record.errors.push(`video element: ${video.error?.message ?? video.error?.code}`),
);

/** @type {any} */
let player;

/**
 * Starts a contestant on `url` (absolute: mpegts.js's worker runs from a blob: URL and cannot resolve a relative one).
 * The element autoplays (muted) for every contestant: nobody calls play().
 * @param {'weir' | 'mpegts-main' | 'mpegts-worker' | 'video'} kind
 * @param {string} url
 * @param {any} options weir's PlayerOptions, or mpegts.js's { mediaDataSource, config }
 */
function start(kind, url, options) {
  record.kind = kind;
  record.t0 = performance.now();
  if (kind === 'weir') {
    player = new Player(video, options);
    player.on('error', (/** @type {any} */ e) => record.errors.push(`weir ${e.codeName}: ${e.message}`));
    player.on('stats', (/** @type {any} */ s) =>
      record.stats.push({
        at: performance.now(),
        timeOrigin: s.timeOrigin,
        wasmMemoryBytes: s.wasmMemoryBytes,
        latency: s.latency,
        mseInWorker: s.mseInWorker,
        live: s.live,
        stalls: s.stalls,
      }),
    );
    player.load(url).catch((/** @type {any} */ e) => record.errors.push(`weir load: ${e?.message ?? e}`));
  } else if (kind === 'mpegts-main' || kind === 'mpegts-worker') {
    const mpegts = /** @type {any} */ (window).mpegts;
    player = mpegts.createPlayer({ ...options.mediaDataSource, url }, options.config);
    player.on(mpegts.Events.ERROR, (/** @type {any} */ type, /** @type {any} */ detail, /** @type {any} */ info) =>
      record.errors.push(`mpegts.js ${type} ${detail}: ${info?.msg ?? ''}`),
    );
    player.attachMediaElement(video);
    player.load();
  } else {
    video.src = url;
  }
}

/** Keeps the main thread busy for `ms` (a page's own long task: layout, a heavy script, a GC). @param {number} ms */
function block(ms) {
  // Seconds buffered ahead in the range that holds the playhead (0 when none does: the element is at a gap).
  const b = video.buffered;
  const t = video.currentTime;
  let ahead = 0;
  for (let i = 0; i < b.length; i++) if (t >= b.start(i) - 0.001 && t < b.end(i)) ahead = b.end(i) - t;
  const rate = video.playbackRate;
  const from = performance.now();
  while (performance.now() - from < ms) {
    // busy
  }
  record.blocks.push([from, performance.now(), rate, ahead, b.length, video.readyState]);
}

/**
 * Seeks to `t` and resolves when the element has said `seeked` and presented a frame at the new position (within a
 * frame before `t` to 1 s after), or after `timeoutMs`. Times from setting currentTime, ms.
 * @param {number} t @param {number} timeoutMs
 */
function seek(t, timeoutMs) {
  return new Promise((resolve) => {
    const buffered = [];
    for (let i = 0; i < video.buffered.length; i++) buffered.push([video.buffered.start(i), video.buffered.end(i)]);
    const wasBuffered = buffered.some(([a, b]) => t >= a && t < b);
    let seekedAt = Number.NaN;
    let done = false;
    const t0 = performance.now();
    const finish = (/** @type {number} */ frameAt, /** @type {number} */ mediaTime) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({
        target: t,
        wasBuffered,
        seekedMs: seekedAt - t0,
        frameMs: frameAt - t0,
        mediaTime,
        timedOut: Number.isNaN(frameAt),
      });
    };
    const timer = setTimeout(() => finish(Number.NaN, Number.NaN), timeoutMs);
    video.addEventListener('seeked', () => (seekedAt = performance.now()), { once: true });
    /** @param {number} _now @param {VideoFrameCallbackMetadata} m */
    const onSeekFrame = (_now, m) => {
      if (m.mediaTime >= t - 0.05 && m.mediaTime <= t + 1 && !Number.isNaN(seekedAt)) {
        finish(Math.max(m.expectedDisplayTime, seekedAt), m.mediaTime);
      } else if (!done) video.requestVideoFrameCallback(onSeekFrame);
    };
    video.currentTime = t;
    video.requestVideoFrameCallback(onSeekFrame);
  });
}

/** The record, with this page's clock (to put it on the server's) and the element's state. */
function snapshot() {
  const q = video.getVideoPlaybackQuality();
  return {
    ...record,
    now: performance.now(),
    timeOrigin: performance.timeOrigin,
    perfMinusDate: performance.timeOrigin + performance.now() - Date.now(),
    currentTime: video.currentTime,
    duration: video.duration,
    decoded: q.totalVideoFrames,
    dropped: q.droppedVideoFrames,
    videoWidth: video.videoWidth,
    videoHeight: video.videoHeight,
  };
}

/** Internals read for a cross-check only (mpegts.js's main-thread remuxer's timestamp base, ms); null if absent. */
function mpegtsDtsBase() {
  try {
    const remuxer = player?._player_engine?._transmuxer?._controller?._remuxer;
    return typeof remuxer?._dtsBase === 'number' && remuxer._dtsBase >= 0 ? remuxer._dtsBase : null;
  } catch {
    return null;
  }
}

/** @type {any} */ (window).bench = {
  ready: true,
  start,
  block,
  seek,
  snapshot,
  mpegtsDtsBase,
  destroy: () => {
    try {
      player?.destroy();
    } catch (e) {
      record.errors.push(`destroy: ${e}`);
    }
  },
};
