// `weir bench <input>` (issue 6): the user's own stream through weir several times, with throughput and the
// host-side stage breakdown. Checked for the shape of its output on a tiny fixture only: no timing asserts.

import { describe, expect, it } from 'vitest';
import { weir } from '../helpers/cli.js';
import { fixturePath } from '../helpers/media.js';

const FIXTURE = fixturePath('ts-h264-baseline-aac.ts');

describe('weir bench', () => {
  it('prints throughput, realtime factor and the stage breakdown', () => {
    const r = weir(['bench', FIXTURE, '--runs', '2']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^weir bench: .*ts-h264-baseline-aac\.ts, [\d.]+ MB, [\d.]+ s of media \(avc1\.42c01e 320x240/);
    expect(out).toMatch(/^read: [\d.]+ ms, \d+ MB\/s/m);
    expect(out).toMatch(/^2 runs after a warm-up, 64 KiB chunks/m);
    expect(out).toMatch(/^throughput: \d+ MB\/s \(\d+-\d+\), \d+x realtime/m);
    expect(out).toMatch(/^per stream: \d+ MB\/s with instantiation; end to end with the read: \d+ MB\/s/m);
    for (const stage of ['instantiate', 'push', 'flush', 'total']) {
      expect(out).toMatch(new RegExp(`^  ${stage} +[\\d.]+ +[\\d.]+-[\\d.]+ +\\d+ %$`, 'm'));
    }
    expect(out).toMatch(/^output: \d+ bytes in \d+ fragments; warnings: none$/m);
    expect(out).toMatch(/no per-stage counters/);
  });

  it('--json gives the same figures as one JSON object', () => {
    const r = weir(['bench', FIXTURE, '--runs', '3', '--chunk-kib', '4', '--json']);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      bytes: 293092,
      chunkBytes: 4096,
      runs: 3,
      source: { kind: 'read' },
      output: { fragments: expect.any(Number), bytes: expect.any(Number) },
      warnings: {},
      perStageCounters: false,
    });
    expect(report.tracks).toHaveLength(2);
    expect(report.duration).toBeGreaterThan(3.9);
    for (const key of ['median', 'min', 'max']) expect(report.throughput.mbps[key]).toBeGreaterThan(0);
    expect(report.throughput.realtime).toBeGreaterThan(0);
    for (const stage of ['instantiate', 'push', 'flush', 'total']) {
      expect(report.stages[stage]).toEqual({
        median: expect.any(Number),
        min: expect.any(Number),
        max: expect.any(Number),
        share: expect.any(Number),
      });
    }
  });

  it('fails like the other commands on a missing input and on bad options', () => {
    const missing = weir(['bench', 'no-such-file.ts']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('weir: cannot read no-such-file.ts: no such file');
    const usage = weir(['bench', FIXTURE, '--runs', '0']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^weir: --runs needs a whole number 1\.\.1000/);
  });
});
