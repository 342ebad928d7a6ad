// The two segments of shaka's rollover set (issue 3 acceptance): segment 28, in which the 33-bit PTS wraps, then
// segment 29 after the wrap, pushed one after the other into one engine, give one continuous timeline. Checked on
// the per-track output with an independent box reader (every fragment's tfdt = the previous tfdt + its durations,
// no hole between the segments) and on the muxed output with ffprobe/ffmpeg: every frame of both segments, the
// video frames' presentation times advancing by the source's own steps across the join (from the source PTS,
// unwrapped in the test), and no decode error.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../../engine/index.js';
import { decodeErrors, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { readFmp4 } from '../helpers/fmp4.js';
import { corpusDir, corpusUnset, requireCorpus } from '../helpers/media.js';
import { walkTs } from '../helpers/ts-walk.js';

const tmp = mkdtempSync(join(tmpdir(), 'weir-wrap-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SEGMENTS = ['shaka_hls-ts-rollover_seg28_pts-wrap.ts', 'shaka_hls-ts-rollover_seg29_after-wrap.ts'];

async function pushBoth(output: 'per-track' | 'muxed'): Promise<EngineEvent[]> {
  const engine = await Engine.create({ output });
  const events: EngineEvent[] = [];
  const take = (list: EngineEvent[]) => {
    for (const e of list) events.push(e.type === 'init' || e.type === 'fragment' ? { ...e, data: e.data.slice() } : e);
  };
  for (const name of SEGMENTS) take(engine.push(new Uint8Array(readFileSync(join(corpusDir()!, 'ts', name)))));
  take(engine.flush());
  return events;
}

describe.skipIf(corpusUnset)('HLS segments across the 33-bit wrap, pushed in order (WEIR_CORPUS)', () => {
  it('per-track: each track is one unbroken chain of fragments across both segments', async () => {
    requireCorpus();
    const events = await pushBoth('per-track');
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    // Continuous because the clock is unwrapped, not because a jump was repaired: no TIMESTAMP_JUMP.
    expect(events.flatMap((e) => (e.type === 'warning' ? [e.error.codeName] : []))).not.toContain('TIMESTAMP_JUMP');
    for (const id of [1, 2]) {
      const bytes = events.flatMap((e) =>
        (e.type === 'init' || e.type === 'fragment') && e.track === id ? [e.data] : [],
      );
      const [track] = readFmp4(new Uint8Array(Buffer.concat(bytes)));
      expect(track!.runs.length, `track ${id} fragments`).toBeGreaterThan(1);
      for (let i = 1; i < track!.runs.length; i++) {
        const prev = track!.runs[i - 1]!;
        expect(track!.runs[i]!.tfdt, `track ${id} fragment ${i}`).toBe(prev.tfdt + prev.duration);
      }
    }
  });

  it('muxed: every frame of both segments, video times stepping as the unwrapped source PTS do', async () => {
    requireCorpus();
    requireFfmpeg();
    const events = await pushBoth('muxed');
    const path = join(tmp, 'joined.mp4');
    writeFileSync(
      path,
      Buffer.concat(events.flatMap((e) => (e.type === 'init' || e.type === 'fragment' ? [e.data] : []))),
    );
    expect(decodeErrors(path)).toEqual([]);
    // The source: video PTS of both segments in order, unwrapped across 2^33 (the test's own arithmetic).
    const pts: number[] = [];
    let last: number | undefined;
    for (const name of SEGMENTS) {
      const walked = walkTs(new Uint8Array(readFileSync(join(corpusDir()!, 'ts', name))));
      const video = walked.streams.find((s) => s.streamType === 0x1b)!.pid;
      for (const p of walked.pes.filter((q) => q.pid === video && q.pts !== undefined)) {
        let t = p.pts!;
        while (last !== undefined && t < last - 2 ** 32) t += 2 ** 33;
        pts.push(t);
        last = t;
      }
    }
    const sourceTimes = [...pts].sort((a, b) => a - b).map((t) => t / 90000);
    const out = probe(path);
    const v = out.streams.find((s) => s.codec_type === 'video')!.index;
    const outTimes = out.packets
      .filter((k) => k.stream_index === v)
      .map((k) => Number(k.pts_time))
      .sort((a, b) => a - b);
    // Output starts at the first keyframe: compare the last outTimes.length source frames, relative to the first.
    const tail = sourceTimes.slice(sourceTimes.length - outTimes.length);
    expect(outTimes.length).toBeGreaterThan(sourceTimes.length - 30);
    outTimes.forEach((t, i) => {
      expect(t - outTimes[0]!, `video frame ${i}`).toBeCloseTo(tail[i]! - tail[0]!, 4);
    });
  });
});
