/**
 * The in-process contestants of the remux bench, each a `run(sink)` over one input held in memory:
 *
 *  - weir: lib/engine in muxed mode, the input pushed in CHUNK-sized `subarray`s, fragment sizes
 *    summed (never copied). A fresh engine per run, as the CLI does per file.
 *  - weir-reused: the same on one engine kept across runs, `reset()` before each (the steady state
 *    of a long-lived engine: no instantiation, memory already paged in).
 *  - mux.js: `muxjs.mp4.Transmuxer({ remux: true })`, same chunks, one `flush()` at the end.
 *  - hls.js: its transmuxer (src/demux/transmuxer.ts, bundled by peers.js) as its worker drives it,
 *    `progressive: true` (hls.js's mode for chunked loading), the chunks as ArrayBuffers (what its
 *    loaders deliver; split once before timing), one `flush()`; output per track (video, audio).
 *  - mpegts.js: its TSDemuxer + MP4Remuxer wired as its TransmuxingController does, fed the chunks
 *    through a stash like its IOController (a packet cut by a chunk boundary waits, joined with the
 *    next chunk), `flushStashedSamples()` at the end; output per track.
 *  - Mediabunny: `Conversion` from `Input(BufferSource)` with `ALL_FORMATS` (its MPEG-TS, WebM and
 *    Matroska demuxers are picked by sniffing, as weir's are) to `Mp4OutputFormat({ fastStart:
 *    'fragmented' })` into a `BufferTarget`, `copy: { mode: 'forced' }`: a stream copy, no track
 *    re-encoded (Node has no WebCodecs anyway). Mediabunny reads from a source, it is not pushed
 *    chunks, so the chunk size does not apply to it.
 *  - memcpy: the input copied chunk by chunk into one reused CHUNK-sized buffer (the ceiling).
 *
 * mux.js, hls.js and mpegts.js read MPEG-TS only (`reads`): on WebM and Matroska inputs they are
 * not applicable, not failures, and are not made.
 *
 * `sink(track, bytes)` (validation runs only) receives a copy of every output piece; `track` is
 * 'muxed' for single-file outputs and 'video' / 'audio' for per-track outputs.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBundledPeers, packageVersion } from './peers.js';

const require = createRequire(import.meta.url);

/**
 * @typedef {(track: 'muxed' | 'video' | 'audio', bytes: Uint8Array) => void} Sink
 * @typedef {{ bytesOut: number, detail?: Record<string, unknown> }} RunResult
 * @typedef {object} Contestant
 * @property {string} name
 * @property {'weir' | 'peer' | 'ceiling'} kind
 * @property {(sink: Sink | null) => RunResult | Promise<RunResult>} run
 * @property {boolean} [validated] false: nothing to check (memcpy), or the same output as another (weir-reused)
 */

/** Names in the order they are listed. */
export const CONTESTANTS = ['weir', 'weir-reused', 'mux.js', 'hls.js', 'mpegts.js', 'mediabunny', 'memcpy'];

/** The transmuxers that demux MPEG-TS only (hls.js also takes fMP4 and raw audio, none of ours). */
const TS_ONLY = new Set(['mux.js', 'hls.js', 'mpegts.js']);
/**
 * The TS transmuxers without HEVC: mux.js 7 knows stream types 0x1B (H.264), 0x0F (ADTS) and 0x15
 * (ID3) only (lib/m2ts/stream-types.js). hls.js (src/demux/video/hevc-video-parser.ts, enabled by
 * __USE_M2TS_ADVANCED_CODECS__ in its full build, and in our bundle) and mpegts.js (src/demux/h265.ts,
 * stream type 0x24) read HEVC in TS, so they run on it.
 */
const H264_ONLY = new Set(['mux.js']);

/**
 * Whether a contestant reads an input; when not, why (for the results' "n/a").
 * @param {string} name
 * @param {import('./inputs.js').Container} container
 * @param {string} [videoCodec] the input's, as ffprobe names it (h264, hevc, vp9, av1)
 * @returns {{ reads: true } | { reads: false, reason: string }}
 */
export function reads(name, container, videoCodec) {
  if (container !== 'mpegts' && TS_ONLY.has(name)) return { reads: false, reason: 'reads MPEG-TS only' };
  if (videoCodec === 'hevc' && H264_ONLY.has(name)) return { reads: false, reason: 'no HEVC: H.264 only' };
  return { reads: true };
}

/**
 * Loads every library once (weir from lib/ + build/, the peers from node_modules and the bundles).
 * @param {string} root
 * @param {string} cacheDir
 */
