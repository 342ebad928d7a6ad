// A minimal EBML element walker (RFC 8794) for the WebM/Matroska mutators: where each element's ID and size field
// are, so a mutation can set a size to zero, to a huge value or to "unknown", or drop and repeat whole elements.
// It shares no code with any demuxer. It descends into the master elements listed below and tolerates damage:
// a level ends at the first byte that cannot start an element.

/** Master elements of Matroska (RFC 9559) whose children are walked. */
const MASTERS = new Set([
  0x1a45dfa3, // EBML
  0x18538067, // Segment
  0x114d9b74, // SeekHead
  0x4dbb, // Seek
  0x1549a966, // Info
  0x1654ae6b, // Tracks
  0xae, // TrackEntry
  0xe0, // Video
  0xe1, // Audio
  0x6d80, // ContentEncodings
  0x6240, // ContentEncoding
  0x5034, // ContentCompression
  0x1f43b675, // Cluster
  0xa0, // BlockGroup
  0x1c53bb6b, // Cues
  0xbb, // CuePoint
  0xb7, // CueTrackPositions
  0x1254c367, // Tags
  0x7373, // Tag
  0x1043a770, // Chapters
]);

/**
 * @typedef {object} EbmlElement
 * @property {number} at       offset of the ID
 * @property {number} id       the ID with its length marker (as written)
 * @property {number} sizeAt   offset of the size field
 * @property {number} sizeLength bytes of the size field (1-8)
 * @property {number} end      end of the element (end of the parent for an unknown size)
 * @property {number} depth
 */

/**
 * Every element found, in input order.
 * @param {Uint8Array} b
 * @returns {EbmlElement[]}
 */
export function indexEbml(b) {
  /** @type {EbmlElement[]} */
  const out = [];
  walk(b, 0, b.length, 0, out);
  return out;
}

/**
 * @param {Uint8Array} b @param {number} from @param {number} to @param {number} depth
 * @param {EbmlElement[]} out
 */
function walk(b, from, to, depth, out) {
  let o = from;
  while (o < to && out.length < 100_000) {
    const first = b[o];
    const idLength = vintLength(first);
    if (idLength === 0 || idLength > 4 || o + idLength >= to) return;
    let id = 0;
    for (let i = 0; i < idLength; i++) id = id * 256 + b[o + i];
    const sizeAt = o + idLength;
    const sizeLength = vintLength(b[sizeAt]);
    if (sizeLength === 0 || sizeAt + sizeLength > to) return;
    let size = b[sizeAt] & (0xff >> sizeLength);
    let unknown = size === 0xff >> sizeLength;
    for (let i = 1; i < sizeLength; i++) {
      const v = b[sizeAt + i];
      size = size * 256 + v;
      if (v !== 0xff) unknown = false;
    }
    const dataAt = sizeAt + sizeLength;
    const end = unknown ? to : dataAt + size;
    out.push({ at: o, id, sizeAt, sizeLength, end: Math.min(end, to), depth });
    if (MASTERS.has(id)) walk(b, dataAt, Math.min(end, to), depth + 1, out);
    if (end > to) return;
    o = end;
  }
}

/** Length of a variable-size integer from its first byte (the position of the first set bit); 0 if none. */
function vintLength(first) {
  for (let n = 1; n <= 8; n++) if (first & (0x100 >> n)) return n;
  return 0;
}

/**
 * The ContentCompSettings of every header-stripping track (RFC 9559 §5.1.4.1.31.8: ContentCompression with
 * ContentCompAlgo 3 puts these bytes back in front of each frame): a frame in the output is the input's frame after
 * them. Settings of other algorithms are included too (harmless for a reference: a prefix that matches nothing).
 * @param {Uint8Array} b
 * @returns {Uint8Array[]}
 */
export function strippedHeaders(b) {
  return indexEbml(b)
    .filter((e) => e.id === 0x4255)
    .map((e) => b.subarray(e.sizeAt + vintLength(b[e.sizeAt]), e.end))
    .filter((p) => p.length > 0);
}
