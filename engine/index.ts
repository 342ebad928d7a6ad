/**
 * `weir/engine`: the remux engine for Node, workers and any JavaScript host without a DOM.
 *
 * ```ts
 * import { Engine } from 'weir/engine';
 * const engine = await Engine.create({ output: 'muxed' });
 * for (const event of engine.push(chunk)) if (event.type === 'fragment') write(event.data);
 * ```
 *
 * @packageDocumentation
 */

export { codeName, type ErrorCode, type ErrorCodeName, ErrorCodes } from './codes.js';
export {
  Engine,
  type EngineEvent,
  type EngineOptions,
  type MatroskaTrack,
  type OutputMode,
  type ProgramInfo,
} from './engine.js';
export { type ErrorContext, type SerializedError, type Severity, WeirError, WeirOptionError } from './errors.js';
export {
  type CaptionData,
  type Id3Frame,
  type MetadataEvent,
  parseCaptions,
  parseId3,
  parseScte35,
  type Scte35Info,
} from './metadata.js';
export {
  aacCodecString,
  audioCodecString,
  avcCodecString,
  type CodecName,
  hevcCodecString,
  type TrackInfo,
  type TrackKind,
} from './tracks.js';
export { loadCoreModule, type WasmSource } from './wasm.js';
