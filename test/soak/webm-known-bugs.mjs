// Open engine bugs the WebM soak (live-webm-source.mjs through soak.mjs) runs into, each reduced to a reproducer
// pinned as an it.fails test in test/node/soak-webm.test.ts. The smoke run there leaves out the events that trigger
// them (`damageKinds` of the kinds listed here; `jumps`/`restarts` 0 for the discontinuities), so that it checks
// everything else; when a bug is fixed, its it.fails test fails, and its entry goes.

/** @typedef {{ id: string, damageKinds: string[], discontinuities: string[], summary: string }} WebmSoakBug */

/** @type {WebmSoakBug[]} */
export const KNOWN_WEBM_SOAK_BUGS = [
  {
    id: 'webm-no-discontinuity',
    damageKinds: [],
    discontinuities: ['jump', 'restart'],
    summary:
      'The Matroska path has no timeline layer (MPEG-TS has mpegts/timeline.ts): a Cluster Timestamp that jumps, or ' +
      'an encoder restart (a chained Segment whose clock starts again near 0), is taken as the frames\u2019 true ' +
      'times. Backwards: every later audio frame is dropped as an overlap until the clock is back where it was (for ' +
      'a restart: for good), and the video gets one TIMESTAMP_JUMP per frame. Forwards past 10 s: the audio frame ' +
      'before the jump lasts the whole jump while the video stays on its cadence (A/V offset off by the jump).',
  },
  {
    id: 'webm-late-video-block',
    damageKinds: ['bad-timestamp', 'bit-flip', 'truncated-cluster', 'bad-size'],
    discontinuities: [],
    summary:
      'One video block whose timestamp is late by d (0 < d <= 10 s, a damaged block or one read against the wrong ' +
      'Cluster Timestamp) gives the frame before it a duration of d, and every later frame, now "before" its ' +
      'predecessor, is put on that cadence: all later video lasts d per frame (remux/remuxer.ts beginVideoSample ' +
      'keeps lastDuration; matroska/video.ts has no outlier repair like mpegts/demux.ts repairLateOutlier).',
  },
  {
    id: 'webm-late-audio-block',
    damageKinds: ['bad-timestamp', 'bit-flip', 'truncated-cluster', 'bad-size'],
    discontinuities: [],
    summary:
      'One audio block whose timestamp is late by more than half a frame is believed (matroska/audio.ts ' +
      'mkvAudioFrame): the gap before it is bridged or filled, the good frames after it are dropped as overlaps ' +
      'until the clock catches up, and for an error under one frame every later frame stays shifted by it for good ' +
      '(A/V drift of up to half a frame per damaged block).',
  },
];
