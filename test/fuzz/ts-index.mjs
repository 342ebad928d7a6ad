// An independent MPEG-TS reader for the fuzz harness (ISO/IEC 13818-1), written from the spec and sharing no code
// with wasm/. Two uses:
//
// 1. Where the fields are: packet headers, adaptation fields, PES headers (PES_packet_length, PTS/DTS), PSI
//    sections (section_length, pointer_field, CRC_32), ADTS headers (13818-7) and H.264 SPS NAL units, so the
//    mutators can aim at them.
// 2. The reference elementary streams: what the input holds, per PID, once its PES packets are reassembled. The
//    "no sample bytes from outside the input" invariant is checked against them (see referenceStreams).
//
// Unlike test/helpers/ts-walk.ts it accepts damaged input: it finds packets the way a receiver does (a sync byte
// that starts three packets in a row at a stride of 188, 192 or 204 bytes) and resynchronises after garbage.

const SYNC = 0x47;
const PACKET = 188;
const STRIDES = [188, 192, 204];
const PROBES = 3;

/**
 * @typedef {object} Packet
 * @property {number} offset      absolute offset of the sync byte
 * @property {number} pid
 * @property {boolean} pusi       payload_unit_start_indicator
 * @property {boolean} tei        transport_error_indicator
 * @property {number} scrambling  transport_scrambling_control
 * @property {number} afc         adaptation_field_control
 * @property {number} cc          continuity_counter
 * @property {boolean} discontinuity discontinuity_indicator of the adaptation field
 * @property {boolean} badAdaptation adaptation_field_length over 183: a receiver ignores the packet
 * @property {number} payload     absolute offset of the payload (offset + 188 when there is none)
 */

/**
 * The packets of a (possibly damaged) transport stream, in input order. Sync rule: a 0x47 at p starts a run when
 * 0x47 also sits at p + s and p + 2s for one stride s (fewer probes at the very end of the input); in sync, the
 * next packet is expected one stride on, and a missing sync byte starts a new search right there.
 * @param {Uint8Array} b
 * @returns {{packets: Packet[], stride: number}}
 */
export function readPackets(b) {
  /** @type {Packet[]} */
  const packets = [];
  let stride = PACKET;
  let q = 0;
  let inSync = false;
  while (q < b.length) {
    if (!inSync) {
      const found = findSync(b, q);
      if (found < 0) break;
      q = found.offset;
      stride = found.stride;
      inSync = true;
    }
    if (q + PACKET > b.length) break;
    if (b[q] !== SYNC) {
      inSync = false;
      continue;
    }
    packets.push(packetAt(b, q));
    q += stride;
  }
  return { packets, stride };
}

/**
 * @param {Uint8Array} b @param {number} from
 * @returns {{offset: number, stride: number} | -1}
 */
function findSync(b, from) {
  for (let p = from; p < b.length; p++) {
    if (b[p] !== SYNC) continue;
    for (const s of STRIDES) {
      let probes = 0;
      let ok = true;
      for (let i = 1; i < PROBES; i++) {
        const at = p + i * s;
        if (at >= b.length) break;
        if (b[at] !== SYNC) {
          ok = false;
          break;
        }
        probes++;
      }
      if (ok && (probes > 0 || (s === PACKET && p + PACKET <= b.length))) return { offset: p, stride: s };
    }
  }
  return -1;
}

/** @param {Uint8Array} b @param {number} q @returns {Packet} */
function packetAt(b, q) {
  const b1 = b[q + 1];
  const b3 = b[q + 3];
  const afc = (b3 >> 4) & 3;
  let payload = q + 4;
  let discontinuity = false;
  let badAdaptation = false;
  if (afc & 2) {
    const afLength = b[q + 4];
    badAdaptation = afLength > 183;
    payload = badAdaptation ? q + PACKET : q + 5 + afLength;
    if (afLength > 0 && afLength <= 183) discontinuity = (b[q + 5] & 0x80) !== 0;
  }
  if (!(afc & 1)) payload = q + PACKET;
  return {
    offset: q,
    pid: ((b1 & 0x1f) << 8) | b[q + 2],
    pusi: (b1 & 0x40) !== 0,
    tei: (b1 & 0x80) !== 0,
    scrambling: b3 >> 6,
    afc,
    cc: b3 & 15,
    discontinuity,
    badAdaptation,
    payload: Math.min(payload, q + PACKET),
  };
}

