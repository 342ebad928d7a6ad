// The core's one bit reader (wasm/util/bitreader.ts): fixed-width reads, Exp-Golomb ue(v)/se(v) (H.264 9.1 and
// 9.1.1) on hand-made bit patterns, and the overrun flag that lets parsers detect truncated input without trapping.

import { beforeAll, describe, expect, it } from 'vitest';
import { BitWriter, loadTestCore, type TestCore, writeScratch } from '../helpers/test-core.js';

let core: TestCore;
beforeAll(async () => {
  core = await loadTestCore();
});

function reader(bytes: ArrayLike<number>): void {
  core.testBrInit(writeScratch(core, bytes), bytes.length);
}

describe('readBits', () => {
  it('reads most significant bit first, across byte boundaries', () => {
    reader([0b1011_0011, 0b0101_1100, 0xff, 0x00, 0x12, 0x34, 0x56, 0x78]);
    expect(core.testReadBits(1)).toBe(1);
    expect(core.testReadBits(3)).toBe(0b011);
    expect(core.testReadBits(6)).toBe(0b0011_01);
    expect(core.testBitPos()).toBe(10);
    expect(core.testReadBits(6)).toBe(0b01_1100);
    expect(core.testReadBits(16)).toBe(0xff00);
    expect(core.testReadBits(32) >>> 0).toBe(0x12345678);
    expect(core.testOverrun()).toBe(0);
  });

  it('reads a full 32-bit word with the top bit set as an unsigned value', () => {
    reader([0xde, 0xad, 0xbe, 0xef]);
    expect(core.testReadBits(32) >>> 0).toBe(0xdeadbeef);
    expect(core.testOverrun()).toBe(0);
  });

  it('reading 0 bits returns 0 and does not move', () => {
    reader([0xff]);
    expect(core.testReadBits(0)).toBe(0);
    expect(core.testBitPos()).toBe(0);
  });

  it('skipBits moves the position', () => {
    reader([0x0f, 0xf0]);
    core.testSkipBits(4);
    expect(core.testReadBits(8)).toBe(0xff);
    expect(core.testBitPos()).toBe(12);
  });
});

describe('readUE / readSE (Exp-Golomb, H.264 9.1)', () => {
  // Table 9-2: bit strings and their codeNum.
  const codes: [string, number][] = [
    ['1', 0],
    ['010', 1],
    ['011', 2],
    ['00100', 3],
    ['00101', 4],
    ['00110', 5],
    ['00111', 6],
    ['0001000', 7],
    ['0001111', 14],
    ['000010000', 15],
  ];

  it('decodes the codes of Table 9-2 read back to back', () => {
    const bits = codes.map(([s]) => s).join('');
    const w = new BitWriter();
    for (const c of bits) w.u(1, c === '1' ? 1 : 0);
    reader(w.trailing().bytes());
    for (const [s, value] of codes) {
      const before = core.testBitPos();
      expect(core.testReadUE(), `code ${s}`).toBe(value);
      expect(core.testBitPos() - before, `length of ${s}`).toBe(s.length);
    }
    expect(core.testOverrun()).toBe(0);
  });

  it('decodes large values up to 2^32 - 2 (31 leading zeros)', () => {
    const values = [255, 256, 65535, 1_000_000, 2 ** 31, 2 ** 32 - 2];
    const w = new BitWriter();
    for (const v of values) w.ue(v);
    reader(w.trailing().bytes());
    for (const v of values) expect(core.testReadUE() >>> 0).toBe(v);
    expect(core.testOverrun()).toBe(0);
  });

  it('maps codeNum to signed values 0, 1, -1, 2, -2, ... (Table 9-3)', () => {
    const w = new BitWriter();
    for (let k = 0; k <= 8; k++) w.ue(k);
    w.se(-1000)
      .se(1000)
      .se(2 ** 30)
      .se(-(2 ** 30));
    reader(w.trailing().bytes());
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => core.testReadSE())).toEqual([0, 1, -1, 2, -2, 3, -3, 4, -4]);
    expect(core.testReadSE()).toBe(-1000);
    expect(core.testReadSE()).toBe(1000);
    expect(core.testReadSE()).toBe(2 ** 30);
    expect(core.testReadSE()).toBe(-(2 ** 30));
    expect(core.testOverrun()).toBe(0);
  });
});

describe('overrun', () => {
  it('is set when readBits passes the end, and the missing bits read as zeros', () => {
    reader([0xff]);
    expect(core.testReadBits(8)).toBe(0xff);
    expect(core.testOverrun()).toBe(0);
    expect(core.testReadBits(4)).toBe(0);
    expect(core.testOverrun()).toBe(1);
  });

  it('is set by a read that starts inside and ends past the data', () => {
    reader([0xab]);
    expect(core.testReadBits(12)).toBe(0xab0);
    expect(core.testOverrun()).toBe(1);
  });

  it('is set by skipBits past the end but not by skipping exactly to it', () => {
    reader([0, 0]);
    core.testSkipBits(16);
    expect(core.testOverrun()).toBe(0);
    core.testSkipBits(1);
    expect(core.testOverrun()).toBe(1);
  });

  it('is set by a ue(v) cut short (all zeros, no terminating 1)', () => {
    reader([0x00, 0x00]);
    expect(core.testReadUE()).toBe(0);
    expect(core.testOverrun()).toBe(1);
  });

  it('is set by a ue(v) whose suffix is cut short', () => {
    reader([0b0000_0001]); // 7 zeros, the 1, then 7 suffix bits that are not there
    core.testReadUE();
    expect(core.testOverrun()).toBe(1);
  });

  it('is set by more than 31 leading zeros (not a valid ue(v) in a 32-bit syntax element)', () => {
    reader([0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff]);
    expect(core.testReadUE()).toBe(0);
    expect(core.testOverrun()).toBe(1);
  });

  it('is cleared by brInit', () => {
    reader([]);
    core.testReadBits(1);
    expect(core.testOverrun()).toBe(1);
    reader([0x80]);
    expect(core.testOverrun()).toBe(0);
    expect(core.testReadBits(1)).toBe(1);
  });
});
