// The WebM/Matroska fixtures (test/fixtures/*.webm, *.mkv, made by scripts/make-fixtures.sh) and their summaries:
//
// - every fixture has its summary, and scripts/mkv-summary.py run again on the file prints exactly that summary
//   (with the `madeBy` / `damage` record handed back, as make-fixtures.sh did), so a summary cannot rot;
// - a second, tiny EBML reader here (nothing shared with the Python walk or with weir) finds what each summary
//   claims about the structure: unknown sizes, Clusters, Cues, TimestampScale, per track the SimpleBlocks,
//   BlockGroups, the lacing of every block and the frames after unlacing (= ffprobe's packet count);
// - the damaged fixture has exactly the damage its summary records, at the offsets it gives;
// - ffprobe reads and ffmpeg decodes every fixture without an error line, except the damaged one, whose damage ffmpeg
//   must report.
// ffmpeg, ffprobe and python3 are required: a missing tool fails the test, it never skips it.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeErrors, requireFfmpeg } from '../helpers/ffmpeg.js';
import { FIXTURES, ROOT } from '../helpers/media.js';

/** What mkv-summary.py writes for one track (the fields this test reads). */
interface MkvTrack {
  kind: 'video' | 'audio';
  codec: string;
  codecString: string;
  trackNumber: number;
  packets: number;
  frames: number;
  simpleBlocks: number;
  blockGroups: number;
  lacing: string[];
  lacedBlocks: Record<string, number>;
}

interface MkvDamage {
  source: string;
  changes: {
    kind: 'garbage' | 'block-size';
    offset: number;
    length?: number;
    sizeFieldOffset?: number;
    trueSize?: number;
    writtenSize?: number;
    resumeAt: number;
  }[];
}

interface MkvSummary {
  file: string;
  docType: string;
  timestampScale: number;
  segmentSizeUnknown: boolean;
  clusters: number;
  clusterSizesUnknown: number;
  cues: boolean;
  tracks: MkvTrack[];
  madeBy?: { source: string; lacing?: Record<string, string>; blockGroups?: number[]; timestampScale?: number };
  damage?: MkvDamage;
}

const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.webm') || f.endsWith('.mkv'))
  .sort();
const SUMMARY_SCRIPT = join(ROOT, 'scripts/mkv-summary.py');

function summaryPath(name: string): string {
  return join(FIXTURES, name.replace(/\.(webm|mkv)$/, '.json'));
}

function readMkvSummary(name: string): MkvSummary {
  return JSON.parse(readFileSync(summaryPath(name), 'utf8')) as MkvSummary;
}

function requirePython(): void {
  const r = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`python3 is required to re-run scripts/mkv-summary.py but cannot be run (${r.error?.message})`);
  }
}

// --- A tiny EBML reader (RFC 8794), independent of scripts/mkv-summary.py ----------------------------------------

const SEGMENT = 0x18538067;
const CLUSTER = 0x1f43b675;
const CUES = 0x1c53bb6b;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const SIMPLE_BLOCK = 0xa3;
const BLOCK_GROUP = 0xa0;
const BLOCK = 0xa1;
/** The Segment's children: an unknown-size Cluster ends where one of these starts. */
const TOP_LEVEL = new Set([0x114d9b74, INFO, 0x1654ae6b, CLUSTER, CUES, 0x1254c367, 0x1043a770, 0x1941a469]);
const LACING = ['none', 'xiph', 'fixed', 'ebml'] as const;

interface Header {
  id: number;
  /** Offset of the body. */
  data: number;
  /** undefined: the unknown size (every data bit of the size set). */
  size: number | undefined;
}

function vintLength(first: number): number {
  if (first === 0) throw new Error('invalid vint');
  return 8 - Math.floor(Math.log2(first));
}

function header(b: Uint8Array, pos: number): Header {
  const idLength = vintLength(b[pos]!);
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + b[pos + i]!;
  const at = pos + idLength;
  const sizeLength = vintLength(b[at]!);
  let size = b[at]! & (0xff >> sizeLength);
  let allOnes = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    size = size * 256 + b[at + i]!;
    allOnes &&= b[at + i] === 0xff;
  }
  return { id, data: at + sizeLength, size: allOnes ? undefined : size };
}

