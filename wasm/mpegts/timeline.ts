// One continuous output timeline across timestamp jumps (DESIGN.md §3): a splice, an encoder
// restart or a discontinuity_indicator makes the source clock jump, and a player must not see it.
//
// Each track keeps an offset added to its unwrapped source times. When a PES time lies more than a
// second away from where the track's last frame ends (or, for video, goes back at all), the offset
// is chosen so the track continues exactly there. The tracks of a program jump together but not in
// the same packet (a muxer interleaves audio up to a second away from video), so the first track to
// meet the jump sets the program's new offset, and a track meeting the same jump later takes that
// offset too: audio and video keep the relation they have in the source after the jump.

import { MAX_TRACKS } from '../layout';
import { Warn } from '../codes';
import { emitWarning } from '../events';

const SECOND: i64 = 90000;

const offset = new StaticArray<i64>(MAX_TRACKS);
let haveJump: bool = false;
let jumpSource: i64 = 0; // unwrapped source time where the last jump was met
let jumpOffset: i64 = 0; // the offset chosen then
/** Consecutive video PES behind the track's last decode time (see retime). */
const behindRun = new StaticArray<u32>(MAX_TRACKS);
/** Set by retime: this video PES is behind the last decode time and must be timed by the cadence. */
export let behind: bool = false;

/** The offset currently added to a track's source times. */
export function videoOffset(slot: i32): i64 {
  return unchecked(offset[slot]);
}

export function resetTimeline(): void {
  for (let s = 0; s < MAX_TRACKS; s++) {
    unchecked((offset[s] = 0));
    unchecked((behindRun[s] = 0));
  }
  behind = false;
  haveJump = false;
  jumpSource = 0;
  jumpOffset = 0;
}

/**
 * The offset to add to this PES's unwrapped times. `expected` is where the track's last frame ends
 * (90 kHz, already on the output clock), `last` the last frame's decode time; `known` is false
 * before the track's first frame. Sets `behind` when a video PES is still behind the last decode
 * time after it: the caller then times that access unit from the cadence (a repair).
 *
 * A move of more than a second is a jump. A video decode time that goes back by less is one bad
 * timestamp (damage; the access unit is repaired) unless the next ones stay behind too: the third
 * in a row makes it a jump. A jump another track met already is taken whenever it explains this
 * track's times better, so the tracks of a program move together.
 */
export function retime(slot: i32, source: i64, expected: i64, last: i64, known: bool, video: bool): i64 {
  behind = false;
  let off = unchecked(offset[slot]);
  if (!known) return off;
  let t = source + off;
  let delta = t - expected;
  if (haveJump && jumpOffset != off && abs<i64>(source - jumpSource) < 10 * SECOND) {
    const shared = source + jumpOffset - expected;
    if (abs<i64>(shared) < abs<i64>(delta) && abs<i64>(shared) <= SECOND && (!video || source + jumpOffset > last)) {
      unchecked((offset[slot] = jumpOffset));
      unchecked((behindRun[slot] = 0));
      return jumpOffset;
    }
  }
  let jumped = delta > SECOND || delta < -SECOND;
  if (!jumped && video) {
    // Equal is the same access unit again (muxers repeat the PTS on each PES of a split picture).
    if (t < last) {
      unchecked((behindRun[slot] += 1));
      if (unchecked(behindRun[slot]) >= 3) jumped = true;
      else behind = true;
    } else {
      unchecked((behindRun[slot] = 0));
    }
  }
  if (!jumped) return off;
  emitWarning(Warn.TimestampJump, slot, <f64>(delta / 90));
  unchecked((behindRun[slot] = 0));
  off = expected - source;
  haveJump = true;
  jumpSource = source;
  jumpOffset = off;
  unchecked((offset[slot] = off));
  return off;
}
