// Live MPEG-TS simulator: turns a finite, committed TS clip into an endless live stream.
//
// Why this exists: the player's live path (fetch of an endless body, latency controller, reconnects) has to be
// exercised against something that behaves like a real live source: timestamps that keep growing (and wrap at 2^33
// like a real encoder's), continuity counters that never jump, and bytes released in real time rather than as fast as
// the socket allows. Looping a file naively gives none of that, so each loop is a patched copy of the clip.
//
// Design:
// - The clip is parsed ONCE into an index (byte offsets of every PTS/DTS/PCR field with its original value, per-packet
//   release times, continuity-counter positions). Each loop copies the clip and patches only those bytes, so the
//   per-loop cost is one memcpy plus a few thousand small writes; no per-loop parsing.
// - All 33-bit arithmetic is done with Numbers: every value we handle stays far below 2^53, and we reduce modulo 2^33
//   with `%` (never with bitwise operators, which truncate to 32 bits).
// - Pacing follows the clip's own clock: PCR if the clip has any (that is how a broadcast mux is paced), else the DTS
//   of video PES starts. A packet carrying such an anchor is released when (wall time since start) * speed reaches its
//   media time relative to the first anchor. With PCRs, the packets between two of them are released at times
//   interpolated by their position (ISO/IEC 13818-1 2.4.2.2: a byte's arrival time is interpolated between the PCRs
//   around it), as a mux sends them: a constant rate between PCRs, not a burst every PCR interval (ffmpeg writes a
//   PCR every 100 ms; bursts would hold every frame of the interval back to its start, and the demuxer learns that a
//   video PES ended only when the next one starts). Without PCRs, the packets after a video PES start leave with it.
//   Releases are grouped in slices of `sliceMs` of wall time (one write per slice, not one per packet).
// - Nothing else in the packets is touched (no discontinuity flags, no PSI rewriting).

const TS_PACKET = 188;
const SYNC = 0x47;
const TWO_33 = 2 ** 33;
const TWO_32 = 2 ** 32;
const TWO_30 = 2 ** 30;

/** @param {number} v */
const mod33 = (v) => ((v % TWO_33) + TWO_33) % TWO_33;

/**
 * Signed difference b - a of two 33-bit timestamps, taking the shorter way round the 2^33 circle.
 * Used to unwrap timestamps inside the clip (a clip may itself straddle a wrap).
 * @param {number} a @param {number} b
 */
function diff33(a, b) {
  let d = mod33(b - a);
  if (d >= TWO_32) d -= TWO_33;
  return d;
}

/**
 * Reads the 5-byte PES timestamp (PTS or DTS) at `o`: '00xx' prefix, 3 bits, marker, 15 bits, marker, 15 bits, marker.
 * @param {Uint8Array} b @param {number} o
 */
function readPesTs(b, o) {
  const hi = (b[o] >> 1) & 0x07;
  const mid = (b[o + 1] << 7) | (b[o + 2] >> 1);
  const lo = (b[o + 3] << 7) | (b[o + 4] >> 1);
  return hi * TWO_30 + mid * 32768 + lo;
}

/**
 * Writes a 33-bit value into the PES timestamp at `o`, keeping the 4-bit prefix and the marker bits exactly as they
 * were (we must "set nothing else").
 * @param {Uint8Array} b @param {number} o @param {number} v already reduced modulo 2^33
 */
export function writePesTs(b, o, v) {
  const hi = Math.floor(v / TWO_30); // 0..7
  const rest = v - hi * TWO_30; // < 2^30, safe for bitwise ops
  const mid = rest >>> 15;
  const lo = rest & 0x7fff;
  b[o] = (b[o] & 0xf1) | (hi << 1);
  b[o + 1] = mid >>> 7;
  b[o + 2] = ((mid & 0x7f) << 1) | (b[o + 2] & 1);
  b[o + 3] = lo >>> 7;
  b[o + 4] = ((lo & 0x7f) << 1) | (b[o + 4] & 1);
}

