// SPS parsing (wasm/codecs/h264.ts, H.264 7.3.2.1.1 and VUI E.1.1): real SPS NAL units taken from the fixtures,
// checked against the fixture summaries (written by ffprobe and scripts/fixture-summary.py, no weir code), and
// hand-built SPS covering the syntax the fixtures do not: scaling lists, pic_order_cnt_type 1, field coding,
// 4:4:4 and monochrome cropping units, Extended_SAR, emulation prevention bytes, truncation.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureFiles, ROOT, readSummary } from '../helpers/media.js';
import {
  BitWriter,
  escapeRbsp,
  Info,
  infoU32,
  loadTestCore,
  type TestCore,
  writeScratch,
} from '../helpers/test-core.js';
import { firstNal, nalUnits, pidsOf, walkTs } from '../helpers/ts-walk.js';

let core: TestCore;
beforeAll(async () => {
  core = await loadTestCore();
});

interface Parsed {
  ok: boolean;
  width: number;
  height: number;
  sar: [number, number];
  profile: number;
  compat: number;
  level: number;
  bitDepth: number;
  chroma: number;
  rate: [number, number];
}

function parse(nal: Uint8Array): Parsed {
  const ok = core.testParseSps(writeScratch(core, nal), nal.length) === 1;
  const f = (field: number) => infoU32(core, 0, field);
  return {
    ok,
    width: f(Info.Width),
    height: f(Info.Height),
    sar: [f(Info.SarNum), f(Info.SarDen)],
    profile: f(Info.Profile),
    compat: f(Info.Compat),
    level: f(Info.Level),
    bitDepth: f(Info.BitDepth),
    chroma: f(Info.ChromaFormat),
    rate: [f(Info.FrameRateNum), f(Info.FrameRateDen)],
  };
}

/** Clears the track info fields so a failed parse cannot pass on values left by an earlier one. */
function clearInfo(): void {
  new Uint8Array(core.memory.buffer, core.testTrackInfo(0), 128).fill(0xee);
}

const all = [...fixtureFiles().map((f) => f.path), join(ROOT, 'demo/media/sample.ts')];
/** Every fixture (and the demo sample) with H.264 video: summary codec 'h264', stream_type 0x1B. */
const sources = all.filter((p) => readSummary(p).tracks.some((t) => t.codec === 'h264' && t.streamType === 0x1b));

