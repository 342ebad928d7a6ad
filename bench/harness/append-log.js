/**
 * Installed by bench/browser.js in the page (before its scripts run) and in every dedicated worker it starts (as soon
 * as it exists), whichever contestant runs: wraps SourceBuffer.prototype.appendBuffer to learn, from the fMP4 boxes
 * themselves, the presentation time on the element's timeline of the first video sample the contestant appended. The
 * live latency measure maps the frames the element presents back to the source's PTS with it, the same way for weir
 * and for mpegts.js (see bench/README.md, "Browser"). Nothing in either player is changed or read for it.
 *
 * It also notes when each append was made, to show whether appends went on while the page's main thread was blocked.
 * Once that first video sample is known the wrapper only counts appends and notes their times, so that the parsing does not weigh on the
 * main-thread figures of a contestant that appends on the main thread.
 *
 * Self-contained (Playwright sends its source text), and plain JavaScript for the same reason.
 */
export function installAppendLog() {
  const scope = /** @type {any} */ (globalThis);
  if (scope.benchAppendLog || typeof SourceBuffer === 'undefined') return;
  const log = {
    /** Presentation time (s) of the first video sample appended, and when (performance.timeOrigin + now()). */
    firstVideoPts: /** @type {number | null} */ (null),
    firstVideoAt: /** @type {number | null} */ (null),
    initSegments: 0,
    appends: 0,
    /** A fragment arrived for a track whose init segment was not seen (the log started too late). */
    unknownTrack: 0,
    /** When each append was made (performance.timeOrigin + now(), ms), the newest 20,000: appends during blocks. */
    times: /** @type {number[]} */ ([]),
  };
  scope.benchAppendLog = log;
  /** Per SourceBuffer: track id → { video, timescale }. @type {WeakMap<SourceBuffer, Map<number, { video: boolean, timescale: number }>>} */
  const tracksOf = new WeakMap();

  /**
   * Calls `each(type, start, end)` for the boxes in [from, to) of `d`.
   * @param {DataView} d @param {number} from @param {number} to
   * @param {(type: string, start: number, end: number) => void} each
   */
  const boxes = (d, from, to, each) => {
    for (let o = from; o + 8 <= to; ) {
      const size = d.getUint32(o);
      if (size < 8) return;
      const type = String.fromCharCode(d.getUint8(o + 4), d.getUint8(o + 5), d.getUint8(o + 6), d.getUint8(o + 7));
      each(type, o, Math.min(to, o + size));
      o += size;
    }
  };

  /** @param {SourceBuffer} sb @param {Uint8Array} bytes */
  const parse = (sb, bytes) => {
    const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let tracks = tracksOf.get(sb);
    boxes(d, 0, d.byteLength, (type, start, end) => {
      if (type === 'moov') {
        log.initSegments++;
        tracks = new Map();
        tracksOf.set(sb, tracks);
        boxes(d, start + 8, end, (t, s, e) => {
          if (t !== 'trak') return;
          let id = 0;
          let video = false;
          let timescale = 0;
          boxes(d, s + 8, e, (t2, s2, e2) => {
            // tkhd: version 1 has 64-bit times, so track_ID is at 28, else at 20.
            if (t2 === 'tkhd') id = d.getUint32(s2 + (d.getUint8(s2 + 8) === 1 ? 28 : 20));
            if (t2 !== 'mdia') return;
            boxes(d, s2 + 8, e2, (t3, s3) => {
              if (t3 === 'mdhd') timescale = d.getUint32(s3 + (d.getUint8(s3 + 8) === 1 ? 28 : 20));
              if (t3 === 'hdlr') video = d.getUint32(s3 + 16) === 0x76696465; // handler_type 'vide'
            });
          });
          tracks?.set(id, { video, timescale });
        });
      }
      if (type !== 'moof' || log.firstVideoPts !== null) return;
      boxes(d, start + 8, end, (t, s, e) => {
        if (t !== 'traf') return;
        /** @type {{ video: boolean, timescale: number } | undefined} */
        let track;
        let known = false;
        let defaultDuration = 0;
        let baseDts = 0;
        boxes(d, s + 8, e, (t2, s2) => {
          if (t2 === 'tfhd') {
            const flags = d.getUint32(s2 + 8) & 0xffffff;
            track = tracks?.get(d.getUint32(s2 + 12));
            known = track !== undefined;
            let o = s2 + 16;
            if (flags & 0x1) o += 8; // base_data_offset
            if (flags & 0x2) o += 4; // sample_description_index
            if (flags & 0x8) defaultDuration = d.getUint32(o); // default_sample_duration
          }
          if (t2 === 'tfdt')
            baseDts = d.getUint8(s2 + 8) === 1 ? Number(d.getBigUint64(s2 + 12)) : d.getUint32(s2 + 12);
          if (t2 !== 'trun' || !track?.video) return;
          const version = d.getUint8(s2 + 8);
          const flags = d.getUint32(s2 + 8) & 0xffffff;
          const count = d.getUint32(s2 + 12);
          let o = s2 + 16;
          if (flags & 0x1) o += 4; // data_offset
          if (flags & 0x4) o += 4; // first_sample_flags
          let dts = baseDts;
          let first = Number.POSITIVE_INFINITY;
          for (let i = 0; i < count; i++) {
            let duration = defaultDuration;
            let cto = 0;
            if (flags & 0x100) {
              duration = d.getUint32(o); // sample_duration
              o += 4;
            }
            if (flags & 0x200) o += 4; // sample_size
            if (flags & 0x400) o += 4; // sample_flags
            if (flags & 0x800) cto = version === 1 ? d.getInt32(o) : d.getUint32(o); // sample_composition_time_offset
            if (flags & 0x800) o += 4;
            first = Math.min(first, (dts + cto) / track.timescale);
            dts += duration;
          }
          if (count > 0 && log.firstVideoPts === null) {
            log.firstVideoPts = first;
            log.firstVideoAt = performance.timeOrigin + performance.now();
          }
        });
        if (!known) log.unknownTrack++;
      });
    });
  };

  const append = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (/** @type {BufferSource} */ data) {
    log.appends++;
    if (log.times.length < 20_000) log.times.push(performance.timeOrigin + performance.now());
    if (log.firstVideoPts === null) {
      try {
        const bytes = ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
          : new Uint8Array(data);
        parse(this, bytes);
      } catch {
        // a box this reader does not follow: no anchor from this append
      }
    }
    return append.call(this, data);
  };
}
