// Chunk safety (DESIGN.md §2): the output for an input must be byte-identical whatever the chunking. Every fixture
// (the damaged ones and those with a codec weir does not output yet included: what weir does with them must not
// depend on the chunking either), MPEG-TS and WebM/Matroska, and with WEIR_CORPUS set every file of the corpus
// (ts/ and webm/), is pushed whole, in
// 1-byte, 7-byte, 188-byte and seeded random-size (1..70000) chunks, in both output modes; the output bytes, the
// init/fragment boundaries, the warnings (code, byte offset, track, detail) and the errors must all be the same as
// for the whole file.
//
// Every file is pushed whole in all chunkings, 1-byte included: measured on this machine, 1-byte chunking of the
// largest corpus file (1.8 MB) takes about a third of a second, so no file needs to be cut short.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputMode } from '../../engine/index.js';
import {
  CORPUS_H264_AAC,
  corpusDir,
  corpusUnset,
  DAMAGED_FIXTURES,
  DEDICATED_FIXTURES,
  DEMO_SAMPLE,
  FIXTURES,
  fixtureFiles,
  isRemuxable,
  type MediaFile,
  readSummary,
  requireCorpus,
} from '../helpers/media.js';
import {
  type Chunking,
  describeProblems,
  type RunResult,
  randomChunks,
  runEngine,
  sha1,
} from '../helpers/run-engine.js';

function seedOf(name: string): number {
  let h = 2166136261;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

const chunkings: [string, (file: MediaFile) => Chunking][] = [
  ['1-byte', () => 1],
  ['7-byte', () => 7],
  ['188-byte', () => 188],
  ['random 1..70000 (seeded)', (f) => randomChunks(seedOf(f.name))],
];

interface Digest {
  output: string;
  bytes: number;
  segments: string[];
  warnings: string[];
  errors: string[];
}

function digest(r: RunResult): Digest {
  if (r.thrown) throw r.thrown;
  return {
    output: sha1(r.output),
    bytes: r.output.length,
    segments: r.segments.map((s) => `${s.type}:${s.track ?? 'muxed'}:${s.length}`),
    warnings: describeProblems(r.warnings),
    errors: describeProblems(r.errors),
  };
}

/**
 * `expectOutput`: the whole file gives output and no error. `expectWarnings`: it gives warnings (a damaged input, a
 * stream weir skips), so that their offsets are compared across chunkings too.
 */
function chunkSuite(file: () => MediaFile, expectOutput: boolean, expectWarnings = false): void {
  let data: Uint8Array;
  const whole = new Map<string, Digest>();

  beforeAll(async () => {
    data = new Uint8Array(readFileSync(file().path));
    for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
      whole.set(mode, digest(await runEngine(data, { output: mode })));
    }
    whole.set('live', digest(await runEngine(data, { output: 'per-track', fragmentDuration: 100 })));
  });

  it('whole file: output and no error', () => {
    for (const [mode, d] of whole) {
      if (expectOutput) {
        expect(d.errors, mode).toEqual([]);
        expect(d.bytes, mode).toBeGreaterThan(0);
        expect(d.segments[0], mode).toMatch(/^init:/);
      }
      if (expectWarnings) expect(d.warnings.length, `${mode}: warnings`).toBeGreaterThan(0);
    }
  });

  for (const mode of ['muxed', 'per-track'] as OutputMode[]) {
    for (const [label, make] of chunkings) {
      it(`${mode}, ${label} chunks: same bytes, segments, warnings and errors as whole`, async () => {
        const d = digest(await runEngine(data, { output: mode }, make(file())));
        expect(d).toEqual(whole.get(mode));
      });
    }
  }

  it('per-track with 100 ms fragments (live), 1-byte chunks: same as whole', async () => {
    const d = digest(await runEngine(data, { output: 'per-track', fragmentDuration: 100 }, 1));
    expect(d).toEqual(whole.get('live'));
  });
}

describe('fixtures and the demo sample', () => {
  it('covers every fixture, the damaged ones and those with a pending codec included', () => {
    const names = fixtureFiles().map((f) => f.name);
    expect(names).toEqual(
      readdirSync(FIXTURES)
        .filter((f) => f.endsWith('.ts'))
        .sort(),
    );
    for (const name of [...DAMAGED_FIXTURES, ...Object.keys(DEDICATED_FIXTURES)]) expect(names).toContain(name);
  });

  for (const f of [...fixtureFiles(), DEMO_SAMPLE]) {
    const summary = readSummary(f.path);
    const warns = summary.damage !== undefined || !isRemuxable(summary);
    describe(f.name, () => chunkSuite(() => f, true, warns));
  }
});

/** Every MPEG-TS file of the corpus (ts/), the H.264/AAC ones first; empty when WEIR_CORPUS is unset. */
function corpusTsNames(): string[] {
  const dir = corpusDir();
  if (dir === undefined) return [];
  const others = readdirSync(join(dir, 'ts'))
    .filter((f) => !CORPUS_H264_AAC.includes(f))
    .sort();
  return [...CORPUS_H264_AAC, ...others];
}

describe.skipIf(corpusUnset)('corpus MPEG-TS files (WEIR_CORPUS)', () => {
  it('the WEIR_CORPUS folder is present', () => {
    requireCorpus();
  });
  for (const name of corpusTsNames()) {
    // Files that end with a fatal error (no track weir can output) are compared too: the same error, at the same
    // offset, whatever the chunking.
    describe(name, () => chunkSuite(() => ({ name, path: `${corpusDir()}/ts/${name}` }), false));
  }
});

describe('WebM/Matroska fixtures', () => {
  const names = readdirSync(FIXTURES)
    .filter((f) => /\.(webm|mkv)$/.test(f))
    .sort();
  it('there are such fixtures', () => {
    expect(names.length).toBeGreaterThanOrEqual(16);
  });
  for (const name of names) {
    // VP8 + Vorbis ends with NO_PLAYABLE_TRACKS (no MP4 form): the same error, at the same offset, for every chunking.
    const output = !/vp8/.test(name);
    describe(name, () => chunkSuite(() => ({ name, path: join(FIXTURES, name) }), output, /damaged|vp8/.test(name)));
  }
});

describe.skipIf(corpusUnset)('corpus WebM/Matroska files (WEIR_CORPUS)', () => {
  it('the WEIR_CORPUS folder is present', () => {
    requireCorpus();
  });
  const dir = corpusDir();
  const names = dir === undefined ? [] : readdirSync(join(dir, 'webm')).sort();
  for (const name of names) {
    // Damaged and cut files included: their warnings and errors must not depend on the chunking either.
    describe(name, () => chunkSuite(() => ({ name, path: `${corpusDir()}/webm/${name}` }), false));
  }
});
