// The audio frame parsers of the core (wasm/codecs/ac3.ts, mpa.ts, opus.ts, answering the FrameParse interface of
// wasm/codecs/frame.ts) and their sample entries.
//
// - Real encoders: ffmpeg writes AC-3, E-AC-3, MP2 and MP3 elementary streams (MPEG-1, MPEG-2 and MPEG-2.5 rates,
//   mono, stereo, 5.1) and Opus in MPEG-TS; every frame is walked with the parser, the frames must chain to the
//   end of the file, and their count, rates and channels must equal ffprobe's. The corpus's Opus segment
//   (WEIR_CORPUS) is walked the same way, PES by PES.
// - Sample entries: the dac3 / dec3 / dOps payloads and the MP3/MP2 esds compared with what ffmpeg's MP4 muxer
//   writes for the same streams (where ffmpeg legitimately differs, the test says why).
// - Hand-built headers for every table entry and reserved value.
// - Robustness: every truncation of a real header, placed at the very end of the WebAssembly memory so that a read
//   past `avail` would trap, answers NeedMore (never a different Header); seeded random bytes never trap and never
//   give a Header longer than a frame of the codec can be.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../fuzz/random.mjs';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { type Box, find, walkBoxes } from '../helpers/isobmff.js';
import { corpusUnset, requireCorpus } from '../helpers/media.js';
import {
  BitWriter,
  type FrameHooks,
  frameFields,
  Info,
  infoU32,
  loadTestCore,
  type TestCore,
  writeScratch,
} from '../helpers/test-core.js';
import { walkTs } from '../helpers/ts-walk.js';

/** The audio test exports of wasm/testing.ts. */
type AudioCore = TestCore &
  FrameHooks & {
    testParseAudioFrame(codec: number, ptr: number, avail: number): number;
    testAc3Enhanced(): number;
    testMpaLayer(): number;
    testMpaVersion(): number;
    testOpusStartTrim(): number;
    testOpusEndTrim(): number;
    testConfigureAudio(codec: number, slot: number, channelConfigCode: number): number;
    testAudioSampleEntry(codec: number, slot: number, trackId: number): number;
    outputPtr(): number;
  };

/** wasm/codes.ts Codec. */
const Codec = { Aac: 2, Mp3: 4, Mp2: 5, Ac3: 6, Eac3: 7, Opus: 8 } as const;
/** wasm/codecs/frame.ts FrameParse. */
const NotHeader = 0;
const Header = 1;
const NeedMore = 2;
/** wasm/codecs/frame.ts MAX_HEADER. */
const MAX_HEADER = 64;
/** wasm/remux/track.ts Info.ConfigLength (engine/tracks.ts does not read it yet). */
const CONFIG_LENGTH = 160;
const SLOT = 1;

let core: AudioCore;
let tmp: string;

