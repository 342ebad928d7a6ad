// Initialization segment (ISO/IEC 14496-12 8.16.1 and 14496-12 8.8): ftyp + moov with one trak per
// track and mvex/trex, sample tables left empty because the samples travel in movie fragments.

import { MAX_TRACKS } from '../layout';
import { Codec, TrackKind } from '../codes';
import { codec, Info, infoU32, kind, timescale } from '../remux/track';
import { avc1, avc1Record } from '../codecs/h264';
import { aacConfigSampleEntry, mp4a } from '../codecs/aac';
import { hvc1, hvc1Record } from '../codecs/hevc';
import { flacSampleEntry } from '../codecs/flac';
import { ac3SampleEntry, eac3SampleEntry } from '../codecs/ac3';
import { mpaSampleEntry } from '../codecs/mpa';
import { opusSampleEntry } from '../codecs/opus';
import { latmSampleEntry } from '../codecs/latm';
import { vp09 } from '../codecs/vp9';
import { av01 } from '../codecs/av1';
import { boxEnd, boxStart, Fourcc, fullBoxStart, w16, w32, w8, wMatrix, wZeros } from './writer';

/** File Type Box (4.3). */
function ftyp(): void {
  const box = boxStart(Fourcc.ftyp);
  w32(Fourcc.isom); // major_brand
  w32(0x200); // minor_version
  w32(Fourcc.isom); // compatible_brands
  w32(Fourcc.iso6);
  w32(Fourcc.mp41);
  boxEnd(box);
}

/** Movie Header Box (8.2.2), version 0: the movie has no duration of its own (fragments carry it). */
function mvhd(nextTrackId: u32): void {
  const box = fullBoxStart(Fourcc.mvhd, 0, 0);
  w32(0); // creation_time
  w32(0); // modification_time
  w32(1000); // timescale
  w32(0); // duration
  w32(0x00010000); // rate 1.0
  w16(0x0100); // volume 1.0
  w16(0); // reserved
  w32(0); // reserved[2]
  w32(0);
  wMatrix(); // matrix
  wZeros(24); // pre_defined[6]
  w32(nextTrackId); // next_track_ID
  boxEnd(box);
}

const TKHD_ENABLED: u32 = 0x1;
const TKHD_IN_MOVIE: u32 = 0x2;

/** Track Header Box (8.3.2), version 0. */
function tkhd(slot: i32, trackId: u32): void {
  const box = fullBoxStart(Fourcc.tkhd, 0, TKHD_ENABLED | TKHD_IN_MOVIE);
  const isAudio = unchecked(kind[slot]) == TrackKind.Audio;
  w32(0); // creation_time
  w32(0); // modification_time
  w32(trackId); // track_ID
  w32(0); // reserved
  w32(0); // duration
  w32(0); // reserved[2]
  w32(0);
  w16(0); // layer
  w16(0); // alternate_group
  w16(isAudio ? 0x0100 : 0); // volume
  w16(0); // reserved
  wMatrix(); // matrix
  if (isAudio) {
    w32(0); // width
    w32(0); // height
  } else {
    // Display size: the coded size stretched by the sample aspect ratio (8.3.2.3).
    const width = infoU32(slot, Info.Width);
    const sarNum = infoU32(slot, Info.SarNum);
    const sarDen = infoU32(slot, Info.SarDen);
    const displayWidth = sarDen > 0 ? <u32>((<u64>width * <u64>sarNum) / <u64>sarDen) : width;
    w32(displayWidth << 16); // width 16.16
    w32(infoU32(slot, Info.Height) << 16); // height 16.16
  }
  boxEnd(box);
}

/**
 * The track's ISO 639-2 language packed as mdhd wants it (8.4.2.3: three 5-bit letters, each its
 * ASCII code minus 0x60); 'und' when the PMT gave none or something that is not three lowercase
 * letters (a few muxers write upper case: folded).
 */
