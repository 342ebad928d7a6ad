// AAC in LOAS/LATM (ISO/IEC 14496-3 1.7; MPEG-TS stream_type 0x11, 13818-1 Table 2-34): the
// AudioSyncStream frames (1.7.2), the AudioMuxElement with its in-band StreamMuxConfig (1.7.3), the
// AudioSpecificConfig inside it (1.6.2.1), and the mp4a sample entry whose DecoderSpecificInfo is
// that AudioSpecificConfig, copied bit for bit (14496-14 5.6, 14496-1 7.2.6.5).
//
// One LOAS frame carries one AudioMuxElement, and with the configurations MP4 can carry (one
// program, one layer, one subframe, byte lengths) that is one AAC access unit: its payload
// (MuxSlotLengthBytes bytes, 1.7.3 PayloadMux) becomes one MP4 sample. Unlike ADTS the payload does
// not start on a byte boundary in general, so it is copied out with a bit shift (latmCopyPayload).
//
// The configuration usually arrives only every few frames (useSameStreamMux = 1 in between; ffmpeg
// repeats it every 20 frames by default), so the parser keeps the last one. It has no slot argument
// (codecs/frame.ts): it works on a "current" configuration record, and the caller keeps one record
// per track with latmLoadConfig(slot) before parsing a track's frame and latmSaveConfig(slot) after.

import { MAX_TRACKS, configBase } from '../layout';
import { Info, infoU32, setInfoU32 } from '../remux/track';
import { boxEnd, boxStart, Fourcc, fullBoxStart, w16, w24, w32, w8, wBytes, wZeros } from '../mp4/writer';
import { bitPos, bitsLeft, brInit, overrun, readBit, readBits, skipBits } from '../util/bitreader';
import { FrameParse, setFrame } from './frame';

/** Why a LATM stream cannot be carried (latmUnsupportedReason); the lead reports it as the warning detail. */
export const enum LatmReason {
  None = 0,
  MuxVersionA = 1, // audioMuxVersionA = 1: its syntax is "to be defined" (1.7.3 Table 1.42)
  SubFrames = 2, // numSubFrames > 0: several access units per AudioMuxElement
  Programs = 3, // numProgram > 0: more than one program
  Layers = 4, // numLayer > 0: scalable layers
  FrameLengthType = 5, // frameLengthType != 0: payload lengths not in bytes (CELP, HVXC, fixed lengths)
  ObjectType = 6, // an AudioSpecificConfig for an object type that is not AAC Main/LC/SSR/LTP (with SBR/PS)
  Channels = 7, // a reserved channelConfiguration (Table 1.19)
  ConfigSize = 8, // an AudioSpecificConfig longer than ASC_CAPACITY
  Chunks = 9, // allStreamsSameTimeFraming = 0 with an access unit split over chunks
}

/** Bytes kept of one AudioSpecificConfig: a program_config_element with a long comment still fits. */
const ASC_CAPACITY: u32 = 256;

// Table 1.18 (samplingFrequencyIndex → Hz); 13 and 14 are reserved, 15 is an explicit 24-bit value.
const RATES: StaticArray<u32> = [
  96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
];
// Table 1.19 (channelConfiguration → output channels); 0 is a program_config_element, 0 below
// marks the reserved values 8..10 and 15.
const CHANNELS: StaticArray<u32> = [0, 1, 2, 3, 4, 5, 6, 8, 0, 0, 0, 7, 8, 24, 8, 0];

const enum ConfigState {
  None = 0, // no StreamMuxConfig seen yet in this stream
  Ready = 1, // a configuration MP4 can carry
  Unsupported = 2, // a StreamMuxConfig this module cannot carry (Reason says why)
}

