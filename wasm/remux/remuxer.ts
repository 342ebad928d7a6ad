// The remuxer: queues samples per track, decides when a fragment is cut, builds the output
// timeline and writes init segments and fragments. Demuxers meet it only through queue*Sample and
// the track records (STYLE.md §2).
//
// Timeline (DESIGN.md §3): source clocks are unwrapped to 64 bits by the demuxer; the output
// timeline starts at the earliest first decode time of all output tracks (base), so audio and
// video keep exactly their source offset. Within a track, a sample lasts until the next one
// starts, so the next fragment's tfdt is always the last tfdt plus the durations in between.

import { dataBase, dataCapacity, MAX_SAMPLES, MAX_TRACKS, TRACK_INFO_SIZE, trackInfoBase } from '../layout';
import { Codec, Fatal, TrackKind, Warn } from '../codes';
import { emitError, emitFragment, emitInit, emitTrack, emitWarning } from '../events';
import { fragmentBound, fragmentDecodeTime, fragmentSamples, writeFragment } from '../mp4/fragment';
import { writeInit } from '../mp4/init';
import { releaseHeldMetadata } from '../mpegts/metadata';
import { cursor, outputFits, wBytes } from '../mp4/writer';
import { put32, u32be } from '../util/bytes';
import {
  codec,
  dataLength,
  Info,
  infoF64,
  infoU32,
  kind,
  sampleCount,
  SampleFlags,
  sCts,
  sDts,
  sDuration,
  setInfoF64,
  setInfoU32,
  sFlags,
  sOffset,
  sSize,
  state,
  TrackState,
  timescale,
} from './track';

/** Output modes (init(mode)): one init segment and fragment stream per track, or all tracks muxed. */
export const enum Mode {
  PerTrack = 0,
  Muxed = 1,
}

let mode: i32 = Mode.PerTrack;
/** Target fragment duration in 90 kHz ticks; 0 = one fragment per video GOP. */
let target90k: i64 = 0;
let initDone: bool = false;
let outputMask: u32 = 0;
let base90k: i64 = 0;
/** Set by restartOutput: the next startOutput keeps this origin instead of taking the earliest first sample. */
let fixedBase: bool = false;
let sequence: u32 = 0;
export let fatalRaised: bool = false;

/** Frame duration of each video track (90 kHz), for the last sample and for repaired gaps. */
const lastDuration = new StaticArray<u32>(MAX_TRACKS);
/** The codec each track's init segment describes (muxed output cannot change it later). */
const initCodec = new StaticArray<i32>(MAX_TRACKS);
/** Tracks that took a new stream (a PMT change) and get a new init segment once it is configured. */
const restartPending = new StaticArray<bool>(MAX_TRACKS);
/** While >= 0: cut() takes every queued sample of this track (its configuration is about to change). */
let drainSlot: i32 = -1;
/** Each output track's time origin in its own timescale (see startOutput). */
const trackBase = new StaticArray<i64>(MAX_TRACKS);
/** Unwrapped DTS of each track's last queued sample (track timescale). */
const lastDts = new StaticArray<i64>(MAX_TRACKS);
/** While announceVideoDts cuts: the fragments are written as soon as their last frame is complete. */
let cuttingEarly: bool = false;
/** Video: where announceVideoDts ended the last sample, which it then wrote (i64.MIN_VALUE: none pending). */
const announcedEnd = new StaticArray<i64>(MAX_TRACKS);
/**
 * Video: a cut due before the unit that began at this decode time, held back because that unit's time was suspect
 * (i64.MIN_VALUE: none held). See beginVideoSample.
 */
const heldCut = new StaticArray<i64>(MAX_TRACKS);
/** While releaseHeldCut cuts: video tracks give only their samples that start before the cut time. */
let cuttingBefore: bool = false;

/** Longest wait for a declared track's configuration before the others go ahead without it. */
const INIT_WAIT_90K: i64 = 10 * 90000;
/** Audio-only streams and forced cuts: fragment length when no video GOP decides it. */
const AUDIO_FRAGMENT_90K: i64 = 90000;

/** Init flags (index.ts): bit 0 = write MPEG audio raw in per-track output. */
export const enum InitFlags {
  RawMpegAudio = 1,
}

let rawMpegAudio: bool = false;

