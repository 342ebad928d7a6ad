/**
 * The engine: one WebAssembly core instance per stream, fed with chunks of any size, giving back
 * typed events (tracks, init segments, fragments, warnings, errors). Runs unchanged in Node, in
 * workers and on a page; it touches no DOM.
 */

import { ErrorCodes } from './codes.js';
import { WeirError, WeirOptionError } from './errors.js';
import { type MetadataEvent, parseCaptions, parseId3, parseScte35 } from './metadata.js';
import { CODEC_NAMES, readTrack, type TrackInfo } from './tracks.js';
import { type CoreExports, instantiateCore, loadCoreModule, type WasmSource } from './wasm.js';

/** How the output is shaped. */
export type OutputMode =
  /** One init segment and one fragment stream per track: for MediaSource, one SourceBuffer each. */
  | 'per-track'
  /** All tracks in one init segment and one moof per fragment: a playable fragmented MP4 file. */
  | 'muxed';

/** Options of Engine.create; each is checked, and a bad one throws a WeirOptionError naming it. */
export interface EngineOptions {
  /** Output shape; default `per-track`. */
  output?: OutputMode;
  /**
   * Target fragment duration in milliseconds. 0 (default) cuts one fragment per video GOP (files);
   * a small value (e.g. 100, or 1 for every frame) gives the short fragments low-latency live needs.
   */
  fragmentDuration?: number;
  /**
   * Audio tracks to output: `'all'` (default; each is its own track, e.g. for a player's audio
   * switching or a file that keeps every language) or the index of one, in the order `probe` lists them.
   */
  audioTrack?: 'all' | number;
  /**
   * How MP3/MP2 tracks are written in `per-track` output: in MP4 (`mp4`, default; `mp4a.6B`/`mp4a.69`), or as
   * their raw frames (`raw`: no init segment; each fragment is the frames of its time range, for an `audio/mpeg`
   * SourceBuffer with `timestampOffset` set to the fragment's `start` — what Chromium's MediaSource takes).
   */
  mpegAudio?: 'mp4' | 'raw';
  /**
   * The program to play (its program_number, as `programs()` lists them). Default: the first whose PMT lists
   * video, else the first program whose PMT arrives.
   */
  program?: number;
  /** The core to use (module, bytes or URL); default: build/weir.wasm next to this package. */
  wasm?: WasmSource;
}

/** The codec of a Matroska track entry, by the core's codec id (wasm/codes.ts `Codec`). */
const ENTRY_CODECS: Record<number, string> = CODEC_NAMES; // the same ids as a track record's

/** A TrackEntry of a WebM/Matroska stream (see Engine.matroskaTracks). */
export interface MatroskaTrack {
  /** TrackNumber, as blocks name the track. */
  number: number;
  /** TrackType: video, audio, or anything else (subtitles, buttons...). */
  kind: 'video' | 'audio' | 'other';
  /** The codec, or 'unknown' for a CodecID weir does not know (subtitles, PCM, DTS...). */
  codec: string;
  /** The MP4 track_ID it is written to, or null when it is not output (see the warnings). */
  output: number | null;
}

/** A program of the PAT (see Engine.programs). */
export interface ProgramInfo {
  /** program_number. */
  program: number;
  /** The PID of its PMT. */
  pmtPid: number;
  /** Whether its PMT was read (a capture may lack some). */
  pmtRead: boolean;
  /** Whether its PMT lists a video stream. */
  video: boolean;
  /** Whether it is the program being output. */
  played: boolean;
  /** Its elementary streams as its PMT lists them (at most 16). */
  streams: { streamType: number; pid: number }[];
}

/**
 * What `push()` and `flush()` return, in stream order: `tracks` (the tracks output, before their first init segment,
 * and again when one changes), `init` (an init segment), `fragment` (a moof+mdat; `data` is a view into the core's
 * memory, valid until the next call on the engine), `warning` (a repair; the stream goes on), `error` (the stream
 * stopped; `reset()` for more input) and `metadata` (ID3, SCTE-35, captions).
 */
