// Open engine bugs the WebM soak (live-webm-source.mjs through soak.mjs) runs into, each reduced to a reproducer
// pinned as an it.fails test in test/node/soak-webm.test.ts. The smoke run there leaves out the events that trigger
// them (`damageKinds` of the kinds listed here; `jumps`/`restarts` 0 for the discontinuities), so that it checks
// everything else; when a bug is fixed, its it.fails test fails, and its entry goes.

/** @typedef {{ id: string, damageKinds: string[], discontinuities: string[], summary: string }} WebmSoakBug */

/** @type {WebmSoakBug[]} */
export const KNOWN_WEBM_SOAK_BUGS = [];
