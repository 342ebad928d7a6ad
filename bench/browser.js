#!/usr/bin/env node
/**
 * The browser bench (issue 6): weir against mpegts.js, in its main-thread mode and with `enableWorkerForMSE`, in
 * Chromium (Playwright driving /usr/bin/chromium, one browser for the whole run), on the same page under the same
 * conditions, with a plain <video> playing an MP4 as the floor. See bench/README.md, "Browser".
 *
 * 1. A local file (the bench's 1080p TS; 360p with --quick): time to first frame over several fresh pages, then
 *    seeks to several points (currentTime= → `seeked` and the first frame at the new position).
 * 2. The live simulator (scripts/serve.js, /live.ts paced in real time, the low-delay clip): end-to-end latency (the
 *    simulator's send log against requestVideoFrameCallback, each presented frame mapped back to its source PTS),
 *    stalls and main-thread busy time at steady state, then stalls and presented frames under periodic 2 s blocks
 *    of the page's main thread.
 * 3. Results: JSON (bench/results/browser-latest.json and a dated copy in a full run), merged into report.html and
 *    the README table by bench/report.js and bench/table.js.
 *
 * Modes: default (full), --quick (360p file, shorter windows: about 2 minutes), --smoke (a committed 3 s fixture,
 * everything once and briefly, results to --out or a temporary folder: what `npm test` runs).
 * Options: --out DIR, --skip ttff,seek,live,baseline. Port: WEIR_BENCH_PORT (default 4197; 0 = any free one with
 * --smoke), 127.0.0.1 only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.js';
import { startServer } from '../scripts/serve.js';
import { installAppendLog } from './harness/append-log.js';
import { ensureInput, existingInput, fail, INPUTS, run } from './harness/inputs.js';
import { busyCores, gitInfo, loadAverage, weirBuild } from './harness/machine.js';
import { packageVersion } from './harness/peers.js';
import { renderReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');

const { values: args } = parseArgs({
  options: {
    out: { type: 'string' },
    skip: { type: 'string', default: '' },
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
  },
});
const MODE = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const SKIP = new Set(args.skip.split(',').filter(Boolean));

/**
 * What each mode runs. `seekAt`: fractions of the file's duration, in this order. Live, two sessions per
 * contestant: `live` at the low-latency settings (0.12 s target): warm-up, then a steady window (latency, stalls,
 * busy time), then `blocks` blocks of `blockMs`, each after `gapMs` of normal playback (and `gapMs` after the last);
 * `liveBlocks` at a 0.5 s target (weir's default), warm-up and blocks only. At 0.12 s a decoding hiccup on these
 * shared cores underflows the element whatever appends, and the element resumes from an underflow only when the
 * main thread runs again; at 0.5 s what the blocks test is whether appends go on while the page is blocked.
 */
const PLAN = {
  full: {
    file: '1080p',
    ttffTrials: 5,
    seekAt: [0.5, 0.2, 0.8, 0.35, 0.65],
    live: { warmUpMs: 10_000, windowMs: 30_000, blocks: 4, blockMs: 2000, gapMs: 4000 },
    liveBlocks: { warmUpMs: 6000, windowMs: 0, blocks: 4, blockMs: 2000, gapMs: 4000 },
  },
  quick: {
    file: '360p',
    ttffTrials: 2,
    seekAt: [0.5, 0.2],
    live: { warmUpMs: 4000, windowMs: 8000, blocks: 0, blockMs: 2000, gapMs: 0 },
    liveBlocks: { warmUpMs: 4000, windowMs: 0, blocks: 2, blockMs: 2000, gapMs: 2500 },
  },
  smoke: {
    file: 'ts-h264-baseline-aac',
    ttffTrials: 1,
    seekAt: [0.5],
    live: { warmUpMs: 1000, windowMs: 2000, blocks: 1, blockMs: 500, gapMs: 1000 },
    liveBlocks: { warmUpMs: 1000, windowMs: 0, blocks: 1, blockMs: 500, gapMs: 1000 },
  },
}[MODE];

/** The live source: the low-delay fixture (no B-frames, one AAC frame per PES), as test/browser/latency.spec.ts. */
const LIVE_CLIP = 'ts-h264-aac-low-delay';
const LIVE_FPS = 30;
const FRAME_MS = 1000 / LIVE_FPS;
const TICKS = 90_000;

