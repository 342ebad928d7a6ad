// H.264 / AVC (ITU-T H.264, ISO/IEC 14496-10): sequence parameter set parsing (7.3.2.1.1, VUI
// E.1.1), parameter-set capture, and the avc1 sample entry with its AVCDecoderConfigurationRecord
// (ISO/IEC 14496-15 5.3.3), built from the parameter sets or, from Matroska, kept as the file gives
// it (configureAvcFromRecord). The codec string avc1.PPCCLL is built by the engine from the profile,
// constraint and level fields this parser stores in the track info record.

import { CONFIG_CAPACITY, configBase, SCRATCH_BASE, SCRATCH_CAPACITY } from '../layout';
import { bytesEqual, u16be, unescapeRbsp } from '../util/bytes';
import { brInit, overrun, readBit, readBits, readSE, readUE, skipBits } from '../util/bitreader';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { readVuiHead, vuiSarDen, vuiSarNum } from './vui';
import { boxEnd, boxStart, Fourcc, w16, w32, w8, wBytes, wZeros } from '../mp4/writer';
import { storedConfigBox } from './audio-entry';

/** nal_unit_type values used here (Table 7-1). */
export const enum Nal {
  Slice = 1,
  Idr = 5,
  Sei = 6,
  Sps = 7,
  Pps = 8,
  Aud = 9,
}

// Parameter sets are kept per track in its config region: the SPS at +0, up to MAX_PPS picture
// parameter sets from +PPS_AREA, each as [u16 length][bytes].
const SPS_MAX: u32 = 2048;
const PPS_AREA: u32 = 4096;
const PPS_MAX_BYTES: u32 = 4096;
const MAX_PPS: i32 = 8;

const spsLength = new StaticArray<u32>(4);
const ppsCount = new StaticArray<i32>(4);
const ppsEnd = new StaticArray<u32>(4);

export function resetH264(slot: i32): void {
  unchecked((spsLength[slot] = 0));
  unchecked((ppsCount[slot] = 0));
  unchecked((ppsEnd[slot] = PPS_AREA));
}

export function hasParameterSets(slot: i32): bool {
  return unchecked(spsLength[slot]) > 0 && unchecked(ppsCount[slot]) > 0;
}

/**
 * Captures an SPS NAL unit (header byte included). Returns 1 when it was stored and parsed, 0 when
 * it equals the stored one, 2 when it differs from an SPS already in use (a mid-stream change),
 * -1 when it does not parse.
 */
export function captureSps(slot: i32, nal: u32, len: u32, locked: bool): i32 {
  if (len < 4 || len > SPS_MAX) return -1;
  const stored = unchecked(spsLength[slot]);
  const dst = configBase(slot);
  if (stored == len && bytesEqual(dst, nal, len)) return 0;
  if (locked) return 2;
  if (!parseSps(slot, nal, len)) return -1;
  memory.copy(dst, nal, len);
  unchecked((spsLength[slot] = len));
  return 1;
}

/** Captures a PPS NAL unit if it is not stored yet (pic_parameter_set_id may differ per PPS). */
export function capturePps(slot: i32, nal: u32, len: u32): void {
  if (len < 2 || len > 1024) return;
  const base = configBase(slot);
  let p = base + PPS_AREA;
  const n = unchecked(ppsCount[slot]);
  for (let i = 0; i < n; i++) {
    const l = <u32>load<u16>(p);
    if (l == len && bytesEqual(p + 2, nal, len)) return;
    p += 2 + l;
  }
  if (n >= MAX_PPS || unchecked(ppsEnd[slot]) + 2 + len > PPS_AREA + PPS_MAX_BYTES) return;
  store<u16>(p, <u16>len);
  memory.copy(p + 2, nal, len);
  unchecked((ppsEnd[slot] = p + 2 + len - base));
  unchecked((ppsCount[slot] = n + 1));
}


