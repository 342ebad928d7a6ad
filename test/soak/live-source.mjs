// A simulated live MPEG-TS stream for the soak test, generated on the fly and as fast as it is consumed (no pacing):
// a fixture clip looped, each loop a copy with every PTS/DTS/PCR and continuity counter rewritten so the stream is
// one continuous broadcast (scripts/live-ts.js indexClip() finds the fields). On top of that, seeded and recorded:
//
// - 33-bit wraps: the clock starts a few minutes before 2^33 and simply runs on (mod 2^33), so wraps happen where
//   they fall (a forward jump brings the next one closer);
// - timestamp jumps (an encoder restart or a splice): from one packet on, every timestamp of the program moves by a
//   delta (seconds to hours, forwards or back), continuity counters untouched;
// - damage: a dropped packet, a run of dropped packets, a flipped bit, garbage between packets, a duplicated
//   packet (legal, 13818-1 2.4.3.3: it must cost nothing), or one PES timestamp off by up to a second.
//
// Every event is reported with its byte offset in the stream, so a checker can tell a repair caused by damage from a
// failure. The media clock of each track (without jumps, unwrapped) is reported per loop, for the drift checks.
// live-webm-source.mjs is the WebM source for the same soak, with the same next() contract.

import { indexClip, writePcrBase, writePesTs } from '../../scripts/live-ts.js';
import { Random } from '../fuzz/random.mjs';
import { readPackets } from '../fuzz/ts-index.mjs';

const PACKET = 188;
const TWO_33 = 2 ** 33;
const TWO_30 = 2 ** 30;

/** @param {number} v */
const mod33 = (v) => ((v % TWO_33) + TWO_33) % TWO_33;

/**
 * @typedef {{ kind: 'jump', offset: number, delta: number, media: number }
 *   | { kind: 'wrap', offset: number, media: number }
 *   | { kind: 'damage', offset: number, damage: string, bytes: number, media: number }} StreamEvent
 * offset: byte offset in the stream; media: seconds of media time (video) where it happens.
 */

/**
 * The timing of a clip, read from its PES headers (independently of the engine): per track the first decode time
 * and where the last frame ends, in 90 kHz ticks, unwrapped relative to the clip's first video DTS.
 * @param {Uint8Array} clip
 */
export function clipTiming(clip) {
  const { packets } = readPackets(clip);
  /** @type {Map<number, { id: number, pes: { dts: number, end: number }[] }>} */
  const pids = new Map();
  let rate = 48000;
  /** @type {Map<number, Uint8Array[]>} */
  const open = new Map();
  /** A 33-bit PES timestamp (13818-1 2.4.3.7). @param {Uint8Array} b @param {number} o */
  const read = (b, o) => {
    const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0] = b.subarray(o, o + 5);
    return ((b0 >> 1) & 7) * TWO_30 + (b1 << 22) + ((b2 >> 1) << 15) + (b3 << 7) + (b4 >> 1);
  };
  const close = (pid) => {
    const parts = open.get(pid);
    open.delete(pid);
    if (!parts) return;
    const b = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      b.set(p, at);
      at += p.length;
    }
    if (b.length < 19 || b[0] !== 0 || b[1] !== 0 || b[2] !== 1) return;
    const id = b[3]; // stream_id
    const flags = b[7] >> 6; // PTS_DTS_flags
    if (flags < 2) return;
    const pts = read(b, 9);
    const dts = flags === 3 ? read(b, 14) : pts;
    let end = dts;
    if (id >= 0xc0 && id <= 0xdf) {
      // ADTS frames in the payload (13818-7 6.2): each 1024 samples at the header's rate.
      const rates = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];
      let o = 9 + b[8];
      let samples = 0;
      while (o + 7 <= b.length && b[o] === 0xff) {
        rate = rates[(b[o + 2] >> 2) & 15] ?? rate;
        samples += 1024;
        o += ((b[o + 3] & 3) << 11) | (b[o + 4] << 3) | (b[o + 5] >> 5);
      }
      end = dts + (samples * 90000) / rate;
    }
    let s = pids.get(pid);
    if (!s) {
      s = { id, pes: [] };
      pids.set(pid, s);
    }
    s.pes.push({ dts, end });
  };
  for (const p of packets) {
    if (!(p.afc & 1) || p.payload >= p.offset + PACKET) continue;
    const payload = clip.subarray(p.payload, p.offset + PACKET);
    if (p.pusi) {
      close(p.pid);
      open.set(p.pid, [payload]);
    } else open.get(p.pid)?.push(payload);
  }
  for (const pid of [...open.keys()]) close(pid);
  const video = [...pids.values()].find((s) => s.id >= 0xe0 && s.id <= 0xef);
  const audio = [...pids.values()].find((s) => s.id >= 0xc0 && s.id <= 0xdf);
  if (!video || !audio) throw new Error('soak: the clip needs one video and one audio stream');
  const origin = /** @type {{ dts: number }} */ (video.pes[0]).dts;
  const rel = (t) => {
    let d = mod33(t - origin);
    if (d >= TWO_33 / 2) d -= TWO_33;
    return d;
  };
  const frame =
    rel(/** @type {{ dts: number }} */ (video.pes[1]).dts) - rel(/** @type {{ dts: number }} */ (video.pes[0]).dts);
  const last = (/** @type {{ pes: { dts: number, end: number }[] }} */ s) =>
    /** @type {{ dts: number, end: number }} */ (s.pes[s.pes.length - 1]);
  return {
    /** First decode time of each track, and the end of its last frame (90 kHz, relative to the first video DTS). */
    video: { first: 0, end: rel(last(video).dts) + frame },
    audio: { first: rel(/** @type {{ dts: number }} */ (audio.pes[0]).dts), end: rel(last(audio).end) },
    /** Video frame and AAC frame durations (90 kHz; the AAC one is fractional at 44.1 kHz). */
    frameTicks: frame,
    audioFrameTicks: (1024 * 90000) / rate,
  };
}