function packedLanguage(slot: i32): u32 {
  const code = infoU32(slot, Info.Language);
  let packed: u32 = 0;
  for (let i = 2; i >= 0; i--) {
    let c = (code >> (<u32>i * 8)) & 0xff;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c < 0x61 || c > 0x7a) return 0x55c4; // 'und'
    packed = (packed << 5) | (c - 0x60);
  }
  return packed;
}

/** Media Header Box (8.4.2), version 0. */
function mdhd(slot: i32): void {
  const box = fullBoxStart(Fourcc.mdhd, 0, 0);
  w32(0); // creation_time
  w32(0); // modification_time
  w32(unchecked(timescale[slot])); // timescale
  w32(0); // duration
  w16(packedLanguage(slot)); // pad, language (ISO-639-2/T packed as 3 x 5 bits)
  w16(0); // pre_defined
  boxEnd(box);
}

/** Handler Reference Box (8.4.3). */
function hdlr(isAudio: bool): void {
  const box = fullBoxStart(Fourcc.hdlr, 0, 0);
  w32(0); // pre_defined
  w32(isAudio ? Fourcc.soun : Fourcc.vide); // handler_type
  w32(0); // reserved[3]
  w32(0);
  w32(0);
  // name: "weir\0"
  w8(0x77);
  w8(0x65);
  w8(0x69);
  w8(0x72);
  w8(0);
  boxEnd(box);
}

/** Data Information Box (8.7.1) with a self-contained data reference (8.7.2). */
function dinf(): void {
  const box = boxStart(Fourcc.dinf);
  const ref = fullBoxStart(Fourcc.dref, 0, 0);
  w32(1); // entry_count
  const url = fullBoxStart(Fourcc.url_, 0, 1); // flags = 1: media data is in this file
  boxEnd(url);
  boxEnd(ref);
  boxEnd(box);
}

/** Sample Table Box (8.5.1): the sample description and empty tables. */
function stbl(slot: i32, trackId: u32): void {
  const box = boxStart(Fourcc.stbl);
  const desc = fullBoxStart(Fourcc.stsd, 0, 0);
  w32(1); // entry_count
  const c = unchecked(codec[slot]);
  // A configuration record kept as the container gave it (Matroska CodecPrivate) is written verbatim.
  const record = infoU32(slot, Info.ConfigRecord) != 0;
  if (c == Codec.H264 && record) {
    avc1Record(slot);
  } else if (c == Codec.H264) {
    avc1(
      slot,
      infoU32(slot, Info.Width),
      infoU32(slot, Info.Height),
      infoU32(slot, Info.Profile),
      infoU32(slot, Info.Compat),
      infoU32(slot, Info.Level),
      infoU32(slot, Info.SarNum),
      infoU32(slot, Info.SarDen),
    );
  } else if (c == Codec.Hevc) {
    if (record) hvc1Record(slot);
    else hvc1(slot);
  } else if (c == Codec.Vp9) {
    vp09(slot);
  } else if (c == Codec.Av1) {
    av01(slot);
  } else if (c == Codec.Mp3 || c == Codec.Mp2) {
    mpaSampleEntry(slot, trackId);
  } else if (c == Codec.Ac3) {
    ac3SampleEntry(slot);
  } else if (c == Codec.Eac3) {
    eac3SampleEntry(slot);
  } else if (c == Codec.Opus) {
    opusSampleEntry(slot);
  } else if (c == Codec.AacLatm) {
    latmSampleEntry(slot, trackId);
  } else if (c == Codec.Flac) {
    flacSampleEntry(slot);
  } else if (c == Codec.Aac && record) {
    aacConfigSampleEntry(slot, trackId);
  } else if (c == Codec.Aac) {
    mp4a(
      trackId,
      infoU32(slot, Info.Profile),
      infoU32(slot, Info.Compat),
      infoU32(slot, Info.SampleRate),
      infoU32(slot, Info.Channels),
    );
  }
  boxEnd(desc);
  const stts = fullBoxStart(Fourcc.stts, 0, 0);
  w32(0); // entry_count
  boxEnd(stts);
  const stsc = fullBoxStart(Fourcc.stsc, 0, 0);
  w32(0); // entry_count
  boxEnd(stsc);
  const stsz = fullBoxStart(Fourcc.stsz, 0, 0);
  w32(0); // sample_size
  w32(0); // sample_count
  boxEnd(stsz);
  const stco = fullBoxStart(Fourcc.stco, 0, 0);
  w32(0); // entry_count
  boxEnd(stco);
  boxEnd(box);
}