function uint(b: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v = v * 256 + b[i]!;
  return v;
}

interface TrackCount {
  simpleBlocks: number;
  blockGroups: number;
  frames: number;
  laced: Record<string, number>;
}

interface Structure {
  segmentSizeUnknown: boolean;
  clusters: number;
  clusterSizesUnknown: number;
  cues: boolean;
  timestampScale: number;
  tracks: Map<number, TrackCount>;
}

/** Reads a Block or SimpleBlock body: its track and how many frames its lace holds. */
function countBlock(
  b: Uint8Array,
  start: number,
  kind: 'simpleBlocks' | 'blockGroups',
  tracks: Map<number, TrackCount>,
) {
  const trackLength = vintLength(b[start]!);
  const track = uint(b, start, start + trackLength) - 2 ** (7 * trackLength);
  const flags = b[start + trackLength + 2]!;
  const lacing = LACING[(flags >> 1) & 3]!;
  const t = tracks.get(track) ?? { simpleBlocks: 0, blockGroups: 0, frames: 0, laced: {} };
  tracks.set(track, t);
  t[kind]++;
  t.frames += lacing === 'none' ? 1 : b[start + trackLength + 3]! + 1;
  if (lacing !== 'none') t.laced[lacing] = (t.laced[lacing] ?? 0) + 1;
}

function readStructure(b: Uint8Array): Structure {
  const s: Structure = {
    segmentSizeUnknown: false,
    clusters: 0,
    clusterSizesUnknown: 0,
    cues: false,
    timestampScale: 1_000_000,
    tracks: new Map(),
  };
  const ebml = header(b, 0);
  let pos = ebml.data + ebml.size!;
  const segment = header(b, pos);
  expect(segment.id).toBe(SEGMENT);
  s.segmentSizeUnknown = segment.size === undefined;
  const segmentEnd = segment.size === undefined ? b.length : segment.data + segment.size;
  pos = segment.data;
  while (pos < segmentEnd) {
    const h = header(b, pos);
    if (h.id === CLUSTER) {
      s.clusters++;
      if (h.size === undefined) s.clusterSizesUnknown++;
      const end = h.size === undefined ? segmentEnd : h.data + h.size;
      let c = h.data;
      while (c < end) {
        const child = header(b, c);
        if (h.size === undefined && TOP_LEVEL.has(child.id)) break;
        const childEnd = child.data + child.size!;
        if (child.id === SIMPLE_BLOCK) countBlock(b, child.data, 'simpleBlocks', s.tracks);
        if (child.id === BLOCK_GROUP) {
          for (let g = child.data; g < childEnd; ) {
            const inner = header(b, g);
            if (inner.id === BLOCK) countBlock(b, inner.data, 'blockGroups', s.tracks);
            g = inner.data + inner.size!;
          }
        }
        c = childEnd;
      }
      pos = c;
      continue;
    }
    if (h.id === CUES) s.cues = true;
    if (h.id === INFO) {
      for (let i = h.data; i < h.data + h.size!; ) {
        const child = header(b, i);
        if (child.id === TIMESTAMP_SCALE) s.timestampScale = uint(b, child.data, child.data + child.size!);
        i = child.data + child.size!;
      }
    }
    pos = h.data + h.size!;
  }
  return s;
}

// --- The tests ----------------------------------------------------------------------------------------------------

