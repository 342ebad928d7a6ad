// Damaged WebM (issue 4: "damaged sizes detected and resynchronised at the next Cluster, never a trap or an unbounded
// wait"; the project rule: a damaged packet costs at most its own access unit). The fixture webm-vp9-opus-damaged.webm
// is webm-vp9-opus.webm with 40 bytes of garbage inside its first Cluster and one Opus block whose size field lies;
// its summary's `damage` says where (scripts/mkv-rewrite.py). weir must report exactly those two places, with the
// bytes it skipped, lose nothing but the block whose size was wrong (its 20 ms filled with a silent Opus frame,
// reported), and write an output ffmpeg decodes without an error line.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../engine/index.js';
import { decodeErrors, requireFfmpeg } from '../helpers/ffmpeg.js';
import { readFmp4 } from '../helpers/fmp4.js';
import { FIXTURES } from '../helpers/media.js';
import { type RunResult, runEngine } from '../helpers/run-engine.js';

interface Damage {
  changes: { kind: string; offset: number; resumeAt: number; cluster: number; block?: number }[];
}

let tmp: string;
let damaged: RunResult;
let clean: RunResult;
let damage: Damage;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-mkv-damage-'));
  damage = (JSON.parse(readFileSync(join(FIXTURES, 'webm-vp9-opus-damaged.json'), 'utf8')) as { damage: Damage })
    .damage;
  damaged = await runEngine(new Uint8Array(readFileSync(join(FIXTURES, 'webm-vp9-opus-damaged.webm'))), {
    output: 'muxed',
  });
  clean = await runEngine(new Uint8Array(readFileSync(join(FIXTURES, 'webm-vp9-opus.webm'))), { output: 'muxed' });
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('a damaged WebM: garbage inside a Cluster and a block size that lies', () => {
  it('reports each damage once, where it is, with the bytes skipped up to where reading resumes', () => {
    expect(damaged.thrown).toBeUndefined();
    expect(damaged.errors).toEqual([]);
    const invalid = damaged.warnings.filter((w) => w.code === ErrorCodes.ELEMENT_INVALID);
    expect(invalid.map((w) => [w.offset, w.detail])).toEqual(
      damage.changes.map((c) => [c.offset, c.resumeAt - c.offset]),
    );
  });

  it('loses only the block whose size lied: every video frame, every other Opus frame, and one silent frame for it', () => {
    const out = readFmp4(damaged.output);
    const ref = readFmp4(clean.output);
    const video = out.find((t) => t.handler === 'vide')!;
    const refVideo = ref.find((t) => t.handler === 'vide')!;
    expect(video.samples.map((s) => Buffer.from(s.data).toString('hex'))).toEqual(
      refVideo.samples.map((s) => Buffer.from(s.data).toString('hex')),
    );
    const audio = out.find((t) => t.handler === 'soun')!.samples;
    const refAudio = ref.find((t) => t.handler === 'soun')!.samples;
    expect(audio.length).toBe(refAudio.length);
    const differing = audio.flatMap((s, i) => (Buffer.from(s.data).equals(Buffer.from(refAudio[i]!.data)) ? [] : [i]));
    expect(differing, 'one Opus frame replaced').toHaveLength(1);
    // The silent CELT packet (RFC 6716 4.3: TOC of a 20 ms stereo CELT frame, then the silence flag), in place of
    // the lost one, at the same time.
    expect(Buffer.from(audio[differing[0]!]!.data).toString('hex')).toBe('fcfffe');
    expect(audio[differing[0]!]!.dts).toBe(refAudio[differing[0]!]!.dts);
    const fills = damaged.warnings.filter((w) => w.code === ErrorCodes.AUDIO_GAP_FILLED);
    expect(fills.map((w) => w.detail)).toEqual([1]);
  });

  it('ffmpeg decodes the output without an error line', () => {
    requireFfmpeg();
    const path = join(tmp, 'damaged.mp4');
    writeFileSync(path, damaged.output);
    expect(decodeErrors(path)).toEqual([]);
  });
});
