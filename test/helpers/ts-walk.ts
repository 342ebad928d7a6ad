/**
 * A small, independent MPEG-TS reader for tests (ISO/IEC 13818-1), written from the spec and sharing no code with
 * wasm/: it finds the PAT/PMT, reassembles the PES packets of each elementary PID and hands out their payloads.
 * Tests use it to pull real SPS NAL units and ADTS headers out of the fixtures and to know how an input ends.
 * Packets are 188 bytes, or 192 for M2TS (a 4-byte TP_extra_header before each packet, BDAV), told apart by where
 * the sync bytes are at the start of the file. Bytes between packets that are not packets (ts-h264-aac-garbage.ts)
 * are skipped up to the next sync byte that has another one a packet further on, and reported in `resyncs`; nothing
 * else about damage is checked (continuity counters are not read).
 */

export interface ElementaryStream {
  pid: number;
  streamType: number;
}

export interface Pes {
  pid: number;
  /** Byte offset of the packet that started this PES. */
  offset: number;
  /** PES_packet_length as declared (0 = unbounded). */
  declaredLength: number;
  /** The whole PES packet (header included) as collected from the transport packets. */
  bytes: Uint8Array;
  /** Payload after the PES header. */
  payload: Uint8Array;
  pts?: number;
  dts?: number;
  /**
   * The transport packets that carried this PES, in order: each one's index among the packets of its PID (counting
   * every packet of the PID from the start of the file), its byte offset in the file, and where its payload ends in
   * `bytes`.
   */
  packets: { pidPacketIndex: number; offset: number; end: number }[];
}

export interface TsContents {
  /** 188, or 192 for M2TS. */
  packetSize: number;
  streams: ElementaryStream[];
  pes: Pes[];
  /** Bytes of a trailing partial packet (the file does not end on a packet boundary). */
  trailingBytes: number;
  /** PID of the trailing partial packet, when its header is complete enough to read it. */
  trailingPid?: number;
  /** Runs of bytes skipped because they were not packets: where each began and how long it was. */
  resyncs: { offset: number; length: number }[];
}

const PACKET = 188;

/** 188, or 192 when every packet is preceded by a 4-byte TP_extra_header (M2TS); throws when neither fits. */
export function packetSizeOf(data: Uint8Array): number {
  const fits = (size: number, prefix: number) =>
    data[prefix] === 0x47 && (data.length < prefix + size + 1 || data[prefix + size] === 0x47);
  if (fits(PACKET, 0)) return PACKET;
  if (fits(192, 4)) return 192;
  throw new Error('walkTs: no MPEG-TS packet at offset 0 (188 bytes) or 4 (192-byte M2TS)');
}

function readTimestamp(b: Uint8Array, o: number): number {
  // 2.4.3.7: 3 + 15 + 15 bits with marker bits in between; below 2^33, so a double holds it exactly.
  return (
    ((b[o]! >> 1) & 7) * 2 ** 30 + (b[o + 1]! << 22) + ((b[o + 2]! >> 1) << 15) + (b[o + 3]! << 7) + (b[o + 4]! >> 1)
  );
}