/**
 * Live settings, comparable on purpose. weir: one frame per fragment, 0.12 s behind the live edge, its rate steering
 * (0.95-1.1x, band ±0.03 s) and a jump past 3 s (its defaults but the target). mpegts.js: its low-latency set
 * (no stash buffer: data is remuxed as it arrives), `liveSync` (rate 1.1x above target + 0.03 s, back to 1x at the
 * target) and `liveBufferLatencyChasing` (a jump past 3 s, to 0.12 s behind the edge): the same target, rate, band
 * edge and jump. It has no slow-down below the target (weir plays at 0.95x there).
 */
const WEIR_LIVE = { fragmentDuration: 33, liveTargetLatency: 0.12 };
const MPEGTS_LIVE = {
  isLive: true,
  enableStashBuffer: false,
  liveSync: true,
  liveSyncTargetLatency: 0.12,
  liveSyncMaxLatency: 0.15,
  liveSyncPlaybackRate: 1.1,
  liveBufferLatencyChasing: true,
  liveBufferLatencyMaxLatency: 3,
  liveBufferLatencyMinRemain: 0.12,
};
/** The same at a 0.5 s target (weir's default), the band and catch-up start scaled alike (a quarter of the target). */
const WEIR_LIVE_RELAXED = { fragmentDuration: 33, liveTargetLatency: 0.5 };
const MPEGTS_LIVE_RELAXED = {
  ...MPEGTS_LIVE,
  liveSyncTargetLatency: 0.5,
  liveSyncMaxLatency: 0.625,
  liveBufferLatencyMinRemain: 0.5,
};
/** Files: every player's defaults (what a user gets), but the mode under test. */
const CONTESTANTS = [
  { id: 'weir', kind: 'weir', file: {}, live: WEIR_LIVE, liveRelaxed: WEIR_LIVE_RELAXED },
  {
    id: 'mpegts.js (main thread)',
    kind: 'mpegts-main',
    file: { mediaDataSource: { type: 'mpegts', isLive: false }, config: {} },
    live: { mediaDataSource: { type: 'mpegts', isLive: true }, config: MPEGTS_LIVE },
    liveRelaxed: { mediaDataSource: { type: 'mpegts', isLive: true }, config: MPEGTS_LIVE_RELAXED },
  },
  {
    id: 'mpegts.js (enableWorkerForMSE)',
    kind: 'mpegts-worker',
    file: { mediaDataSource: { type: 'mpegts', isLive: false }, config: { enableWorkerForMSE: true } },
    live: {
      mediaDataSource: { type: 'mpegts', isLive: true },
      config: { ...MPEGTS_LIVE, enableWorkerForMSE: true },
    },
    liveRelaxed: {
      mediaDataSource: { type: 'mpegts', isLive: true },
      config: { ...MPEGTS_LIVE_RELAXED, enableWorkerForMSE: true },
    },
  },
];
/** The floor: the element playing an MP4 of the same media by itself (no player, no MSE). */
const BASELINE = { id: '<video> + MP4 (no player)', kind: 'video' };

const OUT = path.resolve(
  args.out ??
    (MODE === 'smoke'
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-browser-smoke-'))
      : MODE === 'quick'
        ? path.join(ROOT, 'bench', '.cache', 'quick')
        : RESULTS),
);
const CACHE = MODE === 'smoke' ? path.join(OUT, 'cache') : path.join(ROOT, 'bench', '.cache');
const SITE = path.join(CACHE, 'browser-site');
const MEDIA = path.join(CACHE, 'browser-media');

const sleep = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round1 = (/** @type {number} */ x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);

/** @param {number[]} xs */
function summary(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, p50: null, p95: null, median: null, min: null, max: null, mean: null };
  const q = (/** @type {number} */ p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return {
    n: s.length,
    p50: round1(q(0.5)),
    p95: round1(q(0.95)),
    median: round1(median),
    min: round1(s[0]),
    max: round1(s[s.length - 1]),
    mean: round1(s.reduce((a, b) => a + b, 0) / s.length),
  };
}

/** The page's files: the bench page, weir's packaged build (lib/web) and mpegts.js's UMD build, in one folder. */
function prepareSite() {
  const web = path.join(ROOT, 'lib', 'web');
  const mpegts = path.join(ROOT, 'node_modules', 'mpegts.js', 'dist', 'mpegts.js');
  for (const f of ['weir.js', 'worker.js', 'weir.wasm']) {
    if (!fs.existsSync(path.join(web, f))) fail(`lib/web/${f} missing: run \`npm run build\` first`);
  }
  fs.rmSync(SITE, { recursive: true, force: true });
  fs.mkdirSync(SITE, { recursive: true });
  for (const f of ['weir.js', 'worker.js', 'weir.wasm']) fs.copyFileSync(path.join(web, f), path.join(SITE, f));
  fs.copyFileSync(mpegts, path.join(SITE, 'mpegts.js'));
  for (const f of ['index.html', 'page.js']) {
    fs.copyFileSync(path.join(ROOT, 'bench', 'browser', f), path.join(SITE, f));
  }
}