/** Field offsets of a configuration record: what weir keeps of one StreamMuxConfig. */
const enum Cfg {
  State = 0, // u32 ConfigState
  Reason = 4, // u32 LatmReason when Unsupported
  Generation = 8, // u32 1 for the first configuration, bumped whenever a different one arrives
  MuxVersion = 12, // u32 audioMuxVersion
  SameTimeFraming = 16, // u32 allStreamsSameTimeFraming
  ObjectType = 20, // u32 audioObjectType for Info.Profile (5 or 29 when SBR/PS is signalled explicitly)
  SampleRate = 24, // u32 core samplingFrequency, Hz
  ExtensionRate = 28, // u32 extensionSamplingFrequency (SBR output rate), 0 without SBR
  Channels = 32, // u32 output channels (channelConfiguration mapped, or counted in the PCE)
  FrameSamples = 36, // u32 1024, or 960 when frameLengthFlag is set
  AscBits = 40, // u32 length of the AudioSpecificConfig in bits
  Asc = 44, // the AudioSpecificConfig bits, padded with zeros to whole bytes (ASC_CAPACITY)
}
const RECORD_SIZE: u32 = <u32>Cfg.Asc + ASC_CAPACITY;

// Record 0 is the current configuration, 1 the one being parsed (committed only when the frame
// turns out to be a header), 2.. one per track.
const records = new StaticArray<u8>(<i32>RECORD_SIZE * (2 + MAX_TRACKS));

@inline function currentRecord(): u32 {
  return changetype<u32>(records);
}
@inline function parsedRecord(): u32 {
  return changetype<u32>(records) + RECORD_SIZE;
}
@inline function slotRecord(slot: i32): u32 {
  return changetype<u32>(records) + RECORD_SIZE * (2 + <u32>slot);
}
@inline function field(rec: u32, f: Cfg): u32 {
  return load<u32>(rec + <u32>f);
}
@inline function setField(rec: u32, f: Cfg, v: u32): void {
  store<u32>(rec + <u32>f, v);
}

/** Bytes of a record that hold information: the fields and the used part of the ASC. */
function recordLength(rec: u32): u32 {
  return <u32>Cfg.Asc + ((field(rec, Cfg.AscBits) + 7) >> 3);
}

/** After a Header: whether a StreamMuxConfig has been seen in this stream (else the frame cannot be decoded). */
export let latmHasConfig: bool = false;
/** After a Header: the frame or its configuration cannot be carried (latmUnsupportedReason says why). */
export let latmUnsupported: bool = false;
export let latmUnsupportedReason: u32 = LatmReason.None;

// The last frame parsed as a Header: where it is, and its payload (1.7.3 PayloadMux).
let framePtr: u32 = 0;
let frameBytes: u32 = 0;
let payloadBit: u32 = 0; // bit offset of the payload from framePtr
let payloadSize: u32 = 0; // MuxSlotLengthBytes; 0 when the frame has no payload weir can take

// Where the AudioSpecificConfig of the StreamMuxConfig being parsed starts (bits from framePtr).
let ascStart: u32 = 0;
// A skip past the bytes given (the bit reader's overrun for skips larger than what is left).
let skippedPast: bool = false;

const enum Parsed {
  Ok = 0,
  Unsupported = 1, // valid syntax this module cannot carry: a Header with latmUnsupported
  Invalid = 2, // a value the syntax forbids: not a LATM frame
}

@inline function truncated(): bool {
  return overrun || skippedPast;
}

/** Skips n bits, never past the end (n may be any 32-bit value read from the stream). */
function skip(n: u32): void {
  const left = bitsLeft();
  if (left < 0 || n > <u32>left) skippedPast = true;
  else skipBits(n);
}

/** Moves the bit reader to `bit` bits after framePtr. */
function seek(bit: u32): void {
  brInit(framePtr, frameBytes);
  skip(bit);
}

/** LatmGetValue() (1.7.3 Table 1.43): 1 to 4 bytes, big-endian. */
function latmGetValue(): u32 {
  const bytesForValue = readBits(2); // bytesForValue
  let value: u32 = 0;
  for (let i: u32 = 0; i <= bytesForValue; i++) value = (value << 8) | readBits(8); // valueTmp
  return value;
}

/** GetAudioObjectType() (1.6.2.1 Table 1.14): 5 bits, 31 escapes to 32 + 6 bits. */
function audioObjectType(): u32 {
  const aot = readBits(5); // audioObjectType
  return aot == 31 ? 32 + readBits(6) : aot; // audioObjectTypeExt
}

