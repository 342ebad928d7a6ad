#!/usr/bin/env node
// npm run fuzz -- --minutes N [--seed S] [--workers W] [--cases N] [--out DIR] [--no-save] [--no-minimise]
// npm run fuzz -- --seed S --case I [--case J]...   (just those cases of a seed, e.g. to save a reproducer)
// npm run fuzz -- --replay <note.json>...
//
// Runs the fuzz harness (harness.mjs) against the built engine (lib/, build/weir.wasm: `npm run build` first), over
// the fixtures and, when WEIR_CORPUS is set, the corpus. Prints progress (cases/s, failures), one line per failing
// case, and a summary line; saves one minimised reproducer per new failure signature under test/fuzz/regressions/
// (or --out); exits 1 when any case failed. The same seed gives the same cases.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { checkBuild, fuzz, listRegressions, loadSources, Pool, REGRESSIONS, replay } from './harness.mjs';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seed: { type: 'string' },
    cases: { type: 'string' },
    workers: { type: 'string' },
    out: { type: 'string' },
    'no-save': { type: 'boolean', default: false },
    'no-minimise': { type: 'boolean', default: false },
    replay: { type: 'string', multiple: true },
    case: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run fuzz -- --minutes N [--seed S] [--workers W] [--cases N] [--out DIR] [--no-save] [--no-minimise]',
  );
  console.log('       npm run fuzz -- --seed S --case I [--case J]...');
  console.log('       npm run fuzz -- --replay test/fuzz/regressions/<name>.json');
  process.exit(0);
}

/** @param {string | undefined} v @param {string} name */
function number(v, name) {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`fuzz: --${name} must be a non-negative number, got ${v}`);
    process.exit(2);
  }
  return n;
}

try {
  checkBuild();
} catch (e) {
  console.error(`fuzz: ${/** @type {Error} */ (e).message}`);
  process.exit(2);
}

const workers = number(values.workers, 'workers') ?? Math.max(1, Math.min(2, availableParallelism()));

if (values.replay) {
  const pool = new Pool(workers);
  let failed = 0;
  const all = listRegressions();
  for (const path of values.replay) {
    const r = all.find((x) => path.endsWith(`${x.name}.json`) || path.endsWith(`${x.name}.bin`) || path === x.name);
    if (!r) {
      console.error(`fuzz: no reproducer ${path} in ${REGRESSIONS}`);
      failed++;
      continue;
    }
    const { failures } = await replay(pool, r);
    if (failures.length) failed++;
    console.log(
      `${r.name}: ${failures.length ? failures.map((f) => `${f.kind}: ${f.message}`).join('\n  ') : 'passes'}`,
    );
  }
  await pool.close();
  process.exit(failed ? 1 : 0);
}

const minutes = number(values.minutes, 'minutes');
const cases = number(values.cases, 'cases');
const seed = number(values.seed, 'seed') ?? Date.now() % 2 ** 31;
const corpus = process.env.WEIR_CORPUS || undefined;
const sources = loadSources({ corpus });
const known = new Set(listRegressions().map((r) => r.note.signature));
const limit =
  minutes === undefined && cases === undefined
    ? { ms: 60_000 }
    : { ms: minutes === undefined ? undefined : minutes * 60_000, cases };

console.log(
  `fuzz: seed ${seed}, ${sources.length} sources (${corpus ? `corpus ${corpus}` : 'no corpus: WEIR_CORPUS unset'}), ` +
    `${workers} workers, ${values.case ? `cases ${values.case.join(', ')}` : `${limit.cases !== undefined ? `${limit.cases} cases ` : ''}${limit.ms !== undefined ? `${limit.ms / 60_000} min` : ''}`}`,
);
const summary = await fuzz({
  seed,
  sources,
  workers,
  ...(limit.ms !== undefined ? { ms: limit.ms } : {}),
  ...(limit.cases !== undefined ? { cases: limit.cases } : {}),
  saveDir: values['no-save'] ? null : (values.out ?? REGRESSIONS),
  minimise: !values['no-minimise'],
  known,
  log: (line) => console.log(line),
  progressMs: 10_000,
  ...(values.case ? { only: values.case.map((v) => number(v, 'case')) } : {}),
});

const outcomes = Object.entries(summary.outcomes)
  .sort((a, b) => b[1] - a[1])
  .map(([k, n]) => `${k}=${n}`)
  .join(' ');
const kinds = new Map();
for (const f of summary.failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
console.log(`outcomes: ${outcomes}${summary.slow ? `; ${summary.slow} slow (finished within 10x the bound)` : ''}`);
if (kinds.size) console.log(`failures by kind: ${[...kinds].map(([k, n]) => `${k}=${n}`).join(' ')}`);
console.log(
  `fuzz summary: seed=${seed} cases=${summary.cases} failures=${summary.failures.length} ` +
    `(new=${summary.failures.filter((f) => !f.known).length}) time=${(summary.ms / 1000).toFixed(1)}s ` +
    `rate=${summary.rate.toFixed(1)} cases/s input=${(summary.bytes / 1e6).toFixed(0)} MB sources=${sources.length}`,
);
process.exit(summary.failures.length ? 1 : 0);
