/**
 * Track descriptions read from the core's track info table (layout: wasm/remux/track.ts `Info`),
 * and the RFC 6381 codec strings built from the real codec configuration.
 */

/** Offsets of the track info record fields (wasm/remux/track.ts `Info`). */
export const TrackInfoField = {
  Kind: 0,
  Codec: 4,
  Pid: 8,
  StreamType: 12,
  Timescale: 16,
  Width: 20,
  Height: 24,
  SarNum: 28,
  SarDen: 32,
  Profile: 36,
  Compat: 40,
  Level: 44,
  SampleRate: 48,
  Channels: 52,
  Samples: 56,
  Dropped: 60,
  TrackId: 64,
  BitDepth: 68,
  ChromaFormat: 72,
  FrameRateNum: 76,
  FrameRateDen: 80,
  State: 84,
  FirstDts: 88,
  EndTime: 96,
  MinPts: 104,
  MaxPtsEnd: 112,
  SourceStart: 120,
  Bytes: 128,
  Language: 136,
  ProfileSpace: 140,
  Tier: 144,
  CompatFlags: 148,
  ConstraintHi: 152,
  ConstraintLo: 156,
  ConfigLength: 160,
  AudioIndex: 164,
  Default: 168,
  Raw: 172,
  ColourPrimaries: 176,
  TransferCharacteristics: 180,
  MatrixCoefficients: 184,
  FullRange: 188,
  ChromaPosition: 192,
  ConfigRecord: 200,
  FrameSamples: 204,
  EditMediaTime: 208,
} as const;
const Info = TrackInfoField;

/** What a track carries. */
export type TrackKind = 'video' | 'audio';
/** The codec of a track, by weir's short name (its RFC 6381 string is TrackInfo.codecString). */
export type CodecName =
  | 'h264'
  | 'hevc'
  | 'vp9'
  | 'av1'
  | 'vp8'
  | 'aac'
  | 'mp3'
  | 'mp2'
  | 'ac3'
  | 'eac3'
  | 'opus'
  | 'vorbis'
  | 'flac';

/** Codec ids of the track info record (wasm/codes.ts `Codec`). */
export const CODEC_NAMES: Record<number, CodecName> = {
  1: 'h264',
  2: 'aac',
  3: 'hevc',
  4: 'mp3',
  5: 'mp2',
  6: 'ac3',
  7: 'eac3',
  8: 'opus',
  9: 'aac', // in LATM (stream_type 0x11); written to MP4 exactly as AAC from ADTS
  10: 'vp9',
  11: 'av1',
  12: 'flac',
  13: 'vp8',
  14: 'vorbis',
};

