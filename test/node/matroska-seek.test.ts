// Seeking in WebM/Matroska files with the engine (issue 4: "Player.seek(t) on a WebM/MKV file uses Cues and HTTP range
// requests"; the browser side is test/browser/webm.spec.ts). For every fixture with Cues: the SeekHead's Cues
// position is where an independent EBML walk (test/fuzz/ebml-index.mjs) finds the Cues element; parseCues gives one
// seek point per CuePoint, each at the start of a Cluster the walk finds, at a time inside that Cluster; and a stream
// seeked to a cue (engine.seek, then the file's bytes from there) writes exactly the samples, with the same decode
// times, as the whole file does from that keyframe on.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { indexEbml } from '../fuzz/ebml-index.mjs';
import { readFmp4 } from '../helpers/fmp4.js';
import { FIXTURES } from '../helpers/media.js';

const CUES = 0x1c53bb6b;
const CLUSTER = 0x1f43b675;
const TIMESTAMP = 0xe7;

/** Fixtures that have Cues (the live-style one has none; the damaged one has them, but moved by its garbage). */
const files = readdirSync(FIXTURES)
  .filter((f) => /\.(webm|mkv)$/.test(f) && !/live|damaged|vp8/.test(f))
  .sort();

interface Cluster {
  at: number;
  time: number;
}

/** The Clusters of a file (offset, Timestamp in ms), by the independent walker. */
function clusters(data: Uint8Array): Cluster[] {
  const all = indexEbml(data);
  return all
    .filter((e) => e.id === CLUSTER)
    .map((c) => {
      const ts = all.find((e) => e.id === TIMESTAMP && e.at > c.at && e.end <= c.end)!;
      let v = 0;
      for (let i = ts.sizeAt + ts.sizeLength; i < ts.end; i++) v = v * 256 + data[i]!;
      return { at: c.at, time: v };
    });
}

/** Every sample the muxed output holds, per track: decode time (track timescale) and bytes in hex. */
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

async function remux(parts: Uint8Array[], seek?: { after: number; offset: number }): Promise<Uint8Array> {
  const engine = await Engine.create({ output: 'muxed' });
  const out: Uint8Array[] = [];
  const take = (events: ReturnType<Engine['push']>) => {
    for (const e of events) {
      if (e.type === 'init' || e.type === 'fragment') out.push(e.data.slice());
      if (e.type === 'error') throw e.error;
    }
  };
  parts.forEach((p, i) => {
    take(engine.push(p));
    if (seek && i === seek.after) {
      expect(engine.seek(seek.offset), 'engine.seek').toBe(true);
      out.length = 0; // what came out before the seek is not compared
    }
  });
  take(engine.flush());
  return new Uint8Array(Buffer.concat(out));
}

describe('seeking in WebM/Matroska files: Cues and engine.seek', () => {
  it('covers the fixtures with Cues', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });
  for (const name of files) {
    it(`${name}: Cues at the SeekHead's position, one seek point per Cluster start, and a seek writes the same samples`, async () => {
      const data = new Uint8Array(readFileSync(join(FIXTURES, name)));
      const walk = indexEbml(data);
      const cuesAt = walk.find((e) => e.id === CUES)?.at;
      expect(cuesAt, 'the walker finds Cues').toBeDefined();
      const engine = await Engine.create({ output: 'muxed' });
      engine.push(data.subarray(0, 4096));
      expect(engine.cuesPosition()).toBe(cuesAt);
      const points = engine.parseCues(data.subarray(cuesAt!));
      const list = clusters(data);
      expect(points.length).toBeGreaterThan(0);
      const scale = name.includes('timestampscale') ? 1e5 : 1e6; // the fixture's TimestampScale (its summary)
      for (const p of points) {
        const k = list.findIndex((x) => x.at === p.offset);
        expect(k, `cue at ${p.offset} is a Cluster start`).toBeGreaterThanOrEqual(0);
        // The cue's time is its keyframe's, inside that Cluster: from its Timestamp to the next Cluster's.
        const ticks = (p.time * 1e9) / scale;
        expect(ticks).toBeGreaterThanOrEqual(list[k]!.time - 1e-6);
        if (list[k + 1]) expect(ticks).toBeLessThan(list[k + 1]!.time);
      }
      expect(engine.parseCues(data.subarray(0, 64)), 'not a Cues element').toEqual([]);

      // Seek to the last cue once output has started (the first Cluster pushed whole), and compare.
      const target = points.at(-1)!;
      const firstCluster = list[1]?.at ?? list[0]!.at;
      const seeked = samples(
        await remux([data.subarray(0, firstCluster + 1), data.subarray(target.offset)], {
          after: 0,
          offset: target.offset,
        }),
      );
      const whole = samples(await remux([data]));
      for (const [handler, got] of seeked) {
        const all = whole.get(handler)!;
        expect(got.length, handler).toBeGreaterThan(0);
        // The seeked stream starts at a keyframe Cluster: its samples are the whole run's from the same one on
        // (audio: the frames of that Cluster on), with the same decode times.
        if (handler === 'soun' && name.includes('joined')) {
          // Two recordings joined (DiscardPadding mid-stream): the second one's frames fall on the grid its first block
          // time sets, which the whole run knows from the join and a seek past the join does not: there the frames take
          // their own block times, rounded to the millisecond. Same frames, times within a millisecond.
          // (The two recordings are the same clip: the same bytes occur twice, 3 s apart.)
          const from = all.findIndex((s) => s.hex === got[0]!.hex && Math.abs(s.dts - got[0]!.dts) <= 48);
          expect(from, `${handler}: the first sample after the seek is one of the whole file's`).toBeGreaterThanOrEqual(
            0,
          );
          expect(
            got.map((s) => s.hex),
            handler,
          ).toEqual(all.slice(from).map((s) => s.hex));
          got.forEach((s, i) => {
            expect(Math.abs(s.dts - all[from + i]!.dts), `${handler} sample ${i}`).toBeLessThanOrEqual(48);
          });
          continue;
        }
        const from = all.findIndex((s) => s.hex === got[0]!.hex && s.dts === got[0]!.dts);
        expect(from, `${handler}: the first sample after the seek is one of the whole file's`).toBeGreaterThanOrEqual(
          0,
        );
        expect(got, handler).toEqual(all.slice(from));
      }
    });
  }
});

