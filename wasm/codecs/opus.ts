// Opus in MPEG-2 TS (the Opus project's draft ETSI TS "Encapsulation of Opus in MPEG-2 Transport
// Stream", opus_in_ts v0.1, 2014): the opus_control_header before each access unit and the TOC byte of
// the Opus packet after it (RFC 6716 3.1), for the framing in mpegts/audio.ts; and the sample entry
// 'Opus' + 'dOps' ("Encapsulation of Opus in ISO Base Media File Format" 4.3.1-4.3.2), built from the
// channel_config_code of the PMT's opus_audio_descriptor (opus_in_ts Table 4-2) and the first
// packet's start_trim.
//
// The control header is not part of the MP4 sample: skip = its length. Channels are said by the PMT,
// not by the packets: the parser reports 0.

import { configBase } from '../layout';
import { FrameParse, MAX_HEADER, setFrame } from './frame';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, Fourcc } from '../mp4/writer';
import { audioEntryStart, storedConfigBox } from './audio-entry';
import { put16, put32, put8 } from '../util/bytes';

/** Opus counts time at 48 kHz whatever rate it is decoded at (RFC 7845 4); every duration here is in 48 kHz samples. */
export const OPUS_RATE: u32 = 48000;

// RFC 6716 3.1 Table 2: frame size of each TOC config in units of 2.5 ms (120 samples at 48 kHz).
// SILK-only 0..11: 10, 20, 40, 60 ms; Hybrid 12..15: 10, 20 ms; CELT-only 16..31: 2.5, 5, 10, 20 ms.
const FRAME_UNITS: StaticArray<u8> = [
  4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8,
];
/** RFC 6716 3.2.5 [R5]: a packet holds at most 120 ms. */
const MAX_PACKET_SAMPLES: u32 = 5760;

// RFC 7845 5.1.1.2 (channel mapping family 1, Vorbis channel order) for 3..8 channels, the same table
// the opus_in_ts draft gives for channel_config_code 3..8: stream count, coupled stream count, and
// the channel mapping (8 bytes a row, `channels` of them used).
const FAMILY1_STREAMS: StaticArray<u8> = [2, 2, 3, 4, 4, 5];
const FAMILY1_COUPLED: StaticArray<u8> = [1, 2, 2, 2, 3, 3];
const FAMILY1_MAPPING: StaticArray<u8> = [
  0, 2, 1, 0, 0, 0, 0, 0, // 3: L, C, R
  0, 1, 2, 3, 0, 0, 0, 0, // 4: FL, FR, RL, RR
  0, 4, 1, 2, 3, 0, 0, 0, // 5: FL, C, FR, RL, RR
  0, 4, 1, 2, 3, 5, 0, 0, // 6: 5.1
  0, 4, 1, 2, 3, 5, 6, 0, // 7: 6.1
  0, 6, 1, 2, 3, 4, 5, 7, // 8: 7.1
];

/** Fields of the last packet parsed by parseOpusFrame: its trims (0 when not flagged), 48 kHz samples. */
export let opusStartTrim: u32 = 0;
export let opusEndTrim: u32 = 0;

/**
 * FrameParse for Opus in TS: opus_control_header (opus_in_ts: control_header_prefix 0x3FF in 11
 * bits, start_trim_flag, end_trim_flag, control_extension_flag, 2 reserved bits, au_size as a run of
 * 0xFF bytes and a last byte, the trims, the extension) and the first bytes of the packet after it.
 * A header that would need more than MAX_HEADER bytes to decide is refused (NotHeader): its au_size
 * would be over 15 KB, which only a 120 ms access unit at more than 1 Mbit/s reaches.
 */