beforeAll(async () => {
  core = (await loadTestCore()) as AudioCore;
  tmp = mkdtempSync(join(tmpdir(), 'weir-audio-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Frame {
  length: number;
  skip: number;
  samples: number;
  rate: number;
  channels: number;
}

/** Runs a frame parser over `bytes` (avail = all of them); returns the FrameParse answer and, on Header, the frame. */
function parse(codec: number, bytes: ArrayLike<number>): { answer: number; frame?: Frame } {
  const ptr = writeScratch(core, bytes);
  const answer = core.testParseAudioFrame(codec, ptr, bytes.length);
  if (answer !== Header) return { answer };
  return { answer, frame: lastFrame() };
}

function lastFrame(): Frame {
  return frameFields(core);
}

/** The frame at the start of `bytes`, which must be a header. */
function frameOf(codec: number, bytes: ArrayLike<number>): Frame {
  const r = parse(codec, bytes);
  expect(r.answer, 'FrameParse answer').toBe(Header);
  return r.frame!;
}

/** Walks frames back to back from `start` to `end`, giving the parser at most MAX_HEADER bytes at a time. */
function walk(codec: number, data: Uint8Array, start = 0, end = data.length): Frame[] {
  const frames: Frame[] = [];
  let o = start;
  while (o < end) {
    const r = parse(codec, data.subarray(o, Math.min(end, o + MAX_HEADER)));
    expect(r.answer, `frame ${frames.length} at ${o}`).toBe(Header);
    if (r.answer !== Header) break;
    frames.push(r.frame!);
    o += r.frame!.length;
  }
  expect(o, 'the frames chain to the end').toBe(end);
  return frames;
}

/** The sample entry of the track configured in SLOT, as written by the core. */
function sampleEntry(codec: number, trackId = 1): Box {
  const n = core.testAudioSampleEntry(codec, SLOT, trackId) >>> 0;
  const bytes = new Uint8Array(core.memory.buffer, core.outputPtr(), n).slice();
  const boxes = walkBoxes(bytes);
  expect(boxes).toHaveLength(1);
  return boxes[0]!;
}

/** The boxes inside an AudioSampleEntry (after its 28 bytes of fields, 14496-12 12.2.3). */
function entryChildren(entry: Box): Box[] {
  return walkBoxes(entry.payload, 28);
}

function child(entry: Box, type: string): Box {
  const b = entryChildren(entry).find((c) => c.type === type);
  expect(b, `${type} in ${entry.type}`).toBeDefined();
  return b!;
}

/** The first sample entry of an MP4 file's first track. */
function mp4SampleEntry(path: string): Box {
  const stsd = find(walkBoxes(new Uint8Array(readFileSync(path))), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  expect(stsd, `stsd in ${path}`).toBeDefined();
  return stsd!.children[0]!;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

function ffmpeg(args: string[]): void {
  requireFfmpeg();
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

/** Encodes one second of a tone (`channels` copies of it) with ffmpeg into tmp/<name>. */
function encode(name: string, rate: number, channels: number, codecArgs: string[]): string {
  const out = join(tmp, name);
  const layout = ['mono', 'stereo', '', '', '', '5.1'][channels - 1]!;
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${rate}:duration=1`,
    '-af',
    `aformat=channel_layouts=${layout}`,
    ...codecArgs,
    out,
  ]);
  return out;
}

/** Copies a file's audio into MP4 with ffmpeg (the reference sample entry), to tmp. */
function toMp4(path: string, extra: string[] = []): string {
  const out = join(tmp, `${basename(path)}.mp4`);
  ffmpeg(['-i', path, '-map', '0:a:0', '-c', 'copy', ...extra, '-f', 'mp4', out]);
  return out;
}

interface StreamCount {
  packets: number;
  sampleRate: number;
  channels: number;
}

function ffprobeCount(path: string): StreamCount {
  requireFfmpeg();
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-count_packets',
      '-show_entries',
      'stream=nb_read_packets,sample_rate,channels',
      '-of',
      'json',
      path,
    ],
    { encoding: 'utf8' },
  );
  const s = (JSON.parse(out) as { streams: { nb_read_packets: string; sample_rate: string; channels: number }[] })
    .streams[0]!;
  return { packets: Number(s.nb_read_packets), sampleRate: Number(s.sample_rate), channels: s.channels };
}

// ---------------------------------------------------------------------------------------------------------------
// AC-3 and E-AC-3

describe('AC-3 / E-AC-3 streams from ffmpeg', () => {
  const cases = [
    { name: 'ac3-44k-stereo.ac3', codec: Codec.Ac3, rate: 44100, channels: 2, args: ['-c:a', 'ac3', '-f', 'ac3'] },
    { name: 'ac3-48k-5.1.ac3', codec: Codec.Ac3, rate: 48000, channels: 6, args: ['-c:a', 'ac3', '-f', 'ac3'] },
    { name: 'ac3-32k-mono.ac3', codec: Codec.Ac3, rate: 32000, channels: 1, args: ['-c:a', 'ac3', '-f', 'ac3'] },
    { name: 'eac3-48k-stereo.eac3', codec: Codec.Eac3, rate: 48000, channels: 2, args: ['-c:a', 'eac3', '-f', 'eac3'] },
    { name: 'eac3-44k-stereo.eac3', codec: Codec.Eac3, rate: 44100, channels: 2, args: ['-c:a', 'eac3', '-f', 'eac3'] },
    { name: 'eac3-48k-5.1.eac3', codec: Codec.Eac3, rate: 48000, channels: 6, args: ['-c:a', 'eac3', '-f', 'eac3'] },
  ];

  for (const c of cases) {
    it(`${c.name}: every frame parses, chains to the end and matches ffprobe; the ${c.codec === Codec.Ac3 ? 'dac3' : 'dec3'} equals ffmpeg's`, () => {
      const path = encode(c.name, c.rate, c.channels, c.args);
      const data = new Uint8Array(readFileSync(path));
      const frames = walk(c.codec, data);
      const probed = ffprobeCount(path);
      expect(frames.length).toBe(probed.packets);
      for (const f of frames) {
        expect(f).toMatchObject({ skip: 0, samples: 1536, rate: probed.sampleRate, channels: probed.channels });
      }
      expect(probed.sampleRate).toBe(c.rate);
      expect(probed.channels).toBe(c.channels);

      // The first frame configures the track; its sample entry against ffmpeg's.
      frameOf(c.codec, data.subarray(0, MAX_HEADER));
      expect(core.testAc3Enhanced()).toBe(c.codec === Codec.Eac3 ? 1 : 0);
      expect(core.testConfigureAudio(c.codec, SLOT, 0)).toBe(1);
      expect(infoU32(core, SLOT, Info.SampleRate)).toBe(c.rate);
      expect(infoU32(core, SLOT, Info.Channels)).toBe(c.channels);
      const ours = sampleEntry(c.codec);
      const theirs = mp4SampleEntry(toMp4(path));
      const type = c.codec === Codec.Ac3 ? 'ac-3' : 'ec-3';
      const config = c.codec === Codec.Ac3 ? 'dac3' : 'dec3';
      expect(ours.type).toBe(type);
      expect(theirs.type).toBe(type);
      // The AudioSampleEntry fields (channelcount 2 and samplesize 16 per TS 102 366 F.3/F.5, the rate).
      expect(hex(ours.payload.subarray(0, 28))).toBe(hex(theirs.payload.subarray(0, 28)));
      expect(hex(child(ours, config).payload)).toBe(hex(child(theirs, config).payload));
      expect(infoU32(core, SLOT, CONFIG_LENGTH)).toBe(child(ours, config).payload.length);
    });
  }
});

/** An AC-3 sync frame header (A/52 5.3): syncinfo and bsi up to lfeon, padded with `fill` bits. */
function ac3Header(o: {
  fscod?: number;
  frmsizecod?: number;
  bsid?: number;
  bsmod?: number;
  acmod?: number;
  lfeon?: number;
  mixBits?: number;
}): Uint8Array {
  const acmod = o.acmod ?? 2;
  const w = new BitWriter()
    .u(16, 0x0b77) // syncword
    .u(16, 0x1234) // crc1
    .u(2, o.fscod ?? 0)
    .u(6, o.frmsizecod ?? 20)
    .u(5, o.bsid ?? 8)
    .u(3, o.bsmod ?? 0)
    .u(3, acmod);
  const mix = o.mixBits ?? 3; // the optional 2-bit fields, all ones so a misplaced lfeon shows
  if (acmod & 1 && acmod !== 1) w.u(2, mix); // cmixlev
  if (acmod & 4) w.u(2, mix); // surmixlev
  if (acmod === 2) w.u(2, mix); // dsurmod
  w.u(1, o.lfeon ?? 0); // lfeon
  while (w.length < 12 * 8) w.u(1, 1);
  return w.bytes();
}

/** E-AC-3 bsi (TS 102 366 E.1.2.2) fields a test sets; the rest is written as absent. */
interface Eac3Fields {
  strmtyp?: number;
  substreamid?: number;
  frmsiz?: number;
  fscod?: number;
  fscod2?: number;
  numblkscod?: number;
  acmod?: number;
  lfeon?: number;
  bsid?: number;
  compre?: boolean;
  chanmap?: number;
  mixmdate?: boolean;
  mixdef?: number;
  mixdeflen?: number;
  bsmod?: number;
}

function eac3Header(o: Eac3Fields): Uint8Array {
  const strmtyp = o.strmtyp ?? 0;
  const fscod = o.fscod ?? 0;
  const numblkscod = fscod === 3 ? 3 : (o.numblkscod ?? 3);
  const acmod = o.acmod ?? 2;
  const lfeon = o.lfeon ?? 0;
  const w = new BitWriter()
    .u(16, 0x0b77)
    .u(2, strmtyp)
    .u(3, o.substreamid ?? 0)
    .u(11, o.frmsiz ?? 383)
    .u(2, fscod);
  w.u(2, fscod === 3 ? (o.fscod2 ?? 0) : numblkscod); // fscod2 | numblkscod
  w.u(3, acmod)
    .u(1, lfeon)
    .u(5, o.bsid ?? 16);
  w.u(5, 27); // dialnorm
  w.u(1, o.compre ? 1 : 0); // compre
  if (o.compre) w.u(8, 0xa5); // compr
  if (acmod === 0) w.u(5, 27).u(1, 0); // dialnorm2, compr2e
  if (strmtyp === 1) {
    w.u(1, o.chanmap === undefined ? 0 : 1); // chanmape
    if (o.chanmap !== undefined) w.u(16, o.chanmap);
  }
  w.u(1, o.mixmdate ? 1 : 0); // mixmdate
  if (o.mixmdate) {
    if (acmod > 2) w.u(2, 1); // dmixmod
    if (acmod & 1 && acmod > 2) w.u(6, 0x3f); // ltrtcmixlev, lorocmixlev
    if (acmod & 4) w.u(6, 0x3f); // ltrtsurmixlev, lorosurmixlev
    if (lfeon) w.u(1, 1).u(5, 10); // lfemixlevcode, lfemixlevcod
    if (strmtyp === 0) {
      w.u(1, 1).u(6, 33); // pgmscle, pgmscl
      if (acmod === 0) w.u(1, 0); // pgmscl2e
      w.u(1, 0); // extpgmscle
      const mixdef = o.mixdef ?? 0;
      w.u(2, mixdef);
      if (mixdef === 1) w.u(5, 0x1f);
      else if (mixdef === 2) w.u(12, 0xfff);
      else if (mixdef === 3) {
        w.u(5, o.mixdeflen ?? 0);
        for (let i = 0; i < (o.mixdeflen ?? 0) + 2; i++) w.u(8, 0xff);
      }
      if (acmod < 2) {
        w.u(1, 0); // paninfoe
        if (acmod === 0) w.u(1, 0); // paninfo2e
      }
      w.u(1, 1); // frmmixcfginfoe
      if (numblkscod === 0) w.u(5, 0x1f);
      else for (let b = 0; b < [1, 2, 3, 6][numblkscod]!; b++) w.u(1, 1).u(5, 0x1f);
    }
  }
  w.u(1, o.bsmod === undefined ? 0 : 1); // infomdate
  if (o.bsmod !== undefined) w.u(3, o.bsmod).u(2, 0); // bsmod, copyrightb, origbs
  while (w.length % 8 || w.length < 10 * 8) w.u(1, 0);
  return w.bytes();
}

/** A/52 Table 5.18, 16-bit words per sync frame by frmsizecod, for fs = 48, 44.1 and 32 kHz (typed from the table). */
const TABLE_5_18 = {
  48000: [
    64, 64, 80, 80, 96, 96, 112, 112, 128, 128, 160, 160, 192, 192, 224, 224, 256, 256, 320, 320, 384, 384, 448, 448,
    512, 512, 640, 640, 768, 768, 896, 896, 1024, 1024, 1152, 1152, 1280, 1280,
  ],
  44100: [
    69, 70, 87, 88, 104, 105, 121, 122, 139, 140, 174, 175, 208, 209, 243, 244, 278, 279, 348, 349, 417, 418, 487, 488,
    557, 558, 696, 697, 835, 836, 975, 976, 1114, 1115, 1253, 1254, 1393, 1394,
  ],
  32000: [
    96, 96, 120, 120, 144, 144, 168, 168, 192, 192, 240, 240, 288, 288, 336, 336, 384, 384, 480, 480, 576, 576, 672,
    672, 768, 768, 960, 960, 1152, 1152, 1344, 1344, 1536, 1536, 1728, 1728, 1920, 1920,
  ],
};

describe('AC-3 headers built by hand', () => {
  it('every frmsizecod at every fscod has the frame size of A/52 Table 5.18', () => {
    ([48000, 44100, 32000] as const).forEach((rate, fscod) => {
      TABLE_5_18[rate].forEach((words, frmsizecod) => {
        expect(frameOf(Codec.Ac3, ac3Header({ fscod, frmsizecod })), `fscod ${fscod} frmsizecod ${frmsizecod}`).toEqual(
          {
            length: words * 2,
            skip: 0,
            samples: 1536,
            rate,
            channels: 2,
          },
        );
      });
    });
  });

  it('channels from acmod (Table 5.8) and lfeon, past the optional cmixlev/surmixlev/dsurmod', () => {
    const full = [2, 1, 2, 3, 3, 4, 4, 5];
    for (let acmod = 0; acmod < 8; acmod++) {
      for (const lfeon of [0, 1]) {
        for (const mixBits of [0, 3]) {
          expect(
            frameOf(Codec.Ac3, ac3Header({ acmod, lfeon, mixBits })).channels,
            `acmod ${acmod} lfeon ${lfeon}`,
          ).toBe(full[acmod]! + lfeon);
        }
      }
    }
  });

  it('rejects fscod 3, frmsizecod 38..63, bsid 9, 10 and 17..31, and a bad syncword', () => {
    expect(parse(Codec.Ac3, ac3Header({ fscod: 3 })).answer).toBe(NotHeader);
    for (let frmsizecod = 38; frmsizecod < 64; frmsizecod++) {
      expect(parse(Codec.Ac3, ac3Header({ frmsizecod })).answer).toBe(NotHeader);
    }
    for (const bsid of [9, 10, 17, 20, 31])
      expect(parse(Codec.Ac3, ac3Header({ bsid })).answer, `bsid ${bsid}`).toBe(NotHeader);
    for (const bsid of [0, 6, 8]) expect(parse(Codec.Ac3, ac3Header({ bsid })).answer, `bsid ${bsid}`).toBe(Header);
    const h = ac3Header({});
    expect(parse(Codec.Ac3, [0x0b, 0x78, ...h.subarray(2)]).answer).toBe(NotHeader);
    expect(parse(Codec.Ac3, [0x77, 0x0b, ...h.subarray(2)]).answer).toBe(NotHeader);
  });

  it('dac3 carries fscod, bsid, bsmod, acmod, lfeon and bit_rate_code = frmsizecod >> 1 (TS 102 366 F.4)', () => {
    frameOf(Codec.Ac3, ac3Header({ fscod: 1, frmsizecod: 29, bsid: 6, bsmod: 5, acmod: 7, lfeon: 1 }));
    expect(core.testConfigureAudio(Codec.Ac3, SLOT, 0)).toBe(1);
    const dac3 = child(sampleEntry(Codec.Ac3), 'dac3').payload;
    const bits = (dac3[0]! << 16) | (dac3[1]! << 8) | dac3[2]!;
    expect(dac3.length).toBe(3);
    expect({
      fscod: bits >>> 22,
      bsid: (bits >>> 17) & 31,
      bsmod: (bits >>> 14) & 7,
      acmod: (bits >>> 11) & 7,
      lfeon: (bits >>> 10) & 1,
      bitRateCode: (bits >>> 5) & 31,
      reserved: bits & 31,
    }).toEqual({ fscod: 1, bsid: 6, bsmod: 5, acmod: 7, lfeon: 1, bitRateCode: 14, reserved: 0 });
    expect(infoU32(core, SLOT, Info.Channels)).toBe(6);
    // An AC-3 frame cannot configure an E-AC-3 track, nor the reverse.
    expect(core.testConfigureAudio(Codec.Eac3, SLOT, 0)).toBe(0);
    frameOf(Codec.Eac3, eac3Header({}));
    expect(core.testConfigureAudio(Codec.Ac3, SLOT, 0)).toBe(0);
  });
});

describe('E-AC-3 headers built by hand', () => {
  it('frame size (frmsiz + 1) × 2, rate from fscod / fscod2, samples from numblkscod', () => {
    expect(frameOf(Codec.Eac3, eac3Header({ frmsiz: 383 }))).toEqual({
      length: 768,
      skip: 0,
      samples: 1536,
      rate: 48000,
      channels: 2,
    });
    [1, 2, 3, 6].forEach((blocks, numblkscod) => {
      expect(frameOf(Codec.Eac3, eac3Header({ numblkscod })).samples).toBe(256 * blocks);
    });
    [44100, 32000].forEach((rate, i) => {
      expect(frameOf(Codec.Eac3, eac3Header({ fscod: i + 1, numblkscod: 0 }))).toMatchObject({ rate, samples: 256 });
    });
    // fscod 3: the half rates of fscod2, always six blocks.
    [24000, 22050, 16000].forEach((rate, fscod2) => {
      expect(frameOf(Codec.Eac3, eac3Header({ fscod: 3, fscod2 }))).toMatchObject({ rate, samples: 1536 });
    });
    expect(frameOf(Codec.Eac3, eac3Header({ frmsiz: 2047 })).length).toBe(4096);
  });

  it('channels from acmod and lfeon; bsid 11..16 are E-AC-3', () => {
    expect(frameOf(Codec.Eac3, eac3Header({ acmod: 7, lfeon: 1 })).channels).toBe(6);
    expect(frameOf(Codec.Eac3, eac3Header({ acmod: 1 })).channels).toBe(1);
    expect(frameOf(Codec.Eac3, eac3Header({ acmod: 0 })).channels).toBe(2);
    for (const bsid of [11, 15, 16]) {
      frameOf(Codec.Eac3, eac3Header({ bsid }));
      expect(core.testAc3Enhanced()).toBe(1);
    }
  });

  it('a dependent substream (strmtyp 1) and further independent substreams join the sample before: 0 samples', () => {
    expect(frameOf(Codec.Eac3, eac3Header({ strmtyp: 1, chanmap: 0x0400 }))).toMatchObject({ samples: 0, length: 768 });
    expect(core.testConfigureAudio(Codec.Eac3, SLOT, 0)).toBe(0); // not a frame to configure from
    expect(frameOf(Codec.Eac3, eac3Header({ strmtyp: 0, substreamid: 1 })).samples).toBe(0);
    expect(frameOf(Codec.Eac3, eac3Header({ strmtyp: 2 })).samples).toBe(1536); // converted from AC-3: independent
  });

  it('rejects strmtyp 3, fscod2 3, and a frame too short for its own bsi', () => {
    expect(parse(Codec.Eac3, eac3Header({ strmtyp: 3 })).answer).toBe(NotHeader);
    expect(parse(Codec.Eac3, eac3Header({ fscod: 3, fscod2: 3 })).answer).toBe(NotHeader);
    expect(parse(Codec.Eac3, eac3Header({ frmsiz: 1 })).answer).toBe(NotHeader); // 4 bytes
    expect(parse(Codec.Eac3, eac3Header({ frmsiz: 3 })).answer).toBe(Header); // 8 bytes hold this bsi
  });

  it('dec3 (TS 102 366 F.6): bsmod is read past mixing metadata; data_rate from the frame; one substream, none dependent', () => {
    const cases: { fields: Eac3Fields; dataRate: number }[] = [
      { fields: { bsmod: 2 }, dataRate: 192 },
      {
        fields: { bsmod: 7, compre: true, mixmdate: true, acmod: 7, lfeon: 1, mixdef: 3, mixdeflen: 5 },
        dataRate: 192,
      },
      { fields: { bsmod: 4, mixmdate: true, acmod: 0, mixdef: 2, numblkscod: 1, frmsiz: 127 }, dataRate: 192 },
      { fields: { bsmod: 1, mixmdate: true, acmod: 1, mixdef: 1, numblkscod: 0 }, dataRate: 1152 }, // 768 bytes / 256
      { fields: {}, dataRate: 192 }, // no informational metadata: bsmod 0
      { fields: { fscod: 1, frmsiz: 416 }, dataRate: 192 }, // 834 bytes at 44.1 kHz: 191.56 kbit/s, rounded up
    ];
    for (const { fields, dataRate } of cases) {
      frameOf(Codec.Eac3, eac3Header(fields));
      expect(core.testConfigureAudio(Codec.Eac3, SLOT, 0)).toBe(1);
      const dec3 = child(sampleEntry(Codec.Eac3), 'dec3').payload;
      expect(dec3.length).toBe(5);
      expect({
        dataRate: (dec3[0]! << 5) | (dec3[1]! >> 3),
        numIndSub: dec3[1]! & 7,
        fscod: dec3[2]! >> 6,
        bsid: (dec3[2]! >> 1) & 31,
        asvc: dec3[3]! >> 7,
        bsmod: (dec3[3]! >> 4) & 7,
        acmod: (dec3[3]! >> 1) & 7,
        lfeon: dec3[3]! & 1,
        numDepSub: (dec3[4]! >> 1) & 15,
      }).toEqual({
        dataRate,
        numIndSub: 0,
        fscod: fields.fscod ?? 0,
        bsid: 16,
        asvc: 0,
        bsmod: fields.bsmod ?? 0,
        acmod: fields.acmod ?? 2,
        lfeon: fields.lfeon ?? 0,
        numDepSub: 0,
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// MPEG-1/2 audio

describe('MPEG audio streams from ffmpeg', () => {
  const mp3 = ['-c:a', 'libmp3lame', '-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3'];
  const mp2 = ['-c:a', 'mp2', '-f', 'mp2'];
  const cases = [
    { name: 'mp3-44k-stereo.mp3', rate: 44100, channels: 2, args: mp3, layer: 3, version: 1, samples: 1152, oti: 0x6b },
    { name: 'mp3-44k-mono.mp3', rate: 44100, channels: 1, args: mp3, layer: 3, version: 1, samples: 1152, oti: 0x6b },
    { name: 'mp3-22k-stereo.mp3', rate: 22050, channels: 2, args: mp3, layer: 3, version: 2, samples: 576, oti: 0x69 },
    { name: 'mp3-11k-mono.mp3', rate: 11025, channels: 1, args: mp3, layer: 3, version: 3, samples: 576, oti: 0x69 },
    { name: 'mp2-48k-stereo.mp2', rate: 48000, channels: 2, args: mp2, layer: 2, version: 1, samples: 1152, oti: 0x6b },
    { name: 'mp2-24k-mono.mp2', rate: 24000, channels: 1, args: mp2, layer: 2, version: 2, samples: 1152, oti: 0x69 },
  ];

  for (const c of cases) {
    it(`${c.name}: every frame parses, chains to the end and matches ffprobe; the esds says 0x${c.oti.toString(16)} like ffmpeg's`, () => {
      const path = encode(c.name, c.rate, c.channels, c.args);
      const data = new Uint8Array(readFileSync(path));
      const codec = c.layer === 3 ? Codec.Mp3 : Codec.Mp2;
      const frames = walk(codec, data);
      const probed = ffprobeCount(path);
      expect(frames.length).toBe(probed.packets);
      expect(probed).toMatchObject({ sampleRate: c.rate, channels: c.channels });
      for (const f of frames)
        expect(f).toMatchObject({ skip: 0, samples: c.samples, rate: c.rate, channels: c.channels });

      frameOf(codec, data.subarray(0, 4));
      expect(core.testMpaLayer()).toBe(c.layer);
      expect(core.testMpaVersion()).toBe(c.version);
      expect(core.testConfigureAudio(codec, SLOT, 0)).toBe(1);
      expect(infoU32(core, SLOT, Info.Profile)).toBe(c.oti);
      const ours = sampleEntry(codec, 1);
      // ffmpeg's MP4 muxer refuses MPEG-2.5 rates unless told to write non-standard files.
      const theirs = mp4SampleEntry(toMp4(path, c.version === 3 ? ['-strict', '-1'] : []));
      expect(ours.type).toBe('mp4a');
      expect(theirs.type).toBe('mp4a');
      // The AudioSampleEntry fields but channelcount (bytes 16-17): ffmpeg writes the template value 2 for every
      // mp4a; weir writes the real count, as it does for AAC.
      const withoutChannelCount = (b: Uint8Array) =>
        hex(Uint8Array.from([...b.subarray(0, 16), ...b.subarray(18, 28)]));
      expect(withoutChannelCount(ours.payload)).toBe(withoutChannelCount(theirs.payload));
      expect((ours.payload[16]! << 8) | ours.payload[17]!).toBe(c.channels);
      // ffmpeg writes 4-byte descriptor sizes and fills maxBitrate/avgBitrate; the descriptors say the same.
      expect(esdsSummary(child(ours, 'esds').payload)).toEqual(esdsSummary(child(theirs, 'esds').payload));
      expect(esdsSummary(child(ours, 'esds').payload)).toEqual({
        esId: 1,
        esFlags: 0,
        objectTypeIndication: c.oti,
        streamTypeByte: 0x15,
        decoderSpecificInfo: false,
        slPredefined: 2,
      });
    });
  }
});

/** The fields of an esds payload (FullBox header, then ES_Descriptor, 14496-1 7.2.6.5) that say what the stream is. */
function esdsSummary(payload: Uint8Array) {
  let o = 4; // version, flags
  const readDescriptor = (): { tag: number; size: number; start: number } => {
    const tag = payload[o++]!;
    let size = 0;
    for (;;) {
      const b = payload[o++]!;
      size = size * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, size, start: o };
  };
  const es = readDescriptor();
  expect(es.tag).toBe(0x03);
  const esId = (payload[o]! << 8) | payload[o + 1]!;
  const esFlags = payload[o + 2]!;
  o += 3;
  const dc = readDescriptor();
  expect(dc.tag).toBe(0x04);
  const objectTypeIndication = payload[o]!;
  const streamTypeByte = payload[o + 1]!;
  o += 13;
  let decoderSpecificInfo = false;
  let slPredefined = -1;
  while (o < es.start + es.size) {
    const d = readDescriptor();
    if (d.tag === 0x05) decoderSpecificInfo = true;
    if (d.tag === 0x06) slPredefined = payload[o]!;
    o = d.start + d.size;
  }
  return { esId, esFlags, objectTypeIndication, streamTypeByte, decoderSpecificInfo, slPredefined };
}

/** An MPEG audio header (11172-3 2.4.1.3). id: 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5; layer 1..3. */
function mpaHeader(o: {
  id?: number;
  layer?: number;
  bitrateIndex?: number;
  rateIndex?: number;
  padding?: number;
  mode?: number;
}) {
  const layerBits = 4 - (o.layer ?? 3);
  return [
    0xff,
    0xe0 | ((o.id ?? 3) << 3) | (layerBits << 1) | 1, // syncword, ID, layer, protection_bit (no CRC)
    ((o.bitrateIndex ?? 9) << 4) | ((o.rateIndex ?? 0) << 2) | ((o.padding ?? 0) << 1),
    ((o.mode ?? 0) << 6) | 0x04, // mode, mode_extension, copyright, original_copy, emphasis
  ];
}

describe('MPEG audio headers built by hand', () => {
  it('frame lengths and sample counts of each version and layer', () => {
    const cases = [
      // MPEG-1 layer III 128 kbit/s at 44.1 kHz: 144 × 128000 / 44100 = 417.96 → 417, 418 with padding.
      { h: { layer: 3, bitrateIndex: 9 }, length: 417, samples: 1152, rate: 44100 },
      { h: { layer: 3, bitrateIndex: 9, padding: 1 }, length: 418, samples: 1152, rate: 44100 },
      // MPEG-1 layer II 192 kbit/s at 48 kHz: 576; layer I 32 kbit/s at 44.1 kHz: (8 + 0) × 4 = 32.
      { h: { layer: 2, bitrateIndex: 10, rateIndex: 1 }, length: 576, samples: 1152, rate: 48000 },
      { h: { layer: 1, bitrateIndex: 1 }, length: 32, samples: 384, rate: 44100 },
      { h: { layer: 1, bitrateIndex: 1, padding: 1 }, length: 36, samples: 384, rate: 44100 },
      // MPEG-1 layer I 448 kbit/s at 32 kHz: (168 + 0) × 4.
      { h: { layer: 1, bitrateIndex: 14, rateIndex: 2 }, length: 672, samples: 384, rate: 32000 },
      // MPEG-2 layer III 64 kbit/s at 22.05 kHz: 72 × 64000 / 22050 = 208.98 → 208.
      { h: { id: 2, layer: 3, bitrateIndex: 8 }, length: 208, samples: 576, rate: 22050 },
      // MPEG-2 layer II keeps 144 × (1152 samples): 160 kbit/s at 16 kHz = 1440.
      { h: { id: 2, layer: 2, bitrateIndex: 14, rateIndex: 2 }, length: 1440, samples: 1152, rate: 16000 },
      // MPEG-2 layer I: 256 kbit/s at 24 kHz: (128) × 4.
      { h: { id: 2, layer: 1, bitrateIndex: 14, rateIndex: 1 }, length: 512, samples: 384, rate: 24000 },
      // MPEG-2.5 layer III 8 kbit/s at 8 kHz: 72.
      { h: { id: 0, layer: 3, bitrateIndex: 1, rateIndex: 2 }, length: 72, samples: 576, rate: 8000 },
    ];
    for (const c of cases) {
      expect(frameOf(Codec.Mp3, mpaHeader(c.h)), JSON.stringify(c.h)).toEqual({
        length: c.length,
        skip: 0,
        samples: c.samples,
        rate: c.rate,
        channels: 2,
      });
      expect(core.testMpaLayer()).toBe(c.h.layer);
    }
    expect(frameOf(Codec.Mp3, mpaHeader({ mode: 3 })).channels).toBe(1);
    for (const mode of [0, 1, 2]) expect(frameOf(Codec.Mp3, mpaHeader({ mode })).channels).toBe(2);
  });

  it('rejects layer 00 (ADTS), the reserved ID 01, free format, bitrate_index 15 and sampling_frequency 3', () => {
    expect(parse(Codec.Mp3, [0xff, 0xf1, 0x50, 0x80]).answer).toBe(NotHeader); // an ADTS header
    expect(parse(Codec.Mp3, mpaHeader({ id: 1 })).answer).toBe(NotHeader);
    expect(parse(Codec.Mp3, mpaHeader({ bitrateIndex: 0 })).answer).toBe(NotHeader);
    expect(parse(Codec.Mp3, mpaHeader({ bitrateIndex: 15 })).answer).toBe(NotHeader);
    expect(parse(Codec.Mp3, mpaHeader({ rateIndex: 3 })).answer).toBe(NotHeader);
    expect(parse(Codec.Mp3, [0xff, 0xd0, 0x90, 0x04]).answer).toBe(NotHeader); // 11-bit sync not complete
    expect(parse(Codec.Mp3, [0xfe, 0xfb, 0x90, 0x04]).answer).toBe(NotHeader);
  });

  it('configureMpa: objectTypeIndication 0x6B for MPEG-1, 0x69 for MPEG-2 and MPEG-2.5', () => {
    for (const [id, oti] of [
      [3, 0x6b],
      [2, 0x69],
      [0, 0x69],
    ] as const) {
      frameOf(Codec.Mp3, mpaHeader({ id, mode: 3 }));
      core.testConfigureAudio(Codec.Mp3, SLOT, 0);
      expect(infoU32(core, SLOT, Info.Profile)).toBe(oti);
      expect(infoU32(core, SLOT, Info.Channels)).toBe(1);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Opus in MPEG-TS

/** The channel_config_code of the first Opus descriptor (0x7F, extension 0x80) in a TS file's PMT. */
function opusChannelConfigCode(data: Uint8Array): number {
  for (let o = 0; o + 188 <= data.length && o < 188 * 200; o += 188) {
    const p = data.subarray(o, o + 188);
    for (let i = 4; i + 4 <= 188; i++) {
      // descriptor_tag 0x7F, descriptor_length 2, extension_descriptor_tag 0x80, channel_config_code
      if (p[i] === 0x7f && p[i + 1] === 0x02 && p[i + 2] === 0x80) return p[i + 3]!;
    }
  }
  throw new Error('no Opus extension descriptor in the PMT');
}

interface OpusWalk {
  packets: Frame[];
  firstStartTrim: number;
  channelConfigCode: number;
}

/** Walks the Opus access units of every PES of the file's Opus stream (stream_type 0x06). */
function walkOpusTs(path: string): OpusWalk {
  const data = new Uint8Array(readFileSync(path));
  const ts = walkTs(data);
  const pid = ts.streams.find((s) => s.streamType === 0x06)?.pid;
  expect(pid, 'an Opus PID (stream_type 0x06)').toBeDefined();
  const packets: Frame[] = [];
  for (const pes of ts.pes.filter((p) => p.pid === pid)) packets.push(...walk(Codec.Opus, pes.payload));
  parseFirstOpus(path);
  return { packets, firstStartTrim: core.testOpusStartTrim() >>> 0, channelConfigCode: opusChannelConfigCode(data) };
}

/** Packets and durations of a file's audio stream, per ffprobe -show_packets (time base 1/90000 in TS). */
function probedAudioPackets(path: string): { sizes: number[]; durations: number[] } {
  const p = probe(path);
  const index = p.streams.find((s) => s.codec_type === 'audio')!.index;
  const packets = p.packets.filter((k) => k.stream_index === index) as ((typeof p.packets)[number] & {
    duration?: number;
  })[];
  return { sizes: packets.map((k) => Number(k.size)), durations: packets.map((k) => Number(k.duration)) };
}

/** Checks a walk against ffprobe: the same packets, sizes (the Opus packet, without control header) and durations. */
function expectLikeFfprobe(path: string, w: OpusWalk): void {
  const probed = probedAudioPackets(path);
  expect(w.packets.length).toBe(probed.sizes.length);
  expect(w.packets.map((f) => f.length - f.skip)).toEqual(probed.sizes);
  // 48 kHz samples in 90 kHz ticks: × 15 / 8 (every Opus frame size is a multiple of 120 samples).
  expect(w.packets.map((f) => (f.samples * 15) / 8)).toEqual(probed.durations);
  for (const f of w.packets) expect(f).toMatchObject({ rate: 48000, channels: 0 });
}

/** Configures SLOT as Opus and returns the dOps payload and the 'Opus' entry's fields. */
function ourOpusEntry(code: number): { entry: Box; dOps: Uint8Array } {
  expect(core.testConfigureAudio(Codec.Opus, SLOT, code)).toBe(1);
  const entry = sampleEntry(Codec.Opus);
  expect(entry.type).toBe('Opus');
  return { entry, dOps: child(entry, 'dOps').payload };
}

describe('Opus in MPEG-TS from ffmpeg', () => {
  for (const channels of [2, 6]) {
    it(`libopus ${channels === 2 ? 'stereo' : '5.1'}: every access unit parses, matches ffprobe's packets; dOps like ffmpeg's but with PreSkip = start_trim`, () => {
      const path = encode(`opus-${channels}.ts`, 48000, channels, ['-c:a', 'libopus', '-f', 'mpegts']);
      const w = walkOpusTs(path);
      expectLikeFfprobe(path, w);
      expect(w.channelConfigCode).toBe(channels);
      // ffmpeg's TS muxer marks the encoder's priming with start_trim on the first access unit.
      expect(w.firstStartTrim).toBe(312);

      // Configure from the first access unit, as the demuxer does.
      parseFirstOpus(path);
      const { entry, dOps } = ourOpusEntry(w.channelConfigCode);
      const theirs = mp4SampleEntry(toMp4(path));
      expect(theirs.type).toBe('Opus');
      expect(hex(entry.payload.subarray(0, 28))).toBe(hex(theirs.payload.subarray(0, 28)));
      const ffmpegDops = child(theirs, 'dOps').payload;
      // PreSkip (bytes 2-3) differs on purpose: ffmpeg's TS demuxer ignores start_trim and writes 0, dropping the
      // encoder's priming; weir keeps it (wasm/codecs/opus.ts configureOpus).
      expect((dOps[2]! << 8) | dOps[3]!).toBe(312);
      expect((ffmpegDops[2]! << 8) | ffmpegDops[3]!).toBe(0);
      const withoutPreSkip = (b: Uint8Array) => hex(Uint8Array.from([...b.subarray(0, 2), ...b.subarray(4)]));
      expect(withoutPreSkip(dOps)).toBe(withoutPreSkip(ffmpegDops));
      expect(infoU32(core, SLOT, Info.Channels)).toBe(channels);
      expect(infoU32(core, SLOT, Info.SampleRate)).toBe(48000);
      expect(infoU32(core, SLOT, CONFIG_LENGTH)).toBe(dOps.length);
    });
  }
});

/** Parses the first Opus access unit of a TS file (so that configure sees its start_trim). */
function parseFirstOpus(path: string): Frame {
  const ts = walkTs(new Uint8Array(readFileSync(path)));
  const pid = ts.streams.find((s) => s.streamType === 0x06)!.pid;
  const pes = ts.pes.find((p) => p.pid === pid)!;
  return frameOf(Codec.Opus, pes.payload.subarray(0, MAX_HEADER));
}

describe.skipIf(corpusUnset)('Opus in the corpus (WEIR_CORPUS)', () => {
  it('ts/shaka_hls-ts-muxed-opus-h264-2880_segment.ts: packets and durations match ffprobe; dOps equals ffmpeg', () => {
    const path = join(requireCorpus(), 'ts', 'shaka_hls-ts-muxed-opus-h264-2880_segment.ts');
    const w = walkOpusTs(path);
    expectLikeFfprobe(path, w);
    expect(w.packets.length).toBeGreaterThan(100);
    expect(w.channelConfigCode).toBe(1);
    // A segment from the middle of a stream: no start_trim, so PreSkip 0, as ffmpeg writes.
    expect(w.firstStartTrim).toBe(0);
    parseFirstOpus(path);
    const { entry, dOps } = ourOpusEntry(w.channelConfigCode);
    const theirs = mp4SampleEntry(toMp4(path));
    expect(hex(entry.payload.subarray(0, 28))).toBe(hex(theirs.payload.subarray(0, 28)));
    expect(hex(dOps)).toBe(hex(child(theirs, 'dOps').payload));
  });
});

/** An opus_control_header followed by the first bytes of a packet. */
function opusAu(o: {
  auSize: number;
  startTrim?: number;
  endTrim?: number;
  extension?: number[];
  packet: number[];
}): number[] {
  const flags =
    (o.startTrim !== undefined ? 0x10 : 0) | (o.endTrim !== undefined ? 0x08 : 0) | (o.extension ? 0x04 : 0);
  const out = [0x7f, 0xe0 | flags];
  let n = o.auSize;
  while (n >= 255) {
    out.push(0xff);
    n -= 255;
  }
  out.push(n);
  if (o.startTrim !== undefined) out.push(0xe0 | (o.startTrim >> 8), o.startTrim & 0xff); // reserved bits set
  if (o.endTrim !== undefined) out.push(0xe0 | (o.endTrim >> 8), o.endTrim & 0xff);
  if (o.extension) out.push(o.extension.length, ...o.extension);
  return [...out, ...o.packet];
}

describe('Opus control headers and TOC bytes built by hand', () => {
  it('au_size runs, trims and extensions set length and skip', () => {
    expect(frameOf(Codec.Opus, opusAu({ auSize: 100, packet: [0xfc, 0] }))).toEqual({
      length: 103,
      skip: 3,
      samples: 960,
      rate: 48000,
      channels: 0,
    });
    expect(frameOf(Codec.Opus, opusAu({ auSize: 255, packet: [0xfc, 0] }))).toMatchObject({ length: 259, skip: 4 });
    expect(frameOf(Codec.Opus, opusAu({ auSize: 1000, packet: [0xfc, 0] }))).toMatchObject({ length: 1006, skip: 6 });
    const trimmed = frameOf(Codec.Opus, opusAu({ auSize: 50, startTrim: 312, endTrim: 7000, packet: [0xfc] }));
    expect(trimmed).toMatchObject({ length: 7 + 50, skip: 7 });
    expect([core.testOpusStartTrim(), core.testOpusEndTrim()]).toEqual([312, 7000]);
    frameOf(Codec.Opus, opusAu({ auSize: 50, packet: [0xfc] }));
    expect([core.testOpusStartTrim(), core.testOpusEndTrim()]).toEqual([0, 0]);
    const ext = frameOf(Codec.Opus, opusAu({ auSize: 20, endTrim: 5, extension: [1, 2, 3, 4, 5], packet: [0xfc] }));
    expect(ext).toMatchObject({ length: 11 + 20, skip: 11 });
    expect(core.testOpusEndTrim()).toBe(5);
  });

  it('samples from the TOC config (RFC 6716 Table 2) and frame count code', () => {
    const units = [
      4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 16, 24, 4, 8, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 8,
    ];
    for (let config = 0; config < 32; config++) {
      const one = 120 * units[config]!;
      for (let code = 0; code < 3; code++) {
        const toc = (config << 3) | code;
        expect(
          frameOf(Codec.Opus, opusAu({ auSize: 40, packet: [toc, 0] })).samples,
          `config ${config} code ${code}`,
        ).toBe(code === 0 ? one : 2 * one);
      }
      for (const m of [1, 2, 3, 48]) {
        const r = parse(Codec.Opus, opusAu({ auSize: 40, packet: [(config << 3) | 3, 0x80 | m] }));
        if (m * one <= 5760) expect(r.frame?.samples, `config ${config} M ${m}`).toBe(m * one);
        else expect(r.answer, `config ${config} M ${m}: over 120 ms`).toBe(NotHeader);
      }
    }
  });

  it('rejects a wrong prefix, au_size 0, a code 3 packet without frames or without its count byte, runs past MAX_HEADER', () => {
    expect(parse(Codec.Opus, [0x7f, 0xc0, 10, 0xfc]).answer).toBe(NotHeader);
    expect(parse(Codec.Opus, [0x7e, 0xe0, 10, 0xfc]).answer).toBe(NotHeader);
    expect(parse(Codec.Opus, opusAu({ auSize: 0, packet: [0xfc] })).answer).toBe(NotHeader);
    expect(parse(Codec.Opus, opusAu({ auSize: 10, packet: [0xfb, 0x00] })).answer).toBe(NotHeader); // M = 0
    expect(parse(Codec.Opus, opusAu({ auSize: 1, packet: [0xfb, 0x01] })).answer).toBe(NotHeader); // no count byte
    // The longest au_size that leaves room for the TOC byte within MAX_HEADER (2 bytes of prefix and flags, 60 bytes
    // of 0xFF and a last one, the TOC: 64 bytes); one more 0xFF is refused even with plenty of bytes available.
    const longest = opusAu({ auSize: 255 * 60 + 3, packet: [0xfc] });
    expect(parse(Codec.Opus, [...longest, ...new Array(40).fill(0)]).answer).toBe(Header);
    const tooLong = opusAu({ auSize: 255 * 61 + 3, packet: [0xfc] });
    expect(parse(Codec.Opus, [...tooLong, ...new Array(40).fill(0)]).answer).toBe(NotHeader);
    expect(
      parse(
        Codec.Opus,
        new Array(100).fill(0xff).map((b, i) => (i === 0 ? 0x7f : i === 1 ? 0xe0 : b)),
      ).answer,
    ).toBe(NotHeader);
  });

  it('configureOpus: dOps for channel_config_code 1..8 (RFC 7845 5.1.1), stereo without a descriptor, unsupported codes', () => {
    frameOf(Codec.Opus, opusAu({ auSize: 50, startTrim: 0x1234 & 0x1fff, packet: [0xfc] }));
    const expected: Record<number, number[]> = {
      1: [1, 0],
      2: [2, 0],
      3: [3, 1, 2, 1, 0, 2, 1],
      4: [4, 1, 2, 2, 0, 1, 2, 3],
      5: [5, 1, 3, 2, 0, 4, 1, 2, 3],
      6: [6, 1, 4, 2, 0, 4, 1, 2, 3, 5],
      7: [7, 1, 4, 3, 0, 4, 1, 2, 3, 5, 6],
      8: [8, 1, 5, 3, 0, 6, 1, 2, 3, 4, 5, 7],
    };
    for (const [code, [channels, family, ...table]] of Object.entries(expected).map(
      ([k, v]) => [Number(k), v] as const,
    )) {
      const { entry, dOps } = ourOpusEntry(code);
      // Version, OutputChannelCount, PreSkip, InputSampleRate, OutputGain, ChannelMappingFamily[, table]
      expect([...dOps], `code ${code}`).toEqual([0, channels, 0x12, 0x34, 0, 0, 0xbb, 0x80, 0, 0, family, ...table]);
      expect((entry.payload[16]! << 8) | entry.payload[17]!).toBe(channels); // channelcount
      expect(infoU32(core, SLOT, Info.Channels)).toBe(channels);
    }
    for (const code of [0xff, 0x09, 0x7f]) expect([...ourOpusEntry(code).dOps.subarray(0, 2)]).toEqual([0, 2]);
    for (const code of [0x00, 0x80, 0x81, 0x82, 0x88, 0xfe]) {
      expect(core.testConfigureAudio(Codec.Opus, SLOT, code), `code 0x${code.toString(16)}`).toBe(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Robustness

/** Writes bytes so that they end exactly at the end of the WebAssembly memory: a read past them traps. */
function atMemoryEnd(bytes: ArrayLike<number>): number {
  const end = core.memory.buffer.byteLength;
  const ptr = end - bytes.length;
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** The largest frame each parser may report (a Header beyond it would be a bug). */
const MAX_FRAME: Record<number, number> = {
  [Codec.Ac3]: 3840, // 1920 words: 640 kbit/s at 32 kHz
  [Codec.Eac3]: 4096, // frmsiz 2047 (the AC-3 parser takes E-AC-3 too: see the bound below)
  [Codec.Mp3]: 2881, // layer II, 160 kbit/s at 8 kHz (MPEG-2.5), padded
  [Codec.Opus]: MAX_HEADER + 255 * 62, // a control header within MAX_HEADER, au_size below 62 × 255
};

describe('truncations and random bytes', () => {
  it('every truncation of a real header answers NeedMore, and never reads past avail', () => {
    const headers: [number, number[]][] = [
      [Codec.Ac3, [...ac3Header({ acmod: 7, lfeon: 1 })]],
      [Codec.Ac3, [...ac3Header({ acmod: 2, lfeon: 1 })]],
      [
        Codec.Eac3,
        [...eac3Header({ bsmod: 7, compre: true, mixmdate: true, acmod: 7, lfeon: 1, mixdef: 3, mixdeflen: 20 })],
      ],
      [Codec.Eac3, [...eac3Header({ strmtyp: 1, chanmap: 0xffff, mixmdate: true, acmod: 5, lfeon: 1, bsmod: 3 })]],
      [Codec.Mp3, mpaHeader({ layer: 2, padding: 1 })],
      [Codec.Opus, opusAu({ auSize: 900, startTrim: 312, endTrim: 100, extension: [9, 9, 9], packet: [0xfb, 0x83] })],
      [Codec.Opus, opusAu({ auSize: 255 * 20, packet: [0xfc] })],
    ];
    for (const [codec, bytes] of headers) {
      const full = frameOf(codec, bytes);
      let first = -1;
      for (let n = 0; n <= bytes.length; n++) {
        const answer = core.testParseAudioFrame(codec, atMemoryEnd(bytes.slice(0, n)), n);
        if (answer === Header) {
          expect(lastFrame(), `codec ${codec}, ${n} bytes`).toEqual(full);
          if (first < 0) first = n;
        } else {
          expect(answer, `codec ${codec}, ${n} of ${bytes.length} bytes`).toBe(NeedMore);
          expect(first, 'NeedMore after a Header at fewer bytes').toBe(-1);
        }
      }
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(MAX_HEADER);
    }
  });

  it('the first frames of the ffmpeg streams, cut at every length, answer NeedMore until they parse', () => {
    const files: [number, string][] = [
      [Codec.Ac3, encode('cut.ac3', 48000, 6, ['-c:a', 'ac3', '-f', 'ac3'])],
      [Codec.Eac3, encode('cut.eac3', 48000, 6, ['-c:a', 'eac3', '-f', 'eac3'])],
      [
        Codec.Mp3,
        encode('cut.mp3', 44100, 2, ['-c:a', 'libmp3lame', '-write_xing', '0', '-id3v2_version', '0', '-f', 'mp3']),
      ],
    ];
    for (const [codec, path] of files) {
      const bytes = [...new Uint8Array(readFileSync(path)).subarray(0, MAX_HEADER)];
      const full = frameOf(codec, bytes);
      for (let n = 0; n < bytes.length; n++) {
        const answer = core.testParseAudioFrame(codec, atMemoryEnd(bytes.slice(0, n)), n);
        if (answer === Header) expect(lastFrame()).toEqual(full);
        else expect(answer, `${path}: ${n} bytes`).toBe(NeedMore);
      }
    }
  });

  it('a few hundred seeded random byte strings per parser never trap nor give an impossible frame', () => {
    const rng = new Random(20260);
    const syncs: Record<number, number[]> = {
      [Codec.Ac3]: [0x0b, 0x77],
      [Codec.Eac3]: [0x0b, 0x77],
      [Codec.Mp3]: [0xff, 0xfb],
      [Codec.Opus]: [0x7f, 0xe0],
    };
    let headers = 0;
    for (const codec of [Codec.Ac3, Codec.Eac3, Codec.Mp3, Codec.Opus]) {
      for (let i = 0; i < 400; i++) {
        const len = rng.int(MAX_HEADER + 16);
        const bytes = Array.from({ length: len }, () => rng.int(256));
        // Most cases start with the sync bytes, so that the parser goes past them; some also get a long 0xFF run.
        if (rng.chance(0.8)) bytes.splice(0, 2, ...syncs[codec]!.slice(0, len));
        if (codec === Codec.Opus && rng.chance(0.3)) bytes.fill(0xff, 2, 2 + rng.int(70));
        if (codec === Codec.Eac3 && len > 5) bytes[5] = (bytes[5]! & 7) | ((11 + rng.int(6)) << 3); // an E-AC-3 bsid
        const answer = core.testParseAudioFrame(codec, atMemoryEnd(bytes), len);
        expect([NotHeader, Header, NeedMore]).toContain(answer);
        if (answer === NeedMore) expect(len, 'NeedMore with MAX_HEADER bytes available').toBeLessThan(MAX_HEADER);
        if (answer === Header) {
          headers++;
          const f = lastFrame();
          expect(f.length).toBeGreaterThan(f.skip);
          const bound = codec === Codec.Ac3 && core.testAc3Enhanced() ? MAX_FRAME[Codec.Eac3]! : MAX_FRAME[codec]!;
          expect(f.length).toBeLessThanOrEqual(bound);
          expect(f.samples).toBeLessThanOrEqual(5760);
        }
      }
    }
    expect(headers).toBeGreaterThan(100); // the cases reached past the sync checks
  });
});