/**
 * A file under the media folder the server mounts at /media/ (hard link, or a copy across file systems).
 * @param {string} file @param {string} name
 */
function publish(file, name) {
  const to = path.join(MEDIA, name);
  fs.rmSync(to, { force: true });
  try {
    fs.linkSync(file, to);
  } catch {
    fs.copyFileSync(file, to);
  }
  return `/media/${name}`;
}

/**
 * The same media as an MP4 the element plays by itself (ffmpeg `-c copy`, moov first), for the baseline; made once.
 * @param {string} source @param {string} out @param {number} [loops] plays of the source, one after the other
 */
function mp4Of(source, out, loops = 1) {
  if (!fs.existsSync(out)) {
    run('ffmpeg', [
      '-hide_banner',
      '-v',
      'error',
      '-y',
      ...(loops > 1 ? ['-stream_loop', String(loops - 1)] : []),
      '-i',
      source,
      '-map',
      '0',
      '-c',
      'copy',
      '-bsf:a',
      'aac_adtstoasc',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      `${out}.partial`,
    ]);
    fs.renameSync(`${out}.partial`, out);
  }
  return out;
}

/**
 * A fresh page on the bench page, with the append log in the page and in every worker it starts (see
 * harness/append-log.js), and its workers kept to read their logs.
 * @param {import('@playwright/test').BrowserContext} context @param {string} base
 */