/**
 * @typedef {object} LiveSourceOptions
 * @property {number} seed
 * @property {number} seconds             media seconds to generate (whole loops, at least this much)
 * @property {number} [startBeforeWrap]   seconds before 2^33 where the clock starts (default 180, or 5 % of the run)
 * @property {number} [jumps]             timestamp jumps over the run (default: one per 2 h, at least 3)
 * @property {number} [damageEvery]       mean seconds of media between damage events (default 30)
 * @property {string[]} [damageKinds]     which of DAMAGE_KINDS to inject (default: all)
 */

/** What damage can be: a lost packet or run of packets, a flipped bit, garbage between packets, a packet sent
 * twice (legal), or a PES timestamp off by up to a second. */
export const DAMAGE_KINDS = ['drop-packet', 'drop-run', 'bit-flip', 'garbage', 'duplicate-packet', 'bad-timestamp'];

export class LiveTsSource {
  /** @param {Uint8Array} clip @param {LiveSourceOptions} o */
  constructor(clip, o) {
    this.ix = indexClip(clip);
    this.timing = clipTiming(clip);
    this.random = new Random(o.seed);
    // The loop length: a whole number of AAC frames that holds the clip's video and its audio, so the audio of one
    // loop ends exactly where the next begins (a live encoder's audio is seamless). The video then has a short gap
    // at each loop boundary (its last frame lasts longer), which a demuxer takes as a longer frame, not a jump.
    const audioFrame = this.timing.audioFrameTicks;
    const span = Math.max(this.ix.durationTicks, this.timing.audio.end - this.timing.audio.first);
    this.loopTicks = Math.round(Math.ceil(span / audioFrame - 1e-9) * audioFrame);
    this.loops = Math.max(2, Math.ceil((o.seconds * 90000) / this.loopTicks));
    this.loop = 0;
    this.offset = 0;
    /** The clock at the first video DTS of the current loop, not reduced modulo 2^33 (to find the wraps). */
    this.raw = TWO_33 - Math.round((o.startBeforeWrap ?? Math.min(180, o.seconds / 20)) * 90000);
    /** What is added to the clip's timestamps in the current loop (reduced). */
    this.shift = mod33(this.raw - this.ix.firstDts);
    const jumps = o.jumps ?? Math.max(3, Math.round(o.seconds / 7200));
    /** loop index → jump (packet within the loop, delta in ticks) */
    this.jumpAt = new Map();
    const first = Math.max(2, Math.ceil(this.loops / 10));
    for (let k = 0; k < jumps; k++) {
      // Spread over the run after its first tenth (where the first wrap falls), never in the last two loops.
      const loop = first + Math.floor(((k + this.random.next()) * (this.loops - 2 - first)) / jumps);
      const delta = Math.round(
        this.random.pick([3, -10, 300, -1800, 7200, 4 * 3600, 30, 3600 + this.random.next() * 3600]) * 90000,
      );
      this.jumpAt.set(loop, { packet: this.random.int(this.ix.packets), delta });
    }
    this.damageProbability = Math.min(1, this.loopTicks / 90000 / (o.damageEvery ?? 30));
    this.damageKinds = o.damageKinds ?? DAMAGE_KINDS;
  }

  /** Media seconds per loop. */
  get loopSeconds() {
    return this.loopTicks / 90000;
  }

