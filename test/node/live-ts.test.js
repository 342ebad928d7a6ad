// Tests for the live MPEG-TS simulator (scripts/live-ts.js).
//
// The output is checked with a parser written here, independently of the one in live-ts.js, and with BigInt
// arithmetic, so a shared bug in 33-bit handling cannot make both sides agree. Chunk boundaries are ignored on
// purpose: everything is concatenated first, because a client sees a byte stream, not our chunks.
// Timing assertions are deliberately loose (lower bounds only): CI machines are slow and shared.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clipInfo, createLiveTsStream } from '../../scripts/live-ts.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CANDIDATES = [
  process.env.WEIR_LIVE_TS_CLIP, // lets a developer point at any clip without touching the repo
  resolve(ROOT, 'test/fixtures/ts-h264-baseline-aac.ts'),
  resolve(ROOT, 'demo/media/sample.ts'),
].filter(Boolean);

/** @type {Uint8Array | undefined} */
let cached;
function loadClip() {
  if (cached) return cached;
  const path = CANDIDATES.find((p) => existsSync(/** @type {string} */ (p)));
  if (!path) {
    throw new Error(
      `live-ts test: no clip found (looked for ${CANDIDATES.join(', ')}). Run \`npm run fixtures\` to generate ` +
        'test/fixtures/ts-h264-baseline-aac.ts, or set WEIR_LIVE_TS_CLIP to a 188-byte MPEG-TS file with H.264 + AAC.',
    );
  }
  cached = new Uint8Array(readFileSync(/** @type {string} */ (path)));
  return cached;
}

const MOD33 = 1n << 33n;

/** Reads a 5-byte PES timestamp as BigInt. @param {Uint8Array} b @param {number} o */
function readTs(b, o) {
  return (
    (BigInt((b[o] >> 1) & 7) << 30n) |
    (BigInt(b[o + 1]) << 22n) |
    (BigInt(b[o + 2] >> 1) << 15n) |
    (BigInt(b[o + 3]) << 7n) |
    BigInt(b[o + 4] >> 1)
  );
}
/** Writes a PES timestamp from a BigInt, keeping prefix and marker bits. @param {Uint8Array} b @param {number} o @param {bigint} v */
function writeTs(b, o, v) {
  b[o] = (b[o] & 0xf1) | (Number((v >> 30n) & 7n) << 1);
  b[o + 1] = Number((v >> 22n) & 0xffn);
  b[o + 2] = (Number((v >> 15n) & 0x7fn) << 1) | (b[o + 2] & 1);
  b[o + 3] = Number((v >> 7n) & 0xffn);
  b[o + 4] = (Number(v & 0x7fn) << 1) | (b[o + 4] & 1);
}
/** @param {Uint8Array} b @param {number} o */
function readPcr(b, o) {
  let v = 0n;
  for (let k = 0; k < 4; k++) v = (v << 8n) | BigInt(b[o + k]);
  return (v << 1n) | BigInt(b[o + 4] >> 7);
}
/** @param {Uint8Array} b @param {number} o @param {bigint} v */
function writePcr(b, o, v) {
  const top = v >> 1n;
  for (let k = 0; k < 4; k++) b[o + k] = Number((top >> BigInt(24 - 8 * k)) & 0xffn);
  b[o + 4] = (b[o + 4] & 0x7f) | (Number(v & 1n) << 7);
}

/**
 * Independent TS parser: per packet, the fields this test cares about.
 * @param {Uint8Array} bytes
 */
