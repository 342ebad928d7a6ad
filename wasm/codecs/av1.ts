// AV1 (AV1 Bitstream & Decoding Process Specification v1.0.0 with Errata 1): OBU headers (5.3), the
// sequence header OBU (5.5 with color_config 5.5.2, timing_info 5.5.3, decoder_model_info 5.5.4,
// operating_parameters_info 5.5.5), and the av01 sample entry with its AV1 Codec Configuration Box
// (AV1 Codec ISO Media File Format Binding v1.2.0, 2.2 and 2.3). Matroska's CodecPrivate of V_AV1 is that
// box's payload, the AV1CodecConfigurationRecord (Matroska AV1 mapping, "CodecPrivate"). The codec string
// av01.P.LLT.DD[.M.CCC.cp.tc.mc.F] is built by the engine from the track info record.

import { CONFIG_CAPACITY, configBase } from '../layout';
import { brInit, overrun, readBit, readBits, skipBits } from '../util/bitreader';
import { put8 } from '../util/bytes';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, boxStart, Fourcc, wBytes } from '../mp4/writer';
import { pasp, visualEntryStart } from './h264';

/** obu_type values used here (6.2.2, Table in 5.3.1). */
const OBU_SEQUENCE_HEADER: u32 = 1;

/** color_config constants (6.4.2). */
const CP_BT_709: u32 = 1;
const TC_SRGB: u32 = 13;
const MC_IDENTITY: u32 = 0;
const UNSPECIFIED: u32 = 2; // CP_UNSPECIFIED, TC_UNSPECIFIED, MC_UNSPECIFIED

/** Bytes of the AV1CodecConfigurationRecord before its configOBUs (AV1-ISOBMFF 2.3.3). */
const AV1C_FIXED: u32 = 4;

// The OBU found last by findSequenceHeader: where it starts, its header bytes, and its payload.
let obuStart: u32 = 0;
let obuHeaderLength: u32 = 0;
let obuPayload: u32 = 0;
let obuSize: u32 = 0;
let obuHasSize: bool = false;

// Fields of the sequence header parsed last (parseSequenceHeader).
let seqProfile: u32 = 0;
let seqLevel: u32 = 0;
let seqTier: u32 = 0;
let highBitdepth: u32 = 0;
let twelveBit: u32 = 0;
let monoChrome: u32 = 0;
let subsamplingX: u32 = 1;
let subsamplingY: u32 = 1;
let chromaSamplePosition: u32 = 0;
let colorPrimaries: u32 = UNSPECIFIED;
let transferCharacteristics: u32 = UNSPECIFIED;
let matrixCoefficients: u32 = UNSPECIFIED;
let colorRange: u32 = 0;
let maxWidth: u32 = 0;
let maxHeight: u32 = 0;

/**
 * Finds the first sequence header OBU in [p, end): a run of OBUs in the low overhead bitstream format
 * (5.2: each with obu_has_size_field, except that Matroska and ISOBMFF allow the last one to go without, and
 * then it runs to the end). False when there is none or the OBUs do not chain (forbidden bit, a size past end).
 */
function findSequenceHeader(p: u32, end: u32): bool {
  while (p < end) {
    const header = <u32>load<u8>(p); // obu_header (5.3.2)
    if (header & 0x80) return false; // obu_forbidden_bit
    const type = (header >> 3) & 0xf; // obu_type
    const headerLength: u32 = 1 + ((header >> 2) & 1); // obu_extension_flag: one more byte
    const hasSize = (header & 2) != 0; // obu_has_size_field
    if (headerLength > end - p) return false;
    let payload = p + headerLength;
    let size: u32;
    if (hasSize) {
      // obu_size: leb128() (4.10.5), at most 8 bytes, a value below 2^32
      let value: u64 = 0;
      let i: u32 = 0;
      while (true) {
        if (i == 8 || payload + i >= end) return false;
        const b = <u32>load<u8>(payload + i);
        value |= <u64>(b & 0x7f) << (<u64>i * 7);
        i++;
        if ((b & 0x80) == 0) break;
      }
      payload += i;
      if (value > <u64>(end - payload)) return false;
      size = <u32>value;
    } else {
      size = end - payload;
    }
    if (type == OBU_SEQUENCE_HEADER) {
      obuStart = p;
      obuHeaderLength = headerLength;
      obuPayload = payload;
      obuSize = size;
      obuHasSize = hasSize;
      return true;
    }
    p = payload + size;
  }
  return false;
}

