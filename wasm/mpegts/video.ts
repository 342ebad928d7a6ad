// H.264 access units from PES payloads (ITU-T H.264 Annex B byte stream, carried per ISO/IEC
// 13818-1 2.14). One PES carries one access unit, as every muxer we know writes it. Each NAL unit
// keeps its bytes exactly; only its start code becomes a 4-byte length (14496-15 5.3.2), and the
// trailing zero bytes between NAL units (trailing_zero_8bits, B.1.1) are dropped.
//
// A PES may still begin inside the last NAL unit of the previous one: 13818-1 only ties a PTS to the
// first access unit that starts in a PES, so the byte stream may cross PES boundaries anywhere
// (mux.js sintel-captions.ts ends most PES packets inside a slice). Bytes before the first start code
// of a PES therefore complete the previous access unit, which is still queued at that point.

import { CAPTIONS_BASE, CAPTIONS_CAPACITY, MAX_TRACKS } from '../layout';
import { Codec, Warn } from '../codes';
import {
  captureHevcPps,
  captureHevcSps,
  captureHevcVps,
  HevcNal,
  hevcHasParameterSets,
  hevcNalType,
  resetHevc,
} from '../codecs/hevc';
import { emitWarning } from '../events';
import {
  captureSps,
  capturePps,
  hasParameterSets,
  Nal,
  resetH264,
  seiCaptions,
  seiHasRecoveryPoint,
  sliceIsIntra,
} from '../codecs/h264';
import { deliverCaptions } from './metadata';
import { codec, Info, infoU32, setInfoU32, state, TrackState, timescale } from '../remux/track';
import {
  beganPtsShift,
  beginVideoSample,
  commitVideoSample,
  extendLastVideoSample,
  growLastSample,
  isInitDone,
  reserveSample,
  restartTrack,
  restartConfiguredTrack,
  trackConfigured,
  sampleWritePtr,
} from '../remux/remuxer';
import { findStartCode } from '../util/startcode';
import { put32 } from '../util/bytes';

const MAX_NALS: i32 = 4096;
const nalStart = new StaticArray<u32>(MAX_NALS);
const nalEnd = new StaticArray<u32>(MAX_NALS);

const started = new StaticArray<bool>(MAX_TRACKS);
const droppedBeforeKeyframe = new StaticArray<u32>(MAX_TRACKS);
const spsChangeReported = new StaticArray<bool>(MAX_TRACKS);
/** HEVC: output started at a CRA, whose RASL pictures are dropped (see videoAccessUnit). */
const skipRasl = new StaticArray<bool>(MAX_TRACKS);
/** Whether the last access unit was queued (bytes continuing it may join it), per track. */
const lastQueued = new StaticArray<bool>(MAX_TRACKS);
/** Zero bytes cut from the end of the previous PES: trailing zeros, or part of a NAL or start code cut there. */
const trailingZeros = new StaticArray<u32>(MAX_TRACKS);

export function resetVideo(slot: i32): void {
  unchecked((started[slot] = false));
  unchecked((skipRasl[slot] = false));
  resetHevc(slot);
  unchecked((droppedBeforeKeyframe[slot] = 0));
  unchecked((spsChangeReported[slot] = false));
  videoPesLost(slot);
  resetH264(slot);
}

/**
 * A seek in a file (demux.ts seekMpegTs): output starts again at the next random access point, with the parameter
 * sets already known (a keyframe without in-band SPS/PPS still starts it).
 */
export function restartVideo(slot: i32): void {
  unchecked((started[slot] = false));
  unchecked((skipRasl[slot] = false));
  unchecked((droppedBeforeKeyframe[slot] = 0));
  videoPesLost(slot);
}

/** The previous PES was lost or dropped: the next one cannot continue it. */
export function videoPesLost(slot: i32): void {
  unchecked((lastQueued[slot] = false));
  unchecked((trailingZeros[slot] = 0));
}

function dropAccessUnit(slot: i32): void {
  unchecked((lastQueued[slot] = false));
  setInfoU32(slot, Info.Dropped, infoU32(slot, Info.Dropped) + 1);
}

/** Whether a PES without a PTS can continue the last queued access unit (see videoAccessUnit). */
export function videoCanContinue(slot: i32): bool {
  return unchecked(lastQueued[slot]);
}

/**
 * Handles the payload [p, p+len) of one video PES with unwrapped 90 kHz times. With `continues`,
 * the PES has no PTS and carries more of the last access unit (13818-1 2.4.3.7: a PTS belongs to
 * the access unit that starts in the PES; muxers that bound PES_packet_length split big pictures
 * over several PES): its NAL units join that access unit instead of starting a new one. `suspect`: its decode
 * time is late against the cadence (demux.ts finishPes; see remuxer.ts beginVideoSample).
 */
