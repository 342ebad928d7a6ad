// The fuzz harness of issue 7: seeded mutations of the fixtures (and of the corpus named by WEIR_CORPUS) pushed
// through the built engine in worker threads under a time bound, with every invariant of run-case.mjs checked.
// Used by `npm run fuzz` (cli.mjs), test/node/fuzz-smoke.test.ts and test/node/fuzz-regressions.test.ts.
//
// A case is determined by (run seed, case index) and the list of sources: source, mutations, chunking, output mode
// and fragment duration all come from one PRNG seeded by caseSeed(seed, index). A failing case is saved as a
// reproducer (the mutated bytes + a JSON note), after minimisation (simpler chunking, shorter input).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutatorsFor } from './mutators.mjs';
import { Pool } from './pool.mjs';
import { caseSeed, Random } from './random.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REGRESSIONS = join(ROOT, 'test/fuzz/regressions');
export { Pool };

/**
 * @typedef {import('./mutators.mjs').Source} Source
 * @typedef {import('./run-case.mjs').CaseSpec} CaseSpec
 * @typedef {import('./run-case.mjs').Chunking} Chunking
 * @typedef {import('./pool.mjs').Outcome} Outcome
 * @typedef {{ kind: string, message: string }} Failure
 * @typedef {{ index: number, seed: number, source: string, mutations: Record<string, unknown>[], bytes: Uint8Array,
 *   spec: CaseSpec }} FuzzCase
 */

/**
 * The inputs mutated: test/fixtures/*.ts, demo/media/sample.ts, test/fixtures/*.{webm,mkv} and, when a corpus folder
 * is given, its ts/ and webm/ files. Order is fixed (sorted), so a seed means the same cases on every machine with the same files.
 * @param {{ corpus?: string | undefined }} [options]
 * @returns {Source[]}
 */
export function loadSources(options = {}) {
  /** @type {Source[]} */
  const sources = [];
  const fixtures = join(ROOT, 'test/fixtures');
  for (const f of readdirSync(fixtures)
    .filter((n) => n.endsWith('.ts'))
    .sort()) {
    sources.push({ name: `fixtures/${f}`, kind: 'ts', bytes: new Uint8Array(readFileSync(join(fixtures, f))) });
  }
  sources.push({
    name: 'demo/media/sample.ts',
    kind: 'ts',
    bytes: new Uint8Array(readFileSync(join(ROOT, 'demo/media/sample.ts'))),
  });
  // Matroska fixtures too, so that WebM is fuzzed without a corpus (the corpus adds more of both).
  for (const f of readdirSync(fixtures)
    .filter((n) => n.endsWith('.webm') || n.endsWith('.mkv'))
    .sort()) {
    sources.push({ name: `fixtures/${f}`, kind: 'webm', bytes: new Uint8Array(readFileSync(join(fixtures, f))) });
  }
  if (options.corpus) {
    const dir = resolve(ROOT, options.corpus);
    for (const sub of /** @type {const} */ (['ts', 'webm'])) {
      const folder = join(dir, sub);
      if (!existsSync(folder))
        throw new Error(`corpus folder ${folder} does not exist (WEIR_CORPUS=${options.corpus})`);
      for (const f of readdirSync(folder).sort()) {
        sources.push({ name: `corpus/${sub}/${f}`, kind: sub, bytes: new Uint8Array(readFileSync(join(folder, f))) });
      }
    }
  }
  return sources;
}

/**
 * Case `index` of the run with seed `seed`.
 * @param {Source[]} sources @param {number} seed @param {number} index
 * @returns {FuzzCase}
 */
