// The output cursor and the box primitives every box writer uses (ISO/IEC 14496-12 4.2).
// Boxes are written straight into the output region: reserve the size, write the children, patch
// the size (STYLE.md §4). No intermediate arrays.

import { OUTPUT_BASE, OUTPUT_CAPACITY } from '../layout';
import { put16, put24, put32, put64, put8 } from '../util/bytes';

export let cursor: u32 = OUTPUT_BASE;
/** Set when a write would pass the end of the output region; the caller reports a fatal error. */
export let outputOverflow: bool = false;

export function outputReset(): void {
  cursor = OUTPUT_BASE;
  outputOverflow = false;
}

export function outputLength(): u32 {
  return cursor - OUTPUT_BASE;
}

/** True when `n` more bytes fit. Box writers check once per fragment, then write freely. */
export function outputFits(n: u32): bool {
  return cursor + n <= OUTPUT_BASE + OUTPUT_CAPACITY;
}

export function setCursor(p: u32): void {
  cursor = p;
}

@inline export function w8(v: u32): void {
  put8(cursor, v);
  cursor += 1;
}

@inline export function w16(v: u32): void {
  put16(cursor, v);
  cursor += 2;
}

@inline export function w24(v: u32): void {
  put24(cursor, v);
  cursor += 3;
}

@inline export function w32(v: u32): void {
  put32(cursor, v);
  cursor += 4;
}

@inline export function w64(v: u64): void {
  put64(cursor, v);
  cursor += 8;
}

export function wZeros(n: u32): void {
  memory.fill(cursor, 0, n);
  cursor += n;
}

export function wBytes(src: u32, n: u32): void {
  memory.copy(cursor, src, n);
  cursor += n;
}

/** Starts a box: writes a placeholder size and the type; returns the box start for boxEnd. */
export function boxStart(fourcc: u32): u32 {
  const start = cursor;
  w32(0);
  w32(fourcc);
  return start;
}

/** Starts a full box (version and flags, 14496-12 4.2.2). */
export function fullBoxStart(fourcc: u32, version: u32, flags: u32): u32 {
  const start = boxStart(fourcc);
  w8(version);
  w24(flags);
  return start;
}

/** Patches the size of the box that starts at `start`. */
export function boxEnd(start: u32): void {
  put32(start, cursor - start);
}

/** Unity transformation matrix (14496-12 8.3.2: { 0x00010000,0,0, 0,0x00010000,0, 0,0,0x40000000 }). */
export function wMatrix(): void {
  w32(0x00010000);
  w32(0);
  w32(0);
  w32(0);
  w32(0x00010000);
  w32(0);
  w32(0);
  w32(0);
  w32(0x40000000);
}

/** Box types and brands as integers (STYLE.md §5: numbers, not strings, in the core). */
export const enum Fourcc {
  ftyp = 0x66747970, // 'ftyp'
  moov = 0x6d6f6f76, // 'moov'
  mvhd = 0x6d766864, // 'mvhd'
  trak = 0x7472616b, // 'trak'
  tkhd = 0x746b6864, // 'tkhd'
  edts = 0x65647473, // 'edts'
  elst = 0x656c7374, // 'elst'
  mdia = 0x6d646961, // 'mdia'
  mdhd = 0x6d646864, // 'mdhd'
  hdlr = 0x68646c72, // 'hdlr'
  minf = 0x6d696e66, // 'minf'
  vmhd = 0x766d6864, // 'vmhd'
  smhd = 0x736d6864, // 'smhd'
  dinf = 0x64696e66, // 'dinf'
  dref = 0x64726566, // 'dref'
  url_ = 0x75726c20, // 'url '
  stbl = 0x7374626c, // 'stbl'
  stsd = 0x73747364, // 'stsd'
  stts = 0x73747473, // 'stts'
  stsc = 0x73747363, // 'stsc'
  stsz = 0x7374737a, // 'stsz'
  stco = 0x7374636f, // 'stco'
  mvex = 0x6d766578, // 'mvex'
  trex = 0x74726578, // 'trex'
  moof = 0x6d6f6f66, // 'moof'
  mfhd = 0x6d666864, // 'mfhd'
  traf = 0x74726166, // 'traf'
  tfhd = 0x74666864, // 'tfhd'
  tfdt = 0x74666474, // 'tfdt'
  trun = 0x7472756e, // 'trun'
  mdat = 0x6d646174, // 'mdat'
  avc1 = 0x61766331, // 'avc1'
  avcC = 0x61766343, // 'avcC'
  hvc1 = 0x68766331, // 'hvc1'
  hvcC = 0x68766343, // 'hvcC'
  pasp = 0x70617370, // 'pasp'
  vp09 = 0x76703039, // 'vp09'
  vpcC = 0x76706343, // 'vpcC'
  av01 = 0x61763031, // 'av01'
  av1C = 0x61763143, // 'av1C'
  mp4a = 0x6d703461, // 'mp4a'
  esds = 0x65736473, // 'esds'
  btrt = 0x62747274, // 'btrt'
  ac_3 = 0x61632d33, // 'ac-3'
  dac3 = 0x64616333, // 'dac3'
  ec_3 = 0x65632d33, // 'ec-3'
  dec3 = 0x64656333, // 'dec3'
  Opus = 0x4f707573, // 'Opus'
  dOps = 0x644f7073, // 'dOps'
  fLaC = 0x664c6143, // 'fLaC'
  dfLa = 0x64664c61, // 'dfLa'
  isom = 0x69736f6d, // 'isom'
  iso5 = 0x69736f35, // 'iso5'
  iso6 = 0x69736f36, // 'iso6'
  mp41 = 0x6d703431, // 'mp41'
  vide = 0x76696465, // 'vide'
  soun = 0x736f756e, // 'soun'
}
