// The browser bench runs (issue 6: `npm test` only checks that the harness runs, no timing asserts):
// `node bench/browser.js --smoke` starts the server on a free port of 127.0.0.1, one Chromium, and every contestant
// (weir, mpegts.js on the main thread and with enableWorkerForMSE, the plain <video> baseline) once, briefly: first
// frame and one seek on a 4 s fixture, a few seconds of the live simulator with one short main-thread block, at two
// latency targets. It
// writes its JSON into a folder of its own, leaving bench/results/ and the README alone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBrowser } from '../../bench/report.js';
import { ROOT } from '../helpers/media.js';

const out = mkdtempSync(join(tmpdir(), 'weir-bench-browser-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const CONTESTANTS = ['weir', 'mpegts.js (main thread)', 'mpegts.js (enableWorkerForMSE)'];

describe('browser bench harness', () => {
  it('runs every contestant once on a file and on the live simulator, and writes its JSON', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const env = { ...process.env };
    delete env.WEIR_BENCH_PORT; // a free port: the smoke run may share the machine with a bench
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/browser.js'), '--smoke', '--out', out], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 110_000,
      killSignal: 'SIGKILL',
      maxBuffer: 64 << 20,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toBe(readme);
    expect(existsSync(join(out, 'browser-latest.json'))).toBe(false);

    const b = JSON.parse(readFileSync(join(out, 'browser-smoke.json'), 'utf8'));
    expect(b.mode).toBe('smoke');
    expect(b.machine.chromium).toMatch(/^\d+\./);
    expect(b.file.map((x: { contestant: string }) => x.contestant)).toEqual([
      ...CONTESTANTS,
      '<video> + MP4 (no player)',
    ]);
    for (const row of b.file) {
      expect(row.errors, row.contestant).toEqual([]);
      expect(row.ttffMs.n, row.contestant).toBe(1);
      expect(row.ttffMs.median, row.contestant).toBeGreaterThan(0);
      expect(row.seeks.length, row.contestant).toBe(1);
      expect(row.seeks[0].timedOut, row.contestant).toBe(false);
    }
    expect(b.file[0].wasmMemoryBytes).toBeGreaterThan(0);

    expect(b.live.map((x: { contestant: string }) => x.contestant)).toEqual(CONTESTANTS);
    for (const row of b.live) {
      expect(row.errors, row.contestant).toEqual([]);
      // Every presented frame maps back to a frame the simulator sent (the PTS anchor holds).
      expect(row.anchor.offsetTicks, row.contestant).not.toBeNull();
      expect(row.framesMatched, row.contestant).toBeGreaterThan(0);
      expect(row.framesUnmatched, row.contestant).toBe(0);
      expect(row.latencyMs.n, row.contestant).toBeGreaterThan(0);
      expect(row.underBlocks.atBlockStart.length, row.contestant).toBe(1);
      expect(Number.isFinite(row.mainThread.taskMsPerSecond), row.contestant).toBe(true);
    }
    // The second session, at a 0.5 s target: blocks only.
    expect(b.liveBlocks.map((x: { contestant: string }) => x.contestant)).toEqual(CONTESTANTS);
    for (const row of b.liveBlocks) {
      expect(row.errors, row.contestant).toEqual([]);
      expect(row.latencyMs, row.contestant).toBeNull();
      expect(row.underBlocks.atBlockStart.length, row.contestant).toBe(1);
      expect(row.latencyUnderBlocksMs.n, row.contestant).toBeGreaterThan(0);
    }
    // The anchor agrees with each player's own origin where one can be read: weir's stats.timeOrigin exactly,
    // mpegts.js's remuxer timestamp base (whole ms, floored) within a millisecond.
    expect(b.live[0].anchor.weirTimeOriginMinusAnchorTicks).toBe(0);
    expect(Math.abs(b.live[1].anchor.mpegtsDtsBaseMinusAnchorMs)).toBeLessThanOrEqual(1);
    expect(Number.isFinite(b.baseline.mainThread.taskMsPerSecond)).toBe(true);

    const html = renderBrowser(b);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
