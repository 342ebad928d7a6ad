// Invariants of weir's fragmented MP4 output (ISO/IEC 14496-12), checked by a reader written from the spec that
// shares no code with wasm/mp4 (it follows test/helpers/isobmff.ts and fmp4.ts, ported to plain JS and made strict:
// every size is checked, not only followed).
//
// One OutputStream is fed the init segment and the fragments of one output stream (a track's stream in per-track
// mode, the file in muxed mode), in order, and reports what breaks:
// - bmff:         a box whose size does not fit its parent, a box missing where 14496-12 requires it, a fragment
//                 event that is not exactly one moof followed by one mdat, a trun whose size disagrees with its
//                 sample_count and flags;
// - mdat-size:    the sample sizes of a moof's runs do not add up to its mdat's payload;
// - data-offset:  a run's data_offset does not point inside the mdat, or two runs share bytes;
// - tfdt-backwards: a track's baseMediaDecodeTime is earlier than in its previous fragment;
// - tfdt-gap, tfdt-overlap: a track's baseMediaDecodeTime is later (a hole) or earlier (a repeat) than the
//                 previous one plus the previous fragment's durations (weir promises one continuous timeline:
//                 README "Timeline");
// - sample-structure: an H.264/HEVC sample is not a sequence of length-prefixed NAL units (of the length size its
//                 avcC/hvcC says) that fills it exactly;
// - foreign-bytes: a sample (an audio frame, a VP9/AV1 frame, or an H.264/HEVC NAL unit) is not found in the input
//                 (see ts-index.mjs referenceStreams for how "in the input" is defined for MPEG-TS; for WebM/Matroska
//                 it is the input itself, whose frames weir copies as they are; LATM payloads may sit at any bit
//                 offset, see sampleFinder), unless it is one of the silent frames the engine reported inserting
//                 (checkFills, below);
// - silent-fill:  the engine reported a run of silent frames (AUDIO_GAP_FILLED) that the track does not hold, or
//                 a silent frame of such a run lasts other than one frame (the last one of a run takes the rest of
//                 its gap: at least a frame less a sixteenth).
//
// Silent frames (wasm/codecs/silence.ts, derived again here from the specs, from the track's sample entry): AAC
// (object types 1-4, channelConfiguration 1-7) one raw_data_block of the channel elements of 14496-3 Table 1.19,
// each individual_channel_stream with global_gain 0 and max_sfb 0, then ID_END; MPEG-1/2 audio a header without
// CRC or padding and nothing but zero bytes to the frame length that header gives; Opus a CELT-only packet (TOC
// config 28-31, one frame) whose range-coded data is ff fe (the silence flag), one per stream of the dOps mapping,
// all but the last self-delimited; AC-3/E-AC-3 the sync frame ac3-silence.mjs derives from the frame's own header
// (of its size and configuration, no mantissa coded, both CRCs right).

import { ac3SilenceSamples } from './ac3-silence.mjs';

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex', 'moof', 'traf', 'dinf', 'edts']);
/** tfhd and trun flags (ISO/IEC 14496-12 8.8.7, 8.8.8), shared with test/helpers/fmp4.ts. */
export const TFHD_BASE_DATA_OFFSET = 0x01;
export const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02;
export const TFHD_DEFAULT_DURATION = 0x08;
export const TFHD_DEFAULT_SIZE = 0x10;
export const TFHD_DEFAULT_FLAGS = 0x20;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
export const TRUN_DATA_OFFSET = 0x01;
export const TRUN_FIRST_SAMPLE_FLAGS = 0x04;
export const TRUN_DURATION = 0x100;
export const TRUN_SIZE = 0x200;
export const TRUN_FLAGS = 0x400;
export const TRUN_CTO = 0x800;

/** @typedef {{ kind: string, message: string }} Failure */
/** @typedef {{ type: string, offset: number, size: number, header: number, children: Box[] }} Box */

