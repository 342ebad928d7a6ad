// A simulated live WebM stream for the soak test: the WebM half of live-source.mjs, with the same next() contract.
// A fixture clip (one video track, one Opus track) is looped the way scripts/live-webm.js loops it for the browser
// live simulator (indexWebm() there parses the clip once; the Cluster headers are its clusterHead()): an EBML header,
// a Segment of unknown size, Info (no Duration) and Tracks once, then unknown-size Clusters forever, each block's
// time moved on by the loops before. Timestamps are continuous: a loop lasts a whole number of Opus frames, so the
// audio of one loop ends exactly where the next begins. On top of that, seeded and recorded:
//
// - Matroska's analogues of a wrap (a Cluster Timestamp is an unsigned integer of up to 8 bytes: nothing wraps, but
//   fields change shape), as boundaries that must cost nothing:
//   - 'timestamp-width': Cluster Timestamps are written in the fewest bytes (as ffmpeg's muxer does) and the clock
//     starts a few minutes before 2^24 ms (4.66 h), so a Timestamp grows from three to four bytes early in the run
//     (and changes width again after jumps and restarts);
//   - 'int16-range': a block's time is a signed 16-bit offset from its Cluster's Timestamp (RFC 9559 §10.1). Now
//     and then a long Cluster is written whose Timestamp lies 32.768 s after its first block (offset -32768) and
//     which runs until the next offset would pass +32767: a 65.5 s Cluster that uses the whole range, then a forced
//     new Cluster;
// - discontinuities, reported with their delta (ms of the source clock):
//   - 'jump': from one block on, every Cluster Timestamp moves by a delta (seconds to hours, forwards or back), in a
//     new Cluster, as a splice or a muxer whose clock was reset gives;
//   - 'restart': a live encoder restarted: at a loop boundary, a new EBML header, Segment, Info and Tracks (a
//     chained stream, RFC 8794 §6.2), the clock starting again near zero;
// - damage: a flipped bit in a block, a dropped block, garbage between blocks, a truncated Cluster (cut inside a
//   block, the rest of the Cluster lost, the next one whole), a damaged EBML size (a block's size field off), or one
//   block's timestamp off by up to a second.
//
// Every event is reported with its byte offset in the stream, so a checker can tell a repair caused by damage from a
// failure. Times are returned on the 90 kHz clock (the engine's), relative to the clip's first video block.

import { clusterHead, header, indexWebm } from '../../scripts/live-webm.js';
import { Random } from '../fuzz/random.mjs';

const TWO_24 = 2 ** 24;
const SIMPLE_BLOCK = 0xa3;

/**
 * @typedef {{ kind: 'jump', offset: number, delta: number, media: number }
 *   | { kind: 'restart', offset: number, delta: number, media: number }
 *   | { kind: 'boundary', offset: number, boundary: 'timestamp-width' | 'int16-range', detail: number, media: number }
 *   | { kind: 'damage', offset: number, damage: string, bytes: number, media: number }} WebmStreamEvent
 * offset: byte offset in the stream; media: seconds of media time (video) where it happens; delta: the jump of the
 * source clock in 90 kHz ticks (as live-source.mjs reports it); detail: the new Timestamp width in bytes, or the
 * long Cluster's span in ms.
 */

/** What damage can be (see the head of this file). */
export const WEBM_DAMAGE_KINDS = [
  'bit-flip',
  'drop-block',
  'garbage',
  'truncated-cluster',
  'bad-size',
  'bad-timestamp',
];

/** Opus frame duration in ms from a packet's TOC byte (RFC 6716 §3.1, Table 2). @param {number} toc */
function opusFrameMs(toc) {
  const config = toc >> 3;
  if (config < 12) return [10, 20, 40, 60][config & 3];
  if (config < 16) return [10, 20][config & 1];
  return [2.5, 5, 10, 20][config & 3];
}

/** Bytes an unsigned integer element needs (at least one). @param {number} v */
function widthOf(v) {
  let n = 1;
  while (v >= 256 ** n) n++;
  return n;
}

