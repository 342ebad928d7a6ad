// Audio frames from PES payloads (ISO/IEC 13818-1 2.4.3.7), for every framed audio codec weir reads
// from TS: AAC in ADTS, MPEG-1/2 audio, AC-3/E-AC-3 and Opus. The codec parsers (codecs/*.ts) answer
// one question through codecs/frame.ts — does a frame start here, how long is it, how many samples
// does it carry — and everything else is shared. A frame may straddle two PES packets, and one PES
// may hold several frames: the PES PTS belongs to the first frame that starts in it (2.4.3.7), the
// others follow at their own sample counts.
//
// Timing, in the track's timescale (the sample rate): a frame starts where the previous one ended
// when its PES time says so within half a frame (PES times are rounded to 90 kHz). A gap up to a
// second (frames lost) is filled with silent frames, or bridged by the frame before it where there
// is no silent frame or the gap is under one frame (remux/audio-gap.ts): the timeline stays continuous and
// every real frame keeps its time. Frames that would start more than half a frame before the
// previous one ended overlap it (a splice) and are dropped, so audio keeps its source relation to
// video. All are reported. Larger jumps are handled for the whole program by timeline.ts before
// the times reach here.
//
// E-AC-3 frames of fewer than six blocks are joined, as they follow one another, into MP4 samples of
// six blocks (TS 102 366 Annex F.3). Lost bytes or a gap end such a sample early; the silent frames in
// a gap are of the stream's own block count, one per sample, so that they fill it exactly.

import { CARRY_CAPACITY, carryBase, MAX_TRACKS } from '../layout';
import { Codec, Warn } from '../codes';
import { emitWarning } from '../events';
import { adtsBlocks, adtsChannels, configureFromAdts, parseAdts, parseAdtsFrame } from '../codecs/aac';
import { ac3Enhanced, configureAc3, configureEac3, parseAc3Frame } from '../codecs/ac3';
import { configureMpa, mpaLayer, parseMpaFrame } from '../codecs/mpa';
import { configureOpus, opusEndTrim, parseOpusFrame } from '../codecs/opus';
import {
  configureLatm,
  latmCopyPayload,
  latmHasConfig,
  latmLoadConfig,
  latmPayloadSize,
  latmSaveConfig,
  latmUnsupported,
  parseLatmFrame,
} from '../codecs/latm';
import { FrameParse, frameLength, frameRate, frameSamples, frameSkip, MAX_HEADER } from '../codecs/frame';
import { fillAudioGap } from '../remux/audio-gap';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import {
  audioPesDone,
  bridgeAudioGap,
  growLastSample,
  queueAudioSample,
  reserveSample,
  sampleWritePtr,
  restartConfiguredTrack,
  trackConfigured,
} from '../remux/remuxer';

/** A frame cut by a PES boundary: its first bytes, and its time (`carryTimed` false: none yet). */
const carryLength = new StaticArray<u32>(MAX_TRACKS);
const carryTime = new StaticArray<i64>(MAX_TRACKS);
const carryTimed = new StaticArray<bool>(MAX_TRACKS);
/** Where the last frame written ends, its sample count, and whether there was one. */
const nextDts = new StaticArray<i64>(MAX_TRACKS);
const lastSamples = new StaticArray<u32>(MAX_TRACKS);
const haveNext = new StaticArray<bool>(MAX_TRACKS);
/** No byte was skipped or lost since the last frame written ended (a dependent frame may join it). */
const adjacent = new StaticArray<bool>(MAX_TRACKS);
/** A new stream took the track (a PMT change) and has not written a frame yet (see fillGap). */
const restarted = new StaticArray<bool>(MAX_TRACKS);
/**
 * E-AC-3 frames of fewer than six blocks: the PCM samples of the track's last MP4 sample while more frames may
 * join it (0: none may). TS 102 366 Annex F.3: an E-AC-3 sample is six blocks, 1536 samples.
 */
const openSet = new StaticArray<u32>(MAX_TRACKS);
/** Frames dropped as overlapping in the current PES (reported once per PES). */
let overlapped: u32 = 0;
/**
 * Frames were dropped as overlapping (see emitFrame), and no PES time has come back onto the track's frame grid
 * since: one of the two timelines was wrong (a damaged PES time) or they are two sources (a splice), and the frames
 * kept meanwhile keep their source times, also within half a frame of where the last one ends.
 */
