// Box writing (wasm/mp4): the muxed init segment of a known fixture compared byte for byte with a committed golden
// file, its box tree checked with an independent walker (test/helpers/isobmff.ts, written from ISO/IEC 14496-12),
// its codec configuration compared with the fixture's own SPS/PPS/ADTS bytes, and ffprobe opening it on its own.
//
// The golden file is written only on request:  UPDATE_GOLDEN=1 npx vitest run test/node/boxes.test.ts
// Review the diff of the box tree before committing a new one.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFfmpeg } from '../helpers/ffmpeg.js';
import { all, type Box, find, fourcc, outline, u16, u32, walkBoxes } from '../helpers/isobmff.js';
import { fixturePath, ROOT } from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';
import { firstNal, pidsOf, readAdts, walkTs } from '../helpers/ts-walk.js';

const FIXTURE = fixturePath('ts-h264-baseline-aac.ts');
const GOLDEN = join(ROOT, 'test/node/golden/ts-h264-baseline-aac.init.mp4');

let muxedInit: Uint8Array;
let perTrackInits: Uint8Array[];
let tmp: string;

/** The init segment(s) of a run: the output bytes of its init events. */
async function inits(output: 'muxed' | 'per-track'): Promise<Uint8Array[]> {
  const r = await runEngine(new Uint8Array(readFileSync(FIXTURE)), { output });
  expect(r.errors).toEqual([]);
  const result: Uint8Array[] = [];
  let o = 0;
  for (const s of r.segments) {
    if (s.type === 'init') result.push(r.output.slice(o, o + s.length));
    o += s.length;
  }
  return result;
}

