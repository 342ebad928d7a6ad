/**
 * The main-thread facade (DESIGN.md §5): small and boring. It owns the <video> element and a
 * worker; the worker does all loading, parsing, remuxing and (where the browser allows) appending.
 * Here: attach the MediaSourceHandle, report element state a few times a second, apply the seeks
 * the worker asks for, and re-emit typed events. In fallback mode (no MSE in workers) it also runs
 * the append queues against its own MediaSource.
 */

import { ErrorCodes } from '../engine/codes.js';
import { type SerializedError, WeirError, WeirOptionError } from '../engine/errors.js';
import type { MetadataEvent } from '../engine/metadata.js';
import type { TrackInfo } from '../engine/tracks.js';
import { AppendQueue } from '../worker/append-queue.js';
import { BufferController, limitSourceBuffer, quotaWarning, timeRanges } from '../worker/buffer-controller.js';
import type { FromWorker, LoadOptions, ToWorker, WorkerStats } from '../worker/protocol.js';
import { PushSource, type PushSourceOptions } from './push-source.js';

/**
 * Options of `new Player(video, options)`, each optional and checked up front: a bad or unknown one throws a
 * WeirOptionError naming it.
 */
export interface PlayerOptions {
  /**
   * Parse in the worker but append on the main thread, even where MSE works in workers. The
   * fallback path browsers without MSE-in-workers take; useful to compare both. Default false.
   */
  forceMainThreadMse?: boolean;
  /** Fragment duration in ms: 0 (default) one per GOP; small values for low-latency live. */
  fragmentDuration?: number;
  /** Seconds kept behind the playhead before they are evicted from the buffer. Default 30. */
  backBufferSeconds?: number;
  /**
   * Files: seconds of media buffered ahead of the playhead past which loading pauses (it goes on as the playhead
   * moves), so a long file does not fill memory. Default 60. Live streams are paced by their source.
   */
  forwardBufferSeconds?: number;
  /** How often (ms) the element's state is reported to the worker and `stats` emitted. Default 250. */
  statsInterval?: number;
  /** Live streams: seconds behind the live edge to aim for. Default 0.5. */
  liveTargetLatency?: number;
  /** Live streams: seconds behind the live edge past which the playhead jumps to the target. Default 3. */
  liveMaxLatency?: number;
  /**
   * Live streams: the lowest playback rate, used when the playhead is closer to the live edge than the target (the
   * latency grows back to it). Default 0.95. Each rate step holds about a second unless renewed.
   */
  liveMinRate?: number;
  /** Live streams: the highest playback rate used to catch up with the live edge. Default 1.1. */
  liveMaxRate?: number;
  /** ISO 639-2 language of the audio track to play when the stream has several (e.g. 'fra'). Default: the first. */
  audioLanguage?: string;
  /**
   * Testing aid, not for production: a byte budget per SourceBuffer past which appends throw QuotaExceededError, as
   * a browser's own quota does (Chromium's: about 150 MB for video, 12 MB for audio), to exercise the recovery with a
   * short stream. Default 0: off.
   */
  testQuotaBytes?: number;
  /**
   * Testing aid, not for production: the worker accepts fault-injection messages (a crash, a WebAssembly trap, a
   * corrupt append; see TestFault in worker/protocol.ts) so that the recovery from each can be tested. Default false.
   */
  testFaults?: boolean;
  /** Where to load the worker script from, if not the bundled one (e.g. a CDN). */
  workerUrl?: string | URL;
  /** Where to load the core's .wasm from, if not the bundled one. */
  wasmUrl?: string | URL;
}

/** What the player reports a few times a second. */
export interface PlayerStats extends WorkerStats {
  /** The element's currentTime, seconds. */
  currentTime: number;
  /** Buffered ranges of the element, seconds. */
  buffered: [number, number][];
  /** Seconds buffered ahead of the playhead, and behind it (kept for seeking back; see backBufferSeconds). */
  bufferAhead: number;
  /** Seconds buffered behind the playhead. */
  bufferBehind: number;
  /** Input bitrate over the last second, bits per second (bytes loaded from the network). */
  bitrate: number;
  /** Video frames decoded (the element's getVideoPlaybackQuality().totalVideoFrames). */
  decodedFrames: number;
  /** Video frames dropped (getVideoPlaybackQuality().droppedVideoFrames). */
  droppedFrames: number;
  /** Stalls so far: the element ran out of media while playing (not while seeking). */
  stalls: number;
}

