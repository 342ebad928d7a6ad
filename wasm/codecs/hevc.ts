// HEVC / H.265 (ITU-T H.265, ISO/IEC 23008-2): parameter-set capture, sequence parameter set parsing
// (7.3.2.2.1 with profile_tier_level 7.3.3, st_ref_pic_set 7.3.7 and VUI E.2.1), and the hvc1 sample
// entry with its HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3), built from the parameter
// sets or, from Matroska, kept as the file gives it (configureHevcFromRecord). The codec string
// hvc1.<space><profile>.<compat>.<tier><level>.<constraints> is built by the engine (14496-15 E.3)
// from the fields this parser stores in the track info record.
//
// Parameter sets are kept per track in its config region as lists of [u16 length][NAL unit bytes,
// header included, emulation prevention kept]: VPS from +0, SPS from +VPS_AREA... (LIST_BYTES each).

import { CONFIG_CAPACITY, configBase, SCRATCH_BASE, SCRATCH_CAPACITY } from '../layout';
import { bytesEqual, u16be, unescapeRbsp } from '../util/bytes';
import { brInit, overrun, readBit, readBits, readSE, readUE, skipBits } from '../util/bitreader';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, boxStart, Fourcc, w16, w32, w8, wBytes } from '../mp4/writer';
import { pasp, visualEntryStart } from './h264';
import { readVuiHead, vuiSarDen, vuiSarNum } from './vui';
import { storedConfigBox } from './audio-entry';

/** nal_unit_type values used here (Table 7-1). IRAP pictures are 16..23. */
export const enum HevcNal {
  RaslN = 8,
  RaslR = 9,
  BlaWLp = 16,
  IdrWRadl = 19,
  IdrNLp = 20,
  Cra = 21,
  Vps = 32,
  Sps = 33,
  Pps = 34,
  Aud = 35,
  PrefixSei = 39,
  SuffixSei = 40,
}

/** nal_unit_type of the NAL unit whose first header byte is b (7.3.1.2). */
@inline export function hevcNalType(b: u32): i32 {
  return <i32>((b >> 1) & 0x3f);
}

const LIST_BYTES: u32 = 2048;
const VPS_AREA: u32 = 0;
const SPS_AREA: u32 = LIST_BYTES;
const PPS_AREA: u32 = 2 * LIST_BYTES;
const MAX_SETS: i32 = 8; // per list (VPS, SPS and PPS ids go higher, but streams use a few)
const MAX_TRACKS_HERE: i32 = 4;

/** Per track: sets in each list (VPS, SPS, PPS) and the bytes each list uses. */
const setCount = new StaticArray<i32>(MAX_TRACKS_HERE * 3);
const setBytes = new StaticArray<u32>(MAX_TRACKS_HERE * 3);
/** Per track: from the SPS, what hvcC needs beyond the Info record. */
const chromaDepth = new StaticArray<u32>(MAX_TRACKS_HERE);
const subLayers = new StaticArray<u32>(MAX_TRACKS_HERE);
const idNesting = new StaticArray<u32>(MAX_TRACKS_HERE);

export function resetHevc(slot: i32): void {
  for (let k = 0; k < 3; k++) {
    unchecked((setCount[slot * 3 + k] = 0));
    unchecked((setBytes[slot * 3 + k] = 0));
  }
}

export function hevcHasParameterSets(slot: i32): bool {
  return unchecked(setCount[slot * 3]) > 0 && unchecked(setCount[slot * 3 + 1]) > 0 && unchecked(setCount[slot * 3 + 2]) > 0;
}

/** Adds a NAL unit to list k (0 VPS, 1 SPS, 2 PPS) unless an equal one is there. False when it is full. */
function addSet(slot: i32, k: i32, nal: u32, len: u32): bool {
  const area = configBase(slot) + (k == 0 ? VPS_AREA : k == 1 ? SPS_AREA : PPS_AREA);
  const n = unchecked(setCount[slot * 3 + k]);
  let p = area;
  for (let i = 0; i < n; i++) {
    const l = <u32>load<u16>(p);
    if (l == len && bytesEqual(p + 2, nal, len)) return true;
    p += 2 + l;
  }
  const used = unchecked(setBytes[slot * 3 + k]);
  if (n >= MAX_SETS || used + 2 + len > LIST_BYTES) return false;
  store<u16>(p, <u16>len);
  memory.copy(p + 2, nal, len);
  unchecked((setBytes[slot * 3 + k] = used + 2 + len));
  unchecked((setCount[slot * 3 + k] = n + 1));
  return true;
}

