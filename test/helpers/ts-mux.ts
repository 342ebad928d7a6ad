/**
 * A small MPEG-TS writer for tests (ISO/IEC 13818-1), independent of wasm/: it packs PES packets into 188-byte
 * transport packets with PAT and PMT, so a test can rebuild a fixture with the structure of a real-world stream
 * that the fixture script cannot make (PSI late, PES boundaries inside NAL units, padding packets...).
 */

export interface EsPacket {
  pid: number;
  /** PES stream_id: 0xE0 video, 0xC0 audio. */
  streamId: number;
  pts?: number;
  dts?: number;
  payload: Uint8Array;
}

export interface MuxOptions {
  /** Programs listed in the PAT, [program_number, PMT PID]; the last one is the program written. */
  programs?: [number, number][];
  /** Elementary streams of the written program: [stream_type, PID]. */
  streams: [number, number][];
  /** Index in the PES list before which PAT and PMT are first written (default 0: at the start). */
  psiAt?: number;
  /** Write PAT and PMT again every this many PES packets (default 20). */
  psiEvery?: number;
  /** Bound PES_packet_length for audio (video is written unbounded, 0). Default true. */
  boundedAudio?: boolean;
  /** Bound PES_packet_length for video too (each video PES must then fit in 65535 bytes). Default false. */
  boundedVideo?: boolean;
  /** PMT version_number (default 0). */
  pmtVersion?: number;
  /** Continuity counters to start from and update (to continue another muxTs output without a gap). */
  counters?: Map<number, number>;
  /** Called for each PES after its packets: extra packets to write after it (e.g. padding). */
  after?: (pes: EsPacket, cc: (pid: number) => number) => Uint8Array[];
}

/** CRC-32/MPEG-2 (Annex A), written out here so the writer shares nothing with the core. */
function crc32(bytes: number[]): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

function section(tableId: number, idExtension: number, body: number[], version = 0): number[] {
  const length = 5 + body.length + 4; // after section_length: extension..last_section_number, body, CRC
  const flags = 0xc1 | ((version & 0x1f) << 1); // reserved, version_number, current_next_indicator
  const s = [tableId, 0xb0 | (length >> 8), length & 0xff, idExtension >> 8, idExtension & 0xff, flags, 0, 0, ...body];
  const crc = crc32(s);
  return [...s, crc >>> 24, (crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff];
}

function timestamp(prefix: number, t: number): number[] {
  const hi = Math.floor(t / 2 ** 30) & 7;
  const mid = Math.floor(t / 2 ** 15) & 0x7fff;
  const lo = t & 0x7fff;
  return [(prefix << 4) | (hi << 1) | 1, mid >> 7, ((mid & 0x7f) << 1) | 1, lo >> 7, ((lo & 0x7f) << 1) | 1];
}

/** The PES packet (2.4.3.6) for an elementary stream packet. */
export function pesBytes(p: EsPacket, bounded: boolean): Uint8Array {
  const header: number[] = [];
  let flags = 0;
  if (p.pts !== undefined && p.dts !== undefined && p.dts !== p.pts) {
    flags = 0xc0;
    header.push(...timestamp(3, p.pts), ...timestamp(1, p.dts));
  } else if (p.pts !== undefined) {
    flags = 0x80;
    header.push(...timestamp(2, p.pts));
  }
  const length = bounded ? 3 + header.length + p.payload.length : 0;
  if (length > 0xffff) throw new Error(`pesBytes: ${length} bytes do not fit a bounded PES_packet_length`);
  const out = new Uint8Array(9 + header.length + p.payload.length);
  out.set([0, 0, 1, p.streamId, length >> 8, length & 0xff, 0x80, flags, header.length, ...header]);
  out.set(p.payload, 9 + header.length);
  return out;
}

/** Packs `data` on `pid` (payload_unit_start on the first packet); the last packet is filled by stuffing. */
function packetize(pid: number, data: Uint8Array, nextCc: () => number, start = true): Uint8Array[] {
  const packets: Uint8Array[] = [];
  let o = 0;
  while (o < data.length) {
    const p = new Uint8Array(188).fill(0xff);
    const room = 184;
    const n = Math.min(room, data.length - o);
    p[0] = 0x47;
    p[1] = (o === 0 && start ? 0x40 : 0) | (pid >> 8);
    p[2] = pid & 0xff;
    if (n < room) {
      // adaptation field of stuffing bytes so the payload ends the packet
      const afLength = room - n - 1;
      p[3] = 0x30 | nextCc();
      p[4] = afLength;
      if (afLength > 0) p[5] = 0x00; // no flags
      p.set(data.subarray(o, o + n), 188 - n);
    } else {
      p[3] = 0x10 | nextCc();
      p.set(data.subarray(o, o + n), 4);
    }
    packets.push(p);
    o += n;
  }
  return packets;
}

/** Writes a transport stream carrying `pes` in order. */
export function muxTs(pes: EsPacket[], options: MuxOptions): Uint8Array {
  const programs = options.programs ?? [[1, 0x1000]];
  const [programNumber, pmtPid] = programs.at(-1)!;
  const counters = options.counters ?? new Map<number, number>();
  const cc = (pid: number) => {
    const v = counters.get(pid) ?? 0;
    counters.set(pid, (v + 1) & 0xf);
    return v;
  };
  const psi = (pid: number, s: number[]) => packetize(pid, Uint8Array.from([0, ...s]), () => cc(pid));
  const pat = section(
    0x00,
    1,
    programs.flatMap(([n, p]) => [n >> 8, n & 0xff, 0xe0 | (p >> 8), p & 0xff]),
  );
  const pcrPid = options.streams[0]![1];
  const pmt = section(
    0x02,
    programNumber,
    [
      0xe0 | (pcrPid >> 8),
      pcrPid & 0xff,
      0xf0,
      0x00,
      ...options.streams.flatMap(([type, pid]) => [type, 0xe0 | (pid >> 8), pid & 0xff, 0xf0, 0x00]),
    ],
    options.pmtVersion ?? 0,
  );
  const out: Uint8Array[] = [];
  const psiAt = options.psiAt ?? 0;
  const every = options.psiEvery ?? 20;
  pes.forEach((p, i) => {
    if (i >= psiAt && (i === psiAt || (i - psiAt) % every === 0)) out.push(...psi(0, pat), ...psi(pmtPid, pmt));
    const bounded = p.streamId === 0xe0 ? (options.boundedVideo ?? false) : (options.boundedAudio ?? true);
    out.push(...packetize(p.pid, pesBytes(p, bounded), () => cc(p.pid)));
    if (options.after) out.push(...options.after(p, cc));
  });
  const total = new Uint8Array(out.length * 188);
  out.forEach((p, i) => {
    total.set(p, i * 188);
  });
  return total;
}
