// Issue 7, fault injection: a worker that dies (closed or terminated without an error event, an uncaught exception,
// a WebAssembly trap), a SourceBuffer that rejects an append, a MediaSource that closes under the worker and a decode
// error of the element each give one typed fatal event, and the same Player then loads and plays again. The faults
// are injected with the `test-fault` messages a Player created with `testFaults: true` lets through (see TestFault
// in worker/protocol.ts), or from the page (terminating the worker object, detaching the element's source).

import { expect, type Page, test } from '@playwright/test';
import { openDemo, snapshot, waitFor } from './helpers.js';

const FILE = '/fixtures/ts-h264-aac-60s.ts';

/** Starts `url` in a fresh Player with fault injection on, and waits until it plays. */
async function play(page: Page, url: string, options: Record<string, unknown> = {}): Promise<void> {
  await page.evaluate(([u, o]) => window.weirDemo.start(u, { testFaults: true, ...o }), [url, options] as [
    string,
    Record<string, unknown>,
  ]);
  await waitFor(page, (s) => s.currentTime > 0.5, 20_000, `${url} plays`);
}

/** Injects a fault through the worker object of the demo's Player (private: reached for the test only). */
function fault(page: Page, kind: string, ms?: number): Promise<void> {
  return page.evaluate(
    ([k, m]) => {
      const w = (window.weirDemo.state.player as unknown as { worker?: Worker }).worker;
      w?.postMessage({ type: 'test-fault', fault: k, ms: m });
    },
    [kind, ms] as [string, number | undefined],
  );
}

/** The same Player loads `url` again (no new Player), and it plays from the start. */
async function loadAgain(page: Page, url: string, mseInWorker = true): Promise<void> {
  const before = (await snapshot(page)).errors.length;
  await page.evaluate(async (u) => {
    await window.weirDemo.state.player!.load(u);
    window.weirDemo.video.play().catch(() => undefined);
  }, url);
  // The element restarts from 0 with a fresh worker (waitFor would stop at the fault's error event: polled here).
  await page.waitForFunction(
    (n) => window.weirDemo.video.currentTime > 1 || window.weirDemo.state.errors.length > n,
    before,
    { timeout: 20_000, polling: 200 },
  );
  const s = await snapshot(page);
  expect(s.currentTime, 'playing again after load()').toBeGreaterThan(1);
  expect(s.errors.slice(before), 'no error after the reload').toEqual([]);
  expect(s.mseInWorker).toBe(mseInWorker);
}

async function waitForError(page: Page, codeName: string, timeout: number): Promise<void> {
  try {
    await page.waitForFunction((c) => window.weirDemo.state.errors.some((e) => e.codeName === c), codeName, {
      timeout,
      polling: 100,
    });
  } catch (e) {
    throw new Error(`no ${codeName} event: errors ${JSON.stringify((await snapshot(page)).errors)}`, { cause: e });
  }
}

/** Exactly one error so far, fatal, of this code and message; with `released`, the element let go of the MediaSource. */
async function expectOneFatal(page: Page, codeName: string, message: RegExp, released: boolean): Promise<void> {
  const s = await snapshot(page);
  expect(
    s.errors.map((e) => [e.codeName, e.severity]),
    JSON.stringify(s.errors),
  ).toEqual([[codeName, 'fatal']]);
  expect(s.errors[0]!.message).toMatch(message);
  if (released) {
    expect(await page.evaluate(() => window.weirDemo.video.srcObject), 'the element was released').toBeNull();
  }
}

test('a worker that dies without an error event (closed, terminated) is a fatal WORKER_ERROR; load() again plays', async ({
  page,
}) => {
  await openDemo(page);
  await play(page, FILE);
  // The worker closes itself: the page's Worker object gets no event at all, only silence.
  const closedAt = Date.now();
  await fault(page, 'exit');
  await waitForError(page, 'WORKER_ERROR', 8000);
  const waited = Date.now() - closedAt;
  expect(waited, 'detected after about 3 s of silence').toBeGreaterThanOrEqual(2500);
  let s = await snapshot(page);
  expect(
    s.errors.map((e) => [e.codeName, e.severity]),
    JSON.stringify(s.errors),
  ).toEqual([['WORKER_ERROR', 'fatal']]);
  expect(s.errors[0]!.message).toMatch(/stopped answering/);
  expect(await page.evaluate(() => window.weirDemo.video.srcObject), 'the element was released').toBeNull();
  await loadAgain(page, FILE);
  // The worker object is terminated from outside (as a browser killing it would look).
  await page.evaluate(() => (window.weirDemo.state.player as unknown as { worker: Worker }).worker.terminate());
  await page.waitForFunction(() => window.weirDemo.state.errors.length === 2, undefined, { timeout: 8000 });
  s = await snapshot(page);
  expect(s.errors[1]!.codeName).toBe('WORKER_ERROR');
  expect(await page.evaluate(() => window.weirDemo.video.srcObject)).toBeNull();
  await loadAgain(page, FILE);
});

