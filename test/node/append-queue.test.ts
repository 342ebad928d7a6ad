// The append queue's QuotaExceededError recovery (worker/append-queue.ts, worker/buffer-controller.ts) against a fake
// SourceBuffer: a byte quota like a browser's, appends and removals that finish a task later with `updateend`. The
// browser test (test/browser/quota.spec.ts) runs the same code against Chromium's SourceBuffer.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../../engine/index.js';
import { AppendQueue } from '../../worker/append-queue.js';
import {
  BufferController,
  type BufferKind,
  type ElementState,
  firstSampleIsSync,
  intersect,
  limitSourceBuffer,
  type QuotaEviction,
} from '../../worker/buffer-controller.js';
import { ROOT } from '../helpers/media.js';

function timeRanges(list: [number, number][]): TimeRanges {
  return { length: list.length, start: (i: number) => list[i]![0], end: (i: number) => list[i]![1] } as TimeRanges;
}

/**
 * A SourceBuffer whose appends each add one second of media, [n, n + 1) for the n-th fragment (its first byte is n),
 * and that refuses an append (QuotaExceededError, before taking any byte) when the media it holds plus the bytes
 * offered pass `quota`. remove(start, end) drops the seconds wholly inside [start, end).
 */
class FakeSourceBuffer extends EventTarget {
  updating = false;
  timestampOffset = 0;
  quota = Number.POSITIVE_INFINITY;
  /** The media held: one entry per fragment. */
  held: { start: number; bytes: number }[] = [];
  /** Every appendBuffer call, refused or not, and the bytes of those taken (copies), in order. */
  calls = 0;
  taken: Uint8Array[] = [];
  removals: [number, number][] = [];
  /** When false, remove() takes nothing out (a removal that frees nothing). */
  removeFrees = true;
  /** When set, appendBuffer throws a DOMException of this name. */
  failWith: string | undefined;

  get buffered(): TimeRanges {
    const list: [number, number][] = [];
    for (const h of [...this.held].sort((a, b) => a.start - b.start)) {
      const last = list.at(-1);
      if (last && last[1] === h.start) last[1] = h.start + 1;
      else list.push([h.start, h.start + 1]);
    }
    return timeRanges(list);
  }

  appendBuffer(data: Uint8Array): void {
    this.calls++;
    if (this.updating) throw new DOMException('still updating', 'InvalidStateError');
    if (this.failWith) throw new DOMException('failed', this.failWith);
    const total = this.held.reduce((n, h) => n + h.bytes, 0);
    if (total + data.byteLength > this.quota) throw new DOMException('the SourceBuffer is full', 'QuotaExceededError');
    this.taken.push(data.slice());
    this.held.push({ start: data[0]!, bytes: data.byteLength });
    this.finishLater();
  }

  remove(start: number, end: number): void {
    this.removals.push([start, end]);
    if (this.removeFrees) this.held = this.held.filter((h) => h.start < start || h.start + 1 > end);
    this.finishLater();
  }

  private finishLater(): void {
    this.updating = true;
    setTimeout(() => {
      this.updating = false;
      this.dispatchEvent(new Event('updateend'));
    }, 0);
  }
}

/** A fragment of `bytes` bytes for second n (its first byte says which). */
function fragment(n: number, bytes = 100): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes).fill(n);
}

/**
 * Lets the queue's chains of fake SourceBuffer operations run out: each operation ends on a timer of its own, so a
 * number of timer turns (not a wall-clock wait, which a loaded machine can outrun) covers any chain the tests make.
 */
const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 0));
};

function setup(kind: BufferKind = 'audio') {
  const sb = new FakeSourceBuffer();
  const element: { state: ElementState | undefined } = { state: undefined };
  const plans: QuotaEviction[] = [];
  const errors: unknown[] = [];
  const buffer = new BufferController({
    kind,
    element: () => element.state,
    backBufferSeconds: 30,
    onQuotaExceeded: (plan) => plans.push(plan),
  });
  const queue = new AppendQueue(sb as unknown as SourceBuffer, (e) => errors.push(e), buffer);
  return { sb, element, plans, errors, queue, buffer };
}

