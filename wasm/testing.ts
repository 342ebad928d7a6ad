// Test entry point (build target "test" → build/weir.test.wasm): the production ABI plus direct
// access to the bit reader, the SPS and ADTS parsers and the box writer, so test/node can unit-test
// them with golden values. Never shipped.

export * from './index';
import { SCRATCH_BASE, trackInfoBase } from './layout';
import { bitPos, brInit, overrun, readBits, readSE, readUE, skipBits } from './util/bitreader';
import { parseSps } from './codecs/h264';
import { adtsChannels, adtsFrameLength, adtsHeaderLength, adtsObjectType, adtsSampleRate, parseAdts } from './codecs/aac';
import { findStartCode } from './util/startcode';
import { unescapeRbsp } from './util/bytes';
import { readTimestamp, resetClock, unwrap } from './mpegts/clock';
import { crc32mpeg } from './util/crc32';
import { Codec } from './codes';
import { frameChannels, frameLength, frameRate, frameSamples, frameSkip } from './codecs/frame';
import { ac3Enhanced, ac3SampleEntry, configureAc3, configureEac3, eac3SampleEntry, parseAc3Frame } from './codecs/ac3';
import { ac3Silence } from './codecs/ac3-silence';
import { configureMpa, mpaLayer, mpaSampleEntry, mpaVersion, parseMpaFrame } from './codecs/mpa';
import { configureOpus, opusEndTrim, opusSampleEntry, opusStartTrim, parseOpusFrame } from './codecs/opus';
import { outputLength as outputWritten, outputReset } from './mp4/writer';

/** A scratch area tests write their input bytes to (64 KiB, inside the input region). */
export function testScratch(): u32 {
  return INPUT_BASE;
}
export function testBrInit(ptr: u32, len: u32): void {
  brInit(ptr, len);
}
export function testReadBits(n: u32): u32 {
  return readBits(n);
}
export function testReadUE(): u32 {
  return readUE();
}
export function testReadSE(): i32 {
  return readSE();
}
export function testSkipBits(n: u32): void {
  skipBits(n);
}
export function testBitPos(): u32 {
  return bitPos();
}
export function testOverrun(): bool {
  return overrun;
}
/** Parses an SPS NAL unit (header byte included) into track slot 0's info record; 1 = ok. */
export function testParseSps(ptr: u32, len: u32): i32 {
  return parseSps(0, ptr, len) ? 1 : 0;
}
export function testTrackInfo(slot: i32): u32 {
  return trackInfoBase(slot);
}
/** Parses an ADTS header; returns the frame length or 0, and exposes the fields. */
export function testParseAdts(ptr: u32): u32 {
  return parseAdts(ptr) ? adtsFrameLength : 0;
}
export function testAdtsHeaderLength(): u32 {
  return adtsHeaderLength;
}
export function testAdtsObjectType(): u32 {
  return adtsObjectType;
}
export function testAdtsSampleRate(): u32 {
  return adtsSampleRate();
}
export function testAdtsChannels(): u32 {
  return adtsChannels;
}
export function testFindStartCode(ptr: u32, end: u32): u32 {
  return findStartCode(ptr, end);
}
export function testUnescape(src: u32, len: u32, dst: u32): u32 {
  return unescapeRbsp(src, len, dst, 0x10000);
}
export function testResetClock(): void {
  resetClock();
}
/** Unwraps a 33-bit timestamp given as f64 (exact below 2^53); returns f64. */
export function testUnwrap(ts: f64): f64 {
  return <f64>unwrap(<i64>ts);
}
export function testReadTimestamp(ptr: u32): f64 {
  return <f64>readTimestamp(ptr);
}
export function testCrc32(ptr: u32, len: u32): u32 {
  return crc32mpeg(ptr, len);
}

// Audio frame parsers (codecs/ac3.ts, mpa.ts, opus.ts)