/** One output track: its codec configuration and what has been written of it so far. */
export interface TrackInfo {
  /** MP4 track_ID in the output. */
  id: number;
  /** Video or audio. */
  kind: TrackKind;
  /** The codec, by weir's short name. */
  codec: CodecName;
  /** RFC 6381 codec string, e.g. `avc1.64001f` or `mp4a.40.2`. */
  codecString: string;
  /** MIME type for MediaSource.addSourceBuffer, e.g. `video/mp4; codecs="avc1.64001f"`. */
  mimeType: string;
  /** MPEG-TS: the elementary PID the track came from (WebM/Matroska: its TrackNumber). */
  pid: number;
  /** MPEG-TS: the PMT's stream_type of the track (0 for WebM/Matroska). */
  streamType: number;
  /** Output timescale (90000 for video, the sample rate for audio). */
  timescale: number;
  /** Video: cropped coded width in pixels. */
  width?: number;
  /** Video: cropped coded height in pixels. */
  height?: number;
  /** Video: sample (pixel) aspect ratio, horizontal and vertical. */
  sampleAspectRatio?: [number, number];
  /** Video: frames per second, when the stream says. */
  frameRate?: number;
  /** Video: bits per luma sample (8, 10...). */
  bitDepth?: number;
  /** Audio: sample rate in Hz, from the codec configuration. */
  sampleRate?: number;
  /** Audio: channels, from the codec configuration. */
  channels?: number;
  /** Audio: ISO 639-2 language from the PMT or TrackEntry (`und` when it says none). */
  language?: string;
  /** Audio: the track's place among the audio tracks (0 first), as EngineOptions.audioTrack counts them. */
  audioIndex?: number;
  /** Samples written to fragments so far. */
  samples: number;
  /** Sample bytes written to fragments so far. */
  bytes: number;
  /** Access units dropped so far (damage, before the first keyframe). */
  dropped: number;
  /** Output timeline, seconds: the first sample's decode time. */
  firstDecodeTime: number;
  /** Output timeline, seconds: the last sample's decode time plus its duration. */
  endTime: number;
  /** Output timeline, seconds: the earliest presentation time written. */
  firstPresentationTime: number;
  /** Output timeline, seconds: the latest presentation time plus duration written. */
  lastPresentationEnd: number;
  /** Source clock (unwrapped PTS of the first sample written), seconds. */
  sourceStartTime: number;
}

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** RFC 6381 codec string of an H.264 track: avc1.PPCCLL (ISO/IEC 14496-15 E.3). */
export function avcCodecString(profile: number, constraints: number, level: number): string {
  return `avc1.${hex2(profile)}${hex2(constraints)}${hex2(level)}`;
}

/** RFC 6381 codec string of an AAC track: `mp4a.40.<audioObjectType>` (RFC 6381 3.3). */
export function aacCodecString(objectType: number): string {
  return `mp4a.40.${objectType}`;
}

/**
 * RFC 6381 codec string of an HEVC track (ISO/IEC 14496-15 E.3): `hvc1.<space><profile>.<compat>.<tier><level>`
 * `[.<constraint byte>...]`, the compatibility flags bit-reversed in hex, trailing zero constraint bytes left out.
 */
export function hevcCodecString(
  profileSpace: number,
  profile: number,
  compatFlags: number,
  tier: number,
  level: number,
  constraints: number[],
): string {
  let reversed = 0;
  for (let i = 0; i < 32; i++) if (compatFlags & (1 << i)) reversed |= 1 << (31 - i);
  const bytes = [...constraints];
  while (bytes.length && bytes[bytes.length - 1] === 0) bytes.pop();
  const space = ['', 'A', 'B', 'C'][profileSpace] ?? '';
  const tail = bytes.map((b) => `.${b.toString(16).toUpperCase()}`).join('');
  return `hvc1.${space}${profile}.${(reversed >>> 0).toString(16).toUpperCase()}.${tier ? 'H' : 'L'}${level}${tail}`;
}

/** The colour description of a VP9 or AV1 track (ISO/IEC 23091-2 code points) and its chroma format. */
export interface VideoColour {
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  chromaFormat: number;
  /** 4:2:0 chroma siting as AV1 chroma_sample_position: 0 unknown, 1 vertical (left), 2 colocated (top-left). */
  chromaPosition: number;
  primaries: number;
  transfer: number;
  matrix: number;
  fullRange: number;
}

const dec2 = (n: number) => String(n).padStart(2, '0');

/** Primaries, transfer and matrix that are BT.709 (1) or unspecified (2): what the short codec strings stand for. */
function defaultColour(c: VideoColour): boolean {
  return [c.primaries, c.transfer, c.matrix].every((v) => v === 1 || v === 2) && c.fullRange === 0;
}

/**
 * Codec string of a VP9 track (VP Codec ISO Media File Format Binding, "Codecs Parameter String"):
 * vp09.PP.LL.DD, and .CC.cp.tc.mc.FF (chromaSubsampling, colourPrimaries, transferCharacteristics,
 * matrixCoefficients, videoFullRangeFlag, two digits each) only when they differ from the defaults the short
 * form implies: 4:2:0 colocated (1), BT.709 (1; unspecified, 2, is taken as the same) and limited range.
 */
