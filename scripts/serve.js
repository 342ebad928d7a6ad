#!/usr/bin/env node

// Local demo and test server for weir.
//
//   node scripts/serve.js [--port N] [--root DIR] [--open] [--live-clip FILE] [--live-webm-clip FILE]
//
// Why a hand-written server: the demo and the browser tests need things a generic static server does not give:
// endless live MPEG-TS and WebM streams (/live.ts, /live.webm; also over WebSocket at the same paths), deliberate
// faults (/test/...), byte ranges for seeking, and COOP/COEP headers. It uses Node built-ins only, so it runs
// straight from a checkout.
//
// Bound to 127.0.0.1 only: it serves files from disk and must never be reachable from the network.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLiveTsStream } from './live-ts.js';
import { createLiveWebmStream } from './live-webm.js';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // required for WebAssembly.instantiateStreaming
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Headers on every response. COOP/COEP make the page cross-origin isolated (precise timers, SharedArrayBuffer). */
const COMMON_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} body
 * @param {Record<string, string|number>} [headers]
 */
function send(res, status, body, headers = {}) {
  const buf = Buffer.from(body);
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': buf.length,
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : buf);
}

/**
 * Maps the URL path below a mount point to a file inside `base`, or returns a status code.
 * Works on the RAW request path (before any URL normalisation) so that `..` in any spelling (`/../`, `%2e%2e`,
 * `..%2f`) is seen and refused with 403 rather than silently normalised into some other file.
 * @param {string} base absolute directory
 * @param {string} rawRest raw path after the mount prefix, e.g. "ts/a.ts"
 * @returns {string | 400 | 403}
 */
function safeJoin(base, rawRest) {
  /** @type {string[]} */
  const parts = [];
  for (const seg of rawRest.split('/')) {
    let d;
    try {
      d = decodeURIComponent(seg);
    } catch {
      return 400;
    }
    if (d === '..' || d.includes('/') || d.includes('\\') || d.includes('\0')) return 403;
    if (d === '' || d === '.') continue;
    parts.push(d);
  }
  const full = resolve(base, ...parts);
  const rel = relative(base, full);
  if (rel.startsWith('..') || isAbsolute(rel)) return 403;
  return full;
}

/**
 * Parses a single-range Range header against a file size.
 * @param {string | undefined} header
 * @param {number} size
 * @returns {null | 'unsatisfiable' | {start: number, end: number}} null = serve the whole file
 */
function parseRange(header, size) {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Multi-range or malformed: RFC 9110 allows ignoring Range and sending 200 with the whole representation.
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    const suffix = Number(m[2]); // last N bytes
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null; // invalid range spec: ignore
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/**
 * Serves one file with Range support (for media seeking and for the player's range-request loader).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} file absolute path
 * @param {string} [root] if given, the file's real path must stay inside it (refuses symlinks pointing outside)
 */
async function serveFile(req, res, file, root, kbps) {
  let st;
  try {
    if (root) {
      const real = await realpath(file);
      const realRoot = await realpath(root);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) return send(res, 403, 'forbidden\n');
    }
    st = await stat(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = await stat(file);
    }
  } catch {
    return send(res, 404, 'not found\n');
  }
  if (!st.isFile()) return send(res, 404, 'not found\n');

  const size = st.size;
  /** @type {Record<string, string>} */
  const headers = {
    'Content-Type': MIME[/** @type {keyof typeof MIME} */ (extname(file).toLowerCase())] ?? 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    'Last-Modified': st.mtime.toUTCString(),
    'Cache-Control': 'no-cache', // dev server: always revalidate, a rebuilt dist/ must be picked up
  };
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    return send(res, 416, 'range not satisfiable\n', { 'Content-Range': `bytes */${size}` });
  }
  let status = 200;
  let start = 0;
  let end = size - 1;
  if (range) {
    status = 206;
    ({ start, end } = range);
    headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  }
  res.writeHead(status, { ...headers, 'Content-Length': size === 0 ? 0 : end - start + 1 });
  if (req.method === 'HEAD' || size === 0) return res.end();
  if (kbps !== undefined) {
    // ?kbps=N: the body at N kilobits per second (a slow connection; ranges included), for seek tests.
    paced(res, (await readFile(file)).subarray(start, end + 1), kbps);
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy()); // client went away: stop reading
  stream.pipe(res);
}

