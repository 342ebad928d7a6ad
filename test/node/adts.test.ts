// ADTS header parsing (wasm/codecs/aac.ts, ISO/IEC 13818-7 6.2 / 14496-3 1.A.2) and the Annex B start-code finder
// (wasm/util/startcode.ts, H.264 B.1) with its SIMD block loop: headers from the fixtures checked against an
// independent reader and the fixture summaries, CRC-protected and invalid headers, and start codes at every
// position of crafted buffers, including across the 16-byte block boundaries and at the very end.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureFiles, ROOT, readSummary } from '../helpers/media.js';
import { loadTestCore, type TestCore, writeScratch } from '../helpers/test-core.js';
import { ADTS_RATES, readAdts, walkTs } from '../helpers/ts-walk.js';

let core: TestCore;
beforeAll(async () => {
  core = await loadTestCore();
});

interface Adts {
  frameLength: number;
  headerLength: number;
  objectType: number;
  sampleRate: number;
  channels: number;
}

function parse(bytes: ArrayLike<number>): Adts | 0 {
  const length = core.testParseAdts(writeScratch(core, bytes)) >>> 0;
  if (length === 0) return 0;
  return {
    frameLength: length,
    headerLength: core.testAdtsHeaderLength(),
    objectType: core.testAdtsObjectType(),
    sampleRate: core.testAdtsSampleRate(),
    channels: core.testAdtsChannels(),
  };
}

/** An ADTS header (13818-7 Table 6.2 fields) built bit by bit; with CRC when protectionAbsent is 0. */
function header(o: {
  frameLength: number;
  objectType?: number;
  rateIndex?: number;
  channels?: number;
  protectionAbsent?: number;
  id?: number;
  blocks?: number;
}): number[] {
  const profile = (o.objectType ?? 2) - 1;
  const rate = o.rateIndex ?? 3;
  const ch = o.channels ?? 2;
  const pa = o.protectionAbsent ?? 1;
  const fl = o.frameLength;
  const bytes = [
    0xff, // syncword (12 bits)...
    0xf0 | ((o.id ?? 0) << 3) | pa, // ...syncword, ID, layer '00', protection_absent
    (profile << 6) | (rate << 2) | (ch >> 2), // profile_ObjectType, sampling_frequency_index, private_bit, channel_configuration
    ((ch & 3) << 6) | (fl >> 11), // channel_configuration, original_copy, home, copyright bits, aac_frame_length
    (fl >> 3) & 0xff,
    ((fl & 7) << 5) | 0x1f, // aac_frame_length, adts_buffer_fullness 0x7FF (VBR)...
    0xfc | (o.blocks ?? 0), // ...adts_buffer_fullness, number_of_raw_data_blocks_in_frame
  ];
  if (!pa) bytes.push(0x12, 0x34); // crc_check
  return bytes;
}

/** Every fixture (and the demo sample) with its ADTS AAC tracks: summary codec 'aac' (LATM is 'aac_latm'). */
const withAdts = [...fixtureFiles().map((f) => f.path), join(ROOT, 'demo/media/sample.ts')]
  .map((path) => ({ path, tracks: readSummary(path).tracks.filter((t) => t.kind === 'audio' && t.codec === 'aac') }))
  .filter((f) => f.tracks.length > 0);

/** True when an elementary PID of the file carries a PES whose payload starts with an ADTS header. */
function bytesShowAdts(path: string): boolean {
  const ts = walkTs(new Uint8Array(readFileSync(path)));
  return ts.pes.some((p) => readAdts(p.payload) !== undefined);
}

