// The mutation catalogue of the fuzz harness. Each mutator takes the bytes of a case (a private copy it may change
// in place), a seeded Random and a context, and returns the mutated bytes with a note that says what it did (kept
// in the reproducer). Mutators aim at what a demuxer trusts: packet and PES boundaries, length fields
// (PES_packet_length, adaptation_field_length, section_length, ADTS frame_length, EBML sizes), timestamps, SPS
// fields, continuity counters, and the order of packets. Generic ones (bit flips, byte runs, cuts, splices) need
// no knowledge of the container.
//
// To add a container (WebM, later): give its mutators `kinds: ['webm']`; the case generator offers a source only
// the mutators of its kind and the generic ones.

import { indexEbml } from './ebml-index.mjs';
import { concat, crc32mpeg, indexTs } from './ts-index.mjs';

const PACKET = 188;

/**
 * @typedef {import('./random.mjs').Random} Random
 * @typedef {'ts' | 'webm'} SourceKind
 * @typedef {{ name: string, kind: SourceKind, bytes: Uint8Array }} Source
 * @typedef {{ other: () => Source, kind: SourceKind }} MutationContext
 * @typedef {{ bytes: Uint8Array, note: Record<string, unknown> }} Mutation
 * @typedef {{ name: string, kinds: (SourceKind | 'any')[], weight: number,
 *   apply: (r: Random, b: Uint8Array, ctx: MutationContext) => Mutation | null }} Mutator
 */

/** Memoised index of the bytes a mutator is looking at (several mutators of one case may ask). */
const tsCache = new WeakMap();
/** @param {Uint8Array} b @returns {import('./ts-index.mjs').TsIndex} */
function ts(b) {
  let ix = tsCache.get(b);
  if (!ix) {
    ix = indexTs(b);
    tsCache.set(b, ix);
  }
  return ix;
}

/** @param {Uint8Array} b @param {number} at @param {Uint8Array} insert @param {number} [remove] */
function splice(b, at, insert, remove = 0) {
  return concat([b.subarray(0, at), insert, b.subarray(at + remove)]);
}

/** A run of `n` bytes of one kind: zeros, ones, sync bytes, start codes, or noise. @param {Random} r @param {number} n */
function run(r, n) {
  const fill = r.pick(['00', 'ff', '47', 'startcode', 'noise']);
  const out = new Uint8Array(n);
  if (fill === 'noise') for (let i = 0; i < n; i++) out[i] = r.int(256);
  else if (fill === 'startcode') for (let i = 0; i < n; i++) out[i] = i % 4 === 2 ? 1 : 0;
  else out.fill(Number.parseInt(fill, 16));
  return { out, fill };
}

/** A cut point of a kind chosen at random: a packet boundary, a PES start, inside a PES header, or any byte. */
function cutPoint(/** @type {Random} */ r, /** @type {Uint8Array} */ b, /** @type {SourceKind} */ kind) {
  const how = kind === 'ts' ? r.pick(['packet', 'pes', 'pes-header', 'mid-pes', 'byte']) : r.pick(['element', 'byte']);
  if (how === 'packet' || how === 'pes' || how === 'pes-header' || how === 'mid-pes') {
    const ix = ts(b);
    if (how === 'packet' && ix.packets.length) return { at: r.pick(ix.packets).offset, how };
    if (ix.pes.length) {
      const pes = r.pick(ix.pes);
      const start = /** @type {import('./ts-index.mjs').Packet} */ (ix.packets[pes.packet]).offset;
      if (how === 'pes') return { at: start, how };
      if (how === 'pes-header') return { at: pes.at + r.int(20), how };
      const later = ix.packets[pes.packet + 1 + r.int(8)];
      if (later) return { at: later.offset + r.int(PACKET), how };
    }
  }
  if (how === 'element') {
    const els = indexEbml(b);
    if (els.length) {
      const e = r.pick(els);
      return { at: r.chance(0.5) ? e.at : e.sizeAt + e.sizeLength + r.int(16), how };
    }
  }
  return { at: r.int(b.length + 1), how: 'byte' };
}