/** @type {Map<string, Uint8Array>} */
const loopedCache = new Map();

/**
 * The live WebM clip looped `loops` times into one file (scripts/live-webm.js at full speed), cached per count.
 * @param {string} clipPath @param {number} loops
 */
async function loopedWebm(clipPath, loops) {
  const key = `${clipPath}:${loops}`;
  const cached = loopedCache.get(key);
  if (cached) return cached;
  const parts = [];
  for await (const chunk of createLiveWebmStream(new Uint8Array(await readFile(clipPath)), { speed: 1e9, loops })) {
    parts.push(chunk);
  }
  const data = new Uint8Array(Buffer.concat(parts));
  loopedCache.set(key, data);
  return data;
}

/**
 * Serves bytes held in memory like a file: Content-Length, Accept-Ranges and 206 answers, optional pacing.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {Uint8Array} data
 * @param {string} type
 * @param {number | undefined} kbps
 */
function serveBuffer(req, res, data, type, kbps) {
  const size = data.length;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable')
    return send(res, 416, 'range not satisfiable\n', { 'Content-Range': `bytes */${size}` });
  const { start, end } = range || { start: 0, end: size - 1 };
  /** @type {Record<string, string | number>} */
  const headers = {
    'Content-Type': type,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'Content-Length': end - start + 1,
  };
  if (range) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD') return res.end();
  const body = data.subarray(start, end + 1);
  if (kbps !== undefined) paced(res, body, kbps);
  else res.end(body);
}

/**
 * Sends `data` at `kbps` kilobits per second in 50 ms slices (by elapsed time, so timer lateness does not slow the
 * average rate), then ends the response. Headers must be written already.
 * @param {import('node:http').ServerResponse} res
 * @param {Uint8Array} data
 * @param {number} kbps
 */
function paced(res, data, kbps) {
  const bytesPerMs = (kbps * 1000) / 8 / 1000;
  const t0 = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const due = Math.min(data.length, Math.floor((performance.now() - t0) * bytesPerMs));
    if (due > sent) {
      res.write(data.subarray(sent, due));
      sent = due;
    }
    if (sent >= data.length) {
      clearInterval(timer);
      res.end();
    }
  }, 50);
  res.on('close', () => clearInterval(timer));
}

/**
 * Writes one chunk, waiting for drain when the socket buffer is full; resolves false if the client went away.
 * @param {import('node:http').ServerResponse} res
 * @param {Uint8Array} chunk
 */
