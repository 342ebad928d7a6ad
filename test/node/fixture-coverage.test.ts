// Every committed fixture is judged by some test, and no fixture is skipped silently:
//
// - each one is in exactly one of: the generic remux suite (test/node/remux-ffmpeg.test.ts: every track's codec in
//   REMUXED_CODECS, not damaged), DEDICATED_FIXTURES (a test of its own, which must exist and name it), or the
//   pending list (a codec in PENDING_CODECS, which weir does not output yet);
// - a fixture with a pending codec must give TRACK_UNSUPPORTED with that stream's stream_type as detail, and the
//   rest of its tracks must still be written;
// - every codec of REMUXED_CODECS is carried by a fixture of the generic suite, and every codec a summary names is
//   classified (remuxed or pending).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../engine/codes.js';
import { readFmp4 } from '../helpers/fmp4.js';
import {
  DAMAGED_FIXTURES,
  DEDICATED_FIXTURES,
  FIXTURES,
  fixtureFiles,
  genericFixtureFiles,
  isRemuxable,
  PENDING_CODECS,
  REMUXED_CODECS,
  ROOT,
  readSummary,
} from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';

const all = fixtureFiles();
const generic = genericFixtureFiles().map((f) => f.name);
const pending = all.filter((f) => !isRemuxable(readSummary(f.path)));

describe('fixture coverage', () => {
  it('every fixture has its summary beside it', () => {
    for (const f of all) expect(existsSync(join(FIXTURES, f.name.replace(/\.ts$/, '.json'))), f.name).toBe(true);
  });

  it('every codec a summary names is remuxed or pending', () => {
    const known = [...REMUXED_CODECS, ...Object.keys(PENDING_CODECS)];
    for (const f of all) {
      for (const t of readSummary(f.path).tracks) expect(known, `${f.name}: ${t.codec}`).toContain(t.codec);
    }
  });

  it('every remuxed codec is carried by a fixture of the generic suite', () => {
    const carried = new Set(generic.flatMap((name) => readSummary(join(FIXTURES, name)).tracks.map((t) => t.codec)));
    expect([...REMUXED_CODECS].filter((c) => !carried.has(c))).toEqual([]);
  });

  it('every fixture is in exactly one of: the generic suite, a dedicated test, the pending list', () => {
    for (const f of all) {
      const places = [
        generic.includes(f.name) && 'generic suite',
        f.name in DEDICATED_FIXTURES && `dedicated (${DEDICATED_FIXTURES[f.name]})`,
        pending.includes(f) && 'pending codec',
      ].filter(Boolean);
      expect(places, f.name).toHaveLength(1);
    }
    expect(Object.keys(DEDICATED_FIXTURES).filter((name) => !all.some((f) => f.name === name))).toEqual([]);
  });

  it('the damaged fixtures (a summary with `damage`) are exactly DAMAGED_FIXTURES, each with a dedicated test', () => {
    const damaged = all.filter((f) => readSummary(f.path).damage !== undefined).map((f) => f.name);
    expect(damaged).toEqual([...DAMAGED_FIXTURES]);
    for (const name of damaged) expect(DEDICATED_FIXTURES[name], name).toBeDefined();
  });

  it('each dedicated test exists and names its fixture; the generic suite runs over genericFixtureFiles()', () => {
    for (const [name, test] of Object.entries(DEDICATED_FIXTURES)) {
      const path = join(ROOT, test);
      expect(existsSync(path), test).toBe(true);
      expect(readFileSync(path, 'utf8'), `${test} names ${name}`).toContain(name);
    }
    expect(readFileSync(join(ROOT, 'test/node/remux-ffmpeg.test.ts'), 'utf8')).toContain('genericFixtureFiles()');
  });
});

// None at present (aac_latm left PENDING_CODECS when LATM was wired in): the suite exists only when one does.
const describePending = pending.length > 0 ? describe : () => undefined;
describePending('fixtures with a codec weir does not output yet', () => {
  for (const f of pending) {
    const summary = readSummary(f.path);
    const skippedTracks = summary.tracks.filter((t) => !REMUXED_CODECS.includes(t.codec));
    it(`${f.name}: TRACK_UNSUPPORTED for ${skippedTracks.map((t) => t.codec).join(', ')}, the other tracks written`, async () => {
      const r = await runEngine(new Uint8Array(readFileSync(f.path)), { output: 'muxed' });
      expect(r.thrown).toBeUndefined();
      expect(r.errors).toEqual([]);
      const unsupported = r.warnings.filter((w) => w.code === ErrorCodes.TRACK_UNSUPPORTED).map((w) => w.detail);
      for (const t of skippedTracks) {
        expect(t.streamType, `${t.codec}: the stream_type PENDING_CODECS names`).toBe(
          PENDING_CODECS[t.codec]!.streamType,
        );
        expect(unsupported, `${t.codec} (stream_type 0x${t.streamType.toString(16)})`).toContain(t.streamType);
      }
      const written = readFmp4(r.output).map((t) => t.handler);
      const kept = summary.tracks.filter((t) => REMUXED_CODECS.includes(t.codec));
      expect(written).toEqual(kept.map((t) => (t.kind === 'video' ? 'vide' : 'soun')));
    });
  }
});
