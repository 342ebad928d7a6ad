// The Tracks element (RFC 9559 §5.1.4): every TrackEntry's number, type, codec, CodecPrivate and
// settings, and the choice of which entries become output tracks (slot 0: the first video track weir
// can output; slots 1..3: audio tracks in file order, or the one asked for).
//
// The Tracks payload is copied to MKV_TRACKS_BASE once and stays there: CodecPrivate bytes are read
// from it when a track configures, which for VP9 and AV1 may be at their first keyframe.

import { MAX_TRACKS, MKV_ENTRIES_BASE, MKV_ENTRY_SIZE, MKV_TRACKS_BASE, MKV_TRACKS_CAPACITY } from '../layout';
import { Codec, TrackKind, Warn } from '../codes';
import { emitWarning } from '../events';
import { clearTrack, codec, Info, kind, pid, setInfoU32, state, TrackState } from '../remux/track';
import { childData, childId, childLength, Id, readChild, readFloat, readUint } from './ebml';

/** Most TrackEntry elements read from one Tracks element (layout.ts MKV_ENTRIES_CAPACITY); later ones are ignored. */
export const MAX_ENTRIES: i32 = 32;

/** Per TrackEntry (index in file order). */
export const entryNumber = new StaticArray<u32>(MAX_ENTRIES);
export const entryType = new StaticArray<u32>(MAX_ENTRIES);
export const entryCodec = new StaticArray<i32>(MAX_ENTRIES);
/** For A_AAC/MPEG{2,4}/<profile> without CodecPrivate: the audioObjectType the ID names (0: not such an ID). */
export const entryAacProfile = new StaticArray<u32>(MAX_ENTRIES);
export const entryPrivate = new StaticArray<u32>(MAX_ENTRIES);
export const entryPrivateLength = new StaticArray<u32>(MAX_ENTRIES);
export const entryDefaultDuration = new StaticArray<u64>(MAX_ENTRIES);
export const entryCodecDelay = new StaticArray<u64>(MAX_ENTRIES);
export const entryDefault = new StaticArray<bool>(MAX_ENTRIES);
export const entryEnabled = new StaticArray<bool>(MAX_ENTRIES);
export const entryLanguage = new StaticArray<u32>(MAX_ENTRIES);
export const entryWidth = new StaticArray<u32>(MAX_ENTRIES);
export const entryHeight = new StaticArray<u32>(MAX_ENTRIES);
export const entryDisplayWidth = new StaticArray<u32>(MAX_ENTRIES);
export const entryDisplayHeight = new StaticArray<u32>(MAX_ENTRIES);
export const entryDisplayUnit = new StaticArray<u32>(MAX_ENTRIES);
/** Video Colour (RFC 9559 §5.1.4.1.28.16): ISO/IEC 23091-2 code points, 0xffffffff when absent. */
export const entryMatrix = new StaticArray<u32>(MAX_ENTRIES);
export const entryTransfer = new StaticArray<u32>(MAX_ENTRIES);
export const entryPrimaries = new StaticArray<u32>(MAX_ENTRIES);
/** Colour Range: 1 broadcast, 2 full, 0 or absent: unspecified. */
export const entryRange = new StaticArray<u32>(MAX_ENTRIES);
export const entryRate = new StaticArray<f64>(MAX_ENTRIES);
/** OutputSamplingFrequency (SBR: the rate after it), 0 when absent. */
export const entryOutputRate = new StaticArray<f64>(MAX_ENTRIES);
export const entryChannels = new StaticArray<u32>(MAX_ENTRIES);
export const entryBitDepth = new StaticArray<u32>(MAX_ENTRIES);
/** Header stripping (ContentCompAlgo 3): the bytes removed from the start of every frame. */
export const entryStripped = new StaticArray<u32>(MAX_ENTRIES);
export const entryStrippedLength = new StaticArray<u32>(MAX_ENTRIES);
/** An encoding weir cannot undo (zlib, bzlib, lzo, encryption): the track cannot be output. */
export const entryEncoded = new StaticArray<bool>(MAX_ENTRIES);
/** The output slot of each entry, -1 when it is not output. */
export const entrySlot = new StaticArray<i32>(MAX_ENTRIES);

export let entryCount: i32 = 0;
/** The slot of each output track's entry (-1: free). */
export const slotEntry = new StaticArray<i32>(MAX_TRACKS);

/** Matroska TrackType values (RFC 9559 §5.1.4.1.3). */
export const enum TrackType {
  Video = 1,
  Audio = 2,
}

export function resetTracks(): void {
  entryCount = 0;
  for (let s = 0; s < MAX_TRACKS; s++) unchecked((slotEntry[s] = -1));
}

