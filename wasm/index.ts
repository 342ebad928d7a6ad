// The ABI of the core: about ten numeric functions (DESIGN.md §2). engine/core.ts is the only caller.
//
//   init(mode, fragmentMs, audioTrack, flags, program)  configure and reset; mode 0 = one init/fragment stream per track (MSE),
//                           1 = all tracks muxed (files)
//   inputPtr/inputCapacity  where the engine writes the next chunk, and how much fits
//   push(len)               demux `len` new bytes; output and events describe what came out
//   flush()                 end of input: everything queued comes out
//   reset()                 forget the stream, keep the configuration
//   eventsPtr/eventCount, outputPtr/outputLength, trackInfoPtr: the regions the engine reads
//
// Each call first clears the event and output regions: the engine consumes them before the next.

import {
  EVENTS_BASE,
  INPUT_BASE,
  INPUT_CAPACITY,
  MAX_TRACKS,
  MEMORY_END,
  MKV_ENTRIES_BASE,
  MKV_ENTRY_SIZE,
  CUES_INPUT_BASE,
  CUES_INPUT_CAPACITY,
  CUES_TABLE_BASE,
  OUTPUT_BASE,
  REGION_BASE,
  TRACK_INFO_BASE,
  TRACK_INFO_SIZE,
  PROGRAM_ENTRY,
  PROGRAMS_BASE,
} from './layout';
import { Fatal, Status } from './codes';
import './abort';
import { eventCount as events, eventsOverflowed, resetByteOffset, resetEvents, suppressedWarnings } from './events';
import { outputLength as written, outputReset } from './mp4/writer';
import {
  addBytesSeen,
  bytesSeen,
  deferred,
  demux,
  flushDemuxer,
  hasSynced,
  programsListed,
  resetDemuxer,
  seekMpegTs,
} from './mpegts/demux';
import { fatalRaised, flushRemuxer, isInitDone, outputBase90k, raiseFatal, resetRemuxer, restartOutput } from './remux/remuxer';
import { entryCount as mkvEntries } from './matroska/tracks';
import {
  demuxMatroska,
  flushMatroska,
  matroskaCuesPosition,
  matroskaDeferred,
  matroskaDuration,
  matroskaHeaderSeen,
  matroskaSegmentData,
  matroskaTimestampScale,
  matroskaTracksSeen,
  probeClusterTime,
  probeKeyBlockOffset,
  probeKeyBlockTime,
  probeKeyClusterTime,
  probeMatroska,
  resetMatroska,
  seekMatroska,
} from './matroska/demux';
import { parseCuesAt } from './matroska/cues';
import { probeFirstOffset, probeFirstTime, probeKeyOffset, probeKeyTime, probeMpegTs } from './mpegts/probe';
import { slotEntry, entryNumber } from './matroska/tracks';

/** The container of the stream, decided by its first bytes (sniff). */
const enum Container {
  Unknown = 0,
  MpegTs = 1, // also everything that is not EBML: the TS demuxer says what it is not
  Matroska = 2,
}
let container: i32 = Container.Unknown;

let configuredMode: i32 = 0;
let configuredFragmentMs: i32 = 0;
let configuredAudioTrack: i32 = -1;
let configuredFlags: i32 = 0;
let configuredProgram: i32 = -1;
/** Bytes kept at INPUT_BASE from the previous call (an incomplete packet, sync look-ahead). */
let carried: u32 = 0;
let flushed: bool = false;

/**
 * mode: 0 per-track, 1 muxed; fragmentMs: target fragment duration (0 = one per GOP); audioTrack: the
 * index of the one audio track to output, in PMT order among those weir can output (-1: all of them);
 * flags: bit 0 = MPEG audio (MP3/MP2) written raw in per-track output (remuxer.ts InitFlags);
 * program: the program_number to play (-1: the first whose PMT lists video, else the first).
 */
export function init(mode: i32, fragmentMs: i32, audioTrack: i32, flags: i32, program: i32): i32 {
  const needed = (MEMORY_END + 0xffff) >> 16;
  const have = <u32>memory.size();
  if (have < needed && memory.grow(<i32>(needed - have)) < 0) return Status.Fatal;
  if (<u32>__heap_base > REGION_BASE - 0x10000) return Status.Fatal;
  configuredMode = mode;
  configuredFragmentMs = fragmentMs;
  configuredAudioTrack = audioTrack;
  configuredFlags = flags;
  configuredProgram = program;
  reset();
  return Status.Ok;
}

export function reset(): void {
  carried = 0;
  flushed = false;
  container = Container.Unknown;
  resetEvents();
  resetByteOffset();
  outputReset();
  resetDemuxer(configuredAudioTrack, configuredProgram);
  resetMatroska(configuredAudioTrack);
  resetRemuxer(configuredMode, configuredFragmentMs, configuredFlags);
}

