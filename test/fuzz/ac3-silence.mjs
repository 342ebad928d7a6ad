// The silent AC-3 and E-AC-3 sync frames weir inserts into audio gaps (wasm/codecs/ac3-silence.ts), derived again
// here from the specs (ATSC A/52 §5.3-5.4 and Annex E, ETSI TS 102 366 Annex E) with no code shared with the core,
// for the fuzz checker (fmp4-check.mjs silenceOf) and the tests: from the sync frame a silent frame stands for (the
// track's frame after the gap), the frame of its size and configuration whose audio blocks code no mantissa.
//
// AC-3: syncinfo and bsi keep fscod, frmsizecod, bsid, bsmod, acmod, the mix levels, lfeon and dialnorm (dialnorm2)
// and carry nothing optional (copyrightb = origbs = 0). E-AC-3: independent substream 0 of the same frmsiz, fscod,
// numblkscod, acmod, lfeon, bsid and dialnorm (dialnorm2), with infomdat for bsmod only; audfrm with AC-3 style
// exponent strategies, dither flags, bit allocation parameters per block and one SNR offset of 0. Each block: no
// block switching, dither off, no dynamic range word, coupling and spectral extension off, rematflg 0; block 0
// sends exponents (D45 over bins 0-72, LFE D15) 15 → 24, bit allocation (sdcycod 2, fdcycod 1, sgaincod 1,
// dbpbcod 2, floorcod 4) and SNR offsets of 0, so every bap is 0; the others reuse them. Zeros to the end, then the
// CRCs (A/52 §7.10.1, generator 0x8005): AC-3 crc1 over the first 5/8 after the syncword and crc2 over the rest,
// E-AC-3 crc2 over all of it after the syncword.

/** A/52 Table 5.18: kbit/s of each frmsizecod pair; 44.1 kHz words of its even code (the odd one is a word more). */
const KBPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];
const WORDS_44K = [69, 87, 104, 121, 139, 174, 208, 243, 278, 348, 417, 487, 557, 696, 835, 975, 1114, 1253, 1393];
/** A/52 Table 5.8: full-bandwidth channels of each acmod. */
const NFCHANS = [2, 1, 2, 3, 3, 4, 4, 5];
/** Block 0's exponents of a channel (D45, bins 0-72) as [value, bits]: absexp, six groups, gainrng. */
const EXPONENTS = [
  [15, 4],
  [124, 7],
  [117, 7],
  [62, 7],
  [62, 7],
  [62, 7],
  [62, 7],
  [0, 2],
];

/**
 * CRC-16 (generator x^16 + x^15 + x^2 + 1, MSB first, register 0) of b[start, end).
 * @param {Uint8Array} b @param {number} start @param {number} end
 */
