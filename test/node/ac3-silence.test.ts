// The silent AC-3 and E-AC-3 sync frames the core writes into audio gaps (wasm/codecs/ac3-silence.ts), judged by
// ffmpeg's decoders, which share no code with weir, with their CRC checks on (-err_detect crccheck+careful):
//
// - For real streams of ffmpeg's ac3 and eac3 encoders in the configurations broadcast and files carry (48 kHz
//   stereo at 192, 384 and 448 kbit/s, mono, 3/0, 2/0 + LFE, 2/2, 5.1, 44.1 kHz stereo and 5.1 (both frame sizes
//   of the 44.1 kHz frmsizecod pairs), 32 kHz; E-AC-3 stereo, mono and 5.1 at 48 and 32 kHz): the silent frame for
//   each of their frames is that frame's size; ffprobe reads the same rate, channels, layout and bit rate from a
//   stream of silent frames as from the source; it decodes (ac3, ac3_fixed; eac3) with no error line to 1536
//   samples per frame and channel, every one 0; and spliced between the source's frames (three silent frames in
//   place of three real ones) the stream decodes without an error, to the source's sample count, silent over the
//   spliced frames past the first block (the MDCT overlap of the frame before).
// - Hand-built headers for every acmod and lfeon at the three rates, bsid 8 and 6 (A/52 Annex D), and E-AC-3
//   frames of one, two, three and six blocks: silent, 256 samples per block, no error.
// - Every frame is also byte for byte the one test/fuzz/ac3-silence.mjs derives from the specs on its own, and its
//   CRCs check with a CRC-16 written here: AC-3 crc1 over the first 5/8 after the syncword, crc2 over the rest;
//   E-AC-3 crc2 over all of it.
// - With seeded random bytes in place of the zeros after the last syntax element (and the CRCs made right again) the
//   frames still decode to silence without an error: the decoders read no bit that the frame does not set.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ac3SilentFrame, setCrcs, syntaxBits } from '../fuzz/ac3-silence.mjs';
import { prng } from '../fuzz/random.mjs';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { BitWriter, loadTestCore, type TestCore, writeScratch } from '../helpers/test-core.js';

type SilenceCore = TestCore & { testAc3Silence(ptr: number, out: number): number };

let core: SilenceCore;
let tmp: string;