async function openPage(context, base) {
  const page = await context.newPage();
  /** @type {import('@playwright/test').Worker[]} */
  const workers = [];
  /** @type {string[]} */
  const problems = [];
  page.on('worker', (w) => {
    workers.push(w);
    w.evaluate(installAppendLog).catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.addInitScript(installAppendLog);
  await page.goto(`${base}index.html`);
  await page.waitForFunction(() => /** @type {any} */ (window).bench?.ready === true, null, { timeout: 20_000 });
  return { page, workers, problems };
}

/** @param {import('@playwright/test').Page} page @param {number} timeout */
async function firstFrame(page, timeout) {
  await page.waitForFunction(
    () => {
      const r = /** @type {any} */ (window).benchRecord;
      return r.frames.length > 0 || r.errors.length > 0;
    },
    null,
    { timeout, polling: 50 },
  );
}

/**
 * The append log (harness/append-log.js) of whichever thread appended video: the page's or one of its workers'.
 * @param {{ page: import('@playwright/test').Page, workers: import('@playwright/test').Worker[] }} session
 */
async function appendLog(session) {
  const logs = [await session.page.evaluate(() => /** @type {any} */ (globalThis).benchAppendLog)];
  for (const w of session.workers) {
    logs.push(await w.evaluate(() => /** @type {any} */ (globalThis).benchAppendLog).catch(() => null));
  }
  return logs.find((l) => l && l.firstVideoPts !== null) ?? null;
}

/** @param {import('@playwright/test').Page} page */
const snapshot = (page) => page.evaluate(() => /** @type {any} */ (window).bench.snapshot());

/**
 * Starts a contestant on `url` and waits for its first frame; the time from start to the frame's expected display.
 * @param {import('@playwright/test').BrowserContext} context @param {string} base
 * @param {{ id: string, kind: string }} c @param {string} url @param {any} options
 */
async function startAndFirstFrame(context, base, c, url, options) {
  const session = await openPage(context, base);
  await session.page.evaluate(
    ([kind, u, o]) => /** @type {any} */ (window).bench.start(kind, u, o),
    [c.kind, url, options],
  );
  let timedOut = false;
  try {
    await firstFrame(session.page, 30_000);
  } catch {
    timedOut = true;
  }
  const s = await snapshot(session.page);
  const first = s.frames[0];
  const ttffMs = first && !timedOut ? first[1] - s.t0 : Number.NaN;
  // Where the time went: start → the first video fragment appended (any thread; epoch ms) → its frame shown.
  const log = await appendLog(session);
  const firstAppendMs = log?.firstVideoAt ? log.firstVideoAt - (s.timeOrigin + s.t0) : Number.NaN;
  return {
    session,
    ttffMs,
    firstAppendMs,
    errors: [...s.errors, ...session.problems, ...(timedOut ? ['no frame in 30 s'] : [])],
  };
}

/**
 * Time to first frame on the file, `trials` fresh pages per contestant, interleaved (every contestant once per
 * round, the order rotated); the first round's page then seeks. Returns per contestant its trials and seeks.
 * @param {import('@playwright/test').BrowserContext} context @param {string} base
 * @param {{ id: string, kind: string, file: any }[]} list @param {Record<string, string>} urls per kind
 * @param {number} duration of the file, seconds
 */
async function fileRuns(context, base, list, urls, duration) {
  /** @type {Record<string, { trials: number[], firstAppend: number[], errors: string[], seeks: any[], wasmMemoryBytes: number | null }>} */
  const out = Object.fromEntries(
    list.map((c) => [c.id, { trials: [], firstAppend: [], errors: [], seeks: [], wasmMemoryBytes: null }]),
  );
  for (let round = 0; round < PLAN.ttffTrials; round++) {
    for (let i = 0; i < list.length; i++) {
      const c = list[(i + round) % list.length];
      const r = await startAndFirstFrame(context, base, c, urls[c.kind], c.file);
      const o = out[c.id];
      o.trials.push(r.ttffMs);
      o.firstAppend.push(r.firstAppendMs);
      o.errors.push(...r.errors);
      console.log(
        `  ${c.id.padEnd(32)} first frame ${Number.isFinite(r.ttffMs) ? r.ttffMs.toFixed(0) : '-'} ms` +
          (Number.isFinite(r.firstAppendMs) ? ` (first video appended at ${r.firstAppendMs.toFixed(0)} ms)` : ''),
      );
      if (round === 0 && !SKIP.has('seek') && r.errors.length === 0) {
        await sleep(1000);
        for (const at of PLAN.seekAt) {
          const t = Number((at * duration).toFixed(3));
          const seek = await r.session.page.evaluate(
            ([to, ms]) => /** @type {any} */ (window).bench.seek(to, ms),
            [t, 10_000],
          );
          o.seeks.push(seek);
          console.log(
            `  ${c.id.padEnd(32)} seek to ${t.toFixed(1)} s: seeked ${seek.seekedMs.toFixed(0)} ms, frame ${seek.timedOut ? 'timed out' : `${seek.frameMs.toFixed(0)} ms`}${seek.wasBuffered ? ' (buffered)' : ''}`,
          );
          await sleep(500);
        }
      }
      const s = await snapshot(r.session.page);
      const memory = s.stats.map((/** @type {any} */ x) => x.wasmMemoryBytes).filter(Number.isFinite);
      if (memory.length) o.wasmMemoryBytes = Math.max(o.wasmMemoryBytes ?? 0, ...memory);
      o.errors.push(...s.errors.filter((/** @type {string} */ e) => !o.errors.includes(e)));
      await r.session.page.evaluate(() => /** @type {any} */ (window).bench.destroy());
      await r.session.page.close();
    }
  }
  return Object.entries(out).map(([id, o]) => ({
    contestant: id,
    ttffMs: summary(o.trials),
    trialsMs: o.trials.map(round1),
    firstVideoAppendedMs: summary(o.firstAppend),
    seeks: o.seeks.map((s) => ({
      target: s.target,
      wasBuffered: s.wasBuffered,
      seekedMs: round1(s.seekedMs),
      frameMs: round1(s.frameMs),
      timedOut: s.timedOut,
    })),
    seekFrameMs: summary(o.seeks.map((s) => s.frameMs)),
    seekedMs: summary(o.seeks.map((s) => s.seekedMs)),
    wasmMemoryBytes: o.wasmMemoryBytes,
    errors: [...new Set(o.errors)].slice(0, 10),
  }));
}

/** CDP Performance metrics of the page's main thread (TaskDuration, ScriptDuration: seconds; Timestamp). */
async function metrics(/** @type {import('@playwright/test').CDPSession} */ cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/**
 * Main-thread load over a window: CDP's TaskDuration and ScriptDuration deltas (the renderer's main thread, every
 * task), Long Tasks and the rAF probe, per second of the window.
 * @param {any} a snapshot at the start @param {any} b at the end @param {any} ma metrics at the start @param {any} mb
 */
function mainThread(a, b, ma, mb) {
  const seconds = (b.now - a.now) / 1000;
  const tasks = b.longTasks.filter((/** @type {number[]} */ t) => t[0] >= a.now && t[0] < b.now);
  return {
    seconds: round1(seconds),
    taskMsPerSecond: round1(((mb.TaskDuration - ma.TaskDuration) * 1000) / seconds),
    scriptMsPerSecond: round1(((mb.ScriptDuration - ma.ScriptDuration) * 1000) / seconds),
    longTasks: tasks.length,
    longTaskMsPerSecond: round1(tasks.reduce((s, /** @type {number[]} */ t) => s + t[1], 0) / seconds),
    longestTaskMs: round1(Math.max(0, ...tasks.map((/** @type {number[]} */ t) => t[1]))),
    rafLateMsPerSecond: round1((b.rafLateMs - a.rafLateMs) / seconds),
    rafCallbacksPerSecond: round1((b.rafCallbacks - a.rafCallbacks) / seconds),
  };
}

/**
 * Stalls over [from, to] (page clock): `waiting` events; freezes (a frame on screen for more than two frame times:
 * between two frame callbacks, the time per frame presented above 2 × FRAME_MS + 5 ms), apart when frames were dropped in
 * that interval (decoded too late: the machine was busy); frames presented against the frames due.
 * @param {any} s snapshot @param {number} from @param {number} to
 */
function stalls(s, from, to) {
  const frames = s.frames.filter((/** @type {number[]} */ f) => f[1] >= from && f[1] <= to);
  let freezes = 0;
  let freezesWithDrops = 0;
  let frozenMs = 0;
  let longestMs = 0;
  for (let i = 1; i < frames.length; i++) {
    const gap = frames[i][1] - frames[i - 1][1];
    const shown = Math.max(1, frames[i][3] - frames[i - 1][3]);
    const perFrame = gap / shown;
    longestMs = Math.max(longestMs, perFrame);
    // 5 ms of slack, as test/browser/latency.spec.ts: a frame held for exactly two frame times (four 60 Hz vsyncs)
    // must not count by a rounding error.
    if (perFrame > 2 * FRAME_MS + 5) {
      if (frames[i][4] === frames[i - 1][4]) freezes++;
      else freezesWithDrops++;
      frozenMs += gap - shown * FRAME_MS;
    }
  }
  const first = frames[0];
  const last = frames[frames.length - 1];
  return {
    waiting: s.waiting.filter((/** @type {number} */ t) => t >= from && t <= to).length,
    freezes,
    freezesWithDrops,
    frozenMs: round1(frozenMs),
    longestFrameMs: round1(longestMs),
    presentedFrames: first ? last[3] - first[3] : 0,
    dueFrames: Math.round((to - from) / FRAME_MS),
    droppedFrames: first ? last[4] - first[4] : 0,
    // Share of the frames shown while the element played faster or slower than 1x (a latency controller steering).
    faster: frames.length
      ? Math.round((frames.filter((/** @type {number[]} */ x) => x[5] > 1).length / frames.length) * 100) / 100
      : 0,
    slower: frames.length
      ? Math.round((frames.filter((/** @type {number[]} */ x) => x[5] < 1).length / frames.length) * 100) / 100
      : 0,
  };
}

/**
 * One live session: start on the simulator, warm up, a steady window (when `windowMs`), then the blocks; latency of
 * every presented frame from the simulator's send log.
 * @param {import('@playwright/test').BrowserContext} context @param {string} base
 * @param {{ id: string, kind: string }} c
 * @param {{ warmUpMs: number, windowMs: number, blocks: number, blockMs: number, gapMs: number }} phase
 * @param {any} options the contestant's live options for this session
 */
async function liveRun(context, base, c, phase, options) {
  const { warmUpMs, windowMs, blocks, blockMs, gapMs } = phase;
  const id = `bench-${c.kind}-${Date.now()}`;
  const url = `${base}live.ts?clip=${LIVE_CLIP}&id=${id}`;
  const { session, ttffMs, errors } = await startAndFirstFrame(context, base, c, url, options);
  const { page } = session;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await sleep(warmUpMs);
  const a = await snapshot(page);
  const ma = await metrics(cdp);
  await sleep(windowMs);
  const b = await snapshot(page);
  const mb = await metrics(cdp);
  for (let i = 0; i < blocks; i++) {
    await sleep(gapMs);
    await page.evaluate((ms) => /** @type {any} */ (window).bench.block(ms), blockMs);
  }
  await sleep(gapMs);
  const s = await snapshot(page);
  const dtsBase = await page.evaluate(() => /** @type {any} */ (window).bench.mpegtsDtsBase());
  const log = await appendLog(session);
  const sent = await (await fetch(`${base}test/sent?id=${id}`)).json();
  await page.evaluate(() => /** @type {any} */ (window).bench.destroy());
  await cdp.detach().catch(() => {});
  await page.close();

  const blockPhase = { from: b.now, to: s.now };
  const latency = liveLatency(s, sent, log);
  const inWindow = (/** @type {number} */ from, /** @type {number} */ to) =>
    latency.rows.filter((r) => r.shown >= from && r.shown <= to).map((r) => r.latency);
  const weirOrigins = [
    ...new Set(
      s.stats.map((/** @type {any} */ x) => x.timeOrigin).filter((/** @type {number} */ t) => Number.isFinite(t)),
    ),
  ];
  return {
    contestant: c.id,
    kind: c.kind,
    options,
    firstFrameMs: round1(ttffMs),
    anchor: {
      method: 'first video sample appended (fMP4 tfdt + composition offset) = first frame the simulator sent',
      firstVideoPts: log?.firstVideoPts ?? null,
      offsetTicks: latency.offsetTicks,
      // Cross-checks against each player's own notion of the origin, where one can be read.
      weirTimeOriginMinusAnchorTicks:
        weirOrigins.length === 1 && latency.offsetTicks !== null
          ? weirOrigins[0] - (latency.offsetTicks % 2 ** 33)
          : null,
      weirTimeOrigins: weirOrigins.length,
      mpegtsDtsBaseMinusAnchorMs:
        dtsBase !== null && latency.offsetTicks !== null ? round1(dtsBase - latency.offsetTicks / 90) : null,
      unknownTrackFragments: log?.unknownTrack ?? null,
    },
    framesMatched: latency.rows.length,
    framesUnmatched: latency.unmatched,
    latencyMs: windowMs ? summary(inWindow(a.now, b.now)) : null,
    latencyUnderBlocksMs: blocks ? summary(inWindow(blockPhase.from, blockPhase.to)) : null,
    steady: windowMs ? stalls(s, a.now, b.now) : null,
    underBlocks: !blocks
      ? null
      : {
          blocks,
          blockMs,
          gapMs,
          ...stalls(s, blockPhase.from, blockPhase.to),
          // What the element was doing as each block began: its rate, and the seconds buffered ahead of the playhead.
          atBlockStart: s.blocks.map((/** @type {number[]} */ x) => ({
            rate: x[2],
            bufferAheadS: round1(x[3] * 1000) / 1000,
            bufferedRanges: x[4],
            readyState: x[5],
            // Appends (audio and video, whichever thread) made while the block lasted.
            appendsDuringBlock: (log?.times ?? []).filter(
              (/** @type {number} */ t) => t >= s.timeOrigin + x[0] && t <= s.timeOrigin + x[1],
            ).length,
          })),
        },
    mainThread: windowMs ? mainThread(a, b, ma, mb) : null,
    wasmMemoryBytes:
      Math.max(0, ...s.stats.map((/** @type {any} */ x) => x.wasmMemoryBytes).filter(Number.isFinite)) || null,
    // Latency of every third frame, seconds from the window's start: the report's chart.
    series: latency.rows
      .filter((_, i) => i % 3 === 0)
      .filter((r) => r.shown >= a.now)
      .map((r) => [round1((r.shown - a.now) / 1000), round1(r.latency)]),
    seriesBlocks: s.blocks
      .filter((/** @type {number[]} */ x) => x[0] >= a.now)
      .map((/** @type {number[]} */ x) => [round1((x[0] - a.now) / 1000), round1((x[1] - a.now) / 1000)]),
    errors: [...new Set([...errors, ...s.errors])].slice(0, 10),
  };
}

/**
 * Each presented frame's latency: from the simulator handing out the frame's last packet to the frame's expected
 * display time, both on the server's clock (epoch ms, the clocks joined through Date.now() as in latency.spec.ts).
 * The frame's source PTS = offset + mediaTime × 90 kHz, the offset from the first video sample the contestant
 * appended, taken to be the first frame the simulator sent (the stream starts on a keyframe; both players keep it);
 * the frame then matched to the sent frame within 5 ms of that PTS (mpegts.js rounds timestamps to whole ms).
 * @param {any} s page snapshot @param {any} sent /test/sent @param {any} appendLog
 */
function liveLatency(s, sent, appendLog) {
  /** @type {{ shown: number, latency: number }[]} */
  const rows = [];
  const frames = /** @type {any[]} */ (sent.frames ?? []).filter((f) => f.completeAt !== null);
  if (!appendLog || appendLog.firstVideoPts === null || frames.length === 0)
    return { rows, unmatched: 0, offsetTicks: null };
  const offsetTicks = sent.frames[0].ptsUnwrapped - Math.round(appendLog.firstVideoPts * TICKS);
  const sorted = [...frames].sort((x, y) => x.ptsUnwrapped - y.ptsUnwrapped);
  const pageToServer = (/** @type {number} */ t) => s.timeOrigin + t - s.perfMinusDate + sent.perfMinusDate;
  let unmatched = 0;
  for (const f of s.frames) {
    const pts = offsetTicks + Math.round(f[0] * TICKS);
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid].ptsUnwrapped < pts) lo = mid + 1;
      else hi = mid;
    }
    const near = [sorted[lo - 1], sorted[lo]]
      .filter(Boolean)
      .sort((x, y) => Math.abs(x.ptsUnwrapped - pts) - Math.abs(y.ptsUnwrapped - pts))[0];
    if (!near || Math.abs(near.ptsUnwrapped - pts) > 450) {
      unmatched++;
      continue;
    }
    rows.push({ shown: f[1], latency: pageToServer(f[1]) - near.completeAt });
  }
  return { rows, unmatched, offsetTicks };
}

