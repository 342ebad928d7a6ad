// Seeded randomness for the fuzz harness and the soak generator. Nothing here reads the clock or Math.random():
// a case is fully determined by (run seed, case index), so any failure can be produced again from its note.

/**
 * mulberry32: a small 32-bit PRNG with good enough statistics for choosing mutations; the one PRNG of every test
 * (test/helpers/run-engine.ts and engine-runner.mjs re-use it).
 * @param {number} seed
 * @returns {() => number} uniform in [0, 1)
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The seed of case `index` of a run with seed `seed` (a 32-bit integer mix, so neighbouring cases do not share
 * a stream of numbers).
 * @param {number} seed @param {number} index
 */
export function caseSeed(seed, index) {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Helpers over one random stream. */
export class Random {
  /** @param {number} seed */
  constructor(seed) {
    this.next = prng(seed);
  }

  /** Integer in [0, n). @param {number} n */
  int(n) {
    return Math.floor(this.next() * n);
  }

  /** Integer in [lo, hi]. @param {number} lo @param {number} hi */
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }

  /** Integer in [1, max], log-uniform: small values as likely as large ranges. @param {number} max */
  logInt(max) {
    return Math.max(1, Math.min(max, Math.floor(Math.exp(this.next() * Math.log(max + 1)))));
  }

  /** @param {number} p */
  chance(p) {
    return this.next() < p;
  }

  /**
   * @template T
   * @param {readonly T[]} list
   * @returns {T}
   */
  pick(list) {
    return /** @type {T} */ (list[this.int(list.length)]);
  }

  /**
   * Picks by weight: `[[weight, value], ...]`.
   * @template T
   * @param {readonly (readonly [number, T])[]} list
   * @returns {T}
   */
  weighted(list) {
    let total = 0;
    for (const [w] of list) total += w;
    let r = this.next() * total;
    for (const [w, v] of list) {
      r -= w;
      if (r < 0) return v;
    }
    return /** @type {T} */ (list[list.length - 1]?.[1]);
  }

  /** A 32-bit seed for a derived stream. */
  seed() {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}
