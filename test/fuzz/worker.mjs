// A fuzz worker thread: runs cases (run-case.mjs) with the built engine (lib/engine/index.js), one at a time. It
// says 'engine-done' between the engine run and the output checks, so the pool bounds the engine's time on its own:
// a synchronous loop in the core cannot be interrupted from inside its thread, only by terminating the thread.

import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { runCase } from './run-case.mjs';

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
const engine = await import(workerData.engineUrl);
const warmup = new Uint8Array(readFileSync(new URL(workerData.warmupUrl)));

port.on('message', async (/** @type {{ id: number, input: Uint8Array, spec: any }} */ job) => {
  try {
    const result = await runCase(engine, job.input, job.spec, warmup, () =>
      port.postMessage({ type: 'engine-done', id: job.id }),
    );
    port.postMessage({ type: 'result', id: job.id, result });
  } catch (e) {
    // A fault of the harness itself, reported as such (never as a weir failure).
    const failures = [{ kind: 'checker', message: String(/** @type {Error} */ (e)?.stack ?? e) }];
    port.postMessage({
      type: 'result',
      id: job.id,
      result: {
        failures,
        inits: 0,
        fragments: 0,
        samples: 0,
        outputBytes: 0,
        warnings: [],
        error: null,
        engineMs: 0,
        checkMs: 0,
      },
    });
  }
});
port.postMessage({ type: 'ready' });