/** Walks a transport stream and returns its elementary streams and every PES packet of them, in order. */
export function walkTs(data: Uint8Array): TsContents {
  let pmtPid = -1;
  const streams: ElementaryStream[] = [];
  const esPids = new Set<number>();
  const open = new Map<number, { offset: number; chunks: Uint8Array[]; packets: Pes['packets'] }>();
  const pes: Pes[] = [];
  const packetSize = packetSizeOf(data);
  const prefix = packetSize - PACKET; // TP_extra_header bytes before the sync byte
  const pidPackets = new Map<number, number>();
  const resyncs: TsContents['resyncs'] = [];
  /** The next offset from `from` on where a packet starts and another one follows (or the file ends). */
  const nextSync = (from: number) => {
    for (let x = from; x + packetSize <= data.length; x++) {
      const y = x + prefix;
      if (data[y] === 0x47 && (y + packetSize >= data.length || data[y + packetSize] === 0x47)) return x;
    }
    return data.length;
  };

  const close = (pid: number) => {
    const cur = open.get(pid);
    if (!cur) return;
    open.delete(pid);
    const total = cur.chunks.reduce((n, c) => n + c.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const c of cur.chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    if (bytes.length < 9 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 1) return;
    const declaredLength = (bytes[4]! << 8) | bytes[5]!;
    const flags = bytes[7]! >> 6; // PTS_DTS_flags
    const headerLength = bytes[8]!; // PES_header_data_length
    const end = declaredLength ? Math.min(bytes.length, 6 + declaredLength) : bytes.length;
    const entry: Pes = {
      pid,
      offset: cur.offset,
      declaredLength,
      bytes,
      payload: bytes.subarray(Math.min(9 + headerLength, end), end),
      packets: cur.packets,
    };
    if (flags >= 2) entry.pts = readTimestamp(bytes, 9);
    if (flags === 3) entry.dts = readTimestamp(bytes, 14);
    pes.push(entry);
  };

  let off = 0;
  for (; off + packetSize <= data.length; off += packetSize) {
    const p = data.subarray(off + prefix, off + packetSize);
    if (p[0] !== 0x47) {
      const next = nextSync(off + 1);
      resyncs.push({ offset: off, length: next - off });
      if (next + packetSize > data.length) {
        off = next;
        break;
      }
      off = next - packetSize; // the loop's step lands on it
      continue;
    }
    const pusi = (p[1]! & 0x40) !== 0; // payload_unit_start_indicator
    const pid = ((p[1]! & 0x1f) << 8) | p[2]!;
    const pidPacketIndex = pidPackets.get(pid) ?? 0;
    pidPackets.set(pid, pidPacketIndex + 1);
    const afc = (p[3]! >> 4) & 3; // adaptation_field_control
    let start = 4;
    if (afc & 2) start = 5 + p[4]!; // adaptation_field_length
    if (!(afc & 1) || start >= PACKET) continue;
    const payload = p.subarray(start);
    if (pid === 0 && pusi) {
      // program_association_section: first program with program_number != 0.
      const s = payload.subarray(1 + payload[0]!);
      const sectionLength = ((s[1]! & 0x0f) << 8) | s[2]!;
      for (let i = 8; i + 4 <= 3 + sectionLength - 4; i += 4) {
        const program = (s[i]! << 8) | s[i + 1]!;
        if (program !== 0 && pmtPid < 0) pmtPid = ((s[i + 2]! & 0x1f) << 8) | s[i + 3]!;
      }
      continue;
    }
    if (pid === pmtPid && pusi && streams.length === 0) {
      // TS_program_map_section: stream_type and elementary_PID of each stream.
      const s = payload.subarray(1 + payload[0]!);
      const sectionLength = ((s[1]! & 0x0f) << 8) | s[2]!;
      const infoLength = ((s[10]! & 0x0f) << 8) | s[11]!;
      let i = 12 + infoLength;
      while (i + 5 <= 3 + sectionLength - 4) {
        const streamType = s[i]!;
        const esPid = ((s[i + 1]! & 0x1f) << 8) | s[i + 2]!;
        const esInfo = ((s[i + 3]! & 0x0f) << 8) | s[i + 4]!;
        streams.push({ pid: esPid, streamType });
        esPids.add(esPid);
        i += 5 + esInfo;
      }
      continue;
    }
    if (!esPids.has(pid)) continue;
    if (pusi) {
      close(pid);
      open.set(pid, {
        offset: off,
        chunks: [payload],
        packets: [{ pidPacketIndex, offset: off, end: payload.length }],
      });
    } else {
      const cur = open.get(pid);
      if (cur) {
        cur.chunks.push(payload);
        cur.packets.push({ pidPacketIndex, offset: off, end: cur.packets.at(-1)!.end + payload.length });
      }
    }
  }
  for (const pid of [...open.keys()]) close(pid);
  pes.sort((a, b) => a.offset - b.offset);
  const trailingBytes = Math.max(0, data.length - off);
  const result: TsContents = { packetSize, streams, pes, trailingBytes, resyncs };
  if (trailingBytes >= prefix + 3 && data[off + prefix] === 0x47) {
    result.trailingPid = ((data[off + prefix + 1]! & 0x1f) << 8) | data[off + prefix + 2]!;
  }
  return result;
}

/** The NAL units (header byte included, start code excluded) of an Annex B byte stream (H.264 B.1.1). */
export function nalUnits(es: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < es.length; i++) {
    if (es[i] === 0 && es[i + 1] === 0 && es[i + 2] === 1) {
      starts.push(i + 3);
      i += 2;
    }
  }
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : es.length;
    while (end > s && es[end - 1] === 0) end--; // trailing_zero_8bits and the 4-byte start code's leading zero
    return es.subarray(s, end);
  });
}

/** The first NAL unit of the given nal_unit_type in the stream's PES payloads. */
export function firstNal(ts: TsContents, pid: number, nalType: number): Uint8Array | undefined {
  for (const p of ts.pes) {
    if (p.pid !== pid) continue;
    for (const nal of nalUnits(p.payload)) if ((nal[0]! & 0x1f) === nalType) return nal;
  }
  return undefined;
}

