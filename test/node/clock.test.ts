// 33-bit MPEG-2 timestamps (wasm/mpegts/clock.ts, ISO/IEC 13818-1 2.4.3.7): the PTS/DTS field reader, and the
// unwrapping that keeps a program's clock continuous across the 2^33 wrap (about every 26.5 hours), forwards and
// backwards, far from zero. Plus CRC-32/MPEG-2 (wasm/util/crc32.ts, Annex A) that guards PSI sections.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/media.js';
import { loadTestCore, type TestCore, writeScratch } from '../helpers/test-core.js';

let core: TestCore;
beforeAll(async () => {
  core = await loadTestCore();
});

const WRAP = 2 ** 33;
const HOUR = 3600 * 90000;

/** The 5-byte PTS field '0010' + PTS[32..30] + marker, PTS[29..15] + marker, PTS[14..0] + marker. */
function ptsField(value: number, prefix = 0b0010): number[] {
  const hi = Math.floor(value / 2 ** 30) & 7;
  const mid = Math.floor(value / 2 ** 15) & 0x7fff;
  const lo = value & 0x7fff;
  return [(prefix << 4) | (hi << 1) | 1, mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1];
}

describe('readTimestamp', () => {
  it('reads 33-bit values, including the top bit and the largest value', () => {
    for (const v of [
      0,
      1,
      90000,
      0x7fff,
      0x8000,
      2 ** 30 - 1,
      2 ** 30,
      2 ** 32,
      2 ** 32 + 12345,
      WRAP - 1,
      10 * HOUR,
    ]) {
      expect(core.testReadTimestamp(writeScratch(core, ptsField(v))), `${v}`).toBe(v);
    }
  });

  it('ignores the prefix and marker bits (PTS of a PTS+DTS pair, DTS prefix 0001)', () => {
    expect(core.testReadTimestamp(writeScratch(core, ptsField(123456789, 0b0011)))).toBe(123456789);
    expect(core.testReadTimestamp(writeScratch(core, ptsField(987654321, 0b0001)))).toBe(987654321);
  });
});

describe('unwrap', () => {
  it('returns the first value as it is, even 10 hours in (36000 s × 90 kHz does not fit 32 bits)', () => {
    core.testResetClock();
    const start = 10 * HOUR; // 3 240 000 000
    expect(start).toBeGreaterThan(2 ** 31);
    expect(core.testUnwrap(start)).toBe(start);
    for (let i = 1; i <= 100; i++) expect(core.testUnwrap(start + i * 3600)).toBe(start + i * 3600);
  });

  it('keeps going forwards across the wrap: values after it are 2^33 higher', () => {
    core.testResetClock();
    const values: number[] = [];
    for (let t = WRAP - 5 * 90000; t < WRAP + 5 * 90000; t += 3000) values.push(core.testUnwrap(t % WRAP));
    values.forEach((v, i) => {
      expect(v).toBe(WRAP - 5 * 90000 + i * 3000);
    });
  });

  it('goes backwards across the wrap: a stream starting just after it, then a value from just before', () => {
    core.testResetClock();
    expect(core.testUnwrap(1000)).toBe(1000);
    expect(core.testUnwrap(WRAP - 2000)).toBe(-2000);
    expect(core.testUnwrap(500)).toBe(500);
  });

  it('B-frame order around the wrap (DTS and PTS interleaved, PTS ahead by a few frames)', () => {
    core.testResetClock();
    const base = WRAP - 7000;
    expect(core.testUnwrap(base - 9000)).toBe(base - 9000); // the first value (below 2^33) sets the reference
    for (let i = 0; i < 10; i++) {
      const dts = base + i * 3000;
      const pts = dts + 9000;
      expect(core.testUnwrap(pts % WRAP)).toBe(pts);
      expect(core.testUnwrap(dts % WRAP)).toBe(dts);
    }
  });

  it('stays continuous over several wraps (three days of a live stream in 2^31 steps)', () => {
    core.testResetClock();
    let t = 12345;
    for (let i = 0; i < 40; i++) {
      expect(core.testUnwrap(t % WRAP)).toBe(t);
      t += 2 ** 31;
    }
    expect(t).toBeGreaterThan(8 * WRAP);
  });

  it('a jump of less than half the range is taken as a jump, not a wrap', () => {
    core.testResetClock();
    expect(core.testUnwrap(HOUR)).toBe(HOUR);
    expect(core.testUnwrap(HOUR + 2 ** 32 - 90000)).toBe(HOUR + 2 ** 32 - 90000);
    expect(core.testUnwrap(HOUR)).toBe(HOUR);
  });

  it('resetClock forgets the reference', () => {
    core.testResetClock();
    core.testUnwrap(WRAP - 10);
    core.testResetClock();
    expect(core.testUnwrap(5)).toBe(5);
  });
});

describe('CRC-32/MPEG-2 (13818-1 Annex A)', () => {
  it('has the check value 0x0376E6E7 for "123456789"', () => {
    const bytes = new TextEncoder().encode('123456789');
    expect(core.testCrc32(writeScratch(core, bytes), bytes.length) >>> 0).toBe(0x0376e6e7);
  });

  it('is 0xFFFFFFFF (the initial value) over no bytes', () => {
    expect(core.testCrc32(writeScratch(core, []), 0) >>> 0).toBe(0xffffffff);
  });

  it('is 0 over a whole PAT section of a fixture, its CRC_32 included, and not 0 when a bit flips', () => {
    const ts = readFileSync(fixturePath('ts-h264-baseline-aac.ts'));
    let section: Uint8Array | undefined;
    for (let o = 0; o + 188 <= ts.length && !section; o += 188) {
      const pid = ((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!;
      if (pid !== 0 || !(ts[o + 1]! & 0x40)) continue;
      const start = o + 5 + ts[o + 4]!; // after pointer_field
      const length = 3 + (((ts[start + 1]! & 0x0f) << 8) | ts[start + 2]!);
      section = new Uint8Array(ts.subarray(start, start + length));
    }
    expect(section).toBeDefined();
    expect(core.testCrc32(writeScratch(core, section!), section!.length) >>> 0).toBe(0);
    section![3]! ^= 0x01;
    expect(core.testCrc32(writeScratch(core, section!), section!.length) >>> 0).not.toBe(0);
  });
});
