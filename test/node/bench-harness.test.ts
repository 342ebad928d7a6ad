// The benchmark harness runs (issue 6: `npm test` only checks that it runs, on a tiny input, no timing asserts):
// `node bench/remux.js --smoke` runs every contestant (weir, the peers bundled from their npm sources, ffmpeg,
// memcpy), the chunk-size and length sweeps and the peak-RSS children once on a committed fixture, and writes its
// JSON and HTML report into a folder of its own, leaving bench/results/ and the README alone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/media.js';

const out = mkdtempSync(join(tmpdir(), 'weir-bench-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('bench harness', () => {
  it('runs on a tiny input and writes its JSON and HTML report', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const r = spawnSync(process.execPath, [join(ROOT, 'bench/remux.js'), '--smoke', '--out', out], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
      killSignal: 'SIGKILL',
      maxBuffer: 64 << 20,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toBe(readme);

    const report = JSON.parse(readFileSync(join(out, 'smoke.json'), 'utf8'));
    expect(report.mode).toBe('smoke');
    const names = report.results.map((x: { contestant: string }) => x.contestant).sort();
    expect(names).toEqual(
      [
        'ffmpeg',
        'ffmpeg-process',
        'hls.js',
        'mediabunny',
        'memcpy',
        'mpegts.js',
        'mux.js',
        'weir',
        'weir-reused',
      ].sort(),
    );
    for (const row of report.results) {
      expect(row.mbps.median, row.contestant).toBeGreaterThan(0);
      expect(row.peakRss?.peakBytes, row.contestant).toBeGreaterThan(0);
      if (row.contestant !== 'memcpy' && row.contestant !== 'weir-reused') {
        expect(row.validation.videoPackets.input, row.contestant).toBe(100);
        expect(row.validation.videoPackets.output, row.contestant).toBeGreaterThan(0);
      }
      if (row.kind === 'peer') expect(row.weirRatio.median, row.contestant).toBeGreaterThan(0);
    }
    // weir's own output keeps every frame of the fixture.
    const weirRow = report.results.find((x: { contestant: string }) => x.contestant === 'weir');
    expect(weirRow.validation.samePacketCounts).toBe(true);
    expect(report.chunkSweep.rows.length).toBe(4);
    expect(report.lengthSweep.rows.length).toBe(4);
    expect(Object.keys(report.lengthSweep.fits).sort()).toEqual(['mux.js', 'weir']);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(existsSync(join(out, 'latest.json'))).toBe(false);
  });
});
