/**
 * Reads the samples of a fragmented MP4 (ISO/IEC 14496-12 8.8) with the independent box walker (isobmff.ts): the
 * tracks of the moov (track_ID, handler, timescale, trex defaults) and, per movie fragment, each traf's tfhd, tfdt
 * and trun, with every sample's decode time, duration, composition offset, flags and bytes. Written from the spec
 * and sharing no code with wasm/mp4, so tests can judge weir's fragments without weir's own parser.
 */

import { type Box, find, u32, walkBoxes } from './isobmff.js';

export interface Mp4Sample {
  /** Decode time in the track's timescale: the run's tfdt plus the durations of the samples before it. */
  dts: number;
  duration: number;
  /** Composition time offset (trun version 1: signed). */
  cts: number;
  flags: number;
  data: Uint8Array;
}

export interface Mp4Run {
  /** baseMediaDecodeTime of the traf (tfdt). */
  tfdt: number;
  /** Sum of the sample durations of the traf's runs. */
  duration: number;
  samples: number;
}

export interface Mp4Track {
  id: number;
  /** handler_type of the hdlr box: 'vide' or 'soun'. */
  handler: string;
  timescale: number;
  runs: Mp4Run[];
  samples: Mp4Sample[];
}

import {
  TFHD_BASE_DATA_OFFSET,
  TFHD_DEFAULT_BASE_IS_MOOF,
  TFHD_DEFAULT_DURATION,
  TFHD_DEFAULT_FLAGS,
  TFHD_DEFAULT_SIZE,
  TFHD_SAMPLE_DESCRIPTION_INDEX,
  TRUN_CTO,
  TRUN_DATA_OFFSET,
  TRUN_DURATION,
  TRUN_FIRST_SAMPLE_FLAGS,
  TRUN_FLAGS,
  TRUN_SIZE,
} from '../fuzz/fmp4-check.mjs';

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** version and flags of a FullBox payload. */
function fullBox(b: Box): { version: number; flags: number } {
  return { version: b.payload[0]!, flags: u32(b.payload, 0) & 0xffffff };
}

/** The tracks of one init segment followed by its fragments (one muxed file, or one track's stream). */
/** The track with this handler ('vide' or 'soun'); throws if the output has none. */
export function trackOf(tracks: Mp4Track[], handler: 'vide' | 'soun'): Mp4Track {
  const t = tracks.find((x) => x.handler === handler);
  if (!t) throw new Error(`no ${handler} track in the output`);
  return t;
}

