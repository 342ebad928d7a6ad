// Audio frames from Matroska blocks: configuration from CodecPrivate (AAC, Opus, FLAC) or the first
// frame's header (MP3, MP2, AC-3, E-AC-3), and timing.
//
// Timing, in the track's timescale (the sample rate): a block's time is rounded to the TimestampScale
// (1 ms by default), a frame's length is exact in samples. So a frame starts where the previous one
// ended when its block time says so within half a frame; the laces after the first of a block always
// do (RFC 9559 §10.3: they take their times from the frame durations). A block time further off waits for the next
// block: when that one is where the clock says, the block time was damage and the frame plays on the clock (one
// late or early block must not move the audio against the video). Otherwise a later time is a gap, filled with
// silent frames where the codec has one; an earlier one an overlap, whose frame is dropped. All are reported.

import { carryBase, CARRY_CAPACITY } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning, setMediaTime } from '../events';
import { FrameParse, frameLength, frameRate, frameSamples } from '../codecs/frame';
import { ac3Enhanced, configureAc3, configureEac3, parseAc3Frame } from '../codecs/ac3';
import { configureMpa, mpaLayer, parseMpaFrame } from '../codecs/mpa';
import { aacFrameSamples, configureAacFromCodecId, configureAacFromConfig } from '../codecs/aac';
import { configureOpusFromHead, OPUS_RATE, opusPacketSamples } from '../codecs/opus';
import { configureFlac, flacFrameSamples } from '../codecs/flac';
import {
  audioPesDone,
  bridgeAudioGap,
  isInitDone,
  outputBase90k,
  queueAudioSample,
  reserveSample,
  sampleWritePtr,
} from '../remux/remuxer';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import {
  entryAacProfile,
  entryChannels,
  entryCodecDelay,
  entryPrivate,
  entryPrivateLength,
  entryOutputRate,
  entryRate,
  entryStripped,
  entryStrippedLength,
  slotEntry,
} from './tracks';
import { MAX_TRACKS } from '../layout';
import { fillAudioGap } from '../remux/audio-gap';

const configured = new StaticArray<bool>(MAX_TRACKS);
const failed = new StaticArray<bool>(MAX_TRACKS);
const nextDts = new StaticArray<i64>(MAX_TRACKS);
const haveNext = new StaticArray<bool>(MAX_TRACKS);
/** Samples of frames dropped as overlapping in the current block (reported once per block). */
const overlapped = new StaticArray<i64>(MAX_TRACKS);
/**
 * After a seek: where the track's frames fell before it (the end of its last frame, and that frame's length), so the
 * first frame after it lands on the same grid when its block time (rounded to the TimestampScale) says so.
 */
const gridEnd = new StaticArray<i64>(MAX_TRACKS);
const gridStep = new StaticArray<i64>(MAX_TRACKS);
const lastSamples = new StaticArray<u32>(MAX_TRACKS);
/** The last frame had DiscardPadding: an encode ended there, and the next block starts a new one at its own time. */
const afterPadding = new StaticArray<bool>(MAX_TRACKS);
/**
 * A frame whose block time disagrees with the track's sample clock by more than half a frame waits here (its bytes
 * in the track's carry region) for the next block to say which is right: see holdOrPlace.
 */
const held = new StaticArray<bool>(MAX_TRACKS);
const heldLength = new StaticArray<u32>(MAX_TRACKS);
const heldSamples = new StaticArray<u32>(MAX_TRACKS);
const heldPlayed = new StaticArray<i64>(MAX_TRACKS);
/** The held frame's own time (samples): where its block time puts it. */
const heldTime = new StaticArray<i64>(MAX_TRACKS);

export function resetMkvAudio(slot: i32): void {
  unchecked((gridStep[slot] = 0));
  unchecked((lastSamples[slot] = 0));
  unchecked((configured[slot] = false));
  unchecked((failed[slot] = false));
  unchecked((nextDts[slot] = 0));
  unchecked((haveNext[slot] = false));
  unchecked((overlapped[slot] = 0));
  unchecked((afterPadding[slot] = false));
  unchecked((held[slot] = false));
}