const afterOverlap = new StaticArray<bool>(MAX_TRACKS);

export function resetAudio(slot: i32): void {
  unchecked((carryLength[slot] = 0));
  unchecked((carryTimed[slot] = false));
  unchecked((haveNext[slot] = false));
  unchecked((nextDts[slot] = 0));
  unchecked((lastSamples[slot] = 1024));
  unchecked((adjacent[slot] = false));
  unchecked((restarted[slot] = false));
  unchecked((openSet[slot] = 0));
  unchecked((afterOverlap[slot] = false));
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
  return ((unchecked(nextDts[slot]) - <i64>unchecked(lastSamples[slot])) * 90000) / <i64>unchecked(timescale[slot]);
}

/**
 * Decides the codec of a track whose PMT entry does not say it (stream_type 0x03/0x04 "MPEG audio",
 * which broadcasters also use for AAC, or private data without a descriptor) from its first PES
 * payload: ADTS, then MPEG audio, then AC-3/E-AC-3, each at the start of the payload (a PES starts
 * with a frame, 13818-1 2.4.3.7). Returns the codec, or Codec.None when the payload is none of them.
 */
export function detectAudioCodec(p: u32, len: u32): i32 {
  if (len >= 7 && parseAdts(p)) return Codec.Aac;
  if (parseMpaFrame(p, len) == FrameParse.Header) return mpaLayer() == 3 ? Codec.Mp3 : Codec.Mp2;
  if (parseAc3Frame(p, len) == FrameParse.Header) return ac3Enhanced ? Codec.Eac3 : Codec.Ac3;
  return Codec.None;
}

/** Parses the frame header of the track's codec at p (codecs/frame.ts). */
function parseFrame(slot: i32, p: u32, avail: u32): i32 {
  const c = unchecked(codec[slot]);
  if (c == Codec.Aac) return parseAdtsFrame(p, avail);
  if (c == Codec.Mp3 || c == Codec.Mp2) return parseMpaFrame(p, avail);
  if (c == Codec.Ac3 || c == Codec.Eac3) return parseAc3Frame(p, avail);
  if (c == Codec.Opus) return parseOpusFrame(p, avail);
  if (c == Codec.AacLatm) {
    // The LATM stream configuration travels in the frames: each track keeps its own (latm.ts).
    latmLoadConfig(slot);
    const r = parseLatmFrame(p, avail);
    if (r == FrameParse.Header) latmSaveConfig(slot);
    return r;
  }
  return FrameParse.NotHeader;
}

/** A LATM frame that cannot become a sample yet: no StreamMuxConfig seen so far (it repeats; 1.7.3). */
function latmWaiting(slot: i32): bool {
  return unchecked(codec[slot]) == Codec.AacLatm && !latmHasConfig;
}

/**
 * The first valid header configures the track: its timescale is the sample rate. Returns false for a
 * configuration MP4 cannot carry; the track is then dropped (reported once).
 */
function configure(slot: i32): bool {
  const st = unchecked(state[slot]);
  if (st == TrackState.Configured) return true;
  if (st == TrackState.Dropped) return false;
  const c = unchecked(codec[slot]);
  let ok = false;
  if (c == Codec.Aac) {
    // channel_configuration 0 means the channels are described by a program_config_element inside
    // the raw data (13818-7 8.5), which ADTS does not expose.
    ok = adtsChannels != 0;
    if (ok) configureFromAdts(slot);
  } else if (c == Codec.Mp3 || c == Codec.Mp2) {
    configureMpa(slot);
    setCodec(slot, mpaLayer() == 3 ? Codec.Mp3 : Codec.Mp2);
    ok = true;
  } else if (c == Codec.Ac3 || c == Codec.Eac3) {
    // The PMT proposes the family (0x81 vs 0x87, or a DVB descriptor); the bsid of the frame decides.
    ok = ac3Enhanced ? configureEac3(slot) : configureAc3(slot);
    if (ok) setCodec(slot, ac3Enhanced ? Codec.Eac3 : Codec.Ac3);
  } else if (c == Codec.AacLatm) {
    ok = configureLatm(slot); // false for a StreamMuxConfig MP4 cannot carry (several programs, layers...)
  } else if (c == Codec.Opus) {
    // The PMT's Opus descriptor left its channel_config_code in the Channels field (demux.ts).
    ok = configureOpus(slot, infoU32(slot, Info.Channels));
  }
  if (!ok) {
    emitWarning(Warn.TrackUnsupported, slot, <f64>infoU32(slot, Info.StreamType));
    unchecked((state[slot] = TrackState.Dropped));
    return false;
  }
  const restart = trackConfigured(slot, pesTime90k); // the old stream's samples go out in the old timescale
  const before = <i64>unchecked(timescale[slot]);
  if (restart && unchecked(haveNext[slot]) && before != <i64>frameRate) {
    // The new stream's first frame continues where the old one ended, in the new timescale.
    unchecked((nextDts[slot] = (unchecked(nextDts[slot]) * <i64>frameRate) / before));
  }
  unchecked((timescale[slot] = frameRate));
  unchecked((state[slot] = TrackState.Configured));
  unchecked((restarted[slot] = restart));
  if (restart) restartConfiguredTrack(slot);
  return unchecked(state[slot]) == TrackState.Configured; // a muxed file cannot change codec: dropped
}

