// VP9 (VP9 Bitstream & Decoding Process Specification v0.6): the keyframe's uncompressed header
// (6.2, with color_config 6.2.2, frame_size 6.2.3 and render_size 6.2.4), the superframe index
// (Annex B), Matroska's codec feature metadata (CodecPrivate of V_VP9, Matroska codec mapping / WebM
// "VP9 Codec Feature Metadata"), and the vp09 sample entry with its VP Codec Configuration Box
// (VP Codec ISO Media File Format Binding v1.0, 2.2 and 2.3). The codec string
// vp09.PP.LL.DD[.CC.cp.tc.mc.FF] is built by the engine from the track info record.

import { configBase } from '../layout';
import { brInit, overrun, readBit, readBits } from '../util/bitreader';
import { put16, put8 } from '../util/bytes';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, Fourcc, fullBoxStart, wBytes } from '../mp4/writer';
import { pasp, visualEntryStart } from './h264';

/** Bytes of the vpcC payload after its FullBox header (2.2: eight for VP9, which has no codecInitializationData). */
const VPCC_LENGTH: u32 = 8;

/** color_space (7.2.2) of RGB video. */
const CS_RGB: u32 = 7;

// Matrix coefficients (ISO/IEC 23091-2) of each VP9 color_space, as ffmpeg's VP9 decoder maps them (so that
// vpcC agrees with the one ffmpeg writes): CS_UNKNOWN → unspecified, CS_BT_601 → BT.470BG (the same matrix as
// SMPTE 170M), CS_BT_709, CS_SMPTE_170, CS_SMPTE_240, CS_BT_2020 → BT.2020 non-constant, CS_RESERVED → unspecified,
// CS_RGB → identity.
const MATRIX: StaticArray<u8> = [2, 5, 1, 6, 7, 9, 2, 0];

/** Levels of the VP9 level table (webm "VP9 Levels and Decoder Testing"), as vpcC writes them (10 × level). */
const LEVELS: StaticArray<u8> = [10, 11, 20, 21, 30, 31, 40, 41, 50, 51, 52, 60, 61, 62];

// Fields of the keyframe header parsed last (parseKeyframe).
let profile: u32 = 0;
let bitDepth: u32 = 8;
let colorSpace: u32 = 0;
let colorRange: u32 = 0;
let subsamplingX: u32 = 1;
let subsamplingY: u32 = 1;
let frameWidth: u32 = 0;
let frameHeight: u32 = 0;

/**
 * Parses the uncompressed header (6.2) of one frame up to render_size; true only for a keyframe whose header
 * is whole and valid (frame_marker, sync code, reserved bits, a chroma format the profile allows).
 */
function parseKeyframe(p: u32, len: u32): bool {
  brInit(p, len);
  if (readBits(2) != 2) return false; // frame_marker
  const low = readBit(); // profile_low_bit
  const high = readBit(); // profile_high_bit
  profile = (high << 1) | low;
  if (profile == 3 && readBit() != 0) return false; // reserved_zero
  if (readBit()) return false; // show_existing_frame: a repeated frame, not a keyframe
  if (readBit() != 0) return false; // frame_type: 0 = KEY_FRAME
  readBit(); // show_frame
  readBit(); // error_resilient_mode
  // frame_sync_code (6.2.1): 0x49, 0x83, 0x42
  if (readBits(8) != 0x49 || readBits(8) != 0x83 || readBits(8) != 0x42) return false;
  // color_config (6.2.2)
  bitDepth = profile >= 2 ? (readBit() ? 12 : 10) : 8; // ten_or_twelve_bit
  colorSpace = readBits(3); // color_space
  if (colorSpace != CS_RGB) {
    colorRange = readBit(); // color_range
    if (profile == 1 || profile == 3) {
      subsamplingX = readBit(); // subsampling_x
      subsamplingY = readBit(); // subsampling_y
      if (readBit() != 0) return false; // reserved_zero
      // 4:2:0 (1, 1) is profile 0 and 2 only (7.2.2); 4:4:0 (0, 1) has no vpcC chromaSubsampling value.
      if (subsamplingY == 1) return false;
    } else {
      subsamplingX = 1;
      subsamplingY = 1;
    }
  } else {
    colorRange = 1;
    if (profile == 0 || profile == 2) return false; // RGB needs 4:4:4, profiles 1 and 3 (7.2.2)
    subsamplingX = 0;
    subsamplingY = 0;
    if (readBit() != 0) return false; // reserved_zero
  }
  // frame_size (6.2.3)
  frameWidth = readBits(16) + 1; // frame_width_minus_1
  frameHeight = readBits(16) + 1; // frame_height_minus_1
  // render_size (6.2.4): the size the frame is meant to be shown at. The decoder outputs frame_size, and a
  // display size is the container's to give (Matroska DisplayWidth/Height, which the demuxer turns into a
  // sample aspect ratio), so it is read only to check that the header is whole.
  if (readBit()) readBits(32); // render_and_frame_size_different, render_width_minus_1, render_height_minus_1
  if (overrun) return false;
  // A VisualSampleEntry stores 16-bit sizes (ISO/IEC 14496-12 12.1.3): 65536 cannot be written.
  return frameWidth <= 0xffff && frameHeight <= 0xffff;
}

