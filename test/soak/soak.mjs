// The soak test of issue 7: a simulated live stream (MPEG-TS: live-source.mjs; WebM: live-webm-source.mjs) of many
// hours pushed through one engine
// (per-track output, fragmentDuration 100, as the player runs live) as fast as it goes, with checks at every push and
// at intervals of media time:
//
// - WASM memory: the core's memory size never changes after Engine.create() (checked after every call);
// - JS heap: heapUsed (after a full GC when node runs with --expose-gc) stays within `heapBoundBytes` of its value
//   after the warm-up; the soak keeps nothing per fragment, so growth would be the engine's;
// - output timeline: every fragment parses (fmp4-check.mjs) and each track's tfdt continues exactly where its
//   previous fragment ended; a break is explained only by damage in the input shortly before it (a window of
//   `damageWindowSeconds` of media), else it is a failure; jumps and wraps must leave no break;
// - every injected discontinuity (a timestamp jump; in WebM also an encoder restart, a chained Segment) is reported
//   by the engine (TIMESTAMP_JUMP near its offset), every wrap (in WebM: a Cluster Timestamp growing a byte, a
//   Cluster using the whole int16 range of block offsets) is not (a wrap is no jump), and no TIMESTAMP_JUMP comes
//   without a discontinuity or damage in the window before it (one discontinuity, one report: not one per frame);
// - A/V: per track, lag = media pushed − output end; the A/V offset (video lag − audio lag) at every checkpoint not
//   right after damage stays within `avBoundSeconds` of its first value (no drift; checkpoints fall on loop
//   boundaries, so the offset is the same each time), and after the final flush each track's output ends where its
//   media does, within one frame.

import { OutputStream } from '../fuzz/fmp4-check.mjs';
import { Random } from '../fuzz/random.mjs';
import { LiveTsSource } from './live-source.mjs';
import { LiveWebmSource } from './live-webm-source.mjs';

/**
 * @typedef {object} SoakOptions
 * @property {any} engineModule           lib/engine/index.js (or engine/index.ts under vitest)
 * @property {'ts' | 'webm'} [container]   the live source's container (default 'ts')
 * @property {Uint8Array} clip            the looped clip (MPEG-TS: one H.264 and one AAC track; WebM: one video and
 *                                        one Opus track, TimestampScale 1 ms)
 * @property {number} seconds             media seconds to push
 * @property {number} [seed]
 * @property {number} [checkEverySeconds] media seconds between checkpoints (default 60)
 * @property {number} [warmupSeconds]     media seconds before the heap baseline is taken (default: 10 min or 10 %)
 * @property {number} [heapBoundBytes]    allowed heap growth over the baseline (default 8 MiB)
 * @property {number} [avBoundSeconds]    allowed change of the A/V offset from the first checkpoint (default 0.001 s)
 * @property {number} [damageWindowSeconds] media after a damage event in which a timeline break is explained (default 5)
 * @property {number} [damageEvery]       mean media seconds between damage events (default 30)
 * @property {number} [jumps]             timestamp jumps over the run
 * @property {number} [restarts]          WebM: encoder restarts (a new EBML header and Segment) over the run
 * @property {number} [longClusters]      WebM: Clusters using the whole int16 range of block offsets
 * @property {number} [startMs]           WebM: the source clock at the first block (ms; default 2^24 ms less 180 s)
 * @property {string[]} [damageKinds]     which damage to inject (live-source.mjs DAMAGE_KINDS; default all)
 * @property {(() => void) | undefined} [gc]  a full GC before heap samples (node --expose-gc)
 * @property {(line: string) => void} [log]
 * @property {number} [logEverySeconds]   media seconds between progress lines (default 3600)
 */

/**
 * @param {SoakOptions} o
 */