/** A samplingFrequencyIndex and, for index 15, the 24-bit samplingFrequency; 0 for a reserved index or 0 Hz. */
function samplingFrequency(): u32 {
  const index = readBits(4); // samplingFrequencyIndex
  if (index == 15) return readBits(24); // samplingFrequency
  return index < 13 ? unchecked(RATES[index]) : 0;
}

/** Records that a StreamMuxConfig cannot be carried. */
function unsupported(rec: u32, reason: LatmReason): i32 {
  setField(rec, Cfg.State, ConfigState.Unsupported);
  setField(rec, Cfg.Reason, reason);
  return Parsed.Unsupported;
}

/**
 * program_config_element() (14496-3 4.4.1.1 Table 4.2) inside a GASpecificConfig: returns the
 * channels it declares (a channel pair element counts two). Every loop is bounded by 4-bit counts.
 */
function programConfigElement(): u32 {
  skipBits(4 + 2 + 4); // element_instance_tag, object_type, sampling_frequency_index
  const front = readBits(4); // num_front_channel_elements
  const side = readBits(4); // num_side_channel_elements
  const back = readBits(4); // num_back_channel_elements
  const lfe = readBits(2); // num_lfe_channel_elements
  const assoc = readBits(3); // num_assoc_data_elements
  const cc = readBits(4); // num_valid_cc_elements
  if (readBit()) skipBits(4); // mono_mixdown_present, mono_mixdown_element_number
  if (readBit()) skipBits(4); // stereo_mixdown_present, stereo_mixdown_element_number
  if (readBit()) skipBits(3); // matrix_mixdown_idx_present, matrix_mixdown_idx, pseudo_surround_enable
  let channels = lfe;
  for (let i: u32 = 0; i < front + side + back; i++) {
    channels += readBit() ? 2 : 1; // {front,side,back}_element_is_cpe
    skipBits(4); // {front,side,back}_element_tag_select
  }
  skipBits(4 * lfe); // lfe_element_tag_select
  skipBits(4 * assoc); // assoc_data_element_tag_select
  skipBits(5 * cc); // cc_element_is_ind_sw, valid_cc_element_tag_select
  // byte_alignment(): inside an AudioSpecificConfig it aligns relative to the start of the
  // AudioSpecificConfig (which in an esds is byte aligned), not to the LATM frame: ffmpeg's
  // decoder does the same (decode_pce with byte_align_ref).
  const misaligned = (bitPos() - ascStart) & 7;
  if (misaligned != 0) skipBits(8 - misaligned);
  skip(8 * readBits(8)); // comment_field_bytes, comment_field_data
  return channels;
}

/**
 * AudioSpecificConfig() (1.6.2.1 Table 1.15) into `rec`, from the bit reader at ascStart.
 * `length` is its length in bits when the stream says it (audioMuxVersion 1: ascLen), or -1: with
 * audioMuxVersion 0 the length is found by parsing, and bits_to_decode() is unknown, so there is no
 * backward-compatible SBR/PS extension to look for (1.6.5.2: hierarchical signalling only).
 */
