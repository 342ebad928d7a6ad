#!/usr/bin/env node
// A/B throughput of two builds of weir on one input, side by side in one run (for "does this change make the
// core slower?"): each build's lib/engine is loaded from its checkout (e.g. a `git worktree` of the commit before
// the change), the input is held in memory, and runs alternate A, B, A, B... so machine noise hits both alike.
//
//   node bench/ab.js <checkout A> <checkout B> <input.ts> [--runs N] [--chunk-kib K] [--json]
//
// Each run: a fresh Engine (muxed output, as the CLI writes files), the whole input pushed in chunks, flush.
// Reports MB/s of input per build (median, min-max) and the ratio B/A of the medians.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string' }, 'chunk-kib': { type: 'string' }, json: { type: 'boolean' } },
});
if (positionals.length !== 3) {
  console.error('usage: node bench/ab.js <checkout A> <checkout B> <input.ts> [--runs N] [--chunk-kib K] [--json]');
  process.exit(2);
}
const runs = Number(values.runs ?? 9);
const chunk = Number(values['chunk-kib'] ?? 512) * 1024;
const input = new Uint8Array(readFileSync(positionals[2]));

async function load(dir) {
  const root = resolve(dir);
  const mod = await import(pathToFileURL(`${root}/lib/engine/index.js`).href);
  const wasm = readFileSync(`${root}/build/weir.wasm`);
  return { root, Engine: mod.Engine, module: await WebAssembly.compile(wasm) };
}

async function once(build) {
  const t0 = performance.now();
  const engine = await build.Engine.create({ output: 'muxed', wasm: build.module });
  let bytes = 0;
  for (let o = 0; o < input.length; o += chunk) {
    for (const e of engine.push(input.subarray(o, o + chunk))) if (e.type === 'fragment') bytes += e.data.length;
  }
  for (const e of engine.flush()) if (e.type === 'fragment') bytes += e.data.length;
  const ms = performance.now() - t0;
  return { mbps: input.length / 1e6 / (ms / 1000), out: bytes };
}

const builds = [await load(positionals[0]), await load(positionals[1])];
const results = [[], []];
for (const b of builds) await once(b); // warm-up (JIT, page-in)
for (let i = 0; i < runs; i++) for (let k = 0; k < 2; k++) results[k].push(await once(builds[k]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = builds.map((b, k) => {
  const mbps = results[k].map((r) => r.mbps);
  return {
    build: b.root,
    medianMBps: median(mbps),
    minMBps: Math.min(...mbps),
    maxMBps: Math.max(...mbps),
    outputBytes: results[k][0].out,
  };
});
const report = {
  input: positionals[2],
  inputBytes: input.length,
  runs,
  chunkBytes: chunk,
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  a: summary[0],
  b: summary[1],
  ratioBA: summary[1].medianMBps / summary[0].medianMBps,
};
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  for (const [name, s] of [
    ['A', summary[0]],
    ['B', summary[1]],
  ]) {
    console.log(
      `${name} ${s.build}: ${s.medianMBps.toFixed(0)} MB/s (${s.minMBps.toFixed(0)}-${s.maxMBps.toFixed(0)}), output ${s.outputBytes} B`,
    );
  }
  console.log(`B/A = ${report.ratioBA.toFixed(3)} (${runs} interleaved runs, ${report.machine})`);
}