beforeAll(async () => {
  const m = await inits('muxed');
  expect(m).toHaveLength(1);
  muxedInit = m[0]!;
  perTrackInits = await inits('per-track');
  tmp = mkdtempSync(join(tmpdir(), 'weir-boxes-'));
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('golden init segment (ts-h264-baseline-aac.ts, muxed)', () => {
  it('is byte-identical to test/node/golden/ts-h264-baseline-aac.init.mp4', () => {
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, muxedInit);
    expect(existsSync(GOLDEN), `${GOLDEN} is missing: write it with UPDATE_GOLDEN=1`).toBe(true);
    const golden = new Uint8Array(readFileSync(GOLDEN));
    if (Buffer.compare(golden, muxedInit) !== 0) {
      // Show where the structure differs before failing on the bytes.
      expect(outline(walkBoxes(muxedInit))).toEqual(outline(walkBoxes(golden)));
    }
    expect(Buffer.from(muxedInit).equals(Buffer.from(golden))).toBe(true);
  });
});

describe('box tree of the muxed init segment (ISO/IEC 14496-12)', () => {
  let boxes: Box[];
  beforeAll(() => {
    boxes = walkBoxes(muxedInit);
  });

  it('is ftyp then moov, nothing else, and moov holds mvhd, two trak and mvex', () => {
    expect(boxes.map((b) => b.type)).toEqual(['ftyp', 'moov']);
    expect(find(boxes, 'moov')!.children.map((b) => b.type)).toEqual(['mvhd', 'trak', 'trak', 'mvex']);
  });

  it('has the full tree of an fMP4 init segment', () => {
    const track = (entry: string[], mediaHeader: string) => [
      '  trak',
      '    tkhd',
      '    mdia',
      '      mdhd',
      '      hdlr',
      '      minf',
      `        ${mediaHeader}`,
      '        dinf',
      '          dref',
      '            url ',
      '        stbl',
      '          stsd',
      ...entry,
      '          stts',
      '          stsc',
      '          stsz',
      '          stco',
    ];
    expect(outline(boxes)).toEqual([
      'ftyp',
      'moov',
      '  mvhd',
      ...track(['            avc1', '              avcC'], 'vmhd'),
      ...track(['            mp4a', '              esds'], 'smhd'),
      '  mvex',
      '    trex',
      '    trex',
    ]);
  });

  it('ftyp: major brand isom, compatible with isom/iso6/mp41', () => {
    const ftyp = find(boxes, 'ftyp')!.payload;
    expect(fourcc(ftyp, 0)).toBe('isom');
    const brands: string[] = [];
    for (let o = 8; o < ftyp.length; o += 4) brands.push(fourcc(ftyp, o));
    expect(brands).toEqual(['isom', 'iso6', 'mp41']);
  });

  it('mvhd: timescale 1000, next_track_ID 3', () => {
    const mvhd = find(boxes, 'moov', 'mvhd')!.payload;
    expect(mvhd[0]).toBe(0); // version
    expect(u32(mvhd, 12)).toBe(1000); // timescale
    expect(u32(mvhd, mvhd.length - 4)).toBe(3); // next_track_ID
  });

  it('track 1 is video: tkhd 320x240, mdhd timescale 90000, hdlr vide', () => {
    const trak = all(find(boxes, 'moov')!.children, 'trak')[0]!;
    const tkhd = find(trak.children, 'tkhd')!.payload;
    expect(u32(tkhd, 0) & 0xffffff).toBe(3); // flags: track_enabled | track_in_movie
    expect(u32(tkhd, 12)).toBe(1); // track_ID
    expect(u32(tkhd, 76)).toBe(320 << 16); // width 16.16
    expect(u32(tkhd, 80)).toBe(240 << 16); // height 16.16
    const mdhd = find(trak.children, 'mdia', 'mdhd')!.payload;
    expect(u32(mdhd, 12)).toBe(90000);
    expect(fourcc(find(trak.children, 'mdia', 'hdlr')!.payload, 8)).toBe('vide');
  });

  it('avc1/avcC carry the fixture SPS and PPS bytes, profile/level and 4-byte NAL lengths', () => {
    const trak = all(find(boxes, 'moov')!.children, 'trak')[0]!;
    const avc1 = find(trak.children, 'mdia', 'minf', 'stbl', 'stsd', 'avc1')!;
    expect(u16(avc1.payload, 6)).toBe(1); // data_reference_index
    expect(u16(avc1.payload, 24)).toBe(320); // width
    expect(u16(avc1.payload, 26)).toBe(240); // height
    const avcC = find(avc1.children, 'avcC')!.payload;
    const ts = walkTs(new Uint8Array(readFileSync(FIXTURE)));
    const pid = pidsOf(ts).video!;
    const sps = firstNal(ts, pid, 7)!;
    const pps = firstNal(ts, pid, 8)!;
    expect([...avcC.subarray(0, 5)]).toEqual([1, sps[1], sps[2], sps[3], 0xff]); // version, profile, compat, level, 4-byte lengths
    expect(avcC[5]! & 0x1f).toBe(1); // numOfSequenceParameterSets
    const spsLength = u16(avcC, 6);
    expect([...avcC.subarray(8, 8 + spsLength)]).toEqual([...sps]);
    const p = 8 + spsLength;
    expect(avcC[p]).toBe(1); // numOfPictureParameterSets
    const ppsLength = u16(avcC, p + 1);
    expect([...avcC.subarray(p + 3, p + 3 + ppsLength)]).toEqual([...pps]);
    expect(avcC.length).toBe(p + 3 + ppsLength); // profile 66: no High-profile extension bytes
  });

  it('track 2 is audio: mdhd timescale 48000, hdlr soun, mp4a 2 ch 48 kHz, esds with the ADTS configuration', () => {
    const trak = all(find(boxes, 'moov')!.children, 'trak')[1]!;
    const tkhd = find(trak.children, 'tkhd')!.payload;
    expect(u32(tkhd, 12)).toBe(2); // track_ID
    expect(u16(tkhd, 36)).toBe(0x0100); // volume
    expect(u32(find(trak.children, 'mdia', 'mdhd')!.payload, 12)).toBe(48000);
    expect(fourcc(find(trak.children, 'mdia', 'hdlr')!.payload, 8)).toBe('soun');
    const mp4a = find(trak.children, 'mdia', 'minf', 'stbl', 'stsd', 'mp4a')!;
    expect(u16(mp4a.payload, 16)).toBe(2); // channelcount
    expect(u16(mp4a.payload, 18)).toBe(16); // samplesize
    expect(u32(mp4a.payload, 24)).toBe(48000 * 65536); // samplerate 16.16
    const esds = find(mp4a.children, 'esds')!.payload;
    // ES_Descriptor (tag 3) > DecoderConfigDescriptor (tag 4, MPEG-4 audio 0x40) > DecoderSpecificInfo (tag 5).
    expect(esds[4]).toBe(0x03);
    const dcd = esds.indexOf(0x04, 5);
    expect(esds[dcd + 2]).toBe(0x40); // objectTypeIndication
    expect(esds[dcd + 3]! >> 2).toBe(0x05); // streamType: audio
    const dsi = esds.indexOf(0x05, dcd + 15);
    expect(esds[dsi + 1]).toBe(2);
    const asc = (esds[dsi + 2]! << 8) | esds[dsi + 3]!;
    const ts = walkTs(new Uint8Array(readFileSync(FIXTURE)));
    const firstAudio = ts.pes.find((p) => p.pid === pidsOf(ts).audio)!;
    const adts = readAdts(firstAudio.payload)!;
    expect(asc >> 11).toBe(adts.objectType); // audioObjectType
    expect((asc >> 7) & 0x0f).toBe(adts.rateIndex); // samplingFrequencyIndex
    expect((asc >> 3) & 0x0f).toBe(adts.channels); // channelConfiguration
  });

  it('sample tables are empty and trex names tracks 1 and 2 with sample description 1', () => {
    for (const trak of all(find(boxes, 'moov')!.children, 'trak')) {
      const stbl = find(trak.children, 'mdia', 'minf', 'stbl')!;
      for (const t of ['stts', 'stsc', 'stco']) expect(u32(find(stbl.children, t)!.payload, 4), t).toBe(0);
      expect(u32(find(stbl.children, 'stsz')!.payload, 8)).toBe(0); // sample_count
    }
    const trex = all(find(boxes, 'moov', 'mvex')!.children, 'trex');
    expect(trex.map((b) => [u32(b.payload, 4), u32(b.payload, 8)])).toEqual([
      [1, 1],
      [2, 1],
    ]);
  });
});

describe('per-track init segments', () => {
  it('are two, each with one trak and its trex, with the same track boxes as the muxed one', () => {
    expect(perTrackInits).toHaveLength(2);
    const muxedTraks = all(find(walkBoxes(muxedInit), 'moov')!.children, 'trak');
    perTrackInits.forEach((init, i) => {
      const moov = find(walkBoxes(init), 'moov')!;
      expect(moov.children.map((b) => b.type)).toEqual(['mvhd', 'trak', 'mvex']);
      const trak = find(moov.children, 'trak')!;
      expect(
        Buffer.from(muxedInit.subarray(muxedTraks[i]!.offset, muxedTraks[i]!.offset + muxedTraks[i]!.size)),
      ).toEqual(Buffer.from(init.subarray(trak.offset, trak.offset + trak.size)));
      expect(u32(find(moov.children, 'mvex', 'trex')!.payload, 4)).toBe(i + 1);
    });
  });
});

describe('ffprobe opens the init segment on its own', () => {
  // (ffprobe reads profile and level from the first frame, not from avcC, so an init segment alone has none.)
  it('finds H.264 320x240 and AAC 48 kHz stereo, with no error', () => {
    requireFfmpeg();
    const path = join(tmp, 'init.mp4');
    writeFileSync(path, muxedInit);
    const r = spawnSync('ffprobe', ['-v', 'error', '-show_streams', '-of', 'json', path], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr.trim()).toBe('');
    const streams = (JSON.parse(r.stdout) as { streams: Record<string, unknown>[] }).streams;
    expect(streams.map((s) => [s.codec_type, s.codec_name])).toEqual([
      ['video', 'h264'],
      ['audio', 'aac'],
    ]);
    expect(streams[0]).toMatchObject({ width: 320, height: 240 });
    expect(streams[1]).toMatchObject({ sample_rate: '48000', channels: 2 });
  });
});