export function vp9CodecString(profile: number, level: number, bitDepth: number, colour: VideoColour): string {
  const chroma = colour.chromaFormat === 1 ? (colour.chromaPosition === 1 ? 0 : 1) : colour.chromaFormat;
  const head = `vp09.${dec2(profile)}.${dec2(level)}.${dec2(bitDepth)}`;
  if (chroma === 1 && defaultColour(colour)) return head;
  const { primaries, transfer, matrix, fullRange } = colour;
  return `${head}.${[chroma, primaries, transfer, matrix, fullRange].map(dec2).join('.')}`;
}

/**
 * Codec string of an AV1 track (AV1-ISOBMFF, "Codecs Parameter String"): av01.P.LLT.DD (seq_profile,
 * seq_level_idx[0] in two digits, tier M or H, bit depth in two digits), and all of .M.CCC.cp.tc.mc.F
 * (mono_chrome, subsampling_x subsampling_y chroma_sample_position, colour in two digits, full range) only when
 * one differs from the defaults: not monochrome, 110 (4:2:0, siting unknown), BT.709 (or unspecified), limited.
 */
export function av1CodecString(
  profile: number,
  level: number,
  tier: number,
  bitDepth: number,
  colour: VideoColour,
): string {
  const head = `av01.${profile}.${dec2(level)}${tier ? 'H' : 'M'}.${dec2(bitDepth)}`;
  const mono = colour.chromaFormat === 0 ? 1 : 0;
  const x = colour.chromaFormat === 3 ? 0 : 1;
  const y = colour.chromaFormat === 2 || colour.chromaFormat === 3 ? 0 : 1;
  const position = x && y && !mono ? colour.chromaPosition : 0;
  const chroma = `${x}${y}${position}`;
  if (!mono && chroma === '110' && defaultColour(colour)) return head;
  const { primaries, transfer, matrix, fullRange } = colour;
  return `${head}.${mono}.${chroma}.${[primaries, transfer, matrix].map(dec2).join('.')}.${fullRange}`;
}

/** RFC 6381 codec string of an audio track of the given codec (objectType: AAC audioObjectType or MP4 OTI). */
export function audioCodecString(codec: CodecName, objectType: number): string {
  switch (codec) {
    case 'aac':
      return aacCodecString(objectType);
    case 'mp3':
    case 'mp2':
      // MPEG-1 audio is objectTypeIndication 0x6B, MPEG-2 (13818-3) 0x69 (14496-1 Table 5).
      return `mp4a.${objectType.toString(16).toUpperCase()}`;
    case 'ac3':
      return 'ac-3';
    case 'eac3':
      return 'ec-3';
    case 'opus':
      return 'opus';
    case 'flac':
      // The FLAC-in-ISOBMFF sample entry 'fLaC' is named 'flac' in codec strings (as Chrome and Firefox take it).
      return 'flac';
    case 'vorbis':
      return 'vorbis';
    default:
      return codec;
  }
}

/** ISO 639-2 code from the track info record (three ASCII bytes), `und` when there is none. */
function languageOf(code: number): string {
  if (!code) return 'und';
  const s = String.fromCharCode((code >> 16) & 0xff, (code >> 8) & 0xff, code & 0xff).toLowerCase();
  return /^[a-z]{3}$/.test(s) ? s : 'und';
}