export function resetRemuxer(outputMode: i32, targetMs: i32, flags: i32): void {
  mode = outputMode;
  rawMpegAudio = (flags & InitFlags.RawMpegAudio) != 0;
  target90k = <i64>targetMs * 90;
  initDone = false;
  outputMask = 0;
  base90k = 0;
  fixedBase = false;
  sequence = 0;
  fatalRaised = false;
  drainSlot = -1;
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((lastDuration[s] = 0));
    unchecked((lastDts[s] = 0));
    unchecked((announcedEnd[s] = i64.MIN_VALUE));
    unchecked((heldCut[s] = i64.MIN_VALUE));
    unchecked((restartPending[s] = false));
  }
}

/**
 * Announces a track: its info record is copied to the output as it is now, so the host describes it
 * as announced even when the same call changes it again (a resolution change in the same chunk).
 */
function announce(slot: i32): void {
  const at = cursor;
  wBytes(trackInfoBase(slot), TRACK_INFO_SIZE);
  emitTrack(slot, at);
}

/**
 * MPEG audio travels raw in per-track output when the host asked for it (init flag RawMpegAudio):
 * browsers whose MediaSource takes `audio/mpeg` but not MP3 in MP4 (Chromium) play it that way
 * (DESIGN.md §3). Its "fragments" are the frames as they are, and it has no init segment.
 */
function isRaw(slot: i32): bool {
  if (!rawMpegAudio || mode != Mode.PerTrack) return false;
  const c = unchecked(codec[slot]);
  return c == Codec.Mp3 || c == Codec.Mp2;
}

/** The init segment of one track in per-track output (none for raw MPEG audio). */
function trackInit(slot: i32): void {
  setInfoU32(slot, Info.Raw, isRaw(slot) ? 1 : 0);
  if (isRaw(slot)) return;
  const start = cursor;
  writeInit(1 << slot);
  emitInit(slot, start, cursor - start);
}

/** A new stream took this track (demux.ts pmtChanged): see trackConfigured. */
export function markRestart(slot: i32): void {
  unchecked((restartPending[slot] = true));
}

/**
 * The demuxer configured a track (its first keyframe with parameter sets, its first audio frame),
 * before queueing that first sample and before changing its timescale; `nextDts` is the new stream's
 * first decode time on the 90 kHz output clock (-1: not known). A track that took a new stream
 * after output started first writes out everything queued of the old stream; true when the caller must
 * then call restartConfiguredTrack (a new init segment).
 */
export function trackConfigured(slot: i32, nextDts: i64): bool {
  if (!unchecked(restartPending[slot])) return false;
  unchecked((restartPending[slot] = false));
  if (!initDone || !(outputMask & (1 << slot))) return false;
  // The old stream's last sample lasts until the new stream's first (video frames lost while the new
  // stream reached its first keyframe, or audio between the two, leave no hole in the track's timeline).
  const n = unchecked(sampleCount[slot]);
  if (nextDts >= 0 && n > 0) {
    const d = from90k(slot, nextDts) - load<i64>(sDts(slot, n - 1));
    if (d > 0 && d <= 10 * 90000) store<u32>(sDuration(slot, n - 1), <u32>d);
  }
  unchecked((announcedEnd[slot] = i64.MIN_VALUE));
  releaseHeldCut(slot);
  drainSlot = slot;
  cut(i64.MAX_VALUE, false, true);
  drainSlot = -1;
  return true;
}

/**
 * After trackConfigured said so, and once the track's new timescale is set: its origin in the new
 * timescale, and its new init segment.
 */
export function restartConfiguredTrack(slot: i32): void {
  unchecked((trackBase[slot] = from90k(slot, base90k)));
  restartTrack(slot);
}

/**
 * The first sample of a track that was not there when output started (a new PMT version added it).
 * Per-track output announces it with its own init segment, on the same timeline; a muxed file's moov
 * is written already, so there it is left out (reported).
 */
function addTrack(slot: i32): void {
  if (mode == Mode.Muxed) {
    unchecked((state[slot] = TrackState.Dropped));
    unchecked((sampleCount[slot] = 0));
    unchecked((dataLength[slot] = 0));
    emitWarning(Warn.ExtraTrackSkipped, slot, <f64>infoU32(slot, Info.StreamType));
    return;
  }
  const first = load<i64>(sDts(slot, 0));
  const converted = from90k(slot, base90k);
  unchecked((trackBase[slot] = converted < first ? converted : first));
  outputMask |= 1 << slot;
  unchecked((initCodec[slot] = unchecked(codec[slot])));
  setInfoU32(slot, Info.TrackId, <u32>slot + 1);
  setInfoU32(slot, Info.Timescale, unchecked(timescale[slot]));
  setInfoU32(slot, Info.Raw, isRaw(slot) ? 1 : 0);
  announce(slot);
  trackInit(slot);
}

