/**
 * A stream of bytes the application pushes into the player (Player.open): for transports weir does not own, such as
 * WebTransport, a WebRTC data channel or the application's own WebSocket. Each push goes to the worker at once, its
 * ArrayBuffer transferred (no copy on this thread when the bytes fill their buffer); the worker takes them through the
 * same path as a network body (container sniffed from the first bytes, latency control, append backpressure) and says
 * how far it got, so this side knows how many bytes wait there and can ask the application to slow down.
 */

/** What a pushed stream is, and how much of it may wait in the worker. Validated by Player.open. */
export interface PushSourceOptions {
  /**
   * Whether the stream is live (default true): latency is steered as for a live URL, and nothing limits how far ahead
   * of the playhead media is buffered. `false` for a file: loading pauses (and pushed bytes wait) while
   * `forwardBufferSeconds` of media are buffered ahead, and `end()` plays it to its end.
   */
  live?: boolean;
  /**
   * Bytes queued (pushed, not yet taken by the worker) at which `desiredSize` reaches 0 and `ready` waits; default
   * 1 MiB (about 2 s of a 4 Mbit/s stream).
   */
  highWaterMark?: number;
  /**
   * Bytes queued past which `push()` refuses a chunk with a `QuotaExceededError` instead of queueing it (the chunk
   * stays the caller's); default 32 MiB. A chunk pushed while nothing is queued is always taken, whatever its size.
   */
  maxQueuedBytes?: number;
  /** Aborts the stream (as `abort()`): the player stops. */
  signal?: AbortSignal;
}

/**
 * How a PushSource reaches its player's worker (the player's current load). Inside weir only.
 * @internal
 */
export interface PushHost {
  /**
   * Posts a pushed chunk (its buffer transferred), or the stream's end, to the worker: the `push` and `push-end`
   * messages of worker/protocol.ts, written out so that the public declarations do not reach into the protocol (a
   * property, not a method, so that the player's `(message: ToWorker) => void` checks them against ToWorker).
   */
  send: (
    message: { type: 'push'; data: ArrayBuffer; at: number } | { type: 'push-end' },
    transfer: Transferable[],
  ) => void;
  /** Stops the load (the application aborted the stream). */
  stop(): void;
}

/** A chunk push() takes: bytes, as a view or a buffer. */
export type PushChunk = ArrayBufferView | ArrayBuffer;

const RESOLVED = Promise.resolve();

/**
 * The sink the application pushes a stream's bytes into, from `Player.open()`. MPEG-TS or WebM/Matroska, recognised
 * from the first bytes; chunks of any size, cut anywhere.
 *
 * ```ts
 * const source = player.open();
 * socket.binaryType = 'arraybuffer';
 * socket.onmessage = (e) => source.push(e.data); // the ArrayBuffer is transferred to the worker
 * // or, with backpressure: await response.body.pipeTo(player.open().writable);
 * ```
 */
export class PushSource {
  /** Bytes queued at which `desiredSize` reaches 0 (see PushSourceOptions). */
  readonly highWaterMark: number;
  /** Bytes queued past which `push()` refuses a chunk (see PushSourceOptions). */
  readonly maxQueuedBytes: number;
  private readonly host: PushHost;
  private pushed = 0;
  private consumed = 0;
  private status: 'open' | 'ended' | 'closed' = 'open';
  private closedBecause = '';
  private readyPromise: Promise<void> = RESOLVED;
  private readyResolve: (() => void) | undefined;
  private stream: WritableStream<PushChunk> | undefined;

  /**
   * Made by Player.open(); not constructed by applications.
   * @internal
   */
  constructor(host: PushHost, highWaterMark: number, maxQueuedBytes: number) {
    this.host = host;
    this.highWaterMark = highWaterMark;
    this.maxQueuedBytes = maxQueuedBytes;
  }

  /**
   * Bytes pushed that the worker has not taken yet (those on their way to it included; its report comes at most
   * every 20 ms, so this errs on the high side).
   */
  get queuedBytes(): number {
    return this.pushed - this.consumed;
  }

  /**
   * `highWaterMark - queuedBytes` while the stream is open: push while it is above 0, and wait for `ready` when it is
   * not (as a WritableStream writer's `desiredSize`). 0 once the stream was ended or closed.
   */
  get desiredSize(): number {
    return this.status === 'open' ? this.highWaterMark - this.queuedBytes : 0;
  }

  /**
   * Resolves when `desiredSize` is above 0 again (at once if it is), or when the stream ends or closes (a push then
   * throws and says why).
   */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  /**
   * `open`: it takes pushes; `ended`: `end()` was called (the player plays what it got); `closed`: it was aborted, or
   * the player stopped playing it (another load, `destroy()`, a fatal error).
   */
  get state(): 'open' | 'ended' | 'closed' {
    return this.status;
  }

