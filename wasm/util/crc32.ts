// CRC-32/MPEG-2 (ISO/IEC 13818-1 Annex A): polynomial 0x04C11DB7, no reflection, init 0xFFFFFFFF.
// PSI sections carry it; a section whose CRC over all its bytes (CRC included) is not 0 is damaged.

const table = new StaticArray<u32>(256);
let ready = false;

function build(): void {
  for (let i: u32 = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    unchecked((table[i] = c));
  }
  ready = true;
}

export function crc32mpeg(p: u32, len: u32): u32 {
  if (!ready) build();
  let crc: u32 = 0xffffffff;
  for (let i: u32 = 0; i < len; i++) {
    crc = (crc << 8) ^ unchecked(table[((crc >> 24) ^ <u32>load<u8>(p + i)) & 0xff]);
  }
  return crc;
}