export function isInitDone(): bool {
  return initDone;
}

/** The output timeline's origin on the 90 kHz source clock (valid once output started). */
export function outputBase90k(): i64 {
  return base90k;
}

export function raiseFatal(code: i32, slot: i32, detail: f64): void {
  if (fatalRaised) return;
  fatalRaised = true;
  emitError(code, slot, detail);
}

@inline function to90k(slot: i32, t: i64): i64 {
  const ts = <i64>unchecked(timescale[slot]);
  return ts == 90000 ? t : (t * 90000) / ts;
}

@inline function from90k(slot: i32, t: i64): i64 {
  const ts = <i64>unchecked(timescale[slot]);
  return ts == 90000 ? t : (t * ts) / 90000;
}

/** Where a demuxer writes the bytes of the next sample of a track, and how many bytes fit there. */
export function sampleWritePtr(slot: i32): u32 {
  return dataBase(slot) + unchecked(dataLength[slot]);
}

export function sampleSpace(slot: i32): u32 {
  return dataCapacity(slot) - unchecked(dataLength[slot]);
}

/**
 * Makes room for `bytes` more sample bytes in a track's store, cutting a fragment early (or giving
 * up on tracks that never configured) when the store or its table is nearly full. Returns false if
 * the room cannot be made; the caller then drops the access unit and reports it.
 */
export function reserveSample(slot: i32, bytes: u32): bool {
  if (sampleSpace(slot) >= bytes && unchecked(sampleCount[slot]) < MAX_SAMPLES - 2) return true;
  if (!initDone) startOutput();
  if (initDone) cut(i64.MAX_VALUE, false, true);
  return sampleSpace(slot) >= bytes && unchecked(sampleCount[slot]) < MAX_SAMPLES - 2;
}

/** How far beginVideoSample moved the unit's presentation time (its decode time may have moved more). */
export let beganPtsShift: i64 = 0;

/**
 * Announces a video access unit before its bytes are written: the previous sample's duration is now
 * known, and a fragment may be cut here (at a keyframe, or when the target duration is reached).
 * dts is the unwrapped 90 kHz source time; returns the decode time to queue the unit at (the same,
 * unless it was not after the previous one).
 *
 * `suspect`: the demuxer found this unit's decode time late against the track's cadence (by more than half a
 * frame, less than a second). That is frames lost before it, or one timestamp damaged by a bit error, and only the
 * next unit tells which (mpegts/demux.ts repairLateOutlier): a cut due here is held back until then, so that the
 * sample before this one, whose duration this time stretches, is still queued when the repair moves this unit back.
 * Rare (damage only), and it delays that one fragment by one frame interval.
 */
export function beginVideoSample(slot: i32, dts: i64, sync: bool, suspect: bool = false): i64 {
  releaseHeldCut(slot);
  const n = unchecked(sampleCount[slot]);
  const announced = unchecked(announcedEnd[slot]);
  unchecked((announcedEnd[slot] = i64.MIN_VALUE));
  beganPtsShift = 0;
  if (n == 0) {
    // The sample before this one was written when the next unit's PES header announced it (announceVideoDts), and
    // lasts until the time announced. This unit is that one, or (units lost in between: damage) a later one, which
    // then decodes from the announced time on, presented at its own time (a larger composition offset): the decode
    // timeline stays without a hole, as when the sample before a lost unit lasts until the next. One before the
    // announced time (a repair moved it) starts there, moved whole.
    if (announced != i64.MIN_VALUE && dts != announced && dts - announced <= 10 * 90000) {
      if (dts < announced) {
        emitWarning(Warn.TimestampJump, slot, <f64>((dts - announced) / 90));
        beganPtsShift = announced - dts;
      }
      dts = announced;
    }
    return dts;
  }
  let d = dts - unchecked(lastDts[slot]);
  if (d <= 0 || d > 10 * 90000) {
    // Not a frame interval (the demuxer's timeline repairs should have left none): the sample that
    // ends here keeps the cadence, and so does this one's decode time, so decode times only go
    // forward and the track's timeline stays continuous. Reported.
    emitWarning(Warn.TimestampJump, slot, <f64>(d / 90));
    d = <i64>(unchecked(lastDuration[slot]) > 0 ? unchecked(lastDuration[slot]) : 3000);
    const moved = unchecked(lastDts[slot]) + d;
    beganPtsShift = moved - dts;
    dts = moved;
  }
  store<u32>(sDuration(slot, n - 1), <u32>d);
  unchecked((lastDuration[slot] = <u32>d));
  if (initDone) {
    const first = load<i64>(sDts(slot, 0));
    if (sync || (target90k > 0 && dts - first >= target90k)) {
      if (suspect) unchecked((heldCut[slot] = dts));
      else cut(dts, false, false);
    }
  }
  return dts;
}

