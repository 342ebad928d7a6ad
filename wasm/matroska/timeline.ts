// One continuous output timeline across timestamp jumps in Matroska (DESIGN.md §3), the counterpart of
// mpegts/timeline.ts: a splice, a muxer whose clock was reset, or a live encoder that restarted (a chained
// Segment, RFC 8794 §6.2, whose clock starts again near 0) make the source clock jump, and a player must not see it.
//
// The rule is TS's: a time more than a second away from where its track's last block ends is a jump, and an offset
// added to the source times from then on makes the track continue exactly there; one offset serves all tracks, so
// audio and video keep the relation they have in the source. What differs is where a jump can be met. MPEG-TS
// stamps each PES of each stream on its own, so there every track checks every PES and the tracks agree on a shared
// offset afterwards. In Matroska every block's time is its Cluster's Timestamp plus a signed 16-bit offset (RFC 9559
// §10.1 and §11.1: a block's time can only be read against its Cluster), so the clock of all tracks can only jump at
// a new Cluster: the first block of each Cluster is checked, once, for the whole stream. A block off inside a Cluster
// is damage to that block, repaired where it is timed (video.ts, audio.ts).
//
// Where a track's last block ends is taken from the block times (plus the frames' durations), not from the output
// clock the repairs of video.ts and audio.ts keep: the offset is then the source's jump itself, to the tick, and the
// relation of audio and video stays exactly the source's even where a repair left a track a tick off its block times.
//
// Not shared code with mpegts/timeline.ts: that one keeps an offset per track, runs of late video PES and the jump
// another track met, none of which one check per Cluster for all tracks needs; a shared core would be the one
// comparison below.

import { MAX_TRACKS } from '../layout';
import { TrackKind, Warn } from '../codes';
import { emitWarning } from '../events';
import { kind } from '../remux/track';
import { mkvAudioBehindNs, mkvAudioFrameNs, mkvAudioNextNs } from './audio';
import { mkvVideoBehindNs, mkvVideoFrameNs } from './video';

const SECOND: i64 = 1000000000;
const UNKNOWN: i64 = i64.MIN_VALUE;

/** Nanoseconds added to every block time (a whole number of TimestampScale ticks). */
let offsetNs: i64 = 0;
/**
 * After a jump: the audio blocks that are still to confirm the offset (see refineByAudio), and the residual the last
 * of them left (UNKNOWN: none yet).
 */
let refineLeft: i32 = 0;
let refineResidual: i64 = UNKNOWN;
/** Where the audio's block times lay against its sample clock when the jump was met (see refineByAudio). */
let refinePhase: i64 = 0;
/** A Cluster Timestamp was read and no block of an output track has been timed against it yet. */
let clusterFresh: bool = false;
/** The demuxer resynchronised onto a block, not a Cluster: the Cluster Timestamp it is read against may be stale. */
let clusterDoubtful: bool = false;
/** Blocks in a row, in this Cluster, that came behind their tracks (see mkvStaleClusterNs). */
let behindRun: i32 = 0;
/** Damage cost the stream bytes since the last Cluster was checked: blocks, maybe seconds of them, are lost. */
let lostSinceCheck: bool = false;
/**
 * Per track, on the output clock as the block times give it: where its last block starts and how many frames it
 * holds, the same of the block before it (UNKNOWN: no block since the start or a seek), and the latest start seen.
 * Where a block ends is worked out only where it is needed (endOf), not at every block.
 */
const lastStart = new StaticArray<i64>(MAX_TRACKS);
const lastFrames = new StaticArray<i32>(MAX_TRACKS);
const prevStart = new StaticArray<i64>(MAX_TRACKS);
const prevFrames = new StaticArray<i32>(MAX_TRACKS);
const thirdStart = new StaticArray<i64>(MAX_TRACKS);
const maxStart = new StaticArray<i64>(MAX_TRACKS);

export function resetMkvTimeline(): void {
  offsetNs = 0;
  mkvStaleNs = 0;
  refineLeft = 0;
  refineResidual = UNKNOWN;
  clusterFresh = false;
  clusterDoubtful = false;
  lostSinceCheck = false;
  behindRun = 0;
  refinePhase = 0;
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((lastStart[s] = UNKNOWN));
    unchecked((prevStart[s] = UNKNOWN));
    unchecked((thirdStart[s] = UNKNOWN));
    unchecked((maxStart[s] = UNKNOWN));
  }
}

