// Robustness (issue 2, Acceptance): every corpus file that is not an H.264/AAC stream, broken and hostile input,
// and the CLI on bad input. Nothing may crash, hang or trap: each input ends with output (and warnings) or with one
// typed error (a WeirError whose code engine/codes.ts knows, never INTERNAL = a trap or OUTPUT_OVERFLOW = a bug).
//
// Runs that could hang are made in child processes with a time limit (a synchronous WebAssembly loop cannot be
// interrupted from its own thread): the CLI, and test/helpers/engine-runner.mjs, which drives the engine built in
// lib/. The in-process checks with the TypeScript sources run only after a child showed the input terminates.
//
// Each TS file's outcome is pinned in EXPECTED, as checked by running weir and ffprobe/ffmpeg on the output: the
// fatal error, or the streams of the output (ffprobe's codec names), the stream_types skipped with TRACK_UNSUPPORTED
// (exactly those), and an output that decodes without an ffmpeg error line (for a capture whose input itself does
// not decode cleanly: no more error lines than the input). The damaged capture tsduck 143 also has its
// CONTINUITY_ERROR warnings checked against an independent scan of its continuity counters.
//
// Known, accepted limits of this build (not failures): DVB subtitles and teletext (private data, 0x06, without an
// audio descriptor) are skipped with TRACK_UNSUPPORTED; a file without any PES weir can read (muxjs stuffed-pes)
// gives NO_PLAYABLE_TRACKS; WebM/Matroska tracks of codecs without an MP4 form (VP8, Vorbis, FFV1) are left out
// with CODEC_NOT_IN_MP4.

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeName, ErrorCodes } from '../../engine/codes.js';
import { WeirError } from '../../engine/errors.js';
import { weir } from '../helpers/cli.js';
import { decodeErrors, probe } from '../helpers/ffmpeg.js';
import { CORPUS_H264_AAC, corpusDir, corpusUnset, fixturePath, ROOT, requireCorpus } from '../helpers/media.js';
import { prng, runEngine } from '../helpers/run-engine.js';

const TIME_LIMIT_MS = 10_000;
const KNOWN = new Set<number>(Object.values(ErrorCodes));
/** Codes that mean a bug in weir rather than a property of the input. */
const BUGS = new Set<number>([ErrorCodes.INTERNAL, ErrorCodes.OUTPUT_OVERFLOW]);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-robust-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface RunnerResult {
  file: string;
  ms: number;
  runs: {
    output: string;
    fragmentDuration: number;
    bytes: number;
    inits: number;
    fragments: number;
    warnings: number[];
    errors: { code: number; name: string; isWeirError: boolean }[];
    thrown?: string;
  }[];
}

