// Video frames from Matroska blocks: configuration at the first keyframe, and decode times.
//
// Matroska stores presentation times only (RFC 9559 §10.1, "Block Timestamp"), in decode order. For
// codecs that reorder pictures (H.264/HEVC with B-frames) the decode times are rebuilt the way a
// decoder would see them: the n-th frame in decode order decodes at the n-th smallest presentation
// time, shifted back by the reordering depth so that no frame decodes after it is shown. That needs
// the presentation times of the next `depth` frames, so up to `depth` frames wait here (REORDER
// region) before they reach the remuxer. VP9 and AV1 never reorder at the container level (hidden
// frames travel inside the shown frame's sample) and wait for nothing; neither do H.264/HEVC streams
// once a few seconds showed no reordering (the depth drops to 0, the shift stays).

import { REORDER_BASE, REORDER_CAPACITY } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning, setMediaTime } from '../events';
import { capturePps, captureSps, hasParameterSets, Nal, resetH264 } from '../codecs/h264';
import { captureHevcPps, captureHevcSps, captureHevcVps, HevcNal, hevcHasParameterSets, hevcNalType, resetHevc } from '../codecs/hevc';
import { avcLengthSize, configureAvcFromRecord } from '../codecs/h264';
import { configureHevcFromRecord, hevcLengthSize } from '../codecs/hevc';
import { configureVp9 } from '../codecs/vp9';
import { configureAv1 } from '../codecs/av1';
import {
  beginVideoSample,
  commitVideoSample,
  isInitDone,
  outputBase90k,
  reserveSample,
  sampleWritePtr,
} from '../remux/remuxer';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import {
  entryDefaultDuration,
  entryDisplayHeight,
  entryDisplayUnit,
  entryDisplayWidth,
  entryMatrix,
  entryPrimaries,
  entryPrivate,
  entryTransfer,
  entryPrivateLength,
  slotEntry,
} from './tracks';
import { findStartCode } from '../util/startcode';
import { put32 } from '../util/bytes';

/** Most frames waiting for their decode time. */
const MAX_PENDING: i32 = 32;
/** Reordering depth assumed for H.264 (not Baseline) and HEVC until the stream shows none. */
const DEFAULT_DEPTH: i32 = 4;
/** Frames without any reordering after which the depth drops to 0 (no more waiting). */
const CALM_FRAMES: i32 = 120;

let configured: bool = false;
let failed: bool = false;
/** The track's frames are Annex B (start codes), converted to length-prefixed samples. */
let annexBFrames: bool = false;
let droppedBeforeKey: u32 = 0;
let depth: i32 = 0;
let shift: i64 = 0;
let shiftKnown: bool = false;
let calm: i32 = 0;
let maxPts: i64 = i64.MIN_VALUE;
let frameStep90k: i64 = 0;
/** The last frame's presentation time (decode order), and the last interval seen between two frames. */
let lastPts: i64 = i64.MIN_VALUE;
let seenStep: i64 = 0;
/**
 * The one frame waiting (pending[0]) because it came later than the cadence says: a frame after lost ones, or one
 * whose block time is wrong. The next frame tells (see mkvVideoFrame); `heldAfter` is the time of the frame before.
 */
let holding: bool = false;
let heldAfter: i64 = 0;

/** Frames in decode order: presentation time, size, keyframe, offset in REORDER region. */
let pending: i32 = 0;
let pendingBytes: u32 = 0;
/** Where the oldest waiting frame's bytes start in the REORDER region (the others follow it in order). */
let pendingStart: u32 = 0;
const pendPts = new StaticArray<i64>(MAX_PENDING);
const pendSize = new StaticArray<u32>(MAX_PENDING);
const pendKey = new StaticArray<bool>(MAX_PENDING);
/** Presentation times not yet given out as decode times (a multiset, unordered). */
let pool: i32 = 0;
const poolPts = new StaticArray<i64>(MAX_PENDING);

export function resetMkvVideo(slot: i32): void {
  if (slot != 0) return;
  configured = false;
  failed = false;
  annexBFrames = false;
  droppedBeforeKey = 0;
  depth = 0;
  shift = 0;
  shiftKnown = false;
  calm = 0;
  maxPts = i64.MIN_VALUE;
  frameStep90k = 0;
  lastPts = i64.MIN_VALUE;
  seenStep = 0;
  holding = false;
  pending = 0;
  pendingBytes = 0;
  pendingStart = 0;
  pool = 0;
}

