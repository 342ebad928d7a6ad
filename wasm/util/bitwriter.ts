// The bit writer of the core, the mirror of bitreader.ts: most significant bit first, into bytes the
// caller has zeroed (only 1 bits are stored). The codecs that build frames (codecs/silence.ts,
// codecs/ac3-silence.ts) write with it; they size the output for the frame and check that before
// writing, so it does no bounds check of its own.

let base: u32 = 0;
let pos: u32 = 0;

/** Starts writing at ptr, bit 0 (its bytes must be zero). */
export function bwInit(ptr: u32): void {
  base = ptr;
  pos = 0;
}

/** Bits written since bwInit. */
export function bwPos(): u32 {
  return pos;
}

/** Writes the n (0..32) low bits of value, most significant first. */
export function putBits(value: u32, n: u32): void {
  for (let i = n; i > 0; i--) {
    if ((value >> (i - 1)) & 1) {
      const at = base + (pos >> 3);
      store<u8>(at, <u8>(<u32>load<u8>(at) | (<u32>0x80 >> (pos & 7))));
    }
    pos++;
  }
}
