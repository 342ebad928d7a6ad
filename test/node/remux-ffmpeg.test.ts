// `weir remux` checked with ffmpeg/ffprobe (tools that share no code with weir), on every fixture whose tracks are
// all remuxable (REMUXED_CODECS in test/helpers/media.ts; the damaged fixtures and the pending codecs are covered by
// the tests DEDICATED_FIXTURES names), on the demo sample and, with WEIR_CORPUS set, on every H.264/AAC corpus file
// (issues 2 and 3, Acceptance). Every track is checked:
//
// - streams: the output has one video stream for the input's first H.264/HEVC stream and one audio stream for each
//   of its (at most three) audio streams of a remuxable codec, in order, with the codec names ffprobe gives the
//   input, but for MPEG audio layer II: ffprobe's MP4 demuxer names object type 0x6B (and 0x69) 'mp3' whatever the
//   layer, so an 'mp2' input stream is 'mp3' in the output (the layer bits of the output's first frame say 2);
// - video frame count: output video packets = input video packets from the first packet ffprobe flags as a
//   keyframe (K) on, in file (decode) order, to the end; minus the last one when the input is cut inside it
//   (the file ends inside a TS packet of the video PID, or inside a PES shorter than its declared length): weir
//   drops an access unit it cannot have whole and reports it;
// - decoded video: the framemd5 hashes of the output's decoded frames are the tail of the input's (ffmpeg decodes
//   the input from its first byte; frames before the first keyframe are dropped by weir, and a frame cut by the end
//   of the file is left out of the comparison as above);
// - decoded audio, every track: every audio frame is kept, so the output's framemd5 equals the input's, frame for
//   frame, with the same ffmpeg decoder forced on both sides. Opus differs in one explained way: weir writes the
//   first packet's start_trim as the dOps PreSkip, which ffmpeg's MP4 demuxer applies, while its TS demuxer ignores
//   start_trim; so the output decodes to the input's PCM without its first start_trim samples, and to the input's
//   framemd5 but for the first frame;
// - A/V offset, every audio track: (output audio start − output video start) equals (input audio start − input first
//   keyframe PTS) within one audio frame of that track (ffprobe's packet duration);
// - `ffmpeg -v error -i out.mp4 -f null -` prints no error line;
// - `weir probe` agrees with the fixture summaries, track by track in order (codec string, language, size, SAR,
//   rate, channels, packet counts, duration); a track whose size changes (`segments`) is also decoded from the
//   output with ffprobe -show_frames, which must give the summary's runs of sizes and frame counts.
//
// ffmpeg and ffprobe are required: without them these tests fail and say to install ffmpeg.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weir } from '../helpers/cli.js';
import {
  decodeErrors,
  decodePcm,
  framemd5,
  type Probe,
  type ProbeStream,
  probe,
  requireFfmpeg,
  videoFrames,
} from '../helpers/ffmpeg.js';
import { readFmp4 } from '../helpers/fmp4.js';
import {
  CORPUS_H264_AAC,
  CORPUS_OTHER_REMUXABLE,
  corpusDir,
  corpusUnset,
  DEMO_SAMPLE,
  genericFixtureFiles,
  type MediaFile,
  readSummary,
  requireCorpus,
  type Summary,
} from '../helpers/media.js';
import { opusEndTrims, readOpusControlHeader, walkTs } from '../helpers/ts-walk.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-remux-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** ffprobe codec names of the streams weir remuxes. */
const VIDEO_CODECS = ['h264', 'hevc'];
const AUDIO_CODECS = ['aac', 'aac_latm', 'mp3', 'mp2', 'ac3', 'eac3', 'opus'];
/** weir writes at most this many audio tracks (further ones: EXTRA_TRACK_SKIPPED). */
const MAX_AUDIO_TRACKS = 3;

/**
 * The name ffprobe gives a stream of this input codec once it is in MP4: object type 0x6B covers MPEG audio layers
 * I-III ('mp3' to ffmpeg's MP4 demuxer), and LATM is only a transport: in MP4 the stream is plain AAC.
 */
function mp4CodecName(inputCodec: string): string {
  return inputCodec === 'mp2' ? 'mp3' : inputCodec === 'aac_latm' ? 'aac' : inputCodec;
}