/**
 * Reads the 33-bit PCR base at `o` (6-byte field: 33-bit base, 6 reserved bits, 9-bit extension).
 * @param {Uint8Array} b @param {number} o
 */
function readPcrBase(b, o) {
  // b[o]*2^25 can exceed 2^31, so multiply instead of shifting.
  return b[o] * 2 ** 25 + b[o + 1] * 2 ** 17 + b[o + 2] * 2 ** 9 + b[o + 3] * 2 + (b[o + 4] >> 7);
}

/**
 * Writes a 33-bit PCR base, leaving the reserved bits and the 9-bit extension untouched (the extension is the
 * 27 MHz remainder; adding a whole number of 90 kHz ticks never changes it).
 * @param {Uint8Array} b @param {number} o @param {number} v already reduced modulo 2^33
 */
export function writePcrBase(b, o, v) {
  const top32 = Math.floor(v / 2); // < 2^32
  b[o] = Math.floor(top32 / 2 ** 24) & 0xff;
  b[o + 1] = (top32 >>> 16) & 0xff;
  b[o + 2] = (top32 >>> 8) & 0xff;
  b[o + 3] = top32 & 0xff;
  b[o + 4] = (b[o + 4] & 0x7f) | ((v % 2) << 7);
}

/**
 * @typedef {object} ClipIndex
 * @property {Uint8Array} bytes          the clip, trimmed to whole packets
 * @property {number} packets            packet count
 * @property {number} durationTicks      loop offset in 90 kHz ticks: video DTS span + one frame, grown by whole
 *   frames only if the clip's PCRs would otherwise go backwards at the loop point (CBR muxes; see below)
 * @property {number} videoDurationTicks video DTS span + one frame (what durationTicks is for nearly every clip)
 * @property {number} pcrSpanTicks       last PCR - first PCR (unwrapped), 0 without PCR
 * @property {number} frameTicks         video frame duration used for the above (most common DTS step)
 * @property {number} firstPts           smallest video PTS in the clip, as stored (33-bit); audio's if no video
 * @property {number} firstDts           DTS (or PTS) of the first video PES in decode order, as stored
 * @property {number} videoPid           -1 if the clip has no video PES
 * @property {'pcr'|'video-dts'} pacing  which clock releases the packets
 * @property {Int32Array} tsFieldOffsets byte offsets of every PES PTS/DTS field
 * @property {Float64Array} tsFieldValues their original 33-bit values
 * @property {Int32Array} pcrOffsets     byte offsets of every PCR field
 * @property {Float64Array} pcrValues    their original 33-bit bases
 * @property {Float64Array} releaseTicks per packet: media time (90 kHz, unwrapped) relative to the first anchor
 * @property {Int32Array} ccPackets      packet indices whose continuity counter is patched per loop
 * @property {Uint8Array} ccStep         per entry of ccPackets: how much its PID's counter advances per loop (mod 16)
 * @property {Int32Array} videoStarts    packet indices of video PES starts, in order
 * @property {Int32Array} videoEnds      per video PES: the index of its last packet (the last packet of the video PID
 *   before the next video PES starts), where the frame's last byte leaves
 * @property {Float64Array} videoPts     their PTS (33-bit, as stored)
 * @property {Float64Array} videoDts     their DTS (= PTS when absent)
 * @property {{pid:number, streamId:number, pes:number, firstPts:number, spanTicks:number}[]} streams
 */

/**
 * Parses the clip once. Throws on input that is not 188-byte-aligned TS, because a silently wrong live stream would
 * make every downstream test lie.
 * @param {Uint8Array} sourceBytes
 * @returns {ClipIndex}
 */