function setCodec(slot: i32, c: i32): void {
  unchecked((codec[slot] = c));
  setInfoU32(slot, Info.Codec, <u32>c);
}

/**
 * The time of the first frame starting in a PES (track timescale), from its PTS; without a PTS, the
 * end of the previous frame. `samples` is the frame's length.
 */
function firstFrameTime(slot: i32, pts90k: i64, hasPts: bool, samples: u32): i64 {
  const expected = unchecked(nextDts[slot]);
  if (!hasPts) return expected;
  const rate = <i64>unchecked(timescale[slot]);
  const t = (pts90k * rate) / 90000;
  if (!unchecked(haveNext[slot])) return t;
  const diff = t - expected;
  const half = <i64>(samples >> 1);
  // A gap is filled or bridged and reported by emitFrame, an overlap reported there frame by frame.
  if (diff > half || diff < -half) return t;
  if (!unchecked(afterOverlap[slot])) return expected;
  // After an overlap: on the grid again (within the rounding of 90 kHz PES times, as fillAudioGap takes it), or
  // the source time.
  if (abs<i64>(diff) > <i64>(samples >> 4)) return t;
  unchecked((afterOverlap[slot] = false));
  return expected;
}

/** The PTS of the PES being handled (90 kHz, output clock), or -1 without one (see configure). */
let pesTime90k: i64 = -1;

/** Samples of the frames dropped as overlapping in the current PES (reported once per PES). */
let overlappedSamples: i64 = 0;