/**
 * Finds and parses the first keyframe of a chunk (a Matroska block): the chunk itself, or the first frame of
 * a superframe (Annex B) that is a keyframe. The superframe index is the last 2 + bytes × frames bytes, framed
 * by two equal marker bytes 0b110xxyyy (xx: bytes_per_framesize_minus_1, yyy: frames_in_superframe_minus_1);
 * the frames lie one after the other from the start of the chunk, with little-endian sizes in the index.
 */
function findKeyframe(p: u32, len: u32): bool {
  if (len == 0) return false;
  const marker = <u32>load<u8>(p + len - 1);
  if ((marker & 0xe0) == 0xc0) {
    const bytes = ((marker >> 3) & 3) + 1; // bytes_per_framesize_minus_1 + 1
    const frames = (marker & 7) + 1; // frames_in_superframe_minus_1 + 1
    const indexSize: u32 = 2 + bytes * frames;
    if (len >= indexSize && <u32>load<u8>(p + len - indexSize) == marker) {
      const dataEnd = len - indexSize;
      let index = p + len - indexSize + 1;
      let offset: u32 = 0;
      for (let f: u32 = 0; f < frames; f++) {
        let size: u32 = 0;
        for (let b: u32 = 0; b < bytes; b++) size |= <u32>load<u8>(index + b) << (b * 8); // frame_sizes, little-endian
        index += bytes;
        if (size == 0 || size > dataEnd - offset) return false;
        if (parseKeyframe(p + offset, size)) return true;
        offset += size;
      }
      return false;
    }
  }
  return parseKeyframe(p, len);
}

/**
 * The VP9 level (×10) of a picture size, from the maximum luma picture sizes of the VP9 level table; the
 * sample rate is not known at configuration time, so it decides nothing. This is what ffmpeg's vpcc.c
 * computes when it writes vpcC without a frame rate (its MP4 muxer), so the two agree. Pictures larger than
 * level 6 allows get 0, as in ffmpeg.
 */
function levelOfPictureSize(width: u32, height: u32): u32 {
  const size = <u64>width * <u64>height;
  if (size <= 36864) return 10;
  if (size <= 73728) return 11;
  if (size <= 122880) return 20;
  if (size <= 245760) return 21;
  if (size <= 552960) return 30;
  if (size <= 983040) return 31;
  if (size <= 2228224) return 40;
  if (size <= 8912896) return 50;
  if (size <= 35651584) return 60;
  return 0;
}

function isLevel(level: u32): bool {
  for (let i = 0; i < LEVELS.length; i++) if (<u32>unchecked(LEVELS[i]) == level) return true;
  return false;
}

/**
 * The vpcC chromaSubsampling value (2.3: 0 4:2:0 vertical, 1 4:2:0 colocated with luma (0,0), 2 4:2:2,
 * 3 4:4:4) of the track's Info.ChromaFormat and Info.ChromaPosition. A 4:2:0 siting that is not known is
 * written as 1, the codec string's default, as ffmpeg does.
 */
function vpccChroma(slot: i32): u32 {
  const format = infoU32(slot, Info.ChromaFormat);
  if (format == 1) return infoU32(slot, Info.ChromaPosition) == 1 ? 0 : 1;
  return format;
}

/**
 * Writes the vpcC payload (VPCodecConfigurationRecord, 2.3; the 8 bytes after the FullBox version and
 * flags) of the track at configBase(slot) from its info record, and sets Info.ConfigLength.
 */
export function storeVpcc(slot: i32): void {
  const base = configBase(slot);
  put8(base, infoU32(slot, Info.Profile)); // profile
  put8(base + 1, infoU32(slot, Info.Level)); // level
  // bitDepth (4), chromaSubsampling (3), videoFullRangeFlag (1)
  put8(base + 2, (infoU32(slot, Info.BitDepth) << 4) | (vpccChroma(slot) << 1) | (infoU32(slot, Info.FullRange) & 1));
  put8(base + 3, infoU32(slot, Info.ColourPrimaries)); // colourPrimaries
  put8(base + 4, infoU32(slot, Info.TransferCharacteristics)); // transferCharacteristics
  put8(base + 5, infoU32(slot, Info.MatrixCoefficients)); // matrixCoefficients
  put16(base + 6, 0); // codecInitializationDataSize: VP9 has none
  setInfoU32(slot, Info.ConfigLength, VPCC_LENGTH);
}

