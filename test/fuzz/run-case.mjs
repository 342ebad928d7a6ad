// Runs one fuzz case through the engine and checks everything weir promises about it. Called inside a worker thread
// (pool.mjs), which the harness terminates when the case overruns its time bound.
//
// Checks on every case (failure kinds):
// - trap:            the core trapped (a WebAssembly RuntimeError, reported by the engine as INTERNAL with the trap
//                    as its cause, or escaping it);
// - internal:        INTERNAL (206) for another reason, e.g. the core's event region overflowed;
// - output-overflow: OUTPUT_OVERFLOW (205), an internal region too small (a bug by its own definition);
// - thrown:          anything thrown out of push() or flush();
// - unknown-code:    a warning or error whose code engine/codes.ts does not list, or that is not a WeirError;
// - memory-growth:   the core's memory changed size after Engine.create() (DESIGN.md §2: it never grows);
// - no-outcome:      the input ended with neither output nor a fatal error;
// - after-fatal:     after a fatal error, push() and flush() do not report that same error alone;
// - chunk-variance:  another chunking of the same input gives other output bytes or other problems (DESIGN.md §2);
// - reuse-variance:  an engine reused after reset() gives other output or problems than a fresh one;
// - and the output invariants of fmp4-check.mjs on every init segment and fragment, with the silent frames the
//   engine reported inserting (AUDIO_GAP_FILLED) as the only audio samples allowed from outside the input.

import { createHash } from 'node:crypto';
import { strippedHeaders } from './ebml-index.mjs';
import { OutputStream, sampleFinder } from './fmp4-check.mjs';
import { prng } from './random.mjs';
import { referenceStreams } from './ts-index.mjs';

/**
 * How the input is cut into push() calls.
 * @typedef {{ kind: 'whole' } | { kind: 'fixed', size: number } | { kind: 'random', seed: number, min: number, max: number }} Chunking
 */

/**
 * @typedef {object} CaseSpec
 * @property {'per-track' | 'muxed'} output
 * @property {number} fragmentDuration
 * @property {Chunking} chunking
 * @property {Chunking} [compare]  a second chunking whose output must be byte-identical
 * @property {boolean} [reuse]     run a clean stream first, then reset(), then the case (engine reuse); a fresh
 *   engine must then give the same result
 */

/**
 * @typedef {object} CaseResult
 * @property {{ kind: string, message: string }[]} failures
 * @property {number} inits
 * @property {number} fragments
 * @property {number} samples
 * @property {number} outputBytes
 * @property {number[]} warnings  codes, in order
 * @property {number | null} error  the fatal code, if any
 * @property {number} engineMs
 * @property {number} checkMs
 */

/** The chunk sizes of a chunking, one per call. @param {Chunking} c */
export function chunker(c) {
  if (c.kind === 'whole') return () => Number.MAX_SAFE_INTEGER;
  if (c.kind === 'fixed') return () => c.size;
  const next = prng(c.seed);
  return () => c.min + Math.floor(next() * (c.max - c.min + 1));
}

/**
 * @param {any} engineModule  lib/engine/index.js
 * @param {Uint8Array} input
 * @param {CaseSpec} spec
 * @param {Uint8Array | null} warmup  a clean stream pushed before reset() when spec.reuse is set
 * @param {() => void} [engineDone]  called between the engine run and the output checks
 * @returns {Promise<CaseResult>}
 */
export async function runCase(engineModule, input, spec, warmup, engineDone) {
  /** @type {{ kind: string, message: string }[]} */
  const failures = [];
  const perKind = new Map();
  /** @param {string} kind @param {string} message */
  const fail = (kind, message) => {
    const n = perKind.get(kind) ?? 0;
    perKind.set(kind, n + 1);
    if (n < 3) failures.push({ kind, message });
  };

  const started = performance.now();
  const first = await pushAll(engineModule, input, spec, spec.chunking, warmup, fail);
  // With engine reuse, the same chunking on a fresh engine must give the same result (reset() forgets everything).
  const fresh = spec.reuse && warmup ? await pushAll(engineModule, input, spec, spec.chunking, null, () => {}) : first;
  if (fresh !== first) compare('reuse-variance', fail, first, 'after reset()', fresh, 'a fresh engine');
  if (spec.compare) {
    const other = await pushAll(engineModule, input, spec, spec.compare, null, () => {});
    compare('chunk-variance', fail, fresh, chunkingLabel(spec.chunking), other, chunkingLabel(spec.compare));
  }
  const engineMs = performance.now() - started;
  engineDone?.();

  // Output invariants, per output stream.
  const checkStarted = performance.now();
  const samples = checkOutput(
    input,
    first.segments,
    first.fills,
    { stopped: first.error !== null, suppressed: first.suppressed },
    fail,
  );
  if (
    first.error === null &&
    first.fragments === 0 &&
    !failures.some((f) => f.kind === 'thrown' || f.kind === 'trap')
  ) {
    fail(
      'no-outcome',
      `the input ended without output and without a fatal error (warnings: ${[...new Set(first.warnings)].join(',') || 'none'})`,
    );
  }
  return {
    failures,
    inits: first.inits,
    fragments: first.fragments,
    samples,
    outputBytes: first.bytes,
    warnings: first.warnings,
    error: first.error,
    engineMs,
    checkMs: performance.now() - checkStarted,
  };
}

