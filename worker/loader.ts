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

export async function openStream(url: string, signal: AbortSignal): Promise<LoaderResult> {
  let response: Response;
  try {
    response = await fetch(url, { signal, cache: 'no-store' });
  } catch (e) {
    if (signal.aborted) throw e;
    throw new WeirError(ErrorCodes.NETWORK_ERROR, `request for ${url} failed: ${String(e)}`, { cause: e });
  }
  if (!response.ok || !response.body) {
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
        try {
          result = await reader.read();
        } catch (e) {
          if (signal.aborted) return;
          throw new WeirError(ErrorCodes.NETWORK_ERROR, `connection to ${url} lost: ${String(e)}`, { cause: e });
        }
        if (result.done) return;
        yield result.value;
      }
    } finally {
      reader.releaseLock();
    }
  }
  return { length, chunks: chunks() };
}
