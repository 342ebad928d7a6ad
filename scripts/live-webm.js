// Live WebM simulator: turns a finite, committed WebM clip into an endless live WebM stream, the way a live encoder
// (ffmpeg -f webm -live 1, a MediaRecorder upload, a WebSocket camera feed) sends one: an EBML header, a Segment of
// unknown size, Info and Tracks once, then Clusters of unknown size forever, with timestamps that keep growing.
//
// Design (the WebM counterpart of live-ts.js):
// - The clip is parsed ONCE with a small EBML walker (RFC 8794; it shares no code with the core's demuxer): the bytes
//   of the EBML header, Info (without Duration, which a live stream does not have) and Tracks, and for every block of
//   every Cluster its bytes and its time (Cluster Timestamp + the block's relative timestamp, in TimestampScale ticks).
// - Each loop re-emits the Clusters with their Timestamp moved on by the clip's length, written as an 8-byte value
//   so no size changes. Blocks are copied as they are (their timestamps are relative to their Cluster).
// - Pacing follows the blocks' own times: a block leaves when (wall time since start) * speed reaches its media time.
//   A Cluster's header leaves with its first block.

const ID = {
  EBML: 0x1a45dfa3,
  Segment: 0x18538067,
  Info: 0x1549a966,
  Duration: 0x4489,
  TimestampScale: 0x2ad7b1,
  Tracks: 0x1654ae6b,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  BlockGroup: 0xa0,
  Block: 0xa1,
  DiscardPadding: 0x75a2,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackType: 0x83,
  CodecID: 0x86,
};

/**
 * An element header at `o`: its ID, the size (undefined: unknown), and where its data starts.
 * @param {Uint8Array} b @param {number} o
 */
export function header(b, o) {
  const first = b[o];
  if (first === undefined || first === 0) throw new Error(`live-webm: no element at byte ${o}`);
  const idLength = Math.clz32(first) - 23;
  let id = 0;
  for (let i = 0; i < idLength; i++) id = id * 256 + b[o + i];
  const s = o + idLength;
  const sizeLength = Math.clz32(b[s]) - 23;
  let size = b[s] & (0xff >> sizeLength);
  let ones = size === 0xff >> sizeLength;
  for (let i = 1; i < sizeLength; i++) {
    size = size * 256 + b[s + i];
    if (b[s + i] !== 0xff) ones = false;
  }
  return { id, size: ones ? undefined : size, data: s + sizeLength };
}

/** @param {Uint8Array} b @param {number} o @param {number} n */
function uint(b, o, n) {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[o + i];
  return v;
}

/** An element with an 8-byte size field. @param {number[]} id @param {number} size */
function elementHeader(id, size) {
  const h = new Uint8Array(id.length + 8);
  h.set(id);
  h[id.length] = 0x01;
  for (let i = 7, v = size; i >= 1; i--, v = Math.floor(v / 256)) h[id.length + i] = v % 256;
  return h;
}

/**
 * A block element as a loop sends it. A BlockGroup loses its DiscardPadding: the padding an encoder adds to the clip's
 * last frame ends the clip, but in an endless loop the next loop's first frame follows that frame whole.
 * @param {Uint8Array} b @param {number} o @param {{ id: number, size?: number, data: number }} e
 */
function loopedBlock(b, o, e) {
  const end = e.data + (e.size ?? 0);
  if (e.id !== ID.BlockGroup) return b.subarray(o, end);
  const kept = [];
  for (let c = e.data; c < end; ) {
    const child = header(b, c);
    const next = child.data + (child.size ?? 0);
    if (child.id !== ID.DiscardPadding) kept.push(b.subarray(c, next));
    c = next;
  }
  if (kept.length === 0 || kept.reduce((n, k) => n + k.length, 0) === end - e.data) return b.subarray(o, end);
  const size = kept.reduce((n, k) => n + k.length, 0);
  const out = new Uint8Array(9 + size);
  out.set(elementHeader([0xa0], size));
  let at = 9;
  for (const k of kept) {
    out.set(k, at);
    at += k.length;
  }
  return out;
}