/**
 * Decides the container from the first bytes: the EBML magic 1A 45 DF A3 (RFC 8794 §11.2) is
 * WebM/Matroska, anything else goes to the TS demuxer (which also names the containers it is not).
 * False while fewer than 4 bytes are known.
 */
function sniff(end: u32, final: bool): bool {
  if (container != Container.Unknown) return true;
  const n = end - INPUT_BASE;
  if (n < 4 && !final) return false;
  container = n >= 4 && load<u32>(INPUT_BASE) == 0xa3df451a ? Container.Matroska : Container.MpegTs;
  return true;
}

function demuxAny(end: u32, final: bool): u32 {
  if (!sniff(end, final)) return 0;
  return container == Container.Matroska ? demuxMatroska(end, final) : demux(end, final);
}

export function inputPtr(): u32 {
  return INPUT_BASE + carried;
}

export function inputCapacity(): u32 {
  return INPUT_CAPACITY - carried;
}

function beginCall(): void {
  resetEvents();
  outputReset();
}

export function push(len: u32): i32 {
  beginCall();
  if (fatalRaised || flushed) return Status.Fatal;
  if (len > INPUT_CAPACITY - carried) len = INPUT_CAPACITY - carried;
  addBytesSeen(len);
  const end = INPUT_BASE + carried + len;
  const used = demuxAny(end, false);
  const left = end - INPUT_BASE - used;
  if (left > 0 && used > 0) memory.copy(INPUT_BASE, INPUT_BASE + used, left);
  carried = left;
  return endCall();
}

/** 1 when the last push stopped early with whole packets waiting: call push(0) before more input. */
export function pending(): i32 {
  return (container == Container.Matroska ? matroskaDeferred() : deferred()) ? 1 : 0;
}

export function flush(): i32 {
  beginCall();
  if (fatalRaised || flushed) return Status.Fatal;
  // Whole packets still waiting (pending()) would be demuxed here past the per-call output budget, and the output
  // region is only sized for that budget plus one fragment cut: a host must drain with push(0) first, as engine/
  // does. Calling flush() early is a host bug, refused before anything is written.
  if (pending()) {
    raiseFatal(Fatal.Internal, -1, 1);
    return endCall();
  }
  flushed = true;
  if (bytesSeen() == 0) {
    raiseFatal(Fatal.EmptyInput, -1, 0);
    return Status.Fatal;
  }
  demuxAny(INPUT_BASE + carried, true);
  carried = 0;
  if (fatalRaised) return endCall();
  if (container == Container.Matroska) {
    if (!matroskaHeaderSeen() || !matroskaTracksSeen()) {
      raiseFatal(Fatal.MatroskaInvalid, -1, matroskaHeaderSeen() ? 3 : 1);
      return Status.Fatal;
    }
    flushMatroska();
  } else {
    if (!hasSynced()) {
      raiseFatal(Fatal.NotMpegTs, -1, bytesSeen());
      return Status.Fatal;
    }
    flushDemuxer();
  }
  flushRemuxer();
  return endCall();
}

/**
 * The status of a call. The budget in demux() keeps every call's records inside the event region;
 * if that ever failed, records would be missing, and the stream is stopped rather than left wrong.
 */
function endCall(): i32 {
  if (eventsOverflowed()) return Status.EventsLost;
  return fatalRaised ? Status.Fatal : Status.Ok;
}

export function eventsPtr(): u32 {
  return EVENTS_BASE;
}

export function eventCount(): u32 {
  return events();
}

export function outputPtr(): u32 {
  return OUTPUT_BASE;
}

export function outputLength(): u32 {
  return written();
}

export function trackInfoPtr(): u32 {
  return TRACK_INFO_BASE;
}

export function trackInfoSize(): u32 {
  return TRACK_INFO_SIZE;
}

export function maxTracks(): i32 {
  return MAX_TRACKS;
}

export function warningsSuppressed(): u32 {
  return suppressedWarnings();
}

/** The programs table (layout.ts PROGRAMS_BASE): where it is, how many entries, and the size of one. */
export function programsPtr(): u32 {
  return PROGRAMS_BASE;
}

export function programCount(): u32 {
  return programsListed();
}

export function programEntrySize(): u32 {
  return PROGRAM_ENTRY;
}

/** The container of the stream: 0 not known yet, 1 MPEG-TS (or not recognised), 2 WebM/Matroska. */
export function containerKind(): i32 {
  return container;
}

/** The Matroska track entries table (layout.ts MKV_ENTRIES_BASE): where it is, how many entries, the size of one. */
export function mkvEntriesPtr(): u32 {
  return MKV_ENTRIES_BASE;
}

export function mkvEntryCount(): i32 {
  return mkvEntries;
}

export function mkvEntrySize(): u32 {
  return MKV_ENTRY_SIZE;
}