/**
 * The cut held back by beginVideoSample for a suspect unit, made now that the unit after it has been timed (and the
 * suspect one moved back if it was one bad timestamp): every track gives its samples that start before the suspect
 * unit, which stays queued. Also called before anything that must find those samples written (a new init segment,
 * a drain, the end of input).
 */
function releaseHeldCut(slot: i32): void {
  const at = unchecked(heldCut[slot]);
  if (at == i64.MIN_VALUE) return;
  unchecked((heldCut[slot] = i64.MIN_VALUE));
  if (!initDone) return;
  cuttingBefore = true;
  cut(at, false, false);
  cuttingBefore = false;
}

/**
 * Low-latency live (a fragment duration set): the demuxer has just seen the PES header of the video access unit
 * after the last one queued, on the track's cadence. An MPEG-TS video PES has no length (it ends where the next
 * begins), so this is the moment the last unit is known complete, and the header's DTS gives its duration: it is
 * cut into a fragment now, when due, instead of once the next unit's bytes are all in (a frame interval later).
 * `lastUnitDts` is the DTS the demuxer gave the last unit (nothing is done unless it is the last sample queued,
 * still without a duration); beginVideoSample then finds the track empty and starts the next unit where this one
 * ended.
 */
export function announceVideoDts(slot: i32, lastUnitDts: i64, nextDts: i64): void {
  if (target90k <= 0 || !initDone || !(outputMask & (1 << slot))) return;
  if (unchecked(heldCut[slot]) != i64.MIN_VALUE) return; // the last unit's time is in doubt (beginVideoSample)
  const n = unchecked(sampleCount[slot]);
  if (n == 0 || load<i64>(sDts(slot, n - 1)) != lastUnitDts || load<u32>(sDuration(slot, n - 1)) != 0) return;
  const d = nextDts - lastUnitDts;
  if (d <= 0 || d > 90000) return;
  if (nextDts - load<i64>(sDts(slot, 0)) < target90k) return; // not due: beginVideoSample times it as usual
  store<u32>(sDuration(slot, n - 1), <u32>d);
  unchecked((lastDuration[slot] = <u32>d));
  cuttingEarly = true;
  cut(nextDts, false, false);
  cuttingEarly = false;
  if (unchecked(sampleCount[slot]) == 0) unchecked((announcedEnd[slot] = nextDts));
}

/**
 * Moves the last queued video sample to `dts` (and its presentation time with it), the sample before
 * it then lasting until there. For one late timestamp found late: the access unit after it came back
 * on the old cadence. False when the samples are no longer both queued (the change would not show).
 */
export function retimeLastVideoSample(slot: i32, dts: i64): bool {
  const n = unchecked(sampleCount[slot]);
  if (n < 2) return false;
  const d = dts - load<i64>(sDts(slot, n - 2));
  if (d <= 0 || d > 90000) return false;
  // A cut held before this unit (beginVideoSample) stays before it.
  if (unchecked(heldCut[slot]) == load<i64>(sDts(slot, n - 1))) unchecked((heldCut[slot] = dts));
  store<i64>(sDts(slot, n - 1), dts);
  store<u32>(sDuration(slot, n - 2), <u32>d);
  unchecked((lastDts[slot] = dts));
  unchecked((lastDuration[slot] = <u32>d));
  return true;
}

/** Queues the video access unit whose bytes the demuxer just wrote at sampleWritePtr(slot). */
export function commitVideoSample(slot: i32, dts: i64, pts: i64, size: u32, sync: bool): void {
  appendSample(slot, dts, <i32>(pts - dts), size, sync ? SampleFlags.Sync : SampleFlags.NonSync, 0);
  if (!initDone) maybeStartOutput();
}

/**
 * Appends bytes to the last NAL unit of a video track's last queued sample, for a NAL unit that went
 * on into the next PES: first `zeros` zero bytes (cut from its end as if they were trailing zeros),
 * then [src, src+len). Only the last sample can grow: it is still queued, as cuts happen when the
 * next access unit begins. False when there is no queued sample or no room.
 */