/** A seek is about to reset the track: keep where its frames fell (see gridEnd). */
export function keepAudioGrid(slot: i32): void {
  const step = <i64>unchecked(lastSamples[slot]);
  const keep = unchecked(haveNext[slot]) && step > 0;
  const end = unchecked(nextDts[slot]);
  resetMkvAudio(slot);
  if (!keep) return;
  unchecked((gridEnd[slot] = end));
  unchecked((gridStep[slot] = step));
}

/** Where the track's sample clock expects its next frame, on the output clock (ns; i64.MIN_VALUE before its first). */
export function mkvAudioNextNs(slot: i32): i64 {
  const rate = <i64>unchecked(timescale[slot]);
  if (!unchecked(haveNext[slot]) || rate <= 0) return i64.MIN_VALUE;
  return samplesToNs(unchecked(nextDts[slot]), rate);
}

/** The duration of the track's last frame in ns, for timeline.ts (0 before its first frame). */
export function mkvAudioFrameNs(slot: i32): i64 {
  const rate = <i64>unchecked(timescale[slot]);
  return rate > 0 ? samplesToNs(<i64>unchecked(lastSamples[slot]), rate) : 0;
}

function samplesToNs(t: i64, rate: i64): i64 {
  return (t / rate) * 1000000000 + ((t % rate) * 1000000000) / rate;
}

/**
 * The time (ns, output clock) before which an audio frame is an overlap, for timeline.ts: half a frame before the
 * sample clock (i64.MIN_VALUE before the first frame).
 */
export function mkvAudioBehindNs(slot: i32): i64 {
  if (!unchecked(haveNext[slot])) return i64.MIN_VALUE;
  const rate = <i64>unchecked(timescale[slot]);
  if (rate <= 0) return i64.MIN_VALUE;
  return samplesToNs(unchecked(nextDts[slot]) - <i64>(unchecked(lastSamples[slot]) >> 1), rate);
}

/** Nanoseconds to samples at `rate` (no overflow for any i64 time and any real rate). */
function nsToSamples(ns: i64, rate: i64): i64 {
  return (ns / 1000000000) * rate + ((ns % 1000000000) * rate) / 1000000000;
}

/** Nanoseconds to the nearest sample at `rate` (durations under a second: no overflow). */
function nsToSamplesRounded(ns: i64, rate: i64): i64 {
  return (ns * rate + 500000000) / 1000000000;
}

/** AAC frame length when the configuration does not say otherwise (aac.ts aacFrameSamples: 960, SBR doubling). */
const AAC_FRAME: u32 = 1024;

/**
 * The track's configuration from its CodecPrivate or this first frame. False when MP4 cannot carry it.
 */