export function captureHevcVps(slot: i32, nal: u32, len: u32): void {
  if (len >= 4 && len <= 1024) addSet(slot, 0, nal, len);
}

export function captureHevcPps(slot: i32, nal: u32, len: u32): void {
  if (len >= 3 && len <= 1024) addSet(slot, 2, nal, len);
}

/**
 * Captures an SPS NAL unit (header included). Same answers as h264.ts captureSps: 1 stored and
 * parsed, 0 equal to the stored one, 2 differs from the SPS in use while `locked` (a mid-stream
 * change; not stored), -1 does not parse.
 */
export function captureHevcSps(slot: i32, nal: u32, len: u32, locked: bool): i32 {
  if (len < 4 || len > 1024) return -1;
  const area = configBase(slot) + SPS_AREA;
  if (unchecked(setCount[slot * 3 + 1]) > 0) {
    const l = <u32>load<u16>(area);
    if (l == len && bytesEqual(area + 2, nal, len)) return 0;
    if (locked) return 2;
  }
  if (!parseHevcSps(slot, nal, len)) return -1;
  // One SPS in use: a new one replaces it (a stream may repeat its SPS with another id, rarely).
  unchecked((setCount[slot * 3 + 1] = 0));
  unchecked((setBytes[slot * 3 + 1] = 0));
  addSet(slot, 1, nal, len);
  return 1;
}


/** Skips scaling_list_data() (7.3.4). */
function skipScalingListData(): void {
  for (let sizeId: u32 = 0; sizeId < 4; sizeId++) {
    for (let matrixId: u32 = 0; matrixId < 6; matrixId += sizeId == 3 ? 3 : 1) {
      if (readBit() == 0) {
        readUE(); // scaling_list_pred_matrix_id_delta
      } else {
        const coefNum = min<u32>(64, <u32>1 << (4 + (sizeId << 1)));
        if (sizeId > 1) readSE(); // scaling_list_dc_coef_minus8
        for (let i: u32 = 0; i < coefNum && !overrun; i++) readSE(); // scaling_list_delta_coef
      }
    }
  }
}

/** NumDeltaPocs of each short-term RPS read so far (7.4.8). */
const numDeltaPocs = new StaticArray<u32>(65);

/** Skips st_ref_pic_set(idx) (7.3.7) of an SPS; false when it is invalid. */
function skipStRefPicSet(idx: u32): bool {
  if (idx != 0 && readBit() == 1) {
    // inter_ref_pic_set_prediction_flag: predicted from the set before it (in an SPS, delta_idx is 1).
    readBit(); // delta_rps_sign
    readUE(); // abs_delta_rps_minus1
    const ref = unchecked(numDeltaPocs[idx - 1]);
    let count: u32 = 0;
    for (let j: u32 = 0; j <= ref; j++) {
      const used = readBit(); // used_by_curr_pic_flag
      const useDelta = used ? 1 : readBit(); // use_delta_flag (inferred 1)
      if (used || useDelta) count++;
    }
    unchecked((numDeltaPocs[idx] = count));
    return !overrun;
  }
  const negative = readUE(); // num_negative_pics
  const positive = readUE(); // num_positive_pics
  if (negative > 16 || positive > 16) return false;
  for (let i: u32 = 0; i < negative + positive; i++) {
    readUE(); // delta_poc_s0_minus1 / delta_poc_s1_minus1
    readBit(); // used_by_curr_pic_s0_flag / s1
  }
  unchecked((numDeltaPocs[idx] = negative + positive));
  return !overrun;
}

