/**
 * Stable error and warning codes, mirrored from wasm/codes.ts (test/node/codes.test.ts keeps the two
 * in step). Users match on the number or the name; neither is ever reused for something else.
 */
export const ErrorCodes = {
  /** Bytes between TS packets that are not packets were skipped; detail = bytes skipped. */
  SYNC_LOST: 101,
  /** A continuity-counter gap; the access unit it hit was dropped; detail = PID. */
  CONTINUITY_ERROR: 102,
  /** A packet flagged with transport_error_indicator; its access unit was dropped; detail = PID. */
  TRANSPORT_ERROR: 103,
  /** A PES header that does not parse; its access unit was dropped. */
  PES_INVALID: 104,
  /** Video before the first decodable keyframe was dropped; detail = frames. */
  DROPPED_BEFORE_KEYFRAME: 105,
  /** An elementary stream this build cannot output was skipped; detail = stream_type. */
  TRACK_UNSUPPORTED: 106,
  /** Bytes in an audio stream that are not frames of its codec were skipped; detail = bytes. */
  ADTS_SYNC_LOST: 107,
  /** The input ended inside a packet; detail = bytes of the partial packet. */
  TRUNCATED_INPUT: 108,
  /** An access unit larger than the reassembly buffer was dropped. */
  PES_OVERFLOW: 109,
  /** A jump in a track's timestamps; detail = jump in milliseconds. */
  TIMESTAMP_JUMP: 110,
  /** A declared track never delivered a decodable frame and was left out. */
  TRACK_NO_DATA: 111,
  /** A PES without a PTS; its timing was derived from the previous frame. */
  MISSING_TIMESTAMP: 112,
  /** A further video or audio track was not output (one video and three audio tracks at most). */
  EXTRA_TRACK_SKIPPED: 113,
  /** The last access unit was cut short by the end of input and dropped. */
  INCOMPLETE_ACCESS_UNIT: 114,
  /** A PAT/PMT section with a bad CRC or length was ignored. */
  PSI_INVALID: 115,
  /**
   * A new version of the played program's PMT arrived and was applied: streams it still lists go on, a replaced
   * stream's track continues with a new init segment; detail = the new version_number.
   */
  PMT_CHANGED: 116,
  /**
   * New parameter sets mid-stream that get no init segment of their own: away from a keyframe (detail 0: the first
   * ones are kept) or in muxed output (detail 1: they travel in-band). At a keyframe in per-track output a new init
   * segment follows instead, and no warning.
   */
  PARAMETER_SET_CHANGED: 117,
  /** A timed metadata record (ID3 tag, SCTE-35 section) was incomplete or did not fit, and was dropped; detail = bytes. */
  METADATA_DROPPED: 118,
  /**
   * Audio frames were lost (a gap of at least one frame in an audio track's timeline, up to a second): silent frames
   * of the track's codec took their place, so the later frames keep their times; detail = silent frames inserted,
   * time = the media time of the audio PES being read (for a gap found at a PES start, as usual: where the gap ends).
   * AC-3/E-AC-3 gaps, gaps under one frame and HE-AAC with signalled SBR/PS are bridged by the frame before them
   * instead, and reported as TIMESTAMP_JUMP (detail = the gap in milliseconds).
   */
  AUDIO_GAP_FILLED: 119,
  /** WebM/Matroska: a damaged EBML element (an ID or size that cannot be, or one overflowing its parent); parsing went on at the next block or Cluster that checks out; detail = bytes skipped. */
  ELEMENT_INVALID: 120,
  /** WebM/Matroska: a block whose header or lacing does not parse, of an undeclared track, or larger than weir buffers; dropped; detail = its size. */
  BLOCK_INVALID: 121,
  /** WebM/Matroska: a track whose codec weir cannot write into MP4 (VP8, Vorbis, PCM, DTS, an encoded track) was left out; detail = codec id (0: a CodecID weir does not know). */
  CODEC_NOT_IN_MP4: 122,
  /** No MPEG-TS packet structure was found in the input. */
  NOT_MPEG_TS: 201,
  /** The input is a container weir does not demux (e.g. an MP4 file, `ftyp` first). */
  UNSUPPORTED_CONTAINER: 202,
  /** The input ended without any track weir can output. */
  NO_PLAYABLE_TRACKS: 203,
  /** The input ended before any byte arrived. */
  EMPTY_INPUT: 204,
  /** An internal region overflowed (a bug: please report the stream). */
  OUTPUT_OVERFLOW: 205,
  /** The WebAssembly core stopped (trap) or an internal check failed (a bug: please report). */
  INTERNAL: 206,
  /** A WebM/Matroska stream whose EBML header or Tracks cannot be read; detail 1: not a webm/matroska DocType (or no EBML header first), 2: Tracks larger than weir reads, 3: no Tracks. */
  MATROSKA_INVALID: 207,
  /** The network request failed (status, connection). Raised by the worker's loader. */
  NETWORK_ERROR: 301,
  /** The browser cannot play the stream's codecs through MSE. Raised by the worker. */
  UNSUPPORTED_CODEC: 302,
  /** The browser rejected an append or the MediaSource failed. Raised by the worker or player. */
  MEDIA_SOURCE_ERROR: 303,
  /** The media element reported a decode error. Raised by the player. */
  DECODE_ERROR: 304,
  /** The worker stopped unexpectedly. Raised by the player. */
  WORKER_ERROR: 305,
  /** An option passed to the player or engine is invalid. */
  INVALID_OPTION: 306,
  /** A live stream's connection ended, failed or stalled; the worker reconnects (recoverable); detail = attempt. */
  RECONNECTING: 307,
  /**
   * A SourceBuffer refused an append for its quota (QuotaExceededError); the worker (or the player, in fallback mode)
   * evicts media behind the playhead and appends the same bytes again (recoverable; nothing is fetched twice).
   * Raised once per append refused. When nothing can be evicted, MEDIA_SOURCE_ERROR instead.
   */
  QUOTA_EXCEEDED: 308,
  /**
   * The playhead reached the end of a buffered range with the next one starting at most 2 s later (media missing in
   * both SourceBuffers, e.g. a WebM played through as WebM with a hole in its timestamps): the worker moved it to the
   * next range's start (recoverable); detail = the gap in seconds.
   */
  GAP_JUMPED: 309,
} as const;

/** The name of a code, e.g. `'CONTINUITY_ERROR'`. */
export type ErrorCodeName = keyof typeof ErrorCodes;
/** A code's number, e.g. 102. */
export type ErrorCode = (typeof ErrorCodes)[ErrorCodeName];

const names = new Map<number, ErrorCodeName>(
  (Object.keys(ErrorCodes) as ErrorCodeName[]).map((name) => [ErrorCodes[name], name]),
);

/** The name of a numeric code, or `UNKNOWN_<n>` for a number this build does not know. */
export function codeName(code: number): string {
  return names.get(code) ?? `UNKNOWN_${code}`;
}

/** Codes below 200 are repairs the stream survives, and so are a reconnect, a quota eviction and a gap jump; the others stop it. */
export function isFatalCode(code: number): boolean {
  return (
    code >= 200 &&
    code !== ErrorCodes.RECONNECTING &&
    code !== ErrorCodes.QUOTA_EXCEEDED &&
    code !== ErrorCodes.GAP_JUMPED
  );
}
