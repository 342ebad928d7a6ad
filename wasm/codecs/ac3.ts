// AC-3 and Enhanced AC-3 sync frames (ATSC A/52 §5.3-5.4 and Annex E; ETSI TS 102 366 §4.3-4.4 and
// Annex E): header parsing for the framing in mpegts/audio.ts, and the sample entries 'ac-3' + 'dac3'
// and 'ec-3' + 'dec3' of TS 102 366 Annex F.
//
// A whole sync frame, syncinfo included, is the MP4 sample (Annex F): skip is always 0. An AC-3 frame
// holds 1536 samples. An E-AC-3 frame holds 1, 2, 3 or 6 blocks of 256; the frames of dependent
// substreams (and of further independent substreams, other programs of the same bit stream) cover the
// same time as the frame of independent substream 0 before them, so they report 0 samples and join
// its MP4 sample (frame.ts).
//
// Annex F.3 makes an E-AC-3 MP4 sample six blocks (1536 samples): frames of fewer blocks report their own
// samples here, and mpegts/audio.ts joins consecutive ones into six-block samples. ffmpeg's encoder and
// the broadcast streams we know use six blocks per frame.

import { configBase } from '../layout';
import { FrameParse, MAX_HEADER, setFrame } from './frame';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, Fourcc } from '../mp4/writer';
import { audioEntryStart, storedConfigBox } from './audio-entry';
import { brInit, overrun, readBits, skipBits } from '../util/bitreader';
import { put8, u16be } from '../util/bytes';

// A/52 Table 5.18 (frame size code table): the nominal bit rate of each pair of frmsizecod values, kbit/s.
const BIT_RATES: StaticArray<u32> = [
  32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640,
];
// Table 5.18, fs = 44.1 kHz column: 16-bit words of the even frmsizecod of each pair (the odd one is a
// word longer). At 48 and 32 kHz a frame is exactly 2 and 3 words per kbit/s.
const WORDS_44K: StaticArray<u32> = [
  69, 87, 104, 121, 139, 174, 208, 243, 278, 348, 417, 487, 557, 696, 835, 975, 1114, 1253, 1393,
];
// A/52 Table 5.6 (fscod; 3 is reserved). E-AC-3's fscod2 (Annex E, used when fscod is 3) selects half of these.
const RATES: StaticArray<u32> = [48000, 44100, 32000];
// A/52 Table 5.8 (acmod → full-bandwidth channels, nfchans; 1+1 dual mono is two).
export const ACMOD_CHANNELS: StaticArray<u32> = [2, 1, 2, 3, 3, 4, 4, 5];
// E-AC-3 numblkscod (Annex E bsi semantics) → audio blocks per sync frame.
const BLOCKS: StaticArray<u32> = [1, 2, 3, 6];

/** Fields of the last sync frame parsed by parseAc3Frame. */
export let ac3Enhanced: bool = false; // E-AC-3 (bsid 11..16) rather than AC-3 (bsid 0..8)
let lastFscod: u32 = 0;
let lastBsid: u32 = 0;
let lastBsmod: u32 = 0;
let lastAcmod: u32 = 0;
let lastLfeon: u32 = 0;
let lastFrmsizecod: u32 = 0; // AC-3 only
let lastStrmtyp: u32 = 0; // E-AC-3 only
let lastSubstreamId: u32 = 0; // E-AC-3 only
let lastRate: u32 = 0;
let lastLength: u32 = 0;
let lastSamples: u32 = 0; // per frame, 0 for a frame that joins the sample before

/** bsmod of the last sync frame parsed (E-AC-3: from its informational metadata, else 0). */
export function ac3Bsmod(): u32 {
  return lastBsmod;
}

/**
 * FrameParse for AC-3 and E-AC-3: the sync frame at p, reading at most avail bytes. Both syntaxes
 * start with syncword 0x0B77 and keep bsid in the same five bits (bits 40-44), which is how a decoder
 * tells them apart (A/52 Annex E), so one parser takes both.
 */
