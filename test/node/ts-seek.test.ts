// Seeking in MPEG-TS files with the engine (issue 5: "seek(t) finds the byte position by bisection over HTTP range
// requests (PCR/PTS), lands on the keyframe at or before t, and plays on"; the worker does the bisection, the browser
// test is in test/browser/seek-ts.spec.ts). On the 60-second fixture: probeTs finds, in a window of the file, the last
// keyframe at or before a target exactly where ffprobe (an independent reader) says that keyframe's packet is
// (-show_packets pos, flag K); and a stream seeked there (engine.seek, then the file's bytes from there) writes the
// same samples, with the same decode times, as the whole file does from that keyframe on.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { probe } from '../helpers/ffmpeg.js';
import { readFmp4 } from '../helpers/fmp4.js';
import { FIXTURES } from '../helpers/media.js';

const FILE = join(FIXTURES, 'ts-h264-aac-60s.ts');
let data: Uint8Array;
let keyframes: { pos: number; pts: number }[];

beforeAll(() => {
  data = new Uint8Array(readFileSync(FILE));
  const p = probe(FILE);
  const video = p.streams.find((s) => s.codec_type === 'video')!;
  keyframes = p.packets
    .filter((k) => k.stream_index === video.index && k.flags.includes('K'))
    .map((k) => ({ pos: Number(k.pos), pts: Number(k.pts) }));
});

function samples(output: Uint8Array): Map<string, { dts: number; hex: string }[]> {
  const map = new Map<string, { dts: number; hex: string }[]>();
  for (const t of readFmp4(output)) {
    map.set(
      t.handler,
      t.samples.map((s) => ({ dts: s.dts, hex: Buffer.from(s.data).toString('hex') })),
    );
  }
  return map;
}

async function remux(parts: Uint8Array[], seekAfterFirst?: number): Promise<Uint8Array> {
  const engine = await Engine.create({ output: 'muxed' });
  const out: Uint8Array[] = [];
  parts.forEach((p, i) => {
    for (const e of engine.push(p)) {
      if (e.type === 'init' || e.type === 'fragment') out.push(e.data.slice());
      if (e.type === 'error') throw e.error;
    }
    if (i === 0 && seekAfterFirst !== undefined) {
      expect(engine.seek(seekAfterFirst), 'engine.seek').toBe(true);
      out.length = 0;
    }
  });
  for (const e of engine.flush()) if (e.type === 'init' || e.type === 'fragment') out.push(e.data.slice());
  return new Uint8Array(Buffer.concat(out));
}

describe('seeking in an MPEG-TS file: probeTs and engine.seek', () => {
  it('the fixture has a keyframe every 2 s (ffprobe)', () => {
    expect(keyframes.length).toBe(30);
  });

  for (const seconds of [7.3, 31, 58.9]) {
    it(`to ${seconds} s: the keyframe at or before it, where ffprobe has it; the seeked stream writes the whole run's samples`, async () => {
      const engine = await Engine.create({ output: 'muxed' });
      engine.push(data.subarray(0, 300_000)); // output starts (the first GOP): the origin is known
      const origin = engine.timeOrigin();
      expect(origin).toBeDefined();
      const target = origin! + Math.round(seconds * 90000);
      // The expected keyframe, from ffprobe: the last one whose PTS is at or before the target.
      const want = keyframes.filter((k) => k.pts <= target).at(-1)!;
      // A 1 MiB window ending past it holds it: probeTs names the same byte position.
      const from = Math.max(0, want.pos - 500_000);
      const r = engine.probeTs(data.subarray(from, from + (1 << 20)), target % 2 ** 33);
      expect(r?.count).toBeGreaterThan(0);
      expect(r?.key, JSON.stringify(r)).toBeDefined();
      expect(from + r!.key!.offset).toBe(want.pos);
      expect(r!.key!.time).toBe(want.pts);

      const whole = samples(await remux([data]));
      const seeked = samples(await remux([data.subarray(0, 300_000), data.subarray(want.pos)], want.pos));
      for (const [handler, got] of seeked) {
        const all = whole.get(handler)!;
        expect(got.length, handler).toBeGreaterThan(0);
        const start = all.findIndex((s) => s.hex === got[0]!.hex && s.dts === got[0]!.dts);
        expect(start, `${handler}: the first sample after the seek is one of the whole run's`).toBeGreaterThanOrEqual(
          0,
        );
        expect(got, handler).toEqual(all.slice(start));
      }
      // Video starts at that keyframe: its first sample's presentation time is the keyframe's.
      const video = readFmp4(await remux([data.subarray(0, 300_000), data.subarray(want.pos)], want.pos)).find(
        (t) => t.handler === 'vide',
      )!;
      const first = video.samples[0]!;
      expect((first.dts + first.cts) / 90000).toBeCloseTo((want.pts - origin!) / 90000, 4);
    });
  }
});