describe('ADTS headers from the fixtures', () => {
  it('covers every fixture with ADTS audio (the summaries and the bytes agree on which)', () => {
    const all = [...fixtureFiles().map((f) => f.path), join(ROOT, 'demo/media/sample.ts')];
    expect(withAdts.map((f) => f.path)).toEqual(all.filter(bytesShowAdts));
    // stream_type 0x0F, and 0x06 without a descriptor (M2TS): both carry ADTS.
    const types = new Set(withAdts.flatMap((f) => f.tracks.map((t) => t.streamType)));
    expect([...types].sort((a, b) => a - b)).toEqual([0x06, 0x0f]);
  });

  for (const { path, tracks } of withAdts) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    for (const audio of tracks) {
      it(`${name}, PID ${audio.pid}: every frame of the first audio PES packets parses like the independent reader says`, () => {
        const ts = walkTs(new Uint8Array(readFileSync(path)));
        let frames = 0;
        for (const pes of ts.pes.filter((p) => p.pid === audio.pid).slice(0, 5)) {
          let o = 0;
          // ffmpeg's muxer starts every audio PES on a frame and never splits one: walk the frames back to back.
          while (o < pes.payload.length) {
            const expected = readAdts(pes.payload, o);
            expect(expected, `ADTS sync at ${o}`).toBeDefined();
            const got = parse(pes.payload.subarray(o, o + 9));
            expect(got).toEqual({
              frameLength: expected!.frameLength,
              headerLength: 7,
              objectType: expected!.objectType,
              sampleRate: ADTS_RATES[expected!.rateIndex],
              channels: expected!.channels,
            });
            if (got === 0) break;
            // ...and against the summary (ffprobe): rate, channels, mp4a.40.<object type>.
            expect(got.sampleRate).toBe(audio.sampleRate);
            expect(got.channels).toBe(audio.channels);
            expect(`mp4a.40.${got.objectType}`).toBe(audio.codecString);
            o += got.frameLength;
            frames++;
          }
          expect(o).toBe(pes.payload.length);
        }
        expect(frames).toBeGreaterThan(0);
      });
    }
  }
});

describe('ADTS headers built by hand', () => {
  it('reads every field of a protection_absent=1 header', () => {
    expect(parse(header({ frameLength: 371, objectType: 2, rateIndex: 4, channels: 2 }))).toEqual({
      frameLength: 371,
      headerLength: 7,
      objectType: 2,
      sampleRate: 44100,
      channels: 2,
    });
  });

  it('a CRC-protected header (protection_absent=0) is 9 bytes long', () => {
    expect(parse(header({ frameLength: 200, protectionAbsent: 0, objectType: 1, rateIndex: 8, channels: 1 }))).toEqual({
      frameLength: 200,
      headerLength: 9,
      objectType: 1,
      sampleRate: 16000,
      channels: 1,
    });
  });

  it('the largest frame length (8191) and MPEG-2 ID are accepted', () => {
    expect(parse(header({ frameLength: 8191, id: 1, rateIndex: 0, channels: 6 }))).toMatchObject({
      frameLength: 8191,
      sampleRate: 96000,
      channels: 6,
    });
  });

  it('every valid sampling_frequency_index maps to its rate (Table 1.18)', () => {
    ADTS_RATES.forEach((rate, rateIndex) => {
      expect(parse(header({ frameLength: 100, rateIndex })), `index ${rateIndex}`).toMatchObject({ sampleRate: rate });
    });
  });

  it('rejects a bad syncword', () => {
    expect(parse([0xff, 0x00, 0x50, 0x80, 0x2e, 0x7f, 0xfc])).toBe(0);
    expect(parse([0xfe, 0xf1, 0x50, 0x80, 0x2e, 0x7f, 0xfc])).toBe(0);
    expect(parse([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00])).toBe(0);
    expect(parse([0x47, 0x40, 0x00, 0x10, 0x00, 0x00, 0xb0])).toBe(0);
  });

  it('rejects a layer other than 0 (MPEG audio layers I-III)', () => {
    const h = header({ frameLength: 100 });
    for (const layer of [1, 2, 3]) {
      const bad = [...h];
      bad[1] = (bad[1]! & ~0x06) | (layer << 1);
      expect(parse(bad), `layer ${layer}`).toBe(0);
    }
  });

  it('rejects the reserved sampling_frequency_index values 13..15', () => {
    for (const rateIndex of [13, 14, 15]) expect(parse(header({ frameLength: 100, rateIndex }))).toBe(0);
  });

  it('rejects a frame length that does not go past the header', () => {
    expect(parse(header({ frameLength: 7 }))).toBe(0);
    expect(parse(header({ frameLength: 0 }))).toBe(0);
    expect(parse(header({ frameLength: 8 }))).toMatchObject({ frameLength: 8 });
    expect(parse(header({ frameLength: 9, protectionAbsent: 0 }))).toBe(0);
    expect(parse(header({ frameLength: 10, protectionAbsent: 0 }))).toMatchObject({ frameLength: 10, headerLength: 9 });
  });
});