/** The 90 kHz clock to nanoseconds (rounded down; exact for whole milliseconds). */
function ns90k(t: i64): i64 {
  return (t / 9) * 100000 + ((t % 9) * 100000) / 9;
}

/** The frame interval: DefaultDuration (or a BlockDuration), else the last one seen; 0 before any. */
@inline function cadence(): i64 {
  return frameStep90k > 0 ? frameStep90k : seenStep;
}

/** The video's frame interval in ns, for timeline.ts (0 before one is known). */
export function mkvVideoFrameNs(slot: i32): i64 {
  return slot == 0 ? ns90k(cadence()) : 0;
}

/**
 * The time (ns, output clock) before which a video frame is certainly behind the track, for timeline.ts (i64.MIN_VALUE
 * when not known): half a frame before where the next is expected, or with reordering, before the earliest time the
 * frames still to be shown may have.
 */
export function mkvVideoBehindNs(slot: i32): i64 {
  if (slot != 0 || !configured || maxPts == i64.MIN_VALUE) return i64.MIN_VALUE;
  const step = cadence();
  return ns90k(depth == 0 ? maxPts + step - (step >> 1) : maxPts - <i64>depth * step);
}

/** Nanoseconds to the 90 kHz clock (exact for millisecond timestamps; no overflow for any i64). */
export function nsTo90k(ns: i64): i64 {
  return (ns / 100000) * 9 + ((ns % 100000) * 9) / 100000;
}

/** Whether a frame starts with an Annex B start code (H.264/HEVC muxed without a configuration record). */
function startsWithStartCode(p: u32, len: u32): bool {
  if (len >= 4 && load<u8>(p) == 0 && load<u8>(p + 1) == 0 && load<u8>(p + 2) == 0 && load<u8>(p + 3) == 1) return true;
  return len >= 3 && load<u8>(p) == 0 && load<u8>(p + 1) == 0 && load<u8>(p + 2) == 1;
}

/**
 * An Annex B frame's NAL units (H.264/HEVC muxed without a configuration record), each after its start code and
 * without trailing zero bytes. With `capture`, the parameter sets among them are taken in (codecs/h264.ts, hevc.ts);
 * with `write` non-zero, they are written there as MP4 sample data (each behind a 4-byte length). Returns the size
 * the sample takes.
 */
function annexB(slot: i32, p: u32, len: u32, capture: bool, write: u32): u32 {
  const end = p + len;
  const hevc = unchecked(codec[slot]) == Codec.Hevc;
  let start = findStartCode(p, end);
  let size: u32 = 0;
  while (start < end) {
    const nal = start + 3;
    const next = findStartCode(nal, end);
    let stop = next;
    while (stop > nal && load<u8>(stop - 1) == 0) stop--;
    const n = stop - nal;
    if (n > 0) {
      if (capture && hevc) {
        const type = hevcNalType(load<u8>(nal));
        if (type == HevcNal.Vps) captureHevcVps(slot, nal, n);
        else if (type == HevcNal.Sps) captureHevcSps(slot, nal, n, false);
        else if (type == HevcNal.Pps) captureHevcPps(slot, nal, n);
      } else if (capture) {
        const type = <i32>load<u8>(nal) & 0x1f;
        if (type == Nal.Sps) captureSps(slot, nal, n, false);
        else if (type == Nal.Pps) capturePps(slot, nal, n);
      }
      if (write != 0) {
        put32(write + size, n);
        memory.copy(write + size + 4, nal, n);
      }
      size += 4 + n;
    }
    start = next;
  }
  return size;
}

/**
 * The track's configuration, from CodecPrivate and its first keyframe. False when neither gives one
 * weir can write (the track is then dropped, reported).
 */
