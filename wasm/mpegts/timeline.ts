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

export function resetTimeline(): void {
  for (let s = 0; s < MAX_TRACKS; s++) unchecked((offset[s] = 0));
  haveJump = false;
  jumpSource = 0;
  jumpOffset = 0;
}

/**
 * The offset to add to this PES's unwrapped times. `expected` is where the track's last frame ends
 * (90 kHz, already on the output clock), `last` the last frame's decode time; `known` is false
 * before the track's first frame.
 */
export function retime(slot: i32, source: i64, expected: i64, last: i64, known: bool, video: bool): i64 {
  let off = unchecked(offset[slot]);
  if (!known) return off;
  const t = source + off;
  const delta = t - expected;
  // Video decode times only go forward; an equal one is the same access unit again (some muxers
  // repeat the PTS on every PES of a picture split over several: Mediabunny's no-aud.ts).
  const jumped = video ? t < last || delta > SECOND : delta > SECOND || delta < -SECOND;
  if (!jumped) return off;
  emitWarning(Warn.TimestampJump, slot, <f64>(delta / 90));
  const shared = source + jumpOffset - expected;
  if (haveJump && abs<i64>(source - jumpSource) < 10 * SECOND && shared <= SECOND && shared >= -SECOND) {
    off = jumpOffset; // the jump another track met already
  } else {
    off = expected - source;
    haveJump = true;
    jumpSource = source;
    jumpOffset = off;
  }
  unchecked((offset[slot] = off));
  return off;
}
