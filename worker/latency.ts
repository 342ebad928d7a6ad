/**
 * LatencyController (DESIGN.md §4): keeps a live stream's latency near a target from the worker,
 * where the buffered ranges are. Latency here is the distance from the playhead to the live edge
 * (the end of what is buffered). The main thread only reports ticks and applies the rate it is told.
 *
 * - Above the target by more than the hysteresis band, play faster, within the rate limits and in
 *   proportion to the excess; keep catching up until the target itself is reached (no oscillation
 *   at the band's edge).
 * - Below the target by more than the band, play slightly slower, so the buffer refills before it
 *   runs dry (a stall costs far more latency than the slow-down).
 * - Past the maximum, jump: a seek to the live edge minus the target.
 * - Every rate comes with a short validity: the facade returns to 1.0 on its own when it lapses, so
 *   a main thread blocked during a catch-up cannot leave the rate high (measured on a peer: a block
 *   at 1.2x froze the picture for 368 ms).
 */

export interface LatencyOptions {
  /** Seconds behind the live edge to aim for. */
  target: number;
  /** Seconds behind the live edge past which the playhead jumps. */
  max: number;
  /** Slowest and fastest playback rates used to steer. */
  minRate: number;
  maxRate: number;
}

export type LatencyDecision =
  | { action: 'none' }
  | { action: 'rate'; rate: number; validForMs: number }
  | { action: 'seek'; time: number };

/** Half-width of the band around the target where nothing is done (seconds). */
const BAND = 0.1;
/** How long a rate holds unless renewed by the next decision (the ticks come every ~250 ms). */
const RATE_VALIDITY_MS = 1000;
/** Seconds of latency excess that ask for the full speed-up. */
const FULL_SPEED_EXCESS = 1;
/** Latency samples kept for the percentiles (about a minute at 4 ticks a second). */
const WINDOW = 240;

export class LatencyController {
  private readonly options: LatencyOptions;
  private catchingUp = false;
  private slowingDown = false;
  private readonly samples: number[] = [];
  /** The latest latency measured (seconds), NaN before the first. */
  current = Number.NaN;

  constructor(options: LatencyOptions) {
    this.options = options;
  }

  /** Decides from the element's state: its playhead and the end of the buffered range it is in. */
  update(currentTime: number, liveEdge: number, paused: boolean): LatencyDecision {
    const latency = Math.max(0, liveEdge - currentTime);
    this.current = latency;
    this.samples.push(latency);
    if (this.samples.length > WINDOW) this.samples.shift();
    if (paused) return { action: 'none' };
    const { target, max, minRate, maxRate } = this.options;
    if (latency > max) {
      this.catchingUp = false;
      this.slowingDown = false;
      return { action: 'seek', time: Math.max(0, liveEdge - target) };
    }
    if (latency > target + BAND) this.catchingUp = true;
    if (latency <= target) this.catchingUp = false;
    if (latency < target - BAND) this.slowingDown = true;
    if (latency >= target) this.slowingDown = false;
    if (this.catchingUp) {
      const excess = Math.min(1, (latency - target) / FULL_SPEED_EXCESS);
      const rate = round(1 + (maxRate - 1) * Math.max(0.25, excess));
      return { action: 'rate', rate, validForMs: RATE_VALIDITY_MS };
    }
    if (this.slowingDown) return { action: 'rate', rate: round(minRate), validForMs: RATE_VALIDITY_MS };
    return { action: 'rate', rate: 1, validForMs: RATE_VALIDITY_MS };
  }

  /** Latency percentiles over the recent window (seconds). */
  percentiles(): { p50: number; p95: number } {
    if (this.samples.length === 0) return { p50: Number.NaN, p95: Number.NaN };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    return { p50: at(0.5), p95: at(0.95) };
  }
}

function round(rate: number): number {
  return Math.round(rate * 1000) / 1000;
}
