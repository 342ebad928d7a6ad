/**
 * Timed metadata decoded from the records the core copies out (wasm/mpegts/metadata.ts): ID3v2 tags
 * (HLS timed metadata) and SCTE 35 splice_info_sections. These are a few hundred bytes per event, not
 * media: their fields are read here, on the host, so the core stays small.
 */

/** One ID3v2 frame: text frames (T***) decoded, TXXX/WXXX with their description, PRIV with its owner. */
export interface Id3Frame {
  /** The four-character frame id, e.g. `TIT2`, `TXXX`, `PRIV`. */
  id: string;
  /** Decoded text (T*** frames, URL frames), when the frame is text. */
  value?: string;
  /** TXXX/WXXX description, PRIV owner identifier. */
  description?: string;
  /** The frame's raw body (after the header). */
  data: Uint8Array;
}

/** SCTE 35 splice_info_section fields (ANSI/SCTE 35 §9.6-9.7). */
export interface Scte35Info {
  /** splice_command_type: 0 splice_null, 5 splice_insert, 6 time_signal, 7 bandwidth_reservation, 0xFF private. */
  commandType: number;
  /** 33-bit pts_adjustment, 90 kHz ticks. */
  ptsAdjustment: number;
  /** encrypted_packet: the command is encrypted, and its fields past this one are not read. */
  encrypted: boolean;
  /** splice_insert only: splice_event_id. */
  eventId?: number;
  /** splice_insert only: splice_event_cancel_indicator (a splice announced before is called off). */
  cancel?: boolean;
  /** true: the splice leaves the network feed (an ad break starts); false: it returns. */
  outOfNetwork?: boolean;
  /** Splices at once rather than at a time. */
  immediate?: boolean;
  /** break_duration in seconds. */
  duration?: number;
  /** break_duration's auto_return: the break returns to the network on its own at its end. */
  autoReturn?: boolean;
}

/** One valid cc_data triplet (CEA-708 4.4): cc_type 0/1 = CEA-608 field 1/2 byte pairs, 2/3 = DTVCC (708) packet data. */
export interface CaptionData {
  /** cc_type: 0/1 = CEA-608 field 1/2, 2/3 = DTVCC (CEA-708) packet data/start. */
  type: 0 | 1 | 2 | 3;
  /** cc_data_1 and cc_data_2. */
  data: [number, number];
}

/**
 * Timed metadata found in the stream: `time` is its presentation time (seconds on the output timeline; null when the
 * record had none), `data` its raw bytes, and by `kind` the decoded form: `id3` (ID3v2 frames), `scte35` (the splice
 * fields), `captions` (the cc_data of one picture).
 */
export type MetadataEvent =
  | { type: 'metadata'; kind: 'id3'; time: number | null; data: Uint8Array; frames: Id3Frame[] }
  | { type: 'metadata'; kind: 'scte35'; time: number | null; data: Uint8Array; scte35: Scte35Info }
  /** Caption bytes of one picture (ATSC A/53 in H.264/HEVC SEI), at the picture's presentation time. */
  | { type: 'metadata'; kind: 'captions'; time: number | null; data: Uint8Array; captions: CaptionData[] };

/** The valid cc_data triplets of a captions record (cc_valid set), in order. */
export function parseCaptions(data: Uint8Array): CaptionData[] {
  const out: CaptionData[] = [];
  for (let i = 0; i + 2 < data.length; i += 3) {
    const b = data[i]!;
    if (!(b & 0x04)) continue; // cc_valid
    out.push({ type: (b & 3) as 0 | 1 | 2 | 3, data: [data[i + 1]!, data[i + 2]!] });
  }
  return out;
}

