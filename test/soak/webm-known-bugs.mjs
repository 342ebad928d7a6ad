// Open engine bugs the WebM soak (live-webm-source.mjs through soak.mjs) runs into, each reduced to a reproducer
// pinned as an it.fails test in test/node/soak-webm.test.ts. The smoke run there leaves out the events that trigger
// them (`damageKinds` of the kinds listed here; `jumps`/`restarts` 0 for the discontinuities), so that it checks
// everything else; when a bug is fixed, its it.fails test fails, and its entry goes.

/** @typedef {{ id: string, damageKinds: string[], discontinuities: string[], summary: string }} WebmSoakBug */

// Fixed: webm-truncated-cluster (a Cluster cut inside a block whose size ran over the next Cluster's head; the
// blocks after were timed against the Cluster before): matroska/demux.ts reads a Cluster head inside a block as damage.
/** @type {WebmSoakBug[]} */
export const KNOWN_WEBM_SOAK_BUGS = [];