/**
 * @typedef {object} WebmClip
 * @property {Uint8Array} head      EBML header + unknown-size Segment header + Info (no Duration) + Tracks
 * @property {{ cluster: number, track: number, time: number, bytes: Uint8Array }[]} blocks  every block element, in
 *   file order (track: the track number, for the one-byte numbers these clips use)
 * @property {number[]} clusterTimes Cluster Timestamp of each cluster
 * @property {Map<number, { type: number, codecId: string }>} tracks  per track number: TrackType (1 video, 2 audio)
 *   and CodecID
 * @property {number} timestampScale ns per tick
 * @property {number} durationTicks  the clip's length: the end of its longest track (last block + the track's mean step)
 */

/**
 * Parses a WebM clip for the simulator.
 * @param {Uint8Array} b
 * @returns {WebmClip}
 */
export function indexWebm(b) {
  const ebml = header(b, 0);
  if (ebml.id !== ID.EBML || ebml.size === undefined) throw new Error('live-webm: not a WebM file');
  const parts = [b.subarray(0, ebml.data + ebml.size)];
  const segment = header(b, ebml.data + ebml.size);
  if (segment.id !== ID.Segment) throw new Error('live-webm: no Segment after the EBML header');
  parts.push(Uint8Array.from([0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
  const end = segment.size === undefined ? b.length : Math.min(b.length, segment.data + segment.size);
  let timestampScale = 1e6;
  /** @type {WebmClip['blocks']} */
  const blocks = [];
  /** @type {number[]} */
  const clusterTimes = [];
  /** @type {WebmClip['tracks']} */
  const tracks = new Map();
  for (let o = segment.data; o < end; ) {
    const e = header(b, o);
    if (e.id === ID.Info && e.size !== undefined) {
      // Info without Duration: a live stream has none.
      const kept = [];
      for (let c = e.data; c < e.data + e.size; ) {
        const child = header(b, c);
        const next = child.data + (child.size ?? 0);
        if (child.id === ID.TimestampScale) timestampScale = uint(b, child.data, child.size ?? 0);
        if (child.id !== ID.Duration) kept.push(b.subarray(c, next));
        c = next;
      }
      const size = kept.reduce((n, k) => n + k.length, 0);
      parts.push(elementHeader([0x15, 0x49, 0xa9, 0x66], size), ...kept);
    } else if (e.id === ID.Tracks && e.size !== undefined) {
      parts.push(b.subarray(o, e.data + e.size));
      for (let c = e.data; c < e.data + e.size; ) {
        const entry = header(b, c);
        const next = entry.data + (entry.size ?? 0);
        if (entry.id === ID.TrackEntry) {
          let number = 0;
          let type = 0;
          let codecId = '';
          for (let f = entry.data; f < next; ) {
            const field = header(b, f);
            const n = field.size ?? 0;
            if (field.id === ID.TrackNumber) number = uint(b, field.data, n);
            else if (field.id === ID.TrackType) type = uint(b, field.data, n);
            else if (field.id === ID.CodecID)
              codecId = new TextDecoder().decode(b.subarray(field.data, field.data + n));
            f = field.data + n;
          }
          tracks.set(number, { type, codecId });
        }
        c = next;
      }
    } else if (e.id === ID.Cluster) {
      const cluster = clusterTimes.length;
      const stop = e.size === undefined ? end : e.data + e.size;
      let time = 0;
      let c = e.data;
      for (; c < stop; ) {
        const child = header(b, c);
        if (child.id === ID.Cluster || child.size === undefined) break; // the next unknown-size Cluster
        const next = child.data + child.size;
        if (child.id === ID.Timestamp) time = uint(b, child.data, child.size);
        else if (child.id === ID.SimpleBlock || child.id === ID.BlockGroup) {
          let block = child.data;
          if (child.id === ID.BlockGroup) block = header(b, child.data).data; // its first child: the Block
          const at = block + Math.clz32(b[block]) - 23; // after the track number (a vint)
          const rel = (((b[at] << 8) | b[at + 1]) << 16) >> 16; // int16, relative to the Cluster
          blocks.push({ cluster, track: b[block] & 0x7f, time: time + rel, bytes: loopedBlock(b, c, child) });
        }
        c = next;
      }
      clusterTimes.push(time);
      o = c;
      continue;
    }
    if (e.size === undefined) break;
    o = e.data + e.size;
  }
  if (blocks.length < 2) throw new Error('live-webm: the clip has fewer than two blocks');
  const first = Math.min(...blocks.map((x) => x.time));
  // The loop lasts until the end of its longest track: each track's last block plus that track's mean step, so that
  // no track's next loop starts before its own last frame ended (an Opus track of 151 × 20 ms outlasts 75 × 40 ms
  // of video by a block).
  /** @type {Map<number, number[]>} */
  const perTrack = new Map();
  for (const x of blocks) perTrack.set(x.track, [...(perTrack.get(x.track) ?? []), x.time]);
  let loopEnd = first + 1;
  for (const times of perTrack.values()) {
    const step = times.length > 1 ? (times[times.length - 1] - times[0]) / (times.length - 1) : 1;
    loopEnd = Math.max(loopEnd, Math.ceil(times[times.length - 1] + step));
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const head = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    head.set(p, at);
    at += p.length;
  }
  return { head, blocks, clusterTimes, tracks, timestampScale, durationTicks: loopEnd - first };
}

/**
 * The header of an unknown-size Cluster and its Timestamp element (RFC 9559 §5.1.3.1), the Timestamp `width` bytes
 * long (8: room for any time, so a live stream's headers never change size; a muxer writing the fewest bytes, as
 * ffmpeg does, passes the width the value needs).
 * @param {number} time  in TimestampScale ticks
 * @param {number} [width]
 */
export function clusterHead(time, width = 8) {
  const head = new Uint8Array(7 + width);
  head.set([0x1f, 0x43, 0xb6, 0x75, 0xff, 0xe7, 0x80 | width]);
  for (let i = width - 1, v = time; i >= 0; i--, v = Math.floor(v / 256)) head[7 + i] = v % 256;
  return head;
}

/**
 * @typedef {object} LiveWebmOptions
 * @property {number} [speed]       media seconds per wall second (default 1)
 * @property {number} [loops]       how many times the clip plays (default endless)
 * @property {number} [dropAfterMs] end the stream abruptly after this long
 * @property {(time: number) => void} [onBlockSent] called with each block's media time (seconds) as it leaves
 * @property {AbortSignal} [signal]
 */

/**
 * Endless (or `loops`-long) live WebM stream from a clip. Yields Uint8Array chunks; returns 'done', 'dropped' or
 * 'aborted'.
 * @param {Uint8Array} clipBytes
 * @param {LiveWebmOptions} [options]
 * @returns {AsyncGenerator<Uint8Array, 'done'|'dropped'|'aborted', void>}
 */
export async function* createLiveWebmStream(clipBytes, options = {}) {
  const { speed = 1, loops = Infinity, dropAfterMs, onBlockSent, signal } = options;
  if (!(speed > 0)) throw new RangeError(`live-webm: speed must be > 0, got ${speed}`);
  const clip = indexWebm(clipBytes);
  const msPerTick = clip.timestampScale / 1e6;
  const first = Math.min(...clip.blocks.map((b) => b.time));
  const t0 = performance.now();
  yield clip.head;
  for (let loop = 0; loop < loops; loop++) {
    const shift = loop * clip.durationTicks;
    let cluster = -1;
    for (const block of clip.blocks) {
      if (signal?.aborted) return 'aborted';
      const due = ((block.time - first + shift) * msPerTick) / speed;
      const wait = due - (performance.now() - t0);
      if (dropAfterMs !== undefined && performance.now() - t0 + Math.max(0, wait) >= dropAfterMs) return 'dropped';
      if (wait > 0) {
        await new Promise((resolve) => {
          const timer = setTimeout(done, wait);
          function done() {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            resolve(undefined);
          }
          signal?.addEventListener('abort', done, { once: true });
        });
        if (signal?.aborted) return 'aborted';
      }
      /** @type {Uint8Array[]} */
      const parts = [];
      if (block.cluster !== cluster) {
        cluster = block.cluster;
        // An unknown-size Cluster with an 8-byte Timestamp moved on by the loops before.
        parts.push(clusterHead(clip.clusterTimes[cluster] + shift));
      }
      parts.push(block.bytes);
      onBlockSent?.(((block.time + shift) * clip.timestampScale) / 1e9);
      const n = parts.reduce((s, p) => s + p.length, 0);
      const out = new Uint8Array(n);
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      yield out;
    }
  }
  return 'done';
}
