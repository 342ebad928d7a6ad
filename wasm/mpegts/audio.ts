// AAC frames from PES payloads carrying ADTS (ISO/IEC 13818-1 2.4.3.7 + 13818-7 6.2). A frame may
// straddle two PES packets, and one PES may hold several frames: the PES PTS belongs to the first
// frame that starts in it (2.4.3.7), the others follow at 1024 samples each.
//
// Timing, in the track's timescale (the sample rate): a frame starts where the previous one ended
// when its PES time says so within half a frame (PES times are rounded to 90 kHz). A gap up to a
// second is bridged by the frame before it (the timeline stays continuous); frames that would start
// more than half a frame before the previous one ended overlap it (a splice) and are dropped, so
// audio keeps its source relation to video. Both are reported. Larger jumps are handled for the
// whole program by timeline.ts before the times reach here.

import { carryBase, MAX_TRACKS } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning } from '../events';
import {
  adtsBlocks,
  adtsChannels,
  adtsFrameLength,
  adtsHeaderLength,
  adtsSampleRate,
  configureFromAdts,
  parseAdts,
} from '../codecs/aac';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import { audioPesDone, bridgeAudioGap, queueAudioSample, reserveSample, sampleWritePtr } from '../remux/remuxer';

const FRAME_SAMPLES: i64 = 1024;
const HALF_FRAME: i64 = FRAME_SAMPLES / 2;

/** A frame cut by a PES boundary: its first bytes, and its time (`carryTimed` false: none yet). */
const carryLength = new StaticArray<u32>(MAX_TRACKS);
const carryTime = new StaticArray<i64>(MAX_TRACKS);
const carryTimed = new StaticArray<bool>(MAX_TRACKS);
/** Where the last frame written ends, and whether there was one. */
const nextDts = new StaticArray<i64>(MAX_TRACKS);
const haveNext = new StaticArray<bool>(MAX_TRACKS);
/** Frames dropped as overlapping in the current PES (reported once per PES). */
let overlapped: u32 = 0;

export function resetAudio(slot: i32): void {
  unchecked((carryLength[slot] = 0));
  unchecked((carryTimed[slot] = false));
  unchecked((haveNext[slot] = false));
  unchecked((nextDts[slot] = 0));
}

/** Whether the track has timed a frame yet (see timeline.ts). */
export function audioTimed(slot: i32): bool {
  return unchecked(haveNext[slot]);
}

/** Where the track's last frame ends, in 90 kHz ticks on the output clock. */
export function audioNextDts90k(slot: i32): i64 {
  return (unchecked(nextDts[slot]) * 90000) / <i64>unchecked(timescale[slot]);
}

/** The decode time of the track's last frame, in 90 kHz ticks on the output clock. */
export function audioLastDts90k(slot: i32): i64 {
  return ((unchecked(nextDts[slot]) - FRAME_SAMPLES) * 90000) / <i64>unchecked(timescale[slot]);
}

/** True when the payload starts like ADTS: used to check what a PMT calls "MPEG audio". */
export function looksLikeAdts(p: u32, len: u32): bool {
  return len >= 7 && parseAdts(p);
}

/**
 * The first valid header configures the track: its timescale is the sample rate. Returns false for a
 * configuration MP4 cannot carry from ADTS alone: channel_configuration 0 means the channels are
 * described by a program_config_element inside the raw data (13818-7 8.5), which ADTS does not expose.
 */
function configure(slot: i32): bool {
  if (unchecked(state[slot]) == TrackState.Configured) return true;
  if (adtsChannels == 0) {
    if (unchecked(state[slot]) != TrackState.Dropped) emitWarning(Warn.TrackUnsupported, slot, 0x0f);
    unchecked((state[slot] = TrackState.Dropped));
    return false;
  }
  configureFromAdts(slot);
  unchecked((codec[slot] = Codec.Aac));
  unchecked((timescale[slot] = adtsSampleRate()));
  unchecked((state[slot] = TrackState.Configured));
  return true;
}

/**
 * The time of the first frame starting in a PES (track timescale), from its PTS; without a PTS, the
 * end of the previous frame.
 */
function firstFrameTime(slot: i32, pts90k: i64, hasPts: bool): i64 {
  const expected = unchecked(nextDts[slot]);
  if (!hasPts) return expected;
  const rate = <i64>unchecked(timescale[slot]);
  const t = (pts90k * rate) / 90000;
  if (!unchecked(haveNext[slot])) return t;
  const diff = t - expected;
  if (diff <= HALF_FRAME && diff >= -HALF_FRAME) return expected;
  if (diff > 0) emitWarning(Warn.TimestampJump, slot, <f64>((diff * 1000) / rate)); // emitFrame bridges it
  return t; // an overlap is reported by emitFrame, frame by frame
}

