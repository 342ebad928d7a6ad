// The parts every audio sample entry shares: the AudioSampleEntry fields (ISO/IEC 14496-12 12.2.3),
// the plain configuration box whose payload a codec's configure function stored at configBase(slot)
// (dac3, dec3, dOps), and the ES descriptor of 'mp4a' (14496-14 5.6, 14496-1 7.2.6) used by AAC and
// MPEG-1/2 audio alike.

import { configBase } from '../layout';
import { Info, infoU32 } from '../remux/track';
import { boxEnd, boxStart, Fourcc, fullBoxStart, w16, w24, w32, w8, wBytes, wZeros } from '../mp4/writer';

/**
 * Starts an AudioSampleEntry of type `fourcc` and writes its fields (14496-12 12.2.3); the caller
 * writes the codec's boxes and closes it with boxEnd.
 */
export function audioEntryStart(fourcc: u32, channelCount: u32, sampleRate: u32): u32 {
  const box = boxStart(fourcc);
  wZeros(6); // reserved
  w16(1); // data_reference_index
  w32(0); // reserved[2]
  w32(0);
  w16(channelCount); // channelcount
  w16(16); // samplesize
  w16(0); // pre_defined
  w16(0); // reserved
  // samplerate is 16.16: rates of 65536 Hz and above do not fit and are written as 0 (the track's
  // timescale carries the real rate).
  w32((sampleRate < 65536 ? sampleRate : 0) << 16); // samplerate
  return box;
}

/** A plain Box of type `fourcc` whose payload is the configuration stored for the track (Info.ConfigLength bytes). */
export function storedConfigBox(fourcc: u32, slot: i32): void {
  const box = boxStart(fourcc);
  wBytes(configBase(slot), infoU32(slot, Info.ConfigLength));
  boxEnd(box);
}

/** Writes an expandable-size descriptor header (14496-1 8.3.3) for a payload of `size` < 128 bytes. */
function descriptor(tag: u32, size: u32): void {
  w8(tag);
  w8(size);
}

/**
 * Starts the Elementary Stream Descriptor Box 'esds' (14496-14 5.6) carrying an ES_Descriptor
 * (14496-1 7.2.6.5) for an audio stream of `objectTypeIndication` (14496-1 Table 5). With
 * `specificLength` > 0 it ends with the DecoderSpecificInfo header, and the caller writes those
 * bytes next; with 0 there is no DecoderSpecificInfo at all (MPEG-1/2 audio). esdsEnd closes it.
 */
export function esdsStart(trackId: u32, objectTypeIndication: u32, specificLength: u32): u32 {
  const box = fullBoxStart(Fourcc.esds, 0, 0);
  const decSpecific: u32 = specificLength > 0 ? 2 + specificLength : 0;
  const decConfig: u32 = 13 + decSpecific;
  const slConfig: u32 = 2 + 1;
  descriptor(0x03, 3 + 2 + decConfig + slConfig); // ES_DescrTag
  w16(trackId); // ES_ID
  w8(0); // streamDependenceFlag, URL_Flag, OCRstreamFlag, streamPriority
  descriptor(0x04, decConfig); // DecoderConfigDescrTag
  w8(objectTypeIndication); // objectTypeIndication
  w8((0x05 << 2) | 1); // streamType = AudioStream, upStream = 0, reserved = 1
  w24(0); // bufferSizeDB
  w32(0); // maxBitrate
  w32(0); // avgBitrate
  if (specificLength > 0) descriptor(0x05, specificLength); // DecSpecificInfoTag
  return box;
}

/** Writes the SLConfigDescriptor that ends the ES_Descriptor and closes the 'esds' box. */
export function esdsEnd(box: u32): void {
  descriptor(0x06, 1); // SLConfigDescrTag
  w8(0x02); // predefined: reserved for use in MP4 files
  boxEnd(box);
}
