// A fake engine for the harness's own tests (test/node/fuzz-harness.test.ts): it has the Engine API the fuzz worker
// uses, and misbehaves in the way the first byte of its input asks, so each check of run-case.mjs and pool.mjs can be
// seen to fire. Never used to judge weir.

import { ErrorCodes, WeirError } from '../../../lib/engine/index.js';

export { ErrorCodes, WeirError };

/** (module (func (export "spin") (loop (br 0)))) */
const SPIN = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 115, 112, 105, 110, 0, 0, 10, 9, 1, 7, 0, 3,
  64, 12, 0, 11, 11,
]);
/** (module (func (export "trap") unreachable)) */
const TRAP = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 116, 114, 97, 112, 0, 0, 10, 5, 1, 3, 0, 0,
  11,
]);

export const Behaviour = {
  HANG: 1,
  GROW_MEMORY: 2,
  THROW: 3,
  TRAP: 4,
  UNKNOWN_CODE: 5,
  BAD_BOX: 6,
  INTERNAL_TRAP: 7,
  NOTHING: 8,
};

export class Engine {
  static async create() {
    return new Engine();
  }

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    this.mode = 0;
  }

  get memoryBytes() {
    return this.memory.buffer.byteLength;
  }

  /** @param {Uint8Array} chunk */
  push(chunk) {
    if (this.mode === 0) this.mode = chunk[0] ?? 0;
    if (this.mode === Behaviour.HANG) new WebAssembly.Instance(new WebAssembly.Module(SPIN)).exports.spin();
    if (this.mode === Behaviour.GROW_MEMORY) this.memory.grow(1);
    if (this.mode === Behaviour.THROW) throw new TypeError('not a WeirError');
    if (this.mode === Behaviour.TRAP) new WebAssembly.Instance(new WebAssembly.Module(TRAP)).exports.trap();
    if (this.mode === Behaviour.UNKNOWN_CODE) return [{ type: 'warning', error: new WeirError(150, 'no such code') }];
    if (this.mode === Behaviour.BAD_BOX) {
      const init = new Uint8Array([0, 0, 0, 99, 0x6d, 0x6f, 0x6f, 0x76]); // a moov that claims 99 bytes
      return [{ type: 'init', track: 1, data: init }];
    }
    if (this.mode === Behaviour.INTERNAL_TRAP) {
      const cause = new WebAssembly.RuntimeError('unreachable');
      return [{ type: 'error', error: new WeirError(ErrorCodes.INTERNAL, 'the WebAssembly core trapped', { cause }) }];
    }
    return [];
  }

  flush() {
    return [];
  }

  reset() {}
}