test('a worker busy for 2 s is not taken for dead, and neither is a page blocked for 3.5 s', async ({ page }) => {
  await openDemo(page);
  await play(page, FILE);
  await fault(page, 'busy', 2000);
  await page.waitForTimeout(3000);
  await page.evaluate(() => window.weirDemo.block(3500));
  const t = await page.evaluate(() => window.weirDemo.video.currentTime);
  await waitFor(page, (s) => s.currentTime > t + 1, 10_000, 'still playing');
  expect((await snapshot(page)).errors).toEqual([]);
});

test('an uncaught exception in the worker is a fatal WORKER_ERROR; load() again plays', async ({ page }) => {
  await openDemo(page);
  await play(page, FILE);
  await fault(page, 'throw');
  await waitForError(page, 'WORKER_ERROR', 5000);
  await expectOneFatal(page, 'WORKER_ERROR', /injected fault/, true);
  await loadAgain(page, FILE);
});

test('a promise rejected in the worker with no handler is a fatal WORKER_ERROR; load() again plays', async ({
  page,
}) => {
  await openDemo(page);
  await play(page, FILE);
  await fault(page, 'reject');
  await waitForError(page, 'WORKER_ERROR', 5000);
  await expectOneFatal(page, 'WORKER_ERROR', /rejected in the worker/, true);
  await loadAgain(page, FILE);
});

test('a WebAssembly trap in the core is a fatal INTERNAL error; load() again plays', async ({ page }) => {
  await openDemo(page);
  await play(page, '/live.ts', { fragmentDuration: 100 });
  await fault(page, 'trap');
  await waitForError(page, 'INTERNAL', 5000);
  await page.waitForTimeout(500);
  await expectOneFatal(page, 'INTERNAL', /trapped/, false);
  await loadAgain(page, '/live.ts');
});

test('a SourceBuffer that rejects an append is a MEDIA_SOURCE_ERROR naming it; load() again plays', async ({
  page,
}) => {
  await openDemo(page);
  await play(page, FILE);
  await fault(page, 'corrupt-append');
  await waitForError(page, 'MEDIA_SOURCE_ERROR', 5000);
  await page.waitForTimeout(1000);
  const s = await snapshot(page);
  // One event: the element's own error that follows (the append error ends the stream with 'decode') is the same fault.
  expect(
    s.errors.map((e) => [e.codeName, e.severity]),
    JSON.stringify(s.errors),
  ).toEqual([['MEDIA_SOURCE_ERROR', 'fatal']]);
  expect(s.errors[0]!.message).toMatch(/the video SourceBuffer \(track \d+, video\/mp4/);
  expect(s.errors[0]!.track).toBeDefined();
  await loadAgain(page, FILE);
});

test('a MediaSource closed under the worker is a MEDIA_SOURCE_ERROR; load() again plays', async ({ page }) => {
  await openDemo(page);
  await play(page, FILE);
  // The element's source is detached behind the player's back: the worker's MediaSource closes.
  await page.evaluate(() => {
    window.weirDemo.video.srcObject = null;
  });
  await waitForError(page, 'MEDIA_SOURCE_ERROR', 5000);
  await expectOneFatal(page, 'MEDIA_SOURCE_ERROR', /closed unexpectedly/, false);
  await loadAgain(page, FILE);
});

test('fallback mode: a MediaSource on the page closed under the player is a MEDIA_SOURCE_ERROR; load() again plays', async ({
  page,
}) => {
  await openDemo(page);
  await play(page, FILE, { forceMainThreadMse: true });
  await page.evaluate(() => {
    const v = window.weirDemo.video;
    v.removeAttribute('src');
    v.load();
  });
  await waitForError(page, 'MEDIA_SOURCE_ERROR', 5000);
  await expectOneFatal(page, 'MEDIA_SOURCE_ERROR', /closed unexpectedly/, false);
  await loadAgain(page, FILE, false);
});

test('a decode error of the element (VP9 frames overwritten) is a fatal DECODE_ERROR; load() again plays', async ({
  page,
}) => {
  await openDemo(page);
  const url = '/fixtures/webm-vp9-opus.webm';
  // Every video fragment from here on is overwritten but for its first frame (its boxes intact; a fragment starts at
  // each keyframe, which Chromium's MSE parser checks): the parser takes them, VP9's decoder does not.
  await page.evaluate((u) => window.weirDemo.start(u, { testFaults: true, fragmentDuration: 100 }), url);
  await fault(page, 'corrupt-video');
  await waitForError(page, 'DECODE_ERROR', 10_000);
  await expectOneFatal(page, 'DECODE_ERROR', /MEDIA_ERR_DECODE/, true);
  await loadAgain(page, url);
});