/** Set by readUvlc for a code of 32 or more leading zeros, whose value (2^32 - 1) no field here may take. */
let uvlcInvalid: bool = false;

/** uvlc() (4.10.3). */
function readUvlc(): u32 {
  let zeros: u32 = 0;
  while (readBit() == 0) {
    zeros++;
    if (zeros >= 32 || overrun) {
      uvlcInvalid = true;
      return 0;
    }
  }
  return readBits(zeros) + ((<u32>1 << zeros) - 1);
}

/** Parses sequence_header_obu() (5.5.1) from its payload up to film_grain_params_present. */
function parseSequenceHeader(p: u32, len: u32): bool {
  brInit(p, len);
  uvlcInvalid = false;
  seqProfile = readBits(3); // seq_profile
  if (seqProfile > 2) return false; // reserved (6.4.1)
  readBit(); // still_picture
  const reduced = readBit(); // reduced_still_picture_header
  if (reduced) {
    seqLevel = readBits(5); // seq_level_idx[0]
    seqTier = 0;
  } else {
    let decoderModelInfo: u32 = 0;
    let bufferDelayLength: u32 = 0;
    if (readBit()) {
      // timing_info_present_flag: timing_info() (5.5.3)
      skipBits(32); // num_units_in_display_tick
      skipBits(32); // time_scale
      if (readBit()) readUvlc(); // equal_picture_interval, num_ticks_per_picture_minus_1
      decoderModelInfo = readBit(); // decoder_model_info_present_flag
      if (decoderModelInfo) {
        // decoder_model_info() (5.5.4)
        bufferDelayLength = readBits(5) + 1; // buffer_delay_length_minus_1
        skipBits(32); // num_units_in_decoding_tick
        skipBits(5); // buffer_removal_time_length_minus_1
        skipBits(5); // frame_presentation_time_length_minus_1
      }
    }
    const initialDisplayDelay = readBit(); // initial_display_delay_present_flag
    const operatingPoints = readBits(5) + 1; // operating_points_cnt_minus_1
    for (let i: u32 = 0; i < operatingPoints; i++) {
      skipBits(12); // operating_point_idc[i]
      const level = readBits(5); // seq_level_idx[i]
      const tier = level > 7 ? readBit() : 0; // seq_tier[i]
      if (i == 0) {
        seqLevel = level;
        seqTier = tier;
      }
      if (decoderModelInfo && readBit()) {
        // decoder_model_present_for_this_op[i]: operating_parameters_info() (5.5.5)
        skipBits(bufferDelayLength); // decoder_buffer_delay[op]
        skipBits(bufferDelayLength); // encoder_buffer_delay[op]
        skipBits(1); // low_delay_mode_flag[op]
      }
      if (initialDisplayDelay && readBit()) skipBits(4); // initial_display_delay_present_for_this_op[i], initial_display_delay_minus_1[i]
    }
  }
  const widthBits = readBits(4) + 1; // frame_width_bits_minus_1
  const heightBits = readBits(4) + 1; // frame_height_bits_minus_1
  maxWidth = readBits(widthBits) + 1; // max_frame_width_minus_1
  maxHeight = readBits(heightBits) + 1; // max_frame_height_minus_1
  if (!reduced && readBit()) {
    // frame_id_numbers_present_flag
    skipBits(4); // delta_frame_id_length_minus_2
    skipBits(3); // additional_frame_id_length_minus_1
  }
  skipBits(3); // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
  if (!reduced) {
    skipBits(4); // enable_interintra_compound, enable_masked_compound, enable_warped_motion, enable_dual_filter
    const orderHint = readBit(); // enable_order_hint
    if (orderHint) skipBits(2); // enable_jnt_comp, enable_ref_frame_mvs
    let forceScreenContentTools: u32 = 2; // SELECT_SCREEN_CONTENT_TOOLS
    if (!readBit()) forceScreenContentTools = readBit(); // seq_choose_screen_content_tools, seq_force_screen_content_tools
    if (forceScreenContentTools > 0 && !readBit()) skipBits(1); // seq_choose_integer_mv, seq_force_integer_mv
    if (orderHint) skipBits(3); // order_hint_bits_minus_1
  }
  skipBits(3); // enable_superres, enable_cdef, enable_restoration
  // color_config() (5.5.2)
  highBitdepth = readBit(); // high_bitdepth
  twelveBit = seqProfile == 2 && highBitdepth ? readBit() : 0; // twelve_bit
  monoChrome = seqProfile == 1 ? 0 : readBit(); // mono_chrome
  colorPrimaries = UNSPECIFIED;
  transferCharacteristics = UNSPECIFIED;
  matrixCoefficients = UNSPECIFIED;
  if (readBit()) {
    // color_description_present_flag
    colorPrimaries = readBits(8); // color_primaries
    transferCharacteristics = readBits(8); // transfer_characteristics
    matrixCoefficients = readBits(8); // matrix_coefficients
  }
  chromaSamplePosition = 0; // CSP_UNKNOWN
  if (monoChrome) {
    colorRange = readBit(); // color_range
    subsamplingX = 1;
    subsamplingY = 1;
  } else if (
    colorPrimaries == CP_BT_709 && transferCharacteristics == TC_SRGB && matrixCoefficients == MC_IDENTITY
  ) {
    colorRange = 1;
    subsamplingX = 0;
    subsamplingY = 0;
  } else {
    colorRange = readBit(); // color_range
    if (seqProfile == 0) {
      subsamplingX = 1;
      subsamplingY = 1;
    } else if (seqProfile == 1) {
      subsamplingX = 0;
      subsamplingY = 0;
    } else if (twelveBit) {
      subsamplingX = readBit(); // subsampling_x
      subsamplingY = subsamplingX ? readBit() : 0; // subsampling_y
    } else {
      subsamplingX = 1;
      subsamplingY = 0;
    }
    if (subsamplingX && subsamplingY) chromaSamplePosition = readBits(2); // chroma_sample_position
  }
  if (!monoChrome) readBit(); // separate_uv_delta_q
  readBit(); // film_grain_params_present
  if (overrun || uvlcInvalid) return false;
  // 6.4.2: sRGB (4:4:4) is profile 1 or 2 (12-bit) only; a VisualSampleEntry stores 16-bit sizes
  // (ISO/IEC 14496-12 12.1.3).
  if (subsamplingX == 0 && subsamplingY == 0 && seqProfile == 0) return false;
  return maxWidth <= 0xffff && maxHeight <= 0xffff;
}