function audioSpecificConfig(rec: u32, length: i64): i32 {
  const first = audioObjectType(); // audioObjectType
  let aot = first;
  const rate = samplingFrequency(); // samplingFrequencyIndex, samplingFrequency
  const channelConfiguration = readBits(4); // channelConfiguration
  let extensionRate: u32 = 0;
  let ps = false;
  if (first == 5 || first == 29) {
    // Explicit hierarchical signalling of SBR (5) or SBR + PS (29): the core follows (1.6.5.2).
    ps = first == 29;
    extensionRate = samplingFrequency(); // extensionSamplingFrequencyIndex, extensionSamplingFrequency
    aot = audioObjectType(); // audioObjectType of the core
    if (extensionRate == 0) return Parsed.Invalid;
  }
  if (rate == 0) return Parsed.Invalid;
  // AAC Main, LC, SSR, LTP: GASpecificConfig with 1024/960-sample frames. ER and scalable object
  // types (epConfig, layerNr, 480/512-sample frames) and the non-AAC ones have no route here.
  if (aot < 1 || aot > 4) return unsupported(rec, LatmReason.ObjectType);
  // GASpecificConfig() (4.4.1 Table 4.1)
  const frameLengthFlag = readBit(); // frameLengthFlag
  if (readBit()) skipBits(14); // dependsOnCoreCoder, coreCoderDelay
  const extensionFlag = readBit(); // extensionFlag
  let channels = unchecked(CHANNELS[channelConfiguration]);
  if (channelConfiguration == 0) channels = programConfigElement();
  if (channels == 0) return unsupported(rec, LatmReason.Channels); // reserved, or a PCE without channels
  if (extensionFlag) readBit(); // extensionFlag3 (the other extension fields are for ER object types)
  let end = bitPos();
  if (length >= 0 && first == aot && <i64>(end - ascStart) + 16 <= length) {
    // bits_to_decode() >= 16: a backward-compatible SBR/PS extension may follow (1.6.2.1, 1.6.5.2).
    // Anything else in those bits is fill (Table 1.42 fillBits) and is not kept.
    if (readBits(11) == 0x2b7 && audioObjectType() == 5) {
      // syncExtensionType, extensionAudioObjectType = SBR
      const sbrPresent = readBit(); // sbrPresentFlag
      // extensionSamplingFrequencyIndex, extensionSamplingFrequency
      const sbrRate = sbrPresent ? samplingFrequency() : 0;
      if ((sbrPresent == 0 || sbrRate != 0) && <i64>(bitPos() - ascStart) <= length) {
        end = bitPos();
        extensionRate = sbrRate;
        if (sbrRate != 0 && <i64>(end - ascStart) + 12 <= length && readBits(11) == 0x548) {
          const flag = readBit(); // syncExtensionType, psPresentFlag
          if (<i64>(bitPos() - ascStart) <= length) {
            ps = flag != 0;
            end = bitPos();
          }
        }
      }
    }
    // What was read past `end` is fill: back to the end of the configuration.
    if (bitPos() != end) seek(end);
  }
  const bits = end - ascStart;
  if (bits > ASC_CAPACITY * 8) return unsupported(rec, LatmReason.ConfigSize);
  // Profile is the signalled object type: 2 for LC even with implicit or backward-compatible SBR.
  setField(rec, Cfg.ObjectType, first);
  setField(rec, Cfg.SampleRate, rate);
  setField(rec, Cfg.ExtensionRate, extensionRate);
  // Parametric stereo turns a mono core into stereo output (1.6.5.3).
  setField(rec, Cfg.Channels, ps && channels == 1 ? 2 : channels);
  setField(rec, Cfg.FrameSamples, frameLengthFlag ? 960 : 1024);
  setField(rec, Cfg.AscBits, bits);
  return Parsed.Ok;
}