/** Fields of an ADTS header (ISO/IEC 13818-7 6.2.1 / 14496-3 1.A.2.2), read independently of the core. */
export interface AdtsHeader {
  protectionAbsent: number;
  objectType: number;
  rateIndex: number;
  channels: number;
  frameLength: number;
  headerLength: number;
}

export function readAdts(b: Uint8Array, o = 0): AdtsHeader | undefined {
  if (b.length < o + 7 || b[o] !== 0xff || (b[o + 1]! & 0xf6) !== 0xf0) return undefined;
  const protectionAbsent = b[o + 1]! & 1;
  return {
    protectionAbsent,
    objectType: (b[o + 2]! >> 6) + 1, // profile_ObjectType + 1
    rateIndex: (b[o + 2]! >> 2) & 0x0f,
    channels: ((b[o + 2]! & 1) << 2) | (b[o + 3]! >> 6),
    frameLength: ((b[o + 3]! & 3) << 11) | (b[o + 4]! << 3) | (b[o + 5]! >> 5),
    headerLength: protectionAbsent ? 7 : 9,
  };
}

export const ADTS_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** PIDs of the first H.264 (stream_type 0x1B) and the first AAC/MPEG audio stream of a walked TS. */
export function pidsOf(ts: TsContents): { video?: number; audio?: number } {
  const video = ts.streams.find((s) => s.streamType === 0x1b)?.pid;
  const audio = ts.streams.find((s) => s.streamType === 0x0f || s.streamType === 0x03 || s.streamType === 0x04)?.pid;
  return { ...(video !== undefined ? { video } : {}), ...(audio !== undefined ? { audio } : {}) };
}

/** Fields of an opus_control_header ("Encapsulation of Opus in MPEG-2 Transport Stream", opus_in_ts v0.1, 2014). */
export interface OpusControlHeader {
  /** au_size: bytes of the Opus packet after the header. */
  auSize: number;
  /** start_trim (samples at 48 kHz to drop from the start of the decoded packet), 0 when not flagged. */
  startTrim: number;
  /** end_trim, 0 when not flagged. */
  endTrim: number;
  /** Bytes of the header itself. */
  headerLength: number;
}

/**
 * Reads the opus_control_header at b[o], independently of wasm/codecs/opus.ts: an 11-bit prefix 0x3FF, start_trim_flag, end_trim_flag, control_extension_flag, 2 reserved bits, au_size as a run of 0xFF
 * bytes plus a last byte, then the trims (3 reserved bits + 13 bits each) and the extension.
 */
export function readOpusControlHeader(b: Uint8Array, o = 0): OpusControlHeader | undefined {
  if (b.length < o + 3 || b[o] !== 0x7f || (b[o + 1]! & 0xe0) !== 0xe0) return undefined;
  const startFlag = (b[o + 1]! >> 4) & 1; // start_trim_flag
  const endFlag = (b[o + 1]! >> 3) & 1; // end_trim_flag
  const extensionFlag = (b[o + 1]! >> 2) & 1; // control_extension_flag
  let i = o + 2;
  let auSize = 0;
  while (b[i] === 0xff) auSize += b[i++]!; // au_size: 0xFF bytes...
  auSize += b[i++]!; // ...and the last byte
  let startTrim = 0;
  let endTrim = 0;
  if (startFlag) {
    startTrim = ((b[i]! << 8) | b[i + 1]!) & 0x1fff; // start_trim
    i += 2;
  }
  if (endFlag) {
    endTrim = ((b[i]! << 8) | b[i + 1]!) & 0x1fff; // end_trim
    i += 2;
  }
  if (extensionFlag) i += 1 + b[i]!; // control_extension_length and its bytes
  return { auSize, startTrim, endTrim, headerLength: i - o };
}

/**
 * Every Opus access unit's end_trim (0 without one) in a TS (of one PID, or any), in order, from the opus_control_header
 * before each unit (the Opus project's opus_in_ts draft, 4.1).
 */
export function opusEndTrims(data: Uint8Array, pid?: number): number[] {
  const trims: number[] = [];
  for (const pes of walkTs(data).pes) {
    if (pid !== undefined && pes.pid !== pid) continue;
    if (readOpusControlHeader(pes.payload) === undefined) continue; // not an Opus PES
    for (let o = 0; o < pes.payload.length; ) {
      const h = readOpusControlHeader(pes.payload, o);
      if (!h) throw new Error(`no opus_control_header at byte ${o} of the PES at ${pes.offset}`);
      trims.push(h.endTrim);
      o += h.headerLength + h.auSize;
    }
  }
  return trims;
}