/** Runs the frame parser of `codecId` (a Codec; Ac3/Eac3 and Mp2/Mp3 share one) at ptr; returns its FrameParse. */
export function testParseAudioFrame(codecId: i32, ptr: u32, avail: u32): i32 {
  if (codecId == Codec.Ac3 || codecId == Codec.Eac3) return parseAc3Frame(ptr, avail);
  if (codecId == Codec.Mp2 || codecId == Codec.Mp3) return parseMpaFrame(ptr, avail);
  if (codecId == Codec.Opus) return parseOpusFrame(ptr, avail);
  return -1;
}
export function testFrameLength(): u32 {
  return frameLength;
}
export function testFrameSkip(): u32 {
  return frameSkip;
}
export function testFrameSamples(): u32 {
  return frameSamples;
}
export function testFrameRate(): u32 {
  return frameRate;
}
export function testFrameChannels(): u32 {
  return frameChannels;
}
export function testAc3Enhanced(): bool {
  return ac3Enhanced;
}
/** Writes at out the silent sync frame for the AC-3/E-AC-3 frame at ptr (codecs/ac3-silence.ts); its length, or 0. */
export function testAc3Silence(ptr: u32, out: u32): u32 {
  return ac3Silence(ptr, out);
}
export function testMpaLayer(): u32 {
  return mpaLayer();
}
export function testMpaVersion(): u32 {
  return mpaVersion();
}
export function testOpusStartTrim(): u32 {
  return opusStartTrim;
}
export function testOpusEndTrim(): u32 {
  return opusEndTrim;
}
/** Configures track `slot` as `codecId` from the last parsed frame (Opus: with channelConfigCode); 1 = ok. */
export function testConfigureAudio(codecId: i32, slot: i32, channelConfigCode: u32): i32 {
  if (codecId == Codec.Ac3) return configureAc3(slot) ? 1 : 0;
  if (codecId == Codec.Eac3) return configureEac3(slot) ? 1 : 0;
  if (codecId == Codec.Mp2 || codecId == Codec.Mp3) {
    configureMpa(slot);
    return 1;
  }
  if (codecId == Codec.Opus) return configureOpus(slot, channelConfigCode) ? 1 : 0;
  return 0;
}
/** Writes the sample entry of a configured track at the start of the output region; returns its length. */
export function testAudioSampleEntry(codecId: i32, slot: i32, trackId: u32): u32 {
  outputReset();
  if (codecId == Codec.Ac3) ac3SampleEntry(slot);
  else if (codecId == Codec.Eac3) eac3SampleEntry(slot);
  else if (codecId == Codec.Mp2 || codecId == Codec.Mp3) mpaSampleEntry(slot, trackId);
  else if (codecId == Codec.Opus) opusSampleEntry(slot);
  return outputWritten();
}

// LATM (codecs/latm.ts)
import {
  configureLatm,
  latmClearConfig,
  latmConfigGeneration,
  latmCopyPayload,
  latmExtensionRate,
  latmHasConfig,
  latmLoadConfig,
  latmPayloadBit,
  latmPayloadSize,
  latmSampleEntry,
  latmSaveConfig,
  latmUnsupported,
  latmUnsupportedReason,
  parseLatmFrame,
} from './codecs/latm';
import { configBase } from './layout';
import { outputLength as writtenLength, outputReset as resetOutput } from './mp4/writer';

/** parseLatmFrame: a FrameParse value (0 NotHeader, 1 Header, 2 NeedMore). */
export function testLatmParse(ptr: u32, avail: u32): i32 {
  return parseLatmFrame(ptr, avail);
}
/* The frame fields of codecs/frame.ts: testFrameLength etc. above. */
export function testLatmHasConfig(): bool {
  return latmHasConfig;
}
export function testLatmUnsupported(): bool {
  return latmUnsupported;
}
export function testLatmUnsupportedReason(): u32 {
  return latmUnsupportedReason;
}
export function testLatmPayloadSize(): u32 {
  return latmPayloadSize();
}
export function testLatmPayloadBit(): u32 {
  return latmPayloadBit();
}
export function testLatmCopyPayload(dst: u32): void {
  latmCopyPayload(dst);
}
export function testLatmSave(slot: i32): void {
  latmSaveConfig(slot);
}
export function testLatmLoad(slot: i32): void {
  latmLoadConfig(slot);
}
export function testLatmClear(slot: i32): void {
  latmClearConfig(slot);
}
export function testLatmGeneration(): u32 {
  return latmConfigGeneration();
}
export function testLatmExtensionRate(): u32 {
  return latmExtensionRate();
}
export function testConfigureLatm(slot: i32): bool {
  return configureLatm(slot);
}
export function testConfigBase(slot: i32): u32 {
  return configBase(slot);
}
/** Writes the mp4a sample entry of a slot set up by configureLatm at the output start; returns its length. */
export function testLatmSampleEntry(slot: i32, trackId: u32): u32 {
  resetOutput();
  latmSampleEntry(slot, trackId);
  return writtenLength();
}