/** Runs test/helpers/engine-runner.mjs over files; throws naming the file that did not finish in time. */
function runInChild(files: string[], limitMs: number): RunnerResult[] {
  const r = spawnSync(process.execPath, [join(ROOT, 'test/helpers/engine-runner.mjs'), ...files], {
    encoding: 'utf8',
    timeout: limitMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const lines = (r.stdout ?? '').split('\n').filter((l) => l.startsWith('{'));
  const results = lines.map((l) => JSON.parse(l) as RunnerResult | { start: string }).filter((x) => 'runs' in x);
  if (r.status !== 0 || results.length !== files.length) {
    const started = lines.map((l) => JSON.parse(l) as { start?: string }).filter((x) => x.start);
    const last = started.at(-1)?.start ?? '(none)';
    throw new Error(
      `engine runner did not finish (status ${r.status}, signal ${r.signal}): ` +
        `${r.signal === 'SIGKILL' ? `over ${limitMs} ms, ` : ''}last input started: ${last}\n${r.stderr}`,
    );
  }
  return results as RunnerResult[];
}

/** The checks every run of every input must pass. */
function expectClean(result: RunnerResult): void {
  expect(result.ms, 'time').toBeLessThan(TIME_LIMIT_MS);
  for (const run of result.runs) {
    const label = `${run.output}/${run.fragmentDuration}`;
    expect(run.thrown, `${label}: thrown`).toBeUndefined();
    for (const code of run.warnings) expect(KNOWN.has(code), `${label}: warning code ${code}`).toBe(true);
    expect(run.errors.length, `${label}: errors`).toBeLessThanOrEqual(1);
    for (const e of run.errors) {
      expect(e.isWeirError, `${label}: error type ${e.name}`).toBe(true);
      expect(KNOWN.has(e.code), `${label}: error code ${e.code}`).toBe(true);
      expect(BUGS.has(e.code), `${label}: ${codeName(e.code)} is a bug`).toBe(false);
    }
    // Either output (an init segment and fragments) or one fatal error.
    if (run.errors.length === 0) {
      expect(run.inits, `${label}: init`).toBeGreaterThan(0);
      expect(run.fragments, `${label}: fragments`).toBeGreaterThan(0);
    }
  }
}

/** What a corpus file must give (checked by running weir on it; see MANIFEST.md for the files). */
interface Expected {
  /** The fatal error code; none: the file gives output. */
  fatal?: keyof typeof ErrorCodes;
  /** The stream_types skipped with TRACK_UNSUPPORTED (the warnings' details), as a set; none when absent. */
  unsupported?: number[];
  /** ffprobe's codec names of the output's streams, in order (MP2 in MP4 is 'mp3': object type 0x6B). */
  output?: string[];
  /** Why the input itself does not decode cleanly: the output may print error lines, no more than the input. */
  decodeNote?: string;
  /** Check the CONTINUITY_ERROR warnings against an independent scan of the continuity counters. */
  continuity?: boolean;
  /** WebM/Matroska: the codecs (wasm/codes.ts Codec ids, 0: a CodecID weir does not know) left out with CODEC_NOT_IN_MP4. */
  notInMp4?: number[];
}

const VP8 = 13;
const VORBIS = 14;
const UNKNOWN_CODEC = 0;

const EXPECTED: Record<string, Expected> = {
  // 7 packets of H.264 and AC-3: the AC-3 PES never completes (TRACK_NO_DATA).
  'ts/exiftool_M2TS.mts': {
    output: ['h264'],
    decodeNote: 'its 7 packets hold only the start of a 1080p frame; ffmpeg reports the same error on the input',
  },
  'ts/mediabunny_ac3.ts': { output: ['ac3'] },
  'ts/muxjs_test-stuffed-pes.ts': { fatal: 'NO_PLAYABLE_TRACKS' },
  'ts/shaka_hls-ts-h265_0.ts': { output: ['hevc'] },
  'ts/shaka_hls-ts-muxed-aac-h265_0.ts': { output: ['hevc', 'aac'] },
  // AC-3 with DVB signalling (stream_type 0x06 + AC-3 descriptor), German.
  'ts/shaka_hls-ts-muxed-ac3-h264_s_00000.ts': { output: ['h264', 'ac3'] },
  'ts/shaka_hls-ts-muxed-mp3-h264_seg-1.ts': { output: ['h264', 'mp3'] },
  'ts/shaka_hls-ts-muxed-opus-h264-2880_segment.ts': { output: ['h264', 'opus'] },
  'ts/shaka_id3-metadata.ts': { output: ['aac'] },
  // H.264 that starts mid-GOP and holds no IDR picture in its 1.9 s: output starts at its I picture with a
  // recovery point SEI; 3 E-AC-3 tracks (DVB signalling); 2 DVB subtitle streams skipped.
  'ts/tsduck_test-026_dvb-h264-3xeac3-dvbsub.ts': {
    unsupported: [0x06],
    output: ['h264', 'eac3', 'eac3', 'eac3'],
    decodeNote: 'a capture cut mid-stream: its pictures reference pictures before the cut (mmco, MB errors)',
  },
  // HEVC 2160p + SCTE-35 in the third of five programs; its AAC PID never starts a PES (TRACK_NO_DATA).
  'ts/tsduck_test-137_hevc2160-aac-scte35-multiprog.ts': { output: ['hevc'] },
  // Every PMT copy in the capture fails its CRC_32 (damaged on purpose): weir rebuilds it by a majority vote of
  // three copies. Its video never gives a whole access unit (86 continuity gaps on its PID: TRACK_NO_DATA), the
  // first MPEG-1 layer II track does; teletext and DVB subtitles are skipped.
  'ts/tsduck_test-143_damaged-dvb-h264-mpa-scte35-teletext.ts': {
    unsupported: [0x06],
    output: ['mp3'],
    continuity: true,
  },
  // WebM/Matroska (issue 4). Files whose every track MP4 holds also pass the ffmpeg checks of
  // test/node/remux-matroska.test.ts (CORPUS_MATROSKA_REMUXABLE); these are their outcomes here.
  'webm/libwebm_bbb_480p_vp9_opus_1second.webm': { output: ['vp9', 'opus'] },
  'webm/libwebm_test_stereo_left_right.webm': { output: ['vp9'] },
  'webm/mediabunny_trim-buck-bunny.webm': { output: ['vp9', 'opus'] },
  // H.264 + AAC; its SRT and ASS subtitle tracks are not media weir outputs (no warning: not video or audio).
  'webm/mediabunny_test-mkv-multi.mkv': { output: ['h264', 'aac'] },
  'webm/mediabunny_multi-cluster.mkv': { output: ['h264'] },
  'webm/mediabunny_annex-b-avc.mkv': { output: ['h264'] },
  'webm/nestegg_detodos.webm': { output: ['opus'] },
  'webm/metube_test-av1-opus.webm': { output: ['av1', 'opus'] },
  // CELLAR conformance vectors: FFV1 (no MP4 form weir writes) + FLAC. The odd EBML (an unknown element in the EBML
  // header, a Void at level 0) is skipped and the FLAC track is written.
  'webm/cellar_invalid_ebml_level_0_void.mkv': { output: ['flac'], notInMp4: [UNKNOWN_CODEC] },
  'webm/cellar_invalid_ebml_unknown_element.mkv': { output: ['flac'], notInMp4: [UNKNOWN_CODEC] },
  'webm/cellar_timecode_side_data.mkv': { fatal: 'NO_PLAYABLE_TRACKS', notInMp4: [UNKNOWN_CODEC] },
  // Truncated to 48 KB inside its Tracks' huge ASS CodecPrivate; its one block has a fixed lacing that does not
  // divide (BLOCK_INVALID): no whole frame of H.264 or MP3 at all.
  'webm/libwebm_invalid_fixed_lacing_bad_lace_size.mkv': { fatal: 'NO_PLAYABLE_TRACKS' },
  // VP8 and Vorbis have no MP4 form: the CLI and the engine say so (the player plays them by WebM passthrough).
  'webm/nestegg_bug1592193.webm': { fatal: 'NO_PLAYABLE_TRACKS', notInMp4: [VP8, VORBIS] },
  'webm/nestegg_dancer1rb.webm': { fatal: 'NO_PLAYABLE_TRACKS', notInMp4: [VP8] },
  'webm/nestegg_demo_short.webm': { fatal: 'NO_PLAYABLE_TRACKS', notInMp4: [VP8, VORBIS] },
  'webm/nestegg_seek_sub.webm': { fatal: 'NO_PLAYABLE_TRACKS', notInMp4: [VP8] },
  // Firefox's fuzz-style file: its VP9 never gives a whole keyframe (TRACK_NO_DATA), its laced Opus does.
  'webm/nestegg_bug2020502.webm': { output: ['opus'] },
  // MediaRecorder files: the Opus track is written, VP8 is not.
  'webm/tsebml_chrome57.webm': { output: ['opus'], notInMp4: [VP8] },
  'webm/tsebml_firefox55nightly.webm': { output: ['opus'], notInMp4: [VP8] },
};

/**
 * Continuity-counter gaps (ISO/IEC 13818-1 2.4.3.3), per PID: the byte offset of each packet whose counter does not
 * follow the one before on its PID. Read from clean 188-byte packets, independently of wasm/: only packets with a
 * payload step the counter; a duplicate packet (same counter, same payload) is allowed once; a discontinuity_indicator
 * allows any value; a packet with transport_error_indicator set is skipped and the next one starts the count anew
 * (its header, counter included, is not reliable); a packet with an impossible adaptation_field_length is skipped.
 */
function continuityGaps(data: Uint8Array): Map<number, number[]> {
  const last = new Map<number, { cc: number; payload: Uint8Array } | undefined>();
  const gaps = new Map<number, number[]>();
  for (let o = 0; o + 188 <= data.length; o += 188) {
    if (data[o] !== 0x47) throw new Error(`continuityGaps: no sync byte at ${o}`);
    const pid = ((data[o + 1]! & 0x1f) << 8) | data[o + 2]!;
    if (data[o + 1]! & 0x80) {
      last.set(pid, undefined); // transport_error_indicator
      continue;
    }
    const afc = (data[o + 3]! >> 4) & 3; // adaptation_field_control
    const cc = data[o + 3]! & 0x0f; // continuity_counter
    let start = o + 4;
    let discontinuity = false;
    if (afc & 2) {
      const length = data[o + 4]!; // adaptation_field_length
      if (length > 183) continue;
      if (length > 0) discontinuity = (data[o + 5]! & 0x80) !== 0; // discontinuity_indicator
      start = o + 5 + length;
    }
    if (!(afc & 1)) continue; // no payload: the counter does not step
    const payload = data.subarray(start, o + 188);
    const before = last.get(pid);
    if (before && !discontinuity) {
      const duplicate = cc === before.cc && Buffer.from(payload).equals(Buffer.from(before.payload));
      if (duplicate) continue;
      if (cc !== ((before.cc + 1) & 0x0f)) gaps.set(pid, [...(gaps.get(pid) ?? []), o]);
    }
    last.set(pid, { cc, payload });
  }
  return gaps;
}

/** The corpus files this test covers: all of webm/, and the files of ts/ listed in EXPECTED. */
function coveredNames(): string[] {
  const dir = corpusDir();
  if (dir === undefined || !existsSync(join(dir, 'ts')) || !existsSync(join(dir, 'webm'))) return [];
  return [
    ...readdirSync(join(dir, 'ts'))
      .sort()
      .map((f) => `ts/${f}`)
      .filter((n) => n in EXPECTED),
    ...readdirSync(join(dir, 'webm'))
      .sort()
      .map((f) => `webm/${f}`),
  ];
}

function expectedFor(name: string): Expected {
  const e = EXPECTED[name];
  if (!e) throw new Error(`${name}: no expected outcome in EXPECTED (add one after checking the file by hand)`);
  return e;
}

describe.skipIf(corpusUnset)('corpus: every file that is not H.264/AAC (WEIR_CORPUS)', () => {
  const names = coveredNames();
  let results: Map<string, RunnerResult> | undefined;

  beforeAll(() => {
    const root = requireCorpus();
    const all = runInChild(
      names.map((n) => join(root, n)),
      30_000 + names.length * TIME_LIMIT_MS,
    );
    results = new Map(all.map((r) => [r.file.slice(root.length + 1), r]));
  });

  it('the WEIR_CORPUS folder is present, and every file of ts/ is covered here or by the H.264/AAC tests', () => {
    const root = requireCorpus();
    const rest = readdirSync(join(root, 'ts')).filter((f) => !(`ts/${f}` in EXPECTED));
    expect(rest.sort()).toEqual([...CORPUS_H264_AAC].sort());
    expect(names.filter((n) => n.startsWith('webm/')).length).toBeGreaterThanOrEqual(19);
  });

  for (const name of names) {
    it(`${name}: ends with output or one typed error, in time, in both modes (child process)`, () => {
      const result = results?.get(name);
      expect(result, 'a result from the child').toBeDefined();
      expectClean(result!);
      const expected = expectedFor(name);
      for (const run of result!.runs) {
        expect(run.errors.map((e) => codeName(e.code))).toEqual(expected.fatal ? [expected.fatal] : []);
      }
    });

    it(`${name}: in process (TypeScript engine): same outcome, unsupported tracks skipped with a warning`, async () => {
      if (!results?.has(name)) throw new Error('the child run did not finish: not run in process');
      const expected = expectedFor(name);
      const path = join(corpusDir()!, name);
      const r = await runEngine(new Uint8Array(readFileSync(path)), { output: 'muxed' });
      expect(r.thrown).toBeUndefined();
      for (const e of [...r.errors, ...r.warnings]) expect(e).toBeInstanceOf(WeirError);
      expect(r.errors.map((e) => e.codeName)).toEqual(expected.fatal ? [expected.fatal] : []);
      const skipped = r.warnings.filter((w) => w.code === ErrorCodes.TRACK_UNSUPPORTED).map((w) => w.detail ?? -1);
      const byValue = (a: number, b: number) => a - b;
      expect([...new Set(skipped)].sort(byValue), 'stream_types skipped with TRACK_UNSUPPORTED').toEqual(
        [...(expected.unsupported ?? [])].sort(byValue),
      );
      const notInMp4 = r.warnings.filter((w) => w.code === ErrorCodes.CODEC_NOT_IN_MP4).map((w) => w.detail ?? -1);
      expect(notInMp4.sort(byValue), 'codecs left out with CODEC_NOT_IN_MP4').toEqual(
        [...(expected.notInMp4 ?? [])].sort(byValue),
      );
      if (expected.fatal) return;
      // Output: its streams, and it decodes without error (a damaged or cut input: no worse than the input).
      const out = join(tmp, `${name.replace(/\//g, '_')}.mp4`);
      writeFileSync(out, r.output);
      expect(expected.output, 'EXPECTED names the output streams').toBeDefined();
      expect(probe(out).streams.map((s) => s.codec_name)).toEqual(expected.output);
      const outErrors = decodeErrors(out);
      if (expected.decodeNote) {
        const inErrors = decodeErrors(path);
        expect(inErrors.length, `the input itself: ${expected.decodeNote}`).toBeGreaterThan(0);
        expect(outErrors.length, `output error lines vs the input's ${inErrors.length}`).toBeLessThanOrEqual(
          inErrors.length,
        );
      } else {
        expect(outErrors).toEqual([]);
      }
      if (expected.continuity) {
        // weir reports each gap once, on the packet after it, with the PID as detail, for the PIDs it has tracks
        // for; a gap before the packets it holds while it has no PMT yet is not seen. With every PMT copy damaged,
        // the vote needs three copies and more: so the gaps reported on every PID are all the gaps from one point
        // on, and that point is before the third PMT copy (the earliest a vote could give a map).
        const gaps = continuityGaps(new Uint8Array(readFileSync(path)));
        const reported = r.warnings.filter((w) => w.code === ErrorCodes.CONTINUITY_ERROR);
        const pids = [...new Set(reported.map((w) => w.detail!))].sort((a, b) => a - b);
        // The PIDs of the output's tracks, from weir probe (its JSON is printed also when it exits with the cut).
        const report = JSON.parse(weir(['probe', path], { timeoutMs: TIME_LIMIT_MS }).stdout) as {
          tracks: { pid: number }[];
        };
        const outputPids = report.tracks.map((t) => t.pid);
        expect(outputPids.length).toBe(expected.output!.length);
        for (const pid of outputPids) expect(pids, 'gaps on every output PID are reported').toContain(pid);
        const cut = Math.min(...reported.map((w) => w.offset!));
        for (const pid of pids) {
          const all = gaps.get(pid) ?? [];
          const mine = reported.filter((w) => w.detail === pid).map((w) => w.offset);
          expect(mine, `PID ${pid}: the independent scan's gaps from byte ${cut} on`).toEqual(
            all.filter((o) => o >= cut),
          );
        }
        expect(cut, 'the first reported gap: before the third PMT copy').toBeLessThan(thirdPmtCopy(path));
        expect(reported.length).toBe(
          pids.reduce((n, pid) => n + (gaps.get(pid) ?? []).filter((o) => o >= cut).length, 0),
        );
      }
    });
  }
});

/**
 * The byte offset of the packet that completes the third copy of the PMT after the first PAT whose CRC passes: the
 * earliest point a vote of three damaged copies can give weir a map.
 */
function thirdPmtCopy(path: string): number {
  const data = new Uint8Array(readFileSync(path));
  let pmtPid = -1;
  let copies = 0;
  let collected = -1; // bytes of the section being collected (-1: none)
  let total = 0;
  for (let o = 0; o + 188 <= data.length; o += 188) {
    const pid = ((data[o + 1]! & 0x1f) << 8) | data[o + 2]!;
    const pusi = (data[o + 1]! & 0x40) !== 0;
    const afc = (data[o + 3]! >> 4) & 3;
    const start = afc & 2 ? o + 5 + data[o + 4]! : o + 4;
    if (!(afc & 1) || start >= o + 188) continue;
    if (pid === 0 && pusi && pmtPid < 0) {
      const s = start + 1 + data[start]!; // after pointer_field
      const length = ((data[s + 1]! & 0x0f) << 8) | data[s + 2]!; // section_length
      if (crc32(data.subarray(s, s + 3 + length)) === 0) {
        for (let i = s + 8; i + 4 <= s + 3 + length - 4; i += 4) {
          const program = (data[i]! << 8) | data[i + 1]!;
          if (program !== 0) {
            pmtPid = ((data[i + 2]! & 0x1f) << 8) | data[i + 3]!;
            break;
          }
        }
      }
      continue;
    }
    if (pid !== pmtPid) continue;
    if (pusi) {
      const s = start + 1 + data[start]!;
      total = 3 + (((data[s + 1]! & 0x0f) << 8) | data[s + 2]!);
      collected = o + 188 - s;
    } else if (collected >= 0) {
      collected += o + 188 - start;
    }
    if (collected >= total && collected >= 0) {
      collected = -1;
      if (++copies === 3) return o;
    }
  }
  throw new Error(`${path}: fewer than three PMT copies`);
}

/** CRC_32 of MPEG-2 sections (ISO/IEC 13818-1 Annex A): 0 over a whole section that is intact. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
  }
  return crc >>> 0;
}

describe('CLI on bad input: one error line, non-zero exit, no stack trace', () => {
  /** Runs the CLI and returns its error line(s): stderr lines that are not warnings. */
  function fails(args: string[]): { status: number | null; errorLines: string[]; stderr: string } {
    const r = weir(args, { cwd: tmp, timeoutMs: TIME_LIMIT_MS });
    expect(r.timedOut, 'finished in time').toBe(false);
    expect(r.stderr, 'no stack trace').not.toMatch(/^ {4}at /m);
    const errorLines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('weir: warning '));
    return { status: r.status, errorLines, stderr: r.stderr };
  }

  const cases: [string, () => string, RegExp][] = [
    ['a file that does not exist', () => join(tmp, 'missing.ts'), /cannot read .*: no such file/],
    [
      'an unreadable file',
      () => {
        const p = join(tmp, 'unreadable.ts');
        if (process.getuid?.() === 0) {
          // root reads any file whatever its mode: a symlink loop cannot be opened by anyone.
          rmSync(p, { force: true });
          symlinkSync(p, p);
        } else {
          writeFileSync(p, readFileSync(fixturePath('ts-h264-baseline-aac.ts')), { mode: 0o000 });
        }
        return p;
      },
      /cannot read /,
    ],
    [
      'an empty file',
      () => {
        const p = join(tmp, 'empty.ts');
        writeFileSync(p, '');
        return p;
      },
      /EMPTY_INPUT \(204\)/,
    ],
    [
      'a directory',
      () => {
        const p = join(tmp, 'a-directory');
        mkdirSync(p, { recursive: true });
        return p;
      },
      /is a directory/,
    ],
    [
      'an HTML page (a server error page)',
      () => {
        const p = join(tmp, 'page.ts');
        writeFileSync(
          p,
          '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n' +
            '<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n' +
            '<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n'.repeat(6),
        );
        return p;
      },
      /NOT_MPEG_TS \(201\)/,
    ],
    [
      // Table rows of nearly equal length put 'G' (0x47, the sync byte) 188 bytes apart a few times in a row,
      // enough for the sync search to lock on briefly: weir then says no track was found. Still one typed error
      // line; NOT_MPEG_TS would name the problem better (a known weakness of the 3-packet sync check).
      'an HTML page with a long table',
      () => {
        const p = join(tmp, 'table.ts');
        const rows = Array.from(
          { length: 400 },
          (_, k) => `<tr><td>GET /media/${k}.ts</td><td>Gone ${k * 7}</td></tr>`,
        );
        writeFileSync(p, `<!doctype html>\n<html><body><table>\n${rows.join('\n')}</table></body></html>\n`);
        return p;
      },
      /(NOT_MPEG_TS \(201\)|NO_PLAYABLE_TRACKS \(203\))/,
    ],
    [
      'a WebM file that ends before its Tracks',
      () => {
        // An EBML header (DocType "webm") and the start of a Segment, as every WebM file begins, then zeros.
        const p = join(tmp, 'clip.webm');
        const header = [0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2];
        const rest = [0x81, 0x04, 0x42, 0xf3, 0x81, 0x08, 0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d, 0x42, 0x87];
        const tail = [0x81, 0x04, 0x42, 0x85, 0x81, 0x02, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff];
        writeFileSync(p, Uint8Array.from([...header, ...rest, ...tail, ...new Array(4000).fill(0)]));
        return p;
      },
      /MATROSKA_INVALID \(207\)/,
    ],
  ];

  for (const [label, make, message] of cases) {
    for (const command of ['remux', 'probe']) {
      it(`${command}: ${label}`, () => {
        const input = make();
        const out = join(tmp, `out-${command}-${label.replace(/\W+/g, '-')}.mp4`);
        const r = fails(command === 'remux' ? ['remux', input, '-o', out] : ['probe', input]);
        expect(r.status).toBe(1);
        expect(r.errorLines, r.stderr).toHaveLength(1);
        expect(r.errorLines[0]).toMatch(/^weir: /);
        expect(r.errorLines[0]).toMatch(message);
        expect(existsSync(out), 'no output left behind').toBe(false);
        expect(existsSync(`${out}.partial`), 'no partial output left behind').toBe(false);
      });
    }
  }

  for (const [cut, code] of [
    [100_000, 'TRUNCATED_INPUT \\(108\\)'],
    [188 * 500, 'INCOMPLETE_ACCESS_UNIT \\(114\\)'],
  ] as const) {
    it(`remux and probe: a fixture truncated to its first ${cut} bytes`, () => {
      const input = join(tmp, `truncated-${cut}.ts`);
      writeFileSync(input, readFileSync(fixturePath('ts-h264-baseline-aac.ts')).subarray(0, cut));
      const out = join(tmp, `truncated-${cut}.mp4`);
      const remux = fails(['remux', input, '-o', out]);
      expect(remux.status).toBe(1);
      expect(remux.errorLines, remux.stderr).toHaveLength(1);
      expect(remux.errorLines[0]).toMatch(new RegExp(`^weir: .*: ${code}: .*holds everything before it$`));
      // What came before the cut is whole and kept.
      expect(decodeErrors(out)).toEqual([]);
      const probe = fails(['probe', input]);
      expect(probe.status).toBe(1);
      expect(probe.errorLines).toHaveLength(1);
      expect(probe.errorLines[0]).toMatch(new RegExp(`^weir: .*: ${code}`));
    });
  }
});

