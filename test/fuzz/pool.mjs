// A pool of worker threads that run fuzz cases under a time bound. A case whose engine run overruns its bound is
// a possible hang: the worker is terminated (which stops a WebAssembly loop too) and replaced.

import { Worker } from 'node:worker_threads';

const WORKER = new URL('./worker.mjs', import.meta.url);
export const ENGINE_URL = new URL('../../lib/engine/index.js', import.meta.url);
const WARMUP_URL = new URL('../fixtures/ts-h264-baseline-aac.ts', import.meta.url);
/** The output checks are the harness's own work: a generous bound, and an overrun is a harness fault. */
const CHECK_BOUND_MS = 120_000;

/**
 * @typedef {import('./run-case.mjs').CaseResult} CaseResult
 * @typedef {{ status: 'ok', result: CaseResult, ms: number }
 *   | { status: 'hang', ms: number }
 *   | { status: 'crash', message: string, ms: number }
 *   | { status: 'checker-timeout', ms: number }} Outcome
 */

class Slot {
  /** @param {URL} engineUrl */
  constructor(engineUrl) {
    this.worker = new Worker(WORKER, { workerData: { engineUrl: engineUrl.href, warmupUrl: WARMUP_URL.href } });
    this.worker.unref();
    /** @type {Promise<void>} */
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
    });
    this.ready.catch(() => {}); // awaited (and reported) by run()
  }
}

export class Pool {
  /**
   * @param {number} size  worker threads
   * @param {{ engineUrl?: URL }} [options]  engineUrl: the engine module (default lib/engine/index.js; the harness's
   *   own tests pass a fake one that misbehaves on purpose)
   */
  constructor(size, options = {}) {
    this.engineUrl = options.engineUrl ?? ENGINE_URL;
    /** @type {Slot[]} */
    this.idle = [];
    /** @type {((slot: Slot) => void)[]} */
    this.waiting = [];
    this.nextId = 0;
    this.size = size;
    for (let i = 0; i < size; i++) this.idle.push(new Slot(this.engineUrl));
  }

  /** @returns {Promise<Slot>} */
  acquire() {
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** @param {Slot} slot */
  release(slot) {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  /**
   * Runs one case; resolves (never rejects) with what happened.
   * @param {Uint8Array} input @param {import('./run-case.mjs').CaseSpec} spec @param {number} boundMs
   * @returns {Promise<Outcome>}
   */
  async run(input, spec, boundMs) {
    let slot = await this.acquire();
    try {
      await slot.ready;
    } catch {
      // The worker did not start (it reported an error): a new one takes its place.
      slot = new Slot(this.engineUrl);
      await slot.ready;
    }
    const id = this.nextId++;
    const started = performance.now();
    const worker = slot.worker;
    /** @type {Outcome} */
    const outcome = await new Promise((resolve) => {
      /** @type {NodeJS.Timeout} */
      let timer;
      const done = (/** @type {Outcome} */ o) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(o);
      };
      const arm = (ms, /** @type {'hang' | 'checker-timeout'} */ status) => {
        clearTimeout(timer);
        timer = setTimeout(() => done({ status, ms: performance.now() - started }), ms);
      };
      const onMessage = (/** @type {any} */ m) => {
        if (m.id !== id) return;
        if (m.type === 'engine-done') arm(CHECK_BOUND_MS, 'checker-timeout');
        else if (m.type === 'result') done({ status: 'ok', result: m.result, ms: performance.now() - started });
      };
      const onError = (/** @type {Error} */ e) =>
        done({ status: 'crash', message: String(e?.stack ?? e), ms: performance.now() - started });
      const onExit = (code) =>
        done({ status: 'crash', message: `worker exited with code ${code}`, ms: performance.now() - started });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      arm(boundMs, 'hang');
      worker.postMessage({ id, input, spec });
    });
    if (outcome.status === 'ok') this.release(slot);
    else {
      await worker.terminate();
      this.release(new Slot(this.engineUrl));
    }
    return outcome;
  }

  async close() {
    while (this.idle.length < this.size) await new Promise((r) => setTimeout(r, 10));
    await Promise.all(this.idle.map((s) => s.worker.terminate()));
    this.idle = [];
  }
}
