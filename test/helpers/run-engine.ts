/**
 * Runs the engine (engine/index.ts, the TypeScript sources) over a whole input pushed in chunks of a given shape,
 * and collects what came out: the output bytes in order, the warnings and the errors.
 */

import { createHash } from 'node:crypto';
import { Engine, type EngineEvent, type OutputMode, type WeirError } from '../../engine/index.js';

/** Chunk sizes: a fixed size, or a function giving the size of the next chunk. */
export type Chunking = number | ((offset: number) => number);

export interface RunResult {
  /** init and fragment bytes in the order they came out (per-track mode interleaves the tracks). */
  output: Uint8Array;
  /** One entry per init/fragment event: its kind, track and byte length, in order. */
  segments: { type: 'init' | 'fragment'; track: number | null; length: number }[];
  warnings: WeirError[];
  errors: WeirError[];
  /** Anything other than a WeirError that escaped push/flush (must never happen). */
  thrown?: unknown;
}

/** mulberry32, the one seeded PRNG of the tests (test/fuzz/random.mjs): "random" chunkings are the same every run. */
export { prng } from '../fuzz/random.mjs';

import { prng } from '../fuzz/random.mjs';

/** Random chunk sizes in [min, max], from a seed. */
export function randomChunks(seed: number, min = 1, max = 70000): Chunking {
  const next = prng(seed);
  return () => min + Math.floor(next() * (max - min + 1));
}

/** Pushes `data` (or its first `limit` bytes) in chunks, then flushes. */
export async function runEngine(
  data: Uint8Array,
  options: { output: OutputMode; fragmentDuration?: number },
  chunking: Chunking = data.length,
  limit = data.length,
): Promise<RunResult> {
  const engine = await Engine.create({ output: options.output, fragmentDuration: options.fragmentDuration ?? 0 });
  const parts: Uint8Array[] = [];
  const result: RunResult = { output: new Uint8Array(0), segments: [], warnings: [], errors: [] };
  const take = (events: EngineEvent[]) => {
    for (const e of events) {
      if (e.type === 'init' || e.type === 'fragment') {
        // Views into WASM memory are valid until the next call: copy.
        parts.push(e.data.slice());
        result.segments.push({ type: e.type, track: e.track, length: e.data.length });
      } else if (e.type === 'warning') result.warnings.push(e.error);
      else if (e.type === 'error') result.errors.push(e.error);
    }
  };
  try {
    let offset = 0;
    while (offset < limit && result.errors.length === 0) {
      const size = Math.max(1, typeof chunking === 'number' ? chunking : chunking(offset));
      const end = Math.min(limit, offset + size);
      take(engine.push(data.subarray(offset, end)));
      offset = end;
    }
    if (result.errors.length === 0) take(engine.flush());
  } catch (e) {
    result.thrown = e;
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  result.output = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    result.output.set(p, o);
    o += p.length;
  }
  return result;
}

/** A short, comparable description of warnings or errors: code, offset, track and detail. */
export function describeProblems(list: WeirError[]): string[] {
  return list.map((w) => `${w.codeName}@${w.offset ?? '-'} track=${w.track ?? '-'} detail=${w.detail ?? '-'}`);
}

export function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}