export function parseOpusFrame(p: u32, avail: u32): i32 {
  if (avail < 1) return FrameParse.NeedMore;
  if (load<u8>(p) != 0x7f) return FrameParse.NotHeader; // control_header_prefix, 8 of 11 bits
  if (avail < 2) return FrameParse.NeedMore;
  const flags = <u32>load<u8>(p + 1);
  if ((flags & 0xe0) != 0xe0) return FrameParse.NotHeader; // the last 3 bits of the prefix
  let i: u32 = 2;
  let auSize: u32 = 0;
  // au_size: each 0xFF byte adds 255 and says another byte follows.
  while (true) {
    if (i >= MAX_HEADER) return FrameParse.NotHeader;
    if (i >= avail) return FrameParse.NeedMore;
    const b = <u32>load<u8>(p + i);
    i++;
    auSize += b;
    if (b != 0xff) break;
  }
  let startTrim: u32 = 0;
  let endTrim: u32 = 0;
  if ((flags & 0x10) != 0) {
    // start_trim_flag: 3 reserved bits, start_trim (13)
    if (i + 2 > MAX_HEADER) return FrameParse.NotHeader;
    if (i + 2 > avail) return FrameParse.NeedMore;
    startTrim = ((<u32>load<u8>(p + i) << 8) | <u32>load<u8>(p + i + 1)) & 0x1fff;
    i += 2;
  }
  if ((flags & 0x08) != 0) {
    // end_trim_flag: 3 reserved bits, end_trim (13)
    if (i + 2 > MAX_HEADER) return FrameParse.NotHeader;
    if (i + 2 > avail) return FrameParse.NeedMore;
    endTrim = ((<u32>load<u8>(p + i) << 8) | <u32>load<u8>(p + i + 1)) & 0x1fff;
    i += 2;
  }
  if ((flags & 0x04) != 0) {
    // control_extension_flag: control_extension_length (8), then that many bytes
    if (i >= MAX_HEADER) return FrameParse.NotHeader;
    if (i >= avail) return FrameParse.NeedMore;
    i += 1 + <u32>load<u8>(p + i);
  }
  const headerLength = i;
  // The packet's TOC byte (RFC 6716 3.1): config (5), s (1), c (2). Code 3 adds the frame count byte.
  if (auSize == 0) return FrameParse.NotHeader; // a packet has at least its TOC byte ([R1])
  if (i >= MAX_HEADER) return FrameParse.NotHeader;
  if (i >= avail) return FrameParse.NeedMore;
  const toc = <u32>load<u8>(p + i);
  const code = toc & 3;
  let frames: u32 = code == 0 ? 1 : 2; // code 1: two equal frames, 2: two frames of different sizes
  if (code == 3) {
    // RFC 6716 3.2.5: a code 3 packet has a frame count byte after the TOC: v (1), p (1), M (6).
    if (auSize < 2) return FrameParse.NotHeader;
    if (i + 1 >= MAX_HEADER) return FrameParse.NotHeader;
    if (i + 1 >= avail) return FrameParse.NeedMore;
    frames = <u32>load<u8>(p + i + 1) & 0x3f;
    if (frames == 0) return FrameParse.NotHeader; // [R5]: at least one frame
  }
  const samples = frames * 120 * <u32>unchecked(FRAME_UNITS[toc >> 3]);
  if (samples > MAX_PACKET_SAMPLES) return FrameParse.NotHeader; // [R5]: at most 120 ms
  opusStartTrim = startTrim;
  opusEndTrim = endTrim;
  setFrame(headerLength + auSize, headerLength, samples, OPUS_RATE, 0);
  return FrameParse.Header;
}

/**
 * Configures an Opus track: Info.SampleRate (48000), Info.Channels and the OpusSpecificBox payload
 * (Opus in ISOBMFF 4.3.2) at configBase(slot), from the PMT's channel_config_code and the packet
 * parsed last, which should be the track's first (its start_trim is the PreSkip).
 *
 * channel_config_code (opus_audio_descriptor, opus_in_ts Table 4-2): 1..8 are that many channels in
 * the standard layouts (mapping family 0 for 1-2, family 1 for 3-8). 0xFF, which the caller passes
 * when there is no descriptor, and the reserved 0x09..0x7F are taken as stereo. Not supported (false):
 * 0x00, dual mono, whose stream layout ffmpeg and VLC read differently; 0x81, a mapping spelled out in
 * the descriptor; and the other codes from 0x80, which only VLC reads (as uncoupled streams).
 *
 * PreSkip is the first packet's start_trim, or 0 without one. An encoder's priming is signalled by
 * start_trim at the start of a TS stream (ffmpeg's muxer writes its 312); a segment cut from the
 * middle of a stream has none and must not lose its first samples. ffmpeg's TS demuxer ignores
 * start_trim and writes PreSkip 0 in both cases.
 */
