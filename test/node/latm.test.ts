// AAC in LOAS/LATM (wasm/codecs/latm.ts, ISO/IEC 14496-3 1.7): real streams written by ffmpeg's latm muxer (raw
// LOAS with the StreamMuxConfig in every frame and every 20th, and LATM in MPEG-TS) walked frame by frame and
// checked against what ffmpeg says about the same AAC packets: the frame count and sizes (ffprobe), the payloads
// (the ADTS copy of the same packets, minus the 7-byte headers) and the AudioSpecificConfig (the esds of the MP4 the
// packets came from). Then hand-built frames for the syntax ffmpeg does not write (audioMuxVersion 1, explicit
// SBR/PS, escapes, PCE, other data, chunks, the configurations weir cannot carry), per-track state, and robustness:
// truncations, seeded random bytes and absurd values parsed at the very end of WASM memory, so that a read past
// [p, p + avail) traps.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../fuzz/random.mjs';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { find, walkBoxes } from '../helpers/isobmff.js';
import {
  BitWriter,
  type FrameHooks,
  frameFields,
  Info,
  infoU32,
  loadTestCore,
  type TestCore,
} from '../helpers/test-core.js';
import { readAdts, walkTs } from '../helpers/ts-walk.js';

/** The LATM hooks of wasm/testing.ts (booleans arrive as 0/1, u32 results as signed i32: use `>>> 0`). */
interface LatmCore extends TestCore, FrameHooks {
  testLatmParse(ptr: number, avail: number): number;
  testLatmHasConfig(): number;
  testLatmUnsupported(): number;
  testLatmUnsupportedReason(): number;
  testLatmPayloadSize(): number;
  testLatmPayloadBit(): number;
  testLatmCopyPayload(dst: number): void;
  testLatmSave(slot: number): void;
  testLatmLoad(slot: number): void;
  testLatmClear(slot: number): void;
  testLatmGeneration(): number;
  testLatmExtensionRate(): number;
  testConfigureLatm(slot: number): number;
  testConfigBase(slot: number): number;
  testLatmSampleEntry(slot: number, trackId: number): number;
  outputPtr(): number;
}

/** codecs/frame.ts FrameParse. */
const NOT_HEADER = 0;
const HEADER = 1;
const NEED_MORE = 2;

/** codecs/latm.ts LatmReason. */
const Reason = {
  None: 0,
  MuxVersionA: 1,
  SubFrames: 2,
  Programs: 3,
  Layers: 4,
  FrameLengthType: 5,
  ObjectType: 6,
  Channels: 7,
  ConfigSize: 8,
  Chunks: 9,
} as const;

/** Slot used only to start from "no configuration seen". */
const FRESH_SLOT = 3;

let core: LatmCore;
let tmp: string;
/** Where frames are parsed from (the input region) and where payloads are copied to. */
let src: number;
let dst: number;

beforeAll(async () => {
  core = (await loadTestCore()) as LatmCore;
  src = core.testScratch();
  dst = src + 0x80000;
  tmp = mkdtempSync(join(tmpdir(), 'weir-latm-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** Forgets the current configuration, as a new stream would. */
function fresh(): void {
  core.testLatmClear(FRESH_SLOT);
  core.testLatmLoad(FRESH_SLOT);
}

function put(bytes: Uint8Array, at: number): void {
  new Uint8Array(core.memory.buffer, at, bytes.length).set(bytes);
}

/** Copies bytes so that they end exactly at the end of WASM memory: any read past them traps. */
function atMemoryEnd(bytes: Uint8Array): number {
  const ptr = core.memory.buffer.byteLength - bytes.length;
  put(bytes, ptr);
  return ptr;
}

interface Parsed {
  length: number;
  skip: number;
  samples: number;
  rate: number;
  channels: number;
  hasConfig: boolean;
  unsupported: boolean;
  reason: number;
  payloadSize: number;
  payloadBit: number;
}

/** The fields set by the last Header. */
function fields(): Parsed {
  return {
    ...frameFields(core),
    hasConfig: core.testLatmHasConfig() !== 0,
    unsupported: core.testLatmUnsupported() !== 0,
    reason: core.testLatmUnsupportedReason() >>> 0,
    payloadSize: core.testLatmPayloadSize() >>> 0,
    payloadBit: core.testLatmPayloadBit() >>> 0,
  };
}

/** Parses one whole frame (given alone) and returns its fields and payload; throws unless it is a Header. */
function parseOne(frame: Uint8Array): Parsed & { payload: Uint8Array } {
  put(frame, src);
  const r = core.testLatmParse(src, frame.length);
  if (r !== HEADER) throw new Error(`parseLatmFrame answered ${r}`);
  const f = fields();
  core.testLatmCopyPayload(dst);
  return { ...f, payload: new Uint8Array(core.memory.buffer, dst, f.payloadSize).slice() };
}

interface WalkedFrame extends Parsed {
  offset: number;
  /** useSameStreamMux = 0: the frame carries a StreamMuxConfig. */
  withConfig: boolean;
  payload: Uint8Array;
}

/** Walks LOAS frames back to back from the start of `data`; stops at the first answer that is not a Header. */
function walk(data: Uint8Array): { frames: WalkedFrame[]; end: number } {
  expect(data.length).toBeLessThan(0x80000);
  put(data, src);
  const frames: WalkedFrame[] = [];
  let o = 0;
  while (o < data.length) {
    if (core.testLatmParse(src + o, data.length - o) !== HEADER) break;
    const f = fields();
    core.testLatmCopyPayload(dst);
    const payload = new Uint8Array(core.memory.buffer, dst, f.payloadSize).slice();
    frames.push({ ...f, offset: o, withConfig: (data[o + 3]! & 0x80) === 0, payload });
    o += f.length;
  }
  return { frames, end: o };
}

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The extradata ffprobe reports for the first stream (-show_data prints it as a hex dump). */
function probeExtradata(path: string): Uint8Array {
  const out = execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_data', '-of', 'json', path], {
    encoding: 'utf8',
  });
  const dump = (JSON.parse(out) as { streams: { extradata?: string }[] }).streams[0]?.extradata ?? '';
  const hex = dump
    .split('\n')
    .map((line) => /^[0-9a-f]{8}: ((?:[0-9a-f]{2,4} )*[0-9a-f]{2,4})/.exec(line)?.[1] ?? '')
    .join('')
    .replace(/ /g, '');
  return Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
}

function packetCount(path: string): number {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', path],
    {
      encoding: 'utf8',
    },
  );
  return Number(out.trim().split('\n')[0]);
}

/** The raw_data_blocks of an ADTS file: each frame without its header. */
function adtsPayloads(data: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    const h = readAdts(data, o);
    if (!h) throw new Error(`no ADTS header at ${o}`);
    out.push(data.subarray(o + h.headerLength, o + h.frameLength));
    o += h.frameLength;
  }
  return out;
}

