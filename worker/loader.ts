/**
 * The fetch loader: a streamed response body, chunk by chunk, for progressive files and endless
 * live streams alike. HTTP and network failures become typed NETWORK_ERROR errors.
 */

import { ErrorCodes, WeirError } from '../engine/index.js';

export interface LoaderResult {
  /** Content-Length when the server sent one (a file); undefined for an endless stream. */
  length: number | undefined;
  chunks: AsyncGenerator<Uint8Array>;
}

/**
 * Opens a streamed GET. `stallMs`: a body that delivers no byte for this long is given up with a
 * NETWORK_ERROR (a stalled server must never look like a frozen stream).
 */
export async function openStream(url: string, outer: AbortSignal, stallMs = 5000): Promise<LoaderResult> {
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
    response = await fetch(url, { signal, cache: 'no-store' });
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
        yield result.value;
      }
    } finally {
      reader.releaseLock();
      release();
    }
  }
  return { length, chunks: chunks() };
}
