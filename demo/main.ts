/**
 * The demo page: plays the bundled sample or the local live stream, and shows what the player
 * reports. Also the page the browser tests drive (through `window.weirDemo`).
 */

import {
  Player,
  type PlayerEventMap,
  type PlayerOptions,
  type PlayerStats,
  type TrackInfo,
  type WeirError,
} from '../player/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');

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
}

/** Loads a URL in a fresh player. Exposed for the browser tests. */
async function start(url: string, options: PlayerOptions = {}): Promise<void> {
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
  const player = new Player(video, {
    ...options,
    forceMainThreadMse: options.forceMainThreadMse ?? $<HTMLInputElement>('fallback').checked,
  });
  state.player = player;
  $('s-source').textContent = url;
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
  await player.load(url);
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
/** The live WebM over WebSocket, on this page's server (ws:// for http:, wss:// for https:). */
const liveWebSocket = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/live.webm`;
$('play-live-webm').addEventListener('click', () => void start('/live.webm', { fragmentDuration: 100 }));
$('play-live-ws').addEventListener('click', () => void start(liveWebSocket(), { fragmentDuration: 100 }));
$('block').addEventListener('click', () => block(2000));

declare global {
  interface Window {
    weirDemo: {
      start: typeof start;
      block: typeof block;
      state: DemoState;
      video: HTMLVideoElement;
      Player: typeof Player;
    };
  }
}
window.weirDemo = { start, block, state, video, Player };

const autoplay = new URLSearchParams(location.search).get('play');
if (autoplay === 'sample') void start('/media/sample.ts');
else if (autoplay === 'live') void start('/live.ts', { fragmentDuration: 100 });
else if (autoplay === 'live-webm') void start('/live.webm', { fragmentDuration: 100 });
else if (autoplay === 'live-ws') void start(liveWebSocket(), { fragmentDuration: 100 });
