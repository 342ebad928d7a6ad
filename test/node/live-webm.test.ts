// The live WebM simulator (scripts/live-webm.js): a clip looped into an endless live WebM whose timestamps keep
// growing. Checked with ffprobe (a tool that shares no code with the simulator or weir) on three loops at high speed:
// every frame of every loop is there, the presentation times grow by the clip's length each loop, the stream has no
// Cues and unknown-size Clusters, and ffmpeg decodes it without an error line. weir remuxes the same stream into an
// output with every frame.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveWebmStream, indexWebm } from '../../scripts/live-webm.js';
import { decodeErrors, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { FIXTURES } from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';

const CLIP = join(FIXTURES, 'webm-vp9-opus.webm');
const LOOPS = 3;
let tmp: string;
let looped: Uint8Array;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-live-webm-'));
  const parts: Uint8Array[] = [];
  for await (const c of createLiveWebmStream(new Uint8Array(readFileSync(CLIP)), { speed: 100, loops: LOOPS })) {
    parts.push(c);
  }
  looped = new Uint8Array(Buffer.concat(parts));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('scripts/live-webm.js', () => {
  it('loops every frame with growing timestamps, as a live WebM ffmpeg decodes cleanly', () => {
    requireFfmpeg();
    const path = join(tmp, 'looped.webm');
    writeFileSync(path, looped);
    const clip = probe(CLIP);
    const live = probe(path);
    expect(live.streams.map((s) => s.codec_name)).toEqual(clip.streams.map((s) => s.codec_name));
    const ix = indexWebm(new Uint8Array(readFileSync(CLIP)));
    const loopSeconds = (ix.durationTicks * ix.timestampScale) / 1e9;
    for (const s of clip.streams) {
      const one = clip.packets.filter((p) => p.stream_index === s.index).map((p) => Number(p.pts_time));
      const all = live.packets.filter((p) => p.stream_index === s.index).map((p) => Number(p.pts_time));
      expect(all.length, s.codec_name).toBe(one.length * LOOPS);
      for (let k = 0; k < LOOPS; k++) {
        one.forEach((t, i) => {
          expect(
            Math.abs(all[k * one.length + i]! - (t + k * loopSeconds)),
            `${s.codec_name} loop ${k} #${i}`,
          ).toBeLessThan(1.5e-3);
        });
      }
    }
    expect(decodeErrors(path)).toEqual([]);
    // Live form: the Segment and every Cluster of unknown size (8-byte all-ones size), no Cues.
    const text = Buffer.from(looped);
    expect(
      text.indexOf(Buffer.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])),
    ).toBeGreaterThan(0);
    expect(text.indexOf(Buffer.from([0x1c, 0x53, 0xbb, 0x6b]))).toBe(-1);
  });

  it('weir remuxes the live stream with every frame of every loop', async () => {
    const r = await runEngine(looped, { output: 'per-track', fragmentDuration: 100 });
    expect(r.errors).toEqual([]);
    const clip = probe(CLIP);
    const video = clip.packets.filter((p) => p.stream_index === 0).length;
    const audio = clip.packets.filter((p) => p.stream_index === 1).length;
    expect(r.warnings.map((w) => w.message)).toEqual([]); // no gap, no overlap between the loops
    const { readFmp4 } = await import('../helpers/fmp4.js');
    // Per-track output: the video track's init + fragments, then audio's, interleaved; read each track's stream.
    let at = 0;
    const byTrack = new Map<number, Uint8Array[]>();
    for (const s of r.segments) {
      const list = byTrack.get(s.track ?? 0) ?? [];
      list.push(r.output.subarray(at, at + s.length));
      byTrack.set(s.track ?? 0, list);
      at += s.length;
    }
    const counts = [...byTrack.values()].map(
      (parts) => readFmp4(new Uint8Array(Buffer.concat(parts)))[0]!.samples.length,
    );
    expect(counts).toEqual([video * LOOPS, audio * LOOPS]);
  });
});
