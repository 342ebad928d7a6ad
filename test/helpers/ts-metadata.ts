/**
 * Timed-metadata payloads for tests, written from the specifications and sharing no code with wasm/: SCTE 35
 * splice_info_sections (ANSI/SCTE 35 §9.6-9.7) and ID3v2.4 tags (HLS timed metadata), plus the one-packet section
 * carrier. Used by the node metadata test and by the browser metadata test, which both add them to a fixture rebuilt
 * with ts-mux.ts.
 */

/** CRC-32/MPEG-2 (ISO/IEC 13818-1 Annex A), written out here (the core has its own). */
function crc32(bytes: number[]): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b << 24;
    for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
  }
  return crc >>> 0;
}

/** A 33-bit value as [bit 32, then four bytes]. */
const u33 = (t: number) => [Math.floor(t / 2 ** 32) & 1, ...[24, 16, 8, 0].map((s) => Math.floor(t / 2 ** s) & 0xff)];

/** splice_info_section with a splice_insert (SCTE 35 §9.6, §9.7.3): out of network at `pts`, a `duration` break. */
export function spliceInsert(eventId: number, pts: number, duration: number, ptsAdjustment = 0): number[] {
  const adj = u33(ptsAdjustment);
  const time = u33(pts);
  const dur = u33(duration * 90000);
  const command = [
    ...[24, 16, 8, 0].map((s) => (eventId >>> s) & 0xff), // splice_event_id
    0x7f, // splice_event_cancel_indicator 0, reserved
    0xc0 | 0x20 | 0x0f, // out_of_network 1, program_splice 1, duration_flag 1, splice_immediate 0, reserved
    0xfe | time[0]!, // time_specified_flag 1, reserved, pts_time bit 32
    ...time.slice(1),
    0xfe | dur[0]!, // auto_return 1, reserved, duration bit 32
    ...dur.slice(1),
    0x00,
    0x01, // unique_program_id
    0x00, // avail_num
    0x00, // avails_expected
  ];
  const body = [
    0x00, // protocol_version
    adj[0]!, // encrypted_packet 0, encryption_algorithm 0, pts_adjustment bit 32
    ...adj.slice(1),
    0x00, // cw_index
    0xff,
    0xf0 | (command.length >> 8), // tier 0xFFF, splice_command_length
    command.length & 0xff,
    0x05, // splice_insert
    ...command,
    0x00,
    0x00, // descriptor_loop_length
  ];
  const length = body.length + 4;
  const s = [0xfc, 0x30 | (length >> 8), length & 0xff, ...body];
  const crc = crc32(s);
  return [...s, crc >>> 24, (crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff];
}

/** One TS packet carrying a whole section (payload_unit_start_indicator, pointer_field 0). */
export function sectionPacket(pid: number, cc: number, section: number[]): Uint8Array {
  const p = new Uint8Array(188).fill(0xff);
  p.set([0x47, 0x40 | (pid >> 8), pid & 0xff, 0x10 | (cc & 0xf), 0x00, ...section]);
  return p;
}

/** An ID3v2.4 tag with one TXXX frame (description, value; UTF-8). */
export function id3Tag(description: string, value: string): Uint8Array {
  const enc = new TextEncoder();
  const body = [3, ...enc.encode(description), 0, ...enc.encode(value)];
  const syncsafe = (n: number) => [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
  const frame = [...enc.encode('TXXX'), ...syncsafe(body.length), 0, 0, ...body];
  return Uint8Array.from([...enc.encode('ID3'), 4, 0, 0, ...syncsafe(frame.length), ...frame]);
}
