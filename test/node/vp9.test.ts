// VP9 configuration (wasm/codecs/vp9.ts): the keyframe's uncompressed header (VP9 6.2), the superframe index
// (Annex B), Matroska's codec feature metadata, the vp09 sample entry with its vpcC, and the codec string
// (engine/tracks.ts).
//
// - Real encoders: libvpx-vp9 through ffmpeg writes profile 0 (4:2:0), profile 1 (4:2:2, 4:4:4, RGB), profile 2
//   (10-bit) and a BT.709 full-range stream into WebM. The first block is configured and the fields compared with
//   ffprobe's; the vpcC compared with the one ffmpeg's MP4 muxer writes for the same stream: byte-equal, and where
//   ffmpeg knows more than the bitstream says (colour primaries and transfer from the Matroska Colour element) the
//   test sets those fields as the demuxer will, and then they are equal. 4:4:0, which vpcC cannot describe, is
//   refused by both.
// - The level of the picture size, at every boundary of the VP9 level table, and against ffmpeg for 640x480.
// - CodecPrivate features, superframes assembled from real frames, non-keyframes.
// - Robustness: truncations ending at the end of the WebAssembly memory (a read past them traps), damaged
//   CodecPrivate, seeded random bytes.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTrack, TrackInfoField, vp9CodecString } from '../../engine/tracks.js';
import { Random } from '../fuzz/random.mjs';
import { framemd5 } from '../helpers/ffmpeg.js';
import { find, walkBoxes } from '../helpers/isobmff.js';
import { ROOT } from '../helpers/media.js';
import {
  Info,
  infoU32,
  loadTestCore,
  type TestCore,
  type VideoConfigHooks,
  writeAtMemoryEnd,
  writeScratch,
} from '../helpers/test-core.js';
import {
  encodeWebm,
  ffmpegFragments,
  mp4SampleEntry,
  pixelFormat,
  probeColour,
  probeVideo,
  visualEntryBoxes,
  type WebmVideo,
} from '../helpers/webm-video.js';

type Core = TestCore & VideoConfigHooks;

/** wasm/codes.ts Codec.Vp9. */
const VP9 = 10;
const SLOT = 1;
const PRIV_AT = 0;
const FRAME_AT = 0x4000;

let core: Core;
let tmp: string;

