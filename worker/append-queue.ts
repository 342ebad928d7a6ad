/**
 * One FIFO of operations per SourceBuffer, advanced on `updateend` (DESIGN.md §4, the MSE spec's
 * "append state" vocabulary). Used by the worker (MSE in the worker) and by the player in fallback
 * mode: one code path, two hosts.
 *
 * Appends are direct when the SourceBuffer is idle: appendBuffer copies the bytes synchronously
 * (MSE "Append Error"/"buffer append" algorithm runs on a copy), so a view into the engine's
 * WebAssembly memory can be handed over with no copy of ours. Only when the buffer is busy is the
 * data copied into the queue.
 *
 * An append the SourceBuffer refuses for its quota (a QuotaExceededError, thrown by appendBuffer before it takes any
 * byte) does not fail the stream when the queue has a BufferController: its bytes stay at the head of the queue, the
 * controller says what to evict (media behind the playhead) or to wait for the playhead to move on, and the same bytes
 * are appended once the removal is done. Nothing is fetched again and nothing is lost; only when nothing can be
 * evicted (the buffer holds only media about to play) is it an error.
 */

import { type BufferController, isQuotaExceeded, type QuotaPlan } from './buffer-controller.js';

type Operation =
  | { kind: 'append'; data: Uint8Array }
  | { kind: 'remove'; start: number; end: number }
  | { kind: 'callback'; fn: () => void };

export class AppendQueue {
  readonly sourceBuffer: SourceBuffer;
  /** What leaves this SourceBuffer (back buffer, quota); without one, a QuotaExceededError fails as any error. */
  readonly buffer: BufferController | undefined;
  private readonly queue: Operation[] = [];
  private readonly onError: (e: unknown) => void;
  private idleWaiters: (() => void)[] = [];
  /** Appends the SourceBuffer took (init segments and fragments; one per append, however many retries it took). */
  appended = 0;
  /** Bytes appended so far. */
  appendedBytes = 0;
  /** Appends the SourceBuffer refused for its quota that got media evicted for them (each counted once). */
  quotaExceeded = 0;
  /**
   * An append refused for the quota is at the head of the queue: where the last eviction for it ended (each one cuts
   * further), whether it waits for the playhead to move on (retryAfterQuota), and whether it was reported.
   */
  private quota: { evictedTo: number; waiting: boolean; reported: boolean } | undefined;

  constructor(sourceBuffer: SourceBuffer, onError: (e: unknown) => void, buffer?: BufferController) {
    this.sourceBuffer = sourceBuffer;
    this.onError = onError;
    this.buffer = buffer;
    sourceBuffer.addEventListener('updateend', () => {
      if (this.appendStarted !== undefined) {
        // An append's latency: appendBuffer() until its updateend (the browser parsed and buffered it).
        const ms = performance.now() - this.appendStarted;
        this.appendStarted = undefined;
        this.appendMsTotal += ms;
        this.appendMsCount++;
      }
      this.next();
    });
    sourceBuffer.addEventListener('error', () => this.onError(new Error('SourceBuffer error event')));
  }

  /** When the append in progress started (performance.now()), and the appends timed so far. */
  private appendStarted: number | undefined;
  private appendMsTotal = 0;
  private appendMsCount = 0;

  /** Mean time from appendBuffer() to its updateend, ms, and how many appends it covers. */
  get appendLatency(): { ms: number; count: number } {
    return { ms: this.appendMsCount ? this.appendMsTotal / this.appendMsCount : 0, count: this.appendMsCount };
  }

  /** True when nothing is queued and the SourceBuffer is not updating. */
  get idle(): boolean {
    return this.queue.length === 0 && !this.sourceBuffer.updating;
  }

  /**
   * Appends bytes; `data` may be a view that becomes invalid after this call returns. `start`: the decode time of a
   * fragment's first sample (seconds), for the BufferController's cut points.
   */
  append(data: Uint8Array, start?: number): void {
    if (start !== undefined) this.buffer?.noteFragment(start, data);
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

  /** Appends waiting in the queue (behind a busy SourceBuffer, or held back by the quota). */
  get pending(): number {
    let n = 0;
    for (const op of this.queue) if (op.kind === 'append') n++;
    return n;
  }

  /**
   * The playhead moved: an append waiting for media behind the playhead to become evictable (the buffer was full of
   * media still to play) asks the BufferController again. Called on each report of the element's state.
   */
  retryAfterQuota(): void {
    if (!this.quota?.waiting || !this.buffer || this.sourceBuffer.updating) return;
    this.follow(this.buffer.quotaPlan(this.sourceBuffer.buffered, this.quota.evictedTo));
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
        this.appendStarted = performance.now();
        this.appended++;
        this.appendedBytes += op.data.byteLength;
        this.quota = undefined;
      } else if (op.kind === 'remove') {
        this.sourceBuffer.remove(op.start, op.end);
      } else {
        op.fn();
        this.next();
      }
    } catch (e) {
      if (op.kind === 'append' && this.buffer && isQuotaExceeded(e)) this.refused(op.data, this.buffer);
      else this.fail(e);
    }
  }

  /**
   * An append refused for the quota: its bytes go back to the head of the queue (a copy: they may be a view into
   * memory that changes once append() returns), and the BufferController says what to do first.
   */
  private refused(data: Uint8Array, buffer: BufferController): void {
    this.queue.unshift({ kind: 'append', data: data.slice() });
    this.quota ??= { evictedTo: Number.NEGATIVE_INFINITY, waiting: false, reported: false };
    this.follow(buffer.quotaPlan(this.sourceBuffer.buffered, this.quota.evictedTo));
  }

  private follow(plan: QuotaPlan): void {
    const quota = this.quota;
    if (!quota) return;
    quota.waiting = plan.action === 'wait';
    if (plan.action === 'evict') {
      quota.evictedTo = plan.end;
      // Reported once per append, with its first eviction (an append that waits, then cannot fit, is an error only).
      if (!quota.reported) {
        quota.reported = true;
        this.quotaExceeded++;
        this.buffer?.quotaExceeded(plan);
      }
      // Its updateend runs the head of the queue again: the same bytes.
      try {
        this.sourceBuffer.remove(plan.start, plan.end);
      } catch (e) {
        this.fail(e);
      }
    } else if (plan.action === 'full') {
      const b = this.sourceBuffer.buffered;
      const head = this.queue[0];
      const bytes = head?.kind === 'append' ? head.data.byteLength : 0;
      const held = b.length
        ? `it holds only media about to play (${b.start(0).toFixed(2)}–${b.end(b.length - 1).toFixed(2)} s)`
        : 'it holds nothing';
      this.fail(
        new DOMException(
          `the SourceBuffer's quota is exceeded and nothing can be evicted: ${held}, and an append of ${bytes} bytes ` +
            'does not fit',
          'QuotaExceededError',
        ),
      );
    }
  }

  private fail(e: unknown): void {
    this.queue.length = 0;
    this.quota = undefined;
    this.onError(e);
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