/** ID3v2 synchsafe integer (4 bytes of 7 bits). */
function synchsafe(b: Uint8Array, o: number): number {
  return ((b[o]! & 0x7f) << 21) | ((b[o + 1]! & 0x7f) << 14) | ((b[o + 2]! & 0x7f) << 7) | (b[o + 3]! & 0x7f);
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
const utf16 = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

/** Decodes ID3v2 text with its encoding byte (ID3v2.4 §4.2): 0 Latin-1, 1 UTF-16 with BOM, 2 UTF-16BE, 3 UTF-8. */
function text(encoding: number, b: Uint8Array): string {
  let s: string;
  if (encoding === 1) {
    const le = b.length >= 2 && b[0] === 0xff && b[1] === 0xfe;
    const be = b.length >= 2 && b[0] === 0xfe && b[1] === 0xff;
    s = (be ? utf16be : utf16).decode(le || be ? b.subarray(2) : b);
  } else if (encoding === 2) s = utf16be.decode(b);
  else if (encoding === 3) s = utf8.decode(b);
  else s = latin1.decode(b);
  return s.replace(/\0+$/, '');
}

/** The end of a NUL-terminated string in `b` from `o` (two NULs on a 2-byte boundary for UTF-16). */
function terminator(b: Uint8Array, o: number, wide: boolean): number {
  if (!wide) {
    const i = b.indexOf(0, o);
    return i < 0 ? b.length : i;
  }
  for (let i = o; i + 1 < b.length; i += 2) if (b[i] === 0 && b[i + 1] === 0) return i;
  return b.length;
}

/** The frames of the ID3v2 tags in `data` (ID3v2.3/2.4; tags one after the other). Never throws. */
export function parseId3(data: Uint8Array): Id3Frame[] {
  const frames: Id3Frame[] = [];
  let tag = 0;
  while (tag + 10 <= data.length && data[tag] === 0x49 && data[tag + 1] === 0x44 && data[tag + 2] === 0x33) {
    const version = data[tag + 3]!;
    const flags = data[tag + 5]!;
    const size = synchsafe(data, tag + 6);
    const end = Math.min(data.length, tag + 10 + size);
    let p = tag + 10;
    if (flags & 0x40 && p + 4 <= end) p += version === 4 ? synchsafe(data, p) : 4 + (data[p + 3]! | 0); // extended header
    while (p + 10 <= end && data[p] !== 0) {
      const id = latin1.decode(data.subarray(p, p + 4));
      const frameSize =
        version === 4
          ? synchsafe(data, p + 4)
          : ((data[p + 4]! << 24) | (data[p + 5]! << 16) | (data[p + 6]! << 8) | data[p + 7]!) >>> 0;
      const bodyStart = p + 10;
      const bodyEnd = bodyStart + frameSize;
      if (!/^[A-Z0-9]{4}$/.test(id) || bodyEnd > end) break;
      const body = data.subarray(bodyStart, bodyEnd);
      const frame: Id3Frame = { id, data: body.slice() };
      if ((id === 'TXXX' || id === 'WXXX') && body.length >= 1) {
        const enc = body[0]!;
        const wide = enc === 1 || enc === 2;
        const stop = terminator(body, 1, wide);
        frame.description = text(enc, body.subarray(1, stop));
        const valueStart = stop + (wide ? 2 : 1);
        frame.value = id === 'WXXX' ? latin1.decode(body.subarray(valueStart)) : text(enc, body.subarray(valueStart));
      } else if (id[0] === 'T' && body.length >= 1) {
        frame.value = text(body[0]!, body.subarray(1));
      } else if (id[0] === 'W') {
        frame.value = latin1.decode(body).replace(/\0+$/, '');
      } else if (id === 'PRIV') {
        const stop = terminator(body, 0, false);
        frame.description = latin1.decode(body.subarray(0, stop));
        frame.data = body.slice(Math.min(body.length, stop + 1));
      }
      frames.push(frame);
      p = bodyEnd;
    }
    tag = end;
  }
  return frames;
}

/** The fields of a splice_info_section whose CRC the core checked (ANSI/SCTE 35 §9.6). Never throws. */
export function parseScte35(s: Uint8Array): Scte35Info {
  const at = (o: number) => s[o] ?? 0;
  const u32 = (o: number) => ((at(o) << 24) | (at(o + 1) << 16) | (at(o + 2) << 8) | at(o + 3)) >>> 0;
  const u33 = (o: number) => (at(o) & 1) * 2 ** 32 + u32(o + 1);
  const info: Scte35Info = {
    commandType: at(13),
    ptsAdjustment: u33(4),
    encrypted: (at(4) & 0x80) !== 0,
  };
  if (info.encrypted || info.commandType !== 0x05 || s.length < 20) return info;
  // splice_insert() §9.7.3
  const c = 14;
  info.eventId = u32(c);
  info.cancel = (at(c + 4) & 0x80) !== 0;
  if (info.cancel) return info;
  const flags = at(c + 5);
  info.outOfNetwork = (flags & 0x80) !== 0;
  const programSplice = (flags & 0x40) !== 0;
  const durationFlag = (flags & 0x20) !== 0;
  info.immediate = (flags & 0x10) !== 0;
  let p = c + 6;
  if (programSplice && !info.immediate) p += at(p) & 0x80 ? 5 : 1; // splice_time()
  if (!programSplice) {
    const components = at(p);
    p += 1;
    for (let i = 0; i < components; i++) p += 1 + (info.immediate ? 0 : at(p + 1) & 0x80 ? 5 : 1);
  }
  if (durationFlag && p + 5 <= s.length) {
    info.autoReturn = (at(p) & 0x80) !== 0;
    info.duration = u33(p) / 90000;
  }
  return info;
}