/** The codec string of a video track from its info record fields (`u32` reads one). */
function videoCodecString(codec: CodecName, u32: (offset: number) => number): string {
  const colour = (): VideoColour => ({
    chromaFormat: u32(Info.ChromaFormat),
    chromaPosition: u32(Info.ChromaPosition),
    primaries: u32(Info.ColourPrimaries),
    transfer: u32(Info.TransferCharacteristics),
    matrix: u32(Info.MatrixCoefficients),
    fullRange: u32(Info.FullRange),
  });
  switch (codec) {
    case 'hevc':
      return hevcCodecString(
        u32(Info.ProfileSpace),
        u32(Info.Profile),
        u32(Info.CompatFlags),
        u32(Info.Tier),
        u32(Info.Level),
        [
          ...[24, 16, 8, 0].map((shift) => (u32(Info.ConstraintHi) >>> shift) & 0xff),
          (u32(Info.ConstraintLo) >>> 8) & 0xff,
          u32(Info.ConstraintLo) & 0xff,
        ],
      );
    case 'vp9':
      return vp9CodecString(u32(Info.Profile), u32(Info.Level), u32(Info.BitDepth), colour());
    case 'av1':
      return av1CodecString(u32(Info.Profile), u32(Info.Level), u32(Info.Tier), u32(Info.BitDepth), colour());
    case 'vp8':
      return 'vp8';
    default:
      return avcCodecString(u32(Info.Profile), u32(Info.Compat), u32(Info.Level));
  }
}

/** Reads the track in `slot` from the core's memory; undefined for an empty slot. */
export function readTrack(memory: ArrayBuffer, base: number, size: number, slot: number): TrackInfo | undefined {
  const view = new DataView(memory, base + slot * size, size);
  const u32 = (o: number) => view.getUint32(o, true);
  const f64 = (o: number) => view.getFloat64(o, true);
  const kindValue = u32(Info.Kind);
  const codecValue = u32(Info.Codec);
  if (kindValue === 0 || codecValue === 0 || u32(Info.TrackId) === 0) return undefined;
  const samples = u32(Info.Samples);
  const common = {
    id: u32(Info.TrackId),
    pid: u32(Info.Pid),
    streamType: u32(Info.StreamType),
    timescale: u32(Info.Timescale),
    samples,
    bytes: f64(Info.Bytes),
    dropped: u32(Info.Dropped),
    firstDecodeTime: samples ? f64(Info.FirstDts) : 0,
    endTime: samples ? f64(Info.EndTime) : 0,
    firstPresentationTime: samples ? f64(Info.MinPts) : 0,
    lastPresentationEnd: samples ? f64(Info.MaxPtsEnd) : 0,
    sourceStartTime: samples ? f64(Info.SourceStart) : 0,
  };
  const codec = CODEC_NAMES[codecValue];
  if (!codec) return undefined;
  if (kindValue === 1) {
    const codecString = videoCodecString(codec, u32);
    const rateNum = u32(Info.FrameRateNum);
    const rateDen = u32(Info.FrameRateDen);
    return {
      ...common,
      kind: 'video',
      codec,
      codecString,
      // VP8 has no MP4 binding browsers take: its output is WebM (DESIGN.md 3).
      mimeType: codec === 'vp8' ? `video/webm; codecs="vp8"` : `video/mp4; codecs="${codecString}"`,
      width: u32(Info.Width),
      height: u32(Info.Height),
      sampleAspectRatio: [u32(Info.SarNum), u32(Info.SarDen)],
      bitDepth: u32(Info.BitDepth),
      ...(rateNum && rateDen ? { frameRate: rateNum / rateDen } : {}),
    };
  }
  // Raw MPEG audio (Engine option mpegAudio 'raw'): an audio/mpeg byte stream, no MP4 around it.
  const raw = u32(Info.Raw) === 1;
  const codecString = raw ? 'mp3' : audioCodecString(codec, u32(Info.Profile));
  return {
    ...common,
    kind: 'audio',
    codec,
    codecString,
    // Vorbis has no MP4 binding browsers take: its output is WebM (DESIGN.md 3).
    mimeType: raw
      ? 'audio/mpeg'
      : codec === 'vorbis'
        ? `audio/webm; codecs="vorbis"`
        : `audio/mp4; codecs="${codecString}"`,
    sampleRate: u32(Info.SampleRate),
    channels: u32(Info.Channels),
    language: languageOf(u32(Info.Language)),
    audioIndex: u32(Info.AudioIndex),
  };
}