describe('seeking in a WebM file without Cues: probeMkv finds the keyframe block, engine.seek resumes inside its Cluster', () => {
  const name = 'webm-vp9-opus-live.webm'; // unknown-size Segment and Clusters, no Cues, Clusters not all on keyframes
  const SIMPLE_BLOCK = 0xa3;

  it(`${name}: the last video keyframe at or before each target, as the independent walk finds it, and the same samples`, async () => {
    const data = new Uint8Array(readFileSync(join(FIXTURES, name)));
    const walk = indexEbml(data);
    expect(walk.some((e) => e.id === CUES)).toBe(false);
    // Video keyframes by the walker: SimpleBlocks of track 1 with the keyframe flag, at Cluster Timestamp + relative.
    const list = clusters(data);
    const keys = walk
      .filter((e) => e.id === SIMPLE_BLOCK)
      .map((e) => {
        const body = e.sizeAt + e.sizeLength;
        const track = data[body]! & 0x7f;
        const rel = ((data[body + 1]! << 24) | (data[body + 2]! << 16)) >> 16;
        const cluster = list.filter((c) => c.at < e.at).at(-1)!;
        return {
          at: e.at,
          track,
          key: (data[body + 3]! & 0x80) !== 0,
          time: cluster.time + rel,
          cluster: cluster.time,
        };
      })
      .filter((b) => b.track === 1 && b.key);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const targetMs of [1500, 2600]) {
      const want = keys.filter((k) => k.time <= targetMs).at(-1)!;
      const engine = await Engine.create({ output: 'muxed' });
      engine.push(data.subarray(0, 30_000));
      const r = engine.probeMkv(data, targetMs);
      expect(r?.key, JSON.stringify(r)).toBeDefined();
      expect(r!.key!.offset).toBe(want.at);
      expect(r!.key!.time).toBe(want.time);
      expect(r!.key!.clusterTimestamp).toBe(want.cluster);
      // Seek there once output has started, and compare with the whole run.
      const first = list[1]!.at;
      const engine2 = await Engine.create({ output: 'muxed' });
      const out: Uint8Array[] = [];
      const take = (events: ReturnType<Engine['push']>) => {
        for (const e of events) if (e.type === 'init' || e.type === 'fragment') out.push(e.data.slice());
      };
      take(engine2.push(data.subarray(0, first + 1)));
      expect(engine2.seek(want.at, want.cluster)).toBe(true);
      out.length = 0;
      take(engine2.push(data.subarray(want.at)));
      take(engine2.flush());
      const seeked = samples(new Uint8Array(Buffer.concat(out)));
      const whole = samples(await remux([data]));
      const video = seeked.get('vide')!;
      const allVideo = whole.get('vide')!;
      const start = allVideo.findIndex((s) => s.hex === video[0]!.hex && s.dts === video[0]!.dts);
      expect(start, 'the first video sample after the seek is the keyframe, as in the whole run').toBeGreaterThan(0);
      expect(video).toEqual(allVideo.slice(start));
      // Audio: every frame from the keyframe's block on, on the same times (the blocks before it in its Cluster are
      // not read).
      const audio = seeked.get('soun')!;
      const allAudio = whole.get('soun')!;
      const a = allAudio.findIndex((s) => s.hex === audio[0]!.hex && s.dts === audio[0]!.dts);
      expect(a).toBeGreaterThan(0);
      expect(audio).toEqual(allAudio.slice(a));
    }
  });
});
