// Silent AC-3 and E-AC-3 sync frames for the audio gaps of codecs/silence.ts (ATSC A/52 §5.3-5.4, Annex E;
// ETSI TS 102 366 §4.3-4.4, Annex E). Each is built for the configuration of a real frame of the track (the
// one after the gap) and is that frame's size, so the track's bit rate, sample entry and channel layout stay
// as they are:
//
// - syncinfo and bsi: AC-3 keeps fscod and frmsizecod (the frame size), bsid, bsmod, acmod, the mix levels
//   (cmixlev, surmixlev, dsurmod), lfeon and dialnorm (dialnorm2 in 1+1 mode) of the real frame, the source's
//   bits as they are; no compr, langcod, audprodi, timecod or addbsi, and copyrightb = origbs = 0 (the frame
//   is not from the original bit stream). E-AC-3 writes an independent substream 0 (strmtyp 0) with the real
//   frame's frmsiz, fscod (fscod2), numblkscod, acmod, lfeon, bsid, dialnorm (dialnorm2) and, in infomdat,
//   bsmod; no mixing metadata, no converter data, no addbsi.
// - audfrm (E-AC-3 only): AC-3 style exponent strategies (expstre 1), no AHT, one SNR offset for the frame
//   (snroffststr 0) of csnroffst = fsnroffst = 0, dither flags present (dithflage 1), bit allocation
//   parameters per block (bamode 1), no transient pre-noise, block switch, fast gain, delta bit allocation,
//   skip or spectral extension data, coupling never in use.
// - audio blocks: no block switching, dithflag 0 (a mantissa of bap 0 then decodes to exactly 0: with
//   dither a decoder would put noise there, A/52 §7.3.4), no dynamic range word (gain 0 dB), no coupling,
//   rematflg 0 in 2/0 mode. Block 0 sends exponents (D45, chbwcod 0: bins 0-72; LFE: D15, bins 0-6) that climb
//   from absexp 15 by the largest deltas to 24, the smallest scale there is, and stay there; bit allocation
//   parameters sdcycod 2, fdcycod 1, sgaincod 1, dbpbcod 2, floorcod 4 (floor 0x1f0); and SNR offsets
//   csnroffst = fsnroffst = 0 (snroffset -960, the lowest: §7.2.2.6). Every bap is then 0: for a bin of
//   exponent 24 the PSD is 0, below any mask (mask >= floor > 0); for the 16 bins below it the PSD is at most
//   3072 - 15 * 128 = 1152 while the mask there is at least the hearing threshold (>= 0x380 in those bands,
//   Table 7.17) + 960. So no mantissa is sent, and all six blocks decode to 0. Blocks 1-5 reuse all of it.
//   (ffmpeg's decoder also sets every bap to 0 outright for snroffset -960.)
// - the rest of the frame is zero: auxiliary data not used (auxdatae 0), crcrsv / encinfo 0, and the CRCs
//   (§7.10.1): AC-3 crc1 makes the CRC of the first 5/8 of the frame (after the syncword) 0 and crc2 that of
//   the rest; E-AC-3 has crc2 alone, over the whole frame after the syncword.
//
// A track with E-AC-3 dependent substreams (7.1 as 5.1 + a dependent frame) gets the independent frame only:
// for the gap the decoder plays the core's channels (silent); the real frames after it carry their dependent
// frames again.
//
// Checked with ffmpeg's ac3, ac3_fixed and eac3 decoders (CRC checks on) for the streams of ffmpeg's encoders
// (16 configurations), every AC-3 acmod and lfeon at the three rates with bsid 6 and 8, and E-AC-3 frames of
// one to six blocks: no error, 256 samples of 0 per block and channel; and with random bytes in place of the
// zeros after the last syntax element, the same (the decoder reads no further). test/node/ac3-silence.test.ts.

import { MAX_HEADER, FrameParse, frameLength, frameSamples } from './frame';
import { ac3Bsmod, ac3Enhanced, ACMOD_CHANNELS, parseAc3Frame } from './ac3';
import { brInit, readBits, skipBits } from '../util/bitreader';
import { bwInit, bwPos, putBits } from '../util/bitwriter';
import { crc16 } from '../util/crc16';

/** The largest sync frame: E-AC-3's frmsiz of 2048 words (AC-3's largest, 640 kbit/s at 32 kHz, is 3840 bytes). */
export const AC3_MAX_FRAME: u32 = 4096;