export function parseAc3Frame(p: u32, avail: u32): i32 {
  if (avail < 1) return FrameParse.NeedMore;
  if (load<u8>(p) != 0x0b) return FrameParse.NotHeader; // syncword
  if (avail < 2) return FrameParse.NeedMore;
  if (load<u8>(p + 1) != 0x77) return FrameParse.NotHeader;
  if (avail < 6) return FrameParse.NeedMore;
  const bsid = <u32>load<u8>(p + 5) >> 3; // bsid
  // 0..8: AC-3 (8 is the standard value, 6 the alternate bsi syntax of A/52 Annex D). 11..16: E-AC-3
  // (16; an E-AC-3 decoder also takes 11..15). 9 and 10, the reduced rates some decoders accept as an
  // AC-3 extension, and 17..31 are refused.
  if (bsid <= 8) return parseAc3(p, avail, bsid);
  if (bsid >= 11 && bsid <= 16) return parseEac3(p, avail, bsid);
  return FrameParse.NotHeader;
}

/** AC-3 syncinfo (A/52 5.3.1) and the start of bsi (5.3.2), 6 bytes of the header already available. */
function parseAc3(p: u32, avail: u32, bsid: u32): i32 {
  const b4 = <u32>load<u8>(p + 4); // after crc1
  const fscod = b4 >> 6; // fscod
  const frmsizecod = b4 & 0x3f; // frmsizecod
  if (fscod == 3 || frmsizecod > 37) return FrameParse.NotHeader; // reserved
  if (avail < 8) return FrameParse.NeedMore;
  const bsmod = <u32>load<u8>(p + 5) & 7; // bsmod
  // acmod and lfeon, with up to three 2-bit fields between them, all in bytes 6-7.
  const bits = u16be(p + 6);
  const acmod = bits >> 13; // acmod
  let pos: u32 = 3;
  if ((acmod & 1) != 0 && acmod != 1) pos += 2; // cmixlev: three front channels
  if ((acmod & 4) != 0) pos += 2; // surmixlev: a surround channel
  if (acmod == 2) pos += 2; // dsurmod: 2/0 mode
  const lfeon = (bits >> (15 - pos)) & 1; // lfeon
  const pair = frmsizecod >> 1;
  const kbps = unchecked(BIT_RATES[pair]);
  const words = fscod == 0 ? kbps * 2 : fscod == 2 ? kbps * 3 : unchecked(WORDS_44K[pair]) + (frmsizecod & 1);
  ac3Enhanced = false;
  lastFscod = fscod;
  lastBsid = bsid;
  lastBsmod = bsmod;
  lastAcmod = acmod;
  lastLfeon = lfeon;
  lastFrmsizecod = frmsizecod;
  lastStrmtyp = 0;
  lastSubstreamId = 0;
  lastRate = unchecked(RATES[fscod]);
  lastLength = words * 2;
  lastSamples = 1536;
  setFrame(lastLength, 0, lastSamples, lastRate, unchecked(ACMOD_CHANNELS[acmod]) + lfeon);
  return FrameParse.Header;
}