/** Writes the ADTS frame at p (its header parsed and valid) as one sample starting at `time`. */
function emitFrame(slot: i32, p: u32, frameLength: u32, time: i64): void {
  if (!parseAdts(p)) return;
  if (adtsBlocks != 0) {
    // Several raw_data_blocks in one ADTS frame have no single-sample MP4 form, and no encoder we
    // know writes them: in practice a damaged header. Reported, and only this frame is lost; it
    // changes no timing (the frame after it bridges the hole, below).
    emitWarning(Warn.TrackUnsupported, slot, 0xadb);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  if (unchecked(haveNext[slot])) {
    const expected = unchecked(nextDts[slot]);
    if (time < expected - HALF_FRAME) {
      // Starts inside the previous frame: an overlap at a splice. Only this frame is lost.
      overlapped++;
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      return;
    }
    // Within half a frame of where the previous one ends is the same instant (a frame after a
    // splice, or PES rounding): the timeline stays continuous. Later, a frame before it was lost
    // (damaged, dropped): the frame before the hole lasts until this one, so it stays continuous too.
    if (time <= expected + HALF_FRAME) time = expected;
    else bridgeAudioGap(slot, time);
  }
  unchecked((nextDts[slot] = time + FRAME_SAMPLES));
  unchecked((haveNext[slot] = true));
  const size = frameLength - adtsHeaderLength;
  if (!reserveSample(slot, size)) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    return;
  }
  memory.copy(sampleWritePtr(slot), p + adtsHeaderLength, size);
  queueAudioSample(slot, time, <u32>FRAME_SAMPLES, size);
}

/**
 * Keeps the start of a frame cut by the PES boundary. Fewer than 7 bytes are kept only if they can
 * begin an ADTS header (syncword); anything else is not audio and is skipped (returns false).
 */
function keepCarry(slot: i32, pos: u32, end: u32, time: i64, timed: bool): bool {
  const n = end - pos;
  if (n < 7) {
    if (load<u8>(pos) != 0xff || (n >= 2 && (load<u8>(pos + 1) & 0xf6) != 0xf0)) return false;
  }
  memory.copy(carryBase(slot), pos, n);
  unchecked((carryLength[slot] = n));
  unchecked((carryTime[slot] = time));
  unchecked((carryTimed[slot] = timed));
  return true;
}

/** A PES of this track was lost: a frame begun before it cannot be completed by the next one. */
export function audioPesLost(slot: i32): void {
  if (unchecked(carryLength[slot]) > 0) setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
  unchecked((carryLength[slot] = 0));
}

/**
 * Completes a frame carried from the previous PES with the first bytes of [pos, end). Returns how
 * many bytes it took; 0 when the carried bytes were not a frame after all (they are dropped).
 */
function finishCarry(slot: i32, pos: u32, end: u32, pts90k: i64, hasPts: bool): u32 {
  const carry = carryBase(slot);
  const kept = unchecked(carryLength[slot]);
  let have = kept;
  let taken: u32 = 0;
  if (have < 7) {
    taken = min<u32>(7 - have, end - pos);
    memory.copy(carry + have, pos, taken);
    have += taken;
    if (have < 7) {
      unchecked((carryLength[slot] = have));
      return taken;
    }
  }
  if (!parseAdts(carry)) {
    emitWarning(Warn.AdtsSyncLost, slot, <f64>kept);
    unchecked((carryLength[slot] = 0));
    return 0;
  }
  if (!configure(slot)) {
    unchecked((carryLength[slot] = 0));
    return end - pos;
  }
  const frameLength = adtsFrameLength;
  const more = min<u32>(frameLength - have, end - pos - taken);
  memory.copy(carry + have, pos + taken, more);
  have += more;
  taken += more;
  unchecked((carryLength[slot] = have));
  if (have < frameLength) return taken;
  unchecked((carryLength[slot] = 0));
  // A frame whose first bytes came before any PTS takes its time from this PES, as the first frame.
  const timed = unchecked(carryTimed[slot]);
  if (!timed && !hasPts && !unchecked(haveNext[slot])) return taken;
  emitFrame(slot, carry, frameLength, timed ? unchecked(carryTime[slot]) : firstFrameTime(slot, pts90k, hasPts));
  return taken;
}

/** Handles the payload [p, p+len) of one audio PES. */
export function audioPes(slot: i32, p: u32, len: u32, pts90k: i64, hasPts: bool): void {
  const end = p + len;
  let pos = p;
  overlapped = 0;
  if (unchecked(carryLength[slot]) > 0) {
    pos += finishCarry(slot, pos, end, pts90k, hasPts);
    if (unchecked(carryLength[slot]) > 0) return; // this PES did not complete it
  }
  let first = true;
  let time: i64 = 0;
  let timed = false;
  let skipped: u32 = 0;
  while (pos < end) {
    if (end - pos < 7) {
      // A header cut by the PES boundary: keep its bytes for the next PES.
      if (!keepCarry(slot, pos, end, time, timed)) skipped += end - pos;
      break;
    }
    if (!parseAdts(pos)) {
      pos++;
      skipped++;
      continue;
    }
    if (!configure(slot)) return;
    if (first) {
      first = false;
      // No time yet (the stream's first audio PES has no PTS): frames wait for the first PTS.
      timed = hasPts || unchecked(haveNext[slot]);
      if (timed) time = firstFrameTime(slot, pts90k, hasPts);
    } else if (timed) {
      time += FRAME_SAMPLES;
    }
    const frameLength = adtsFrameLength;
    if (pos + frameLength > end) {
      // A frame cut by the PES boundary: completed by the start of the next PES.
      keepCarry(slot, pos, end, time, timed);
      break;
    }
    if (timed) emitFrame(slot, pos, frameLength, time);
    else setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    pos += frameLength;
  }
  if (skipped > 0) emitWarning(Warn.AdtsSyncLost, slot, <f64>skipped);
  if (overlapped > 0) {
    // Reported as a jump back by the length of the frames dropped, in milliseconds.
    emitWarning(Warn.TimestampJump, slot, -<f64>((<i64>overlapped * FRAME_SAMPLES * 1000) / <i64>unchecked(timescale[slot])));
  }
  audioPesDone(slot);
}