describe('SPS from the fixtures', () => {
  it('covers every fixture with H.264 video (the summaries and the PMTs agree on which)', () => {
    const declared = all.filter((p) =>
      walkTs(new Uint8Array(readFileSync(p))).streams.some((s) => s.streamType === 0x1b),
    );
    expect(sources).toEqual(declared);
    // ...and the others have no H.264 (HEVC or no video at all).
    for (const p of all.filter((q) => !sources.includes(q))) {
      expect(
        readSummary(p)
          .tracks.filter((t) => t.kind === 'video')
          .map((t) => t.codec),
        p,
      ).not.toContain('h264');
    }
  });

  for (const path of sources) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    it(`${name}: profile, level, cropped size, SAR and frame rate match the summary`, () => {
      const summary = readSummary(path);
      const video = summary.tracks.find((t) => t.kind === 'video')!;
      const ts = walkTs(new Uint8Array(readFileSync(path)));
      const sps = firstNal(ts, video.pid, 7);
      expect(sps, 'an SPS NAL unit in the video PES').toBeDefined();
      clearInfo();
      const p = parse(sps!);
      expect(p.ok).toBe(true);
      const m = /^avc1\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/.exec(video.codecString)!;
      expect([p.profile, p.compat, p.level]).toEqual([parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)]);
      // The first SPS: the summary's size is the first one (a size change lists the later ones in `segments`).
      expect([p.width, p.height]).toEqual([video.width, video.height]);
      expect(p.sar).toEqual([video.sarNum ?? 1, video.sarDen ?? 1]);
      expect(p.bitDepth).toBe(8);
      expect(p.chroma).toBe(1);
      // x264 writes VUI timing: time_scale / (2 * num_units_in_tick) is the frame rate (E.2.1).
      expect(p.rate[0]).toBeGreaterThan(0);
      expect(p.rate[0] / p.rate[1]).toBeCloseTo(1 / video.frameDuration, 1);
    });
  }

  for (const path of sources.filter((p) => readSummary(p).tracks.some((t) => t.segments))) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    it(`${name}: every SPS, in stream order, gives the sizes of the summary's segments`, () => {
      const video = readSummary(path).tracks.find((t) => t.kind === 'video')!;
      const ts = walkTs(new Uint8Array(readFileSync(path)));
      const sizes: [number, number][] = [];
      for (const pes of ts.pes.filter((q) => q.pid === video.pid)) {
        for (const nal of nalUnits(pes.payload)) {
          if ((nal[0]! & 0x1f) !== 7) continue;
          clearInfo();
          const p = parse(nal);
          expect(p.ok).toBe(true);
          const last = sizes.at(-1);
          if (!last || last[0] !== p.width || last[1] !== p.height) sizes.push([p.width, p.height]);
        }
      }
      expect(sizes).toEqual(video.segments!.map((g) => [g.width, g.height]));
    });
  }

  it('ts-h264-sar.ts: aspect_ratio_idc 14 gives 4:3, and 2 cropped lines give 480x350', () => {
    const ts = walkTs(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-sar.ts'))));
    const p = parse(firstNal(ts, pidsOf(ts).video!, 7)!);
    expect(p).toMatchObject({ ok: true, width: 480, height: 350, sar: [4, 3] });
  });

  it('ts-h264-high-bframes-aac.ts: High profile, 368 coded lines cropped to 360', () => {
    const ts = walkTs(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-high-bframes-aac.ts'))));
    const p = parse(firstNal(ts, pidsOf(ts).video!, 7)!);
    expect(p).toMatchObject({ ok: true, profile: 100, width: 640, height: 360, sar: [1, 1] });
  });

  it('a fixture SPS cut before its geometry is rejected (returns 0)', () => {
    const ts = walkTs(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-baseline-aac.ts'))));
    const sps = firstNal(ts, pidsOf(ts).video!, 7)!;
    for (let len = 1; len <= 4; len++) expect(parse(sps.subarray(0, len)).ok, `first ${len} bytes`).toBe(false);
  });
});

/** Writes a hand-built SPS: the NAL header (nal_ref_idc 3, type 7) and the escaped RBSP. */
function nal(w: BitWriter): { nal: Uint8Array; rbspBits: number } {
  const rbsp = w.bytes();
  return { nal: Uint8Array.from([0x67, ...escapeRbsp(rbsp)]), rbspBits: w.length };
}

describe('hand-built SPS (H.264 7.3.2.1.1)', () => {
  it('Constrained Baseline 320x240, pic_order_cnt_type 2, no cropping, no VUI', () => {
    const w = new BitWriter()
      .u(8, 66) // profile_idc
      .u(8, 0xc0) // constraint_set0_flag, constraint_set1_flag
      .u(8, 30) // level_idc
      .ue(0) // seq_parameter_set_id
      .ue(0) // log2_max_frame_num_minus4
      .ue(2) // pic_order_cnt_type
      .ue(1) // max_num_ref_frames
      .u(1, 0) // gaps_in_frame_num_value_allowed_flag
      .ue(19) // pic_width_in_mbs_minus1
      .ue(14) // pic_height_in_map_units_minus1
      .u(1, 1) // frame_mbs_only_flag
      .u(1, 1) // direct_8x8_inference_flag
      .u(1, 0) // frame_cropping_flag
      .u(1, 0) // vui_parameters_present_flag
      .trailing();
    clearInfo();
    expect(parse(nal(w).nal)).toEqual({
      ok: true,
      width: 320,
      height: 240,
      sar: [1, 1],
      profile: 66,
      compat: 0xc0,
      level: 30,
      bitDepth: 8,
      chroma: 1,
      rate: [0, 0],
    });
  });

  /** High 1920x1080 interlaced (field cropping units), scaling lists, Extended_SAR and VUI timing. */
  function high1080(): BitWriter {
    const w = new BitWriter()
      .u(8, 100) // profile_idc
      .u(8, 0) // constraint flags
      .u(8, 40) // level_idc
      .ue(1) // seq_parameter_set_id
      .ue(1) // chroma_format_idc (4:2:0)
      .ue(0) // bit_depth_luma_minus8
      .ue(0) // bit_depth_chroma_minus8
      .u(1, 0) // qpprime_y_zero_transform_bypass_flag
      .u(1, 1); // seq_scaling_matrix_present_flag
    // Eight seq_scaling_list_present_flag (chroma_format_idc != 3); lists 0, 1 (4x4) and 6 (8x8) are present.
    w.u(1, 1).se(-8); // list 0: delta_scale -8 makes nextScale 0 at j = 0 (use the default matrix): one read
    w.u(1, 1);
    for (let j = 0; j < 16; j++) w.se(1); // list 1: sixteen deltas, nextScale never 0
    for (let i = 2; i < 6; i++) w.u(1, 0);
    w.u(1, 1).se(2).se(3).se(-13); // list 6 (64 entries): nextScale 10, 13, then 0 ends the reads
    w.u(1, 0); // list 7
    w.ue(2) // log2_max_frame_num_minus4
      .ue(0) // pic_order_cnt_type
      .ue(4) // log2_max_pic_order_cnt_lsb_minus4
      .ue(4) // max_num_ref_frames
      .u(1, 0) // gaps_in_frame_num_value_allowed_flag
      .ue(119) // pic_width_in_mbs_minus1: 1920
      .ue(33) // pic_height_in_map_units_minus1: 34 field MB rows = 1088 lines
      .u(1, 0) // frame_mbs_only_flag: field/MBAFF coding
      .u(1, 1) // mb_adaptive_frame_field_flag
      .u(1, 1) // direct_8x8_inference_flag
      .u(1, 1) // frame_cropping_flag
      .ue(0) // frame_crop_left_offset
      .ue(0) // frame_crop_right_offset
      .ue(0) // frame_crop_top_offset
      .ue(2); // frame_crop_bottom_offset: CropUnitY = 2 * 2 = 4 → 8 lines
    return w;
  }

  it('High 1080i: scaling lists skipped, field cropping, Extended_SAR 64:45, timing, emulation prevention', () => {
    const w = high1080()
      .u(1, 1) // vui_parameters_present_flag
      .u(1, 1) // aspect_ratio_info_present_flag
      .u(8, 255) // aspect_ratio_idc: Extended_SAR
      .u(16, 64) // sar_width
      .u(16, 45) // sar_height
      .u(1, 1) // overscan_info_present_flag
      .u(1, 0) // overscan_appropriate_flag
      .u(1, 1) // video_signal_type_present_flag
      .u(3, 5) // video_format
      .u(1, 0) // video_full_range_flag
      .u(1, 1) // colour_description_present_flag
      .u(8, 1) // colour_primaries
      .u(8, 1) // transfer_characteristics
      .u(8, 1) // matrix_coefficients
      .u(1, 1) // chroma_loc_info_present_flag
      .ue(0) // chroma_sample_loc_type_top_field
      .ue(0) // chroma_sample_loc_type_bottom_field
      .u(1, 1) // timing_info_present_flag
      .u(32, 1) // num_units_in_tick: 31 zero bits force an emulation prevention byte
      .u(32, 50) // time_scale
      .u(1, 1) // fixed_frame_rate_flag
      .u(1, 0) // nal_hrd_parameters_present_flag
      .u(1, 0) // vcl_hrd_parameters_present_flag
      .u(1, 0) // pic_struct_present_flag
      .u(1, 0) // bitstream_restriction_flag
      .trailing();
    const { nal: bytes } = nal(w);
    expect(bytes.length - 1, 'the NAL unit really carries an emulation_prevention_three_byte').toBeGreaterThan(
      w.bytes().length,
    );
    clearInfo();
    expect(parse(bytes)).toEqual({
      ok: true,
      width: 1920,
      height: 1080,
      sar: [64, 45],
      profile: 100,
      compat: 0,
      level: 40,
      bitDepth: 8,
      chroma: 1,
      rate: [50, 2],
    });
  });

  it('a VUI cut short still gives the geometry (only a cut before it rejects the SPS)', () => {
    const geometry = high1080();
    const geometryBits = geometry.length;
    const full = high1080().u(1, 1).u(1, 1).u(8, 255).u(16, 64).u(16, 45).trailing();
    const { nal: bytes } = nal(full);
    // Every cut that leaves the last geometry bit out fails; every cut after it parses.
    const lastGeometryByte = 1 + Math.ceil(geometryBits / 8); // NAL header + the bytes holding geometry
    for (let len = 1; len < bytes.length; len++) {
      clearInfo();
      const p = parse(bytes.subarray(0, len));
      if (len < lastGeometryByte) expect(p.ok, `cut at ${len} bytes`).toBe(false);
      else {
        expect(p.ok, `cut at ${len} bytes`).toBe(true);
        expect([p.width, p.height]).toEqual([1920, 1080]);
      }
    }
  });

  it('High 4:4:4 10-bit, pic_order_cnt_type 1: crop units of 1 pixel, bit depth and chroma format stored', () => {
    const w = new BitWriter()
      .u(8, 244) // profile_idc: High 4:4:4 Predictive
      .u(8, 0)
      .u(8, 31)
      .ue(0) // seq_parameter_set_id
      .ue(3) // chroma_format_idc: 4:4:4
      .u(1, 0) // separate_colour_plane_flag
      .ue(2) // bit_depth_luma_minus8
      .ue(2) // bit_depth_chroma_minus8
      .u(1, 0) // qpprime_y_zero_transform_bypass_flag
      .u(1, 0) // seq_scaling_matrix_present_flag
      .ue(0) // log2_max_frame_num_minus4
      .ue(1) // pic_order_cnt_type
      .u(1, 0) // delta_pic_order_always_zero_flag
      .se(-2) // offset_for_non_ref_pic
      .se(0) // offset_for_top_to_bottom_field
      .ue(3) // num_ref_frames_in_pic_order_cnt_cycle
      .se(2)
      .se(-5)
      .se(7) // offset_for_ref_frame[i]
      .ue(2) // max_num_ref_frames
      .u(1, 0)
      .ue(39) // 640
      .ue(29) // 480
      .u(1, 1) // frame_mbs_only_flag
      .u(1, 1)
      .u(1, 1) // frame_cropping_flag
      .ue(1) // left
      .ue(3) // right: 4:4:4 crops whole pixels, so 4 columns
      .ue(0)
      .ue(5) // bottom: 5 lines
      .u(1, 1) // vui_parameters_present_flag
      .u(1, 1)
      .u(8, 14) // aspect_ratio_idc 14 = 4:3 (Table E-1)
      .u(1, 0)
      .u(1, 0)
      .u(1, 0)
      .u(1, 1) // timing_info_present_flag
      .u(32, 1001)
      .u(32, 60000)
      .trailing();
    clearInfo();
    expect(parse(nal(w).nal)).toMatchObject({
      ok: true,
      width: 636,
      height: 475,
      sar: [4, 3],
      profile: 244,
      bitDepth: 10,
      chroma: 3,
      rate: [60000, 2002],
    });
  });

  it('monochrome (chroma_format_idc 0): crop units of 1 pixel', () => {
    const w = new BitWriter()
      .u(8, 100)
      .u(8, 0)
      .u(8, 30)
      .ue(0)
      .ue(0) // chroma_format_idc: monochrome
      .ue(0)
      .ue(0)
      .u(1, 0)
      .u(1, 0)
      .ue(0)
      .ue(2) // pic_order_cnt_type 2
      .ue(1)
      .u(1, 0)
      .ue(9) // 160
      .ue(8) // 144
      .u(1, 1)
      .u(1, 1)
      .u(1, 1)
      .ue(0)
      .ue(1) // right: 1 column
      .ue(0)
      .ue(3) // bottom: 3 lines
      .u(1, 0)
      .trailing();
    clearInfo();
    expect(parse(nal(w).nal)).toMatchObject({ ok: true, width: 159, height: 141, chroma: 0 });
  });

  it('an impossible crop (as wide as the picture) is rejected', () => {
    const w = new BitWriter()
      .u(8, 66)
      .u(8, 0)
      .u(8, 30)
      .ue(0)
      .ue(0)
      .ue(2)
      .ue(1)
      .u(1, 0)
      .ue(0) // 16 pixels wide
      .ue(0)
      .u(1, 1)
      .u(1, 1)
      .u(1, 1)
      .ue(4)
      .ue(4) // 2 * (4 + 4) = 16 columns cropped
      .ue(0)
      .ue(0)
      .u(1, 0)
      .trailing();
    expect(parse(nal(w).nal).ok).toBe(false);
  });
});
