/**
 * A minimal ISO base media file format box walker (ISO/IEC 14496-12 4.2), written from the spec and sharing no
 * code with the writer in wasm/mp4: it splits a buffer into boxes, descends into the container boxes listed below,
 * and leaves the payload of every other box as bytes for the test to read.
 */

export interface Box {
  type: string;
  /** Offset of the box (its size field) in the walked buffer. */
  offset: number;
  size: number;
  /** The bytes after the header (size, type, largesize). */
  payload: Uint8Array;
  children: Box[];
}

/** Boxes whose payload is a sequence of boxes (14496-12 and 14496-15), with the bytes that come before the children. */
const CONTAINERS: Record<string, number> = {
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  dinf: 0,
  stbl: 0,
  mvex: 0,
  moof: 0,
  traf: 0,
  edts: 0,
  // stsd: FullBox header (4) + entry_count (4), then sample entries.
  stsd: 8,
  // dref: FullBox header + entry_count.
  dref: 8,
  // VisualSampleEntry: 78 bytes of fields before its boxes (14496-12 12.1.3).
  avc1: 78,
  // AudioSampleEntry: 28 bytes of fields before its boxes (14496-12 12.2.3).
  mp4a: 28,
};

export function walkBoxes(data: Uint8Array, start = 0, end = data.length): Box[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const boxes: Box[] = [];
  let o = start;
  while (o < end) {
    if (end - o < 8) throw new Error(`truncated box header at ${o}`);
    let size = view.getUint32(o);
    const type = String.fromCharCode(data[o + 4]!, data[o + 5]!, data[o + 6]!, data[o + 7]!);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(o + 8));
      header = 16;
    } else if (size === 0) {
      size = end - o; // extends to the end of the file
    }
    if (size < header || o + size > end) throw new Error(`box '${type}' at ${o} has a bad size ${size}`);
    const payload = data.subarray(o + header, o + size);
    const skip = CONTAINERS[type];
    const children = skip === undefined ? [] : walkBoxes(data, o + header + skip, o + size);
    boxes.push({ type, offset: o, size, payload, children });
    o += size;
  }
  return boxes;
}

/** The first box at a path of types below the given boxes, e.g. find(boxes, 'moov', 'trak', 'tkhd'). */
export function find(boxes: Box[], ...path: string[]): Box | undefined {
  let level = boxes;
  let found: Box | undefined;
  for (const t of path) {
    found = level.find((b) => b.type === t);
    if (!found) return undefined;
    level = found.children;
  }
  return found;
}

/** Every box of a type below the given boxes, at one level. */
export function all(boxes: Box[], type: string): Box[] {
  return boxes.filter((b) => b.type === type);
}

/** The tree as an indented outline of box types, for comparing structure. */
export function outline(boxes: Box[], depth = 0): string[] {
  return boxes.flatMap((b) => [`${'  '.repeat(depth)}${b.type}`, ...outline(b.children, depth + 1)]);
}

export function u32(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o);
}

export function u16(b: Uint8Array, o: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(o);
}

export function fourcc(b: Uint8Array, o: number): string {
  return String.fromCharCode(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
}