export function crc16(b, start, end) {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= /** @type {number} */ (b[i]) << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** Bytes of an AC-3 frame's first 5/8 (A/52 §7.10.1). @param {number} length */
export function fiveEighths(length) {
  const words = length >> 1;
  return ((words >> 1) + (words >> 3)) * 2;
}

/** A bit reader, MSB first, from bit `at`. @param {Uint8Array} b @param {number} at */
function reader(b, at) {
  return (/** @type {number} */ n) => {
    let v = 0;
    for (let i = 0; i < n; i++, at++) v = v * 2 + /** @type {number} */ (((b[at >> 3] ?? 0) >> (7 - (at & 7))) & 1);
    return v;
  };
}

/** A bit writer into `size` zero bytes. @param {number} size */
function writer(size) {
  const out = new Uint8Array(size);
  let at = 0;
  return {
    out,
    /** @param {number} v @param {number} n */
    put(v, n) {
      for (let i = n - 1; i >= 0; i--, at++) if ((v >> i) & 1) out[at >> 3] = (out[at >> 3] ?? 0) | (0x80 >> (at & 7));
    },
    bits: () => at,
  };
}

/**
 * The audio blocks of a silent frame. @param {ReturnType<typeof writer>} w
 * @param {{ enhanced: boolean, acmod: number, lfeon: number, blocks: number }} c
 */
function blocks(w, { enhanced, acmod, lfeon, blocks }) {
  const nf = /** @type {number} */ (NFCHANS[acmod]);
  const each = (/** @type {number} */ v, /** @type {number} */ n) => {
    for (let ch = 0; ch < nf; ch++) w.put(v, n);
  };
  for (let blk = 0; blk < blocks; blk++) {
    const first = blk === 0 ? 1 : 0;
    if (!enhanced) each(0, 1); // blksw
    each(0, 1); // dithflag
    w.put(0, acmod === 0 ? 2 : 1); // dynrnge (dynrng2e)
    if (enhanced)
      w.put(0, 1); // spxstre = 0, or in block 0 spxinu = 0
    else w.put(first ? 2 : 0, first ? 2 : 1); // cplstre (cplinu = 0)
    if (acmod === 2 && (!enhanced || !first)) w.put(first, 1); // rematstr
    if (acmod === 2 && first) w.put(0, 4); // rematflg
    if (!enhanced) {
      each(first ? 3 : 0, 2); // chexpstr: D45 / reuse
      if (lfeon) w.put(first, 1); // lfeexpstr: D15 / reuse
    }
    if (first) {
      each(0, 6); // chbwcod
      // exps: absexp 15, then the groups +2+2+2 (124), +2+1+0 (117) and 0 0 0 (62); gainrng 0
      for (let ch = 0; ch < nf; ch++) for (const [v, n] of EXPONENTS) w.put(v, n);
      if (lfeon) for (const [v, n] of EXPONENTS.slice(0, 3)) w.put(v, n); // lfeexps
      w.put(1, 1); // baie
      w.put(0b10_01_01_10_100, 11); // sdcycod fdcycod sgaincod dbpbcod floorcod
    } else {
      w.put(0, 1); // baie
    }
    if (enhanced) {
      w.put(0, 1); // convsnroffste
      continue;
    }
    w.put(first, 1); // snroffste
    if (first) {
      w.put(0, 6); // csnroffst
      for (let ch = 0; ch < nf + lfeon; ch++) w.put(0b0000_100, 7); // fsnroffst, fgaincod 4
    }
    w.put(0, 2); // deltbaie, skiple
  }
}

/** Bits of syntax (syncinfo to the last audio block) in the last frame ac3SilentFrame made: zeros follow to the CRC. */
export let syntaxBits = 0;

/**
 * The silent frame for the AC-3 or E-AC-3 sync frame `frame` (its first bytes suffice: the header), or null when
 * it has none (not a sync frame, an E-AC-3 dependent or further independent substream).
 * @param {Uint8Array} frame
 * @returns {Uint8Array | null}
 */
export function ac3SilentFrame(frame) {
  if (frame[0] !== 0x0b || frame[1] !== 0x77 || frame.length < 8) return null;
  const bsid = /** @type {number} */ (frame[5]) >> 3;
  if (bsid <= 8) return ac3(frame);
  if (bsid >= 11 && bsid <= 16) return eac3(frame);
  return null;
}

/** @param {Uint8Array} frame */
function ac3(frame) {
  const read = reader(frame, 32);
  const fscod = read(2);
  const frmsizecod = read(6);
  if (fscod === 3 || frmsizecod > 37) return null;
  const kbps = /** @type {number} */ (KBPS[frmsizecod >> 1]);
  const words =
    fscod === 0
      ? kbps * 2
      : fscod === 2
        ? kbps * 3
        : /** @type {number} */ (WORDS_44K[frmsizecod >> 1]) + (frmsizecod & 1);
  const length = words * 2;
  const w = writer(length);
  w.put(0x0b77, 16); // syncword
  w.put(0, 16); // crc1
  w.put(fscod, 2);
  w.put(frmsizecod, 6);
  w.put(read(5), 5); // bsid
  w.put(read(3), 3); // bsmod
  const acmod = read(3);
  w.put(acmod, 3);
  if (acmod & 1 && acmod !== 1) w.put(read(2), 2); // cmixlev
  if (acmod & 4) w.put(read(2), 2); // surmixlev
  if (acmod === 2) w.put(read(2), 2); // dsurmod
  const lfeon = read(1);
  w.put(lfeon, 1);
  w.put(read(5), 5); // dialnorm
  w.put(0, 3); // compre, langcode, audprodie
  if (acmod === 0) {
    if (read(1)) read(8); // compre, compr
    if (read(1)) read(8); // langcode, langcod
    if (read(1)) read(7); // audprodie, mixlevel, roomtyp
    w.put(read(5), 5); // dialnorm2
    w.put(0, 3); // compr2e, langcod2e, audprodi2e
  }
  w.put(0, 5); // copyrightb, origbs, timecod1e, timecod2e, addbsie
  blocks(w, { enhanced: false, acmod, lfeon, blocks: 6 });
  syntaxBits = w.bits();
  return setCrcs(w.out);
}

/** @param {Uint8Array} frame */
function eac3(frame) {
  const read = reader(frame, 16);
  const strmtyp = read(2);
  const substreamid = read(3);
  const frmsiz = read(11);
  if (strmtyp === 1 || strmtyp === 3 || substreamid !== 0) return null;
  const length = (frmsiz + 1) * 2;
  const fscod = read(2);
  const fscod2OrBlocks = read(2); // fscod2 at the reduced rates (six blocks), else numblkscod
  const numblkscod = fscod === 3 ? 3 : fscod2OrBlocks;
  const nblocks = /** @type {number} */ ([1, 2, 3, 6][numblkscod]);
  const acmod = read(3);
  const lfeon = read(1);
  const bsid = read(5);
  const dialnorm = read(5);
  // bsmod: in informational metadata, after the mixing metadata (TS 102 366 E.1.2.2); 0 without it.
  if (read(1)) read(8); // compre, compr
  let dialnorm2 = 0;
  if (acmod === 0) {
    dialnorm2 = read(5);
    if (read(1)) read(8); // compr2e, compr2
  }
  if (read(1)) {
    // mixmdate: skipped field by field
    if (acmod > 2) read(2); // dmixmod
    if (acmod & 1 && acmod > 2) read(6); // ltrtcmixlev, lorocmixlev
    if (acmod & 4) read(6); // ltrtsurmixlev, lorosurmixlev
    if (lfeon && read(1)) read(5); // lfemixlevcode, lfemixlevcod
    if (strmtyp === 0) {
      if (read(1)) read(6); // pgmscle, pgmscl
      if (acmod === 0 && read(1)) read(6); // pgmscl2e, pgmscl2
      if (read(1)) read(6); // extpgmscle, extpgmscl
      const mixdef = read(2);
      if (mixdef === 1) read(5);
      else if (mixdef === 2) read(12);
      else if (mixdef === 3) read(8 * (read(5) + 2));
      if (acmod < 2) {
        if (read(1)) read(14); // paninfoe, panmean, paninfo
        if (acmod === 0 && read(1)) read(14); // paninfo2e
      }
      if (read(1)) for (let b = 0; b < nblocks; b++) if (nblocks === 1 || read(1)) read(5); // frmmixcfginfoe
    }
  }
  const bsmod = read(1) ? read(3) : 0; // infomdate, bsmod
  const w = writer(length);
  w.put(0x0b77, 16); // syncword
  w.put(0, 5); // strmtyp, substreamid
  w.put(frmsiz, 11);
  w.put(/** @type {number} */ (frame[4]), 8); // fscod, numblkscod (fscod2), acmod, lfeon
  w.put(bsid, 5);
  w.put(dialnorm, 5);
  w.put(0, 1); // compre
  if (acmod === 0) w.put(dialnorm2 << 1, 6); // dialnorm2, compr2e
  w.put(0, 1); // mixmdate
  w.put(1, 1); // infomdate
  w.put(bsmod << 2, 5); // bsmod, copyrightb, origbs
  if (acmod === 2) w.put(0, 4); // dsurmod, dheadphonmod
  if (acmod >= 6) w.put(0, 2); // dsurexmod
  w.put(0, acmod === 0 ? 2 : 1); // audprodie (audprodi2e)
  if (fscod !== 3) w.put(0, 1); // sourcefscod
  if (nblocks !== 6) w.put(0, 1); // convsync
  w.put(0, 1); // addbsie
  if (nblocks === 6) w.put(0b10, 2); // expstre 1, ahte 0
  w.put(0b00_0_0_1_1_0_0_0_0, 10); // snroffststr, transproce, blkswe, dithflage, bamode, frmfgaincode, dbaflde, skipflde, spxattene
  if (acmod > 1) w.put(0, nblocks); // cplinu[0], cplstre[1..]
  for (let b = 0; b < nblocks; b++)
    for (let ch = 0; ch < /** @type {number} */ (NFCHANS[acmod]); ch++) w.put(b ? 0 : 3, 2); // chexpstr
  if (lfeon) for (let b = 0; b < nblocks; b++) w.put(b ? 0 : 1, 1); // lfeexpstr
  w.put(0, nblocks === 6 ? 5 * /** @type {number} */ (NFCHANS[acmod]) : 1); // convexpstr / convexpstre
  w.put(0, 10); // frmcsnroffst, frmfsnroffst
  if (nblocks > 1) w.put(0, 1); // blkstrtinfoe
  blocks(w, { enhanced: true, acmod, lfeon, blocks: nblocks });
  syntaxBits = w.bits();
  return setCrcs(w.out);
}

/**
 * Writes the CRC words of the AC-3 or E-AC-3 sync frame `f` (A/52 §7.10.1) and returns it: AC-3 crc2 makes the CRC of
 * the last 3/8 zero and crc1 that of the first 5/8 after the syncword (crc1 = D x^-(n+16) mod P, D x^16 mod P being the
 * CRC of the n bits after crc1); E-AC-3 crc2 that of the whole frame after the syncword.
 * @param {Uint8Array} f
 */
export function setCrcs(f) {
  const length = f.length;
  const enhanced = /** @type {number} */ (f[5]) >> 3 > 10;
  const split = enhanced ? 2 : fiveEighths(length);
  const crc2 = crc16(f, split, length - 2);
  f.set([crc2 >> 8, crc2 & 0xff], length - 2);
  if (enhanced) return f;
  let crc1 = crc16(f, 4, split);
  for (let i = 0; i < (split - 4) * 8 + 16; i++) crc1 = crc1 & 1 ? (crc1 ^ 0x18005) >>> 1 : crc1 >>> 1;
  f.set([crc1 >> 8, crc1 & 0xff], 2);
  return f;
}

/**
 * The PCM samples of `data` when it is a silent frame (the one ac3SilentFrame derives from its own header), else 0.
 * @param {Uint8Array} data
 */
export function ac3SilenceSamples(data) {
  const expected = ac3SilentFrame(data);
  if (!expected || expected.length !== data.length) return 0;
  if (!Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(expected)) return 0;
  return /** @type {number} */ (data[5]) >> 3 <= 8 ? 1536 : [1, 2, 3, 6][fscodBlocks(data)] * 256;
}

/** numblkscod of an E-AC-3 frame (3 at the reduced rates). @param {Uint8Array} data */
function fscodBlocks(data) {
  const b4 = /** @type {number} */ (data[4]);
  return b4 >> 6 === 3 ? 3 : (b4 >> 4) & 3;
}
