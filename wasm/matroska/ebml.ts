// EBML primitives (RFC 8794): variable-size integers for element IDs and data sizes, and the
// unsigned, signed and float element values Matroska uses. Readers look only at [p, end) and say
// when they need more bytes, so the demuxer can stop at any chunk boundary and resume.

/** The Matroska element IDs the demuxer acts on (RFC 9559 §5.1; IDs keep their length marker bits). */
export const enum Id {
  Ebml = 0x1a45dfa3,
  DocType = 0x4282,
  Segment = 0x18538067,
  SeekHead = 0x114d9b74,
  Info = 0x1549a966,
  TimestampScale = 0x2ad7b1,
  Duration = 0x4489,
  Tracks = 0x1654ae6b,
  TrackEntry = 0xae,
  TrackNumber = 0xd7,
  TrackType = 0x83,
  FlagEnabled = 0xb9,
  FlagDefault = 0x88,
  FlagForced = 0x55aa,
  DefaultDuration = 0x23e383,
  CodecId = 0x86,
  CodecPrivate = 0x63a2,
  CodecDelay = 0x56aa,
  SeekPreRoll = 0x56bb,
  Language = 0x22b59c,
  Video = 0xe0,
  PixelWidth = 0xb0,
  PixelHeight = 0xba,
  DisplayWidth = 0x54b0,
  DisplayHeight = 0x54ba,
  DisplayUnit = 0x54b2,
  Colour = 0x55b0,
  MatrixCoefficients = 0x55b1,
  Range = 0x55b9,
  TransferCharacteristics = 0x55ba,
  Primaries = 0x55bb,
  Audio = 0xe1,
  SamplingFrequency = 0xb5,
  OutputSamplingFrequency = 0x78b5,
  Channels = 0x9f,
  BitDepth = 0x6264,
  ContentEncodings = 0x6d80,
  ContentEncoding = 0x6240,
  ContentEncodingScope = 0x5032,
  ContentEncodingType = 0x5033,
  ContentCompression = 0x5034,
  ContentCompAlgo = 0x4254,
  ContentCompSettings = 0x4255,
  ContentEncryption = 0x5035,
  Cluster = 0x1f43b675,
  Timestamp = 0xe7,
  SimpleBlock = 0xa3,
  BlockGroup = 0xa0,
  Block = 0xa1,
  BlockDuration = 0x9b,
  ReferenceBlock = 0xfb,
  DiscardPadding = 0x75a2,
  Cues = 0x1c53bb6b,
  Chapters = 0x1043a770,
  Tags = 0x1254c367,
  Attachments = 0x1941a469,
  Void = 0xec,
  Crc32 = 0xbf,
}

/** Answers of readVint: the value is in vintValue and its length in vintLength. */
export const enum Vint {
  Ok = 0,
  NeedMore = 1,
  Invalid = 2, // a first byte of 0 (a length over 8), or longer than allowed
}

export let vintValue: i64 = 0;
export let vintLength: u32 = 0;
/** The size was all ones: "unknown" (RFC 8794 §6.2), allowed for Segment and Cluster in live streams. */
export let vintUnknown: bool = false;

/**
 * An element ID at p (RFC 8794 §5): 1 to 4 bytes, marker bits kept. IDs whose value bits are all ones
 * or all zeros are reserved and answered Invalid, as is a first byte that says more than 4 bytes.
 */
export function readId(p: u32, end: u32): i32 {
  if (p >= end) return Vint.NeedMore;
  const b = <u32>load<u8>(p);
  const n: u32 = <u32>clz<u32>(b) - 23; // 1 + leading zero bits of the byte
  if (b == 0 || n > 4) return Vint.Invalid;
  if (p + n > end) return Vint.NeedMore;
  let v: u32 = b;
  for (let i: u32 = 1; i < n; i++) v = (v << 8) | <u32>load<u8>(p + i);
  // All value bits 1 or 0: reserved (RFC 8794 §5).
  const valueBits = 7 * n;
  const value = v & ((1 << valueBits) - 1);
  if (value == 0 || value == (1 << valueBits) - 1) return Vint.Invalid;
  vintValue = <i64>v;
  vintLength = n;
  return Vint.Ok;
}

/** An element data size at p (RFC 8794 §6): 1 to 8 bytes, marker removed; all ones = unknown. */
export function readSize(p: u32, end: u32): i32 {
  if (p >= end) return Vint.NeedMore;
  const b = <u32>load<u8>(p);
  if (b == 0) return Vint.Invalid;
  const n: u32 = <u32>clz<u32>(b) - 23;
  if (p + n > end) return Vint.NeedMore;
  let v: u64 = <u64>(b & ((0x80 >> (n - 1)) - 1));
  let ones = v == <u64>((0x80 >> (n - 1)) - 1);
  for (let i: u32 = 1; i < n; i++) {
    const c = <u64>load<u8>(p + i);
    if (c != 0xff) ones = false;
    v = (v << 8) | c;
  }
  vintUnknown = ones;
  vintValue = <i64>v;
  vintLength = n;
  return Vint.Ok;
}