function bitDepthOf(): u32 {
  return seqProfile == 2 && highBitdepth ? (twelveBit ? 12 : 10) : highBitdepth ? 10 : 8;
}

/** Byte 1 of the AV1CodecConfigurationRecord (2.3.3): seq_profile (3), seq_level_idx_0 (5). */
function av1cByte1(): u32 {
  return (seqProfile << 5) | seqLevel;
}

/**
 * Byte 2 (2.3.3): seq_tier_0, high_bitdepth, twelve_bit, monochrome, chroma_subsampling_x, chroma_subsampling_y,
 * chroma_sample_position (2).
 */
function av1cByte2(): u32 {
  return (
    (seqTier << 7) |
    (highBitdepth << 6) |
    (twelveBit << 5) |
    (monoChrome << 4) |
    (subsamplingX << 3) |
    (subsamplingY << 2) |
    chromaSamplePosition
  );
}

/** Fills the track info record from the sequence header parsed last. */
function setInfo(slot: i32): void {
  setInfoU32(slot, Info.Width, maxWidth);
  setInfoU32(slot, Info.Height, maxHeight);
  setInfoU32(slot, Info.Profile, seqProfile);
  setInfoU32(slot, Info.Level, seqLevel);
  setInfoU32(slot, Info.Tier, seqTier);
  setInfoU32(slot, Info.BitDepth, bitDepthOf());
  setInfoU32(slot, Info.ChromaFormat, monoChrome ? 0 : subsamplingX == 0 ? 3 : subsamplingY == 0 ? 2 : 1);
  setInfoU32(slot, Info.ChromaPosition, chromaSamplePosition);
  setInfoU32(slot, Info.ColourPrimaries, colorPrimaries);
  setInfoU32(slot, Info.TransferCharacteristics, transferCharacteristics);
  setInfoU32(slot, Info.MatrixCoefficients, matrixCoefficients);
  setInfoU32(slot, Info.FullRange, colorRange);
}

