// Silent frames, per codec, for the audio gaps mpegts/audio.ts fills (DESIGN.md §3: "gaps are repaired and
// reported (silent audio frames...)"). Each is the smallest frame that a decoder reads as digital silence, in the
// form the track's MP4 samples take (for AAC the raw_data_block without ADTS/LATM framing, for MPEG audio the
// whole frame, for Opus the packet without its opus_control_header):
//
// - AAC (ADTS and LATM; object types 1-4, channel_configuration 1-7): one syntactic element per channel element of
//   14496-3 Table 1.19 (SCE, CPE with common_window 0, LFE), each individual_channel_stream with max_sfb 0, so
//   that no band is coded (4.4.2.7: no section_data, scale_factor_data or spectral_data follows), then ID_END.
//   Mono is 00 00 00 07, stereo 20 00 00 00 00 00 0e. Not for explicitly signalled SBR/PS (LATM object type 5 or
//   29, or an SBR extension in the AudioSpecificConfig): a frame without SBR data would switch the SBR tool off
//   in the decoder. Implicit SBR (an HE-AAC stream signalled as AAC-LC, the only way ADTS can) cannot be seen in
//   the configuration (only by decoding a frame to its fill elements): those streams get the same frames. The gap
//   is silent, but a decoder may switch SBR off at the first silent frame until the next SBR header (ffmpeg logs
//   "No quantized data read for sbr_dequant" once per gap). Measured with ffmpeg on two corpus files against
//   their undamaged decode: HE-AAC within 60 LSB from the second frame after the gap; HE-AACv2 off by up to a few
//   thousand for some 20 frames (parametric stereo codes its parameters against the frames before).
// - MPEG-1/2 audio, layers I, II and III: the header of the track's frame after the gap (same version, layer,
//   bitrate, sampling frequency and mode) without CRC (protection_bit 1) or padding, and zeros: no subband has an
//   allocation (layers I/II, 11172-3 2.4.2.7), or every granule has part2_3_length 0 (layer III, 2.4.1.7).
// - Opus: the CELT-only packet whose range-coded silence flag is set (RFC 6716 4.3, Table 56: the first symbol;
//   bytes ff fe decode it as 1), of the track's frame duration when CELT has it (2.5, 5, 10, 20 ms), else 20 ms;
//   one per stream of the track's channel mapping, all but the last self-delimited (RFC 6716 Appendix B).
// - AC-3 and E-AC-3: a sync frame of the size and configuration of the track's frame after the gap whose six
//   (E-AC-3: one to six) audio blocks code no mantissa, with both CRCs right (codecs/ac3-silence.ts).
//
// Each was checked by decoding with ffmpeg: PCM all zero, no error line (test/node/silence.test.ts keeps checking
// them through the whole remux).

import { configBase } from '../layout';
import { Codec } from '../codes';
import { codec, Info, infoU32 } from '../remux/track';
import { frameLength, FrameParse } from './frame';
import { latmExtensionRate } from './latm';
import { parseMpaFrame } from './mpa';
import { AC3_MAX_FRAME, ac3Silence } from './ac3-silence';
import { bwInit, bwPos, putBits } from '../util/bitwriter';

/**
 * Room for the largest silent frame: an E-AC-3 frame of 2048 words (AC3_MAX_FRAME; an MPEG-2.5 layer II frame at
 * 160 kbit/s and 8 kHz is 2880 bytes).
 */
const SILENCE_CAPACITY: u32 = AC3_MAX_FRAME;
const frame = new StaticArray<u8>(<i32>SILENCE_CAPACITY);

/** Bytes of the frame prepareSilence made (at silenceFrame()). */
export let silenceLength: u32 = 0;

/** Where the silent frame prepareSilence made is: copy silenceLength bytes from here. */
export function silenceFrame(): u32 {
  return changetype<u32>(frame);
}

/** AAC syntactic element IDs (14496-3 Table 4.85). */
const enum Element {
  SCE = 0, // single_channel_element
  CPE = 1, // channel_pair_element
  LFE = 3, // lfe_channel_element
  END = 7, // ID_END
}