/** E-AC-3 syncinfo and bsi (TS 102 366 E.1.2.1-E.1.2.2) up to bsmod, 6 bytes already available. */
function parseEac3(p: u32, avail: u32, bsid: u32): i32 {
  const b2 = <u32>load<u8>(p + 2);
  const b4 = <u32>load<u8>(p + 4);
  const strmtyp = b2 >> 6; // strmtyp
  if (strmtyp == 3) return FrameParse.NotHeader; // reserved
  const substreamId = (b2 >> 3) & 7; // substreamid
  const length = ((((b2 & 7) << 8) | <u32>load<u8>(p + 3)) + 1) * 2; // frmsiz: words - 1
  const fscod = b4 >> 6; // fscod
  let rate: u32;
  let numblkscod: u32;
  if (fscod == 3) {
    const fscod2 = (b4 >> 4) & 3; // fscod2: the half rates
    if (fscod2 == 3) return FrameParse.NotHeader; // reserved
    rate = unchecked(RATES[fscod2]) >> 1;
    numblkscod = 3; // six blocks per frame at the half rates
  } else {
    rate = unchecked(RATES[fscod]);
    numblkscod = (b4 >> 4) & 3; // numblkscod
  }
  const acmod = (b4 >> 1) & 7; // acmod
  const lfeon = b4 & 1; // lfeon
  // The rest of bsi up to bsmod, within the frame and the bytes any parser may ask for.
  const frameLimit = length < MAX_HEADER ? length : MAX_HEADER;
  brInit(p, avail < frameLimit ? avail : frameLimit);
  skipBits(45); // syncword, strmtyp .. bsid
  const bsmod = eac3Bsmod(strmtyp, acmod, lfeon, numblkscod);
  if (overrun) return avail < frameLimit ? FrameParse.NeedMore : FrameParse.NotHeader;
  ac3Enhanced = true;
  lastFscod = fscod;
  lastBsid = bsid;
  lastBsmod = bsmod;
  lastAcmod = acmod;
  lastLfeon = lfeon;
  lastFrmsizecod = 0;
  lastStrmtyp = strmtyp;
  lastSubstreamId = substreamId;
  // Only independent substream 0 advances time (see the head of this file).
  const leads = strmtyp != 1 && substreamId == 0;
  lastRate = rate;
  lastLength = length;
  lastSamples = leads ? unchecked(BLOCKS[numblkscod]) * 256 : 0;
  setFrame(length, 0, lastSamples, rate, unchecked(ACMOD_CHANNELS[acmod]) + lfeon);
  return FrameParse.Header;
}

/**
 * Reads E-AC-3 bsi from dialnorm to bsmod (TS 102 366 E.1.2.2), the bit reader placed after bsid.
 * bsmod is only present with informational metadata; without it the stream is a complete main
 * service (bsmod 0).
 */
function eac3Bsmod(strmtyp: u32, acmod: u32, lfeon: u32, numblkscod: u32): u32 {
  skipBits(5); // dialnorm
  if (readBits(1)) skipBits(8); // compre, compr
  if (acmod == 0) {
    skipBits(5); // dialnorm2
    if (readBits(1)) skipBits(8); // compr2e, compr2
  }
  if (strmtyp == 1 && readBits(1)) skipBits(16); // chanmape, chanmap
  if (readBits(1)) {
    // mixmdate: mixing metadata
    if (acmod > 2) skipBits(2); // dmixmod
    if ((acmod & 1) != 0 && acmod > 2) skipBits(6); // ltrtcmixlev, lorocmixlev
    if ((acmod & 4) != 0) skipBits(6); // ltrtsurmixlev, lorosurmixlev
    if (lfeon && readBits(1)) skipBits(5); // lfemixlevcode, lfemixlevcod
    if (strmtyp == 0) {
      if (readBits(1)) skipBits(6); // pgmscle, pgmscl
      if (acmod == 0 && readBits(1)) skipBits(6); // pgmscl2e, pgmscl2
      if (readBits(1)) skipBits(6); // extpgmscle, extpgmscl
      const mixdef = readBits(2); // mixdef
      if (mixdef == 1) skipBits(5); // premixcmpsel, drcsrc, premixcmpscl
      else if (mixdef == 2) skipBits(12); // mixdata
      else if (mixdef == 3) skipBits(8 * (readBits(5) + 2)); // mixdeflen, mixdata
      if (acmod < 2) {
        if (readBits(1)) skipBits(14); // paninfoe, panmean, paninfo
        if (acmod == 0 && readBits(1)) skipBits(14); // paninfo2e, panmean2, paninfo2
      }
      if (readBits(1)) {
        // frmmixcfginfoe
        if (numblkscod == 0) skipBits(5); // blkmixcfginfo[0]
        else {
          const blocks = unchecked(BLOCKS[numblkscod]);
          for (let blk: u32 = 0; blk < blocks; blk++) {
            if (readBits(1)) skipBits(5); // blkmixcfginfoe, blkmixcfginfo
          }
        }
      }
    }
  }
  if (readBits(1)) return readBits(3); // infomdate, bsmod
  return 0;
}

/**
 * Configures an AC-3 track from the last parsed frame: rate, channels and the AC3SpecificBox payload
 * (TS 102 366 F.4) at configBase(slot). False when that frame was not AC-3.
 */