export function configureOpus(slot: i32, channelConfigCode: u32): bool {
  let channels: u32;
  if (channelConfigCode >= 1 && channelConfigCode <= 8) channels = channelConfigCode;
  else if (channelConfigCode == 0xff || (channelConfigCode >= 0x09 && channelConfigCode <= 0x7f)) channels = 2;
  else return false;
  const base = configBase(slot);
  put8(base, 0); // Version
  put8(base + 1, channels); // OutputChannelCount
  put16(base + 2, opusStartTrim); // PreSkip
  put32(base + 4, OPUS_RATE); // InputSampleRate: not known from TS; the decoding rate
  put16(base + 8, 0); // OutputGain
  let length: u32 = 11;
  if (channels <= 2) {
    put8(base + 10, 0); // ChannelMappingFamily 0: mono or L/R stereo, one stream, no table
  } else {
    const row = channels - 3;
    put8(base + 10, 1); // ChannelMappingFamily 1: Vorbis channel order
    put8(base + 11, unchecked(FAMILY1_STREAMS[row])); // StreamCount
    put8(base + 12, unchecked(FAMILY1_COUPLED[row])); // CoupledCount
    for (let c: u32 = 0; c < channels; c++) {
      put8(base + 13 + c, unchecked(FAMILY1_MAPPING[row * 8 + c])); // ChannelMapping
    }
    length = 13 + channels;
  }
  setInfoU32(slot, Info.ConfigLength, length);
  setInfoU32(slot, Info.SampleRate, OPUS_RATE);
  setInfoU32(slot, Info.Channels, channels);
  return true;
}

/** Opus sample entry 'Opus' with its OpusSpecificBox 'dOps' (Opus in ISOBMFF 4.3.1, 4.3.2). */
export function opusSampleEntry(slot: i32): void {
  // 4.3.1: channelcount is the OutputChannelCount, samplesize 16, samplerate 48000.
  const box = audioEntryStart(Fourcc.Opus, infoU32(slot, Info.Channels), OPUS_RATE);
  storedConfigBox(Fourcc.dOps, slot); // a plain Box (not a FullBox), fields big-endian
  boxEnd(box);
}

// Opus in Matroska (A_OPUS): the CodecPrivate is the identification header of Ogg Opus, OpusHead
// (RFC 7845 5.1), and every block is one Opus packet (RFC 6716 3) without a control header.

/** 'OpusHead' (RFC 7845 5.1 Magic Signature) as a little-endian u64. */
const OPUS_HEAD_MAGIC: u64 = 0x646165487375704f;