/** Live latency, seconds from the playhead to the live edge (see PlayerStats.latency). */
export interface LatencyReport {
  /** The latency now, seconds. */
  latency: number;
  /** The median over the last minute, seconds. */
  p50: number;
  /** The 95th percentile over the last minute, seconds. */
  p95: number;
}

/** The events of a Player (`player.on(name, listener)`) and the value each listener receives. */
export interface PlayerEventMap {
  /** The stream's playable tracks (codec strings, sizes, rates, audio languages); `audioTrack` says which audio plays. */
  tracks: TrackInfo[];
  /** The id of the audio track now heard (at the start, and after `selectAudioTrack`). */
  audiotrack: number;
  /** The element's and the worker's state, every `statsInterval` ms while a stream is loaded. */
  stats: PlayerStats;
  /** A problem that was repaired or skipped; playback goes on. */
  warning: WeirError;
  /** A problem that stopped playback; `load()` may be called again. */
  error: WeirError;
  /** The whole input was appended and the stream was ended. */
  ended: undefined;
  /** Live streams: the latency now and its p50/p95 over the last minute, with every `stats` of a live stream. */
  latency: LatencyReport;
  /** The element ran out of media while playing (a stall), at `currentTime`. */
  stall: { currentTime: number };
  /**
   * Timed metadata (an ID3 tag, an SCTE-35 cue, a picture's captions) as soon as it is parsed, ahead of playback: `time` is on
   * the element's timeline, so compare it with `video.currentTime` to fire it when it is presented.
   */
  metadata: MetadataEvent;
}

/** A listener of one Player event (see PlayerEventMap). */
export type Listener<T> = (value: T) => void;

const DEFAULTS = {
  forceMainThreadMse: false,
  fragmentDuration: 0,
  backBufferSeconds: 30,
  forwardBufferSeconds: 60,
  statsInterval: 250,
  liveTargetLatency: 0.5,
  liveMaxLatency: 3,
  liveMinRate: 0.95,
  liveMaxRate: 1.1,
  audioLanguage: '',
  testQuotaBytes: 0,
  testFaults: false,
};

/**
 * A worker that answers no stats report for this long is dead (terminated, crashed, killed for its memory): it answers
 * each report (every statsInterval) within a few milliseconds, and the work it does between messages is cut into
 * slices far shorter than this. Longer before its first message, which waits for its script to load.
 */
const WORKER_SILENT_MS = 3000;
const WORKER_FIRST_MESSAGE_MS = 10_000;

/** How long an error of the element waits for the worker's own report of the cause (a SourceBuffer's error). */
const ELEMENT_ERROR_GRACE_MS = 300;

/** The names of HTMLMediaElement's MediaError codes. */
const MEDIA_ERROR_NAMES = [
  '',
  'MEDIA_ERR_ABORTED',
  'MEDIA_ERR_NETWORK',
  'MEDIA_ERR_DECODE',
  'MEDIA_ERR_SRC_NOT_SUPPORTED',
];

function invalid(name: string, message: string): never {
  throw new WeirOptionError(name, message);
}

function destroyedError(): WeirError {
  return new WeirError(ErrorCodes.INVALID_OPTION, 'the player was destroyed');
}

/** Defaults of Player.open's options (see PushSourceOptions). */
const PUSH_DEFAULTS = { live: true, highWaterMark: 1 << 20, maxQueuedBytes: 32 << 20 };

function validatePush(options: PushSourceOptions): Required<Omit<PushSourceOptions, 'signal'>> & PushSourceOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'of open() must be an object');
  for (const name of Object.keys(options)) {
    if (!(name in PUSH_DEFAULTS) && name !== 'signal') invalid(name, 'is not an option of Player.open()');
  }
  const o = { ...PUSH_DEFAULTS, ...options };
  if (typeof o.live !== 'boolean') invalid('live', 'must be a boolean');
  if (!Number.isSafeInteger(o.highWaterMark) || o.highWaterMark < 1) {
    invalid('highWaterMark', 'must be an integer number of bytes >= 1');
  }
  if (!Number.isSafeInteger(o.maxQueuedBytes) || o.maxQueuedBytes < o.highWaterMark) {
    invalid('maxQueuedBytes', 'must be an integer number of bytes >= highWaterMark');
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) invalid('signal', 'must be an AbortSignal');
  return o;
}

