/**
 * Live latency, in the worker (DESIGN.md §4), where the buffered ranges and the arrival of every fragment are known.
 *
 * Two different quantities, on purpose:
 * - The distance from the playhead to the live edge (the end of what is buffered): what the LatencyController steers,
 *   since it is what the element can play before it stalls.
 * - The latency reported in stats: from the arrival of a frame's last byte to its presentation (ArrivalLog), what a
 *   viewer waits and what the live source can measure end to end (test/browser/latency.spec.ts). It is the distance
 *   plus the time a frame spends in weir before it is buffered (about one frame: see ArrivalLog).
 *
 * The LatencyController, from the main thread's ticks (the main thread only reports ticks and applies the rate it is
 * told):
 * - Above the target by more than the hysteresis band, play faster, within the rate limits and in proportion to the
 *   excess; keep catching up until the target itself is reached (no oscillation at the band's edge). In the upper half
 *   of the band for ~3 s (a playhead that slipped behind while the machine was busy), catch up the same way, gently:
 *   the latency returns to the target instead of keeping the slip.
 * - Below the target by more than the band, play slightly slower, so the buffer refills before it runs dry (a stall
 *   costs far more latency than the slow-down: Chromium resumes only with 200 ms of audio queued, and doubles that
 *   after each underflow).
 * - Past the maximum, jump: a seek to the live edge minus the target.
 * - Every rate comes with a short validity: the facade returns to 1.0 on its own when it lapses, so a main thread
 *   blocked during a catch-up cannot leave the rate high (measured on a peer: a block at 1.2x froze the picture for
 *   368 ms).
 * - The distance it steers by is the low point of the last few ticks, not the last one: the live edge advances a
 *   fragment at a time, so the distance is a sawtooth as deep as a fragment (and as an audio PES), and a tick can land
 *   anywhere on it. The low point is what runs dry first.
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

/**
 * Largest half-width of the band around the target where nothing is done (seconds); a quarter of the target below
 * 0.4 s. A live stream starts ~0.2 s behind the edge whatever the target (Chromium starts playing with 200 ms of audio
 * queued): a wide band would leave a low target's latency anywhere in it, depending on where it started.
 */
const BAND = 0.1;
/**
 * Ticks (about 3 s) the low point may stay in the upper half of the band before the controller takes it back to the
 * target: a playhead that slipped (the machine was busy) would otherwise keep the extra latency for good, at rate 1.0
 * anywhere up to the band's top. Three seconds, so a dip of the live edge (a large keyframe arriving) is not chased.
 */
const SETTLE_TICKS = 12;
/** How long a rate holds unless renewed by the next decision (the ticks come every ~250 ms). */
const RATE_VALIDITY_MS = 1000;
/** Seconds of latency excess that ask for the full speed-up. */
const FULL_SPEED_EXCESS = 1;
/** Ticks whose low point is steered by (about a second at the default 250 ms). */
const LOW_POINT_TICKS = 4;
/** Latency samples kept for the percentiles (about a minute at 4 ticks a second). */
const WINDOW = 240;

export class LatencyController {
  private readonly options: LatencyOptions;
  private readonly band: number;
  private catchingUp = false;
  private slowingDown = false;
  /** Consecutive ticks with the low point above the target by more than half the band. */
  private aboveTicks = 0;
  private readonly recent: number[] = [];
  /** The distance to the live edge measured last (seconds), NaN before the first. */
  distance = Number.NaN;

  constructor(options: LatencyOptions) {
    this.options = options;
    this.band = Math.min(BAND, options.target / 4);
  }

  /** Decides from the element's state: its playhead and the end of the buffered range it is in. */
  update(currentTime: number, liveEdge: number, paused: boolean): LatencyDecision {
    const distance = Math.max(0, liveEdge - currentTime);
    this.distance = distance;
    if (paused) {
      this.recent.length = 0;
      return { action: 'none' };
    }
    const { target, max, minRate, maxRate } = this.options;
    if (distance > max) {
      this.catchingUp = false;
      this.slowingDown = false;
      this.aboveTicks = 0;
      this.recent.length = 0;
      return { action: 'seek', time: Math.max(0, liveEdge - target) };
    }
    this.recent.push(distance);
    if (this.recent.length > LOW_POINT_TICKS) this.recent.shift();
    const low = Math.min(...this.recent);
    this.aboveTicks = low > target + this.band / 2 ? this.aboveTicks + 1 : 0;
    if (low > target + this.band || this.aboveTicks >= SETTLE_TICKS) this.catchingUp = true;
    if (low <= target) this.catchingUp = false;
    if (low < target - this.band) this.slowingDown = true;
    if (low >= target) this.slowingDown = false;
    if (this.catchingUp) {
      const excess = Math.min(1, (low - target) / FULL_SPEED_EXCESS);
      const rate = round(1 + (maxRate - 1) * Math.max(0.25, excess));
      return { action: 'rate', rate, validForMs: RATE_VALIDITY_MS };
    }
    if (this.slowingDown) return { action: 'rate', rate: round(minRate), validForMs: RATE_VALIDITY_MS };
    return { action: 'rate', rate: 1, validForMs: RATE_VALIDITY_MS };
  }
}