/**
 * Edit Box with one Edit List entry (8.6.5, 8.6.6) when the track's presentation starts after its first
 * decoded sample: an audio codec's delay (Matroska CodecDelay, Opus pre-skip; "Encapsulation of Opus in
 * ISOBMFF" §4.4 asks for exactly this edit, media_time = the priming in 48 kHz samples). segment_duration 0:
 * the movie's duration is not known when fragments follow, and an edit of duration 0 then spans the whole
 * media (14496-12 8.6.6.3; Chromium's and ffmpeg's MP4 readers take it so). Readers that ignore edit lists
 * still have dOps PreSkip, which makes the decoder drop the same samples.
 */
function edts(slot: i32): void {
  const mediaTime = infoU32(slot, Info.EditMediaTime);
  if (mediaTime == 0) return;
  const box = boxStart(Fourcc.edts);
  const list = fullBoxStart(Fourcc.elst, 0, 0);
  w32(1); // entry_count
  w32(0); // segment_duration
  w32(mediaTime); // media_time
  w16(1); // media_rate_integer
  w16(0); // media_rate_fraction
  boxEnd(list);
  boxEnd(box);
}

function trak(slot: i32, trackId: u32): void {
  const box = boxStart(Fourcc.trak);
  const isAudio = unchecked(kind[slot]) == TrackKind.Audio;
  tkhd(slot, trackId);
  edts(slot);
  const media = boxStart(Fourcc.mdia);
  mdhd(slot);
  hdlr(isAudio);
  const info = boxStart(Fourcc.minf);
  if (isAudio) {
    const smhd = fullBoxStart(Fourcc.smhd, 0, 0); // Sound Media Header (12.2.2)
    w16(0); // balance
    w16(0); // reserved
    boxEnd(smhd);
  } else {
    const vmhd = fullBoxStart(Fourcc.vmhd, 0, 1); // Video Media Header (12.1.2), flags = 1
    w16(0); // graphicsmode
    w16(0); // opcolor[3]
    w16(0);
    w16(0);
    boxEnd(vmhd);
  }
  dinf();
  stbl(slot, trackId);
  boxEnd(info);
  boxEnd(media);
  boxEnd(box);
}

/** Track Extends Box (8.8.3): defaults are unused because every trun carries its own values. */
function trex(trackId: u32): void {
  const box = fullBoxStart(Fourcc.trex, 0, 0);
  w32(trackId); // track_ID
  w32(1); // default_sample_description_index
  w32(0); // default_sample_duration
  w32(0); // default_sample_size
  w32(0); // default_sample_flags
  boxEnd(box);
}

/** Writes ftyp + moov for the tracks whose slot bit is set in `mask`. */
export function writeInit(mask: u32): void {
  ftyp();
  const moov = boxStart(Fourcc.moov);
  let maxId: u32 = 0;
  for (let s = 0; s < MAX_TRACKS; s++) if (mask & (1 << s)) maxId = <u32>s + 1;
  mvhd(maxId + 1);
  for (let s = 0; s < MAX_TRACKS; s++) if (mask & (1 << s)) trak(s, <u32>s + 1);
  const mvex = boxStart(Fourcc.mvex);
  for (let s = 0; s < MAX_TRACKS; s++) if (mask & (1 << s)) trex(<u32>s + 1);
  boxEnd(mvex);
  boxEnd(moov);
}