function validate(options: PlayerOptions): Required<Omit<PlayerOptions, 'workerUrl' | 'wasmUrl'>> & PlayerOptions {
  for (const name of Object.keys(options)) {
    if (!(name in DEFAULTS) && name !== 'workerUrl' && name !== 'wasmUrl') invalid(name, 'is not an option of Player');
  }
  const o = { ...DEFAULTS, ...options };
  if (typeof o.forceMainThreadMse !== 'boolean') invalid('forceMainThreadMse', 'must be a boolean');
  if (!Number.isInteger(o.fragmentDuration) || o.fragmentDuration < 0 || o.fragmentDuration > 60_000) {
    invalid('fragmentDuration', 'must be an integer number of milliseconds, 0..60000');
  }
  if (!(o.backBufferSeconds >= 0)) invalid('backBufferSeconds', 'must be a number >= 0');
  if (!(o.forwardBufferSeconds >= 5)) invalid('forwardBufferSeconds', 'must be a number of seconds >= 5');
  if (!Number.isInteger(o.statsInterval) || o.statsInterval < 20)
    invalid('statsInterval', 'must be an integer >= 20 (ms)');
  if (!(o.liveTargetLatency > 0)) invalid('liveTargetLatency', 'must be a number of seconds > 0');
  if (!(o.liveMaxLatency > o.liveTargetLatency)) invalid('liveMaxLatency', 'must be greater than liveTargetLatency');
  if (!(o.liveMinRate > 0 && o.liveMinRate <= 1)) invalid('liveMinRate', 'must be in (0, 1]');
  if (!(o.liveMaxRate >= 1 && o.liveMaxRate <= 2)) invalid('liveMaxRate', 'must be in [1, 2]');
  if (typeof o.audioLanguage !== 'string' || !/^([a-z]{3})?$/.test(o.audioLanguage)) {
    invalid('audioLanguage', "must be an ISO 639-2 code of three lowercase letters (e.g. 'eng') or ''");
  }
  if (!Number.isSafeInteger(o.testQuotaBytes) || o.testQuotaBytes < 0) {
    invalid('testQuotaBytes', 'must be an integer number of bytes >= 0');
  }
  if (typeof o.testFaults !== 'boolean') invalid('testFaults', 'must be a boolean');
  return o;
}

/**
 * Plays MPEG-TS and WebM/Matroska, from a URL (`load`) or bytes the application pushes (`open`), through a
 * worker-owned MediaSource.
 */
export class Player {
  /** The element this player plays into; weir touches no other element. */
  readonly video: HTMLVideoElement;
  private readonly options: ReturnType<typeof validate>;
  private worker: Worker | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Stalls counted this load, and recent (time, bytes loaded) pairs for the bitrate. */
  private stalls = 0;
  private loadSamples: { at: number; bytes: number }[] = [];
  /**
   * The element waits for media: a stall when it was playing (not paused, not seeking, not at the end, past its
   * start), reported as a `stall` event and counted in the stats.
   */
  private readonly onWaiting = (): void => {
    const v = this.video;
    if (v.seeking || v.ended || v.paused || v.currentTime === 0) return;
    this.stalls++;
    this.emit('stall', { currentTime: v.currentTime });
  };
  /**
   * The element failed (its `error` event): after a short grace for the worker's report of the cause, a fatal
   * DECODE_ERROR with the element's message, and the load is released (`load()` again starts afresh).
   */
  private readonly onElementError = (): void => {
    const generation = this.generation;
    setTimeout(() => {
      // A SourceBuffer's error ends the stream with 'decode' (MSE's append error algorithm): the element's error is
      // that fault, reported already by the worker as MEDIA_SOURCE_ERROR, before or during the grace.
      if (generation !== this.generation || this.mediaSourceFailed || !this.worker) return;
      const e = this.video.error;
      const name = MEDIA_ERROR_NAMES[e?.code ?? 0] || `code ${e?.code ?? '?'}`;
      this.fail(
        new WeirError(ErrorCodes.DECODE_ERROR, `the media element failed (${name}): ${e?.message || 'no message'}`, {
          ...(e ? { detail: e.code } : {}),
        }),
        'the element failed',
      );
    }, ELEMENT_ERROR_GRACE_MS);
  };
  /** The worker's liveness (see WORKER_SILENT_MS): when it was last heard from, and stats reports since. */
  private lastHeard = 0;
  private heardAny = false;
  private silentTicks = 0;
  /** A MEDIA_SOURCE_ERROR was reported this load (the element's error that follows it is not reported again). */
  private mediaSourceFailed = false;
  private readonly listeners = new Map<keyof PlayerEventMap, Set<Listener<never>>>();
  private mediaSource: MediaSource | undefined;
  private objectUrl: string | undefined;
  private readonly queues = new Map<number, AppendQueue>();
  private workerStats: WorkerStats | undefined;
  private destroyed = false;
  private generation = 0;
  private rateTimer: ReturnType<typeof setTimeout> | undefined;
  /** Removes the current load's listener from the signal the application gave `load()`. */
  private detachSignal: (() => void) | undefined;
  private fallbackOpen: Promise<void> = Promise.resolve();
  private fallbackReady: Promise<void> = Promise.resolve();
  private readonly fallbackMimeTypes = new Map<number, string>();
  private tracks: TrackInfo[] = [];
  private selectedAudio: number | undefined;
  /** The stream the application pushes into (open()), while it is what is loaded. */
  private pushSource: PushSource | undefined;