/** A Cluster's Timestamp was read: its first block is where a jump of the stream's clock shows. */
export function clusterTimestampRead(): void {
  clusterFresh = true;
  clusterDoubtful = false;
  behindRun = 0;
}

/**
 * The demuxer resynchronised after damage onto a block (demux.ts adoptBlock), inside a Cluster whose start it may not
 * have seen: when the damage took a Cluster's head with it (a truncated Cluster followed by a whole one), its blocks
 * are read against the Timestamp of the Cluster before, and all of them come early by the lost Cluster's span.
 */
export function clusterInDoubt(): void {
  clusterDoubtful = true;
}

/**
 * The demuxer found its way again after damage (ELEMENT_INVALID): what it skipped may have held seconds of blocks
 * (a truncated Cluster, a size that swallowed a Cluster's head). The next Cluster then lies that much further on:
 * a loss, which the tracks show as a gap (filled or bridged, reported), not a jump to close.
 */
export function mediaLost(): void {
  lostSinceCheck = true;
}

/** The time before which a frame of the track is certainly behind it (see video.ts, audio.ts), or UNKNOWN. */
function behindNs(slot: i32): i64 {
  const k = unchecked(kind[slot]);
  if (k == TrackKind.Video) return mkvVideoBehindNs(slot);
  if (k == TrackKind.Audio) return mkvAudioBehindNs(slot);
  return UNKNOWN;
}

/** The duration of one frame of the track (ns; 0 when not known yet). */
function frameNs(slot: i32): i64 {
  const k = unchecked(kind[slot]);
  if (k == TrackKind.Video) return mkvVideoFrameNs(slot);
  if (k == TrackKind.Audio) return mkvAudioFrameNs(slot);
  return 0;
}

/** Whether `t` is within a second of `expected` (or nothing is expected). */
@inline function near(expected: i64, t: i64): bool {
  return expected == UNKNOWN || (t - expected <= SECOND && t - expected >= -SECOND);
}

/**
 * Where the audio track's last blocks lay against its sample clock (`clock`, where the last one ends): of the last
 * three, the phase two share (a block time now and then rounds the other way), else the last one's; 0 past a tick.
 */
function audioPhase(slot: i32, clock: i64, scaleNs: i64): i64 {
  const f = frameNs(slot);
  const lastAt = clock - <i64>unchecked(lastFrames[slot]) * f;
  const last = unchecked(lastStart[slot]) - lastAt;
  let phase = last;
  if (unchecked(prevStart[slot]) != UNKNOWN && unchecked(thirdStart[slot]) != UNKNOWN) {
    // Blocks of one frame each: the ones before sit a frame apart on the clock.
    const prevAt = lastAt - <i64>unchecked(prevFrames[slot]) * f;
    const prev = unchecked(prevStart[slot]) - prevAt;
    const third = unchecked(thirdStart[slot]) - (prevAt - f);
    if (prev == third && prev != last) phase = prev;
  }
  return abs<i64>(phase) <= scaleNs ? phase : 0;
}

/** Where a block of `frames` frames starting at `start` ends (UNKNOWN when `start` is). */
function endOf(slot: i32, start: i64, frames: i32): i64 {
  return start == UNKNOWN ? UNKNOWN : start + <i64>frames * frameNs(slot);
}

/** `ns` rounded to the nearest whole number of ticks of `scaleNs`. */
function roundToTicks(ns: i64, scaleNs: i64): i64 {
  const half = scaleNs >> 1;
  return (ns >= 0 ? (ns + half) / scaleNs : -((-ns + half) / scaleNs)) * scaleNs;
}

/**
 * An audio block at source time `timeNs` after a jump, against its track's sample clock: corrects the offset to the
 * tick. Where one block says the jump took the clock is off when the stream's video has a
 * hole there (the jump was met at a video block), or by a tick when a block time rounds the other way than most
 * (RFC 9559 §10.1: a block time is its frame's start rounded to the TimestampScale). Audio is continuous: the blocks
 * after a jump, timed by the clock, tell the jump exactly. A residual of more than a tick is taken at once (the
 * frames are not moved yet); one of a tick only when the next block agrees. The audio is timed by its clock within
 * half a frame (audio.ts) and does not notice; a video frame timed before the correction lasts a tick more or less.
 */