function write(res, chunk) {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((r) => {
    const done = (/** @type {boolean} */ ok) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      r(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Number from a query parameter; undefined when absent, NaN-safe validation by the caller.
 * @param {URLSearchParams} q @param {string} name
 */
function numParam(q, name) {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  return Number(v);
}

/**
 * Send logs of /live.ts connections opened with `?id=`: per video frame, when the simulator handed out its first and
 * its last packet (epoch ms on this process's clock, performance.timeOrigin + performance.now()), for measuring
 * latency end to end (test/browser/latency.spec.ts). Bounded: the newest SEND_LOG_FRAMES frames of the newest
 * SEND_LOGS connections.
 * @typedef {{pts: number, ptsUnwrapped: number, dts: number, sentAt: number, completeAt: number | null,
 *   endByte: number | null}} SentFrame
 * @type {Map<string, SentFrame[]>}
 */
const sendLogs = new Map();
const SEND_LOGS = 8;
const SEND_LOG_FRAMES = 20_000; // about 11 minutes at 30 fps

/** A new send log under `id` (an id used again starts afresh), the oldest dropped past the bound. @param {string} id */
function newSendLog(id) {
  sendLogs.delete(id);
  while (sendLogs.size >= SEND_LOGS) sendLogs.delete(/** @type {string} */ (sendLogs.keys().next().value));
  /** @type {SentFrame[]} */
  const log = [];
  sendLogs.set(id, log);
  let completed = 0; // frames complete in order: the index in `log` of the next one (shifted with the log)
  /** @type {SentFrame[]} complete, in the chunk being written */
  let writing = [];
  return {
    /** @param {{pts90k: number, dts90k: number, ptsUnwrapped: number, wallMs: number}} f */
    sent(f) {
      const entry = { pts: f.pts90k, ptsUnwrapped: f.ptsUnwrapped, dts: f.dts90k, sentAt: f.wallMs };
      log.push({ ...entry, completeAt: null, endByte: null });
      if (log.length > SEND_LOG_FRAMES) {
        log.splice(0, log.length - SEND_LOG_FRAMES);
        completed = Math.max(0, completed - 1);
      }
    },
    /** @param {{ptsUnwrapped: number, wallMs: number}} f */
    complete(f) {
      const entry = log[completed];
      if (entry?.ptsUnwrapped === f.ptsUnwrapped) {
        entry.completeAt = f.wallMs;
        writing.push(entry);
        completed++;
      }
    },
    /** The chunk was written: the frames completed in it end by byte `total` of the body. @param {number} total */
    wrote(total) {
      for (const entry of writing) entry.endByte = total;
      writing = [];
    },
  };
}

/**
 * /test/sent?id=…: the send log of the /live.ts connection opened with that id, as JSON: `frames` (PTS as written,
 * 33-bit; unwrapped PTS; DTS; `sentAt`/`completeAt`: when the frame's first/last packet was handed out; `endByte`:
 * the body's length at the end of the chunk holding its last packet), and
 * `perfMinusDate` (this process's performance.timeOrigin + now() minus Date.now(), to put another process's clock on
 * this one: both read the same system clock through Date.now()).
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} q
 */
function serveSendLog(res, q) {
  const log = sendLogs.get(q.get('id') ?? '');
  if (!log) return send(res, 404, 'no send log with that id\n');
  const body = { perfMinusDate: performance.timeOrigin + performance.now() - Date.now(), frames: log };
  return send(res, 200, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8' });
}

/**
 * /live.ts: endless live stream from the clip. Query: speed, stallAt, stallFor, dropAfter (ms), garbage (ms between
 * garbage bursts), garbageBytes, loops, startOffset (90 kHz ticks, to test the 33-bit wrap), id (keep a send log
 * under this id: /test/sent), clip (the name of an MPEG-TS fixture to loop instead of the default clip, e.g.
 * ts-h264-aac-low-delay).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} q
 * @param {string} clipPath
 */
async function serveLive(req, res, q, clipPath) {
  const opts = {
    speed: numParam(q, 'speed') ?? 1,
    stallAtMs: numParam(q, 'stallAt'),
    stallForMs: numParam(q, 'stallFor') ?? 0,
    dropAfterMs: numParam(q, 'dropAfter'),
    garbageEvery: numParam(q, 'garbage') ?? 0,
    garbageBytes: numParam(q, 'garbageBytes') ?? 97,
    loops: numParam(q, 'loops') ?? Infinity,
    startOffsetTicks: numParam(q, 'startOffset') ?? 0,
  };
  for (const [k, v] of Object.entries(opts)) {
    if (v !== undefined && (Number.isNaN(v) || v < 0)) return send(res, 400, `bad query parameter for ${k}: ${v}\n`);
  }
  if (!(opts.speed > 0) || !(opts.loops > 0) || !Number.isInteger(opts.startOffsetTicks)) {
    return send(res, 400, 'speed and loops must be > 0, startOffset an integer\n');
  }
  let clip;
  try {
    clip = new Uint8Array(await readFile(clipPath)); // read per request: the sample may be regenerated meanwhile
  } catch {
    return send(res, 404, `live clip not found: ${clipPath} (generate demo/media/sample.ts first)\n`);
  }

  const id = q.get('id');
  if (id !== null && !/^[\w-]{1,64}$/.test(id)) return send(res, 400, 'id must be 1-64 letters, digits, _ or -\n');
  const log = id === null || req.method === 'HEAD' ? undefined : newSendLog(id);

  const ac = new AbortController();
  let gen;
  try {
    gen = createLiveTsStream(clip, {
      ...opts,
      signal: ac.signal,
      ...(log ? { onFrameSent: log.sent, onFrameComplete: log.complete } : {}),
    });
  } catch (e) {
    return send(res, 500, `cannot build live stream: ${/** @type {Error} */ (e).message}\n`);
  }
  return streamLive(req, res, gen, ac, 'video/mp2t', log);
}

/**
 * Sends a live generator's chunks as an endless response body (no Content-Length: chunked transfer encoding).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {AsyncGenerator<Uint8Array, string, void>} gen
 * @param {AbortController} ac  aborts the generator (clearing its timer at once) when the client goes away
 * @param {string} type
 * @param {{ wrote: (bytes: number) => void }} [log]  told the bytes written so far after each chunk (the send log)
 */
async function streamLive(req, res, gen, ac, type, log) {
  res.on('close', () => ac.abort());
  res.socket?.setNoDelay(true); // latency tests measure the source; Nagle would add up to 40 ms
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  if (req.method === 'HEAD') {
    ac.abort();
    return res.end();
  }
  res.flushHeaders();
  let result;
  let written = 0;
  try {
    while (true) {
      const r = await gen.next();
      if (r.done) {
        result = r.value;
        break;
      }
      written += r.value.length;
      log?.wrote(written);
      if (!(await write(res, r.value))) {
        await gen.return('aborted');
        return;
      }
    }
  } catch {
    result = 'error';
  }
  // 'dropped' (and errors) end the connection abruptly, without the final empty chunk, so the client sees a
  // network error as with a real dropped connection; 'done' (finite loops) ends the body cleanly.
  if (result === 'done') res.end();
  else res.destroy();
}

/**
 * /live.webm: an endless live WebM (unknown-size Segment and Clusters) from the clip, paced by its block times.
 * Query: speed, loops, dropAfter (ms).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} q
 * @param {string} clipPath
 */
async function serveLiveWebm(req, res, q, clipPath) {
  const opts = {
    speed: numParam(q, 'speed') ?? 1,
    loops: numParam(q, 'loops') ?? Infinity,
    dropAfterMs: numParam(q, 'dropAfter'),
  };
  if (!(opts.speed > 0) || !(opts.loops > 0)) return send(res, 400, 'speed and loops must be > 0\n');
  let clip;
  try {
    clip = new Uint8Array(await readFile(clipPath));
  } catch {
    return send(res, 404, `live clip not found: ${clipPath}\n`);
  }
  const ac = new AbortController();
  return streamLive(req, res, createLiveWebmStream(clip, { ...opts, signal: ac.signal }), ac, 'video/webm');
}

/**
 * A live stream over WebSocket (RFC 6455): the handshake (4.2.2: Sec-WebSocket-Accept), then each chunk of the live
 * generator as one unmasked binary frame (5.2, opcode 0x2), until the client goes away or sends a close frame. What
 * the client sends is not read otherwise.
 * @param {import('node:stream').Duplex} socket
 * @param {string} key
 * @param {boolean} webm
 * @param {string} clipPath
 * @param {URLSearchParams} q
 */
async function serveWebSocket(socket, key, webm, clipPath, q) {
  const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  let clip;
  try {
    clip = new Uint8Array(await readFile(clipPath));
  } catch {
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    return;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  /** @type {any} */ (socket).setNoDelay?.(true);
  const ac = new AbortController();
  socket.on('close', () => ac.abort());
  socket.on('error', () => ac.abort());
  socket.on('data', (d) => {
    if ((d[0] & 0x0f) === 0x8) ac.abort(); // a close frame
  });
  const speed = numParam(q, 'speed') ?? 1;
  const dropAfterMs = numParam(q, 'dropAfter');
  const gen = webm
    ? createLiveWebmStream(clip, { speed, dropAfterMs, signal: ac.signal })
    : createLiveTsStream(clip, { speed, dropAfterMs, signal: ac.signal });
  try {
    for await (const chunk of gen) {
      if (ac.signal.aborted) break;
      const n = chunk.length;
      const head = n < 126 ? Buffer.from([0x82, n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
      if (n >= 126 && n < 65536) {
        head[0] = 0x82;
        head[1] = 126;
        head.writeUInt16BE(n, 2);
      } else if (n >= 65536) {
        head[0] = 0x82;
        head[1] = 127;
        head.writeBigUInt64BE(BigInt(n), 2);
      }
      socket.write(head);
      if (!socket.write(chunk)) await new Promise((ok) => socket.once('drain', ok));
    }
  } catch {
    // the client went away
  }
  socket.destroy();
}

/**
 * /test/slow.ts?kbps=N: the sample at N kilobits per second (1 kbit = 1000 bits), in 50 ms slices, with a
 * Content-Length (a slow progressive download, not a live stream).
 * @param {import('node:http').ServerResponse} res
 * @param {URLSearchParams} q
 * @param {string} clipPath
 */
async function serveSlow(res, q, clipPath) {
  const kbps = numParam(q, 'kbps') ?? 1000;
  if (!(kbps > 0) || !Number.isFinite(kbps)) return send(res, 400, 'kbps must be a positive number\n');
  let data;
  try {
    data = await readFile(clipPath);
  } catch {
    return send(res, 404, `not found: ${clipPath}\n`);
  }
  res.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': data.length, 'Cache-Control': 'no-store' });
  if (res.req.method === 'HEAD') return res.end();
  paced(res, data, kbps);
}

const NOT_MEDIA_HTML =
  '<!doctype html><html><head><title>Not media</title></head><body><p>This is an HTML page served as ' +
  'video/mp2t, to test that the player reports a format error instead of hanging.</p></body></html>\n';

/**
 * @typedef {object} ServerOptions
 * @property {number} [port=8080]   0 picks a free port
 * @property {string} [root]        static root (default <repo>/dist)
 * @property {string} [host='127.0.0.1']  a loopback address only (127.0.0.0/8, ::1, localhost): anything else throws
 * @property {string} [mediaDir]    default <repo>/demo/media
 * @property {string} [fixturesDir] default <repo>/test/fixtures
 * @property {string} [corpusDir]   default $WEIR_CORPUS (the /corpus/ mount is off when unset)
 * @property {string} [liveClip]    clip for /live.ts, /test/truncated.ts, /test/slow.ts (default <mediaDir>/sample.ts)
 * @property {string} [liveWebmClip] clip for /live.webm (default <fixturesDir>/webm-vp9-opus.webm)
 */

/**
 * Starts the server. Resolves once it is listening.
 * @param {ServerOptions} [options]
 * @returns {Promise<{ url: string, port: number, server: import('node:http').Server, close: () => Promise<void> }>}
 */
export async function startServer(options = {}) {
  const {
    port = 8080,
    host = '127.0.0.1',
    root = join(REPO, 'dist'),
    mediaDir = join(REPO, 'demo/media'),
    fixturesDir = join(REPO, 'test/fixtures'),
    corpusDir = process.env.WEIR_CORPUS || undefined,
  } = options;
  // The server hands out any file under its roots and the corpus, and test routes that misbehave on purpose: it is a
  // tool for this machine, never a service. A non-loopback host is refused rather than trusted to the caller.
  if (!isLoopback(host)) throw new Error(`serve.js binds to loopback addresses only, not ${JSON.stringify(host)}`);
  const liveClip = options.liveClip ?? join(mediaDir, 'sample.ts');
  const liveWebmClip = options.liveWebmClip ?? join(fixturesDir, 'webm-vp9-opus.webm');
  /** @type {[string, string][]} URL prefix -> directory, checked in order; '/' (static root) last */
  const mounts = [
    ['/media/', resolve(mediaDir)],
    ['/fixtures/', resolve(fixturesDir)],
  ];
  if (corpusDir) mounts.push(['/corpus/', resolve(corpusDir)]);
  mounts.push(['/', resolve(root)]);

  const server = createServer({ noDelay: true }, (req, res) => {
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, 500, `internal error: ${e?.message}\n`);
      else res.destroy();
    });
  });

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q >= 0 ? raw.slice(0, q) : raw;
    const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    if (!rawPath.startsWith('/')) return send(res, 400, 'bad request\n');

    switch (rawPath) {
      case '/live.ts': {
        const clip = query.get('clip');
        if (clip === null) return serveLive(req, res, query, liveClip);
        if (!/^[\w-]{1,64}$/.test(clip)) return send(res, 400, 'clip must name a fixture (letters, digits, _ or -)\n');
        return serveLive(req, res, query, join(resolve(fixturesDir), `${clip}.ts`));
      }
      case '/live.webm':
        return serveLiveWebm(req, res, query, liveWebmClip);
      case '/test/looped.webm': {
        // A long WebM file without Cues or Duration (live-style: unknown-size Clusters) made by looping the live WebM
        // clip `loops` times (default 20: about 60 s), served as a file: Content-Length, ranges, ?kbps= pacing.
        const loops = numParam(query, 'loops') ?? 20;
        const kbps = numParam(query, 'kbps');
        if (!(loops >= 1 && loops <= 1000) || (kbps !== undefined && !(kbps > 0)))
          return send(res, 400, 'bad loops or kbps\n');
        return serveBuffer(req, res, await loopedWebm(liveWebmClip, loops), 'video/webm', kbps);
      }
      case '/test/404':
        return send(res, 404, 'not found (on purpose)\n');
      case '/test/not-media':
        // Lies about its type on purpose.
        return send(res, 200, NOT_MEDIA_HTML, { 'Content-Type': 'video/mp2t' });
      case '/test/truncated.ts': {
        // Whole packets covering the first 100,000 bytes rounded down to a packet boundary (531 packets =
        // 99,828 bytes), then 77 bytes of the next packet: the stream ends mid-packet with 77 bytes left over.
        let data;
        try {
          data = await readFile(liveClip);
        } catch {
          return send(res, 404, `not found: ${liveClip}\n`);
        }
        const whole = Math.floor(100_000 / 188) * 188;
        const body = data.subarray(0, Math.min(data.length, whole + 77));
        res.writeHead(200, {
          'Content-Type': 'video/mp2t',
          'Content-Length': body.length,
          'Cache-Control': 'no-store',
        });
        return res.end(req.method === 'HEAD' ? undefined : body);
      }
      case '/test/slow.ts':
        return serveSlow(res, query, liveClip);
      case '/test/sent':
        return serveSendLog(res, query);
    }

    for (const [prefix, dir] of mounts) {
      if (!rawPath.startsWith(prefix)) continue;
      let rest = rawPath.slice(prefix.length);
      if (prefix === '/' && (rest === '' || rest.endsWith('/'))) rest += 'index.html';
      const file = safeJoin(dir, rest);
      if (file === 400) return send(res, 400, 'bad request\n');
      if (file === 403) return send(res, 403, 'forbidden\n');
      const kbps = numParam(query, 'kbps');
      if (kbps !== undefined && !(kbps > 0 && Number.isFinite(kbps))) return send(res, 400, 'kbps must be > 0\n');
      return serveFile(req, res, file, dir, kbps);
    }
    return send(res, 404, 'not found\n');
  }

  // The same live streams over WebSocket (RFC 6455), one binary message per chunk: ws://host/live.ts, /live.webm.
  server.on('upgrade', (req, socket) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    const key = req.headers['sec-websocket-key'];
    const clip = path === '/live.ts' ? liveClip : path === '/live.webm' ? liveWebmClip : undefined;
    if (!clip || typeof key !== 'string' || req.headers.upgrade?.toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    void serveWebSocket(socket, key, path === '/live.webm', clip, query);
  });

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok(undefined);
    });
  });
  const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
  const url = `http://${host}:${addr.port}/`;
  return {
    url,
    port: addr.port,
    server,
    close: () =>
      new Promise((ok) => {
        server.close(() => ok(undefined));
        // Live and slow responses never end by themselves; without this, close() would wait forever.
        server.closeAllConnections();
      }),
  };
}