beforeAll(async () => {
  core = (await loadTestCore()) as Core;
  tmp = mkdtempSync(join(tmpdir(), 'weir-vp9-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Fills the track info record with 0xEE so that a field configure did not set cannot pass, then sets SAR 1:1. */
function clearInfo(): void {
  new Uint8Array(core.memory.buffer, core.testTrackInfo(SLOT), 256).fill(0xee);
  setInfo(Info.SarNum, 1);
  setInfo(Info.SarDen, 1);
}

function setInfo(field: number, value: number): void {
  new DataView(core.memory.buffer).setUint32(core.testTrackInfo(SLOT) + field, value, true);
}

function configure(priv: ArrayLike<number>, frame: ArrayLike<number>): boolean {
  clearInfo();
  const p = writeScratch(core, priv, PRIV_AT);
  const f = writeScratch(core, frame, FRAME_AT);
  return core.testConfigureVp9(SLOT, p, priv.length, f, frame.length) === 1;
}

interface Fields {
  width: number;
  height: number;
  profile: number;
  level: number;
  tier: number;
  bitDepth: number;
  chromaFormat: number;
  chromaPosition: number;
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange: number;
}

function fields(): Fields {
  const f = (field: number) => infoU32(core, SLOT, field);
  return {
    width: f(Info.Width),
    height: f(Info.Height),
    profile: f(Info.Profile),
    level: f(Info.Level),
    tier: f(Info.Tier),
    bitDepth: f(Info.BitDepth),
    chromaFormat: f(Info.ChromaFormat),
    chromaPosition: f(Info.ChromaPosition),
    primaries: f(Info.ColourPrimaries),
    transfer: f(Info.TransferCharacteristics),
    matrix: f(Info.MatrixCoefficients),
    fullRange: f(Info.FullRange),
  };
}

/** The vpcC payload configure stored at configBase (Info.ConfigLength bytes). */
function storedConfig(): number[] {
  const length = infoU32(core, SLOT, Info.ConfigLength);
  return [...new Uint8Array(core.memory.buffer, core.testConfigBase(SLOT), length)];
}

/** Our vp09 sample entry, walked. */
function ourEntry() {
  const length = core.testVideoSampleEntry(VP9, SLOT) >>> 0;
  const bytes = new Uint8Array(core.memory.buffer, core.outputPtr(), length).slice();
  const [entry, ...rest] = walkBoxes(bytes);
  expect(rest).toEqual([]);
  expect(entry!.type).toBe('vp09');
  return { entry: entry!, boxes: visualEntryBoxes(entry!) };
}

/** The codec string the engine builds from the track info record (engine/tracks.ts readTrack). */
function codecString(): string {
  setInfo(Info.Kind, 1);
  setInfo(Info.Codec, VP9);
  setInfo(Info.TrackId, 1);
  const track = readTrack(core.memory.buffer, core.testTrackInfo(SLOT), 256, 0);
  if (!track) throw new Error('readTrack found no track');
  expect(track.mimeType).toBe(`video/mp4; codecs="${track.codecString}"`);
  return track.codecString;
}

const VP9_ARGS = ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'];
const PROFILE_NAMES: Record<string, number> = { 'Profile 0': 0, 'Profile 1': 1, 'Profile 2': 2, 'Profile 3': 3 };

interface Case {
  name: string;
  args: string[];
  codecString: string;
  /** Fields ffmpeg takes from the Matroska Colour element, which VP9 does not code. */
  colourElement?: { primaries: number; transfer: number };
}

const CASES: Case[] = [
  { name: 'p0-420', args: ['-pix_fmt', 'yuv420p'], codecString: 'vp09.00.10.08' },
  { name: 'p2-420-10bit', args: ['-pix_fmt', 'yuv420p10le'], codecString: 'vp09.02.10.10' },
  { name: 'p1-422', args: ['-pix_fmt', 'yuv422p'], codecString: 'vp09.01.10.08.02.02.02.02.00' },
  { name: 'p1-444', args: ['-pix_fmt', 'yuv444p'], codecString: 'vp09.01.10.08.03.02.02.02.00' },
  { name: 'p1-rgb', args: ['-pix_fmt', 'gbrp'], codecString: 'vp09.01.10.08.03.02.02.00.01' },
  {
    name: 'p0-bt709-full',
    args: ['-pix_fmt', 'yuv420p', ...['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709']],
    codecString: 'vp09.00.10.08.01.02.02.01.01',
    colourElement: { primaries: 1, transfer: 1 },
  },
];

const streams = new Map<string, WebmVideo>();
function stream(c: Case): WebmVideo {
  let s = streams.get(c.name);
  if (!s) {
    const range = c.name.endsWith('full') ? ['-color_range', 'pc'] : [];
    s = encodeWebm(tmp, `vp9-${c.name}`, [...c.args, ...range, ...VP9_ARGS]);
    streams.set(c.name, s);
  }
  return s;
}

describe('libvpx-vp9 streams against ffprobe and ffmpeg', () => {
  for (const c of CASES) {
    it(`${c.name}: the keyframe's fields are ffprobe's, the vpcC is ffmpeg's, the codec string is ${c.codecString}`, () => {
      const s = stream(c);
      const key = s.frames[0]!;
      expect(key.key).toBe(true);
      // ffmpeg 5.1 writes no CodecPrivate for VP9: the keyframe alone configures the track.
      expect(s.codecPrivate.length).toBe(0);
      expect(configure(s.codecPrivate, key.data)).toBe(true);
      const probe = probeVideo(s.webm);
      const { bitDepth, chromaFormat } = pixelFormat(probe.pix_fmt);
      const colour = probeColour(probe);
      const got = fields();
      expect(got).toEqual({
        width: probe.width,
        height: probe.height,
        profile: PROFILE_NAMES[probe.profile],
        level: 10, // 64x48 is within level 1's picture size
        tier: 0,
        bitDepth,
        chromaFormat,
        chromaPosition: 0, // unknown: neither the bitstream nor CodecPrivate says
        // VP9 does not code primaries and transfer: unspecified, whatever the container says
        primaries: 2,
        transfer: 2,
        matrix: colour.matrix,
        fullRange: colour.fullRange,
      });
      if (c.colourElement) expect(colour).toMatchObject(c.colourElement);
      else expect([colour.primaries, colour.transfer]).toEqual([2, 2]);

      const ffmpegEntry = mp4SampleEntry(s.mp4!);
      expect(ffmpegEntry.type).toBe('vp09');
      const theirs = find(visualEntryBoxes(ffmpegEntry), 'vpcC')!;
      const ours = ourEntry();
      expect(ours.boxes.map((b) => b.type)).toEqual(['vpcC']); // 1:1: no pasp
      const vpcC = ours.boxes[0]!.payload;
      expect([...vpcC.subarray(0, 4)]).toEqual([1, 0, 0, 0]); // version 1, flags 0
      expect([...vpcC.subarray(4)]).toEqual(storedConfig());
      // VisualSampleEntry width and height (14496-12 12.1.3: after 24 bytes of fields).
      const view = new DataView(ours.entry.payload.buffer, ours.entry.payload.byteOffset);
      expect([view.getUint16(24), view.getUint16(26)]).toEqual([probe.width, probe.height]);
      expect(codecString()).toBe(c.codecString);
      if (c.colourElement) {
        // ffmpeg's vpcC has the primaries and transfer of the Colour element; the demuxer sets them the same way.
        expect([...vpcC]).not.toEqual([...theirs.payload]);
        setInfo(Info.ColourPrimaries, c.colourElement.primaries);
        setInfo(Info.TransferCharacteristics, c.colourElement.transfer);
        expect(codecString()).toBe('vp09.00.10.08.01.01.01.01.01');
      }
      expect([...ourEntry().boxes[0]!.payload]).toEqual([...theirs.payload]);
    });
  }

  it('4:4:0 (profile 1, subsampling_x 0, subsampling_y 1) has no vpcC chromaSubsampling: refused', () => {
    const s = encodeWebm(tmp, 'vp9-p1-440', ['-pix_fmt', 'yuv440p', ...VP9_ARGS]);
    expect(probeVideo(s.webm).pix_fmt).toBe('yuv440p');
    // ffmpeg says "Unsupported pixel format" and writes a vpcC of version and flags without the record.
    expect(find(visualEntryBoxes(mp4SampleEntry(s.mp4!)), 'vpcC')!.payload.length).toBe(4);
    expect(configure([], s.frames[0]!.data)).toBe(false);
  });

  it('the level of a 640x480 stream is 3 (picture size 307200), as ffmpeg writes it', () => {
    const s = encodeWebm(tmp, 'vp9-640x480', ['-pix_fmt', 'yuv420p', ...VP9_ARGS], 1, '640x480');
    expect(configure([], s.frames[0]!.data)).toBe(true);
    expect(fields().level).toBe(30);
    const theirs = find(visualEntryBoxes(mp4SampleEntry(s.mp4!)), 'vpcC')!;
    expect([...ourEntry().boxes[0]!.payload]).toEqual([...theirs.payload]);
    expect(codecString()).toBe('vp09.00.30.08');
  });
});

/** The profile 0 keyframe of the first stream. */
function keyframe(): Uint8Array {
  return stream(CASES[0]!).frames[0]!.data;
}

/**
 * A profile 0 keyframe with another frame size: frame_width_minus_1 and frame_height_minus_1 are bits 36..67
 * (frame marker to error_resilient_mode 8 bits, frame_sync_code 24, color_space and color_range 4).
 */
function withSize(frame: Uint8Array, width: number, height: number): Uint8Array {
  const out = frame.slice();
  const set = (bit: number, n: number, value: number) => {
    for (let i = 0; i < n; i++) {
      const b = bit + i;
      const v = (value >> (n - 1 - i)) & 1;
      out[b >> 3] = (out[b >> 3]! & ~(0x80 >> (b & 7))) | (v << (7 - (b & 7)));
    }
  };
  set(36, 16, width - 1);
  set(52, 16, height - 1);
  return out;
}

describe('level from the picture size', () => {
  it('changes at every boundary of the VP9 level table (luma picture size only: the frame rate is not known)', () => {
    // [width, height, level]: the largest picture of each level, and one column more.
    const table: [number, number, number][] = [
      [192, 192, 10], // 36864
      [193, 192, 11],
      [384, 192, 11], // 73728
      [385, 192, 20],
      [480, 256, 20], // 122880
      [481, 256, 21],
      [480, 512, 21], // 245760
      [481, 512, 30],
      [1080, 512, 30], // 552960
      [1081, 512, 31],
      [1920, 512, 31], // 983040
      [1921, 512, 40],
      [4352, 512, 40], // 2228224 (4.1 has the same picture size)
      [4353, 512, 50],
      [8704, 1024, 50], // 8912896
      [8705, 1024, 60],
      [16384, 2176, 60], // 35651584
      [16385, 2176, 0], // beyond level 6.2: 0, as ffmpeg
      [65535, 65535, 0],
    ];
    for (const [w, h, level] of table) {
      expect(configure([], withSize(keyframe(), w, h)), `${w}x${h}`).toBe(true);
      expect([fields().width, fields().height, fields().level], `${w}x${h}`).toEqual([w, h, level]);
    }
  });

  it('a frame 65536 wide or high is refused: a VisualSampleEntry stores 16-bit sizes', () => {
    expect(configure([], withSize(keyframe(), 65536, 48))).toBe(false);
    expect(configure([], withSize(keyframe(), 64, 65536))).toBe(false);
  });
});

describe('render_size', () => {
  it('a render size of its own is read past; the frame size stays the track size', () => {
    const key = keyframe().slice();
    key[8]! |= 0x08; // render_and_frame_size_different: bit 68
    expect(configure([], key)).toBe(true);
    expect([fields().width, fields().height]).toEqual([64, 48]);
    // 69 + 32 bits of header: 13 bytes
    expect(configure([], key.subarray(0, 12))).toBe(false);
    expect(configure([], key.subarray(0, 13))).toBe(true);
  });
});

describe('CodecPrivate (codec feature metadata)', () => {
  it('gives the level and the 4:2:0 siting; profile and bit depth are the keyframe’s', () => {
    // profile 2, level 3.1, bit depth 10, chroma subsampling 0 (4:2:0 vertical), and an unknown feature 9
    expect(configure([1, 1, 2, 2, 1, 31, 3, 1, 10, 9, 3, 7, 7, 7, 4, 1, 0], keyframe())).toBe(true);
    const got = fields();
    expect([got.profile, got.bitDepth, got.level, got.chromaFormat, got.chromaPosition]).toEqual([0, 8, 31, 1, 1]);
    expect(storedConfig()).toEqual([0, 31, 0x80, 2, 2, 2, 0, 0]); // chromaSubsampling 0
    expect(codecString()).toBe('vp09.00.31.08.00.02.02.02.00');
    // 4:2:0 colocated (1): the default
    expect(configure([2, 1, 21, 4, 1, 1], keyframe())).toBe(true);
    expect([fields().level, fields().chromaPosition]).toEqual([21, 2]);
    expect(codecString()).toBe('vp09.00.21.08');
  });

  it('ignores a level that is not in the level table and a chroma subsampling that contradicts the keyframe', () => {
    expect(configure([2, 1, 0, 4, 1, 3], keyframe())).toBe(true);
    expect([fields().level, fields().chromaPosition]).toEqual([10, 0]);
    expect(configure([2, 1, 12, 4, 1, 7], keyframe())).toBe(true);
    expect([fields().level, fields().chromaPosition]).toEqual([10, 0]);
  });

  it('a list that runs past its end is ignored as a whole; a value of another length is skipped', () => {
    for (const priv of [[2, 1, 31, 4, 2, 0], [2, 1, 31, 4], [2], [2, 2, 31]]) {
      expect(configure(priv, keyframe()), JSON.stringify(priv)).toBe(true);
      expect([fields().level, fields().chromaPosition], JSON.stringify(priv)).toEqual([10, 0]);
    }
    expect(configure([2, 2, 31, 0, 4, 1, 0], keyframe())).toBe(true);
    expect([fields().level, fields().chromaPosition]).toEqual([10, 1]);
  });
});

/** A superframe (Annex B) of the given frames with sizes of `bytes` bytes each. */
function superframe(frames: Uint8Array[], bytes = 2): Uint8Array {
  const marker = 0xc0 | ((bytes - 1) << 3) | (frames.length - 1);
  const index = [marker];
  for (const f of frames) for (let b = 0; b < bytes; b++) index.push((f.length >> (8 * b)) & 0xff);
  index.push(marker);
  return Uint8Array.from([...frames.flatMap((f) => [...f]), ...index]);
}

describe('superframes and frames that are not keyframes', () => {
  it('the keyframe of a superframe is found whether it comes first or after another frame', () => {
    const s = stream(CASES[1]!); // profile 2: its fields tell the frames apart from a profile 0 stray
    const [key, inter] = [s.frames[0]!.data, s.frames[1]!.data];
    expect(configure([], key)).toBe(true);
    const expected = fields();
    for (const [frames, bytes] of [
      [[key, inter], 2],
      [[inter, key], 2],
      [[inter, inter, key], 3],
      [[key], 4],
    ] as [Uint8Array[], number][]) {
      expect(configure([], superframe(frames, bytes))).toBe(true);
      expect(fields()).toEqual(expected);
    }
  });

  it('refuses a superframe without a keyframe, an index whose sizes pass the data, and a lone inter frame', () => {
    const s = stream(CASES[0]!);
    const [key, inter] = [s.frames[0]!.data, s.frames[1]!.data];
    expect(s.frames[1]!.key).toBe(false);
    expect(configure([], inter)).toBe(false);
    expect(configure([], superframe([inter, inter]))).toBe(false);
    const bad = superframe([inter, key]);
    bad[bad.length - 3] = 0xff; // the keyframe's size, low byte: now past the data
    expect(configure([], bad)).toBe(false);
  });

  it('a last byte that looks like a marker without its twin at the index start is frame data', () => {
    expect(configure([], Uint8Array.from([...keyframe(), 0xc1]))).toBe(true);
    expect(fields().width).toBe(64);
  });

  it('refuses show_existing_frame, a reserved bit in profile 3, a bad sync code and RGB in profile 0', () => {
    const key = keyframe();
    const existing = key.slice();
    existing[0] = 0x88; // frame_marker 2, profile 0, show_existing_frame 1
    expect(configure([], existing)).toBe(false);
    const profile3 = key.slice();
    profile3[0] = 0xb8 | (key[0]! & 0x07); // frame_marker 2, profile 3 (low 1, high 1), reserved_zero 1
    expect(configure([], profile3)).toBe(false);
    const sync = key.slice();
    sync[2] = 0x82; // frame_sync_code 0x49 0x82 0x42
    expect(configure([], sync)).toBe(false);
    const rgb = key.slice();
    rgb[4] = (rgb[4]! & 0x1f) | 0xe0; // color_space = CS_RGB in profile 0
    expect(configure([], rgb)).toBe(false);
  });
});

describe('robustness', () => {
  it('every truncation of a real keyframe, ending at the end of memory, is refused until the header is whole', () => {
    for (const c of [CASES[0]!, CASES[1]!, CASES[4]!]) {
      const key = stream(c).frames[0]!.data;
      expect(configure([], key)).toBe(true);
      const whole = fields();
      let first = -1;
      for (let n = 0; n <= 16; n++) {
        clearInfo();
        const ok = core.testConfigureVp9(SLOT, 0, 0, writeAtMemoryEnd(core, key.subarray(0, n)), n) === 1;
        if (ok) {
          expect(fields(), `${c.name}: ${n} bytes`).toEqual(whole);
          if (first < 0) first = n;
        } else {
          expect(first, `${c.name}: refused at ${n} bytes after accepting ${first}`).toBe(-1);
        }
      }
      // 69 to 71 bits of header up to render_size: 9 bytes.
      expect(first, c.name).toBe(9);
    }
  });

  it('every truncation of a CodecPrivate ending at the end of memory is read without trapping', () => {
    const priv = [1, 1, 0, 2, 1, 31, 3, 1, 8, 4, 1, 1];
    const key = writeScratch(core, keyframe(), FRAME_AT);
    for (let n = 0; n <= priv.length; n++) {
      clearInfo();
      expect(core.testConfigureVp9(SLOT, writeAtMemoryEnd(core, priv.slice(0, n)), n, key, keyframe().length)).toBe(1);
      // Whole lists (n = 0, 3, 6, ...) up to the level entry keep the level; a cut entry voids the list.
      expect(fields().level, `${n} bytes`).toBe(n >= 6 && n % 3 === 0 ? 31 : 10);
    }
  });

  it('seeded random frames and CodecPrivates never trap, and what parses is within the syntax', () => {
    const rng = new Random(9009);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const n = rng.int(24);
      const frame = Array.from({ length: n }, () => rng.int(256));
      // Half of them start like a keyframe so that the parse gets deep.
      if (n >= 4 && i % 2 === 0) frame.splice(0, 4, 0x80 | (frame[0]! & 0x30), 0x49, 0x83, 0x42);
      const priv = Array.from({ length: rng.int(8) }, () => rng.int(256));
      clearInfo();
      const ok = core.testConfigureVp9(SLOT, writeScratch(core, priv), priv.length, writeAtMemoryEnd(core, frame), n);
      if (ok !== 1) continue;
      accepted++;
      const f = fields();
      expect(f.width).toBeGreaterThan(0);
      expect(f.width).toBeLessThanOrEqual(65535);
      expect(f.profile).toBeLessThanOrEqual(3);
      expect([8, 10, 12]).toContain(f.bitDepth);
      expect([1, 2, 3]).toContain(f.chromaFormat);
      expect(infoU32(core, SLOT, Info.ConfigLength)).toBe(8);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('init segment', () => {
  it("our init segment with ffmpeg's fragments of the same stream decodes to the WebM's frames", () => {
    for (const c of [CASES[0]!, CASES[1]!, CASES[4]!]) {
      const s = stream(c);
      expect(configure(s.codecPrivate, s.frames[0]!.data)).toBe(true);
      const length = core.testVideoInit(VP9, SLOT) >>> 0;
      const init = new Uint8Array(core.memory.buffer, core.outputPtr(), length).slice();
      const stsd = find(walkBoxes(init), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd')!;
      expect(stsd.children.map((b) => b.type)).toEqual(['vp09']);
      const file = join(tmp, `init-${c.name}.mp4`);
      const fragments = ffmpegFragments(tmp, s.webm, SLOT + 1);
      const joined = new Uint8Array(init.length + fragments.length);
      joined.set(init);
      joined.set(fragments, init.length);
      writeFileSync(file, joined);
      const probe = probeVideo(file);
      const source = probeVideo(s.webm);
      expect([probe.codec_name, probe.profile, probe.width, probe.height, probe.pix_fmt], c.name).toEqual([
        source.codec_name,
        source.profile,
        source.width,
        source.height,
        source.pix_fmt,
      ]);
      const frames = framemd5(file, 'v').map((f) => f.hash);
      expect(frames.length).toBe(s.frames.length);
      expect(frames, c.name).toEqual(framemd5(s.webm, 'v').map((f) => f.hash));
    }
  });

  it('a sample aspect ratio that is not 1:1 adds pasp and stretches the tkhd width', () => {
    const s = stream(CASES[0]!);
    expect(configure(s.codecPrivate, s.frames[0]!.data)).toBe(true);
    setInfo(Info.SarNum, 4);
    setInfo(Info.SarDen, 3);
    const { boxes } = ourEntry();
    expect(boxes.map((b) => b.type)).toEqual(['vpcC', 'pasp']);
    expect([...boxes[1]!.payload]).toEqual([0, 0, 0, 4, 0, 0, 0, 3]);
    const init = new Uint8Array(core.memory.buffer, core.outputPtr(), core.testVideoInit(VP9, SLOT) >>> 0).slice();
    const tkhd = find(walkBoxes(init), 'moov', 'trak', 'tkhd')!.payload;
    const view = new DataView(tkhd.buffer, tkhd.byteOffset);
    expect([view.getUint32(76) / 65536, view.getUint32(80) / 65536]).toEqual([85, 48]); // 64 × 4 / 3, 48
  });
});

describe('codec strings', () => {
  const colour = { chromaFormat: 1, chromaPosition: 0, primaries: 2, transfer: 2, matrix: 2, fullRange: 0 };
  it('short when the colour is the default, long with every optional field otherwise', () => {
    expect(vp9CodecString(0, 10, 8, colour)).toBe('vp09.00.10.08');
    expect(vp9CodecString(0, 41, 8, { ...colour, primaries: 1, transfer: 1, matrix: 1 })).toBe('vp09.00.41.08');
    expect(vp9CodecString(2, 51, 10, { ...colour, primaries: 9, transfer: 16, matrix: 9 })).toBe(
      'vp09.02.51.10.01.09.16.09.00',
    );
    expect(vp9CodecString(0, 10, 8, { ...colour, chromaPosition: 1 })).toBe('vp09.00.10.08.00.02.02.02.00');
    expect(vp9CodecString(0, 10, 8, { ...colour, chromaPosition: 2 })).toBe('vp09.00.10.08');
    expect(vp9CodecString(0, 10, 8, { ...colour, matrix: 6 })).toBe('vp09.00.10.08.01.02.02.06.00');
  });
});

describe('track info layout', () => {
  it('engine/tracks.ts reads every field of wasm/remux/track.ts Info at the same offset (the colour fields too)', () => {
    const source = readFileSync(join(ROOT, 'wasm/remux/track.ts'), 'utf8');
    const body = /export const enum Info \{([^}]*)\}/.exec(source)![1]!;
    const core = Object.fromEntries(
      [...body.matchAll(/^\s*([A-Za-z]+) = (\d+),/gm)].map((m) => [m[1]!, Number(m[2])] as [string, number]),
    );
    expect(Object.keys(core).length).toBeGreaterThan(40);
    expect(core).toEqual({ ...TrackInfoField });
    expect(Math.max(...Object.values(core))).toBeLessThanOrEqual(256 - 4);
  });
});
