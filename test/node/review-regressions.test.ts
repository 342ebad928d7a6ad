// Regressions for the fixes of the code review (commits 474fb84 and 530fbd5), one describe per fix. Each case is built
// so that the behaviour before the fix fails it. Output is judged with tools that share no code with weir: the box
// walker (test/helpers/fmp4.ts on isobmff.ts), the TS reader and writer (ts-walk.ts, ts-mux.ts), ffprobe and ffmpeg.
// Extra media is generated with ffmpeg into a temporary folder; ffmpeg is required (a missing ffmpeg fails the run).
//
// Six cases first showed a fix to be incomplete (an audio frame overlapping by less than half a frame after a splice,
// a gap after the frame before it was written, a loss of exactly 15 packets taken for a duplicate, a continuity gap
// between two PES, a packet-size skip spanning calls, a chunk-dependent error offset); the core was fixed after them.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent, type OutputMode, type WeirError } from '../../engine/index.js';
import { decodeErrors, framemd5, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { type Mp4Sample, type Mp4Track, readFmp4, splitByTrack, trackOf } from '../helpers/fmp4.js';
import { fixturePath } from '../helpers/media.js';
import { type Chunking, describeProblems, prng, type RunResult, runEngine, sha1 } from '../helpers/run-engine.js';
import { type EsPacket, type MuxOptions, muxTs } from '../helpers/ts-mux.js';
import { ADTS_RATES, nalUnits, pidsOf, readAdts, walkTs } from '../helpers/ts-walk.js';

const PACKET = 188;
const BASELINE = 'ts-h264-baseline-aac.ts';
const START_10H = 'ts-h264-aac-start-10h.ts';
const BFRAMES = 'ts-h264-high-bframes-aac.ts';
const AAC_ONLY = 'ts-aac-only.ts';

let tmp: string;
beforeAll(() => {
  requireFfmpeg();
  tmp = mkdtempSync(join(tmpdir(), 'weir-review-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The input without the byte ranges [start, end). */
function cut(data: Uint8Array, ranges: [number, number][]): Uint8Array {
  const keep: Uint8Array[] = [];
  let o = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    keep.push(data.subarray(o, start));
    o = end;
  }
  keep.push(data.subarray(o));
  return concat(...keep);
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** ffprobe's packet count of the first stream of a kind. */
function countPackets(path: string, kind: 'v' | 'a'): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-select_streams', `${kind}:0`, '-count_packets', '-show_entries', 'stream=nb_read_packets', path],
    { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const m = /nb_read_packets=(\d+)/.exec(out);
  if (!m) throw new Error(`ffprobe counted no ${kind} packets in ${path}: ${out}`);
  return Number(m[1]);
}

function codes(list: WeirError[]): string[] {
  return list.map((e) => e.codeName);
}

/** The tracks of weir's output (one muxed file, or each track's init segment followed by its fragments). */
function outputTracks(r: RunResult, mode: OutputMode): Mp4Track[] {
  if (mode === 'muxed') return readFmp4(r.output);
  return [...splitByTrack(r.output, r.segments).values()].flatMap((bytes) => readFmp4(bytes));
}

/** The fragments whose tfdt is not the previous tfdt plus the previous fragment's durations (empty: continuous). */
function timelineBreaks(t: Mp4Track): string[] {
  const breaks: string[] = [];
  for (let i = 1; i < t.runs.length; i++) {
    const expected = t.runs[i - 1]!.tfdt + t.runs[i - 1]!.duration;
    if (t.runs[i]!.tfdt !== expected) breaks.push(`${t.handler} fragment ${i}: tfdt ${t.runs[i]!.tfdt} != ${expected}`);
  }
  return breaks;
}

/** One byte stream per output stream, written to files ffmpeg can read: `<stem>.mp4` or `<stem>-<track>.mp4`. */
function writeOutput(r: RunResult, mode: OutputMode, stem: string): string[] {
  if (mode === 'muxed') return [writeTmp(`${stem}.mp4`, r.output)];
  return [...splitByTrack(r.output, r.segments)].map(([track, bytes]) => writeTmp(`${stem}-${track}.mp4`, bytes));
}

const key = (b: Uint8Array): string => sha1(b);
/** The AAC-LC stereo silent frame that takes the place of each lost frame (wasm/codecs/silence.ts). */
const SILENT = key(Uint8Array.from(Buffer.from('2000000000000e', 'hex')));

/** A video access unit of the input: its times (90 kHz) and the sample weir must write for it (4-byte lengths). */
interface AccessUnit {
  pts: number;
  dts: number;
  /** Byte offset of the packet that starts its PES. */
  offset: number;
  sample: Uint8Array;
}

/** Every video PES of the input as one access unit (the fixtures carry one per PES). */
function accessUnits(data: Uint8Array): AccessUnit[] {
  const ts = walkTs(data);
  const pid = pidsOf(ts).video!;
  return ts.pes
    .filter((p) => p.pid === pid)
    .map((p) => {
      const nals = nalUnits(p.payload);
      const sample = new Uint8Array(nals.reduce((n, x) => n + 4 + x.length, 0));
      const view = new DataView(sample.buffer);
      let o = 0;
      for (const nal of nals) {
        view.setUint32(o, nal.length);
        sample.set(nal, o + 4);
        o += 4 + nal.length;
      }
      return { pts: p.pts!, dts: p.dts ?? p.pts!, offset: p.offset, sample };
    });
}

/** An ADTS frame of the input: the whole frame, its raw_data_block (what an MP4 sample holds) and its PTS. */
interface AdtsFrame {
  frame: Uint8Array;
  raw: Uint8Array;
  /** 90 kHz: the PTS of its PES if it is the first frame starting there, else the previous frame's + 1024 samples. */
  pts: number;
  /** Index of the audio PES it starts in. */
  pes: number;
}

/** The ADTS frames of the input's audio PID, across PES boundaries. */
function adtsFrames(data: Uint8Array): AdtsFrame[] {
  const ts = walkTs(data);
  const pid = pidsOf(ts).audio!;
  const pes = ts.pes.filter((p) => p.pid === pid);
  const stream = concat(...pes.map((p) => p.payload));
  const starts: number[] = [];
  let at = 0;
  for (const p of pes) {
    starts.push(at);
    at += p.payload.length;
  }
  const frames: AdtsFrame[] = [];
  let o = 0;
  let j = 0;
  let lastPes = -1;
  while (o < stream.length) {
    const h = readAdts(stream, o);
    if (!h) throw new Error(`adtsFrames: no ADTS header at ${o}`);
    while (j + 1 < pes.length && starts[j + 1]! <= o) j++;
    const step = (1024 * 90000) / ADTS_RATES[h.rateIndex]!;
    const pts = j !== lastPes && pes[j]!.pts !== undefined ? pes[j]!.pts! : frames.at(-1)!.pts + step;
    lastPes = j;
    frames.push({
      frame: stream.subarray(o, o + h.frameLength),
      raw: stream.subarray(o + h.headerLength, o + h.frameLength),
      pts,
      pes: j,
    });
    o += h.frameLength;
  }
  return frames;
}

/** The transport packets of a clean 188-byte stream: PID and payload_unit_start_indicator. */
function packets(data: Uint8Array): { pid: number; pusi: boolean }[] {
  const list: { pid: number; pusi: boolean }[] = [];
  for (let o = 0; o + PACKET <= data.length; o += PACKET) {
    if (data[o] !== 0x47) throw new Error(`no sync byte at ${o}`);
    list.push({ pid: ((data[o + 1]! & 0x1f) << 8) | data[o + 2]!, pusi: (data[o + 1]! & 0x40) !== 0 });
  }
  return list;
}

/** Packet indices of each PES of a PID (from one payload_unit_start_indicator to the next). */
function pesPackets(data: Uint8Array, pid: number): number[][] {
  const groups: number[][] = [];
  packets(data).forEach((p, i) => {
    if (p.pid !== pid) return;
    if (p.pusi) groups.push([]);
    groups.at(-1)?.push(i);
  });
  return groups;
}

const packetRange = (i: number): [number, number] => [i * PACKET, (i + 1) * PACKET];

/** Seconds of a sample's presentation (video: dts + composition offset) in its track. */
const seconds = (t: Mp4Track, s: Mp4Sample, presentation = false): number =>
  (s.dts + (presentation ? s.cts : 0)) / t.timescale;

/** Seconds from the input's first audio or video time to the end of its last frame. */
function inputSpan(aus: AccessUnit[], frames: AdtsFrame[], rate: number): number {
  const step = aus.length > 1 ? aus[1]!.dts - aus[0]!.dts : 0;
  const end = Math.max(...aus.map((u) => u.pts + step), frames.at(-1)!.pts + (1024 * 90000) / rate);
  return (end - Math.min(aus[0]!.pts, frames[0]!.pts)) / 90000;
}

// ---------------------------------------------------------------------------------------------------------------

describe('1. a GOP larger than 13 MiB (per-track output needed twice its size before the fix)', () => {
  let path: string;
  let data: Uint8Array;

  beforeAll(() => {
    // Lossless noise: ~120 kB a frame, 130 frames in one GOP (about 15 MB), each frame far below the 8 MiB PES limit.
    path = join(tmp, 'noise-gop.ts');
    ffmpeg([
      ...['-f', 'lavfi', '-i', "nullsrc=s=320x240:r=25,geq=lum='random(1)*255':cb=128:cr=128"],
      ...['-f', 'lavfi', '-i', 'sine=f=440:r=48000'],
      ...['-t', '5.2', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '250', '-threads', '1'],
      ...['-c:a', 'aac', '-b:a', '64k', '-f', 'mpegts', path],
    ]);
    data = new Uint8Array(readFileSync(path));
  });

  it('the generated input has one GOP over 13 MiB and no frame over 8 MiB', () => {
    const video = probe(path).packets.filter((p) => p.stream_index === 0);
    expect(video.filter((p) => p.flags.includes('K')).length).toBe(1);
    const sizes = video.map((p) => Number(p.size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(13 * 1024 * 1024);
    expect(Math.max(...sizes)).toBeLessThan(8 * 1024 * 1024);
  });

  for (const mode of ['per-track', 'muxed'] as OutputMode[]) {
    it(`${mode}: completes with every frame, no OUTPUT_OVERFLOW`, async () => {
      const r = await runEngine(data, { output: mode });
      expect(r.thrown).toBeUndefined();
      expect(describeProblems(r.errors)).toEqual([]);
      const tracks = outputTracks(r, mode);
      const frames = countPackets(path, 'v');
      expect(trackOf(tracks, 'vide').samples.length).toBe(frames);
      expect(trackOf(tracks, 'soun').samples.length).toBe(countPackets(path, 'a'));
      if (mode === 'muxed') expect(countPackets(writeOutput(r, mode, 'noise-gop')[0]!, 'v')).toBe(frames);
    });
  }
});

describe('2. timestamp jumps: one continuous timeline', () => {
  const cases: [string, string, string][] = [
    ['the same file twice (4 s back)', BASELINE, BASELINE],
    ['a file followed by one 10 h later', BASELINE, START_10H],
  ];
  for (const [label, firstName, secondName] of cases) {
    describe(label, () => {
      const first = fixture(firstName);
      const second = fixture(secondName);
      const input = concat(first, second);
      const aus = [accessUnits(first), accessUnits(second)];
      const frames = [adtsFrames(first), adtsFrames(second)];

      for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
        describe(mode, () => {
          let r: RunResult;
          let v: Mp4Track;
          let a: Mp4Track;
          beforeAll(async () => {
            r = await runEngine(input, { output: mode });
            const tracks = outputTracks(r, mode);
            v = trackOf(tracks, 'vide');
            a = trackOf(tracks, 'soun');
          });

          it('no error, TIMESTAMP_JUMP reported', () => {
            expect(r.thrown).toBeUndefined();
            expect(describeProblems(r.errors)).toEqual([]);
            expect(codes(r.warnings)).toContain('TIMESTAMP_JUMP');
          });

          it("every track: tfdt = previous tfdt + the previous fragment's durations", () => {
            expect([...timelineBreaks(v), ...timelineBreaks(a)]).toEqual([]);
          });

          it("the A/V relation after the join is the source's within one audio frame; nothing lost but the splice", () => {
            // Every access unit of both files, in order. The continuity counters jump at the join, and an unbounded
            // video PES still open at a counter gap may have lost its end: the first file's last picture may go.
            const expectedVideo = [...aus[0]!, ...aus[1]!].map((u) => key(u.sample));
            if (v.samples.length === expectedVideo.length - 1 && codes(r.warnings).includes('CONTINUITY_ERROR')) {
              expectedVideo.splice(aus[0]!.length - 1, 1);
            }
            expect(v.samples.map((s) => key(s.data))).toEqual(expectedVideo);
            const v1 = v.samples[v.samples.length - aus[1]!.length]!; // the second file's first picture
            // Every audio frame of the first file, then the second file's from some frame k on (frames that would
            // overlap the first file's last ones at the splice are dropped, nothing after them).
            const n0 = frames[0]!.length;
            expect(a.samples.slice(0, n0).map((s) => key(s.data))).toEqual(frames[0]!.map((f) => key(f.raw)));
            const rest = a.samples.slice(n0).map((s) => key(s.data));
            const k = frames[1]!.length - rest.length;
            expect(k, 'audio frames dropped at the splice').toBeGreaterThanOrEqual(0);
            expect(k, 'audio frames dropped at the splice').toBeLessThanOrEqual(4);
            expect(rest).toEqual(frames[1]!.slice(k).map((f) => key(f.raw)));

            const frame = 1024 / a.timescale;
            const inRelation = (frames[1]![k]!.pts - aus[1]![0]!.pts) / 90000;
            const outRelation = seconds(a, a.samples[n0]!) - seconds(v, v1, true);
            expect(
              Math.abs(outRelation - inRelation),
              `input ${inRelation} s, output ${outRelation} s`,
            ).toBeLessThanOrEqual(frame);
            // ... and the first file's relation has not moved either.
            const inRelation0 = (frames[0]![0]!.pts - aus[0]![0]!.pts) / 90000;
            const outRelation0 = seconds(a, a.samples[0]!) - seconds(v, v.samples[0]!, true);
            expect(Math.abs(outRelation0 - inRelation0)).toBeLessThanOrEqual(frame);
          });

          it('lasts as long as the two inputs back to back, and ffmpeg decodes it without an error', () => {
            // Where the pictures join, the first file's audio after its last picture and the second's before its
            // first overlap (the sum counts them twice), and a picture lost to the counter gap may take one frame.
            const frame = 1024 / a.timescale;
            const end = (t: Mp4Track) => (t.samples.at(-1)!.dts + t.samples.at(-1)!.duration) / t.timescale;
            const start = Math.min(seconds(v, v.samples[0]!), seconds(a, a.samples[0]!));
            const span = Math.max(end(v), end(a)) - start;
            const inputs = inputSpan(aus[0]!, frames[0]!, a.timescale) + inputSpan(aus[1]!, frames[1]!, a.timescale);
            expect(span, `output ${span} s, inputs ${inputs} s`).toBeLessThanOrEqual(inputs + 1e-6);
            expect(span, `output ${span} s, inputs ${inputs} s`).toBeGreaterThanOrEqual(inputs - 0.04 - 2 * frame);
            for (const path of writeOutput(r, mode, `jump-${secondName}-${mode}`)) {
              expect(decodeErrors(path), path).toEqual([]);
            }
          });
        });
      }
    });
  }
});

describe('3. an audio PES lost inside the stream: the gap is filled with silence, later audio keeps its source time', () => {
  // Which PES is lost: the one in the middle of the file, or one that starts a fragment of the clean file's output
  // (the frame before the gap has then already gone out, in the fragment before).
  const cases: [string, number, 'middle' | 'after a cut'][] = [
    [BASELINE, 0, 'middle'],
    [AAC_ONLY, 500, 'after a cut'],
    [BASELINE, 100, 'middle'],
  ];
  for (const [name, fragmentDuration, where] of cases) {
    const fragments = fragmentDuration ? `${fragmentDuration} ms fragments` : 'default fragments';
    describe(`${name}, ${fragments}, the PES ${where === 'middle' ? 'in the middle' : 'after a fragment cut'}`, () => {
      const original = fixture(name);
      const pid = pidsOf(walkTs(original)).audio!;
      const frames = adtsFrames(original);
      const groups = pesPackets(original, pid);
      let lost: number;
      let input: Uint8Array;
      let kept: AdtsFrame[];
      let sourceTimes: number[]; // ffprobe's pts_time of every frame, the lost ones included, in seconds

      beforeAll(async () => {
        // Not a PES of 15 packets (mod 16): the continuity counter would come back to its last value (see 3b).
        const fits = (j: number) => groups[j]!.length % 16 !== 15;
        if (where === 'middle') {
          lost = Math.floor(groups.length / 2);
          while (!fits(lost)) lost++;
        } else {
          const clean = await runEngine(original, { output: 'muxed', fragmentDuration });
          const starts: number[] = []; // index of the first frame of each fragment after the first
          for (const run of trackOf(readFmp4(clean.output), 'soun').runs)
            starts.push((starts.at(-1) ?? 0) + run.samples);
          // The PES that starts at a fragment's first frame or right after it: the frame before the gap is the
          // last of the fragment before, or the first of its own (a core that holds back an audio frame across
          // cuts starts fragments one frame before a PES boundary).
          const pesAfterCut = (f: number) =>
            frames[f - 1]!.pes !== frames[f]!.pes
              ? frames[f]!.pes
              : frames[f + 1]!.pes !== frames[f]!.pes
                ? frames[f + 1]!.pes
                : -1;
          const first = starts.slice(0, -1).find((f) => pesAfterCut(f) >= 0 && fits(pesAfterCut(f)));
          if (first === undefined)
            throw new Error('no fragment of the clean output starts at or next to a PES that fits');
          lost = pesAfterCut(first);
        }
        input = cut(original, groups[lost]!.map(packetRange));
        kept = frames.filter((f) => f.pes !== lost);
        const p = probe(fixturePath(name));
        const index = p.streams.find((s) => s.codec_type === 'audio')!.index;
        const all = p.packets.filter((k) => k.stream_index === index).map((k) => Number(k.pts_time));
        expect(all.length, 'ffprobe sees the ADTS frames ts-walk sees').toBe(frames.length);
        sourceTimes = all;
      });

      for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
        it(`${mode}: every frame after the gap at its source time, the lost ones silent, the gap reported`, async () => {
          expect(kept.length).toBeLessThan(frames.length);
          const r = await runEngine(input, { output: mode, fragmentDuration });
          expect(r.thrown).toBeUndefined();
          expect(describeProblems(r.errors)).toEqual([]);
          expect(codes(r.warnings)).toContain('AUDIO_GAP_FILLED');
          const a = trackOf(outputTracks(r, mode), 'soun');
          // Each lost frame has a silent frame in its place (at its time: checked with the others below).
          expect(a.samples.map((s) => key(s.data))).toEqual(frames.map((f) => (f.pes === lost ? SILENT : key(f.raw))));
          // Each frame's time on the output timeline minus its source time is the same for all: the first frame's.
          // Allowed: a 90 kHz PTS converted to the track's timescale (one sample), and ffprobe's microseconds.
          const tolerance = 1 / a.timescale + 1 / 90000 + 2e-6;
          const shift = seconds(a, a.samples[0]!) - sourceTimes[0]!;
          const moved = a.samples
            .map((s, i) => ({ frame: i, by: seconds(a, s) - sourceTimes[i]! - shift }))
            .filter((x) => Math.abs(x.by) > tolerance);
          expect(moved).toEqual([]);
        });

        it(`${mode}: the audio track's tfdt chain has no hole`, async () => {
          const r = await runEngine(input, { output: mode, fragmentDuration });
          expect(timelineBreaks(trackOf(outputTracks(r, mode), 'soun'))).toEqual([]);
        });
      }
    });
  }
});

describe('3b. 15 packets of a PID lost: the next packet has the counter of the last one, but is no duplicate', () => {
  // 13818-1 2.4.3.3: a duplicate packet repeats every byte of the one before (the PCR aside). After a loss of 15
  // packets (mod 16), the next packet carries the same continuity_counter as the last one received, and weir
  // takes it for a duplicate without looking at it: here it is the first packet of the next audio PES, so that
  // whole PES is lost too, and no CONTINUITY_ERROR is reported for either loss.
  const original = fixture(AAC_ONLY);
  const pid = pidsOf(walkTs(original)).audio!;
  const frames = adtsFrames(original);
  const groups = pesPackets(original, pid);
  let lost = Math.floor(groups.length / 2);
  while (groups[lost]!.length !== 15) lost++;

  it('an audio PES of 15 packets lost: only its frames are missing (silent in their place), and the gap is reported', async () => {
    const r = await runEngine(cut(original, groups[lost]!.map(packetRange)), { output: 'muxed' });
    expect(describeProblems(r.errors)).toEqual([]);
    expect(codes(r.warnings)).toContain('CONTINUITY_ERROR');
    const out = trackOf(readFmp4(r.output), 'soun').samples.map((s) => key(s.data));
    expect(out).toEqual(frames.map((f) => (f.pes === lost ? SILENT : key(f.raw))));
  });
});

describe('4. an ADTS frame cut by a PES boundary is not completed across a lost or damaged PES', () => {
  // The frames of ts-aac-only.ts rewritten in PES of 1000 bytes, so that nearly every PES ends inside a frame
  // (13818-1 2.4.3.7: the PTS is that of the first frame starting in the PES).
  const original = fixture(AAC_ONLY);
  const pid = pidsOf(walkTs(original)).audio!;
  const frames = adtsFrames(original);
  const stream = concat(...frames.map((f) => f.frame));
  const starts: number[] = [];
  frames.reduce((o, f) => {
    starts.push(o);
    return o + f.frame.length;
  }, 0);
  const SIZE = 1000;
  const pes: EsPacket[] = [];
  for (let o = 0, i = 0; o < stream.length; o += SIZE) {
    while (i < frames.length && starts[i]! < o) i++;
    const first = i < frames.length && starts[i]! < o + SIZE ? frames[i] : undefined;
    pes.push({ pid, streamId: 0xc0, ...(first ? { pts: first.pts } : {}), payload: stream.subarray(o, o + SIZE) });
  }
  const rebuilt = muxTs(pes, { streams: [[0x0f, pid]] });
  const groups = pesPackets(rebuilt, pid);
  // PES n ends inside a frame, which PES n+1 completes; PES n+1 spans several packets.
  let n = Math.floor(groups.length / 2);
  while (starts.includes(SIZE * (n + 1)) || groups[n + 1]!.length < 4) n++;

  it('the rewritten stream gives every frame, without a warning', async () => {
    const r = await runEngine(rebuilt, { output: 'muxed' });
    expect(describeProblems(r.errors)).toEqual([]);
    expect(describeProblems(r.warnings)).toEqual([]);
    expect(trackOf(readFmp4(r.output), 'soun').samples.map((s) => key(s.data))).toEqual(frames.map((f) => key(f.raw)));
  });

  // Payload bytes of the transport packet with index i (after its header and adaptation field).
  const payloadBytes = (i: number) => {
    const o = i * PACKET;
    const afc = (rebuilt[o + 3]! >> 4) & 3;
    return afc & 1 ? PACKET - 4 - (afc & 2 ? 1 + rebuilt[o + 4]! : 0) : 0;
  };
  // A damaged PES keeps the frames complete before the damage (those after it have no time): with its third
  // packet lost, the ES bytes of its first two packets (after the PES header) are intact.
  const firstOfNext = groups[n + 1]![0]! * PACKET;
  const pesStart = firstOfNext + PACKET - payloadBytes(groups[n + 1]![0]!);
  const pesHeader = 9 + rebuilt[pesStart + 8]!;
  const intactBeforeThird = payloadBytes(groups[n + 1]![0]!) + payloadBytes(groups[n + 1]![1]!) - pesHeader;
  const lose = (packets: number[]) => () => cut(rebuilt, packets.map(packetRange));
  // The first packet of the next PES with transport_scrambling_control '10' (13818-1 2.4.3.2, Table 2-4): its
  // header is in the clear, its payload is not, so the whole PES is unreadable although no packet is missing.
  // Found by the fuzz harness (known bug adts-damaged-length-sample): the frame cut by the boundary was completed
  // with the bytes of the PES after the scrambled one.
  const scrambleFirstOfNext = () => {
    const out = rebuilt.slice();
    out[firstOfNext + 3] = (out[firstOfNext + 3]! & 0x3f) | 0x80;
    return out;
  };
  const variants: [string, () => Uint8Array, number, string][] = [
    [
      'a packet inside the next PES lost (the next PES is damaged)',
      lose([groups[n + 1]![2]!]),
      intactBeforeThird,
      'CONTINUITY_ERROR',
    ],
    ['the next PES lost whole', lose(groups[n + 1]!), 0, 'CONTINUITY_ERROR'],
    ['the first packet of the next PES lost', lose([groups[n + 1]![0]!]), 0, 'CONTINUITY_ERROR'],
    ['the first packet of the next PES scrambled', scrambleFirstOfNext, 0, 'AUDIO_GAP_FILLED'],
  ];
  for (const [label, input, intact, warning] of variants) {
    const lost = (f: number) =>
      starts[f]! < SIZE * (n + 2) && starts[f]! + frames[f]!.frame.length > SIZE * (n + 1) + intact;
    // A lost frame has a silent frame in its place.
    const kept = frames.map((f, i) => (lost(i) ? SILENT : key(f.raw)));
    it(`${label}: every output frame is an input frame, byte for byte, or silence; only frames it touched are lost`, async () => {
      const r = await runEngine(input(), { output: 'muxed' });
      expect(describeProblems(r.errors)).toEqual([]);
      expect(codes(r.warnings)).toContain(warning);
      const out = trackOf(readFmp4(r.output), 'soun').samples.map((s) => key(s.data));
      const inputFrames = new Set([...frames.map((f) => key(f.raw)), SILENT]);
      expect(
        out.map((k, i) => (inputFrames.has(k) ? -1 : i)).filter((i) => i >= 0),
        'corrupt samples',
      ).toEqual([]);
      expect(out).toEqual(kept);
    });
  }
});

describe('5. a packet cut short costs only its access unit', () => {
  const original = fixture(BASELINE);
  const list = packets(original);
  const { video, audio } = pidsOf(walkTs(original));
  const aus = accessUnits(original);
  const frames = adtsFrames(original);
  const inPes = (i: number) => list[i]!.pid === video && !list[i]!.pusi;
  const variants: [string, (i: number) => boolean][] = [
    // The packet after it (swallowed by the resynchronisation) is PSI: nothing else is lost, and no counter of the
    // video PID shows the damage.
    ['followed by a PAT/PMT/SDT packet', (i) => inPes(i) && list[i + 1]!.pid !== video && list[i + 1]!.pid !== audio],
    ['followed by more packets of its PES', (i) => inPes(i) && inPes(i + 1) && inPes(i + 2)],
  ];
  for (const [label, fits] of variants) {
    it(`${label}: SYNC_LOST, that access unit dropped, every other picture and audio frame kept`, async () => {
      let at = Math.floor(list.length / 4);
      while (!fits(at)) at++;
      const damaged = aus.filter((u) => u.offset <= at * PACKET).length - 1;
      // 50 bytes removed from the middle of packet `at`.
      const input = cut(original, [[at * PACKET + 100, at * PACKET + 150]]);
      for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
        const r = await runEngine(input, { output: mode });
        expect(describeProblems(r.errors)).toEqual([]);
        expect(codes(r.warnings)).toContain('SYNC_LOST');
        const tracks = outputTracks(r, mode);
        const pictures = trackOf(tracks, 'vide').samples.map((s) => key(s.data));
        expect(pictures).toEqual(aus.filter((_, i) => i !== damaged).map((u) => key(u.sample)));
        expect(trackOf(tracks, 'soun').samples.map((s) => key(s.data))).toEqual(frames.map((f) => key(f.raw)));
      }
    });
  }
});

describe('6. 192-byte (M2TS) and 204-byte packets: the same output as 188, whatever the chunking', () => {
  const original = fixture(BASELINE);
  const random = prng(204);
  /** Each 188-byte packet with `before` bytes ahead of it and `after` bytes behind it, from `fill(packet index)`. */
  const repack = (before: number, after: number, fill: (i: number) => Uint8Array): Uint8Array => {
    const n = original.length / PACKET;
    const stride = before + PACKET + after;
    const out = new Uint8Array(n * stride);
    for (let i = 0; i < n; i++) {
      const extra = fill(i);
      out.set(extra.subarray(0, before), i * stride);
      out.set(original.subarray(i * PACKET, (i + 1) * PACKET), i * stride + before);
      out.set(extra.subarray(before), i * stride + before + PACKET);
    }
    return out;
  };
  const inputs: [string, Uint8Array, number][] = [
    // TP_extra_header: copy_permission_indicator (2 bits) and a 27 MHz arrival_time_stamp (30 bits).
    [
      'M2TS (4-byte TP_extra_header)',
      repack(4, 0, (i) => {
        const ats = (i * 7993) & 0x3fffffff;
        return Uint8Array.of(ats >>> 24, (ats >> 16) & 0xff, (ats >> 8) & 0xff, ats & 0xff);
      }),
      192,
    ],
    ['204-byte, 16 zero bytes', repack(0, 16, () => new Uint8Array(16)), 204],
    [
      '204-byte, 16 Reed-Solomon-like bytes',
      repack(0, 16, () => Uint8Array.from({ length: 16 }, () => random() * 256)),
      204,
    ],
  ];
  const chunkings: [string, Chunking | undefined][] = [
    ['whole', undefined],
    ['1-byte', 1],
    ['7-byte', 7],
    ['191-byte', 191],
  ];
  for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
    describe(mode, () => {
      let reference: RunResult;
      beforeAll(async () => {
        reference = await runEngine(original, { output: mode });
      });
      for (const [label, data] of inputs) {
        for (const [chunkLabel, chunking] of chunkings) {
          it(`${label}, ${chunkLabel} chunks: byte-identical to the 188-byte input's`, async () => {
            expect(reference.errors).toEqual([]);
            expect(reference.output.length).toBeGreaterThan(0);
            const r = await runEngine(data, { output: mode }, chunking);
            expect(describeProblems(r.errors)).toEqual([]);
            expect(describeProblems(r.warnings)).toEqual(describeProblems(reference.warnings));
            expect(r.segments).toEqual(reference.segments);
            expect(sha1(r.output)).toBe(sha1(reference.output));
          });
        }
      }
    });
  }
});

/** `n` seeded random bytes without a single 0x47, so that no packet structure can be found in them by chance. */
function noise(n: number, seed: number): Uint8Array {
  const next = prng(seed);
  return Uint8Array.from({ length: n }, () => {
    const b = Math.floor(next() * 256);
    return b === 0x47 ? 0x46 : b;
  });
}

describe('7. "not MPEG-TS" does not depend on the chunking', () => {
  const original = fixture(BASELINE);
  const chunkings: [string, Chunking | undefined][] = [
    ['whole', undefined],
    ['64 KiB', 65536],
    ['1000-byte', 1000],
  ];
  const digest = (r: RunResult) => ({
    output: sha1(r.output),
    segments: r.segments,
    warnings: describeProblems(r.warnings),
    errors: describeProblems(r.errors),
  });

  const withoutOffset = (d: ReturnType<typeof digest>) => ({
    ...d,
    errors: d.errors.map((e) => e.replace(/@\S+/, '@')),
  });
  let noisy: ReturnType<typeof digest>[];
  beforeAll(async () => {
    const input = concat(noise(1_100_000, 7), original);
    noisy = [];
    for (const [, chunking] of chunkings) noisy.push(digest(await runEngine(input, { output: 'muxed' }, chunking)));
  });

  it('1.1 MB of noise, then a TS file: NOT_MPEG_TS and no output in every chunking', () => {
    expect(noisy[0]!.errors.map((e) => e.split('@')[0])).toEqual(['NOT_MPEG_TS']);
    expect(noisy[0]!.segments).toEqual([]);
    for (let i = 1; i < noisy.length; i++)
      expect(withoutOffset(noisy[i]!), chunkings[i]![0]).toEqual(withoutOffset(noisy[0]!));
  });

  it('... and the same byte offset on that error in every chunking', () => {
    for (let i = 1; i < noisy.length; i++) expect(noisy[i], chunkings[i]![0]).toEqual(noisy[0]);
  });

  it('1.0 MB of noise (under the 1 MiB limit), then a TS file: the file plays, the same in every chunking', async () => {
    const input = concat(noise(1_000_000, 8), original);
    const plain = await runEngine(original, { output: 'muxed' });
    const results = [];
    for (const [, chunking] of chunkings) results.push(digest(await runEngine(input, { output: 'muxed' }, chunking)));
    expect(results[0]!.errors).toEqual([]);
    expect(results[0]!.warnings.map((e) => e.split('@')[0])).toEqual(['SYNC_LOST']);
    expect(results[0]!.output).toBe(sha1(plain.output));
    for (let i = 1; i < results.length; i++) expect(results[i], chunkings[i]![0]).toEqual(results[0]);
  });
});

describe('8. after a fatal error, every call reports that same error; reset() starts again', () => {
  /** The output bytes of some events (copied: views into the core's memory change with the next call). */
  const collect = (parts: Uint8Array[], events: EngineEvent[]) => {
    for (const e of events) if (e.type === 'init' || e.type === 'fragment') parts.push(e.data.slice());
    return events;
  };
  const errorsOf = (events: EngineEvent[]) =>
    events.flatMap((e) => (e.type === 'error' ? [`${e.error.codeName}: ${e.error.message}`] : []));

  const cases: [string, (engine: Engine) => EngineEvent[], string][] = [
    ['NOT_MPEG_TS from push', (engine) => engine.push(noise(1_100_000, 9)), 'NOT_MPEG_TS'],
    ['EMPTY_INPUT from flush', (engine) => engine.flush(), 'EMPTY_INPUT'],
  ];
  for (const [label, fail, code] of cases) {
    it(label, async () => {
      const original = fixture(BASELINE);
      const engine = await Engine.create({ output: 'muxed' });
      const first = errorsOf(fail(engine));
      expect(first.length).toBe(1);
      expect(first[0]).toMatch(new RegExp(`^${code}`));
      for (const later of [
        engine.push(original),
        engine.flush(),
        engine.push(original.subarray(0, 188)),
        engine.flush(),
      ]) {
        expect(later.map((e) => e.type)).toEqual(['error']);
        expect(errorsOf(later)).toEqual(first);
      }
      engine.reset();
      const parts: Uint8Array[] = [];
      const events = [...collect(parts, engine.push(original)), ...collect(parts, engine.flush())];
      expect(errorsOf(events)).toEqual([]);
      const plain = await runEngine(original, { output: 'muxed' });
      expect(sha1(concat(...parts))).toBe(sha1(plain.output));
    });
  }
});

describe('9. a video access unit split over several PES, only the first with a PTS', () => {
  for (const name of [BASELINE, BFRAMES]) {
    it(`${name}: as many samples as access units, the same decoded pictures (framemd5), no warning`, async () => {
      const original = fixture(name);
      const ts = walkTs(original);
      const { video, audio } = pidsOf(ts);
      const pes: EsPacket[] = [];
      const whole: EsPacket[] = [];
      let units = 0;
      for (const p of ts.pes) {
        const times = {
          ...(p.pts !== undefined ? { pts: p.pts } : {}),
          ...(p.dts !== undefined ? { dts: p.dts } : {}),
        };
        whole.push({ pid: p.pid, streamId: p.pid === video ? 0xe0 : 0xc0, ...times, payload: p.payload });
        if (p.pid !== video) {
          pes.push(whole.at(-1)!);
          continue;
        }
        // 2 or 3 pieces (more if a piece would not fit a bounded PES), cut anywhere: inside NAL units too.
        const k = Math.max(2 + (units % 2), Math.ceil(p.payload.length / 60000));
        for (let j = 0; j < k; j++) {
          const piece = p.payload.subarray(
            Math.floor((p.payload.length * j) / k),
            Math.floor((p.payload.length * (j + 1)) / k),
          );
          pes.push({ pid: video!, streamId: 0xe0, ...(j === 0 ? times : {}), payload: piece });
        }
        units++;
      }
      const options: MuxOptions = {
        streams: [
          [0x1b, video!],
          [0x0f, audio!],
        ],
        boundedVideo: true,
      };
      const input = muxTs(pes, options);
      expect(walkTs(input).pes.filter((p) => p.pid === video && p.pts === undefined).length).toBeGreaterThan(units);
      const r = await runEngine(input, { output: 'muxed' });
      expect(describeProblems(r.errors)).toEqual([]);
      expect(describeProblems(r.warnings)).toEqual([]);
      const samples = trackOf(readFmp4(r.output), 'vide').samples;
      expect(samples.length).toBe(units);
      expect(samples.map((s) => key(s.data))).toEqual(accessUnits(original).map((u) => key(u.sample)));
      const out = writeOutput(r, 'muxed', `split-${name}`)[0]!;
      expect(framemd5(out, 'v').map((h) => h.hash)).toEqual(framemd5(fixturePath(name), 'v').map((h) => h.hash));
      // The same access units with the same times: the same file as for the access units in one PES each.
      expect(sha1(r.output)).toBe(sha1((await runEngine(muxTs(whole, options), { output: 'muxed' })).output));
    });
  }
});

describe('10. the per-call event and output budget: 1 ms fragments of low-bitrate audio', () => {
  let path: string;
  let data: Uint8Array;
  let bigPath: string;
  let bigPes: Uint8Array;
  beforeAll(() => {
    // 300 s of 24 kbit/s AAC as ffmpeg muxes it: ~14000 frames of ~65 bytes, 1 ms fragments: one per PES.
    path = join(tmp, 'aac-24k-300s.ts');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=300', '-c:a', 'aac', '-b:a', '24k', '-f', 'mpegts', path]);
    data = new Uint8Array(readFileSync(path));
    // 120 s of a quiet tone in 12 kbit/s AAC (~38-byte frames) rewritten in PES of 1450 frames, each completed by one transport
    // packet. Before the fix every frame was a cut of its own: a call that had taken two such PES (~2900 events,
    // under the 3072 at which it stops taking packets) took the third and had more events than room (4096).
    const source = join(tmp, 'aac-12k-120s.ts');
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:r=48000:d=120,volume=0.01',
      '-c:a',
      'aac',
      '-b:a',
      '12k',
      '-f',
      'mpegts',
      source,
    ]);
    const small = new Uint8Array(readFileSync(source));
    const pid = pidsOf(walkTs(small)).audio!;
    const frames = adtsFrames(small);
    const pes: EsPacket[] = [];
    for (let i = 0; i < frames.length; i += 1450) {
      const group = frames.slice(i, i + 1450);
      pes.push({ pid, streamId: 0xc0, pts: group[0]!.pts, payload: concat(...group.map((f) => f.frame)) });
    }
    expect(pes.length, 'PES of 1450 frames').toBeGreaterThan(3);
    bigPes = muxTs(pes, { streams: [[0x0f, pid]] });
    bigPath = writeTmp('aac-12k-big-pes.ts', bigPes);
  });

  for (const mode of ['per-track', 'muxed'] as OutputMode[]) {
    for (const [label, input] of [
      ['ffmpeg-muxed 24 kbit/s, 300 s', () => [path, data]],
      ['12 kbit/s in PES of 1450 frames', () => [bigPath, bigPes]],
    ] as [string, () => [string, Uint8Array]][]) {
      it(`${mode}, ${label}: pushed whole = pushed in 188-byte chunks, and every audio frame is there`, async () => {
        const [file, bytes] = input();
        const whole = await runEngine(bytes, { output: mode, fragmentDuration: 1 });
        const chunked = await runEngine(bytes, { output: mode, fragmentDuration: 1 }, 188);
        expect(describeProblems(whole.errors)).toEqual([]);
        expect(describeProblems(whole.warnings)).toEqual([]);
        expect(whole.segments).toEqual(chunked.segments);
        expect(sha1(whole.output)).toBe(sha1(chunked.output));
        const a = trackOf(outputTracks(whole, mode), 'soun');
        expect(a.samples.length).toBe(countPackets(file, 'a'));
        expect(a.samples.map((s) => key(s.data))).toEqual(adtsFrames(bytes).map((f) => key(f.raw)));
      });
    }
  }
});