// The channel elements of each channel_configuration 1..7 (14496-3 Table 1.19), five a row, ID_END (7) after the
// last: 0 = SCE, 1 = CPE, 3 = LFE.
const LAYOUTS: StaticArray<u8> = [
  0, 7, 7, 7, 7, // 1: C
  1, 7, 7, 7, 7, // 2: L R
  0, 1, 7, 7, 7, // 3: C, L R
  0, 1, 0, 7, 7, // 4: C, L R, Cs
  0, 1, 1, 7, 7, // 5: C, L R, Ls Rs
  0, 1, 1, 3, 7, // 6: C, L R, Ls Rs, LFE
  0, 1, 1, 1, 3, // 7: C, L R, Lc Rc, Ls Rs, LFE
];

/** individual_channel_stream(common_window = 0, scale_flag = 0) (14496-3 4.4.2.7 Table 4.50) coding no band. */
function silentChannelStream(): void {
  putBits(0, 8); // global_gain (no band uses it)
  // ics_info() (Table 4.6)
  putBits(0, 1); // ics_reserved_bit
  putBits(0, 2); // window_sequence: ONLY_LONG_SEQUENCE
  putBits(0, 1); // window_shape
  putBits(0, 6); // max_sfb = 0: section_data, scale_factor_data and spectral_data are empty
  putBits(0, 1); // predictor_data_present
  putBits(0, 1); // pulse_data_present
  putBits(0, 1); // tns_data_present
  putBits(0, 1); // gain_control_data_present
}

/** A raw_data_block() (14496-3 4.4.2.1 Table 4.3) of silence for channel_configuration 1..7; its length. */
function aacSilence(channelConfiguration: u32): u32 {
  memory.fill(changetype<u32>(frame), 0, 32);
  bwInit(changetype<u32>(frame));
  const row = (channelConfiguration - 1) * 5;
  let sce: u32 = 0;
  let cpe: u32 = 0;
  let lfe: u32 = 0;
  for (let i: u32 = 0; i < 5; i++) {
    const id = <u32>unchecked(LAYOUTS[row + i]);
    if (id == Element.END) break;
    putBits(id, 3); // id_syn_ele
    if (id == Element.CPE) {
      putBits(cpe++, 4); // element_instance_tag
      putBits(0, 1); // common_window
      silentChannelStream();
      silentChannelStream();
    } else {
      putBits(id == Element.SCE ? sce++ : lfe++, 4); // element_instance_tag
      silentChannelStream();
    }
  }
  putBits(Element.END, 3); // id_syn_ele = ID_END
  return (bwPos() + 7) >> 3; // byte_alignment()
}

/**
 * The channelConfiguration of the AudioSpecificConfig (14496-3 1.6.2.1) stored for a LATM track at configBase(slot):
 * audioObjectType (5 bits: the caller has checked it is 1-4), samplingFrequencyIndex (4, and 24 more for index 15),
 * channelConfiguration (4). 0 when the track's configuration signals SBR in a backward-compatible extension (the
 * current LATM configuration, which parseLatmFrame just made this track's, has an extension rate).
 */
function latmChannelConfiguration(slot: i32): u32 {
  const asc = configBase(slot);
  if (infoU32(slot, Info.ConfigLength) < 2 || latmExtensionRate() != 0) return 0;
  const head = (<u64>load<u8>(asc) << 32) | (<u64>load<u8>(asc + 1) << 24) | (<u64>load<u8>(asc + 2) << 16) |
    (<u64>load<u8>(asc + 3) << 8) | <u64>load<u8>(asc + 4);
  const rateIndex = <u32>(head >> 31) & 0xf; // samplingFrequencyIndex, after the 5-bit audioObjectType
  const at: u32 = rateIndex == 15 ? 5 + 4 + 24 : 5 + 4; // samplingFrequency (24) for index 15
  if (infoU32(slot, Info.ConfigLength) < (at + 4 + 7) >> 3) return 0;
  return <u32>(head >> (40 - at - 4)) & 0xf; // channelConfiguration
}

