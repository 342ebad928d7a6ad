// Stable numeric codes shared with the host. engine/codes.ts mirrors these names and numbers, and
// test/node/codes.test.ts fails if the two ever disagree. Never renumber: users match on them.

/** Kinds of event record written to the event region (see events.ts). */
export const enum EventType {
  Track = 1, // a track became ready; its details are in the track info table
  Init = 2, // an init segment was written to the output region
  Fragment = 3, // a moof+mdat was written to the output region
  Warning = 4, // a recoverable problem that was repaired or skipped
  Error = 5, // a problem that stops the stream
  Metadata = 6, // timed metadata (code = MetadataKind) copied to the output region
}

/** Kinds of timed metadata (the code of a Metadata event). */
export const enum MetadataKind {
  Id3 = 1, // an ID3v2 tag from a PES of stream_type 0x15 (timed ID3, as HLS carries it)
  Scte35 = 2, // a splice_info_section (SCTE 35) from a PID of stream_type 0x86
  Captions = 3, // CEA-608/708 cc_data triplets from an H.264/HEVC SEI (ATSC A/53), time = the picture's PTS
}

/** Recoverable problems (severity "recoverable"): counted and reported, the stream goes on. */
export const enum Warn {
  SyncLost = 101, // bytes between TS packets that are not packets; detail = bytes skipped
  ContinuityError = 102, // a continuity-counter gap: the access unit it hit was dropped
  TransportError = 103, // transport_error_indicator set: the access unit it hit was dropped
  PesInvalid = 104, // a PES header that does not parse: its access unit was dropped
  DroppedBeforeKeyframe = 105, // video before the first decodable keyframe; detail = frames
  TrackUnsupported = 106, // an elementary stream weir cannot output yet; detail = stream_type
  AdtsSyncLost = 107, // bytes inside an AAC stream that are not ADTS frames; detail = bytes
  TruncatedInput = 108, // the input ends inside a packet; detail = bytes of the partial packet
  PesOverflow = 109, // an access unit larger than the reassembly buffer; it was dropped
  TimestampJump = 110, // a timestamp jump in a track; detail = jump in milliseconds
  TrackNoData = 111, // a declared track never delivered a decodable frame and was left out
  MissingTimestamp = 112, // a PES without a PTS; timing was derived from the previous frame
  ExtraTrackSkipped = 113, // a second video track or a further audio track was not output
  IncompleteAccessUnit = 114, // the last access unit was cut short by the end of input; dropped
  PsiInvalid = 115, // a PAT/PMT section with a bad CRC or length; it was ignored
  PmtChanged = 116, // a new PMT version; this build keeps the first one
  ParameterSetChanged = 117, // new parameter sets without an init segment of their own; detail 0: first kept, 1: in-band
  MetadataDropped = 118, // a timed metadata record that did not fit (before output started) or did not parse
  AudioGapFilled = 119, // frames lost in an audio track were replaced by silent frames; detail = frames inserted
  ElementInvalid = 120, // Matroska: a damaged EBML element (bad ID or size); skipped to the next block or Cluster; detail = bytes skipped
  BlockInvalid = 121, // Matroska: a block whose header or lacing does not parse, or too large; dropped; detail = its size
  CodecNotInMp4 = 122, // Matroska: a track whose codec weir cannot write into MP4 (VP8, Vorbis, PCM...); detail = Codec (0: unknown CodecID)
}

/** Problems that stop the stream (severity "fatal"). */
export const enum Fatal {
  NotMpegTs = 201, // no MPEG-TS packet structure found in the input (and no EBML header)
  UnsupportedContainer = 202, // a container this build cannot demux (e.g. WebM/Matroska)
  NoPlayableTracks = 203, // the input ended without any track weir can output
  EmptyInput = 204, // the input ended before any byte arrived
  OutputOverflow = 205, // an internal region overflowed (a bug: please report the stream)
  Internal = 206, // an internal check failed (a bug: please report the stream)
  MatroskaInvalid = 207, // a WebM/Matroska stream whose EBML header or Tracks cannot be read; detail: 1 DocType, 2 Tracks too large, 3 no Tracks
}

/** Values of the kind field of a track. */
export const enum TrackKind {
  None = 0,
  Video = 1,
  Audio = 2,
}

/** Values of the codec field of a track. */
export const enum Codec {
  None = 0,
  H264 = 1,
  Aac = 2,
  Hevc = 3,
  Mp3 = 4, // MPEG-1/2 audio layer III
  Mp2 = 5, // MPEG-1/2 audio layers I and II
  Ac3 = 6,
  Eac3 = 7,
  Opus = 8,
  AacLatm = 9, // AAC in LATM/LOAS (stream_type 0x11); the same MP4 output as AAC
  Vp9 = 10, // VP9 (Matroska V_VP9): vp09 sample entry with vpcC
  Av1 = 11, // AV1 (Matroska V_AV1): av01 sample entry with av1C
  Flac = 12, // FLAC (Matroska A_FLAC): fLaC sample entry with dfLa
  Vp8 = 13, // VP8 (Matroska V_VP8): no MP4 binding that browsers take; WebM passthrough
  Vorbis = 14, // Vorbis (Matroska A_VORBIS): no MP4 binding that browsers take; WebM passthrough
}

/** Result of init(), push() and flush(). */
export const enum Status {
  Ok = 0,
  Fatal = 1, // a fatal error event was written; the instance needs reset()
  EventsLost = 2, // the event region overflowed (a bug); the instance needs reset()
}
