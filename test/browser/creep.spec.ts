// Issue 5, acceptance: "Latency does not creep: over 10 minutes of live ... the latency trend is flat within 50 ms, and
// WASM memory and buffered media stay within their bounds." (Issue 7 asks the same of a browser soak.)
//
// Real time, not sped up: the live simulator paces /live.ts by its PCRs and the element plays at the rate the latency
// controller asks, so a faster source would only measure the controller's jump to the live edge. In `npm test` it runs
// WEIR_CREEP_MINUTES (default 1.5) minutes; `npm run soak:browser` runs the full 10 (README, "Live latency").
//
// Sampled every 2 s after a 30 s warm-up (the controller's first catch-up): the worker's latency (stats.latency, which
// latency.spec.ts checks against an independent measure), its WASM memory, the page's JS heap
// (performance.memory, Chromium), and the element's buffered media ahead of and behind the playhead.
// - trend: the least-squares slope of latency over the run, times the run's length, within ±50 ms; and the mean of the
//   last quarter within 50 ms of the first quarter's (a creep shows in both, noise in neither);
// - WASM memory: the same at every sample after warm-up (the core's memory is laid out once: it never grows);
// - buffered media: behind the playhead at most backBufferSeconds plus the eviction's slack and a GOP, ahead at most
//   the controller's maximum latency (it jumps past it);
// - JS heap: the last quarter's median within 10 MB of the first quarter's (the page and the player keep nothing per
//   fragment);
// - no error, no stall event.

import { expect, test } from '@playwright/test';
import { openDemo, waitFor } from './helpers.js';

const MINUTES = Number(process.env.WEIR_CREEP_MINUTES ?? 1.5);
const WARM_UP_MS = 30_000;
const EVERY_MS = 2000;
const BACK_BUFFER = 10;
const MAX_LATENCY = 3;

interface Sample {
  at: number;
  latency: number;
  wasm: number;
  heap: number;
  ahead: number;
  behind: number;
  currentTime: number;
}

function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

test(`live for ${MINUTES} min: latency flat within 50 ms, WASM memory and buffered media within bounds`, async ({
  page,
}) => {
  test.setTimeout(WARM_UP_MS + MINUTES * 60_000 + 60_000);
  await openDemo(page);
  await page.evaluate(
    ({ back, max }) => {
      window.weirDemo.start('/live.ts', { fragmentDuration: 100, backBufferSeconds: back, liveMaxLatency: max });
      const w = window as unknown as { stalls: number };
      w.stalls = 0;
      window.weirDemo.state.player!.on('stall', () => {
        w.stalls++;
      });
    },
    { back: BACK_BUFFER, max: MAX_LATENCY },
  );
  await waitFor(page, (s) => s.currentTime > 1 && s.latency !== undefined, 20_000, 'live start');
  await page.waitForTimeout(WARM_UP_MS);
  const samples: Sample[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < MINUTES * 60_000) {
    samples.push(
      await page.evaluate(() => {
        const d = window.weirDemo;
        const v = d.video;
        const s = d.state.stats!;
        const b = v.buffered;
        let ahead = 0;
        let behind = 0;
        for (let i = 0; i < b.length; i++) {
          if (b.start(i) <= v.currentTime && v.currentTime <= b.end(i)) {
            ahead = b.end(i) - v.currentTime;
            behind = v.currentTime - b.start(i);
          } else if (b.end(i) < v.currentTime) behind += b.end(i) - b.start(i);
        }
        const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
        return {
          at: performance.now(),
          latency: s.latency,
          wasm: s.wasmMemoryBytes,
          heap: memory?.usedJSHeapSize ?? Number.NaN,
          ahead,
          behind,
          currentTime: v.currentTime,
        };
      }),
    );
    await page.waitForTimeout(EVERY_MS);
  }
  const state = await page.evaluate(() => ({
    errors: window.weirDemo.state.errors,
    stalls: (window as unknown as { stalls: number }).stalls,
  }));
  const seconds = samples.map((s) => (s.at - samples[0]!.at) / 1000);
  const latency = samples.map((s) => s.latency);
  const span = seconds.at(-1)!;
  const trend = slope(seconds, latency) * span;
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const firstQ = latency.slice(0, quarter);
  const lastQ = latency.slice(-quarter);
  const heaps = samples.map((s) => s.heap);
  const report = {
    minutes: span / 60,
    samples: samples.length,
    latency: {
      first: mean(firstQ),
      last: mean(lastQ),
      trendMs: trend * 1000,
      min: Math.min(...latency),
      max: Math.max(...latency),
    },
    wasmBytes: [...new Set(samples.map((s) => s.wasm))],
    heapMB: { first: median(heaps.slice(0, quarter)) / 2 ** 20, last: median(heaps.slice(-quarter)) / 2 ** 20 },
    maxAhead: Math.max(...samples.map((s) => s.ahead)),
    maxBehind: Math.max(...samples.map((s) => s.behind)),
    played: samples.at(-1)!.currentTime - samples[0]!.currentTime,
    stalls: state.stalls,
  };
  console.log(JSON.stringify(report, null, 2));

  expect(state.errors).toEqual([]);
  expect(state.stalls, 'stall events').toBe(0);
  expect(latency.every(Number.isFinite), 'a latency at every sample').toBe(true);
  expect(Math.abs(report.latency.trendMs), 'latency trend over the run, ms').toBeLessThan(50);
  expect(Math.abs(report.latency.last - report.latency.first) * 1000, 'last quarter vs first, ms').toBeLessThan(50);
  expect(report.wasmBytes, 'WASM memory after warm-up').toHaveLength(1);
  // The back-buffer eviction (worker/buffer-controller.ts) waits until 5 s more than the back buffer is behind, then
  // cuts at the keyframe at or before playhead - back buffer: at most back buffer + 5 s + one GOP (1 s here) behind.
  expect(report.maxBehind, 'media behind the playhead, s').toBeLessThanOrEqual(BACK_BUFFER + 5 + 1);
  expect(report.maxAhead, 'media ahead of the playhead, s').toBeLessThanOrEqual(MAX_LATENCY);
  if (Number.isFinite(report.heapMB.first)) {
    expect(report.heapMB.last - report.heapMB.first, 'JS heap growth, MB').toBeLessThan(10);
  }
  // Played in real time, give or take the controller's rates (0.95-1.1).
  expect(report.played).toBeGreaterThan(span * 0.9);
});
