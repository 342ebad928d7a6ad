/**
 * The demo page: plays the bundled sample or the local live stream (fetched by the player, or by this page and pushed
 * into it), and shows what the player reports, with a chart of latency and buffer ahead over the last minute. Also the
 * page the browser tests drive (through `window.weirDemo`).
 */

import {
  Player,
  type PlayerEventMap,
  type PlayerOptions,
  type PlayerStats,
  type PushSource,
  type TrackInfo,
  type WeirError,
} from '../player/index.js';
import { LatencyChart } from './chart.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');
const chart = new LatencyChart($<HTMLCanvasElement>('chart'));

/** The player's metadata event (player/index.ts does not export the type by name). */
type MetadataEvent = PlayerEventMap['metadata'];

/** A problem as the tests read it (WeirError's fields, without the class). */
interface Reported {
  code: number;
  codeName: string;
  message: string;
  severity: 'recoverable' | 'fatal';
  track: number | undefined;
  detail: number | undefined;
}

/** A metadata event as the tests read it: the decoded fields, and where the playhead was when it arrived. */
type MetadataRecord =
  | { kind: 'id3'; time: number | null; frames: { id: string; description?: string; value?: string }[] }
  | { kind: 'scte35'; time: number | null; scte35: Extract<MetadataEvent, { kind: 'scte35' }>['scte35'] }
  | { kind: 'captions'; time: number | null; captions: Extract<MetadataEvent, { kind: 'captions' }>['captions'] };

interface DemoState {
  player: Player | undefined;
  errors: Reported[];
  warnings: Reported[];
  /** The last `tracks` event; `trackEvents` keeps every one (a resolution change announces the tracks again). */
  tracks: TrackInfo[];
  trackEvents: TrackInfo[][];
  /** Every `audiotrack` event, in order: the id of the audio track heard. */
  audioTracks: number[];
  metadata: (MetadataRecord & { receivedAt: number })[];
  /** The element's size after each `resize` event. */
  videoSizes: { width: number; height: number; currentTime: number }[];
  stats: PlayerStats | undefined;
  ended: boolean;
  /** Pushed streams: the source pushed into, and chunks dropped because the player's queue was full. */
  source: PushSource | undefined;
  dropped: number;
}

const state: DemoState = {
  player: undefined,
  errors: [],
  warnings: [],
  tracks: [],
  trackEvents: [],
  audioTracks: [],
  metadata: [],
  videoSizes: [],
  stats: undefined,
  ended: false,
  source: undefined,
  dropped: 0,
};

function reported(e: WeirError): Reported {
  return {
    code: e.code,
    codeName: e.codeName,
    message: e.message,
    severity: e.severity,
    track: e.track,
    detail: e.detail,
  };
}

/** The event without its raw bytes. */
function metadataRecord(m: MetadataEvent): MetadataRecord {
  switch (m.kind) {
    case 'id3':
      return {
        kind: 'id3',
        time: m.time,
        frames: m.frames.map(({ id, description, value }) => ({ id, description, value })),
      };
    case 'scte35':
      return { kind: 'scte35', time: m.time, scte35: m.scte35 };
    case 'captions':
      return { kind: 'captions', time: m.time, captions: m.captions };
  }
}

video.addEventListener('resize', () =>
  state.videoSizes.push({ width: video.videoWidth, height: video.videoHeight, currentTime: video.currentTime }),
);

function log(line: string): void {
  const el = $('log');
  el.textContent = `${new Date().toISOString().slice(11, 23)} ${line}\n${el.textContent ?? ''}`.slice(0, 8000);
}

function show(stats: PlayerStats): void {
  state.stats = stats;
  const where = $('where');
  where.textContent = stats.mseInWorker
    ? 'MediaSource: in the worker (MSE in Workers)'
    : 'MediaSource: on the main thread (fallback path)';
  where.className = stats.mseInWorker ? '' : 'fallback';
  $('s-bytes').textContent = stats.bytesLoaded.toLocaleString();
  $('s-fragments').textContent = String(stats.fragments);
  $('s-buffered').textContent = stats.buffered.map(([s, e]) => `${s.toFixed(2)}–${e.toFixed(2)}`).join(', ') || '–';
  $('s-time').textContent = stats.currentTime.toFixed(2);
  $('s-latency').textContent = stats.live
    ? `${stats.latency.toFixed(2)} s (p50 ${stats.latencyP50.toFixed(2)}, p95 ${stats.latencyP95.toFixed(2)}), rate ${video.playbackRate}`
    : 'not live';
  $('s-frames').textContent = `${stats.decodedFrames} / ${stats.droppedFrames}`;
  $('s-parse').textContent = `${stats.parseMsPerMB.toFixed(2)} ms/MB in the worker`;
  $('s-warnings').textContent = String(stats.warnings);
  chart.add(stats.live ? stats.latency : Number.NaN, stats.bufferAhead);
  $('c-latency').textContent = stats.live ? `${(stats.latency * 1000).toFixed(0)} ms` : 'not live';
  $('c-buffer').textContent = `${(stats.bufferAhead * 1000).toFixed(0)} ms`;
}

/** The transport of a pushed stream (this page's own WebSocket or fetch), closed when another stream starts. */
let transport: { close(): void } | undefined;