/** StreamMuxConfig() (1.7.3 Table 1.42) into `rec`. Stops at the first thing it cannot carry. */
function streamMuxConfig(rec: u32): i32 {
  // Every field starts at 0, so that an unsupported configuration compares equal to the same one again.
  memory.fill(rec, 0, <u32>Cfg.Asc);
  setField(rec, Cfg.State, ConfigState.Ready);
  const version = readBit(); // audioMuxVersion
  setField(rec, Cfg.MuxVersion, version);
  if (version != 0 && readBit() != 0) return unsupported(rec, LatmReason.MuxVersionA); // audioMuxVersionA
  if (version != 0) latmGetValue(); // taraBufferFullness
  setField(rec, Cfg.SameTimeFraming, readBit()); // allStreamsSameTimeFraming
  if (readBits(6) != 0) return unsupported(rec, LatmReason.SubFrames); // numSubFrames
  if (readBits(4) != 0) return unsupported(rec, LatmReason.Programs); // numProgram
  if (readBits(3) != 0) return unsupported(rec, LatmReason.Layers); // numLayer
  // useSameConfig is not sent for program 0 layer 0: its AudioSpecificConfig follows.
  let ascLen: i64 = -1;
  if (version != 0) ascLen = <i64>latmGetValue(); // ascLen
  ascStart = bitPos();
  if (truncated()) return Parsed.Ok; // the caller answers NeedMore or NotHeader
  const asc = audioSpecificConfig(rec, ascLen);
  if (asc != Parsed.Ok) return asc;
  if (ascLen >= 0) {
    const used = bitPos() - ascStart;
    if (<i64>used > ascLen) return Parsed.Invalid;
    skip(<u32>ascLen - used); // fillBits
  }
  if (readBits(3) != 0) return unsupported(rec, LatmReason.FrameLengthType); // frameLengthType
  skipBits(8); // latmBufferFullness
  // coreFrameOffset is only sent for a CELP/HVXC core under further layers (numLayer > 0).
  if (readBit()) {
    // otherDataPresent: otherDataLenBits is not needed, the other data follows the payload.
    if (version != 0) {
      latmGetValue(); // otherDataLenBits
    } else {
      let escape: u32 = 0;
      do {
        escape = readBit(); // otherDataLenEsc
        skipBits(8); // otherDataLenTmp
      } while (escape != 0 && !overrun);
    }
  }
  if (readBit()) skipBits(8); // crcCheckPresent, crcCheckSum
  return Parsed.Ok;
}

/** Copies `bits` bits from the bit reader's position to dst, padding the last byte with zeros. */
function copyBits(dst: u32, bits: u32): void {
  const whole = bits >> 3;
  for (let i: u32 = 0; i < whole; i++) store<u8>(dst + i, <u8>readBits(8));
  const rest = bits & 7;
  if (rest != 0) store<u8>(dst + whole, <u8>(readBits(rest) << (8 - rest)));
}

/** Makes `parsed` the current configuration, counting it as new when it differs from the current one. */
function commit(parsed: u32): void {
  const current = currentRecord();
  let generation = field(current, Cfg.Generation);
  const state = field(current, Cfg.State);
  const n = recordLength(parsed);
  const same =
    state != ConfigState.None &&
    n == recordLength(current) &&
    memory.compare(parsed, current, <u32>Cfg.Generation) == 0 &&
    memory.compare(parsed + <u32>Cfg.MuxVersion, current + <u32>Cfg.MuxVersion, n - <u32>Cfg.MuxVersion) == 0;
  if (!same) generation++;
  setField(parsed, Cfg.Generation, generation);
  memory.copy(current, parsed, n);
}

/** NeedMore while the frame is still arriving, NotHeader when the whole frame is there and too short. */
@inline function cut(avail: u32, total: u32): i32 {
  return avail < total ? FrameParse.NeedMore : FrameParse.NotHeader;
}

/**
 * The LOAS frame at p (codecs/frame.ts): AudioSyncStream() (1.7.2 Table 1.40) holding an
 * AudioMuxElement(1) (1.7.3 Table 1.41). Reads only [p, p + avail). Header needs the element up to
 * its payload (3 bytes + StreamMuxConfig + PayloadLengthInfo: about 10 + length/255 bytes for AAC
 * LC); until then NeedMore. A Header with latmHasConfig false (no configuration yet) or
 * latmUnsupported has no payload (latmPayloadSize 0). The MP4 sample is the payload, so skip is 0
 * and the caller copies it with latmCopyPayload.
 */