/**
 * The ffmpeg decoders that decode the input's stream and the output's with the same code: the input's own decoder
 * on both sides, but for LATM, whose decoder ('aac_latm') reads the LOAS framing around the AAC decoder ('aac').
 */
function decoders(inputCodec: string): { input: string; output: string } {
  return { input: inputCodec, output: inputCodec === 'aac_latm' ? 'aac' : inputCodec };
}

/** What ffprobe says about the input's remuxable streams. */
interface InputFacts {
  probe: Probe;
  video: ProbeStream | undefined;
  /** The audio streams weir outputs, in input order. */
  audio: ProbeStream[];
  /**
   * ffmpeg stream specifiers of those streams in the input ('a:N', N counting every audio stream). Not the stream
   * index: ffmpeg 5.1 applies a decoder forced for an index before it has probed the stream, and the AAC stream of
   * ts-h264-aac-m2ts.ts (stream_type 0x06, no descriptor) is not audio yet then ("Invalid decoder type").
   */
  audioSpecs: string[];
  /** The same for the video stream ('v:N'). */
  videoSpec: string;
  /** Index (in the video stream's packets) of the first packet flagged K. */
  firstKey: number;
  /** Video packets from the first keyframe on that weir must write. */
  expectedFrames: number;
  /** 1 when the last video access unit is cut by the end of the file. */
  truncatedFrames: number;
}

function inputFacts(path: string): InputFacts {
  const p = probe(path);
  const video = p.streams.find((s) => s.codec_type === 'video' && VIDEO_CODECS.includes(s.codec_name));
  const audio = p.streams
    .filter((s) => s.codec_type === 'audio' && AUDIO_CODECS.includes(s.codec_name))
    .slice(0, MAX_AUDIO_TRACKS);
  const videoPackets = video ? p.packets.filter((k) => k.stream_index === video.index) : [];
  const firstKey = videoPackets.findIndex((k) => k.flags.includes('K'));
  let truncatedFrames = 0;
  if (video) {
    // How the file ends, read with the independent TS walker (the whole-packet part of the file).
    const ts = walkTs(new Uint8Array(readFileSync(path)));
    const pid = Number(video.id);
    const last = ts.pes.filter((q) => q.pid === pid).at(-1);
    const shortPes = last !== undefined && last.declaredLength > 0 && last.bytes.length < 6 + last.declaredLength;
    if (ts.trailingPid === pid || shortPes) truncatedFrames = 1;
  }
  const allAudio = p.streams.filter((s) => s.codec_type === 'audio');
  return {
    probe: p,
    video,
    audio,
    audioSpecs: audio.map((a) => `a:${allAudio.indexOf(a)}`),
    videoSpec: `v:${video ? p.streams.filter((s) => s.codec_type === 'video').indexOf(video) : 0}`,
    firstKey,
    expectedFrames: video && firstKey >= 0 ? videoPackets.length - firstKey - truncatedFrames : 0,
    truncatedFrames,
  };
}

function seconds(t: string | undefined): number {
  if (t === undefined) throw new Error('no timestamp');
  return Number(t);
}

/** The most common packet duration of a stream, in seconds (ffprobe's duration_time). */
function packetDuration(p: Probe, index: number): number {
  const counts = new Map<string, number>();
  for (const k of p.packets) {
    if (k.stream_index !== index || k.duration_time === undefined) continue;
    counts.set(k.duration_time, (counts.get(k.duration_time) ?? 0) + 1);
  }
  const best = [...counts].sort((a, b) => b[1] - a[1])[0];
  if (!best) throw new Error(`no packet duration for stream ${index}`);
  return Number(best[0]);
}

/** start_trim of the first access unit of an Opus PID (its opus_control_header), read from the input's bytes. */
function opusStartTrim(path: string, pid: number): number {
  const first = walkTs(new Uint8Array(readFileSync(path))).pes.find((q) => q.pid === pid);
  const header = first && readOpusControlHeader(first.payload);
  if (!header) throw new Error(`no opus_control_header at the start of PID ${pid}`);
  return header.startTrim;
}

