// FLAC (RFC 9639) in MP4 ("Encapsulation of FLAC in ISO Base Media File Format", xiph.org
// doc/isoflac.txt, here "isoflac"): the STREAMINFO of a Matroska A_FLAC CodecPrivate, the
// FLACSpecificBox 'dfLa' built from it (isoflac 3.3.2), the FLACSampleEntry 'fLaC' (3.3.1), and the
// block size of a frame header (RFC 9639 9.1), which is a FLAC sample's duration (isoflac 3.3.4).
//
// One Matroska block holds one FLAC frame, and one FLAC frame is one MP4 sample, unchanged
// (isoflac 3.3.3); every one is a sync sample (3.3.6.1). Frames need not hold the same number of
// samples: the last frame of a stream is usually shorter, and a variable-blocksize stream
// (blocking strategy 1) changes size at will. The track's timescale is the sample rate.

import { configBase } from '../layout';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, boxStart, Fourcc, w16, w32, wZeros } from '../mp4/writer';
import { storedConfigBox } from './audio-entry';
import { put24, put32, put8, u16be, u24be, u32be } from '../util/bytes';

/** 'fLaC' (RFC 9639 8: the stream marker) as it appears in memory, read as a big-endian u32. */
const STREAM_MARKER: u32 = 0x664c6143;
/** METADATA_BLOCK_STREAMINFO: block type 0, 34 bytes (RFC 9639 8.2). */
const STREAMINFO_LENGTH: u32 = 34;
/** dfLa payload: FullBox version and flags, the block header, STREAMINFO. */
const DFLA_LENGTH: u32 = 4 + 4 + STREAMINFO_LENGTH;

/**
 * Configures a FLAC track from a Matroska A_FLAC CodecPrivate of `len` bytes at `priv`: the stream
 * marker "fLaC" followed by the metadata blocks of the stream header, STREAMINFO first (RFC 9639 8,
 * 8.1). Stores the 'dfLa' payload at configBase(slot) (Info.ConfigLength) and fills
 * Info.SampleRate, Info.Channels and Info.BitDepth from STREAMINFO (8.2). False when the bytes do
 * not start with the marker and a 34-byte STREAMINFO, or when STREAMINFO is not usable: a sample
 * rate of 0 (allowed for non-audio, 8.2; MP4 needs a timescale), a minimum block size under 16 or a
 * maximum under the minimum (8.2: both MUST be 16..65535, the minimum not above the maximum).
 *
 * dfLa carries STREAMINFO only, flagged as the last metadata block. isoflac 3.3.2 says the native
 * metadata "should be preserved"; ffmpeg's MP4 muxer (movenc.c mov_write_dfla_tag) writes STREAMINFO
 * alone, as Chrome reads it, and so does weir: the other blocks of a Matroska CodecPrivate are
 * SEEKTABLE (offsets into a FLAC file that is not there), PADDING, PICTURE (cover art, often larger
 * than the configuration region) and VORBIS_COMMENT (tags; its WAVEFORMATEXTENSIBLE_CHANNEL_MASK,
 * a non-default speaker layout, is the one thing lost).
 */
export function configureFlac(slot: i32, priv: u32, len: u32): bool {
  if (len < 8 + STREAMINFO_LENGTH || u32be(priv) != STREAM_MARKER) return false;
  const header = priv + 4;
  // METADATA_BLOCK_HEADER (8.1): last-metadata-block flag (1), block type (7), length (24).
  if ((load<u8>(header) & 0x7f) != 0 || u24be(header + 1) != STREAMINFO_LENGTH) return false;
  const info = header + 4;
  const minBlock = u16be(info); // minimum block size
  const maxBlock = u16be(info + 2); // maximum block size
  // sample rate (20), number of channels - 1 (3), bits per sample - 1 (5), 4 bits of the total samples
  const packed = u32be(info + 10);
  const rate = packed >> 12;
  const channels = ((packed >> 9) & 7) + 1;
  const bits = ((packed >> 4) & 0x1f) + 1;
  if (minBlock < 16 || maxBlock < minBlock || rate == 0 || bits < 4) return false;
  const base = configBase(slot);
  put32(base, 0); // FullBox version 0, flags 0
  put8(base + 4, 0x80); // LastMetadataBlockFlag 1, BlockType 0 (STREAMINFO)
  put24(base + 5, STREAMINFO_LENGTH); // Length
  memory.copy(base + 8, info, STREAMINFO_LENGTH); // BlockData
  setInfoU32(slot, Info.ConfigLength, DFLA_LENGTH);
  setInfoU32(slot, Info.SampleRate, rate);
  setInfoU32(slot, Info.Channels, channels);
  setInfoU32(slot, Info.BitDepth, bits);
  return true;
}

/**
 * The samplerate field of a FLACSampleEntry (isoflac 3.3.1): the rate itself below 65536 Hz, else
 * "the greatest expressible regular division of that rate" (96 and 192 kHz are written as 48000),
 * and 65535 for a rate without one. ffmpeg writes 0 for the rates above 65535; the track's
 * timescale carries the real rate in both cases.
 */
