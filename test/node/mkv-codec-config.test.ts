// Codec configuration from Matroska CodecPrivate (wasm/codecs/aac.ts, opus.ts, flac.ts, h264.ts, hevc.ts), the
// functions the Matroska demuxer calls, checked against ffmpeg, which shares no code with weir:
//
// - Real streams: ffmpeg encodes one second of AAC, Opus, FLAC, H.264 and HEVC into small .mkv files; the test
//   takes each track's CodecPrivate out of the file with its own EBML walk (test/fuzz/ebml-index.mjs), configures a
//   track from it, and compares the track info with ffprobe and the configuration payload weir stores (the esds
//   AudioSpecificConfig, dOps, dfLa, avcC, hvcC) with the one ffmpeg writes when it remuxes the same file to MP4
//   (`-c copy -f mp4`), byte for byte; where they differ on purpose, the test says why.
// - Init segments: the sample entries mp4/init.ts picks for such tracks (Info.ConfigRecord, Codec.Flac), written
//   to a file and read back by ffprobe.
// - FLAC frame headers: flacFrameSamples on every frame of ffmpeg's FLAC files (block sizes of every kind of code,
//   common and uncommon sample rates) against ffprobe's packet durations; hand-built headers for what ffmpeg does
//   not write (variable blocking, 7-byte coded numbers, reserved values, a wrong CRC).
// - Damage: every truncation of every real CodecPrivate, placed at the very end of the WebAssembly memory (a read
//   past it traps), and seeded random byte changes: never a trap, false where the bytes cannot be a configuration.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioCodecString } from '../../engine/tracks.js';
import { indexEbml } from '../fuzz/ebml-index.mjs';
import { Random } from '../fuzz/random.mjs';
import { requireFfmpeg } from '../helpers/ffmpeg.js';
import { type Box, find, walkBoxes } from '../helpers/isobmff.js';
import { Info, infoU32, loadTestCore, type TestCore, writeScratch } from '../helpers/test-core.js';

/** The test exports of wasm/testing.ts used here (bool results arrive as 0/1). */
type Core = TestCore & {
  testConfigureAacFromConfig(slot: number, ptr: number, len: number): number;
  testConfigureAacFromCodecId(
    slot: number,
    profile: number,
    rate: number,
    channels: number,
    outputRate: number,
  ): number;
  testAacFrameSamples(slot: number): number;
  testConfigureOpusFromHead(slot: number, ptr: number, len: number): number;
  testOpusPacketSamples(ptr: number, len: number): number;
  testConfigureFlac(slot: number, ptr: number, len: number): number;
  testFlacFrameSamples(ptr: number, len: number): number;
  testConfigureAvcFromRecord(slot: number, ptr: number, len: number): number;
  testAvcLengthSize(slot: number): number;
  testConfigureHevcFromRecord(slot: number, ptr: number, len: number): number;
  testHevcLengthSize(slot: number): number;
  testConfigBase(slot: number): number;
  testSetTrack(slot: number, kind: number, codec: number, timescale: number): void;
  testWriteInit(mask: number): number;
  outputPtr(): number;
};

/** wasm/codes.ts Codec and TrackKind. */
const Codec = { H264: 1, Aac: 2, Hevc: 3, Opus: 8, Flac: 12 } as const;
const Kind = { Video: 1, Audio: 2 } as const;
/** wasm/remux/track.ts Info fields not in engine/tracks.ts's reading (they are there, but named here for clarity). */
const CONFIG_LENGTH = Info.ConfigLength;
const VIDEO = 0;
const AUDIO = 1;

let core: Core;
let tmp: string;