/**
 * The checks, for one input. `summary`: the fixture's summary (none for corpus files); the tests for codecs and
 * situations a file does not have (Opus, MPEG audio, a size change) are only registered where the summary has them.
 */
function remuxSuite(file: () => MediaFile, summary?: Summary): void {
  const codecs = new Set(summary?.tracks.map((t) => t.codec));
  const segments = summary?.tracks.find((t) => t.segments)?.segments;

  let input: InputFacts;
  let out: string;
  let output: Probe;
  let remuxStderr: string;
  let remuxStatus: number | null;

  const outVideo = () => output.streams.find((s) => s.codec_type === 'video');
  const outAudio = () => output.streams.filter((s) => s.codec_type === 'audio');

  beforeAll(() => {
    requireFfmpeg();
    const f = file();
    readFileSync(f.path); // a missing corpus file fails here, loudly
    input = inputFacts(f.path);
    out = join(tmp, `${f.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`);
    const r = weir(['remux', f.path, '-o', out], { cwd: tmp });
    remuxStatus = r.status;
    remuxStderr = r.stderr;
    output = existsSync(out) ? probe(out) : { streams: [], packets: [] };
  });

  it('weir remux succeeds without a stack trace (a cut input: error line, output kept)', () => {
    expect(remuxStderr).not.toMatch(/^ {4}at /m);
    if (input.truncatedFrames) {
      // A cut input is reported as an error with a non-zero exit, but everything before the cut is
      // written (cli/main.ts): the rest of these checks run on that output.
      expect(remuxStatus).toBe(1);
      expect(remuxStderr).toMatch(/^weir: .*: TRUNCATED_INPUT \(108\): .* holds everything before it$/m);
    } else {
      expect(remuxStatus, remuxStderr).toBe(0);
    }
    expect(output.streams.length).toBeGreaterThan(0);
  });

  it('has the same streams as the input (video codec, every audio stream with its codec, in order)', () => {
    const expected: string[] = [];
    if (input.video) expected.push(`video:${input.video.codec_name}`);
    for (const a of input.audio) expected.push(`audio:${mp4CodecName(a.codec_name)}`);
    expect(output.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(expected);
  });

  it('every audio track has the language of its input stream (ISO 639 descriptor → mdhd; none: und)', () => {
    expect(outAudio().map((s) => s.tags?.language ?? 'und')).toEqual(input.audio.map((a) => a.tags?.language ?? 'und'));
  });

  if (codecs.has('mp2') || codecs.has('mp3')) {
    it('an MPEG audio track keeps its layer (the output frames say layer 2 for mp2, 3 for mp3)', () => {
      const tracks = readFmp4(new Uint8Array(readFileSync(out))).filter((t) => t.handler === 'soun');
      expect(tracks.length).toBe(input.audio.length);
      input.audio.forEach((a, k) => {
        if (a.codec_name !== 'mp2' && a.codec_name !== 'mp3') return;
        const header = tracks[k]!.samples[0]!.data;
        expect([header[0], header[1]! & 0xe0], 'MPEG audio frame sync').toEqual([0xff, 0xe0]);
        const layer = 4 - ((header[1]! >> 1) & 3); // layer: '10' = II, '01' = III
        expect(layer, `audio ${k}`).toBe(a.codec_name === 'mp2' ? 2 : 3);
        expect(layer, `audio ${k}: the summary's layer`).toBe(
          summary!.tracks.filter((t) => t.kind === 'audio')[k]!.layer,
        );
      });
    });
  }

  it('has as many video frames as the input has from its first keyframe on', () => {
    const video = outVideo();
    if (input.video === undefined) {
      expect(video).toBeUndefined();
      return;
    }
    expect(input.firstKey, 'the input has a keyframe').toBeGreaterThanOrEqual(0);
    const frames = output.packets.filter((k) => k.stream_index === video!.index);
    expect(frames.length).toBe(input.expectedFrames);
    expect(frames[0]!.flags).toContain('K');
  });

  it('decodes to the same video frames as the input from its first keyframe on (framemd5)', () => {
    if (input.video === undefined) return;
    const inHashes = framemd5(file().path, input.videoSpec).map((h) => h.hash);
    const outHashes = framemd5(out, 'v').map((h) => h.hash);
    expect(outHashes.length).toBe(input.expectedFrames);
    const end = inHashes.length - input.truncatedFrames;
    expect(end - outHashes.length, 'input decodes to at least as many frames').toBeGreaterThanOrEqual(0);
    expect(outHashes).toEqual(inHashes.slice(end - outHashes.length, end));
  });

  it('decodes to the same audio frames as the input, every frame of every track (framemd5)', () => {
    expect(outAudio().length).toBe(input.audio.length);
    input.audio.forEach((a, k) => {
      // The same decoder on both sides (see mp4CodecName: MP2 is 'mp3' in MP4).
      const decoder = decoders(a.codec_name);
      const inFrames = framemd5(file().path, input.audioSpecs[k]!, decoder.input).map((h) => h.hash);
      const outFrames = framemd5(out, `a:${k}`, decoder.output).map((h) => h.hash);
      expect(outFrames.length, `audio ${k}: frames`).toBe(inFrames.length);
      if (a.codec_name === 'opus' && opusStartTrim(file().path, Number(a.id)) > 0) {
        // The first frame is shorter by the pre-skip (next test); the others are the same. (A segment cut from
        // the middle of a stream signals no start_trim: PreSkip 0, every frame the same.)
        expect(outFrames.slice(1), `audio ${k}`).toEqual(inFrames.slice(1));
        expect(outFrames[0], `audio ${k}: first frame, pre-skip applied`).not.toBe(inFrames[0]);
      } else {
        expect(outFrames, `audio ${k}`).toEqual(inFrames);
      }
    });
  });

  if (codecs.has('opus')) {
    it('Opus: the output decodes to the input without its first start_trim samples (dOps PreSkip)', () => {
      input.audio.forEach((a, k) => {
        if (a.codec_name !== 'opus') return;
        const trim = opusStartTrim(file().path, Number(a.id));
        expect(trim, 'the input signals a start_trim (ffmpeg writes its encoder delay, 312)').toBeGreaterThan(0);
        const inPcm = decodePcm(file().path, input.audioSpecs[k]!, 'opus');
        const outPcm = decodePcm(out, `a:${k}`, 'opus');
        const skip = trim * a.channels! * 2; // s16le: 2 bytes per sample and channel
        expect(outPcm.length, `audio ${k}: PCM bytes`).toBe(inPcm.length - skip);
        expect(
          Buffer.from(outPcm).equals(Buffer.from(inPcm.subarray(skip))),
          `audio ${k}: PCM after the pre-skip`,
        ).toBe(true);
      });
    });
  }

  it('keeps the audio/video start offset of the input within one audio frame, for every audio track', () => {
    if (input.video === undefined || input.audio.length === 0) return;
    const p = input.probe;
    const inVideoStart = seconds(
      p.packets.filter((k) => k.stream_index === input.video!.index)[input.firstKey]!.pts_time,
    );
    const start = (q: Probe, index: number) =>
      Math.min(...q.packets.filter((k) => k.stream_index === index).map((k) => seconds(k.pts_time)));
    const outVideoStart = start(output, outVideo()!.index);
    input.audio.forEach((a, k) => {
      const oa = outAudio()[k]!;
      const inOffset = start(p, a.index) - inVideoStart;
      const outOffset = start(output, oa.index) - outVideoStart;
      const frame = packetDuration(p, a.index);
      const label = `audio ${k}: input ${inOffset}, output ${outOffset}`;
      expect(Math.abs(outOffset - inOffset), label).toBeLessThanOrEqual(frame);
      // Acceptance asks for one audio frame; weir keeps the offset exactly, up to the conversion of a 90 kHz PTS to
      // the audio timescale (one sample), one 90 kHz tick, and ffprobe printing times in microseconds.
      const exact = 1 / Number(oa.sample_rate) + 1 / 90000 + 2e-6;
      expect(Math.abs(outOffset - inOffset), label).toBeLessThanOrEqual(exact);
    });
  });

  it('ffmpeg -v error decodes the output with no error line', () => {
    expect(decodeErrors(out)).toEqual([]);
  });

  if (summary) {
    it('weir probe agrees with the fixture summary, track by track', () => {
      const r = weir(['probe', file().path]);
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as {
        container: string;
        duration: number;
        tracks: Record<string, unknown>[];
      };
      expect(report.container).toBe('mpegts');
      expect(report.tracks.map((t) => `${t.kind}:${t.codecString}`)).toEqual(
        summary.tracks.map((t) => `${t.kind}:${t.codecString}`),
      );
      summary.tracks.forEach((t, k) => {
        const got = report.tracks[k]!;
        const label = `track ${k} (${t.kind})`;
        expect(got.pid, label).toBe(t.pid);
        expect(got.streamType, label).toBe(t.streamType);
        expect(got.samples, `${label} samples`).toBe(t.packets);
        expect(got.dropped, label).toBe(0);
        if (t.kind === 'video') {
          // A size change: the report gives the size of the last parameter sets, the summary the first.
          const last = t.segments?.at(-1) ?? { width: t.width, height: t.height };
          expect([got.width, got.height], label).toEqual([last.width, last.height]);
          expect(got.sampleAspectRatio, label).toEqual([t.sarNum ?? 1, t.sarDen ?? 1]);
        } else {
          expect([got.sampleRate, got.channels], label).toEqual([t.sampleRate, t.channels]);
          expect(got.language, label).toBe(t.language ?? 'und'); // no ISO 639 descriptor: undetermined
        }
      });
      // The span of the summary's packets (ffprobe's pts and durations): from the first packet of any track to the
      // end of the last. Not the summary's `duration`, ffprobe's estimate for the format, which for an audio-only
      // Opus TS (ts-opus-51.ts: 2.96 s) is three frames short of its own 151 packets of 20 ms from 1.40 s.
      // An Opus track ends where its last unit's end_trim says (weir shortens that sample; ffprobe ignores the trim).
      const first = Math.min(...summary.tracks.map((t) => t.firstPts));
      const trimmed = (t: (typeof summary.tracks)[number]) =>
        t.codec === 'opus' ? (opusEndTrims(readFileSync(file().path), t.pid).at(-1) ?? 0) / 48000 : 0;
      const end = Math.max(...summary.tracks.map((t) => t.lastPts + t.frameDuration - trimmed(t)));
      // ffprobe prints microseconds (three rounded values) and weir rounds to a 90 kHz tick.
      expect(Math.abs(report.duration - (end - first)), `${report.duration} vs ${end - first}`).toBeLessThanOrEqual(
        1 / 90000 + 2e-6,
      );
    });
  }

  if (segments) {
    it('a mid-stream size change: the decoded output has the summary’s runs of sizes and frame counts', () => {
      const expected = segments;
      const runs: { width: number; height: number; frames: number; firstPts: number }[] = [];
      for (const f of videoFrames(out)) {
        const last = runs.at(-1);
        if (last && last.width === f.width && last.height === f.height) last.frames++;
        else runs.push({ width: f.width, height: f.height, frames: 1, firstPts: seconds(f.pts_time) });
      }
      expect(runs.map(({ width, height, frames }) => ({ width, height, frames }))).toEqual(
        expected.map(({ width, height, frames }) => ({ width, height, frames })),
      );
      // Each run starts where the summary says, on the output's own timeline (shifted by the first start).
      runs.forEach((run, k) => {
        const want = expected[k]!.firstPts - expected[0]!.firstPts;
        expect(Math.abs(run.firstPts - runs[0]!.firstPts - want), `run ${k}`).toBeLessThanOrEqual(1 / 90000 + 2e-6);
      });
    });
  }
}

describe('fixtures (every track remuxable, not damaged) and the demo sample', () => {
  for (const f of [...genericFixtureFiles(), DEMO_SAMPLE]) {
    describe(f.name, () => remuxSuite(() => f, readSummary(f.path)));
  }
});

describe.skipIf(corpusUnset)('corpus files whose every track weir writes (WEIR_CORPUS)', () => {
  it('the WEIR_CORPUS folder is present', () => {
    requireCorpus();
  });
  for (const name of [...CORPUS_H264_AAC, ...CORPUS_OTHER_REMUXABLE]) {
    describe(name, () => remuxSuite(() => ({ name, path: `${corpusDir()}/ts/${name}` })));
  }
});