/**
 * @typedef {object} LiveWebmSourceOptions
 * @property {number} seed
 * @property {number} seconds             media seconds to generate (whole loops, at least this much)
 * @property {number} [startMs]           the source clock at the first block (default 2^24 ms less 180 s, or 5 %)
 * @property {number} [jumps]             Cluster Timestamp jumps over the run (default: one per 2 h, at least 3)
 * @property {number} [restarts]          encoder restarts (default: one per 4 h, at least 2)
 * @property {number} [longClusters]      int16-range Clusters (default: one per 30 min, at least 2)
 * @property {number} [damageEvery]       mean seconds of media between damage events (default 30)
 * @property {string[]} [damageKinds]     which of WEBM_DAMAGE_KINDS to inject (default: all)
 */

export class LiveWebmSource {
  /** @param {Uint8Array} clip @param {LiveWebmSourceOptions} o */
  constructor(clip, o) {
    const ix = indexWebm(clip);
    if (ix.timestampScale !== 1e6) throw new Error('soak: the WebM clip must use a TimestampScale of 1 ms');
    const video = [...ix.tracks].find(([, t]) => t.type === 1)?.[0];
    const audio = [...ix.tracks].find(([, t]) => t.type === 2 && t.codecId === 'A_OPUS')?.[0];
    if (video === undefined || audio === undefined)
      throw new Error('soak: the WebM clip needs one video track and one Opus track');
    this.ix = ix;
    this.random = new Random(o.seed);
    /** Each block as a loop sends it: bytes, time (ms, clip clock), where its int16 time sits, its kind. */
    this.blocks = ix.blocks.map((b) => {
      const e = header(b.bytes, 0);
      const block = e.id === SIMPLE_BLOCK ? e.data : header(b.bytes, e.data).data; // a BlockGroup's first child
      const rel = block + Math.clz32(b.bytes[block]) - 23; // after the track number (a vint)
      return {
        ...b,
        rel,
        sizeAt: Math.clz32(b.bytes[0]) - 23, // the element's size field follows its ID
        video: b.track === video,
        key: e.id === SIMPLE_BLOCK && (b.bytes[rel + 2] & 0x80) !== 0,
      };
    });
    const vTimes = this.blocks.filter((b) => b.video).map((b) => b.time);
    const aBlocks = this.blocks.filter((b) => b.track === audio);
    const first = /** @type {number} */ (vTimes[0]);
    const frameMs = (vTimes[vTimes.length - 1] - first) / (vTimes.length - 1);
    // Every Opus block of these clips is one packet; its TOC gives the frame length.
    const a0 = /** @type {(typeof aBlocks)[0]} */ (aBlocks[0]);
    const audioFrameMs = opusFrameMs(a0.bytes[a0.rel + 3]);
    const audioFirst = a0.time;
    const audioEnd = audioFirst + aBlocks.length * audioFrameMs;
    const videoEnd = vTimes[vTimes.length - 1] + frameMs;
    /** The loop: a whole number of Opus frames, holding the clip's video and its audio (ms). */
    this.loopMs = Math.ceil((Math.max(videoEnd, audioEnd) - Math.min(first, audioFirst)) / audioFrameMs) * audioFrameMs;
    this.first = first;
    this.timing = {
      video: { first: 0, end: (videoEnd - first) * 90 },
      audio: { first: (audioFirst - first) * 90, end: (audioEnd - first) * 90 },
      frameTicks: frameMs * 90,
      audioFrameTicks: audioFrameMs * 90,
    };
    this.loops = Math.max(2, Math.ceil((o.seconds * 1000) / this.loopMs));
    this.loop = 0;
    this.offset = 0;
    /** The source clock (ms) at the clip's time 0 in the current loop. */
    this.clock = o.startMs ?? TWO_24 - Math.round(Math.min(180, o.seconds / 20) * 1000);
    /** The Cluster being written: its Timestamp (ms), and whether it is a long one (no new Cluster at keyframes). */
    /** @type {{ time: number, long: boolean } | null} */
    this.cluster = null;
    this.width = 0;
    this.damageProbability = Math.min(1, this.loopMs / 1000 / (o.damageEvery ?? 30));
    this.damageKinds = o.damageKinds ?? WEBM_DAMAGE_KINDS;
    // Where the discontinuities and long Clusters go: after the first tenth of the run, never in the last two
    // loops, at most one thing per loop.
    /** loop index → what happens in it */
    /** @type {Map<number, { kind: 'jump', block: number, deltaMs: number } | { kind: 'restart' } | { kind: 'long', block: number }>} */
    this.plan = new Map();
    const firstLoop = Math.max(2, Math.ceil(this.loops / 10));
    const spread = (/** @type {number} */ n, /** @type {(loop: number) => void} */ put) => {
      for (let k = 0; k < n; k++) {
        let loop = firstLoop + Math.floor(((k + this.random.next()) * (this.loops - 2 - firstLoop)) / n);
        while (this.plan.has(loop) && loop < this.loops - 3) loop++;
        if (!this.plan.has(loop)) put(loop);
      }
    };
    const hours = o.seconds / 3600;
    spread(o.restarts ?? Math.max(2, Math.round(hours / 4)), (loop) => this.plan.set(loop, { kind: 'restart' }));
    spread(o.jumps ?? Math.max(3, Math.round(hours / 2)), (loop) =>
      this.plan.set(loop, {
        kind: 'jump',
        block: this.random.range(1, this.blocks.length - 1),
        deltaMs: Math.round(
          this.random.pick([3, -10, 300, -1800, 7200, 4 * 3600, 30, 3600 + this.random.next() * 3600]) * 1000,
        ),
      }),
    );
    spread(o.longClusters ?? Math.max(2, Math.round(hours * 2)), (loop) =>
      this.plan.set(loop, { kind: 'long', block: this.random.int(this.blocks.length) }),
    );
  }