beforeAll(async () => {
  core = (await loadTestCore()) as Core;
  tmp = mkdtempSync(join(tmpdir(), 'weir-mkv-config-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------
// Tools

function ffmpeg(args: string[]): void {
  requireFfmpeg();
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function ffprobeJson<T>(args: string[]): T {
  requireFfmpeg();
  return JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-of', 'json', ...args], { encoding: 'utf8' })) as T;
}

interface ProbedStream {
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  level?: number;
  r_frame_rate?: string;
  sample_aspect_ratio?: string;
  bits_per_raw_sample?: string;
  sample_rate?: string;
  channels?: number;
}

function probeStream(path: string): ProbedStream {
  const s = ffprobeJson<{ streams: ProbedStream[] }>(['-show_streams', path]).streams[0];
  expect(s, `a stream in ${path}`).toBeDefined();
  return s!;
}

/** One second of a tone, `channels` copies, encoded by ffmpeg into tmp/<name>. */
function audioFile(name: string, rate: number, channels: number, args: string[]): string {
  const out = join(tmp, name);
  const layout = ['mono', 'stereo', '', '', '', '5.1'][channels - 1]!;
  ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=${rate}:duration=1`,
    '-af',
    `aformat=channel_layouts=${layout}`,
    ...args,
    out,
  ]);
  return out;
}

/** One second of 160x120 test pattern at 25 fps in `pixFmt`, encoded by ffmpeg into tmp/<name>. */
function videoFile(name: string, pixFmt: string, args: string[]): string {
  const out = join(tmp, name);
  ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25:duration=1', '-pix_fmt', pixFmt, ...args, out]);
  return out;
}

/** ffmpeg's MP4 remux of a file (`-c copy`), the reference sample entry. */
function remuxMp4(path: string, extra: string[] = []): string {
  const out = `${path}.mp4`;
  ffmpeg(['-i', path, '-c', 'copy', ...extra, '-f', 'mp4', out]);
  return out;
}

interface MkvTrack {
  codecId: string;
  codecPrivate?: Uint8Array;
  codecDelay?: number;
}

/** The elements of the first TrackEntry of a Matroska file (RFC 9559 5.1.4.1), from an EBML walk of its own. */
function mkvTrack(path: string): MkvTrack {
  const b = new Uint8Array(readFileSync(path));
  const all = indexEbml(b);
  const entry = all.find((e) => e.id === 0xae);
  expect(entry, `a TrackEntry in ${path}`).toBeDefined();
  const data = (e: (typeof all)[number]) => b.subarray(e.sizeAt + e.sizeLength, e.end);
  const children = all.filter((e) => e.depth === entry!.depth + 1 && e.at > entry!.at && e.end <= entry!.end);
  const element = (id: number) => children.find((e) => e.id === id);
  const codecId = element(0x86); // CodecID
  const codecPrivate = element(0x63a2); // CodecPrivate
  const codecDelay = element(0x56aa); // CodecDelay
  expect(codecId, 'CodecID').toBeDefined();
  return {
    codecId: Buffer.from(data(codecId!)).toString('latin1'),
    ...(codecPrivate ? { codecPrivate: data(codecPrivate).slice() } : {}),
    ...(codecDelay ? { codecDelay: data(codecDelay).reduce((v, x) => v * 256 + x, 0) } : {}),
  };
}

/** The payload of the first SimpleBlock (RFC 9559 10.1: track number, timestamp, flags, then the frame). */
function firstBlock(path: string): { timestamp: number; frame: Uint8Array } {
  const b = new Uint8Array(readFileSync(path));
  const block = indexEbml(b).find((e) => e.id === 0xa3);
  expect(block, `a SimpleBlock in ${path}`).toBeDefined();
  const at = block!.sizeAt + block!.sizeLength;
  expect(b[at]! & 0x80, 'a one-byte track number').toBe(0x80);
  expect(b[at + 3]! & 0x06, 'no lacing').toBe(0);
  return { timestamp: new DataView(b.buffer, b.byteOffset).getInt16(at + 1), frame: b.subarray(at + 4, block!.end) };
}

function codecPrivate(path: string): Uint8Array {
  const p = mkvTrack(path).codecPrivate;
  expect(p, `CodecPrivate in ${path}`).toBeDefined();
  return p!;
}

/** The first sample entry of an MP4 file's first track. */
function mp4Entry(path: string): Box {
  const stsd = find(walkBoxes(new Uint8Array(readFileSync(path))), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  expect(stsd, `stsd in ${path}`).toBeDefined();
  return stsd!.children[0]!;
}

/** The boxes of a sample entry: after 78 bytes of VisualSampleEntry or 28 of AudioSampleEntry (14496-12 12.1.3, 12.2.3). */
function entryBox(entry: Box, type: string): Box {
  const visual = ['avc1', 'hvc1', 'hev1'].includes(entry.type);
  const b = walkBoxes(entry.payload, visual ? 78 : 28).find((c) => c.type === type);
  expect(b, `${type} in ${entry.type}`).toBeDefined();
  return b!;
}

/** AudioSampleEntry fields (14496-12 12.2.3): channelcount, samplesize, samplerate (16.16). */
function audioFields(entry: Box): { channels: number; sampleSize: number; rate: number } {
  const v = new DataView(entry.payload.buffer, entry.payload.byteOffset);
  return { channels: v.getUint16(16), sampleSize: v.getUint16(18), rate: v.getUint32(24) / 65536 };
}

/** Reads an expandable-size descriptor (14496-1 8.3.3) at o: its tag and where its payload is. */
function descriptorAt(b: Uint8Array, o: number): { tag: number; start: number; end: number } {
  const tag = b[o]!;
  let p = o + 1;
  let size = 0;
  for (let i = 0; i < 4; i++) {
    const x = b[p++]!;
    size = (size << 7) | (x & 0x7f);
    if (!(x & 0x80)) break;
  }
  return { tag, start: p, end: p + size };
}

/** The DecoderSpecificInfo of an esds payload (ES_Descriptor 14496-1 7.2.6.5, flags all 0 as both writers set them). */
function decoderSpecificInfo(esds: Uint8Array): Uint8Array {
  const es = descriptorAt(esds, 4);
  expect(es.tag).toBe(0x03);
  expect(esds[es.start + 2]).toBe(0);
  const dc = descriptorAt(esds, es.start + 3);
  expect(dc.tag).toBe(0x04);
  const dsi = descriptorAt(esds, dc.start + 13);
  expect(dsi.tag).toBe(0x05);
  return esds.subarray(dsi.start, dsi.end);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ok = (r: number) => r === 1;
const info = (slot: number, field: number) => infoU32(core, slot, field) >>> 0;

/** The configuration payload the core stored for a slot (Info.ConfigLength bytes at configBase). */
function stored(slot: number): Uint8Array {
  return new Uint8Array(core.memory.buffer, core.testConfigBase(slot), info(slot, CONFIG_LENGTH)).slice();
}

/** Empties a slot and gives it kind, codec and timescale, as the demuxer will before configuring it. */
function declare(slot: number, kind: number, codec: number, timescale: number): void {
  core.testSetTrack(slot, kind, codec, timescale);
}

/** Writes the init segment of one slot to a file and returns the sample entry weir wrote and the file. */
function initSegment(slot: number, name: string): { entry: Box; path: string } {
  const n = core.testWriteInit(1 << slot) >>> 0;
  const bytes = new Uint8Array(core.memory.buffer, core.outputPtr(), n).slice();
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return { entry: mp4Entry(path), path };
}

/** Writes bytes so that they end exactly at the end of the WebAssembly memory: a read past them traps. */
function atMemoryEnd(bytes: ArrayLike<number>): number {
  const end = core.memory.buffer.byteLength;
  const ptr = end - bytes.length;
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

// ---------------------------------------------------------------------------------------------------------------
// AAC (A_AAC)

describe('AAC: CodecPrivate is an AudioSpecificConfig (configureAacFromConfig)', () => {
  for (const [rate, channels] of [
    [44100, 2],
    [48000, 1],
    [22050, 6],
  ] as const) {
    it(`ffmpeg aac ${rate} Hz, ${channels} ch: Info like ffprobe; the esds carries the ASC as ffmpeg's MP4 does`, () => {
      const mkv = audioFile(`aac-${rate}-${channels}.mkv`, rate, channels, ['-c:a', 'aac', '-b:a', '64k']);
      const track = mkvTrack(mkv);
      expect(track.codecId).toBe('A_AAC');
      const asc = track.codecPrivate!;
      // ffmpeg's encoder writes the LC core and a backward-compatible SBR extension saying "no SBR"
      // (syncExtensionType 0x2B7, SBR, sbrPresentFlag 0): 5 bytes, which the parser must read as plain LC.
      expect(asc.length).toBe(5);
      declare(AUDIO, Kind.Audio, Codec.Aac, rate);
      expect(ok(core.testConfigureAacFromConfig(AUDIO, writeScratch(core, asc), asc.length))).toBe(true);
      const probed = probeStream(mkv);
      expect(probed.profile).toBe('LC');
      expect(info(AUDIO, Info.Profile)).toBe(2);
      expect(info(AUDIO, Info.SampleRate)).toBe(Number(probed.sample_rate));
      expect(info(AUDIO, Info.Channels)).toBe(probed.channels);
      expect(core.testAacFrameSamples(AUDIO) >>> 0).toBe(1024);
      expect(info(AUDIO, Info.ConfigRecord)).toBe(1);
      expect(hex(stored(AUDIO))).toBe(hex(asc));

      // ffmpeg's MP4: the same AudioSpecificConfig. The rest of its esds differs on purpose: ffmpeg writes every
      // descriptor size in 4 bytes (0x80 0x80 0x80 n) and fills bufferSizeDB and the bitrates from the packets,
      // which an init segment written before the samples cannot know (weir writes 0, "unknown").
      const theirs = mp4Entry(remuxMp4(mkv));
      expect(theirs.type).toBe('mp4a');
      expect(hex(decoderSpecificInfo(entryBox(theirs, 'esds').payload))).toBe(hex(asc));
      const ours = initSegment(AUDIO, `aac-${rate}-${channels}.init.mp4`);
      expect(ours.entry.type).toBe('mp4a');
      expect(hex(decoderSpecificInfo(entryBox(ours.entry, 'esds').payload))).toBe(hex(asc));
      // samplerate as ffmpeg's; channelcount the real count, where ffmpeg's MP4 muxer writes 2 for every AAC track
      // (the DecoderSpecificInfo is what decoders read).
      expect(audioFields(ours.entry)).toEqual({ channels, sampleSize: 16, rate });
      expect(audioFields(theirs)).toEqual({ channels: 2, sampleSize: 16, rate });
      // ffprobe reads the init segment (no samples, so no profile: it comes from decoding) like the Matroska file.
      const back = probeStream(ours.path);
      expect([back.codec_name, back.sample_rate, back.channels]).toEqual(['aac', String(rate), channels]);
    });
  }

  /** A hand-built AudioSpecificConfig (14496-3 1.6.2.1) from [bits, value] pairs, padded to a byte. */
  function asc(fields: [number, number][]): Uint8Array {
    const bits: number[] = [];
    for (const [n, v] of fields) for (let i = n - 1; i >= 0; i--) bits.push((v >> i) & 1);
    while (bits.length % 8) bits.push(0);
    return Uint8Array.from({ length: bits.length / 8 }, (_, i) =>
      bits.slice(i * 8, i * 8 + 8).reduce((a, b) => (a << 1) | b, 0),
    );
  }
  const GA: [number, number][] = [[3, 0]]; // frameLengthFlag, dependsOnCoreCoder, extensionFlag

  const cases: { name: string; bytes: Uint8Array; profile: number; rate: number; channels: number; frame: number }[] = [
    {
      name: 'explicit SBR (HE-AAC v1): 24 kHz core, 48 kHz out',
      bytes: asc([[5, 5], [4, 6], [4, 2], [4, 3], [5, 2], ...GA]),
      profile: 5,
      rate: 48000,
      channels: 2,
      frame: 2048,
    },
    {
      name: 'explicit PS (HE-AAC v2): mono 22.05 kHz core, stereo 44.1 kHz out',
      bytes: asc([[5, 29], [4, 7], [4, 1], [4, 4], [5, 2], ...GA]),
      profile: 29,
      rate: 44100,
      channels: 2,
      frame: 2048,
    },
    {
      name: 'backward-compatible SBR (LC core, sync extension with sbrPresentFlag 1)',
      bytes: asc([[5, 2], [4, 6], [4, 2], ...GA, [11, 0x2b7], [5, 5], [1, 1], [4, 3]]),
      profile: 2,
      rate: 48000,
      channels: 2,
      frame: 2048,
    },
    {
      name: '960-sample frames (frameLengthFlag 1)',
      bytes: asc([
        [5, 2],
        [4, 3],
        [4, 2],
        [1, 1],
        [2, 0],
      ]),
      profile: 2,
      rate: 48000,
      channels: 2,
      frame: 960,
    },
  ];
  for (const c of cases) {
    it(`${c.name}: Profile, output rate, channels, frame samples; ffprobe reads the same rate and channels from the init segment`, () => {
      declare(AUDIO, Kind.Audio, Codec.Aac, c.rate);
      expect(ok(core.testConfigureAacFromConfig(AUDIO, writeScratch(core, c.bytes), c.bytes.length))).toBe(true);
      expect(info(AUDIO, Info.Profile)).toBe(c.profile);
      expect(info(AUDIO, Info.SampleRate)).toBe(c.rate);
      expect(info(AUDIO, Info.Channels)).toBe(c.channels);
      expect(core.testAacFrameSamples(AUDIO) >>> 0).toBe(c.frame);
      expect(hex(stored(AUDIO))).toBe(hex(c.bytes));
      const { entry, path } = initSegment(AUDIO, `aac-${c.profile}-${c.frame}.init.mp4`);
      expect(hex(decoderSpecificInfo(entryBox(entry, 'esds').payload))).toBe(hex(c.bytes));
      expect(audioFields(entry).rate).toBe(c.rate);
      // ffmpeg's own AudioSpecificConfig parser (mpeg4audio.c) on our esds: the output rate and channels.
      const back = probeStream(path);
      expect([Number(back.sample_rate), back.channels]).toEqual([c.rate, c.channels]);
    });
  }

  it('configurations MP4 cannot carry are refused: reserved rate index, ER AAC LD, reserved channels, empty', () => {
    for (const bad of [
      asc([[5, 2], [4, 13], [4, 2], ...GA]), // samplingFrequencyIndex 13: reserved
      asc([[5, 23], [4, 3], [4, 2], ...GA]), // ER AAC LD
      asc([[5, 2], [4, 3], [4, 8], ...GA]), // channelConfiguration 8: reserved
      asc([[5, 5], [4, 6], [4, 2], [4, 13], [5, 2], ...GA]), // SBR with a reserved extension rate
      new Uint8Array(0),
      new Uint8Array(300), // longer than any configuration weir keeps
    ]) {
      expect(ok(core.testConfigureAacFromConfig(AUDIO, writeScratch(core, bad), bad.length)), hex(bad)).toBe(false);
    }
  });
});

describe('AAC: legacy CodecIDs without CodecPrivate (configureAacFromCodecId)', () => {
  it('MAIN, LC, SSR, LTP build the two-byte ASC ffmpeg builds for them (matroskadec.c), or the escape for odd rates', () => {
    // ffmpeg's Matroska demuxer: (profile << 3 | sri >> 1), ((sri & 1) << 7 | channels << 3).
    for (const [profile, rate, channels, expected] of [
      [1, 48000, 2, '0990'],
      [2, 44100, 2, '1210'],
      [3, 32000, 1, '1a88'],
      [4, 8000, 6, '25b0'],
      [2, 44100, 8, '1238'], // 8 channels: channelConfiguration 7
      [2, 50000, 2, '178061a810'], // not in Table 1.18: index 15 and the 24-bit rate
    ] as const) {
      declare(AUDIO, Kind.Audio, Codec.Aac, rate);
      expect(ok(core.testConfigureAacFromCodecId(AUDIO, profile, rate, channels, 0))).toBe(true);
      expect(hex(stored(AUDIO)), `${profile} ${rate} ${channels}`).toBe(expected);
      expect(info(AUDIO, Info.Profile)).toBe(profile);
      expect(info(AUDIO, Info.SampleRate)).toBe(rate);
      expect(info(AUDIO, Info.Channels)).toBe(channels);
    }
  });

  it('LC/SBR: explicit signalling, output rate twice the core or OutputSamplingFrequency; ffprobe reads the SBR rate', () => {
    declare(AUDIO, Kind.Audio, Codec.Aac, 48000);
    expect(ok(core.testConfigureAacFromCodecId(AUDIO, 5, 24000, 2, 0))).toBe(true);
    // audioObjectType 5, index 6 (24000), channels 2, extension index 3 (48000), core object type 2, GA zeros.
    expect(hex(stored(AUDIO))).toBe('2b118800');
    expect([info(AUDIO, Info.Profile), info(AUDIO, Info.SampleRate), info(AUDIO, Info.Channels)]).toEqual([
      5, 48000, 2,
    ]);
    expect(core.testAacFrameSamples(AUDIO) >>> 0).toBe(2048);
    const back = probeStream(initSegment(AUDIO, 'aac-sbr-id.init.mp4').path);
    expect([back.sample_rate, back.channels]).toEqual(['48000', 2]);
    // Downsampled SBR: OutputSamplingFrequency equal to the core rate.
    expect(ok(core.testConfigureAacFromCodecId(AUDIO, 5, 24000, 2, 24000))).toBe(true);
    expect([info(AUDIO, Info.SampleRate), core.testAacFrameSamples(AUDIO) >>> 0]).toEqual([24000, 1024]);
  });

  it('refuses what the CodecID cannot say: unknown profiles, no rate, 0, 7 or more than 8 channels', () => {
    for (const [profile, rate, channels] of [
      [0, 48000, 2],
      [6, 48000, 2],
      [2, 0, 2],
      [2, 48000, 0],
      [2, 48000, 7],
      [2, 48000, 9],
      [2, 1 << 24, 2],
    ] as const) {
      expect(
        ok(core.testConfigureAacFromCodecId(AUDIO, profile, rate, channels, 0)),
        `${profile} ${rate} ${channels}`,
      ).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Opus (A_OPUS)

describe('Opus: CodecPrivate is the OpusHead (configureOpusFromHead)', () => {
  for (const channels of [2, 6]) {
    it(`libopus ${channels === 2 ? 'stereo (family 0)' : '5.1 (family 1)'}: dOps equals ffmpeg's; CodecDelay is PreSkip in ns`, () => {
      const mkv = audioFile(`opus-${channels}.mkv`, 48000, channels, ['-c:a', 'libopus', '-b:a', '96k']);
      const track = mkvTrack(mkv);
      expect(track.codecId).toBe('A_OPUS');
      const head = track.codecPrivate!;
      declare(AUDIO, Kind.Audio, Codec.Opus, 48000);
      expect(ok(core.testConfigureOpusFromHead(AUDIO, writeScratch(core, head), head.length))).toBe(true);
      expect(info(AUDIO, Info.SampleRate)).toBe(48000);
      expect(info(AUDIO, Info.Channels)).toBe(channels);
      const dOps = stored(AUDIO);
      const theirs = mp4Entry(remuxMp4(mkv));
      expect(theirs.type).toBe('Opus');
      expect(hex(dOps)).toBe(hex(entryBox(theirs, 'dOps').payload));
      // Little-endian OpusHead fields big-endian in dOps (the byte swap is visible, unlike in a symmetric value).
      const preSkip = head[10]! | (head[11]! << 8);
      expect((dOps[2]! << 8) | dOps[3]!).toBe(preSkip);
      expect(new DataView(dOps.buffer).getUint32(4)).toBe(
        new DataView(head.buffer, head.byteOffset).getUint32(12, true),
      );
      expect(dOps.length).toBe(channels === 2 ? 11 : 13 + channels);
      // CodecDelay = PreSkip in nanoseconds; the first block is stamped 0 and ffprobe presents it at -CodecDelay
      // (ms rounding): a block's presentation time is its timestamp minus CodecDelay.
      expect(track.codecDelay).toBe(Math.round((preSkip * 1e9) / 48000));
      expect(firstBlock(mkv).timestamp).toBe(0);
      const start = ffprobeJson<{ packets: { pts: number; duration: number }[] }>([
        '-show_packets',
        '-show_entries',
        'packet=pts,duration',
        mkv,
      ]).packets;
      expect(start[0]!.pts).toBe(-Math.round(track.codecDelay! / 1e6));
      // The packet duration from its TOC (what a demuxer needs for laced blocks) is ffprobe's (ms time base).
      const first = firstBlock(mkv).frame;
      expect(((core.testOpusPacketSamples(writeScratch(core, first), first.length) >>> 0) * 1000) / 48000).toBe(
        start[0]!.duration,
      );
      // The sample entry: ffmpeg's fields, and ffprobe reads our init segment back.
      const ours = initSegment(AUDIO, `opus-${channels}.init.mp4`);
      expect(audioFields(ours.entry)).toEqual(audioFields(theirs));
      const back = probeStream(ours.path);
      expect([back.codec_name, back.sample_rate, back.channels]).toEqual(['opus', '48000', channels]);
    });
  }

  /** An OpusHead (RFC 7845 5.1) with the given fields. */
  function opusHead(o: {
    version?: number;
    channels: number;
    family: number;
    streams?: number;
    coupled?: number;
    mapping?: number[];
  }): Uint8Array {
    const b = [
      ...Buffer.from('OpusHead'),
      o.version ?? 1,
      o.channels,
      0x38,
      0x01,
      0x80,
      0xbb,
      0,
      0,
      0xfe,
      0xff,
      o.family,
    ];
    if (o.family !== 0) b.push(o.streams ?? 1, o.coupled ?? 0, ...(o.mapping ?? []));
    return Uint8Array.from(b);
  }

  it('hand-built heads: OutputGain keeps its sign, family 255 is copied, the version minor is ignored', () => {
    const head = opusHead({ version: 15, channels: 3, family: 255, streams: 3, coupled: 0, mapping: [0, 255, 2] });
    expect(ok(core.testConfigureOpusFromHead(AUDIO, writeScratch(core, head), head.length))).toBe(true);
    expect(hex(stored(AUDIO))).toBe(`00030138${'0000bb80'}fffe${'ff'}0300${'00ff02'}`);
  });

  it('refuses heads a decoder cannot set up from', () => {
    for (const [name, bytes] of [
      ['magic', Uint8Array.from([...opusHead({ channels: 2, family: 0 })].map((x, i) => (i === 0 ? 0x6f : x)))],
      ['major version 1', opusHead({ version: 16, channels: 2, family: 0 })],
      ['no channels', opusHead({ channels: 0, family: 0 })],
      ['family 0 with 3 channels', opusHead({ channels: 3, family: 0 })],
      ['no streams', opusHead({ channels: 2, family: 1, streams: 0, coupled: 0, mapping: [0, 0] })],
      ['coupled above streams', opusHead({ channels: 2, family: 1, streams: 1, coupled: 2, mapping: [0, 1] })],
      ['mapping past the streams', opusHead({ channels: 2, family: 1, streams: 1, coupled: 0, mapping: [0, 1] })],
      ['table cut short', opusHead({ channels: 6, family: 1, streams: 4, coupled: 2, mapping: [0, 4, 1, 2] })],
      ['18 bytes', opusHead({ channels: 2, family: 0 }).subarray(0, 18)],
    ] as const) {
      expect(ok(core.testConfigureOpusFromHead(AUDIO, writeScratch(core, bytes), bytes.length)), name).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// FLAC (A_FLAC)

describe('FLAC: CodecPrivate is "fLaC" + metadata blocks (configureFlac, flacSampleEntry)', () => {
  for (const [rate, channels, bits] of [
    [44100, 2, 16],
    [96000, 2, 24],
    [8000, 1, 16],
  ] as const) {
    it(`ffmpeg flac ${rate} Hz, ${channels} ch, ${bits} bit: Info like ffprobe; dfLa equals ffmpeg's`, () => {
      const fmt = bits === 24 ? ['-sample_fmt', 's32', '-bits_per_raw_sample', '24'] : ['-sample_fmt', 's16'];
      const mkv = audioFile(`flac-${rate}.mkv`, rate, channels, [...fmt, '-c:a', 'flac']);
      const track = mkvTrack(mkv);
      expect(track.codecId).toBe('A_FLAC');
      const priv = track.codecPrivate!;
      // ffmpeg's Matroska muxer writes the marker and STREAMINFO (and a VORBIS_COMMENT only for an unusual layout).
      expect(priv.length).toBe(8 + 34);
      declare(AUDIO, Kind.Audio, Codec.Flac, rate);
      expect(ok(core.testConfigureFlac(AUDIO, writeScratch(core, priv), priv.length))).toBe(true);
      const probed = probeStream(mkv);
      expect(info(AUDIO, Info.SampleRate)).toBe(Number(probed.sample_rate));
      expect(info(AUDIO, Info.Channels)).toBe(probed.channels);
      expect(info(AUDIO, Info.BitDepth)).toBe(Number(probed.bits_per_raw_sample));
      // dfLa: version/flags 0, STREAMINFO flagged last, as ffmpeg writes it (mov_write_dfla_tag keeps STREAMINFO only).
      const dfLa = stored(AUDIO);
      expect(hex(dfLa)).toBe(`0000000080000022${hex(priv.subarray(8, 42))}`);
      const theirs = mp4Entry(remuxMp4(mkv, ['-strict', '-2']));
      expect(theirs.type).toBe('fLaC');
      expect(hex(dfLa)).toBe(hex(entryBox(theirs, 'dfLa').payload));
      const ours = initSegment(AUDIO, `flac-${rate}.init.mp4`);
      expect(ours.entry.type).toBe('fLaC');
      expect(hex(entryBox(ours.entry, 'dfLa').payload)).toBe(hex(dfLa));
      // The entry's fields: ffmpeg's, except samplerate above 65535 Hz, where ffmpeg writes 0 and isoflac 3.3.1
      // asks for "the greatest expressible regular division of that rate" (48000 for 96 kHz).
      expect(audioFields(ours.entry)).toEqual({ channels, sampleSize: bits, rate: rate > 65535 ? 48000 : rate });
      expect(audioFields(theirs)).toEqual({ channels, sampleSize: bits, rate: rate > 65535 ? 0 : rate });
      const back = probeStream(ours.path);
      expect([back.codec_name, back.channels]).toEqual(['flac', channels]);
    });
  }

  /** A CodecPrivate with the given STREAMINFO values (RFC 9639 8.2). */
  function flacPrivate(o: {
    minBlock?: number;
    maxBlock?: number;
    rate?: number;
    channels?: number;
    bits?: number;
    type?: number;
    length?: number;
  }): Uint8Array {
    const b = new Uint8Array(8 + 34);
    b.set(Buffer.from('fLaC'));
    b[4] = 0x80 | (o.type ?? 0);
    b[7] = o.length ?? 34;
    const v = new DataView(b.buffer);
    v.setUint16(8, o.minBlock ?? 4096);
    v.setUint16(10, o.maxBlock ?? 4096);
    const rate = o.rate ?? 44100;
    v.setUint32(18, (rate << 12) | (((o.channels ?? 2) - 1) << 9) | (((o.bits ?? 16) - 1) << 4));
    return b;
  }

  it('the blocks after STREAMINFO (VORBIS_COMMENT, PADDING, SEEKTABLE) are left out; STREAMINFO is flagged last', () => {
    const streaminfo = flacPrivate({ rate: 48000, channels: 6, bits: 24 });
    streaminfo[4] = 0x00; // not the last block here
    const comment = [0x04, 0, 0, 8, 4, 0, 0, 0, 0x77, 0x65, 0x69, 0x72]; // VORBIS_COMMENT: vendor "weir"
    const seektable = [0x03, 0, 0, 18, ...new Array<number>(18).fill(0xff)];
    const padding = [0x81, 0, 0, 16, ...new Array<number>(16).fill(0)];
    const priv = Uint8Array.from([...streaminfo, ...comment, ...seektable, ...padding]);
    declare(AUDIO, Kind.Audio, Codec.Flac, 48000);
    expect(ok(core.testConfigureFlac(AUDIO, writeScratch(core, priv), priv.length))).toBe(true);
    expect(hex(stored(AUDIO))).toBe(`0000000080000022${hex(streaminfo.subarray(8))}`);
    expect([info(AUDIO, Info.SampleRate), info(AUDIO, Info.Channels), info(AUDIO, Info.BitDepth)]).toEqual([
      48000, 6, 24,
    ]);
  });

  it('sample rates without a 16-bit value: 192 kHz as 48000, 88.2 kHz as 44100, an odd one as 65535', () => {
    for (const [rate, field] of [
      [192000, 48000],
      [88200, 44100],
      [65535, 65535],
      [100001, 65535],
    ] as const) {
      declare(AUDIO, Kind.Audio, Codec.Flac, rate);
      const p = flacPrivate({ rate });
      expect(ok(core.testConfigureFlac(AUDIO, writeScratch(core, p), p.length))).toBe(true);
      expect(info(AUDIO, Info.SampleRate)).toBe(rate);
      expect(audioFields(initSegment(AUDIO, `flac-rate-${rate}.init.mp4`).entry).rate).toBe(field);
    }
  });

  it('refuses a missing marker, a first block that is not a 34-byte STREAMINFO, and unusable STREAMINFO values', () => {
    const noMarker = flacPrivate({});
    noMarker[0] = 0x66;
    noMarker[1] = 0x4c;
    noMarker[2] = 0x41;
    for (const [name, bytes] of [
      ['marker', noMarker],
      ['first block VORBIS_COMMENT', flacPrivate({ type: 4 })],
      ['STREAMINFO of 33 bytes', flacPrivate({ length: 33 })],
      ['sample rate 0', flacPrivate({ rate: 0 })],
      ['minimum block size 15', flacPrivate({ minBlock: 15 })],
      ['maximum below minimum', flacPrivate({ minBlock: 4096, maxBlock: 1024 })],
      ['41 bytes', flacPrivate({}).subarray(0, 41)],
    ] as const) {
      expect(ok(core.testConfigureFlac(AUDIO, writeScratch(core, bytes), bytes.length)), name).toBe(false);
    }
  });
});

describe('FLAC frame headers (flacFrameSamples, RFC 9639 9.1)', () => {
  const cases: [number, number][] = [
    [44100, 100], // block size code 6 (8-bit uncommon)
    [44100, 192], // code 1, last frame 8-bit uncommon
    [44100, 256], // code 8
    [44100, 576], // code 2, last frame 16-bit uncommon
    [44100, 1000], // code 7 (16-bit uncommon)
    [44100, 4608], // code 5
    [44100, 16384], // code 14
    [96000, 4096], // sample rate code 11
    [50000, 1152], // an uncommon rate: 16-bit Hz or tens of Hz
    [7000, 1152], // an uncommon rate in kHz (8 bits)
  ];
  for (const [rate, size] of cases) {
    it(`ffmpeg flac, ${rate} Hz, frame size ${size}: every frame's block size is ffprobe's packet duration`, () => {
      const path = audioFile(`frames-${rate}-${size}.flac`, rate, 2, ['-c:a', 'flac', '-frame_size', String(size)]);
      const data = new Uint8Array(readFileSync(path));
      const packets = ffprobeJson<{ packets: { pos: string; size: string; duration: number }[] }>([
        '-show_packets',
        '-show_entries',
        'packet=pos,size,duration',
        path,
      ]).packets;
      expect(packets.length).toBeGreaterThan(1);
      let total = 0;
      for (const p of packets) {
        const frame = data.subarray(Number(p.pos), Number(p.pos) + Number(p.size));
        expect(core.testFlacFrameSamples(writeScratch(core, frame), frame.length) >>> 0, `frame at ${p.pos}`).toBe(
          p.duration,
        );
        total += p.duration;
      }
      expect(total).toBe(rate);
    });
  }

  /** CRC-8 of RFC 9639 9.1.8 (polynomial 0x07), written here from the RFC. */
  function crc8(bytes: number[]): number {
    let crc = 0;
    for (const x of bytes) {
      crc ^= x;
      for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
    }
    return crc;
  }
  /** A frame header: sync + blocking strategy, codes, coded number, the uncommon fields, the CRC. */
  function header(
    variable: boolean,
    sizeCode: number,
    rateCode: number,
    coded: number[],
    tail: number[] = [],
    b3 = 0x18,
  ): number[] {
    const h = [0xff, variable ? 0xf9 : 0xf8, (sizeCode << 4) | rateCode, b3, ...coded, ...tail];
    return [...h, crc8(h), 0x00, 0x00];
  }
  const samples = (h: number[]) => core.testFlacFrameSamples(writeScratch(core, h), h.length) >>> 0;

  it('every block size code; variable blocking with a 7-byte coded number; the uncommon rate fields', () => {
    const sizes = [0, 192, 576, 1152, 2304, 4608, 0, 0, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
    for (let code = 1; code < 16; code++) {
      if (code === 6 || code === 7) continue;
      expect(samples(header(false, code, 9, [0x00])), `code ${code}`).toBe(sizes[code]);
    }
    expect(samples(header(false, 6, 9, [0x05], [0xff]))).toBe(256);
    expect(samples(header(false, 7, 9, [0x05], [0xff, 0xfe]))).toBe(65535);
    // Variable blocking: the coded number is a sample number of up to 36 bits, 7 bytes (0xFE lead).
    expect(samples(header(true, 7, 9, [0xfe, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81], [0x01, 0x00]))).toBe(257);
    expect(samples(header(false, 12, 12, [0x00], [0x07]))).toBe(4096); // 7 kHz, 8 bits
    expect(samples(header(false, 12, 13, [0xc2, 0x80], [0xc3, 0x50]))).toBe(4096); // 50000 Hz, 16 bits
    expect(samples(header(false, 12, 14, [0x00], [0x13, 0x88]))).toBe(4096); // 50000 Hz in tens
  });

  it('not a frame header: reserved and forbidden codes, bad coded numbers, 65536 samples, a wrong CRC, short input', () => {
    const bad: [string, number[]][] = [
      ['block size code 0', header(false, 0, 9, [0x00])],
      ['sample rate code 15', header(false, 12, 15, [0x00])],
      ['channel code 11', header(false, 12, 9, [0x00], [], 0xb8)],
      ['bit depth 0b011', header(false, 12, 9, [0x00], [], 0x16)],
      ['reserved bit set', header(false, 12, 9, [0x00], [], 0x19)],
      ['reserved bit after sync', [0xff, 0xfa, 0xc9, 0x18, 0x00, 0x00]],
      ['continuation byte leads', header(false, 12, 9, [0x80])],
      ['7-byte number with fixed blocking', header(false, 12, 9, [0xfe, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])],
      ['0xFF lead', header(true, 12, 9, [0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])],
      ['missing continuation', header(false, 12, 9, [0xc2, 0x00])],
      ['16-bit uncommon size of 65536', header(false, 7, 9, [0x00], [0xff, 0xff])],
    ];
    const wrongCrc = header(false, 12, 9, [0x00]);
    wrongCrc[5] = wrongCrc[5]! ^ 1;
    bad.push(['wrong CRC', wrongCrc]);
    for (const [name, h] of bad) expect(samples(h), name).toBe(0);
    // Every truncation of a valid header (ending at the memory's end) is 0, and never reads past it.
    const full = header(true, 7, 13, [0xfe, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81], [0x01, 0x00, 0xc3, 0x50]).slice(0, -2);
    for (let n = 0; n < full.length; n++) {
      expect(core.testFlacFrameSamples(atMemoryEnd(full.slice(0, n)), n) >>> 0, `${n} bytes`).toBe(0);
    }
    expect(core.testFlacFrameSamples(atMemoryEnd(full), full.length) >>> 0).toBe(257);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// H.264 (V_MPEG4/ISO/AVC) and HEVC (V_MPEGH/ISO/HEVC)

const H264_PROFILES: Record<string, number> = {
  Baseline: 66,
  'Constrained Baseline': 66,
  Main: 77,
  High: 100,
  'High 10': 110,
  'High 4:2:2': 122,
};
const HEVC_PROFILES: Record<string, number> = { Main: 1, 'Main 10': 2 };

/** What ffprobe says that the track info record holds too. */
function expectLikeFfprobe(slot: number, probed: ProbedStream, profiles: Record<string, number>): void {
  expect(info(slot, Info.Width)).toBe(probed.width);
  expect(info(slot, Info.Height)).toBe(probed.height);
  expect(info(slot, Info.Profile)).toBe(profiles[probed.profile!]);
  expect(info(slot, Info.Level)).toBe(probed.level);
  expect(info(slot, Info.BitDepth)).toBe(probed.pix_fmt!.includes('10') ? 10 : 8);
  expect(info(slot, Info.ChromaFormat)).toBe(probed.pix_fmt!.startsWith('yuv422') ? 2 : 1);
  const [num, den] = probed.r_frame_rate!.split('/').map(Number);
  expect(info(slot, Info.FrameRateNum) / info(slot, Info.FrameRateDen)).toBe(num! / den!);
  expect([info(slot, Info.SarNum), info(slot, Info.SarDen)]).toEqual([1, 1]);
}

describe('H.264: CodecPrivate is an AVCDecoderConfigurationRecord (configureAvcFromRecord)', () => {
  for (const [name, pixFmt, args] of [
    ['High 4:2:0 8-bit', 'yuv420p', ['-profile:v', 'high']],
    ['High 4:2:2 10-bit', 'yuv422p10le', []],
    ['Constrained Baseline', 'yuv420p', ['-profile:v', 'baseline']],
  ] as const) {
    it(`libx264 ${name}: Info like ffprobe; avcC is the record, byte for byte ffmpeg's; 4-byte lengths`, () => {
      const mkv = videoFile(`h264-${pixFmt}-${args.length}.mkv`, pixFmt, ['-c:v', 'libx264', ...args]);
      const track = mkvTrack(mkv);
      expect(track.codecId).toBe('V_MPEG4/ISO/AVC');
      const record = track.codecPrivate!;
      declare(VIDEO, Kind.Video, Codec.H264, 90000);
      expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, record), record.length))).toBe(true);
      expectLikeFfprobe(VIDEO, probeStream(mkv), H264_PROFILES);
      expect(info(VIDEO, Info.Compat)).toBe(record[2]);
      expect(core.testAvcLengthSize(VIDEO)).toBe(4);
      expect(info(VIDEO, Info.ConfigRecord)).toBe(1);
      expect(hex(stored(VIDEO))).toBe(hex(record));
      const theirs = mp4Entry(remuxMp4(mkv));
      expect(hex(entryBox(theirs, 'avcC').payload)).toBe(hex(record));
      const ours = initSegment(VIDEO, `h264-${pixFmt}-${args.length}.init.mp4`);
      expect(ours.entry.type).toBe('avc1');
      expect(hex(entryBox(ours.entry, 'avcC').payload)).toBe(hex(record));
      const back = probeStream(ours.path);
      expect([back.codec_name, back.width, back.height]).toEqual(['h264', 160, 120]);
    });
  }

  it('lengthSizeMinusOne 0 and 1 are kept (1- and 2-byte NAL lengths), 2 is refused; a broken High tail is dropped', () => {
    const mkv = videoFile('h264-tail.mkv', 'yuv420p', ['-c:v', 'libx264', '-profile:v', 'high']);
    const full = codecPrivate(mkv);
    // ffmpeg 5.1 ends a High profile record with the tail: 4:2:0 (0xFD), 8-bit (0xF8, 0xF8), no SPS extensions.
    expect(hex(full.subarray(-4))).toBe('fdf8f800');
    const record = full.subarray(0, -4);
    for (const [minus1, answer] of [
      [0, 1],
      [1, 2],
      [3, 4],
    ] as const) {
      const r = record.slice();
      r[4] = 0xfc | minus1;
      expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, r), r.length))).toBe(true);
      expect(core.testAvcLengthSize(VIDEO)).toBe(answer);
    }
    const three = record.slice();
    three[4] = 0xfe;
    expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, three), three.length))).toBe(false);
    // High profile tail (14496-15 5.3.3.1): none, or a valid one (with an SPS extension), is kept as it is; one
    // cut short, or whose SPS extension runs past the end, is dropped.
    const withExt = Uint8Array.from([...record, 0xfd, 0xf8, 0xf8, 0x01, 0x00, 0x02, 0x6d, 0x00]);
    for (const r of [record, full, withExt]) {
      expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, r), r.length))).toBe(true);
      expect(hex(stored(VIDEO))).toBe(hex(r));
    }
    for (const r of [full.subarray(0, -1), withExt.subarray(0, -1)]) {
      expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, r), r.length))).toBe(true);
      expect(hex(stored(VIDEO))).toBe(hex(record));
    }
  });

  it('refuses a record with another configurationVersion, no SPS, or a first SPS that is not an SPS', () => {
    const record = codecPrivate(videoFile('h264-refuse.mkv', 'yuv420p', ['-c:v', 'libx264']));
    const version = record.slice();
    version[0] = 0;
    const noSps = record.slice();
    noSps[5] = 0xe0;
    const notSps = record.slice();
    notSps[8] = (notSps[8]! & 0xe0) | 8; // the first SPS's nal_unit_type made a PPS
    for (const [name, r] of [
      ['version 0', version],
      ['no SPS', noSps],
      ['PPS as SPS', notSps],
    ] as const) {
      expect(ok(core.testConfigureAvcFromRecord(VIDEO, writeScratch(core, r), r.length)), name).toBe(false);
    }
  });
});