/**
 * @typedef {object} TsIndex
 * @property {Packet[]} packets
 * @property {number} stride
 * @property {{packet: number, at: number}[]} pes   PES starts: packet index, offset of the 00 00 01 prefix (the
 *   PES header is read only when its first 19 bytes sit in that packet)
 * @property {{packet: number, pointer: number, section: number, pid: number}[]} psi  PSI section starts: offset
 *   of pointer_field and of the section (table_id), for sections that start in their packet
 * @property {number[]} adts  offsets of ADTS headers that lie inside one packet's payload
 * @property {{at: number, end: number}[]} sps  H.264 SPS NAL units (offset of the NAL header byte, end of the
 *   packet payload it starts in)
 * @property {number[]} videoPayloads packet indices of packets with a video payload (stream_id 0xE0-0xEF PES)
 * @property {Set<number>} pmtPids
 */

/**
 * Where the mutable fields are.
 * @param {Uint8Array} b
 * @returns {TsIndex}
 */
export function indexTs(b) {
  const { packets, stride } = readPackets(b);
  /** @type {TsIndex} */
  const ix = { packets, stride, pes: [], psi: [], adts: [], sps: [], videoPayloads: [], pmtPids: new Set() };
  /** stream_id of the PES each PID is carrying (-1: none). */
  const streamOf = new Map();
  for (let k = 0; k < packets.length; k++) {
    const p = /** @type {Packet} */ (packets[k]);
    const end = p.offset + PACKET;
    if (p.payload >= end) continue;
    if (p.pid === 0 || ix.pmtPids.has(p.pid)) {
      if (!p.pusi) continue;
      const section = p.payload + 1 + b[p.payload];
      if (section + 3 > end) continue;
      ix.psi.push({ packet: k, pointer: p.payload, section, pid: p.pid });
      if (p.pid === 0 && b[section] === 0) {
        // program_association_section: the program_map_PIDs
        const length = ((b[section + 1] & 15) << 8) | b[section + 2];
        for (let i = section + 8; i + 4 <= Math.min(end, section + 3 + length - 4); i += 4) {
          const program = (b[i] << 8) | b[i + 1];
          if (program !== 0) ix.pmtPids.add(((b[i + 2] & 0x1f) << 8) | b[i + 3]);
        }
      }
      continue;
    }
    let from = p.payload;
    if (p.pusi) {
      if (from + 9 <= end && b[from] === 0 && b[from + 1] === 0 && b[from + 2] === 1) {
        ix.pes.push({ packet: k, at: from });
        streamOf.set(p.pid, b[from + 3]);
        from = Math.min(end, from + 9 + b[from + 8]);
      } else {
        streamOf.set(p.pid, -1);
      }
    }
    const stream = streamOf.get(p.pid) ?? -1;
    if (stream >= 0xe0 && stream <= 0xef) {
      ix.videoPayloads.push(k);
      for (let i = from; i + 4 <= end; i++) {
        if (b[i] === 0 && b[i + 1] === 0 && b[i + 2] === 1 && (b[i + 3] & 0x1f) === 7) {
          ix.sps.push({ at: i + 3, end });
        }
      }
    } else if (stream >= 0xc0 && stream <= 0xdf) {
      for (let i = from; i + 7 <= end; i++) {
        if (b[i] === 0xff && (b[i + 1] & 0xf6) === 0xf0) ix.adts.push(i);
      }
    }
  }
  return ix;
}

