// Per-track state: the host-visible track info record (layout below, read by engine/tracks.ts),
// the internal state arrays, and the struct-of-arrays sample table (STYLE.md §7).

import { MAX_SAMPLES, MAX_TRACKS, sampleTableBase, trackInfoBase } from '../layout';

/** Field offsets in a track info record. engine/tracks.ts reads the same offsets. */
export const enum Info {
  Kind = 0, // u32 TrackKind
  Codec = 4, // u32 Codec
  Pid = 8, // u32 elementary PID
  StreamType = 12, // u32 PMT stream_type
  Timescale = 16, // u32 output timescale
  Width = 20, // u32 display width in pixels (cropped)
  Height = 24, // u32
  SarNum = 28, // u32 sample aspect ratio
  SarDen = 32, // u32
  Profile = 36, // u32 H.264 profile_idc | AAC audioObjectType | VP9 profile | AV1 seq_profile
  Compat = 40, // u32 H.264 constraint_set flags byte
  Level = 44, // u32 H.264 level_idc | VP9 level (10..62) | AV1 seq_level_idx[0]
  SampleRate = 48, // u32
  Channels = 52, // u32
  Samples = 56, // u32 samples written to fragments so far
  Dropped = 60, // u32 access units dropped (damage, before keyframe)
  TrackId = 64, // u32 MP4 track_ID
  BitDepth = 68, // u32 luma bit depth
  ChromaFormat = 72, // u32 chroma_format_idc
  FrameRateNum = 76, // u32 from VUI timing (0 if absent)
  FrameRateDen = 80, // u32
  State = 84, // u32 TrackState
  FirstDts = 88, // f64 seconds on the output timeline, first sample written
  EndTime = 96, // f64 seconds, last DTS + its duration
  MinPts = 104, // f64 seconds, smallest presentation time written
  MaxPtsEnd = 112, // f64 seconds, largest presentation time + duration written
  SourceStart = 120, // f64 seconds, unwrapped source PTS of the first sample written
  Bytes = 128, // f64 sample bytes written
  Language = 136, // u32 ISO 639-2 code from the PMT, three ASCII bytes (c0 << 16 | c1 << 8 | c2); 0 = undetermined
  ProfileSpace = 140, // u32 HEVC general_profile_space
  Tier = 144, // u32 HEVC general_tier_flag | AV1 seq_tier[0]
  CompatFlags = 148, // u32 HEVC general_profile_compatibility_flag[0..31], flag 0 in the top bit
  ConstraintHi = 152, // u32 HEVC general constraint flags: the first 4 of their 6 bytes, big-endian
  ConstraintLo = 156, // u32 HEVC general constraint flags: the last 2 bytes in the low 16 bits
  ConfigLength = 160, // u32 bytes of codec configuration box payload at configBase(slot) (dac3, dec3, dOps, dfLa, a record)
  AudioIndex = 164, // u32 order of the audio track in the PMT (0 = first)
  Default = 168, // u32 1 when the track is the default of its kind
  Raw = 172, // u32 1: the track's output is its raw frames (MPEG audio for an audio/mpeg SourceBuffer), no init segment
  // Colour description (ISO/IEC 23091-2 code points), set by the VP9 and AV1 configuration only (0 for other codecs).
  ColourPrimaries = 176, // u32 colour_primaries (2 = unspecified)
  TransferCharacteristics = 180, // u32 transfer_characteristics (2 = unspecified)
  MatrixCoefficients = 184, // u32 matrix_coefficients (0 = identity/RGB, 2 = unspecified)
  FullRange = 188, // u32 video_full_range_flag
  ChromaPosition = 192, // u32 4:2:0 chroma siting as AV1 chroma_sample_position: 0 unknown, 1 vertical (left), 2 colocated (top-left)
  ConfigRecord = 200, // u32 1: configBase(slot) holds a record the sample entry writes verbatim (Matroska: ASC, avcC, hvcC)
  FrameSamples = 204, // u32 audio samples per frame at the track's rate when all frames have one count (AAC from a record)
  EditMediaTime = 208, // u32 track-timescale time the presentation starts at (codec delay, priming): an edit list (8.6.6); 0 = none
}

export const enum TrackState {
  Free = 0,
  Declared = 1, // in the PMT, waiting for its codec configuration
  Configured = 2, // codec configuration known, samples are being queued
  Dropped = 3, // left out of the output
}

export const kind = new StaticArray<i32>(MAX_TRACKS);
export const codec = new StaticArray<i32>(MAX_TRACKS);
export const state = new StaticArray<i32>(MAX_TRACKS);
export const pid = new StaticArray<i32>(MAX_TRACKS);
export const timescale = new StaticArray<u32>(MAX_TRACKS);

/** Queued samples and their bytes in the track's data store. */
export const sampleCount = new StaticArray<i32>(MAX_TRACKS);
export const dataLength = new StaticArray<u32>(MAX_TRACKS);

// Sample table columns. Each column holds MAX_SAMPLES entries.
@inline function col(slot: i32, offset: u32, width: u32, i: i32): u32 {
  return sampleTableBase(slot) + offset * <u32>MAX_SAMPLES + <u32>i * width;
}
@inline export function sDts(slot: i32, i: i32): u32 {
  return col(slot, 0, 8, i); // i64 decode time, track timescale, unwrapped source clock
}
@inline export function sCts(slot: i32, i: i32): u32 {
  return col(slot, 8, 4, i); // i32 composition offset (PTS - DTS)
}
@inline export function sSize(slot: i32, i: i32): u32 {
  return col(slot, 12, 4, i); // u32 bytes
}
@inline export function sFlags(slot: i32, i: i32): u32 {
  return col(slot, 16, 4, i); // u32 trun sample_flags
}
@inline export function sDuration(slot: i32, i: i32): u32 {
  return col(slot, 20, 4, i); // u32 duration, track timescale
}
@inline export function sOffset(slot: i32, i: i32): u32 {
  return col(slot, 24, 4, i); // u32 offset in the track's data store
}

@inline export function infoU32(slot: i32, field: u32): u32 {
  return load<u32>(trackInfoBase(slot) + field);
}
@inline export function setInfoU32(slot: i32, field: u32, v: u32): void {
  store<u32>(trackInfoBase(slot) + field, v);
}
@inline export function infoF64(slot: i32, field: u32): f64 {
  return load<f64>(trackInfoBase(slot) + field);
}
@inline export function setInfoF64(slot: i32, field: u32, v: f64): void {
  store<f64>(trackInfoBase(slot) + field, v);
}

export function clearTrack(slot: i32): void {
  memory.fill(trackInfoBase(slot), 0, 256);
  unchecked((kind[slot] = 0));
  unchecked((codec[slot] = 0));
  unchecked((state[slot] = TrackState.Free));
  unchecked((pid[slot] = -1));
  unchecked((timescale[slot] = 90000));
  unchecked((sampleCount[slot] = 0));
  unchecked((dataLength[slot] = 0));
}

/** Flags for trun sample_flags (14496-12 8.8.3.1). */
export const enum SampleFlags {
  Sync = 0x02000000, // sample_depends_on = 2 (does not depend on others)
  NonSync = 0x01010000, // sample_depends_on = 1, sample_is_non_sync_sample = 1
}