export function extendLastVideoSample(slot: i32, zeros: u32, src: u32, len: u32): bool {
  const n = unchecked(sampleCount[slot]);
  const add = zeros + len;
  if (n == 0 || sampleSpace(slot) < add) return false;
  const size = load<u32>(sSize(slot, n - 1));
  const start = dataBase(slot) + load<u32>(sOffset(slot, n - 1));
  const stop = start + size;
  if (stop != sampleWritePtr(slot)) return false; // not the newest bytes of the store
  let last = start; // the length field of the sample's last NAL unit
  for (let p = start; p + 4 <= stop; p += 4 + u32be(p)) last = p;
  put32(last, u32be(last) + add); // NALUnitLength
  memory.fill(stop, 0, zeros);
  memory.copy(stop + zeros, src, len);
  unchecked((dataLength[slot] += add));
  store<u32>(sSize(slot, n - 1), size + add);
  return true;
}

/**
 * Adds `bytes` just written at sampleWritePtr(slot) to the last queued sample (more NAL units of the
 * same access unit, an E-AC-3 dependent substream or frame of fewer than six blocks). False if the last
 * sample's bytes are not the newest in the store.
 */
export function growLastSample(slot: i32, bytes: u32): bool {
  const n = unchecked(sampleCount[slot]);
  if (n == 0) return false;
  const end = load<u32>(sOffset(slot, n - 1)) + load<u32>(sSize(slot, n - 1));
  if (end != unchecked(dataLength[slot])) return false;
  store<u32>(sSize(slot, n - 1), load<u32>(sSize(slot, n - 1)) + bytes);
  unchecked((dataLength[slot] += bytes));
  return true;
}

/** Queues an audio frame (dts in the track's timescale, unwrapped). */
export function queueAudioSample(slot: i32, dts: i64, duration: u32, size: u32): void {
  appendSample(slot, dts, 0, size, SampleFlags.Sync, duration);
  if (!initDone) maybeStartOutput();
}

/**
 * A gap in an audio track (a lost PES, a muxer's hole): the last queued frame lasts until `dts`, so
 * the track's timeline stays continuous and its later frames keep their times. Returns false when
 * no frame is queued to take the gap (it was written already); the next fragment's tfdt then shows it.
 * mpegts/audio.ts fills gaps of a frame or more with silent frames first, queued with queueAudioSample;
 * the last of them then takes here what is left of the gap (less than a frame). Gaps under a frame, and
 * those of a configuration without a silent frame, are bridged by the real frame before them.
 */
export function bridgeAudioGap(slot: i32, dts: i64): bool {
  const n = unchecked(sampleCount[slot]);
  if (n == 0) return false;
  const d = dts - load<i64>(sDts(slot, n - 1));
  if (d <= 0 || d > 0xffffffff) return false;
  store<u32>(sDuration(slot, n - 1), <u32>d);
  return true;
}

/**
 * The frames of one audio PES are queued: in a stream without video, this is where fragments are
 * cut (once per PES, so one input packet can never cause more than one cut).
 */
export function audioPesDone(slot: i32): void {
  if (!initDone || outputMask & 1) return; // a video track decides the cuts
  const n = unchecked(sampleCount[slot]);
  if (n == 0) return;
  const first = load<i64>(sDts(slot, 0));
  const end = load<i64>(sDts(slot, n - 1)) + <i64>load<u32>(sDuration(slot, n - 1));
  const limit = target90k > 0 ? target90k : AUDIO_FRAGMENT_90K;
  if (to90k(slot, end - first) >= limit) cut(i64.MAX_VALUE, false, false);
}

function appendSample(slot: i32, dts: i64, cts: i32, size: u32, flags: u32, duration: u32): void {
  const n = unchecked(sampleCount[slot]);
  store<i64>(sDts(slot, n), dts);
  store<i32>(sCts(slot, n), cts);
  store<u32>(sSize(slot, n), size);
  store<u32>(sFlags(slot, n), flags);
  store<u32>(sDuration(slot, n), duration);
  store<u32>(sOffset(slot, n), unchecked(dataLength[slot]));
  unchecked((dataLength[slot] += size));
  unchecked((sampleCount[slot] = n + 1));
  unchecked((lastDts[slot] = dts));
  if (initDone && !(outputMask & (1 << slot))) addTrack(slot);
}

/** Output starts once every declared track is configured, or when waiting longer would cost data. */
function maybeStartOutput(): void {
  let waiting = false;
  let any = false;
  let longest: i64 = 0;
  for (let s = 0; s < MAX_TRACKS; s++) {
    const st = unchecked(state[s]);
    if (st == TrackState.Declared) waiting = true;
    if (st != TrackState.Configured) continue;
    const n = unchecked(sampleCount[s]);
    if (n == 0) {
      waiting = true; // configured but nothing queued yet: its first time is not known
      continue;
    }
    any = true;
    const span = to90k(s, load<i64>(sDts(s, n - 1)) - load<i64>(sDts(s, 0)));
    if (span > longest) longest = span;
    if (unchecked(dataLength[s]) > (dataCapacity(s) >> 2) * 3 || n > (MAX_SAMPLES >> 2) * 3) longest = INIT_WAIT_90K;
  }
  if (!any) return;
  if (waiting && longest < INIT_WAIT_90K) return;
  startOutput();
}