/**
 * Makes the silent frame for a gap in track `slot`, just before its frame at `p` (whose header was parsed last, and
 * which holds `samples` samples); returns the samples the silent frame lasts, or 0 when the track's codec or
 * configuration has no silent frame here (the gap is then bridged as before). The frame is at silenceFrame(),
 * silenceLength bytes.
 */
export function prepareSilence(slot: i32, p: u32, samples: u32): u32 {
  const c = unchecked(codec[slot]);
  silenceLength = 0;
  if (c == Codec.Aac || c == Codec.AacLatm) {
    const objectType = infoU32(slot, Info.Profile);
    const config = c == Codec.Aac ? infoU32(slot, Info.Channels) : latmChannelConfiguration(slot);
    if (objectType < 1 || objectType > 4 || config < 1 || config > 7) return 0;
    if (samples != 1024 && samples != 960) return 0;
    silenceLength = aacSilence(config);
    return samples;
  }
  if (c == Codec.Mp2 || c == Codec.Mp3) {
    const out = changetype<u32>(frame);
    store<u8>(out, load<u8>(p)); // syncword
    store<u8>(out + 1, load<u8>(p + 1) | 1); // ID, layer, protection_bit = 1: no CRC follows
    store<u8>(out + 2, load<u8>(p + 2) & 0xfd); // bitrate_index, sampling_frequency, padding_bit = 0, private_bit
    store<u8>(out + 3, load<u8>(p + 3)); // mode, mode_extension, copyright, original/copy, emphasis
    // The frame's length for that header (the same bitrate as the frame at p, without its padding slot). Parsing
    // it replaces the fields of codecs/frame.ts: the caller has taken what it needs of the frame at p.
    if (parseMpaFrame(out, 4) != FrameParse.Header || frameLength > SILENCE_CAPACITY || frameLength < 4) return 0;
    memory.fill(out + 4, 0, frameLength - 4); // allocation / side information all zero, no ancillary data
    silenceLength = frameLength;
    return samples;
  }
  if (c == Codec.Opus) return opusSilence(slot, samples);
  if (c == Codec.Ac3 || c == Codec.Eac3) {
    // The frame at p holds `samples` (1536, or E-AC-3's 256 per block): so does its silent frame.
    silenceLength = ac3Silence(p, changetype<u32>(frame));
    return silenceLength > 0 ? samples : 0;
  }
  return 0;
}

/** The Opus packet of silence for the track's channel mapping (dOps at configBase(slot), codecs/opus.ts). */
function opusSilence(slot: i32, samples: u32): u32 {
  const dops = configBase(slot);
  const channels = <u32>load<u8>(dops + 1); // OutputChannelCount
  const family = <u32>load<u8>(dops + 10); // ChannelMappingFamily
  const streams: u32 = family == 0 ? 1 : <u32>load<u8>(dops + 11); // StreamCount
  const coupled: u32 = family == 0 ? (channels == 2 ? 1 : 0) : <u32>load<u8>(dops + 12); // CoupledCount
  if (streams == 0 || streams * 4 > SILENCE_CAPACITY) return 0;
  // RFC 6716 Table 2: CELT-only fullband configs 28..31 are 2.5, 5, 10 and 20 ms.
  let config: u32 = 31;
  let duration: u32 = 960;
  if (samples == 120 || samples == 240 || samples == 480) {
    config = samples == 120 ? 28 : samples == 240 ? 29 : 30;
    duration = samples;
  }
  const out = changetype<u32>(frame);
  let n: u32 = 0;
  for (let s: u32 = 0; s < streams; s++) {
    const stereo: u32 = s < coupled ? 1 : 0; // the coupled streams come first (RFC 7845 5.1.1)
    store<u8>(out + n++, <u8>((config << 3) | (stereo << 2))); // TOC: config, s, c = 0 (one frame)
    if (s + 1 < streams) store<u8>(out + n++, 2); // self-delimiting framing: the frame's length
    store<u8>(out + n++, 0xff); // the range coder's first bytes: silence flag = 1, nothing else is read
    store<u8>(out + n++, 0xfe);
  }
  silenceLength = n;
  return duration;
}
