// The head of the VUI that H.264 (E.1.1) and H.265 (E.2.1) share word for word: aspect ratio, overscan, video
// signal type and chroma sample location. Each codec's SPS parser reads the rest (timing) itself.

import { readBit, readBits, readUE, skipBits } from '../util/bitreader';

// Table E-1 (the same in both): sample aspect ratio for aspect_ratio_idc 1..16.
const SAR_W: StaticArray<u16> = [1, 12, 10, 16, 40, 24, 20, 32, 80, 18, 15, 64, 160, 4, 3, 2];
const SAR_H: StaticArray<u16> = [1, 11, 11, 11, 33, 11, 11, 11, 33, 11, 11, 33, 99, 3, 2, 1];

/** The sample aspect ratio read by readVuiHead (1:1 when the VUI gives none or a reserved value). */
export let vuiSarNum: u32 = 1;
export let vuiSarDen: u32 = 1;

/** Reads vui_parameters() from its start up to and including the chroma sample location fields. */
export function readVuiHead(): void {
  vuiSarNum = 1;
  vuiSarDen = 1;
  if (readBit()) {
    // aspect_ratio_info_present_flag
    const idc = readBits(8); // aspect_ratio_idc
    if (idc == 255) {
      vuiSarNum = readBits(16); // sar_width
      vuiSarDen = readBits(16); // sar_height
    } else if (idc >= 1 && idc <= 16) {
      vuiSarNum = <u32>unchecked(SAR_W[idc - 1]);
      vuiSarDen = <u32>unchecked(SAR_H[idc - 1]);
    }
  }
  if (readBit()) readBit(); // overscan_info_present_flag, overscan_appropriate_flag
  if (readBit()) {
    // video_signal_type_present_flag
    skipBits(4); // video_format, video_full_range_flag
    if (readBit()) skipBits(24); // colour_description_present_flag: primaries, transfer, matrix
  }
  if (readBit()) {
    // chroma_loc_info_present_flag
    readUE(); // chroma_sample_loc_type_top_field
    readUE(); // chroma_sample_loc_type_bottom_field
  }
}