/** Whether `host` names this machine only. @param {string} host */
export function isLoopback(host) {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{port: number, root?: string, open: boolean, liveClip?: string, liveWebmClip?: string}} */
  const a = { port: 8080, open: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      a.port = Number(value());
      if (!Number.isInteger(a.port) || a.port < 0 || a.port > 65535) throw new Error(`bad --port: ${a.port}`);
    } else if (flag === '--root') a.root = resolve(value());
    else if (flag === '--live-clip') a.liveClip = resolve(value());
    else if (flag === '--live-webm-clip') a.liveWebmClip = resolve(value());
    else if (flag === '--open')
      a.open = true; // the URL is printed either way; no browser is launched
    else if (flag === '--help' || flag === '-h') {
      process.stdout.write(
        'usage: node scripts/serve.js [--port N] [--root DIR] [--open] [--live-clip FILE] [--live-webm-clip FILE]\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument: ${arg}`);
  }
  return a;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const args = parseArgs(process.argv.slice(2));
    const { url, close } = await startServer({
      port: args.port,
      root: args.root,
      liveClip: args.liveClip,
      liveWebmClip: args.liveWebmClip,
    });
    process.stdout.write(`weir demo: ${url}\n`); // exactly one line on stdout; scripts wait for it
    const stop = () => close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (e) {
    process.stderr.write(`serve: ${/** @type {Error} */ (e).message}\n`);
    process.exit(1);
  }
}