  /**
   * The next loop of the stream, or null after the last.
   * @returns {{ bytes: Uint8Array, loop: number, offset: number, events: StreamEvent[],
   *   videoEnd: number, audioEnd: number } | null}
   *   videoEnd/audioEnd: where each track's media ends once this loop is in (seconds, from the clip's first video DTS)
   */
  next() {
    if (this.loop >= this.loops) return null;
    const ix = this.ix;
    const loop = this.loop;
    const out = ix.bytes.slice();
    /** @type {StreamEvent[]} */
    const events = [];
    const media = (packet) => (loop * this.loopTicks + ix.releaseTicks[packet]) / 90000;
    const jump = this.jumpAt.get(loop);
    const before = this.shift;
    const after = mod33(before + (jump?.delta ?? 0));
    const split = jump ? jump.packet * PACKET : Number.POSITIVE_INFINITY;
    const to = ix.tsFieldOffsets;
    const tv = ix.tsFieldValues;
    for (let k = 0; k < to.length; k++) {
      const at = to[k];
      writePesTs(out, at, mod33(tv[k] + (at < split ? before : after)));
    }
    const po = ix.pcrOffsets;
    const pv = ix.pcrValues;
    for (let k = 0; k < po.length; k++) {
      const at = po[k];
      writePcrBase(out, at, mod33(pv[k] + (at < split ? before : after)));
    }
    const l16 = loop % 16;
    if (l16 !== 0) {
      for (let k = 0; k < ix.ccPackets.length; k++) {
        const o = ix.ccPackets[k] * PACKET + 3;
        out[o] = (out[o] & 0xf0) | ((out[o] + l16 * ix.ccStep[k]) & 0x0f);
      }
    }
    // A wrap: the clock (unreduced) crosses a multiple of 2^33 while it runs, before or after this loop's jump.
    const splitTicks = jump ? ix.releaseTicks[jump.packet] : this.loopTicks;
    const segments = [[this.raw, this.raw + splitTicks, 0]];
    if (jump) segments.push([this.raw + jump.delta + splitTicks, this.raw + jump.delta + this.loopTicks, splitTicks]);
    for (const [from, to, base] of /** @type {number[][]} */ (segments)) {
      const wrapAt = Math.ceil(from / TWO_33) * TWO_33;
      if (wrapAt > from && wrapAt <= to) {
        const ticks = base + wrapAt - from;
        const packet = Math.max(
          0,
          ix.releaseTicks.findIndex((t) => t >= ticks),
        );
        events.push({
          kind: 'wrap',
          offset: this.offset + packet * PACKET,
          media: (loop * this.loopTicks + ticks) / 90000,
        });
      }
    }
    if (jump) events.push({ kind: 'jump', offset: this.offset + split, delta: jump.delta, media: media(jump.packet) });
    this.raw += this.loopTicks + (jump?.delta ?? 0);
    this.shift = mod33(after + this.loopTicks);

    // Damage (never in the first two loops or the last two, so the start and the final check are clean).
    let bytes = out;
    if (loop >= 2 && loop < this.loops - 2 && this.random.chance(this.damageProbability)) {
      let packet = this.random.int(ix.packets - 30);
      let at = packet * PACKET;
      const damage = this.random.pick(this.damageKinds);
      let n = 0;
      if (damage === 'bad-timestamp') {
        // One PES whose PTS (and DTS) are off by up to a second, as a bit error in the field makes them.
        const k = this.random.int(to.length);
        const field = /** @type {number} */ (to[k]);
        const delta = (this.random.chance(0.5) ? 1 : -1) * this.random.range(1, 90000);
        n = 5;
        at = field;
        packet = Math.floor(field / PACKET);
        for (const f of [k, k + 1]) {
          const o = to[f];
          if (o === undefined || (f > k && o !== field + 5)) continue;
          writePesTs(out, o, mod33(/** @type {number} */ (tv[f]) + (o < split ? before : after) + delta));
        }
      } else if (damage === 'drop-packet' || damage === 'drop-run') {
        n = (damage === 'drop-packet' ? 1 : this.random.range(2, 20)) * PACKET;
        bytes = concat(out.subarray(0, at), out.subarray(at + n));
      } else if (damage === 'bit-flip') {
        n = 1;
        out[at + this.random.int(PACKET)] ^= 1 << this.random.int(8);
      } else if (damage === 'garbage') {
        const junk = new Uint8Array(this.random.range(1, 300));
        for (let i = 0; i < junk.length; i++) junk[i] = this.random.int(256);
        n = junk.length;
        bytes = concat(out.subarray(0, at), junk, out.subarray(at));
      } else {
        n = PACKET;
        bytes = concat(out.subarray(0, at + PACKET), out.subarray(at, at + PACKET), out.subarray(at + PACKET));
      }
      events.push({ kind: 'damage', offset: this.offset + at, damage, bytes: n, media: media(packet) });
    }

    const result = {
      bytes,
      loop,
      offset: this.offset,
      events,
      videoEnd: (loop * this.loopTicks + this.timing.video.end) / 90000,
      audioEnd: (loop * this.loopTicks + this.timing.audio.end) / 90000,
    };
    this.offset += bytes.length;
    this.loop++;
    return result;
  }
}

/** @param {...Uint8Array} parts */
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
