// Timed metadata carried beside the media: ID3 tags in PES packets (stream_type 0x15, as HLS
// carries them: "Timed Metadata for HTTP Live Streaming") and SCTE 35 splice_info_sections
// (stream_type 0x86, ANSI/SCTE 35 §9). Both become Metadata event records whose bytes are copied to
// the output region and whose time is on the output timeline, so a player can fire them exactly
// when the picture they belong to is presented. The engine decodes the tag / section fields.
//
// Before output starts the timeline's origin is not known yet: records are held (METADATA_HELD_*)
// and emitted right after the init segments.

import { METADATA_HELD_BASE, METADATA_HELD_CAPACITY, METADATA_PES_BASE, METADATA_PES_CAPACITY } from '../layout';
import { MetadataKind, Warn } from '../codes';
import { emitMetadata, emitWarning } from '../events';
import { cursor, outputFits, wBytes } from '../mp4/writer';
import { u16be, u32be, u8at } from '../util/bytes';
import { isInitDone, outputBase90k } from '../remux/remuxer';
import { state, TrackState } from '../remux/track';
import { readTimestamp, unwrap } from './clock';
import { videoOffset } from './timeline';

/** A time that is not there (a splice "immediately", a PES without PTS). */
const NO_TIME: i64 = i64.MIN_VALUE;

let pesLength: u32 = 0;
let pesExpected: u32 = 0;
let pesActive: bool = false;
let pesDamaged: bool = false;
/** Bytes used in the held region; each record is [u32 kind][u32 length][i64 time][f64 command][bytes]. */
let heldBytes: u32 = 0;

const HELD_HEADER: u32 = 24;

export function resetMetadata(): void {
  pesLength = 0;
  pesExpected = 0;
  pesActive = false;
  pesDamaged = false;
  heldBytes = 0;
}

/** The program's timeline offset (timeline.ts): that of its video track, else its first audio track. */
function programOffset(): i64 {
  for (let s = 0; s < 4; s++) {
    if (unchecked(state[s]) != TrackState.Free) return videoOffset(s);
  }
  return 0;
}

/** Emits (or holds, before output starts) one record. `time90k` is unwrapped and offset, or NO_TIME. */
function deliver(kind: i32, src: u32, len: u32, time90k: i64, command: f64): void {
  if (!isInitDone()) {
    if (heldBytes + HELD_HEADER + len > METADATA_HELD_CAPACITY) {
      emitWarning(Warn.MetadataDropped, -1, <f64>len);
      return;
    }
    const p = METADATA_HELD_BASE + heldBytes;
    store<u32>(p, <u32>kind);
    store<u32>(p + 4, len);
    store<i64>(p + 8, time90k);
    store<f64>(p + 16, command);
    memory.copy(p + HELD_HEADER, src, len);
    heldBytes += HELD_HEADER + len;
    return;
  }
  if (!outputFits(len)) {
    emitWarning(Warn.MetadataDropped, -1, <f64>len);
    return;
  }
  const at = cursor;
  wBytes(src, len);
  const time = time90k == NO_TIME ? NaN : <f64>(time90k - outputBase90k()) / 90000;
  emitMetadata(kind, at, len, time, command);
}

/** Output has started: the records held until now go out, in their order. */
export function releaseHeldMetadata(): void {
  let p = METADATA_HELD_BASE;
  const end = METADATA_HELD_BASE + heldBytes;
  heldBytes = 0;
  while (p < end) {
    const len = load<u32>(p + 4);
    deliver(<i32>load<u32>(p), p + HELD_HEADER, len, load<i64>(p + 8), load<f64>(p + 16));
    p += HELD_HEADER + len;
  }
}

/** CEA-608/708 caption bytes (cc_data triplets) of one video access unit presented at `pts90k`. */
export function deliverCaptions(src: u32, len: u32, pts90k: i64): void {
  deliver(MetadataKind.Captions, src, len, pts90k, 0);
}

// ---------------------------------------------------------------------------------------------
// ID3 in PES (13818-1 2.4.3.6; the PES payload is one or more complete ID3v2 tags)