/** Parses seq_parameter_set_rbsp (7.3.2.2.1) into the track info record. False if it is broken. */
export function parseHevcSps(slot: i32, nal: u32, len: u32): bool {
  const n = unescapeRbsp(nal + 2, len - 2, SCRATCH_BASE, SCRATCH_CAPACITY);
  brInit(SCRATCH_BASE, n);
  readBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = readBits(3); // sps_max_sub_layers_minus1
  const nesting = readBit(); // sps_temporal_id_nesting_flag
  if (maxSubLayersMinus1 > 6) return false;
  // profile_tier_level(1, sps_max_sub_layers_minus1) (7.3.3)
  const profileSpace = readBits(2); // general_profile_space
  const tier = readBit(); // general_tier_flag
  const profile = readBits(5); // general_profile_idc
  const compat = readBits(32); // general_profile_compatibility_flag[0..31]
  const constraintHi = readBits(32); // general_progressive_source_flag ... (48 bits in all)
  const constraintLo = readBits(16);
  const level = readBits(8); // general_level_idc
  let profilePresent: u32 = 0;
  let levelPresent: u32 = 0;
  for (let i: u32 = 0; i < maxSubLayersMinus1; i++) {
    profilePresent |= readBit() << i; // sub_layer_profile_present_flag[i]
    levelPresent |= readBit() << i; // sub_layer_level_present_flag[i]
  }
  if (maxSubLayersMinus1 > 0) skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i: u32 = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent & (1 << i)) skipBits(88); // sub_layer profile_space ... constraint flags
    if (levelPresent & (1 << i)) skipBits(8); // sub_layer_level_idc
  }
  readUE(); // sps_seq_parameter_set_id
  const chroma = readUE(); // chroma_format_idc
  if (chroma > 3) return false;
  if (chroma == 3) readBit(); // separate_colour_plane_flag
  const width = readUE(); // pic_width_in_luma_samples
  const height = readUE(); // pic_height_in_luma_samples
  let cropLeft: u32 = 0;
  let cropRight: u32 = 0;
  let cropTop: u32 = 0;
  let cropBottom: u32 = 0;
  if (readBit()) {
    // conformance_window_flag
    cropLeft = readUE();
    cropRight = readUE();
    cropTop = readUE();
    cropBottom = readUE();
  }
  const lumaDepth = readUE() + 8; // bit_depth_luma_minus8
  const chromaBitDepth = readUE() + 8; // bit_depth_chroma_minus8
  const pocBits = readUE() + 4; // log2_max_pic_order_cnt_lsb_minus4
  if (lumaDepth > 16 || chromaBitDepth > 16 || pocBits > 16) return false;
  const orderingAll = readBit(); // sps_sub_layer_ordering_info_present_flag
  for (let i: u32 = orderingAll ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    readUE(); // sps_max_dec_pic_buffering_minus1
    readUE(); // sps_max_num_reorder_pics
    readUE(); // sps_max_latency_increase_plus1
  }
  readUE(); // log2_min_luma_coding_block_size_minus3
  readUE(); // log2_diff_max_min_luma_coding_block_size
  readUE(); // log2_min_luma_transform_block_size_minus2
  readUE(); // log2_diff_max_min_luma_transform_block_size
  readUE(); // max_transform_hierarchy_depth_inter
  readUE(); // max_transform_hierarchy_depth_intra
  if (readBit() && readBit()) skipScalingListData(); // scaling_list_enabled_flag, sps_scaling_list_data_present_flag
  readBit(); // amp_enabled_flag
  readBit(); // sample_adaptive_offset_enabled_flag
  if (readBit()) {
    // pcm_enabled_flag
    skipBits(8); // pcm_sample_bit_depth_luma_minus1, pcm_sample_bit_depth_chroma_minus1
    readUE(); // log2_min_pcm_luma_coding_block_size_minus3
    readUE(); // log2_diff_max_min_pcm_luma_coding_block_size
    readBit(); // pcm_loop_filter_disabled_flag
  }
  const sets = readUE(); // num_short_term_ref_pic_sets
  if (sets > 64 || overrun) return false;
  for (let i: u32 = 0; i < sets; i++) if (!skipStRefPicSet(i)) return false;
  if (readBit()) {
    // long_term_ref_pics_present_flag
    const lt = readUE(); // num_long_term_ref_pics_sps
    if (lt > 32) return false;
    for (let i: u32 = 0; i < lt; i++) skipBits(pocBits + 1); // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt_sps_flag
  }
  readBit(); // sps_temporal_mvp_enabled_flag
  readBit(); // strong_intra_smoothing_enabled_flag
  let sarW: u32 = 1;
  let sarH: u32 = 1;
  let rateNum: u32 = 0;
  let rateDen: u32 = 0;
  if (readBit()) {
    // vui_parameters_present_flag: vui_parameters() (E.2.1)
    readVuiHead();
    sarW = vuiSarNum;
    sarH = vuiSarDen;
    skipBits(3); // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
    if (readBit()) {
      // default_display_window_flag
      readUE();
      readUE();
      readUE();
      readUE();
    }
    if (readBit()) {
      // vui_timing_info_present_flag
      const units = readBits(32); // vui_num_units_in_tick
      const scale = readBits(32); // vui_time_scale
      if (units > 0 && scale > 0 && !overrun) {
        rateNum = scale;
        rateDen = units;
      }
    }
  }
  if (overrun || width == 0 || height == 0 || sarW == 0 || sarH == 0) return false;
  // Table 6-1: SubWidthC, SubHeightC by chroma_format_idc (monochrome and 4:4:4 are 1, 1).
  const subW: u32 = chroma == 1 || chroma == 2 ? 2 : 1;
  const subH: u32 = chroma == 1 ? 2 : 1;
  const cropW = subW * (cropLeft + cropRight);
  const cropH = subH * (cropTop + cropBottom);
  if (cropW >= width || cropH >= height) return false;
  setInfoU32(slot, Info.Width, width - cropW);
  setInfoU32(slot, Info.Height, height - cropH);
  setInfoU32(slot, Info.SarNum, sarW);
  setInfoU32(slot, Info.SarDen, sarH);
  setInfoU32(slot, Info.BitDepth, lumaDepth);
  setInfoU32(slot, Info.ChromaFormat, chroma);
  setInfoU32(slot, Info.FrameRateNum, rateNum);
  setInfoU32(slot, Info.FrameRateDen, rateDen);
  setInfoU32(slot, Info.Profile, profile);
  setInfoU32(slot, Info.Level, level);
  setInfoU32(slot, Info.ProfileSpace, profileSpace);
  setInfoU32(slot, Info.Tier, tier);
  setInfoU32(slot, Info.CompatFlags, compat);
  setInfoU32(slot, Info.ConstraintHi, constraintHi);
  setInfoU32(slot, Info.ConstraintLo, constraintLo);
  unchecked((chromaDepth[slot] = chromaBitDepth));
  unchecked((subLayers[slot] = maxSubLayersMinus1 + 1));
  unchecked((idNesting[slot] = nesting));
  return true;
}

