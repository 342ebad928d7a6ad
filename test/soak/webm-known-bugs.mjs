// Open engine bugs the WebM soak (live-webm-source.mjs through soak.mjs) runs into, each reduced to a reproducer
// pinned as an it.fails test in test/node/soak-webm.test.ts. The smoke run there leaves out the events that trigger
// them (`damageKinds` of the kinds listed here; `jumps`/`restarts` 0 for the discontinuities), so that it checks
// everything else; when a bug is fixed, its it.fails test fails, and its entry goes.

/** @typedef {{ id: string, damageKinds: string[], discontinuities: string[], summary: string }} WebmSoakBug */

/** @type {WebmSoakBug[]} */
export const KNOWN_WEBM_SOAK_BUGS = [
  {
    id: 'webm-truncated-cluster',
    damageKinds: ['truncated-cluster'],
    discontinuities: [],
    summary:
      'A Cluster cut inside a block (the rest of it lost) whose cut block\u2019s size runs over the next Cluster\u2019s ' +
      'head: the blocks after are read against the Timestamp of the Cluster before (in a long Cluster up to 32.768 s ' +
      'off), and the media lost can be longer than a frame interval. matroska/timeline.ts re-anchors such a Cluster ' +
      'when the demuxer resyncs onto one of its blocks or three blocks in a row come behind their tracks, but not in ' +
      'every shape: the soak still sees the output run ahead of its media or video frames timed by the cadence for ' +
      'good (remux/remuxer.ts beginVideoSample once its last decode time is ahead of the source), and lags past 2 s.',
  },
];
