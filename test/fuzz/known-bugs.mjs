// Open bugs in wasm/ or engine/ that the fuzz harness found, each with its reproducers in regressions/ and the
// failure signatures (harness.mjs signature()) it produces. test/node/fuzz-regressions.test.ts replays those
// reproducers as it.fails; test/node/fuzz-smoke.test.ts tolerates those signatures and no others. When a bug is
// fixed, its replay tests start failing ("expected to fail"): remove its entry here, and both tests are strict again.

/** @type {{ id: string, summary: string, reproducers: string[], signatures: string[] }[]} */
export const KNOWN_BUGS = [];

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