/** HEVC Configuration Box 'hvcC' (14496-15 8.3.3.1.2: HEVCDecoderConfigurationRecord). */
function hvcC(slot: i32): void {
  const box = boxStart(Fourcc.hvcC);
  w8(1); // configurationVersion
  w8((infoU32(slot, Info.ProfileSpace) << 6) | (infoU32(slot, Info.Tier) << 5) | infoU32(slot, Info.Profile));
  w32(infoU32(slot, Info.CompatFlags)); // general_profile_compatibility_flags
  w32(infoU32(slot, Info.ConstraintHi)); // general_constraint_indicator_flags (48 bits)
  w16(infoU32(slot, Info.ConstraintLo));
  w8(infoU32(slot, Info.Level)); // general_level_idc
  w16(0xf000); // reserved '1111'b, min_spatial_segmentation_idc 0 (unknown)
  w8(0xfc); // reserved '111111'b, parallelismType 0 (unknown)
  w8(0xfc | infoU32(slot, Info.ChromaFormat)); // reserved, chromaFormat
  w8(0xf8 | (infoU32(slot, Info.BitDepth) - 8)); // reserved, bitDepthLumaMinus8
  w8(0xf8 | (unchecked(chromaDepth[slot]) - 8)); // reserved, bitDepthChromaMinus8
  w16(0); // avgFrameRate: unspecified
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3 (4-byte lengths)
  w8((unchecked(subLayers[slot]) << 3) | (unchecked(idNesting[slot]) << 2) | 3);
  w8(3); // numOfArrays: VPS, SPS, PPS
  for (let k = 0; k < 3; k++) {
    w8(0x80 | (k == 0 ? HevcNal.Vps : k == 1 ? HevcNal.Sps : HevcNal.Pps)); // array_completeness 1, NAL_unit_type
    const n = unchecked(setCount[slot * 3 + k]);
    w16(<u32>n); // numNalus
    let p = configBase(slot) + (k == 0 ? VPS_AREA : k == 1 ? SPS_AREA : PPS_AREA);
    for (let i = 0; i < n; i++) {
      const l = <u32>load<u16>(p);
      w16(l); // nalUnitLength
      wBytes(p + 2, l); // nalUnit
      p += 2 + l;
    }
  }
  boxEnd(box);
}