beforeAll(async () => {
  requireFfmpeg();
  core = (await loadTestCore()) as SilenceCore;
  tmp = mkdtempSync(join(tmpdir(), 'weir-ac3-silence-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The core's silent frame for the sync frame `frame` (empty when it makes none). */
function silentFor(frame: Uint8Array): Uint8Array {
  const at = writeScratch(core, frame);
  const out = at + 0x8000;
  const length = core.testAc3Silence(at, out) >>> 0;
  return new Uint8Array(core.memory.buffer, out, length).slice();
}

/** CRC-16, generator x^16 + x^15 + x^2 + 1, MSB first, from 0 (A/52 §7.10.1). */
function crc16(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= b[i]! << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

const enhanced = (frame: Uint8Array) => frame[5]! >> 3 > 10;

/** A sync frame's length from its header (A/52 Table 5.18; E-AC-3 frmsiz). */
function frameLength(f: Uint8Array): number {
  if (enhanced(f)) return ((((f[2]! & 7) << 8) | f[3]!) + 1) * 2;
  const kbps = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];
  const words44 = [69, 87, 104, 121, 139, 174, 208, 243, 278, 348, 417, 487, 557, 696, 835, 975, 1114, 1253, 1393];
  const fscod = f[4]! >> 6;
  const code = f[4]! & 0x3f;
  const pair = code >> 1;
  return 2 * (fscod === 0 ? kbps[pair]! * 2 : fscod === 2 ? kbps[pair]! * 3 : words44[pair]! + (code & 1));
}

/** Both CRCs of an AC-3 frame, or E-AC-3's one, check (the CRC over each region, its CRC word included, is 0). */
function crcsHold(f: Uint8Array): boolean {
  if (enhanced(f)) return crc16(f, 2, f.length) === 0;
  const words = f.length >> 1;
  const split = ((words >> 1) + (words >> 3)) * 2;
  return crc16(f, 2, split) === 0 && crc16(f, split, f.length) === 0;
}

/** The sync frames of an elementary stream. */
function frames(stream: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + 8 <= stream.length; ) {
    const length = frameLength(stream.subarray(o));
    out.push(stream.subarray(o, o + length));
    o += length;
  }
  return out;
}

interface Decoded {
  errors: string;
  pcm: Int16Array;
}

/** Decodes an AC-3 / E-AC-3 elementary stream with ffmpeg, CRCs checked, to interleaved s16. */
function decode(stream: Uint8Array, format: 'ac3' | 'eac3', decoder: string): Decoded {
  const args = ['-nostdin', '-v', 'error', '-err_detect', 'crccheck+careful', '-c:a', decoder, '-f', format];
  const r = spawnSync('ffmpeg', [...args, '-i', '-', '-f', 's16le', '-'], { input: stream, maxBuffer: 1 << 28 });
  const pcm = new Int16Array(r.stdout.buffer, r.stdout.byteOffset, r.stdout.length >> 1);
  return { errors: r.stderr.toString() + (r.status === 0 ? '' : `(exit ${r.status})`), pcm };
}

const decodersOf = (format: 'ac3' | 'eac3') => (format === 'ac3' ? ['ac3', 'ac3_fixed'] : ['eac3']);

/** What ffprobe says of the audio stream of an elementary stream file. */
function streamInfo(path: string): Record<string, unknown> {
  const s = probe(path).streams[0]!;
  const { sample_rate, channels, channel_layout, bit_rate } = s as unknown as Record<string, unknown>;
  return { sample_rate, channels, channel_layout, bit_rate };
}

interface Config {
  name: string;
  format: 'ac3' | 'eac3';
  rate: number;
  layout: string;
  channels: number;
  kbps: number;
}

const CONFIGS: Config[] = [
  { name: 'AC-3 48 kHz stereo 192 kbit/s', format: 'ac3', rate: 48000, layout: 'stereo', channels: 2, kbps: 192 },
  { name: 'AC-3 48 kHz stereo 384 kbit/s', format: 'ac3', rate: 48000, layout: 'stereo', channels: 2, kbps: 384 },
  { name: 'AC-3 48 kHz stereo 448 kbit/s', format: 'ac3', rate: 48000, layout: 'stereo', channels: 2, kbps: 448 },
  { name: 'AC-3 48 kHz mono 96 kbit/s', format: 'ac3', rate: 48000, layout: 'mono', channels: 1, kbps: 96 },
  { name: 'AC-3 48 kHz 3/0 256 kbit/s', format: 'ac3', rate: 48000, layout: '3.0', channels: 3, kbps: 256 },
  { name: 'AC-3 48 kHz 2/0 + LFE 256 kbit/s', format: 'ac3', rate: 48000, layout: '2.1', channels: 3, kbps: 256 },
  { name: 'AC-3 48 kHz 2/2 384 kbit/s', format: 'ac3', rate: 48000, layout: 'quad', channels: 4, kbps: 384 },
  { name: 'AC-3 48 kHz 5.1 448 kbit/s', format: 'ac3', rate: 48000, layout: '5.1', channels: 6, kbps: 448 },
  { name: 'AC-3 48 kHz 5.1(side) 640 kbit/s', format: 'ac3', rate: 48000, layout: '5.1(side)', channels: 6, kbps: 640 },
  { name: 'AC-3 44.1 kHz stereo 192 kbit/s', format: 'ac3', rate: 44100, layout: 'stereo', channels: 2, kbps: 192 },
  { name: 'AC-3 44.1 kHz 5.1 384 kbit/s', format: 'ac3', rate: 44100, layout: '5.1', channels: 6, kbps: 384 },
  { name: 'AC-3 32 kHz stereo 192 kbit/s', format: 'ac3', rate: 32000, layout: 'stereo', channels: 2, kbps: 192 },
  { name: 'E-AC-3 48 kHz stereo 192 kbit/s', format: 'eac3', rate: 48000, layout: 'stereo', channels: 2, kbps: 192 },
  { name: 'E-AC-3 48 kHz mono 64 kbit/s', format: 'eac3', rate: 48000, layout: 'mono', channels: 1, kbps: 64 },
  { name: 'E-AC-3 48 kHz 5.1 384 kbit/s', format: 'eac3', rate: 48000, layout: '5.1', channels: 6, kbps: 384 },
  { name: 'E-AC-3 32 kHz 5.1 256 kbit/s', format: 'eac3', rate: 32000, layout: '5.1', channels: 6, kbps: 256 },
];

describe('silent frames for streams of ffmpeg’s encoders', () => {
  for (const c of CONFIGS) {
    describe(c.name, () => {
      let source: Uint8Array;
      let sourcePath: string;
      let real: Uint8Array[];
      /** The distinct frame headers of the stream (at 44.1 kHz, the two sizes of the frmsizecod pair). */
      let kinds: Uint8Array[];

      beforeAll(() => {
        sourcePath = join(tmp, `${c.name.replace(/[^a-z0-9]+/gi, '-')}.${c.format}`);
        // A tone per channel (a sine, with a beep on the first), 0.5 s: real audio data in every block.
        const tone = `sine=frequency=440:beep_factor=4:sample_rate=${c.rate}:duration=0.5`;
        execFileSync('ffmpeg', [
          ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', tone],
          ...['-af', `aformat=channel_layouts=${c.layout}`, '-c:a', c.format, '-b:a', `${c.kbps}k`],
          ...['-f', c.format, sourcePath],
        ]);
        source = new Uint8Array(readFileSync(sourcePath));
        real = frames(source);
        const seen = new Map<string, Uint8Array>();
        for (const f of real) {
          const key = `${f.length}:${Buffer.from(f.subarray(4, 8)).toString('hex')}`;
          if (!seen.has(key)) seen.set(key, f);
        }
        kinds = [...seen.values()];
      });

      it('each is the size of its frame, the specs’ derivation byte for byte, with CRCs that check', () => {
        expect(real.length).toBeGreaterThan(10);
        if (c.rate === 44100 && c.format === 'ac3') expect(new Set(real.map((f) => f.length)).size).toBe(2);
        for (const f of kinds) {
          const s = silentFor(f);
          expect(s.length).toBe(f.length);
          expect(Buffer.from(s).equals(Buffer.from(ac3SilentFrame(f)!))).toBe(true);
          expect(crcsHold(s)).toBe(true);
          expect(crcsHold(f)).toBe(true); // the same CRC code accepts the encoder's frames
        }
      });

      it('ffprobe reads the source’s rate, channels, layout and bit rate from a stream of them', () => {
        const path = join(tmp, `${c.name.replace(/[^a-z0-9]+/gi, '-')}-silent.${c.format}`);
        writeFileSync(path, Buffer.concat(real.map(silentFor)));
        expect(streamInfo(path)).toEqual(streamInfo(sourcePath));
        expect(streamInfo(path).channels).toBe(c.channels);
      });

      it('they decode with no error to 1536 samples of 0 per frame and channel', () => {
        for (const f of kinds) {
          const stream = Buffer.concat(Array.from({ length: 4 }, () => silentFor(f)));
          for (const decoder of decodersOf(c.format)) {
            const { errors, pcm } = decode(stream, c.format, decoder);
            expect(errors, decoder).toBe('');
            expect(pcm.length, decoder).toBe(4 * 1536 * c.channels);
            expect(
              pcm.findIndex((v) => v !== 0),
              decoder,
            ).toBe(-1);
          }
        }
      });

      it('with seeded random bytes after their last syntax element (CRCs made right), still silent: nothing more is read', () => {
        const next = prng(3);
        for (const f of kinds) {
          const s = silentFor(f);
          expect(Buffer.from(s).equals(Buffer.from(ac3SilentFrame(f)!))).toBe(true); // sets syntaxBits for it
          // From the byte after the syntax to the auxdatae, crcrsv/encinfo and CRC bits (the last 18 bits) kept 0.
          for (let i = Math.ceil(syntaxBits / 8); i < s.length - 3; i++) s[i] = Math.floor(next() * 256);
          setCrcs(s);
          for (const decoder of decodersOf(c.format)) {
            const { errors, pcm } = decode(Buffer.concat([s, s, s]), c.format, decoder);
            expect(errors, decoder).toBe('');
            expect(pcm.length, decoder).toBe(3 * 1536 * c.channels);
            expect(
              pcm.findIndex((v) => v !== 0),
              decoder,
            ).toBe(-1);
          }
        }
      });

      it('three in place of three real frames: no error, the source’s length, silence past the first block', () => {
        const at = 6;
        const spliced = real.map((f, i) => (i >= at && i < at + 3 ? silentFor(f) : f));
        for (const decoder of decodersOf(c.format)) {
          const { errors, pcm } = decode(Buffer.concat(spliced), c.format, decoder);
          expect(errors, decoder).toBe('');
          expect(pcm.length, decoder).toBe(real.length * 1536 * c.channels);
          const gap = pcm.subarray((at * 1536 + 256) * c.channels, (at + 3) * 1536 * c.channels);
          expect(
            gap.findIndex((v) => v !== 0),
            decoder,
          ).toBe(-1);
          const before = pcm.subarray(0, at * 1536 * c.channels);
          expect(
            before.some((v) => v !== 0),
            `${decoder}: the real frames are not silent`,
          ).toBe(true);
        }
      });
    });
  }
});

/** An AC-3 frame header (A/52 §5.3) with every optional bsi field present, so a silent frame must skip them. */
function ac3Header(fscod: number, frmsizecod: number, bsid: number, acmod: number, lfeon: number): Uint8Array {
  const w = new BitWriter().u(16, 0x0b77).u(16, 0).u(2, fscod).u(6, frmsizecod).u(5, bsid).u(3, 5).u(3, acmod);
  if (acmod & 1 && acmod !== 1) w.u(2, 1); // cmixlev
  if (acmod & 4) w.u(2, 2); // surmixlev
  if (acmod === 2) w.u(2, 2); // dsurmod
  w.u(1, lfeon).u(5, 24); // lfeon, dialnorm
  w.u(1, 1).u(8, 0xaa).u(1, 1).u(8, 0x55).u(1, 1).u(7, 0x33); // compr, langcod, mixlevel + roomtyp
  if (acmod === 0) w.u(5, 17).u(1, 1).u(8, 1).u(1, 1).u(8, 2).u(1, 1).u(7, 3); // the same for the second channel
  w.u(1, 1).u(1, 1).u(1, 0).u(1, 0).u(1, 0); // copyrightb, origbs, timecod1e, timecod2e, addbsie
  while (w.length < 8 * 4096) w.u(32, 0); // room for the largest frame (only the header is read)
  return w.bytes();
}

/** An E-AC-3 independent frame header (TS 102 366 E.1.2.2) with bsmod 5 in informational metadata. */
function eac3Header(numblkscod: number, acmod: number, lfeon: number): Uint8Array {
  const words = 128 * [1, 2, 3, 6][numblkscod]!;
  const w = new BitWriter()
    .u(16, 0x0b77)
    .u(2, 0)
    .u(3, 0)
    .u(11, words - 1)
    .u(2, 0)
    .u(2, numblkscod);
  w.u(3, acmod).u(1, lfeon).u(5, 16).u(5, 27).u(1, 1).u(8, 0x77); // bsid, dialnorm, compre, compr
  if (acmod === 0) w.u(5, 19).u(1, 1).u(8, 0x44); // dialnorm2, compr2e, compr2
  w.u(1, 0).u(1, 1).u(3, 5).u(2, 0); // mixmdate, infomdate, bsmod, copyrightb, origbs
  if (acmod === 2) w.u(4, 0); // dsurmod, dheadphonmod
  if (acmod >= 6) w.u(2, 0); // dsurexmod
  w.u(acmod === 0 ? 2 : 1, 0).u(1, 0); // audprodie (audprodi2e), sourcefscod
  while (w.length < 8 * 4096) w.u(32, 0);
  return w.bytes();
}

const CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];

describe('hand-built configurations', () => {
  it('AC-3: every acmod and lfeon, 48 / 44.1 / 32 kHz, bsid 8 and 6', () => {
    for (const fscod of [0, 1, 2]) {
      for (let acmod = 0; acmod < 8; acmod++) {
        for (const lfeon of [0, 1]) {
          const bsid = acmod === 2 ? 6 : 8;
          const header = ac3Header(fscod, acmod % 2 === 0 ? 16 : 31, bsid, acmod, lfeon);
          const s = silentFor(header);
          const label = `fscod ${fscod} acmod ${acmod} lfeon ${lfeon} bsid ${bsid}`;
          expect(s.length, label).toBe(frameLength(header));
          expect(Buffer.from(s.subarray(4, 6)).equals(Buffer.from(header.subarray(4, 6))), label).toBe(true);
          expect(Buffer.from(s).equals(Buffer.from(ac3SilentFrame(header)!)), label).toBe(true);
          expect(crcsHold(s), label).toBe(true);
          const { errors, pcm } = decode(Buffer.concat([s, s]), 'ac3', 'ac3');
          expect(errors, label).toBe('');
          expect(pcm.length, label).toBe(2 * 1536 * (CHANNELS[acmod]! + lfeon));
          expect(
            pcm.findIndex((v) => v !== 0),
            label,
          ).toBe(-1);
        }
      }
    }
  });

  it('E-AC-3: one, two, three and six blocks, mono, 1+1, stereo, 3/2, with and without LFE', () => {
    for (const numblkscod of [0, 1, 2, 3]) {
      for (const acmod of [0, 1, 2, 7]) {
        for (const lfeon of [0, 1]) {
          const header = eac3Header(numblkscod, acmod, lfeon);
          const s = silentFor(header);
          const label = `numblkscod ${numblkscod} acmod ${acmod} lfeon ${lfeon}`;
          expect(s.length, label).toBe(frameLength(header));
          expect(Buffer.from(s).equals(Buffer.from(ac3SilentFrame(header)!)), label).toBe(true);
          expect(crcsHold(s), label).toBe(true);
          const { errors, pcm } = decode(Buffer.concat([s, s]), 'eac3', 'eac3');
          expect(errors, label).toBe('');
          expect(pcm.length, label).toBe(2 * 256 * [1, 2, 3, 6][numblkscod]! * (CHANNELS[acmod]! + lfeon));
          expect(
            pcm.findIndex((v) => v !== 0),
            label,
          ).toBe(-1);
        }
      }
    }
  });

  it('no silent frame for an E-AC-3 dependent substream or what is not a sync frame', () => {
    const dependent = eac3Header(3, 2, 0);
    dependent[2] = (dependent[2]! & 0x3f) | 0x40; // strmtyp 1
    expect(silentFor(dependent).length).toBe(0);
    expect(silentFor(new Uint8Array(64).fill(0x5a)).length).toBe(0);
  });
});