/**
 * A seek in a file (matroska/demux.ts seekMatroska): everything queued is forgotten, every output track waits for
 * its configuration again, and output starts afresh (new init segments) on the same timeline as before: the time
 * origin stays, so the fragments after the seek carry their true times.
 */
export function restartOutput(): void {
  const keep = initDone;
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((sampleCount[s] = 0));
    unchecked((dataLength[s] = 0));
    unchecked((lastDuration[s] = 0));
    unchecked((lastDts[s] = 0));
    unchecked((announcedEnd[s] = i64.MIN_VALUE));
    unchecked((heldCut[s] = i64.MIN_VALUE));
    unchecked((restartPending[s] = false));
    if (unchecked(state[s]) == TrackState.Configured) unchecked((state[s] = TrackState.Declared));
  }
  initDone = false;
  outputMask = 0;
  drainSlot = -1;
  fixedBase = keep || fixedBase;
}

/** Writes the init segment(s) for the configured tracks; declared tracks still waiting are left out. */
export function startOutput(): void {
  if (initDone) return;
  let mask: u32 = 0;
  let base: i64 = i64.MAX_VALUE;
  for (let s = 0; s < MAX_TRACKS; s++) {
    const st = unchecked(state[s]);
    if (st == TrackState.Declared || (st == TrackState.Configured && unchecked(sampleCount[s]) == 0)) {
      unchecked((state[s] = TrackState.Dropped));
      emitWarning(Warn.TrackNoData, s, <f64>infoU32(s, Info.StreamType));
      continue;
    }
    if (st != TrackState.Configured) continue;
    mask |= 1 << s;
    const first = to90k(s, load<i64>(sDts(s, 0)));
    if (first < base) base = first;
  }
  if (mask == 0) return;
  if (fixedBase) base = base90k; // after a seek: the origin output started with
  else base90k = base;
  // Each track's own origin, in its timescale. Converting the 90 kHz base rounds (44.1 kHz does not
  // divide 90 kHz), so a track never starts before its origin: the track that defines the base starts
  // exactly at 0, the others within one tick of their source offset.
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    const first = load<i64>(sDts(s, 0));
    const converted = from90k(s, base);
    unchecked((trackBase[s] = converted < first ? converted : first));
  }
  outputMask = mask;
  initDone = true;
  for (let s = 0; s < MAX_TRACKS; s++) unchecked((initCodec[s] = unchecked(codec[s])));
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    setInfoU32(s, Info.TrackId, <u32>s + 1);
    setInfoU32(s, Info.Timescale, unchecked(timescale[s]));
    setInfoU32(s, Info.Raw, isRaw(s) ? 1 : 0);
    announce(s);
  }
  if (mode == Mode.Muxed) {
    const start = cursor;
    writeInit(mask);
    emitInit(-1, start, cursor - start);
  } else {
    for (let s = 0; s < MAX_TRACKS; s++) if (mask & (1 << s)) trackInit(s);
  }
  releaseHeldMetadata();
}

/**
 * A track's codec configuration changed (new parameter sets at a keyframe; its queued samples were
 * cut already): the track is announced again, and in per-track output it gets a new init segment,
 * which the samples after it use. Muxed output (one file) keeps its single moov: the new parameter
 * sets travel in-band there, which is how ffmpeg and players read such files, and the change is
 * reported.
 */
export function restartTrack(slot: i32): void {
  if (!initDone || !(outputMask & (1 << slot))) return;
  releaseHeldCut(slot); // the samples before the change go out under the old init segment
  if (mode == Mode.Muxed) {
    if (unchecked(codec[slot]) != unchecked(initCodec[slot])) {
      // Another codec cannot follow in the same track of a written moov: the new stream is left out.
      unchecked((state[slot] = TrackState.Dropped));
      emitWarning(Warn.ExtraTrackSkipped, slot, <f64>infoU32(slot, Info.StreamType));
      return;
    }
    announce(slot);
    emitWarning(Warn.ParameterSetChanged, slot, 1);
    return;
  }
  setInfoU32(slot, Info.Raw, isRaw(slot) ? 1 : 0);
  announce(slot);
  unchecked((initCodec[slot] = unchecked(codec[slot])));
  trackInit(slot);
}