/**
 * Configures a VP9 track from Matroska's CodecPrivate (`priv`, `privLen`, may be 0) and the track's first
 * keyframe (`frame`, `frameLen`: a frame or a superframe). False when no keyframe header can be read from
 * the frame. Sets Info.Width/Height (frame_size), Profile, Level, Tier (0), BitDepth, ChromaFormat (1 4:2:0,
 * 2 4:2:2, 3 4:4:4), ChromaPosition, ColourPrimaries and TransferCharacteristics (2: VP9 does not code them;
 * the demuxer may overwrite them from the Matroska Colour element), MatrixCoefficients (from color_space),
 * FullRange (color_range), and the vpcC payload with Info.ConfigLength (storeVpcc). Kind, codec, state,
 * timescale and the sample aspect ratio are the demuxer's.
 *
 * The keyframe decides profile, bit depth and chroma format, because the decoder follows it. CodecPrivate
 * (a list of ID, length, value: 1 profile, 2 level, 3 bit depth, 4 chroma subsampling) adds what the
 * bitstream does not code: the level, and the 4:2:0 chroma siting when its chroma subsampling agrees with the
 * keyframe's. A list that runs past its end is ignored as a whole. Without a level, the level is the one of
 * the picture size (levelOfPictureSize).
 */
export function configureVp9(slot: i32, priv: u32, privLen: u32, frame: u32, frameLen: u32): bool {
  let privateLevel: u32 = 0;
  let privateChroma: u32 = 0xff;
  let p = priv;
  const end = priv + privLen;
  while (p < end) {
    if (end - p < 2) {
      privateLevel = 0;
      privateChroma = 0xff;
      break;
    }
    const id = <u32>load<u8>(p); // ID
    const length = <u32>load<u8>(p + 1); // length
    if (length > end - p - 2) {
      privateLevel = 0;
      privateChroma = 0xff;
      break;
    }
    if (length == 1) {
      const value = <u32>load<u8>(p + 2);
      if (id == 2) privateLevel = value; // level
      else if (id == 4) privateChroma = value; // chroma subsampling
    }
    p += 2 + length;
  }
  if (!findKeyframe(frame, frameLen)) return false;
  const chromaFormat: u32 = subsamplingX == 0 ? 3 : subsamplingY == 0 ? 2 : 1;
  let position: u32 = 0; // unknown
  if (chromaFormat == 1 && privateChroma <= 1) position = privateChroma == 0 ? 1 : 2; // vertical : colocated
  setInfoU32(slot, Info.Width, frameWidth);
  setInfoU32(slot, Info.Height, frameHeight);
  setInfoU32(slot, Info.Profile, profile);
  setInfoU32(slot, Info.Level, isLevel(privateLevel) ? privateLevel : levelOfPictureSize(frameWidth, frameHeight));
  setInfoU32(slot, Info.Tier, 0);
  setInfoU32(slot, Info.BitDepth, bitDepth);
  setInfoU32(slot, Info.ChromaFormat, chromaFormat);
  setInfoU32(slot, Info.ChromaPosition, position);
  setInfoU32(slot, Info.ColourPrimaries, 2);
  setInfoU32(slot, Info.TransferCharacteristics, 2);
  setInfoU32(slot, Info.MatrixCoefficients, <u32>unchecked(MATRIX[colorSpace]));
  setInfoU32(slot, Info.FullRange, colorRange);
  storeVpcc(slot);
  return true;
}

/**
 * VP9 sample entry 'vp09' (VP Codec ISO Media File Format Binding 2.1; VisualSampleEntry 14496-12 12.1.3) with
 * its VP Codec Configuration Box 'vpcC' (2.2: a FullBox, version 1, flags 0) and 'pasp' when the sample aspect
 * ratio is not 1:1. The vpcC payload is written again from the info record first, so fields the demuxer set
 * after configureVp9 (colour from the Matroska Colour element) are in it.
 */
export function vp09(slot: i32): void {
  const box = visualEntryStart(Fourcc.vp09, infoU32(slot, Info.Width), infoU32(slot, Info.Height));
  storeVpcc(slot);
  const config = fullBoxStart(Fourcc.vpcC, 1, 0);
  wBytes(configBase(slot), VPCC_LENGTH);
  boxEnd(config);
  const sarNum = infoU32(slot, Info.SarNum);
  const sarDen = infoU32(slot, Info.SarDen);
  if (sarNum != sarDen && sarNum != 0 && sarDen != 0) pasp(sarNum, sarDen);
  boxEnd(box);
}