/**
 * The baseline's main-thread load: the element playing the live clip's MP4 by itself, over a window as long as the
 * live one, after the same warm-up.
 * @param {import('@playwright/test').BrowserContext} context @param {string} base @param {string} url
 */
async function baselineRun(context, base, url) {
  const { session, ttffMs, errors } = await startAndFirstFrame(context, base, BASELINE, url, {});
  const cdp = await context.newCDPSession(session.page);
  await cdp.send('Performance.enable');
  await sleep(PLAN.live.warmUpMs);
  const a = await snapshot(session.page);
  const ma = await metrics(cdp);
  await sleep(PLAN.live.windowMs);
  const b = await snapshot(session.page);
  const mb = await metrics(cdp);
  await cdp.detach().catch(() => {});
  await session.page.close();
  return {
    contestant: BASELINE.id,
    firstFrameMs: round1(ttffMs),
    steady: stalls(b, a.now, b.now),
    mainThread: mainThread(a, b, ma, mb),
    errors,
  };
}

/** One console line for a live session. @param {any} r */
function liveLine(r) {
  const parts = [];
  if (r.latencyMs) {
    parts.push(
      `latency p50 ${r.latencyMs.p50} p95 ${r.latencyMs.p95} ms (${r.framesMatched} frames, ${r.framesUnmatched} unmatched)`,
      `steady: ${r.steady.waiting} waiting, ${r.steady.freezes} freezes`,
    );
  }
  const u = r.underBlocks;
  if (u) {
    parts.push(
      `under blocks: ${u.waiting} waiting, ${u.freezes} freezes (+${u.freezesWithDrops} with drops), ${u.presentedFrames}/${u.dueFrames} frames, ` +
        `appends during blocks ${u.atBlockStart.map((/** @type {any} */ x) => x.appendsDuringBlock).join('/')}, ` +
        `latency p50 ${r.latencyUnderBlocksMs.p50} p95 ${r.latencyUnderBlocksMs.p95} ms`,
    );
  }
  if (r.mainThread) parts.push(`main thread ${r.mainThread.taskMsPerSecond} ms/s`);
  if (r.errors.length) parts.push(`errors: ${r.errors.join('; ')}`);
  return parts.join('; ');
}