/**
 * Cuts a fragment: every output track gives its complete samples that start before `cutTime90k`
 * (video: all queued, as the sample being added is not queued yet; at `final` everything).
 * `forced` cuts (a store is full) take every queued sample except the last video one, whose
 * duration is not known yet.
 */
function cut(cutTime90k: i64, final: bool, forced: bool): void {
  let totalSamples: i32 = 0;
  let totalBytes: u32 = 0;
  let mask: u32 = 0;
  let tracks: u32 = 0;
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((fragmentSamples[s] = 0));
    if (!(outputMask & (1 << s))) continue;
    const n = unchecked(sampleCount[s]);
    if (n == 0) continue;
    let take: i32 = n;
    const drain = s == drainSlot;
    if (unchecked(kind[s]) == TrackKind.Video) {
      if (forced && !final && !drain) take = n - 1;
      if (cuttingBefore && !final && !drain) {
        take = 0;
        while (take < n && load<i64>(sDts(s, take)) < cutTime90k) take++;
      }
      if (final || drain) {
        // The last frame lasts as long as the one before it (or the VUI frame rate says).
        if (load<u32>(sDuration(s, n - 1)) == 0) store<u32>(sDuration(s, n - 1), defaultVideoDuration(s));
      }
    } else if (!final && !drain) {
      if (cutTime90k != i64.MAX_VALUE) {
        const limit = from90k(s, cutTime90k);
        take = 0;
        while (take < n && load<i64>(sDts(s, take)) < limit) take++;
      }
      // An audio track keeps its last frame queued (one frame of latency): a gap found later can
      // still be bridged by it (bridgeAudioGap), so the track's tfdt chain never has a hole. Silent
      // frames (mpegts/audio.ts fillGap) need no queued frame, but gaps under a frame, AC-3/E-AC-3
      // gaps and the remainder of a filled gap still end a frame's duration where the next one starts.
      if (take == n) take = n - 1;
    }
    if (take <= 0) continue;
    unchecked((fragmentSamples[s] = take));
    const firstDts = load<i64>(sDts(s, 0));
    let rel = firstDts - unchecked(trackBase[s]);
    if (rel < 0) rel = 0;
    unchecked((fragmentDecodeTime[s] = <u64>rel));
    totalSamples += take;
    tracks++;
    totalBytes += load<u32>(sOffset(s, take - 1)) + load<u32>(sSize(s, take - 1)) - load<u32>(sOffset(s, 0));
    mask |= 1 << s;
  }
  if (mask == 0) return;
  if (!outputFits(fragmentBound(mode == Mode.Muxed ? 1 : tracks, tracks, totalSamples, totalBytes))) {
    raiseFatal(Fatal.OutputOverflow, -1, <f64>totalBytes);
    return;
  }
  if (mode == Mode.Muxed) {
    const start = cursor;
    sequence++;
    writeFragment(mask, sequence);
    emitFragment(-1, start, cursor - start, totalSamples, fragmentStart(mask), fragmentEnd(mask), cuttingEarly);
  } else {
    for (let s = 0; s < MAX_TRACKS; s++) {
      if (!(mask & (1 << s))) continue;
      const start = cursor;
      if (isRaw(s)) {
        // The frames as they are, one after the other (their header is part of each sample).
        const n = unchecked(fragmentSamples[s]);
        const from = load<u32>(sOffset(s, 0));
        wBytes(dataBase(s) + from, load<u32>(sOffset(s, n - 1)) + load<u32>(sSize(s, n - 1)) - from);
      } else {
        sequence++;
        writeFragment(1 << s, sequence);
      }
      const early = cuttingEarly && unchecked(kind[s]) == TrackKind.Video;
      emitFragment(s, start, cursor - start, unchecked(fragmentSamples[s]), fragmentStart(1 << s), fragmentEnd(1 << s), early);
    }
  }
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (mask & (1 << s)) {
      recordStats(s, unchecked(fragmentSamples[s]));
      dequeue(s, unchecked(fragmentSamples[s]));
    }
  }
}

function defaultVideoDuration(slot: i32): u32 {
  if (unchecked(lastDuration[slot]) > 0) return unchecked(lastDuration[slot]);
  const num = infoU32(slot, Info.FrameRateNum);
  const den = infoU32(slot, Info.FrameRateDen);
  if (num > 0 && den > 0) {
    const d = <u32>((<u64>90000 * <u64>den) / <u64>num);
    if (d > 0 && d < 90000) return d;
  }
  return 3000; // 30 fps: the most common rate when the stream says nothing
}

