/**
 * `weir/engine`: the remux engine for Node, workers and any JavaScript host without a DOM.
 *
 * ```ts
 * import { Engine } from 'weir/engine';
 * const engine = await Engine.create({ output: 'muxed' });
 * for (const event of engine.push(chunk)) if (event.type === 'fragment') write(event.data);
 * ```
 */
export { Engine, type EngineEvent, type EngineOptions, type OutputMode } from './engine.js';
export { ErrorCodes, codeName, type ErrorCode, type ErrorCodeName } from './codes.js';
export { WeirError, type ErrorContext, type SerializedError, type Severity } from './errors.js';
export { aacCodecString, avcCodecString, type CodecName, type TrackInfo, type TrackKind } from './tracks.js';
export { loadCoreModule, type WasmSource } from './wasm.js';