/** Writes the frame at p (length bytes, a valid header) as one sample starting at `time`. */
function emitFrame(slot: i32, p: u32, length: u32, time: i64): void {
  if (parseFrame(slot, p, length) != FrameParse.Header) return;
  const samples = frameSamples;
  const skip = frameSkip;
  if (unchecked(codec[slot]) == Codec.Aac && adtsBlocks != 0) {
    // Several raw_data_blocks in one ADTS frame have no single-sample MP4 form, and no encoder we
    // know writes them: in practice a damaged header. Reported, and only this frame is lost; it
    // changes no timing (the frame after it bridges the hole, below).
    emitWarning(Warn.TrackUnsupported, slot, 0xadb);
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  const latm = unchecked(codec[slot]) == Codec.AacLatm;
  if (latm && (!latmHasConfig || latmUnsupported || latmPayloadSize() == 0)) {
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  const size = latm ? latmPayloadSize() : length - skip;
  if (samples == 0) {
    // Part of the previous sample (an E-AC-3 dependent substream completes the frame before it), which
    // it must follow directly: after skipped or lost bytes it belongs to a frame that is gone.
    if (!unchecked(haveNext[slot]) || !unchecked(adjacent[slot]) || !reserveSample(slot, size)) {
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      return;
    }
    memory.copy(sampleWritePtr(slot), p + skip, size);
    if (!growLastSample(slot, size)) setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return;
  }
  // Opus end_trim (opus_in_ts 4.1: the samples at the end of the access unit that are not presented, the encoder's
  // padding after a stream's last sample): the sample lasts only as long as what is played of it, as Matroska's
  // DiscardPadding (matroska/audio.ts). A trim of the whole unit leaves nothing to present: it changes no timing.
  let played = samples;
  if (unchecked(codec[slot]) == Codec.Opus && opusEndTrim > 0) {
    if (opusEndTrim >= samples) return;
    played = samples - opusEndTrim;
  }
  let joins = false;
  const set = unchecked(openSet[slot]);
  if (unchecked(haveNext[slot])) {
    let expected = unchecked(nextDts[slot]);
    const half = <i64>(samples >> 1);
    if (time < expected - half) {
      // Starts inside the previous frame: an overlap at a splice. Only this frame is lost.
      overlappedSamples += <i64>samples;
      unchecked((afterOverlap[slot] = true));
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      return;
    }
    if (unchecked(afterOverlap[slot]) && time >= expected - half && time <= expected + half && time != expected) {
      // A frame kept after an overlap, within half a frame of where the last one ends: the two times are on
      // different grids (a splice; one damaged PES time, late, whose frames went out before the correct ones came
      // back, or early, whose frames then overlap). Snapping it to the last frame's end would move the rest of the
      // track against the video by that difference for good, so it keeps its source time: the last frame, still
      // queued, ends there instead.
      if (bridgeAudioGap(slot, time)) expected = time;
    }
    // Within half a frame of where the previous one ends is the same instant (a frame after a
    // splice, or PES rounding): the timeline stays continuous. Later, frames before it were lost
    // (damaged, dropped): silent frames take their place, so it stays continuous too (remux/audio-gap.ts).
    if (time <= expected + half) {
      time = expected;
      // An E-AC-3 frame of fewer than six blocks right after the frames of an incomplete MP4 sample completes it
      // (Annex F.3: six blocks a sample). Not across lost bytes or a gap: the frames around it start anew.
      joins = set > 0 && set + samples <= 1536 && unchecked(adjacent[slot]) && !unchecked(restarted[slot]);
    } else {
      time = fillAudioGap(slot, unchecked(restarted[slot]), expected, time, p, samples, unchecked(afterOverlap[slot]));
    }
  }
  unchecked((restarted[slot] = false));
  unchecked((nextDts[slot] = time + <i64>played));
  unchecked((lastSamples[slot] = samples));
  unchecked((haveNext[slot] = true));
  unchecked((adjacent[slot] = true));
  unchecked((openSet[slot] = 0));
  if (!reserveSample(slot, size)) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    return;
  }
  // LATM payloads need not start on a byte boundary: latm.ts copies them shifted.
  if (latm) latmCopyPayload(sampleWritePtr(slot));
  else memory.copy(sampleWritePtr(slot), p + skip, size);
  if (joins && growLastSample(slot, size)) {
    bridgeAudioGap(slot, time + <i64>samples); // the sample now lasts until this frame ends
    unchecked((openSet[slot] = set + samples < 1536 ? set + samples : 0));
    return;
  }
  queueAudioSample(slot, time, played, size);
  if (unchecked(codec[slot]) == Codec.Eac3 && samples < 1536) unchecked((openSet[slot] = samples));
}

/**
 * Keeps the start of a frame cut by the PES boundary. Bytes too few to hold a header are kept only
 * if they can begin one; anything else is not audio and is skipped (returns false).
 */
function keepCarry(slot: i32, pos: u32, end: u32, time: i64, timed: bool): bool {
  const n = end - pos;
  if (n > CARRY_CAPACITY) return false;
  if (parseFrame(slot, pos, n) == FrameParse.NotHeader) return false;
  memory.copy(carryBase(slot), pos, n);
  unchecked((carryLength[slot] = n));
  unchecked((carryTime[slot] = time));
  unchecked((carryTimed[slot] = timed));
  return true;
}

/** A PES of this track was lost: a frame begun before it cannot be completed by the next one. */
export function audioPesLost(slot: i32): void {
  unchecked((adjacent[slot] = false));
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
  let r = parseFrame(slot, carry, have);
  while (r == FrameParse.NeedMore && have < MAX_HEADER && pos + taken < end) {
    const n = min<u32>(MAX_HEADER - have, end - pos - taken);
    memory.copy(carry + have, pos + taken, n);
    have += n;
    taken += n;
    r = parseFrame(slot, carry, have);
  }
  if (r == FrameParse.NeedMore && have < MAX_HEADER) {
    unchecked((carryLength[slot] = have)); // this PES ended too: wait for the next one
    return taken;
  }
  const length = frameLength;
  if (r != FrameParse.Header || length > CARRY_CAPACITY || (have > length && have - length > taken)) {
    emitWarning(Warn.AdtsSyncLost, slot, <f64>kept);
    unchecked((carryLength[slot] = 0));
    unchecked((adjacent[slot] = false));
    return 0;
  }
  if (have > length) {
    // A frame shorter than the header look-ahead: the bytes after it stay in the PES.
    taken -= have - length;
    have = length;
  }
  if (latmWaiting(slot)) {
    unchecked((carryLength[slot] = 0)); // not decodable yet: skipped whole (the rest of it is in this PES)
    setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    return min<u32>(length - kept, end - pos);
  }
  if (!configure(slot)) {
    unchecked((carryLength[slot] = 0));
    return end - pos;
  }
  const more = min<u32>(length - have, end - pos - taken);
  memory.copy(carry + have, pos + taken, more);
  have += more;
  taken += more;
  unchecked((carryLength[slot] = have));
  if (have < length) return taken;
  unchecked((carryLength[slot] = 0));
  // A frame whose first bytes came before any PTS takes its time from this PES, as the first frame.
  const timed = unchecked(carryTimed[slot]);
  if (!timed && !hasPts && !unchecked(haveNext[slot])) return taken;
  const samples = frameSamples;
  emitFrame(slot, carry, length, timed ? unchecked(carryTime[slot]) : firstFrameTime(slot, pts90k, hasPts, samples));
  return taken;
}

/**
 * Handles the payload [p, p+len) of one audio PES. `partial`: the PES was damaged after these bytes;
 * a frame they do not complete is lost, not carried.
 */
export function audioPes(slot: i32, p: u32, len: u32, pts90k: i64, hasPts: bool, partial: bool): void {
  const end = p + len;
  let pos = p;
  overlappedSamples = 0;
  pesTime90k = hasPts ? pts90k : -1;
  if (unchecked(carryLength[slot]) > 0) {
    pos += finishCarry(slot, pos, end, pts90k, hasPts);
    if (unchecked(carryLength[slot]) > 0) return; // this PES did not complete it
  }
  let first = true;
  let time: i64 = 0;
  let timed = false;
  let skipped: u32 = 0;
  let previousSamples: u32 = 0;
  while (pos < end) {
    const r = parseFrame(slot, pos, end - pos);
    if (r == FrameParse.NeedMore && partial) break;
    if (r == FrameParse.NeedMore) {
      // A header cut by the PES boundary: keep its bytes for the next PES. A frame starting here
      // takes this PES's PTS when it is the first (2.4.3.7).
      if (first) {
        timed = hasPts || unchecked(haveNext[slot]);
        if (timed) time = firstFrameTime(slot, pts90k, hasPts, unchecked(lastSamples[slot]));
      }
      if (!keepCarry(slot, pos, end, time + <i64>previousSamples, timed)) {
        skipped += end - pos;
        unchecked((adjacent[slot] = false));
      }
      break;
    }
    if (r == FrameParse.NotHeader) {
      pos++;
      skipped++;
      unchecked((adjacent[slot] = false));
      continue;
    }
    const length = frameLength;
    if (latmWaiting(slot)) {
      // Frames before the first StreamMuxConfig cannot be decoded: dropped (counted), the stream waits.
      setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
      if (pos + length > end) break;
      pos += length;
      continue;
    }
    if (!configure(slot)) return;
    const samples = frameSamples;
    if (first) {
      first = false;
      // No time yet (the stream's first audio PES has no PTS): frames wait for the first PTS.
      timed = hasPts || unchecked(haveNext[slot]);
      if (timed) time = firstFrameTime(slot, pts90k, hasPts, samples);
    } else if (timed) {
      time += <i64>previousSamples;
    }
    previousSamples = samples;
    if (pos + length > end) {
      if (partial) break; // cut by the damage: lost (the caller counts it)
      // A frame cut by the PES boundary: completed by the start of the next PES.
      if (!keepCarry(slot, pos, end, time, timed)) {
        skipped += end - pos;
        unchecked((adjacent[slot] = false));
      }
      break;
    }
    if (timed) emitFrame(slot, pos, length, time);
    else setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
    pos += length;
  }
  if (skipped > 0) emitWarning(Warn.AdtsSyncLost, slot, <f64>skipped);
  if (overlappedSamples > 0) {
    // Reported as a jump back by the length of the frames dropped, in milliseconds.
    emitWarning(Warn.TimestampJump, slot, -<f64>((overlappedSamples * 1000) / <i64>unchecked(timescale[slot])));
  }
  audioPesDone(slot);
}