function fragmentStart(mask: u32): f64 {
  let t: f64 = f64.MAX_VALUE;
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    const v = <f64>unchecked(fragmentDecodeTime[s]) / <f64>unchecked(timescale[s]);
    if (v < t) t = v;
  }
  return t;
}

function fragmentEnd(mask: u32): f64 {
  let t: f64 = 0;
  for (let s = 0; s < MAX_TRACKS; s++) {
    if (!(mask & (1 << s))) continue;
    let d: u64 = 0;
    const n = unchecked(fragmentSamples[s]);
    for (let i = 0; i < n; i++) d += load<u32>(sDuration(s, i));
    const v = <f64>(unchecked(fragmentDecodeTime[s]) + d) / <f64>unchecked(timescale[s]);
    if (v > t) t = v;
  }
  return t;
}

/** Updates the track info record (sample counts, first/last times) for samples just written. */
function recordStats(slot: i32, n: i32): void {
  const ts = <f64>unchecked(timescale[slot]);
  const rebase = unchecked(trackBase[slot]);
  const before = infoU32(slot, Info.Samples);
  let minPts = before == 0 ? f64.MAX_VALUE : infoF64(slot, Info.MinPts);
  let maxEnd = before == 0 ? -f64.MAX_VALUE : infoF64(slot, Info.MaxPtsEnd);
  let bytes: f64 = 0;
  for (let i = 0; i < n; i++) {
    const dts = load<i64>(sDts(slot, i));
    const pts = <f64>(dts + <i64>load<i32>(sCts(slot, i)) - rebase) / ts;
    const end = pts + <f64>load<u32>(sDuration(slot, i)) / ts;
    if (pts < minPts) minPts = pts;
    if (end > maxEnd) maxEnd = end;
    bytes += <f64>load<u32>(sSize(slot, i));
  }
  if (before == 0) {
    setInfoF64(slot, Info.FirstDts, <f64>(load<i64>(sDts(slot, 0)) - rebase) / ts);
    const firstPts = load<i64>(sDts(slot, 0)) + <i64>load<i32>(sCts(slot, 0));
    setInfoF64(slot, Info.SourceStart, <f64>firstPts / ts);
  }
  const last = n - 1;
  setInfoF64(slot, Info.EndTime, <f64>(load<i64>(sDts(slot, last)) + <i64>load<u32>(sDuration(slot, last)) - rebase) / ts);
  setInfoF64(slot, Info.MinPts, minPts);
  setInfoF64(slot, Info.MaxPtsEnd, maxEnd);
  setInfoF64(slot, Info.Bytes, infoF64(slot, Info.Bytes) + bytes);
  setInfoU32(slot, Info.Samples, before + <u32>n);
}

/** Removes the first n samples of a track, moving what is left to the front of its table and store. */
function dequeue(slot: i32, n: i32): void {
  const total = unchecked(sampleCount[slot]);
  const left = total - n;
  if (left > 0) {
    const from = load<u32>(sOffset(slot, n));
    const bytes = unchecked(dataLength[slot]) - from;
    memory.copy(dataBase(slot), dataBase(slot) + from, bytes);
    memory.copy(sDts(slot, 0), sDts(slot, n), <u32>left * 8);
    memory.copy(sCts(slot, 0), sCts(slot, n), <u32>left * 4);
    memory.copy(sSize(slot, 0), sSize(slot, n), <u32>left * 4);
    memory.copy(sFlags(slot, 0), sFlags(slot, n), <u32>left * 4);
    memory.copy(sDuration(slot, 0), sDuration(slot, n), <u32>left * 4);
    for (let i = 0; i < left; i++) store<u32>(sOffset(slot, i), load<u32>(sOffset(slot, i + n)) - from);
    unchecked((dataLength[slot] = bytes));
  } else {
    unchecked((dataLength[slot] = 0));
  }
  unchecked((sampleCount[slot] = left));
}

/** End of input: every queued sample goes out. */
export function flushRemuxer(): void {
  if (!initDone) startOutput();
  if (!initDone) {
    let declared = false;
    for (let s = 0; s < MAX_TRACKS; s++) if (unchecked(codec[s]) != Codec.None) declared = true;
    raiseFatal(Fatal.NoPlayableTracks, -1, declared ? 1 : 0);
    return;
  }
  for (let s = 0; s < MAX_TRACKS; s++) releaseHeldCut(s);
  cut(i64.MAX_VALUE, true, false);
}
