/**
 * The demo page: plays the bundled sample or the local live stream, and shows what the player
 * reports. Also the page the browser tests drive (through `window.weirDemo`).
 */

import { Player, type PlayerOptions, type PlayerStats, type TrackInfo, type WeirError } from '../player/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const video = $<HTMLVideoElement>('video');

interface DemoState {
  player: Player | undefined;
  errors: { code: number; codeName: string; message: string }[];
  warnings: { code: number; codeName: string }[];
  tracks: TrackInfo[];
  stats: PlayerStats | undefined;
  ended: boolean;
}

const state: DemoState = { player: undefined, errors: [], warnings: [], tracks: [], stats: undefined, ended: false };

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
    $('s-tracks').textContent = tracks
      .map((t) =>
        t.kind === 'video' ? `${t.codecString} ${t.width}x${t.height}` : `${t.codecString} ${t.sampleRate} Hz`,
      )
      .join(', ');
    log(`tracks: ${tracks.map((t) => t.mimeType).join(' | ')}`);
  });
  player.on('stats', show);
  player.on('warning', (w: WeirError) => {
    state.warnings.push({ code: w.code, codeName: w.codeName });
    log(`warning ${w.message}`);
  });
  player.on('error', (e: WeirError) => {
    state.errors.push({ code: e.code, codeName: e.codeName, message: e.message });
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