function parseTs(bytes) {
  expect(bytes.length % 188, 'output is made of whole 188-byte packets').toBe(0);
  const out = [];
  for (let p = 0; p < bytes.length; p += 188) {
    expect(bytes[p], `sync byte at ${p}`).toBe(0x47);
    const pid = ((bytes[p + 1] & 0x1f) << 8) | bytes[p + 2];
    const pusi = (bytes[p + 1] & 0x40) !== 0;
    const afc = (bytes[p + 3] >> 4) & 3;
    const cc = bytes[p + 3] & 15;
    /** @type {{pid:number, afc:number, cc:number, pcr?:bigint, pcrOff?:number, streamId?:number,
     *   pts?:bigint, dts?:bigint, ptsOff?:number, dtsOff?:number}} */
    const pk = { pid, afc, cc };
    let pay = p + 4;
    if (afc & 2) {
      const len = bytes[p + 4];
      pay = p + 5 + len;
      if (len >= 7 && bytes[p + 5] & 0x10) {
        pk.pcr = readPcr(bytes, p + 6);
        pk.pcrOff = p + 6;
      }
    }
    if (pusi && afc & 1 && bytes[pay] === 0 && bytes[pay + 1] === 0 && bytes[pay + 2] === 1) {
      pk.streamId = bytes[pay + 3];
      const flags = bytes[pay + 7] >> 6;
      if (flags >= 2) {
        pk.ptsOff = pay + 9;
        pk.pts = readTs(bytes, pay + 9);
        pk.dts = pk.pts;
        if (flags === 3) {
          pk.dtsOff = pay + 14;
          pk.dts = readTs(bytes, pay + 14);
        }
      }
    }
    out.push(pk);
  }
  return out;
}

/** Unwraps a sequence of 33-bit BigInts into a continuous one. @param {bigint[]} vals */
function unwrap(vals) {
  const res = [];
  let acc = 0n;
  for (let k = 0; k < vals.length; k++) {
    if (k === 0) acc = vals[0];
    else {
      let d = (((vals[k] - vals[k - 1]) % MOD33) + MOD33) % MOD33;
      if (d >= 1n << 32n) d -= MOD33;
      acc += d;
    }
    res.push(acc);
  }
  return res;
}

/**
 * Collects the generator's output until `stopAt` bytes (or its end).
 * @param {AsyncGenerator<Uint8Array, unknown, void>} gen
 */
