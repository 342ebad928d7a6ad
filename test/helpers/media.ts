/**
 * Where the test media lives: the committed fixtures, the demo sample, and the third-party corpus named by the
 * WEIR_CORPUS environment variable (see ../shared/corpus/MANIFEST.md).
 *
 * Corpus rule: WEIR_CORPUS unset → corpus tests are reported as skipped; set but the folder is missing → they fail.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(ROOT, 'test/fixtures');

/** A descriptor of a PMT elementary stream loop, as the summary script decoded it. */
export interface SummaryDescriptor {
  tag: number;
  name: string;
  /** The descriptor body in hex. */
  data: string;
  /** registration_descriptor (0x05). */
  formatIdentifier?: string;
  /** ISO_639_language_descriptor (0x0A). */
  languages?: { language: string; audioType: number }[];
  /** DVB extension descriptor (0x7F). */
  tagExtension?: number;
  [field: string]: unknown;
}

/** A run of decoded video frames of one size (a track whose size changes mid-stream). */
export interface SummarySegment {
  width: number;
  height: number;
  frames: number;
  firstPts: number;
}

/** One expected track of a fixture summary (test/fixtures/<name>.json, written by scripts/fixture-summary.py). */
export interface SummaryTrack {
  kind: 'video' | 'audio';
  /** ffprobe's codec name, except 'aac_latm' for AAC in LATM/LOAS (stream_type 0x11). */
  codec: string;
  codecString: string;
  width?: number;
  height?: number;
  sarNum?: number;
  sarDen?: number;
  sampleRate?: number;
  channels?: number;
  /** ISO 639 language from the PMT (absent when the stream has no language descriptor). */
  language?: string;
  /** MPEG audio layer (2 or 3) for the 'mp2'/'mp3' codecs, which share stream_type 0x03. */
  layer?: number;
  packets: number;
  firstPts: number;
  firstDts: number;
  lastPts: number;
  frameDuration: number;
  /** Elementary PID and stream_type from the PMT. */
  pid: number;
  streamType: number;
  descriptors: SummaryDescriptor[];
  /** Sizes in decoded order, when the size changes mid-stream. */
  segments?: SummarySegment[];
  /** HEVC: the IRAP nal_unit_types that occur (19/20 IDR, 21 CRA). */
  irapNalUnitTypes?: number[];
  /** HEVC: pictures coded as RADL/RASL. */
  leadingPictures?: number;
}

/** A run of packets removed from the source of a damaged fixture. */
export interface DroppedRun {
  pid: number;
  packets: number;
  /** Index of the first removed packet among the source's packets of that PID. */
  pidPacketIndex: number;
  sourceOffset: number;
  /** Where the packet after the run lands in the damaged file. */
  outputOffset: number;
}

/** A run of stray bytes inserted into the source of a damaged fixture. */
export interface GarbageRun {
  /** The bytes were inserted after this many source packets. */
  afterSourcePacket: number;
  outputOffset: number;
  length: number;
}

/** What the script that damaged a fixture did (`damage` in its summary). */
export type Damage =
  | { kind: 'dropped-packets'; source: string; runs: DroppedRun[] }
  | { kind: 'garbage'; source: string; seed: number; runs: GarbageRun[] };

export interface Summary {
  file: string;
  container: string;
  /** 188, or 192 for M2TS (a 4-byte TP_extra_header before each packet). */
  packetSize: number;
  tracks: SummaryTrack[];
  startTime: number;
  duration: number;
  damage?: Damage;
  /** Stray bytes found by the raw scan (damaged fixtures only). */
  resyncs?: { offset: number; length: number }[];
  /** Continuity-counter gaps found by the raw scan (damaged fixtures only). */
  continuityErrors?: { pid: number; offset: number; expected: number; found: number; missing: number }[];
}

/**
 * The summary codec names (SummaryTrack.codec) weir writes into MP4: the one list the tests judge "remuxable" by.
 * 'aac_latm' (AAC in LATM/LOAS, stream_type 0x11) joined it when the core wired LATM in (commit 6eb1d83); until
 * then weir skipped such a stream with TRACK_UNSUPPORTED (detail 0x11).
 */
export const REMUXED_CODECS: readonly string[] = [
  'h264',
  'hevc',
  'aac',
  'aac_latm',
  'mp3',
  'mp2',
  'ac3',
  'eac3',
  'opus',
];

/**
 * Codecs a fixture may carry that weir does not output yet, with the stream_type its TRACK_UNSUPPORTED warning
 * names (test/node/fixture-coverage.test.ts asserts the warning for every such fixture). None at present.
 */
export const PENDING_CODECS: Readonly<Record<string, { streamType: number }>> = {};

/** True when weir writes every track of the fixture into its MP4 output. */
export function isRemuxable(summary: Summary): boolean {
  return summary.tracks.every((t) => REMUXED_CODECS.includes(t.codec));
}

/**
 * Fixtures whose input is damaged on purpose (`damage` in the summary): not in the generic remux suite, whose
 * checks assume every frame of the input arrives; test/node/damaged-fixtures.test.ts checks them against the
 * clean source they were made from.
 */
export const DAMAGED_FIXTURES: readonly string[] = [
  'ts-h264-aac-gap.ts',
  'ts-h264-aac-garbage.ts',
  'ts-h264-ac3-gap.ts',
];

/**
 * The fixtures the generic remux suite (test/node/remux-ffmpeg.test.ts) leaves out for a test of their own, each with
 * that test. test/node/fixture-coverage.test.ts checks that every fixture is in the suite, here, or has a pending
 * codec, and only one of them.
 */