function refineByAudio(slot: i32, timeNs: i64, scaleNs: i64): void {
  const clock = mkvAudioNextNs(slot);
  if (clock == UNKNOWN) return;
  refineLeft--;
  const r = timeNs + offsetNs - clock - refinePhase;
  if (r == 0 || abs<i64>(r) >= SECOND) refineResidual = UNKNOWN;
  else if (abs<i64>(r) > scaleNs || r == refineResidual) {
    offsetNs -= roundToTicks(r, scaleNs);
    refineLeft = 0;
    refineResidual = UNKNOWN;
  } else refineResidual = r;
}

/**
 * A block of an output track at source time `timeNs`: the nanoseconds the Cluster Timestamp it was read against is
 * off (0: none found). Block times only go forward from one Cluster to the next (a Cluster's Timestamp is that of its
 * first blocks, RFC 9559 §10.1), so blocks behind their tracks are ones read against the Timestamp of a Cluster before
 * their own: the first after a resync onto a block (clusterInDoubt), or three audio blocks in a row. That Cluster's blocks are
 * moved on until this one continues its track (reported once).
 */
@inline function mkvStaleClusterNs(slot: i32, timeNs: i64, scaleNs: i64): i64 {
  // Most blocks: nothing in doubt, and no audio block behind (the call is per block).
  if (!clusterDoubtful) {
    if (unchecked(kind[slot]) != TrackKind.Audio) return 0;
    if (timeNs + offsetNs >= unchecked(maxStart[slot])) {
      behindRun = 0;
      return 0;
    }
  }
  return staleClusterNs(slot, timeNs, scaleNs);
}

function staleClusterNs(slot: i32, timeNs: i64, scaleNs: i64): i64 {
  const doubtful = clusterDoubtful;
  clusterDoubtful = false;
  const t = timeNs + offsetNs;
  // Audio blocks only go forward (no reordering), so one behind the furthest its track got counts; a video block
  // in a reordering stream may be behind by design, and leaves the count as it is.
  if (unchecked(kind[slot]) == TrackKind.Audio) {
    const furthest = unchecked(maxStart[slot]);
    if (furthest != UNKNOWN && t < furthest) behindRun++;
    else behindRun = 0;
  }
  if (!doubtful && behindRun < 3) return 0;
  const behind = behindNs(slot);
  const end = endOf(slot, unchecked(lastStart[slot]), unchecked(lastFrames[slot]));
  if (behind == UNKNOWN || end == UNKNOWN) return 0;
  // Without a resync, damage can take a Cluster's head with it too (a block cut short whose size runs over the next
  // Cluster's Timestamp reads as a whole block): its blocks then come behind their tracks one after the other. One
  // block behind is a damaged block time (video.ts, audio.ts repair it); the third audio block in a row is the
  // Cluster (the rule of mpegts/timeline.ts for video PES behind).
  let stale = behindRun >= 3 || (doubtful && t < behind);
  // Ahead of its track by more than any frame interval (10 s, as remux/remuxer.ts beginVideoSample has it) is a
  // stale Timestamp too: a long Cluster's lies up to 32.768 s after its first block (the int16 range, RFC 9559 §10.1).
  if (doubtful && t - end > 10 * SECOND) stale = true;
  behindRun = 0;
  const late = roundToTicks(end - t, scaleNs);
  // Less than half a frame is no Cluster's span: the blocks were behind a damaged block's time (one that came late),
  // which no longer counts as how far the track got.
  if (!stale || abs<i64>(late) * 2 < frameNs(slot)) {
    if (unchecked(maxStart[slot]) > t) unchecked((maxStart[slot] = t));
    return 0;
  }
  emitWarning(Warn.TimestampJump, slot, <f64>(-late / 1000000));
  return late;
}

/**
 * A block of `frames` frames of track `slot` at source time `timeNs`: returns its time on the output clock. The first
 * block of a Cluster is compared with where its track's last block ends (or, before that track's first block, where
 * the track furthest on ends): more than a second away is a jump, reported once, and from this block on the offset
 * makes the track continue exactly where it ended. Not when the block continues the one before the track's last
 * (that one had a damaged time: video.ts and audio.ts repair it). `scaleNs` (the TimestampScale) keeps the offset a
 * whole number of ticks, so the output stays on the source's grid.
 */
@inline function mkvOutputTime(slot: i32, timeNs: i64, frames: i32, scaleNs: i64): i64 {
  if (clusterFresh || refineLeft > 0) checkJump(slot, timeNs, scaleNs);
  return record(slot, timeNs + offsetNs, frames);
}

