/**
 * BufferController (DESIGN.md §4): decides what leaves one SourceBuffer, so that its append queue never has to drop or
 * re-fetch bytes. Two occasions:
 * - the back buffer: media more than `backBufferSeconds` behind the playhead goes, a few times a minute (bounded
 *   memory over long runs, and fewer QuotaExceededErrors);
 * - a QuotaExceededError (MSE "prepare append" algorithm: the buffer full flag): the media behind the playhead goes,
 *   all but a safety margin, and the append queue tries the same bytes again once the removal is done.
 *
 * Media ahead of the playhead is never evicted: it was fetched once and would have to be fetched again (and a live
 * stream cannot be). When nothing is left behind the playhead but media ahead of it will play, the append waits for
 * playback to move on (the loader pauses meanwhile: the queue is not idle, see Session.backpressure). When the buffer
 * holds only what is about to play and the append still does not fit, the quota is smaller than the media needed to
 * play on: that is an error, not a loop.
 *
 * Cuts are made at random access points. MSE's coded frame removal algorithm ("remove all possible decoding
 * dependencies on the coded frames removed ... up to the next random access point", which Chromium implements by
 * splitting its ranges at the next keyframe) extends a removal to the next keyframe: a cut inside the GOP that plays now would take the rest of
 * that GOP with it and stall playback for good. Audio frames are all random access points; for video, the keyframes
 * are read from each fragment's first sample flags (only fragments cut at a keyframe start with one).
 */

import { ErrorCodes } from '../engine/codes.js';
import { WeirError } from '../engine/errors.js';

/** What a SourceBuffer holds, as far as its cut points go. */
export type BufferKind =
  /** fMP4 video: cut at keyframes, read from the fragments appended. */
  | 'video'
  /** Audio (fMP4 or raw MPEG audio): every frame is a random access point. */
  | 'audio'
  /** Bytes whose keyframes weir does not read (WebM passthrough): cut a wide margin behind the playhead. */
  | 'opaque';

/** Remove [start, end) seconds, then append the same bytes again. */
export interface QuotaEviction {
  action: 'evict';
  start: number;
  end: number;
}

/** What to do about an append the SourceBuffer refused for its quota. */
export type QuotaPlan =
  | QuotaEviction
  /** Nothing can go yet, but media ahead of the playhead will play: try again once the playhead moved. */
  | { action: 'wait' }
  /** The buffer holds only what is about to play: the bytes cannot fit (the caller reports an error). */
  | { action: 'full' };

/** The media element: its playhead, and its buffered ranges (where all its SourceBuffers hold media), seconds. */
export interface ElementState {
  currentTime: number;
  buffered: [number, number][];
}

export interface BufferControllerOptions {
  kind: BufferKind;
  /**
   * The element's state: on the main thread the element's own; in the worker the playhead of the last report (a tick
   * old: 250 ms by default) and the ranges of its SourceBuffers. Undefined while the playhead is not known (before the
   * first report, after a seek): nothing is evicted then.
   */
  element: () => ElementState | undefined;
  /** Seconds kept behind the playhead by the regular eviction. */
  backBufferSeconds: number;
  /** Called once per append refused for the quota, with the first eviction made for it. */
  onQuotaExceeded?: (eviction: QuotaEviction) => void;
}

/**
 * Seconds kept behind the playhead when the quota forces an eviction. The worker's playhead is a tick old (250 ms by
 * default) and only ever behind the element's while it plays forward; the margin also keeps the frame being presented.
 */
export const QUOTA_SAFETY_SECONDS = 1;
/** Opaque buffers (WebM passthrough): how far behind the playhead a cut is made (safe for GOPs up to this long). */
const OPAQUE_MARGIN_SECONDS = 10;
/** The regular back-buffer eviction runs once this much more than the back buffer is behind the playhead. */
const BACK_BUFFER_SLACK_SECONDS = 5;
/** Gaps between buffered ranges the playhead is moved across (GAP_JUMPED); a longer hole is left to the application. */
export const MAX_GAP_JUMP_SECONDS = 2;
/** The playhead this close to the end of its range (or past it), with nothing more to play there, is at a gap. */
const GAP_AT_END_SECONDS = 0.1;