export function indexClip(sourceBytes) {
  if (!(sourceBytes instanceof Uint8Array)) throw new TypeError('live-ts: sourceBytes must be a Uint8Array');
  const packets = Math.floor(sourceBytes.length / TS_PACKET);
  if (packets === 0) throw new Error('live-ts: clip is shorter than one TS packet');
  // A trailing partial packet would break alignment on the next loop, so it is dropped.
  const bytes = sourceBytes.subarray(0, packets * TS_PACKET);

  const tsOffsets = [];
  const tsValues = [];
  const pcrOffsets = [];
  const pcrValues = [];
  const pcrPacket = [];
  const videoStarts = [];
  /** @type {number[]} */
  const videoEnds = [];
  let lastVideoPacket = -1;
  const videoPts = [];
  const videoDts = [];
  /** @type {Map<number, {pid:number, streamId:number, pes:number, firstRaw:number, minRel:number, maxRel:number,
   *   minPts:number, dtsList:number[]}>} */
  const streams = new Map();
  /** per PID: first and last continuity counter of payload-carrying packets */
  const cc = new Map();
  /** @type {number[]} */
  const ccPacketList = [];
  /** @type {number[]} */
  const ccPidList = [];
  let videoPid = -1;

  for (let i = 0; i < packets; i++) {
    const p = i * TS_PACKET;
    if (bytes[p] !== SYNC)
      throw new Error(`live-ts: lost sync at packet ${i} (byte ${p}); clip must be plain 188-byte TS`);
    const pusi = (bytes[p + 1] & 0x40) !== 0;
    const pid = ((bytes[p + 1] & 0x1f) << 8) | bytes[p + 2];
    const afc = (bytes[p + 3] >> 4) & 0x03;
    if (pid === 0x1fff) continue; // null packets: no CC semantics, no timestamps

    ccPacketList.push(i);
    ccPidList.push(pid);
    if (afc & 1) {
      const c = bytes[p + 3] & 0x0f;
      const e = cc.get(pid);
      if (e) e.last = c;
      else cc.set(pid, { first: c, last: c });
    }

    // The packet before a video PES start, on the video PID, is the previous frame's last (checked before this
    // packet can become the next start below).
    const videoPacket = pid === videoPid && (afc & 1) !== 0;

    let payload = p + 4;
    if (afc & 2) {
      const afLen = bytes[p + 4];
      payload = p + 5 + afLen;
      if (afLen > 0 && afLen <= 183 && (bytes[p + 5] & 0x10) !== 0 && afLen >= 7) {
        pcrOffsets.push(p + 6);
        pcrValues.push(readPcrBase(bytes, p + 6));
        pcrPacket.push(i);
      }
    }
    if (videoPacket && !pusi) lastVideoPacket = i;
    if (!pusi || !(afc & 1) || payload + 9 > p + TS_PACKET) continue;
    // PES start code; PSI sections (PAT/PMT) never start with 00 00 01 after their pointer field... except by
    // accident, so also require a stream_id that has the optional PES header (not padding/private_2/ECM/EMM/...).
    if (bytes[payload] !== 0 || bytes[payload + 1] !== 0 || bytes[payload + 2] !== 1) continue;
    const streamId = bytes[payload + 3];
    if (
      streamId === 0xbc ||
      streamId === 0xbe ||
      streamId === 0xbf ||
      (streamId >= 0xf0 && streamId <= 0xf2) ||
      streamId === 0xf8 ||
      streamId === 0xff
    )
      continue;
    if ((bytes[payload + 6] & 0xc0) !== 0x80) continue; // '10' marker of the optional header
    const flags = bytes[payload + 7] >> 6; // PTS_DTS_flags
    if (flags < 2) continue;
    const ptsOff = payload + 9;
    const dtsOff = flags === 3 ? payload + 14 : -1;
    if ((dtsOff >= 0 ? dtsOff + 5 : ptsOff + 5) > p + TS_PACKET) {
      // Never seen from real muxers; patching across packets is not worth the complexity, but we must not emit a
      // half-patched timestamp either.
      throw new Error(`live-ts: PES header timestamps cross a packet boundary at packet ${i}`);
    }
    const pts = readPesTs(bytes, ptsOff);
    tsOffsets.push(ptsOff);
    tsValues.push(pts);
    let dts = pts;
    if (dtsOff >= 0) {
      dts = readPesTs(bytes, dtsOff);
      tsOffsets.push(dtsOff);
      tsValues.push(dts);
    }

    let s = streams.get(pid);
    if (!s) {
      s = { pid, streamId, pes: 0, firstRaw: pts, minRel: 0, maxRel: 0, minPts: pts, dtsList: [] };
      streams.set(pid, s);
    }
    s.pes++;
    s.dtsList.push(dts);
    const rel = diff33(s.firstRaw, dts);
    s.minRel = Math.min(s.minRel, rel);
    s.maxRel = Math.max(s.maxRel, rel);
    if (diff33(s.minPts, pts) < 0) s.minPts = pts;

    const isVideo = streamId >= 0xe0 && streamId <= 0xef;
    if (isVideo && videoPid === -1) videoPid = pid;
    if (isVideo && pid === videoPid) {
      if (videoStarts.length > 0) videoEnds.push(lastVideoPacket);
      lastVideoPacket = i;
      videoStarts.push(i);
      videoPts.push(pts);
      videoDts.push(dts);
    }
  }

  if (videoStarts.length > 0) videoEnds.push(lastVideoPacket);
  if (tsValues.length === 0) throw new Error('live-ts: clip has no PES timestamps; cannot build a live timeline');

  // Loop offset: span of the video DTS (decode order) plus one frame, so loop N+1's first frame lands exactly one
  // frame after loop N's last. Frame duration = most common DTS step (robust to a stray irregular step).
  let durationTicks;
  let frameTicks;
  /** @type {number[]} */
  let dtsSeq = videoDts;
  if (dtsSeq.length === 0) {
    // No video: fall back to the first stream with timestamps (audio-only clip).
    dtsSeq = [...streams.values()][0].dtsList;
  }
  {
    const unwrapped = [0];
    /** @type {Map<number, number>} */
    const steps = new Map();
    for (let k = 1; k < dtsSeq.length; k++) {
      const step = diff33(dtsSeq[k - 1], dtsSeq[k]);
      unwrapped.push(unwrapped[k - 1] + step);
      if (step > 0) steps.set(step, (steps.get(step) ?? 0) + 1);
    }
    frameTicks = 0;
    let best = 0;
    for (const [step, n] of steps) if (n > best || (n === best && step < frameTicks)) [frameTicks, best] = [step, n];
    if (frameTicks === 0) frameTicks = 3600; // single-frame clip: assume 25 fps rather than a zero-length loop
    durationTicks = Math.max(...unwrapped) - Math.min(...unwrapped) + frameTicks;
  }
  const videoDurationTicks = durationTicks;

  // PCR guard. In most clips the PCRs span less than the video (ffmpeg's default VBR mux). A CBR mux (-muxrate) keeps
  // emitting PCRs a little past the last frame, so with the video-based offset the next loop's first PCR would be
  // EARLIER than this loop's last one, which a T-STD-minded demuxer treats as a clock discontinuity. In that case only,
  // grow the offset by whole frames until the PCR stays strictly increasing: the video then shows a gap of a frame or
  // so per loop (which a player must survive anyway) instead of a clock going backwards. clipInfo reports both values.
  let pcrSpanTicks = 0;
  if (pcrValues.length > 1) {
    let t = 0;
    for (let k = 1; k < pcrValues.length; k++) t += diff33(pcrValues[k - 1], pcrValues[k]);
    pcrSpanTicks = t;
    if (pcrSpanTicks >= durationTicks) {
      durationTicks += Math.ceil((pcrSpanTicks + 1 - durationTicks) / frameTicks) * frameTicks;
    }
  }

  // Release schedule. Anchors are PCRs if present, else video PES DTS (else any PES DTS).
  const pacing = pcrPacket.length > 0 ? 'pcr' : 'video-dts';
  /** @type {number[]} */
  let anchorPkts;
  /** @type {number[]} */
  let anchorVals;
  if (pacing === 'pcr') {
    anchorPkts = pcrPacket;
    anchorVals = pcrValues;
  } else if (videoStarts.length > 0) {
    anchorPkts = videoStarts;
    anchorVals = videoDts;
  } else {
    anchorPkts = tsOffsets.map((o) => Math.floor(o / TS_PACKET));
    anchorVals = tsValues;
  }
  const releaseTicks = new Float64Array(packets);
  {
    let t = 0;
    let prevVal = anchorVals[0];
    let a = 0;
    for (let i = 0; i < packets; i++) {
      while (a < anchorPkts.length && anchorPkts[a] === i) {
        // Unwrap relative to the previous anchor; never go backwards, a release schedule has to be monotonic even
        // if the clip's clock jitters.
        t = Math.max(t, t + diff33(prevVal, anchorVals[a]));
        prevVal = anchorVals[a];
        a++;
      }
      releaseTicks[i] = t; // packets before the first anchor go out at once
    }
    if (pacing === 'pcr') {
      // Between two PCRs, by position; after the last one, towards the next loop's first (durationTicks later).
      for (let a = 0; a < anchorPkts.length; a++) {
        const from = anchorPkts[a];
        const last = a + 1 === anchorPkts.length;
        const to = last ? packets + anchorPkts[0] : anchorPkts[a + 1];
        const t0 = releaseTicks[from];
        const t1 = last ? durationTicks : releaseTicks[anchorPkts[a + 1]];
        for (let i = from + 1; i < Math.min(to, packets); i++)
          releaseTicks[i] = t0 + ((i - from) / (to - from)) * (t1 - t0);
      }
    }
  }

  // Continuity: per PID, how far the counter must advance per loop so that the first packet of loop N+1 follows the
  // last of loop N. Original counters inside the clip are kept (only shifted), so any deliberate duplicate or
  // discontinuity in the source survives unchanged.
  const ccPackets = Int32Array.from(ccPacketList);
  const ccStep = new Uint8Array(ccPackets.length);
  for (let k = 0; k < ccPidList.length; k++) {
    const e = cc.get(ccPidList[k]);
    ccStep[k] = e ? (e.last + 1 - e.first + 16) & 0x0f : 0;
  }

  let firstPts;
  if (videoPid >= 0) firstPts = /** @type {any} */ (streams.get(videoPid)).minPts;
  else firstPts = /** @type {any} */ ([...streams.values()][0]).minPts;

  return {
    bytes,
    packets,
    durationTicks,
    videoDurationTicks,
    pcrSpanTicks,
    frameTicks,
    firstPts,
    firstDts: videoDts.length > 0 ? videoDts[0] : tsValues[0],
    videoPid,
    pacing,
    tsFieldOffsets: Int32Array.from(tsOffsets),
    tsFieldValues: Float64Array.from(tsValues),
    pcrOffsets: Int32Array.from(pcrOffsets),
    pcrValues: Float64Array.from(pcrValues),
    releaseTicks,
    ccPackets,
    ccStep,
    videoStarts: Int32Array.from(videoStarts),
    videoEnds: Int32Array.from(videoEnds),
    videoPts: Float64Array.from(videoPts),
    videoDts: Float64Array.from(videoDts),
    streams: [...streams.values()].map((s) => ({
      pid: s.pid,
      streamId: s.streamId,
      pes: s.pes,
      firstPts: s.minPts,
      spanTicks: s.maxRel - s.minRel,
    })),
  };
}