/**
 * The reference elementary streams of an input: per PID, the payloads of its PES packets concatenated in input
 * order (PES headers removed). This is the byte stream a demuxer hands to the codec layer when nothing is lost,
 * so every output sample must be found in it:
 *
 * - an H.264 sample is a run of NAL units, each written byte for byte behind a length; each NAL unit (its bytes
 *   between two start codes, trailing zero bytes excepted) is a contiguous substring of its PID's stream: a NAL
 *   unit that continues across a PES boundary is contiguous here too, because headers are removed;
 * - an AAC sample is the raw data of one ADTS frame (header removed), a substring of its PID's stream, also when
 *   the frame straddles two PES.
 *
 * What a demuxer may drop (damaged PES, packets before the first keyframe) only removes candidates; a sample that
 * joins bytes from both sides of a dropped part, or that reads memory the input never filled, is not found. Rules
 * followed so that a correct demuxer's samples are all found (13818-1):
 * - packets are found as readPackets does; the packet that lost sync is still used (it may be shortened by
 *   garbage, in which case the demuxer has to drop its PES anyway);
 * - a PES starts at a packet with payload_unit_start_indicator; a bounded PES (PES_packet_length >=
 *   3 + PES_header_data_length) ends after PES_packet_length bytes, anything up to the next start is ignored;
 *   an unbounded one runs to the next start of its PID;
 * - a duplicate packet (2.4.3.3: same continuity_counter and payload as the PID's previous packet, no
 *   discontinuity_indicator) is used once;
 * - packets with transport_error_indicator or scrambling are used like the others (their PES is damaged: a
 *   demuxer must not join anything across them).
 * @param {Uint8Array} b
 * @returns {Map<number, Buffer>}
 */
export function referenceStreams(b) {
  const { packets } = readPackets(b);
  /** @type {Map<number, {parts: Uint8Array[], pes: Uint8Array[] | null, lastCc: number, last: Packet | null}>} */
  const pids = new Map();
  /** @param {{parts: Uint8Array[], pes: Uint8Array[] | null}} s */
  const close = (s) => {
    if (!s.pes) return;
    const pes = concat(s.pes);
    s.pes = null;
    if (pes.length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) return;
    const declared = (pes[4] << 8) | pes[5]; // PES_packet_length
    const headerLength = pes[8]; // PES_header_data_length
    const end = declared >= 3 + headerLength ? Math.min(pes.length, 6 + declared) : pes.length;
    if (9 + headerLength < end) s.parts.push(pes.subarray(9 + headerLength, end));
  };
  for (const p of packets) {
    if (p.pid === 0x1fff || !(p.afc & 1) || p.badAdaptation) continue;
    let s = pids.get(p.pid);
    if (!s) {
      s = { parts: [], pes: null, lastCc: -1, last: null };
      pids.set(p.pid, s);
    }
    if (s.last && !p.discontinuity && p.cc === s.lastCc && samePacket(b, p, s.last)) continue;
    s.lastCc = p.tei ? -1 : p.cc;
    s.last = p;
    const payload = b.subarray(p.payload, p.offset + PACKET);
    if (p.pusi) {
      close(s);
      s.pes = [payload];
    } else if (s.pes) {
      s.pes.push(payload);
    }
  }
  /** @type {Map<number, Buffer>} */
  const out = new Map();
  for (const [pid, s] of pids) {
    close(s);
    if (s.parts.length) out.set(pid, Buffer.from(concat(s.parts)));
  }
  return out;
}

/** @param {Uint8Array} b @param {Packet} x @param {Packet} y */
function samePacket(b, x, y) {
  if (b[x.offset + 3] !== b[y.offset + 3]) return false;
  if (x.afc & 2 && b[x.offset + 4] !== b[y.offset + 4]) return false;
  const from = x.payload - x.offset;
  for (let i = from; i < PACKET; i++) if (b[x.offset + i] !== b[y.offset + i]) return false;
  return true;
}

/** @param {Uint8Array[]} parts */
export function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}

/** CRC_32 of PSI sections (13818-1 Annex A: polynomial 0x04C11DB7, MSB first, initial value all ones). */
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** @param {Uint8Array} b @param {number} from @param {number} to */
export function crc32mpeg(b, from, to) {
  let crc = 0xffffffff;
  for (let i = from; i < to; i++) {
    crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ b[i]) & 0xff]) >>> 0;
  }
  return crc >>> 0;
}