/** HEVC sample entry 'hvc1' (14496-15 8.4.1.1: parameter sets in the sample entry, and possibly in band). */
export function hvc1(slot: i32): void {
  const box = visualEntryStart(Fourcc.hvc1, infoU32(slot, Info.Width), infoU32(slot, Info.Height));
  hvcC(slot);
  const sarNum = infoU32(slot, Info.SarNum);
  const sarDen = infoU32(slot, Info.SarDen);
  if (sarNum != sarDen) pasp(sarNum, sarDen);
  boxEnd(box);
}

// HEVC from a container that carries the HEVCDecoderConfigurationRecord itself (Matroska
// V_MPEGH/ISO/HEVC CodecPrivate). The record is kept byte for byte and written as the hvcC payload
// (hvc1Record), as ffmpeg's MP4 muxer does with such a record; its lengthSizeMinusOne stays what
// the file says, so the samples go into MP4 unchanged, NAL units prefixed with hevcLengthSize bytes.

/**
 * Configures an HEVC track from an HEVCDecoderConfigurationRecord (14496-15 8.3.3.1) of `len`
 * bytes at `rec`: checks configurationVersion 1 and lengthSizeMinusOne (0, 1 or 3), walks the
 * arrays of NAL units (VPS, SPS, PPS, SEI...; every length inside the record), runs parseHevcSps on
 * the first SPS (NAL_unit_type 33: Info.Width, Height, SarNum, SarDen, BitDepth, ChromaFormat,
 * FrameRateNum, FrameRateDen and the codec string fields Profile, Level, ProfileSpace, Tier,
 * CompatFlags, ConstraintHi, ConstraintLo), and copies the record to configBase(slot)
 * (Info.ConfigLength, Info.ConfigRecord = 1). False when the record is truncated, malformed,
 * larger than the configuration region, has no SPS, or its first SPS does not parse.
 *
 * The record is written as it is, array_completeness included: a Matroska writer may set it to 0
 * (ffmpeg does) where 'hvc1' asks for 1 (8.4.1.1); weir writes 'hvc1' as for MPEG-TS, whose
 * streams repeat their parameter sets in band too, and browsers take both.
 */
export function configureHevcFromRecord(slot: i32, rec: u32, len: u32): bool {
  if (len < 23 || len > CONFIG_CAPACITY) return false;
  if (load<u8>(rec) != 1) return false; // configurationVersion
  if ((load<u8>(rec + 21) & 3) == 2) return false; // lengthSizeMinusOne: 3-byte lengths are not allowed
  const arrays = <u32>load<u8>(rec + 22); // numOfArrays
  let p: u32 = 23;
  let sps: u32 = 0;
  let spsLen: u32 = 0;
  for (let j: u32 = 0; j < arrays; j++) {
    if (p + 3 > len) return false;
    const type = <i32>(load<u8>(rec + p) & 0x3f); // array_completeness, reserved, NAL_unit_type
    const count = u16be(rec + p + 1); // numNalus
    p += 3;
    for (let i: u32 = 0; i < count; i++) {
      if (p + 2 > len) return false;
      const n = u16be(rec + p); // nalUnitLength
      p += 2;
      if (p + n > len) return false;
      if (type == HevcNal.Sps && spsLen == 0) {
        sps = rec + p; // nalUnit
        spsLen = n;
      }
      p += n;
    }
  }
  if (spsLen < 4 || hevcNalType(load<u8>(sps)) != HevcNal.Sps) return false;
  if (!parseHevcSps(slot, sps, spsLen)) return false;
  memory.copy(configBase(slot), rec, len);
  setInfoU32(slot, Info.ConfigLength, len);
  setInfoU32(slot, Info.ConfigRecord, 1);
  return true;
}

/** Bytes of each NAL unit length in the samples of a track configured by configureHevcFromRecord: 1, 2 or 4. */
export function hevcLengthSize(slot: i32): u32 {
  return (<u32>load<u8>(configBase(slot) + 21) & 3) + 1; // lengthSizeMinusOne
}

/** 'hvc1' whose 'hvcC' is the record stored by configureHevcFromRecord, verbatim (14496-15 8.4.1.1). */
export function hvc1Record(slot: i32): void {
  const box = visualEntryStart(Fourcc.hvc1, infoU32(slot, Info.Width), infoU32(slot, Info.Height));
  storedConfigBox(Fourcc.hvcC, slot);
  const sarNum = infoU32(slot, Info.SarNum);
  const sarDen = infoU32(slot, Info.SarDen);
  if (sarNum != sarDen) pasp(sarNum, sarDen);
  boxEnd(box);
}