/** Parses seq_parameter_set_data (7.3.2.1.1) into the track info record. False if it is broken. */
export function parseSps(slot: i32, nal: u32, len: u32): bool {
  const rbsp = SCRATCH_BASE;
  const n = unescapeRbsp(nal + 1, len - 1, rbsp, SCRATCH_CAPACITY);
  brInit(rbsp, n);
  const profileIdc = readBits(8); // profile_idc
  const constraints = readBits(8); // constraint_set0..5_flag, reserved_zero_2bits
  const levelIdc = readBits(8); // level_idc
  readUE(); // seq_parameter_set_id
  let chromaFormatIdc: u32 = 1;
  let separateColourPlane: u32 = 0;
  let bitDepthLuma: u32 = 8;
  let bitDepthChroma: u32 = 8;
  if (
    profileIdc == 100 || profileIdc == 110 || profileIdc == 122 || profileIdc == 244 || profileIdc == 44 ||
    profileIdc == 83 || profileIdc == 86 || profileIdc == 118 || profileIdc == 128 || profileIdc == 138 ||
    profileIdc == 139 || profileIdc == 134 || profileIdc == 135
  ) {
    chromaFormatIdc = readUE(); // chroma_format_idc
    if (chromaFormatIdc == 3) separateColourPlane = readBit(); // separate_colour_plane_flag
    bitDepthLuma = readUE() + 8; // bit_depth_luma_minus8
    bitDepthChroma = readUE() + 8; // bit_depth_chroma_minus8
    readBit(); // qpprime_y_zero_transform_bypass_flag
    if (readBit()) {
      // seq_scaling_matrix_present_flag
      const lists: i32 = chromaFormatIdc != 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (readBit()) skipScalingList(i < 6 ? 16 : 64); // seq_scaling_list_present_flag[i]
      }
    }
  }
  readUE(); // log2_max_frame_num_minus4
  const pocType = readUE(); // pic_order_cnt_type
  if (pocType == 0) {
    readUE(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType == 1) {
    readBit(); // delta_pic_order_always_zero_flag
    readSE(); // offset_for_non_ref_pic
    readSE(); // offset_for_top_to_bottom_field
    const cycle = readUE(); // num_ref_frames_in_pic_order_cnt_cycle
    if (cycle > 255) return false;
    for (let i: u32 = 0; i < cycle; i++) readSE(); // offset_for_ref_frame[i]
  }
  readUE(); // max_num_ref_frames
  readBit(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = readUE() + 1; // pic_width_in_mbs_minus1
  const heightMapUnits = readUE() + 1; // pic_height_in_map_units_minus1
  const frameMbsOnly = readBit(); // frame_mbs_only_flag
  if (!frameMbsOnly) readBit(); // mb_adaptive_frame_field_flag
  readBit(); // direct_8x8_inference_flag
  let cropLeft: u32 = 0;
  let cropRight: u32 = 0;
  let cropTop: u32 = 0;
  let cropBottom: u32 = 0;
  if (readBit()) {
    // frame_cropping_flag
    cropLeft = readUE(); // frame_crop_left_offset
    cropRight = readUE(); // frame_crop_right_offset
    cropTop = readUE(); // frame_crop_top_offset
    cropBottom = readUE(); // frame_crop_bottom_offset
  }
  // A VUI cut short is common in the wild; the geometry above is what the container needs, so only
  // an overrun before this point rejects the SPS.
  if (overrun) return false;
  let sarNum: u32 = 1;
  let sarDen: u32 = 1;
  let rateNum: u32 = 0;
  let rateDen: u32 = 0;
  if (readBit()) {
    // vui_parameters_present_flag (E.1.1)
    readVuiHead();
    sarNum = vuiSarNum;
    sarDen = vuiSarDen;
    if (readBit()) {
      // timing_info_present_flag
      const unitsInTick = readBits(32); // num_units_in_tick
      const timeScale = readBits(32); // time_scale
      // Frame rate = time_scale / (2 * num_units_in_tick) for progressive video (E.2.1).
      if (unitsInTick > 0 && timeScale > 0 && !overrun) {
        rateNum = timeScale;
        rateDen = unitsInTick * 2;
      }
    }
  }
  if (sarNum == 0 || sarDen == 0) {
    sarNum = 1;
    sarDen = 1;
  }
  // Limits of any level (Table A-1 allows at most 139264 macroblocks a frame): anything larger is a
  // damaged SPS, and rejecting it here keeps the arithmetic below inside u32.
  if (widthMbs == 0 || heightMapUnits == 0 || widthMbs > 1024 || heightMapUnits > 1024) return false;
  if (cropLeft > 8192 || cropRight > 8192 || cropTop > 8192 || cropBottom > 8192) return false;
  // Cropping units (7-19..7-22).
  const chromaArray = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidth: u32 = chromaArray == 1 || chromaArray == 2 ? 2 : 1;
  const subHeight: u32 = chromaArray == 1 ? 2 : 1;
  const cropUnitX: u32 = chromaArray == 0 ? 1 : subWidth;
  const cropUnitY: u32 = (chromaArray == 0 ? 1 : subHeight) * (2 - frameMbsOnly);
  const fieldFactor: u32 = 2 - frameMbsOnly;
  const codedWidth = widthMbs * 16;
  const codedHeight: u32 = fieldFactor * heightMapUnits * 16;
  const cropX = cropUnitX * (cropLeft + cropRight);
  const cropY = cropUnitY * (cropTop + cropBottom);
  if (cropX >= codedWidth || cropY >= codedHeight || codedWidth > 16384 || codedHeight > 16384) return false;
  setInfoU32(slot, Info.Profile, profileIdc);
  setInfoU32(slot, Info.Compat, constraints);
  setInfoU32(slot, Info.Level, levelIdc);
  setInfoU32(slot, Info.Width, codedWidth - cropX);
  setInfoU32(slot, Info.Height, codedHeight - cropY);
  setInfoU32(slot, Info.SarNum, sarNum);
  setInfoU32(slot, Info.SarDen, sarDen);
  setInfoU32(slot, Info.BitDepth, bitDepthLuma);
  setInfoU32(slot, Info.ChromaFormat, chromaFormatIdc);
  setInfoU32(slot, Info.FrameRateNum, rateNum);
  setInfoU32(slot, Info.FrameRateDen, rateDen);
  storeExtra(slot, chromaFormatIdc, bitDepthLuma, bitDepthChroma);
  return true;
}

const extraChroma = new StaticArray<u32>(4);
const extraLuma = new StaticArray<u32>(4);
const extraChromaDepth = new StaticArray<u32>(4);

function storeExtra(slot: i32, chroma: u32, luma: u32, chromaDepth: u32): void {
  unchecked((extraChroma[slot] = chroma));
  unchecked((extraLuma[slot] = luma));
  unchecked((extraChromaDepth[slot] = chromaDepth));
}

/** scaling_list() (7.3.2.1.1.1): only skipped, its values do not change the container. */
function skipScalingList(size: i32): void {
  let last: i32 = 8;
  let next: i32 = 8;
  for (let j = 0; j < size; j++) {
    if (next != 0) {
      const delta = readSE(); // delta_scale
      next = (last + delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
}

/** AVC Configuration Box (14496-15 5.3.3.1) holding the AVCDecoderConfigurationRecord. */
function avcC(slot: i32, profile: u32, compat: u32, level: u32): void {
  const box = boxStart(Fourcc.avcC);
  const base = configBase(slot);
  w8(1); // configurationVersion
  w8(profile); // AVCProfileIndication
  w8(compat); // profile_compatibility
  w8(level); // AVCLevelIndication
  w8(0xfc | 3); // reserved '111111'b, lengthSizeMinusOne = 3 (4-byte NAL lengths)
  w8(0xe0 | 1); // reserved '111'b, numOfSequenceParameterSets
  const spsLen = unchecked(spsLength[slot]);
  w16(spsLen); // sequenceParameterSetLength
  wBytes(base, spsLen); // sequenceParameterSetNALUnit
  const n = unchecked(ppsCount[slot]);
  w8(n); // numOfPictureParameterSets
  let p = base + PPS_AREA;
  for (let i = 0; i < n; i++) {
    const l = <u32>load<u16>(p);
    w16(l); // pictureParameterSetLength
    wBytes(p + 2, l); // pictureParameterSetNALUnit
    p += 2 + l;
  }
  if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
    w8(0xfc | unchecked(extraChroma[slot])); // reserved '111111'b, chroma_format
    w8(0xf8 | (unchecked(extraLuma[slot]) - 8)); // reserved '11111'b, bit_depth_luma_minus8
    w8(0xf8 | (unchecked(extraChromaDepth[slot]) - 8)); // reserved '11111'b, bit_depth_chroma_minus8
    w8(0); // numOfSequenceParameterSetExt
  }
  boxEnd(box);
}

/** Pixel Aspect Ratio Box (14496-12 12.1.4). */
export function pasp(h: u32, v: u32): void {
  const box = boxStart(Fourcc.pasp);
  w32(h); // hSpacing
  w32(v); // vSpacing
  boxEnd(box);
}

/** Opens a VisualSampleEntry (14496-12 12.1.3) of type `fourcc` and writes its fields; the caller adds its boxes. */
export function visualEntryStart(fourcc: u32, width: u32, height: u32): u32 {
  const box = boxStart(fourcc);
  wZeros(6); // reserved
  w16(1); // data_reference_index
  w16(0); // pre_defined
  w16(0); // reserved
  wZeros(12); // pre_defined[3]
  w16(width); // width
  w16(height); // height
  w32(0x00480000); // horizresolution 72 dpi
  w32(0x00480000); // vertresolution 72 dpi
  w32(0); // reserved
  w16(1); // frame_count
  wZeros(32); // compressorname
  w16(0x0018); // depth
  w16(0xffff); // pre_defined = -1
  return box;
}

/** AVC sample entry 'avc1' (14496-15 5.4.2.1; VisualSampleEntry 14496-12 12.1.3). */
export function avc1(slot: i32, width: u32, height: u32, profile: u32, compat: u32, level: u32, sarNum: u32, sarDen: u32): void {
  const box = visualEntryStart(Fourcc.avc1, width, height);
  avcC(slot, profile, compat, level);
  if (sarNum != sarDen) pasp(sarNum, sarDen);
  boxEnd(box);
}

/**
 * Whether an SEI NAL unit (header byte included) carries a recovery_point message (D.1.8,
 * payloadType 6): the picture it comes with is a random access point even without being IDR
 * (broadcast encoders with open GOPs or intra refresh; 14496-15 calls such samples sync samples too).
 */
export function seiHasRecoveryPoint(nal: u32, len: u32): bool {
  const n = unescapeRbsp(nal + 1, min<u32>(len - 1, 512), SCRATCH_BASE, SCRATCH_CAPACITY);
  let p = SCRATCH_BASE;
  const end = SCRATCH_BASE + n;
  while (p + 2 <= end) {
    let type: u32 = 0; // payloadType (7.3.2.3.1): a run of 0xFF bytes and a last byte
    while (p < end && load<u8>(p) == 0xff) {
      type += 255;
      p++;
    }
    if (p >= end) return false;
    type += <u32>load<u8>(p++);
    let size: u32 = 0;
    while (p < end && load<u8>(p) == 0xff) {
      size += 255;
      p++;
    }
    if (p >= end) return false;
    size += <u32>load<u8>(p++);
    if (type == 6) return true;
    if (load<u8>(p + size) == 0x80 && p + size + 1 == end) return false; // rbsp_trailing_bits
    p += size;
  }
  return false;
}

/**
 * Copies the cc_data triplets (CEA-708 4.4: cc_valid/cc_type byte and two data bytes each) of the
 * ATSC A/53 caption messages in an SEI NAL unit to dst: user_data_registered_itu_t_t35 (payloadType 4)
 * with itu_t_t35_country_code 0xB5, provider 0x0031, user_identifier 'GA94' and user_data_type_code 3
 * (A/53 Part 4 6.2.3, as H.264 D.1.6 and H.265 D.2.6 carry it). `header` is the NAL header size (1 for
 * H.264, 2 for H.265). Returns the bytes written (a multiple of 3, at most cap).
 */
export function seiCaptions(nal: u32, len: u32, header: u32, dst: u32, cap: u32): u32 {
  if (len <= header + 2) return 0;
  const n = unescapeRbsp(nal + header, min<u32>(len - header, 4096), SCRATCH_BASE, SCRATCH_CAPACITY);
  let p = SCRATCH_BASE;
  const end = SCRATCH_BASE + n;
  let written: u32 = 0;
  while (p + 2 <= end) {
    let type: u32 = 0;
    while (p < end && load<u8>(p) == 0xff) {
      type += 255;
      p++;
    }
    if (p >= end) break;
    type += <u32>load<u8>(p++);
    let size: u32 = 0;
    while (p < end && load<u8>(p) == 0xff) {
      size += 255;
      p++;
    }
    if (p >= end) break;
    size += <u32>load<u8>(p++);
    if (p + size > end) break;
    // itu_t_t35_country_code 0xB5, provider code 0x0031, 'GA94', user_data_type_code 0x03
    if (type == 4 && size >= 10 && load<u8>(p) == 0xb5 && load<u8>(p + 1) == 0 && load<u8>(p + 2) == 0x31) {
      if (load<u32>(p + 3) == 0x34394147 && load<u8>(p + 7) == 3) {
        const flags = <u32>load<u8>(p + 8); // process_em_data_flag, process_cc_data_flag, additional_data_flag, cc_count
        const count = flags & 0x1f;
        const data = p + 10; // after em_data
        if (flags & 0x40 && data + count * 3 <= p + size) {
          const bytes = min<u32>(count * 3, cap - written);
          memory.copy(dst + written, data, bytes - bytes % 3);
          written += bytes - bytes % 3;
        }
      }
    }
    p += size;
    if (p + 1 == end && load<u8>(p) == 0x80) break; // rbsp_trailing_bits
  }
  return written;
}

/** Whether a coded slice NAL unit (header byte included) is an I or SI slice (7.3.3 slice_type, Table 7-6). */
export function sliceIsIntra(nal: u32, len: u32): bool {
  if (len < 2) return false;
  const n = unescapeRbsp(nal + 1, min<u32>(len - 1, 32), SCRATCH_BASE, SCRATCH_CAPACITY);
  brInit(SCRATCH_BASE, n);
  readUE(); // first_mb_in_slice
  const sliceType = readUE() % 5; // slice_type
  return !overrun && (sliceType == 2 || sliceType == 4);
}

// H.264 from a container that carries the AVCDecoderConfigurationRecord itself (Matroska
// V_MPEG4/ISO/AVC CodecPrivate). The record is kept byte for byte and written as the avcC payload
// (avc1Record), as ffmpeg's MP4 muxer does with such a record; its lengthSizeMinusOne stays what
// the file says, so the samples go into MP4 unchanged, NAL units prefixed with avcLengthSize bytes.

/**
 * Configures an H.264 track from an AVCDecoderConfigurationRecord (14496-15 5.3.3.1) of `len`
 * bytes at `rec`: walks the record (configurationVersion 1; lengthSizeMinusOne 0, 1 or 3; the SPS
 * and PPS lists, every length inside the record; the chroma_format / bit depth / SPS extension tail
 * of the high profiles is optional and dropped when it is broken), runs parseSps on
 * the first SPS (Info.Width, Height, SarNum, SarDen, Profile, Compat, Level, BitDepth,
 * ChromaFormat, FrameRateNum, FrameRateDen), and copies the record to configBase(slot)
 * (Info.ConfigLength, Info.ConfigRecord = 1). False when the record is truncated, malformed,
 * larger than the configuration region, has no SPS, or its first SPS does not parse.
 */
export function configureAvcFromRecord(slot: i32, rec: u32, len: u32): bool {
  if (len < 7 || len > CONFIG_CAPACITY) return false;
  if (load<u8>(rec) != 1) return false; // configurationVersion
  if ((load<u8>(rec + 4) & 3) == 2) return false; // lengthSizeMinusOne: 3-byte lengths are not allowed
  const spsCount = <u32>load<u8>(rec + 5) & 0x1f; // numOfSequenceParameterSets
  if (spsCount == 0) return false;
  let p: u32 = 6;
  let sps: u32 = 0;
  let spsLen: u32 = 0;
  for (let i: u32 = 0; i < spsCount; i++) {
    if (p + 2 > len) return false;
    const n = u16be(rec + p); // sequenceParameterSetLength
    p += 2;
    if (p + n > len) return false;
    if (i == 0) {
      sps = rec + p; // sequenceParameterSetNALUnit
      spsLen = n;
    }
    p += n;
  }
  if (p + 1 > len) return false;
  const ppsCount = <u32>load<u8>(rec + p); // numOfPictureParameterSets
  p += 1;
  for (let i: u32 = 0; i < ppsCount; i++) {
    if (p + 2 > len) return false;
    const n = u16be(rec + p); // pictureParameterSetLength
    p += 2 + n;
    if (p > len) return false;
  }
  if (spsLen < 4 || (load<u8>(sps) & 0x1f) != Nal.Sps) return false;
  if (!parseSps(slot, sps, spsLen)) return false;
  // The tail of the high profiles (AVCProfileIndication 100, 110, 122, 144): reserved '111111'b,
  // chroma_format, bit depths, numOfSequenceParameterSetExt and those NAL units. Optional in
  // practice (ffmpeg before 6.0 never wrote it); one cut short, or whose SPS extensions run past
  // the record, is dropped, so that the avcC stays a record a reader can walk.
  let kept = len;
  const profile = <u32>load<u8>(rec + 1); // AVCProfileIndication
  if ((profile == 100 || profile == 110 || profile == 122 || profile == 144) && p < len) {
    let q = p + 4;
    if (q <= len) {
      const extCount = <u32>load<u8>(rec + p + 3); // numOfSequenceParameterSetExt
      for (let i: u32 = 0; i < extCount && q <= len; i++) {
        q = q + 2 > len ? len + 1 : q + 2 + u16be(rec + q); // sequenceParameterSetExtLength, the NAL unit
      }
    }
    if (q > len) kept = p;
  }
  memory.copy(configBase(slot), rec, kept);
  setInfoU32(slot, Info.ConfigLength, kept);
  setInfoU32(slot, Info.ConfigRecord, 1);
  return true;
}

/** Bytes of each NAL unit length in the samples of a track configured by configureAvcFromRecord: 1, 2 or 4. */
export function avcLengthSize(slot: i32): u32 {
  return (<u32>load<u8>(configBase(slot) + 4) & 3) + 1; // lengthSizeMinusOne
}

/** 'avc1' whose 'avcC' is the record stored by configureAvcFromRecord, verbatim (14496-15 5.4.2.1). */
export function avc1Record(slot: i32): void {
  const box = visualEntryStart(Fourcc.avc1, infoU32(slot, Info.Width), infoU32(slot, Info.Height));
  storedConfigBox(Fourcc.avcC, slot);
  const sarNum = infoU32(slot, Info.SarNum);
  const sarDen = infoU32(slot, Info.SarDen);
  if (sarNum != sarDen) pasp(sarNum, sarDen);
  boxEnd(box);
}
