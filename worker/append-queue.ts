/**
 * One FIFO of operations per SourceBuffer, advanced on `updateend` (DESIGN.md §4, the MSE spec's
 * "append state" vocabulary). Used by the worker (MSE in the worker) and by the player in fallback
 * mode: one code path, two hosts.
 *
 * Appends are direct when the SourceBuffer is idle: appendBuffer copies the bytes synchronously
 * (MSE "Append Error"/"buffer append" algorithm runs on a copy), so a view into the engine's
 * WebAssembly memory can be handed over with no copy of ours. Only when the buffer is busy is the
 * data copied into the queue.
 */

type Operation =
  | { kind: 'append'; data: Uint8Array }
  | { kind: 'remove'; start: number; end: number }
  | { kind: 'callback'; fn: () => void };

export class AppendQueue {
  readonly sourceBuffer: SourceBuffer;
  private readonly queue: Operation[] = [];
  private readonly onError: (e: unknown) => void;
  private idleWaiters: (() => void)[] = [];
  /** Bytes appended so far. */
  appendedBytes = 0;

  constructor(sourceBuffer: SourceBuffer, onError: (e: unknown) => void) {
    this.sourceBuffer = sourceBuffer;
    this.onError = onError;
    sourceBuffer.addEventListener('updateend', () => this.next());
    sourceBuffer.addEventListener('error', () => this.onError(new Error('SourceBuffer error event')));
  }

  /** True when nothing is queued and the SourceBuffer is not updating. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.sourceBuffer.updating;
  }

  /** Appends bytes; `data` may be a view that becomes invalid after this call returns. */
  append(data: Uint8Array): void {
    if (this.idle) {
      this.run({ kind: 'append', data });
      return;
    }
    this.queue.push({ kind: 'append', data: data.slice() });
  }

  /**
   * Appends bytes placed at `offset` seconds (SourceBuffer.timestampOffset): for byte streams without
   * timestamps of their own (audio/mpeg), whose frames are placed by the offset (MSE "sequence" mode).
   */
  appendAt(data: Uint8Array, offset: number): void {
    if (this.idle) {
      this.sourceBuffer.timestampOffset = offset;
      this.run({ kind: 'append', data });
      return;
    }
    this.queue.push({
      kind: 'callback',
      fn: () => {
        this.sourceBuffer.timestampOffset = offset;
      },
    });
    this.queue.push({ kind: 'append', data: data.slice() });
  }

  /** Removes [start, end) seconds once the operations before it are done. */
  remove(start: number, end: number): void {
    if (end <= start) return;
    if (this.idle) this.run({ kind: 'remove', start, end });
    else this.queue.push({ kind: 'remove', start, end });
  }

  /**
   * Switches the SourceBuffer to another codec string (MSE changeType) once the operations before it
   * are done: the init segment appended next may then describe a different codec or profile.
   */
  changeType(mimeType: string): void {
    this.queue.push({
      kind: 'callback',
      fn: () => {
        const sb = this.sourceBuffer as SourceBuffer & { changeType?: (type: string) => void };
        if (typeof sb.changeType === 'function') sb.changeType(mimeType);
      },
    });
    if (this.queue.length === 1 && !this.sourceBuffer.updating) this.next();
  }

  /** Resolves once every queued operation is done. */
  drained(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private run(op: Operation): void {
    try {
      if (op.kind === 'append') {
        this.sourceBuffer.appendBuffer(op.data as Uint8Array<ArrayBuffer>);
        this.appendedBytes += op.data.byteLength;
      } else if (op.kind === 'remove') {
        this.sourceBuffer.remove(op.start, op.end);
      } else {
        op.fn();
        this.next();
      }
    } catch (e) {
      this.queue.length = 0;
      this.onError(e);
    }
  }

  private next(): void {
    if (this.sourceBuffer.updating) return;
    const op = this.queue.shift();
    if (op) {
      this.run(op);
      return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