function configure(slot: i32, p: u32, len: u32): bool {
  const entry = unchecked(slotEntry[slot]);
  const priv = unchecked(entryPrivate[entry]);
  const privLength = unchecked(entryPrivateLength[entry]);
  const c = unchecked(codec[slot]);
  let ok = false;
  if (c == Codec.H264 || c == Codec.Hevc) {
    const hevc = c == Codec.Hevc;
    annexBFrames = startsWithStartCode(p, len);
    if (annexBFrames || privLength == 0) {
      // No configuration record (or frames that do not use it): the parameter sets travel in-band.
      annexBFrames = true;
      if (hevc) resetHevc(slot);
      else resetH264(slot);
      annexB(slot, p, len, true, 0);
      ok = hevc ? hevcHasParameterSets(slot) : hasParameterSets(slot);
    } else {
      ok = hevc ? configureHevcFromRecord(slot, priv, privLength) : configureAvcFromRecord(slot, priv, privLength);
    }
    // Baseline H.264 (profile_idc 66) has no B slices; everything else may reorder until shown otherwise.
    depth = !hevc && infoU32(slot, Info.Profile) == 66 ? 0 : DEFAULT_DEPTH;
  } else if (c == Codec.Vp9) {
    ok = configureVp9(slot, priv, privLength, p, len);
    depth = 0;
  } else if (c == Codec.Av1) {
    ok = configureAv1(slot, priv, privLength, p, len);
    depth = 0;
  }
  if (!ok) return false;
  if (c == Codec.Vp9 || c == Codec.Av1) colour(slot, entry);
  // DisplayWidth/DisplayHeight (in pixels, DisplayUnit 0) give the sample aspect ratio when they differ
  // from the coded size (RFC 9559 §5.1.4.1.28.8): VP9 and AV1 have no other place to say it.
  const dw = unchecked(entryDisplayWidth[entry]);
  const dh = unchecked(entryDisplayHeight[entry]);
  const w = infoU32(slot, Info.Width);
  const h = infoU32(slot, Info.Height);
  if (unchecked(entryDisplayUnit[entry]) == 0 && dw > 0 && dh > 0 && w > 0 && h > 0 && <u64>dw * <u64>h != <u64>dh * <u64>w) {
    let num = <u64>dw * <u64>h;
    let den = <u64>dh * <u64>w;
    const g = gcd(num, den);
    num /= g;
    den /= g;
    if (num <= 0xffff && den <= 0xffff) {
      setInfoU32(slot, Info.SarNum, <u32>num);
      setInfoU32(slot, Info.SarDen, <u32>den);
    }
  }
  if (infoU32(slot, Info.SarNum) == 0 || infoU32(slot, Info.SarDen) == 0) {
    setInfoU32(slot, Info.SarNum, 1);
    setInfoU32(slot, Info.SarDen, 1);
  }
  // DefaultDuration (ns per frame) is the frame rate when the bitstream does not say it.
  const dd = unchecked(entryDefaultDuration[entry]);
  if (dd > 0 && dd < 1000000000) {
    frameStep90k = nsTo90k(<i64>dd);
    if (infoU32(slot, Info.FrameRateNum) == 0) {
      setInfoU32(slot, Info.FrameRateNum, 1000000000);
      setInfoU32(slot, Info.FrameRateDen, <u32>dd);
    }
  }
  unchecked((timescale[slot] = 90000));
  unchecked((state[slot] = TrackState.Configured));
  return true;
}

/**
 * The Matroska Colour element where the bitstream leaves a field unspecified (VP9 codes no primaries or transfer at
 * all; vp09 and av01 carry them in vpcC / the codec string, as ffmpeg's MP4 muxer takes them from the same element).
 */
function colour(slot: i32, entry: i32): void {
  const unspecified: u32 = 2;
  const primaries = unchecked(entryPrimaries[entry]);
  const transfer = unchecked(entryTransfer[entry]);
  const matrix = unchecked(entryMatrix[entry]);
  if (primaries < 256 && infoU32(slot, Info.ColourPrimaries) == unspecified) setInfoU32(slot, Info.ColourPrimaries, primaries);
  if (transfer < 256 && infoU32(slot, Info.TransferCharacteristics) == unspecified) {
    setInfoU32(slot, Info.TransferCharacteristics, transfer);
  }
  if (matrix < 256 && infoU32(slot, Info.MatrixCoefficients) == unspecified) setInfoU32(slot, Info.MatrixCoefficients, matrix);
}

function gcd(a: u64, b: u64): u64 {
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a == 0 ? 1 : a;
}