class CheckError extends Error {
  /** @param {string} kind @param {string} message */
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** A track's kind and id, for messages. @param {{ handler: string, id: number }} t */
function name(t) {
  return `${t.handler === 'vide' ? 'video' : t.handler === 'soun' ? 'audio' : t.handler} track ${t.id}`;
}

/** @param {Uint8Array} b */
function view(b) {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Splits [start, end) into boxes; descends into containers. Throws a bmff CheckError on any size that does not fit.
 * @param {Uint8Array} b @param {number} start @param {number} end
 * @returns {Box[]}
 */
export function walkBoxes(b, start = 0, end = b.length) {
  const v = view(b);
  /** @type {Box[]} */
  const boxes = [];
  let o = start;
  while (o < end) {
    if (end - o < 8) throw new CheckError('bmff', `${end - o} bytes left at ${o}: not a box header`);
    let size = v.getUint32(o);
    const type = String.fromCharCode(b[o + 4], b[o + 5], b[o + 6], b[o + 7]);
    let header = 8;
    if (size === 1) {
      if (end - o < 16) throw new CheckError('bmff', `box '${type}' at ${o}: truncated largesize`);
      size = Number(v.getBigUint64(o + 8));
      header = 16;
    } else if (size === 0) {
      throw new CheckError('bmff', `box '${type}' at ${o}: size 0 (to end of file) in a segment`);
    }
    if (size < header || o + size > end)
      throw new CheckError('bmff', `box '${type}' at ${o}: size ${size} does not fit in ${end - o}`);
    const children = CONTAINERS.has(type) ? walkBoxes(b, o + header, o + size) : [];
    boxes.push({ type, offset: o, size, header, children });
    o += size;
  }
  return boxes;
}

/** @param {Box[]} boxes @param {string} type @param {string} where */
function need(boxes, type, where) {
  const box = boxes.find((x) => x.type === type);
  if (!box) throw new CheckError('bmff', `${where}: no '${type}'`);
  return box;
}

/** The payload of a box (after its header). @param {Uint8Array} b @param {Box} box */
function payload(b, box) {
  return b.subarray(box.offset + box.header, box.offset + box.size);
}

/**
 * @typedef {object} TrackState
 * @property {number} id
 * @property {string} handler   'vide' | 'soun' | ...
 * @property {string} format    the sample entry's 4CC: 'avc1', 'hvc1', 'vp09', 'av01', 'mp4a', 'Opus', ...
 * @property {number} lengthSize NAL unit length field size of avc1/hvc1 samples (1, 2 or 4)
 * @property {number} timescale
 * @property {{ duration: number, size: number, flags: number }} defaults  from trex
 * @property {number | undefined} nextTfdt  tfdt + durations of the last fragment
 * @property {number} [tolerance]  ticks nextTfdt may be off by (1 after a timescale change: rounding)
 * @property {number | undefined} lastTfdt
 * @property {number} samples
 * @property {number} fragments
 * @property {number} firstTfdt
 * @property {number} lastEnd  decode end of the last sample (timescale units)
 * @property {{pid: number, at: number} | undefined} hint  where the last sample was found in the input
 * @property {((data: Uint8Array) => number) | null} [silence]  a silent frame's nominal duration (0: not one)
 * @property {string[]} [labels]  per sample: R (in the input), S (in the input and a silent frame), F (a silent
 *   frame not in the input: must be a reported fill)
 * @property {number[]} [durations]  per sample, with labels
 * @property {number[]} [nominal]  per sample, with labels: the silent frame's nominal duration (0: not silent)
 */

/**
 * The sample entry of an stsd payload (14496-12 8.5.2): its format (4CC) and, for avc1/hvc1, the NAL unit length
 * size its avcC/hvcC says (lengthSizeMinusOne + 1: 14496-15 5.3.3.1, 8.3.3.1).
 * @param {Uint8Array} stsd  the stsd payload (version/flags, entry_count, entries)
 */
function sampleEntry(stsd) {
  if (stsd.length < 16) throw new CheckError('bmff', 'stsd without a sample entry');
  const format = String.fromCharCode(.../** @type {number[]} */ ([...stsd.subarray(12, 16)]));
  let lengthSize = 4;
  if (format === 'avc1' || format === 'hvc1') {
    // VisualSampleEntry: 8 (box header) + 78 bytes of fields, then its boxes.
    const entryEnd = Math.min(stsd.length, 8 + view(stsd).getUint32(8));
    for (let o = 8 + 8 + 78; o + 8 <= entryEnd; ) {
      const size = view(stsd).getUint32(o);
      const type = String.fromCharCode(.../** @type {number[]} */ ([...stsd.subarray(o + 4, o + 8)]));
      if (size < 8) break;
      if (type === 'avcC' && o + 12 < entryEnd) lengthSize = (stsd[o + 8 + 4] & 3) + 1;
      if (type === 'hvcC' && o + 8 + 22 < entryEnd) lengthSize = (stsd[o + 8 + 21] & 3) + 1;
      o += size;
    }
  }
  return { format, lengthSize };
}

/** The stream of one output (a track's init + fragments, or the muxed file). */
export class OutputStream {
  /**
   * @param {string} label
   * @param {(kind: string, message: string) => void} fail
   * @param {((sample: Uint8Array, track: TrackState) => boolean) | null} findSample  the foreign-bytes check
   */
  constructor(label, fail, findSample) {
    this.label = label;
    this.fail = fail;
    this.findSample = findSample;
    /** @type {Map<number, TrackState>} */
    this.tracks = new Map();
    this.sequence = -1;
    this.inits = 0;
    this.fragments = 0;
    this.gaps = 0;
  }

  /** @param {Uint8Array} b */
  init(b) {
    try {
      const boxes = walkBoxes(b);
      need(boxes, 'ftyp', `${this.label} init`);
      const moov = need(boxes, 'moov', `${this.label} init`);
      const trex = new Map();
      for (const box of need(moov.children, 'mvex', 'moov').children.filter((x) => x.type === 'trex')) {
        const p = view(payload(b, box));
        trex.set(p.getUint32(4), { duration: p.getUint32(12), size: p.getUint32(16), flags: p.getUint32(20) }); // track_ID, defaults
      }
      for (const trak of moov.children.filter((x) => x.type === 'trak')) {
        const tkhd = payload(b, need(trak.children, 'tkhd', 'trak'));
        const mdia = need(trak.children, 'mdia', 'trak');
        const mdhd = payload(b, need(mdia.children, 'mdhd', 'mdia'));
        const hdlr = payload(b, need(mdia.children, 'hdlr', 'mdia'));
        const stsd = need(need(need(mdia.children, 'minf', 'mdia').children, 'stbl', 'minf').children, 'stsd', 'stbl');
        const entry = sampleEntry(payload(b, stsd));
        const id = view(tkhd).getUint32(tkhd[0] === 1 ? 20 : 12); // track_ID
        const timescale = view(mdhd).getUint32(mdhd[0] === 1 ? 20 : 12); // timescale
        if (timescale === 0) throw new CheckError('bmff', `${this.label}: track ${id} has timescale 0`);
        const handler = String.fromCharCode(.../** @type {number[]} */ ([...hdlr.subarray(8, 12)])); // handler_type
        const old = this.tracks.get(id);
        // A new init segment may change a track's timescale (a new stream on the track after a PMT change, e.g.
        // 22.05 → 48 kHz audio): where the timeline continues is then the old end in the new unit, to within the
        // one tick the conversion rounds.
        const rescaled = old !== undefined && old.timescale !== timescale && old.nextTfdt !== undefined;
        this.tracks.set(id, {
          id,
          handler,
          format: entry.format,
          lengthSize: entry.lengthSize,
          timescale,
          defaults: trex.get(id) ?? { duration: 0, size: 0, flags: 0 },
          nextTfdt: rescaled ? Math.round((old.nextTfdt * timescale) / old.timescale) : old?.nextTfdt,
          tolerance: rescaled ? 1 : 0,
          lastTfdt: old?.lastTfdt,
          samples: old?.samples ?? 0,
          fragments: old?.fragments ?? 0,
          firstTfdt: old?.firstTfdt ?? -1,
          lastEnd: old?.lastEnd ?? 0,
          hint: old?.hint,
          silence: handler === 'soun' ? silenceOf(payload(b, stsd)) : null,
          labels: old?.labels ?? [],
          durations: old?.durations ?? [],
          nominal: old?.nominal ?? [],
        });
      }
      if (!this.tracks.size) throw new CheckError('bmff', `${this.label} init: no trak`);
      this.inits++;
    } catch (e) {
      this.report(e);
    }
  }

  /**
   * One fragment event: exactly moof + mdat.
   * @param {Uint8Array} b
   * @returns {{ samples: number, ok: boolean }}
   */
  fragment(b) {
    let samples = 0;
    let ok = false;
    try {
      if (!this.inits) throw new CheckError('bmff', `${this.label}: fragment before any init segment`);
      const boxes = walkBoxes(b);
      if (boxes.length !== 2 || boxes[0]?.type !== 'moof' || boxes[1]?.type !== 'mdat') {
        throw new CheckError(
          'bmff',
          `${this.label}: fragment is [${boxes.map((x) => x.type).join(',')}], not [moof,mdat]`,
        );
      }
      const moof = /** @type {Box} */ (boxes[0]);
      const mdat = /** @type {Box} */ (boxes[1]);
      const mfhd = payload(b, need(moof.children, 'mfhd', 'moof'));
      const sequence = view(mfhd).getUint32(4); // sequence_number
      if (sequence <= this.sequence)
        throw new CheckError('bmff', `${this.label}: mfhd sequence ${sequence} after ${this.sequence}`);
      this.sequence = sequence;
      const dataStart = mdat.offset + mdat.header;
      const dataEnd = mdat.offset + mdat.size;
      /** @type {[number, number][]} */
      const ranges = [];
      let total = 0;
      const trafs = moof.children.filter((x) => x.type === 'traf');
      if (!trafs.length) throw new CheckError('bmff', `${this.label}: moof without traf`);
      for (const traf of trafs) {
        samples += this.traf(b, moof, traf, dataStart, dataEnd, ranges, (n) => {
          total += n;
        });
      }
      if (total !== dataEnd - dataStart) {
        throw new CheckError(
          'mdat-size',
          `${this.label}: samples add up to ${total} bytes, mdat holds ${dataEnd - dataStart}`,
        );
      }
      ranges.sort((x, y) => x[0] - y[0]);
      for (let i = 1; i < ranges.length; i++) {
        if (/** @type {[number, number]} */ (ranges[i])[0] < /** @type {[number, number]} */ (ranges[i - 1])[1]) {
          throw new CheckError('data-offset', `${this.label}: two runs share mdat bytes`);
        }
      }
      this.fragments++;
      ok = true;
    } catch (e) {
      this.report(e);
    }
    return { samples, ok };
  }

  /**
   * @param {Uint8Array} b @param {Box} moof @param {Box} traf @param {number} dataStart @param {number} dataEnd
   * @param {[number, number][]} ranges @param {(n: number) => void} count
   */
  traf(b, moof, traf, dataStart, dataEnd, ranges, count) {
    const tfhdBox = need(traf.children, 'tfhd', 'traf');
    const tfhd = payload(b, tfhdBox);
    const tv = view(tfhd);
    const flags = tv.getUint32(0) & 0xffffff;
    const id = tv.getUint32(4); // track_ID
    const track = this.tracks.get(id);
    if (!track)
      throw new CheckError('bmff', `${this.label}: traf of track ${id}, which the init segment does not declare`);
    let o = 8;
    let base = moof.offset;
    if (!(flags & TFHD_DEFAULT_BASE_IS_MOOF) && !(flags & TFHD_BASE_DATA_OFFSET)) {
      throw new CheckError(
        'bmff',
        `${this.label}: tfhd without default-base-is-moof or base_data_offset (MSE needs one)`,
      );
    }
    if (flags & TFHD_BASE_DATA_OFFSET) {
      base = Number(tv.getBigUint64(o)); // base_data_offset
      o += 8;
    }
    if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) o += 4;
    let { duration: defaultDuration, size: defaultSize } = track.defaults;
    if (flags & TFHD_DEFAULT_DURATION) {
      defaultDuration = tv.getUint32(o);
      o += 4;
    }
    if (flags & TFHD_DEFAULT_SIZE) {
      defaultSize = tv.getUint32(o);
      o += 4;
    }
    if (flags & TFHD_DEFAULT_FLAGS) o += 4; // default_sample_flags
    if (o !== tfhd.length)
      throw new CheckError('bmff', `${this.label}: tfhd of ${tfhd.length} bytes, its flags say ${o}`);
    const tfdtPayload = payload(b, need(traf.children, 'tfdt', 'traf'));
    const version = tfdtPayload[0];
    if (tfdtPayload.length !== (version === 1 ? 12 : 8))
      throw new CheckError('bmff', `${this.label}: tfdt of ${tfdtPayload.length} bytes`);
    const tfdt = version === 1 ? Number(view(tfdtPayload).getBigUint64(4)) : view(tfdtPayload).getUint32(4); // baseMediaDecodeTime
    if (track.lastTfdt !== undefined && tfdt < track.lastTfdt) {
      throw new CheckError('tfdt-backwards', `${this.label} ${name(track)}: tfdt ${tfdt} after ${track.lastTfdt}`);
    }
    if (track.nextTfdt !== undefined && Math.abs(tfdt - track.nextTfdt) > (track.tolerance ?? 0)) {
      // A hole (gap) or a repeat (overlap) in the track's timeline between two fragments.
      this.gaps++;
      const kind = tfdt > track.nextTfdt ? 'tfdt-gap' : 'tfdt-overlap';
      this.fail(
        kind,
        `${this.label} ${name(track)}: tfdt ${tfdt}, previous fragment ended at ${track.nextTfdt} (${((tfdt - track.nextTfdt) / track.timescale).toFixed(6)} s)`,
      );
    }
    if (track.firstTfdt < 0) track.firstTfdt = tfdt;
    let dts = tfdt;
    let samples = 0;
    let dataAt = base;
    for (const trunBox of traf.children.filter((x) => x.type === 'trun')) {
      const trun = payload(b, trunBox);
      const rv = view(trun);
      const rflags = rv.getUint32(0) & 0xffffff;
      const n = rv.getUint32(4); // sample_count
      const perSample = [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO].filter((f) => rflags & f).length * 4;
      const fixed = 8 + (rflags & TRUN_DATA_OFFSET ? 4 : 0) + (rflags & TRUN_FIRST_SAMPLE_FLAGS ? 4 : 0);
      if (fixed + n * perSample !== trun.length) {
        throw new CheckError(
          'bmff',
          `${this.label}: trun of ${trun.length} bytes for ${n} samples (flags 0x${rflags.toString(16)})`,
        );
      }
      let p = 8;
      if (rflags & TRUN_DATA_OFFSET) {
        dataAt = base + rv.getInt32(p); // data_offset
        p += 4;
      }
      if (rflags & TRUN_FIRST_SAMPLE_FLAGS) p += 4;
      const runStart = dataAt;
      if (n > 0 && (runStart < dataStart || runStart > dataEnd)) {
        throw new CheckError(
          'data-offset',
          `${this.label} ${name(track)}: data starts at ${runStart}, mdat payload is [${dataStart}, ${dataEnd})`,
        );
      }
      for (let i = 0; i < n; i++) {
        let duration = defaultDuration;
        let size = defaultSize;
        if (rflags & TRUN_DURATION) {
          duration = rv.getUint32(p); // sample_duration
          p += 4;
        }
        if (rflags & TRUN_SIZE) {
          size = rv.getUint32(p); // sample_size
          p += 4;
        }
        if (rflags & TRUN_FLAGS) p += 4;
        if (rflags & TRUN_CTO) p += 4;
        if (dataAt + size > dataEnd) {
          throw new CheckError(
            'data-offset',
            `${this.label} ${name(track)}: sample ${i} ends at ${dataAt + size}, past the mdat end ${dataEnd}`,
          );
        }
        this.sample(b.subarray(dataAt, dataAt + size), track, i, duration);
        dts += duration;
        dataAt += size;
        count(size);
      }
      if (n > 0) ranges.push([runStart, dataAt]);
      samples += n;
    }
    track.lastTfdt = tfdt;
    track.nextTfdt = dts;
    track.tolerance = 0;
    track.lastEnd = dts;
    track.samples += samples;
    track.fragments++;
    return samples;
  }

  /** @param {Uint8Array} data @param {TrackState} track @param {number} index @param {number} duration */
  sample(data, track, index, duration) {
    if (track.handler === 'vide' && (track.format === 'avc1' || track.format === 'hvc1')) {
      // 14496-15 5.3.2 / 8.3.2: NALUnitLength (lengthSizeMinusOne + 1 bytes, from avcC/hvcC) + NAL unit, to the end.
      const L = track.lengthSize;
      let o = 0;
      while (o < data.length) {
        if (data.length - o < L + 1)
          throw new CheckError(
            'sample-structure',
            `${this.label} ${name(track)}: sample ${index}: ${data.length - o} bytes left, no NAL unit`,
          );
        const n = L === 4 ? view(data).getUint32(o) : L === 2 ? view(data).getUint16(o) : data[o];
        if (n === 0 || o + L + n > data.length) {
          throw new CheckError(
            'sample-structure',
            `${this.label} ${name(track)}: sample ${index}: NAL unit length ${n} at ${o} of ${data.length}`,
          );
        }
        const nal = data.subarray(o + L, o + L + n);
        if (this.findSample && !this.findSample(nal, track)) {
          throw new CheckError(
            'foreign-bytes',
            `${this.label} ${name(track)}: sample ${index}: a NAL unit of ${n} bytes (nal_unit_type ${nal[0] & 31}) is not in the input's video stream`,
          );
        }
        o += L + n;
      }
    } else if (track.handler === 'vide') {
      // VP9, AV1: a frame as the input holds it.
      if (this.findSample && !this.findSample(data, track)) {
        throw new CheckError(
          'foreign-bytes',
          `${this.label} ${name(track)}: sample ${index}: a ${track.format} frame of ${data.length} bytes is not in the input`,
        );
      }
    } else if (this.findSample) {
      const found = this.findSample(data, track);
      const silent = track.silence?.(data) ?? 0;
      if (!found && !silent) {
        throw new CheckError(
          'foreign-bytes',
          `${this.label} ${name(track)}: sample ${index}: ${data.length} bytes not in the input's elementary streams`,
        );
      }
      track.labels?.push(found ? (silent ? 'S' : 'R') : 'F');
      track.durations?.push(duration);
      track.nominal?.push(silent);
    }
  }

  /**
   * After the last fragment: the silent frames the engine reported (AUDIO_GAP_FILLED, in order, per track id: the
   * frames each fill inserted) are in the tracks, and they are the only samples not in the input. Each reported run
   * must be that many consecutive silent frames, the runs in order, and every silent frame not found in the input
   * must belong to one (a silent frame that is in the input may also stand for a real frame). Found by the earliest
   * placement that skips no unreported silent frame, which finds a placement whenever one exists.
   * @param {Map<number, number[]>} fills
   * @param {{ stopped: boolean, suppressed: boolean }} how  stopped: the stream ended on a fatal error (runs still
   *   queued then never came out); suppressed: the core dropped warnings (a report may be missing)
   */
  checkFills(fills, how) {
    for (const track of this.tracks.values()) {
      const labels = track.labels;
      if (!labels || !this.findSample || track.handler !== 'soun') continue;
      const durations = /** @type {number[]} */ (track.durations);
      const nominal = /** @type {number[]} */ (track.nominal);
      const runs = fills.get(track.id) ?? [];
      const plan = placeFills(labels, runs);
      let cursor = 0;
      for (const [r, count] of runs.entries()) {
        let start = cursor;
        let at = plan ? /** @type {number} */ (plan[r]) : -1;
        while (!plan && start + count <= labels.length) {
          const real = labels.slice(start, start + count).indexOf('R');
          if (real < 0) {
            at = start;
            break;
          }
          if (labels.slice(start, start + real).includes('F')) break; // it would leave an unreported one behind
          start += real + 1;
        }
        if (at < 0) {
          if (!how.stopped && !how.suppressed) {
            this.fail(
              'silent-fill',
              `${this.label} ${name(track)}: fill #${r} of ${count} silent frames reported, no such run after sample ${cursor}`,
            );
          }
          break;
        }
        for (let k = at; k < at + count; k++) {
          const frame = /** @type {number} */ (nominal[k]);
          const last = k === at + count - 1;
          const d = /** @type {number} */ (durations[k]);
          if (last ? d < frame - (frame >> 4) : d !== frame) {
            this.fail(
              'silent-fill',
              `${this.label} ${name(track)}: silent frame ${k} (fill #${r}) lasts ${d}, a frame is ${frame}${last ? ' (the last may take the rest of its gap)' : ''}`,
            );
          }
        }
        cursor = at + count;
      }
      const unreported = labels.indexOf('F', cursor);
      if (unreported >= 0 && !how.suppressed) {
        this.fail(
          'foreign-bytes',
          `${this.label} ${name(track)}: sample ${unreported}: a silent frame not in the input that no AUDIO_GAP_FILLED reported`,
        );
      }
    }
  }

  /** @param {unknown} e */
  report(e) {
    if (e instanceof CheckError) this.fail(e.kind, e.message);
    else this.fail('checker', `${this.label}: ${String(e)}`);
  }
}

/**
 * Where each reported fill lies, when there is a placement of them all: in order, each a run of `count` samples none
 * of them real ('R'), and every silent frame not in the input ('F') inside one. A silent frame that is in the input
 * ('S') may be a fill or a real frame, so the earliest window is not always the right one (a real silent frame before
 * the first fill would take it): the placement is chosen with the knowledge of which cursors can still place every
 * later fill (ok[j][i], computed backwards), the earliest such window at each step. null when there is none.
 * @param {string[]} labels @param {number[]} runs
 * @returns {number[] | null}
 */
export function placeFills(labels, runs) {
  const L = labels.length;
  const realBefore = new Int32Array(L + 1);
  for (let i = 0; i < L; i++) realBefore[i + 1] = realBefore[i] + (labels[i] === 'R' ? 1 : 0);
  const noReal = (/** @type {number} */ a, /** @type {number} */ b) => b <= L && realBefore[b] === realBefore[a];
  /** ok[j][i]: fills j.. can all be placed from cursor i, leaving no 'F' after the last. */
  const ok = Array.from({ length: runs.length + 1 }, () => new Uint8Array(L + 1));
  let noneAfter = true;
  for (let i = L; i >= 0; i--) {
    if (i < L && labels[i] === 'F') noneAfter = false;
    ok[runs.length][i] = noneAfter ? 1 : 0;
  }
  for (let j = runs.length - 1; j >= 0; j--) {
    const c = /** @type {number} */ (runs[j]);
    for (let i = L; i >= 0; i--) {
      const here = noReal(i, i + c) && ok[j + 1][i + c] === 1;
      const later = i < L && labels[i] !== 'F' && ok[j][i + 1] === 1;
      ok[j][i] = here || later ? 1 : 0;
    }
  }
  if (!ok[0][0]) return null;
  const at = [];
  let cursor = 0;
  for (let j = 0; j < runs.length; j++) {
    const c = /** @type {number} */ (runs[j]);
    let s = cursor;
    while (!(noReal(s, s + c) && ok[j + 1][s + c] === 1)) s++; // ok[j][cursor] says one exists before an 'F'
    at.push(s);
    cursor = s + c;
  }
  return at;
}

/**
 * A sample finder over the reference streams: the sample must be a contiguous substring of one PID's stream. It
 * looks first where the track's previous sample was found (samples come in stream order), then everywhere.
 * A Matroska frame of a header-stripping track is found when it is one of `prefixes` (the tracks'
 * ContentCompSettings, themselves in the input) followed by bytes of the stream.
 * @param {() => Map<number, Buffer>} streams  computed on first use
 * @param {() => Uint8Array[]} [prefixes]  computed on first use when a sample is not found as it is
 * @returns {(sample: Uint8Array, track: TrackState) => boolean}
 */
export function sampleFinder(streams, prefixes) {
  /** @type {Uint8Array[] | undefined} */
  let heads;
  /** @type {Map<number, Buffer> | undefined} */
  let refs;
  /** @type {Buffer[] | undefined} */
  let shifted;
  return (sample, track) => {
    refs ??= streams();
    const needle = Buffer.from(sample.buffer, sample.byteOffset, sample.byteLength);
    if (track.hint) {
      const ref = refs.get(track.hint.pid);
      const at = ref ? ref.indexOf(needle, track.hint.at) : -1;
      if (at >= 0) {
        track.hint.at = at + 1;
        return true;
      }
    }
    for (const [pid, ref] of refs) {
      const at = ref.indexOf(needle);
      if (at >= 0) {
        track.hint = { pid, at: at + 1 };
        return true;
      }
    }
    if (prefixes) {
      heads ??= prefixes();
      for (const head of heads) {
        if (head.length >= needle.length || !needle.subarray(0, head.length).equals(head)) continue;
        const rest = needle.subarray(head.length);
        for (const ref of refs.values()) if (ref.indexOf(rest) >= 0) return true;
      }
    }
    // AAC in LATM (ISO/IEC 14496-3 1.7.3): a payload need not start on a byte boundary, and the sample is its
    // bits realigned. Such a sample is in the input when it is in the stream shifted left by 1 to 7 bits.
    shifted ??= shiftedStreams(refs);
    for (const ref of shifted) if (ref.indexOf(needle) >= 0) return true;
    return false;
  };
}

/**
 * Each reference stream shifted left by 1..7 bits (byte i = the 8 bits starting at bit k of byte i).
 * @param {Map<number, Buffer>} refs
 */
function shiftedStreams(refs) {
  /** @type {Buffer[]} */
  const out = [];
  for (const ref of refs.values()) {
    for (let k = 1; k < 8; k++) {
      const b = Buffer.alloc(ref.length);
      for (let i = 0; i < ref.length; i++) b[i] = ((ref[i] << k) | ((ref[i + 1] ?? 0) >> (8 - k))) & 0xff;
      out.push(b);
    }
  }
  return out;
}

/**
 * The silent frames of an audio track, from its stsd payload: a function giving a sample's nominal duration when
 * it is one of them (0 when not), or null when the codec has none. Only the first sample entry is read (weir writes
 * one).
 * @param {Uint8Array} stsd  the stsd payload (FullBox header, entry_count, entries)
 * @returns {((data: Uint8Array) => number) | null}
 */
export function silenceOf(stsd) {
  const v = view(stsd);
  if (stsd.length < 16 || v.getUint32(4) < 1) return null; // entry_count
  const entry = stsd.subarray(8, 8 + v.getUint32(8));
  const type = String.fromCharCode(entry[4], entry[5], entry[6], entry[7]);
  // AudioSampleEntry (14496-12 12.2.3): 8 header + 28 bytes of fields, then its boxes.
  const boxes = walkBoxes(entry, 36);
  if (type === 'Opus') {
    const dops = boxes.find((x) => x.type === 'dOps');
    return dops ? opusSilence(payload(entry, dops)) : null;
  }
  if (type === 'ac-3' || type === 'ec-3') return ac3SilenceSamples;
  if (type !== 'mp4a') return null;
  const esds = boxes.find((x) => x.type === 'esds');
  if (!esds) return null;
  const d = payload(entry, esds).subarray(4); // after version and flags: the ES_Descriptor
  // Descriptors (14496-1 7.2.2): tag, expandable size. ES_Descriptor (0x03) → DecoderConfigDescriptor (0x04) →
  // DecoderSpecificInfo (0x05).
  /** @param {number} o */
  const header = (o) => {
    let size = 0;
    let n = 1;
    for (; n <= 4; n++) {
      const byte = /** @type {number} */ (d[o + n]);
      size = (size << 7) | (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    return { tag: d[o], body: o + 1 + n, size };
  };
  const es = header(0);
  if (es.tag !== 0x03) return null;
  const flags = /** @type {number} */ (d[es.body + 2]); // after ES_ID: streamDependenceFlag, URL_Flag, OCRstreamFlag
  let o = es.body + 3;
  if (flags & 0x80) o += 2; // dependsOn_ES_ID
  if (flags & 0x40) o += 1 + (d[o] ?? 0); // URLlength, URLstring
  if (flags & 0x20) o += 2; // OCR_ES_Id
  const config = header(o);
  if (config.tag !== 0x04) return null;
  const objectTypeIndication = d[config.body];
  if (objectTypeIndication === 0x69 || objectTypeIndication === 0x6b) return mpegAudioSilence;
  if (objectTypeIndication !== 0x40) return null;
  o = config.body + 13;
  const info = header(o);
  if (info.tag !== 0x05) return null;
  return aacSilence(d.subarray(info.body, info.body + info.size));
}

/** A bit reader over bytes, most significant bit first. @param {Uint8Array} b */
function bits(b) {
  let at = 0;
  return (/** @type {number} */ n) => {
    let v = 0;
    for (let i = 0; i < n; i++, at++) v = v * 2 + /** @type {number} */ (((b[at >> 3] ?? 0) >> (7 - (at & 7))) & 1);
    return v;
  };
}

/**
 * AAC: the silent raw_data_block for an AudioSpecificConfig (14496-3 1.6.2.1) of object type 1-4 and
 * channelConfiguration 1-7 without SBR/PS signalled, and its frame length (GASpecificConfig frameLengthFlag).
 * @param {Uint8Array} asc
 */
function aacSilence(asc) {
  const read = bits(asc);
  const objectType = read(5); // audioObjectType (31 escapes: none of those is AAC 1-4)
  if (objectType < 1 || objectType > 4) return null;
  if (read(4) === 15) read(24); // samplingFrequencyIndex, samplingFrequency
  const channels = read(4); // channelConfiguration
  const frame = read(1) ? 960 : 1024; // frameLengthFlag
  if (channels < 1 || channels > 7) return null;
  // Table 1.19: the channel elements of each configuration (S = SCE, C = CPE, L = LFE).
  const layout = ['S', 'C', 'SC', 'SCS', 'SCC', 'SCCL', 'SCCCL'][channels - 1];
  /** @type {number[]} */
  const out = [];
  const put = (/** @type {number} */ v, /** @type {number} */ n) => {
    for (let i = n - 1; i >= 0; i--) out.push((v >> i) & 1);
  };
  // individual_channel_stream (4.4.2.7): global_gain, ics_info with max_sfb 0 (no band coded), three "present" flags.
  const channel = () => put(0, 8 + 1 + 2 + 1 + 6 + 1 + 3);
  const tags = { S: 0, C: 0, L: 0 };
  for (const element of /** @type {('S' | 'C' | 'L')[]} */ ([.../** @type {string} */ (layout)])) {
    put({ S: 0, C: 1, L: 3 }[element], 3); // id_syn_ele
    put(tags[element]++, 4); // element_instance_tag
    if (element === 'C') {
      put(0, 1); // common_window
      channel();
    }
    channel();
  }
  put(7, 3); // ID_END
  while (out.length % 8) out.push(0);
  const expected = Buffer.from(
    Array.from({ length: out.length / 8 }, (_, i) => parseInt(out.slice(i * 8, i * 8 + 8).join(''), 2)),
  );
  return (/** @type {Uint8Array} */ data) =>
    Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(expected) ? frame : 0;
}

/** MPEG-1/2 audio bitrates, kbit/s (11172-3 2.4.2.3, 13818-3): MPEG-1 layers I-III, MPEG-2/2.5 layer I, II/III. */
const MPA_BIT_RATES = [
  [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];

/**
 * MPEG audio: a frame header (no CRC: protection_bit 1; no padding) and only zero bytes to the length it gives
 * (no allocation, or part2_3_length 0 everywhere: silence). Returns the frame's samples.
 * @param {Uint8Array} data
 */
function mpegAudioSilence(data) {
  const b1 = data[1] ?? 0;
  if (data.length < 4 || data[0] !== 0xff || (b1 & 0xe0) !== 0xe0) return 0;
  const b2 = /** @type {number} */ (data[2]);
  const id = (b1 >> 3) & 3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
  const layer = 4 - ((b1 >> 1) & 3);
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 3;
  if (id === 1 || layer === 4 || !(b1 & 1) || b2 & 2 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3)
    return 0;
  const mpeg1 = id === 3;
  const row = mpeg1 ? layer - 1 : layer === 1 ? 3 : 4;
  const bitRate = /** @type {number} */ (/** @type {number[]} */ (MPA_BIT_RATES[row])[bitrateIndex]) * 1000;
  const rate = /** @type {number} */ ([44100, 48000, 32000][rateIndex]) / (mpeg1 ? 1 : id === 2 ? 2 : 4);
  const length =
    layer === 1
      ? Math.floor((12 * bitRate) / rate) * 4
      : Math.floor(((layer === 3 && !mpeg1 ? 72 : 144) * bitRate) / rate);
  if (data.length !== length || data.subarray(4).some((x) => x !== 0)) return 0;
  return layer === 1 ? 384 : layer === 3 && !mpeg1 ? 576 : 1152;
}

/**
 * Opus: the silent packets for a dOps mapping (Opus in ISOBMFF 4.3.2), one per CELT frame duration, each lasting
 * its TOC config's frame (RFC 6716 Table 2: 28-31 = 2.5, 5, 10, 20 ms).
 * @param {Uint8Array} dops
 */
function opusSilence(dops) {
  const channels = /** @type {number} */ (dops[1]); // OutputChannelCount
  const family = dops[10]; // ChannelMappingFamily
  const streams = family === 0 ? 1 : /** @type {number} */ (dops[11]);
  const coupled = family === 0 ? (channels === 2 ? 1 : 0) : /** @type {number} */ (dops[12]);
  /** @type {Map<string, number>} */
  const packets = new Map();
  for (const [config, samples] of [
    [28, 120],
    [29, 240],
    [30, 480],
    [31, 960],
  ]) {
    /** @type {number[]} */
    const p = [];
    for (let k = 0; k < streams; k++) {
      p.push(((config ?? 0) * 8 + (k < coupled ? 4 : 0)) & 0xff); // TOC: config, stereo, code 0
      if (k + 1 < streams) p.push(2); // self-delimited (RFC 6716 Appendix B): the frame's length
      p.push(0xff, 0xfe);
    }
    packets.set(Buffer.from(p).toString('hex'), /** @type {number} */ (samples));
  }
  const length = 4 * streams - 1; // 3 bytes a stream and a length byte for all but the last
  return (/** @type {Uint8Array} */ data) =>
    data.length === length
      ? (packets.get(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex')) ?? 0)
      : 0;
}
