/**
 * A playback session in the worker: loader → engine → append queues → MediaSource, plus the few
 * decisions that belong next to the buffer (back-buffer eviction, the start-gap jump) and stats.
 * The main thread only reports element state (ticks) and applies what it is told.
 */

import { Engine, type EngineEvent, ErrorCodes, type TrackInfo, WeirError } from '../engine/index.js';
import { AppendQueue } from './append-queue.js';
import {
  BufferController,
  type ElementState,
  gapJumpTarget,
  intersect,
  limitSourceBuffer,
  quotaWarning,
} from './buffer-controller.js';
import { ArrivalLog, LatencyController, LatencySamples } from './latency.js';
import { type LoaderResult, openStream, PushLoader, slices } from './loader.js';
import type { FromWorker, LoadOptions, TestFault, ToWorker, WorkerStats } from './protocol.js';

type Post = (message: FromWorker, transfer?: Transferable[]) => void;

/** Fallback mode: bytes posted to the main thread and not yet appended there before loading pauses. */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;
/** Bytes of fragments kept per audio track for switching (about 17 minutes of 128 kbit/s audio). */
const AUDIO_STORE_BYTES = 16 * 1024 * 1024;
/** A switch replaces what is buffered from this far past the playhead (what is closer plays out). */
const SWITCH_MARGIN = 0.5;
/** Network reads are pushed to the engine in pieces of at most this size, so loading can pause between them. */
const SLICE_BYTES = 256 * 1024;
/** The id of the one track of a WebM passthrough stream (the original bytes, one SourceBuffer). */
const PASSTHROUGH_TRACK = 1;
/** Pushed streams: the page hears how many pushed bytes were taken at most this often (ms). */
const PUSH_REPORT_MS = 20;

interface AudioStore {
  mimeType: string;
  init: Uint8Array | undefined;
  fragments: { start: number; end: number; data: Uint8Array; offset: number | undefined }[];
  bytes: number;
}

export class Session {
  private readonly post: Post;
  private readonly abort = new AbortController();
  private mediaSource: MediaSource | undefined;
  private readonly queues = new Map<number, AppendQueue>();
  private readonly mimeTypes = new Map<number, string>();
  private engine: Engine | undefined;
  private stopped = false;
  private options: LoadOptions | undefined;
  private readonly stats: WorkerStats = {
    bytesLoaded: 0,
    fragments: 0,
    bytesAppended: 0,
    warnings: 0,
    repairs: {},
    parseMsPerMB: 0,
    mseInWorker: false,
    wasmMemoryBytes: 0,
    live: false,
    reconnects: 0,
    appendLatencyMs: 0,
    forwardPauses: 0,
    rangeSeeks: 0,
    probeBytes: 0,
    latency: Number.NaN,
    latencyP50: Number.NaN,
    latencyP95: Number.NaN,
    quotaEvictions: 0,
    gapJumps: 0,
    appends: 0,
    appendsPending: 0,
    timeOrigin: Number.NaN,
    pushQueuedBytes: 0,
  };
  private latency: LatencyController | undefined;
  /** Live: when each fragment of the presented track arrived, and the latency samples of the stats (latency.ts). */
  private arrivals: ArrivalLog | undefined;
  private arrivalTrack: number | undefined;
  private arrivalShift = false;
  private readonly latencySamples = new LatencySamples();
  private parseMs = 0;
  /** The first sign that the input was cut short (reported as an error once everything is appended). */
  private truncation: WeirError | undefined;
  private startJumped = false;
  /** Where the last gap jump went: a hole is jumped once (the seek takes a tick or two to show). */
  private lastGapTarget = Number.NEGATIVE_INFINITY;
  /**
   * Audio tracks: one SourceBuffer (keyed by `audioSink`, the id of the audio track heard first) plays
   * the selected track. With several, each track's init segment and recent fragments are kept here
   * (copies, bounded by AUDIO_STORE_BYTES and the back buffer), so a switch plays the new track from
   * the playhead at once, files included (their fragments were parsed long before they play).
   */
  private audioSink: number | undefined;
  private audioSelected: number | undefined;
  private readonly audioStore = new Map<number, AudioStore>();
  private lastCurrentTime = 0;
  /** The element's playhead as last reported, for the BufferControllers; undefined before that and after a seek. */
  private playhead: number | undefined;
  /** Fallback mode: bytes posted to the main thread but not yet appended there. */
  private inFlight = 0;
  private inFlightWaiters: (() => void)[] = [];
  /** WebM passthrough (see decidePassthrough): undefined until decided. */
  private passthrough: boolean | undefined;
  /** Chunks pushed before the passthrough decision, appended as they are if it goes that way. */
  private held: Uint8Array[] = [];
  /** The URL loaded, and the controller of its current request (a seek replaces the request). */
  private url = '';
  private request: AbortController | undefined;
  /** A seek waiting for the load loop: the absolute byte position to fetch from (a cue's Cluster). */
  private seekOffset: number | undefined;
  /** Seek points of a WebM/Matroska file (from its Cues), once fetched; null: it has none. */
  private cues: { time: number; offset: number }[] | null | undefined;
  /** Absolute input position of the next byte the engine gets (to tell whether a seek target is loaded already). */
  private position = 0;
  /** The element's buffered ranges as the last tick reported them, and loads waiting for the next tick. */
  private lastBuffered: [number, number][] = [];
  private tickWaiters: (() => void)[] = [];
  /** engine.seek() succeeded for seekOffset; the next request starts there. */
  private seeking = false;
  /** With seekOffset inside a Cluster (a WebM without Cues): that Cluster's Timestamp; -1 otherwise. */
  private seekCluster = -1;
  /** Files: the size (the first response's Content-Length), and the output timeline's origin (90 kHz source clock). */
  private fileSize: number | undefined;
  private origin: number | undefined;
  /** A stream pushed by the application (Player.open) instead of a URL, and its report of bytes taken. */
  private pushed: PushLoader | undefined;
  private pushReport: ReturnType<typeof setTimeout> | undefined;
  /** When the input chunk being pushed to the engine arrived (performance.now()); the latency of its frames starts there. */
  private chunkArrivedAt: number | undefined;
  /** Testing aid (TestFault `corrupt-video`): video fragments from now on reach the SourceBuffer with their samples overwritten. */
  private corruptVideo = false;