describe('AppendQueue: QuotaExceededError', () => {
  it('evicts behind the playhead and appends the same bytes again, once', async () => {
    const { sb, element, plans, errors, queue } = setup();
    sb.quota = 300;
    for (let n = 0; n < 3; n++) {
      queue.append(fragment(n));
      await queue.drained();
    }
    element.state = { currentTime: 2.5, buffered: [[0, 3]] };
    // A view into memory that is reused at once (as the engine's output region is): the retry must not see that.
    const region = fragment(3);
    queue.append(region);
    region.fill(99);
    await queue.drained();
    expect(errors).toEqual([]);
    expect(plans).toEqual([{ action: 'evict', start: 0, end: 1.5 }]); // all but the safety margin (1 s)
    expect(sb.removals).toEqual([[0, 1.5]]);
    expect(sb.taken.map((d) => [d[0], d.byteLength, d.every((b) => b === d[0])])).toEqual([
      [0, 100, true],
      [1, 100, true],
      [2, 100, true],
      [3, 100, true],
    ]);
    expect(sb.calls).toBe(5); // four appends, one of them twice
    expect(queue.appended).toBe(4);
    expect(queue.appendedBytes).toBe(400);
    expect(queue.quotaExceeded).toBe(1);
    expect(queue.pending).toBe(0);
  });

  it('with nothing behind the playhead, waits for it to move on (queued appends keep their order)', async () => {
    const { sb, element, plans, errors, queue } = setup();
    sb.quota = 300;
    element.state = { currentTime: 0.5, buffered: [[0, 3]] };
    for (let n = 0; n < 3; n++) {
      queue.append(fragment(n));
      await queue.drained();
    }
    queue.append(fragment(3));
    queue.append(fragment(4));
    let drained = false;
    void queue.drained().then(() => {
      drained = true;
    });
    await settle();
    expect(plans).toEqual([]); // reported with its first eviction
    expect(queue.pending).toBe(2);
    expect(queue.idle).toBe(false); // so the loader pauses (Session.backpressure waits for drained())
    // A report where nothing changed: no new attempt.
    queue.retryAfterQuota();
    await settle();
    expect(sb.calls).toBe(4);
    expect(drained).toBe(false);
    // The playhead moved on: what it left behind goes, then fragment 3 is appended. Fragment 4 hits the quota again
    // (a second warning): the little behind the playhead now frees nothing here, so it waits for the playhead again.
    element.state = { currentTime: 2.25, buffered: [[0, 3]] };
    queue.retryAfterQuota();
    await settle();
    expect(sb.taken.map((d) => d[0])).toEqual([0, 1, 2, 3]);
    element.state = { currentTime: 3.25, buffered: [[1, 4]] };
    queue.retryAfterQuota();
    await queue.drained();
    expect(drained).toBe(true);
    expect(errors).toEqual([]);
    expect(sb.taken.map((d) => d[0])).toEqual([0, 1, 2, 3, 4]);
    expect(sb.removals).toEqual([
      [0, 1.25],
      [1, 1.25],
      [1, 2.25],
    ]);
    expect(plans).toEqual([
      { action: 'evict', start: 0, end: 1.25 },
      { action: 'evict', start: 1, end: 1.25 },
    ]);
    expect(queue.quotaExceeded).toBe(2);
    expect(queue.appended).toBe(5);
  });

  it('a removal that frees nothing is not repeated: wait, then a typed error once the element cannot play on', async () => {
    const { sb, element, plans, errors, queue } = setup();
    sb.quota = 300;
    sb.removeFrees = false;
    element.state = { currentTime: 2.5, buffered: [[0, 3]] };
    for (let n = 0; n < 3; n++) {
      queue.append(fragment(n));
      await queue.drained();
    }
    queue.append(fragment(3));
    await settle();
    expect(sb.removals).toEqual([[0, 1.5]]);
    expect(errors).toEqual([]);
    expect(sb.calls).toBe(5); // the retry after the removal, refused again: then it waits
    queue.retryAfterQuota();
    await settle();
    expect(sb.calls).toBe(5);
    // The element played what it had and waits for more: nothing more can be evicted, and nothing will change.
    element.state = { currentTime: 3, buffered: [[0, 3]] };
    queue.retryAfterQuota();
    await settle();
    expect(sb.removals).toEqual([
      [0, 1.5],
      [0, 2],
    ]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as DOMException).name).toBe('QuotaExceededError');
    expect((errors[0] as Error).message).toContain('quota is exceeded and nothing can be evicted');
    expect(plans).toHaveLength(1); // one warning for the one append, then the error
    expect(queue.pending).toBe(0);
  });

  it('an append larger than the whole quota is an error at once, without a warning', async () => {
    const { sb, element, plans, errors, queue } = setup();
    sb.quota = 100;
    element.state = { currentTime: 0, buffered: [] };
    queue.append(fragment(0, 150));
    await settle();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toContain('it holds nothing, and an append of 150 bytes does not fit');
    expect(plans).toEqual([]);
    expect(queue.quotaExceeded).toBe(0);
    expect(sb.calls).toBe(1);
  });

  it('before the element reported anything, waits', async () => {
    const { sb, element, plans, errors, queue } = setup();
    sb.quota = 100;
    queue.append(fragment(0));
    await queue.drained();
    queue.append(fragment(1));
    await settle();
    expect(sb.calls).toBe(2);
    expect(queue.pending).toBe(1);
    element.state = { currentTime: 2.25, buffered: [[0, 3]] };
    queue.retryAfterQuota();
    await queue.drained();
    expect(errors).toEqual([]);
    expect(plans).toEqual([{ action: 'evict', start: 0, end: 1.25 }]);
    expect(sb.taken.map((d) => d[0])).toEqual([0, 1]);
  });

  it('other append errors still fail the queue', async () => {
    const { sb, errors, queue } = setup();
    sb.failWith = 'InvalidStateError';
    queue.append(fragment(0));
    expect(errors).toHaveLength(1);
    expect((errors[0] as DOMException).name).toBe('InvalidStateError');
  });

  it('without a BufferController, a QuotaExceededError fails as before', async () => {
    const sb = new FakeSourceBuffer();
    sb.quota = 10;
    const errors: unknown[] = [];
    const queue = new AppendQueue(sb as unknown as SourceBuffer, (e) => errors.push(e));
    queue.append(fragment(0));
    expect((errors[0] as DOMException).name).toBe('QuotaExceededError');
  });
});