describe('findStartCode (Annex B, SIMD blocks of 16)', () => {
  const FILL = 0x5a;

  /** A buffer of `len` filler bytes with 00 00 01 at each of `at`. */
  function buffer(len: number, at: number[], fill = FILL): Uint8Array {
    const b = new Uint8Array(len).fill(fill);
    for (const p of at) b.set([0, 0, 1], p);
    return b;
  }

  function find(b: Uint8Array, from = 0, align = 0): number {
    const base = writeScratch(core, b, align);
    return (core.testFindStartCode(base + from, base + b.length) >>> 0) - base;
  }

  it('finds a start code at every position of buffers of every length 3..80, at 4 alignments', () => {
    for (let len = 3; len <= 80; len++) {
      for (let pos = 0; pos + 3 <= len; pos++) {
        for (const align of [0, 1, 7, 15]) {
          expect(find(buffer(len, [pos]), 0, align), `len ${len} pos ${pos} align ${align}`).toBe(pos);
        }
      }
    }
  });

  it('returns the end when there is none, also with near misses and zero runs', () => {
    for (let len = 0; len <= 70; len++) expect(find(buffer(len, [])), `len ${len}`).toBe(len);
    const near = Uint8Array.from([0, 0, 2, 0, 1, 0, 0, 0, 0, 3, 1, 0, 0, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(find(near)).toBe(near.length);
    // 00 00 cut by the end of the buffer is not a start code.
    const cut = buffer(40, []);
    cut.set([0, 0], 38);
    expect(find(cut)).toBe(40);
  });

  it('finds the first of several start codes, and the next one from just after it', () => {
    const b = buffer(100, [5, 14, 15 + 16, 62, 97]);
    const found: number[] = [];
    for (let p = find(b); p < b.length; p = find(b, p + 3)) found.push(p);
    expect(found).toEqual([5, 14, 31, 62, 97]);
  });

  it('a 4-byte start code 00 00 00 01 is found at its 00 00 01', () => {
    const b = buffer(64, []);
    b.set([0, 0, 0, 1], 14);
    expect(find(b)).toBe(15);
    b.fill(0);
    b[63] = 1; // a long zero run ending at the last byte
    expect(find(b)).toBe(61);
  });

  it('candidates straddling each 16-byte block boundary (last bytes of one block, first of the next)', () => {
    for (const boundary of [16, 32, 48]) {
      for (const pos of [boundary - 2, boundary - 1]) {
        expect(find(buffer(boundary + 40, [pos])), `pos ${pos}`).toBe(pos);
        // Only the zeros in this block and the 01 in the next one:
        const b = buffer(boundary + 40, []);
        b.set([0, 0, 1], pos);
        expect(find(b, 1)).toBe(pos);
      }
    }
  });

  it('a start code at the very end of the range, and one that the end cuts off', () => {
    const b = buffer(50, [47]);
    expect(find(b)).toBe(47);
    const base = writeScratch(core, b);
    expect((core.testFindStartCode(base, base + 49) >>> 0) - base).toBe(49);
  });
});

describe('unescapeRbsp (H.264 7.4.1)', () => {
  it('removes emulation_prevention_three_byte after two zeros only', () => {
    const src = Uint8Array.from([0x67, 0, 0, 3, 1, 0, 0, 3, 0, 0, 3, 3, 0, 3, 0, 0, 0, 3]);
    const ptr = writeScratch(core, src);
    const dst = ptr + 0x1000;
    const n = core.testUnescape(ptr, src.length, dst);
    expect([...new Uint8Array(core.memory.buffer, dst, n)]).toEqual([0x67, 0, 0, 1, 0, 0, 0, 0, 3, 0, 3, 0, 0, 0]);
  });
});
