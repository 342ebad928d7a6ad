// The benchmark harness runs (issue 6: `npm test` only checks that it runs, on tiny inputs, no timing asserts):
// `node bench/remux.js --smoke` runs every contestant (weir, the peers bundled from their npm sources, ffmpeg,
// memcpy), the chunk-size and length sweeps and the peak-RSS children once on two committed fixtures, one MPEG-TS and
// one WebM (issue 4: WebM throughput next to Mediabunny's; the TS-only peers are "n/a" there, not failures), and
// writes its JSON and HTML report into a folder of its own, leaving bench/results/ and the README alone.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { perfTable } from '../../bench/table.js';
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
    expect(report.inputs.map((i: { name: string; container: string }) => [i.name, i.container])).toEqual([
      ['ts-h264-baseline-aac', 'mpegts'],
      ['webm-vp9-opus', 'webm'],
    ]);
    const all = [
      'weir',
      'weir-reused',
      'mux.js',
      'hls.js',
      'mpegts.js',
      'mediabunny',
      'memcpy',
      'ffmpeg',
      'ffmpeg-process',
    ];
    const tsOnly = ['mux.js', 'hls.js', 'mpegts.js'];
    const packets = { 'ts-h264-baseline-aac': [100, 189], 'webm-vp9-opus': [75, 151] } as Record<string, number[]>;
    for (const input of Object.keys(packets)) {
      const rows = report.results.filter((x: { input: string }) => x.input === input);
      expect(rows.map((x: { contestant: string }) => x.contestant)).toEqual(all);
      for (const row of rows) {
        const notApplicable = input === 'webm-vp9-opus' && tsOnly.includes(row.contestant);
        if (notApplicable) {
          // Not a failure and no figures: the peer does not read WebM.
          expect(row, row.contestant).toMatchObject({ notApplicable: 'reads MPEG-TS only' });
          expect(row.mbps, row.contestant).toBeUndefined();
          expect(row.failed, row.contestant).toBeUndefined();
          continue;
        }
        expect(row.failed, `${input} ${row.contestant}`).toBeUndefined();
        expect(row.mbps.median, `${input} ${row.contestant}`).toBeGreaterThan(0);
        expect(row.peakRss?.peakBytes, `${input} ${row.contestant}`).toBeGreaterThan(0);
        if (row.contestant !== 'memcpy' && row.contestant !== 'weir-reused') {
          expect(row.validation.videoPackets.input, `${input} ${row.contestant}`).toBe(packets[input]?.[0]);
          expect(row.validation.audioPackets.input, `${input} ${row.contestant}`).toBe(packets[input]?.[1]);
          expect(row.validation.videoPackets.output, `${input} ${row.contestant}`).toBeGreaterThan(0);
          expect(row.validation.audioPackets.output, `${input} ${row.contestant}`).toBeGreaterThan(0);
        }
        if (row.kind === 'peer') expect(row.weirRatio.median, `${input} ${row.contestant}`).toBeGreaterThan(0);
      }
      // weir's own output keeps every frame of each fixture, and its ratios are to the peers measured on it.
      const weirRow = rows.find((x: { contestant: string }) => x.contestant === 'weir');
      expect(weirRow.validation.samePacketCounts, input).toBe(true);
      expect(Object.keys(weirRow.ratios).sort(), input).toEqual(
        all.filter((n) => n !== 'weir' && (input !== 'webm-vp9-opus' || !tsOnly.includes(n))).sort(),
      );
    }
    expect(report.chunkSweep.input).toBe('ts-h264-baseline-aac');
    expect(report.chunkSweep.rows.length).toBe(4);
    expect(report.lengthSweep.rows.length).toBe(4);
    expect(Object.keys(report.lengthSweep.fits).sort()).toEqual(['mux.js', 'weir']);

    // The README table from these results: the TS-only peers share one n/a row on the WebM input.
    const table = perfTable(report);
    expect(table).toMatch(/^\| webm-vp9-opus \| mux\.js, hls\.js, mpegts\.js \| n\/a \(reads MPEG-TS only\) \|/m);
    expect(table).toMatch(/^\| webm-vp9-opus \| mediabunny \| [\d,.]+ \([\d,.]+–[\d,.]+\) \| .*\| yes \| [\d.]+× \|$/m);
    expect(table).toMatch(/webm-vp9-opus = VP9\/Opus WebM 320x240, 3 s/);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).toContain('<h2>webm-vp9-opus</h2>');
    expect(html.match(/n\/a: reads MPEG-TS only/g)?.length).toBe(3);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(existsSync(join(out, 'latest.json'))).toBe(false);
  });
});
