// The worker's LatencyController (worker/latency.ts) decides from numbers alone: these tests drive it with simulated
// element state, tick by tick, the way the session does every 250 ms. ArrivalLog and LatencySamples make the latency
// the stats report.
import { describe, expect, it } from 'vitest';
import { ArrivalLog, LatencyController, LatencySamples } from '../../worker/latency.js';

const options = { target: 0.5, max: 3, minRate: 0.95, maxRate: 1.1 };

/**
 * Simulates a live element: media arrives in real time, the playhead moves at the rate the controller sets (50 ms
 * steps, a tick every 250 ms). With `fragment` (ms), the buffered end advances a fragment at a time (a sawtooth), as a
 * real live edge does. Times in integer milliseconds, so the sawtooth keeps its phase.
 */
function simulate(startLatency: number, seconds: number, controller = new LatencyController(options), fragment = 0) {
  let media = 100_000; // ms of media arrived
  let time = media - startLatency * 1000; // the playhead, ms
  let rate = 1;
  const trace: { latency: number; rate: number }[] = [];
  for (let t = 0; t < seconds * 1000; t += 50) {
    const edge = fragment > 0 ? Math.floor(media / fragment) * fragment : media;
    if (t % 250 === 0) {
      const d = controller.update(time / 1000, edge / 1000, false);
      if (d.action === 'seek') time = d.time * 1000;
      if (d.action === 'rate') rate = d.rate;
      trace.push({ latency: (edge - time) / 1000, rate });
    }
    media += 50;
    time = Math.min(edge, time + 50 * rate);
  }
  return trace;
}

describe('LatencyController', () => {
  it('catches up by rate from above the target, within the rate limit, and ends at the target', () => {
    const trace = simulate(1.5, 30);
    expect(Math.max(...trace.map((x) => x.rate))).toBeLessThanOrEqual(options.maxRate);
    expect(trace[1]!.rate).toBeGreaterThan(1);
    const last = trace.at(-1)!;
    expect(Math.abs(last.latency - options.target)).toBeLessThanOrEqual(0.1);
    expect(last.rate).toBe(1);
  });

  it('jumps when past the maximum latency', () => {
    const c = new LatencyController(options);
    expect(c.update(10, 15, false)).toEqual({ action: 'seek', time: 14.5 });
  });

  it('slows down below the target so the buffer refills, within the lower rate limit', () => {
    const trace = simulate(0.1, 30);
    expect(Math.min(...trace.map((x) => x.rate))).toBeGreaterThanOrEqual(options.minRate);
    expect(trace[0]!.rate).toBeLessThan(1);
    expect(Math.abs(trace.at(-1)!.latency - options.target)).toBeLessThanOrEqual(0.1);
  });

  it('does not oscillate around the target: once there, the rate stays at 1.0', () => {
    const trace = simulate(1.2, 60);
    const settled = trace.slice(trace.findIndex((x) => Math.abs(x.latency - options.target) <= 0.05));
    expect(settled.length).toBeGreaterThan(20);
    let changes = 0;
    for (let i = 1; i < settled.length; i++) if (settled[i]!.rate !== settled[i - 1]!.rate) changes++;
    expect(changes).toBeLessThanOrEqual(1);
  });

  it('a slip into the upper half of the band is taken back to the target within a few seconds, gently', () => {
    // 0.5 s target, band 0.1: 0.58 s is inside the band, where nothing is done at first.
    const trace = simulate(0.58, 10);
    expect(trace.slice(0, 8).every((x) => x.rate === 1)).toBe(true);
    expect(Math.max(...trace.map((x) => x.rate))).toBeLessThanOrEqual(1.03);
    expect(trace.at(-1)!.latency).toBeLessThanOrEqual(options.target + 0.01);
    expect(trace.at(-1)!.rate).toBe(1);
    // The lower half of the band is left alone (below the target is slowed down only past the band).
    expect(simulate(0.47, 10).every((x) => x.rate === 1)).toBe(true);
  });

  it('every rate it gives is valid for a short time only, so a lapse returns to 1.0', () => {
    const c = new LatencyController(options);
    const d = c.update(0, 2, false);
    expect(d).toMatchObject({ action: 'rate' });
    if (d.action === 'rate') expect(d.validForMs).toBeLessThanOrEqual(1000);
  });

  it('a low target gets a narrower band: catches up from 0.2 s above a 0.1 s target', () => {
    const low = { ...options, target: 0.1 };
    const trace = simulate(0.2, 30, new LatencyController(low));
    expect(trace[1]!.rate).toBeGreaterThan(1);
    expect(Math.abs(trace.at(-1)!.latency - low.target)).toBeLessThanOrEqual(0.05);
    expect(trace.at(-1)!.rate).toBe(1);
  });

  it('steers by the low point of a sawtooth live edge, so the buffer never runs dry', () => {
    // 100 ms fragments: the distance swings by 0.1 s between arrivals. Aiming the low point at the target keeps
    // at least the target buffered at every moment once settled, and the rate settles at 1.0.
    const low = { ...options, target: 0.1 };
    const trace = simulate(0.6, 40, new LatencyController(low), 100);
    const settled = trace.slice(-40);
    expect(Math.min(...settled.map((x) => x.latency))).toBeGreaterThanOrEqual(low.target - 0.05);
    expect(Math.min(...settled.map((x) => x.latency))).toBeLessThanOrEqual(low.target + 0.05);
    expect(settled.every((x) => x.rate === 1)).toBe(true);
  });
});