/**
 * Where to move a playhead stopped at a hole in the element's buffered ranges (media missing from both SourceBuffers:
 * the element would wait there forever): the start of the next range, when the playhead is at the end of its own range
 * (or between two) and the next one starts at most `maxGap` seconds later. Undefined otherwise (media left to play, no
 * next range: the live edge, or a hole too long to skip unasked).
 */
export function gapJumpTarget(
  currentTime: number,
  buffered: readonly (readonly [number, number])[],
  maxGap = MAX_GAP_JUMP_SECONDS,
): number | undefined {
  for (let i = 0; i < buffered.length; i++) {
    const [start, end] = buffered[i]!;
    if (currentTime < start - GAP_AT_END_SECONDS) {
      // Before this range and past the previous one (or before the first): between two ranges.
      return i > 0 && start - currentTime <= maxGap ? start : undefined;
    }
    if (currentTime <= end) {
      if (end - currentTime > GAP_AT_END_SECONDS) return undefined;
      const next = buffered[i + 1];
      return next && next[0] - currentTime <= maxGap ? next[0] : undefined;
    }
  }
  return undefined;
}

/** Media ahead of the playhead shorter than this is "about to play" (one frame at 30 fps, and rounding). */
const AHEAD_EPSILON_SECONDS = 0.05;

export class BufferController {
  readonly kind: BufferKind;
  private readonly element: () => ElementState | undefined;
  private readonly backBufferSeconds: number;
  private readonly onQuotaExceeded: ((eviction: QuotaEviction) => void) | undefined;
  /** Video: decode times of the keyframes that start fragments appended, ascending (pruned as media is evicted). */
  private readonly keyframes: number[] = [];

  constructor(options: BufferControllerOptions) {
    this.kind = options.kind;
    this.element = options.element;
    this.backBufferSeconds = options.backBufferSeconds;
    this.onQuotaExceeded = options.onQuotaExceeded;
  }

  /** Notes a fragment about to be appended that starts at `start` (decode time, seconds): a cut point if a keyframe. */
  noteFragment(start: number, data: Uint8Array): void {
    if (this.kind !== 'video' || firstSampleIsSync(data) !== true) return;
    const k = this.keyframes;
    if (k.length === 0 || start > k[k.length - 1]!) {
      k.push(start);
      return;
    }
    // Out of order (a seek restarted output elsewhere): keep the list sorted, without duplicates.
    let i = k.length;
    while (i > 0 && k[i - 1]! > start) i--;
    if (k[i - 1] !== start) k.splice(i, 0, start);
  }

  /** The regular back-buffer eviction: a range to remove, or undefined (not enough behind the playhead yet). */
  backBufferRange(buffered: TimeRanges): [number, number] | undefined {
    const element = this.element();
    if (!element || buffered.length === 0) return undefined;
    const playhead = element.currentTime;
    const start = buffered.start(0);
    if (start >= playhead - this.backBufferSeconds - BACK_BUFFER_SLACK_SECONDS) return undefined;
    const end = this.cutPoint(playhead - this.backBufferSeconds, playhead, start);
    return end === undefined ? undefined : [start, end];
  }

  /**
   * What to do about an append refused for the quota: evict the media behind the playhead (all but the safety margin,
   * cut at a random access point); else, while the element has media ahead of its playhead to play (or has not
   * reported yet), wait for it to move on; else give up: the element waits for data, and this SourceBuffer holds only
   * what it is about to play. `evictedTo` is where the previous eviction for the same append ended: a plan always cuts
   * further than that, so a removal that frees nothing (or not enough) cannot repeat forever.
   */
  quotaPlan(buffered: TimeRanges, evictedTo = Number.NEGATIVE_INFINITY): QuotaPlan {
    const element = this.element();
    if (!element) return { action: 'wait' };
    const playhead = element.currentTime;
    if (buffered.length > 0) {
      const start = buffered.start(0);
      const end = this.cutPoint(playhead - QUOTA_SAFETY_SECONDS, playhead, start);
      if (end !== undefined && end > evictedTo) return { action: 'evict', start, end };
    }
    // The element's ranges are where every SourceBuffer has media: with none ahead, it cannot play on (it may also be
    // waiting for another SourceBuffer's data, which the loader, paused behind this append, cannot bring).
    const ahead = element.buffered.some(([, end]) => end > playhead + AHEAD_EPSILON_SECONDS);
    return ahead ? { action: 'wait' } : { action: 'full' };
  }