/** Payload bytes of a packet of the ID3 PID. */
export function id3Payload(p: u32, len: u32, pusi: bool): void {
  if (pusi) {
    if (pesActive) finishId3();
    pesActive = true;
    pesDamaged = false;
    pesLength = 0;
    pesExpected = 0;
  } else if (!pesActive) {
    return;
  }
  if (pesLength + len > METADATA_PES_CAPACITY) {
    pesDamaged = true;
    return;
  }
  memory.copy(METADATA_PES_BASE + pesLength, p, len);
  const before = pesLength;
  pesLength += len;
  if (before < 6 && pesLength >= 6) {
    const declared = u16be(METADATA_PES_BASE + 4); // PES_packet_length
    if (declared > 0) pesExpected = 6 + declared;
  }
  if (pesExpected > 0 && pesLength >= pesExpected) finishId3();
}

/** A packet of the ID3 PID was lost or damaged: the tag being assembled is incomplete. */
export function id3Lost(): void {
  if (pesActive) pesDamaged = true;
}

/** End of input: a tag still being collected is delivered if its PES is complete. */
export function flushMetadata(): void {
  if (pesActive) finishId3();
}

function finishId3(): void {
  pesActive = false;
  const base = METADATA_PES_BASE;
  let length = pesLength;
  if (pesExpected > 0) {
    if (length < pesExpected) pesDamaged = true;
    else length = pesExpected;
  }
  if (pesDamaged || length < 9 || u16be(base) != 0 || u8at(base + 2) != 1) {
    emitWarning(Warn.MetadataDropped, -1, <f64>length);
    return;
  }
  const headerLength = u8at(base + 8); // PES_header_data_length
  const payload = <u32>9 + headerLength;
  if (payload > length) {
    emitWarning(Warn.MetadataDropped, -1, <f64>length);
    return;
  }
  let time = NO_TIME;
  if (u8at(base + 7) >> 7 && headerLength >= 5) time = unwrap(readTimestamp(base + 9)) + programOffset(); // PTS
  // Only ID3v2 tags ('ID3' and a version byte): other metadata formats in 0x15 are not decoded.
  const size = length - payload;
  const p = base + payload;
  if (size < 10 || u8at(p) != 0x49 || u8at(p + 1) != 0x44 || u8at(p + 2) != 0x33) {
    emitWarning(Warn.MetadataDropped, -1, <f64>size);
    return;
  }
  deliver(MetadataKind.Id3, p, size, time, 0);
}

// ---------------------------------------------------------------------------------------------
// SCTE 35 splice_info_section (ANSI/SCTE 35 2022 §9.6), CRC already checked by the PSI layer

/** Reads splice_time() (§9.7.1) at p: the 33-bit pts_time, or NO_TIME when time_specified_flag is 0. */
function spliceTime(p: u32, end: u32): i64 {
  if (p >= end || (u8at(p) & 0x80) == 0) return NO_TIME; // time_specified_flag
  if (p + 5 > end) return NO_TIME;
  return (<i64>(u8at(p) & 1) << 32) | <i64>u32be(p + 1);
}

export function scte35Section(s: u32, total: u32): void {
  if (u8at(s) != 0xfc || total < 17) return; // table_id
  const end = s + total - 4; // before CRC_32
  const encrypted = (u8at(s + 4) & 0x80) != 0; // encrypted_packet
  const ptsAdjustment = (<i64>(u8at(s + 4) & 1) << 32) | <i64>u32be(s + 5); // pts_adjustment
  const command = u8at(s + 13); // splice_command_type
  let pts = NO_TIME;
  if (!encrypted) {
    const c = s + 14;
    if (command == 0x05 && c + 6 <= end) {
      // splice_insert(): splice_event_id, cancel indicator, then the flags.
      const cancel = (u8at(c + 4) & 0x80) != 0;
      if (!cancel) {
        const flags = u8at(c + 5);
        const programSplice = (flags & 0x40) != 0; // program_splice_flag
        const immediate = (flags & 0x10) != 0; // splice_immediate_flag
        if (programSplice && !immediate) pts = spliceTime(c + 6, end);
      }
    } else if (command == 0x06) {
      pts = spliceTime(c, end); // time_signal()
    }
  }
  // 9.6: pts_adjustment is added to every pts_time, modulo 2^33.
  const time = pts == NO_TIME ? NO_TIME : unwrap((pts + ptsAdjustment) & ((<i64>1 << 33) - 1)) + programOffset();
  deliver(MetadataKind.Scte35, s, total, time, <f64>command);
}