/**
 * Summary for tests and logs.
 * @param {Uint8Array} sourceBytes
 * @returns {{ durationTicks: number, videoDurationTicks: number, pcrSpanTicks: number, firstPts: number,
 *   packets: number, firstDts: number, frameTicks: number,
 *   videoPid: number, pacing: 'pcr'|'video-dts', streams: ClipIndex['streams'] }}
 */
export function clipInfo(sourceBytes) {
  const ix = indexClip(sourceBytes);
  return {
    durationTicks: ix.durationTicks,
    videoDurationTicks: ix.videoDurationTicks,
    pcrSpanTicks: ix.pcrSpanTicks,
    firstPts: ix.firstPts,
    packets: ix.packets,
    firstDts: ix.firstDts,
    frameTicks: ix.frameTicks,
    videoPid: ix.videoPid,
    pacing: ix.pacing,
    streams: ix.streams,
  };
}

/**
 * Builds the bytes of loop number `loop`: a fresh copy (earlier chunks may still sit in a socket queue, so buffers are
 * never reused) with every timestamp shifted by loop * duration + startOffsetTicks and the continuity counters shifted.
 * @param {ClipIndex} ix @param {number} loop @param {number} startOffsetTicks
 */
function buildLoop(ix, loop, startOffsetTicks) {
  const out = ix.bytes.slice();
  // Reduce before adding so the sum stays small whatever the loop count (a day at 50x speed is still exact).
  const shift = mod33(mod33(loop * ix.durationTicks) + mod33(startOffsetTicks));
  if (shift !== 0) {
    const to = ix.tsFieldOffsets;
    const tv = ix.tsFieldValues;
    for (let k = 0; k < to.length; k++) writePesTs(out, to[k], (tv[k] + shift) % TWO_33);
    const po = ix.pcrOffsets;
    const pv = ix.pcrValues;
    for (let k = 0; k < po.length; k++) writePcrBase(out, po[k], (pv[k] + shift) % TWO_33);
  }
  const l16 = loop % 16;
  if (l16 !== 0) {
    const cp = ix.ccPackets;
    const cs = ix.ccStep;
    for (let k = 0; k < cp.length; k++) {
      const o = cp[k] * TS_PACKET + 3;
      out[o] = (out[o] & 0xf0) | ((out[o] + l16 * cs[k]) & 0x0f);
    }
  }
  return { out, shift };
}

