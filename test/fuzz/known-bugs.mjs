// Open bugs in wasm/ or engine/ that the fuzz harness found, each with its reproducers in regressions/ and the
// failure signatures (harness.mjs signature()) it produces. test/node/fuzz-regressions.test.ts replays those
// reproducers as it.fails; test/node/fuzz-smoke.test.ts tolerates those signatures and no others. When a bug is
// fixed, its replay tests start failing ("expected to fail"): remove its entry here, and both tests are strict again.

/** @type {{ id: string, summary: string, reproducers: string[], signatures: string[] }[]} */
export const KNOWN_BUGS = [
  {
    id: 'adts-damaged-length-sample',
    summary:
      'Found by `npm run fuzz -- --minutes 15 --seed 2027` (case 59621), not analysed yet: with damaged ADTS headers ' +
      '(frame_length, number_of_raw_data_blocks, sampling_frequency_index, protection_absent edited) and damaged packet ' +
      'headers (a PID relabelled to the audio PID, a scrambled packet, lost sync bytes), one 7642-byte audio sample of ' +
      "the output is not a contiguous run of the input's reassembled audio elementary stream (harness definition, " +
      'test/fuzz/README.md). Suspects: a frame carried across a PES boundary (audio.ts finishCarry) completed after ' +
      'a packet the reference stream and the demuxer count differently (scrambled, relabelled PID, duplicate).',
    reproducers: ['foreign-bytes-shaka_hls-ts-muxed-aac-h264_n_0_0_0-s2027-c59621'],
    signatures: ["foreign-bytes: [] audio track #: sample #: # bytes not in the input's elementary streams"],
  },
];

/**
 * Open bugs found by the soak (test/soak), which the fuzz checks cannot see (they need the source's media time).
 * test/node/soak-smoke.test.ts has an it.fails test for each, and leaves its damage kind out of the smoke run.
 */
export const KNOWN_SOAK_BUGS = [
  {
    id: 'video-late-timestamp-desync',
    summary:
      'One video PES whose PTS/DTS is late by less than a second (a bit error in the field) is taken as frames lost ' +
      'before it: the frame before it is stretched to meet it. When the next PES comes back on the old cadence, ' +
      'demux.ts repairLateOutlier() moves the late one back, but only while the frame before it is still queued. With ' +
      'short live fragments, or when the late one is a keyframe (a fragment is cut there), it has gone out already; the correct PES after the late one then fall behind, the ' +
      'third makes timeline.ts take a jump of the video alone, and the rest of the video is late against the audio by ' +
      'the error. (Early errors, errors over a second, and late ones with GOP-long fragments are repaired.)',
    damageKind: 'bad-timestamp',
  },
];

/** Signatures of the open bugs. */
export const KNOWN_SIGNATURES = new Set(KNOWN_BUGS.flatMap((b) => b.signatures));

/** The open bug a reproducer belongs to, if any. @param {string} name */
export function bugOf(name) {
  return KNOWN_BUGS.find((b) => b.reproducers.includes(name));
}
