// AV1 configuration (wasm/codecs/av1.ts): OBUs (AV1 5.3), the sequence header OBU (5.5), the
// AV1CodecConfigurationRecord that Matroska's CodecPrivate is, the av01 sample entry with its av1C, and the codec
// string (engine/tracks.ts).
//
// - Real encoders: libaom-av1 through ffmpeg writes profile 0 (4:2:0 8 and 10-bit, monochrome, BT.709 full range,
//   BT.2020 PQ), profile 1 (4:4:4, sRGB) and profile 2 (12-bit) into WebM. Each is configured from its CodecPrivate
//   and again from its first keyframe alone; the fields are compared with ffprobe's and the av1C with the one
//   ffmpeg's MP4 muxer writes (byte-equal in both ways).
// - Sequence headers built here for the syntax libaom does not write: reduced_still_picture_header, timing and
//   decoder model info, several operating points, tiers, frame ids, 12-bit 4:2:2, screen content tools, 16-bit sizes.
// - Records to repair or refuse: a sequence header OBU without obu_size, fixed bytes that disagree with the
//   sequence header, a bad marker, configOBUs without a sequence header.
// - Robustness: truncations ending at the end of the WebAssembly memory (a read past them traps), bit flips of a
//   real sequence header, seeded random bytes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { av1CodecString, readTrack } from '../../engine/tracks.js';
import { Random } from '../fuzz/random.mjs';
import { framemd5 } from '../helpers/ffmpeg.js';
import { find, walkBoxes } from '../helpers/isobmff.js';
import {
  BitWriter,
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

/** wasm/codes.ts Codec.Av1. */
const AV1 = 11;
const SLOT = 2;
const PRIV_AT = 0;
const FRAME_AT = 0x4000;

let core: Core;
let tmp: string;

beforeAll(async () => {
  core = (await loadTestCore()) as Core;
  tmp = mkdtempSync(join(tmpdir(), 'weir-av1-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function setInfo(field: number, value: number): void {
  new DataView(core.memory.buffer).setUint32(core.testTrackInfo(SLOT) + field, value, true);
}

/** Fills the track info record with 0xEE so that a field configure did not set cannot pass, then sets SAR 1:1. */
function clearInfo(): void {
  new Uint8Array(core.memory.buffer, core.testTrackInfo(SLOT), 256).fill(0xee);
  setInfo(Info.SarNum, 1);
  setInfo(Info.SarDen, 1);
}

function configure(priv: ArrayLike<number>, frame: ArrayLike<number>): boolean {
  clearInfo();
  const p = writeScratch(core, priv, PRIV_AT);
  const f = writeScratch(core, frame, FRAME_AT);
  return core.testConfigureAv1(SLOT, p, priv.length, f, frame.length) === 1;
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

/** The av1C payload configure stored at configBase (Info.ConfigLength bytes). */
function storedConfig(): number[] {
  const length = infoU32(core, SLOT, Info.ConfigLength);
  return [...new Uint8Array(core.memory.buffer, core.testConfigBase(SLOT), length)];
}

/** Our av01 sample entry, walked. */
function ourEntry() {
  const length = core.testVideoSampleEntry(AV1, SLOT) >>> 0;
  const bytes = new Uint8Array(core.memory.buffer, core.outputPtr(), length).slice();
  const [entry, ...rest] = walkBoxes(bytes);
  expect(rest).toEqual([]);
  expect(entry!.type).toBe('av01');
  return { entry: entry!, boxes: visualEntryBoxes(entry!) };
}

/** The codec string the engine builds from the track info record (engine/tracks.ts readTrack). */
function codecString(): string {
  setInfo(Info.Kind, 1);
  setInfo(Info.Codec, AV1);
  setInfo(Info.TrackId, 1);
  const track = readTrack(core.memory.buffer, core.testTrackInfo(SLOT), 256, 0);
  if (!track) throw new Error('readTrack found no track');
  expect(track.mimeType).toBe(`video/mp4; codecs="${track.codecString}"`);
  return track.codecString;
}

/** Splits a run of OBUs (5.3) into [header byte, whole OBU bytes]; every OBU here has obu_size. */
function obus(data: Uint8Array): { type: number; bytes: Uint8Array; header: number; payload: Uint8Array }[] {
  const out = [];
  let p = 0;
  while (p < data.length) {
    const header = data[p]!;
    const ext = (header >> 2) & 1;
    if (!(header & 2)) throw new Error('an OBU without obu_size');
    let size = 0;
    let i = 0;
    let b: number;
    do {
      b = data[p + 1 + ext + i]!;
      size += (b & 0x7f) * 2 ** (7 * i);
      i++;
    } while (b & 0x80);
    const start = p + 1 + ext + i;
    out.push({
      type: (header >> 3) & 0xf,
      header,
      bytes: data.subarray(p, start + size),
      payload: data.subarray(start, start + size),
    });
    p = start + size;
  }
  return out;
}

const AOM_ARGS = ['-c:v', 'libaom-av1', '-cpu-used', '8'];
const PROFILE_NAMES: Record<string, number> = { Main: 0, High: 1, Professional: 2 };

interface Case {
  name: string;
  args: string[];
  codecString: string;
}

const CASES: Case[] = [
  { name: 'p0-420', args: ['-pix_fmt', 'yuv420p'], codecString: 'av01.0.00M.08' },
  { name: 'p0-420-10bit', args: ['-pix_fmt', 'yuv420p10le'], codecString: 'av01.0.00M.10' },
  { name: 'p0-mono', args: ['-pix_fmt', 'gray'], codecString: 'av01.0.00M.08.1.110.02.02.02.1' },
  {
    name: 'p0-bt709-full',
    args: ['-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'],
    codecString: 'av01.0.00M.08.0.110.01.01.01.1',
  },
  {
    name: 'p0-bt2020-pq',
    args: ['-pix_fmt', 'yuv420p', '-colorspace', 'bt2020nc', '-color_primaries', 'bt2020', '-color_trc', 'smpte2084'],
    codecString: 'av01.0.00M.08.0.110.09.16.09.0',
  },
  { name: 'p1-444', args: ['-pix_fmt', 'yuv444p'], codecString: 'av01.1.00M.08.0.000.02.02.02.0' },
  { name: 'p1-srgb', args: ['-pix_fmt', 'gbrp'], codecString: 'av01.1.00M.08.0.000.01.13.00.1' },
  { name: 'p2-420-12bit', args: ['-pix_fmt', 'yuv420p12le'], codecString: 'av01.2.00M.12' },
];

const streams = new Map<string, WebmVideo>();
function stream(c: Case): WebmVideo {
  let s = streams.get(c.name);
  if (!s) {
    const range = c.name.endsWith('full') ? ['-color_range', 'pc'] : [];
    s = encodeWebm(tmp, `av1-${c.name}`, [...c.args, ...range, ...AOM_ARGS]);
    streams.set(c.name, s);
  }
  return s;
}

describe('libaom-av1 streams against ffprobe and ffmpeg', () => {
  for (const c of CASES) {
    it(`${c.name}: fields are ffprobe's, av1C is ffmpeg's from CodecPrivate and from the keyframe, ${c.codecString}`, () => {
      const s = stream(c);
      const key = s.frames[0]!;
      expect(key.key).toBe(true);
      const probe = probeVideo(s.webm);
      const { bitDepth, chromaFormat } = pixelFormat(probe.pix_fmt);
      const colour = probeColour(probe);
      const expected: Fields = {
        width: probe.width,
        height: probe.height,
        profile: PROFILE_NAMES[probe.profile]!,
        level: 0, // libaom's seq_level_idx for 64x48 at 25 fps: 0 (level 2.0); ffprobe says level=0 too
        tier: 0,
        bitDepth,
        chromaFormat,
        chromaPosition: 0, // libaom (through ffmpeg 5.1) leaves it CSP_UNKNOWN
        ...colour,
      };
      const theirs = find(visualEntryBoxes(mp4SampleEntry(s.mp4!)), 'av1C')!.payload;
      // ffmpeg's av1C is the CodecPrivate, and CodecPrivate the fixed bytes and the keyframe's sequence header OBU.
      expect([...s.codecPrivate]).toEqual([...theirs]);
      const seq = obus(key.data).find((o) => o.type === 1)!;
      expect([...s.codecPrivate.subarray(4)]).toEqual([...seq.bytes]);

      for (const [how, priv] of [
        ['CodecPrivate', s.codecPrivate],
        ['keyframe', new Uint8Array(0)],
      ] as const) {
        expect(configure(priv, key.data), how).toBe(true);
        expect(fields(), how).toEqual(expected);
        expect(storedConfig(), how).toEqual([...theirs]);
        const ours = ourEntry();
        expect(ours.boxes.map((b) => b.type)).toEqual(['av1C']); // a plain Box; 1:1: no pasp
        expect([...ours.boxes[0]!.payload], how).toEqual([...theirs]);
        const view = new DataView(ours.entry.payload.buffer, ours.entry.payload.byteOffset);
        expect([view.getUint16(24), view.getUint16(26)]).toEqual([probe.width, probe.height]);
        expect(codecString(), how).toBe(c.codecString);
      }
    });
  }
});

/** The first stream's pieces: CodecPrivate, keyframe, its sequence header OBU and the rest of its OBUs. */
function pieces() {
  const s = stream(CASES[0]!);
  const key = s.frames[0]!.data;
  const all = obus(key);
  const seq = all.find((o) => o.type === 1)!;
  const rest = all.filter((o) => o.type !== 1);
  return { priv: s.codecPrivate, key, seq, rest, inter: s.frames[1]!.data };
}

const concat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => [...Array.from(p)]));

describe('records repaired or refused', () => {
  it('a keyframe whose sequence header is its last OBU, without obu_size, gets one in configOBUs', () => {
    const { priv, seq, rest } = pieces();
    const bare = concat(...rest.map((o) => o.bytes), [seq.header & ~2], seq.payload);
    expect(configure([], bare)).toBe(true);
    expect(storedConfig()).toEqual([...priv]);
  });

  it('fixed bytes that disagree with the sequence header are written from it; the rest stays as given', () => {
    const { priv, key } = pieces();
    const wrong = priv.slice();
    wrong[1] = 0x4f; // seq_profile 2, seq_level_idx_0 15
    wrong[2] = 0xff;
    wrong[3] = 0x1a; // initial_presentation_delay_present 1, minus_one 10: kept
    expect(configure(wrong, key)).toBe(true);
    expect(storedConfig()).toEqual([priv[0], priv[1], priv[2], 0x1a, ...priv.subarray(4)]);
    expect(fields().profile).toBe(0);
  });

  it('a CodecPrivate with a bad marker or version, too short, or without a sequence header: the keyframe’s', () => {
    const { priv, key, rest } = pieces();
    const noSequenceHeader = concat(priv.subarray(0, 4), rest[0]!.bytes); // configOBUs: a frame OBU only
    for (const bad of [
      concat([0x01], priv.subarray(1)),
      concat([0x82], priv.subarray(1)),
      priv.subarray(0, 3),
      noSequenceHeader,
    ]) {
      expect(configure(bad, key)).toBe(true);
      expect(storedConfig()).toEqual([...priv]);
    }
  });

  it('nothing to configure from: refused', () => {
    const { priv, inter } = pieces();
    expect(obus(inter).some((o) => o.type === 1)).toBe(false);
    expect(configure([], inter)).toBe(false);
    expect(configure(priv.subarray(0, 4), inter)).toBe(false);
    expect(configure([], [])).toBe(false);
    // An OBU with obu_forbidden_bit, or sizes that do not chain: no sequence header found behind them.
    expect(configure([], concat([0x80 | 0x12, 0], pieces().seq.bytes))).toBe(false);
    expect(configure([], concat([0x12, 0x7f], pieces().seq.bytes))).toBe(false);
  });
});

interface Operating {
  idc?: number;
  level: number;
  tier?: number;
  decoderModel?: boolean;
  displayDelay?: number;
}

interface Seq {
  profile?: number;
  reduced?: boolean;
  timing?: { ticksMinus1?: number; leadingZeros?: number };
  decoderModel?: boolean;
  ops?: Operating[];
  widthBits?: number;
  heightBits?: number;
  width: number;
  height: number;
  frameIds?: boolean;
  orderHint?: boolean;
  screen?: 'select' | 0 | 1;
  integerMv?: 'select' | 0 | 1;
  highBitdepth?: number;
  twelveBit?: number;
  mono?: number;
  colour?: [number, number, number];
  range?: number;
  subsampling?: [number, number];
  position?: number;
}

/** sequence_header_obu() (AV1 5.5) from the spec's syntax tables, wrapped in an OBU with obu_size. */
function sequenceHeader(s: Seq): Uint8Array {
  const w = new BitWriter();
  const profile = s.profile ?? 0;
  w.u(3, profile)
    .u(1, 0)
    .u(1, s.reduced ? 1 : 0); // seq_profile, still_picture, reduced_still_picture_header
  if (s.reduced) {
    w.u(5, s.ops?.[0]?.level ?? 0);
  } else {
    w.u(1, s.timing ? 1 : 0); // timing_info_present_flag
    if (s.timing) {
      w.u(32, 1001).u(32, 60000); // num_units_in_display_tick, time_scale
      if (s.timing.leadingZeros !== undefined) {
        w.u(1, 1).u(s.timing.leadingZeros, 0).u(1, 1).u(Math.min(s.timing.leadingZeros, 32), 0);
      } else if (s.timing.ticksMinus1 !== undefined) {
        const code = s.timing.ticksMinus1 + 1; // uvlc: leading zeros, a 1, the rest
        const n = Math.floor(Math.log2(code));
        w.u(1, 1)
          .u(n, 0)
          .u(n + 1, code);
      } else {
        w.u(1, 0);
      }
      w.u(1, s.decoderModel ? 1 : 0); // decoder_model_info_present_flag
      if (s.decoderModel) w.u(5, 9).u(32, 90000).u(5, 4).u(5, 6); // buffer_delay_length_minus_1 = 9 ...
    }
    const ops = s.ops ?? [{ level: 0 }];
    const displayDelay = ops.some((o) => o.displayDelay !== undefined);
    w.u(1, displayDelay ? 1 : 0).u(5, ops.length - 1); // initial_display_delay_present_flag, operating_points_cnt_minus_1
    for (const o of ops) {
      w.u(12, o.idc ?? 0).u(5, o.level);
      if (o.level > 7) w.u(1, o.tier ?? 0);
      if (s.timing && s.decoderModel) {
        w.u(1, o.decoderModel ? 1 : 0);
        if (o.decoderModel) w.u(10, 123).u(10, 456).u(1, 1); // buffer delays (10 bits), low_delay_mode_flag
      }
      if (displayDelay) {
        w.u(1, o.displayDelay !== undefined ? 1 : 0);
        if (o.displayDelay !== undefined) w.u(4, o.displayDelay);
      }
    }
  }
  const wb = s.widthBits ?? 16;
  const hb = s.heightBits ?? 16;
  w.u(4, wb - 1)
    .u(4, hb - 1)
    .u(wb, s.width - 1)
    .u(hb, s.height - 1);
  if (!s.reduced) {
    w.u(1, s.frameIds ? 1 : 0);
    if (s.frameIds) w.u(4, 13).u(3, 2);
  }
  w.u(1, 0).u(1, 1).u(1, 1); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!s.reduced) {
    w.u(4, 0b1010); // enable_interintra_compound, masked_compound, warped_motion, dual_filter
    w.u(1, s.orderHint ? 1 : 0);
    if (s.orderHint) w.u(2, 0b11); // enable_jnt_comp, enable_ref_frame_mvs
    const screen = s.screen ?? 'select';
    w.u(1, screen === 'select' ? 1 : 0);
    if (screen !== 'select') w.u(1, screen);
    if (screen !== 0) {
      const mv = s.integerMv ?? 'select';
      w.u(1, mv === 'select' ? 1 : 0);
      if (mv !== 'select') w.u(1, mv);
    }
    if (s.orderHint) w.u(3, 6);
  }
  w.u(3, 0b011); // enable_superres, enable_cdef, enable_restoration
  // color_config()
  const high = s.highBitdepth ?? 0;
  w.u(1, high);
  if (profile === 2 && high) w.u(1, s.twelveBit ?? 0);
  if (profile !== 1) w.u(1, s.mono ?? 0);
  w.u(1, s.colour ? 1 : 0);
  if (s.colour) for (const v of s.colour) w.u(8, v);
  const [ssx, ssy] = s.subsampling ?? (profile === 1 ? [0, 0] : [1, 1]);
  if (s.mono) {
    w.u(1, s.range ?? 0);
  } else if (s.colour && s.colour[0] === 1 && s.colour[1] === 13 && s.colour[2] === 0) {
    // sRGB: no bits
  } else {
    w.u(1, s.range ?? 0);
    if (profile === 2 && s.twelveBit) {
      w.u(1, ssx);
      if (ssx) w.u(1, ssy);
    }
    if (ssx && ssy) w.u(2, s.position ?? 0);
  }
  if (!s.mono) w.u(1, 0); // separate_uv_delta_q
  w.u(1, 0); // film_grain_params_present
  const payload = w.trailing().bytes();
  if (payload.length > 127) throw new Error('a longer obu_size than this test writes');
  return concat([0x0a, payload.length], payload);
}

function configureSeq(s: Seq): boolean {
  return configure([], sequenceHeader(s));
}

describe('sequence headers built from the syntax tables', () => {
  it('reduced_still_picture_header: seq_level_idx[0] only, tier 0', () => {
    expect(
      configureSeq({ reduced: true, ops: [{ level: 5 }], widthBits: 7, heightBits: 6, width: 100, height: 60 }),
    ).toBe(true);
    expect(fields()).toMatchObject({ width: 100, height: 60, level: 5, tier: 0, bitDepth: 8, chromaFormat: 1 });
    expect(codecString()).toBe('av01.0.05M.08');
  });

  it('timing info, decoder model and two operating points: the first one gives level and tier', () => {
    const ops: Operating[] = [
      { idc: 0x103, level: 12, tier: 1, decoderModel: true, displayDelay: 3 },
      { idc: 0x101, level: 9, tier: 0, decoderModel: false },
    ];
    for (const timing of [{ ticksMinus1: 0 }, { ticksMinus1: 1000 }, {}]) {
      expect(configureSeq({ timing, decoderModel: true, ops, width: 1920, height: 1080 }), JSON.stringify(timing)).toBe(
        true,
      );
      expect(fields()).toMatchObject({ width: 1920, height: 1080, level: 12, tier: 1, chromaFormat: 1 });
      expect(storedConfig().slice(0, 4)).toEqual([0x81, 12, 0x80 | 0x0c, 0]);
      expect(codecString()).toBe('av01.0.12H.08');
    }
    expect(
      configureSeq({
        timing: {},
        ops: [
          { level: 8, tier: 0 },
          { level: 19, tier: 1 },
        ],
        width: 8,
        height: 8,
      }),
    ).toBe(true);
    expect([fields().level, fields().tier]).toEqual([8, 0]);
  });

  it('a uvlc of 32 leading zeros is refused, 31 is read', () => {
    expect(configureSeq({ timing: { leadingZeros: 31 }, width: 64, height: 48 })).toBe(true);
    expect(fields().width).toBe(64);
    expect(configureSeq({ timing: { leadingZeros: 32 }, width: 64, height: 48 })).toBe(false);
  });

  it('frame ids, order hints and every screen-content choice keep the fields behind them in place', () => {
    for (const screen of ['select', 0, 1] as const) {
      for (const integerMv of ['select', 0, 1] as const) {
        const ok = configureSeq({
          frameIds: true,
          orderHint: true,
          screen,
          integerMv,
          width: 720,
          height: 576,
          colour: [9, 16, 9],
          position: 2,
          range: 1,
        });
        expect(ok).toBe(true);
        expect(fields()).toMatchObject({ width: 720, height: 576, primaries: 9, transfer: 16, matrix: 9 });
        expect([fields().chromaPosition, fields().fullRange]).toEqual([2, 1]);
        expect(storedConfig()[2]).toBe(0x0c | 2); // subsampling_x, subsampling_y, chroma_sample_position 2
        expect(codecString()).toBe('av01.0.00M.08.0.112.09.16.09.1');
      }
    }
  });

  it('profile 2: 12-bit 4:2:2 and 4:4:4 from the subsampling bits, 10-bit is 4:2:2', () => {
    expect(
      configureSeq({ profile: 2, highBitdepth: 1, twelveBit: 1, subsampling: [1, 0], width: 64, height: 48 }),
    ).toBe(true);
    expect([fields().bitDepth, fields().chromaFormat]).toEqual([12, 2]);
    expect(storedConfig()[2]).toBe(0b0110_1000); // high_bitdepth, twelve_bit, subsampling_x
    expect(codecString()).toBe('av01.2.00M.12.0.100.02.02.02.0');
    expect(
      configureSeq({ profile: 2, highBitdepth: 1, twelveBit: 1, subsampling: [0, 0], width: 64, height: 48 }),
    ).toBe(true);
    expect([fields().bitDepth, fields().chromaFormat]).toEqual([12, 3]);
    expect(configureSeq({ profile: 2, highBitdepth: 1, width: 64, height: 48 })).toBe(true);
    expect([fields().bitDepth, fields().chromaFormat]).toEqual([10, 2]);
    expect(codecString()).toBe('av01.2.00M.10.0.100.02.02.02.0');
  });

  it('sizes up to 65535 with 16 width bits; 65536 and reserved profiles are refused', () => {
    expect(configureSeq({ width: 65535, height: 65535 })).toBe(true);
    expect([fields().width, fields().height]).toEqual([65535, 65535]);
    expect(configureSeq({ width: 65536, height: 48 })).toBe(false);
    expect(configureSeq({ width: 64, height: 65536 })).toBe(false);
    expect(configureSeq({ width: 1, height: 1, widthBits: 1, heightBits: 1 })).toBe(true);
    for (const profile of [3, 4, 7]) expect(configureSeq({ profile, width: 64, height: 48 })).toBe(false);
    // sRGB is 4:4:4, which profile 0 cannot code
    expect(configureSeq({ colour: [1, 13, 0], width: 64, height: 48 })).toBe(false);
  });
});

describe('robustness', () => {
  it('every truncation of a real CodecPrivate, ending at the end of memory, is refused', () => {
    for (const c of CASES) {
      const priv = stream(c).codecPrivate;
      for (let n = 0; n < priv.length; n++) {
        clearInfo();
        expect(
          core.testConfigureAv1(SLOT, writeAtMemoryEnd(core, priv.subarray(0, n)), n, 0, 0),
          `${c.name} ${n}`,
        ).toBe(0);
      }
      expect(core.testConfigureAv1(SLOT, writeAtMemoryEnd(core, priv), priv.length, 0, 0)).toBe(1);
    }
  });

  it('every truncation of a real keyframe is refused until its sequence header OBU is whole', () => {
    for (const c of CASES) {
      const key = stream(c).frames[0]!.data;
      const seqLength = obus(key).find((o) => o.type === 1)!.bytes.length;
      expect(obus(key)[0]!.type).toBe(1);
      for (let n = 0; n <= seqLength + 8; n++) {
        clearInfo();
        const ok = core.testConfigureAv1(SLOT, 0, 0, writeAtMemoryEnd(core, key.subarray(0, n)), n);
        expect(ok, `${c.name}: ${n} bytes`).toBe(n >= seqLength ? 1 : 0);
      }
    }
  });

  it('bit flips of a real sequence header and seeded random OBUs never trap, and what parses is within the syntax', () => {
    const rng = new Random(1101);
    const { seq } = pieces();
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let bytes: Uint8Array;
      if (i % 2 === 0) {
        bytes = seq.bytes.slice();
        for (let k = rng.range(1, 4); k > 0; k--) {
          const bit = rng.range(8, bytes.length * 8 - 1); // keep the header byte: the flips land in the payload
          bytes[bit >> 3]! ^= 0x80 >> (bit & 7);
        }
      } else {
        bytes = Uint8Array.from({ length: rng.int(32) }, () => rng.int(256));
        if (bytes.length > 1) bytes[0] = 0x0a;
      }
      clearInfo();
      const ok = core.testConfigureAv1(SLOT, 0, 0, writeAtMemoryEnd(core, bytes), bytes.length);
      if (ok !== 1) continue;
      accepted++;
      const f = fields();
      expect(f.profile).toBeLessThanOrEqual(2);
      expect(f.level).toBeLessThanOrEqual(31);
      expect([8, 10, 12]).toContain(f.bitDepth);
      expect([0, 1, 2, 3]).toContain(f.chromaFormat);
      expect(f.width).toBeGreaterThan(0);
      expect(f.width).toBeLessThanOrEqual(65535);
      const config = storedConfig();
      expect(config[0]).toBe(0x81);
      expect(config.length).toBeLessThanOrEqual(4 + bytes.length + 4);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});

describe('init segment', () => {
  it("our init segment with ffmpeg's fragments of the same stream decodes to the WebM's frames", () => {
    for (const c of [CASES[0]!, CASES[2]!, CASES[6]!, CASES[7]!]) {
      const s = stream(c);
      expect(configure(s.codecPrivate, s.frames[0]!.data)).toBe(true);
      const length = core.testVideoInit(AV1, SLOT) >>> 0;
      const init = new Uint8Array(core.memory.buffer, core.outputPtr(), length).slice();
      const stsd = find(walkBoxes(init), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd')!;
      expect(stsd.children.map((b) => b.type)).toEqual(['av01']);
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
    expect(boxes.map((b) => b.type)).toEqual(['av1C', 'pasp']);
    expect([...boxes[1]!.payload]).toEqual([0, 0, 0, 4, 0, 0, 0, 3]);
    const init = new Uint8Array(core.memory.buffer, core.outputPtr(), core.testVideoInit(AV1, SLOT) >>> 0).slice();
    const tkhd = find(walkBoxes(init), 'moov', 'trak', 'tkhd')!.payload;
    const view = new DataView(tkhd.buffer, tkhd.byteOffset);
    expect([view.getUint32(76) / 65536, view.getUint32(80) / 65536]).toEqual([85, 48]); // 64 × 4 / 3, 48
  });
});

describe('codec strings', () => {
  const colour = { chromaFormat: 1, chromaPosition: 0, primaries: 2, transfer: 2, matrix: 2, fullRange: 0 };
  it('short when every optional field has its default, all of them otherwise', () => {
    expect(av1CodecString(0, 4, 0, 8, colour)).toBe('av01.0.04M.08');
    expect(av1CodecString(0, 13, 1, 10, { ...colour, primaries: 1, transfer: 1, matrix: 1 })).toBe('av01.0.13H.10');
    expect(av1CodecString(0, 4, 0, 8, { ...colour, chromaPosition: 1 })).toBe('av01.0.04M.08.0.111.02.02.02.0');
    expect(av1CodecString(0, 4, 0, 10, { ...colour, primaries: 9, transfer: 18, matrix: 9 })).toBe(
      'av01.0.04M.10.0.110.09.18.09.0',
    );
    expect(av1CodecString(0, 4, 0, 8, { ...colour, chromaFormat: 0 })).toBe('av01.0.04M.08.1.110.02.02.02.0');
  });
});