export function videoAccessUnit(slot: i32, p: u32, len: u32, dts: i64, pts: i64, continues: bool, suspect: bool): void {
  const end = p + len;
  const zeros = unchecked(trailingZeros[slot]);
  // Where the first NAL unit starting in this PES begins (after its start code), and where the bytes
  // continuing the previous PES end. A start code may itself be cut by the PES boundary (B.1.1).
  let first: u32;
  let lead: u32;
  if (zeros >= 2 && len >= 1 && load<u8>(p) == 1) {
    first = p + 1;
    lead = p;
  } else if (zeros >= 1 && len >= 2 && load<u8>(p) == 0 && load<u8>(p + 1) == 1) {
    first = p + 2;
    lead = p;
  } else {
    lead = findStartCode(p, end);
    first = lead < end ? lead + 3 : end;
  }
  let leadStop = lead;
  while (leadStop > p && load<u8>(leadStop - 1) == 0) leadStop--;
  if (leadStop > p && unchecked(lastQueued[slot])) {
    // The previous access unit's last NAL unit goes on here: the zeros cut from it come back first.
    if (!extendLastVideoSample(slot, zeros, p, leadStop - p)) {
      emitWarning(Warn.PesOverflow, slot, <f64>(leadStop - p));
      unchecked((lastQueued[slot] = false));
    }
  }
  if (first >= end) {
    // Nothing starts in this PES: it only continued the previous access unit (or held nothing).
    unchecked((trailingZeros[slot] = leadStop > p ? end - leadStop : zeros + len));
    return;
  }
  let count: i32 = 0;
  let idr = false;
  let picture = false;
  let recovery = false; // a recovery_point SEI in this access unit
  let intra = false; // its first slice is an I slice
  let firstSlice = true;
  let spsChanged = false; // an SPS that differs from the one in use (a new resolution, profile...)
  const hevc = unchecked(codec[slot]) == Codec.Hevc;
  let captions: u32 = 0; // cc_data bytes found in this access unit's SEI
  let rasl = false; // HEVC: a random access skipped leading picture
  let cra = false; // HEVC: a clean random access picture
  let payloadBytes: u32 = 0;
  let start = first;
  unchecked((trailingZeros[slot] = 0));
  while (start < end) {
    const next = findStartCode(start, end);
    let stop = next;
    while (stop > start && load<u8>(stop - 1) == 0) stop--;
    if (next >= end) unchecked((trailingZeros[slot] = end - stop));
    if (stop > start) {
      if (count == MAX_NALS) {
        // More NAL units than any real access unit holds (a damaged PES): dropped whole, reported.
        emitWarning(Warn.PesInvalid, slot, <f64>len);
        dropAccessUnit(slot);
        return;
      }
      unchecked((nalStart[count] = start));
      unchecked((nalEnd[count] = stop));
      count++;
      payloadBytes += stop - start;
      if (hevc) {
        const type = hevcNalType(load<u8>(start)); // nal_unit_type (H.265 Table 7-1)
        if (type < HevcNal.Vps) {
          // VCL NAL units: a picture; IRAP (16..23) is a random access point.
          if (firstSlice) {
            picture = true;
            if (type >= HevcNal.BlaWLp && type <= 23) idr = true;
            if (type == HevcNal.RaslN || type == HevcNal.RaslR) rasl = true;
            cra = type == HevcNal.Cra;
          }
          firstSlice = false;
        } else if (type == HevcNal.Vps) captureHevcVps(slot, start, stop - start);
        else if (type == HevcNal.Sps) {
          if (captureHevcSps(slot, start, stop - start, unchecked(started[slot])) == 2) spsChanged = true;
        } else if (type == HevcNal.Pps) captureHevcPps(slot, start, stop - start);
        else if (type == HevcNal.PrefixSei || type == HevcNal.SuffixSei) {
          captions += seiCaptions(start, stop - start, 2, CAPTIONS_BASE + captions, CAPTIONS_CAPACITY - captions);
        }
        start = next < end ? next + 3 : end;
        continue;
      }
      const type = <i32>load<u8>(start) & 0x1f; // nal_unit_type
      if (type >= Nal.Slice && type <= Nal.Idr) {
        // Coded slice NAL units (Table 7-1).
        picture = true;
        if (firstSlice && recovery && type == Nal.Slice) intra = sliceIsIntra(start, stop - start);
        firstSlice = false;
      }
      if (type == Nal.Idr) idr = true;
      else if (type == Nal.Sei) {
        if (!recovery) recovery = seiHasRecoveryPoint(start, stop - start);
        captions += seiCaptions(start, stop - start, 1, CAPTIONS_BASE + captions, CAPTIONS_CAPACITY - captions);
      }
      else if (type == Nal.Sps) {
        if (captureSps(slot, start, stop - start, unchecked(started[slot])) == 2) spsChanged = true;
      } else if (type == Nal.Pps) capturePps(slot, start, stop - start);
    }
    start = next < end ? next + 3 : end;
  }
  if (count == 0) {
    // A PES without a single NAL unit: nothing decodable was lost, nothing to write.
    return;
  }
  // A random access point: an IDR picture, or an I picture with a recovery point (D.2.8: decoding can
  // start there; broadcast streams with open GOPs have no IDR at all).
  const key = idr || (recovery && intra);
  if (hevc) {
    // RASL pictures reference pictures before the CRA they lead (8.1.3: NoRaslOutputFlag): after output
    // started at a CRA they cannot be decoded, and are dropped until the next random access point.
    if (key) unchecked((skipRasl[slot] = cra && !unchecked(started[slot])));
    else if (rasl && unchecked(skipRasl[slot])) {
      if (picture) dropAccessUnit(slot);
      unchecked((lastQueued[slot] = false));
      return;
    }
  }
  const size = payloadBytes + <u32>count * 4;
  if (continues) {
    if (!unchecked(lastQueued[slot]) || !reserveSample(slot, size)) {
      if (unchecked(lastQueued[slot])) emitWarning(Warn.PesOverflow, slot, <f64>size);
      unchecked((lastQueued[slot] = false));
      return;
    }
    writeNals(sampleWritePtr(slot), count);
    if (!growLastSample(slot, size)) unchecked((lastQueued[slot] = false));
    return;
  }
  if (!unchecked(started[slot])) {
    // Output starts at the first random access point whose parameter sets we hold (DESIGN.md §3).
    if (!key || !(hevc ? hevcHasParameterSets(slot) : hasParameterSets(slot))) {
      unchecked((lastQueued[slot] = false));
      // Only a PES holding a picture is a dropped frame (a PES of parameter sets alone is not).
      if (!picture) return;
      unchecked((droppedBeforeKeyframe[slot] += 1));
      dropAccessUnit(slot);
      return;
    }
    unchecked((started[slot] = true));
    unchecked((state[slot] = TrackState.Configured));
    if (trackConfigured(slot, dts)) {
      restartConfiguredTrack(slot);
      if (unchecked(state[slot]) != TrackState.Configured) {
        dropAccessUnit(slot); // a muxed file cannot change codec: the new stream is left out
        return;
      }
    }
    unchecked((timescale[slot] = 90000));
    const dropped = unchecked(droppedBeforeKeyframe[slot]);
    if (dropped > 0) emitWarning(Warn.DroppedBeforeKeyframe, slot, <f64>dropped);
  }
  const queuedDts = beginVideoSample(slot, dts, key, suspect);
  if (spsChanged) newParameterSets(slot, count, key);
  if (!reserveSample(slot, size)) {
    emitWarning(Warn.PesOverflow, slot, <f64>size);
    dropAccessUnit(slot);
    return;
  }
  writeNals(sampleWritePtr(slot), count);
  commitVideoSample(slot, queuedDts, pts + beganPtsShift, size, key);
  // Captions of a picture that is output, at its presentation time.
  if (captions > 0) deliverCaptions(CAPTIONS_BASE, captions, pts + beganPtsShift);
  unchecked((lastQueued[slot] = true));
}

