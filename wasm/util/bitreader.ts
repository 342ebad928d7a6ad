// The one bit reader of the core (STYLE.md §6). It reads an RBSP already freed of emulation
// prevention bytes (see unescapeRbsp). Reads past the end return zeros and set `overrun`, so a
// truncated parameter set is detected by the caller instead of trapping.

let base: u32 = 0;
let sizeBits: u32 = 0;
let pos: u32 = 0;
export let overrun: bool = false;

export function brInit(ptr: u32, len: u32): void {
  base = ptr;
  sizeBits = len << 3;
  pos = 0;
  overrun = false;
}

export function bitPos(): u32 {
  return pos;
}

export function bitsLeft(): i32 {
  return <i32>sizeBits - <i32>pos;
}

/** Reads n bits (0..32), most significant first. */
export function readBits(n: u32): u32 {
  let v: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    v = (v << 1) | readBit();
  }
  return v;
}

export function readBit(): u32 {
  if (pos >= sizeBits) {
    overrun = true;
    pos++;
    return 0;
  }
  const byte = <u32>load<u8>(base + (pos >> 3));
  const bit = (byte >> (7 - (pos & 7))) & 1;
  pos++;
  return bit;
}

export function skipBits(n: u32): void {
  pos += n;
  if (pos > sizeBits) overrun = true;
}

/** ue(v): Exp-Golomb unsigned (H.264 9.1). More than 31 leading zeros is invalid: overrun. */
export function readUE(): u32 {
  let zeros: u32 = 0;
  while (readBit() == 0) {
    zeros++;
    if (zeros > 31 || overrun) {
      overrun = true;
      return 0;
    }
  }
  if (zeros == 0) return 0;
  return ((<u32>1 << zeros) - 1 + readBits(zeros)) >>> 0;
}

/** se(v): Exp-Golomb signed (H.264 9.1.1). */
export function readSE(): i32 {
  const k = readUE();
  if (k & 1) return <i32>((k + 1) >> 1);
  return -<i32>(k >> 1);
}