/** An expandable descriptor (14496-1 8.3.3) at o: its tag, payload start and end. */
function descriptorAt(b: Uint8Array, o: number): { tag: number; start: number; end: number } {
  const tag = b[o]!;
  let size = 0;
  let p = o + 1;
  for (let i = 0; i < 4; i++) {
    const v = b[p++]!;
    size = size * 128 + (v & 0x7f);
    if (!(v & 0x80)) break;
  }
  return { tag, start: p, end: p + size };
}

/** The DecoderSpecificInfo of an esds box payload (FullBox header, ES_Descriptor 14496-1 7.2.6.5). */
function decoderSpecificInfo(esds: Uint8Array): Uint8Array {
  const es = descriptorAt(esds, 4);
  expect(es.tag).toBe(0x03);
  const flags = esds[es.start + 2]!;
  let o = es.start + 3;
  if (flags & 0x80) o += 2; // dependsOn_ES_ID
  if (flags & 0x40) o += 1 + esds[o]!; // URLlength, URLstring
  if (flags & 0x20) o += 2; // OCR_ES_Id
  const dc = descriptorAt(esds, o);
  expect(dc.tag).toBe(0x04);
  const dsi = descriptorAt(esds, dc.start + 13);
  expect(dsi.tag).toBe(0x05);
  return esds.subarray(dsi.start, dsi.end);
}