  /** Reports an append refused for the quota, with the first eviction for it (the append queue calls it once). */
  quotaExceeded(eviction: QuotaEviction): void {
    this.onQuotaExceeded?.(eviction);
  }

  /**
   * The latest random access point at or before `limit` and after `start` (what is buffered first), or undefined
   * when there is none: removing [start, cut) then leaves every frame from `cut` on.
   */
  private cutPoint(limit: number, playhead: number, start: number): number | undefined {
    let cut: number | undefined;
    if (this.kind === 'audio') cut = limit;
    else if (this.kind === 'opaque') cut = Math.min(limit, playhead - OPAQUE_MARGIN_SECONDS);
    else {
      const k = this.keyframes;
      // Keyframes of media already gone are of no use any more (bounded: at most the buffered GOPs stay).
      let gone = 0;
      while (gone < k.length - 1 && k[gone + 1]! <= start) gone++;
      if (gone > 0) k.splice(0, gone);
      for (const t of k) {
        if (t > limit) break;
        cut = t;
      }
    }
    return cut !== undefined && cut > start ? cut : undefined;
  }
}

/** `sample_is_non_sync_sample` in ISO/IEC 14496-12 §8.8.3.1 sample flags. */
const SAMPLE_IS_NON_SYNC = 0x00010000;
/** `trun` flags (§8.8.8.1). */
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_SAMPLE_DURATION = 0x000100;
const TRUN_SAMPLE_SIZE = 0x000200;
const TRUN_SAMPLE_FLAGS = 0x000400;

/** The type of the box at `at` as four ASCII letters, and its size (0 when it does not fit in `end`). */
function box(view: DataView, at: number, end: number): { type: string; size: number } {
  if (at + 8 > end) return { type: '', size: 0 };
  const size = view.getUint32(at);
  const type = String.fromCharCode(
    view.getUint8(at + 4),
    view.getUint8(at + 5),
    view.getUint8(at + 6),
    view.getUint8(at + 7),
  );
  return { type, size: size >= 8 && at + size <= end ? size : 0 };
}

/** The child of type `type` among the boxes in [from, end), as [start, end) of its payload, or undefined. */
function child(view: DataView, from: number, end: number, type: string): [number, number] | undefined {
  for (let at = from; ; ) {
    const b = box(view, at, end);
    if (b.size === 0) return undefined;
    if (b.type === type) return [at + 8, at + b.size];
    at += b.size;
  }
}

/**
 * Whether a fragment (moof first: Movie Fragment → Track Fragment → Track Fragment Run) starts with a sync sample,
 * from its first `trun`'s first-sample flags or first per-sample flags; undefined when the bytes are not a fragment
 * or the flags are left to defaults (tfhd/trex). Reads a few box headers, never the media.
 */
export function firstSampleIsSync(data: Uint8Array): boolean | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const moof = box(view, 0, data.byteLength);
  if (moof.type !== 'moof' || moof.size === 0) return undefined;
  const traf = child(view, 8, moof.size, 'traf');
  const trun = traf && child(view, traf[0], traf[1], 'trun');
  if (!trun || trun[1] - trun[0] < 8) return undefined;
  const flags = view.getUint32(trun[0]) & 0xffffff; // version (8) and flags (24)
  const count = view.getUint32(trun[0] + 4); // sample_count
  if (count === 0) return undefined;
  let at = trun[0] + 8;
  if (flags & TRUN_DATA_OFFSET) at += 4; // data_offset
  let sampleFlags: number | undefined;
  if (flags & TRUN_FIRST_SAMPLE_FLAGS)
    sampleFlags = view.getUint32(at); // first_sample_flags
  else if (flags & TRUN_SAMPLE_FLAGS) {
    if (flags & TRUN_SAMPLE_DURATION) at += 4; // sample_duration
    if (flags & TRUN_SAMPLE_SIZE) at += 4; // sample_size
    if (at + 4 <= trun[1]) sampleFlags = view.getUint32(at); // sample_flags
  }
  return sampleFlags === undefined ? undefined : (sampleFlags & SAMPLE_IS_NON_SYNC) === 0;
}

