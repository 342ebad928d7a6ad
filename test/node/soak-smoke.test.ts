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
import { DAMAGE_KINDS } from '../soak/live-source.mjs';

/** Damage the smoke run injects: all kinds but those of open bugs (which the it.fails tests below cover). */
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

  /** The baseline fixture with video PES #50's PTS moved by `ticks` (90 kHz), and the A/V end relation of both. */
  async function relationAfterBadTimestamp(
    ticks: number,
    fragmentDuration = 100,
    index = 50,
  ): Promise<{ bad: number; clean: number }> {
    const clean = new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/ts-h264-baseline-aac.ts')));
    const bad = clean.slice();
    const ix = indexTs(bad);
    const video = ix.pes.filter((p) => ix.packets[p.packet]?.pid === 256 && bad[p.at + 3] === 0xe0);
    const at = video[index]!.at; // a PES in the middle, PTS_DTS_flags '10' (no B-frames in this fixture)
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

  // A PES 91 ms late looks like frames lost before it, until the next one comes back on the old cadence: the late
  // one, still queued, is moved back (demux.ts repairLateOutlier). With GOP-long fragments it is, unless the late
  // one is a keyframe (PES #50 is one, and a fragment is cut there); #52 is not.
  it('one video PES with a timestamp 91 ms late does not move the video against the audio (GOP fragments)', async () => {
    const r = await relationAfterBadTimestamp(8190, 0, 52);
    expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.04);
  });

  // Open bug video-late-timestamp-desync (test/fuzz/known-bugs.mjs KNOWN_SOAK_BUGS): with short live fragments the
  // frame before the late one has often gone out already (its duration stretched to meet it), so the late one cannot
  // move back; the correct ones after it fall behind and are taken for a jump of the video alone.
  it.fails('one video PES with a timestamp 91 ms late does not move the video against the audio (100 ms fragments)', async () => {
    const r = await relationAfterBadTimestamp(8190);
    expect(Math.abs(r.bad - r.clean)).toBeLessThan(0.04);
  });
});