function entryRate(rate: u32): u32 {
  let r = rate;
  while (r > 65535 && (r & 1) == 0) r >>= 1;
  return r > 65535 ? 65535 : r;
}

/** FLAC sample entry 'fLaC' (isoflac 3.3.1; AudioSampleEntry 14496-12 12.2.3) with its 'dfLa' (3.3.2). */
export function flacSampleEntry(slot: i32): void {
  const box = boxStart(Fourcc.fLaC);
  wZeros(6); // reserved
  w16(1); // data_reference_index
  w32(0); // reserved[2]
  w32(0);
  w16(infoU32(slot, Info.Channels)); // channelcount: STREAMINFO's number of channels
  w16(infoU32(slot, Info.BitDepth)); // samplesize: STREAMINFO's bits per sample
  w16(0); // pre_defined
  w16(0); // reserved
  w32(entryRate(infoU32(slot, Info.SampleRate)) << 16); // samplerate 16.16
  storedConfigBox(Fourcc.dfLa, slot); // a FullBox: its version and flags are the payload's first 4 bytes
  boxEnd(box);
}

// RFC 9639 9.1.1 block size bits 0b0010..0b0101: 576 * 2^(n-2); 0b1000..0b1111: 256 * 2^(n-8).
// 0 marks the codes read elsewhere: 0b0000 (reserved), 0b0001 (192), 0b0110 and 0b0111 (uncommon).
const BLOCK_SIZES: StaticArray<u16> = [
  0, 192, 576, 1152, 2304, 4608, 0, 0, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
];

/** CRC-8 of the frame header (RFC 9639 9.1.8): polynomial x^8 + x^2 + x + 1, initial value 0. */
function crc8(p: u32, n: u32): u32 {
  let crc: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    crc ^= <u32>load<u8>(p + i);
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/**
 * Samples in the FLAC frame whose header starts at p (`len` bytes available): the block size of
 * the frame header (RFC 9639 9.1), the duration of that MP4 sample in the track's timescale. Reads
 * the header up to its CRC-8 and checks it, so a Matroska demuxer can time frames when a block has
 * no duration of its own. 0 when the bytes are not a frame header: too short, no sync code, a
 * reserved or invalid value, a malformed coded number, an uncommon block size of 65536 (9.1.6:
 * forbidden), or a CRC that does not match.
 */
export function flacFrameSamples(p: u32, len: u32): u32 {
  if (len < 6) return 0; // sync, two bytes of codes, one-byte coded number, CRC: 6 bytes at least
  const b1 = <u32>load<u8>(p + 1);
  if (load<u8>(p) != 0xff || (b1 & 0xfe) != 0xf8) return 0; // sync code (15 bits), then 0 (reserved bit)
  const variable = b1 & 1; // blocking strategy
  const b2 = <u32>load<u8>(p + 2);
  const b3 = <u32>load<u8>(p + 3);
  const sizeCode = b2 >> 4; // block size bits (9.1.1)
  const rateCode = b2 & 0xf; // sample rate bits (9.1.2)
  if (sizeCode == 0 || rateCode == 0xf) return 0; // reserved; forbidden
  // channel bits 0b1011..0b1111 (reserved), bit depth bits 0b011 (reserved), the reserved bit set
  if (b3 >> 4 > 10 || ((b3 >> 1) & 7) == 3 || (b3 & 1) != 0) return 0;
  // Coded number (9.1.5): the frame number (fixed blocking, up to 31 bits: 6 bytes) or the first
  // sample's number (variable blocking, up to 36 bits: 7 bytes), coded like UTF-8.
  const lead = <u32>load<u8>(p + 4);
  let extra: u32 = 0;
  if (lead >= 0x80) {
    if (lead < 0xc0) return 0; // a continuation byte cannot lead
    while (extra < 7 && ((lead << (extra + 1)) & 0x80) != 0) extra++;
    if (extra > (variable ? 6 : 5)) return 0;
  }
  let i: u32 = 5;
  if (i + extra > len) return 0;
  for (let k: u32 = 0; k < extra; k++) {
    if ((load<u8>(p + i) & 0xc0) != 0x80) return 0; // continuation bytes are 10xxxxxx
    i++;
  }
  let samples: u32 = <u32>unchecked(BLOCK_SIZES[sizeCode]);
  if (sizeCode == 6) {
    if (i + 1 > len) return 0;
    samples = <u32>load<u8>(p + i) + 1; // uncommon block size - 1, 8 bits (9.1.6)
    i += 1;
  } else if (sizeCode == 7) {
    if (i + 2 > len) return 0;
    const minus1 = u16be(p + i); // uncommon block size - 1, 16 bits (9.1.6)
    if (minus1 == 0xffff) return 0;
    samples = minus1 + 1;
    i += 2;
  }
  if (rateCode == 0xc) i += 1; // uncommon sample rate in kHz, 8 bits (9.1.7)
  else if (rateCode == 0xd || rateCode == 0xe) i += 2; // in Hz or tens of Hz, 16 bits
  if (i + 1 > len) return 0;
  if (crc8(p, i) != <u32>load<u8>(p + i)) return 0; // frame header CRC (9.1.8)
  return samples;
}