export function parseLatmFrame(p: u32, avail: u32): i32 {
  if (avail < 3) {
    if (avail >= 1 && load<u8>(p) != 0x56) return FrameParse.NotHeader; // syncword 0x2B7...
    if (avail >= 2 && (load<u8>(p + 1) & 0xe0) != 0xe0) return FrameParse.NotHeader; // ...its last 3 bits
    return FrameParse.NeedMore;
  }
  if (load<u8>(p) != 0x56 || (load<u8>(p + 1) & 0xe0) != 0xe0) return FrameParse.NotHeader; // syncword
  const length = ((<u32>load<u8>(p + 1) & 0x1f) << 8) | <u32>load<u8>(p + 2); // audioMuxLengthBytes
  if (length == 0) return FrameParse.NotHeader;
  const total = 3 + length;
  framePtr = p;
  frameBytes = min<u32>(avail, total);
  brInit(p, frameBytes);
  skipBits(24);
  skippedPast = false;
  // AudioMuxElement(muxConfigPresent = 1)
  const useSameStreamMux = readBit(); // useSameStreamMux
  let rec = currentRecord();
  let parsed = Parsed.Ok;
  if (useSameStreamMux == 0) {
    rec = parsedRecord();
    parsed = streamMuxConfig(rec);
  }
  // A value read past the end is a zero, so a truncated configuration can look invalid: cut first.
  if (truncated()) return cut(avail, total);
  if (parsed == Parsed.Invalid) return FrameParse.NotHeader;
  const state = field(rec, Cfg.State);
  let reason = field(rec, Cfg.Reason);
  payloadSize = 0;
  payloadBit = 0;
  if (state == ConfigState.Ready) {
    // PayloadLengthInfo() (1.7.3 Table 1.44) for one program, one layer, frameLengthType 0.
    const sameTimeFraming = field(rec, Cfg.SameTimeFraming) != 0;
    let chunked = false;
    if (!sameTimeFraming) {
      chunked = readBits(4) != 0; // numChunk: one chunk is all one stream needs
      chunked = readBits(4) != 0 || chunked; // streamIndx: the only stream is 0
    }
    let slotLength: u32 = 0;
    let tmp: u32 = 0;
    do {
      tmp = readBits(8); // tmp
      slotLength += tmp; // MuxSlotLengthBytes
    } while (tmp == 255 && !overrun);
    if (!sameTimeFraming && readBit() == 0) chunked = true; // AuEndFlag: 0 = the access unit goes on in a later chunk
    if (truncated()) return cut(avail, total);
    const start = bitPos();
    // The payload must fit in the frame: this needs only the header, whatever avail is.
    if (<u64>start + (<u64>slotLength << 3) > <u64>total << 3) return FrameParse.NotHeader;
    if (chunked) {
      reason = LatmReason.Chunks;
    } else {
      payloadBit = start;
      payloadSize = slotLength;
    }
  }
  if (useSameStreamMux == 0) {
    if (parsed == Parsed.Ok) {
      seek(ascStart);
      copyBits(rec + <u32>Cfg.Asc, field(rec, Cfg.AscBits));
    }
    commit(rec);
  }
  latmHasConfig = state != ConfigState.None;
  latmUnsupported = state == ConfigState.Unsupported || reason != LatmReason.None;
  latmUnsupportedReason = reason;
  const ready = state == ConfigState.Ready;
  setFrame(
    total,
    0,
    ready ? field(rec, Cfg.FrameSamples) : 1024,
    ready ? field(rec, Cfg.SampleRate) : 0,
    ready ? field(rec, Cfg.Channels) : 0,
  );
  return FrameParse.Header;
}

/** Bytes of the AAC payload (raw_data_block) of the last frame answered Header; 0 when it has none. */
export function latmPayloadSize(): u32 {
  return payloadSize;
}

/** Bit offset of that payload from the start of its frame. */
export function latmPayloadBit(): u32 {
  return payloadBit;
}

/**
 * Copies the payload of the last frame answered Header to dst (latmPayloadSize bytes). The frame's
 * bytes must still be where parseLatmFrame read them. The payload fits in the frame (checked
 * there), so with a bit shift the one byte read beyond the payload is still inside the frame.
 */
export function latmCopyPayload(dst: u32): void {
  const n = payloadSize;
  const src = framePtr + (payloadBit >> 3);
  const shift = payloadBit & 7;
  if (shift == 0) {
    memory.copy(dst, src, n);
    return;
  }
  const back = 8 - shift;
  let i: u32 = 0;
  // Four bytes at a time from five source bytes, then the rest one by one.
  while (i + 4 <= n) {
    const word = (bswap<u32>(load<u32>(src + i)) << shift) | (<u32>load<u8>(src + i + 4) >> back);
    store<u32>(dst + i, bswap<u32>(word));
    i += 4;
  }
  while (i < n) {
    store<u8>(dst + i, <u8>((<u32>load<u8>(src + i) << shift) | (<u32>load<u8>(src + i + 1) >> back)));
    i++;
  }
}