/** Keeps where the track's blocks lie (see lastStart). */
@inline function record(slot: i32, t: i64, frames: i32): i64 {
  unchecked((thirdStart[slot] = unchecked(prevStart[slot])));
  unchecked((prevStart[slot] = unchecked(lastStart[slot])));
  unchecked((prevFrames[slot] = unchecked(lastFrames[slot])));
  unchecked((lastStart[slot] = t));
  unchecked((lastFrames[slot] = frames));
  if (t > unchecked(maxStart[slot])) unchecked((maxStart[slot] = t));
  return t;
}

/** mkvOutputTime at the first block of a Cluster, and after a jump. */
function checkJump(slot: i32, timeNs: i64, scaleNs: i64): void {
  if (clusterFresh) {
    clusterFresh = false;
    let expected = endOf(slot, unchecked(lastStart[slot]), unchecked(lastFrames[slot]));
    let other: i64 = UNKNOWN;
    if (expected == UNKNOWN) {
      for (let s = 0; s < MAX_TRACKS; s++) {
        const e = endOf(s, unchecked(lastStart[s]), unchecked(lastFrames[s]));
        if (e != UNKNOWN && (expected == UNKNOWN || e > expected)) expected = e;
      }
    } else {
      const before = endOf(slot, unchecked(prevStart[slot]), unchecked(prevFrames[slot]));
      if (before != UNKNOWN) other = before + (expected - unchecked(lastStart[slot]));
    }
    const t = timeNs + offsetNs;
    const delta = t - expected;
    // Forwards by no more than a frame interval can be (remux/remuxer.ts beginVideoSample: 10 s) after damage: lost.
    const lost = lostSinceCheck && delta > 0 && delta <= 10 * SECOND;
    lostSinceCheck = false;
    if (!lost && !near(expected, t) && !near(other == UNKNOWN ? expected : other, t)) {
      emitWarning(Warn.TimestampJump, slot, <f64>(delta / 1000000));
      // Where an audio track's last block lay against its sample clock: the audio blocks after the jump are held
      // to that phase (refineByAudio).
      refinePhase = 0;
      for (let s = 0; s < MAX_TRACKS; s++) {
        const clock = unchecked(kind[s]) == TrackKind.Audio ? mkvAudioNextNs(s) : UNKNOWN;
        if (clock == UNKNOWN || unchecked(lastStart[s]) == UNKNOWN) continue;
        refinePhase = audioPhase(s, clock, scaleNs);
        break;
      }
      let target = expected;
      // An audio track's own clock says best where its next block belongs (audio has no holes; video may).
      const clock = unchecked(kind[slot]) == TrackKind.Audio ? mkvAudioNextNs(slot) : UNKNOWN;
      if (clock != UNKNOWN) target = clock + refinePhase;
      offsetNs = roundToTicks(target - timeNs, scaleNs);
      refineLeft = 4;
      refineResidual = UNKNOWN;
    }
  }
  if (refineLeft > 0 && unchecked(kind[slot]) == TrackKind.Audio) refineByAudio(slot, timeNs, scaleNs);
}

/**
 * A block of `frames` frames of track `slot` read at source time `sourceNs` against its Cluster's Timestamp: sets
 * mkvStaleNs (the ns the Cluster Timestamp is off by, see mkvStaleClusterNs; the caller moves the Cluster and reads
 * the block again) and returns 0, or returns the block's time on the output clock (mkvOutputTime). One call per
 * block, and for most blocks (no new Cluster, nothing in doubt, no jump being refined, audio not behind) one branch.
 */
export let mkvStaleNs: i64 = 0;

/** The caller moved the Cluster by mkvStaleNs. */
export function mkvStaleTaken(): void {
  mkvStaleNs = 0;
}

@inline export function mkvBlockTime(slot: i32, sourceNs: i64, frames: i32, scaleNs: i64): i64 {
  const t = sourceNs + offsetNs;
  if (!clusterFresh && refineLeft == 0 && !clusterDoubtful && (unchecked(kind[slot]) != TrackKind.Audio || t >= unchecked(maxStart[slot]))) {
    behindRun = 0;
    return record(slot, t, frames);
  }
  mkvStaleNs = mkvStaleClusterNs(slot, sourceNs, scaleNs);
  if (mkvStaleNs != 0) return 0;
  return mkvOutputTime(slot, sourceNs, frames, scaleNs);
}
