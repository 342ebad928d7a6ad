// Event records: the only way the core reports anything. Each record is EVENT_SLOTS f64 values:
//   [0] type  [1] code  [2] track slot (-1: none/muxed)  [3] input byte offset
//   [4] a     [5] b     [6] c     [7] d       (meaning per type, see below)
// Track:    a = output offset of a copy of the track's info record (as it was when announced)
// Init:     a = output offset, b = length
// Fragment: a = output offset, b = length, c = start time (s), d = end time (s); code = sample count
// Warning:  a = detail, b = media time (s, output timeline; NaN before output starts);  Error: a = detail
// Metadata: code = MetadataKind, a = output offset, b = length, c = time (s, output timeline; NaN: none), d = SCTE-35 splice_command_type
// The engine decodes them in engine/events.ts. f64 holds every integer we write exactly (< 2^53).

import { EVENT_SIZE, EVENTS_BASE, MAX_EVENTS, MAX_TRACKS } from './layout';
import { EventType } from './codes';

let count: u32 = 0;
let overflowed: bool = false;
let suppressed: u32 = 0;

export function eventsOverflowed(): bool {
  return overflowed;
}

export function suppressedWarnings(): u32 {
  return suppressed;
}

export function resetEvents(): void {
  count = 0;
  overflowed = false;
}

/** A new stream: problems before its first packet are at offset 0, not where the last stream ended. */
export function resetByteOffset(): void {
  byteOffset = 0;
  mediaTime = NaN;
  for (let s = 0; s < MAX_TRACKS; s++) unchecked((trackTime[s] = NaN));
}

export function eventCount(): u32 {
  return count;
}

function record(type: i32, code: i32, slot: i32, offset: f64, a: f64, b: f64, c: f64, d: f64): void {
  // Warnings may fill only part of the region: a hostile input could produce one per packet, and
  // they must never crowd out the init/fragment/error records of the same call. Past the limit,
  // warnings of this call are dropped and `suppressed` counts them (reported in the next call).
  if (type == EventType.Warning && count >= MAX_EVENTS - 512) {
    suppressed++;
    return;
  }
  if (count >= MAX_EVENTS) {
    overflowed = true;
    return;
  }
  const p = EVENTS_BASE + count * EVENT_SIZE;
  store<f64>(p, <f64>type);
  store<f64>(p + 8, <f64>code);
  store<f64>(p + 16, <f64>slot);
  store<f64>(p + 24, offset);
  store<f64>(p + 32, a);
  store<f64>(p + 40, b);
  store<f64>(p + 48, c);
  store<f64>(p + 56, d);
  count++;
}

/** A track is announced: `ptr` holds a copy of its track info record as it is now (TRACK_INFO_SIZE bytes). */
export function emitTrack(slot: i32, ptr: u32): void {
  record(EventType.Track, 0, slot, 0, <f64>ptr, 0, 0, 0);
}

export function emitInit(slot: i32, ptr: u32, len: u32): void {
  record(EventType.Init, 0, slot, 0, <f64>ptr, <f64>len, 0, 0);
}

/**
 * A fragment written. `early`: it was cut the moment its last frame was known complete (the next video unit's PES
 * header, remuxer.ts announceVideoDts), not once the next frame's bytes were all in (the record's offset field: 1).
 */
export function emitFragment(slot: i32, ptr: u32, len: u32, samples: i32, start: f64, end: f64, early: bool): void {
  record(EventType.Fragment, samples, slot, early ? 1 : 0, <f64>ptr, <f64>len, start, end);
}

/** Input byte offset of the packet being processed: the context of every warning and error. */
let byteOffset: f64 = 0;

export function setByteOffset(offset: f64): void {
  byteOffset = offset;
}

/** Media time of the last access unit read, in all and per track (seconds, output timeline; NaN: not known yet). */
let mediaTime: f64 = NaN;
const trackTime = new StaticArray<f64>(MAX_TRACKS);

/** Set by the demuxer for each PES: a repair reported for a track carries that track's last time. */
export function setMediaTime(slot: i32, t: f64): void {
  mediaTime = t;
  if (slot >= 0 && slot < MAX_TRACKS) unchecked((trackTime[slot] = t));
}

export function emitWarning(code: i32, slot: i32, detail: f64): void {
  const t = slot >= 0 && slot < MAX_TRACKS ? unchecked(trackTime[slot]) : mediaTime;
  record(EventType.Warning, code, slot, byteOffset, detail, t, 0, 0);
}

export function emitError(code: i32, slot: i32, detail: f64): void {
  record(EventType.Error, code, slot, byteOffset, detail, 0, 0, 0);
}

export function emitMetadata(kind: i32, ptr: u32, len: u32, time: f64, command: f64): void {
  record(EventType.Metadata, kind, -1, byteOffset, <f64>ptr, <f64>len, time, command);
}
