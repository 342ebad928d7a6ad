// Audio gaps are filled with silent frames (DESIGN.md §3: "gaps are repaired and reported (silent audio frames...)";
// wasm/remux/audio-gap.ts, wasm/codecs/silence.ts, wasm/codecs/ac3-silence.ts). Judged on the damaged fixtures
// ts-h264-aac-gap.ts and ts-h264-ac3-gap.ts against the clean ts-h264-baseline-aac.ts and ts-h264-ac3.ts they were
// made from, and on variants made here by removing every packet of a run of three audio PES from the middle of a
// clean fixture, for every codec of MPEG-TS audio (AAC in ADTS and in LATM, MP2, MP3, AC-3, E-AC-3 5.1, Opus stereo
// and 5.1):
//
// - one AUDIO_GAP_FILLED warning on the audio track, detail = the frames inserted, and no TIMESTAMP_JUMP;
// - the audio samples are the clean remux's, byte for byte and at the same decode times and durations, except one
//   run of exactly `detail` consecutive samples, which are the codec's silent frame (bytes written out below from
//   the specs), where the frames lost were: so the sample count is the real frames kept plus the frames filled,
//   and the run starts where the first removed PES did;
// - ffmpeg decodes the file without an error line; the PCM over the gap (past its first frame, which carries the
//   decoder's overlap with the frame before) is digital silence (±1), before the gap it is the clean file's, sample
//   for sample, and after it (past its first frame) it is the clean file's within what decoder state explains;
// - first and last PTS of each stream (ffprobe) are the clean remux's, and the audio/video start offset is the
//   source's; each track's tfdt chain is exact.
//
// And the fuzz harness's rule for those samples (test/fuzz/fmp4-check.mjs checkFills): the reported fills are
// accepted, and the same output without a report, with a wrong count, or with a silent frame's byte changed fails.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../engine/codes.js';
import { Engine, type OutputMode } from '../../engine/index.js';
import { ac3SilentFrame } from '../fuzz/ac3-silence.mjs';
import { checkOutput } from '../fuzz/run-case.mjs';
import { decodeErrors, decodePcm, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { type Mp4Sample, type Mp4Track, readFmp4, trackOf } from '../helpers/fmp4.js';
import { fixturePath, readSummary } from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';
import { walkTs } from '../helpers/ts-walk.js';

let tmp: string;
beforeAll(() => {
  requireFfmpeg();
  tmp = mkdtempSync(join(tmpdir(), 'weir-silence-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ''), 'hex'));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/**
 * The silent frames, written out by hand from the specs (the core builds them in wasm/codecs/silence.ts):
 * - AAC stereo (14496-3 4.4.2.1): CPE (id_syn_ele 1, element_instance_tag 0, common_window 0), two
 *   individual_channel_streams of 22 zero bits (global_gain 0, ics_info with ONLY_LONG and max_sfb 0, no pulse, TNS
 *   or gain control), ID_END (111), byte alignment: 55 bits.
 * - Opus (RFC 6716): TOC 0xFC (config 31: CELT-only FB 20 ms, stereo, one frame), then ff fe: the range decoder's
 *   first symbol, the silence flag, is 1. 5.1 (RFC 7845 family 1: 4 streams, 2 coupled): the coupled streams
 *   first, every stream but the last self-delimited (Appendix B: a length byte after the TOC).
 * - MPEG audio: the header of the track's frame after the gap without CRC or padding, then zeros to the length that
 *   header gives (no allocation / no main data: silence).
 * - AC-3 and E-AC-3: the sync frame test/fuzz/ac3-silence.mjs derives from the specs for the track's frame after the
 *   gap (its size and configuration, no mantissa coded, both CRCs right; test/node/ac3-silence.test.ts decodes it).
 */
const AAC_STEREO = hex('20 00 00 00 00 00 0e');
const OPUS_STEREO = hex('fc ff fe');
const OPUS_51 = hex('fc 02 ff fe fc 02 ff fe f8 02 ff fe f8 ff fe');

/** An MPEG audio frame is the silent frame for its track: a CRC-less, unpadded header, then zeros (11172-3 2.4). */
function mpegAudioSilence(next: Uint8Array): Uint8Array {
  const kbps = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384]; // MPEG-1 layer II
  const kbps3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]; // MPEG-1 layer III
  const layer3 = ((next[1]! >> 1) & 3) === 1;
  const rate = [44100, 48000, 32000][(next[2]! >> 2) & 3]!;
  const length = Math.floor((144 * (layer3 ? kbps3 : kbps)[next[2]! >> 4]! * 1000) / rate);
  const frame = new Uint8Array(length);
  frame.set([0xff, next[1]! | 1, next[2]! & 0xfd, next[3]!]);
  return frame;
}

interface Case {
  /** The clean fixture and the damaged input. */
  clean: string;
  damaged: () => { input: Uint8Array; firstLostPts: number };
  /** Samples per frame (the silent frame's duration too) and the track's timescale. */
  frame: number;
  silent: (next: Uint8Array) => Uint8Array | null;
  /** PCM: channels, samples the decoder drops at the start (Opus pre-skip), and the tolerance after the gap. */
  channels: number;
  skip: number;
  after: { settle: number; tolerance: number; why: string };
}

/**
 * The clean fixture without every transport packet of `count` audio PES from its middle (the continuity counter
 * shows the loss unless it is a multiple of 16 packets: the fill does not depend on it).
 */
function withoutAudioPes(name: string, count = 3): () => { input: Uint8Array; firstLostPts: number } {
  return () => {
    const data = new Uint8Array(readFileSync(fixturePath(name)));
    const ts = walkTs(data);
    const pid = readSummary(fixturePath(name)).tracks.find((t) => t.kind === 'audio')!.pid;
    const audio = ts.pes.filter((p) => p.pid === pid);
    const first = Math.floor(audio.length / 2);
    const lost = new Set(audio.slice(first, first + count).flatMap((p) => p.packets.map((k) => k.offset)));
    const kept: Uint8Array[] = [];
    for (let o = 0; o < data.length; o += ts.packetSize)
      if (!lost.has(o)) kept.push(data.subarray(o, o + ts.packetSize));
    return { input: Buffer.concat(kept), firstLostPts: audio[first]!.pts! };
  };
}

/** A gap fixture: its first audio frame lost belongs to the PES the removed run began in. */
const gapFixture = (name: string) => (): { input: Uint8Array; firstLostPts: number } => {
  const summary = readSummary(fixturePath(name));
  if (summary.damage?.kind !== 'dropped-packets') throw new Error(`${name}: not dropped packets`);
  const source = walkTs(new Uint8Array(readFileSync(fixturePath(summary.damage.source))));
  const pid = summary.tracks.find((t) => t.kind === 'audio')!.pid;
  const run = summary.damage.runs.find((r) => r.pid === pid)!;
  const hit = source.pes.find((p) => p.pid === pid && p.packets.some((k) => k.pidPacketIndex === run.pidPacketIndex))!;
  // The frames of the hit PES complete before the run are kept: the first lost one starts later than its PTS.
  return { input: new Uint8Array(readFileSync(fixturePath(name))), firstLostPts: hit.pts! };
};

// After the gap the AAC decode differs from the clean one by a few LSB where the encoder used perceptual noise
// substitution (14496-3 4.6.13: the decoder makes the noise from a generator that the silent frames, coding no band,
// do not advance): up to 126 (-48 dBFS) in the beep of the test signal, ±1 elsewhere.
const aacAfter = { settle: 1, tolerance: 128, why: 'perceptual noise substitution (the decoder’s noise generator)' };
const exactAfter = { settle: 1, tolerance: 1, why: 'the frame after the gap overlaps the silence' };
// AC-3 and E-AC-3 carry nothing from frame to frame but the transform's overlap (A/52 §7.9) and the decoder's dither
// generator (§7.3.4: noise in place of mantissas of no bits), which the silent frames, dither off, do not advance: past
// the frame after the gap the decode differs from the clean one by that noise only. ffmpeg's own decode of the clean
// stream differs as much when it starts three frames later: up to 6 LSB for ts-h264-ac3.ts and 38 for the E-AC-3 5.1
// of ts-h264-eac3.ts (measured); here 6 and 41.
const ac3Dither = 'the decoder’s dither generator (A/52 §7.3.4), not advanced by the silent frames';
const ac3After = { settle: 1, tolerance: 8, why: ac3Dither };
const eac3After = { settle: 1, tolerance: 48, why: ac3Dither };
const CASES: [string, Case][] = [
  [
    'ts-h264-aac-gap.ts (AAC in ADTS, packets lost)',
    {
      clean: 'ts-h264-baseline-aac.ts',
      damaged: gapFixture('ts-h264-aac-gap.ts'),
      frame: 1024,
      silent: () => AAC_STEREO,
      channels: 2,
      skip: 0,
      after: aacAfter,
    },
  ],
  [
    'AAC in ADTS, three PES removed',
    {
      clean: 'ts-h264-baseline-aac.ts',
      damaged: withoutAudioPes('ts-h264-baseline-aac.ts'),
      frame: 1024,
      silent: () => AAC_STEREO,
      channels: 2,
      skip: 0,
      after: aacAfter,
    },
  ],
  [
    'AAC in LATM, three PES removed',
    {
      clean: 'ts-h264-aac-latm.ts',
      damaged: withoutAudioPes('ts-h264-aac-latm.ts'),
      frame: 1024,
      silent: () => AAC_STEREO,
      channels: 2,
      skip: 0,
      after: aacAfter,
    },
  ],
  [
    'MP2, three PES removed',
    {
      clean: 'ts-h264-mp2.ts',
      damaged: withoutAudioPes('ts-h264-mp2.ts'),
      frame: 1152,
      silent: mpegAudioSilence,
      channels: 2,
      skip: 0,
      after: exactAfter,
    },
  ],
  [
    'MP3, three PES removed',
    {
      clean: 'ts-h264-mp3.ts',
      damaged: withoutAudioPes('ts-h264-mp3.ts'),
      frame: 1152,
      silent: mpegAudioSilence,
      channels: 2,
      // The bit reservoir (11172-3 2.4.3.4.2): the frame after the gap takes the start of its main data from the
      // frames before it, which are silent frames now.
      after: { settle: 2, tolerance: 1, why: 'the bit reservoir of the frame after the gap' },
      skip: 0,
    },
  ],
  [
    'ts-h264-ac3-gap.ts (AC-3, packets lost)',
    {
      clean: 'ts-h264-ac3.ts',
      damaged: gapFixture('ts-h264-ac3-gap.ts'),
      frame: 1536,
      silent: ac3SilentFrame,
      channels: 2,
      skip: 0,
      after: ac3After,
    },
  ],
  [
    'AC-3, three PES removed',
    {
      clean: 'ts-h264-ac3.ts',
      damaged: withoutAudioPes('ts-h264-ac3.ts'),
      frame: 1536,
      silent: ac3SilentFrame,
      channels: 2,
      skip: 0,
      after: ac3After,
    },
  ],
  [
    'E-AC-3 5.1, three PES removed',
    {
      clean: 'ts-h264-eac3.ts',
      damaged: withoutAudioPes('ts-h264-eac3.ts'),
      frame: 1536,
      silent: ac3SilentFrame,
      channels: 6,
      skip: 0,
      after: eac3After,
    },
  ],
  [
    'Opus stereo, three PES removed',
    {
      clean: 'ts-h264-opus.ts',
      damaged: withoutAudioPes('ts-h264-opus.ts'),
      frame: 960,
      silent: () => OPUS_STEREO,
      channels: 2,
      skip: 312, // the dOps PreSkip (the first packet's start_trim), which ffmpeg drops
      after: { settle: 50, tolerance: 2, why: 'CELT predicts band energies from the frames before (RFC 6716 4.3.2)' },
    },
  ],
  [
    'Opus 5.1, three PES removed',
    {
      clean: 'ts-opus-51.ts',
      damaged: withoutAudioPes('ts-opus-51.ts'),
      frame: 960,
      silent: () => OPUS_51,
      channels: 6,
      skip: 312,
      after: { settle: 50, tolerance: 2, why: 'CELT predicts band energies from the frames before (RFC 6716 4.3.2)' },
    },
  ],
];

interface Remuxed {
  path: string;
  warnings: { code: number; track: number | undefined; detail: number | undefined; time: number | undefined }[];
  tracks: Mp4Track[];
}

async function remux(input: Uint8Array, label: string, output: OutputMode = 'muxed'): Promise<Remuxed> {
  const r = await runEngine(input, { output });
  if (r.thrown) throw r.thrown;
  expect(r.errors, label).toEqual([]);
  const path = join(tmp, `${label.replace(/[^a-z0-9]+/gi, '-')}.mp4`);
  writeFileSync(path, r.output);
  return {
    path,
    warnings: r.warnings.map((w) => ({ code: w.code, track: w.track, detail: w.detail, time: w.time })),
    tracks: readFmp4(r.output),
  };
}

/** The tfdt of every fragment is the previous one plus its durations. */
function tfdtBreaks(track: Mp4Track): string[] {
  const breaks: string[] = [];
  for (let i = 1; i < track.runs.length; i++) {
    const before = track.runs[i - 1]!;
    if (track.runs[i]!.tfdt !== before.tfdt + before.duration)
      breaks.push(`run ${i}: tfdt ${track.runs[i]!.tfdt}, expected ${before.tfdt + before.duration}`);
  }
  return breaks;
}

/** First and last PTS (seconds) of each stream, by codec type, as ffprobe reads the packets. */
function ptsRange(path: string): Record<string, [number, number]> {
  const p = probe(path);
  const out: Record<string, [number, number]> = {};
  for (const s of p.streams) {
    const times = p.packets.filter((k) => k.stream_index === s.index).map((k) => Number(k.pts_time));
    out[s.codec_type] = [Math.min(...times), Math.max(...times)];
  }
  return out;
}

function pcm(path: string): Int16Array {
  const b = decodePcm(path, 'a');
  return new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1);
}

for (const [label, c] of CASES) {
  describe(label, () => {
    let clean: Remuxed;
    let out: Remuxed;
    let firstLostPts: number;
    let sourceOffset: number; // first audio PTS − first video PTS in the clean source (seconds), null without video
    let cleanAudio: Mp4Sample[];
    let audio: Mp4Sample[];
    let fills: Remuxed['warnings'];
    let at: number; // index of the first silent frame

    beforeAll(async () => {
      const source = new Uint8Array(readFileSync(fixturePath(c.clean)));
      const damaged = c.damaged();
      firstLostPts = damaged.firstLostPts;
      clean = await remux(source, `${label} clean`);
      out = await remux(damaged.input, label);
      cleanAudio = trackOf(clean.tracks, 'soun').samples;
      audio = trackOf(out.tracks, 'soun').samples;
      fills = out.warnings.filter((w) => w.code === ErrorCodes.AUDIO_GAP_FILLED);
      at = audio.findIndex((s, i) => !same(s.data, cleanAudio[i]!.data));
      const ts = walkTs(source);
      const pid = (kind: string) => readSummary(fixturePath(c.clean)).tracks.find((t) => t.kind === kind)?.pid;
      const first = (pid: number | undefined) =>
        Math.min(...ts.pes.filter((p) => p.pid === pid && p.pts !== undefined).map((p) => p.pts!)) / 90000;
      sourceOffset = pid('video') === undefined ? 0 : first(pid('audio')) - first(pid('video'));
    });

    it('one AUDIO_GAP_FILLED on the audio track (detail = frames inserted, time = where the gap ends), no TIMESTAMP_JUMP', () => {
      const track = trackOf(out.tracks, 'soun');
      expect(fills).toHaveLength(1);
      expect(fills[0]!.track).toBe(track.id);
      expect(fills[0]!.detail).toBeGreaterThan(1);
      // The media time of the PES being read when the gap was seen: the first real frame after the gap.
      const end = audio[at + fills[0]!.detail!]!;
      expect(fills[0]!.time!).toBeCloseTo(end.dts / track.timescale, 3);
      expect(out.warnings.filter((w) => w.code === ErrorCodes.TIMESTAMP_JUMP)).toEqual([]);
    });

    it('the samples: the clean ones at their times, except one run of `detail` silent frames where frames were lost', () => {
      const track = trackOf(out.tracks, 'soun');
      const count = fills[0]!.detail!;
      // Sample count = real frames kept + frames filled (each lost frame has one silent frame in its place).
      expect(audio.length).toBe(cleanAudio.length);
      expect(at).toBeGreaterThan(0);
      const silent = c.silent(audio[at + count]!.data)!;
      for (const [i, s] of audio.entries()) {
        const inGap = i >= at && i < at + count;
        const expected = inGap ? silent : cleanAudio[i]!.data;
        expect(same(s.data, expected), `sample ${i}${inGap ? ' (silent)' : ''}`).toBe(true);
        expect(s.dts, `sample ${i} dts`).toBe(cleanAudio[i]!.dts);
        expect(s.duration, `sample ${i} duration`).toBe(inGap ? c.frame : cleanAudio[i]!.duration);
      }
      // The silence starts where the first removed PES did (its PTS, on the output timeline).
      const origin = firstPts(c.clean);
      const lostAt = (firstLostPts - origin) / 90000;
      expect(audio[at]!.dts / track.timescale).toBeGreaterThanOrEqual(lostAt - 1 / 90000 - 1 / track.timescale);
      expect(audio[at]!.dts / track.timescale).toBeLessThan(lostAt + 0.5); // within the PES the run began in
    });

    it('ffmpeg decodes it without an error line, with the CRCs of the frames checked', () => {
      expect(decodeErrors(out.path, ['-err_detect', 'crccheck'])).toEqual([]);
    });

    it('PCM: silence over the gap, the clean decode before it, and after it within what decoder state explains', () => {
      const count = fills[0]!.detail!;
      const base = audio[0]!.dts;
      const ch = c.channels;
      const gapStart = audio[at]!.dts - base - c.skip;
      const gapEnd = audio[at + count]!.dts - base - c.skip;
      const got = pcm(out.path);
      const ref = pcm(clean.path);
      expect(got.length).toBe(ref.length);
      // The first silent frame carries the decoder's overlap with the frame before the gap.
      let loud = 0;
      for (let i = (gapStart + c.frame) * ch; i < gapEnd * ch; i++) if (Math.abs(got[i]!) > 1) loud++;
      expect(loud, `samples louder than ±1 in the gap [${gapStart + c.frame}, ${gapEnd})`).toBe(0);
      let before = 0;
      for (let i = 0; i < gapStart * ch; i++) if (got[i] !== ref[i]) before++;
      expect(before, 'PCM samples before the gap that differ from the clean decode').toBe(0);
      let worst = 0;
      for (let i = (gapEnd + c.after.settle * c.frame) * ch; i < got.length; i++) {
        worst = Math.max(worst, Math.abs(got[i]! - ref[i]!));
      }
      expect(worst, `after the gap (past ${c.after.settle} frames): ${c.after.why}`).toBeLessThanOrEqual(
        c.after.tolerance,
      );
    });

    it('first and last PTS of each stream are the clean remux’s; audio starts where the source says against video', () => {
      const got = ptsRange(out.path);
      expect(got).toEqual(ptsRange(clean.path));
      if (got.video) expect(got.audio![0] - got.video[0]).toBeCloseTo(sourceOffset, 4);
    });

    it('each track’s tfdt chain is exact', () => {
      for (const t of out.tracks) expect(tfdtBreaks(t), `track ${t.id}`).toEqual([]);
    });
  });
}

/** The first PTS/DTS of a fixture (90 kHz): the output timeline's origin. */
function firstPts(name: string): number {
  const ts = walkTs(new Uint8Array(readFileSync(fixturePath(name))));
  return Math.min(...ts.pes.filter((p) => p.pts !== undefined).map((p) => p.dts ?? p.pts!));
}

describe('raw MPEG audio (mpegAudio raw): the silent frames are in the frames written', () => {
  it('MP3, three PES removed: the raw stream is the MP4 track’s samples, and decodes to its length without an error', async () => {
    const { input } = withoutAudioPes('ts-h264-mp3.ts')();
    const mp4 = trackOf((await remux(input, 'mp3 for raw')).tracks, 'soun');
    const engine = await Engine.create({ output: 'per-track', mpegAudio: 'raw' });
    const parts: Uint8Array[] = [];
    let audioTrack: number | undefined;
    let fills = 0;
    for (const call of [() => engine.push(input), () => engine.flush()]) {
      for (const e of call()) {
        if (e.type === 'tracks') audioTrack = e.tracks.find((t) => t.kind === 'audio')?.id;
        if (e.type === 'fragment' && e.track === audioTrack) parts.push(e.data.slice());
        if (e.type === 'warning' && e.error.code === ErrorCodes.AUDIO_GAP_FILLED) fills += e.error.detail!;
      }
    }
    expect(fills).toBeGreaterThan(1);
    const raw = Buffer.concat(parts);
    expect(raw.equals(Buffer.concat(mp4.samples.map((x) => x.data)))).toBe(true);
    const path = join(tmp, 'gap.mp3');
    writeFileSync(path, raw);
    expect(decodeErrors(path)).toEqual([]);
    // Every frame, the silent ones too, decodes to its 1152 samples: the raw stream keeps the track's duration.
    expect(pcm(path).length / 2).toBe(mp4.samples.length * 1152);
  });
});

/** The AC-3 silent frame of ts-h264-ac3.ts (one configuration and frame size throughout). */
function ac3FixtureSilence(): Uint8Array {
  const ts = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-ac3.ts'))));
  const pid = readSummary(fixturePath('ts-h264-ac3.ts')).tracks.find((t) => t.kind === 'audio')!.pid;
  return ac3SilentFrame(ts.pes.find((p) => p.pid === pid)!.payload)!;
}

/** The gap fixtures, the silent frame their fill is made of, and a change of one byte that makes it another frame. */
const HARNESS_CASES: [string, () => Uint8Array, number, number][] = [
  ['ts-h264-aac-gap.ts', () => AAC_STEREO, 6, 0x0c], // ID_END's bits moved
  ['ts-h264-ac3-gap.ts', ac3FixtureSilence, 200, 0x01], // a bit of the padding set: crc2 no longer holds
];

for (const [fixture, silentFrame, changeAt, changeTo] of HARNESS_CASES) {
  describe(`the fuzz harness accepts exactly the reported silent frames (fmp4-check.mjs checkFills): ${fixture}`, () => {
    interface Segment {
      type: string;
      track: number | null;
      data: Uint8Array;
      samples?: number;
      start?: number;
      end?: number;
    }
    let input: Uint8Array;
    const runs = new Map<OutputMode, { segments: Segment[]; fills: { track: number; count: number }[] }>();

    beforeAll(async () => {
      input = new Uint8Array(readFileSync(fixturePath(fixture)));
      for (const output of ['muxed', 'per-track'] as OutputMode[]) {
        const engine = await Engine.create({ output, fragmentDuration: output === 'muxed' ? 0 : 100 });
        const segments: Segment[] = [];
        const fills: { track: number; count: number }[] = [];
        // Views into the core's memory: copied before the next call.
        for (const call of [() => engine.push(input), () => engine.flush()]) {
          for (const e of call()) {
            if (e.type === 'init') segments.push({ type: 'init', track: e.track, data: e.data.slice() });
            else if (e.type === 'fragment') {
              const { track, start, end, samples } = e;
              segments.push({ type: 'fragment', track, data: e.data.slice(), start, end, samples });
            } else if (e.type === 'warning' && e.error.code === ErrorCodes.AUDIO_GAP_FILLED) {
              fills.push({ track: e.error.track!, count: e.error.detail! });
            }
          }
        }
        runs.set(output, { segments, fills });
      }
    });

    const check = (segments: Segment[], fills: { track: number; count: number }[]) => {
      const failures: string[] = [];
      checkOutput(input, segments, fills, { stopped: false, suppressed: false }, (kind: string, message: string) =>
        failures.push(`${kind}: ${message}`),
      );
      return failures;
    };

    for (const output of ['muxed', 'per-track'] as OutputMode[]) {
      it(`${output}: the output with its reports passes; without them, or with another count, it fails`, () => {
        const { segments, fills } = runs.get(output)!;
        expect(fills.length).toBe(1);
        expect(check(segments, fills)).toEqual([]);
        expect(check(segments, []).join('\n')).toMatch(/^foreign-bytes: .*no AUDIO_GAP_FILLED reported/);
        const [fill] = fills;
        expect(check(segments, [{ ...fill!, count: fill!.count + 1 }]).join('\n')).toMatch(/silent-fill|foreign-bytes/);
        expect(check(segments, [{ ...fill!, count: fill!.count - 1 }]).join('\n')).toMatch(/foreign-bytes|silent-fill/);
        expect(check(segments, [fill!, fill!]).join('\n')).toMatch(/silent-fill: .*fill #1/);
      });

      it(`${output}: a silent frame with one byte changed is foreign`, () => {
        const { segments, fills } = runs.get(output)!;
        const silent = Buffer.from(silentFrame());
        let changed = false;
        const damaged = segments.map((s) => {
          if (changed || s.type !== 'fragment') return s;
          const at = Buffer.from(s.data).indexOf(silent);
          if (at < 0) return s;
          changed = true;
          const data = s.data.slice();
          data[at + changeAt] = changeTo;
          return { ...s, data };
        });
        expect(changed).toBe(true);
        expect(check(damaged, fills).join('\n')).toMatch(/^foreign-bytes: /);
      });
    }
  });
}
