// AAC in ADTS (ISO/IEC 13818-7 6.2 / 14496-3 1.A.2): header parsing, the AudioSpecificConfig built
// from it (14496-3 1.6.2.1), and the mp4a sample entry with its ES descriptor (14496-1 7.2.6,
// 14496-14 5.6). An ADTS frame of 1024 samples becomes one MP4 sample without its header.
// Also AAC whose container carries the AudioSpecificConfig (Matroska): see configureAacFromConfig.

import { configBase, SCRATCH_BASE } from '../layout';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { FrameParse, setFrame } from './frame';
import { boxEnd, Fourcc, w8 } from '../mp4/writer';
import { audioEntryStart, esdsEnd, esdsStart } from './audio-entry';
import {
  ascChannels,
  ascCoreRate,
  ascExtensionRate,
  ascFrameSamples,
  ascObjectType,
  latmSampleEntry,
  parseAudioSpecificConfig,
} from './latm';

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

// AAC from a container that carries the AudioSpecificConfig itself (Matroska A_AAC, whose frames
// are raw access units without ADTS headers). The ASC is kept byte for byte at configBase(slot)
// and becomes the DecoderSpecificInfo of the esds: the same sample entry as LOAS/LATM's
// (latm.ts latmSampleEntry), chosen in mp4/init.ts by Info.ConfigRecord.

/** Longest CodecPrivate taken as an AudioSpecificConfig (latm.ts keeps at most 256 bytes of one). */
const ASC_MAX: u32 = 256;

/**
 * Configures an AAC track from an AudioSpecificConfig (14496-3 1.6.2.1) of `len` bytes at `asc`:
 * Info.Profile (the audioObjectType signalled first: 2 for LC, 5 for explicit SBR, 29 for explicit
 * PS, as the codec string mp4a.40.x says it), Info.SampleRate (the output rate: the SBR extension
 * rate when SBR is signalled, explicitly or backward-compatibly, else the core rate),
 * Info.Channels, Info.FrameSamples (samples of one frame at that output rate: 1024 or 960, twice
 * that with dual-rate SBR), Info.ConfigLength and Info.ConfigRecord = 1, with the ASC copied
 * verbatim to configBase(slot). False (nothing stored) for bytes that are not a configuration MP4
 * can carry: truncated, reserved values, object types other than AAC Main/LC/SSR/LTP (with SBR/PS).
 */
export function configureAacFromConfig(slot: i32, asc: u32, len: u32): bool {
  if (len > ASC_MAX || !parseAudioSpecificConfig(asc, len)) return false;
  const core = ascCoreRate();
  const extension = ascExtensionRate();
  const rate = extension != 0 ? extension : core;
  memory.copy(configBase(slot), asc, len);
  setInfoU32(slot, Info.Profile, ascObjectType());
  setInfoU32(slot, Info.SampleRate, rate);
  setInfoU32(slot, Info.Channels, ascChannels());
  // 1.6.5: SBR doubles the output rate (downsampled SBR keeps it); a frame lasts as long either way.
  setInfoU32(slot, Info.FrameSamples, <u32>((<u64>ascFrameSamples() * <u64>rate) / <u64>core));
  setInfoU32(slot, Info.ConfigLength, len);
  setInfoU32(slot, Info.ConfigRecord, 1);
  return true;
}

/** Appends the `n` low bits of v at bit `pos` of the zeroed bytes at `dst`; returns the new position. */
function putBits(dst: u32, pos: u32, n: u32, v: u32): u32 {
  for (let i = n; i > 0; i--) {
    if ((v >> (i - 1)) & 1) {
      const at = dst + (pos >> 3);
      store<u8>(at, <u8>(<u32>load<u8>(at) | (<u32>0x80 >> (pos & 7))));
    }
    pos++;
  }
  return pos;
}

/** samplingFrequencyIndex of a rate (Table 1.18), or 15 (an explicit 24-bit samplingFrequency follows). */
function rateIndex(rate: u32): u32 {
  for (let i: u32 = 0; i < 13; i++) if (unchecked(RATES[i]) == rate) return i;
  return 15;
}

/** Writes samplingFrequencyIndex and, for a rate outside Table 1.18, samplingFrequency (1.6.2.1). */
function putRate(dst: u32, pos: u32, rate: u32): u32 {
  const index = rateIndex(rate);
  pos = putBits(dst, pos, 4, index); // samplingFrequencyIndex
  return index == 15 ? putBits(dst, pos, 24, rate) : pos; // samplingFrequency
}

/**
 * Configures an AAC track of a Matroska file that has no CodecPrivate, from its legacy CodecID
 * (A_AAC/MPEG4/MAIN, /LC, /SSR, /LTP, /LC/SBR, and the same under A_AAC/MPEG2/): builds the
 * AudioSpecificConfig those say and configures the track from it exactly as configureAacFromConfig.
 *
 * `profile` is the audioObjectType of the id: 1 MAIN, 2 LC, 3 SSR, 4 LTP, or 5 for LC/SBR.
 * `sampleRate` is the track's SamplingFrequency, which for LC/SBR is the core rate (Matroska
 * writers put the SBR rate in OutputSamplingFrequency); `outputRate` is that OutputSamplingFrequency
 * when the track has one (0: twice the core rate, dual-rate SBR as HE-AAC v1 encoders make it).
 * SBR is signalled explicitly (1.6.5.2 hierarchical signalling: audioObjectType 5, the extension
 * rate, then the LC core), so the codec string says mp4a.40.5. ffmpeg's Matroska demuxer builds
 * the backward-compatible form instead (LC core with a 0x2B7 sync extension); both describe the same
 * stream. `channels` 1..6 and 8 map to channelConfiguration 1..7 (Table 1.19); other counts need a
 * program_config_element, which the CodecID does not give: false.
 */
export function configureAacFromCodecId(
  slot: i32,
  profile: u32,
  sampleRate: u32,
  channels: u32,
  outputRate: u32 = 0,
): bool {
  if (profile < 1 || profile > 5 || sampleRate == 0 || sampleRate > 0xffffff) return false;
  let configuration: u32 = channels;
  if (channels == 8) configuration = 7;
  else if (channels < 1 || channels > 6) return false;
  const dst = SCRATCH_BASE;
  memory.fill(dst, 0, 16);
  let pos: u32 = 0;
  pos = putBits(dst, pos, 5, profile); // audioObjectType
  pos = putRate(dst, pos, sampleRate); // samplingFrequencyIndex, samplingFrequency
  pos = putBits(dst, pos, 4, configuration); // channelConfiguration
  if (profile == 5) {
    const extension = outputRate != 0 ? outputRate : sampleRate * 2;
    if (extension > 0xffffff) return false;
    pos = putRate(dst, pos, extension); // extensionSamplingFrequencyIndex, extensionSamplingFrequency
    pos = putBits(dst, pos, 5, 2); // audioObjectType of the core: AAC LC
  }
  // GASpecificConfig (4.4.1): frameLengthFlag 0 (1024 samples), dependsOnCoreCoder 0, extensionFlag 0.
  pos = putBits(dst, pos, 3, 0);
  return configureAacFromConfig(slot, dst, (pos + 7) >> 3);
}

/** Samples of one frame of a track configured by configureAacFromConfig, at its output rate (Info.FrameSamples). */
export function aacFrameSamples(slot: i32): u32 {
  return infoU32(slot, Info.FrameSamples);
}

/** The mp4a sample entry of a track configured by configureAacFromConfig: esds with the ASC verbatim (latm.ts). */
export function aacConfigSampleEntry(slot: i32, trackId: u32): void {
  latmSampleEntry(slot, trackId);
}
