// Issue 7: the soak (test/soak/soak.mjs) in `npm test`, shortened: two simulated hours of live MPEG-TS (a 33-bit wrap,
// timestamp jumps, damage every ~20 s of media) through one engine in per-track mode with 100 ms fragments, as fast
// as it goes. Run as `node test/soak/cli.mjs` in a child process (time-bounded; the built engine in lib/), which checks
// WASM memory, JS heap, the output timeline, jumps and wraps, A/V offset and the end times, and exits 1 on a failure.
// The day-long run is `npm run soak -- --hours 24`.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
import { ROOT } from '../fuzz/harness.mjs';
import { KNOWN_SOAK_BUGS } from '../fuzz/known-bugs.mjs';
import { indexTs } from '../fuzz/ts-index.mjs';
import { DAMAGE_KINDS, LiveTsSource } from '../soak/live-source.mjs';

/** Damage the smoke run injects: all kinds but those of open bugs (test/fuzz/known-bugs.mjs KNOWN_SOAK_BUGS). */
const KINDS = DAMAGE_KINDS.filter((k) => !KNOWN_SOAK_BUGS.some((b) => b.damageKind === k));

describe('soak smoke run', () => {
  it('2 simulated hours of damaged live TS: flat memory, continuous timeline, no A/V drift', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'test/soak/cli.mjs'),
        ...[
          '--minutes',
          '120',
          '--seed',
          '7',
          '--jumps',
          '6',
          '--damage-every',
          '20',
          '--damage-kinds',
          KINDS.join(','),
        ],
        '--json',
      ],
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' },
    );
    const lines = (r.stdout ?? '').trim().split('\n');
    console.log(lines.slice(0, -1).join('\n'));
    expect(r.signal, 'finished in time').toBeNull();
    const report = JSON.parse(lines.at(-1) ?? '{}');
    expect(report.failures, r.stderr).toEqual([]);
    expect(r.status).toBe(0);
    // The run must have met what it is meant to survive.
    expect(report.events.jumps).toBe(6);
    expect(report.events.wraps).toBeGreaterThanOrEqual(1);
    expect(Object.values(report.events.damage as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThan(
      100,
    );
    expect(report.stats.wasmMemory.max).toBe(report.stats.wasmMemory.initial);
    expect(report.stats.heap.max - report.stats.heap.baseline).toBeLessThan(8 * 1024 * 1024);
    expect(report.stats.av.max - report.stats.av.min).toBeLessThan(0.001);
  });

  /**
   * The baseline fixture with the PTS of its video (or audio) PES #`index` moved by `ticks` (90 kHz), and the A/V end
   * relation of both.
   */
  async function relationAfterBadTimestamp(
    ticks: number,
    fragmentDuration = 100,
    index = 50,
    stream: 'video' | 'audio' = 'video',
    clean = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-baseline-aac.ts'))),
  ): Promise<{ bad: number; clean: number }> {
    const bad = clean.slice();
    const ix = indexTs(bad);
    const [pid, streamId] = stream === 'video' ? [256, 0xe0] : [257, 0xc0];
    const pes = ix.pes.filter((p) => ix.packets[p.packet]?.pid === pid && bad[p.at + 3] === streamId);
    const at = pes[index]!.at; // a PES in the middle, PTS_DTS_flags '10' (no B-frames in this fixture)
    const pts = at + 9;
    const v =
      ((bad[pts]! >> 1) & 7) * 2 ** 30 +
      (bad[pts + 1]! << 22) +
      ((bad[pts + 2]! >> 1) << 15) +
      (bad[pts + 3]! << 7) +
      (bad[pts + 4]! >> 1);
    const t = v + ticks;
    bad[pts] = (bad[pts]! & 0xf1) | ((Math.floor(t / 2 ** 30) & 7) << 1);
    bad[pts + 1] = (t >>> 22) & 0xff;
    bad[pts + 2] = (((t >>> 15) & 0x7f) << 1) | 1;
    bad[pts + 3] = (t >>> 7) & 0xff;
    bad[pts + 4] = ((t & 0x7f) << 1) | 1;
    const offset = async (input: Uint8Array) => {
      const engine = await Engine.create({ output: 'per-track', fragmentDuration });
      engine.push(input);
      engine.flush();
      const [v0, a0] = ['video', 'audio'].map((k) => engine.tracks().find((x) => x.kind === k)!.endTime);
      return v0! - a0!;
    };
    return { bad: await offset(bad), clean: await offset(clean) };
  }

  // Once a bug (video-bad-timestamp-desync): one video PES with a timestamp 91 ms early shifted all later video by
  // 91 ms against the audio (timeline.ts took it for a jump of the video track alone). Now that access unit is timed
  // from the cadence. The A/V relation at the end is the clean stream's, within one video frame (40 ms).
  it('one video PES with a timestamp 91 ms early does not move the video against the audio', async () => {
    const r = await relationAfterBadTimestamp(-8190);
    expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.04);
  });

  // A PES late by more than half a frame looks like frames lost before it, until the next one comes back on the old
  // cadence: then the late one is moved back (demux.ts repairLateOutlier). The frame before it must still be queued
  // for that, so a cut due at the late one (100 ms fragments; GOP fragments when it is a keyframe, as PES #50 is) is
  // held until the next PES is timed (remuxer.ts beginVideoSample). Once a bug (video-late-timestamp-desync): the
  // frame before had gone out with its duration stretched to meet the late one, the correct PES after it then fell
  // behind and were taken for a jump of the video alone, moving it against the audio by the error.
  const lateCases: [string, number, number, number][] = [
    ['91 ms late, 100 ms fragments', 8190, 100, 50],
    ['91 ms late, 100 ms fragments, not a keyframe', 8190, 100, 52],
    ['91 ms late, GOP fragments, a keyframe', 8190, 0, 50],
    ['91 ms late, GOP fragments, not a keyframe', 8190, 0, 52],
    ['0.5 s late, 100 ms fragments', 45000, 100, 51],
    ['0.99 s late, 100 ms fragments, a keyframe', 89100, 100, 50],
    ['0.99 s late, 1 ms fragments', 89100, 1, 53],
  ];
  for (const [label, ticks, fragmentDuration, index] of lateCases) {
    it(`one video PES with a timestamp ${label}: the video does not move against the audio`, async () => {
      const r = await relationAfterBadTimestamp(ticks, fragmentDuration, index);
      expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.04);
    });
  }

  // One audio PES time off by a few frames: its frames are taken for a gap (late) or an overlap (early) and
  // repaired (silent frames, dropped overlapping frames). Once the soak's last A/V drift: the first frame kept after
  // the overlap was snapped onto the grid of the frames before it, up to half a frame (10 ms) off its source time, and
  // the rest of the audio kept that offset against the video. Now it keeps its source time (mpegts/audio.ts
  // afterOverlap), and the relation at the end is the clean stream's to the tick (the soak's bound is 1 ms).
  const audioCases: [string, number, number][] = [
    ['528 ms late (24.75 frames)', 47538, 8],
    ['63 ms early (2.95 frames)', -5659, 9],
    ['0.9 s late', 81000, 10],
    ['0.5 s early', -45000, 11],
  ];
  for (const [label, ticks, index] of audioCases) {
    it(`one audio PES with a timestamp ${label}: the audio does not move against the video`, async () => {
      const r = await relationAfterBadTimestamp(ticks, 100, index, 'audio');
      expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.001);
    });
  }

  /** Six loops of the soak's live source, undamaged (test/soak/live-source.mjs; the loop is whole AAC frames). */
  function undamagedLive() {
    const source = new LiveTsSource(new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-baseline-aac.ts'))), {
      seed: 1,
      seconds: 24,
      jumps: 0,
      damageEvery: 1e12,
      startBeforeWrap: 1000,
    });
    const loops: Uint8Array[] = [];
    for (let loop = source.next(); loop; loop = source.next()) loops.push(loop.bytes);
    const live = concatBytes(loops);
    return { loops, live, ix: indexTs(live) };
  }

  // After a longer frame (the live source's loop seam: the last frame of each loop lasts 32 ms longer) the cadence
  // the demuxer expects is the interval before it (demux.ts finishPes). Seen in `npm run soak -- --hours 24 --seed 3`
  // at 36255 s: measured from the longer step, a PES 0.97 s early was 1.0009 s off, a jump of the video alone, and the
  // next PES, 0.94 s on, frames lost: the video stayed a second off the audio. (Also at a real jump right after the
  // seam: the video continued 32 ms late, and the audio with it.)
  it('one video PES 0.97 s early right after the live loop seam: repaired, not a jump', async () => {
    const { loops, live, ix } = undamagedLive();
    const video = ix.pes.filter((p) => ix.packets[p.packet]?.pid === 256 && live[p.at + 3] === 0xe0);
    const videoPerLoop = video.length / loops.length;
    expect(Number.isInteger(videoPerLoop)).toBe(true);
    // The second picture of the fourth loop, 87198 ticks early (seed 3 of the day-long soak, at 36255 s).
    const r = await relationAfterBadTimestamp(-87198, 100, 3 * videoPerLoop + 1, 'video', live);
    expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.04);
  });

  // Low latency (DESIGN.md §6): only a unit late by a frame interval or more holds its fragment back. The live loop's
  // seam (a frame 32 ms longer, then a keyframe: a fragment is due there) must not: each video fragment goes out by
  // the time the PES of the unit after the next one begins (the unit after its last sample is complete then), pushed
  // packet by packet. With the hold at half an interval, the fragment before each seam went out a frame later.
  it('an undamaged live stream, seams included: no fragment waits for a later PES', async () => {
    const { live, ix } = undamagedLive();
    const headers = ix.pes
      .filter((p) => ix.packets[p.packet]?.pid === 256 && live[p.at + 3] === 0xe0)
      .map((p) => ix.packets[p.packet]!.offset);
    const engine = await Engine.create({ output: 'per-track', fragmentDuration: 100 });
    const videoId = () => engine.tracks().find((t) => t.kind === 'video')?.id;
    let queued = 0; // video samples written so far
    const late: string[] = [];
    let fragments = 0;
    for (let o = 0; o < live.length; o += 188) {
      for (const e of engine.push(live.subarray(o, o + 188))) {
        if (e.type !== 'fragment' || e.track !== videoId()) continue;
        queued += e.samples;
        fragments++;
        const due = headers[queued + 1]; // the unit after the next one begins: the next one is complete
        if (due !== undefined && o > due) late.push(`fragment ending at unit ${queued}: at ${o}, due by ${due}`);
      }
    }
    expect(fragments).toBeGreaterThan(200);
    expect(late).toEqual([]);
  });

  // Off by a little over a second (a bit error in a higher bit of the field): a jump by timeline.ts's rule, and the
  // next PES, back on the old timeline, is another; the PES between is timed on the cadence.
  const outlierCases: [string, number, 'video' | 'audio', number][] = [
    ['video PES 1.05 s early', -94500, 'video', 50],
    ['video PES 1.05 s late', 94500, 'video', 52],
    ['audio PES 1.05 s early', -94500, 'audio', 9],
    ['audio PES 1.05 s late', 94500, 'audio', 10],
  ];
  for (const [label, ticks, stream, index] of outlierCases) {
    it(`one ${label}: the tracks keep their relation`, async () => {
      const r = await relationAfterBadTimestamp(ticks, 100, index, stream);
      expect(Math.abs(r.bad - r.clean)).toBeLessThan(stream === 'video' ? 0.04 : 0.001);
    });
  }
});

function concatBytes(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