export async function loadLibraries(root, cacheDir) {
  const { Engine } = await import(pathToFileURL(path.join(root, 'lib', 'engine', 'index.js')).href);
  const muxjs = require('mux.js');
  const { hls, mpegts } = await loadBundledPeers(cacheDir);
  const mediabunny = await import('mediabunny');
  return {
    Engine,
    muxjs,
    hls,
    mpegts,
    mediabunny,
    versions: {
      'mux.js': packageVersion('mux.js'),
      'hls.js': packageVersion('hls.js'),
      'mpegts.js': packageVersion('mpegts.js'),
      mediabunny: packageVersion('mediabunny'),
      esbuild: packageVersion('esbuild'),
    },
  };
}

/**
 * Splits the input into ArrayBuffers of `chunk` bytes (as a loader delivers them).
 * @param {Uint8Array} input
 * @param {number} chunk
 */
function arrayBufferChunks(input, chunk) {
  /** @type {ArrayBuffer[]} */
  const chunks = [];
  for (let off = 0; off < input.length; off += chunk) {
    const c = input.subarray(off, off + chunk);
    chunks.push(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
  }
  return chunks;
}

/**
 * The contestants for one input and one chunk size. `names` limits which are made (default all).
 * @param {Awaited<ReturnType<typeof loadLibraries>>} libs
 * @param {Buffer} input
 * @param {number} chunk
 * @param {string[]} [names]
 * @returns {Promise<Contestant[]>}
 */
export async function makeContestants(libs, input, chunk, names = CONTESTANTS) {
  /** @type {Contestant[]} */
  const list = [];
  /** @type {ArrayBuffer[] | undefined} */
  let abChunks;
  const chunksAsArrayBuffers = () => {
    abChunks ??= arrayBufferChunks(input, chunk);
    return abChunks;
  };
  for (const name of names) {
    if (name === 'weir') list.push({ name, kind: 'weir', run: (sink) => runWeir(libs.Engine, input, chunk, sink) });
    else if (name === 'weir-reused') {
      const engine = await libs.Engine.create({ output: 'muxed' });
      list.push({
        name,
        kind: 'weir',
        validated: false,
        run: (sink) => runWeir(libs.Engine, input, chunk, sink, engine),
      });
    } else if (name === 'mux.js')
      list.push({ name, kind: 'peer', run: (sink) => runMuxjs(libs.muxjs, input, chunk, sink) });
    else if (name === 'hls.js') {
      const chunks = chunksAsArrayBuffers();
      list.push({ name, kind: 'peer', run: (sink) => runHlsjs(libs.hls, chunks, input.length, sink) });
    } else if (name === 'mpegts.js') {
      const chunks = chunksAsArrayBuffers();
      list.push({ name, kind: 'peer', run: (sink) => runMpegtsjs(libs.mpegts, chunks, sink) });
    } else if (name === 'mediabunny')
      list.push({ name, kind: 'peer', run: (sink) => runMediabunny(libs.mediabunny, input, sink) });
    else if (name === 'memcpy') {
      const scratch = Buffer.alloc(chunk);
      list.push({ name, kind: 'ceiling', validated: false, run: () => runMemcpy(input, chunk, scratch) });
    } else throw new Error(`unknown contestant ${name}`);
  }
  return list;
}

/**
 * weir, muxed output: a new engine per run, or `reused` after `reset()`.
 * @param {any} Engine
 * @param {Uint8Array} input
 * @param {number} chunk
 * @param {Sink | null} sink
 * @param {any} [reused]
 * @returns {Promise<RunResult>}
 */
export async function runWeir(Engine, input, chunk, sink, reused) {
  const engine = reused ?? (await Engine.create({ output: 'muxed' }));
  if (reused) engine.reset();
  let bytesOut = 0;
  let fragments = 0;
  /** @type {Map<string, number>} */
  const problems = new Map();
  /** @param {any[]} events */
  const consume = (events) => {
    for (const e of events) {
      if (e.type === 'fragment' || e.type === 'init') {
        bytesOut += e.data.byteLength;
        if (e.type === 'fragment') fragments++;
        if (sink) sink('muxed', e.data.slice());
      } else if (e.type === 'warning' || e.type === 'error') {
        const key = `${e.type} ${e.error.codeName ?? e.error.code}: ${e.error.message}`;
        problems.set(key, (problems.get(key) ?? 0) + 1);
      }
    }
  };
  for (let off = 0; off < input.length; off += chunk) consume(engine.push(input.subarray(off, off + chunk)));
  consume(engine.flush());
  return { bytesOut, detail: { fragments, problems: Object.fromEntries(problems) } };
}

/**
 * mux.js, one combined (remux: true) output, flushed once at the end of the input.
 * @param {any} muxjs
 * @param {Uint8Array} input
 * @param {number} chunk
 * @param {Sink | null} sink
 * @returns {RunResult}
 */
export function runMuxjs(muxjs, input, chunk, sink) {
  const transmuxer = new muxjs.mp4.Transmuxer({ remux: true });
  let bytesOut = 0;
  let segments = 0;
  let logs = 0;
  transmuxer.on('data', (/** @type {any} */ segment) => {
    // Every 'data' event carries its own init segment; a file needs only the first.
    if (segments === 0) {
      bytesOut += segment.initSegment.byteLength;
      if (sink) sink('muxed', segment.initSegment);
    }
    bytesOut += segment.data.byteLength;
    if (sink) sink('muxed', segment.data);
    segments++;
  });
  transmuxer.on('log', () => logs++);
  for (let off = 0; off < input.length; off += chunk) transmuxer.push(input.subarray(off, off + chunk));
  transmuxer.flush();
  return { bytesOut, detail: { segments, logs } };
}

const silent = () => {};
/** hls.js's logger: silent in timed runs, counting in validation runs. */
function hlsLogger(/** @type {Map<string, number>} */ counts) {
  const count =
    (/** @type {string} */ level) =>
    (/** @type {unknown[]} */ ...a) => {
      const key = `${level}: ${a.map(String).join(' ').slice(0, 120)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    };
  return { trace: silent, debug: silent, log: silent, info: silent, warn: count('warn'), error: count('error') };
}

/**
 * hls.js's transmuxer, driven as its transmuxer worker drives it: one fragment (the whole input),
 * pushed progressively in chunks, then flushed.
 * @param {any} H the bundle
 * @param {ArrayBuffer[]} chunks
 * @param {number} size
 * @param {Sink | null} sink
 * @returns {RunResult}
 */
export function runHlsjs(H, chunks, size, sink) {
  /** @type {Map<string, number>} */
  const problems = new Map();
  const observer = new H.EventEmitter();
  observer.on('hlsError', (/** @type {string} */ _e, /** @type {any} */ data) => {
    const key = `error ${data.details}: ${data.reason ?? ''}`;
    problems.set(key, (problems.get(key) ?? 0) + 1);
  });
  const config = { ...H.hlsDefaultConfig, progressive: true };
  const logger = H.enableLogs(sink ? hlsLogger(problems) : false, 'bench');
  const typeSupported = { mpeg: false, mp3: false, ac3: false };
  const transmuxer = new H.Transmuxer(observer, typeSupported, config, '', 'main', logger);
  // Codecs as a playlist would name them; TS probing finds the real ones.
  transmuxer.configure(new H.TransmuxConfig('mp4a.40.2', 'avc1.640028', undefined, 0, undefined));
  const state = new H.TransmuxState(true, false, true, false, 0, false);
  const meta = new H.ChunkMetadata(0, 0, 0, size, -1, false);
  let bytesOut = 0;
  let results = 0;
  /** @param {any} result */
  const take = (result) => {
    const r = result.remuxResult;
    if (r.initSegment?.tracks) {
      for (const [track, t] of Object.entries(r.initSegment.tracks)) {
        bytesOut += /** @type {any} */ (t).initSegment.byteLength;
        if (sink) sink(/** @type {any} */ (track), /** @type {any} */ (t).initSegment);
      }
    }
    for (const track of /** @type {const} */ (['video', 'audio'])) {
      const t = r[track];
      if (!t) continue;
      results++;
      bytesOut += t.data1.byteLength + (t.data2?.byteLength ?? 0);
      if (sink) {
        sink(track, t.data1);
        if (t.data2) sink(track, t.data2);
      }
    }
  };
  for (let i = 0; i < chunks.length; i++) take(transmuxer.push(chunks[i], null, meta, i === 0 ? state : undefined));
  for (const r of transmuxer.flush(meta)) take(r);
  transmuxer.destroy();
  return { bytesOut, detail: { fragments: results, problems: Object.fromEntries(problems) } };
}

/**
 * mpegts.js's TS demuxer and MP4 remuxer, wired as its TransmuxingController wires them.
 * @param {any} M the bundle
 * @param {ArrayBuffer[]} chunks
 * @param {Sink | null} sink
 * @returns {RunResult}
 */
export function runMpegtsjs(M, chunks, sink) {
  /** @type {Map<string, number>} */
  const problems = new Map();
  const note = (/** @type {string} */ key) => problems.set(key, (problems.get(key) ?? 0) + 1);
  /** @param {string} level @param {string} message */
  const onLog = (level, message) => {
    if (level === 'warn' || level === 'error') note(`${level}: ${message.slice(0, 120)}`);
  };
  if (sink) {
    M.Log.ENABLE_CALLBACK = true;
    M.Log.emitter.addListener('log', onLog);
  }
  const config = M.createDefaultConfig();
  const remuxer = new M.MP4Remuxer(config);
  let bytesOut = 0;
  let segments = 0;
  remuxer.onInitSegment = (/** @type {'video' | 'audio'} */ type, /** @type {any} */ segment) => {
    bytesOut += segment.data.byteLength;
    if (sink) sink(type, new Uint8Array(segment.data));
  };
  remuxer.onMediaSegment = (/** @type {'video' | 'audio'} */ type, /** @type {any} */ segment) => {
    bytesOut += segment.data.byteLength;
    segments++;
    if (sink) sink(type, new Uint8Array(segment.data));
  };
  /** @type {any} */
  let demuxer = null;
  /** @type {Uint8Array | null} */
  let stash = null;
  let position = 0;
  for (const chunk of chunks) {
    let data = chunk;
    if (stash) {
      const joined = new Uint8Array(stash.byteLength + chunk.byteLength);
      joined.set(stash);
      joined.set(new Uint8Array(chunk), stash.byteLength);
      data = joined.buffer;
    }
    const byteStart = position - (stash?.byteLength ?? 0);
    if (!demuxer) {
      const probe = M.TSDemuxer.probe(data);
      if (!probe.match) throw new Error('mpegts.js: input not recognised as MPEG-TS');
      demuxer = new M.TSDemuxer(probe, config);
      demuxer.onError = (/** @type {string} */ type, /** @type {string} */ info) => note(`error ${type}: ${info}`);
      for (const cb of [
        'onMediaInfo',
        'onMetaDataArrived',
        'onTimedID3Metadata',
        'onPGSSubtitleData',
        'onSynchronousKLVMetadata',
        'onAsynchronousKLVMetadata',
        'onSMPTE2038Metadata',
        'onSEI',
        'onSCTE35Metadata',
        'onPESPrivateData',
        'onPESPrivateDataDescriptor',
      ]) {
        demuxer[cb] = silent;
      }
      remuxer.bindDataSource(demuxer);
    }
    const consumed = demuxer.parseChunks(data, byteStart);
    stash = consumed < data.byteLength ? new Uint8Array(data, consumed) : null;
    position += chunk.byteLength;
  }
  remuxer.flushStashedSamples();
  demuxer?.destroy();
  remuxer.destroy();
  if (sink) {
    M.Log.emitter.removeListener('log', onLog);
    M.Log.ENABLE_CALLBACK = false;
  }
  return { bytesOut, detail: { segments, problems: Object.fromEntries(problems) } };
}

/**
 * Mediabunny: MPEG-TS, WebM or Matroska → fragmented MP4 stream copy into memory.
 * @param {any} MB
 * @param {Uint8Array} input
 * @param {Sink | null} sink
 * @returns {Promise<RunResult>}
 */
export async function runMediabunny(MB, input, sink) {
  const source = new MB.Input({ source: new MB.BufferSource(input), formats: MB.ALL_FORMATS });
  const target = new MB.BufferTarget();
  const output = new MB.Output({ format: new MB.Mp4OutputFormat({ fastStart: 'fragmented' }), target });
  // Copy forced: a track that could only be re-encoded is discarded (and the run reported invalid).
  const conversion = await MB.Conversion.init({ input: source, output, copy: { mode: 'forced' }, showWarnings: false });
  if (!conversion.isValid || conversion.discardedTracks.length > 0) {
    throw new Error(`mediabunny: conversion not possible: ${JSON.stringify(conversion.discardedTracks)}`);
  }
  await conversion.execute();
  const bytes = new Uint8Array(target.buffer);
  if (sink) sink('muxed', bytes);
  const detail = sink
    ? { inputFormat: (await source.getFormat()).name, copiedTracks: conversion.utilizedTracks.length }
    : undefined;
  return { bytesOut: bytes.byteLength, ...(detail ? { detail } : {}) };
}

/**
 * The ceiling: the input copied in chunks into one reused buffer.
 * @param {Buffer} input
 * @param {number} chunk
 * @param {Buffer} scratch
 * @returns {RunResult}
 */
export function runMemcpy(input, chunk, scratch) {
  let bytesOut = 0;
  for (let off = 0; off < input.length; off += chunk) bytesOut += input.copy(scratch, 0, off, off + chunk);
  return { bytesOut };
}