/** The entry of a block's track number, or -1. */
export function entryOf(number: u64): i32 {
  for (let i = 0; i < entryCount; i++) if (<u64>unchecked(entryNumber[i]) == number) return i;
  return -1;
}

/** Whether the CodecID [p, p+len) is the string s, or (prefix) starts with it. */
function codecIs(p: u32, len: u32, s: string, prefix: bool): bool {
  const n = <u32>s.length;
  if (prefix ? len < n : len != n) return false;
  for (let i: u32 = 0; i < n; i++) if (<u32>load<u8>(p + i) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** Codec of a CodecID (RFC 9559 §5.1.4.1.21 and the Matroska codec mappings); sets entryAacProfile. */
function codecOf(i: i32, p: u32, len: u32): i32 {
  // CodecID is an ASCII string; some muxers end it with a NUL.
  while (len > 0 && load<u8>(p + len - 1) == 0) len--;
  if (codecIs(p, len, 'V_MPEG4/ISO/AVC', false)) return Codec.H264;
  if (codecIs(p, len, 'V_MPEGH/ISO/HEVC', false)) return Codec.Hevc;
  if (codecIs(p, len, 'V_VP9', false)) return Codec.Vp9;
  if (codecIs(p, len, 'V_AV1', false)) return Codec.Av1;
  if (codecIs(p, len, 'V_VP8', false)) return Codec.Vp8;
  if (codecIs(p, len, 'A_OPUS', false)) return Codec.Opus;
  if (codecIs(p, len, 'A_VORBIS', false)) return Codec.Vorbis;
  if (codecIs(p, len, 'A_FLAC', false)) return Codec.Flac;
  if (codecIs(p, len, 'A_MPEG/L3', false)) return Codec.Mp3;
  if (codecIs(p, len, 'A_MPEG/L2', false) || codecIs(p, len, 'A_MPEG/L1', false)) return Codec.Mp2;
  if (codecIs(p, len, 'A_AC3', false)) return Codec.Ac3;
  if (codecIs(p, len, 'A_EAC3', false)) return Codec.Eac3;
  if (codecIs(p, len, 'A_AAC', true)) {
    // Old-style IDs say the profile: A_AAC/MPEG4/LC, /MAIN, /SSR, /LTP, /LC/SBR (and MPEG2 forms).
    let profile: u32 = 2;
    if (codecIs(p, len, 'A_AAC/MPEG4/MAIN', false) || codecIs(p, len, 'A_AAC/MPEG2/MAIN', false)) profile = 1;
    else if (codecIs(p, len, 'A_AAC/MPEG4/SSR', false) || codecIs(p, len, 'A_AAC/MPEG2/SSR', false)) profile = 3;
    else if (codecIs(p, len, 'A_AAC/MPEG4/LTP', false)) profile = 4;
    else if (len > 8 && codecIs(p + len - 4, 4, '/SBR', false)) profile = 5;
    unchecked((entryAacProfile[i] = profile));
    return Codec.Aac;
  }
  return Codec.None;
}

function readVideo(i: i32, p: u32, end: u32): void {
  while (p < end && readChild(p, end)) {
    const v = <u32>readUint(childData, childLength);
    if (childId == Id.PixelWidth) unchecked((entryWidth[i] = v));
    else if (childId == Id.PixelHeight) unchecked((entryHeight[i] = v));
    else if (childId == Id.DisplayWidth) unchecked((entryDisplayWidth[i] = v));
    else if (childId == Id.DisplayHeight) unchecked((entryDisplayHeight[i] = v));
    else if (childId == Id.DisplayUnit) unchecked((entryDisplayUnit[i] = v));
    else if (childId == Id.Colour) readColour(i, childData, childData + childLength);
    p = childData + childLength;
  }
}

function readColour(i: i32, p: u32, end: u32): void {
  while (p < end && readChild(p, end)) {
    const v = <u32>readUint(childData, childLength);
    if (childId == Id.MatrixCoefficients) unchecked((entryMatrix[i] = v));
    else if (childId == Id.TransferCharacteristics) unchecked((entryTransfer[i] = v));
    else if (childId == Id.Primaries) unchecked((entryPrimaries[i] = v));
    else if (childId == Id.Range) unchecked((entryRange[i] = v));
    p = childData + childLength;
  }
}

function readAudio(i: i32, p: u32, end: u32): void {
  while (p < end && readChild(p, end)) {
    if (childId == Id.SamplingFrequency) unchecked((entryRate[i] = readFloat(childData, childLength)));
    else if (childId == Id.OutputSamplingFrequency) unchecked((entryOutputRate[i] = readFloat(childData, childLength)));
    else if (childId == Id.Channels) unchecked((entryChannels[i] = <u32>readUint(childData, childLength)));
    else if (childId == Id.BitDepth) unchecked((entryBitDepth[i] = <u32>readUint(childData, childLength)));
    p = childData + childLength;
  }
}

/**
 * ContentEncodings (RFC 9559 §5.1.4.1.31): header stripping (ContentCompAlgo 3) is undone when frames
 * are read; any other compression or an encryption makes the track unreadable for weir.
 */
function readEncodings(i: i32, p: u32, end: u32): void {
  while (p < end && readChild(p, end)) {
    if (childId == Id.ContentEncoding) {
      const encEnd = childData + childLength;
      let q = childData;
      let type: u32 = 0;
      let algo: u32 = 0; // ContentCompAlgo default: zlib
      let compression = false;
      let settings: u32 = 0;
      let settingsLength: u32 = 0;
      while (q < encEnd && readChild(q, encEnd)) {
        if (childId == Id.ContentEncodingType) type = <u32>readUint(childData, childLength);
        else if (childId == Id.ContentEncryption) type = 1;
        else if (childId == Id.ContentCompression) {
          compression = true;
          const cEnd = childData + childLength;
          let r = childData;
          while (r < cEnd && readChild(r, cEnd)) {
            if (childId == Id.ContentCompAlgo) algo = <u32>readUint(childData, childLength);
            else if (childId == Id.ContentCompSettings) {
              settings = childData;
              settingsLength = childLength;
            }
            r = childData + childLength;
          }
        }
        q = childData + childLength;
      }
      if (type == 0 && compression && algo == 3 && unchecked(entryStrippedLength[i]) == 0) {
        unchecked((entryStripped[i] = settings));
        unchecked((entryStrippedLength[i] = settingsLength));
      } else {
        unchecked((entryEncoded[i] = true));
      }
      p = encEnd;
      continue;
    }
    p = childData + childLength;
  }
}

function readEntry(p: u32, end: u32): void {
  if (entryCount >= MAX_ENTRIES) return;
  const i = entryCount;
  unchecked((entryNumber[i] = 0));
  unchecked((entryType[i] = 0));
  unchecked((entryCodec[i] = Codec.None));
  unchecked((entryAacProfile[i] = 0));
  unchecked((entryPrivate[i] = 0));
  unchecked((entryPrivateLength[i] = 0));
  unchecked((entryDefaultDuration[i] = 0));
  unchecked((entryCodecDelay[i] = 0));
  unchecked((entryDefault[i] = true)); // FlagDefault defaults to 1
  unchecked((entryEnabled[i] = true));
  unchecked((entryLanguage[i] = 0x656e67)); // Language defaults to "eng" (RFC 9559 §5.1.4.1.19)
  unchecked((entryWidth[i] = 0));
  unchecked((entryHeight[i] = 0));
  unchecked((entryDisplayWidth[i] = 0));
  unchecked((entryDisplayHeight[i] = 0));
  unchecked((entryDisplayUnit[i] = 0));
  unchecked((entryMatrix[i] = 0xffffffff));
  unchecked((entryTransfer[i] = 0xffffffff));
  unchecked((entryPrimaries[i] = 0xffffffff));
  unchecked((entryRange[i] = 0));
  unchecked((entryRate[i] = 8000)); // SamplingFrequency defaults to 8000
  unchecked((entryOutputRate[i] = 0));
  unchecked((entryChannels[i] = 1));
  unchecked((entryBitDepth[i] = 0));
  unchecked((entryStripped[i] = 0));
  unchecked((entryStrippedLength[i] = 0));
  unchecked((entryEncoded[i] = false));
  unchecked((entrySlot[i] = -1));
  while (p < end && readChild(p, end)) {
    const id = childId;
    const data = childData;
    const len = childLength;
    if (id == Id.TrackNumber) unchecked((entryNumber[i] = <u32>readUint(data, len)));
    else if (id == Id.TrackType) unchecked((entryType[i] = <u32>readUint(data, len)));
    else if (id == Id.CodecId) unchecked((entryCodec[i] = codecOf(i, data, len)));
    else if (id == Id.CodecPrivate) {
      unchecked((entryPrivate[i] = data));
      unchecked((entryPrivateLength[i] = len));
    } else if (id == Id.DefaultDuration) unchecked((entryDefaultDuration[i] = readUint(data, len)));
    else if (id == Id.CodecDelay) unchecked((entryCodecDelay[i] = readUint(data, len)));
    else if (id == Id.FlagDefault) unchecked((entryDefault[i] = readUint(data, len) != 0));
    else if (id == Id.FlagEnabled) unchecked((entryEnabled[i] = readUint(data, len) != 0));
    else if (id == Id.Language && len >= 3) {
      unchecked((entryLanguage[i] = (<u32>load<u8>(data) << 16) | (<u32>load<u8>(data + 1) << 8) | <u32>load<u8>(data + 2)));
    } else if (id == Id.Video) readVideo(i, data, data + len);
    else if (id == Id.Audio) readAudio(i, data, data + len);
    else if (id == Id.ContentEncodings) readEncodings(i, data, data + len);
    p = data + len;
  }
  if (unchecked(entryNumber[i]) == 0) return; // TrackNumber is mandatory and not 0
  entryCount++;
}

/**
 * Reads a Tracks payload [p, p+len) (copied first to the persistent region) and assigns output slots.
 * `audioSelection`: the index among the audio tracks weir can output of the one to keep (-1: up to
 * MAX_TRACKS - 1 of them). Returns false when the payload does not fit the region.
 */
export function readTracks(p: u32, len: u32, audioSelection: i32): bool {
  if (len > MKV_TRACKS_CAPACITY) return false;
  memory.copy(MKV_TRACKS_BASE, p, len);
  resetTracks();
  let q = MKV_TRACKS_BASE;
  const end = MKV_TRACKS_BASE + len;
  while (q < end && readChild(q, end)) {
    const data = childData;
    const size = childLength;
    if (childId == Id.TrackEntry) readEntry(data, data + size);
    q = data + size;
  }
  assignSlots(audioSelection);
  for (let i = 0; i < entryCount; i++) {
    const at = MKV_ENTRIES_BASE + <u32>i * MKV_ENTRY_SIZE;
    store<u32>(at, unchecked(entryNumber[i]));
    store<u32>(at + 4, unchecked(entryType[i]));
    store<u32>(at + 8, <u32>unchecked(entryCodec[i]));
    store<i32>(at + 12, unchecked(entrySlot[i]));
  }
  return true;
}

function isVideoCodec(c: i32): bool {
  return c == Codec.H264 || c == Codec.Hevc || c == Codec.Vp9 || c == Codec.Av1;
}

function isAudioCodec(c: i32): bool {
  return (
    c == Codec.Aac ||
    c == Codec.Opus ||
    c == Codec.Flac ||
    c == Codec.Mp3 ||
    c == Codec.Mp2 ||
    c == Codec.Ac3 ||
    c == Codec.Eac3
  );
}

/** Declares the output tracks (TrackState.Declared) and reports the entries left out. */
function assignSlots(audioSelection: i32): void {
  for (let s = 0; s < MAX_TRACKS; s++) clearTrack(s);
  let audioIndex: i32 = 0;
  let nextAudio: i32 = 1;
  for (let i = 0; i < entryCount; i++) {
    const type = unchecked(entryType[i]);
    const c = unchecked(entryCodec[i]);
    if (type != TrackType.Video && type != TrackType.Audio) continue; // subtitles, buttons, metadata
    const video = type == TrackType.Video;
    const usable = (video ? isVideoCodec(c) : isAudioCodec(c)) && !unchecked(entryEncoded[i]);
    if (!usable) {
      // VP8, Vorbis, PCM, DTS... or an encoded track: not in the MP4 output. detail: the codec (0: unknown ID).
      emitWarning(Warn.CodecNotInMp4, -1, <f64>c);
      continue;
    }
    let slot: i32 = -1;
    if (video) {
      if (unchecked(slotEntry[0]) >= 0) {
        emitWarning(Warn.ExtraTrackSkipped, -1, <f64>unchecked(entryNumber[i]));
        continue;
      }
      slot = 0;
    } else {
      const mine = audioIndex;
      audioIndex++;
      if (audioSelection >= 0 ? mine != audioSelection : nextAudio >= MAX_TRACKS) {
        if (audioSelection < 0) emitWarning(Warn.ExtraTrackSkipped, -1, <f64>unchecked(entryNumber[i]));
        continue;
      }
      slot = nextAudio++;
      setInfoU32(slot, Info.AudioIndex, <u32>mine);
    }
    unchecked((slotEntry[slot] = i));
    unchecked((entrySlot[i] = slot));
    unchecked((kind[slot] = video ? TrackKind.Video : TrackKind.Audio));
    unchecked((codec[slot] = c));
    unchecked((state[slot] = TrackState.Declared));
    unchecked((pid[slot] = <i32>unchecked(entryNumber[i])));
    setInfoU32(slot, Info.Kind, video ? TrackKind.Video : TrackKind.Audio);
    setInfoU32(slot, Info.Codec, <u32>c);
    setInfoU32(slot, Info.Pid, unchecked(entryNumber[i]));
    setInfoU32(slot, Info.Language, unchecked(entryLanguage[i]));
    setInfoU32(slot, Info.Default, unchecked(entryDefault[i]) ? 1 : 0);
  }
}
