/**
 * Loads build/weir.test.wasm (the core plus the test exports of wasm/testing.ts) straight into a WebAssembly
 * instance, so unit tests call the bit reader, the SPS/ADTS parsers, the start-code finder and the clock directly.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './media.js';

/** The exports of wasm/testing.ts (numbers only: i32 results arrive signed, use `>>> 0` for u32). */
export interface TestCore {
  memory: WebAssembly.Memory;
  init(mode: number, fragmentMs: number, audioTrack: number, flags: number, program: number): number;
  testScratch(): number;
  testBrInit(ptr: number, len: number): void;
  testReadBits(n: number): number;
  testReadUE(): number;
  testReadSE(): number;
  testSkipBits(n: number): void;
  testBitPos(): number;
  testOverrun(): number;
  testParseSps(ptr: number, len: number): number;
  testTrackInfo(slot: number): number;
  testParseAdts(ptr: number): number;
  testAdtsHeaderLength(): number;
  testAdtsObjectType(): number;
  testAdtsSampleRate(): number;
  testAdtsChannels(): number;
  testFindStartCode(ptr: number, end: number): number;
  testUnescape(src: number, len: number, dst: number): number;
  testResetClock(): void;
  testUnwrap(ts: number): number;
  testReadTimestamp(ptr: number): number;
  testCrc32(ptr: number, len: number): number;
}

const WASM = join(ROOT, 'build/weir.test.wasm');

/** A fresh test instance with its memory grown (init(1, 0, -1, 0, -1)). */
export async function loadTestCore(): Promise<TestCore> {
  if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run \`npm run build:wasm\` first`);
  const { instance } = await WebAssembly.instantiate(readFileSync(WASM), {});
  const core = instance.exports as unknown as TestCore;
  if (core.init(1, 0, -1, 0, -1) !== 0) throw new Error('init(1, 0, -1, 0, -1) of the test core failed');
  return core;
}

/** Writes bytes at the scratch area (offset `at` into it) and returns their address. */
export function writeScratch(core: TestCore, bytes: ArrayLike<number>, at = 0): number {
  const ptr = core.testScratch() + at;
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}

/** Offsets of the track info record (wasm/remux/track.ts `Info`), as the engine reads them. */
export { TrackInfoField as Info } from '../../engine/tracks.js';

/** Reads a u32 field of a track info record. */
export function infoU32(core: TestCore, slot: number, field: number): number {
  return new DataView(core.memory.buffer).getUint32(core.testTrackInfo(slot) + field, true);
}

/** A big-endian bit writer for hand-built syntax (Exp-Golomb per H.264 9.1). */
export class BitWriter {
  private readonly bits: number[] = [];

  u(n: number, value: number): this {
    for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(value / 2 ** i) % 2);
    return this;
  }

  ue(value: number): this {
    const code = value + 1;
    const len = Math.floor(Math.log2(code));
    return this.u(len, 0).u(len + 1, code);
  }

  se(value: number): this {
    return this.ue(value > 0 ? 2 * value - 1 : -2 * value);
  }

  /** rbsp_trailing_bits (7.3.2.11): a stop bit, then zeros to the byte boundary. */
  trailing(): this {
    this.bits.push(1);
    while (this.bits.length % 8) this.bits.push(0);
    return this;
  }

  get length(): number {
    return this.bits.length;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(Math.ceil(this.bits.length / 8));
    this.bits.forEach((b, i) => {
      if (b) out[i >> 3] = (out[i >> 3] ?? 0) | (0x80 >> (i & 7));
    });
    return out;
  }
}

/** Inserts emulation_prevention_three_byte where an RBSP would contain 00 00 0x (x <= 3) (H.264 7.4.1). */
export function escapeRbsp(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const b of rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(b);
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

/** The frame-header hooks of the test core (wasm/testing.ts: the codecs/frame.ts fields). */
export interface FrameHooks {
  testFrameLength(): number;
  testFrameSkip(): number;
  testFrameSamples(): number;
  testFrameRate(): number;
  testFrameChannels(): number;
}

/** The codecs/frame.ts fields set by the last frame header a parser answered Header for. */
export function frameFields(core: FrameHooks): {
  length: number;
  skip: number;
  samples: number;
  rate: number;
  channels: number;
} {
  return {
    length: core.testFrameLength() >>> 0,
    skip: core.testFrameSkip() >>> 0,
    samples: core.testFrameSamples() >>> 0,
    rate: core.testFrameRate() >>> 0,
    channels: core.testFrameChannels() >>> 0,
  };
}

/** The VP9 and AV1 configuration hooks of the test core (wasm/testing.ts: codecs/vp9.ts, codecs/av1.ts). */
export interface VideoConfigHooks {
  testConfigureVp9(slot: number, priv: number, privLen: number, frame: number, frameLen: number): number;
  testConfigureAv1(slot: number, priv: number, privLen: number, frame: number, frameLen: number): number;
  testVideoSampleEntry(codec: number, slot: number): number;
  testVideoInit(codec: number, slot: number): number;
  testConfigBase(slot: number): number;
  outputPtr(): number;
}

/** Writes bytes so that they end exactly at the end of the WebAssembly memory (a read past them traps); returns their address. */
export function writeAtMemoryEnd(core: TestCore, bytes: ArrayLike<number>): number {
  const ptr = core.memory.buffer.byteLength - bytes.length;
  new Uint8Array(core.memory.buffer, ptr, bytes.length).set(bytes);
  return ptr;
}