/** An unsigned integer element's value: `len` bytes big-endian (0 to 8). */
export function readUint(p: u32, len: u32): u64 {
  let v: u64 = 0;
  const n: u32 = len > 8 ? 8 : len;
  for (let i: u32 = 0; i < n; i++) v = (v << 8) | <u64>load<u8>(p + i);
  return v;
}

/** A signed integer element's value (two's complement, 0 to 8 bytes). */
export function readInt(p: u32, len: u32): i64 {
  if (len == 0) return 0;
  const n: u32 = len > 8 ? 8 : len;
  const v = readUint(p, n);
  const shift = <u64>(64 - 8 * n);
  return (<i64>(v << shift)) >> shift;
}

/** A float element's value: 4 or 8 bytes (RFC 8794 §7.3); 0 for any other length. */
export function readFloat(p: u32, len: u32): f64 {
  if (len == 4) return <f64>reinterpret<f32>(<u32>readUint(p, 4));
  if (len == 8) return reinterpret<f64>(readUint(p, 8));
  return 0;
}

/**
 * A lace size in EBML lacing (RFC 9559 §10.3.3): the first as an unsigned vint, the others as signed
 * differences (the vint value minus 2^(7n-1) - 1). Returns Vint answers; the value is in vintValue.
 */
export function readLaceVint(p: u32, end: u32, signed: bool): i32 {
  const r = readSize(p, end);
  if (r != Vint.Ok) return r;
  if (vintUnknown) return Vint.Invalid;
  if (signed) vintValue -= (<i64>1 << (<i64>(7 * vintLength) - 1)) - 1;
  return Vint.Ok;
}

/** The child element readChild found: its ID, where its data starts, and its data length. */
export let childId: u32 = 0;
export let childData: u32 = 0;
export let childLength: u32 = 0;

/**
 * The element at p inside a master element's data ending at `end` (read whole, e.g. Tracks, Info, a Cues element):
 * true with childId/childData/childLength set, false when its ID or size does not parse, its size is unknown, or it
 * runs past `end` (a damaged master: the caller stops reading it there).
 */
export function readChild(p: u32, end: u32): bool {
  if (readId(p, end) != Vint.Ok) return false;
  const id = <u32>vintValue;
  const q = p + vintLength;
  if (readSize(q, end) != Vint.Ok || vintUnknown) return false;
  const data = q + vintLength;
  if (vintValue < 0 || vintValue > <i64>(end - data)) return false;
  childId = id;
  childData = data;
  childLength = <u32>vintValue;
  return true;
}

/** Bytes a Cluster head needs to be told from chance bytes: its ID (4), its data size (up to 8), a Timestamp ID (1). */
export const CLUSTER_HEAD_BYTES: u32 = 13;

/**
 * Whether a Cluster head starts at c, read no further than `limit`: the Cluster ID, a data size (known or unknown),
 * then the Timestamp ID (RFC 9559 §5.1.3.1: the Cluster's Timestamp is its first child; muxers write it first). The
 * three together make a chance match in media bytes about one in 2^40 positions.
 */
function isClusterHead(c: u32, limit: u32): bool {
  if (c + 6 > limit) return false;
  if (load<u8>(c + 1) != 0x43 || load<u8>(c + 2) != 0xb6 || load<u8>(c + 3) != 0x75) return false;
  if (readSize(c + 4, limit) != Vint.Ok) return false;
  const t = c + 4 + vintLength;
  return t < limit && <u32>load<u8>(t) == Id.Timestamp;
}

/**
 * The first Cluster head starting in [p, to), each read no further than `limit` (>= to); `to` if there is none.
 * SIMD: 16 positions compared with the ID's first byte at once, the rest checked only where it matches.
 */
export function findClusterHead(p: u32, to: u32, limit: u32): u32 {
  const first = i8x16.splat(0x1f);
  while (p + 16 <= to) {
    let bits = i8x16.bitmask(i8x16.eq(v128.load(p), first));
    while (bits != 0) {
      const c = p + ctz<u32>(bits);
      if (isClusterHead(c, limit)) return c;
      bits &= bits - 1;
    }
    p += 16;
  }
  for (; p < to; p++) if (load<u8>(p) == 0x1f && isClusterHead(p, limit)) return p;
  return to;
}