function configure(slot: i32, p: u32, len: u32): bool {
  const entry = unchecked(slotEntry[slot]);
  const priv = unchecked(entryPrivate[entry]);
  const privLength = unchecked(entryPrivateLength[entry]);
  const c = unchecked(codec[slot]);
  let ok = false;
  let rate: u32 = 0;
  if (c == Codec.Aac) {
    if (privLength > 0) ok = configureAacFromConfig(slot, priv, privLength);
    else {
      const r = unchecked(entryRate[entry]);
      const out = unchecked(entryOutputRate[entry]);
      ok = configureAacFromCodecId(slot, unchecked(entryAacProfile[entry]), <u32>r, unchecked(entryChannels[entry]), <u32>out);
    }
    rate = infoU32(slot, Info.SampleRate);
  } else if (c == Codec.Opus) {
    ok = privLength > 0 && configureOpusFromHead(slot, priv, privLength);
    rate = OPUS_RATE;
  } else if (c == Codec.Flac) {
    ok = privLength > 0 && configureFlac(slot, priv, privLength);
    rate = infoU32(slot, Info.SampleRate);
  } else if (c == Codec.Mp3 || c == Codec.Mp2) {
    if (parseMpaFrame(p, len) == FrameParse.Header) {
      configureMpa(slot);
      const layer3 = mpaLayer() == 3;
      unchecked((codec[slot] = layer3 ? Codec.Mp3 : Codec.Mp2));
      setInfoU32(slot, Info.Codec, layer3 ? Codec.Mp3 : Codec.Mp2);
      rate = frameRate;
      ok = true;
    }
  } else if (c == Codec.Ac3 || c == Codec.Eac3) {
    if (parseAc3Frame(p, len) == FrameParse.Header) {
      ok = ac3Enhanced ? configureEac3(slot) : configureAc3(slot);
      if (ok) {
        const e = ac3Enhanced ? Codec.Eac3 : Codec.Ac3;
        unchecked((codec[slot] = e));
        setInfoU32(slot, Info.Codec, e);
        rate = frameRate;
      }
    }
  }
  if (!ok || rate == 0) return false;
  unchecked((timescale[slot] = rate));
  // CodecDelay (RFC 9559 §5.1.4.1.25): the samples the decoder outputs before the track's presentation
  // starts. Block times count them (a block plays at its time minus the delay), so the samples keep the block
  // times and the output says where presentation starts with an edit list (mp4/init.ts edts), next to the
  // sample entry's own field (Opus: dOps PreSkip). A delay of a second or more is no codec's: ignored.
  const delay = unchecked(entryCodecDelay[entry]);
  if (delay > 0 && delay < 1000000000) setInfoU32(slot, Info.EditMediaTime, <u32>nsToSamplesRounded(<i64>delay, <i64>rate));
  unchecked((state[slot] = TrackState.Configured));
  return true;
}

/** Samples in one frame [p, p+len) of the track's codec; 0 when it is not a frame. */
function samplesOf(slot: i32, p: u32, len: u32, durationNs: i64): u32 {
  const c = unchecked(codec[slot]);
  if (c == Codec.Aac) {
    const n = aacFrameSamples(slot);
    return n > 0 ? n : AAC_FRAME;
  }
  if (c == Codec.Opus) return opusPacketSamples(p, len);
  if (c == Codec.Flac) {
    const n = flacFrameSamples(p, len);
    if (n > 0) return n;
    return durationNs > 0 ? <u32>nsToSamples(durationNs, <i64>unchecked(timescale[slot])) : 0;
  }
  if (c == Codec.Mp3 || c == Codec.Mp2) return parseMpaFrame(p, len) == FrameParse.Header ? frameSamples : 0;
  if (c == Codec.Ac3 || c == Codec.Eac3) {
    // A block holds one frame of each substream of the same time (E-AC-3 with dependent substreams):
    // their samples are those of the independent frames only.
    let total: u32 = 0;
    let q = p;
    const end = p + len;
    while (q < end && parseAc3Frame(q, end - q) == FrameParse.Header) {
      total += frameSamples;
      if (frameLength == 0) break;
      q += frameLength;
    }
    return total;
  }
  return 0;
}

/**
 * One audio frame of a block. `lace` is its index among the block's frames: the first takes the block's
 * time, the others follow the previous frame. `durationNs`: the BlockDuration (-1: none). `discardNs`: the
 * BlockGroup's DiscardPadding (RFC 9559, element 0x75A2) when this frame is the one it applies to (the last of the
 * block for a positive value, the first for a negative one), else 0.
 */