describe('BufferController', () => {
  it('video: cuts at the keyframes read from the fragments (sample.ts: one every second)', async () => {
    const input = new Uint8Array(readFileSync(join(ROOT, 'demo/media/sample.ts')));
    for (const fragmentDuration of [0, 100]) {
      const engine = await Engine.create({ fragmentDuration });
      // Fragment bytes are views into the core's memory, valid until the next call: copied at once.
      const fragments = (events: EngineEvent[]) =>
        events.flatMap((e) => (e.type === 'fragment' ? [{ ...e, data: e.data.slice() }] : []));
      const all = [...fragments(engine.push(input)), ...fragments(engine.flush())];
      const video = all.filter((f) => f.track === 1);
      const audio = all.filter((f) => f.track === 2);
      const syncStarts = video.filter((f) => firstSampleIsSync(f.data)).map((f) => Number(f.start.toFixed(3)));
      // The sample's keyframes, one a second (ffprobe: PTS 1.467, 2.467, ... 12.467); on the output timeline (which
      // starts at 0), decode times 0, 1, ... 11.
      expect(syncStarts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      if (fragmentDuration === 100) expect(video.length).toBeGreaterThan(100); // most start mid-GOP
      expect(audio.every((f) => firstSampleIsSync(f.data) === true)).toBe(true);
      const element = { currentTime: 5.2, buffered: [[0, 12]] as [number, number][] };
      const buffer = new BufferController({ kind: 'video', element: () => element, backBufferSeconds: 2 });
      for (const f of video) buffer.noteFragment(f.start, f.data);
      // The last keyframe at or before 5.2 - 1 s: the GOP that plays now stays whole.
      expect(buffer.quotaPlan(timeRanges([[0, 12]]))).toEqual({ action: 'evict', start: 0, end: 4 });
      // Nothing to cut from 4 on with the playhead there: wait (the element has media ahead).
      expect(buffer.quotaPlan(timeRanges([[4, 12]]), 4)).toEqual({ action: 'wait' });
      // The back buffer (2 s) is cut at a keyframe too, once 5 s more than it is behind.
      expect(buffer.backBufferRange(timeRanges([[0, 12]]))).toBeUndefined();
      element.currentTime = 9.5;
      expect(buffer.backBufferRange(timeRanges([[0, 12]]))).toEqual([0, 7]);
    }
  });

  it('firstSampleIsSync: undefined for bytes that are not a fragment', () => {
    expect(firstSampleIsSync(new Uint8Array([0, 0, 0, 8, 0x66, 0x74, 0x79, 0x70]))).toBeUndefined(); // ftyp
    expect(firstSampleIsSync(new Uint8Array(3))).toBeUndefined();
  });
});

describe('intersect (what an element can play: where every SourceBuffer has media)', () => {
  it('intersects the ranges of several SourceBuffers', () => {
    const video = timeRanges([
      [0.07, 4],
      [10, 12],
    ]);
    const audio = timeRanges([
      [0, 3.5],
      [3.6, 11],
    ]);
    expect(intersect([video, audio])).toEqual([
      [0.07, 3.5],
      [3.6, 4],
      [10, 11],
    ]);
    expect(intersect([video])).toEqual([
      [0.07, 4],
      [10, 12],
    ]);
    expect(intersect([video, timeRanges([])])).toEqual([]);
    expect(intersect([])).toEqual([]);
  });
});

describe('limitSourceBuffer (the test quota)', () => {
  it('refuses an append past the budget, and frees the bytes of media removed', async () => {
    const sb = new FakeSourceBuffer();
    limitSourceBuffer(sb as unknown as SourceBuffer, 250);
    const append = async (n: number) => {
      (sb as unknown as SourceBuffer).appendBuffer(fragment(n));
      await new Promise((resolve) => sb.addEventListener('updateend', resolve, { once: true }));
    };
    await append(0);
    await append(1);
    expect(() => (sb as unknown as SourceBuffer).appendBuffer(fragment(2))).toThrow(
      expect.objectContaining({ name: 'QuotaExceededError' }),
    );
    sb.remove(0, 1);
    await new Promise((resolve) => sb.addEventListener('updateend', resolve, { once: true }));
    await append(2);
    expect(sb.taken.map((d) => d[0])).toEqual([0, 1, 2]);
  });
});