async function main() {
  const started = performance.now();
  for (const d of [CACHE, MEDIA]) fs.mkdirSync(d, { recursive: true });
  const build = weirBuild(ROOT);
  prepareSite();
  // The file: the bench corpus's (generated once), or the smoke fixture.
  const spec = INPUTS.find((i) => i.name === PLAN.file);
  const fixture = path.join(ROOT, 'test', 'fixtures', `${PLAN.file}.ts`);
  const input = spec ? ensureInput(spec, CACHE, ROOT) : existingInput(PLAN.file, fixture);
  const liveClip = path.join(ROOT, 'test', 'fixtures', `${LIVE_CLIP}.ts`);
  const duration = input.summary.duration;
  const fileUrl = publish(input.file, `file-${path.basename(input.file)}`);
  const fileMp4 = publish(mp4Of(input.file, path.join(CACHE, `browser-${PLAN.file}.mp4`)), `file-${PLAN.file}.mp4`);
  // The baseline plays the live clip looped to a minute, as MP4.
  const clipMp4 = publish(mp4Of(liveClip, path.join(CACHE, `browser-${LIVE_CLIP}-x5.mp4`), 5), `${LIVE_CLIP}-x5.mp4`);

  const load = { before: loadAverage(), busyCoresBefore: await busyCores() };
  if (load.busyCoresBefore > 0.25) {
    console.warn(`bench: warning: ${load.busyCoresBefore} cores busy before the start: other work may skew figures`);
  }
  const port = Number(process.env.WEIR_BENCH_PORT ?? (MODE === 'smoke' ? 0 : 4197));
  const server = await startServer({ port, host: '127.0.0.1', root: SITE, mediaDir: MEDIA });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    chromium: browser.version(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageBefore: load.before,
    busyCoresBeforeStart: load.busyCoresBefore,
  };
  console.log(
    `bench browser (${MODE}): ${machine.cpu}, ${machine.cores} cores, Chromium ${machine.chromium}, load ${load.before.join(' ')}; ` +
      `file ${path.relative(ROOT, input.file)} (${duration.toFixed(1)} s), live ${LIVE_CLIP} on ${server.url}`,
  );
  const base = server.url;
  const abs = (/** @type {string} */ u) => new URL(u, base).href;
  const context = await browser.newContext({ viewport: { width: 800, height: 450 } });
  /** @type {any} */
  const result = {
    date: new Date().toISOString(),
    mode: MODE,
    durationSeconds: 0,
    machine,
    weir: { ...gitInfo(ROOT), ...build },
    peers: { 'mpegts.js': packageVersion('mpegts.js') },
    config: {
      plan: PLAN,
      file: { name: input.name, file: path.relative(ROOT, input.file), duration, ...input.summary },
      live: { source: `/live.ts?clip=${LIVE_CLIP}`, fps: LIVE_FPS },
      contestants: CONTESTANTS.map((c) => ({ id: c.id, file: c.file, live: c.live, liveRelaxed: c.liveRelaxed })),
      baseline: 'plain <video>, MP4 of the same media (ffmpeg -c copy, +faststart): the live clip looped 5x',
      launchArgs: CHROMIUM_ARGS,
    },
    file: [],
    live: [],
    liveBlocks: [],
    baseline: null,
  };
  try {
    if (!SKIP.has('ttff')) {
      console.log('\nfile: time to first frame and seeks');
      const urls = {
        weir: abs(fileUrl),
        'mpegts-main': abs(fileUrl),
        'mpegts-worker': abs(fileUrl),
        video: abs(fileMp4),
      };
      result.file = await fileRuns(context, base, [...CONTESTANTS, BASELINE], urls, duration);
    }
    if (!SKIP.has('live')) {
      console.log('\nlive: latency, stalls, main thread');
      for (const c of CONTESTANTS) {
        const r = await liveRun(context, base, c, PLAN.live, c.live);
        result.live.push(r);
        console.log(`  ${c.id.padEnd(32)} ${liveLine(r)}`);
      }
      console.log(`live at a ${MPEGTS_LIVE_RELAXED.liveSyncTargetLatency} s target: main-thread blocks`);
      for (const c of CONTESTANTS) {
        const r = await liveRun(context, base, c, PLAN.liveBlocks, c.liveRelaxed);
        result.liveBlocks.push(r);
        console.log(`  ${c.id.padEnd(32)} ${liveLine(r)}`);
      }
    }
    if (!SKIP.has('baseline')) {
      result.baseline = await baselineRun(context, base, abs(clipMp4));
      console.log(`  ${BASELINE.id.padEnd(32)} main thread ${result.baseline.mainThread.taskMsPerSecond} ms/s`);
    }
  } finally {
    await context.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.close();
  }
  result.machine.loadAverageAfter = loadAverage();
  result.durationSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  fs.mkdirSync(OUT, { recursive: true });
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const written = [];
  if (MODE === 'full') {
    const stamp = result.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const dated = path.join(OUT, `browser-${stamp}.json`);
    fs.writeFileSync(dated, json);
    written.push(dated);
  }
  const latest = path.join(OUT, MODE === 'full' ? 'browser-latest.json' : `browser-${MODE}.json`);
  fs.writeFileSync(latest, json);
  written.push(latest);
  // The HTML report shows the Node run beside it when there is one in the same folder.
  const nodeResults = path.join(OUT, MODE === 'full' ? 'latest.json' : `${MODE}.json`);
  if (fs.existsSync(nodeResults)) {
    const html = path.join(OUT, 'report.html');
    fs.writeFileSync(html, renderReport(JSON.parse(fs.readFileSync(nodeResults, 'utf8')), result));
    written.push(html);
  }
  console.log(
    `\nbench browser: ${result.durationSeconds} s; wrote ${written.map((f) => path.relative(ROOT, f)).join(', ')}`,
  );
}

await main();
