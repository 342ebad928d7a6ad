/**
 * `weir`: the player for web pages. MPEG-TS and WebM/Matroska are loaded, parsed, remuxed to fMP4 and appended in a
 * dedicated worker; this thread only holds the <video>.
 *
 * ```ts
 * import { Player } from 'weir';
 * const player = new Player(document.querySelector('video')!);
 * player.on('error', (e) => console.error(e.codeName, e.message));
 * await player.load('https://example.com/stream.ts');
 * await player.play();
 * // or bytes from a transport of the application's own (WebTransport, a data channel, a WebSocket):
 * const source = player.open();
 * source.push(bytes); // ...; source.end()
 * ```
 *
 * @packageDocumentation
 */

export { codeName, type ErrorCode, type ErrorCodeName, ErrorCodes } from '../engine/codes.js';
export {
  type ErrorContext,
  type SerializedError,
  type Severity,
  WeirError,
  WeirOptionError,
} from '../engine/errors.js';
export type { CaptionData, Id3Frame, MetadataEvent, Scte35Info } from '../engine/metadata.js';
export type { CodecName, TrackInfo, TrackKind } from '../engine/tracks.js';
export type { WorkerStats } from '../worker/protocol.js';
export {
  type LatencyReport,
  type Listener,
  Player,
  type PlayerEventMap,
  type PlayerOptions,
  type PlayerStats,
} from './player.js';
export { type PushChunk, type PushHost, PushSource, type PushSourceOptions } from './push-source.js';
