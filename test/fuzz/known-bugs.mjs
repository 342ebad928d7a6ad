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
/** @type {{ id: string, summary: string, damageKind: string }[]} */
export const KNOWN_SOAK_BUGS = [];

/** Signatures of the open bugs. */
export const KNOWN_SIGNATURES = new Set(KNOWN_BUGS.flatMap((b) => b.signatures));

/** The open bug a reproducer belongs to, if any. @param {string} name */
export function bugOf(name) {
  return KNOWN_BUGS.find((b) => b.reproducers.includes(name));
}
