// `weir remux` of WebM/Matroska checked with ffmpeg/ffprobe (tools that share no code with weir), on every project
// fixture whose tracks MP4 can hold and, with WEIR_CORPUS set, on the corpus files of webm/ that are neither damaged
// nor of codecs MP4 cannot hold (issue 4, Acceptance). The corpus files that are damaged, cut or unsupported are
// pinned in test/node/corpus-robustness.test.ts. For every input:
//
// - streams: the output has one video stream for the input's first video stream of a codec weir writes (H.264,
//   HEVC, VP9, AV1) and one audio stream for each of its (at most three) audio streams of a codec weir writes (AAC,
//   Opus, FLAC, MP3, MP2, AC-3, E-AC-3), in order, with the codec names ffprobe gives the input (MP2: 'mp3', as for
//   MPEG-TS: object type 0x6B covers the layers);
// - video: as many packets as the input has from its first keyframe on, the first a keyframe, and the same decoded
//   frames (framemd5, passthrough timing: Matroska frame times are in milliseconds and may vary);
// - audio, every track: the same packets, byte for byte and in order, and the same decoded frames (framemd5) as
//   ffmpeg's own stream copy of the input into MP4 (see the test for why not the Matroska decode itself);
// - presentation times: every video packet's pts and every audio packet's pts, relative to the first video pts,
//   equal the input's (Matroska keeps presentation times; weir rebuilds decode times from them): video exactly (to
//   ffprobe's printed microsecond), audio within one sample and one microsecond, since a block time is rounded to
//   the TimestampScale and weir places each frame where the previous one ended when the two agree within half a
//   frame;
// - `ffmpeg -v error -i out.mp4 -f null -` prints no error line; `weir probe` says container 'matroska'.
//
// ffmpeg and ffprobe are required: without them these tests fail and say to install ffmpeg.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weir } from '../helpers/cli.js';
import { decodeErrors, framemd5, type Probe, type ProbeStream, probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { corpusDir, corpusUnset, FIXTURES, type MediaFile, requireCorpus } from '../helpers/media.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-mkv-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const VIDEO_CODECS = ['h264', 'hevc', 'vp9', 'av1'];
const AUDIO_CODECS = ['aac', 'opus', 'flac', 'mp3', 'mp2', 'ac3', 'eac3'];
const MAX_AUDIO_TRACKS = 3;

/**
 * The corpus files of webm/ whose every video/audio track MP4 holds and whose input is whole and clean (MANIFEST.md):
 * the checks below run on them. Subtitle tracks (mediabunny_test-mkv-multi: SRT, ASS) are not output and not checked.
 */
const CORPUS_MATROSKA_REMUXABLE = [
  'libwebm_bbb_480p_vp9_opus_1second.webm', // VP9 + Opus 5.1, CodecDelay, DiscardPadding on the last frame
  'libwebm_test_stereo_left_right.webm', // VP9 only, StereoMode
  'mediabunny_trim-buck-bunny.webm', // VP9 + Opus, 6 Clusters
  'mediabunny_test-mkv-multi.mkv', // H.264 + AAC (+ subtitles), CRC-32, BlockGroups
  'mediabunny_multi-cluster.mkv', // H.264 High, 10 Clusters, CRC-32
  'mediabunny_annex-b-avc.mkv', // Annex B H.264, unknown-size Segment and Clusters
  'nestegg_detodos.webm', // Opus only, TimestampScale 20832, EBML lacing on every block
  'metube_test-av1-opus.webm', // AV1 + Opus
];

/** Project fixtures that are damaged or hold a codec MP4 cannot (VP8, Vorbis): checked by their own tests. */
const NOT_GENERIC = /damaged|vp8|vorbis/;

function matroskaFixtures(): MediaFile[] {
  return readdirSync(FIXTURES)
    .filter((f) => /\.(webm|mkv)$/.test(f) && !NOT_GENERIC.test(f))
    .sort()
    .map((f) => ({ name: f, path: join(FIXTURES, f) }));
}

interface InputFacts {
  probe: Probe;
  video: ProbeStream | undefined;
  audio: ProbeStream[];
  /** ffmpeg stream specifiers ('a:N' counting every audio stream; 'v:N'). */
  audioSpecs: string[];
  videoSpec: string;
  firstKey: number;
}

function inputFacts(path: string): InputFacts {
  const p = probe(path);
  const video = p.streams.find((s) => s.codec_type === 'video' && VIDEO_CODECS.includes(s.codec_name));
  const audio = p.streams
    .filter((s) => s.codec_type === 'audio' && AUDIO_CODECS.includes(s.codec_name))
    .slice(0, MAX_AUDIO_TRACKS);
  const videoPackets = video ? p.packets.filter((k) => k.stream_index === video.index) : [];
  const allAudio = p.streams.filter((s) => s.codec_type === 'audio');
  return {
    probe: p,
    video,
    audio,
    audioSpecs: audio.map((a) => `a:${allAudio.indexOf(a)}`),
    videoSpec: `v:${video ? p.streams.filter((s) => s.codec_type === 'video').indexOf(video) : 0}`,
    firstKey: videoPackets.findIndex((k) => k.flags.includes('K')),
  };
}

/** MD5 of every packet of one stream, in order, as ffmpeg reads them (`-c copy -f framemd5`). */
function packetHashes(path: string, spec: string): string[] {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-map', `0:${spec}`, '-c', 'copy', '-f', 'framemd5', '-'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`ffmpeg packet hashes of ${path} failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[5]!.trim()); // stream, dts, pts, duration, size, hash[, side data]
}

function pts(p: Probe, index: number): number[] {
  return p.packets.filter((k) => k.stream_index === index).map((k) => Number(k.pts_time));
}

/** The parts of a fixture's summary (scripts/mkv-summary.py) these checks use. */
interface MkvSummary {
  tracks: { kind: 'video' | 'audio'; codecString: string; packets: number; lacing: string[] }[];
}

function remuxSuite(file: () => MediaFile, summary?: MkvSummary): void {
  let input: InputFacts;
  let out: string;
  let output: Probe;
  let remux: { status: number | null; stderr: string };

  const outVideo = () => output.streams.find((s) => s.codec_type === 'video');
  const outAudio = () => output.streams.filter((s) => s.codec_type === 'audio');

  beforeAll(() => {
    requireFfmpeg();
    const f = file();
    readFileSync(f.path); // a missing corpus file fails here, loudly
    input = inputFacts(f.path);
    out = join(tmp, `${f.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`);
    remux = weir(['remux', f.path, '-o', out], { cwd: tmp });
    output = existsSync(out) ? probe(out) : { streams: [], packets: [] };
  });

  it('weir remux succeeds', () => {
    expect(remux.stderr).not.toMatch(/^ {4}at /m);
    expect(remux.status, remux.stderr).toBe(0);
    expect(output.streams.length).toBeGreaterThan(0);
  });

  it('has the same streams as the input (video codec, every audio stream with its codec, in order)', () => {
    const expected: string[] = [];
    if (input.video) expected.push(`video:${input.video.codec_name}`);
    for (const a of input.audio) expected.push(`audio:${a.codec_name === 'mp2' ? 'mp3' : a.codec_name}`);
    expect(output.streams.map((s) => `${s.codec_type}:${s.codec_name}`)).toEqual(expected);
  });

  it('has as many video frames as the input has from its first keyframe on, and decodes to the same frames', () => {
    if (input.video === undefined) return;
    expect(input.firstKey, 'the input has a keyframe').toBeGreaterThanOrEqual(0);
    const inPackets = input.probe.packets.filter((k) => k.stream_index === input.video!.index);
    const frames = output.packets.filter((k) => k.stream_index === outVideo()!.index);
    expect(frames.length).toBe(inPackets.length - input.firstKey);
    expect(frames[0]!.flags).toContain('K');
    const inHashes = framemd5(file().path, input.videoSpec).map((h) => h.hash);
    const outHashes = framemd5(out, 'v').map((h) => h.hash);
    expect(outHashes.length).toBeGreaterThan(0);
    expect(outHashes).toEqual(inHashes.slice(inHashes.length - outHashes.length));
  });

  it('keeps every audio packet of every track byte for byte, and they decode as ffmpeg decodes them in MP4', () => {
    expect(outAudio().length).toBe(input.audio.length);
    if (input.audio.length === 0) return;
    // ffmpeg's own stream copy of the input into MP4: the reference for the decoded frames. ffmpeg decodes some
    // Matroska Opus differently from the same packets in MP4 (nestegg_detodos: packet times off by a TimestampScale
    // tick change its decode; libwebm bbb: the last frame trimmed by DiscardPadding in Matroska, whole in MP4, where
    // ffmpeg decodes a sample whole whatever its duration: weir shortens it, test/node/opus-trim.test.ts), so the decode is compared container to container.
    const reference = join(tmp, `${file().name.replace(/[^A-Za-z0-9_.-]/g, '_')}.ffmpeg.mp4`);
    const copy = spawnSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-i',
      file().path,
      '-map',
      '0:a',
      '-c',
      'copy',
      '-strict',
      '-2',
      reference,
    ]);
    expect(copy.status, String(copy.stderr)).toBe(0);
    input.audio.forEach((a, k) => {
      const inPackets = packetHashes(file().path, input.audioSpecs[k]!);
      const outPackets = packetHashes(out, `a:${k}`);
      expect(outPackets.length, `audio ${k}: packets`).toBe(inPackets.length);
      expect(outPackets, `audio ${k}: packet bytes`).toEqual(inPackets);
      const allAudio = input.probe.streams.filter((s) => s.codec_type === 'audio');
      const refSpec = `a:${allAudio.indexOf(a)}`;
      const refFrames = framemd5(reference, refSpec, a.codec_name).map((h) => h.hash);
      const outFrames = framemd5(out, `a:${k}`, a.codec_name).map((h) => h.hash);
      expect(outFrames.length, `audio ${k}: frames`).toBe(refFrames.length);
      expect(outFrames, `audio ${k}: decoded frames`).toEqual(refFrames);
    });
  });

  it('keeps every presentation time of the input (relative to the first video frame, or the first audio frame)', () => {
    const inZero = input.video
      ? Math.min(...pts(input.probe, input.video.index).slice(input.firstKey))
      : Math.min(...pts(input.probe, input.audio[0]!.index));
    const outZero = outVideo()
      ? Math.min(...pts(output, outVideo()!.index))
      : Math.min(...pts(output, outAudio()[0]!.index));
    if (input.video) {
      const want = pts(input.probe, input.video.index)
        .slice(input.firstKey)
        .map((t) => t - inZero);
      const got = pts(output, outVideo()!.index).map((t) => t - outZero);
      expect(got.length).toBe(want.length);
      got.forEach((t, i) => {
        expect(Math.abs(t - want[i]!), `video packet ${i}: ${t} vs ${want[i]}`).toBeLessThanOrEqual(2e-6);
      });
    }
    input.audio.forEach((a, k) => {
      const want = pts(input.probe, a.index).map((t) => t - inZero);
      const got = pts(output, outAudio()[k]!.index).map((t) => t - outZero);
      expect(got.length, `audio ${k}`).toBe(want.length);
      // Block times are rounded (or cut) to the TimestampScale tick (1 ms at most in these inputs); weir's are exact
      // sample counts. The frames of a laced block have no time of their own: ffmpeg gives them the block's duration
      // split in whole milliseconds (up to 2 ms off by the end of a lace, scripts/mkv-summary.py), weir exact ones.
      const laced = (summary?.tracks.filter((t) => t.kind === 'audio')[k]?.lacing.length ?? 0) > 0;
      const tolerance = 1 / Number(a.sample_rate) + (laced ? 2e-3 : 1e-3) + 2e-6;
      got.forEach((t, i) => {
        expect(Math.abs(t - want[i]!), `audio ${k} packet ${i}: ${t} vs ${want[i]}`).toBeLessThanOrEqual(tolerance);
      });
    });
  });

  it('ffmpeg -v error decodes the output with no error line; weir probe says matroska', () => {
    expect(decodeErrors(out)).toEqual([]);
    const r = weir(['probe', file().path]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      container: string;
      tracks: { kind: string; codecString: string; samples: number }[];
    };
    expect(report.container).toBe('matroska');
    if (summary) {
      // The codec strings the summary derived from the file's own bytes (CodecPrivate, keyframe headers), and every
      // frame written.
      const byKind = <T extends { kind: string }>(list: T[]) => [...list].sort((x, y) => y.kind.localeCompare(x.kind));
      expect(byKind(report.tracks).map((t) => `${t.kind}:${t.codecString}:${t.samples}`)).toEqual(
        byKind(summary.tracks).map((t) => `${t.kind}:${t.codecString}:${t.packets}`),
      );
    }
  });
}

describe('WebM/Matroska fixtures (every track remuxable, not damaged)', () => {
  it('there are such fixtures', () => {
    expect(matroskaFixtures().length).toBeGreaterThanOrEqual(6);
  });
  for (const f of matroskaFixtures()) {
    const summary = JSON.parse(readFileSync(f.path.replace(/\.(webm|mkv)$/, '.json'), 'utf8')) as MkvSummary;
    describe(f.name, () => remuxSuite(() => f, summary));
  }
});

describe.skipIf(corpusUnset)('corpus WebM/Matroska files whose every track weir writes (WEIR_CORPUS)', () => {
  it('the WEIR_CORPUS folder is present', () => {
    requireCorpus();
  });
  for (const name of CORPUS_MATROSKA_REMUXABLE) {
    describe(name, () => remuxSuite(() => ({ name, path: `${corpusDir()}/webm/${name}` })));
  }
});
