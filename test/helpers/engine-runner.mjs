// Runs the engine over a list of files in a child process, so that a hang or a crash of the core can be bounded
// by the parent's time limit and named (test/node/corpus-robustness.test.ts). It uses the compiled engine in lib/
// (built from engine/ by `npm run build`): the parent cannot stop a synchronous WebAssembly loop in its own thread.
//
// usage: node engine-runner.mjs <file>...   → one JSON line per file on stdout: first {"start": file}, then the result.

import { readFileSync } from 'node:fs';

import { prng } from '../fuzz/random.mjs';

const { Engine } = await import(new URL('../../lib/engine/index.js', import.meta.url).href);

async function run(data, output, fragmentDuration, chunk) {
  const engine = await Engine.create({ output, fragmentDuration });
  const result = { output, fragmentDuration, bytes: 0, inits: 0, fragments: 0, warnings: [], errors: [] };
  const take = (events) => {
    for (const e of events) {
      if (e.type === 'init') result.inits++;
      else if (e.type === 'fragment') result.fragments++;
      if (e.type === 'init' || e.type === 'fragment') result.bytes += e.data.length;
      else if (e.type === 'warning') result.warnings.push(e.error.code);
      else if (e.type === 'error') {
        result.errors.push({
          code: e.error.code,
          name: e.error.name,
          isWeirError: e.error.constructor?.name === 'WeirError',
        });
      }
    }
  };
  try {
    let offset = 0;
    while (offset < data.length && result.errors.length === 0) {
      const n = Math.max(1, chunk());
      take(engine.push(data.subarray(offset, offset + n)));
      offset += n;
    }
    if (result.errors.length === 0) take(engine.flush());
  } catch (e) {
    result.thrown = `${e?.name}: ${e?.message}`;
  }
  return result;
}

for (const file of process.argv.slice(2)) {
  console.log(JSON.stringify({ start: file }));
  const started = performance.now();
  const data = new Uint8Array(readFileSync(file));
  const random = prng(data.length);
  const runs = [
    await run(data, 'muxed', 0, () => data.length),
    await run(data, 'per-track', 100, () => 1 + Math.floor(random() * 70000)),
  ];
  console.log(JSON.stringify({ file, ms: performance.now() - started, runs }));
}