/**
 * The output invariants of fmp4-check.mjs on every output stream of a run (its init segments and fragments in
 * order), the fragment events against their boxes, and the reported silent fills against the audio tracks. Returns
 * the samples of all fragments.
 * @param {Uint8Array} input
 * @param {{ type: string, track: number | null, data: Uint8Array, samples?: number, start?: number, end?: number }[]} segments
 * @param {{ track: number, count: number }[]} fills  AUDIO_GAP_FILLED warnings in order: track id, frames inserted
 * @param {{ stopped: boolean, suppressed: boolean }} how  see OutputStream.checkFills
 * @param {(kind: string, message: string) => void} fail
 */
export function checkOutput(input, segments, fills, how, fail) {
  // WebM/Matroska frames are copied from the input as they are (Annex B H.264 NAL units too): the input is the
  // reference. MPEG-TS: the elementary streams reassembled from the packets (ts-index.mjs).
  const ebml = input[0] === 0x1a && input[1] === 0x45 && input[2] === 0xdf && input[3] === 0xa3;
  const find = sampleFinder(
    () => (ebml ? new Map([[0, Buffer.from(input)]]) : referenceStreams(input)),
    ebml ? () => strippedHeaders(input) : undefined,
  );
  /** @type {Map<number | null, OutputStream>} */
  const streams = new Map();
  let samples = 0;
  for (const s of segments) {
    let stream = streams.get(s.track);
    if (!stream) {
      stream = new OutputStream(s.track === null ? '[muxed]' : `[per-track ${s.track}]`, fail, find);
      streams.set(s.track, stream);
    }
    if (s.type === 'init') stream.init(s.data);
    else {
      const { samples: n, ok } = stream.fragment(s.data);
      samples += n;
      if (ok && s.samples !== undefined && s.track !== null && n !== s.samples)
        fail('event', `fragment event says ${s.samples} samples, its truns hold ${n}`);
      if (!(Number(s.end) >= Number(s.start)) || !Number.isFinite(s.start))
        fail('event', `fragment event start ${s.start} end ${s.end}`);
    }
  }
  /** @type {Map<number, number[]>} */
  const byTrack = new Map();
  for (const f of fills) byTrack.set(f.track, [...(byTrack.get(f.track) ?? []), f.count]);
  for (const stream of streams.values()) stream.checkFills(byTrack, how);
  return samples;
}

/**
 * Two runs of the same input must agree on every output byte and on every problem reported (code and offset).
 * @param {string} kind @param {(kind: string, message: string) => void} fail
 * @param {{ hash: string, bytes: number, problems: string[] }} a @param {string} aLabel
 * @param {{ hash: string, bytes: number, problems: string[] }} b @param {string} bLabel
 */
function compare(kind, fail, a, aLabel, b, bLabel) {
  if (a.hash !== b.hash) {
    fail(
      kind,
      `output differs: ${aLabel} gives ${a.bytes} bytes (${a.hash.slice(0, 8)}), ${bLabel} ${b.bytes} bytes (${b.hash.slice(0, 8)})`,
    );
  } else if (a.problems.join() !== b.problems.join()) {
    const at = a.problems.findIndex((p, i) => p !== b.problems[i]);
    fail(
      kind,
      `problems (code@offset) differ from #${at}: ${aLabel} [${a.problems.slice(at, at + 3)}], ${bLabel} [${b.problems.slice(at, at + 3)}]`,
    );
  }
}

/** @param {Chunking | undefined} c */
function chunkingLabel(c) {
  if (!c) return '-';
  return c.kind === 'whole'
    ? 'whole'
    : c.kind === 'fixed'
      ? `${c.size}-byte chunks`
      : `random ${c.min}..${c.max} chunks (seed ${c.seed})`;
}

/**
 * Pushes the input in chunks, then flushes; collects the output and checks what the engine itself must keep.
 * @param {any} engineModule @param {Uint8Array} input @param {CaseSpec} spec @param {Chunking} chunking
 * @param {Uint8Array | null} warmup @param {(kind: string, message: string) => void} fail
 */