export const DEDICATED_FIXTURES: Readonly<Record<string, string>> = {
  'ts-h264-aac-gap.ts': 'test/node/damaged-fixtures.test.ts',
  'ts-h264-aac-garbage.ts': 'test/node/damaged-fixtures.test.ts',
  'ts-h264-ac3-gap.ts': 'test/node/silence.test.ts',
};

/**
 * The fixtures of the generic remux suite: every track remuxable (REMUXED_CODECS), not damaged on purpose. A fixture
 * with a pending codec is left out of it and covered by test/node/fixture-coverage.test.ts.
 */
export function genericFixtureFiles(): MediaFile[] {
  return fixtureFiles().filter((f) => !DAMAGED_FIXTURES.includes(f.name) && isRemuxable(readSummary(f.path)));
}

/** A media file a test runs over. */
export interface MediaFile {
  /** Short name used in test titles. */
  name: string;
  path: string;
}

/** Every committed TS fixture (test/fixtures/*.ts), sorted by name. */
export function fixtureFiles(): MediaFile[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.ts'))
    .sort()
    .map((f) => ({ name: f, path: join(FIXTURES, f) }));
}

/** The demo's sample (demo/media/sample.ts, made by the fixture script, with its summary beside it). */
export const DEMO_SAMPLE: MediaFile = { name: 'demo/media/sample.ts', path: join(ROOT, 'demo/media/sample.ts') };

export function fixturePath(name: string): string {
  return join(FIXTURES, name);
}

export function readSummary(tsPath: string): Summary {
  return JSON.parse(readFileSync(tsPath.replace(/\.ts$/, '.json'), 'utf8')) as Summary;
}

/**
 * The corpus files whose video is H.264 and audio AAC (or that are video-only H.264): every acceptance check of
 * issue 2 runs on them. Names are the files in `ts/` of the corpus (MANIFEST.md).
 */
export const CORPUS_H264_AAC = [
  'tsduck_test-072_h264-aac-st04-broadcast.ts',
  'shaka_hls-ts-muxed-aac-h264_n_0_0_0.ts',
  'shaka_hls-ts-b-frames_1.ts',
  'shaka_hls-ts-rollover_seg28_pts-wrap.ts',
  'shaka_hls-ts-rollover_seg29_after-wrap.ts',
  'muxjs_sintel-captions.ts',
  'muxjs_test-middle-pat-pmt.ts',
  'mediabunny_no-initial-keyframe.ts',
  'mediabunny_no-aud_truncated.ts',
];

/**
 * Corpus files of other codecs whose every track weir writes into MP4 and whose input decodes cleanly: the same
 * remux checks as the H.264/AAC list run on them (test/node/remux-ffmpeg.test.ts); corpus-robustness checks them too.
 */
export const CORPUS_OTHER_REMUXABLE = [
  'shaka_hls-ts-h265_0.ts',
  'shaka_hls-ts-muxed-aac-h265_0.ts',
  'shaka_hls-ts-muxed-ac3-h264_s_00000.ts',
  'shaka_hls-ts-muxed-mp3-h264_seg-1.ts',
  'shaka_hls-ts-muxed-opus-h264-2880_segment.ts',
  'mediabunny_ac3.ts',
];

/** The value of WEIR_CORPUS, resolved against the repository root; undefined when it is not set. */
export function corpusDir(): string | undefined {
  const value = process.env.WEIR_CORPUS;
  if (value === undefined || value === '') return undefined;
  return resolve(ROOT, value);
}

/** True when corpus tests should be skipped (WEIR_CORPUS is not set). */
export const corpusUnset = corpusDir() === undefined;

/**
 * Checks the corpus folder named by WEIR_CORPUS exists and holds ts/ and webm/. Call it inside a test: when
 * WEIR_CORPUS is set, a missing or incomplete folder must fail the run loudly, never skip it.
 */
export function requireCorpus(): string {
  const dir = corpusDir();
  if (dir === undefined) throw new Error('WEIR_CORPUS is not set (corpus tests should have been skipped)');
  for (const sub of ['ts', 'webm']) {
    const p = join(dir, sub);
    if (!existsSync(p) || !statSync(p).isDirectory()) {
      throw new Error(
        `WEIR_CORPUS=${process.env.WEIR_CORPUS} resolves to ${dir}, which has no ${sub}/ folder: ` +
          'point WEIR_CORPUS at the corpus (see ../shared/corpus/MANIFEST.md) or unset it to skip corpus tests',
      );
    }
  }
  return dir;
}

/** The listed H.264/AAC corpus files (paths are not checked here: a missing one fails in its own test). */
export function corpusH264AacFiles(): MediaFile[] {
  const dir = corpusDir();
  if (dir === undefined) return [];
  return CORPUS_H264_AAC.map((name) => ({ name, path: join(dir, 'ts', name) }));
}

/** Every corpus file not in CORPUS_H264_AAC, from ts/ and webm/ (empty when WEIR_CORPUS is unset or missing). */
export function corpusOtherFiles(): MediaFile[] {
  const dir = corpusDir();
  if (dir === undefined) return [];
  const out: MediaFile[] = [];
  for (const sub of ['ts', 'webm']) {
    const folder = join(dir, sub);
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder).sort()) {
      if (sub === 'ts' && CORPUS_H264_AAC.includes(f)) continue;
      out.push({ name: `${sub}/${f}`, path: join(folder, f) });
    }
  }
  return out;
}

export function fileLabel(path: string): string {
  return basename(path);
}