async function collect(gen, stopAt = Infinity) {
  const chunks = [];
  let n = 0;
  const t0 = performance.now();
  /** @type {number[]} time (ms since start) at which each chunk arrived */
  const times = [];
  for await (const c of gen) {
    chunks.push(c);
    times.push(performance.now() - t0);
    n += c.length;
    if (n >= stopAt) break; // for-await's break calls gen.return(): also checks the generator stops cleanly
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return { all, chunks, times, ms: performance.now() - t0 };
}

/**
 * What loop `loop` must look like, built with BigInt from the clip alone: every PTS/DTS/PCR shifted and wrapped,
 * continuity counters continued, nothing else changed.
 * @param {Uint8Array} clip @param {bigint} offsetTicks total shift for this loop
 * @param {Map<number, number>} ccShift per-PID counter shift for this loop
 */
function expectedLoop(clip, offsetTicks, ccShift) {
  const b = clip.slice(0, Math.floor(clip.length / 188) * 188);
  const pk = parseTs(b);
  pk.forEach((p, i) => {
    if (p.pcrOff !== undefined && p.pcr !== undefined) writePcr(b, p.pcrOff, (p.pcr + offsetTicks) % MOD33);
    if (p.ptsOff !== undefined && p.pts !== undefined) writeTs(b, p.ptsOff, (p.pts + offsetTicks) % MOD33);
    if (p.dtsOff !== undefined && p.dts !== undefined) writeTs(b, p.dtsOff, (p.dts + offsetTicks) % MOD33);
    if (p.pid !== 0x1fff) {
      const o = i * 188 + 3;
      b[o] = (b[o] & 0xf0) | ((b[o] + (ccShift.get(p.pid) ?? 0)) & 15);
    }
  });
  return b;
}

/** Per-PID continuity-counter step per loop, computed from the clip. @param {Uint8Array} clip */
function ccStepPerLoop(clip) {
  const first = new Map();
  const last = new Map();
  for (const p of parseTs(clip.subarray(0, Math.floor(clip.length / 188) * 188))) {
    if (!(p.afc & 1) || p.pid === 0x1fff) continue;
    if (!first.has(p.pid)) first.set(p.pid, p.cc);
    last.set(p.pid, p.cc);
  }
  const step = new Map();
  for (const [pid, f] of first) step.set(pid, (last.get(pid) + 1 - f + 16) & 15);
  return step;
}

/** Checks the invariants that must hold for any span of output. @param {ReturnType<typeof parseTs>} pk */
function checkStreamInvariants(pk) {
  // Continuity counters: +1 per payload packet, unchanged on adaptation-only packets, per PID, across loops.
  const lastCc = new Map();
  pk.forEach((p, i) => {
    if (p.pid === 0x1fff) return;
    if (lastCc.has(p.pid)) {
      const want = p.afc & 1 ? (lastCc.get(p.pid) + 1) & 15 : lastCc.get(p.pid);
      if (p.cc !== want) throw new Error(`CC jump on PID ${p.pid} at packet ${i}: ${lastCc.get(p.pid)} -> ${p.cc}`);
    }
    lastCc.set(p.pid, p.cc);
  });
  // PCR monotonic (after unwrap), video DTS strictly increasing (after unwrap).
  const pcr = unwrap(pk.filter((p) => p.pcr !== undefined).map((p) => /** @type {bigint} */ (p.pcr)));
  for (let k = 1; k < pcr.length; k++) if (pcr[k] < pcr[k - 1]) throw new Error(`PCR goes back at #${k}`);
  const video = pk.filter(
    (p) => p.streamId !== undefined && p.streamId >= 0xe0 && p.streamId <= 0xef && p.dts !== undefined,
  );
  const dts = unwrap(video.map((p) => /** @type {bigint} */ (p.dts)));
  for (let k = 1; k < dts.length; k++) if (dts[k] <= dts[k - 1]) throw new Error(`video DTS not increasing at #${k}`);
  return { pcr, video, dts };
}

describe('live-ts: clipInfo', () => {
  it('indexes the clip', () => {
    const clip = loadClip();
    const info = clipInfo(clip);
    expect(info.packets).toBe(Math.floor(clip.length / 188));
    expect(info.frameTicks).toBeGreaterThan(0);
    expect(info.durationTicks).toBeGreaterThan(info.frameTicks);
    expect(info.firstPts).toBeGreaterThanOrEqual(0);
    expect(info.firstPts).toBeLessThan(2 ** 33);
    // Duration = video DTS span + one frame, recomputed here independently.
    const video = parseTs(clip.subarray(0, info.packets * 188)).filter(
      (p) => p.pid === info.videoPid && p.dts !== undefined,
    );
    const dts = unwrap(video.map((p) => /** @type {bigint} */ (p.dts)));
    const videoDuration = dts[dts.length - 1] - dts[0] + BigInt(info.frameTicks);
    expect(BigInt(info.videoDurationTicks)).toBe(videoDuration);
    // The loop offset is the video duration, unless the PCRs span more (CBR muxes): then it grows by whole frames,
    // just enough to keep the PCR strictly increasing across the loop point.
    if (info.pcrSpanTicks < info.videoDurationTicks) expect(BigInt(info.durationTicks)).toBe(videoDuration);
    else {
      expect(info.durationTicks).toBeGreaterThan(info.pcrSpanTicks);
      expect((info.durationTicks - info.videoDurationTicks) % info.frameTicks).toBe(0);
      expect(info.durationTicks - info.frameTicks).toBeLessThanOrEqual(info.pcrSpanTicks);
    }
  });
});

describe('live-ts: endless stream', () => {
  it('loops with continuous timestamps and counters at speed 50, paced in real time', async () => {
    const clip = loadClip();
    const info = clipInfo(clip);
    const clipBytes = info.packets * 188;
    const speed = 50;
    /** @type {{pts90k: number, ptsUnwrapped: number, wallMs: number}[]} */
    const frames = [];
    /** @type {{pts90k: number, ptsUnwrapped: number, wallMs: number}[]} */
    const complete = [];
    const gen = createLiveTsStream(clip, {
      speed,
      onFrameSent: (f) => frames.push(f),
      onFrameComplete: (f) => complete.push(f),
    });
    let twoLoopsMs = -1;
    const t0 = performance.now();
    const chunks = [];
    let n = 0;
    for await (const c of gen) {
      chunks.push(c);
      n += c.length;
      if (twoLoopsMs < 0 && n >= 2 * clipBytes) twoLoopsMs = performance.now() - t0;
      if (n >= 2.5 * clipBytes) break;
    }
    const all = new Uint8Array(n);
    let o = 0;
    for (const c of chunks) {
      all.set(c, o);
      o += c.length;
    }

    // Pacing: two loops cannot arrive faster than about 2 * duration / speed. Loose lower bound only.
    const expectedMs = ((2 * info.durationTicks) / 90000 / speed) * 1000;
    expect(twoLoopsMs).toBeGreaterThan(0.5 * expectedMs);
    expect(chunks.length).toBeGreaterThan(2); // paced, hence several chunks, not one burst

    const pk = parseTs(all);
    const { video, dts } = checkStreamInvariants(pk);

    // Loop offset: frame k of loop 1 is frame k of loop 0 plus the clip duration, in DTS and PTS.
    const perLoop = parseTs(clip.subarray(0, clipBytes)).filter(
      (p) => p.pid === info.videoPid && p.dts !== undefined,
    ).length;
    expect(video.length).toBeGreaterThan(2 * perLoop);
    const pts = unwrap(video.map((p) => /** @type {bigint} */ (p.pts)));
    for (let k = 0; k < perLoop; k++) {
      expect(dts[k + perLoop] - dts[k]).toBe(BigInt(info.durationTicks));
      expect(pts[k + perLoop] - pts[k]).toBe(BigInt(info.durationTicks));
    }

    // Byte-exact: loop 0 is the clip itself; loops 1 and 2 are the clip with only timestamps and counters changed.
    const step = ccStepPerLoop(clip);
    for (let loop = 0; loop < 3; loop++) {
      const start = loop * clipBytes;
      const end = Math.min(all.length, start + clipBytes);
      const shift = new Map([...step].map(([pid, s]) => [pid, (s * loop) & 15]));
      const want = expectedLoop(clip, BigInt(loop * info.durationTicks), shift).subarray(0, end - start);
      expect(Buffer.compare(Buffer.from(all.subarray(start, end)), Buffer.from(want)), `loop ${loop} bytes`).toBe(0);
    }

    // onFrameSent: one call per video PES handed out, with the PTS as written, in order, wall clock non-decreasing.
    expect(frames.length).toBe(video.length);
    expect(frames.map((f) => BigInt(f.pts90k))).toEqual(video.map((p) => p.pts));
    for (let k = 1; k < frames.length; k++) expect(frames[k].wallMs).toBeGreaterThanOrEqual(frames[k - 1].wallMs);
    expect(Math.abs(frames[0].wallMs - Date.now())).toBeLessThan(60_000); // epoch milliseconds
    // onFrameComplete: the same frames in the same order (the last one sent may still be going out), each at or
    // after its first packet; a keyframe's packets span several PCR intervals, so some complete later.
    expect(complete.length).toBeGreaterThanOrEqual(frames.length - 1);
    expect(complete.map((f) => f.ptsUnwrapped)).toEqual(frames.slice(0, complete.length).map((f) => f.ptsUnwrapped));
    for (let k = 0; k < complete.length; k++) expect(complete[k].wallMs).toBeGreaterThanOrEqual(frames[k].wallMs);
    expect(complete.some((f, k) => f.wallMs > frames[k].wallMs)).toBe(true);
  });

  it('wraps PTS/DTS/PCR at 2^33 exactly (startOffsetTicks near the wrap)', async () => {
    const clip = loadClip();
    const info = clipInfo(clip);
    const clipBytes = info.packets * 188;
    // Put the wrap in the middle of loop 0's video.
    const startOffsetTicks = 2 ** 33 - info.firstDts - Math.floor(info.durationTicks / 2);
    /** @type {{pts90k: number, ptsUnwrapped: number, wallMs: number}[]} */
    const frames = [];
    const { all } = await collect(
      createLiveTsStream(clip, { speed: 1000, loops: 2, startOffsetTicks, onFrameSent: (f) => frames.push(f) }),
    );
    expect(all.length).toBe(2 * clipBytes);
    const pk = parseTs(all);
    const { video, dts } = checkStreamInvariants(pk);

    // The raw values really wrapped (some DTS is smaller than its predecessor by almost 2^33).
    const raw = video.map((p) => /** @type {bigint} */ (p.dts));
    expect(raw.some((v, k) => k > 0 && v < raw[k - 1])).toBe(true);
    // Exact first value and exact loop offset, checked with BigInt.
    expect(raw[0]).toBe((BigInt(info.firstDts) + BigInt(startOffsetTicks)) % MOD33);
    expect(dts[dts.length / 2] - dts[0]).toBe(BigInt(info.durationTicks));

    const step = ccStepPerLoop(clip);
    for (let loop = 0; loop < 2; loop++) {
      const shift = new Map([...step].map(([pid, s]) => [pid, (s * loop) & 15]));
      const want = expectedLoop(clip, BigInt(loop * info.durationTicks + startOffsetTicks), shift);
      const got = all.subarray(loop * clipBytes, (loop + 1) * clipBytes);
      expect(Buffer.compare(Buffer.from(got), Buffer.from(want)), `loop ${loop} bytes`).toBe(0);
    }
    // onFrameSent reports the wrapped value as written, and a continuous unwrapped one.
    expect(frames.map((f) => BigInt(f.pts90k))).toEqual(video.map((p) => p.pts));
    const half = frames.length / 2;
    expect(frames.map((f) => f.ptsUnwrapped % 2 ** 33)).toEqual(frames.map((f) => f.pts90k));
    for (let k = 0; k < half; k++)
      expect(frames[k + half].ptsUnwrapped - frames[k].ptsUnwrapped).toBe(info.durationTicks);
    expect(frames.some((f) => f.ptsUnwrapped >= 2 ** 33)).toBe(true);
  });
});

describe('live-ts: faults', () => {
  it('dropAfterMs ends the stream early', async () => {
    const clip = loadClip();
    const gen = createLiveTsStream(clip, { speed: 1, dropAfterMs: 150 });
    const { all, ms } = await collect(gen);
    expect(ms).toBeGreaterThanOrEqual(100);
    expect(ms).toBeLessThan(5000);
    expect(all.length).toBeLessThan(clip.length); // a 150 ms slice of a clip several seconds long
    expect(await gen.next()).toEqual({ done: true, value: undefined });
  });

  it('garbageEvery inserts garbageBytes-long bursts between whole packets', async () => {
    const clip = loadClip();
    const info = clipInfo(clip);
    const { all } = await collect(
      createLiveTsStream(clip, { speed: 50, loops: 1, garbageEvery: 20, garbageBytes: 97 }),
    );
    const extra = all.length - info.packets * 188;
    expect(extra).toBeGreaterThan(0);
    expect(extra % 97).toBe(0);
  });

  it('stallAtMs/stallForMs pauses output, then catches up in one burst', async () => {
    const clip = loadClip();
    const { times } = await collect(
      createLiveTsStream(clip, { speed: 5, stallAtMs: 60, stallForMs: 250, dropAfterMs: 500 }),
    );
    let maxGap = 0;
    for (let k = 1; k < times.length; k++) maxGap = Math.max(maxGap, times[k] - times[k - 1]);
    expect(maxGap).toBeGreaterThanOrEqual(200);
  });

  it('an AbortSignal ends the generator promptly', async () => {
    const clip = loadClip();
    const ac = new AbortController();
    const gen = createLiveTsStream(clip, { speed: 1, signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    const { ms } = await collect(gen);
    expect(ms).toBeLessThan(1000);
  });
});