/**
 * One video frame of a block: `timeNs` is the block's time, `lace` the frame's index in a laced block
 * (later laces follow at DefaultDuration steps), `key` the block's keyframe flag.
 */
export function mkvVideoFrame(slot: i32, p: u32, len: u32, timeNs: i64, key: bool, lace: i32, durationNs: i64): void {
  if (slot != 0 || failed || len == 0) return;
  let pts = nsTo90k(timeNs) + <i64>lace * frameStep90k;
  if (!configured) {
    if (!key) {
      droppedBeforeKey++;
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      return;
    }
    if (!configure(slot, p, len)) {
      failed = true;
      unchecked((state[slot] = TrackState.Dropped));
      emitWarning(Warn.TrackUnsupported, slot, <f64>unchecked(codec[slot]));
      return;
    }
    configured = true;
    if (droppedBeforeKey > 0) emitWarning(Warn.DroppedBeforeKeyframe, slot, <f64>droppedBeforeKey);
  }
  if (durationNs > 0 && frameStep90k == 0) frameStep90k = nsTo90k(durationNs);
  const step = cadence();
  if (holding) {
    holding = false;
    // The frame after a late one. Back on the cadence of the frames before it (two intervals after the one before
    // the late one), it says the late one's block time was wrong (damage, RFC 9559 §10.1's int16 offset read
    // wrong): that frame takes its place on the cadence while it is still here, and nothing after it moves. So
    // does a frame after it that comes before it, off the cadence or not (the next Cluster after a gap, as at a
    // live loop's seam): in a stream that does not reorder (nothing held otherwise) frames are shown in the order
    // they decode, so the late one's time cannot stand, and kept it would leave every later frame behind it (the
    // remuxer then times them by the cadence for good, a late interval long). Otherwise frames were lost before the
    // late one, and its time stands.
    const late = unchecked(pendPts[0]);
    const onCadence = abs<i64>(pts - (heldAfter + 2 * step)) <= step >> 2;
    if (pending == 1 && lace == 0 && (onCadence || (pts < late && pts > heldAfter + step))) {
      const fixed = heldAfter + step;
      unchecked((pendPts[0] = fixed));
      for (let i = 0; i < pool; i++) {
        if (unchecked(poolPts[i]) == late) {
          unchecked((poolPts[i] = fixed));
          break;
        }
      }
      maxPts = fixed;
      lastPts = fixed;
      emitWarning(Warn.TimestampJump, slot, <f64>((fixed - late) / 90));
    }
  }
  const interval = lastPts != i64.MIN_VALUE ? pts - lastPts : 0;
  // A frame later than the cadence says by more than half an interval, with nothing else waiting (a stream that
  // does not reorder: in one that does, a later time in decode order is the usual), waits for the next frame to
  // tell whether it is late or frames before it were lost. Only up to 10 s: past that it is no frame interval.
  const hold =
    depth == 0 && pending == 0 && shiftKnown && lace == 0 && step > 0 && interval > step + (step >> 1) && interval <= 900000;
  if (!hold && interval > 0 && interval <= 90000) seenStep = interval;
  lastPts = pts;
  // Reordering seen: a frame shown before one that decoded earlier.
  if (pts < maxPts) calm = 0;
  else {
    maxPts = pts;
    if (depth > 0 && ++calm >= CALM_FRAMES) depth = 0; // the stream does not reorder: stop waiting
  }
  if (!annexBFrames && !nalUnitsFit(slot, p, len)) {
    // A frame whose NAL unit lengths do not add up to it (damage inside the block): only this frame is lost.
    emitWarning(Warn.BlockInvalid, slot, <f64>len);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  const size = annexBFrames ? annexB(slot, p, len, false, 0) : len;
  if (size == 0) return;
  if (size > REORDER_CAPACITY) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  while (pending > 0 && (pending >= MAX_PENDING || pendingBytes + size > REORDER_CAPACITY)) commitOldest(slot);
  if (hold) {
    holding = true;
    heldAfter = pts - interval;
  } else if (pending == 0 && depth == 0 && shiftKnown) {
    // Nothing waits: straight to the remuxer.
    pushPool(pts);
    commitFrame(slot, p, len, size, pts, key, true);
    return;
  }
  // The waiting frames lie one after the other from pendingStart; when the next does not fit behind them, they
  // move to the front of the region once (not at every frame that leaves).
  if (pendingStart + pendingBytes + size > REORDER_CAPACITY) {
    memory.copy(REORDER_BASE, REORDER_BASE + pendingStart, pendingBytes);
    pendingStart = 0;
  }
  const at = REORDER_BASE + pendingStart + pendingBytes;
  if (annexBFrames) annexB(slot, p, len, false, at);
  else memory.copy(at, p, len);
  unchecked((pendPts[pending] = pts));
  unchecked((pendSize[pending] = size));
  unchecked((pendKey[pending] = key));
  pending++;
  pendingBytes += size;
  pushPool(pts);
  while (pending > (holding ? depth + 1 : depth)) commitOldest(slot);
}

/**
 * An H.264/HEVC frame in the configuration record's form is NAL units, each behind a length of the record's size
 * (14496-15 5.3.2), that fill it exactly. VP9 and AV1 frames are not checked.
 */
function nalUnitsFit(slot: i32, p: u32, len: u32): bool {
  const c = unchecked(codec[slot]);
  if (c != Codec.H264 && c != Codec.Hevc) return true;
  const size = c == Codec.H264 ? avcLengthSize(slot) : hevcLengthSize(slot);
  const end = p + len;
  let q = p;
  while (q < end) {
    if (end - q < size + 1) return false;
    let n: u32 = 0;
    for (let i: u32 = 0; i < size; i++) n = (n << 8) | <u32>load<u8>(q + i);
    if (n == 0 || n > end - q - size) return false;
    q += size + n;
  }
  return true;
}

function pushPool(pts: i64): void {
  unchecked((poolPts[pool] = pts));
  pool++;
}

/** Takes the smallest presentation time out of the pool. */
function popPool(): i64 {
  let best = 0;
  for (let i = 1; i < pool; i++) if (unchecked(poolPts[i]) < unchecked(poolPts[best])) best = i;
  const v = unchecked(poolPts[best]);
  pool--;
  unchecked((poolPts[best] = unchecked(poolPts[pool])));
  return v;
}

/** The smallest and the largest presentation time in the pool, for the shift. */
function poolSpan(): i64 {
  let lo = i64.MAX_VALUE;
  let hi = i64.MIN_VALUE;
  for (let i = 0; i < pool; i++) {
    const v = unchecked(poolPts[i]);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return pool > 0 ? hi - lo : 0;
}

function commitOldest(slot: i32): void {
  holding = false; // the held frame is always the oldest
  const size = unchecked(pendSize[0]);
  commitFrame(slot, REORDER_BASE + pendingStart, size, size, unchecked(pendPts[0]), unchecked(pendKey[0]), false);
  pending--;
  pendingBytes -= size;
  pendingStart = pending > 0 ? pendingStart + size : 0;
  if (pending > 0) {
    for (let i = 0; i < pending; i++) {
      unchecked((pendPts[i] = unchecked(pendPts[i + 1])));
      unchecked((pendSize[i] = unchecked(pendSize[i + 1])));
      unchecked((pendKey[i] = unchecked(pendKey[i + 1])));
    }
  }
}

/**
 * Gives one frame to the remuxer: [p, p+len) in the source form (convert: Annex B to be rewritten) or
 * already in sample form (size bytes).
 */
function commitFrame(slot: i32, p: u32, len: u32, size: u32, pts: i64, key: bool, convert: bool): void {
  if (!shiftKnown) {
    // The first frame to leave: the pool holds the presentation times of the first depth + 1 frames,
    // whose spread is the reordering delay every decode time keeps from now on.
    shift = poolSpan();
    shiftKnown = true;
  }
  const dts = popPool() - shift;
  const queued = beginVideoSample(slot, dts, key);
  if (!reserveSample(slot, size)) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  if (convert && annexBFrames) annexB(slot, p, len, false, sampleWritePtr(slot));
  else memory.copy(sampleWritePtr(slot), p, size);
  const shown = pts + (queued - dts);
  commitVideoSample(slot, queued, shown, size, key);
  if (isInitDone()) setMediaTime(slot, <f64>(shown - outputBase90k()) / 90000);
}

/** End of input: every waiting frame goes to the remuxer. */
export function flushMkvVideo(slot: i32): void {
  if (slot != 0) return;
  while (pending > 0) commitOldest(slot);
}