export function makeCase(sources, seed, index) {
  const s = caseSeed(seed, index);
  const r = new Random(s);
  const source = r.pick(sources);
  let bytes = source.bytes.slice();
  const ctx = { kind: source.kind, other: () => r.pick(sources) };
  const candidates = mutatorsFor(source.kind).map((m) => /** @type {const} */ ([m.weight, m]));
  const count = r.weighted([
    [3, 0],
    [57, 1],
    [25, 2],
    [15, r.range(3, 4)],
  ]);
  /** @type {Record<string, unknown>[]} */
  const mutations = [];
  for (let k = 0; k < count && bytes.length > 0; k++) {
    const m = r.weighted(candidates);
    const done = m.apply(r, bytes, ctx);
    if (!done) continue;
    bytes = done.bytes;
    mutations.push({ mutator: m.name, ...done.note });
  }
  const [output, fragmentDuration] = r.weighted([
    [30, /** @type {const} */ (['per-track', 0])],
    [25, /** @type {const} */ (['per-track', 100])],
    [10, /** @type {const} */ (['per-track', 1])],
    [25, /** @type {const} */ (['muxed', 0])],
    [10, /** @type {const} */ (['muxed', 100])],
  ]);
  const chunking = pickChunking(r, bytes.length);
  /** @type {CaseSpec} */
  const spec = { output, fragmentDuration, chunking };
  if (chunking.kind !== 'whole' && r.chance(0.3)) spec.compare = { kind: 'whole' };
  if (r.chance(0.1)) spec.reuse = true;
  return { index, seed: s, source: source.name, mutations, bytes, spec };
}

/** @param {Random} r @param {number} length @returns {Chunking} */
function pickChunking(r, length) {
  const kind = r.weighted([
    [25, 'whole'],
    [35, 'fixed'],
    [40, 'random'],
  ]);
  if (kind === 'whole') return { kind: 'whole' };
  if (kind === 'fixed') {
    const sizes = length <= 400_000 ? [1, 7, 188, 1000, 4096, 65536] : [7, 188, 1000, 4096, 65536];
    return { kind: 'fixed', size: r.pick(sizes) };
  }
  const [min, max] = r.pick([
    [1, 512],
    [1, 70_000],
    [100, 5000],
    [1, 1_200_000],
  ]);
  return { kind: 'random', seed: r.seed(), min: length > 400_000 && min === 1 && max === 512 ? 64 : min, max };
}

/** push() calls a chunking makes over `length` bytes (an estimate for the time bound). @param {number} length @param {Chunking} c */
function calls(length, c) {
  if (c.kind === 'whole') return 1;
  if (c.kind === 'fixed') return Math.ceil(length / c.size);
  return Math.ceil(length / ((c.min + c.max) / 2));
}

/**
 * How long the engine may take on a case before it counts as a hang: proportional to its bytes and calls, with
 * room for a loaded machine (the engine remuxes over 1 GB/s; here 0.5 MB/s would pass).
 * @param {number} length @param {CaseSpec} spec
 */
export function timeBound(length, spec) {
  const runs = (spec.compare ? 2 : 1) + (spec.reuse ? 1 : 0);
  const n = calls(length, spec.chunking) + (spec.compare ? calls(length, spec.compare) : 0);
  return Math.round(5000 + ((length * runs + (spec.reuse ? 300_000 : 0)) / 1e6) * 2000 + n * 0.02);
}

/**
 * What identifies a bug across cases: the failure kind and its message with numbers taken out.
 * @param {Failure} f
 */
export function signature(f) {
  const text = f.message
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/push #\d+ \[\d+, \d+\)/g, 'push')
    .replace(/-?\d+(\.\d+)?/g, '#')
    .replace(/[0-9a-f]{8}/g, 'h');
  return `${f.kind}: ${text.slice(0, 120)}`;
}

/**
 * Runs a case on the pool and turns the outcome into failures; a case that overruns its bound is run again with
 * `confirm` (10) times the bound before it counts as a hang (the machine may just be busy).
 * @param {Pool} pool @param {Uint8Array} bytes @param {CaseSpec} spec
 * @param {{ bound?: number, confirm?: number }} [options]  bound: instead of timeBound() (ms)
 * @returns {Promise<{ failures: Failure[], outcome: Outcome, slow: boolean }>}
 */