// Codec configuration from Matroska CodecPrivate (codecs/aac.ts, opus.ts, flac.ts, h264.ts, hevc.ts)
import { aacFrameSamples, configureAacFromCodecId, configureAacFromConfig } from './codecs/aac';
import { configureOpusFromHead, opusPacketSamples } from './codecs/opus';
import { configureFlac, flacFrameSamples } from './codecs/flac';
import { avcLengthSize, configureAvcFromRecord } from './codecs/h264';
import { configureHevcFromRecord, hevcLengthSize } from './codecs/hevc';
import { clearTrack, codec as trackCodec, kind as trackKind, timescale as trackTimescale } from './remux/track';
import { writeInit } from './mp4/init';

export function testConfigureAacFromConfig(slot: i32, ptr: u32, len: u32): bool {
  return configureAacFromConfig(slot, ptr, len);
}
export function testConfigureAacFromCodecId(slot: i32, profile: u32, rate: u32, channels: u32, outputRate: u32): bool {
  return configureAacFromCodecId(slot, profile, rate, channels, outputRate);
}
export function testAacFrameSamples(slot: i32): u32 {
  return aacFrameSamples(slot);
}
export function testConfigureOpusFromHead(slot: i32, ptr: u32, len: u32): bool {
  return configureOpusFromHead(slot, ptr, len);
}
export function testOpusPacketSamples(ptr: u32, len: u32): u32 {
  return opusPacketSamples(ptr, len);
}
export function testConfigureFlac(slot: i32, ptr: u32, len: u32): bool {
  return configureFlac(slot, ptr, len);
}
export function testFlacFrameSamples(ptr: u32, len: u32): u32 {
  return flacFrameSamples(ptr, len);
}
export function testConfigureAvcFromRecord(slot: i32, ptr: u32, len: u32): bool {
  return configureAvcFromRecord(slot, ptr, len);
}
export function testAvcLengthSize(slot: i32): u32 {
  return avcLengthSize(slot);
}
export function testConfigureHevcFromRecord(slot: i32, ptr: u32, len: u32): bool {
  return configureHevcFromRecord(slot, ptr, len);
}
export function testHevcLengthSize(slot: i32): u32 {
  return hevcLengthSize(slot);
}
/** Empties a track slot (every info field 0) and gives it a kind (TrackKind), codec (Codec) and timescale. */
export function testSetTrack(slot: i32, kindId: i32, codecId: i32, scale: u32): void {
  clearTrack(slot);
  unchecked((trackKind[slot] = kindId));
  unchecked((trackCodec[slot] = codecId));
  unchecked((trackTimescale[slot] = scale));
}
/** Writes the init segment (ftyp + moov) of the slots in `mask` at the output start; returns its length. */
export function testWriteInit(mask: u32): u32 {
  resetOutput();
  writeInit(mask);
  return writtenLength();
}
// VP9 and AV1 configuration (codecs/vp9.ts, codecs/av1.ts)
import { configureVp9, vp09 } from './codecs/vp9';
import { av01, configureAv1 } from './codecs/av1';
import { TrackKind } from './codes';

/** configureVp9 on track `slot` (CodecPrivate at priv, keyframe at frame); 1 = ok. */
export function testConfigureVp9(slot: i32, priv: u32, privLen: u32, frame: u32, frameLen: u32): i32 {
  return configureVp9(slot, priv, privLen, frame, frameLen) ? 1 : 0;
}
/** configureAv1 on track `slot` (CodecPrivate at priv, keyframe at frame); 1 = ok. */
export function testConfigureAv1(slot: i32, priv: u32, privLen: u32, frame: u32, frameLen: u32): i32 {
  return configureAv1(slot, priv, privLen, frame, frameLen) ? 1 : 0;
}
/** Writes the vp09 (codecId Vp9) or av01 (Av1) sample entry of a configured track at the output start; returns its length. */
export function testVideoSampleEntry(codecId: i32, slot: i32): u32 {
  resetOutput();
  if (codecId == Codec.Vp9) vp09(slot);
  else if (codecId == Codec.Av1) av01(slot);
  return writtenLength();
}
/**
 * Writes the init segment (ftyp + moov) of track `slot`, configured as video of `codecId` with a 90 kHz
 * timescale, at the output start; returns its length.
 */
export function testVideoInit(codecId: i32, slot: i32): u32 {
  unchecked((trackKind[slot] = TrackKind.Video));
  unchecked((trackCodec[slot] = codecId));
  unchecked((trackTimescale[slot] = 90000));
  resetOutput();
  writeInit(1 << slot);
  return writtenLength();
}