/** Exponent strategies (A/52 Table 5.12): reuse the previous block's, or new ones, one per 4 bins. */
const enum ExpStrategy {
  Reuse = 0,
  D15 = 1,
  D45 = 3,
}

/**
 * Exponent groups (A/52 §7.1.3): each codes three deltas d as 25 (d1 + 2) + 5 (d2 + 2) + (d3 + 2). From
 * absexp 15 the first group climbs +2 +2 +2 (124) and the second +2 +1 0 (117), to 24; the others keep it (62).
 */
const ABSEXP: u32 = 15;
const CLIMB: u32 = 124;
const TOP: u32 = 117;
const STAY: u32 = 62;
/** D45 groups for chbwcod 0 (endmant 73): (73 - 1) / 12. */
const CHANNEL_GROUPS: u32 = 6;

/**
 * Writes at `out` (AC3_MAX_FRAME bytes of room) a silent sync frame for the configuration of the frame at p
 * (a whole AC-3 frame, or an E-AC-3 frame of independent substream 0); returns its length, the same as the
 * frame at p, or 0 when there is none (a frame that does not parse, a dependent substream). Parses the frame at
 * p again, which replaces the fields of codecs/frame.ts.
 */
export function ac3Silence(p: u32, out: u32): u32 {
  if (parseAc3Frame(p, MAX_HEADER) != FrameParse.Header) return 0;
  const length = frameLength;
  if (length > AC3_MAX_FRAME || (ac3Enhanced && frameSamples == 0)) return 0;
  const enhanced = ac3Enhanced;
  const acmod = (<u32>load<u8>(p + (enhanced ? 4 : 6)) >> (enhanced ? 1 : 5)) & 7; // acmod
  const channels = unchecked(ACMOD_CHANNELS[acmod]); // nfchans
  memory.fill(out, 0, length);
  bwInit(out);
  let lfeon: u32;
  let blocks: u32 = 6;
  if (enhanced) {
    lfeon = <u32>load<u8>(p + 4) & 1;
    blocks = frameSamples >> 8;
    eac3Header(p, acmod, blocks);
  } else {
    lfeon = ac3Header(p, acmod);
  }
  for (let blk: u32 = 0; blk < blocks; blk++) silentBlock(blk, enhanced, acmod, channels, lfeon);
  // auxdata: none (auxdatae 0); errorcheck: crcrsv / encinfo 0, then the CRC word(s).
  if (bwPos() + 1 + 1 + 16 > length << 3) return 0; // no room for the syntax (a frame of a few words)
  if (enhanced) {
    putCrc(out + length - 2, crc16(out + 2, length - 4)); // crc2: the whole frame after the syncword
  } else {
    const words = length >> 1;
    const fiveEighths = ((words >> 1) + (words >> 3)) << 1; // bytes: A/52 §7.10.1
    putCrc(out + length - 2, crc16(out + fiveEighths, length - fiveEighths - 2)); // crc2
    putCrc(out + 2, crc1(out, fiveEighths)); // crc1, once the rest of the first 5/8 is written
  }
  return length;
}

/** AC-3 syncinfo and bsi (A/52 §5.3.1-5.3.2) after the real frame at p; returns its lfeon. */
function ac3Header(p: u32, acmod: u32): u32 {
  putBits(0x0b77, 16); // syncword
  putBits(0, 16); // crc1, written last
  putBits(<u32>load<u8>(p + 4), 8); // fscod, frmsizecod
  putBits(<u32>load<u8>(p + 5), 8); // bsid, bsmod
  // acmod, cmixlev, surmixlev, dsurmod (each where acmod has it), lfeon and dialnorm: bytes 6-7 of the frame.
  let mix: u32 = 0;
  if ((acmod & 1) != 0 && acmod != 1) mix += 2; // cmixlev
  if ((acmod & 4) != 0) mix += 2; // surmixlev
  if (acmod == 2) mix += 2; // dsurmod
  const bits = 3 + mix + 1 + 5;
  const word = (<u32>load<u8>(p + 6) << 8) | <u32>load<u8>(p + 7);
  putBits(word >> (16 - bits), bits);
  putBits(0, 1); // compre
  putBits(0, 1); // langcode
  putBits(0, 1); // audprodie
  if (acmod == 0) {
    brInit(p + 6, 10); // dialnorm2, after the first channel's fields of the real frame
    skipBits(bits);
    if (readBits(1)) skipBits(8); // compre, compr
    if (readBits(1)) skipBits(8); // langcode, langcod
    if (readBits(1)) skipBits(7); // audprodie, mixlevel, roomtyp
    putBits(readBits(5), 5); // dialnorm2
    putBits(0, 1); // compr2e
    putBits(0, 1); // langcod2e
    putBits(0, 1); // audprodi2e
  }
  putBits(0, 1); // copyrightb
  putBits(0, 1); // origbs
  putBits(0, 1); // timecod1e (xbsi1e for bsid 6)
  putBits(0, 1); // timecod2e (xbsi2e for bsid 6)
  putBits(0, 1); // addbsie
  return (word >> (16 - bits + 5)) & 1; // lfeon
}