export async function runOnPool(pool, bytes, spec, options = {}) {
  const bound = options.bound ?? timeBound(bytes.length, spec);
  const longer = bound * (options.confirm ?? 10);
  let outcome = await pool.run(bytes, spec, bound);
  let slow = false;
  if (outcome.status === 'hang') {
    outcome = await pool.run(bytes, spec, longer);
    slow = outcome.status !== 'hang';
  }
  if (outcome.status === 'ok') return { failures: outcome.result.failures, outcome, slow };
  if (outcome.status === 'hang') {
    return {
      failures: [{ kind: 'hang', message: `the engine did not finish within ${longer} ms (${bytes.length} bytes)` }],
      outcome,
      slow,
    };
  }
  if (outcome.status === 'crash')
    return { failures: [{ kind: 'crash', message: `the worker died: ${outcome.message}` }], outcome, slow };
  return {
    failures: [{ kind: 'checker', message: 'the output checks did not finish in time (a harness fault)' }],
    outcome,
    slow,
  };
}

/**
 * Makes a failing case smaller while it still fails the same way (a failure with the same signature): simpler
 * chunking, no comparison or engine reuse unless needed, then a shorter input (cut from the end, then runs of
 * whole packets taken out). Taking packets out is itself damage, so the note keeps the original case too.
 * @param {Pool} pool @param {Uint8Array} bytes @param {CaseSpec} spec @param {Failure} failure
 * @param {{ runs?: number, ms?: number }} [budget]
 */
export async function minimise(pool, bytes, spec, failure, budget = {}) {
  const kind = failure.kind;
  const target = signature(failure);
  const maxRuns = budget.runs ?? 150;
  const deadline = performance.now() + (budget.ms ?? 60_000);
  let runs = 0;
  /** @type {string[]} */
  const steps = [];
  /** @param {Uint8Array} b @param {CaseSpec} s */
  const fails = async (b, s) => {
    if (runs >= maxRuns || performance.now() > deadline) return false;
    runs++;
    const { failures } = await runOnPool(pool, b, s);
    return failures.some((f) => signature(f) === target);
  };
  let cur = { bytes, spec: { ...spec } };
  /** @type {Partial<CaseSpec>[]} */
  const simpler = [];
  if (spec.reuse && kind !== 'reuse-variance') simpler.push({ reuse: false });
  if (spec.compare && kind !== 'chunk-variance') simpler.push({ compare: undefined });
  if (spec.chunking.kind !== 'whole' && kind !== 'chunk-variance') simpler.push({ chunking: { kind: 'whole' } });
  for (const s of simpler) {
    /** @type {any} */
    const candidate = { ...cur.spec, ...s };
    if (candidate.compare === undefined) delete candidate.compare;
    if (!candidate.reuse) delete candidate.reuse;
    if (await fails(cur.bytes, candidate)) {
      cur = { bytes: cur.bytes, spec: candidate };
      steps.push(`spec ${JSON.stringify(candidate)}`);
    }
  }
  // Cut from the end: the largest cut that still fails, halving the step.
  for (let step = Math.floor(cur.bytes.length / 2); step >= 188; ) {
    const shorter = cur.bytes.subarray(0, Math.floor((cur.bytes.length - step) / 188) * 188);
    if (shorter.length < cur.bytes.length && (await fails(shorter, cur.spec))) {
      cur = { bytes: shorter.slice(), spec: cur.spec };
      steps.push(`cut to ${shorter.length}`);
    } else step = Math.floor(step / 2);
  }
  // Take out runs of whole packets (from the front too: a stream may start anywhere).
  for (let parts = 2; parts <= 64 && cur.bytes.length >= 188 * parts; parts *= 2) {
    const size = Math.floor(cur.bytes.length / parts / 188) * 188;
    for (let i = parts - 1; i >= 0 && size > 0; i--) {
      const from = i * size;
      const candidate = new Uint8Array(cur.bytes.length - size);
      candidate.set(cur.bytes.subarray(0, from));
      candidate.set(cur.bytes.subarray(from + size), from);
      if (await fails(candidate, cur.spec)) {
        cur = { bytes: candidate, spec: cur.spec };
        steps.push(`removed [${from}, ${from + size})`);
      }
    }
  }
  return { bytes: cur.bytes, spec: cur.spec, runs, steps };
}