/** A fresh player on the page's video, its events shown and recorded; what played before stops. For the tests too. */
function attach(label: string, options: PlayerOptions = {}): Player {
  transport?.close();
  transport = undefined;
  state.player?.destroy();
  state.errors = [];
  state.warnings = [];
  state.tracks = [];
  state.trackEvents = [];
  state.audioTracks = [];
  state.metadata = [];
  state.videoSizes = [];
  state.stats = undefined;
  state.ended = false;
  state.source = undefined;
  state.dropped = 0;
  chart.reset(options.liveTargetLatency ?? 0.5);
  const player = new Player(video, {
    ...options,
    forceMainThreadMse: options.forceMainThreadMse ?? $<HTMLInputElement>('fallback').checked,
  });
  state.player = player;
  $('s-source').textContent = label;
  player.on('tracks', (tracks) => {
    state.tracks = tracks;
    state.trackEvents.push(tracks);
    $('s-tracks').textContent = tracks
      .map((t) =>
        t.kind === 'video' ? `${t.codecString} ${t.width}x${t.height}` : `${t.codecString} ${t.sampleRate} Hz`,
      )
      .join(', ');
    log(`tracks: ${tracks.map((t) => t.mimeType).join(' | ')}`);
  });
  player.on('audiotrack', (id) => {
    state.audioTracks.push(id);
    const t = state.tracks.find((x) => x.id === id);
    log(`audio track heard: ${id}${t?.language ? ` (${t.language})` : ''}`);
  });
  player.on('metadata', (m) => {
    state.metadata.push({ ...metadataRecord(m), receivedAt: video.currentTime });
    // Captions come with every picture that carries them: too many to log one by one.
    if (m.kind !== 'captions') log(`metadata ${m.kind} at ${m.time === null ? 'no time' : m.time.toFixed(3)}`);
  });
  player.on('stats', show);
  player.on('warning', (w: WeirError) => {
    state.warnings.push(reported(w));
    log(`warning ${w.message}`);
  });
  player.on('error', (e: WeirError) => {
    state.errors.push(reported(e));
    log(`error ${e.message}`);
  });
  player.on('ended', () => {
    state.ended = true;
    log('stream ended (all media appended)');
  });
  return player;
}

/** Loads a URL in a fresh player. Exposed for the browser tests. */
async function start(url: string, options: PlayerOptions = {}): Promise<void> {
  const player = attach(url, options);
  await player.load(url);
  video.play().catch(() => log('autoplay refused: press play'));
}

/**
 * Plays a stream this page fetches itself and pushes into the player (Player.open), as an application with its own
 * transport does: a ws:// URL through a WebSocket (each message's ArrayBuffer pushed, transferred to the worker; a
 * WebSocket cannot be slowed down, so a chunk the full queue refuses is dropped and counted), an HTTP URL through
 * fetch, piped into the source's WritableStream (which waits while the player's queue is full).
 */
function startPushed(url: string, options: PlayerOptions = {}): void {
  const player = attach(`${url} (pushed by the page)`, options);
  const source = player.open();
  state.source = source;
  if (/^wss?:/.test(url)) {
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('message', (e: MessageEvent<ArrayBuffer>) => {
      if (source.state !== 'open') return;
      try {
        source.push(e.data);
      } catch (err) {
        if ((err as Error).name !== 'QuotaExceededError') throw err;
        if (state.dropped++ === 0) log(`pushed chunks dropped: ${(err as Error).message}`);
      }
    });
    socket.addEventListener('close', () => source.end());
    transport = socket;
  } else {
    const controller = new AbortController();
    fetch(url, { signal: controller.signal })
      .then((response) => {
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        return response.body.pipeTo(source.writable);
      })
      .catch((e) => {
        if (!controller.signal.aborted) log(`the page's fetch of ${url} stopped: ${String(e)}`);
      });
    transport = { close: () => controller.abort() };
  }
  video.play().catch(() => log('autoplay refused: press play'));
}

/** Blocks this thread, the way a busy page does. */
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: nothing else runs on this thread meanwhile
  }
}

$('play-sample').addEventListener('click', () => void start('/media/sample.ts'));
$('play-live').addEventListener('click', () => void start('/live.ts', { fragmentDuration: 100 }));
/** A live stream over WebSocket, on this page's server (ws:// for http:, wss:// for https:). */
const liveWebSocket = (path = '/live.webm') =>
  `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
$('play-live-webm').addEventListener('click', () => void start('/live.webm', { fragmentDuration: 100 }));
$('play-live-ws').addEventListener('click', () => void start(liveWebSocket(), { fragmentDuration: 100 }));
$('play-live-pushed').addEventListener('click', () =>
  startPushed(liveWebSocket('/live.ts'), { fragmentDuration: 100 }),
);
$('block').addEventListener('click', () => block(2000));

declare global {
  interface Window {
    weirDemo: {
      start: typeof start;
      startPushed: typeof startPushed;
      attach: typeof attach;
      block: typeof block;
      state: DemoState;
      video: HTMLVideoElement;
      Player: typeof Player;
    };
  }
}
window.weirDemo = { start, startPushed, attach, block, state, video, Player };

const autoplay = new URLSearchParams(location.search).get('play');
if (autoplay === 'sample') void start('/media/sample.ts');
else if (autoplay === 'live') void start('/live.ts', { fragmentDuration: 100 });
else if (autoplay === 'live-webm') void start('/live.webm', { fragmentDuration: 100 });
else if (autoplay === 'live-ws') void start(liveWebSocket(), { fragmentDuration: 100 });
else if (autoplay === 'live-pushed') startPushed(liveWebSocket('/live.ts'), { fragmentDuration: 100 });