/** Keeps the current configuration as track `slot`'s. */
export function latmSaveConfig(slot: i32): void {
  const from = currentRecord();
  memory.copy(slotRecord(slot), from, recordLength(from));
}

/** Makes track `slot`'s configuration the current one (none after latmClearConfig). */
export function latmLoadConfig(slot: i32): void {
  const from = slotRecord(slot);
  memory.copy(currentRecord(), from, recordLength(from));
}

/** Forgets track `slot`'s configuration (a new stream on that slot). */
export function latmClearConfig(slot: i32): void {
  memory.fill(slotRecord(slot), 0, <u32>Cfg.Asc);
}

/** How many different configurations the current record has seen: a change mid-stream bumps it. */
export function latmConfigGeneration(): u32 {
  return field(currentRecord(), Cfg.Generation);
}

/** The current configuration's extensionSamplingFrequency (the SBR output rate), 0 without explicit SBR. */
export function latmExtensionRate(): u32 {
  return field(currentRecord(), Cfg.ExtensionRate);
}

/**
 * Stores the current configuration in the track info record and its AudioSpecificConfig at
 * configBase(slot) (Info.ConfigLength bytes). The timescale is the core rate: an explicit SBR
 * stream keeps its 1024-sample frames at the core rate and the decoder doubles it from the ASC.
 * Returns false without a configuration, or with one that cannot be carried; call it right after
 * parseLatmFrame answered Header for this track (latmUnsupported is about that frame).
 */
export function configureLatm(slot: i32): bool {
  const rec = currentRecord();
  if (field(rec, Cfg.State) != ConfigState.Ready || latmUnsupported) return false;
  const bytes = (field(rec, Cfg.AscBits) + 7) >> 3;
  memory.copy(configBase(slot), rec + <u32>Cfg.Asc, bytes);
  setInfoU32(slot, Info.Profile, field(rec, Cfg.ObjectType));
  setInfoU32(slot, Info.SampleRate, field(rec, Cfg.SampleRate));
  setInfoU32(slot, Info.Channels, field(rec, Cfg.Channels));
  setInfoU32(slot, Info.ConfigLength, bytes);
  return true;
}

/**
 * Parses an AudioSpecificConfig that stands alone, `len` bytes at p (as Matroska's CodecPrivate of
 * A_AAC carries it, or one built by aac.ts), with the same parser as the StreamMuxConfig's: its
 * length is known, so a backward-compatible SBR/PS extension after the core configuration is found
 * too (1.6.2.1 bits_to_decode()). True when it is a configuration MP4 can carry; the fields are then
 * read with ascObjectType() and the others below until the next parse. Reads only [p, p + len), and
 * leaves the LATM frame state alone (a frame parsed before can still be copied with latmCopyPayload).
 */
export function parseAudioSpecificConfig(p: u32, len: u32): bool {
  if (len == 0 || len > ASC_CAPACITY) return false;
  const savedPtr = framePtr;
  const savedBytes = frameBytes;
  const savedStart = ascStart;
  framePtr = p;
  frameBytes = len;
  brInit(p, len);
  skippedPast = false;
  ascStart = 0;
  const rec = parsedRecord();
  memory.fill(rec, 0, <u32>Cfg.Asc);
  const parsed = audioSpecificConfig(rec, <i64>len << 3);
  const ok = parsed == Parsed.Ok && !truncated();
  framePtr = savedPtr;
  frameBytes = savedBytes;
  ascStart = savedStart;
  return ok;
}

/** After parseAudioSpecificConfig: the audioObjectType signalled first (5 or 29 for explicit SBR/PS). */
export function ascObjectType(): u32 {
  return field(parsedRecord(), Cfg.ObjectType);
}

