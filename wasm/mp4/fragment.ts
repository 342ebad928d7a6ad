// Movie fragments (ISO/IEC 14496-12 8.8.4 onwards): moof (mfhd, one traf per track with tfhd, tfdt,
// trun) followed by one mdat holding the samples of every traf in order.

import { dataBase, MAX_TRACKS } from '../layout';
import { sCts, sDuration, sFlags, sOffset, sSize } from '../remux/track';
import { boxEnd, boxStart, cursor, Fourcc, fullBoxStart, w32, w64, wBytes } from './writer';
import { put32 } from '../util/bytes';

/** Samples of each track that go into the fragment being written, and their base decode time. */
export const fragmentSamples = new StaticArray<i32>(MAX_TRACKS);
export const fragmentDecodeTime = new StaticArray<u64>(MAX_TRACKS);
const dataOffsetField = new StaticArray<u32>(MAX_TRACKS);
const fragmentBytes = new StaticArray<u32>(MAX_TRACKS);

const TFHD_DEFAULT_BASE_IS_MOOF: u32 = 0x020000;
const TRUN_DATA_OFFSET: u32 = 0x000001;
const TRUN_SAMPLE_DURATION: u32 = 0x000100;
const TRUN_SAMPLE_SIZE: u32 = 0x000200;
const TRUN_SAMPLE_FLAGS: u32 = 0x000400;
const TRUN_SAMPLE_CTO: u32 = 0x000800;

/** Movie Fragment Header Box (8.8.5). */
function mfhd(sequence: u32): void {
  const box = fullBoxStart(Fourcc.mfhd, 0, 0);
  w32(sequence); // sequence_number
  boxEnd(box);
}

/** Track Fragment Header Box (8.8.7): offsets are relative to the moof (default-base-is-moof). */
function tfhd(trackId: u32): void {
  const box = fullBoxStart(Fourcc.tfhd, 0, TFHD_DEFAULT_BASE_IS_MOOF);
  w32(trackId); // track_ID
  boxEnd(box);
}

/** Track Fragment Base Media Decode Time Box (8.8.12), version 1: 64-bit time. */
function tfdt(time: u64): void {
  const box = fullBoxStart(Fourcc.tfdt, 1, 0);
  w64(time); // baseMediaDecodeTime
  boxEnd(box);
}

/** Track Fragment Run Box (8.8.8), version 1: signed composition offsets (B-frames). */
function trun(slot: i32, n: i32): u32 {
  const flags = TRUN_DATA_OFFSET | TRUN_SAMPLE_DURATION | TRUN_SAMPLE_SIZE | TRUN_SAMPLE_FLAGS | TRUN_SAMPLE_CTO;
  const box = fullBoxStart(Fourcc.trun, 1, flags);
  w32(<u32>n); // sample_count
  const offsetField = cursor;
  w32(0); // data_offset, patched once the moof size is known
  let bytes: u32 = 0;
  for (let i = 0; i < n; i++) {
    const size = load<u32>(sSize(slot, i));
    w32(load<u32>(sDuration(slot, i))); // sample_duration
    w32(size); // sample_size
    w32(load<u32>(sFlags(slot, i))); // sample_flags
    w32(<u32>load<i32>(sCts(slot, i))); // sample_composition_time_offset (signed in version 1)
    bytes += size;
  }
  boxEnd(box);
  unchecked((fragmentBytes[slot] = bytes));
  return offsetField;
}

/**
 * Writes moof + mdat for the tracks in `mask` with fragmentSamples[slot] samples each, taken from
 * the front of each track's queue. The caller checked that the output region has room.
 */
export function writeFragment(mask: u32, sequence: u32): void {
  const moofStart = cursor;
  const moof = boxStart(Fourcc.moof);
  mfhd(sequence);
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    const traf = boxStart(Fourcc.traf);
    tfhd(<u32>s + 1);
    tfdt(unchecked(fragmentDecodeTime[s]));
    unchecked((dataOffsetField[s] = trun(s, unchecked(fragmentSamples[s]))));
    boxEnd(traf);
  }
  boxEnd(moof);
  const mdat = boxStart(Fourcc.mdat);
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    // data_offset: from the first byte of the moof to this track's first sample (8.8.8.3).
    put32(unchecked(dataOffsetField[s]), cursor - moofStart);
    wBytes(dataBase(s) + load<u32>(sOffset(s, 0)), unchecked(fragmentBytes[s]));
  }
  boxEnd(mdat);
}

/**
 * Upper bound of the bytes written for `fragments` moof+mdat pairs holding `trafs` track runs in all,
 * with these sample counts and data sizes: moof and mfhd (8 + 16) and mdat (8) per fragment; traf,
 * tfhd, tfdt v1 and the trun header (8 + 16 + 20 + 20) per track run; 16 bytes of trun per sample.
 */
export function fragmentBound(fragments: u32, trafs: u32, samples: i32, bytes: u32): u32 {
  return fragments * (8 + 16 + 8) + trafs * (8 + 16 + 20 + 20) + <u32>samples * 16 + bytes;
}