/**
 * Configures an Opus track from an OpusHead of `len` bytes at `head` (RFC 7845 5.1): the
 * OpusSpecificBox payload (Opus in ISOBMFF 4.3.2) at configBase(slot), Info.ConfigLength,
 * Info.SampleRate 48000 (Opus always decodes to a 48 kHz timeline, RFC 7845 4) and Info.Channels.
 * False for anything that is not an OpusHead a decoder can set up from: a wrong magic, a major
 * version other than 0 (the upper 4 bits of the version, RFC 7845 5.1), no channels, mapping
 * family 0 with more than two channels (5.1.1.1), or a channel mapping table that is short or
 * names a stream that is not there (5.1.1: StreamCount > 0, CoupledCount <= StreamCount, each entry
 * below StreamCount + CoupledCount or 255 for silence). Bytes after the table are ignored.
 *
 * dOps repeats OpusHead's fields from the version on, big-endian where OpusHead is little-endian,
 * with Version 0 in place of OpusHead's version; the ChannelMappingTable (StreamCount, CoupledCount,
 * ChannelMapping) is copied as it is. ffmpeg's MP4 muxer writes the same bytes from the same head.
 *
 * PreSkip and Matroska's CodecDelay: both say how much of the decoder's output at the start is
 * encoder priming to be discarded, PreSkip in 48 kHz samples, CodecDelay (RFC 9559, an element of
 * TrackEntry) in nanoseconds: a muxer writes CodecDelay = PreSkip * 10^9 / 48000 (ffmpeg: 312
 * samples, 6500000 ns). dOps takes PreSkip from the OpusHead, which is what the decoder (and an
 * MP4 reader) discards. CodecDelay is the container's timing of the same thing: Matroska block
 * timestamps count the priming, and a block's presentation time is its timestamp minus CodecDelay.
 * That subtraction is the demuxer's job (with the audio's timeline shifted by it, audio and video
 * keep the sync the Matroska file has); this function neither needs nor checks CodecDelay.
 */
export function configureOpusFromHead(slot: i32, head: u32, len: u32): bool {
  if (len < 19 || load<u64>(head) != OPUS_HEAD_MAGIC) return false; // Magic Signature
  if ((load<u8>(head + 8) & 0xf0) != 0) return false; // Version: major version 0
  const channels = <u32>load<u8>(head + 9); // Output Channel Count
  const family = <u32>load<u8>(head + 18); // Channel Mapping Family
  if (channels == 0) return false;
  let length: u32 = 11;
  if (family == 0) {
    if (channels > 2) return false;
  } else {
    if (len < 21 + channels) return false;
    const streams = <u32>load<u8>(head + 19); // Stream Count
    const coupled = <u32>load<u8>(head + 20); // Coupled Stream Count
    if (streams == 0 || coupled > streams || streams + coupled > 255) return false;
    for (let c: u32 = 0; c < channels; c++) {
      const index = <u32>load<u8>(head + 21 + c); // Channel Mapping
      if (index != 255 && index >= streams + coupled) return false;
    }
    length = 13 + channels;
  }
  const base = configBase(slot);
  put8(base, 0); // Version
  put8(base + 1, channels); // OutputChannelCount
  put16(base + 2, <u32>load<u16>(head + 10)); // PreSkip
  put32(base + 4, load<u32>(head + 12)); // InputSampleRate
  put16(base + 8, <u32>load<u16>(head + 16)); // OutputGain (Q7.8, signed: the same 16 bits)
  put8(base + 10, family); // ChannelMappingFamily
  if (family != 0) memory.copy(base + 11, head + 19, 2 + channels); // StreamCount, CoupledCount, ChannelMapping
  setInfoU32(slot, Info.ConfigLength, length);
  setInfoU32(slot, Info.SampleRate, OPUS_RATE);
  setInfoU32(slot, Info.Channels, channels);
  return true;
}

/**
 * Samples (48 kHz) of the Opus packet of `len` bytes at p, from its TOC byte and, for code 3, its
 * frame count byte (RFC 6716 3.1, 3.2.5): what a Matroska demuxer needs to time the packets of a
 * laced block. 0 when the bytes are not a valid packet start (empty, no frame count, over 120 ms).
 */
export function opusPacketSamples(p: u32, len: u32): u32 {
  if (len == 0) return 0;
  const toc = <u32>load<u8>(p);
  const code = toc & 3;
  let frames: u32 = code == 0 ? 1 : 2;
  if (code == 3) {
    if (len < 2) return 0;
    frames = <u32>load<u8>(p + 1) & 0x3f; // M
  }
  const samples = frames * 120 * <u32>unchecked(FRAME_UNITS[toc >> 3]);
  return samples == 0 || samples > MAX_PACKET_SAMPLES ? 0 : samples;
}