/** The 5-byte PES timestamp of 13818-1 2.4.3.7 with its prefix nibble and marker bits. */
function writeTimestamp(/** @type {Uint8Array} */ b, o, prefix, v) {
  const hi = Math.floor(v / 2 ** 30) & 7;
  const rest = v % 2 ** 30;
  b[o] = (prefix << 4) | (hi << 1) | 1;
  b[o + 1] = (rest >>> 22) & 0xff;
  b[o + 2] = (((rest >>> 15) & 0x7f) << 1) | 1;
  b[o + 3] = (rest >>> 7) & 0xff;
  b[o + 4] = ((rest & 0x7f) << 1) | 1;
}

/** Values that break length fields: zero, tiny, one past a limit, the maximum, and random. */
function hostileLength(/** @type {Random} */ r, max, current) {
  return r.pick([
    0,
    1,
    2,
    3,
    max,
    max - 1,
    r.int(max + 1),
    Math.max(0, current - 1 - r.int(8)),
    Math.min(max, current + 1 + r.int(8)),
  ]);
}

/** @type {Mutator[]} */
export const MUTATORS = [
  // ---- generic -------------------------------------------------------------------------------
  {
    name: 'bit-flips',
    kinds: ['any'],
    weight: 6,
    apply(r, b) {
      const n = r.weighted([
        [4, r.range(1, 4)],
        [3, r.range(5, 64)],
        [2, r.range(65, 2000)],
      ]);
      for (let k = 0; k < n; k++) b[r.int(b.length)] ^= 1 << r.int(8);
      return { bytes: b, note: { flips: n } };
    },
  },
  {
    name: 'byte-run',
    kinds: ['any'],
    weight: 4,
    apply(r, b) {
      const n = r.logInt(8192);
      const at = r.int(b.length);
      const { out, fill } = run(r, Math.min(n, b.length - at));
      const how = r.pick(['overwrite', 'insert', 'delete']);
      if (how === 'overwrite') {
        b.set(out, at);
        return { bytes: b, note: { how, at, length: out.length, fill } };
      }
      if (how === 'insert') return { bytes: splice(b, at, out), note: { how, at, length: out.length, fill } };
      return { bytes: splice(b, at, new Uint8Array(0), n), note: { how, at, length: n } };
    },
  },
  {
    name: 'truncate',
    kinds: ['any'],
    weight: 4,
    apply(r, b, ctx) {
      const { at, how } = cutPoint(r, b, ctx.kind);
      const end = r.chance(0.75) ? 'tail' : 'head';
      return { bytes: end === 'tail' ? b.slice(0, at) : b.slice(at), note: { end, at, how } };
    },
  },
  {
    name: 'splice',
    kinds: ['any'],
    weight: 3,
    apply(r, b, ctx) {
      const other = ctx.other();
      const a = cutPoint(r, b, ctx.kind);
      const c = cutPoint(r, other.bytes, other.kind);
      return {
        bytes: concat([b.subarray(0, a.at), other.bytes.subarray(c.at)]),
        note: { cut: a.at, cutHow: a.how, other: other.name, from: c.at, fromHow: c.how },
      };
    },
  },
  {
    name: 'repeat-range',
    kinds: ['any'],
    weight: 2,
    apply(r, b) {
      // A reconnecting source that sends a stretch again, or a stuck buffer.
      const from = r.int(b.length);
      const n = Math.min(b.length - from, r.logInt(200_000));
      const times = r.range(1, 3);
      const parts = [b.subarray(0, from + n)];
      for (let k = 0; k < times; k++) parts.push(b.subarray(from, from + n));
      parts.push(b.subarray(from + n));
      return { bytes: concat(parts), note: { from, length: n, times } };
    },
  },

  {
    name: 'hostile-input',
    kinds: ['any'],
    weight: 1,
    apply(r, b) {
      // Inputs that are not media at all, or media behind a wall of garbage (the not-TS limit is 1 MiB).
      const how = r.pick(['noise', 'all-sync-bytes', 'text', 'garbage-prefix', 'tiny']);
      if (how === 'noise') return { bytes: run(r, r.logInt(400_000)).out.map(() => r.int(256)), note: { how } };
      if (how === 'all-sync-bytes') return { bytes: new Uint8Array(r.logInt(100_000)).fill(0x47), note: { how } };
      if (how === 'text') {
        const text = '<html><body>404 Not Found</body></html>\n'.repeat(r.logInt(2000));
        return { bytes: new TextEncoder().encode(text), note: { how } };
      }
      if (how === 'garbage-prefix') {
        const n = r.pick([1024 * 1024 - 1, 1024 * 1024 + 1, r.logInt(2_000_000)]);
        const junk = new Uint8Array(n);
        for (let i = 0; i < n; i++) junk[i] = r.chance(0.01) ? 0x47 : r.int(256);
        return { bytes: concat([junk, b]), note: { how, length: n } };
      }
      return { bytes: b.slice(0, r.int(400)), note: { how } };
    },
  },

  // ---- MPEG-TS -------------------------------------------------------------------------------
  {
    name: 'packets-dup-drop',
    kinds: ['ts'],
    weight: 5,
    apply(r, b) {
      const ix = ts(b);
      const count = ix.packets.length;
      if (count < 2) return null;
      const how = r.pick(['duplicate', 'duplicate-later', 'drop', 'drop-run', 'swap']);
      const n = how === 'drop-run' ? r.logInt(400) : r.logInt(64);
      const first = r.int(count);
      const chosen = new Set();
      for (let k = 0; k < n; k++) chosen.add(how === 'drop-run' ? (first + k) % count : r.int(count));
      // The input as slots: the bytes before each packet (garbage, usually none), the packet, and the tail.
      /** @type {Uint8Array[][]} */
      const slots = ix.packets.map((p, k) => {
        const before = k === 0 ? 0 : /** @type {import('./ts-index.mjs').Packet} */ (ix.packets[k - 1]).offset + PACKET;
        return [b.subarray(Math.min(before, p.offset), p.offset), b.subarray(p.offset, p.offset + PACKET)];
      });
      const last = /** @type {import('./ts-index.mjs').Packet} */ (ix.packets[count - 1]);
      const tail = b.subarray(Math.min(b.length, last.offset + PACKET));
      for (const k of chosen) {
        const slot = /** @type {Uint8Array[]} */ (slots[k]);
        const packet = /** @type {Uint8Array} */ (slot[1]);
        if (how === 'duplicate')
          slot.push(packet); // right after itself: a legal duplicate (2.4.3.3)
        else if (how === 'duplicate-later') slots[Math.min(count - 1, k + 1 + r.logInt(64))]?.push(packet);
        else if (how === 'swap' && k + 1 < count) {
          const next = /** @type {Uint8Array[]} */ (slots[k + 1]);
          [slot[1], next[1]] = [next[1], packet];
        } else if (how !== 'swap') slot.length = 1;
      }
      return {
        bytes: concat([...slots.flat(), tail]),
        note: { how, packets: [...chosen].slice(0, 50), count: chosen.size },
      };
    },
  },
  {
    name: 'pes-length',
    kinds: ['ts'],
    weight: 4,
    apply(r, b) {
      const ix = ts(b);
      const fields = [];
      const n = r.logInt(16);
      for (let k = 0; k < n && ix.pes.length; k++) {
        const pes = r.pick(ix.pes);
        if (pes.at + 6 > b.length) continue;
        const current = (b[pes.at + 4] << 8) | b[pes.at + 5];
        const field = r.pick(['PES_packet_length', 'PES_header_data_length', 'PTS_DTS_flags', 'start_code']);
        let value;
        if (field === 'PES_packet_length') {
          value = hostileLength(r, 0xffff, current);
          b[pes.at + 4] = value >> 8;
          b[pes.at + 5] = value & 0xff;
        } else if (field === 'PES_header_data_length' && pes.at + 9 <= b.length) {
          value = r.pick([0, 1, 4, 5, 9, 10, 255, r.int(256)]);
          b[pes.at + 8] = value;
        } else if (field === 'PTS_DTS_flags' && pes.at + 8 <= b.length) {
          value = r.int(4);
          b[pes.at + 7] = (b[pes.at + 7] & 0x3f) | (value << 6);
        } else {
          value = r.int(256);
          b[pes.at + r.int(3)] = value;
        }
        fields.push({ at: pes.at, field, value });
      }
      return fields.length ? { bytes: b, note: { fields } } : null;
    },
  },
  {
    name: 'timestamps',
    kinds: ['ts'],
    weight: 4,
    apply(r, b) {
      const ix = ts(b);
      const withPts = ix.pes.filter((p) => p.at + 19 <= b.length && b[p.at + 7] >> 6 >= 2);
      if (!withPts.length) return null;
      const how = r.pick(['random', 'jump-from-here', 'backwards', 'dts-after-pts', 'zero', 'max', 'wrap-soon']);
      const n = how === 'jump-from-here' || how === 'wrap-soon' ? withPts.length : r.logInt(32);
      const start = r.int(withPts.length);
      const delta = r.pick([-90000 * 3600, -90000, -3000, 1, 3000, 90000 * 5, 90000 * 3600, 2 ** 32]);
      const list =
        how === 'jump-from-here' || how === 'wrap-soon'
          ? withPts.slice(start)
          : Array.from({ length: n }, () => r.pick(withPts));
      for (const pes of list) {
        const o = pes.at + 9;
        const read = (at) =>
          ((b[at] >> 1) & 7) * 2 ** 30 +
          (b[at + 1] << 22) +
          ((b[at + 2] >> 1) << 15) +
          (b[at + 3] << 7) +
          (b[at + 4] >> 1);
        const flags = b[pes.at + 7] >> 6;
        const pts = read(o);
        let v = pts;
        if (how === 'random') v = Math.floor(r.next() * 2 ** 33);
        else if (how === 'jump-from-here' || how === 'backwards')
          v = pts + (how === 'backwards' ? -Math.abs(delta) : delta);
        else if (how === 'zero') v = 0;
        else if (how === 'max') v = 2 ** 33 - 1;
        else if (how === 'wrap-soon') v = pts + (2 ** 33 - read(withPts[start].at + 9)) - 90000;
        v = ((v % 2 ** 33) + 2 ** 33) % 2 ** 33;
        if (how === 'dts-after-pts' && flags === 3) {
          writeTimestamp(b, o + 5, 1, (pts + 9000) % 2 ** 33);
          continue;
        }
        writeTimestamp(b, o, flags === 3 ? 3 : 2, v);
        if (flags === 3 && how !== 'random') writeTimestamp(b, o + 5, 1, (read(o + 5) + (v - pts) + 2 ** 33) % 2 ** 33);
      }
      return { bytes: b, note: { how, from: start, count: list.length, delta } };
    },
  },
  {
    name: 'adaptation-field',
    kinds: ['ts'],
    weight: 3,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.packets.length) return null;
      const n = r.logInt(64);
      const edits = [];
      for (let k = 0; k < n; k++) {
        const p = r.pick(ix.packets);
        const field = r.pick(['adaptation_field_length', 'adaptation_field_control', 'discontinuity_indicator']);
        let value;
        if (field === 'adaptation_field_length') {
          value = r.pick([0, 1, 7, 182, 183, 184, 255, r.int(256)]);
          b[p.offset + 3] = b[p.offset + 3] | 0x20;
          b[p.offset + 4] = value;
        } else if (field === 'adaptation_field_control') {
          value = r.int(4);
          b[p.offset + 3] = (b[p.offset + 3] & 0xcf) | (value << 4);
        } else {
          value = 1;
          b[p.offset + 3] = b[p.offset + 3] | 0x20;
          if (b[p.offset + 4] === 0) b[p.offset + 4] = 1;
          b[p.offset + 5] = b[p.offset + 5] | 0x80;
        }
        edits.push({ at: p.offset, field, value });
      }
      return { bytes: b, note: { edits } };
    },
  },
  {
    name: 'packet-header',
    kinds: ['ts'],
    weight: 3,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.packets.length) return null;
      const pids = [...new Set(ix.packets.map((p) => p.pid))];
      const n = r.logInt(64);
      const edits = [];
      for (let k = 0; k < n; k++) {
        const p = r.pick(ix.packets);
        const field = r.pick([
          'continuity_counter',
          'PID',
          'payload_unit_start_indicator',
          'transport_error_indicator',
          'transport_scrambling_control',
          'sync_byte',
        ]);
        let value = 0;
        if (field === 'continuity_counter') {
          value = r.int(16);
          b[p.offset + 3] = (b[p.offset + 3] & 0xf0) | value;
        } else if (field === 'PID') {
          value = r.chance(0.6) ? r.pick(pids) : r.pick([0, 1, 0x10, 0x1fff, r.int(0x2000)]);
          b[p.offset + 1] = (b[p.offset + 1] & 0xe0) | (value >> 8);
          b[p.offset + 2] = value & 0xff;
        } else if (field === 'payload_unit_start_indicator') {
          b[p.offset + 1] = b[p.offset + 1] ^ 0x40;
        } else if (field === 'transport_error_indicator') {
          b[p.offset + 1] = b[p.offset + 1] | 0x80;
        } else if (field === 'transport_scrambling_control') {
          value = r.range(1, 3);
          b[p.offset + 3] = (b[p.offset + 3] & 0x3f) | (value << 6);
        } else {
          value = r.int(256);
          b[p.offset] = value;
        }
        edits.push({ at: p.offset, field, value });
      }
      return { bytes: b, note: { edits } };
    },
  },
  {
    name: 'psi',
    kinds: ['ts'],
    weight: 4,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.psi.length) return null;
      const fixCrc = r.chance(0.7);
      const edits = [];
      for (let k = r.logInt(8); k > 0; k--) {
        const s = r.pick(ix.psi);
        const o = s.section;
        const end = /** @type {import('./ts-index.mjs').Packet} */ (ix.packets[s.packet]).offset + PACKET;
        const length = ((b[o + 1] & 15) << 8) | b[o + 2];
        const isPmt = b[o] === 2;
        const field = r.pick(
          isPmt
            ? [
                'section_length',
                'pointer_field',
                'table_id',
                'current_next_indicator',
                'version_number',
                'program_info_length',
                'stream_type',
                'elementary_PID',
                'ES_info_length',
                'byte',
              ]
            : ['section_length', 'pointer_field', 'table_id', 'current_next_indicator', 'program_map_PID', 'byte'],
        );
        let at = o;
        let value = 0;
        if (field === 'section_length') {
          value = hostileLength(r, 0xfff, length);
          b[o + 1] = (b[o + 1] & 0xf0) | (value >> 8);
          b[o + 2] = value & 0xff;
        } else if (field === 'pointer_field') {
          at = s.pointer;
          value = r.pick([1, 2, 183, 184, 255, r.int(256)]);
          b[at] = value;
        } else if (field === 'table_id') {
          value = r.pick([0, 1, 2, 0xff]);
          b[o] = value;
        } else if (field === 'current_next_indicator') {
          b[o + 5] = b[o + 5] ^ 1;
        } else if (field === 'version_number') {
          value = r.int(32);
          b[o + 5] = (b[o + 5] & 0xc1) | (value << 1);
        } else if (field === 'program_info_length') {
          value = r.pick([0xfff, 1021, r.int(0x1000)]);
          b[o + 10] = (b[o + 10] & 0xf0) | (value >> 8);
          b[o + 11] = value & 0xff;
        } else if (field === 'program_map_PID' && o + 12 <= end) {
          at = o + 8 + 4 * r.int(Math.max(1, (length - 9) >> 2));
          value = r.pick([0, 0x10, 0x100, 0x1000, 0x1fff, r.int(0x2000)]);
          if (at + 4 <= end) {
            b[at + 2] = 0xe0 | (value >> 8);
            b[at + 3] = value & 0xff;
          }
        } else if (isPmt && o + 17 <= end) {
          // The first elementary stream entry after the program descriptors.
          const info = ((b[o + 10] & 15) << 8) | b[o + 11];
          at = Math.min(end - 5, o + 12 + info);
          if (field === 'stream_type') {
            value = r.pick([0x1b, 0x0f, 0x03, 0x04, 0x24, 0x06, 0x81, r.int(256)]);
            b[at] = value;
          } else if (field === 'elementary_PID') {
            value = r.pick([0, 0x1fff, 0x100, 0x101, r.int(0x2000)]);
            b[at + 1] = 0xe0 | (value >> 8);
            b[at + 2] = value & 0xff;
          } else if (field === 'ES_info_length') {
            value = r.pick([0xfff, 1000, 5, r.int(0x1000)]);
            b[at + 3] = 0xf0 | (value >> 8);
            b[at + 4] = value & 0xff;
          } else {
            at = o + r.int(Math.max(1, end - o));
            value = r.int(256);
            b[at] = value;
          }
        } else {
          at = o + r.int(Math.max(1, end - o));
          value = r.int(256);
          b[at] = value;
        }
        // Rewrite CRC_32 after the (possibly new) section length, so the section gets past the CRC check.
        const newLength = ((b[o + 1] & 15) << 8) | b[o + 2];
        if (fixCrc && newLength >= 5 && o + 3 + newLength <= end) {
          const crc = crc32mpeg(b, o, o + 3 + newLength - 4);
          const c = o + 3 + newLength - 4;
          b[c] = crc >>> 24;
          b[c + 1] = (crc >>> 16) & 0xff;
          b[c + 2] = (crc >>> 8) & 0xff;
          b[c + 3] = crc & 0xff;
        }
        edits.push({ at, field, value });
      }
      return { bytes: b, note: { fixCrc, edits } };
    },
  },
  {
    name: 'adts',
    kinds: ['ts'],
    weight: 4,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.adts.length) return null;
      const edits = [];
      for (let k = r.logInt(32); k > 0; k--) {
        const o = r.pick(ix.adts);
        const field = r.pick([
          'frame_length',
          'frame_length',
          'sampling_frequency_index',
          'channel_configuration',
          'protection_absent',
          'number_of_raw_data_blocks',
          'profile',
        ]);
        let value = 0;
        if (field === 'frame_length') {
          const current = ((b[o + 3] & 3) << 11) | (b[o + 4] << 3) | (b[o + 5] >> 5);
          value = r.pick([
            0,
            1,
            6,
            7,
            8,
            9,
            8191,
            r.int(8192),
            Math.max(0, current - 1 - r.int(16)),
            Math.min(8191, current + 1 + r.int(16)),
          ]);
          b[o + 3] = (b[o + 3] & 0xfc) | (value >> 11);
          b[o + 4] = (value >> 3) & 0xff;
          b[o + 5] = (b[o + 5] & 0x1f) | ((value & 7) << 5);
        } else if (field === 'sampling_frequency_index') {
          value = r.pick([12, 13, 14, 15, r.int(16)]);
          b[o + 2] = (b[o + 2] & 0xc3) | (value << 2);
        } else if (field === 'channel_configuration') {
          value = r.int(8);
          b[o + 2] = (b[o + 2] & 0xfe) | (value >> 2);
          b[o + 3] = (b[o + 3] & 0x3f) | ((value & 3) << 6);
        } else if (field === 'protection_absent') {
          b[o + 1] = b[o + 1] ^ 1;
        } else if (field === 'number_of_raw_data_blocks') {
          value = r.range(1, 3);
          b[o + 6] = (b[o + 6] & 0xfc) | value;
        } else {
          value = r.int(4);
          b[o + 2] = (b[o + 2] & 0x3f) | (value << 6);
        }
        edits.push({ at: o, field, value });
      }
      return { bytes: b, note: { edits } };
    },
  },
  {
    name: 'sps',
    kinds: ['ts'],
    weight: 4,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.sps.length) return null;
      const s = r.pick(ix.sps);
      const len = s.end - s.at;
      if (len < 4) return null;
      const how = r.pick(['byte', 'zeros-from', 'ones-from', 'profile', 'level', 'noise-from']);
      const from = r.range(1, len - 1);
      if (how === 'byte') b[s.at + from] = r.pick([0, 0xff, r.int(256)]);
      else if (how === 'zeros-from') b.fill(0, s.at + Math.max(4, from), s.end);
      else if (how === 'ones-from') b.fill(0xff, s.at + from, s.end);
      else if (how === 'noise-from') for (let i = s.at + from; i < s.end; i++) b[i] = r.int(256);
      else if (how === 'profile') b[s.at + 1] = r.pick([44, 66, 77, 88, 100, 110, 122, 144, 244, 0, 255]);
      else b[s.at + 3] = r.pick([0, 9, 10, 51, 52, 62, 255]);
      return { bytes: b, note: { at: s.at, how, from } };
    },
  },
  {
    name: 'nal-units',
    kinds: ['ts'],
    weight: 2,
    apply(r, b) {
      const ix = ts(b);
      if (!ix.videoPayloads.length) return null;
      const how = r.pick(['insert-start-codes', 'nal-type', 'zero-run']);
      const edits = [];
      for (let k = r.logInt(32); k > 0; k--) {
        const p = /** @type {import('./ts-index.mjs').Packet} */ (ix.packets[r.pick(ix.videoPayloads)]);
        const room = p.offset + PACKET - p.payload;
        if (room < 6) continue;
        const at = p.payload + r.int(room - 4);
        if (how === 'insert-start-codes') b.set([0, 0, 1, r.int(256)], at);
        else if (how === 'nal-type') b.set([0, 0, 1, r.pick([1, 5, 6, 7, 8, 9, 12, 0, 31])], at);
        else b.fill(0, at, Math.min(p.offset + PACKET, at + r.logInt(180)));
        edits.push(at);
      }
      return { bytes: b, note: { how, at: edits } };
    },
  },

  // ---- WebM / Matroska (EBML) ------------------------------------------------------------------
  {
    name: 'ebml-size',
    kinds: ['webm'],
    weight: 5,
    apply(r, b) {
      const els = indexEbml(b);
      if (!els.length) return null;
      const edits = [];
      for (let k = r.logInt(8); k > 0; k--) {
        const e = r.pick(els);
        const how = r.pick(['zero', 'huge', 'unknown', 'one-off', 'random']);
        const n = e.sizeLength;
        const marker = 0x100 >> n;
        if (how === 'zero') {
          b[e.sizeAt] = marker;
          b.fill(0, e.sizeAt + 1, e.sizeAt + n);
        } else if (how === 'huge') {
          b[e.sizeAt] = marker | ((marker - 1) & 0x7f);
          b.fill(0xfe, e.sizeAt + 1, e.sizeAt + n);
        } else if (how === 'unknown') {
          b[e.sizeAt] = marker | (marker - 1);
          b.fill(0xff, e.sizeAt + 1, e.sizeAt + n);
        } else if (how === 'one-off') {
          b[e.sizeAt + n - 1] = (b[e.sizeAt + n - 1] + (r.chance(0.5) ? 1 : 255)) & 0xff;
        } else {
          for (let i = 0; i < n; i++) b[e.sizeAt + i] = r.int(256);
        }
        edits.push({ at: e.at, id: e.id.toString(16), how });
      }
      return { bytes: b, note: { edits } };
    },
  },
  {
    name: 'ebml-elements',
    kinds: ['webm'],
    weight: 3,
    apply(r, b) {
      const els = indexEbml(b).filter((e) => e.depth > 0);
      if (!els.length) return null;
      const e = r.pick(els);
      const how = r.pick(['drop', 'duplicate', 'id']);
      if (how === 'drop') return { bytes: splice(b, e.at, new Uint8Array(0), e.end - e.at), note: { how, at: e.at } };
      if (how === 'duplicate') return { bytes: splice(b, e.end, b.slice(e.at, e.end)), note: { how, at: e.at } };
      b[e.at + r.int(e.sizeAt - e.at)] = r.int(256);
      return { bytes: b, note: { how, at: e.at } };
    },
  },
];

/**
 * The mutators that fit a source kind.
 * @param {SourceKind} kind
 */
export function mutatorsFor(kind) {
  return MUTATORS.filter((m) => m.kinds.includes('any') || m.kinds.includes(kind));
}