/**
 * The access unit just begun carries parameter sets that differ from those in use. At a random
 * access point, once output has started, they replace the old ones: the samples before it were cut
 * into a fragment of their own by beginVideoSample, and the remuxer writes a new init segment for the
 * track (ISO/IEC 14496-15 5.4.2: one sample entry per configuration), so a player re-initialises
 * its decoder there (a resolution change plays through). Elsewhere the change cannot be given a
 * sample entry of its own: the old configuration stays and the change is reported once (the new
 * parameter sets still travel in-band, in the samples).
 */
function newParameterSets(slot: i32, count: i32, key: bool): void {
  if (!key || !isInitDone()) {
    if (!unchecked(spsChangeReported[slot])) {
      unchecked((spsChangeReported[slot] = true));
      emitWarning(Warn.ParameterSetChanged, slot, 0);
    }
    return;
  }
  const hevc = unchecked(codec[slot]) == Codec.Hevc;
  if (hevc) resetHevc(slot);
  else resetH264(slot);
  for (let i = 0; i < count; i++) {
    const s = unchecked(nalStart[i]);
    const n = unchecked(nalEnd[i]) - s;
    if (hevc) {
      const type = hevcNalType(load<u8>(s));
      if (type == HevcNal.Vps) captureHevcVps(slot, s, n);
      else if (type == HevcNal.Sps) captureHevcSps(slot, s, n, false);
      else if (type == HevcNal.Pps) captureHevcPps(slot, s, n);
      continue;
    }
    const type = <i32>load<u8>(s) & 0x1f;
    if (type == Nal.Sps) captureSps(slot, s, n, false);
    else if (type == Nal.Pps) capturePps(slot, s, n);
  }
  restartTrack(slot);
}

/** Writes the NAL units found by videoAccessUnit at o, each behind its 4-byte length. */
function writeNals(o: u32, count: i32): void {
  for (let i = 0; i < count; i++) {
    const s = unchecked(nalStart[i]);
    const n = unchecked(nalEnd[i]) - s;
    put32(o, n); // NALUnitLength
    memory.copy(o + 4, s, n);
    o += 4 + n;
  }
}