  /**
   * The same stream as a WritableStream, for `readable.pipeTo(source.writable)`: each write is a push, and the pipe
   * waits for `ready` between writes (backpressure to the readable); closing it is `end()`, aborting it `abort()`.
   */
  get writable(): WritableStream<PushChunk> {
    this.stream ??= new WritableStream<PushChunk>({
      write: (chunk) => {
        this.push(chunk);
        return this.ready;
      },
      close: () => this.end(),
      abort: () => this.abort(),
    });
    return this.stream;
  }

  /**
   * Sends the next bytes of the stream to the player. An ArrayBuffer, or the buffer of a view that spans all of it, is
   * transferred to the worker (it is detached here: push a copy to keep using it); a view of part of a buffer (or of a
   * SharedArrayBuffer) is copied. Throws a TypeError when the chunk is not bytes (or is a detached buffer, pushed
   * before) and when the stream was ended or closed; a `QuotaExceededError` DOMException when more than
   * `maxQueuedBytes` would be queued (the chunk is not taken: wait for `ready`, or drop it).
   */
  push(chunk: PushChunk): void {
    if (this.status === 'ended') throw new TypeError('weir: push() after end(): the pushed stream was ended');
    if (this.status === 'closed') throw new TypeError(`weir: push() on a closed stream: ${this.closedBecause}`);
    const bytes = viewOf(chunk);
    const n = bytes.byteLength;
    if (n === 0) return;
    if (this.queuedBytes > 0 && this.queuedBytes + n > this.maxQueuedBytes) {
      throw new DOMException(
        `weir: push() of ${n} bytes refused: ${this.queuedBytes} bytes are queued already and maxQueuedBytes is ` +
          `${this.maxQueuedBytes} (wait for ready, or push while desiredSize > 0)`,
        'QuotaExceededError',
      );
    }
    // Transfer what can be (the bytes fill their own buffer); copy a part of a larger or shared buffer.
    const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && n === bytes.buffer.byteLength;
    const buffer = whole ? (bytes.buffer as ArrayBuffer) : bytes.slice().buffer;
    this.pushed += n;
    this.host.send({ type: 'push', data: buffer, at: performance.timeOrigin + performance.now() }, [buffer]);
    this.updateReady();
  }

  /** The stream is complete: the player plays what was pushed to its end (then an `ended` event). Idempotent. */
  end(): void {
    if (this.status !== 'open') return;
    this.status = 'ended';
    this.host.send({ type: 'push-end' }, []);
    this.updateReady();
  }

  /** Gives up the stream: the player stops (as when `load()`'s signal aborts) and later pushes throw. Idempotent. */
  abort(): void {
    if (this.status === 'closed') return;
    this.host.stop(); // closes this stream too, saying why
    this.close('it was aborted');
  }

  /** The player: the worker took this many pushed bytes so far. */
  consumedUpTo(total: number): void {
    if (total <= this.consumed) return;
    this.consumed = Math.min(total, this.pushed);
    this.updateReady();
  }

  /** The player: the stream cannot take more, `why` (it was aborted, another source was loaded, an error...). */
  close(why: string): void {
    if (this.status === 'closed') return;
    this.status = 'closed';
    this.closedBecause = why;
    this.updateReady();
  }

  private updateReady(): void {
    if (this.desiredSize > 0 || this.status !== 'open') {
      const resolve = this.readyResolve;
      this.readyResolve = undefined;
      this.readyPromise = RESOLVED;
      resolve?.();
    } else if (!this.readyResolve) {
      this.readyPromise = new Promise((resolve) => {
        this.readyResolve = resolve;
      });
    }
  }
}

/** The chunk's bytes as a Uint8Array over the same memory; a TypeError naming what it got when it is not bytes. */
function viewOf(chunk: unknown): Uint8Array {
  if (ArrayBuffer.isView(chunk)) {
    if (isDetached(chunk.buffer)) {
      throw new TypeError('weir: push() got a view of a detached ArrayBuffer (transferred already: pushed twice?)');
    }
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  const tag = Object.prototype.toString.call(chunk);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') {
    const buffer = chunk as ArrayBufferLike;
    if (isDetached(buffer)) {
      throw new TypeError('weir: push() got a detached ArrayBuffer (transferred already: pushed twice?)');
    }
    return new Uint8Array(buffer);
  }
  throw new TypeError(
    `weir: push() takes a Uint8Array (or another ArrayBufferView) or an ArrayBuffer, not ${kindOf(chunk)}`,
  );
}

function isDetached(buffer: ArrayBufferLike): boolean {
  return (buffer as { detached?: boolean }).detached === true;
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  const name =
    typeof value === 'object'
      ? ((value as { constructor?: { name?: string } }).constructor?.name ?? 'object')
      : typeof value;
  return `${/^[aeiou]/i.test(name) ? 'an' : 'a'} ${name}`;
}