export type EngineEvent =
  /** Output is starting with these tracks (once per stream, before the first init segment). */
  | { type: 'tracks'; tracks: TrackInfo[] }
  /** An init segment: for one track (`track` = its id) or for all tracks (`track` = null, muxed). */
  | { type: 'init'; track: number | null; data: Uint8Array }
  /**
   * A moof+mdat fragment. `start`/`end` are seconds on the output timeline (decode times).
   * `data` is a view into the core's memory, valid until the next call on this engine: append it
   * or write it right away, or copy it with `slice()`.
   */
  | {
      type: 'fragment';
      track: number | null;
      data: Uint8Array;
      start: number;
      end: number;
      samples: number;
      /**
       * True when the fragment was written the moment its last frame was known complete (MPEG-TS video with a
       * `fragmentDuration`: at the next frame's PES header); false when written once the next frame's bytes were in
       * too (its duration is the distance to it), a frame interval later on a live source.
       */
      early: boolean;
    }
  /** A problem that was repaired or skipped; the stream goes on. */
  | { type: 'warning'; error: WeirError }
  /** A problem that stops the stream; `reset()` (or a new engine) is needed for more input. */
  | { type: 'error'; error: WeirError }
  /**
   * Timed metadata: an ID3 tag (HLS timed metadata) or an SCTE-35 splice (ad break cue). `time` is
   * seconds on the output timeline (for SCTE-35: the splice time; null when it splices immediately or
   * says no time). `data` is a copy of the tag / section bytes.
   */
  | MetadataEvent;

const EVENT_TRACK = 1;
const EVENT_INIT = 2;
const EVENT_FRAGMENT = 3;
const EVENT_WARNING = 4;
const EVENT_ERROR = 5;
const EVENT_METADATA = 6;
const METADATA_ID3 = 1;
const METADATA_CAPTIONS = 3;

const messages: Record<number, string> = {
  101: 'bytes that are not MPEG-TS packets were skipped',
  102: 'continuity counter gap: the damaged access unit was dropped',
  103: 'transport error indicator set: the damaged access unit was dropped',
  104: 'invalid PES header: its access unit was dropped',
  105: 'video before the first keyframe was dropped',
  106: 'elementary stream not supported by this build: skipped',
  107: 'bytes that are not audio frames were skipped',
  108: 'input ends inside a packet',
  109: 'access unit too large: dropped',
  110: 'timestamp jump',
  111: 'track without decodable data: left out',
  112: 'PES without timestamp: timing derived',
  113: 'further track not output (one video, three audio at most): skipped',
  114: 'last access unit incomplete: dropped',
  115: 'invalid PAT/PMT section ignored',
  116: 'PMT changed: keeping the first version',
  117: 'parameter sets changed mid-stream away from a keyframe (detail 0: the first kept) or in a muxed file (detail 1: carried in-band)',
  118: 'timed metadata incomplete or too large: dropped',
  119: 'audio frames lost: silent frames inserted in their place',
  120: 'damaged WebM/Matroska element: skipped to the next block or cluster',
  121: 'invalid or oversized WebM/Matroska block: dropped',
  122: 'cannot be written into MP4: track left out',
  201: 'no MPEG-TS packets found in the input',
  202: 'container not supported by this build',
  203: 'no track that weir can output',
  204: 'empty input',
  205: 'internal output region overflow',
  206: 'internal error in the WebAssembly core',
  207: 'invalid WebM/Matroska header or tracks',
};

/** A streaming remuxer for one input stream. Create with `Engine.create()`. */
export class Engine {
  private core: CoreExports;
  private readonly module: WebAssembly.Module;
  private readonly mode: number;
  private readonly fragmentMs: number;
  private readonly audioTrack: number;
  private readonly flags: number;
  private readonly program: number;
  private dead = false;
  /** The fatal error that stopped this stream; every later call reports it again, and nothing else. */
  private fatal: WeirError | undefined;
  private bytesIn = 0;
  /** Each output track as its last announcement described it, by slot. */
  private readonly announced = new Map<number, TrackInfo>();

  private constructor(
    module: WebAssembly.Module,
    mode: number,
    fragmentMs: number,
    audioTrack: number,
    flags: number,
    program: number,
  ) {
    this.module = module;
    this.mode = mode;
    this.fragmentMs = fragmentMs;
    this.audioTrack = audioTrack;
    this.flags = flags;
    this.program = program;
    this.core = this.instantiate();
  }