/** The AudioSpecificConfig in the esds of the first mp4a sample entry of an MP4 file. */
function mp4Asc(path: string): Uint8Array {
  const boxes = walkBoxes(new Uint8Array(readFileSync(path)));
  const esds = find(boxes, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd', 'mp4a', 'esds');
  if (!esds) throw new Error(`no esds in ${path}`);
  return decoderSpecificInfo(esds.payload).slice();
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-built syntax

/** Appends `bits` bits of `bytes` (most significant first). */
function appendBits(w: BitWriter, bytes: Uint8Array, bits: number): BitWriter {
  for (let i = 0; i < bits; i++) w.u(1, (bytes[i >> 3]! >> (7 - (i & 7))) & 1);
  return w;
}

/** LatmGetValue() (1.7.3 Table 1.43) with the fewest bytes. */
function latmValue(w: BitWriter, v: number): BitWriter {
  const bytes = v < 0x100 ? 1 : v < 0x10000 ? 2 : v < 0x1000000 ? 3 : 4;
  w.u(2, bytes - 1);
  for (let i = bytes - 1; i >= 0; i--) w.u(8, Math.floor(v / 2 ** (8 * i)) % 256);
  return w;
}

interface AscSpec {
  aot?: number; // audioObjectType (escape above 30)
  rateIndex?: number;
  rate?: number; // with rateIndex 15: the 24-bit samplingFrequency
  channels?: number; // channelConfiguration
  sbr?: { aot: 5 | 29; rateIndex: number; rate?: number }; // explicit hierarchical signalling
  frameLengthFlag?: number;
  coreCoderDelay?: number;
  extensionFlag?: number;
  pce?: { front: number[]; side?: number[]; back?: number[]; lfe?: number; comment?: number[] }; // 1 = CPE
  syncExtension?: { sbrPresent: number; rateIndex?: number; ps?: number }; // backward-compatible 0x2B7
}

function objectType(w: BitWriter, aot: number): void {
  if (aot < 31) w.u(5, aot);
  else w.u(5, 31).u(6, aot - 32);
}

/** An AudioSpecificConfig (14496-3 1.6.2.1) as bits: returns its bytes and exact bit length. */
function buildAsc(s: AscSpec): { bytes: Uint8Array; bits: number } {
  const w = new BitWriter();
  objectType(w, s.sbr ? s.sbr.aot : (s.aot ?? 2));
  const rateIndex = s.rateIndex ?? 3;
  w.u(4, rateIndex);
  if (rateIndex === 15) w.u(24, s.rate ?? 0);
  const channels = s.channels ?? 2;
  w.u(4, channels);
  if (s.sbr) {
    w.u(4, s.sbr.rateIndex);
    if (s.sbr.rateIndex === 15) w.u(24, s.sbr.rate ?? 0);
    objectType(w, s.aot ?? 2);
  }
  w.u(1, s.frameLengthFlag ?? 0);
  w.u(1, s.coreCoderDelay === undefined ? 0 : 1);
  if (s.coreCoderDelay !== undefined) w.u(14, s.coreCoderDelay);
  w.u(1, s.extensionFlag ?? 0);
  if (channels === 0) {
    const pce = s.pce ?? { front: [1] };
    const side = pce.side ?? [];
    const back = pce.back ?? [];
    w.u(4, 0).u(2, 1).u(4, rateIndex); // element_instance_tag, object_type, sampling_frequency_index
    w.u(4, pce.front.length)
      .u(4, side.length)
      .u(4, back.length)
      .u(2, pce.lfe ?? 0)
      .u(3, 0)
      .u(4, 0);
    w.u(1, 0).u(1, 0).u(1, 0); // no mixdowns
    for (const [i, cpe] of [...pce.front, ...side, ...back].entries()) w.u(1, cpe).u(4, i); // *_element_is_cpe, *_element_tag_select
    for (let i = 0; i < (pce.lfe ?? 0); i++) w.u(4, i);
    while (w.length % 8) w.u(1, 0); // byte_alignment(), relative to the start of the ASC
    const comment = pce.comment ?? [];
    w.u(8, comment.length);
    for (const c of comment) w.u(8, c);
  }
  if (s.extensionFlag) w.u(1, 0); // extensionFlag3
  if (s.syncExtension) {
    w.u(11, 0x2b7);
    objectType(w, 5);
    w.u(1, s.syncExtension.sbrPresent);
    if (s.syncExtension.sbrPresent) {
      w.u(4, s.syncExtension.rateIndex ?? 3);
      if (s.syncExtension.ps !== undefined) w.u(11, 0x548).u(1, s.syncExtension.ps);
    }
  }
  return { bytes: w.bytes(), bits: w.length };
}

interface SmcSpec {
  version?: number; // audioMuxVersion
  versionA?: number;
  sameTimeFraming?: number;
  numSubFrames?: number;
  numProgram?: number;
  numLayer?: number;
  asc?: { bytes: Uint8Array; bits: number };
  fillBits?: number; // audioMuxVersion 1: ascLen covers these too
  ascLen?: number; // audioMuxVersion 1: override
  frameLengthType?: number;
  otherData?: number[]; // audioMuxVersion 0: the otherDataLenTmp bytes (escape set on all but the last)
  otherDataBits?: number; // audioMuxVersion 1: otherDataLenBits
  crc?: number;
}

interface FrameSpec {
  smc?: SmcSpec; // absent: useSameStreamMux = 1
  sameTimeFraming?: number; // of the stream's configuration, for PayloadLengthInfo
  chunk?: { numChunk: number; streamIndx: number; auEnd: number };
  payload: Uint8Array;
  otherDataBits?: number; // other data bits written after the payload
  length?: number; // audioMuxLengthBytes override
}

function streamMuxConfig(w: BitWriter, s: SmcSpec): void {
  const version = s.version ?? 0;
  w.u(1, version);
  if (version) w.u(1, s.versionA ?? 0);
  if (s.versionA) return;
  if (version) latmValue(w, 0xff); // taraBufferFullness
  w.u(1, s.sameTimeFraming ?? 1);
  w.u(6, s.numSubFrames ?? 0)
    .u(4, s.numProgram ?? 0)
    .u(3, s.numLayer ?? 0);
  const asc = s.asc ?? buildAsc({});
  if (version) latmValue(w, s.ascLen ?? asc.bits + (s.fillBits ?? 0));
  appendBits(w, asc.bytes, asc.bits);
  for (let i = 0; i < (s.fillBits ?? 0); i++) w.u(1, i & 1);
  w.u(3, s.frameLengthType ?? 0);
  w.u(8, 0xff); // latmBufferFullness
  const hasOther = (s.otherData?.length ?? 0) > 0 || s.otherDataBits !== undefined;
  w.u(1, hasOther ? 1 : 0);
  if (hasOther) {
    if (version) latmValue(w, s.otherDataBits ?? 0);
    else for (const [i, v] of s.otherData!.entries()) w.u(1, i + 1 < s.otherData!.length ? 1 : 0).u(8, v); // otherDataLenEsc, otherDataLenTmp
  }
  w.u(1, s.crc === undefined ? 0 : 1);
  if (s.crc !== undefined) w.u(8, s.crc);
}

/** A LOAS frame: AudioSyncStream() around AudioMuxElement(1) (1.7.2, 1.7.3). */
function latmFrame(f: FrameSpec): Uint8Array {
  const w = new BitWriter();
  w.u(1, f.smc ? 0 : 1); // useSameStreamMux
  if (f.smc) streamMuxConfig(w, f.smc);
  const sameTimeFraming = f.smc?.sameTimeFraming ?? f.sameTimeFraming ?? 1;
  if (!sameTimeFraming) {
    const c = f.chunk ?? { numChunk: 0, streamIndx: 0, auEnd: 1 };
    w.u(4, c.numChunk).u(4, c.streamIndx);
  }
  let n = f.payload.length;
  while (n >= 255) {
    w.u(8, 255);
    n -= 255;
  }
  w.u(8, n);
  if (!sameTimeFraming) w.u(1, f.chunk?.auEnd ?? 1);
  appendBits(w, f.payload, f.payload.length * 8);
  for (let i = 0; i < (f.otherDataBits ?? 0); i++) w.u(1, 1);
  const body = w.bytes();
  const length = f.length ?? body.length;
  return Uint8Array.from([0x56, 0xe0 | (length >> 8), length & 0xff, ...body]);
}

function payloadOf(n: number, seed = n): Uint8Array {
  const next = prng(seed + 1);
  return Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
}

// ---------------------------------------------------------------------------------------------------------------
// Real streams

interface Source {
  name: string;
  rate: number;
  channels: number;
  mp4: string;
  adts: string;
}

function makeSource(name: string, rate: number, channels: number): Source {
  const mp4 = join(tmp, `${name}.mp4`);
  const adts = join(tmp, `${name}.aac`);
  ffmpeg(
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${channels === 1 ? 330 : 440}:sample_rate=${rate}:duration=2`,
    '-ac',
    String(channels),
    '-c:a',
    'aac',
    '-b:a',
    channels === 1 ? '64k' : '160k',
    mp4,
  );
  ffmpeg('-i', mp4, '-c:a', 'copy', '-f', 'adts', adts);
  return { name, rate, channels, mp4, adts };
}

describe('LOAS/LATM written by ffmpeg', () => {
  const sources: Source[] = [];

  beforeAll(() => {
    requireFfmpeg();
    sources.push(makeSource('stereo-48k', 48000, 2), makeSource('mono-44k', 44100, 1));
  });

  /** The same AAC packets as raw LOAS (StreamMuxConfig every `interval` frames) or LATM in MPEG-TS. */
  function latmOf(s: Source, interval: number): string {
    const out = join(tmp, `${s.name}-smc${interval}.latm`);
    ffmpeg('-i', s.mp4, '-c:a', 'copy', '-smc-interval', String(interval), '-f', 'latm', out);
    return out;
  }

  /** Every check against ffmpeg's view of the same packets. */
  function checkAgainstFfmpeg(s: Source, frames: WalkedFrame[], countFrom: string): void {
    expect(frames.length).toBe(packetCount(countFrom));
    const payloads = adtsPayloads(new Uint8Array(readFileSync(s.adts)));
    expect(frames.length).toBe(payloads.length);
    // ffprobe of the MP4 the packets came from gives the raw_data_block sizes.
    const sizes = probe(s.mp4).packets.map((p) => Number(p.size));
    expect(frames.map((f) => f.payloadSize)).toEqual(sizes);
    frames.forEach((f, i) => {
      expect(f.payload, `payload of frame ${i}`).toEqual(payloads[i]);
      expect(f).toMatchObject({
        skip: 0,
        samples: 1024,
        rate: s.rate,
        channels: s.channels,
        hasConfig: true,
        unsupported: false,
      });
    });
  }

  for (const [name, rate, channels] of [
    ['stereo-48k', 48000, 2],
    ['mono-44k', 44100, 1],
  ] as const) {
    const source = () => sources.find((s) => s.name === name)!;

    it(`${name}, StreamMuxConfig in every frame (-smc-interval 1): frames, sizes, payloads and config`, () => {
      const s = source();
      const data = new Uint8Array(readFileSync(latmOf(s, 1)));
      fresh();
      const { frames, end } = walk(data);
      expect(end).toBe(data.length); // every frame chains to the next, to the last byte
      expect(frames.every((f) => f.withConfig)).toBe(true);
      // ffprobe of the LOAS file: one packet per LOAS frame (ffmpeg 5.1's loas demuxer counts the 3-byte
      // AudioSyncStream header in the packet size).
      expect(frames.map((f) => f.length)).toEqual(probe(latmOf(s, 1)).packets.map((p) => Number(p.size)));
      checkAgainstFfmpeg(s, frames, latmOf(s, 1));
      expect(core.testConfigureLatm(1)).toBe(1);
      const stored = new Uint8Array(
        core.memory.buffer,
        core.testConfigBase(1),
        infoU32(core, 1, Info.ConfigLength),
      ).slice();
      // What ffmpeg's LATM parser found in the same stream (ffprobe -show_data: the stream's extradata).
      expect(stored).toEqual(probeExtradata(latmOf(s, 1)));
      // The MP4 the packets came from has the same ASC plus what a StreamMuxConfig of audioMuxVersion 0 cannot
      // carry (its length is unknown, 1.6.2.1 bits_to_decode()): ffmpeg's encoder appends the backward-compatible
      // extension 0x2B7 with extensionAudioObjectType 5 and sbrPresentFlag 0, and the latm muxer leaves it out.
      const asc = mp4Asc(s.mp4);
      expect(asc.subarray(0, stored.length)).toEqual(stored);
      expect([...asc.subarray(stored.length)]).toEqual([0x56, 0xe5, 0x00]); // 0x2B7, AOT 5, sbrPresentFlag 0
      expect(infoU32(core, 1, Info.SampleRate)).toBe(rate);
      expect(infoU32(core, 1, Info.Channels)).toBe(channels);
      expect(infoU32(core, 1, Info.Profile)).toBe(2);
      expect(core.testLatmGeneration()).toBe(1); // the same configuration every frame is one configuration
    });

    it(`${name}, StreamMuxConfig every 20 frames (default): frames between configurations use the last one`, () => {
      const s = source();
      const data = new Uint8Array(readFileSync(latmOf(s, 20)));
      fresh();
      const { frames, end } = walk(data);
      expect(end).toBe(data.length);
      expect(frames.map((f, i) => (f.withConfig ? i : -1)).filter((i) => i >= 0)).toEqual(
        frames.map((_, i) => i).filter((i) => i % 20 === 0),
      );
      checkAgainstFfmpeg(s, frames, latmOf(s, 20));
    });

    it(`${name}, joined after the configuration: frames without one are Headers with no config, then it is found`, () => {
      const s = source();
      const data = new Uint8Array(readFileSync(latmOf(s, 20)));
      fresh();
      const first = data[1]! & 0x1f;
      const skipFirst = 3 + ((first << 8) | data[2]!);
      const { frames, end } = walk(data.subarray(skipFirst));
      expect(end).toBe(data.length - skipFirst);
      frames.slice(0, 19).forEach((f) => {
        expect(f).toMatchObject({ hasConfig: false, unsupported: false, payloadSize: 0, samples: 1024, rate: 0 });
      });
      expect(frames[19]).toMatchObject({ withConfig: true, hasConfig: true, rate });
      expect(frames.slice(19).every((f) => f.hasConfig && f.payloadSize > 0)).toBe(true);
    });

    it(`${name}, LATM in MPEG-TS (-mpegts_flags latm, stream_type 0x11): the PES payloads hold the same frames`, () => {
      const s = source();
      const path = join(tmp, `${name}.ts`);
      ffmpeg('-i', s.mp4, '-c:a', 'copy', '-mpegts_flags', 'latm', '-f', 'mpegts', path);
      const ts = walkTs(new Uint8Array(readFileSync(path)));
      const stream = ts.streams.find((e) => e.streamType === 0x11);
      expect(stream, 'an elementary stream of stream_type 0x11').toBeDefined();
      const pes = ts.pes.filter((p) => p.pid === stream!.pid);
      const es = new Uint8Array(pes.reduce((n, p) => n + p.payload.length, 0));
      let o = 0;
      for (const p of pes) {
        es.set(p.payload, o);
        o += p.payload.length;
      }
      fresh();
      const { frames, end } = walk(es);
      expect(end).toBe(es.length);
      checkAgainstFfmpeg(s, frames, path);
    });
  }

  it('a direct encode (-c:a aac -f latm): the frame count and sizes are what ffprobe counts', () => {
    const path = join(tmp, 'direct.latm');
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=1000:sample_rate=48000:duration=1',
      '-ac',
      '2',
      '-c:a',
      'aac',
      '-f',
      'latm',
      path,
    );
    const data = new Uint8Array(readFileSync(path));
    fresh();
    const { frames, end } = walk(data);
    expect(end).toBe(data.length);
    expect(frames.length).toBe(packetCount(path));
    expect(frames.map((f) => f.length)).toEqual(probe(path).packets.map((p) => Number(p.size)));
  });

  // HE-AAC (explicit SBR/PS) is covered by the hand-built StreamMuxConfigs below: Debian's ffmpeg has no HE-AAC
  // encoder (libfdk_aac), so no real HE-AAC LATM stream can be generated here.

  it('two streams parsed in turn keep their own configuration through latmSaveConfig/latmLoadConfig', () => {
    const [a, b] = [latmOf(sources[0]!, 20), latmOf(sources[1]!, 20)].map((p) => new Uint8Array(readFileSync(p)));
    // Each stream alone, for reference.
    fresh();
    const refA = walk(a!).frames;
    fresh();
    const refB = walk(b!).frames;
    for (const slot of [1, 2]) core.testLatmClear(slot);
    const both = new Uint8Array(a!.length + b!.length);
    both.set(a!, 0);
    both.set(b!, a!.length);
    put(both, src);
    let oa = 0;
    let ob = 0;
    for (let i = 0; i < Math.max(refA.length, refB.length); i++) {
      for (const [slot, ref, base] of [
        [1, refA, 0],
        [2, refB, a!.length],
      ] as const) {
        const f = ref[i];
        if (!f) continue;
        const o = slot === 1 ? oa : ob;
        core.testLatmLoad(slot);
        expect(core.testLatmParse(src + base + o, (slot === 1 ? a! : b!).length - o)).toBe(HEADER);
        core.testLatmSave(slot);
        const got = fields();
        expect(got, `slot ${slot} frame ${i}`).toMatchObject({
          rate: f.rate,
          channels: f.channels,
          payloadSize: f.payloadSize,
        });
        core.testLatmCopyPayload(dst);
        expect(new Uint8Array(core.memory.buffer, dst, got.payloadSize)).toEqual(f.payload);
        if (slot === 1) oa += got.length;
        else ob += got.length;
      }
    }
    core.testLatmLoad(2);
    expect(core.testConfigureLatm(2)).toBe(1);
    expect(infoU32(core, 2, Info.SampleRate)).toBe(44100);
    core.testLatmLoad(1);
    expect(core.testConfigureLatm(1)).toBe(1);
    expect(infoU32(core, 1, Info.SampleRate)).toBe(48000);
  });

  it('the mp4a sample entry carries the AudioSpecificConfig as its DecoderSpecificInfo', () => {
    const s = sources[0]!;
    fresh();
    walk(new Uint8Array(readFileSync(latmOf(s, 1))));
    expect(core.testConfigureLatm(1)).toBe(1);
    const n = core.testLatmSampleEntry(1, 7) >>> 0;
    const entry = new Uint8Array(core.memory.buffer, core.outputPtr(), n).slice();
    const [mp4a] = walkBoxes(entry);
    expect(mp4a?.type).toBe('mp4a');
    expect(mp4a!.size).toBe(n);
    const view = new DataView(entry.buffer);
    expect(view.getUint16(8 + 6)).toBe(1); // data_reference_index
    expect(view.getUint16(8 + 16)).toBe(2); // channelcount
    expect(view.getUint32(8 + 24)).toBe(48000 * 65536); // samplerate 16.16
    const esds = mp4a!.children.find((b) => b.type === 'esds')!;
    expect(decoderSpecificInfo(esds.payload)).toEqual(probeExtradata(latmOf(s, 1)));
    const es = descriptorAt(esds.payload, 4);
    expect((esds.payload[es.start]! << 8) | esds.payload[es.start + 1]!).toBe(7); // ES_ID
    expect(es.end).toBe(esds.payload.length);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Hand-built frames

describe('StreamMuxConfig and AudioSpecificConfig syntax (hand-built frames)', () => {
  function configured(slot = 1): { rate: number; channels: number; profile: number; asc: Uint8Array } {
    expect(core.testConfigureLatm(slot)).toBe(1);
    const length = infoU32(core, slot, Info.ConfigLength);
    return {
      rate: infoU32(core, slot, Info.SampleRate),
      channels: infoU32(core, slot, Info.Channels),
      profile: infoU32(core, slot, Info.Profile),
      asc: new Uint8Array(core.memory.buffer, core.testConfigBase(slot), length).slice(),
    };
  }

  it('AAC LC, audioMuxVersion 0: the ASC is found by parsing and copied as it is', () => {
    fresh();
    const asc = buildAsc({ aot: 2, rateIndex: 4, channels: 2 });
    const payload = payloadOf(200);
    const f = parseOne(latmFrame({ smc: { asc }, payload }));
    expect(f).toMatchObject({ skip: 0, samples: 1024, rate: 44100, channels: 2, hasConfig: true, unsupported: false });
    expect(f.payload).toEqual(payload);
    expect(configured()).toEqual({ rate: 44100, channels: 2, profile: 2, asc: asc.bytes });
  });

  it('explicit SBR (AOT 5) and SBR+PS (AOT 29): the profile says so, the rate is the core rate', () => {
    fresh();
    const he = buildAsc({ sbr: { aot: 5, rateIndex: 3 }, aot: 2, rateIndex: 6, channels: 2 });
    const f = parseOne(latmFrame({ smc: { asc: he }, payload: payloadOf(100) }));
    expect(f).toMatchObject({ samples: 1024, rate: 24000, channels: 2 });
    expect(core.testLatmExtensionRate()).toBe(48000);
    expect(configured()).toEqual({ rate: 24000, channels: 2, profile: 5, asc: he.bytes });

    fresh();
    const v2 = buildAsc({ sbr: { aot: 29, rateIndex: 3 }, aot: 2, rateIndex: 6, channels: 1 });
    expect(parseOne(latmFrame({ smc: { asc: v2 }, payload: payloadOf(90) }))).toMatchObject({
      rate: 24000,
      channels: 2,
    });
    expect(configured()).toEqual({ rate: 24000, channels: 2, profile: 29, asc: v2.bytes });
  });

  it('the 24-bit samplingFrequency (index 15), frameLengthFlag (960 samples) and coreCoderDelay', () => {
    fresh();
    const asc = buildAsc({ rateIndex: 15, rate: 37800, channels: 1, frameLengthFlag: 1, coreCoderDelay: 0x2abc });
    const f = parseOne(latmFrame({ smc: { asc }, payload: payloadOf(50) }));
    expect(f).toMatchObject({ samples: 960, rate: 37800, channels: 1 });
    expect(configured()).toMatchObject({ rate: 37800, asc: asc.bytes });
  });

  it('channelConfiguration 0: the program_config_element is counted and copied, comment included', () => {
    fresh();
    // 5.1: front SCE + CPE, back CPE, one LFE; and a comment so the ASC ends far from a byte boundary.
    const asc = buildAsc({ channels: 0, pce: { front: [0, 1], back: [1], lfe: 1, comment: [0x77, 0x65, 0x69, 0x72] } });
    const f = parseOne(latmFrame({ smc: { asc }, payload: payloadOf(300) }));
    expect(f).toMatchObject({ channels: 6, rate: 48000 });
    expect(f.payload).toEqual(payloadOf(300));
    expect(configured()).toMatchObject({ channels: 6, asc: asc.bytes });
    // audioMuxVersion 1 puts the ASC at bit 61 of the frame: byte_alignment() counts from the ASC, not the frame.
    fresh();
    const v1 = parseOne(latmFrame({ smc: { version: 1, asc }, payload: payloadOf(300) }));
    expect(v1).toMatchObject({ channels: 6, payload: payloadOf(300) });
    expect(configured()).toMatchObject({ channels: 6, asc: asc.bytes });
  });

  it('channelConfiguration 7 and 11..14 map to their channel counts; reserved 8 and an empty PCE are unsupported', () => {
    for (const [config, count] of [
      [7, 8],
      [11, 7],
      [12, 8],
      [13, 24],
      [14, 8],
    ] as const) {
      fresh();
      expect(
        parseOne(latmFrame({ smc: { asc: buildAsc({ channels: config }) }, payload: payloadOf(10) })).channels,
      ).toBe(count);
    }
    fresh();
    const empty = buildAsc({ channels: 0, pce: { front: [] } });
    expect(parseOne(latmFrame({ smc: { asc: empty }, payload: payloadOf(10) }))).toMatchObject({
      reason: Reason.Channels,
    });
    fresh();
    expect(parseOne(latmFrame({ smc: { asc: buildAsc({ channels: 8 }) }, payload: payloadOf(10) }))).toMatchObject({
      unsupported: true,
      reason: Reason.Channels,
      payloadSize: 0,
    });
  });

  it('audioMuxVersion 1: taraBufferFullness, ascLen with fill bits (not kept), and every payload bit offset', () => {
    const asc = buildAsc({ rateIndex: 3, channels: 2 });
    for (let fillBits = 0; fillBits < 16; fillBits++) {
      fresh();
      const payload = payloadOf(37 + fillBits, fillBits);
      const f = parseOne(latmFrame({ smc: { version: 1, asc, fillBits }, payload }));
      expect(f.payload, `fill ${fillBits}`).toEqual(payload);
      expect(f.payloadSize).toBe(payload.length);
      expect(configured().asc).toEqual(asc.bytes);
    }
    const offsets = new Set<number>();
    for (let fillBits = 0; fillBits < 8; fillBits++) {
      fresh();
      parseOne(latmFrame({ smc: { version: 1, asc, fillBits }, payload: payloadOf(5) }));
      offsets.add(fields().payloadBit % 8);
    }
    expect(offsets.size).toBe(8);
  });

  it('audioMuxVersion 1: a backward-compatible SBR/PS extension inside ascLen is part of the ASC', () => {
    fresh();
    const asc = buildAsc({ rateIndex: 6, channels: 1, syncExtension: { sbrPresent: 1, rateIndex: 3, ps: 1 } });
    const f = parseOne(latmFrame({ smc: { version: 1, asc, fillBits: 3 }, payload: payloadOf(60) }));
    expect(f).toMatchObject({ rate: 24000, channels: 2 });
    expect(core.testLatmExtensionRate()).toBe(48000);
    // Signalled implicitly-compatible: the profile stays LC (mp4a.40.2 plays everywhere).
    expect(configured()).toEqual({ rate: 24000, channels: 2, profile: 2, asc: asc.bytes });
    // With audioMuxVersion 0 there is no length, so the same bits are not looked at (1.6.2.1 bits_to_decode()).
    fresh();
    const plain = buildAsc({ rateIndex: 6, channels: 1 });
    parseOne(latmFrame({ smc: { version: 1, asc: plain, fillBits: 20 }, payload: payloadOf(60) }));
    expect(configured().asc).toEqual(plain.bytes);
  });

  it('escape audioObjectType (31 + 6 bits) for a non-AAC type: a Header flagged unsupported', () => {
    fresh();
    const als = buildAsc({ aot: 36 });
    const f = parseOne(latmFrame({ smc: { asc: als }, payload: payloadOf(20) }));
    expect(f).toMatchObject({ hasConfig: true, unsupported: true, reason: Reason.ObjectType, payloadSize: 0 });
    expect(core.testConfigureLatm(1)).toBe(0);
    // The next frame using the same StreamMuxConfig is unsupported too.
    expect(parseOne(latmFrame({ payload: payloadOf(20) }))).toMatchObject({
      unsupported: true,
      reason: Reason.ObjectType,
    });
  });

  const unsupported: [string, SmcSpec, number][] = [
    ['audioMuxVersionA 1', { version: 1, versionA: 1 }, Reason.MuxVersionA],
    ['numSubFrames 1', { numSubFrames: 1 }, Reason.SubFrames],
    ['numProgram 15', { numProgram: 15 }, Reason.Programs],
    ['numLayer 7', { numLayer: 7 }, Reason.Layers],
    ['frameLengthType 1', { frameLengthType: 1 }, Reason.FrameLengthType],
    ['an ER AAC LD AudioSpecificConfig', { asc: buildAsc({ aot: 23 }) }, Reason.ObjectType],
  ];
  for (const [name, smc, reason] of unsupported) {
    it(`${name}: Header (it is LATM) with latmUnsupported, and configureLatm refuses`, () => {
      fresh();
      const f = parseOne(latmFrame({ smc, payload: payloadOf(40) }));
      expect(f).toMatchObject({ length: f.length, hasConfig: true, unsupported: true, reason, payloadSize: 0 });
      expect(core.testConfigureLatm(1)).toBe(0);
    });
  }

  it('a supported configuration after an unsupported one clears the flag', () => {
    fresh();
    parseOne(latmFrame({ smc: { numProgram: 1 }, payload: payloadOf(40) }));
    expect(fields().unsupported).toBe(true);
    expect(parseOne(latmFrame({ smc: {}, payload: payloadOf(40) })).unsupported).toBe(false);
    expect(core.testConfigureLatm(1)).toBe(1);
  });

  it('allStreamsSameTimeFraming 0: one chunk of stream 0 is read; a split access unit is unsupported', () => {
    fresh();
    const payload = payloadOf(260);
    expect(parseOne(latmFrame({ smc: { sameTimeFraming: 0 }, payload })).payload).toEqual(payload);
    expect(parseOne(latmFrame({ sameTimeFraming: 0, payload })).payload).toEqual(payload);
    for (const chunk of [
      { numChunk: 1, streamIndx: 0, auEnd: 1 },
      { numChunk: 0, streamIndx: 1, auEnd: 1 },
      { numChunk: 0, streamIndx: 0, auEnd: 0 },
    ]) {
      expect(parseOne(latmFrame({ sameTimeFraming: 0, chunk, payload }))).toMatchObject({
        unsupported: true,
        reason: Reason.Chunks,
        payloadSize: 0,
      });
    }
  });

  it('otherData (escaped length, version 0 and LatmGetValue, version 1) and crcCheckSum before the payload', () => {
    for (const smc of [
      { otherData: [1, 2, 3], crc: 0xa5 },
      { otherData: [255, 255, 255, 255, 255, 7] },
      { version: 1, otherDataBits: 12345, crc: 0 },
    ] as SmcSpec[]) {
      fresh();
      const payload = payloadOf(123);
      expect(parseOne(latmFrame({ smc, payload, otherDataBits: 13 })).payload).toEqual(payload);
    }
  });

  it('payload lengths around the 255 runs of PayloadLengthInfo (0, 254, 255, 256, 510, 8000)', () => {
    fresh();
    parseOne(latmFrame({ smc: {}, payload: payloadOf(1) }));
    for (const n of [0, 1, 254, 255, 256, 509, 510, 511, 8000]) {
      const payload = payloadOf(n);
      const frame = latmFrame({ payload });
      const f = parseOne(frame);
      expect(f.payloadSize, `length ${n}`).toBe(n);
      expect(f.payload).toEqual(payload);
      expect(f.length).toBe(frame.length);
    }
  });

  it('useSameStreamMux 1 before any configuration: a Header that cannot be decoded', () => {
    fresh();
    const f = parseOne(latmFrame({ payload: payloadOf(50) }));
    expect(f).toMatchObject({
      hasConfig: false,
      unsupported: false,
      payloadSize: 0,
      samples: 1024,
      rate: 0,
      channels: 0,
    });
    expect(core.testConfigureLatm(1)).toBe(0);
  });

  it('the generation counts different configurations, not repeated ones', () => {
    fresh();
    expect(core.testLatmGeneration()).toBe(0);
    const a = { asc: buildAsc({ rateIndex: 3 }) };
    const b = { asc: buildAsc({ rateIndex: 4 }) };
    for (const [smc, generation] of [
      [a, 1],
      [a, 1],
      [undefined, 1],
      [b, 2],
      [b, 2],
      [a, 3],
      [{ numLayer: 1 }, 4],
      [{ numLayer: 1 }, 4],
    ] as const) {
      parseOne(latmFrame({ ...(smc ? { smc } : {}), payload: payloadOf(30) }));
      expect(core.testLatmGeneration()).toBe(generation);
    }
  });

  it('save/load: a slot keeps its configuration while the current one changes', () => {
    fresh();
    parseOne(latmFrame({ smc: { asc: buildAsc({ rateIndex: 5, channels: 1 }) }, payload: payloadOf(30) }));
    core.testLatmSave(1);
    fresh();
    parseOne(latmFrame({ smc: { asc: buildAsc({ rateIndex: 8, channels: 2 }) }, payload: payloadOf(30) }));
    core.testLatmSave(2);
    core.testLatmLoad(1);
    expect(parseOne(latmFrame({ payload: payloadOf(30) }))).toMatchObject({ rate: 32000, channels: 1 });
    core.testLatmLoad(2);
    expect(parseOne(latmFrame({ payload: payloadOf(30) }))).toMatchObject({ rate: 16000, channels: 2 });
    core.testLatmClear(1);
    core.testLatmLoad(1);
    expect(parseOne(latmFrame({ payload: payloadOf(30) })).hasConfig).toBe(false);
  });
});

describe('what is not a LATM frame', () => {
  function answer(bytes: number[] | Uint8Array): number {
    const b = Uint8Array.from(bytes);
    return core.testLatmParse(atMemoryEnd(b), b.length);
  }

  it('the syncword: NotHeader as soon as the bytes given contradict it, NeedMore below 3 bytes otherwise', () => {
    expect(answer([])).toBe(NEED_MORE);
    expect(answer([0x56])).toBe(NEED_MORE);
    expect(answer([0x56, 0xe0])).toBe(NEED_MORE);
    expect(answer([0x57])).toBe(NOT_HEADER);
    expect(answer([0xff])).toBe(NOT_HEADER);
    expect(answer([0x56, 0xc0])).toBe(NOT_HEADER);
    expect(answer([0x56, 0x60, 0x10])).toBe(NOT_HEADER);
    expect(answer([0x47, 0x40, 0x00, 0x10])).toBe(NOT_HEADER);
  });

  it('audioMuxLengthBytes 0 is NotHeader', () => {
    expect(answer([0x56, 0xe0, 0x00, 0x20])).toBe(NOT_HEADER);
  });

  it('a payload longer than the frame, a reserved samplingFrequencyIndex, ascLen shorter than the ASC: NotHeader', () => {
    fresh();
    const frame = latmFrame({ smc: {}, payload: payloadOf(100) });
    const short = latmFrame({ smc: {}, payload: payloadOf(100), length: frame.length - 4 });
    expect(answer(short.subarray(0, frame.length - 1))).toBe(NOT_HEADER);
    expect(answer(latmFrame({ smc: { asc: buildAsc({ rateIndex: 13 }) }, payload: payloadOf(10) }))).toBe(NOT_HEADER);
    expect(answer(latmFrame({ smc: { version: 1, ascLen: 8 }, payload: payloadOf(10) }))).toBe(NOT_HEADER);
    expect(
      answer(latmFrame({ smc: { asc: buildAsc({ sbr: { aot: 5, rateIndex: 14 } }) }, payload: payloadOf(10) })),
    ).toBe(NOT_HEADER);
  });

  it('NeedMore and NotHeader leave the configuration as it was', () => {
    fresh();
    parseOne(latmFrame({ smc: { asc: buildAsc({ rateIndex: 4, channels: 1 }) }, payload: payloadOf(30) }));
    const other = latmFrame({ smc: { asc: buildAsc({ rateIndex: 8, channels: 2 }) }, payload: payloadOf(30) });
    // 3 + 7 bytes: AudioSyncStream, StreamMuxConfig (45 bits with a 2-byte ASC), one length byte.
    for (let n = 0; n < 10; n++) expect(answer(other.subarray(0, n))).toBe(NEED_MORE);
    expect(answer(latmFrame({ smc: { asc: buildAsc({ rateIndex: 13 }) }, payload: payloadOf(10) }))).toBe(NOT_HEADER);
    expect(parseOne(latmFrame({ payload: payloadOf(30) }))).toMatchObject({ rate: 44100, channels: 1 });
    expect(core.testLatmGeneration()).toBe(1);
  });
});

describe('robustness', () => {
  /** Parses [p, p + n) at the end of memory: must not trap; a Header must describe a frame that holds its payload. */
  function safe(bytes: Uint8Array, n = bytes.length): number {
    const p = atMemoryEnd(bytes.subarray(0, n));
    const r = core.testLatmParse(p, n);
    expect([NOT_HEADER, HEADER, NEED_MORE]).toContain(r);
    if (r === HEADER) {
      const f = fields();
      expect(f.length).toBeGreaterThan(3);
      expect(f.payloadBit + 8 * f.payloadSize).toBeLessThanOrEqual(8 * f.length);
      if (f.length <= n) core.testLatmCopyPayload(dst); // the whole frame is there: copying reads only inside it
    }
    return r;
  }

  it('every truncation of real frames: NeedMore, or a Header with the full frame length (never past the bytes)', () => {
    requireFfmpeg();
    const path = join(tmp, 'trunc.latm');
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'sine=sample_rate=48000:duration=0.2',
      '-ac',
      '2',
      '-c:a',
      'aac',
      '-smc-interval',
      '3',
      '-f',
      'latm',
      path,
    );
    const data = new Uint8Array(readFileSync(path));
    fresh();
    const { frames } = walk(data);
    expect(frames.length).toBeGreaterThan(4);
    for (const f of frames.slice(0, 5)) {
      const frame = data.subarray(f.offset, f.offset + f.length);
      for (let n = 0; n < frame.length; n++) {
        const r = safe(frame, n);
        // A real frame cut short is never rejected: it is still arriving.
        expect(r === NEED_MORE || r === HEADER, `frame at ${f.offset} cut to ${n}: ${r}`).toBe(true);
        if (r === HEADER)
          expect(fields()).toMatchObject({ length: f.length, payloadSize: f.payloadSize, payloadBit: f.payloadBit });
        else expect(n).toBeLessThan(64); // codecs/frame.ts MAX_HEADER
      }
    }
  });

  it('hand-built frames with every syntax element, cut at every length', () => {
    const specs: FrameSpec[] = [
      {
        smc: {
          version: 1,
          fillBits: 5,
          otherDataBits: 9,
          crc: 1,
          asc: buildAsc({ channels: 0, pce: { front: [1], comment: [1, 2] } }),
        },
        payload: payloadOf(300),
      },
      { smc: { sameTimeFraming: 0, otherData: [255, 3] }, payload: payloadOf(600) },
      {
        smc: {
          asc: buildAsc({ sbr: { aot: 29, rateIndex: 15, rate: 44100 }, rateIndex: 15, rate: 22050, channels: 1 }),
        },
        payload: payloadOf(70),
      },
    ];
    for (const spec of specs) {
      const frame = latmFrame(spec);
      for (let n = 0; n <= frame.length; n++) {
        fresh();
        const r = safe(frame, n);
        expect(r === NEED_MORE || r === HEADER, `cut to ${n}`).toBe(true);
        if (n === frame.length) expect(r).toBe(HEADER);
      }
    }
  });

  it('absurd values: escapes that never end, huge LatmGetValue lengths, runs of 255: bounded, inside the bytes', () => {
    const cases: Uint8Array[] = [
      // otherDataLenEsc set for ever (audioMuxVersion 0).
      Uint8Array.from([
        0x56,
        0xff,
        0xff,
        ...latmFrame({ smc: { otherData: Array<number>(40).fill(255) }, payload: payloadOf(4) }).subarray(3),
      ]),
      // ascLen = 0xFFFFFFFF (audioMuxVersion 1).
      latmFrame({ smc: { version: 1, ascLen: 0xffffffff }, payload: payloadOf(4) }),
      // MuxSlotLengthBytes as 255s to the end of the bytes.
      Uint8Array.from([0x56, 0xff, 0xff, 0x20, 0x00, 0x11, 0x90, 0x1f, 0xe7, ...Array<number>(200).fill(0xff)]),
      // All ones: useSameStreamMux = 1 then a 255 run, no configuration.
      new Uint8Array(300).fill(0xff).map((v, i) => (i === 0 ? 0x56 : v)),
      // numProgram 15, numLayer 7, numSubFrames 63.
      Uint8Array.from([0x56, 0xe0, 0x10, 0x3f, 0xff, 0xff, 0xff]),
    ];
    for (const c of cases) {
      fresh();
      for (const n of [c.length, Math.min(c.length, 64), 8]) safe(c, n);
    }
  });

  it('the harness: a read one byte past the end of memory traps', () => {
    const p = atMemoryEnd(Uint8Array.from([0x56]));
    expect(() => core.testLatmParse(p, 2)).toThrow(WebAssembly.RuntimeError);
    core.testLatmParse(p, 1);
  });

  it('a few hundred seeded random byte strings, half of them starting with the syncword', () => {
    const next = prng(0x1a7e);
    const answers = [0, 0, 0];
    for (let i = 0; i < 400; i++) {
      const n = Math.floor(next() * 200);
      const b = Uint8Array.from({ length: n }, () => Math.floor(next() * 256));
      if (i % 2 && n >= 2) {
        b[0] = 0x56;
        b[1] = 0xe0 | (b[1]! & 0x1f);
      }
      if (i % 4 === 1) fresh();
      answers[safe(b)]!++;
    }
    // Every answer occurs: the strings reach past the syncword into the configuration and the payload lengths.
    expect(
      answers.every((n) => n > 0),
      `NotHeader/Header/NeedMore ${answers}`,
    ).toBe(true);
  });
});
