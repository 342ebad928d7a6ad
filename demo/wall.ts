/**
 * The wall page: nine live players on one page, each on its own muted <video> with its own worker and
 * worker-owned MediaSource. Also the page the wall browser tests drive (through `window.weirWall`).
 */

import { Player, type PlayerOptions, type PlayerStats, type WeirError } from '../player/index.js';

/** A problem as the tests read it. */
interface Reported {
  codeName: string;
  message: string;
}

interface Tile {
  source: string;
  video: HTMLVideoElement;
  caption: HTMLElement;
  player: Player;
  errors: Reported[];
  warnings: Reported[];
  stats: PlayerStats | undefined;
}

const grid = document.getElementById('wall') as HTMLDivElement;
const tiles: Tile[] = [];

/** The live streams of this page's server, over HTTP or WebSocket (ws:// for http:, wss:// for https:). */
function live(path: '/live.ts' | '/live.webm', transport: 'http' | 'ws'): string {
  if (transport === 'http') return path;
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
}

/**
 * The default wall. Browsers open at most six HTTP/1.1 connections per host (Chromium's socket pool limit, shared by
 * the page and its workers), and an endless live response holds its connection for good: nine live HTTP/1.1 streams
 * from one host cannot all start (the seventh waits for a socket that never frees), and the workers' own script and
 * .wasm requests would queue behind them too. So five tiles take the live streams over HTTP and four over WebSocket
 * (not counted in that pool), which leaves a connection free for everything else. A wall of nine HTTP streams needs
 * HTTP/2 or several hosts.
 */
function defaultSources(): string[] {
  return [
    live('/live.ts', 'http'),
    live('/live.ts', 'http'),
    live('/live.ts', 'http'),
    live('/live.ts', 'http'),
    live('/live.webm', 'http'),
    live('/live.ts', 'ws'),
    live('/live.ts', 'ws'),
    live('/live.ts', 'ws'),
    live('/live.webm', 'ws'),
  ];
}

function reported(e: WeirError): Reported {
  return { codeName: e.codeName, message: e.message };
}

function show(tile: Tile, stats: PlayerStats): void {
  tile.stats = stats;
  const latency = stats.live && Number.isFinite(stats.latency) ? `, ${stats.latency.toFixed(2)} s behind` : '';
  tile.caption.textContent = `${tile.source.replace(/^wss?:\/\/[^/]+/, 'ws ')}: ${stats.currentTime.toFixed(1)} s${latency}`;
}

/** Puts one player per source on the page (after destroying what was there) and starts them all. */
async function startWall(sources: string[] = defaultSources(), options: PlayerOptions = {}): Promise<void> {
  stopWall();
  for (const source of sources) {
    const figure = document.createElement('figure');
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    const caption = document.createElement('figcaption');
    caption.textContent = source;
    figure.append(video, caption);
    grid.append(figure);
    const player = new Player(video, { fragmentDuration: 100, ...options });
    const tile: Tile = { source, video, caption, player, errors: [], warnings: [], stats: undefined };
    player.on('stats', (stats) => show(tile, stats));
    player.on('error', (e) => tile.errors.push(reported(e)));
    player.on('warning', (w) => tile.warnings.push(reported(w)));
    tiles.push(tile);
  }
  await Promise.all(tiles.map((t) => t.player.load(t.source)));
}

/** Destroys every player and removes its tile. */
function stopWall(): void {
  for (const tile of tiles.splice(0)) {
    tile.player.destroy();
    tile.video.closest('figure')?.remove();
  }
}

/** What the tests read of each tile. */
function snapshot() {
  return tiles.map((t) => {
    const q = t.video.getVideoPlaybackQuality();
    return {
      source: t.source,
      currentTime: t.video.currentTime,
      paused: t.video.paused,
      decoded: q.totalVideoFrames,
      dropped: q.droppedVideoFrames,
      mseInWorker: t.stats?.mseInWorker,
      errors: t.errors,
      warnings: t.warnings,
    };
  });
}

document.getElementById('start')?.addEventListener('click', () => void startWall());
document.getElementById('stop')?.addEventListener('click', () => stopWall());

declare global {
  interface Window {
    weirWall: {
      startWall: typeof startWall;
      stopWall: typeof stopWall;
      snapshot: typeof snapshot;
      defaultSources: typeof defaultSources;
      Player: typeof Player;
    };
  }
}
window.weirWall = { startWall, stopWall, snapshot, defaultSources, Player };

if (new URLSearchParams(location.search).has('play')) void startWall();
