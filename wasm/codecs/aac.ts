// AAC in ADTS (ISO/IEC 13818-7 6.2 / 14496-3 1.A.2): header parsing, the AudioSpecificConfig built
// from it (14496-3 1.6.2.1), and the mp4a sample entry with its ES descriptor (14496-1 7.2.6,
// 14496-14 5.6). An ADTS frame of 1024 samples becomes one MP4 sample without its header.

import { Info, setInfoU32 } from '../remux/track';
import { FrameParse, setFrame } from './frame';
import { boxEnd, Fourcc, w8 } from '../mp4/writer';
import { audioEntryStart, esdsEnd, esdsStart } from './audio-entry';

// Table 1.18 (sampling_frequency_index → Hz); 13..15 are reserved.
const RATES: StaticArray<u32> = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Fields of the last header parsed by parseAdts. */
export let adtsHeaderLength: u32 = 0;
export let adtsFrameLength: u32 = 0;
export let adtsObjectType: u32 = 0;
export let adtsRateIndex: u32 = 0;
export let adtsChannels: u32 = 0;
export let adtsBlocks: u32 = 0;

/**
 * Parses the adts_fixed_header and adts_variable_header at p (at least 7 bytes available).
 * Returns false when the bytes there are not a plausible ADTS header.
 */
export function parseAdts(p: u32): bool {
  const b0 = <u32>load<u8>(p);
  const b1 = <u32>load<u8>(p + 1);
  if (b0 != 0xff || (b1 & 0xf6) != 0xf0) return false; // syncword 0xFFF, layer '00'
  const protectionAbsent = b1 & 1; // protection_absent
  const b2 = <u32>load<u8>(p + 2);
  const b3 = <u32>load<u8>(p + 3);
  const b4 = <u32>load<u8>(p + 4);
  const b5 = <u32>load<u8>(p + 5);
  const b6 = <u32>load<u8>(p + 6);
  const profile = b2 >> 6; // profile_ObjectType
  const rateIndex = (b2 >> 2) & 0xf; // sampling_frequency_index
  const channels = ((b2 & 1) << 2) | (b3 >> 6); // channel_configuration
  const frameLength = ((b3 & 3) << 11) | (b4 << 3) | (b5 >> 5); // aac_frame_length
  const blocks = b6 & 3; // number_of_raw_data_blocks_in_frame
  const headerLength: u32 = protectionAbsent ? 7 : 9;
  if (rateIndex > 12 || frameLength <= headerLength) return false;
  adtsHeaderLength = headerLength;
  adtsFrameLength = frameLength;
  adtsObjectType = profile + 1;
  adtsRateIndex = rateIndex;
  adtsChannels = channels;
  adtsBlocks = blocks;
  return true;
}

/**
 * The ADTS header at p as a frame (codecs/frame.ts): the MP4 sample is the raw_data_block after
 * the header. Decides from the first two bytes whether a header can start at p.
 */
export function parseAdtsFrame(p: u32, avail: u32): i32 {
  if (avail < 7) {
    if (avail >= 1 && load<u8>(p) != 0xff) return FrameParse.NotHeader;
    if (avail >= 2 && (load<u8>(p + 1) & 0xf6) != 0xf0) return FrameParse.NotHeader;
    return FrameParse.NeedMore;
  }
  if (!parseAdts(p)) return FrameParse.NotHeader;
  setFrame(adtsFrameLength, adtsHeaderLength, 1024, adtsSampleRate(), adtsChannels);
  return FrameParse.Header;
}

export function adtsSampleRate(): u32 {
  return unchecked(RATES[adtsRateIndex]);
}

/** Stores the configuration of the last parsed header in the track info record. */
export function configureFromAdts(slot: i32): void {
  setInfoU32(slot, Info.Profile, adtsObjectType);
  setInfoU32(slot, Info.SampleRate, adtsSampleRate());
  setInfoU32(slot, Info.Channels, adtsChannels);
  setInfoU32(slot, Info.Compat, adtsRateIndex);
}

/** 'esds' (14496-14 5.6) with the AudioSpecificConfig (14496-3 1.6.2.1) as its DecoderSpecificInfo. */
function esds(trackId: u32, objectType: u32, rateIndex: u32, channels: u32): void {
  const box = esdsStart(trackId, 0x40, 2); // objectTypeIndication: Audio ISO/IEC 14496-3
  w8((objectType << 3) | (rateIndex >> 1)); // audioObjectType (5), samplingFrequencyIndex (4)...
  w8(((rateIndex & 1) << 7) | (channels << 3)); // ...channelConfiguration (4), GASpecificConfig zeros
  esdsEnd(box);
}

/** MPEG-4 audio sample entry 'mp4a' (14496-14 5.6; AudioSampleEntry 14496-12 12.2.3). */
export function mp4a(trackId: u32, objectType: u32, rateIndex: u32, sampleRate: u32, channels: u32): void {
  // channel_configuration 7 is 7.1: eight channels (14496-3 Table 1.19); 0 (a PCE) says nothing.
  const box = audioEntryStart(Fourcc.mp4a, channels == 0 ? 2 : channels == 7 ? 8 : channels, sampleRate);
  esds(trackId, objectType, rateIndex, channels);
  boxEnd(box);
}
