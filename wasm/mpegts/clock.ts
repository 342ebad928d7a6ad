// 33-bit MPEG-2 system clock values (ISO/IEC 13818-1 2.4.3.7) extended to 64 bits.
//
// Every PTS/DTS is placed at the 64-bit value nearest to the last one seen on the program (any
// track), so the clock stays continuous across the 2^33 wrap (every ~26.5 hours), also when the
// wrap falls between two inputs pushed in order (HLS segments), and a stream may start anywhere.

const WRAP: i64 = 1 << 33;
const HALF: i64 = 1 << 32;

let reference: i64 = 0;
let haveReference: bool = false;

export function resetClock(): void {
  reference = 0;
  haveReference = false;
}

/** Extends a 33-bit timestamp to the 64-bit value nearest to the program's last timestamp. */
export function unwrap(ts33: i64): i64 {
  if (!haveReference) {
    haveReference = true;
    reference = ts33;
    return ts33;
  }
  let v = (reference & ~(WRAP - 1)) + ts33;
  if (v - reference > HALF) v -= WRAP;
  else if (reference - v > HALF) v += WRAP;
  reference = v;
  return v;
}

/** Reads a 33-bit PTS or DTS field (2.4.3.7: '001x' or '0011'/'0001' prefix, marker bits). */
export function readTimestamp(p: u32): i64 {
  const b0 = <i64>load<u8>(p);
  const b1 = <i64>load<u8>(p + 1);
  const b2 = <i64>load<u8>(p + 2);
  const b3 = <i64>load<u8>(p + 3);
  const b4 = <i64>load<u8>(p + 4);
  return (((b0 >> 1) & 7) << 30) | (b1 << 22) | ((b2 >> 1) << 15) | (b3 << 7) | (b4 >> 1);
}
