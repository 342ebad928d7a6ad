// Audio gaps (DESIGN.md §3: "gaps are repaired and reported (silent audio frames...)"), for every demuxer: a track
// whose next frame starts later than its last one ends gets silent frames of its codec (codecs/silence.ts) in
// between, or, where there is none, the frame before the gap lasts until the next one.

import { Warn } from '../codes';
import { emitWarning } from '../events';
import { prepareSilence, silenceFrame, silenceLength } from '../codecs/silence';
import { timescale } from './track';
import { bridgeAudioGap, queueAudioSample, reserveSample, sampleWritePtr } from './remuxer';

/** The most a gap is filled: the MPEG-TS timeline (timeline.ts) takes a move of more than a second as a jump, which leaves no gap. */
const MAX_FILL_SECONDS: i64 = 2;

/**
 * A gap in the track's timeline: its last frame ends at `from`, the frame at p (`samples` long, its header just
 * parsed) starts at `to`; returns the time that frame starts at. Gaps of at least one frame (less a sixteenth: PES
 * times are rounded to 90 kHz, some muxers round them to the millisecond) are filled with as many silent frames as
 * fit (codecs/silence.ts), queued from `from` on. When they fill it to within a sixteenth of a frame, the frame at
 * p starts where they end, as it would after the lost frames (a frame within half a frame of where the previous
 * one ends starts there, emitFrame); otherwise the gap was not whole frames, and the last silent frame lasts until
 * `to`. Either way the real frames keep their times and the track's decode times stay continuous. Reported as
 * AudioGapFilled (detail: frames inserted; its media time is this PES's, where the gap ends). With `exact` (the
 * track's frames are off their grid after an overlap, mpegts/audio.ts) the frame at p keeps `to` in every case.
 *
 * A shorter gap, a configuration without a silent frame (SBR/PS signalled, a program_config_element, an audio
 * codec without one: FLAC), the first gap after a new stream took the track (trackConfigured had the old
 * stream's last frame last until the new one's first) and anything longer than MAX_FILL_SECONDS are bridged as
 * before: the frame before the gap lasts until this one (bridgeAudioGap; the remuxer keeps each audio track's
 * last frame queued for this), reported as TimestampJump (detail: the gap in milliseconds).
 */
export function fillAudioGap(
  slot: i32,
  restarted: bool,
  from: i64,
  to: i64,
  p: u32,
  samples: u32,
  exact: bool = false,
): i64 {
  const gap = to - from;
  const rate = <i64>unchecked(timescale[slot]);
  const frame = restarted ? 0 : <i64>prepareSilence(slot, p, samples);
  const rounding = frame >> 4;
  const count: i64 = frame > 0 && gap <= MAX_FILL_SECONDS * rate ? (gap + rounding) / frame : 0;
  let filled: i64 = 0;
  let t = from;
  while (filled < count && reserveSample(slot, silenceLength)) {
    memory.copy(sampleWritePtr(slot), silenceFrame(), silenceLength);
    queueAudioSample(slot, t, <u32>frame, silenceLength);
    t += frame;
    filled++;
  }
  if (filled > 0) emitWarning(Warn.AudioGapFilled, slot, <f64>filled);
  else emitWarning(Warn.TimestampJump, slot, <f64>((gap * 1000) / rate));
  if (filled == count && filled > 0 && abs<i64>(to - t) <= rounding && !exact) return t;
  bridgeAudioGap(slot, to); // the last silent frame (or, with none, the frame before the gap) lasts until `to`
  return to;
}