/**
 * Configures an AV1 track from Matroska's CodecPrivate (`priv`, `privLen`: the AV1CodecConfigurationRecord,
 * may be absent with privLen 0) and the track's first keyframe (`frame`, `frameLen`: a temporal unit of OBUs).
 * False when neither holds a sequence header OBU that parses.
 *
 * Sets Info.Width/Height (max_frame_width/height_minus_1 + 1), Profile (seq_profile), Level (seq_level_idx[0]),
 * Tier (seq_tier[0]), BitDepth, ChromaFormat (0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4), ChromaPosition
 * (chroma_sample_position), ColourPrimaries, TransferCharacteristics, MatrixCoefficients (2 when the sequence
 * header has no color description), FullRange (color_range), and the av1C payload at configBase(slot) with
 * Info.ConfigLength. Kind, codec, state, timescale and the sample aspect ratio are the demuxer's.
 *
 * A CodecPrivate with marker 1 and version 1 (byte 0x81) whose configOBUs hold a sequence header that parses
 * is stored as it is, except that its bytes 1 and 2 are written from that sequence header (2.3.4 requires them
 * to match it; they are the same bytes when they do). Otherwise the record is built from the keyframe's
 * sequence header OBU: the four fixed bytes (no initial_presentation_delay) and the OBU, given an obu_size
 * field if it had none (2.3.4: configOBUs use obu_has_size_field = 1).
 */
export function configureAv1(slot: i32, priv: u32, privLen: u32, frame: u32, frameLen: u32): bool {
  const base = configBase(slot);
  if (
    privLen >= AV1C_FIXED &&
    privLen <= CONFIG_CAPACITY &&
    load<u8>(priv) == 0x81 && // marker (1) = 1, version (7) = 1
    findSequenceHeader(priv + AV1C_FIXED, priv + privLen) &&
    parseSequenceHeader(obuPayload, obuSize)
  ) {
    memory.copy(base, priv, privLen);
    put8(base + 1, av1cByte1());
    put8(base + 2, av1cByte2());
    setInfoU32(slot, Info.ConfigLength, privLen);
    setInfo(slot);
    return true;
  }
  if (!findSequenceHeader(frame, frame + frameLen) || !parseSequenceHeader(obuPayload, obuSize)) return false;
  // The record: 4 bytes, then the sequence header OBU as it is (its own size field, which leb128() lets be up to 8
  // bytes long: AV1 spec 4.10.5), or with a size field of at most 5 bytes written here. It must fit the config
  // region: the next track's configuration follows it.
  const copied: u64 = obuHasSize
    ? <u64>obuPayload + <u64>obuSize - <u64>obuStart
    : <u64>obuHeaderLength + 5 + <u64>obuSize;
  if (copied > <u64>(CONFIG_CAPACITY - AV1C_FIXED)) return false;
  put8(base, 0x81); // marker, version
  put8(base + 1, av1cByte1());
  put8(base + 2, av1cByte2());
  put8(base + 3, 0); // reserved (3), initial_presentation_delay_present (1) = 0, reserved (4)
  let q = base + AV1C_FIXED;
  if (obuHasSize) {
    const length = obuPayload + obuSize - obuStart;
    memory.copy(q, obuStart, length);
    q += length;
  } else {
    put8(q, <u32>load<u8>(obuStart) | 2); // obu_header with obu_has_size_field = 1
    if (obuHeaderLength == 2) put8(q + 1, <u32>load<u8>(obuStart + 1)); // obu_extension_header
    q += obuHeaderLength;
    let size = obuSize; // obu_size: leb128()
    do {
      const b = size & 0x7f;
      size >>= 7;
      put8(q++, size != 0 ? b | 0x80 : b);
    } while (size != 0);
    memory.copy(q, obuPayload, obuSize);
    q += obuSize;
  }
  setInfoU32(slot, Info.ConfigLength, q - base);
  setInfo(slot);
  return true;
}

/**
 * AV1 sample entry 'av01' (AV1-ISOBMFF 2.2; VisualSampleEntry 14496-12 12.1.3) with its AV1 Codec
 * Configuration Box 'av1C' (2.3: a plain Box, not a FullBox) and 'pasp' when the sample aspect ratio is not 1:1.
 */
export function av01(slot: i32): void {
  const box = visualEntryStart(Fourcc.av01, infoU32(slot, Info.Width), infoU32(slot, Info.Height));
  const config = boxStart(Fourcc.av1C);
  wBytes(configBase(slot), infoU32(slot, Info.ConfigLength));
  boxEnd(config);
  const sarNum = infoU32(slot, Info.SarNum);
  const sarDen = infoU32(slot, Info.SarDen);
  if (sarNum != sarDen && sarNum != 0 && sarDen != 0) pasp(sarNum, sarDen);
  boxEnd(box);
}