  constructor(post: Post) {
    this.post = post;
  }

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'load':
        this.load(message.url, message.options).catch((e) => this.fail(e));
        break;
      case 'open': {
        // Created at once: the pushes that follow this message arrive while the MediaSource and engine get ready.
        const pushed = new PushLoader(() => this.reportConsumed(), SLICE_BYTES);
        this.pushed = pushed;
        this.load(pushed, message.options, message.live).catch((e) => this.fail(e));
        break;
      }
      case 'push':
        if (!this.stopped) this.pushed?.push(message.data, message.at);
        break;
      case 'push-end':
        this.pushed?.end();
        break;
      case 'tick':
        this.tick(message);
        break;
      case 'appended':
        this.inFlight -= message.bytes;
        if (this.inFlight <= MAX_QUEUED_BYTES) for (const w of this.inFlightWaiters.splice(0)) w();
        break;
      case 'select-audio':
        this.selectAudio(message.id);
        break;
      case 'seek':
        this.playhead = undefined; // it moved: nothing is evicted before the next report
        void this.seek(message.time).catch((e) => this.fail(e));
        break;
      case 'fallback-error':
        this.post({ type: 'error', error: message.error });
        this.stop();
        break;
      case 'stop':
        this.stop();
        break;
      case 'test-fault':
        // Only a page that asked for it (Player option testFaults) can inject a fault: never media, never normal use.
        if (this.options?.testFaults === true) this.injectFault(message.fault, message.ms ?? 0);
        break;
    }
  }

  /**
   * A failure nothing else caught (a promise rejected with no handler in the worker): reported as the worker's fatal
   * WORKER_ERROR, and the stream stops, rather than left for the console while the page waits for media forever.
   */
  crashed(e: unknown): void {
    this.fail(
      new WeirError(ErrorCodes.WORKER_ERROR, `worker failure: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      }),
    );
  }

  /** Testing aid: see TestFault in protocol.ts. */
  private injectFault(fault: TestFault, ms: number): void {
    switch (fault) {
      case 'throw':
        throw new Error('injected fault: an uncaught exception in the worker');
      case 'reject':
        void Promise.reject(new Error('injected fault: a promise rejected in the worker with no handler'));
        break;
      case 'exit':
        (globalThis as unknown as { close(): void }).close();
        break;
      case 'trap': {
        // The core's whole linear memory (stack, heap, its own tables) becomes 0xFF: its next call reads a pointer out
        // of bounds and traps, as a bug in the core would.
        const core = (this.engine as unknown as { core?: { memory: WebAssembly.Memory } } | undefined)?.core;
        if (core) new Uint8Array(core.memory.buffer).fill(0xff);
        break;
      }
      case 'busy': {
        const until = performance.now() + ms;
        while (performance.now() < until) {
          // a worker that is alive but does not answer
        }
        break;
      }
      case 'corrupt-append': {
        const video = [...this.queues.keys()].find((id) => this.mimeTypes.get(id)?.startsWith('video/'));
        // A Movie Fragment box with nothing in it: no mfhd, no traf (ISO/IEC 14496-12 §8.8.4 requires both).
        const emptyMoof = new Uint8Array([0, 0, 0, 8, 0x6d, 0x6f, 0x6f, 0x66]);
        if (video !== undefined) this.queues.get(video)?.append(emptyMoof);
        break;
      }
      case 'corrupt-video':
        this.corruptVideo = true;
        break;
    }
  }

  /**
   * Testing aid (TestFault `corrupt-video`): a copy of an fMP4 fragment with its mdat payload overwritten, all but the
   * first sample. A fragment starts at each keyframe and Chromium's MSE parser checks a sync sample is a keyframe (an
   * overwritten one fails the append: a SourceBuffer error, not a decode error); the frames after it reach the decoder.
   */
  private corrupted(data: Uint8Array): Uint8Array {
    const copy = data.slice();
    const view = new DataView(copy.buffer);
    let firstSize = 0;
    for (let at = 0; at + 8 <= copy.byteLength; ) {
      const size = view.getUint32(at);
      const type = view.getUint32(at + 4);
      if (size < 8) break;
      if (type === 0x6d6f6f66 /* moof */ || type === 0x74726166 /* traf */) {
        at += 8; // into the container
        continue;
      }
      if (type === 0x7472756e /* trun */ && firstSize === 0) {
        const flags = view.getUint32(at + 8) & 0xffffff;
        let p = at + 16 + (flags & 0x1 ? 4 : 0) + (flags & 0x4 ? 4 : 0); // sample_count, data_offset, first flags
        if (flags & 0x100) p += 4; // first sample's duration
        if (flags & 0x200) firstSize = view.getUint32(p);
      }
      if (type === 0x6d646174 /* mdat */) {
        copy.fill(0xff, Math.min(at + 8 + firstSize, at + size), Math.min(at + size, copy.byteLength));
        break;
      }
      at += size;
    }
    return copy;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.pushReport);
    this.abort.abort();
    for (const w of this.inFlightWaiters.splice(0)) w();
    for (const w of this.tickWaiters.splice(0)) w();
  }

  /**
   * Plays `source`: a URL, fetched (or a WebSocket opened) here, or bytes the application pushes (`live`: whether that
   * stream is live; a URL tells by its response).
   */
  private async load(source: string | PushLoader, options: LoadOptions, live = false): Promise<void> {
    this.options = options;
    const inWorker =
      !options.forceMainThreadMse &&
      typeof MediaSource !== 'undefined' &&
      (MediaSource as unknown as { canConstructInDedicatedWorker?: boolean }).canConstructInDedicatedWorker === true;
    this.stats.mseInWorker = inWorker;
    // MP3 in MP4 where this MediaSource takes it, else raw frames for an audio/mpeg SourceBuffer (Chromium
    // takes only the latter; DESIGN.md §3). Without a MediaSource here (fallback), MP4.
    const mp4Mp3 = typeof MediaSource === 'undefined' || MediaSource.isTypeSupported('audio/mp4; codecs="mp4a.6B"');
    const rawMp3 = !mp4Mp3 && MediaSource.isTypeSupported('audio/mpeg');
    const enginePromise = Engine.create({
      output: 'per-track',
      mpegAudio: rawMp3 ? 'raw' : 'mp4',
      fragmentDuration: options.fragmentDuration,
      ...(options.wasmUrl ? { wasm: options.wasmUrl } : {}),
    });
    if (inWorker) {
      const ms = new MediaSource();
      this.mediaSource = ms;
      const opened = new Promise<void>((resolve) => ms.addEventListener('sourceopen', () => resolve(), { once: true }));
      ms.addEventListener('sourceclose', () => {
        if (!this.stopped)
          this.fail(new WeirError(ErrorCodes.MEDIA_SOURCE_ERROR, 'the MediaSource closed unexpectedly'));
      });
      // The handle is transferred exactly once (it cannot be cloned or sent again).
      const handle = (ms as unknown as { handle: MediaSourceHandle }).handle;
      this.post({ type: 'attach-handle', handle }, [handle as unknown as Transferable]);
      // The page attaches the handle at once; if it never does (the element is gone), say so.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new WeirError(
                ErrorCodes.MEDIA_SOURCE_ERROR,
                'the MediaSource was not attached to a media element within 10 s',
              ),
            ),
          10_000,
        );
      });
      try {
        await Promise.race([opened, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } else {
      this.post({ type: 'attach-fallback' });
    }
    this.engine = await enginePromise;
    const url = typeof source === 'string' ? source : '';
    this.url = url;
    let stream = typeof source === 'string' ? await openStream(url, this.newRequest()) : source.open(this.newRequest());
    // A response without a length is an endless live stream: its latency is kept near the target, and
    // a connection that ends, fails or stalls is opened again (capped exponential backoff, no limit:
    // the server may come back at any time). A file's connection failing is an error. A pushed stream is live if the
    // application says so, and its end is the end (the application owns the connection).
    this.stats.live = typeof source === 'string' ? stream.length === undefined : live;
    this.fileSize = stream.length;
    if (this.stats.live) this.latency = new LatencyController(options.live);
    for (let attempt = 0; ; ) {
      let lost: unknown;
      try {
        for await (const chunk of slices(stream.chunks, SLICE_BYTES)) {
          if (this.stopped) return;
          if (this.seekOffset !== undefined && this.engine.seek(this.seekOffset, this.seekCluster)) {
            this.seeking = true; // the engine waits for the bytes at seekOffset: fetch from there
            break;
          }
          attempt = 0;
          this.chunkArrivedAt = this.pushed?.arrivedAt;
          this.stats.bytesLoaded += chunk.byteLength;
          this.position += chunk.byteLength;
          if (this.passthrough) {
            this.append(PASSTHROUGH_TRACK, chunk);
            await this.backpressure();
            continue;
          }
          if (this.passthrough === undefined) this.held.push(chunk);
          const t0 = performance.now();
          const events = this.engine.push(chunk);
          this.parseMs += performance.now() - t0;
          if (this.passthrough === undefined && this.decidePassthrough()) {
            await this.backpressure();
            continue;
          }
          if (!this.consume(events)) return;
          await this.backpressure();
        }
      } catch (e) {
        if (this.seekOffset === undefined && (!this.stats.live || this.stopped)) throw e;
        lost = e;
      }
      if (this.stopped) return;
      if (this.seekOffset !== undefined && (this.seeking || this.engine.seek(this.seekOffset, this.seekCluster))) {
        // A seek (engine.seek succeeded just now, or broke the loop above): the file again from the cue's Cluster.
        const offset = this.seekOffset;
        this.seekOffset = undefined;
        this.seekCluster = -1;
        this.seeking = false;
        this.position = offset;
        this.stats.rangeSeeks++;
        stream = await openStream(url, this.newRequest(), 5000, offset);
        continue;
      }
      if (!this.stats.live || this.pushed) break;
      const next = await this.reconnect(url, ++attempt, lost);
      if (!next) return;
      stream = next;
    }
    if (this.stopped) return;
    if (this.passthrough) {
      await this.finish();
      return;
    }
    const t0 = performance.now();
    const events = this.engine.flush();
    this.parseMs += performance.now() - t0;
    if (!this.consume(events, true)) return;
    await this.finish();
  }

  /** A new request controller (the previous request, if any, is cancelled), tied to the session's. */
  private newRequest(): AbortSignal {
    this.request?.abort();
    const controller = new AbortController();
    this.abort.signal.addEventListener('abort', () => controller.abort(), { once: true });
    this.request = controller;
    return controller.signal;
  }

  /**
   * A seek to `time` (element seconds). Nothing to do where the element has it buffered, in a live stream, or in
   * MPEG-TS (seeking by bisection over range requests is not built yet: the file loads in order and the seek
   * completes when it arrives). In a WebM/Matroska file the Cues (fetched once, by a range request, from where the
   * SeekHead says) give the Cluster of the keyframe at or before `time`; when that is not where loading is now, the
   * current request is cancelled and the file is fetched again from there.
   */
  private async seek(time: number): Promise<void> {
    const engine = this.engine;
    // The element moves once the MediaSource's duration reaches the target (a seek past it would be clamped to it):
    // an MPEG-TS file says no duration, and what is appended so far may end before the target.
    await this.extendDuration(time);
    if (this.stopped) return;
    this.post({ type: 'seek', time });
    // A pushed stream cannot be fetched again from elsewhere: the seek completes if the bytes get there.
    if (!engine || this.stats.live || this.passthrough || this.pushed) return;
    if (this.isBuffered(time)) return;
    if (engine.container() === 'mpegts') {
      const offset = await this.findTsKeyframe(engine, time);
      if (offset === undefined || this.stopped) return;
      // Already there: the keyframe's bytes are loading now (within the next 2 MiB).
      if (this.position >= offset && this.position - offset < 2 << 20) return;
      this.seekOffset = offset;
      this.seekCluster = -1;
      for (const w of this.tickWaiters.splice(0)) w(); // a load paused by the forward buffer goes on now
      if (engine.seek(offset)) {
        this.seeking = true;
        this.request?.abort();
      }
      return;
    }
    if (engine.container() !== 'matroska') return;
    if (this.cues === undefined) this.cues = await this.fetchCues(engine);
    if (this.stopped) return;
    if (!this.cues || this.cues.length === 0) {
      // No Cues: the keyframe at or before `time`, found by scanning windows of the file (range requests).
      const key = await this.findMkvKeyframe(engine, time);
      if (key === undefined || this.stopped) return;
      if (this.position >= key.offset && this.position - key.offset < 2 << 20) return;
      this.seekOffset = key.offset;
      this.seekCluster = key.clusterTimestamp;
      for (const w of this.tickWaiters.splice(0)) w();
      if (engine.seek(key.offset, key.clusterTimestamp)) {
        this.seeking = true;
        this.request?.abort();
      }
      return;
    }
    // Element time = Matroska time − the output's origin (a few ms at most: Opus priming): the cue at or before.
    let cue = this.cues[0]!;
    for (const c of this.cues) if (c.time <= time + 0.05) cue = c;
    // Already there: the bytes before the next cue are loading now.
    const next = this.cues.find((c) => c.offset > cue.offset);
    if (this.position >= cue.offset && (next === undefined || this.position < next.offset)) return;
    this.seekOffset = cue.offset;
    this.seekCluster = -1;
    for (const w of this.tickWaiters.splice(0)) w();
    // The load loop takes it at its next chunk; a request waiting for bytes is cancelled so that it does at once
    // (once the stream's output started: until then, the loop is taking bytes anyway).
    if (engine.seek(cue.offset)) {
      this.seeking = true;
      this.request?.abort();
    }
  }

  /**
   * MPEG-TS: the byte offset of the video keyframe at or before `time` (element seconds), found with range requests:
   * a bisection over the file by the decode time of the first video PES of a small window (mpegts/probe.ts), then
   * windows backwards from there until one holds a random access point at or before the target. Undefined when the
   * file's size, its timeline's origin or a keyframe cannot be had (the seek then waits for the file to load there).
   */
  private async findTsKeyframe(engine: Engine, time: number): Promise<number | undefined> {
    const origin = this.origin ?? engine.timeOrigin();
    const size = this.fileSize;
    if (origin === undefined || size === undefined) return undefined;
    this.origin = origin;
    const WRAP = 2 ** 33;
    const target = (((origin + Math.round(time * 90000)) % WRAP) + WRAP) % WRAP;
    const before = (t: number) => (((target - t) % WRAP) + WRAP) % WRAP < WRAP / 2;
    const SMALL = 64 << 10;
    const LARGE = 4 << 20;
    let lo = 0;
    let hi = size;
    for (let i = 0; i < 40 && hi - lo > SMALL; i++) {
      const mid = Math.floor((lo + hi) / 2);
      const r = engine.probeTs(await this.fetchRange(mid, SMALL), target);
      if (r === undefined || this.stopped) return undefined;
      if (r.first === undefined || before(r.first.time)) lo = mid;
      else hi = mid;
    }
    // The last random access point at or before the target: in the window ending just past `lo`, or in larger ones
    // reaching further back (a GOP is tens of kB at low bitrates, megabytes at high ones).
    for (let span = 4 * SMALL, k = 0; k < 8; k++, span = Math.min(2 * span, LARGE)) {
      const end = Math.min(size, lo + SMALL);
      const from = Math.max(0, end - span);
      const r = engine.probeTs(await this.fetchRange(from, end - from), target);
      if (r === undefined || this.stopped) return undefined;
      if (r.key) return from + r.key.offset;
      if (from === 0) break;
    }
    return undefined;
  }

  /**
   * WebM/Matroska without Cues: the video keyframe at or before `time` (element seconds), by a bisection over the
   * file on the Timestamp of the first Cluster in each window, then windows backwards from there until one holds
   * a keyframe at or before the target (matroska/demux.ts probeMatroska). Undefined when it cannot be found.
   */
  private async findMkvKeyframe(
    engine: Engine,
    time: number,
  ): Promise<{ offset: number; clusterTimestamp: number } | undefined> {
    const origin = this.origin ?? engine.timeOrigin();
    const size = this.fileSize;
    const scale = engine.timestampScale();
    if (origin === undefined || size === undefined || !(scale > 0)) return undefined;
    this.origin = origin;
    // Element time → Matroska ticks: the output origin is on the 90 kHz clock.
    const target = Math.floor(((origin + time * 90000) * 1e9) / 90000 / scale);
    // Windows of 1/64 of the file, 64 to 512 KiB: each should hold a Cluster start (a Cluster is a GOP or a second).
    const WINDOW = Math.min(512 << 10, Math.max(64 << 10, Math.floor(size / 64)));
    let lo = 0;
    let hi = size;
    for (let i = 0; i < 40 && hi - lo > WINDOW; i++) {
      const mid = Math.floor((lo + hi) / 2);
      const r = engine.probeMkv(await this.fetchRange(mid, WINDOW), target);
      if (r === undefined || this.stopped) return undefined;
      if (r.firstCluster === undefined || r.firstCluster <= target) lo = mid;
      else hi = mid;
    }
    for (let span = WINDOW, k = 0; k < 6; k++, span *= 2) {
      const end = Math.min(size, lo + WINDOW);
      const from = Math.max(0, end - span);
      const r = engine.probeMkv(await this.fetchRange(from, end - from), target);
      if (r === undefined || this.stopped) return undefined;
      if (r.key) return { offset: from + r.key.offset, clusterTimestamp: r.key.clusterTimestamp };
      if (from === 0) break;
    }
    return undefined;
  }

  /** Bytes [from, from + length) of the file (a range request; fewer at its end). */
  private async fetchRange(from: number, length: number): Promise<Uint8Array> {
    const controller = new AbortController();
    this.abort.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const parts: Uint8Array[] = [];
    let bytes = 0;
    try {
      const stream = await openStream(this.url, controller.signal, 5000, from, length);
      for await (const chunk of stream.chunks) {
        parts.push(chunk);
        bytes += chunk.byteLength;
        if (bytes >= length) break;
      }
    } finally {
      controller.abort();
    }
    const all = new Uint8Array(Math.min(bytes, length));
    let o = 0;
    for (const p of parts) {
      const n = Math.min(p.byteLength, all.byteLength - o);
      all.set(p.subarray(0, n), o);
      o += n;
      if (o >= all.byteLength) break;
    }
    this.stats.probeBytes += all.byteLength;
    return all;
  }

  /** Makes the MediaSource's duration (MSE in the worker) reach past `time`, once no SourceBuffer is updating. */
  private async extendDuration(time: number): Promise<void> {
    const ms = this.mediaSource;
    if (!ms) return;
    for (let i = 0; i < 100; i++) {
      if (this.stopped || ms.readyState !== 'open') return;
      // +Infinity is what Chromium makes of a fragmented MP4 without a duration: the seekable range is then only
      // what is buffered, so a file's seek past it needs a finite duration too.
      if (Number.isFinite(ms.duration) && ms.duration >= time + 0.5) return;
      if ([...this.queues.values()].every((q) => !q.sourceBuffer.updating)) {
        ms.duration = time + 0.5; // the appends that follow extend it further; endOfStream sets the real end
        return;
      }
      await Promise.all([...this.queues.values()].map((q) => q.drained()));
    }
  }

  private isBuffered(time: number): boolean {
    if (this.queues.size === 0) return false;
    for (const q of this.queues.values()) {
      const b = q.sourceBuffer.buffered;
      let inside = false;
      for (let i = 0; i < b.length; i++) if (b.start(i) <= time && time < b.end(i)) inside = true;
      if (!inside) return false;
    }
    return true;
  }

  /** The file's Cues, by a range request from where its SeekHead says (null: none, or they do not parse). */
  private async fetchCues(engine: Engine): Promise<{ time: number; offset: number }[] | null> {
    const at = engine.cuesPosition();
    if (at === undefined) return null;
    const controller = new AbortController();
    this.abort.signal.addEventListener('abort', () => controller.abort(), { once: true });
    const parts: Uint8Array[] = [];
    let bytes = 0;
    try {
      const stream = await openStream(this.url, controller.signal, 5000, at);
      for await (const chunk of stream.chunks) {
        parts.push(chunk);
        bytes += chunk.byteLength;
        if (bytes >= 1 << 20) break; // Cues of hours of video fit in far less
      }
    } catch (e) {
      if (this.stopped) return null;
      const warning = new WeirError(ErrorCodes.NETWORK_ERROR, `could not fetch the file's index (Cues): ${String(e)}`, {
        severity: 'recoverable',
      });
      this.post({ type: 'warning', error: warning.toJSON() });
      return null;
    } finally {
      controller.abort();
    }
    const all = new Uint8Array(bytes);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.byteLength;
    }
    const points = engine.parseCues(all);
    return points.length > 0 ? points : null;
  }

  /**
   * WebM passthrough (DESIGN.md §3): a WebM stream with a codec that has no MP4 form browsers take (VP8, Vorbis) is
   * appended as it is to one `video/webm` (or `audio/webm`) SourceBuffer, where the browser plays WebM. Decided once
   * the engine has read the stream's Tracks; until then the chunks are kept, and then appended first. True when the
   * stream goes that way from now on (the engine is not used for it any more).
   */
  private decidePassthrough(): boolean {
    const engine = this.engine!;
    const container = engine.container();
    if (container === undefined) return false;
    const entries = container === 'matroska' ? engine.matroskaTracks() : [];
    if (container === 'matroska' && entries.length === 0) return false; // Tracks not read yet
    this.passthrough = false;
    const held = this.held;
    this.held = [];
    const media = entries.filter((e) => e.kind !== 'other');
    if (!media.some((e) => e.codec === 'vp8' || e.codec === 'vorbis')) return false;
    const names: Record<string, string> = { vp8: 'vp8', vp9: 'vp9', vorbis: 'vorbis', opus: 'opus' };
    const codecs = media.map((e) => names[e.codec]);
    const video = media.some((e) => e.kind === 'video');
    const mimeType = `${video ? 'video' : 'audio'}/webm; codecs="${codecs.join(',')}"`;
    const playable =
      codecs.every((c) => c !== undefined) &&
      (typeof MediaSource === 'undefined' || MediaSource.isTypeSupported(mimeType));
    if (!playable) return false; // the engine's output (the tracks MP4 holds) and its warnings go on as usual
    this.passthrough = true;
    const track = {
      id: PASSTHROUGH_TRACK,
      kind: video ? 'video' : 'audio',
      codec: video ? media.find((e) => e.kind === 'video')!.codec : media[0]!.codec,
      codecString: codecs.join(','),
      mimeType,
      pid: 0,
      streamType: 0,
      timescale: 1000,
      samples: 0,
      bytes: 0,
      dropped: 0,
      firstDecodeTime: 0,
      endTime: 0,
      firstPresentationTime: 0,
      lastPresentationEnd: 0,
      sourceStartTime: 0,
    } as unknown as TrackInfo;
    if (!this.setupTracks([track])) return true;
    for (const chunk of held) this.append(PASSTHROUGH_TRACK, chunk);
    return true;
  }

  /** Opens a live stream again after a wait that doubles per failed attempt (0.5 s … 8 s). */
  private async reconnect(url: string, attempt: number, cause: unknown): Promise<LoaderResult | undefined> {
    for (;;) {
      const delay = Math.min(8000, 500 * 2 ** Math.min(attempt - 1, 4));
      this.stats.reconnects++;
      const why = cause instanceof Error ? cause.message : 'the server ended the stream';
      const warning = new WeirError(
        ErrorCodes.RECONNECTING,
        `live connection lost (${why}); reconnecting in ${delay} ms`,
        {
          detail: attempt,
        },
      );
      this.post({ type: 'warning', error: warning.toJSON() });
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.stopped) return undefined;
      try {
        return await openStream(url, this.abort.signal);
      } catch (e) {
        if (this.stopped) return undefined;
        cause = e;
        attempt++;
      }
    }
  }

  /** Handles engine events; false when the stream cannot go on. */
  private consume(events: EngineEvent[], atEnd = false): boolean {
    for (const event of events) {
      switch (event.type) {
        case 'tracks':
          if (!this.setupTracks(event.tracks)) return false;
          break;
        case 'init':
          if (event.track !== null) this.route(event.track, event.data, undefined);
          break;
        case 'fragment':
          this.origin ??= this.engine?.timeOrigin();
          if (event.track !== null) this.route(event.track, event.data, event);
          this.stats.fragments++;
          if (this.latency && event.track !== null) this.recordArrival(event.track, event);
          break;
        case 'warning':
          this.stats.warnings++;
          this.stats.repairs[event.error.codeName] = (this.stats.repairs[event.error.codeName] ?? 0) + 1;
          // At the end of input an incomplete access unit means the input was cut short (mid-stream: damage).
          if (
            atEnd &&
            (event.error.code === ErrorCodes.TRUNCATED_INPUT || event.error.code === ErrorCodes.INCOMPLETE_ACCESS_UNIT)
          ) {
            this.truncation ??= event.error;
          }
          this.post({ type: 'warning', error: event.error.toJSON() });
          break;
        case 'error':
          this.fail(event.error);
          return false;
        case 'metadata':
          this.post({ type: 'metadata', event });
          break;
      }
    }
    return !this.stopped;
  }

  private setupTracks(tracks: TrackInfo[]): boolean {
    if (this.mimeTypes.size > 0) return this.updateTracks(tracks);
    const playable: TrackInfo[] = [];
    for (const track of tracks) {
      // The capability check runs here, in the worker (DESIGN.md §3), when a MediaSource exists here.
      // MPEG audio layer II shares MP3's MP4 codec string (mp4a.6B/mp4a.69), which browsers accept
      // and then decode as layer III: none of them decodes layer II, so it is refused here by name.
      const supported =
        track.codec !== 'mp2' && (typeof MediaSource === 'undefined' || MediaSource.isTypeSupported(track.mimeType));
      if (supported) {
        playable.push(track);
        continue;
      }
      const what = track.codec === 'mp2' ? 'MPEG audio layer II (mp2)' : track.mimeType;
      const error = new WeirError(ErrorCodes.UNSUPPORTED_CODEC, `this browser cannot play ${what}`, {
        track: track.id,
        severity: 'recoverable',
      });
      this.post({ type: 'warning', error: error.toJSON() });
    }
    if (playable.length === 0) {
      this.fail(
        new WeirError(
          ErrorCodes.UNSUPPORTED_CODEC,
          `this browser can play none of: ${tracks.map((t) => t.codecString).join(', ')}`,
        ),
      );
      return false;
    }
    const audio = playable.filter((t) => t.kind === 'audio');
    const wanted = this.options?.audioLanguage;
    const first = (wanted ? audio.find((t) => t.language === wanted) : undefined) ?? audio[0];
    this.audioSink = first?.id;
    this.audioSelected = first?.id;
    if (audio.length > 1) {
      for (const t of audio)
        this.audioStore.set(t.id, { mimeType: t.mimeType, init: undefined, fragments: [], bytes: 0 });
    }
    // A file whose header says its duration: the element's duration (and its seekable range) is the whole file
    // from the start, not what has been appended so far (a seek past that would be clamped to it).
    const duration = this.stats.live ? undefined : this.engine?.declaredDuration();
    if (duration !== undefined && this.mediaSource?.readyState === 'open') this.mediaSource.duration = duration;
    this.post({ type: 'tracks', tracks: playable, audio: first?.id, ...(duration === undefined ? {} : { duration }) });
    for (const track of playable) {
      this.mimeTypes.set(track.id, track.mimeType);
      // One SourceBuffer for audio, whichever track is heard (MSE plays one per type).
      if (track.kind === 'audio' && track.id !== this.audioSink) continue;
      if (this.mediaSource) {
        const sb = this.mediaSource.addSourceBuffer(track.mimeType);
        if (this.options?.quotaBytes) limitSourceBuffer(sb, this.options.quotaBytes);
        this.queues.set(
          track.id,
          new AppendQueue(
            sb,
            (e) =>
              this.fail(
                new WeirError(
                  ErrorCodes.MEDIA_SOURCE_ERROR,
                  `the ${track.kind} SourceBuffer (track ${track.id}, ${track.mimeType}) failed: ${String(e)}`,
                  { track: track.id, cause: e },
                ),
              ),
            this.bufferController(track),
          ),
        );
      }
    }
    return true;
  }

  /** What leaves a track's SourceBuffer (back buffer, quota); each append refused for the quota is a warning. */
  private bufferController(track: TrackInfo): BufferController {
    return new BufferController({
      kind: this.passthrough ? 'opaque' : track.kind === 'video' ? 'video' : 'audio',
      element: () => this.elementState(),
      backBufferSeconds: this.options?.backBufferSeconds ?? 30,
      onQuotaExceeded: (eviction) => this.post({ type: 'warning', error: quotaWarning(eviction, track.id).toJSON() }),
    });
  }

  /**
   * Tracks announced again mid-stream (new parameter sets: a resolution or profile change). The new
   * init segment follows; where the codec string changed, the SourceBuffer switches type first.
   */
  private updateTracks(tracks: TrackInfo[]): boolean {
    const known = tracks.filter((t) => this.mimeTypes.has(t.id));
    for (const track of known) {
      if (this.mimeTypes.get(track.id) === track.mimeType) continue;
      this.mimeTypes.set(track.id, track.mimeType);
      this.queues.get(track.id)?.changeType(track.mimeType);
    }
    this.post({ type: 'tracks', tracks: known, audio: this.audioSelected });
    return true;
  }

  /**
   * Sends an init segment or fragment where it goes: video to its SourceBuffer, the audio track heard
   * to the audio SourceBuffer; with several audio tracks, each one's bytes are also kept for a switch.
   */
  private route(track: number, data: Uint8Array, fragment: { start: number; end: number } | undefined): void {
    const store = this.audioStore.get(track);
    // Raw MPEG audio carries no timestamps: each fragment is placed at its start.
    const offset = fragment && this.mimeTypes.get(track) === 'audio/mpeg' ? fragment.start : undefined;
    if (store) {
      if (!fragment) store.init = data.slice();
      else {
        store.fragments.push({ start: fragment.start, end: fragment.end, data: data.slice(), offset });
        store.bytes += data.byteLength;
        this.trimAudioStore(store);
      }
    }
    if (this.audioSink !== undefined && this.audioStore.size > 0 && store) {
      if (track === this.audioSelected) this.append(this.audioSink, data, offset);
      return;
    }
    this.append(track, data, offset, fragment?.start);
  }

  /** Drops kept audio fragments behind the back buffer, and the oldest beyond the byte bound. */
  private trimAudioStore(store: AudioStore): void {
    const keepFrom = this.lastCurrentTime - (this.options?.backBufferSeconds ?? 30);
    while (store.fragments.length > 1 && (store.bytes > AUDIO_STORE_BYTES || store.fragments[0]!.end < keepFrom)) {
      store.bytes -= store.fragments.shift()!.data.byteLength;
    }
  }

  /**
   * Switches the audio heard to another track: what is buffered from just past the playhead is
   * replaced by the new track's fragments (kept since they were parsed), behind its init segment,
   * with a SourceBuffer type change when the codec differs.
   */
  private selectAudio(id: number): void {
    const store = this.audioStore.get(id);
    const sink = this.audioSink;
    const raw = store?.mimeType === 'audio/mpeg';
    if (!store || sink === undefined || id === this.audioSelected || (!store.init && !raw)) {
      if (!store && id !== this.audioSelected) {
        const error = new WeirError(ErrorCodes.INVALID_OPTION, `no audio track with id ${id} to select`, {
          severity: 'recoverable',
        });
        this.post({ type: 'warning', error: error.toJSON() });
      }
      return;
    }
    const from = this.lastCurrentTime + SWITCH_MARGIN;
    const typeChanged = this.mimeTypes.get(sink) !== store.mimeType;
    this.audioSelected = id;
    if (this.mediaSource) {
      const q = this.queues.get(sink);
      if (!q) return;
      q.remove(from, Number.POSITIVE_INFINITY);
      if (typeChanged) q.changeType(store.mimeType);
    } else {
      this.post({ type: 'audio-switch', sink, mimeType: store.mimeType, removeFrom: from });
    }
    this.mimeTypes.set(sink, store.mimeType);
    if (store.init) this.append(sink, store.init);
    for (const f of store.fragments) if (f.end > from) this.append(sink, f.data, f.offset);
    this.post({ type: 'audio', id });
  }

  /** `start`: a fragment's decode time (seconds), for the video BufferController's cut points. */
  private append(track: number, data: Uint8Array, offset?: number, start?: number): void {
    if (!this.mimeTypes.has(track)) return; // a track the browser cannot play
    if (this.corruptVideo && start !== undefined && this.mimeTypes.get(track)?.startsWith('video/mp4')) {
      data = this.corrupted(data);
    }
    this.stats.bytesAppended += data.byteLength;
    if (this.mediaSource) {
      const q = this.queues.get(track);
      if (offset === undefined) q?.append(data, start);
      else q?.appendAt(data, offset);
      return;
    }
    // Fallback: the bytes leave the worker, so they must leave WebAssembly memory first.
    const copy = data.slice();
    this.inFlight += copy.byteLength;
    this.post(
      {
        type: 'append',
        track,
        data: copy.buffer,
        ...(offset === undefined ? {} : { offset }),
        ...(start === undefined ? {} : { start }),
      },
      [copy.buffer],
    );
  }

  /** Pauses loading while too much is waiting to be appended (files load faster than they play). */
  private async backpressure(): Promise<void> {
    if (this.mediaSource) {
      for (const q of this.queues.values()) if (!q.idle) await q.drained();
    } else if (this.inFlight > MAX_QUEUED_BYTES) {
      await new Promise<void>((resolve) => this.inFlightWaiters.push(resolve));
    }
    // A file pauses while forwardBufferSeconds of media wait ahead of the playhead (the ticks tell where it is); a
    // seek or stop ends the wait.
    const limit = this.options?.forwardBufferSeconds ?? 60;
    if (this.stats.live || this.aheadSeconds() <= limit) return;
    this.stats.forwardPauses++;
    while (!this.stopped && this.seekOffset === undefined && this.aheadSeconds() > limit) {
      await new Promise<void>((resolve) => this.tickWaiters.push(resolve));
    }
  }

  /**
   * Seconds buffered ahead of the playhead, in the track that has the least: from this worker's SourceBuffers (MSE in
   * the worker: up to date with every append), else from the element's ranges as the last tick reported them.
   */
  private aheadSeconds(): number {
    const t = this.lastCurrentTime;
    const ahead = (ranges: [number, number][]) => {
      for (const [start, end] of ranges) if (start <= t + 0.1 && t < end) return end - t;
      return 0;
    };
    if (!this.mediaSource) return ahead(this.lastBuffered);
    let least = Number.POSITIVE_INFINITY;
    for (const q of this.queues.values()) {
      const b = q.sourceBuffer.buffered;
      const ranges: [number, number][] = [];
      for (let i = 0; i < b.length; i++) ranges.push([b.start(i), b.end(i)]);
      least = Math.min(least, ahead(ranges));
    }
    return least === Number.POSITIVE_INFINITY ? 0 : least;
  }

  private async finish(): Promise<void> {
    if (this.mediaSource) {
      await Promise.all([...this.queues.values()].map((q) => q.drained()));
      if (this.stopped) return;
      if (this.mediaSource.readyState === 'open') this.mediaSource.endOfStream();
      this.post({ type: 'ended' });
    } else {
      this.post({ type: 'end-of-stream' });
    }
    this.postStats();
    if (this.truncation) {
      // The input was cut short: everything complete before the cut was appended and plays, and the
      // stream ends there. That is an error of the input, reported as one (the stream cannot go on).
      const cut = this.truncation;
      const error = new WeirError(
        cut.code,
        `${cut.message.replace(/^[A-Z0-9_]+ \(\d+\): /, '')}: the input was cut short`,
        {
          ...(cut.track === undefined ? {} : { track: cut.track }),
          ...(cut.offset === undefined ? {} : { offset: cut.offset }),
          ...(cut.detail === undefined ? {} : { detail: cut.detail }),
          severity: 'fatal',
        },
      );
      this.post({ type: 'error', error: error.toJSON() });
    }
  }

  /**
   * Live: a fragment of the track that is presented (video, else the audio heard) was written now, right after the
   * input chunk that completed it was pushed: the latency in stats runs from here (latency.ts ArrivalLog).
   */
  private recordArrival(
    track: number,
    fragment: { start: number; end: number; samples: number; early: boolean },
  ): void {
    if (this.arrivals === undefined) {
      const video = [...this.mimeTypes].find(([, mime]) => mime.startsWith('video/'))?.[0];
      this.arrivalTrack = video ?? this.audioSink;
      this.arrivals = new ArrivalLog();
    }
    if (track !== this.arrivalTrack) return;
    if (!this.arrivalShift) {
      // The reorder delay of B-frames: presentation times run this far after decode times.
      const info = this.engine?.tracks().find((t) => t.id === track);
      if (info && info.samples > 0) {
        this.arrivals.setShift(info.firstPresentationTime - info.firstDecodeTime);
        this.arrivalShift = true;
      }
    }
    this.arrivals.record(
      fragment.start,
      fragment.end,
      fragment.samples,
      this.chunkArrivedAt ?? performance.now(),
      fragment.early,
    );
  }

  /**
   * A hole in the buffered ranges (BufferController's gapJumpTarget): the playhead goes to the next range, once per
   * hole, reported as GAP_JUMPED and counted in stats.gapJumps. Before the start gap is handled, that one decides.
   */
  private jumpGap(currentTime: number, buffered: readonly (readonly [number, number])[], paused: boolean): void {
    if (paused || !this.startJumped) return;
    const target = gapJumpTarget(currentTime, buffered);
    if (target === undefined || target <= this.lastGapTarget) return;
    this.lastGapTarget = target;
    this.stats.gapJumps++;
    const gap = target - currentTime;
    const warning = new WeirError(
      ErrorCodes.GAP_JUMPED,
      `no media from ${currentTime.toFixed(3)} s to ${target.toFixed(3)} s: the playhead moved over the gap`,
      { detail: gap },
    );
    this.stats.repairs[warning.codeName] = (this.stats.repairs[warning.codeName] ?? 0) + 1;
    this.post({ type: 'warning', error: warning.toJSON() });
    this.post({ type: 'seek', time: target });
  }

  private tick(t: Extract<ToWorker, { type: 'tick' }>): void {
    this.lastBuffered = t.buffered;
    for (const w of this.tickWaiters.splice(0)) w();
    // A stopped stream's engine may be dead (a trap): it is not called again.
    if (!this.stopped) this.stats.timeOrigin = this.engine?.timeOrigin() ?? Number.NaN;
    const first = t.buffered[0];
    const last = t.buffered.at(-1);
    if (!this.startJumped && first && last) {
      this.startJumped = true;
      // Start gap: audio may begin before video (kept on purpose); the element waits at 0 until told.
      // A live stream starts at the target distance from the live edge instead.
      const start = this.latency ? Math.max(first[0], last[1] - (this.options?.live.target ?? 0)) : first[0];
      if (t.currentTime < start) this.post({ type: 'seek', time: start });
    } else if (this.latency && last) {
      const decision = this.latency.update(t.currentTime, last[1], t.paused);
      if (decision.action === 'seek') this.post({ type: 'seek', time: decision.time });
      else if (decision.action === 'rate')
        this.post({ type: 'rate', rate: decision.rate, validForMs: decision.validForMs });
      // From the arrival of the frame at the playhead to now; the distance to the live edge where that is not known
      // (no fragment written yet, or WebM passthrough).
      const arrived = this.arrivals?.arrivalOf(t.currentTime);
      const latency = arrived === undefined ? this.latency.distance : (performance.now() - arrived) / 1000;
      this.latencySamples.add(latency);
      const { p50, p95 } = this.latencySamples.percentiles();
      this.stats.latency = latency;
      this.stats.latencyP50 = p50;
      this.stats.latencyP95 = p95;
    }
    this.lastCurrentTime = t.currentTime;
    this.playhead = t.currentTime;
    // A stopped stream's SourceBuffers may be gone with their MediaSource (closed): nothing more is done to them.
    if (!this.stopped) {
      try {
        this.jumpGap(t.currentTime, t.buffered, t.paused);
        this.evict();
      } catch (e) {
        // The element let go of the MediaSource (its attachment is closing): reading a SourceBuffer's ranges throws
        // InvalidStateError until `sourceclose` arrives, which reports it (MEDIA_SOURCE_ERROR). Anything else is a bug.
        if (!(e instanceof DOMException && e.name === 'InvalidStateError')) throw e;
      }
    }
    this.postStats();
  }

  /**
   * The element as the BufferControllers see it: the playhead reported, and what it can play, computed here from the
   * SourceBuffers (MSE: the intersection of their ranges) rather than taken from the report, where the ranges of a
   * MediaSource in a worker lag behind its appends.
   */
  private elementState(): ElementState | undefined {
    if (this.playhead === undefined) return undefined;
    return {
      currentTime: this.playhead,
      buffered: intersect([...this.queues.values()].map((q) => q.sourceBuffer.buffered)),
    };
  }

  /**
   * Keeps at most the configured back buffer behind the playhead (bounded memory over long runs; cut at a keyframe,
   * see BufferController), and lets an append held back by the quota try again now that the playhead moved.
   */
  private evict(): void {
    for (const q of this.queues.values()) {
      const range = q.buffer?.backBufferRange(q.sourceBuffer.buffered);
      if (range) q.remove(range[0], range[1]);
      q.retryAfterQuota();
    }
  }

  /** Pushed streams: tells the page the running total of pushed bytes taken, at most every PUSH_REPORT_MS. */
  private reportConsumed(): void {
    if (this.pushReport !== undefined || this.stopped) return;
    this.pushReport = setTimeout(() => {
      this.pushReport = undefined;
      if (!this.stopped && this.pushed) this.post({ type: 'push-consumed', bytes: this.pushed.consumedBytes });
    }, PUSH_REPORT_MS);
  }

  private postStats(): void {
    const mb = this.stats.bytesLoaded / 1e6;
    this.stats.pushQueuedBytes = this.pushed?.queuedBytes ?? 0;
    this.stats.parseMsPerMB = mb > 0 ? this.parseMs / mb : 0;
    this.stats.wasmMemoryBytes = this.engine?.memoryBytes ?? 0;
    if (this.mediaSource) {
      this.stats.quotaEvictions = this.stats.appends = this.stats.appendsPending = 0;
      for (const q of this.queues.values()) {
        this.stats.quotaEvictions += q.quotaExceeded;
        this.stats.appends += q.appended;
        this.stats.appendsPending += q.pending;
      }
      let ms = 0;
      let count = 0;
      for (const q of this.queues.values()) {
        const l = q.appendLatency;
        ms += l.ms * l.count;
        count += l.count;
      }
      this.stats.appendLatencyMs = count ? ms / count : 0;
    }
    this.post({ type: 'stats', stats: { ...this.stats, repairs: { ...this.stats.repairs } } });
  }

  private fail(e: unknown): void {
    if (this.stopped) return;
    if (this.abort.signal.aborted && !(e instanceof WeirError)) return;
    const error =
      e instanceof WeirError
        ? e
        : new WeirError(ErrorCodes.WORKER_ERROR, `worker failure: ${e instanceof Error ? e.message : String(e)}`, {
            cause: e,
          });
    this.post({ type: 'error', error: error.toJSON() });
    this.stop();
  }
}