/** E-AC-3 syncinfo, bsi and audfrm (TS 102 366 E.1.2.1-E.1.2.3) after the real frame at p. */
function eac3Header(p: u32, acmod: u32, blocks: u32): void {
  const channels = unchecked(ACMOD_CHANNELS[acmod]);
  const lfeon = <u32>load<u8>(p + 4) & 1;
  putBits(0x0b77, 16); // syncword
  putBits(0, 2); // strmtyp: independent
  putBits(0, 3); // substreamid
  putBits(((<u32>load<u8>(p + 2) & 7) << 8) | <u32>load<u8>(p + 3), 11); // frmsiz
  putBits(<u32>load<u8>(p + 4), 8); // fscod, numblkscod (fscod2), acmod, lfeon
  brInit(p + 5, 16);
  putBits(readBits(5), 5); // bsid
  putBits(readBits(5), 5); // dialnorm
  putBits(0, 1); // compre
  if (acmod == 0) {
    if (readBits(1)) skipBits(8); // compre, compr
    putBits(readBits(5), 5); // dialnorm2
    putBits(0, 1); // compr2e
  }
  putBits(0, 1); // mixmdate
  putBits(1, 1); // infomdate: for bsmod
  putBits(ac3Bsmod(), 3); // bsmod
  putBits(0, 1); // copyrightb
  putBits(0, 1); // origbs
  if (acmod == 2) putBits(0, 4); // dsurmod, dheadphonmod
  if (acmod >= 6) putBits(0, 2); // dsurexmod
  putBits(0, 1); // audprodie
  if (acmod == 0) putBits(0, 1); // audprodi2e
  if (<u32>load<u8>(p + 4) >> 6 != 3) putBits(0, 1); // sourcefscod
  if (blocks != 6) putBits(0, 1); // convsync
  putBits(0, 1); // addbsie
  // audfrm
  if (blocks == 6) {
    putBits(1, 1); // expstre: AC-3 style exponent strategies
    putBits(0, 1); // ahte
  }
  putBits(0, 2); // snroffststr: one SNR offset for the frame
  putBits(0, 1); // transproce
  putBits(0, 1); // blkswe
  putBits(1, 1); // dithflage: dither flags are sent (and are 0)
  putBits(1, 1); // bamode: bit allocation parameters are sent
  putBits(0, 1); // frmfgaincode
  putBits(0, 1); // dbaflde
  putBits(0, 1); // skipflde
  putBits(0, 1); // spxattene
  if (acmod > 1) {
    putBits(0, 1); // cplinu[0] (cplstre[0] is 1)
    for (let blk: u32 = 1; blk < blocks; blk++) putBits(0, 1); // cplstre[blk]: as before, not in use
  }
  for (let blk: u32 = 0; blk < blocks; blk++) {
    for (let ch: u32 = 0; ch < channels; ch++) putBits(blk == 0 ? ExpStrategy.D45 : ExpStrategy.Reuse, 2); // chexpstr
  }
  if (lfeon) {
    for (let blk: u32 = 0; blk < blocks; blk++) putBits(blk == 0 ? ExpStrategy.D15 : ExpStrategy.Reuse, 1); // lfeexpstr
  }
  if (blocks != 6) putBits(0, 1); // convexpstre
  else for (let ch: u32 = 0; ch < channels; ch++) putBits(0, 5); // convexpstr
  putBits(0, 6); // frmcsnroffst
  putBits(0, 4); // frmfsnroffst
  if (blocks > 1) putBits(0, 1); // blkstrtinfoe
}

