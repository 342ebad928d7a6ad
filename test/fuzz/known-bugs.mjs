// Open bugs in wasm/ or engine/ that the fuzz harness found, each with its reproducers in regressions/ and the
// failure signatures (harness.mjs signature()) it produces. test/node/fuzz-regressions.test.ts replays those
// reproducers as it.fails; test/node/fuzz-smoke.test.ts tolerates those signatures and no others. When a bug is
// fixed, its replay tests start failing ("expected to fail"): remove its entry here, and both tests are strict again.

/** @type {{ id: string, summary: string, reproducers: string[], signatures: string[] }[]} */
export const KNOWN_BUGS = [
  {
    id: 'pusi-without-payload',
    summary:
      'A packet with payload_unit_start_indicator 1 whose adaptation field leaves no payload byte (adaptation_field_control 11, ' +
      'adaptation_field_length 183) is skipped as payload-less (demux.ts packet(): `if (!hasPayload) return` before pesPayload), ' +
      'so the PES it starts is never begun: the next packets of the PID are appended to the previous video PES, and the last NAL ' +
      'unit of that access unit runs on into the next picture (a corrupted frame, no warning).',
    reproducers: ['foreign-bytes-pusi-without-payload'],
    signatures: [
      "foreign-bytes: [] video track #: sample #: a NAL unit of # bytes (nal_unit_type #) is not in the input's video stream",
    ],
  },
  {
    id: 'adts-raw-data-blocks-hole',
    summary:
      'An ADTS frame with number_of_raw_data_blocks_in_frame > 0 is dropped (TRACK_UNSUPPORTED, detail 0xADB) but ' +
      'audio.ts emitFrame() first advances nextDts by (blocks + 1) * 1024: the next, intact frame is then dropped as an ' +
      '"overlap" (TIMESTAMP_JUMP < 0), nothing bridges the hole, the frames after it in the same fragment play early and the ' +
      "next fragment's tfdt jumps forward (2048 samples for one damaged header).",
    reproducers: ['tfdt-gap-adts-raw-data-blocks'],
    signatures: ['tfdt-gap: [] audio track #: tfdt #, previous fragment ended at # (# s)'],
  },
  {
    id: 'video-timeline-backwards',
    summary:
      'After timestamp jumps (a spliced or repeated stretch of input), video decode times can go backwards on the output: ' +
      "a fragment's tfdt lies before the end of the previous fragment (overlap) or even before its tfdt. timeline.ts retime() " +
      're-uses the program offset of an earlier jump without checking that the video still moves forward, and remuxer.ts ' +
      'beginVideoSample() keeps a sample whose DTS is not after the previous one ("keeps its own source time").',
    reproducers: ['tfdt-overlap-ts-h264-aac-start-10h-s1-c107', 'tfdt-backwards-ts-h264-video-only-s1-c246'],
    signatures: [
      'tfdt-overlap: [] video track #: tfdt #, previous fragment ended at # (# s)',
      'tfdt-backwards: [] video track #: tfdt # after #',
    ],
  },
  {
    id: 'audio-jump-rounding',
    summary:
      'After a timestamp jump, an audio track whose sample rate does not divide 90 kHz (44.1 kHz here) continues one sample ' +
      "before the end of its previous frame: the next fragment's tfdt overlaps the previous fragment by 1/44100 s. The jump " +
      'offset is kept in 90 kHz ticks and converted to the track timescale with truncation (90000 -> 44100 is not exact).',
    reproducers: ['tfdt-overlap-ts-h264-high-bframes-aac-s11-c450'],
    signatures: ['tfdt-overlap: [] audio track #: tfdt #, previous fragment ended at # (# s)'],
  },
  {
    id: 'offset-after-reset',
    summary:
      'reset() does not clear the byte offset that events carry (wasm/events.ts byteOffset): the first problem after a reset, ' +
      'reported before any packet of the new stream (EMPTY_INPUT, NOT_MPEG_TS, UNSUPPORTED_CONTAINER), names the offset of ' +
      "the previous stream's last packet.",
    reproducers: ['reuse-variance-offset-after-reset'],
    signatures: ['reuse-variance: problems (code@offset) differ from ##: after reset() [], a fresh engine []'],
  },
];

/**
 * Open bugs found by the soak (test/soak), which the fuzz checks cannot see (they need the source's media time).
 * test/node/soak-smoke.test.ts has an it.fails test for each, and leaves its damage kind out of the smoke run.
 */
export const KNOWN_SOAK_BUGS = [
  {
    id: 'video-bad-timestamp-desync',
    summary:
      'One video PES whose PTS/DTS is off by less than a second (a bit error in the field) moves the rest of the video ' +
      'against the audio for good: timeline.ts retime() takes a video DTS that goes back as a jump and re-bases the video ' +
      'track alone (the audio has no jump to share), and the offset stays when the next PES is right again (by the error, ' +
      'or twice it for an error forwards). One PES 91 ms early in ts-h264-baseline-aac.ts: video ends 91 ms late against ' +
      'the audio; in the 24 h soak with bad-timestamp damage the video ends 272 s away from its media.',
    damageKind: 'bad-timestamp',
  },
];

/** Signatures of the open bugs. */
export const KNOWN_SIGNATURES = new Set(KNOWN_BUGS.flatMap((b) => b.signatures));

/** The open bug a reproducer belongs to, if any. @param {string} name */
export function bugOf(name) {
  return KNOWN_BUGS.find((b) => b.reproducers.includes(name));
}