  /** Loads (once) and instantiates the core. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    const output = options.output ?? 'per-track';
    if (output !== 'per-track' && output !== 'muxed') {
      throw new WeirOptionError('output', `must be 'per-track' or 'muxed', got ${String(output)}`);
    }
    const fragmentDuration = options.fragmentDuration ?? 0;
    if (!Number.isInteger(fragmentDuration) || fragmentDuration < 0 || fragmentDuration > 60_000) {
      throw new WeirOptionError('fragmentDuration', `must be an integer 0..60000 (ms), got ${fragmentDuration}`);
    }
    const audioTrack = options.audioTrack ?? 'all';
    if (audioTrack !== 'all' && (!Number.isInteger(audioTrack) || audioTrack < 0 || audioTrack > 255)) {
      throw new WeirOptionError('audioTrack', `must be 'all' or an integer 0..255, got ${String(audioTrack)}`);
    }
    const mpegAudio = options.mpegAudio ?? 'mp4';
    if (mpegAudio !== 'mp4' && mpegAudio !== 'raw') {
      throw new WeirOptionError('mpegAudio', `must be 'mp4' or 'raw', got ${String(mpegAudio)}`);
    }
    const program = options.program ?? -1;
    if (!Number.isInteger(program) || program < -1 || program > 0xffff || program === 0) {
      throw new WeirOptionError('program', `must be a program_number 1..65535, got ${String(options.program)}`);
    }
    const known = ['output', 'fragmentDuration', 'audioTrack', 'mpegAudio', 'program', 'wasm'];
    for (const name of Object.keys(options)) {
      if (!known.includes(name)) throw new WeirOptionError(name, 'is not an option of Engine');
    }
    const module = await loadCoreModule(options.wasm);
    const flags = mpegAudio === 'raw' ? 1 : 0;
    return new Engine(
      module,
      output === 'muxed' ? 1 : 0,
      fragmentDuration,
      audioTrack === 'all' ? -1 : audioTrack,
      flags,
      program,
    );
  }

  private instantiate(): CoreExports {
    const core = instantiateCore(this.module);
    if (core.init(this.mode, this.fragmentMs, this.audioTrack, this.flags, this.program) !== 0) {
      throw new WeirError(ErrorCodes.INTERNAL, 'the WebAssembly core could not reserve its memory');
    }
    return core;
  }

  /** Input bytes pushed so far. */
  get bytesPushed(): number {
    return this.bytesIn;
  }

  /** Size of the core's linear memory in bytes (flat for the life of a stream). */
  get memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  /**
   * Pushes a chunk of input (any size, any boundary). Returns the events it produced; fragment and
   * init data are views valid until the next call (see EngineEvent).
   */
  push(chunk: Uint8Array): EngineEvent[] {
    if (this.fatal) return [{ type: 'error', error: this.fatal }];
    if (chunk.byteLength === 0) return [];
    const events: EngineEvent[] = [];
    let offset = 0;
    this.bytesIn += chunk.byteLength;
    while (offset < chunk.byteLength) {
      // Events of an earlier round would be overwritten by the next one: keep copies.
      if (events.length) detach(events, this.core.memory.buffer);
      const capacity = this.core.inputCapacity();
      const n = Math.min(capacity, chunk.byteLength - offset);
      new Uint8Array(this.core.memory.buffer, this.core.inputPtr(), n).set(chunk.subarray(offset, offset + n));
      offset += n;
      if (!this.call(() => this.core.push(n), events)) return events;
      // A call that filled its output or event region stops early; the rest of its input is
      // processed now, so nothing waits for the next chunk (latency) or the flush.
      while (this.core.pending()) {
        detach(events, this.core.memory.buffer);
        if (!this.call(() => this.core.push(0), events)) return events;
      }
    }
    return events;
  }

  /** Ends the input: everything still queued comes out. */
  flush(): EngineEvent[] {
    if (this.fatal) return [{ type: 'error', error: this.fatal }];
    const events: EngineEvent[] = [];
    this.call(() => this.core.flush(), events);
    return events;
  }

  /** Forgets the stream (for a new one or a seek); keeps the options. Recovers from fatal errors. */
  reset(): void {
    if (this.dead) {
      this.core = this.instantiate();
      this.dead = false;
    } else {
      this.core.reset();
    }
    this.fatal = undefined;
    this.bytesIn = 0;
    this.announced.clear();
  }

