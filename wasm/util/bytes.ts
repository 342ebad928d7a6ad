// Big-endian loads and stores on raw memory. Callers check bounds once per header, then use these
// (STYLE.md: one bounds check per packet/PES/box header, raw loads inside).

@inline export function u8at(p: u32): u32 {
  return <u32>load<u8>(p);
}

@inline export function u16be(p: u32): u32 {
  return <u32>bswap<u16>(load<u16>(p));
}

@inline export function u24be(p: u32): u32 {
  return (<u32>load<u8>(p) << 16) | (<u32>load<u8>(p + 1) << 8) | <u32>load<u8>(p + 2);
}

@inline export function u32be(p: u32): u32 {
  return bswap<u32>(load<u32>(p));
}

@inline export function put8(p: u32, v: u32): void {
  store<u8>(p, <u8>v);
}

@inline export function put16(p: u32, v: u32): void {
  store<u16>(p, bswap<u16>(<u16>v));
}

@inline export function put24(p: u32, v: u32): void {
  store<u8>(p, <u8>(v >> 16));
  store<u8>(p + 1, <u8>(v >> 8));
  store<u8>(p + 2, <u8>v);
}

@inline export function put32(p: u32, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

@inline export function put64(p: u32, v: u64): void {
  store<u64>(p, bswap<u64>(v));
}

/** Copies [src, src+len) to scratch while removing emulation_prevention_three_byte (H.264 7.4.1). */
export function unescapeRbsp(src: u32, len: u32, dst: u32, cap: u32): u32 {
  let zeros: u32 = 0;
  let o: u32 = 0;
  const end = src + len;
  for (let p = src; p < end && o < cap; p++) {
    const b = <u32>load<u8>(p);
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    store<u8>(dst + o, <u8>b);
    o++;
  }
  return o;
}

/** True when the two ranges hold the same bytes. */
export function bytesEqual(a: u32, b: u32, len: u32): bool {
  for (let i: u32 = 0; i < len; i++) {
    if (load<u8>(a + i) != load<u8>(b + i)) return false;
  }
  return true;
}
