// AAC frames from PES payloads carrying ADTS (ISO/IEC 13818-1 2.4.3.7 + 13818-7 6.2). A frame may
// straddle two PES packets, and one PES may hold several frames: the PES PTS belongs to the first
// frame that starts in it (2.4.3.7), the others follow at 1024 samples each.

import { MAX_TRACKS, carryBase } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning } from '../events';
import { adtsBlocks, adtsFrameLength, adtsHeaderLength, adtsSampleRate, configureFromAdts, parseAdts } from '../codecs/aac';
import { codec, state, TrackState, timescale } from '../remux/track';
import { queueAudioSample, reserveSample, sampleWritePtr } from '../remux/remuxer';

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

/** The decode time of the first frame starting in a PES with this PTS (track timescale). */
function frameTime(slot: i32, pts90k: i64, hasPts: bool): i64 {
  const expected = unchecked(nextDts[slot]);
  if (!hasPts) return expected;
  const t = (pts90k * <i64>unchecked(timescale[slot])) / 90000;
  if (!unchecked(haveNext[slot])) return t;
  const diff = t - expected;
  // PES times are rounded to 90 kHz; anything within half a frame is the same instant.
  if (diff <= FRAME_SAMPLES / 2 && diff >= -FRAME_SAMPLES / 2) return expected;
  emitWarning(Warn.TimestampJump, slot, <f64>((diff * 1000) / <i64>unchecked(timescale[slot])));
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

function keepCarry(slot: i32, pos: u32, end: u32, pts90k: i64, hasPts: bool): void {
  memory.copy(carryBase(slot), pos, end - pos);
  unchecked((carryLength[slot] = end - pos));
  unchecked((carryPts[slot] = pts90k));
  unchecked((carryHasPts[slot] = hasPts));
}

/** Handles the payload [p, p+len) of one audio PES. */
export function audioPes(slot: i32, p: u32, len: u32, pts90k: i64, hasPts: bool): void {
  let pos = p;
  const end = p + len;
  const carry = carryBase(slot);
  // Finish a frame that began in the previous PES; it keeps the time it was given there.
  let have = unchecked(carryLength[slot]);
  if (have > 0) {
    if (have < 7) {
      const take = min<u32>(7 - have, end - pos);
      memory.copy(carry + have, pos, take);
      have += take;
      pos += take;
    }
    if (have >= 7) {
      if (!parseAdts(carry)) {
        emitWarning(Warn.AdtsSyncLost, slot, <f64>have);
        have = 0;
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
      keepCarry(slot, pos, end, pts90k, first && hasPts);
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
}