  /** The output tracks and what has been written of each so far. */
  tracks(): TrackInfo[] {
    const result: TrackInfo[] = [];
    const n = this.core.maxTracks();
    for (let slot = 0; slot < n; slot++) {
      const t = readTrack(this.core.memory.buffer, this.core.trackInfoPtr(), this.core.trackInfoSize(), slot);
      if (t) result.push(t);
    }
    return result;
  }

  /**
   * The container the input turned out to be, from its first bytes: `mpegts` (MPEG-TS, M2TS, or anything that is
   * not EBML: the TS demuxer then says what it is not), `matroska` (WebM or Matroska), or undefined before the
   * first bytes arrived.
   */
  container(): 'mpegts' | 'matroska' | undefined {
    const kind = this.core.containerKind();
    return kind === 1 ? 'mpegts' : kind === 2 ? 'matroska' : undefined;
  }

  /**
   * The duration the stream's header declares, in seconds (WebM/Matroska Info Duration), once read; undefined when it
   * says none (live streams, MPEG-TS).
   */
  declaredDuration(): number | undefined {
    const d = this.core.declaredDuration();
    return Number.isFinite(d) && d > 0 ? d : undefined;
  }

  /**
   * WebM/Matroska files: the absolute byte position of the Cues element (the file's index), as the stream's SeekHead
   * gives it; undefined when the stream has none (or its headers have not arrived yet). Fetch the element from there
   * (a range request) and give it to `parseCues`.
   */
  cuesPosition(): number | undefined {
    const p = this.core.cuesPosition();
    return p >= 0 ? p : undefined;
  }

  /**
   * Reads a Cues element (its bytes from its ID on; more bytes after it are ignored) into seek points: the time of
   * each indexed keyframe (seconds, the stream's own clock) and the absolute byte position of the Cluster that holds
   * it, in file order. Empty when the bytes are not a whole Cues element.
   */
  parseCues(bytes: Uint8Array): { time: number; offset: number }[] {
    const core = this.core;
    const n = Math.min(bytes.byteLength, core.cuesInputCapacity());
    new Uint8Array(core.memory.buffer, core.cuesInputPtr(), n).set(bytes.subarray(0, n));
    const count = core.parseCues(n);
    const view = new DataView(core.memory.buffer, core.cuesTablePtr(), Math.max(0, count) * 16);
    const points: { time: number; offset: number }[] = [];
    for (let i = 0; i < count; i++) {
      points.push({ time: view.getFloat64(i * 16, true), offset: view.getFloat64(i * 16 + 8, true) });
    }
    return points;
  }

  /**
   * The output timeline's origin on the source clock (MPEG-TS: 90 kHz ticks of the unwrapped PTS that output time 0
   * stands for), once output has started; undefined before. An element time t is source time origin + t × 90000.
   */
  timeOrigin(): number | undefined {
    const t = this.core.timeOrigin();
    return t === -1 ? undefined : t;
  }

  /**
   * MPEG-TS seeking: scans a window of the file (bytes fetched from anywhere in it; whole packets are found by their
   * sync bytes) for the video track's access units. `target` is a 33-bit PTS (90 kHz). Gives how many video PES
   * start in the window, the first one's DTS and offset in the window, and the PTS and offset of the last random
   * access point whose PTS is at or before `target` (undefined where there is none). Undefined when the stream is not
   * MPEG-TS or has no video track yet.
   */
  probeTs(
    window: Uint8Array,
    target: number,
  ): { count: number; first?: { time: number; offset: number }; key?: { time: number; offset: number } } | undefined {
    const core = this.core;
    const n = Math.min(window.byteLength, core.cuesInputCapacity());
    new Uint8Array(core.memory.buffer, core.cuesInputPtr(), n).set(window.subarray(0, n));
    const count = core.probeTs(n, target);
    if (count < 0) return undefined;
    const at = (i: number) => core.probeResult(i);
    return {
      count,
      ...(at(1) >= 0 ? { first: { time: at(0), offset: at(1) } } : {}),
      ...(at(3) >= 0 ? { key: { time: at(2), offset: at(3) } } : {}),
    };
  }