/** After parseAudioSpecificConfig: the core samplingFrequency, Hz. */
export function ascCoreRate(): u32 {
  return field(parsedRecord(), Cfg.SampleRate);
}

/** After parseAudioSpecificConfig: the SBR output rate (explicit or backward-compatible signalling), 0 without SBR. */
export function ascExtensionRate(): u32 {
  return field(parsedRecord(), Cfg.ExtensionRate);
}

/** After parseAudioSpecificConfig: output channels (the channelConfiguration mapped, a PCE counted, PS made stereo). */
export function ascChannels(): u32 {
  return field(parsedRecord(), Cfg.Channels);
}

/** After parseAudioSpecificConfig: core samples per frame, 1024 or 960 (frameLengthFlag). */
export function ascFrameSamples(): u32 {
  return field(parsedRecord(), Cfg.FrameSamples);
}

/** Bytes of an expandable descriptor size field (14496-1 8.3.3) for `size`. */
function sizeFieldLength(size: u32): u32 {
  return size < 0x80 ? 1 : size < 0x4000 ? 2 : size < 0x200000 ? 3 : 4;
}

/** Writes a descriptor tag and its expandable size (14496-1 8.3.3): 7 bits per byte, high bit = more follow. */
function descriptor(tag: u32, size: u32): void {
  w8(tag);
  for (let i = sizeFieldLength(size) - 1; i > 0; i--) w8(0x80 | ((size >> (7 * i)) & 0x7f));
  w8(size & 0x7f);
}

/** Elementary Stream Descriptor Box 'esds' (14496-14 5.6) carrying ES_Descriptor (14496-1 7.2.6.5). */
function esds(trackId: u32, asc: u32, ascLength: u32): void {
  const box = fullBoxStart(Fourcc.esds, 0, 0);
  const decSpecific: u32 = 1 + sizeFieldLength(ascLength) + ascLength;
  const decConfig: u32 = 13 + decSpecific;
  const slConfig: u32 = 2 + 1;
  descriptor(0x03, 3 + 1 + sizeFieldLength(decConfig) + decConfig + slConfig); // ES_DescrTag
  w16(trackId); // ES_ID
  w8(0); // streamDependenceFlag, URL_Flag, OCRstreamFlag, streamPriority
  descriptor(0x04, decConfig); // DecoderConfigDescrTag
  w8(0x40); // objectTypeIndication: Audio ISO/IEC 14496-3
  w8((0x05 << 2) | 1); // streamType = AudioStream, upStream = 0, reserved = 1
  w24(0); // bufferSizeDB
  w32(0); // maxBitrate
  w32(0); // avgBitrate
  descriptor(0x05, ascLength); // DecSpecificInfoTag
  wBytes(asc, ascLength); // AudioSpecificConfig (14496-3 1.6.2.1) exactly as the StreamMuxConfig carried it
  descriptor(0x06, 1); // SLConfigDescrTag
  w8(0x02); // predefined: reserved for use in MP4 files
  boxEnd(box);
}

/** MPEG-4 audio sample entry 'mp4a' (14496-14 5.6; AudioSampleEntry 14496-12 12.2.3) of a track set up by configureLatm. */
export function latmSampleEntry(slot: i32, trackId: u32): void {
  const sampleRate = infoU32(slot, Info.SampleRate);
  const channels = infoU32(slot, Info.Channels);
  const box = boxStart(Fourcc.mp4a);
  wZeros(6); // reserved
  w16(1); // data_reference_index
  w32(0); // reserved[2]
  w32(0);
  w16(channels == 0 ? 2 : channels); // channelcount
  w16(16); // samplesize
  w16(0); // pre_defined
  w16(0); // reserved
  // samplerate 16.16: Info.SampleRate, the core rate from configureLatm, the output rate from aac.ts
  // configureAacFromConfig (which shares this entry)
  w32((sampleRate < 65536 ? sampleRate : 0) << 16);
  esds(trackId, configBase(slot), infoU32(slot, Info.ConfigLength));
  boxEnd(box);
}