export function readFmp4(data: Uint8Array): Mp4Track[] {
  const boxes = walkBoxes(data);
  const moov = find(boxes, 'moov');
  if (!moov) throw new Error('readFmp4: no moov');
  const tracks = new Map<number, Mp4Track>();
  const defaults = new Map<number, { duration: number; size: number; flags: number }>();
  for (const trak of moov.children.filter((b) => b.type === 'trak')) {
    const tkhd = find(trak.children, 'tkhd')!;
    const mdhd = find(trak.children, 'mdia', 'mdhd')!;
    const hdlr = find(trak.children, 'mdia', 'hdlr')!;
    const id = u32(tkhd.payload, fullBox(tkhd).version === 1 ? 20 : 12); // track_ID
    const timescale = u32(mdhd.payload, fullBox(mdhd).version === 1 ? 20 : 12); // timescale
    const handler = String.fromCharCode(...hdlr.payload.subarray(8, 12)); // handler_type
    tracks.set(id, { id, handler, timescale, runs: [], samples: [] });
  }
  for (const trex of find(boxes, 'moov', 'mvex')?.children.filter((b) => b.type === 'trex') ?? []) {
    const p = trex.payload;
    // track_ID, default_sample_description_index, default_sample_duration, _size, _flags
    defaults.set(u32(p, 4), { duration: u32(p, 12), size: u32(p, 16), flags: u32(p, 20) });
  }
  for (const moof of boxes.filter((b) => b.type === 'moof')) {
    let nextData = moof.offset; // where a traf without a base offset starts (8.8.7.1)
    for (const traf of moof.children.filter((b) => b.type === 'traf')) {
      const tfhd = find(traf.children, 'tfhd')!;
      const th = fullBox(tfhd);
      const tv = view(tfhd.payload);
      const id = tv.getUint32(4); // track_ID
      const track = tracks.get(id);
      if (!track) throw new Error(`readFmp4: traf for unknown track ${id}`);
      const d = defaults.get(id) ?? { duration: 0, size: 0, flags: 0 };
      let o = 8;
      let base = th.flags & TFHD_DEFAULT_BASE_IS_MOOF ? moof.offset : nextData;
      if (th.flags & TFHD_BASE_DATA_OFFSET) {
        base = Number(tv.getBigUint64(o)); // base_data_offset
        o += 8;
      }
      if (th.flags & TFHD_SAMPLE_DESCRIPTION_INDEX) o += 4;
      let defaultDuration = d.duration;
      let defaultSize = d.size;
      let defaultFlags = d.flags;
      if (th.flags & TFHD_DEFAULT_DURATION) {
        defaultDuration = tv.getUint32(o);
        o += 4;
      }
      if (th.flags & TFHD_DEFAULT_SIZE) {
        defaultSize = tv.getUint32(o);
        o += 4;
      }
      if (th.flags & TFHD_DEFAULT_FLAGS) defaultFlags = tv.getUint32(o);
      const tfdtBox = find(traf.children, 'tfdt');
      if (!tfdtBox) throw new Error(`readFmp4: traf of track ${id} without tfdt`);
      const tfdt =
        fullBox(tfdtBox).version === 1
          ? Number(view(tfdtBox.payload).getBigUint64(4)) // baseMediaDecodeTime (64 bits)
          : u32(tfdtBox.payload, 4); // baseMediaDecodeTime (32 bits)
      const run: Mp4Run = { tfdt, duration: 0, samples: 0 };
      let dts = tfdt;
      let dataAt = base;
      for (const trun of traf.children.filter((b) => b.type === 'trun')) {
        const rh = fullBox(trun);
        const rv = view(trun.payload);
        const count = rv.getUint32(4); // sample_count
        let p = 8;
        if (rh.flags & TRUN_DATA_OFFSET) {
          dataAt = base + rv.getInt32(p); // data_offset
          p += 4;
        }
        let firstFlags: number | undefined;
        if (rh.flags & TRUN_FIRST_SAMPLE_FLAGS) {
          firstFlags = rv.getUint32(p); // first_sample_flags
          p += 4;
        }
        for (let i = 0; i < count; i++) {
          let duration = defaultDuration;
          let size = defaultSize;
          let flags = i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags;
          let cts = 0;
          if (rh.flags & TRUN_DURATION) {
            duration = rv.getUint32(p); // sample_duration
            p += 4;
          }
          if (rh.flags & TRUN_SIZE) {
            size = rv.getUint32(p); // sample_size
            p += 4;
          }
          if (rh.flags & TRUN_FLAGS) {
            flags = rv.getUint32(p); // sample_flags
            p += 4;
          }
          if (rh.flags & TRUN_CTO) {
            cts = rh.version === 1 ? rv.getInt32(p) : rv.getUint32(p); // sample_composition_time_offset
            p += 4;
          }
          if (dataAt + size > data.length) throw new Error(`readFmp4: sample of track ${id} beyond the data`);
          track.samples.push({ dts, duration, cts, flags, data: data.subarray(dataAt, dataAt + size) });
          dts += duration;
          dataAt += size;
          run.duration += duration;
          run.samples++;
        }
      }
      nextData = dataAt;
      track.runs.push(run);
    }
  }
  return [...tracks.values()];
}

/**
 * Splits weir's output into one byte stream per output stream: the muxed file as is, or per track its init segment
 * followed by its fragments (per-track mode interleaves them in one output).
 */
export function splitByTrack(
  output: Uint8Array,
  segments: { track: number | null; length: number }[],
): Map<number | null, Uint8Array> {
  const parts = new Map<number | null, Uint8Array[]>();
  let o = 0;
  for (const s of segments) {
    const list = parts.get(s.track) ?? [];
    list.push(output.subarray(o, o + s.length));
    parts.set(s.track, list);
    o += s.length;
  }
  const result = new Map<number | null, Uint8Array>();
  for (const [track, list] of parts) {
    const total = list.reduce((n, p) => n + p.length, 0);
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const p of list) {
      bytes.set(p, at);
      at += p.length;
    }
    result.set(track, bytes);
  }
  return result;
}
