// AAC frames from PES payloads carrying ADTS (ISO/IEC 13818-1 2.4.3.7 + 13818-7 6.2). A frame may
// straddle two PES packets, and one PES may hold several frames: the PES PTS belongs to the first
// frame that starts in it (2.4.3.7), the others follow at 1024 samples each.

import { MAX_TRACKS, carryBase } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning } from '../events';
import { adtsBlocks, adtsFrameLength, adtsHeaderLength, adtsSampleRate, configureFromAdts, parseAdts } from '../codecs/aac';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import { audioPesDone, bridgeAudioGap, queueAudioSample, reserveSample, sampleWritePtr } from '../remux/remuxer';

const FRAME_SAMPLES: i64 = 1024;

const carryLength = new StaticArray<u32>(MAX_TRACKS);
// Timing of a carried frame: the PTS of its PES if it was the first frame there, else none.
const carryPts = new StaticArray<i64>(MAX_TRACKS);
const carryHasPts = new StaticArray<bool>(MAX_TRACKS);
const nextDts = new StaticArray<i64>(MAX_TRACKS);
const haveNext = new StaticArray<bool>(MAX_TRACKS);

export function resetAudio(slot: i32): void {
  unchecked((carryLength[slot] = 0));
  unchecked((haveNext[slot] = false));
  unchecked((nextDts[slot] = 0));
}

/** True when the payload starts like ADTS: used to check what a PMT calls "MPEG audio". */
export function looksLikeAdts(p: u32, len: u32): bool {
  return len >= 7 && parseAdts(p);
}

/**
 * The decode time of the first frame starting in a PES with this PTS (track timescale). Within half
 * a frame of where the previous frame ends it is the same instant (PES times are rounded to 90 kHz).
 * A gap up to a second is bridged by the previous frame (the track's timeline stays continuous, the
 * frames after it keep their times); a small overlap keeps the previous frames' cadence. Both are
 * reported. Larger jumps are a new timeline and are taken as they come.
 */
function frameTime(slot: i32, pts90k: i64, hasPts: bool): i64 {
  const expected = unchecked(nextDts[slot]);
  if (!hasPts) return expected;
  const rate = <i64>unchecked(timescale[slot]);
  const t = (pts90k * rate) / 90000;
  if (!unchecked(haveNext[slot])) return t;
  const diff = t - expected;
  if (diff <= FRAME_SAMPLES / 2 && diff >= -FRAME_SAMPLES / 2) return expected;
  emitWarning(Warn.TimestampJump, slot, <f64>((diff * 1000) / rate));
  if (diff > 0 && diff <= rate) {
    bridgeAudioGap(slot, t);
    return t;
  }
  if (diff < 0 && diff >= -rate) return expected;
  return t;
}

/**
 * Writes the ADTS frame at p as one sample. Its time is the PES PTS when `hasPts` (the first frame
 * starting in a PES), else the end of the previous frame.
 */
function emitFrame(slot: i32, p: u32, frameLength: u32, pts90k: i64, hasPts: bool): void {
  if (!parseAdts(p)) return;
  if (unchecked(state[slot]) != TrackState.Configured) {
    // The first frame configures the track; its timescale is the sample rate (1024 ticks a frame).
    configureFromAdts(slot);
    unchecked((codec[slot] = Codec.Aac));
    unchecked((timescale[slot] = adtsSampleRate()));
    unchecked((state[slot] = TrackState.Configured));
  }
  if (!hasPts && !unchecked(haveNext[slot])) {
    // No time yet: a stream whose first audio PES has no PTS. Frames wait for the first PTS.
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  const time = frameTime(slot, pts90k, hasPts);
  if (adtsBlocks != 0) {
    // Several raw_data_blocks in one ADTS frame have no single-sample MP4 form; no encoder we
    // know writes them. Reported, and only this frame is lost.
    emitWarning(Warn.TrackUnsupported, slot, 0xadb);
    unchecked((nextDts[slot] = time + FRAME_SAMPLES * <i64>(adtsBlocks + 1)));
    unchecked((haveNext[slot] = true));
    return;
  }
  const header = adtsHeaderLength;
  const size = frameLength - header;
  if (!reserveSample(slot, size)) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    return;
  }
  memory.copy(sampleWritePtr(slot), p + header, size);
  queueAudioSample(slot, time, <u32>FRAME_SAMPLES, size);
  unchecked((nextDts[slot] = time + FRAME_SAMPLES));
  unchecked((haveNext[slot] = true));
}

/**
 * Keeps the start of a frame cut by the PES boundary. Fewer than 7 bytes are kept only if they can
 * begin an ADTS header (syncword); anything else is not audio and is skipped (returns false).
 */
function keepCarry(slot: i32, pos: u32, end: u32, pts90k: i64, hasPts: bool): bool {
  const n = end - pos;
  if (n < 7) {
    if (load<u8>(pos) != 0xff || (n >= 2 && (load<u8>(pos + 1) & 0xf6) != 0xf0)) return false;
  }
  memory.copy(carryBase(slot), pos, n);
  unchecked((carryLength[slot] = n));
  unchecked((carryPts[slot] = pts90k));
  unchecked((carryHasPts[slot] = hasPts));
  return true;
}

/** A PES of this track was lost: a frame begun before it cannot be completed by the next one. */
export function audioPesLost(slot: i32): void {
  if (unchecked(carryLength[slot]) > 0) setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
  unchecked((carryLength[slot] = 0));
}

/** Handles the payload [p, p+len) of one audio PES. */
export function audioPes(slot: i32, p: u32, len: u32, pts90k: i64, hasPts: bool): void {
  let pos = p;
  const end = p + len;
  const carry = carryBase(slot);
  // Finish a frame that began in the previous PES; it keeps the time it was given there.
  let have = unchecked(carryLength[slot]);
  if (have > 0) {
    const kept = have;
    if (have < 7) {
      const take = min<u32>(7 - have, end - pos);
      memory.copy(carry + have, pos, take);
      have += take;
      pos += take;
    }
    if (have >= 7) {
      if (!parseAdts(carry)) {
        // The kept bytes were not a frame after all: skip them, and read this PES from its start.
        emitWarning(Warn.AdtsSyncLost, slot, <f64>kept);
        have = 0;
        pos = p;
      } else {
        const frameLength = adtsFrameLength;
        const take = min<u32>(frameLength - have, end - pos);
        memory.copy(carry + have, pos, take);
        have += take;
        pos += take;
        if (have == frameLength) {
          emitFrame(slot, carry, frameLength, unchecked(carryPts[slot]), unchecked(carryHasPts[slot]));
          have = 0;
        }
      }
    }
    unchecked((carryLength[slot] = have));
    if (have > 0) return;
  }
  let first = true;
  let skipped: u32 = 0;
  while (pos < end) {
    if (end - pos < 7) {
      // A header cut by the PES boundary: keep its bytes for the next PES.
      if (!keepCarry(slot, pos, end, pts90k, first && hasPts)) skipped += end - pos;
      break;
    }
    if (!parseAdts(pos)) {
      pos++;
      skipped++;
      continue;
    }
    const frameLength = adtsFrameLength;
    if (pos + frameLength > end) {
      // A frame cut by the PES boundary: completed by the start of the next PES.
      keepCarry(slot, pos, end, pts90k, first && hasPts);
      break;
    }
    emitFrame(slot, pos, frameLength, pts90k, first && hasPts);
    first = false;
    pos += frameLength;
  }
  if (skipped > 0) emitWarning(Warn.AdtsSyncLost, slot, <f64>skipped);
  audioPesDone(slot);
}
