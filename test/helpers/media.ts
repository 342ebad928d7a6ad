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

/** One expected track of a fixture summary (test/fixtures/<name>.json, written by scripts/fixture-summary.py). */
export interface SummaryTrack {
  kind: 'video' | 'audio';
  codec: string;
  codecString: string;
  width?: number;
  height?: number;
  sarNum?: number;
  sarDen?: number;
  sampleRate?: number;
  channels?: number;
  packets: number;
  firstPts: number;
  firstDts: number;
  lastPts: number;
  frameDuration: number;
}

export interface Summary {
  file: string;
  container: string;
  tracks: SummaryTrack[];
  startTime: number;
  duration: number;
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
