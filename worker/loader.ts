/**
 * The loaders: a streamed fetch response body, chunk by chunk, for progressive files and endless live
 * streams alike; a WebSocket (ws:// or wss:// URLs), one binary message per chunk, always live; and bytes pushed by
 * the application (PushLoader: transports weir does not own, such as WebTransport or a WebRTC data channel). HTTP,
 * network and socket failures become typed NETWORK_ERROR errors.
 */

import { ErrorCodes, WeirError } from '../engine/index.js';

export interface LoaderResult {
  /** Content-Length when the server sent one (a file); undefined for an endless stream. */
  length: number | undefined;
  chunks: AsyncGenerator<Uint8Array>;
}

/**
 * Opens a streamed GET. `stallMs`: a body that delivers no byte for this long is given up with a
 * NETWORK_ERROR (a stalled server must never look like a frozen stream). `from`: the body from this byte on (a
 * range request; a server that ignores it and sends the whole file has its first `from` bytes dropped here);
 * `count`: only that many bytes from there (bytes=from-(from+count-1)).
 */
export async function openStream(
  url: string,
  outer: AbortSignal,
  stallMs = 5000,
  from?: number,
  count?: number,
): Promise<LoaderResult> {
  if (/^wss?:/i.test(url)) return openWebSocket(url, outer, stallMs);
  // Its own controller, so that a stalled request can be cancelled without stopping the session.
  const controller = new AbortController();
  const signal = controller.signal;
  const forward = () => controller.abort();
  outer.addEventListener('abort', forward, { once: true });
  const release = () => {
    outer.removeEventListener('abort', forward);
    controller.abort();
  };
  let response: Response;
  let headersStalled = false;
  const headersTimer = setTimeout(() => {
    headersStalled = true;
    controller.abort();
  }, stallMs);
  try {
    const start = from ?? 0;
    const headers: Record<string, string> =
      count !== undefined
        ? { Range: `bytes=${start}-${start + count - 1}` }
        : start > 0
          ? { Range: `bytes=${start}-` }
          : {};
    response = await fetch(url, { signal, cache: 'no-store', headers });
  } catch (e) {
    release();
    if (headersStalled) throw new WeirError(ErrorCodes.NETWORK_ERROR, `${url} did not answer within ${stallMs} ms`);
    if (outer.aborted) throw e;
    throw new WeirError(ErrorCodes.NETWORK_ERROR, `request for ${url} failed: ${String(e)}`, { cause: e });
  } finally {
    clearTimeout(headersTimer);
  }
  if (!response.ok || !response.body) {
    release();
    throw new WeirError(ErrorCodes.NETWORK_ERROR, `request for ${url} failed: HTTP ${response.status}`, {
      detail: response.status,
    });
  }
  const header = response.headers.get('content-length');
  const length = header !== null && /^\d+$/.test(header) ? Number(header) : undefined;
  const reader = response.body.getReader();
  // 206: the range asked for; 200 to a range request: the whole file, whose first `from` bytes are skipped.
  let skip = from !== undefined && from > 0 && response.status === 200 ? from : 0;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        let result: ReadableStreamReadResult<Uint8Array>;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let stalled = false;
        try {
          timer = setTimeout(() => {
            stalled = true;
            controller.abort();
          }, stallMs);
          result = await reader.read();
        } catch (e) {
          if (stalled) throw new WeirError(ErrorCodes.NETWORK_ERROR, `${url} sent nothing for ${stallMs} ms`);
          if (outer.aborted) return;
          throw new WeirError(ErrorCodes.NETWORK_ERROR, `connection to ${url} lost: ${String(e)}`, { cause: e });
        } finally {
          clearTimeout(timer);
        }
        if (result.done) return;
        let value = result.value;
        if (skip > 0) {
          const n = Math.min(skip, value.byteLength);
          skip -= n;
          value = value.subarray(n);
          if (value.byteLength === 0) continue;
        }
        yield value;
      }
    } finally {
      reader.releaseLock();
      release();
    }
  }
  return { length, chunks: chunks() };
}

/**
 * A WebSocket live stream: each binary message is a chunk of the stream (text messages are not media and are
 * ignored). The socket has no length: it is live, and its end (a close, an error, or no message for `stallMs`) is
 * a lost connection the session reconnects after.
 */