export async function soak(o) {
  const { Engine } = o.engineModule;
  const log = o.log ?? (() => {});
  const started = performance.now();
  const sourceOptions = {
    seed: o.seed ?? 1,
    seconds: o.seconds,
    ...(o.jumps !== undefined ? { jumps: o.jumps } : {}),
    ...(o.damageEvery !== undefined ? { damageEvery: o.damageEvery } : {}),
    ...(o.damageKinds !== undefined ? { damageKinds: o.damageKinds } : {}),
  };
  const source =
    o.container === 'webm'
      ? new LiveWebmSource(o.clip, {
          ...sourceOptions,
          ...(o.restarts !== undefined ? { restarts: o.restarts } : {}),
          ...(o.longClusters !== undefined ? { longClusters: o.longClusters } : {}),
          ...(o.startMs !== undefined ? { startMs: o.startMs } : {}),
        })
      : new LiveTsSource(o.clip, sourceOptions);
  const engine = await Engine.create({ output: 'per-track', fragmentDuration: 100 });
  const memory = engine.memoryBytes;
  const chunks = new Random((o.seed ?? 1) ^ 0x5eed);
  const checkEvery = o.checkEverySeconds ?? 60;
  const warmup = o.warmupSeconds ?? Math.min(600, o.seconds / 10);
  const heapBound = o.heapBoundBytes ?? 8 * 1024 * 1024;
  const avBound = o.avBoundSeconds ?? 0.001;
  const damageWindow = o.damageWindowSeconds ?? 5;

  // Everything kept here is bounded (counters, the first examples, the events of the last few seconds), so the heap
  // measured is the engine's.
  /** @type {{ kind: string, message: string, offset: number }[]} */
  const failures = [];
  let failureCount = 0;
  /** Failures per kind (all of them; `failures` keeps the first 20). */
  /** @type {Record<string, number>} */
  const failureKinds = {};
  /** Timeline breaks explained by damage: a count and the first examples. */
  const explained = { count: 0, /** @type {string[]} */ examples: [] };
  /** @type {Map<string, number>} */
  const warnings = new Map();
  const counts = {
    jumps: 0,
    restarts: 0,
    wraps: 0,
    /** @type {Record<string, number>} */ boundaries: {},
    /** @type {Record<string, number>} */ damage: {},
  };
  /** @typedef {import('./live-source.mjs').StreamEvent | import('./live-webm-source.mjs').WebmStreamEvent} Event */
  /** Events of the last `damageWindow` seconds, and discontinuities and wraps still waiting for their verdict. */
  /** @type {Event[]} */
  let recent = [];
  /** @type {{ event: Event, reported: boolean }[]} */
  let pending = [];
  /** A discontinuity: the engine must report it. A wrap or boundary must cost nothing. */
  const isDiscontinuity = (/** @type {Event} */ e) => e.kind === 'jump' || e.kind === 'restart';
  let pushed = 0;
  let fragments = 0;
  let lastOffset = 0;
  /** @type {Map<number, OutputStream>} */
  const streams = new Map();
  /** Output end (seconds) per kind of track. */
  const outEnd = { video: 0, audio: 0 };
  const stats = {
    heap: /** @type {{ baseline: number | null, min: number, max: number, final: number, samples: number }} */ ({
      baseline: null,
      min: Number.POSITIVE_INFINITY,
      max: 0,
      final: 0,
      samples: 0,
    }),
    wasmMemory: { initial: memory, min: memory, max: memory },
    lag: {
      video: { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
      audio: { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
    },
    /** A/V offset (video lag − audio lag, seconds) at checkpoints with no damage in the window before them. */
    av: {
      min: Number.POSITIVE_INFINITY,
      max: Number.NEGATIVE_INFINITY,
      first: /** @type {number | null} */ (null),
      last: 0,
    },
    /** ...and at checkpoints right after damage. */
    avDisturbed: { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
    checkpoints: 0,
  };

  const unreported = (/** @type {Event} */ e) =>
    fail(
      'jump-unreported',
      `no TIMESTAMP_JUMP after the ${e.kind} of ${/** @type {{ delta: number }} */ (e).delta / 90000} s at input offset ${e.offset}`,
    );
  const fail = (/** @type {string} */ kind, /** @type {string} */ message) => {
    failureCount++;
    failureKinds[kind] = (failureKinds[kind] ?? 0) + 1;
    if (failures.length < 20) {
      failures.push({ kind, message, offset: lastOffset });
      log(`FAIL ${kind}: ${message}`);
    }
  };
  /** A timeline break in the output: explained by damage in the window before it, or a failure. */
  const onBreak = (/** @type {string} */ kind, /** @type {string} */ message) => {
    const cause = recent.find((e) => e.kind === 'damage' && e.offset <= lastOffset);
    if (cause && cause.kind === 'damage' && (kind === 'tfdt-gap' || kind === 'tfdt-overlap')) {
      explained.count++;
      if (explained.examples.length < 10)
        explained.examples.push(`${message} (after ${cause.damage} at input offset ${cause.offset})`);
    } else fail(kind, `${message} (input offset ${lastOffset}, no damage in the ${damageWindow} s before)`);
  };

  /** @param {any[]} list */
  const take = (list) => {
    if (engine.memoryBytes !== memory) {
      stats.wasmMemory.max = Math.max(stats.wasmMemory.max, engine.memoryBytes);
      fail('memory-growth', `core memory ${memory} → ${engine.memoryBytes} bytes after ${pushed} input bytes`);
    }
    for (const e of list) {
      if (e.type === 'init' || e.type === 'fragment') {
        let stream = streams.get(e.track);
        if (!stream) {
          stream = new OutputStream(`[track ${e.track}]`, onBreak, null);
          streams.set(e.track, stream);
        }
        if (e.type === 'init') stream.init(e.data);
        else {
          stream.fragment(e.data);
          fragments++;
          const t = stream.tracks.get(e.track);
          if (t) outEnd[t.handler === 'vide' ? 'video' : 'audio'] = t.lastEnd / t.timescale;
        }
      } else if (e.type === 'warning') {
        warnings.set(e.error.codeName, (warnings.get(e.error.codeName) ?? 0) + 1);
        if (e.error.codeName === 'TIMESTAMP_JUMP') {
          // An injected discontinuity is reported at or after its offset; a wrap must not be (a jump of 2^33 ticks).
          const at = e.error.offset ?? 0;
          for (const p of pending) {
            if (at < p.event.offset) continue;
            if (isDiscontinuity(p.event)) p.reported = true;
            else if (
              Math.abs(e.error.detail ?? 0) > 1000 &&
              !recent.some((r) => (isDiscontinuity(r) || r.kind === 'damage') && r.offset <= at)
            ) {
              fail(
                'wrap-as-jump',
                `TIMESTAMP_JUMP of ${e.error.detail} ms at input offset ${at}, after the ${p.event.kind === 'wrap' ? '33-bit wrap' : /** @type {{ boundary: string }} */ (p.event).boundary} at ${p.event.offset}`,
              );
            }
          }
          // Nor may one come with nothing before it that could cause it.
          if (!recent.some((r) => (isDiscontinuity(r) || r.kind === 'damage') && r.offset <= at)) {
            fail(
              'jump-unexplained',
              `TIMESTAMP_JUMP of ${e.error.detail} ms at input offset ${at}, no discontinuity or damage in the ${damageWindow} s before`,
            );
          }
        }
      } else if (e.type === 'error') {
        fail('error', `${e.error.codeName}: ${e.error.message}`);
      }
    }
  };

  let nextCheck = checkEvery;
  let nextLog = o.logEverySeconds ?? 3600;
  let media = { video: 0, audio: 0 };
  for (let loop = source.next(); loop; loop = source.next()) {
    // Events older than the window can no longer explain anything; jumps still unreported by then are failures.
    const horizon = loop.offset - damageWindow * (loop.bytes.length / source.loopSeconds);
    recent = recent.filter((e) => e.offset >= horizon);
    pending = pending.filter((p) => {
      if (p.event.offset >= horizon) return true;
      if (isDiscontinuity(p.event) && !p.reported) unreported(p.event);
      return false;
    });
    for (const e of loop.events) {
      recent.push(e);
      if (e.kind !== 'damage') pending.push({ event: e, reported: false });
      if (e.kind === 'jump') counts.jumps++;
      else if (e.kind === 'restart') counts.restarts++;
      else if (e.kind === 'wrap') counts.wraps++;
      else if (e.kind === 'boundary') counts.boundaries[e.boundary] = (counts.boundaries[e.boundary] ?? 0) + 1;
      else counts.damage[e.damage] = (counts.damage[e.damage] ?? 0) + 1;
    }
    // Random chunk sizes: the engine must not care where chunks end.
    for (let at = 0; at < loop.bytes.length; ) {
      const n = Math.min(loop.bytes.length - at, 188 + chunks.int(128 * 1024));
      lastOffset = loop.offset + at + n; // what comes out of this call may come from any byte of the chunk
      take(engine.push(loop.bytes.subarray(at, at + n)));
      at += n;
      pushed += n;
    }
    // Output time 0 is the earliest first decode time of the tracks (the remuxer's base).
    const base = Math.min(0, source.timing.audio.first) / 90000;
    media = { video: loop.videoEnd - base, audio: loop.audioEnd - base };
    const now = loop.videoEnd;
    if (now >= nextCheck) {
      nextCheck += checkEvery;
      checkpoint(now);
    }
    if (now >= nextLog) {
      nextLog += o.logEverySeconds ?? 3600;
      const wall = (performance.now() - started) / 1000;
      log(
        `  ${(now / 3600).toFixed(2)} h of media in ${wall.toFixed(0)} s (${(now / wall).toFixed(0)}x real time), ` +
          `${(pushed / 1e9).toFixed(2)} GB, heap ${(stats.heap.final / 1048576).toFixed(1)} MiB, ` +
          `A/V ${(stats.av.last * 1000).toFixed(1)} ms, breaks after damage ${explained.count}, failures ${failureCount}`,
      );
    }
  }
  lastOffset = pushed;
  take(engine.flush());

  /** @param {number} now */
  function checkpoint(now) {
    stats.checkpoints++;
    const lagV = media.video - outEnd.video;
    const lagA = media.audio - outEnd.audio;
    stats.lag.video.min = Math.min(stats.lag.video.min, lagV);
    stats.lag.video.max = Math.max(stats.lag.video.max, lagV);
    stats.lag.audio.min = Math.min(stats.lag.audio.min, lagA);
    stats.lag.audio.max = Math.max(stats.lag.audio.max, lagA);
    // An output ahead of its media, or far behind it, is a timeline that has moved (not a fragment's latency).
    for (const [kind, lag] of /** @type {const} */ ([
      ['video', lagV],
      ['audio', lagA],
    ])) {
      if (lag < -0.05 || lag > 2)
        fail('lag', `${kind} output ends ${(lag * 1000).toFixed(1)} ms before its media at ${now.toFixed(0)} s`);
    }
    const av = lagV - lagA;
    // Right after damage a track may lag by the frames it is waiting to repair: that is latency, not drift.
    const disturbed = recent.some((e) => e.kind === 'damage' && e.media <= now && now - e.media <= damageWindow);
    const band = disturbed ? stats.avDisturbed : stats.av;
    band.min = Math.min(band.min, av);
    band.max = Math.max(band.max, av);
    if (!disturbed) {
      stats.av.first ??= av;
      stats.av.last = av;
      if (Math.abs(av - stats.av.first) > avBound) {
        fail(
          'av-drift',
          `A/V offset ${(av * 1000).toFixed(1)} ms at ${now.toFixed(0)} s of media, ${(stats.av.first * 1000).toFixed(1)} ms at the start (bound ±${avBound * 1000} ms)`,
        );
      }
    }
    o.gc?.();
    const heap = process.memoryUsage().heapUsed;
    stats.heap.final = heap;
    if (now >= warmup) {
      stats.heap.samples++;
      stats.heap.baseline ??= heap;
      stats.heap.min = Math.min(stats.heap.min, heap);
      stats.heap.max = Math.max(stats.heap.max, heap);
      if (heap - stats.heap.baseline > heapBound) {
        fail(
          'heap-growth',
          `heapUsed ${(heap / 1048576).toFixed(1)} MiB at ${now.toFixed(0)} s, baseline ${(stats.heap.baseline / 1048576).toFixed(1)} MiB`,
        );
      }
    }
  }

  // After the flush every track ends where its media does (one frame of slack: the last video frame's duration is
  // inferred, and a damaged last frame may be bridged).
  const finalLag = { video: media.video - outEnd.video, audio: media.audio - outEnd.audio };
  const frame = source.timing.frameTicks / 90000;
  if (Math.abs(finalLag.video) > frame + 1e-6)
    fail('end-time', `video output ends ${(finalLag.video * 1000).toFixed(3)} ms before its media`);
  if (Math.abs(finalLag.audio) > source.timing.audioFrameTicks / 90000 + 1e-6)
    fail('end-time', `audio output ends ${(finalLag.audio * 1000).toFixed(3)} ms before its media`);

  for (const p of pending) if (isDiscontinuity(p.event) && !p.reported) unreported(p.event);
  return {
    seconds: media.video,
    wallSeconds: (performance.now() - started) / 1000,
    bytes: pushed,
    fragments,
    failures,
    failureCount,
    failureKinds,
    explainedBreaks: explained,
    events: counts,
    warnings: Object.fromEntries(warnings),
    finalLag,
    stats,
  };
}