describe('ArrivalLog', () => {
  it('gives the arrival of the frame at a time: its fragment written, less the frames after it and one frame', () => {
    const log = new ArrivalLog();
    // One-frame fragments of 1/30 s, written 40 ms apart in wall time.
    for (let k = 0; k < 10; k++) log.record(k / 30, (k + 1) / 30, 1, 1000 + 40 * k);
    // Anywhere in frame k = 3: it arrived one frame before its fragment was written (a frame arrives whole).
    expect(log.arrivalOf(4 / 30 - 1e-9)).toBeCloseTo(1000 + 40 * 3 - 1000 / 30, 3);
    expect(log.arrivalOf(3 / 30 + 0.01)).toBeCloseTo(1000 + 40 * 3 - 1000 / 30, 3);
    // Three-frame fragments: the first frame of one arrived two frames before its last (a source sends in real time).
    log.record(10 / 30, 13 / 30, 3, 2000);
    expect(log.arrivalOf(10 / 30 + 0.01)).toBeCloseTo(2000 - 3000 / 30, 3);
    expect(log.arrivalOf(1)).toBeUndefined(); // not written yet
  });

  it('shifts decode times to presentation times by the reorder delay', () => {
    const log = new ArrivalLog();
    log.setShift(2 / 30);
    log.record(0, 0.1, 3, 500);
    log.record(0.1, 0.2, 3, 600);
    // Presented at 0.15 s: in the first fragment's span shifted by 2 frames, [1/15, 1/6), its last frame.
    expect(log.arrivalOf(0.15)).toBeCloseTo(500 - 100 / 3, 3);
  });

  it('forgets what it knew when the timeline goes back, and keeps a bounded number of fragments', () => {
    const log = new ArrivalLog();
    for (let k = 0; k < 5000; k++) log.record(k, k + 1, 1, k);
    expect(log.arrivalOf(10)).toBeDefined(); // the oldest are gone: the first remembered one answers
    log.record(0, 1, 1, 9000);
    expect(log.arrivalOf(0.5)).toBeCloseTo(9000 - 1000, 3);
    expect(log.arrivalOf(3)).toBeUndefined();
  });
});

describe('LatencySamples', () => {
  it('reports latency percentiles over its window', () => {
    const s = new LatencySamples();
    for (let i = 0; i < 100; i++) s.add(i < 95 ? 0.5 : 2);
    expect(s.percentiles()).toEqual({ p50: 0.5, p95: 2 });
    expect(s.current).toBe(2);
  });
});
