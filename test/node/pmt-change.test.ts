// A new PMT version mid-stream (13818-1 2.4.4.8): streams it still lists go on, a stream it replaces ends,
// and the new one takes its track with a new init segment (per-track output, as MSE needs: the player
// switches the SourceBuffer with changeType). The input is two committed fixtures joined by the test's own TS
// writer: H.264 + AAC (PMT version 0), then H.264 + AC-3 on the same audio PID with stream_type 0x81 (PMT
// version 1), timestamps continuing. Checked with an independent box reader and ffprobe.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../../engine/index.js';
import { decodeErrors, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { readFmp4, trackOf } from '../helpers/fmp4.js';
import { find, walkBoxes } from '../helpers/isobmff.js';
import { fixturePath } from '../helpers/media.js';
import { type EsPacket, muxTs } from '../helpers/ts-mux.js';
import { walkTs } from '../helpers/ts-walk.js';

const tmp = mkdtempSync(join(tmpdir(), 'weir-pmt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function esPackets(name: string, shift: number): { pes: EsPacket[]; end: number } {
  const walked = walkTs(new Uint8Array(readFileSync(fixturePath(name))));
  let end = 0;
  const pes = walked.pes.map((p) => {
    const pts = p.pts === undefined ? undefined : p.pts + shift;
    if (pts !== undefined) end = Math.max(end, pts);
    return {
      pid: p.pid,
      streamId: p.pid === 0x100 ? 0xe0 : 0xc0,
      ...(pts !== undefined ? { pts } : {}),
      ...(p.dts !== undefined && p.dts !== p.pts ? { dts: p.dts + shift } : {}),
      payload: p.payload,
    };
  });
  return { pes, end };
}

const first = esPackets('ts-h264-baseline-aac.ts', 0);
// The second part starts one frame (40 ms) after the first part's last video frame.
const secondStart = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-ac3.ts')))).pes.find(
  (p) => p.pid === 0x100,
)!.pts!;
const firstLastVideo = Math.max(
  ...walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-baseline-aac.ts'))))
    .pes.filter((p) => p.pid === 0x100)
    .map((p) => p.pts!),
);
const second = esPackets('ts-h264-ac3.ts', firstLastVideo + 3600 - secondStart);
const counters = new Map<number, number>();
const input = new Uint8Array([
  ...muxTs(first.pes, {
    streams: [
      [0x1b, 0x100],
      [0x0f, 0x101],
    ],
    counters,
  }),
  ...muxTs(second.pes, {
    streams: [
      [0x1b, 0x100],
      [0x81, 0x101],
    ],
    counters,
    pmtVersion: 1,
  }),
]);

async function run(output: 'per-track' | 'muxed'): Promise<EngineEvent[]> {
  const engine = await Engine.create({ output });
  const events: EngineEvent[] = [];
  for (let o = 0; o < input.length; o += 8192) events.push(...detach(engine.push(input.subarray(o, o + 8192))));
  events.push(...detach(engine.flush()));
  return events;
}

function detach(events: EngineEvent[]): EngineEvent[] {
  for (const e of events) if (e.type === 'init' || e.type === 'fragment') e.data = e.data.slice();
  return events;
}

describe('a new PMT version replaces the audio stream', () => {
  requireFfmpeg();

  it('per-track: video goes on, the audio track gets a new init segment (ac-3) and continues the timeline', async () => {
    const events = await run('per-track');
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.error.codeName] : []));
    expect(warnings).toContain('PMT_CHANGED');
    const inits = events.flatMap((e) => (e.type === 'init' ? [e] : []));
    expect(inits.map((e) => e.track)).toEqual([1, 2, 2]);
    const entry = (data: Uint8Array) =>
      find(walkBoxes(data), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd')!.children.map((b) => b.type);
    expect(entry(inits[1]!.data)).toEqual(['mp4a']);
    expect(entry(inits[2]!.data)).toEqual(['ac-3']);
    // The audio track's fragments: the AAC ones before the second init, the AC-3 ones after it, and the
    // timeline runs on (tfdt = previous tfdt + durations, in each part's timescale: the second starts where
    // the first ended within one AC-3 frame, 32 ms).
    const order = events.flatMap((e) => ((e.type === 'init' || e.type === 'fragment') && e.track === 2 ? [e] : []));
    const split = order.indexOf(inits[2]!);
    const before = order.slice(1, split).filter((e) => e.type === 'fragment');
    const after = order.slice(split + 1).filter((e) => e.type === 'fragment');
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    const aacEnd = Math.max(...before.map((e) => (e.type === 'fragment' ? e.end : 0)));
    const ac3Start = Math.min(...after.map((e) => (e.type === 'fragment' ? e.start : 0)));
    expect(Math.abs(ac3Start - aacEnd)).toBeLessThan(0.033);
    // Each part, as its own file (its init + its fragments), decodes with ffmpeg without an error.
    for (const [name, part] of [
      ['aac', [inits[1]!, ...before]],
      ['ac3', [inits[2]!, ...after]],
    ] as const) {
      const path = join(tmp, `${name}.mp4`);
      writeFileSync(
        path,
        Buffer.concat(part.flatMap((e) => (e.type === 'init' || e.type === 'fragment' ? [e.data] : []))),
      );
      expect(decodeErrors(path), name).toEqual([]);
      expect(probe(path).streams.map((s) => s.codec_name)).toEqual([name === 'aac' ? 'aac' : 'ac3']);
    }
    // Video is one track throughout, every frame of both parts.
    const video = events.flatMap((e) =>
      (e.type === 'init' || e.type === 'fragment') && e.track === 1 ? [e.data] : [],
    );
    const frames = trackOf(readFmp4(new Uint8Array(Buffer.concat(video))), 'vide').samples.length;
    const expected = [first, second].reduce((n, part) => n + part.pes.filter((p) => p.pid === 0x100).length, 0);
    expect(frames).toBe(expected);
  });

  it('muxed: the moov is written, so the AC-3 stream is left out (reported) and the file stays valid', async () => {
    const events = await run('muxed');
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.error.codeName] : []));
    expect(warnings).toContain('PMT_CHANGED');
    expect(warnings).toContain('EXTRA_TRACK_SKIPPED');
    const path = join(tmp, 'muxed.mp4');
    writeFileSync(
      path,
      Buffer.concat(events.flatMap((e) => (e.type === 'init' || e.type === 'fragment' ? [e.data] : []))),
    );
    expect(decodeErrors(path)).toEqual([]);
    expect(probe(path).streams.map((s) => s.codec_name)).toEqual(['h264', 'aac']);
  });
});
