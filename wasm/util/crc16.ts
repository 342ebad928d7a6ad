// CRC-16 of AC-3 and E-AC-3 sync frames (ATSC A/52 §7.10.1, ETSI TS 102 366 §6.1.7): generator
// x^16 + x^15 + x^2 + 1 (0x8005), most significant bit first, register starting at 0, no final XOR.
// A frame's region is intact when the CRC over it, its CRC word included, is 0.

const table = new StaticArray<u16>(256);
let ready = false;

function build(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? (c << 1) ^ 0x8005 : c << 1;
    unchecked((table[i] = <u16>c));
  }
  ready = true;
}

/** The CRC of the len bytes at p. */
export function crc16(p: u32, len: u32): u32 {
  if (!ready) build();
  let crc: u32 = 0;
  for (let i: u32 = 0; i < len; i++) {
    crc = ((crc << 8) & 0xffff) ^ <u32>unchecked(table[((crc >> 8) ^ <u32>load<u8>(p + i)) & 0xff]);
  }
  return crc;
}