/** Small deterministic PRNG (xorshift32) so garbage runs are reproducible from a seed. @param {number} seed */
function xorshift(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * @typedef {object} LiveTsOptions
 * @property {number} [speed=1]            media seconds per wall second (50 = fifty times faster than real time)
 * @property {number} [loops=Infinity]     how many times to play the clip; the generator ends after the last loop
 * @property {(info: {pts90k: number, dts90k: number, ptsUnwrapped: number, loop: number, wallMs: number}) => void}
 *   [onFrameSent] called when the first packet of each video PES is handed out. pts90k/dts90k are the 33-bit values as
 *   written in the stream (what a demuxer sees); ptsUnwrapped is the same PTS without the 2^33 wrap; wallMs is
 *   performance.timeOrigin + performance.now() (epoch ms, sub-ms precision) at the moment the chunk is yielded.
 * @property {(info: {pts90k: number, dts90k: number, ptsUnwrapped: number, loop: number, wallMs: number}) => void}
 *   [onFrameComplete] the same for the last packet of each video PES (the frame's last byte): called in the same
 *   order, at or after its onFrameSent (a large frame spans several pacing anchors). End-to-end latency is measured
 *   from here: no receiver can have the whole frame earlier.
 * @property {number} [garbageEvery]       every this many wall ms, insert `garbageBytes` random bytes between two
 *   packets (breaks packet alignment on purpose: the demuxer has to resync on 0x47). Off when absent or 0.
 * @property {number} [garbageBytes=97]    size of each garbage burst (97: not a multiple of 188, so alignment breaks)
 * @property {number} [garbageSeed=1]      PRNG seed for the garbage bytes, for reproducible runs
 * @property {number} [stallAtMs]          at this many wall ms after start, send nothing for `stallForMs`; the media
 *   clock keeps running, so what became due during the stall is sent in one burst afterwards (what a stalled TCP
 *   connection looks like to the client).
 * @property {number} [stallForMs=0]
 * @property {number} [dropAfterMs]        end the stream after this many wall ms; the generator returns 'dropped'
 *   (the server turns that into an abrupt connection reset).
 * @property {number} [startOffsetTicks=0] added to every PTS/DTS/PCR before masking to 33 bits; tests use it to put
 *   the wrap at a chosen point.
 * @property {number} [tickMs=10]          longest sleep between checks; the generator wakes earlier when the next
 *   packet is due sooner, so frames are not held back by the tick.
 * @property {number} [sliceMs=4]          shortest sleep: what falls due within it leaves in one chunk (with PCR pacing
 *   a packet is due every millisecond or so, and one write per packet would cost more than it shows).
 * @property {AbortSignal} [signal]        ends the generator promptly (clears the pending timer) when aborted
 */

/**
 * Endless (or `loops`-long) live MPEG-TS stream built from a clip.
 * Yields Uint8Array chunks made of whole packets (plus garbage bursts if asked). Returns 'done' after the last loop,
 * 'dropped' on dropAfterMs, 'aborted' on signal.
 * @param {Uint8Array} sourceBytes
 * @param {LiveTsOptions} [options]
 * @returns {AsyncGenerator<Uint8Array, 'done'|'dropped'|'aborted', void>}
 */
export function createLiveTsStream(sourceBytes, options = {}) {
  const {
    speed = 1,
    loops = Infinity,
    onFrameSent,
    onFrameComplete,
    garbageEvery = 0,
    garbageBytes = 97,
    garbageSeed = 1,
    stallAtMs,
    stallForMs = 0,
    dropAfterMs,
    startOffsetTicks = 0,
    tickMs = 10,
    sliceMs = 4,
    signal,
  } = options;
  if (!(speed > 0) || !Number.isFinite(speed))
    throw new RangeError(`live-ts: speed must be a positive number, got ${speed}`);
  if (!(loops > 0)) throw new RangeError(`live-ts: loops must be > 0, got ${loops}`);
  if (!Number.isInteger(startOffsetTicks)) throw new RangeError('live-ts: startOffsetTicks must be an integer');
  const ix = indexClip(sourceBytes); // parse before the first pull so bad input fails at creation time
  return run(ix, {
    speed,
    loops,
    onFrameSent,
    onFrameComplete,
    garbageEvery,
    garbageBytes,
    garbageSeed,
    stallAtMs,
    stallForMs,
    dropAfterMs,
    startOffsetTicks,
    tickMs,
    sliceMs,
    signal,
  });
}

/**
 * @param {ClipIndex} ix
 * @param {Required<Omit<LiveTsOptions, 'onFrameSent'|'onFrameComplete'|'stallAtMs'|'dropAfterMs'|'signal'>>
 *   & LiveTsOptions} o
 * @returns {AsyncGenerator<Uint8Array, 'done'|'dropped'|'aborted', void>}
 */
async function* run(ix, o) {
  const { speed, loops, onFrameSent, onFrameComplete, signal } = o;
  const rand = xorshift(o.garbageSeed);
  const ticksPerMs = 90 * speed; // media 90 kHz ticks released per wall millisecond
  const P = ix.packets;
  const stallStart = o.stallAtMs ?? Infinity;
  const stallEnd = stallStart + (o.stallForMs || 0);
  let nextGarbage = o.garbageEvery > 0 ? o.garbageEvery : Infinity;

  let loop = 0;
  let cur = buildLoop(ix, 0, o.startOffsetTicks);
  let pkt = 0; // next packet index within the current loop
  let vs = 0; // next index into ix.videoStarts
  let ve = 0; // next index into ix.videoEnds
  /** Frame k of the current loop as the callbacks report it. @param {number} k @param {number} base */
  const frame = (k, base) => ({
    pts90k: (ix.videoPts[k] + cur.shift) % TWO_33,
    dts90k: (ix.videoDts[k] + cur.shift) % TWO_33,
    ptsUnwrapped: diff33(ix.videoPts[0], ix.videoPts[k]) + ix.videoPts[0] + base + o.startOffsetTicks,
    loop,
  });
  const t0 = performance.now();

  /** @param {number} ms */
  const sleep = (ms) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve(undefined);
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve(undefined);
      }
      signal?.addEventListener('abort', done, { once: true });
    });

  while (true) {
    if (signal?.aborted) return 'aborted';
    const elapsed = performance.now() - t0;
    if (o.dropAfterMs !== undefined && elapsed >= o.dropAfterMs) return 'dropped';
    if (elapsed >= stallStart && elapsed < stallEnd) {
      await sleep(Math.min(o.tickMs, stallEnd - elapsed));
      continue;
    }

    const dueTicks = elapsed * ticksPerMs; // media time reached, relative to the first anchor of loop 0
    /** @type {Uint8Array[]} */
    const parts = [];
    /** @type {{pts90k:number, dts90k:number, ptsUnwrapped:number, loop:number}[]} */
    const frames = [];
    /** @type {{pts90k:number, dts90k:number, ptsUnwrapped:number, loop:number}[]} */
    const completed = [];
    if (elapsed >= nextGarbage) {
      // Garbage goes in before this wake-up's packets, i.e. between two whole packets.
      const g = new Uint8Array(o.garbageBytes);
      for (let k = 0; k < g.length; k++) g[k] = rand() & 0xff;
      parts.push(g);
      while (nextGarbage <= elapsed) nextGarbage += o.garbageEvery;
    }
    let finished = false;
    while (!finished) {
      const base = loop * ix.durationTicks;
      const from = pkt;
      while (pkt < P && base + ix.releaseTicks[pkt] <= dueTicks) pkt++;
      if (pkt > from) {
        parts.push(cur.out.subarray(from * TS_PACKET, pkt * TS_PACKET));
        const vStarts = ix.videoStarts;
        while (vs < vStarts.length && vStarts[vs] < pkt) frames.push(frame(vs++, base));
        const vEnds = ix.videoEnds;
        while (ve < vEnds.length && vEnds[ve] < pkt) completed.push(frame(ve++, base));
      }
      if (pkt < P) break;
      // Loop finished: move to the next copy and keep going, the next loop's first packets may already be due.
      loop++;
      if (loop >= loops) {
        finished = true;
        break;
      }
      cur = buildLoop(ix, loop, o.startOffsetTicks);
      pkt = 0;
      vs = 0;
      ve = 0;
    }

    if (parts.length > 0) {
      let chunk;
      if (parts.length === 1) chunk = parts[0];
      else {
        let n = 0;
        for (const p of parts) n += p.length;
        chunk = new Uint8Array(n);
        n = 0;
        for (const p of parts) {
          chunk.set(p, n);
          n += p.length;
        }
      }
      if ((onFrameSent && frames.length > 0) || (onFrameComplete && completed.length > 0)) {
        const wallMs = performance.timeOrigin + performance.now();
        if (onFrameSent) for (const f of frames) onFrameSent({ ...f, wallMs });
        if (onFrameComplete) for (const f of completed) onFrameComplete({ ...f, wallMs });
      }
      yield chunk;
    }
    if (finished) return 'done';

    // Sleep until the next packet is due, but never longer than tickMs so stall/drop/garbage and aborts are noticed.
    const nextDue = (loop * ix.durationTicks + ix.releaseTicks[pkt]) / ticksPerMs;
    const now = performance.now() - t0;
    let wait = Math.min(o.tickMs, nextDue - now);
    if (o.dropAfterMs !== undefined) wait = Math.min(wait, o.dropAfterMs - now);
    if (stallStart > now) wait = Math.min(wait, stallStart - now);
    if (Number.isFinite(nextGarbage)) wait = Math.min(wait, nextGarbage - now);
    if (wait > 0) await sleep(Math.max(o.sliceMs, wait));
  }
}
