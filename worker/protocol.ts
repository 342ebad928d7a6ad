/**
 * The message protocol between the Player (main thread) and its worker: one discriminated union
 * per direction, in this one file (DESIGN.md §4). Buffers and the MediaSourceHandle travel in
 * transfer lists.
 */

import type { MetadataEvent, SerializedError, TrackInfo } from '../engine/index.js';
import type { LatencyOptions } from './latency.js';

export interface LoadOptions {
  /** Parse in the worker but append on the main thread even where MSE works in workers. */
  forceMainThreadMse: boolean;
  /** Engine fragment duration in ms (0 = one per GOP). */
  fragmentDuration: number;
  /** URL of the core's .wasm, if not the bundled one. */
  wasmUrl: string | undefined;
  /** Seconds of media kept behind the playhead before eviction. */
  backBufferSeconds: number;
  /** Files: seconds of media ahead of the playhead past which loading pauses. */
  forwardBufferSeconds: number;
  /** Latency control for live streams (a response without Content-Length). */
  live: LatencyOptions;
  /** ISO 639-2 language of the audio track to play first ('' = the first audio track the stream lists). */
  audioLanguage: string;
  /**
   * Testing aid: a byte budget per SourceBuffer past which appends throw QuotaExceededError, as a browser's quota does
   * (see limitSourceBuffer in buffer-controller.ts); 0: off, the browser's own quota only.
   */
  quotaBytes: number;
  /** Testing aid: the worker accepts `test-fault` messages (see TestFault); false in production. */
  testFaults: boolean;
}

/**
 * Faults a test can inject into the worker (only when the page created its Player with `testFaults: true`):
 * `throw`, an uncaught exception in the worker; `reject`, a promise rejected with no handler; `exit`, the worker closes itself without an error event (as a crash or
 * an out-of-memory kill looks from the page); `trap`, the WebAssembly core's memory is overwritten so that its next
 * call traps; `busy`, the worker blocks for `ms` (a busy worker that is not dead); `corrupt-append`, bytes no
 * SourceBuffer accepts are appended to the video SourceBuffer; `corrupt-video`, the sample data of every video
 * fragment from now on is overwritten (the fragments stay well-formed; the decoder gets garbage).
 */
export type TestFault = 'throw' | 'reject' | 'exit' | 'trap' | 'busy' | 'corrupt-append' | 'corrupt-video';

export type ToWorker =
  | { type: 'load'; url: string; options: LoadOptions }
  /**
   * Bytes pushed by the application (Player.open): the stream arrives as `push` messages and ends with `push-end`.
   * `live`: latency is controlled and no forward-buffer limit applies (as for a response without Content-Length).
   */
  | { type: 'open'; live: boolean; options: LoadOptions }
  /**
   * The next bytes of a pushed stream (transferred); `at`: when the application pushed them (ms since the epoch,
   * performance.timeOrigin + performance.now() on the page's clock), where the latency of a frame starts.
   */
  | { type: 'push'; data: ArrayBuffer; at: number }
  /** The pushed stream is complete: play what was pushed to its end. */
  | { type: 'push-end' }
  /** Periodic report of the element's state (the worker decides everything from it). */
  | {
      type: 'tick';
      currentTime: number;
      paused: boolean;
      buffered: [number, number][];
      decoded: number;
      dropped: number;
    }
  /** Fallback mode: the main thread's appends finished up to this sequence number. */
  | { type: 'appended'; bytes: number }
  | { type: 'fallback-error'; error: SerializedError }
  /** Play another of the stream's audio tracks (its track id). */
  | { type: 'select-audio'; id: number }
  /** The user seeks to `time` (element seconds): the worker fetches from there when it is not buffered. */
  | { type: 'seek'; time: number }
  | { type: 'stop' }
  /** Testing aid, ignored unless the load's options say `testFaults` (see TestFault). */
  | { type: 'test-fault'; fault: TestFault; ms?: number };