export async function openWebSocket(url: string, outer: AbortSignal, stallMs = 5000): Promise<LoaderResult> {
  const socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  const queue: Uint8Array[] = [];
  let ended: { error?: WeirError } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const close = () => {
    if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
  };
  outer.addEventListener('abort', close, { once: true });
  socket.addEventListener('message', (e) => {
    if (e.data instanceof ArrayBuffer) queue.push(new Uint8Array(e.data));
    notify();
  });
  socket.addEventListener('close', (e) => {
    ended ??= e.wasClean
      ? {}
      : {
          error: new WeirError(ErrorCodes.NETWORK_ERROR, `WebSocket ${url} closed (code ${e.code})`, {
            detail: e.code,
          }),
        };
    notify();
  });
  socket.addEventListener('error', () => {
    ended ??= { error: new WeirError(ErrorCodes.NETWORK_ERROR, `WebSocket ${url} failed`) };
    notify();
  });
  // Opened, or failed to open within stallMs.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new WeirError(ErrorCodes.NETWORK_ERROR, `WebSocket ${url} did not open within ${stallMs} ms`));
    }, stallMs);
    socket.addEventListener(
      'open',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
    socket.addEventListener(
      'close',
      () => {
        clearTimeout(timer);
        reject(ended?.error ?? new WeirError(ErrorCodes.NETWORK_ERROR, `WebSocket ${url} closed before it opened`));
      },
      { once: true },
    );
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        if (ended) {
          if (ended.error && !outer.aborted) throw ended.error;
          return;
        }
        let stalled = false;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            stalled = true;
            resolve();
          }, stallMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (stalled && queue.length === 0 && !ended) {
          close();
          throw new WeirError(ErrorCodes.NETWORK_ERROR, `${url} sent nothing for ${stallMs} ms`);
        }
      }
    } finally {
      outer.removeEventListener('abort', close);
      close();
    }
  }
  return { length: undefined, chunks: chunks() };
}

/**
 * The chunks of a stream cut into pieces of at most `max` bytes (views, no copy): a consumer that pauses between
 * chunks (the forward buffer limit) then pauses within a large network read too.
 */
export async function* slices(chunks: AsyncGenerator<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    for (let o = 0; o < chunk.byteLength; o += max) yield chunk.subarray(o, Math.min(chunk.byteLength, o + max));
  }
}

/**
 * Bytes pushed by the application (Player.open → `push` messages), queued here until the session takes them. The
 * session pulls from `chunks()` as it does from a network body, so the same backpressure applies (append queues, the
 * forward buffer limit): while it waits, pushed bytes wait here, and `queuedBytes` says how many. The page learns
 * how far the session got through `onConsumed` (a running total of bytes taken) and bounds what it sends by that.
 * No stall timeout: the application owns the transport, and a pause in its bytes is its own (the element stalls and
 * says so).
 */
export class PushLoader {
  private readonly queue: { data: Uint8Array; at: number }[] = [];
  /** Bytes of queue[0] already handed out. */
  private head = 0;
  private ended = false;
  private wake: (() => void) | undefined;
  private received = 0;
  private consumed = 0;
  /** When the piece last handed out was pushed by the page (performance.now() on this worker's clock). */
  arrivedAt = 0;

  /**
   * `onConsumed`: called after each piece the session is done with (`consumedBytes` then says how far it got).
   * `sliceBytes`: pieces handed out are at most this large (a consumer that pauses between pieces then pauses within
   * a large push).
   */
  constructor(
    private readonly onConsumed: () => void,
    private readonly sliceBytes: number,
  ) {}

  /** Bytes pushed and not yet taken by the session. */
  get queuedBytes(): number {
    return this.received - this.consumed;
  }

  /** Bytes the session took so far (a running total). */
  get consumedBytes(): number {
    return this.consumed;
  }

  /** `at`: when the page pushed them, ms since the epoch (performance.timeOrigin + performance.now() there). */
  push(data: ArrayBuffer, at: number): void {
    if (this.ended || data.byteLength === 0) return;
    // The page's clock to this worker's: both count from the epoch; never later than now (a clock step).
    const local = Math.min(performance.now(), at - performance.timeOrigin);
    this.queue.push({ data: new Uint8Array(data), at: Number.isFinite(local) ? local : performance.now() });
    this.received += data.byteLength;
    this.notify();
  }

  /** No more bytes will come: `chunks()` ends once the queue is empty. */
  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The stream as a loader gives it: no length (a pushed stream's size is not known up front). */
  open(signal: AbortSignal): LoaderResult {
    return { length: undefined, chunks: this.chunks(signal) };
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private async *chunks(signal: AbortSignal): AsyncGenerator<Uint8Array> {
    const onAbort = () => this.notify();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted) return;
        const next = this.queue[0];
        if (next) {
          const end = Math.min(next.data.byteLength, this.head + this.sliceBytes);
          const piece = next.data.subarray(this.head, end);
          this.head = end;
          if (end === next.data.byteLength) {
            this.queue.shift();
            this.head = 0;
          }
          this.arrivedAt = next.at;
          yield piece;
          // The session asks for more: it is done with this piece (pushed to the engine, appends waited for).
          this.consumed += piece.byteLength;
          this.onConsumed();
          continue;
        }
        if (this.ended) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