export function configureAc3(slot: i32): bool {
  if (ac3Enhanced) return false;
  const base = configBase(slot);
  // fscod (2), bsid (5), bsmod (3), acmod (3), lfeon (1), bit_rate_code (5), reserved (5): 24 bits.
  const v =
    (lastFscod << 22) |
    (lastBsid << 17) |
    (lastBsmod << 14) |
    (lastAcmod << 11) |
    (lastLfeon << 10) |
    ((lastFrmsizecod >> 1) << 5); // bit_rate_code: frmsizecod without its 44.1 kHz padding bit
  put8(base, v >> 16);
  put8(base + 1, v >> 8);
  put8(base + 2, v);
  setInfoU32(slot, Info.ConfigLength, 3);
  setInfoU32(slot, Info.SampleRate, lastRate);
  setInfoU32(slot, Info.Channels, unchecked(ACMOD_CHANNELS[lastAcmod]) + lastLfeon);
  return true;
}

/**
 * Configures an E-AC-3 track from the last parsed frame, which must be of independent substream 0:
 * rate, channels and the EC3SpecificBox payload (TS 102 366 F.6) at configBase(slot). False otherwise.
 *
 * The box describes one independent substream (num_ind_sub = 0) without dependent substreams
 * (num_dep_sub = 0): a stream whose dependent substream adds channels (7.1 as 5.1 + a dependent
 * frame) is described by its 5.1 core, as is Info.Channels. Decoders take the layout from the bit
 * stream itself; only the signalled channel count is low. Writing num_dep_sub and chan_loc needs the
 * dependent frame's chanmap, which a configuration from the first frame alone does not see.
 */
export function configureEac3(slot: i32): bool {
  if (!ac3Enhanced || lastStrmtyp == 1 || lastSubstreamId != 0) return false;
  const base = configBase(slot);
  // data_rate (13): the frame's kbit/s, rounded up. The field is the stream's (peak) data rate; with
  // one frame seen, its own rate is the best estimate. At 44.1 kHz frames alternate between two sizes
  // a word apart, and rounding up gives the nominal rate, which is what ffmpeg's maximum comes to.
  const bits = <u64>lastLength * 8 * <u64>lastRate;
  const perKbit = <u64>lastSamples * 1000;
  const dataRate = <u32>((bits + perKbit - 1) / perKbit);
  put8(base, (dataRate >> 5) & 0xff); // data_rate (13)...
  put8(base + 1, (dataRate & 0x1f) << 3); // ...data_rate, num_ind_sub (3) = 0: one independent substream
  put8(base + 2, (lastFscod << 6) | (lastBsid << 1)); // fscod (2), bsid (5), reserved (1)
  // asvc (1) = 0 (a main service), bsmod (3), acmod (3), lfeon (1)
  put8(base + 3, (lastBsmod << 4) | (lastAcmod << 1) | lastLfeon);
  put8(base + 4, 0); // reserved (3), num_dep_sub (4) = 0, reserved (1)
  setInfoU32(slot, Info.ConfigLength, 5);
  setInfoU32(slot, Info.SampleRate, lastRate);
  setInfoU32(slot, Info.Channels, unchecked(ACMOD_CHANNELS[lastAcmod]) + lastLfeon);
  return true;
}

/** AC-3 sample entry 'ac-3' with its AC3SpecificBox 'dac3' (TS 102 366 F.3, F.4). */
export function ac3SampleEntry(slot: i32): void {
  // F.3: channelcount and samplesize are not used and keep the AudioSampleEntry values 2 and 16.
  const box = audioEntryStart(Fourcc.ac_3, 2, infoU32(slot, Info.SampleRate));
  storedConfigBox(Fourcc.dac3, slot);
  boxEnd(box);
}

/** E-AC-3 sample entry 'ec-3' with its EC3SpecificBox 'dec3' (TS 102 366 F.5, F.6). */
export function eac3SampleEntry(slot: i32): void {
  const box = audioEntryStart(Fourcc.ec_3, 2, infoU32(slot, Info.SampleRate)); // F.5: as F.3
  storedConfigBox(Fourcc.dec3, slot);
  boxEnd(box);
}