/**
 * Seeking in a file: the next byte pushed is at absolute position `offset`: in WebM/Matroska where a Cluster starts
 * (a cue's position; `clusterTimestamp` -1) or a keyframe block inside a Cluster whose Timestamp is `clusterTimestamp`
 * (probeMkv found it), in MPEG-TS the packet where a video random access point starts (probeTs found it). Returns
 * Status.Ok, or Status.Fatal when the stream cannot seek yet: its output has not started (the time origin the
 * fragments after the seek keep is set when output starts), its headers (Tracks, PAT/PMT) are not known, or it
 * stopped. Nothing changes then.
 */
export function seekTo(offset: f64, clusterTimestamp: f64): i32 {
  beginCall();
  if (container == Container.Unknown || fatalRaised || flushed || !isInitDone()) return Status.Fatal;
  if (!(container == Container.Matroska ? seekMatroska(offset, clusterTimestamp) : seekMpegTs(offset))) return Status.Fatal;
  carried = 0;
  restartOutput();
  return Status.Ok;
}

/** Absolute position of the Cues element the SeekHead gave; -1 when none was seen (yet). */
export function cuesPosition(): f64 {
  return container == Container.Matroska ? matroskaCuesPosition() : -1;
}

/** Where the host writes a fetched Cues element for parseCues, and how much fits. */
export function cuesInputPtr(): u32 {
  return CUES_INPUT_BASE;
}

export function cuesInputCapacity(): u32 {
  return CUES_INPUT_CAPACITY;
}

/**
 * Parses the Cues element the host wrote at cuesInputPtr() (len bytes, its ID first) into the cue table at
 * cuesTablePtr(), for the video track (or the first audio track of a stream without video). Returns the number of
 * entries, or -1 when the bytes are not a whole Cues element or the stream's headers are not known yet.
 */
export function parseCues(len: u32): i32 {
  if (container != Container.Matroska || !matroskaTracksSeen()) return -1;
  const slot = unchecked(slotEntry[0]) >= 0 ? 0 : 1;
  const entry = unchecked(slotEntry[slot]);
  const track: u32 = entry >= 0 ? unchecked(entryNumber[entry]) : 0;
  return parseCuesAt(CUES_INPUT_BASE, len, track, matroskaSegmentData(), matroskaTimestampScale());
}

export function cuesTablePtr(): u32 {
  return CUES_TABLE_BASE;
}

/** The stream's duration in seconds as its header says (WebM/Matroska Info Duration); NaN when not said. */
export function declaredDuration(): f64 {
  return container == Container.Matroska ? matroskaDuration() : NaN;
}

/**
 * MPEG-TS seeking: scans `len` bytes the host wrote at cuesInputPtr() (a window of the file) for the video PID's
 * access units. `target` is a 33-bit PTS. Returns how many video PES start in the window (-1: no video track yet);
 * probeResult(i) then gives [0] the first one's DTS and [1] its offset in the window, [2] the PTS and [3] the offset
 * of the last random access point at or before `target` (-1 where there is none).
 */
export function probeTs(len: u32, target: f64): i32 {
  if (container != Container.MpegTs || len > CUES_INPUT_CAPACITY) return -1;
  return probeMpegTs(CUES_INPUT_BASE, len, <i64>target);
}

export function probeResult(i: i32): f64 {
  return i == 0 ? probeFirstTime : i == 1 ? probeFirstOffset : i == 2 ? probeKeyTime : probeKeyOffset;
}

/** The output timeline's origin on the source clock, in 90 kHz ticks (valid once output started; -1 before). */
export function timeOrigin(): f64 {
  return isInitDone() ? <f64>outputBase90k() : -1;
}

/**
 * Seeking in a WebM/Matroska file without Cues: scans `len` bytes the host wrote at cuesInputPtr() (a window of the
 * file) for Clusters and video keyframes. `target` is in the stream's ticks (TimestampScale). Returns the number of
 * Clusters found (-1: the stream's Tracks are not known yet); probeMkvResult(i) then gives [0] the first Cluster's
 * Timestamp, [1] the offset in the window of the last video keyframe block at or before `target`, [2] its time in
 * ticks and [3] its Cluster's Timestamp (-1 where there is none): seekTo(window start + [1], [3]).
 */
export function probeMkv(len: u32, target: f64): i32 {
  if (container != Container.Matroska || len > CUES_INPUT_CAPACITY) return -1;
  return probeMatroska(CUES_INPUT_BASE, CUES_INPUT_BASE + len, <i64>target);
}

export function probeMkvResult(i: i32): f64 {
  return i == 0 ? probeClusterTime : i == 1 ? probeKeyBlockOffset : i == 2 ? probeKeyBlockTime : probeKeyClusterTime;
}

/** The stream's TimestampScale (ns per tick; WebM/Matroska), for converting seek targets to ticks. */
export function timestampScale(): f64 {
  return container == Container.Matroska ? matroskaTimestampScale() : 0;
}
