/**
 * Real VP9 and AV1 streams for the codec configuration tests (test/node/vp9.test.ts, av1.test.ts): ffmpeg encodes a
 * few frames of a test pattern into WebM; a minimal EBML walk (test/fuzz/ebml-index.mjs, which shares no code with
 * any demuxer) takes out the track's CodecPrivate and its blocks; the same stream remuxed to MP4 by ffmpeg
 * (`-c copy`) gives the sample entry ffmpeg writes, and ffprobe the fields ffmpeg reads.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexEbml } from '../fuzz/ebml-index.mjs';
import { requireFfmpeg } from './ffmpeg.js';
import { type Box, find, walkBoxes } from './isobmff.js';

export interface WebmVideo {
  /** The WebM file and its copy remuxed to MP4 by ffmpeg (undefined when ffmpeg cannot write the stream to MP4). */
  webm: string;
  mp4?: string;
  /** CodecPrivate of the track (empty when the element is absent or empty). */
  codecPrivate: Uint8Array;
  /** The frame data of every SimpleBlock / Block, in file order, with the SimpleBlock keyframe flag. */
  frames: { data: Uint8Array; key: boolean }[];
}

const CODEC_PRIVATE = 0x63a2;
const SIMPLE_BLOCK = 0xa3;
const BLOCK = 0xa1;

/**
 * Encodes `frames` frames of testsrc at `size` with the ffmpeg arguments `codecArgs` (encoder, pix_fmt, colour
 * options) into `<dir>/<name>.webm`, remuxes it to MP4, and takes the WebM apart.
 */
export function encodeWebm(dir: string, name: string, codecArgs: string[], frames = 3, size = '64x48'): WebmVideo {
  requireFfmpeg();
  const webm = join(dir, `${name}.webm`);
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=25`],
    ...['-frames:v', String(frames), ...codecArgs, webm],
  ]);
  const mp4 = join(dir, `${name}.mp4`);
  let remuxed = true;
  try {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', webm, '-c', 'copy', mp4], { stdio: 'pipe' });
  } catch {
    remuxed = false;
  }
  const bytes = new Uint8Array(readFileSync(webm));
  let codecPrivate = new Uint8Array(0);
  const blocks: WebmVideo['frames'] = [];
  for (const e of indexEbml(bytes)) {
    const start = e.sizeAt + e.sizeLength;
    if (e.id === CODEC_PRIVATE) codecPrivate = bytes.slice(start, e.end);
    if (e.id === SIMPLE_BLOCK || e.id === BLOCK) {
      // Block header (RFC 9559 10.1): track number (a one-byte vint here), timestamp (2), flags (1); no lacing.
      if (bytes[start] !== 0x81) throw new Error(`${webm}: a block of track ${bytes[start]}`);
      const flags = bytes[start + 3]!;
      if (flags & 0x06) throw new Error(`${webm}: a laced video block`);
      blocks.push({ data: bytes.slice(start + 4, e.end), key: e.id === SIMPLE_BLOCK && (flags & 0x80) !== 0 });
    }
  }
  return { webm, ...(remuxed ? { mp4 } : {}), codecPrivate, frames: blocks };
}

/** The first sample entry of the first track of an MP4 file. */
export function mp4SampleEntry(path: string): Box {
  const stsd = find(walkBoxes(new Uint8Array(readFileSync(path))), 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd');
  const entry = stsd?.children[0];
  if (!entry) throw new Error(`${path}: no sample entry`);
  return entry;
}

/** The boxes of a VisualSampleEntry (after its 78 bytes of fields, ISO/IEC 14496-12 12.1.3). */
export function visualEntryBoxes(entry: Box): Box[] {
  return walkBoxes(entry.payload, 78);
}

/** The stream fields ffprobe reports for the first video stream of a file. */
export interface VideoProbe {
  codec_name: string;
  profile: string;
  width: number;
  height: number;
  pix_fmt: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
}

export function probeVideo(path: string): VideoProbe {
  requireFfmpeg();
  const out = execFileSync('ffprobe', ['-v', 'quiet', '-select_streams', 'v:0', '-show_streams', '-of', 'json', path], {
    encoding: 'utf8',
  });
  const stream = (JSON.parse(out) as { streams: VideoProbe[] }).streams[0];
  if (!stream) throw new Error(`${path}: ffprobe found no video stream`);
  return stream;
}

/** Bit depth and chroma format (0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4) of an ffmpeg pix_fmt. */
export function pixelFormat(pixFmt: string): { bitDepth: number; chromaFormat: number } {
  const depth = /(\d+)(le|be)$/.exec(pixFmt);
  const bitDepth = depth ? Number(depth[1]) : 8;
  const base = pixFmt.replace(/\d+(le|be)$/, '');
  const chroma: Record<string, number> = { gray: 0, yuv420p: 1, yuv422p: 2, yuv444p: 3, gbrp: 3, yuv440p: -1 };
  const chromaFormat = chroma[base];
  if (chromaFormat === undefined) throw new Error(`pixel format ${pixFmt} is not in the test's table`);
  return { bitDepth, chromaFormat };
}

// ISO/IEC 23091-2 code points of ffprobe's colour names (libavutil pixdesc names).
const PRIMARIES: Record<string, number> = { bt709: 1, unknown: 2, bt470bg: 5, smpte170m: 6, bt2020: 9 };
const TRANSFER: Record<string, number> = { bt709: 1, unknown: 2, smpte170m: 6, 'iec61966-2-1': 13, smpte2084: 16 };
const MATRIX: Record<string, number> = { gbr: 0, bt709: 1, unknown: 2, bt470bg: 5, smpte170m: 6, bt2020nc: 9 };

/** ffprobe's colour fields as code points (unknown: 2; range: 1 for pc). */
export function probeColour(p: VideoProbe): { primaries: number; transfer: number; matrix: number; fullRange: number } {
  const code = (table: Record<string, number>, name = 'unknown') => {
    const v = table[name];
    if (v === undefined) throw new Error(`colour name ${name} is not in the test's table`);
    return v;
  };
  return {
    primaries: code(PRIMARIES, p.color_primaries),
    transfer: code(TRANSFER, p.color_transfer),
    matrix: code(MATRIX, p.color_space),
    fullRange: p.color_range === 'pc' ? 1 : 0,
  };
}

/**
 * The movie fragments (moof + mdat) ffmpeg writes for a file remuxed to fragmented MP4, with their tfhd track_ID
 * set to `trackId`: appended to another init segment of the same stream, they make a file ffmpeg decodes with that
 * init segment's sample entry.
 */
export function ffmpegFragments(dir: string, input: string, trackId: number): Uint8Array {
  requireFfmpeg();
  const out = join(dir, 'fragments.mp4');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-i', input, '-c', 'copy'],
    ...['-movflags', 'frag_keyframe+empty_moov+default_base_moof', out],
  ]);
  const data = new Uint8Array(readFileSync(out));
  const parts: Uint8Array[] = [];
  for (const box of walkBoxes(data)) {
    if (box.type !== 'moof' && box.type !== 'mdat') continue;
    for (const traf of box.children.filter((b) => b.type === 'traf')) {
      const tfhd = traf.children.find((b) => b.type === 'tfhd');
      if (!tfhd) throw new Error(`${out}: a traf without tfhd`);
      new DataView(tfhd.payload.buffer, tfhd.payload.byteOffset).setUint32(4, trackId); // after version and flags
    }
    parts.push(data.subarray(box.offset, box.offset + box.size));
  }
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.length;
  }
  return joined;
}