async function pushAll(engineModule, input, spec, chunking, warmup, fail) {
  const { Engine, ErrorCodes, WeirError } = engineModule;
  const known = new Set(Object.values(ErrorCodes));
  const engine = await Engine.create({ output: spec.output, fragmentDuration: spec.fragmentDuration });
  const memory = engine.memoryBytes;
  let hash = createHash('sha1');
  /** @type {{ type: string, track: number | null, data: Uint8Array, samples?: number, start?: number, end?: number }[]} */
  const segments = [];
  /** @type {number[]} */
  const warnings = [];
  /** @type {string[]} */
  const problems = [];
  /** @type {{ track: number, count: number }[]} */
  const fills = [];
  /** @type {any} */
  let fatal = null;
  let bytes = 0;
  let inits = 0;
  let fragments = 0;
  let call = '';

  /** @param {() => any[]} fn */
  const take = (fn) => {
    let events;
    try {
      events = fn();
    } catch (e) {
      const err = /** @type {Error} */ (e);
      fail(err instanceof WebAssembly.RuntimeError ? 'trap' : 'thrown', `${call} threw ${err?.name}: ${err?.message}`);
      fatal ??= { code: -1 };
      return;
    }
    if (engine.memoryBytes !== memory)
      fail('memory-growth', `${call}: core memory ${memory} → ${engine.memoryBytes} bytes`);
    for (const e of events) {
      if (e.type === 'init' || e.type === 'fragment') {
        const data = e.data.slice();
        hash.update(data);
        bytes += data.length;
        if (e.type === 'init') inits++;
        else fragments++;
        segments.push({ type: e.type, track: e.track, data, samples: e.samples, start: e.start, end: e.end });
      } else if (e.type === 'warning' || e.type === 'error') {
        const err = e.error;
        if (!(err instanceof WeirError))
          fail('unknown-code', `${call}: a ${e.type} that is not a WeirError: ${String(err)}`);
        if (!known.has(err?.code))
          fail('unknown-code', `${call}: ${e.type} code ${err?.code} is not in engine/codes.ts`);
        problems.push(`${err?.code}@${err?.offset ?? '-'}`);
        if (e.type === 'warning') {
          warnings.push(err.code);
          if (err.code === ErrorCodes.AUDIO_GAP_FILLED) fills.push({ track: err.track, count: err.detail });
          if (err.severity !== 'recoverable')
            fail('unknown-code', `${call}: warning ${err.codeName} with severity ${err.severity}`);
          continue;
        }
        if (fatal) {
          fail('after-fatal', `${call}: a second error ${err.codeName} after ${fatal.codeName}`);
          continue;
        }
        fatal = err;
        if (err.code === ErrorCodes.INTERNAL) {
          const cause = /** @type {any} */ (err).cause;
          if (cause instanceof WebAssembly.RuntimeError || /trapped/.test(err.message))
            fail('trap', `${call}: ${err.message}`);
          else fail('internal', `${call}: ${err.message}`);
        } else if (err.code === ErrorCodes.OUTPUT_OVERFLOW) {
          fail('output-overflow', `${call}: ${err.message}`);
        } else if (err.severity !== 'fatal') {
          fail('unknown-code', `${call}: error ${err.codeName} with severity ${err.severity}`);
        }
      }
    }
  };

  if (warmup && spec.reuse) {
    call = 'warm-up push';
    take(() => engine.push(warmup));
    call = 'warm-up flush';
    take(() => engine.flush());
    // Only what comes after reset() is the case's output.
    segments.length = 0;
    warnings.length = 0;
    problems.length = 0;
    fills.length = 0;
    fatal = null;
    bytes = 0;
    inits = 0;
    fragments = 0;
    hash = createHash('sha1');
    engine.reset();
    if (engine.memoryBytes !== memory)
      fail('memory-growth', `reset(): core memory ${memory} → ${engine.memoryBytes} bytes`);
  }

  const next = chunker(chunking);
  let offset = 0;
  let calls = 0;
  while (offset < input.length && !fatal) {
    const n = Math.max(1, next());
    const end = Math.min(input.length, offset + n);
    call = `push #${calls} [${offset}, ${end})`;
    take(() => engine.push(input.subarray(offset, end)));
    offset = end;
    calls++;
  }
  if (!fatal) {
    call = 'flush';
    take(() => engine.flush());
  }
  if (fatal && fatal.code !== -1) {
    // A stopped stream reports its error again, and nothing else, until reset().
    for (const [label, fn] of /** @type {[string, () => any[]][]} */ ([
      ['push after the fatal error', () => engine.push(new Uint8Array([0x47]))],
      ['flush after the fatal error', () => engine.flush()],
    ])) {
      try {
        const events = fn();
        if (events.length !== 1 || events[0].type !== 'error' || events[0].error.code !== fatal.code) {
          fail('after-fatal', `${label}: [${events.map((/** @type {any} */ e) => e.type).join(',')}]`);
        }
      } catch (e) {
        fail('thrown', `${label} threw ${String(e)}`);
      }
    }
  }
  // Warnings past the core's per-call limit are dropped (wasm/events.ts): then a fill may have gone unreported. The
  // count is a core export the Engine class does not surface; its private field is reached here on purpose.
  const core = /** @type {any} */ (engine).core;
  const suppressed = (core?.warningsSuppressed?.() ?? 0) > 0;
  return {
    hash: hash.digest('hex'),
    bytes,
    inits,
    fragments,
    segments,
    warnings,
    problems,
    fills,
    suppressed,
    error: fatal ? fatal.code : null,
  };
}
