#!/usr/bin/env node

// The latency floor of a live MPEG-TS clip: how soon after its last byte any player could present each video frame,
// when the clip is sent the way scripts/live-ts.js sends it.
//
//   node scripts/latency-floor.js demo/media/sample.ts
//
// Why: the end-to-end latency test (test/browser/latency.spec.ts) measures from each frame's last byte sent to its
// presentation, and part of that is the source's own doing, not the player's. A player shows media at a constant
// offset from the sender's clock (else it stalls or skips), so the offset must cover the latest-arriving piece of
// media relative to its presentation time: a P-frame sent before the B-frames shown ahead of it, an audio PES that
// holds several frames, or audio muxed behind the video of the same time. With zero network, demux, decode and
// render time, frame k is shown at PTS_k + C, where C = max over every video frame and audio PES of (arrival - PTS);
// its latency is PTS_k + C - arrival_k. The figures below are that, over one loop of the clip (p50, p95, max).

import { readFileSync } from 'node:fs';
import { indexClip } from './live-ts.js';

const TS_PACKET = 188;

/** @param {Uint8Array} b @param {number} o the 5-byte PTS/DTS field */
function readTimestamp(b, o) {
  return (
    ((b[o] >> 1) & 0x07) * 2 ** 30 + ((b[o + 1] << 7) | (b[o + 2] >> 1)) * 32768 + ((b[o + 3] << 7) | (b[o + 4] >> 1))
  );
}

/**
 * Every PES with a PTS, per PID: its presentation time and the index of its last packet (the packet before the next
 * PES of the PID starts, or the PID's last packet).
 * @param {Uint8Array} bytes
 */
function pesList(bytes) {
  /** @type {Map<number, {pts: number, last: number}[]>} */
  const byPid = new Map();
  for (let i = 0; i * TS_PACKET < bytes.length; i++) {
    const p = i * TS_PACKET;
    const pid = ((bytes[p + 1] & 0x1f) << 8) | bytes[p + 2];
    const afc = (bytes[p + 3] >> 4) & 3;
    const list = byPid.get(pid);
    if (!(afc & 1)) continue;
    let payload = p + 4;
    if (afc & 2) payload = p + 5 + bytes[p + 4];
    const start = (bytes[p + 1] & 0x40) !== 0 && bytes[payload] === 0 && bytes[payload + 1] === 0;
    if (start && bytes[payload + 2] === 1 && bytes[payload + 7] >> 7 === 1) {
      const entry = { pts: readTimestamp(bytes, payload + 9), last: i };
      if (list) list.push(entry);
      else byPid.set(pid, [entry]);
    } else if (list) list[list.length - 1].last = i;
  }
  return byPid;
}

/** @param {number[]} sorted @param {number} q */
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * @param {Uint8Array} clip
 * @returns {{ p50: number, p95: number, max: number, offsetMs: number, latest: string }} milliseconds
 */
export function latencyFloor(clip) {
  const ix = indexClip(clip);
  const pes = pesList(ix.bytes);
  const arrival = (/** @type {number} */ packet) => ix.releaseTicks[packet];
  // Timestamps relative to the clip's first video PTS, unwrapped the short way (a clip may straddle a 2^33 wrap).
  const rel = (/** @type {number} */ t) => {
    let d = (t - ix.firstPts) % 2 ** 33;
    if (d > 2 ** 32) d -= 2 ** 33;
    if (d < -(2 ** 32)) d += 2 ** 33;
    return d;
  };
  const anchor = ix.pcrValues.length > 0 ? ix.pcrValues[0] : ix.firstDts; // releaseTicks count from here
  const offset = rel(anchor); // release tick r is PTS-relative time r + offset
  let c = -Infinity;
  let latest = '';
  for (const [pid, list] of pes) {
    // The last PES of a PID may go on past the clip's end: left out.
    for (const e of list.slice(0, -1)) {
      const late = arrival(e.last) + offset - rel(e.pts);
      if (late > c) {
        c = late;
        latest = `PID 0x${pid.toString(16)} PES at ${(rel(e.pts) / 90).toFixed(1)} ms`;
      }
    }
  }
  const video = pes.get(ix.videoPid) ?? [];
  const latencies = video
    .slice(0, -1)
    .map((e) => (rel(e.pts) + c - (arrival(e.last) + offset)) / 90)
    .sort((a, b) => a - b);
  return {
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    max: latencies[latencies.length - 1],
    offsetMs: c / 90,
    latest,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node scripts/latency-floor.js CLIP.ts\n');
    process.exit(2);
  }
  const f = latencyFloor(new Uint8Array(readFileSync(file)));
  process.stdout.write(
    `${file}: frame last byte sent → shown, at best: p50 ${f.p50.toFixed(1)} ms, p95 ${f.p95.toFixed(1)} ms, ` +
      `max ${f.max.toFixed(1)} ms (set by the ${f.latest})\n`,
  );
}
