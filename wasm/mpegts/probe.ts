// Probing an MPEG-TS file for seeking: the host fetches a window of the file (a range request) and asks where video
// access units start in it and at which times, to bisect for the keyframe at or before a seek target (the worker's
// seek, worker/session.ts). Only the video PID of the program being played is read, packet by packet: a PES that
// starts in a packet (payload_unit_start_indicator) gives its PTS/DTS (13818-1 2.4.3.7); it is a random access point
// when the packet's adaptation field sets random_access_indicator (2.4.3.5), or when the NAL units that start in the
// packet's payload include an IDR picture (H.264) or an IRAP picture (HEVC).

import { Codec } from '../codes';
import { codec } from '../remux/track';
import { readTimestamp } from './clock';
import { packetStride, videoPid } from './demux';

/** The first video PES start in the window: its decode time (33-bit) and offset; -1 when there is none. */
export let probeFirstTime: f64 = -1;
export let probeFirstOffset: f64 = -1;
/** The last random access point in the window whose PTS (33-bit, compared modulo 2^33) is at or before the target. */
export let probeKeyTime: f64 = -1;
export let probeKeyOffset: f64 = -1;

const WRAP: i64 = 1 << 33;

/** Whether the NAL units starting in [p, end) include a random access picture. */
function randomAccess(p: u32, end: u32, hevc: bool): bool {
  for (let q = p; q + 3 < end; q++) {
    if (load<u8>(q) != 0 || load<u8>(q + 1) != 0 || load<u8>(q + 2) != 1) continue;
    const h = <u32>load<u8>(q + 3);
    if (hevc) {
      const type = (h >> 1) & 0x3f;
      if (type >= 16 && type <= 23) return true;
    } else if ((h & 0x1f) == 5) return true;
  }
  return false;
}

/**
 * Scans [p, p + len) (whole packets from the first sync found). `target`: a 33-bit PTS. Returns the number of video
 * PES starts found (-1 when the stream has no video track yet); the results are in the probe* globals.
 */
export function probeMpegTs(p: u32, len: u32, target: i64): i32 {
  probeFirstTime = -1;
  probeFirstOffset = -1;
  probeKeyTime = -1;
  probeKeyOffset = -1;
  const video = videoPid();
  if (video < 0) return -1;
  const stride = packetStride();
  const prefix: u32 = stride == 192 ? 4 : 0;
  const hevc = unchecked(codec[0]) == Codec.Hevc;
  const end = p + len;
  // The first offset where three packets in a row start with the sync byte.
  let q = p;
  while (q + 2 * stride + prefix < end) {
    const s = q + prefix;
    if (load<u8>(s) == 0x47 && load<u8>(s + stride) == 0x47 && load<u8>(s + 2 * stride) == 0x47) break;
    q++;
  }
  let found: i32 = 0;
  for (; q + stride <= end; q += stride) {
    const s = q + prefix;
    if (load<u8>(s) != 0x47) continue; // lost sync: this packet is not read (a window of a damaged file)
    const b1 = <u32>load<u8>(s + 1);
    const packetPid = ((b1 & 0x1f) << 8) | <u32>load<u8>(s + 2);
    if (<i32>packetPid != video || (b1 & 0x40) == 0 || (b1 & 0x80) != 0) continue; // PUSI, no transport error
    const b3 = <u32>load<u8>(s + 3);
    let payload = s + 4;
    let rai = false;
    if (b3 & 0x20) {
      const af = <u32>load<u8>(s + 4);
      if (af > 183) continue;
      if (af > 0) rai = (load<u8>(s + 5) & 0x40) != 0; // random_access_indicator
      payload = s + 5 + af;
    }
    const stop = s + 188;
    if ((b3 & 0x10) == 0 || payload + 14 > stop) continue;
    if (load<u8>(payload) != 0 || load<u8>(payload + 1) != 0 || load<u8>(payload + 2) != 1) continue;
    const flags = <u32>load<u8>(payload + 7);
    if ((flags & 0x80) == 0) continue; // no PTS
    const pts = readTimestamp(payload + 9);
    const dts = (flags & 0x40) != 0 && payload + 19 <= stop ? readTimestamp(payload + 14) : pts;
    found++;
    const offset = <f64>(q - p);
    if (probeFirstOffset < 0) {
      probeFirstOffset = offset;
      probeFirstTime = <f64>dts;
    }
    const es = payload + 9 + <u32>load<u8>(payload + 8);
    if (!rai && !(es < stop && randomAccess(es, stop, hevc))) continue;
    // At or before the target, on the 33-bit circle: within half of it behind.
    const behind = (((target - pts) % WRAP) + WRAP) % WRAP;
    if (behind < WRAP >> 1) {
      probeKeyOffset = offset;
      probeKeyTime = <f64>pts;
    }
  }
  return found;
}