describe('hostile input: seeded bit flips, garbage and cuts of a fixture never trap, throw or hang', () => {
  const CASES = 40;
  const files: string[] = [];

  beforeAll(() => {
    const sources = ['ts-h264-baseline-aac.ts', 'ts-h264-high-bframes-aac.ts'].map(
      (f) => new Uint8Array(readFileSync(fixturePath(f))),
    );
    for (let i = 0; i < CASES; i++) {
      const random = prng(0x5eed + i);
      const int = (n: number) => Math.floor(random() * n);
      let data: Uint8Array = sources[i % 2]!.slice();
      const kind = i < 36 ? i % 4 : i;
      if (kind === 36) {
        data = Uint8Array.from({ length: 300_000 }, () => int(256)); // noise
      } else if (kind === 37) {
        data.fill(0x47); // every byte a sync byte
      } else if (kind === 38) {
        // the PAT and PMT packets removed: the held packets are never replayed
        const keep: number[] = [];
        for (let o = 0; o + 188 <= data.length; o += 188) {
          const pid = ((data[o + 1]! & 0x1f) << 8) | data[o + 2]!;
          if (pid !== 0 && pid !== 0x1000) keep.push(o);
        }
        data = Uint8Array.from(keep.flatMap((o) => [...data.subarray(o, o + 188)]));
      } else if (kind === 39) {
        // whole packets in random order
        const n = Math.floor(data.length / 188);
        const order = Array.from({ length: n }, (_, k) => k).sort(() => random() - 0.5);
        data = Uint8Array.from(order.flatMap((k) => [...data.subarray(k * 188, k * 188 + 188)]));
      } else if (kind === 0) {
        // bit flips: from a handful to thousands
        const flips = 1 + int(i < 8 ? 20 : 5000);
        for (let k = 0; k < flips; k++) data[int(data.length)]! ^= 1 << int(8);
      } else if (kind === 1) {
        // garbage runs inserted (some start with 0x47 to look like packets)
        for (let k = 1 + int(8); k > 0; k--) {
          const at = int(data.length);
          const junk = Uint8Array.from({ length: 1 + int(3000) }, () => (random() < 0.05 ? 0x47 : int(256)));
          const next = new Uint8Array(data.length + junk.length);
          next.set(data.subarray(0, at));
          next.set(junk, at);
          next.set(data.subarray(at), at + junk.length);
          data = next;
        }
      } else if (kind === 2) {
        // cuts: the head, the tail, or a run in the middle
        const a = int(data.length);
        const b = a + int(data.length - a);
        data =
          i % 3 === 0
            ? data.slice(a)
            : i % 3 === 1
              ? data.slice(0, a)
              : Uint8Array.from([...data.subarray(0, a), ...data.subarray(b)]);
      } else {
        // everything at once, plus overwritten header fields of random packets
        for (let k = 0; k < 200; k++) {
          const p = int(Math.floor(data.length / 188)) * 188;
          data[p + 1 + int(4)] = int(256);
        }
        data = data.slice(int(2000), data.length - int(2000));
      }
      const path = join(tmp, `hostile-${String(i).padStart(2, '0')}.ts`);
      writeFileSync(path, data);
      files.push(path);
    }
  });

  let childFinished = false;

  it(`${CASES} mutated inputs: each ends with output or one typed error, in time, in both modes`, () => {
    const results = runInChild(files, 120_000);
    childFinished = true;
    expect(results).toHaveLength(CASES);
    for (const r of results) {
      try {
        expectClean(r);
      } catch (e) {
        throw new Error(`${r.file}: ${(e as Error).message}`);
      }
    }
  });

  it('the same inputs through the TypeScript engine in process, in 1000-byte chunks', async () => {
    if (!childFinished) throw new Error('the child run did not finish: not run in process');
    for (const f of files) {
      const r = await runEngine(new Uint8Array(readFileSync(f)), { output: 'per-track' }, 1000);
      expect(r.thrown, f).toBeUndefined();
      for (const e of r.errors) expect(BUGS.has(e.code), `${f}: ${e.codeName}`).toBe(false);
    }
  });
});