/** Most fragments remembered: about a minute of one-frame fragments at 30 fps (two arrays of 16 KiB). */
const ARRIVALS = 2048;

/**
 * When the media arrived: for each fragment of the track that is presented (video, else audio), its end on the
 * element's timeline and the wall time (ms) of the input chunk that let the engine write it. A fragment is written once
 * its frames' bytes are in and the next frame has begun (MPEG-TS video PES have no length: a frame ends where the next
 * starts, and a sample's duration is the distance to the next one), so the frame at `t` inside a fragment [start, end)
 * of n frames of d = (end - start) / n arrived (k + 1) d before that chunk, k being the number of frames after it in
 * the fragment: a live source sends in real time, and the remuxer held the fragment's last frame one frame longer.
 * An `early` fragment (the engine wrote it at the next frame's PES header, as soon as its last frame was complete) held
 * nothing: k d. (Measured against the live simulator's own record: within ~6 ms of the frame at the playhead.)
 */
export class ArrivalLog {
  private readonly ends = new Float64Array(ARRIVALS);
  private readonly frame = new Float32Array(ARRIVALS);
  private readonly times = new Float64Array(ARRIVALS);
  /** 1 when the fragment was written as soon as its last frame was complete (nothing held), else 0. */
  private readonly held = new Uint8Array(ARRIVALS);
  private first = 0;
  private count = 0;
  /** Seconds from a fragment's decode times to its presentation times (B-frames: the reorder delay). */
  private shift = 0;

  /** Sets the reorder delay: the track's first presentation time minus its first decode time. */
  setShift(seconds: number): void {
    this.shift = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  }

  /**
   * A fragment [start, end) of `samples` frames (decode times, element seconds), written at `at` (ms); `early`: written
   * the moment its last frame was complete (see the class).
   */
  record(start: number, end: number, samples: number, at: number, early = false): void {
    const last = this.count > 0 ? this.ends[(this.first + this.count - 1) % ARRIVALS]! : -Infinity;
    if (end + this.shift <= last) {
      // The timeline went back (a new stream on the same element): what is remembered no longer applies.
      this.count = 0;
    }
    const i = (this.first + this.count) % ARRIVALS;
    this.ends[i] = end + this.shift;
    this.frame[i] = samples > 0 ? (end - start) / samples : 0;
    this.times[i] = at;
    this.held[i] = early ? 0 : 1;
    if (this.count < ARRIVALS) this.count++;
    else this.first = (this.first + 1) % ARRIVALS;
  }

  /** When the last byte of the media at `time` (element seconds) arrived (ms), or undefined when it is not known. */
  arrivalOf(time: number): number | undefined {
    if (this.count === 0) return undefined;
    // The first fragment that ends after `time` (ends only grow): a binary search over the ring.
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[(this.first + mid) % ARRIVALS]! > time) hi = mid;
      else lo = mid + 1;
    }
    if (lo === this.count) return undefined; // past everything written (a playhead cannot be there)
    const i = (this.first + lo) % ARRIVALS;
    const frame = this.frame[i]!;
    const after = frame > 0 ? Math.floor(Math.max(0, this.ends[i]! - time) / frame) : 0; // frames after it
    return this.times[i]! - (after + this.held[i]!) * frame * 1000;
  }
}

/** Latency samples (seconds) over about the last minute: the latest, and percentiles. */
export class LatencySamples {
  private readonly samples: number[] = [];
  /** The latest sample, NaN before the first. */
  current = Number.NaN;

  add(latency: number): void {
    this.current = latency;
    this.samples.push(latency);
    if (this.samples.length > WINDOW) this.samples.shift();
  }

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