export function mkvAudioFrame(
  slot: i32,
  p: u32,
  len: u32,
  timeNs: i64,
  lace: i32,
  durationNs: i64,
  discardNs: i64,
): void {
  if (unchecked(failed[slot]) || len == 0) return;
  // A frame held for this one to judge goes first (and before the carry region is written below: it is there).
  if (unchecked(held[slot])) {
    const r = <i64>unchecked(timescale[slot]);
    placeHeld(slot, lace == 0 ? nsToSamples(timeNs, r) : i64.MIN_VALUE);
  }
  // Header stripping (ContentCompAlgo 3): the removed bytes come back in front of every frame.
  const entry = unchecked(slotEntry[slot]);
  const strip = unchecked(entryStrippedLength[entry]);
  if (strip > 0) {
    if (strip + len > CARRY_CAPACITY) {
      emitWarning(Warn.BlockInvalid, slot, <f64>len);
      return;
    }
    const carry = carryBase(slot);
    memory.copy(carry, unchecked(entryStripped[entry]), strip);
    memory.copy(carry + strip, p, len);
    p = carry;
    len += strip;
  }
  if (!unchecked(configured[slot])) {
    if (!configure(slot, p, len)) {
      unchecked((failed[slot] = true));
      unchecked((state[slot] = TrackState.Dropped));
      emitWarning(Warn.TrackUnsupported, slot, <f64>unchecked(codec[slot]));
      return;
    }
    unchecked((configured[slot] = true));
  }
  const rate = <i64>unchecked(timescale[slot]);
  const samples = samplesOf(slot, p, len, durationNs);
  if (samples == 0) {
    // Not a frame of the codec (damage the container did not see): only this frame is lost.
    emitWarning(Warn.BlockInvalid, slot, <f64>len);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  // DiscardPadding: the decoded samples at the end of this frame that are padding (an encoder's last frame
  // is whole; the stream is not). The MP4 sample lasts only as long as what is played of it, so the track ends
  // where the Matroska track ends, and a block that follows one with padding (two recordings joined) starts
  // where it says instead of overlapping. Negative: the padding is at the frame's start; MP4 can say that only
  // of the track's first frame, with the edit list (before the initialization segment is written).
  let played = <i64>samples;
  if (discardNs > 0) {
    played -= min<i64>(nsToSamplesRounded(min<i64>(discardNs, 1000000000), rate), played);
    if (played == 0) return; // nothing of it is presented
  } else if (discardNs < 0 && !isInitDone() && !unchecked(haveNext[slot])) {
    const front = min<i64>(nsToSamplesRounded(min<i64>(-discardNs, 1000000000), rate), <i64>samples - 1);
    setInfoU32(slot, Info.EditMediaTime, infoU32(slot, Info.EditMediaTime) + <u32>front);
  }
  let time = lace > 0 && unchecked(haveNext[slot]) ? unchecked(nextDts[slot]) : nsToSamples(timeNs, rate);
  const step = unchecked(gridStep[slot]);
  if (!unchecked(haveNext[slot]) && step > 0) {
    // The first frame after a seek: on the grid the frames before the seek were on, when its block time is within
    // a millisecond (the usual TimestampScale's rounding) and a sample of it.
    const phase = (((time - unchecked(gridEnd[slot])) % step) + step) % step;
    const snapped = phase <= step >> 1 ? time - phase : time + step - phase;
    if (abs<i64>(snapped - time) <= rate / 1000 + 1) time = snapped;
    unchecked((gridStep[slot] = 0));
  }
  if (lace == 0 && unchecked(haveNext[slot]) && !unchecked(afterPadding[slot]) && len <= CARRY_CAPACITY) {
    const expected = unchecked(nextDts[slot]);
    const half = <i64>(samples >> 1);
    if (time < expected - half || time > expected + half) {
      // The block time disagrees with the sample clock. A Matroska block's time is its own (RFC 9559 §10.1), so
      // one damaged block is wrong alone: the next block's time, back where the clock says, would show it. Frames
      // lost (a gap) or sent twice (an overlap) move the next block's time along with this one's instead. The
      // frame waits for that next block (its bytes in the carry region, which nothing else writes until then).
      const carry = carryBase(slot);
      if (p != carry) memory.copy(carry, p, len);
      unchecked((held[slot] = true));
      unchecked((heldLength[slot] = len));
      unchecked((heldSamples[slot] = samples));
      unchecked((heldPlayed[slot] = played));
      unchecked((heldTime[slot] = time));
      return;
    }
  }
  place(slot, p, len, time, samples, played);
}

/**
 * The frame that was held (see mkvAudioFrame), now that the next frame's time `next` (samples; i64.MIN_VALUE for a
 * lace of the held frame's block, which has none of its own) is known. Next where the clock puts it after the held
 * frame (within half a frame): the held frame's block time was wrong, and it plays where the clock says (reported).
 * Otherwise its time was right, and it is placed by it as any frame is (a gap before it filled, an overlap dropped).
 */
function placeHeld(slot: i32, next: i64): void {
  unchecked((held[slot] = false));
  const clock = unchecked(nextDts[slot]);
  const samples = unchecked(heldSamples[slot]);
  let time = unchecked(heldTime[slot]);
  if (next != i64.MIN_VALUE && abs<i64>(next - (clock + <i64>samples)) <= <i64>(samples >> 1)) {
    emitWarning(Warn.TimestampJump, slot, <f64>(((clock - time) * 1000) / <i64>unchecked(timescale[slot])));
    time = clock;
  }
  place(slot, carryBase(slot), unchecked(heldLength[slot]), time, samples, unchecked(heldPlayed[slot]));
}

/** End of input: a held frame is placed by its own time (no next frame to say otherwise). */
export function flushMkvAudio(slot: i32): void {
  if (!unchecked(held[slot])) return;
  placeHeld(slot, i64.MIN_VALUE);
  audioPesDone(slot);
}

/** Places one frame [p, p+len) of `samples` samples (`played` of them presented) at `time` and queues it. */
function place(slot: i32, p: u32, len: u32, time: i64, samples: u32, played: i64): void {
  const rate = <i64>unchecked(timescale[slot]);
  if (unchecked(haveNext[slot])) {
    const expected = unchecked(nextDts[slot]);
    const half = <i64>(samples >> 1);
    if (time < expected - half) {
      unchecked((overlapped[slot] += <i64>samples));
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      return;
    }
    // A gap: silent frames, or the frame before it lasting until this one (remux/audio-gap.ts); reported.
    // Within half a frame the block time is the previous frame's end rounded to the TimestampScale, except
    // after padding: there a new encode starts (recordings joined), whose first block time is where it
    // starts, so the padded frame lasts until it (the block time is rounded too, but the two encodes' clocks
    // are not one clock: snapping would move every later frame of the second by the rounding).
    if (time <= expected + half) {
      if (!unchecked(afterPadding[slot]) || time <= expected || !bridgeAudioGap(slot, time)) time = expected;
    } else time = fillAudioGap(slot, false, expected, time, p, samples);
  }
  unchecked((nextDts[slot] = time + played));
  unchecked((afterPadding[slot] = played < <i64>samples));
  unchecked((lastSamples[slot] = samples));
  unchecked((haveNext[slot] = true));
  if (!reserveSample(slot, len)) {
    emitWarning(Warn.PesOverflow, slot, <f64>len);
    return;
  }
  memory.copy(sampleWritePtr(slot), p, len);
  queueAudioSample(slot, time, <u32>played, len);
  if (isInitDone()) setMediaTime(slot, <f64>time / <f64>rate - <f64>outputBase90k() / 90000);
}

/** The frames of one block are queued: an audio-only stream may cut a fragment here. */
export function mkvAudioBlockDone(slot: i32): void {
  const o = unchecked(overlapped[slot]);
  if (o > 0) {
    unchecked((overlapped[slot] = 0));
    emitWarning(Warn.TimestampJump, slot, -<f64>((o * 1000) / <i64>unchecked(timescale[slot])));
  }
  if (unchecked(configured[slot])) audioPesDone(slot);
}