  /**
   * Nothing is loaded, and no worker started, until `load()` or `open()`.
   * @param video - the element to play into
   * @param options - see PlayerOptions; throws a WeirOptionError (a TypeError) naming a bad one
   */
  constructor(video: HTMLVideoElement, options: PlayerOptions = {}) {
    if (!video || typeof video.play !== 'function') invalid('video', 'must be an HTMLVideoElement');
    this.video = video;
    this.options = validate(options);
  }

  /** Whether the MediaSource lives in the worker (undefined before load). */
  get mseInWorker(): boolean | undefined {
    return this.workerStats?.mseInWorker;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof PlayerEventMap>(type: K, listener: Listener<PlayerEventMap[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  /** Unsubscribes a listener given to `on()`. */
  off<K extends keyof PlayerEventMap>(type: K, listener: Listener<PlayerEventMap[K]>): void {
    this.listeners.get(type)?.delete(listener as Listener<never>);
  }

  /**
   * Starts playing a URL (an MPEG-TS or WebM/Matroska file, an endless live stream over HTTP, or `ws://`/`wss://`).
   * Stops what was loaded before. Resolves once the worker has the request under way; problems arrive as `error`
   * events.
   */
  load(url: string | URL, options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.destroyed) return Promise.reject(destroyedError());
    // An already-aborted signal: nothing starts (as fetch does), and what was playing goes on.
    if (options.signal?.aborted) {
      return Promise.reject(options.signal.reason ?? new DOMException('the load was aborted', 'AbortError'));
    }
    const href = new URL(String(url), globalThis.location?.href).href;
    this.start({ type: 'load', url: href, options: this.loadOptions() }, options.signal, 'another source was loaded');
    return Promise.resolve();
  }

  /**
   * Starts playing a stream whose bytes the application pushes (a transport weir does not own: WebTransport, a WebRTC
   * data channel, its own WebSocket): `push()` them into the PushSource returned, or pipe a ReadableStream into its
   * `writable`. Stops what was loaded before. MPEG-TS or WebM/Matroska, recognised from the first bytes; live by
   * default (see PushSourceOptions). Throws a WeirOptionError (a TypeError) for a bad option, and the signal's reason
   * when it is aborted already (nothing starts, what was playing goes on).
   */
  open(options: PushSourceOptions = {}): PushSource {
    if (this.destroyed) throw destroyedError();
    const o = validatePush(options);
    if (o.signal?.aborted) throw o.signal.reason ?? new DOMException('the stream was aborted', 'AbortError');
    const generation = this.start(
      { type: 'open', live: o.live, options: this.loadOptions() },
      o.signal,
      'another source was loaded',
    );
    const source = new PushSource(
      {
        send: (message: ToWorker, transfer: Transferable[]) => {
          if (generation === this.generation) this.worker?.postMessage(message, transfer);
        },
        stop: () => {
          if (generation === this.generation) this.stopWorker('it was aborted');
        },
      },
      o.highWaterMark,
      o.maxQueuedBytes,
    );
    this.pushSource = source;
    return source;
  }

  /** A fresh worker for `message` (a URL or a pushed stream); what was loaded before stops (`why`, for its pushes). */
  private start(message: ToWorker, signal: AbortSignal | undefined, why: string): number {
    this.stopWorker(why);
    const generation = ++this.generation;
    const worker = this.options.workerUrl
      ? new Worker(this.options.workerUrl, { type: 'module' })
      : new Worker(new URL('../worker/worker.ts', import.meta.url), { type: 'module' });
    this.worker = worker;
    // Events of a worker this player let go of (stopped, or taken for dead) may still be queued: they are not its.
    worker.addEventListener('message', (e: MessageEvent<FromWorker>) => {
      if (generation !== this.generation || this.worker !== worker) return;
      this.lastHeard = performance.now();
      this.heardAny = true;
      this.silentTicks = 0;
      this.onMessage(e.data);
    });
    // An uncaught exception in the worker (or its script failing to load): the worker cannot be trusted to go on.
    worker.addEventListener('error', (e) => {
      if (generation !== this.generation || this.worker !== worker) return;
      e.preventDefault();
      this.fail(
        new WeirError(ErrorCodes.WORKER_ERROR, `the worker failed: ${e.message || 'unknown error'}`),
        'the worker failed',
      );
    });
    this.lastHeard = performance.now();
    this.heardAny = false;
    this.silentTicks = 0;
    this.mediaSourceFailed = false;
    this.video.addEventListener('error', this.onElementError);
    this.send(message);
    this.timer = setInterval(() => this.tick(), this.options.statsInterval);
    this.stalls = 0;
    this.loadSamples = [];
    this.video.addEventListener('waiting', this.onWaiting);
    if (signal) {
      // Removed again when this load stops: an application's long-lived signal must not keep a destroyed player.
      const onAbort = () => {
        if (generation === this.generation) this.stopWorker('it was aborted');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.detachSignal = () => signal.removeEventListener('abort', onAbort);
    }
    return generation;
  }

  private loadOptions(): LoadOptions {
    return {
      forceMainThreadMse: this.options.forceMainThreadMse,
      fragmentDuration: this.options.fragmentDuration,
      wasmUrl: this.options.wasmUrl ? new URL(String(this.options.wasmUrl), globalThis.location?.href).href : undefined,
      backBufferSeconds: this.options.backBufferSeconds,
      forwardBufferSeconds: this.options.forwardBufferSeconds,
      audioLanguage: this.options.audioLanguage,
      quotaBytes: this.options.testQuotaBytes,
      testFaults: this.options.testFaults,
      live: {
        target: this.options.liveTargetLatency,
        max: this.options.liveMaxLatency,
        minRate: this.options.liveMinRate,
        maxRate: this.options.liveMaxRate,
      },
    };
  }

  /** The stream's audio tracks (empty before the `tracks` event). */
  get audioTracks(): TrackInfo[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }

  /** The id of the audio track heard, or undefined. */
  get audioTrack(): number | undefined {
    return this.selectedAudio;
  }

  /**
   * Plays another of the stream's audio tracks (an id from `audioTracks`). The switch is heard about
   * half a second after the playhead; an `audiotrack` event confirms it.
   */
  selectAudioTrack(id: number): void {
    if (!this.audioTracks.some((t) => t.id === id)) invalid('id', `is not the id of one of this stream's audio tracks`);
    this.send({ type: 'select-audio', id });
  }

  /** Plays the element (`video.play()`: the browser's autoplay rules apply). */
  play(): Promise<void> {
    return this.video.play();
  }

  /**
   * Moves the playhead to `time` (seconds on the element's timeline). Within what is buffered the element seeks at
   * once; elsewhere in a WebM/Matroska file with an index (Cues) the worker fetches from the keyframe cluster at or
   * before `time` with a range request and appends from there, and the element plays on once it arrives (without an
   * index the file keeps loading in order and the seek completes when it gets there).
   */
  seek(time: number): void {
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) invalid('time', 'must be a finite number >= 0');
    // The worker moves the playhead (a `seek` message) once the MediaSource's duration reaches the target; within
    // what is buffered it moves at once.
    const b = this.video.buffered;
    for (let i = 0; i < b.length; i++) if (b.start(i) <= time && time < b.end(i)) this.video.currentTime = time;
    this.send({ type: 'seek', time });
  }

  /** Pauses the element; a live stream goes on loading. */
  pause(): void {
    this.video.pause();
  }

  /** Stops loading, releases the worker and the element's source. The player cannot be reused. */
  destroy(): void {
    this.destroyed = true;
    this.stopWorker('the player was destroyed');
    this.listeners.clear();
  }

  private send(message: ToWorker): void {
    this.worker?.postMessage(message);
  }

  /** Stops the current load; `why` is what a push into its stream, if it was one, is told from now on. */
  private stopWorker(why = 'the player stopped'): void {
    this.pushSource?.close(`the player stopped playing it (${why})`);
    this.pushSource = undefined;
    this.video.removeEventListener('waiting', this.onWaiting);
    this.video.removeEventListener('error', this.onElementError);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.rateTimer = undefined;
    this.detachSignal?.();
    this.detachSignal = undefined;
    if (this.video.playbackRate !== 1) this.video.playbackRate = 1;
    if (this.worker) {
      this.worker.postMessage({ type: 'stop' } satisfies ToWorker);
      this.worker.terminate();
      this.worker = undefined;
    }
    this.queues.clear();
    this.fallbackMimeTypes.clear();
    this.tracks = [];
    this.selectedAudio = undefined;
    this.mediaSource = undefined;
    if (this.video.srcObject) this.video.srcObject = null;
    if (this.objectUrl) {
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
      this.objectUrl = undefined;
    }
  }

  private emit<K extends keyof PlayerEventMap>(type: K, value: PlayerEventMap[K]): void {
    for (const listener of this.listeners.get(type) ?? []) (listener as Listener<PlayerEventMap[K]>)(value);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'attach-handle':
        this.video.srcObject = m.handle as unknown as MediaProvider;
        break;
      case 'attach-fallback':
        this.attachFallback();
        break;
      case 'tracks': {
        const first = this.tracks.length === 0;
        this.fallbackTracks(m.tracks, m.audio, m.duration);
        this.tracks = m.tracks;
        this.emit('tracks', m.tracks);
        if (first && m.audio !== undefined) {
          this.selectedAudio = m.audio;
          this.emit('audiotrack', m.audio);
        }
        break;
      }
      case 'audio':
        this.selectedAudio = m.id;
        this.emit('audiotrack', m.id);
        break;
      case 'audio-switch':
        void this.fallbackReady.then(() => {
          const q = this.queues.get(m.sink);
          if (!q) return;
          q.remove(m.removeFrom, Number.POSITIVE_INFINITY);
          if (this.fallbackMimeTypes.get(m.sink) !== m.mimeType) {
            this.fallbackMimeTypes.set(m.sink, m.mimeType);
            q.changeType(m.mimeType);
          }
        });
        break;
      case 'append':
        this.fallbackAppend(m.track, m.data, m.offset, m.start);
        break;
      case 'end-of-stream':
        void this.fallbackEnd();
        break;
      case 'stats':
        this.workerStats = m.stats;
        break;
      case 'warning':
        this.emit('warning', WeirError.fromJSON(m.error));
        break;
      case 'error': {
        const error = WeirError.fromJSON(m.error as SerializedError);
        // A failure of the worker itself (an exception nothing caught there): it is let go of, as when it dies.
        if (error.code === ErrorCodes.WORKER_ERROR) {
          this.fail(error, 'the worker failed');
          break;
        }
        // The worker stopped the stream: pushes into it can go nowhere now.
        if (error.code === ErrorCodes.MEDIA_SOURCE_ERROR) this.mediaSourceFailed = true;
        if (error.severity === 'fatal') {
          this.pushSource?.close(`the player stopped on an error (${error.message})`);
        }
        this.emit('error', error);
        break;
      }
      case 'push-consumed':
        this.pushSource?.consumedUpTo(m.bytes);
        break;
      case 'seek': {
        // Fallback mode: this thread's MediaSource must reach the target first (else the element clamps the seek).
        const ms = this.mediaSource;
        if (ms && ms.readyState === 'open' && !(ms.duration >= m.time)) {
          try {
            ms.duration = m.time + 0.5;
          } catch {
            // a SourceBuffer is updating: the seek goes as far as the buffered media reaches
          }
        }
        this.video.currentTime = m.time;
        break;
      }
      case 'rate':
        this.applyRate(m.rate, m.validForMs);
        break;
      case 'ended':
        this.emit('ended', undefined);
        break;
      case 'metadata':
        this.emit('metadata', m.event);
        break;
    }
  }

  /**
   * Applies a rate the worker's latency controller chose, for a limited time: if no renewal comes
   * (the worker's decisions stop, or this thread was blocked), the rate returns to 1.0 by itself.
   */
  private applyRate(rate: number, validForMs: number): void {
    if (this.video.playbackRate !== rate) this.video.playbackRate = rate;
    if (this.rateTimer !== undefined) clearTimeout(this.rateTimer);
    this.rateTimer =
      rate === 1
        ? undefined
        : setTimeout(() => {
            this.rateTimer = undefined;
            this.video.playbackRate = 1;
          }, validForMs);
  }

  /** A fatal error of this side (the worker or the element failed): reported, and the load released. */
  private fail(error: WeirError, why: string): void {
    this.stopWorker(why);
    this.emit('error', error);
  }

  /** True when the worker has answered nothing for too long: it is dead, and the load is released. */
  private workerSilent(): boolean {
    // Counted in reports sent as well as in time: a page whose own thread was blocked (its timers and the worker's
    // answers queued behind the block) does not take the worker for dead.
    const bound = this.heardAny ? WORKER_SILENT_MS : WORKER_FIRST_MESSAGE_MS;
    const silentMs = performance.now() - this.lastHeard;
    if (++this.silentTicks * this.options.statsInterval < bound || silentMs < bound) return false;
    this.fail(
      new WeirError(
        ErrorCodes.WORKER_ERROR,
        `the worker stopped answering (no message for ${(silentMs / 1000).toFixed(1)} s): it was terminated or crashed`,
      ),
      'the worker stopped answering',
    );
    return true;
  }

  private tick(): void {
    if (this.workerSilent()) return;
    const v = this.video;
    const buffered: [number, number][] = [];
    for (let i = 0; i < v.buffered.length; i++) buffered.push([v.buffered.start(i), v.buffered.end(i)]);
    const quality = typeof v.getVideoPlaybackQuality === 'function' ? v.getVideoPlaybackQuality() : undefined;
    const decoded = quality?.totalVideoFrames ?? 0;
    const dropped = quality?.droppedVideoFrames ?? 0;
    this.send({ type: 'tick', currentTime: v.currentTime, paused: v.paused, buffered, decoded, dropped });
    // Fallback mode: the back buffer and the quota are handled here, where the SourceBuffers are.
    let quotaEvictions = 0;
    let appends = 0;
    let appendsPending = 0;
    for (const q of this.queues.values()) {
      const range = q.buffer?.backBufferRange(q.sourceBuffer.buffered);
      if (range) q.remove(range[0], range[1]);
      q.retryAfterQuota();
      quotaEvictions += q.quotaExceeded;
      appends += q.appended;
      appendsPending += q.pending;
    }
    if (!this.workerStats) return;
    const current = buffered.find(([s, e]) => v.currentTime >= s && v.currentTime <= e);
    // Bitrate: bytes loaded over the last second or so of ticks.
    const now = performance.now();
    this.loadSamples.push({ at: now, bytes: this.workerStats.bytesLoaded });
    while (this.loadSamples.length > 2 && now - this.loadSamples[1]!.at >= 1000) this.loadSamples.shift();
    const oldest = this.loadSamples[0]!;
    const bitrate = now > oldest.at ? ((this.workerStats.bytesLoaded - oldest.bytes) * 8000) / (now - oldest.at) : 0;
    this.emit('stats', {
      ...this.workerStats,
      ...(this.mediaSource ? { quotaEvictions, appends, appendsPending } : {}),
      currentTime: v.currentTime,
      buffered,
      bufferAhead: current ? current[1] - v.currentTime : 0,
      bufferBehind: current ? v.currentTime - current[0] : 0,
      bitrate,
      decodedFrames: decoded,
      droppedFrames: dropped,
      stalls: this.stalls,
    });
    if (this.workerStats.live && Number.isFinite(this.workerStats.latency)) {
      const { latency, latencyP50: p50, latencyP95: p95 } = this.workerStats;
      this.emit('latency', { latency, p50, p95 });
    }
  }

  // Fallback mode: the same append queues, on this thread, against a MediaSource of our own.

  private attachFallback(): void {
    const ms = new MediaSource();
    this.mediaSource = ms;
    this.objectUrl = URL.createObjectURL(ms);
    this.video.src = this.objectUrl;
    this.fallbackOpen = new Promise((resolve) => ms.addEventListener('sourceopen', () => resolve(), { once: true }));
    // Closed while it is this load's (the element's source was taken away): as the worker's MediaSource does.
    ms.addEventListener('sourceclose', () => {
      if (this.mediaSource !== ms) return;
      this.mediaSourceFailed = true;
      this.fail(
        new WeirError(ErrorCodes.MEDIA_SOURCE_ERROR, 'the MediaSource closed unexpectedly'),
        'its MediaSource closed',
      );
    });
  }

  /** Fallback mode: one SourceBuffer per track, all created before the first append (MSE needs that). */
  private fallbackTracks(tracks: TrackInfo[], audio: number | undefined, duration?: number): void {
    const ms = this.mediaSource;
    if (!ms) return;
    if (duration !== undefined && this.fallbackMimeTypes.size === 0 && ms.readyState === 'open') ms.duration = duration;
    if (this.fallbackMimeTypes.size > 0) {
      // Announced again mid-stream (new parameter sets): switch type where the codec string changed.
      void this.fallbackReady.then(() => {
        for (const t of tracks) {
          const before = this.fallbackMimeTypes.get(t.id);
          if (before === undefined || before === t.mimeType) continue;
          this.fallbackMimeTypes.set(t.id, t.mimeType);
          this.queues.get(t.id)?.changeType(t.mimeType);
        }
      });
      return;
    }
    // Where MSE is not available in workers the worker could not check the codecs: check here.
    // One SourceBuffer per video track and one for audio: the audio track heard first (others switch into it).
    const playable = tracks.filter((t) => {
      if (t.kind === 'audio' && t.id !== audio) return false;
      if (t.codec !== 'mp2' && MediaSource.isTypeSupported(t.mimeType)) return true; // layer II: see worker/session.ts
      const error = new WeirError(ErrorCodes.UNSUPPORTED_CODEC, `this browser cannot play ${t.mimeType}`, {
        track: t.id,
        severity: 'recoverable',
      });
      this.emit('warning', error);
      return false;
    });
    if (playable.length === 0) {
      const names = tracks.map((t) => t.codecString).join(', ');
      this.emit('error', new WeirError(ErrorCodes.UNSUPPORTED_CODEC, `this browser can play none of: ${names}`));
      this.stopWorker('none of its codecs plays here');
      return;
    }
    this.fallbackReady = this.fallbackOpen.then(() => {
      if (this.mediaSource !== ms) return;
      for (const track of playable) {
        this.fallbackMimeTypes.set(track.id, track.mimeType);
        const sb = ms.addSourceBuffer(track.mimeType);
        if (this.options.testQuotaBytes) limitSourceBuffer(sb, this.options.testQuotaBytes);
        const buffer = new BufferController({
          kind: track.kind === 'video' ? (track.mimeType.startsWith('video/webm') ? 'opaque' : 'video') : 'audio',
          element: () => ({ currentTime: this.video.currentTime, buffered: timeRanges(this.video.buffered) }),
          backBufferSeconds: this.options.backBufferSeconds,
          onQuotaExceeded: (eviction) => this.emit('warning', quotaWarning(eviction, track.id)),
        });
        const queue = new AppendQueue(
          sb,
          (e) => {
            const error = new WeirError(
              ErrorCodes.MEDIA_SOURCE_ERROR,
              `the ${track.kind} SourceBuffer (track ${track.id}, ${track.mimeType}) failed: ${String(e)}`,
              { track: track.id, cause: e },
            );
            this.send({ type: 'fallback-error', error: error.toJSON() });
          },
          buffer,
        );
        this.queues.set(track.id, queue);
      }
    });
  }

  private fallbackAppend(track: number, data: ArrayBuffer, offset: number | undefined, start?: number): void {
    // Appends keep their order: each waits for the SourceBuffers, then joins its track's queue.
    void this.fallbackReady.then(() => {
      const queue = this.queues.get(track);
      if (!queue) return;
      if (offset === undefined) queue.append(new Uint8Array(data), start);
      else queue.appendAt(new Uint8Array(data), offset); // raw audio/mpeg, placed by timestampOffset
      void queue.drained().then(() => this.send({ type: 'appended', bytes: data.byteLength }));
    });
  }

  private async fallbackEnd(): Promise<void> {
    const ms = this.mediaSource;
    if (!ms) return;
    await this.fallbackReady;
    await Promise.all([...this.queues.values()].map((q) => q.drained()));
    if (this.mediaSource !== ms) return;
    if (ms.readyState === 'open') ms.endOfStream();
    this.emit('ended', undefined);
  }
}