describe('HEVC: CodecPrivate is an HEVCDecoderConfigurationRecord (configureHevcFromRecord)', () => {
  for (const pixFmt of ['yuv420p', 'yuv420p10le']) {
    it(`libx265 ${pixFmt}: Info like ffprobe; hvcC is the record, byte for byte ffmpeg's; 4-byte lengths`, () => {
      const mkv = videoFile(`hevc-${pixFmt}.mkv`, pixFmt, ['-c:v', 'libx265', '-x265-params', 'log-level=error']);
      const track = mkvTrack(mkv);
      expect(track.codecId).toBe('V_MPEGH/ISO/HEVC');
      const record = track.codecPrivate!;
      declare(VIDEO, Kind.Video, Codec.Hevc, 90000);
      expect(ok(core.testConfigureHevcFromRecord(VIDEO, writeScratch(core, record), record.length))).toBe(true);
      expectLikeFfprobe(VIDEO, probeStream(mkv), HEVC_PROFILES);
      // The codec string fields are the record's own (14496-15 8.3.3.1.2 copies them from the SPS).
      const v = new DataView(record.buffer, record.byteOffset);
      expect(info(VIDEO, Info.ProfileSpace)).toBe(record[1]! >> 6);
      expect(info(VIDEO, Info.Tier)).toBe((record[1]! >> 5) & 1);
      expect(info(VIDEO, Info.CompatFlags)).toBe(v.getUint32(2));
      expect(info(VIDEO, Info.ConstraintHi)).toBe(v.getUint32(6));
      expect(info(VIDEO, Info.ConstraintLo)).toBe(v.getUint16(10));
      expect(info(VIDEO, Info.Level)).toBe(record[12]);
      expect(core.testHevcLengthSize(VIDEO)).toBe(4);
      expect(hex(stored(VIDEO))).toBe(hex(record));
      const theirs = mp4Entry(remuxMp4(mkv, ['-tag:v', 'hvc1']));
      expect(hex(entryBox(theirs, 'hvcC').payload)).toBe(hex(record));
      const ours = initSegment(VIDEO, `hevc-${pixFmt}.init.mp4`);
      expect(ours.entry.type).toBe('hvc1');
      expect(hex(entryBox(ours.entry, 'hvcC').payload)).toBe(hex(record));
      const back = probeStream(ours.path);
      expect([back.codec_name, back.width, back.height, back.profile]).toEqual([
        'hevc',
        160,
        120,
        probeStream(mkv).profile,
      ]);
    });
  }

  it('refuses another configurationVersion, lengthSizeMinusOne 2, and a record without SPS', () => {
    const record = codecPrivate(
      videoFile('hevc-refuse.mkv', 'yuv420p', ['-c:v', 'libx265', '-x265-params', 'log-level=error']),
    );
    const version = record.slice();
    version[0] = 0;
    const three = record.slice();
    three[21] = (three[21]! & 0xfc) | 2;
    const two = record.slice();
    two[21] = (two[21]! & 0xfc) | 1;
    expect(ok(core.testConfigureHevcFromRecord(VIDEO, writeScratch(core, two), two.length))).toBe(true);
    expect(core.testHevcLengthSize(VIDEO)).toBe(2);
    // Only the VPS array (the record's first): numOfArrays 1, and the bytes after it left out.
    const vpsLength = (record[26]! << 8) | record[27]!;
    const vpsOnly = Uint8Array.from([...record.subarray(0, 22), 1, ...record.subarray(23, 28 + vpsLength)]);
    expect(record[23]! & 0x3f).toBe(32);
    for (const [name, r] of [
      ['version 0', version],
      ['3-byte lengths', three],
      ['no SPS', vpsOnly],
    ] as const) {
      expect(ok(core.testConfigureHevcFromRecord(VIDEO, writeScratch(core, r), r.length)), name).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Codec strings (engine/tracks.ts)

describe('codec strings of the tracks configured here', () => {
  it('AAC says the object type signalled first (mp4a.40.2, .5, .29); FLAC is "flac"', () => {
    expect([2, 5, 29].map((t) => audioCodecString('aac', t))).toEqual(['mp4a.40.2', 'mp4a.40.5', 'mp4a.40.29']);
    expect(audioCodecString('flac', 0)).toBe('flac');
    expect(audioCodecString('opus', 0)).toBe('opus');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Damage

describe('damaged CodecPrivate: never a trap', () => {
  type Configure = (ptr: number, len: number) => number;
  const configure: Record<string, Configure> = {
    aac: (p, n) => core.testConfigureAacFromConfig(AUDIO, p, n),
    opus: (p, n) => core.testConfigureOpusFromHead(AUDIO, p, n),
    flac: (p, n) => core.testConfigureFlac(AUDIO, p, n),
    h264: (p, n) => core.testConfigureAvcFromRecord(VIDEO, p, n),
    hevc: (p, n) => core.testConfigureHevcFromRecord(VIDEO, p, n),
  };
  /** The real CodecPrivate of each codec, and the length below which no prefix of it is a configuration. */
  function samples(): [string, Uint8Array, number][] {
    const x265 = ['-c:v', 'libx265', '-x265-params', 'log-level=error'];
    const avc = codecPrivate(videoFile('damage-h264.mkv', 'yuv420p', ['-c:v', 'libx264', '-profile:v', 'high']));
    const hvc = codecPrivate(videoFile('damage-hevc.mkv', 'yuv420p', x265));
    const opus51 = codecPrivate(audioFile('damage-opus.mkv', 48000, 6, ['-c:a', 'libopus']));
    const flac = codecPrivate(audioFile('damage-flac.mkv', 44100, 2, ['-c:a', 'flac']));
    const aac = codecPrivate(audioFile('damage-aac.mkv', 44100, 2, ['-c:a', 'aac']));
    return [
      ['aac', aac, 2], // the core configuration is 2 bytes; the rest is an optional extension
      ['opus', opus51, opus51.length], // the mapping table is part of the head
      ['flac', flac, 42], // marker, block header, STREAMINFO
      ['h264', avc, avc.length - 4], // the PPS list ends 4 bytes before the end: a High tail cut short is dropped
      ['hevc', hvc, hvc.length], // the arrays run to the end
    ];
  }

  it('every truncation of a real CodecPrivate, ending at the end of memory: false when cut inside the configuration', () => {
    for (const [name, bytes, needed] of samples()) {
      for (let n = 0; n <= bytes.length; n++) {
        const answer = ok(configure[name]!(atMemoryEnd(bytes.subarray(0, n)), n));
        expect(answer, `${name}, ${n} of ${bytes.length} bytes`).toBe(n >= needed);
      }
    }
  });

  it('seeded random changes to real CodecPrivate bytes never trap', () => {
    const random = new Random(0x6d6b76);
    for (const [name, bytes] of samples()) {
      for (let i = 0; i < 400; i++) {
        const b = bytes.slice();
        const changes = random.logInt(8);
        for (let k = 0; k < changes; k++)
          b[random.int(b.length)] = random.chance(0.5) ? random.int(256) : b[random.int(b.length)]!;
        const n = random.chance(0.2) ? random.int(b.length + 1) : b.length;
        configure[name]!(atMemoryEnd(b.subarray(0, n)), n);
      }
    }
  });
});