  /**
   * Seeks in a file: the next bytes pushed start at absolute position `offset`: in WebM/Matroska where a Cluster
   * begins (a seek point from `parseCues`), or at a keyframe block inside a Cluster whose Timestamp is
   * `clusterTimestamp` (from `probeMkv`), in MPEG-TS at the packet where a video random access point starts (from
   * `probeTs`). The stream's headers stay known; output starts again with new init segments,
   * on the same timeline as before the seek. False when the stream cannot seek now: stopped by a fatal error, or its
   * output has not started yet (the first fragments fix the timeline's origin: push more, then seek).
   */
  seek(offset: number, clusterTimestamp = -1): boolean {
    if (this.fatal || this.dead) return false;
    return this.core.seekTo(offset, clusterTimestamp) === 0;
  }

  /**
   * WebM/Matroska files without Cues: scans a window of the file for Clusters and video keyframes. `target` is in the
   * stream's ticks (`timestampScale()` ns each). Gives the number of Clusters found, the first one's Timestamp, and
   * the last video keyframe at or before `target`: its offset in the window, its time and its Cluster's Timestamp,
   * which `seek(windowStart + offset, clusterTimestamp)` takes. Undefined when the stream's Tracks are not known.
   */
  probeMkv(
    window: Uint8Array,
    target: number,
  ):
    | { clusters: number; firstCluster?: number; key?: { offset: number; time: number; clusterTimestamp: number } }
    | undefined {
    const core = this.core;
    const n = Math.min(window.byteLength, core.cuesInputCapacity());
    new Uint8Array(core.memory.buffer, core.cuesInputPtr(), n).set(window.subarray(0, n));
    const clusters = core.probeMkv(n, target);
    if (clusters < 0) return undefined;
    const at = (i: number) => core.probeMkvResult(i);
    return {
      clusters,
      ...(at(0) >= 0 ? { firstCluster: at(0) } : {}),
      ...(at(1) >= 0 ? { key: { offset: at(1), time: at(2), clusterTimestamp: at(3) } } : {}),
    };
  }

  /** WebM/Matroska: nanoseconds per tick of the stream's timestamps (TimestampScale); 0 for MPEG-TS. */
  timestampScale(): number {
    return this.core.timestampScale();
  }

  /**
   * The TrackEntry elements of a WebM/Matroska stream once its Tracks element was read (empty before, and for
   * MPEG-TS): every video, audio and other track with its codec and where it goes. A track whose codec has no MP4
   * form weir writes (VP8, Vorbis) is listed with `output: null`; the worker plays such a stream as WebM.
   */
  matroskaTracks(): MatroskaTrack[] {
    const core = this.core;
    const n = core.mkvEntryCount();
    const size = core.mkvEntrySize();
    const view = new DataView(core.memory.buffer, core.mkvEntriesPtr(), n * size);
    const result: MatroskaTrack[] = [];
    for (let i = 0; i < n; i++) {
      const type = view.getUint32(i * size + 4, true);
      const slot = view.getInt32(i * size + 12, true);
      result.push({
        number: view.getUint32(i * size, true),
        kind: type === 1 ? 'video' : type === 2 ? 'audio' : 'other',
        codec: ENTRY_CODECS[view.getUint32(i * size + 8, true)] ?? 'unknown',
        output: slot >= 0 ? slot + 1 : null,
      });
    }
    return result;
  }

  /**
   * The programs of the stream's PAT with the streams their PMTs list (those whose PMT was read), and which one is
   * played: what `weir probe` shows, and the numbers the `program` option takes.
   */
  programs(): ProgramInfo[] {
    const core = this.core;
    const view = new DataView(core.memory.buffer, core.programsPtr(), core.programCount() * core.programEntrySize());
    const result: ProgramInfo[] = [];
    for (let i = 0; i < core.programCount(); i++) {
      const e = i * core.programEntrySize();
      const flags = view.getUint32(e + 4, true);
      const streams = [];
      for (let k = 0; k < view.getUint32(e + 8, true); k++) {
        const v = view.getUint32(e + 12 + k * 4, true);
        streams.push({ streamType: v >>> 16, pid: v & 0xffff });
      }
      result.push({
        program: view.getUint16(e, true),
        pmtPid: view.getUint16(e + 2, true),
        pmtRead: (flags & 1) !== 0,
        video: (flags & 2) !== 0,
        played: (flags & 4) !== 0,
        streams,
      });
    }
    return result;
  }