/** One audblk (A/52 §5.4.3; TS 102 366 E.1.2.4) of silence: block 0 sets everything, the others reuse it. */
function silentBlock(blk: u32, enhanced: bool, acmod: u32, channels: u32, lfeon: u32): void {
  const first = blk == 0;
  if (!enhanced) for (let ch: u32 = 0; ch < channels; ch++) putBits(0, 1); // blksw
  for (let ch: u32 = 0; ch < channels; ch++) putBits(0, 1); // dithflag
  putBits(0, 1); // dynrnge
  if (acmod == 0) putBits(0, 1); // dynrng2e
  if (enhanced) {
    if (!first) putBits(0, 1); // spxstre (1 in block 0)
    else putBits(0, 1); // spxinu
  } else {
    putBits(first ? 1 : 0, 1); // cplstre
    if (first) putBits(0, 1); // cplinu
  }
  if (acmod == 2) {
    if (!enhanced || !first) putBits(first ? 1 : 0, 1); // rematstr (implied 1 in E-AC-3 block 0)
    if (first) putBits(0, 4); // rematflg[0..3]
  }
  if (!enhanced) {
    for (let ch: u32 = 0; ch < channels; ch++) putBits(first ? ExpStrategy.D45 : ExpStrategy.Reuse, 2); // chexpstr
    if (lfeon) putBits(first ? ExpStrategy.D15 : ExpStrategy.Reuse, 1); // lfeexpstr
  }
  if (first) {
    for (let ch: u32 = 0; ch < channels; ch++) putBits(0, 6); // chbwcod: bins 0-72
    for (let ch: u32 = 0; ch < channels; ch++) {
      putBits(ABSEXP, 4); // exps[ch][0]
      putBits(CLIMB, 7); // exps[ch][1]
      putBits(TOP, 7); // exps[ch][2]
      for (let grp: u32 = 3; grp <= CHANNEL_GROUPS; grp++) putBits(STAY, 7); // exps[ch][grp]
      putBits(0, 2); // gainrng
    }
    if (lfeon) {
      putBits(ABSEXP, 4); // lfeexps[0]
      putBits(CLIMB, 7); // lfeexps[1]
      putBits(TOP, 7); // lfeexps[2]
    }
  }
  putBits(first ? 1 : 0, 1); // baie
  if (first) {
    putBits(2, 2); // sdcycod
    putBits(1, 2); // fdcycod
    putBits(1, 2); // sgaincod
    putBits(2, 2); // dbpbcod
    putBits(4, 3); // floorcod
  }
  if (enhanced) {
    putBits(0, 1); // convsnroffste
    return; // no delta bit allocation or skip fields (dbaflde, skipflde 0), no mantissas
  }
  putBits(first ? 1 : 0, 1); // snroffste
  if (first) {
    putBits(0, 6); // csnroffst
    for (let ch: u32 = 0; ch < channels + lfeon; ch++) {
      putBits(0, 4); // fsnroffst / lfefsnroffst
      putBits(4, 3); // fgaincod / lfefgaincod
    }
  }
  putBits(0, 1); // deltbaie
  putBits(0, 1); // skiple
}

function putCrc(at: u32, crc: u32): void {
  store<u8>(at, <u8>(crc >> 8));
  store<u8>(at + 1, <u8>crc);
}

/**
 * crc1 of the AC-3 frame at `frame` whose first 5/8 are `bytes` long: the word at bytes 2-3 that makes the CRC
 * over bytes 2 .. bytes-1 zero. As polynomials over GF(2) with P the generator, that region is
 * crc1 * x^n + D, n the bits after crc1 and D their value, and its CRC is 0 when it is a multiple of P:
 * crc1 = D * x^-n mod P. crc16 over those bits gives D * x^16 mod P, so crc1 is that times x^-(n+16); x is
 * invertible mod P (P(0) = 1): dividing by x is a right shift, after adding P when the low bit is set.
 */
function crc1(frame: u32, bytes: u32): u32 {
  let r = crc16(frame + 4, bytes - 4);
  const n = ((bytes - 4) << 3) + 16;
  for (let i: u32 = 0; i < n; i++) r = r & 1 ? (r ^ 0x18005) >> 1 : r >> 1;
  return r;
}