describe('WebM/Matroska fixtures', () => {
  it('exist, each with its summary beside it', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(16);
    for (const name of FILES) expect(existsSync(summaryPath(name)), name).toBe(true);
  });

  for (const name of FILES) {
    describe(name, () => {
      const path = join(FIXTURES, name);

      it('mkv-summary.py reproduces its summary exactly', () => {
        requirePython();
        requireFfmpeg();
        const summary = readMkvSummary(name);
        const args = [SUMMARY_SCRIPT];
        if (summary.madeBy) args.push('--made-by', JSON.stringify(summary.madeBy));
        if (summary.damage) args.push('--damage', JSON.stringify(summary.damage));
        args.push('--stdout', path);
        const r = spawnSync('python3', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(readFileSync(summaryPath(name), 'utf8'));
      });

      it('a rewritten fixture names its source, a committed fixture when it is a file', () => {
        const summary = readMkvSummary(name);
        const source = summary.madeBy?.source ?? summary.damage?.source;
        if (source !== undefined && /\.(webm|mkv)$/.test(source)) expect(FILES).toContain(source);
      });

      const summary = readMkvSummary(name);
      if (summary.damage === undefined) {
        it('has the structure, blocks, lacing and frame counts its summary claims (second EBML reader)', () => {
          const s = readStructure(new Uint8Array(readFileSync(path)));
          expect(s.segmentSizeUnknown).toBe(summary.segmentSizeUnknown);
          expect(s.clusters).toBe(summary.clusters);
          expect(s.clusterSizesUnknown).toBe(summary.clusterSizesUnknown);
          expect(s.cues).toBe(summary.cues);
          expect(s.timestampScale).toBe(summary.timestampScale);
          expect([...s.tracks.keys()].sort()).toEqual(summary.tracks.map((t) => t.trackNumber).sort());
          for (const t of summary.tracks) {
            const seen = s.tracks.get(t.trackNumber)!;
            expect(seen.simpleBlocks, `track ${t.trackNumber} SimpleBlocks`).toBe(t.simpleBlocks);
            expect(seen.blockGroups, `track ${t.trackNumber} BlockGroups`).toBe(t.blockGroups);
            expect(seen.laced, `track ${t.trackNumber} laced blocks`).toEqual(t.lacedBlocks);
            expect(Object.keys(seen.laced).sort()).toEqual(t.lacing);
            expect(seen.frames, `track ${t.trackNumber} frames after unlacing`).toBe(t.frames);
            expect(t.frames, `track ${t.trackNumber}: ffprobe's packets`).toBe(t.packets);
          }
          for (const [track, kind] of Object.entries(summary.madeBy?.lacing ?? {})) {
            expect(s.tracks.get(Number(track))!.laced[kind], `${kind} lacing in track ${track}`).toBeGreaterThan(0);
          }
          for (const track of summary.madeBy?.blockGroups ?? []) {
            expect(s.tracks.get(track)!.simpleBlocks, `track ${track} only in BlockGroups`).toBe(0);
          }
        });

        it('ffprobe and ffmpeg read it without an error line', () => {
          requireFfmpeg();
          const probe = spawnSync('ffprobe', ['-v', 'error', '-show_packets', '-of', 'json', path], {
            encoding: 'utf8',
            maxBuffer: 64 << 20,
          });
          expect(probe.status).toBe(0);
          expect(probe.stderr).toBe('');
          expect(decodeErrors(path)).toEqual([]);
        });
      } else {
        const damage = summary.damage;
        it('has exactly the damage its summary records, at the offsets it gives', () => {
          const b = new Uint8Array(readFileSync(path));
          const source = new Uint8Array(readFileSync(join(FIXTURES, damage.source)));
          const garbage = damage.changes.filter((c) => c.kind === 'garbage');
          const inserted = garbage.reduce((n, c) => n + c.length!, 0);
          expect(b.length).toBe(source.length + inserted);
          for (const c of damage.changes) {
            if (c.kind === 'garbage') {
              expect(c.resumeAt).toBe(c.offset + c.length!);
              // The element after the garbage is a SimpleBlock or BlockGroup: the walk can resume there.
              expect([SIMPLE_BLOCK, BLOCK_GROUP]).toContain(header(b, c.resumeAt).id);
            } else {
              const h = header(b, c.offset);
              expect(h.id).toBe(SIMPLE_BLOCK);
              expect(c.sizeFieldOffset).toBe(c.offset + 1);
              expect(h.size).toBe(c.writtenSize);
              expect(c.resumeAt).toBe(h.data + c.trueSize!);
            }
          }
        });

        it('ffmpeg reports the damage', () => {
          expect(decodeErrors(path).some((l) => l.includes('exceeds containing master element'))).toBe(true);
        });
      }
    });
  }
});