/** The regressions saved so far: note path, note, and bytes path. @param {string} [dir] */
export function listRegressions(dir = REGRESSIONS) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const note = JSON.parse(readFileSync(join(dir, f), 'utf8'));
      return { name: f.replace(/\.json$/, ''), note, bytesPath: join(dir, f.replace(/\.json$/, '.bin')) };
    });
}

/**
 * Saves a reproducer: <name>.bin (the input) and <name>.json (how to run it and what failed).
 * @param {string} dir @param {Record<string, any>} note @param {Uint8Array} bytes
 */
export function saveReproducer(dir, note, bytes) {
  mkdirSync(dir, { recursive: true });
  const stem = String(note.source ?? 'input')
    .replace(/^.*\//, '')
    .replace(/\.[a-z0-9]+$/i, '');
  const name = (
    note.seed === null ? `${note.kind}-${note.case}` : `${note.kind}-${stem}-s${note.seed}-c${note.case}`
  ).replace(/[^A-Za-z0-9._-]/g, '_');
  writeFileSync(join(dir, `${name}.bin`), bytes);
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(note, null, 2)}\n`);
  return join(dir, name);
}

/** The weir commit the harness runs against (for the notes), or 'unknown'. */
export function weirCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Throws when the built engine (lib/, build/weir.wasm) is missing or older than its sources: fuzzing a stale build
 * would report bugs already fixed, or miss new ones.
 */
export function checkBuild() {
  const newest = (/** @type {string} */ dir, /** @type {RegExp} */ re) => {
    let t = 0;
    const walk = (/** @type {string} */ d) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (re.test(f)) t = Math.max(t, st.mtimeMs);
      }
    };
    walk(dir);
    return t;
  };
  const wasm = join(ROOT, 'build/weir.wasm');
  const lib = join(ROOT, 'lib/engine/engine.js');
  if (!existsSync(wasm) || !existsSync(lib))
    throw new Error(
      'the engine is not built: run `npm run build` (or `npx asc wasm/index.ts --target release && npx tsc -p tsconfig.build.json`)',
    );
  if (newest(join(ROOT, 'wasm'), /\.ts$/) > statSync(wasm).mtimeMs)
    throw new Error('build/weir.wasm is older than wasm/: run `npx asc wasm/index.ts --target release`');
  if (newest(join(ROOT, 'engine'), /\.ts$/) > statSync(lib).mtimeMs)
    throw new Error('lib/engine is older than engine/: run `npx tsc -p tsconfig.build.json`');
}

/**
 * @typedef {object} FuzzOptions
 * @property {number} seed
 * @property {number} [cases]       stop after this many cases
 * @property {number} [ms]          or after this long
 * @property {number} [workers]
 * @property {Source[]} sources
 * @property {string | null} [saveDir]  where reproducers go (null: not saved)
 * @property {boolean} [minimise]
 * @property {Set<string>} [known]  signatures already in the regression folder: counted, not saved again
 * @property {(line: string) => void} [log]
 * @property {number} [progressMs]
 * @property {number[]} [only]     run just these case indices
 */

/**
 * @typedef {object} FuzzSummary
 * @property {number} seed
 * @property {number} cases
 * @property {number} ms
 * @property {number} rate       cases per second
 * @property {number} bytes      input bytes pushed
 * @property {{ signature: string, kind: string, message: string, case: number, source: string, known: boolean,
 *   saved?: string }[]} failures  one entry per failing case
 * @property {Record<string, number>} outcomes  how cases ended: 'output', or the fatal code name
 * @property {number} slow       cases that overran their bound once but finished within ten times it
 * @property {number} gaps       cases with output whose timeline had a gap (tfdt-gap, also counted as failures)
 */

/**
 * Runs cases 0, 1, 2... of a seed until the case count or the time is reached.
 * @param {FuzzOptions} o
 * @returns {Promise<FuzzSummary>}
 */
export async function fuzz(o) {
  const pool = new Pool(o.workers ?? 2);
  const log = o.log ?? (() => {});
  const started = performance.now();
  const deadline = o.ms === undefined ? Infinity : started + o.ms;
  const maxCases = o.cases ?? Infinity;
  /** @type {FuzzSummary} */
  const summary = { seed: o.seed, cases: 0, ms: 0, rate: 0, bytes: 0, failures: [], outcomes: {}, slow: 0, gaps: 0 };
  const seen = new Set(o.known ?? []);
  let next = 0;
  let lastProgress = started;
  const commit = weirCommit();

  const worker = async () => {
    const list = o.only;
    while ((list ? next < list.length : next < maxCases) && performance.now() < deadline) {
      const index = list ? list[next++] : next++;
      const c = makeCase(o.sources, o.seed, index);
      const { failures, outcome, slow } = await runOnPool(pool, c.bytes, c.spec);
      summary.cases++;
      summary.bytes += c.bytes.length;
      if (slow) summary.slow++;
      if (outcome.status === 'ok') {
        const r = outcome.result;
        const key = r.error === null ? (r.fragments ? 'output' : 'nothing') : String(r.error);
        summary.outcomes[key] = (summary.outcomes[key] ?? 0) + 1;
      }
      if (failures.some((f) => f.kind === 'tfdt-gap')) summary.gaps++;
      const first = failures[0];
      if (first) {
        const sig = signature(first);
        const known = o.known?.has(sig) ?? false;
        /** @type {FuzzSummary['failures'][number]} */
        const entry = {
          signature: sig,
          kind: first.kind,
          message: first.message,
          case: index,
          source: c.source,
          known,
        };
        summary.failures.push(entry);
        log(
          `FAIL case ${index} (${c.source}, ${c.spec.output}/${c.spec.fragmentDuration}): ${first.kind}: ${first.message}${known ? ' [known]' : ''}`,
        );
        if (!seen.has(sig) && o.saveDir) {
          seen.add(sig);
          const small =
            o.minimise === false
              ? { bytes: c.bytes, spec: c.spec, runs: 0, steps: [] }
              : await minimise(pool, c.bytes, c.spec, first);
          const check = await runOnPool(pool, small.bytes, small.spec);
          const note = {
            kind: first.kind,
            signature: sig,
            message: first.message,
            failures: check.failures.length ? check.failures : failures,
            seed: o.seed,
            case: index,
            caseSeed: c.seed,
            source: c.source,
            mutations: c.mutations,
            spec: small.spec,
            original: { spec: c.spec, length: c.bytes.length },
            length: small.bytes.length,
            minimised: { runs: small.runs, steps: small.steps },
            weir: commit,
          };
          entry.saved = saveReproducer(o.saveDir, note, small.bytes);
          log(`  saved ${entry.saved}.{bin,json} (${small.bytes.length} bytes, ${small.runs} minimisation runs)`);
        }
      }
      const now = performance.now();
      if (o.progressMs && now - lastProgress >= o.progressMs) {
        lastProgress = now;
        log(
          `  ${summary.cases} cases, ${(summary.cases / ((now - started) / 1000)).toFixed(1)} cases/s, ${summary.failures.length} failures`,
        );
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: pool.size }, worker));
  } finally {
    await pool.close();
  }
  summary.ms = performance.now() - started;
  summary.rate = summary.cases / (summary.ms / 1000);
  return summary;
}

/**
 * Replays one saved reproducer through the same checks.
 * @param {Pool} pool @param {{ note: any, bytesPath: string }} regression
 */
export async function replay(pool, regression) {
  const bytes = new Uint8Array(readFileSync(regression.bytesPath));
  return runOnPool(pool, bytes, regression.note.spec);
}

/** @param {string} path */
export function regressionName(path) {
  return basename(path).replace(/\.(json|bin)$/, '');
}
