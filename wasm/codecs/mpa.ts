// MPEG-1 and MPEG-2 audio, layers I, II and III (ISO/IEC 11172-3 2.4.2.3 and 2.4.3.1, ISO/IEC 13818-3
// 2.4.2.3 for the lower sampling frequencies), plus the unofficial MPEG-2.5 extension (rates of 8 to
// 12 kHz) that MP3 encoders write: header parsing for the framing in mpegts/audio.ts, and the 'mp4a'
// sample entry with the objectTypeIndication of 14496-1 Table 5 and no DecoderSpecificInfo (the way
// ffmpeg writes MP3 in MP4 and browsers read it).
//
// The whole frame, header included, is the MP4 sample: skip is always 0.

import { FrameParse, setFrame } from './frame';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, Fourcc } from '../mp4/writer';
import { audioEntryStart, esdsEnd, esdsStart } from './audio-entry';

/** Values of mpaVersion(). */
export const enum MpaVersion {
  Mpeg1 = 1, // ISO/IEC 11172-3
  Mpeg2 = 2, // ISO/IEC 13818-3 lower sampling frequencies
  Mpeg25 = 3, // MPEG-2.5: not in any standard, a quarter of the MPEG-1 rates
}

/** objectTypeIndication values (14496-1 Table 5) for MPEG-1/2 audio in MP4. */
export const enum MpaObjectType {
  Mpeg2Audio = 0x69, // Audio ISO/IEC 13818-3 (also used for MPEG-2.5)
  Mpeg1Audio = 0x6b, // Audio ISO/IEC 11172-3
}

// bitrate_index → kbit/s (11172-3 2.4.2.3, 13818-3 2.4.2.3); index 0 (free format) and 15 are refused
// before the lookup, so those entries are 0. Rows: MPEG-1 layer I, II, III; MPEG-2/2.5 layer I, II and III.
const BIT_RATES: StaticArray<u32> = [
  0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0,
  0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0,
  0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0,
  0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0,
  0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0,
];
// sampling_frequency → Hz for MPEG-1; MPEG-2 halves and MPEG-2.5 quarters them.
const RATES: StaticArray<u32> = [44100, 48000, 32000];

/** Fields of the last header parsed by parseMpaFrame. */
let lastVersion: u32 = 0;
let lastLayer: u32 = 0;
let lastRate: u32 = 0;
let lastChannels: u32 = 0;

/** Layer of the last parsed header: 1, 2 or 3. */
export function mpaLayer(): u32 {
  return lastLayer;
}

/** Version of the last parsed header: a MpaVersion. */
export function mpaVersion(): u32 {
  return lastVersion;
}

/** FrameParse for MPEG audio: the 4-byte header (11172-3 2.4.1.3) at p, reading at most avail bytes. */
export function parseMpaFrame(p: u32, avail: u32): i32 {
  if (avail < 1) return FrameParse.NeedMore;
  if (load<u8>(p) != 0xff) return FrameParse.NotHeader; // syncword, 11 bits here...
  if (avail < 2) return FrameParse.NeedMore;
  const b1 = <u32>load<u8>(p + 1);
  if ((b1 & 0xe0) != 0xe0) return FrameParse.NotHeader; // ...the last three
  const id = (b1 >> 3) & 3; // ID, with MPEG-2.5's extra bit: 0 = 2.5, 1 reserved, 2 = MPEG-2, 3 = MPEG-1
  const layerBits = (b1 >> 1) & 3; // layer: 3 = I, 2 = II, 1 = III, 0 reserved (ADTS uses it)
  if (id == 1 || layerBits == 0) return FrameParse.NotHeader;
  if (avail < 4) return FrameParse.NeedMore;
  const b2 = <u32>load<u8>(p + 2);
  const b3 = <u32>load<u8>(p + 3);
  const bitrateIndex = b2 >> 4; // bitrate_index
  const rateIndex = (b2 >> 2) & 3; // sampling_frequency
  const padding = (b2 >> 1) & 1; // padding_bit
  const mode = b3 >> 6; // mode: 3 = single_channel
  // Free format (index 0) has no length in the header; 15 is forbidden; sampling_frequency 3 is reserved.
  if (bitrateIndex == 0 || bitrateIndex == 15 || rateIndex == 3) return FrameParse.NotHeader;
  const layer = 4 - layerBits;
  const mpeg1 = id == 3;
  const row = mpeg1 ? layer - 1 : layer == 1 ? 3 : 4;
  const bitRate = unchecked(BIT_RATES[row * 16 + bitrateIndex]) * 1000;
  const rate = unchecked(RATES[rateIndex]) >> (mpeg1 ? 0 : id == 2 ? 1 : 2);
  let length: u32;
  let samples: u32;
  if (layer == 1) {
    // 2.4.3.1: layer I slots are 4 bytes, 12 × bitrate / rate of them per 384-sample frame.
    length = ((12 * bitRate) / rate + padding) * 4;
    samples = 384;
  } else if (layer == 3 && !mpeg1) {
    // 13818-3 2.4.3.1: a layer III frame of the lower rates holds one granule, 576 samples.
    length = (72 * bitRate) / rate + padding;
    samples = 576;
  } else {
    length = (144 * bitRate) / rate + padding;
    samples = 1152;
  }
  lastVersion = mpeg1 ? MpaVersion.Mpeg1 : id == 2 ? MpaVersion.Mpeg2 : MpaVersion.Mpeg25;
  lastLayer = layer;
  lastRate = rate;
  lastChannels = mode == 3 ? 1 : 2;
  setFrame(length, 0, samples, rate, lastChannels);
  return FrameParse.Header;
}

/**
 * Configures an MPEG audio track from the last parsed header: rate, channels, and in Info.Profile
 * the objectTypeIndication of its sample entry (the codec string is `mp4a.` + it in hex).
 */
export function configureMpa(slot: i32): void {
  setInfoU32(slot, Info.SampleRate, lastRate);
  setInfoU32(slot, Info.Channels, lastChannels);
  setInfoU32(slot, Info.Profile, lastVersion == MpaVersion.Mpeg1 ? MpaObjectType.Mpeg1Audio : MpaObjectType.Mpeg2Audio);
  setInfoU32(slot, Info.ConfigLength, 0);
}

/** MPEG audio sample entry 'mp4a' (14496-14 5.6) whose ES descriptor has no DecoderSpecificInfo. */
export function mpaSampleEntry(slot: i32, trackId: u32): void {
  const box = audioEntryStart(Fourcc.mp4a, infoU32(slot, Info.Channels), infoU32(slot, Info.SampleRate));
  esdsEnd(esdsStart(trackId, infoU32(slot, Info.Profile), 0));
  boxEnd(box);
}