/** What the worker reports with each `stats` event (PlayerStats adds the element's side). */
export interface WorkerStats {
  /** Input bytes received from the network (or pushed by the application) and given to the engine. */
  bytesLoaded: number;
  /** Fragments produced by the engine and appended (or posted, in fallback mode). */
  fragments: number;
  /** Bytes of fMP4 appended. */
  bytesAppended: number;
  /** Warnings (repairs) reported so far. */
  warnings: number;
  /** Warnings so far per code name (e.g. `{ CONTINUITY_ERROR: 3 }`). */
  repairs: Record<string, number>;
  /** Worker-side cost: milliseconds spent in the engine per MB of input. */
  parseMsPerMB: number;
  /** Whether the MediaSource lives in the worker. */
  mseInWorker: boolean;
  /** The engine's WebAssembly memory size in bytes. */
  wasmMemoryBytes: number;
  /** Whether the stream is live (no Content-Length): latency is controlled. */
  live: boolean;
  /** Live: how many times the connection was opened again. */
  reconnects: number;
  /** Mean time from an append to its updateend (the browser parsing and buffering it), ms, over every append. */
  appendLatencyMs: number;
  /** Files: times loading paused because forwardBufferSeconds of media were buffered ahead of the playhead. */
  forwardPauses: number;
  /** Files: seeks served by fetching the file again from a keyframe's position (a range request). */
  rangeSeeks: number;
  /** Files: bytes fetched to find where to seek (an MPEG-TS bisection's windows; not media appended). */
  probeBytes: number;
  /**
   * Live: latency in seconds, now and over the last minute (NaN otherwise): from the arrival of the last byte of the
   * frame at the playhead to now (worker/latency.ts). The distance to the live edge, which the latency controller
   * steers, is the stats' `bufferAhead`; latency is that plus the time a frame spends in weir before it is buffered.
   */
  latency: number;
  /** Live: the median of `latency` over the last minute (NaN otherwise). */
  latencyP50: number;
  /** Live: the 95th percentile of `latency` over the last minute (NaN otherwise). */
  latencyP95: number;
  /**
   * QuotaExceededError recoveries: appends a SourceBuffer refused for its quota, kept, and appended again (the same
   * bytes) once media behind the playhead was evicted; each is also a QUOTA_EXCEEDED warning.
   */
  quotaEvictions: number;
  /** Holes in the buffered ranges the playhead was moved over (each also a GAP_JUMPED warning). */
  gapJumps: number;
  /**
   * Init segments and fragments the SourceBuffers took (each once, however many quota retries it took), and those
   * still waiting in the append queues.
   */
  appends: number;
  /** Init segments and fragments waiting in the append queues. */
  appendsPending: number;
  /**
   * The output timeline's origin on the source clock, once output started (NaN before): 90 kHz ticks of the unwrapped
   * source PTS (MPEG-TS) or Matroska time that element time 0 stands for. Element time t is source time
   * timeOrigin + t × 90000, which a page matches to a live source's own record of each frame.
   */
  timeOrigin: number;
  /**
   * Pushed streams (Player.open): bytes the application pushed that the worker holds and has not given to the engine
   * yet (0 otherwise). It grows while loading pauses (the forward buffer limit, a full SourceBuffer).
   */
  pushQueuedBytes: number;
}

export type FromWorker =
  /** MSE in the worker: the handle to set as video.srcObject (transferred, once). */
  | { type: 'attach-handle'; handle: MediaSourceHandle }
  /** No MSE in the worker (or forced): the player creates its own MediaSource and appends. */
  | { type: 'attach-fallback' }
  /**
   * The tracks being played; `audio` is the id of the audio track heard (the others can be selected); `duration`:
   * the file's duration as its header says (fallback mode: the player sets its MediaSource's duration to it).
   */
  | { type: 'tracks'; tracks: TrackInfo[]; audio: number | undefined; duration?: number }
  /**
   * Fallback mode: the audio SourceBuffer (`sink`, keyed by the first audio track's id) switches to
   * another track: remove what is buffered from `removeFrom`, change type if `mimeType` differs; the
   * new track's init segment and fragments follow as appends to `sink`.
   */
  | { type: 'audio-switch'; sink: number; mimeType: string; removeFrom: number }
  /** The audio track now heard. */
  | { type: 'audio'; id: number }
  /**
   * Fallback mode: bytes to append to the SourceBuffer of `track` (transferred); `start`: a fragment's decode time
   * (seconds), for the BufferController's cut points.
   */
  | { type: 'append'; track: number; data: ArrayBuffer; offset?: number; start?: number }
  /** Fallback mode: all appends are posted; end the stream once they are done. */
  | { type: 'end-of-stream' }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'warning'; error: SerializedError }
  | { type: 'error'; error: SerializedError }
  /** The worker asks the element to move the playhead (start gap, live edge). */
  | { type: 'seek'; time: number }
  /** Live latency control: play at `rate` for `validForMs`, then return to 1.0 unless renewed. */
  | { type: 'rate'; rate: number; validForMs: number }
  /** The whole input was appended and the stream ended. */
  | { type: 'ended' }
  /**
   * Pushed streams: bytes of the pushed input given to the engine so far (a running total, sent at most every 20 ms),
   * so the page knows how much is still queued.
   */
  | { type: 'push-consumed'; bytes: number }
  /** Timed metadata (ID3, SCTE-35), times on the element's timeline. */
  | { type: 'metadata'; event: MetadataEvent };
