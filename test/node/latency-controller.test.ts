// The worker's LatencyController (worker/latency.ts) decides from numbers alone: these tests drive it with simulated
// element state, tick by tick, the way the session does every 250 ms.
import { describe, expect, it } from 'vitest';
import { LatencyController } from '../../worker/latency.js';

const options = { target: 0.5, max: 3, minRate: 0.95, maxRate: 1.1 };

/** Simulates a live element: the edge advances in real time, the playhead at the rate the controller sets. */
function simulate(startLatency: number, seconds: number, controller = new LatencyController(options)) {
  let edge = 100;
  let time = edge - startLatency;
  let rate = 1;
  const trace: { latency: number; rate: number }[] = [];
  for (let t = 0; t < seconds; t += 0.25) {
    const d = controller.update(time, edge, false);
    if (d.action === 'seek') time = d.time;
    if (d.action === 'rate') rate = d.rate;
    trace.push({ latency: edge - time, rate });
    edge += 0.25;
    time += 0.25 * rate;
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

  it('every rate it gives is valid for a short time only, so a lapse returns to 1.0', () => {
    const c = new LatencyController(options);
    const d = c.update(0, 2, false);
    expect(d).toMatchObject({ action: 'rate' });
    if (d.action === 'rate') expect(d.validForMs).toBeLessThanOrEqual(1000);
  });

  it('reports latency percentiles over its window', () => {
    const c = new LatencyController(options);
    for (let i = 0; i < 100; i++) c.update(0, i < 95 ? 0.5 : 2, true);
    expect(c.percentiles()).toEqual({ p50: 0.5, p95: 2 });
    expect(c.current).toBe(2);
  });
});