  /** The tracks as last announced (by id): what a `tracks` event lists. */
  private announcedTracks(): TrackInfo[] {
    return [...this.announced.values()].sort((x, y) => x.id - y.id);
  }

  /** Runs one core call and decodes its events. False when the stream cannot go on. */
  private call(fn: () => number, events: EngineEvent[]): boolean {
    let status: number;
    try {
      status = fn();
    } catch (e) {
      // A trap kills this instance (its state is unknown): report it; reset() makes a fresh one.
      this.dead = true;
      this.fatal = new WeirError(
        ErrorCodes.INTERNAL,
        `the WebAssembly core trapped (${String(e)}); the engine was stopped`,
        {
          cause: e,
        },
      );
      events.push({ type: 'error', error: this.fatal });
      return false;
    }
    this.decode(events);
    if (status !== 0) {
      const reported = events.find((e) => e.type === 'error');
      const reason = status === 2 ? 'its event region overflowed (a bug: please report the stream)' : 'no reason given';
      this.fatal =
        reported?.type === 'error' ? reported.error : new WeirError(ErrorCodes.INTERNAL, `the core stopped: ${reason}`);
      if (!reported) events.push({ type: 'error', error: this.fatal });
      return false;
    }
    return true;
  }

  private decode(events: EngineEvent[]): void {
    const core = this.core;
    const buffer = core.memory.buffer;
    const count = core.eventCount();
    const records = new Float64Array(buffer, core.eventsPtr(), count * 8);
    let pendingTracks = false;
    for (let i = 0; i < count; i++) {
      const r = i * 8;
      const type = records[r]!;
      const code = records[r + 1]!;
      const slot = records[r + 2]!;
      const offset = records[r + 3]!;
      const a = records[r + 4]!;
      const b = records[r + 5]!;
      const track = slot >= 0 ? slot + 1 : undefined;
      if (type === EVENT_TRACK) {
        // The record as it was when announced (a copy in the output region), not as it is now.
        const info = readTrack(buffer, a, core.trackInfoSize(), 0);
        if (info) this.announced.set(slot, info);
        pendingTracks = true;
        continue;
      }
      if (pendingTracks) {
        events.push({ type: 'tracks', tracks: this.announcedTracks() });
        pendingTracks = false;
      }
      if (type === EVENT_INIT) {
        events.push({ type: 'init', track: track ?? null, data: new Uint8Array(buffer, a, b) });
      } else if (type === EVENT_FRAGMENT) {
        events.push({
          type: 'fragment',
          track: track ?? null,
          data: new Uint8Array(buffer, a, b),
          start: records[r + 6]!,
          end: records[r + 7]!,
          samples: code,
          early: offset === 1,
        });
      } else if (type === EVENT_METADATA) {
        const data = new Uint8Array(buffer, a, b).slice();
        const time = Number.isNaN(records[r + 6]!) ? null : records[r + 6]!;
        if (code === METADATA_ID3) events.push({ type: 'metadata', kind: 'id3', time, data, frames: parseId3(data) });
        else if (code === METADATA_CAPTIONS) {
          events.push({ type: 'metadata', kind: 'captions', time, data, captions: parseCaptions(data) });
        } else events.push({ type: 'metadata', kind: 'scte35', time, data, scte35: parseScte35(data) });
      } else if (type === EVENT_WARNING || type === EVENT_ERROR) {
        let message = messages[code] ?? 'unknown problem';
        if (code === 122) message = `${ENTRY_CODECS[a] ?? 'a codec weir does not know'} ${message}`;
        const time = records[r + 5]!;
        const error = new WeirError(code, message, {
          track,
          offset,
          detail: a,
          ...(type === EVENT_WARNING && !Number.isNaN(time) ? { time } : {}),
        });
        events.push({ type: type === EVENT_ERROR ? 'error' : 'warning', error });
      }
    }
    if (pendingTracks) events.push({ type: 'tracks', tracks: this.announcedTracks() });
  }
}

/** Replaces views into the core's memory by copies (the next core call would overwrite them). */
function detach(events: EngineEvent[], memory: ArrayBuffer): void {
  for (const e of events) {
    if ((e.type === 'init' || e.type === 'fragment') && e.data.buffer === memory) e.data = e.data.slice();
  }
}
