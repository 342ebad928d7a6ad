// The worker's PushLoader (worker/loader.ts): bytes the page pushes, handed to the session in bounded pieces, counted
// as taken only once the session asks for more (so the page's backpressure sees what really waits), ending with end()
// or the session's abort.
import { describe, expect, it } from 'vitest';
import { PushLoader } from '../../worker/loader.js';

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill).buffer;
const now = () => performance.timeOrigin + performance.now();

describe('PushLoader', () => {
  it('hands pushed bytes out in pieces of at most sliceBytes, in order, and ends after end()', async () => {
    let reports = 0;
    const loader = new PushLoader(() => reports++, 100);
    loader.push(bytes(250, 1), now());
    loader.push(bytes(30, 2), now());
    loader.end();
    const pieces: number[][] = [];
    for await (const piece of loader.open(new AbortController().signal).chunks)
      pieces.push([piece.byteLength, piece[0]!]);
    expect(pieces).toEqual([
      [100, 1],
      [100, 1],
      [50, 1],
      [30, 2],
    ]);
    expect(loader.consumedBytes).toBe(280);
    expect(loader.queuedBytes).toBe(0);
    expect(reports).toBe(4);
  });

  it('counts a piece as taken only when the session asks for the next one', async () => {
    const loader = new PushLoader(() => undefined, 64);
    loader.push(bytes(128), now());
    const chunks = loader.open(new AbortController().signal).chunks;
    await chunks.next();
    expect(loader.queuedBytes, 'the piece being worked on still counts as queued').toBe(128);
    await chunks.next();
    expect(loader.queuedBytes).toBe(64);
    loader.end();
    expect((await chunks.next()).done).toBe(true);
    expect(loader.queuedBytes).toBe(0);
  });

  it('waits for pushes, wakes on each, and stops on abort', async () => {
    const loader = new PushLoader(() => undefined, 1024);
    const controller = new AbortController();
    const chunks = loader.open(controller.signal).chunks;
    const first = chunks.next();
    setTimeout(() => loader.push(bytes(10), now()), 10);
    expect((await first).value?.byteLength).toBe(10);
    const second = chunks.next();
    setTimeout(() => controller.abort(), 10);
    expect((await second).done).toBe(true);
  });

  it('keeps when each piece was pushed (page clock → worker clock, never in the future)', async () => {
    const loader = new PushLoader(() => undefined, 1024);
    const t = now();
    loader.push(bytes(10), t - 50);
    loader.push(bytes(10), t + 60_000); // a page clock ahead of this one
    loader.end();
    const chunks = loader.open(new AbortController().signal).chunks;
    await chunks.next();
    expect(loader.arrivedAt).toBeCloseTo(t - 50 - performance.timeOrigin, 0);
    await chunks.next();
    expect(loader.arrivedAt).toBeLessThanOrEqual(performance.now());
  });

  it('ignores empty pushes and pushes after end()', async () => {
    const loader = new PushLoader(() => undefined, 1024);
    loader.push(bytes(0), now());
    loader.end();
    loader.push(bytes(10), now());
    expect(loader.queuedBytes).toBe(0);
    expect((await loader.open(new AbortController().signal).chunks.next()).done).toBe(true);
  });
});