  /** Media seconds per loop. */
  get loopSeconds() {
    return this.loopMs / 1000;
  }

  /**
   * The next loop of the stream, or null after the last.
   * @returns {{ bytes: Uint8Array, loop: number, offset: number, events: WebmStreamEvent[],
   *   videoEnd: number, audioEnd: number } | null}
   *   videoEnd/audioEnd: where each track's media ends once this loop is in (seconds, from the clip's first video block)
   */
  next() {
    if (this.loop >= this.loops) return null;
    const loop = this.loop;
    /** @type {Uint8Array[]} */
    const parts = [];
    let size = 0;
    const put = (/** @type {Uint8Array} */ p) => {
      parts.push(p);
      size += p.length;
    };
    /** @type {WebmStreamEvent[]} */
    const events = [];
    const media = (/** @type {number} */ ms) => (loop * this.loopMs + ms - this.first) / 1000;
    const plan = this.plan.get(loop);
    if (loop === 0) put(this.ix.head);
    if (plan?.kind === 'restart') {
      // A new EBML header and Segment, the clock near zero again (a live encoder starts it there).
      const next = this.random.int(10000);
      events.push({ kind: 'restart', offset: this.offset, delta: (next - this.clock) * 90, media: media(0) });
      this.clock = next;
      this.cluster = null;
      put(this.ix.head);
    }
    // Damage (never in the first two loops or the last two, so the start and the final check are clean), at one
    // block away from the loop's ends.
    const n = this.blocks.length;
    const damage =
      loop >= 2 && loop < this.loops - 2 && this.random.chance(this.damageProbability)
        ? { block: this.random.range(2, n - 3), kind: this.random.pick(this.damageKinds) }
        : null;
    /** A truncated Cluster: blocks are lost until the clip's next Cluster, which starts a new one. */
    /** @type {{ bytes: number } | null} */
    let losing = null;
    for (let i = 0; i < n; i++) {
      const b = /** @type {(typeof this.blocks)[0]} */ (this.blocks[i]);
      // The block before (the previous loop's last for the first): a new Cluster where the clip has one.
      const prev = /** @type {(typeof this.blocks)[0]} */ (this.blocks[(i + n - 1) % n]);
      if (plan?.kind === 'jump' && plan.block === i) {
        // (Also where the block is lost to a truncated Cluster: the clock moves all the same.)
        const deltaMs = this.clock + plan.deltaMs < 0 ? -plan.deltaMs : plan.deltaMs; // the clock is unsigned
        events.push({ kind: 'jump', offset: this.offset + size, delta: deltaMs * 90, media: media(b.time) });
        this.clock += deltaMs;
        this.cluster = null;
      }
      if (losing) {
        if (b.cluster === prev.cluster) {
          losing.bytes += b.bytes.length;
          continue;
        }
        losing = null;
        this.cluster = null;
      }
      const t = this.clock + b.time;
      const rel = this.cluster ? t - this.cluster.time : 0;
      let open = !this.cluster || rel > 32767 || (!this.cluster.long && b.cluster !== prev.cluster);
      let long = false;
      if (plan?.kind === 'long' && plan.block === i) {
        open = true;
        long = true;
      }
      if (open) {
        // A long Cluster's Timestamp lies 32.768 s after its first block: offsets from -32768 to +32767.
        const time = long ? t + 32768 : t;
        if (this.cluster?.long && rel > 32767) {
          events.push({
            kind: 'boundary',
            boundary: 'int16-range',
            offset: this.offset + size,
            detail: t - (this.cluster.time - 32768),
            media: media(b.time),
          });
        }
        const width = widthOf(time);
        if (width !== this.width && this.width !== 0) {
          events.push({
            kind: 'boundary',
            boundary: 'timestamp-width',
            offset: this.offset + size,
            detail: width,
            media: media(b.time),
          });
        }
        this.width = width;
        this.cluster = { time, long };
        put(clusterHead(time, width));
      }
      const c = /** @type {{ time: number }} */ (this.cluster);
      const bytes = b.bytes.slice();
      const r = t - c.time;
      bytes[b.rel] = (r >> 8) & 0xff;
      bytes[b.rel + 1] = r & 0xff;
      if (damage?.block === i) {
        const at = this.offset + size;
        const e = {
          kind: /** @type {const} */ ('damage'),
          offset: at,
          damage: damage.kind,
          bytes: 0,
          media: media(b.time),
        };
        events.push(e);
        if (damage.kind === 'drop-block') {
          e.bytes = bytes.length;
          continue;
        }
        if (damage.kind === 'bit-flip') {
          const k = this.random.int(bytes.length);
          bytes[k] ^= 1 << this.random.int(8);
          e.offset += k;
          e.bytes = 1;
        } else if (damage.kind === 'garbage') {
          const junk = new Uint8Array(this.random.range(1, 300));
          for (let k = 0; k < junk.length; k++) junk[k] = this.random.int(256);
          put(junk);
          e.bytes = junk.length;
        } else if (damage.kind === 'truncated-cluster') {
          const cut = this.random.range(1, bytes.length - 1);
          put(bytes.subarray(0, cut));
          e.offset += cut;
          e.bytes = bytes.length - cut;
          losing = e;
          continue;
        } else if (damage.kind === 'bad-size') {
          // The element's size field (a vint of sizeLength bytes) off by up to 2^(7·length) − 2 either way.
          const s = b.sizeAt;
          const len = Math.clz32(bytes[s]) - 23;
          const max = 2 ** (7 * len) - 2; // all ones is "unknown"
          let v = bytes[s] & (0xff >> len);
          for (let k = 1; k < len; k++) v = v * 256 + bytes[s + k];
          let w = v;
          while (w === v) w = this.random.int(max + 1);
          bytes[s] = (0x80 >> (len - 1)) | Math.floor(w / 256 ** (len - 1));
          for (let k = 1; k < len; k++) bytes[s + k] = Math.floor(w / 256 ** (len - 1 - k)) % 256;
          e.offset += s;
          e.bytes = len;
        } else {
          const w = r + (this.random.chance(0.5) ? 1 : -1) * this.random.range(1, 1000);
          // (An offset past the int16 range, possible only in a long Cluster, is cut to it.)
          const v = Math.max(-32768, Math.min(32767, w));
          bytes[b.rel] = (v >> 8) & 0xff;
          bytes[b.rel + 1] = v & 0xff;
          e.offset += b.rel;
          e.bytes = 2;
        }
      }
      put(bytes);
    }
    if (losing) this.cluster = null;
    this.clock += this.loopMs;

    const out = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    const result = {
      bytes: out,
      loop,
      offset: this.offset,
      events,
      videoEnd: (loop * this.loopMs * 90 + this.timing.video.end) / 90000,
      audioEnd: (loop * this.loopMs * 90 + this.timing.audio.end) / 90000,
    };
    this.offset += size;
    this.loop++;
    return result;
  }
}