/** The warning (QUOTA_EXCEEDED) for an append a SourceBuffer refused for its quota, and the eviction made for it. */
export function quotaWarning(eviction: QuotaEviction, track: number): WeirError {
  return new WeirError(
    ErrorCodes.QUOTA_EXCEEDED,
    `the SourceBuffer is full (QuotaExceededError): evicted ${eviction.start.toFixed(2)}–${eviction.end.toFixed(2)} s ` +
      '(behind the playhead) and appending the same bytes again',
    { track },
  );
}

/** Where every one of `list` has media: the intersection of their ranges (an element's buffered ranges, MSE). */
export function intersect(list: TimeRanges[]): [number, number][] {
  if (list.length === 0) return [];
  let out = timeRanges(list[0]!);
  for (const b of list.slice(1)) {
    const other = timeRanges(b);
    const next: [number, number][] = [];
    for (const [s, e] of out) {
      for (const [os, oe] of other) {
        const from = Math.max(s, os);
        const to = Math.min(e, oe);
        if (to > from) next.push([from, to]);
      }
    }
    out = next;
  }
  return out;
}

/** Whether `e` is the exception a SourceBuffer throws when it is full (a DOMException named QuotaExceededError). */
export function isQuotaExceeded(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

/**
 * Testing aid (LoadOptions.quotaBytes): makes `sb` refuse appends with a QuotaExceededError once the media it holds
 * plus the bytes offered would pass `budget` bytes, the way a browser's SourceBuffer quota does (Chromium's is about
 * 150 MB for video and 12 MB for audio; this makes a stream of a few seconds reach it). The media's bytes are counted
 * by the time span each append added to `buffered`, and freed when that span is removed. Unlike Chromium, it does not
 * evict anything by itself first, so the eviction is weir's. Install it before the SourceBuffer's append queue, so
 * that its `updateend` listener runs first.
 */
export function limitSourceBuffer(sb: SourceBuffer, budget: number): void {
  const held: { bytes: number; at: number }[] = [];
  let pending: { bytes: number; before: [number, number][] } | undefined;
  const native = sb.appendBuffer.bind(sb);
  sb.appendBuffer = (data: BufferSource) => {
    let total = data.byteLength;
    for (const h of held) total += h.bytes;
    if (total > budget) {
      throw new DOMException(`the test quota of ${budget} bytes is exceeded`, 'QuotaExceededError');
    }
    const before = timeRanges(sb.buffered);
    native(data);
    pending = { bytes: data.byteLength, before };
  };
  sb.addEventListener('updateend', () => {
    const now = timeRanges(sb.buffered);
    if (pending) {
      // Its bytes sit where it added media (an init segment adds none: it holds no frames, and is not counted).
      const at = addedAt(pending.before, now);
      if (at !== undefined) held.push({ bytes: pending.bytes, at });
      pending = undefined;
    }
    for (let i = held.length - 1; i >= 0; i--) {
      const t = held[i]!.at;
      if (!now.some(([s, e]) => s <= t && t <= e)) held.splice(i, 1);
    }
  });
}

/** A TimeRanges as [start, end] pairs. */
export function timeRanges(b: TimeRanges): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < b.length; i++) out.push([b.start(i), b.end(i)]);
  return out;
}

/** The middle of the media an append added (what `after` covers and `before` did not), or undefined if none. */
function addedAt(before: [number, number][], after: [number, number][]): number | undefined {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const [s, e] of after) {
    // Subtract the ranges held before from [s, e).
    let from = s;
    for (const [bs, be] of before) {
      if (be <= from || bs >= e) continue;
      if (bs > from) {
        first = Math.min(first, from);
        last = Math.max(last, bs);
      }
      from = Math.max(from, be);
    }
    if (from < e) {
      first = Math.min(first, from);
      last = Math.max(last, e);
    }
  }
  if (!(last - first > 1e-6)) {
    // Nothing new (media appended over media already there): the bytes sit at the end of what is buffered.
    return after.length > 0 && before.length > 0 ? after[after.length - 1]![1] : undefined;
  }
  return (first + last) / 2;
}
