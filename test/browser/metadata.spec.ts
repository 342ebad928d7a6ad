// Issue 3 in the browser: timed metadata (an ID3 tag in PES, stream_type 0x15, and an SCTE-35 splice_insert,
// stream_type 0x86) reaches the page as `metadata` events whose `time` is on the element's timeline: the time at
// which the element presents the video frame the metadata names.
//
// The stream is built here, in the test process, from a committed fixture plus the two metadata PIDs (the same
// writers as test/node/metadata.test.ts), and handed to the page by Playwright's request routing (the worker's fetch
// goes through it too), so nothing is written to disk and the test server needs no extra route.

import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { fixturePath } from '../helpers/media.js';
import { id3Tag, sectionPacket, spliceInsert } from '../helpers/ts-metadata.js';
import { type EsPacket, muxTs } from '../helpers/ts-mux.js';
import { pidsOf, walkTs } from '../helpers/ts-walk.js';
import { openDemo, presentedFrames, recordPresentedFrames, snapshot, waitFor } from './helpers.js';

const ID3_PID = 0x1f1;
const SCTE_PID = 0x1f0;
/** The frames (in presentation order) the metadata names: 1.6 s and 2.8 s into the 4 s stream. */
const ID3_FRAME = 40;
const SCTE_FRAME = 70;
const URL_PATH = '/generated/metadata.ts';

/**
 * ts-h264-baseline-aac.ts (H.264 Constrained Baseline, 100 frames at 25 fps, and AAC) rebuilt with an ID3 PES stamped
 * with the PTS of frame ID3_FRAME and an SCTE-35 splice_insert whose pts_time is that of frame SCTE_FRAME (sent ahead
 * of it, after the 30th video PES, as a splicer does). Returns the stream and the expected event times.
 */
function buildStream(): { ts: Uint8Array; id3Time: number; scteTime: number; firstFrameTime: number } {
  const walked = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-baseline-aac.ts'))));
  const { video, audio } = pidsOf(walked);
  if (video === undefined || audio === undefined) throw new Error('the fixture lacks its video or audio PID');
  const videoPes = walked.pes.filter((p) => p.pid === video);
  const audioPes = walked.pes.filter((p) => p.pid === audio);
  const presentation = videoPes.map((p) => p.pts!).sort((a, b) => a - b);
  const id3Pts = presentation[ID3_FRAME]!;
  const sctePts = presentation[SCTE_FRAME]!;
  const pes: EsPacket[] = [];
  let videoCount = 0;
  for (const p of walked.pes) {
    pes.push({
      pid: p.pid,
      streamId: p.pid === video ? 0xe0 : 0xc0,
      ...(p.pts !== undefined ? { pts: p.pts } : {}),
      ...(p.dts !== undefined && p.dts !== p.pts ? { dts: p.dts } : {}),
      payload: p.payload,
    });
    if (p.pid === video && ++videoCount === ID3_FRAME) {
      pes.push({ pid: ID3_PID, streamId: 0xbd, pts: id3Pts, payload: id3Tag('cue', `frame ${ID3_FRAME}`) });
    }
  }
  let videoSeen = 0;
  const ts = muxTs(pes, {
    streams: [
      [0x1b, video],
      [0x0f, audio],
      [0x15, ID3_PID],
      [0x86, SCTE_PID],
    ],
    after: (p, cc) => {
      if (p.pid !== video || ++videoSeen !== 30) return [];
      return [sectionPacket(SCTE_PID, cc(SCTE_PID), spliceInsert(0x4321, sctePts, 20))];
    },
  });
  // The output timeline (wasm/remux/remuxer.ts, DESIGN.md §3) starts at the earliest first decode time of the output
  // tracks, so that audio and video keep their source offset: time 0 is the smaller of the first video DTS and the
  // first audio DTS, read here from the stream just built (a PES without DTS has DTS = PTS; in this fixture the AAC
  // priming puts audio 21.3 ms before the first frame, so the origin is the first audio PTS). A frame is then
  // presented at its PTS minus that origin, and the metadata naming it must carry that time.
  const rewalked = walkTs(ts);
  const firstDts = (pid: number) => {
    const first = rewalked.pes.find((p) => p.pid === pid)!;
    return first.dts ?? first.pts!;
  };
  const origin = Math.min(firstDts(video), firstDts(audio));
  expect(rewalked.pes.filter((p) => p.pid === ID3_PID).map((p) => p.pts)).toEqual([id3Pts]);
  expect(audioPes[0]!.pts, 'the audio starts first in this fixture').toBeLessThan(videoPes[0]!.pts!);
  return {
    ts,
    id3Time: (id3Pts - origin) / 90000,
    scteTime: (sctePts - origin) / 90000,
    firstFrameTime: (presentation[0]! - origin) / 90000,
  };
}

for (const forceMainThreadMse of [false, true]) {
  const path = forceMainThreadMse ? 'fallback path (MSE on the main thread)' : 'MSE in the worker';
  test(`ID3 and SCTE-35: metadata events at the presentation time of the frames they name (${path})`, async ({
    page,
  }) => {
    const { ts, id3Time, scteTime, firstFrameTime } = buildStream();
    // Served by request routing to the page and its worker, with a length (a file, not a live stream).
    await page.route(`**${URL_PATH}`, (route) =>
      route.fulfill({ status: 200, contentType: 'video/mp2t', body: Buffer.from(ts) }),
    );
    await openDemo(page);
    await recordPresentedFrames(page);
    await page.evaluate(({ url, f }) => window.weirDemo.start(url, { forceMainThreadMse: f }), {
      url: URL_PATH,
      f: forceMainThreadMse,
    });
    // Play past the splice time; both events arrive long before (they are parsed ahead of playback).
    const s = await waitFor(page, (x) => x.currentTime > scteTime + 0.3, 20_000, 'playing past the splice');
    expect(s.errors).toEqual([]);
    expect(s.mseInWorker).toBe(!forceMainThreadMse);
    const events = await page.evaluate(() => window.weirDemo.state.metadata);
    expect(events.map((e) => e.kind)).toEqual(['scte35', 'id3']);
    const scte = events[0]!;
    const id3 = events[1]!;
    if (scte.kind !== 'scte35' || id3.kind !== 'id3') throw new Error('unexpected event kinds');
    expect(id3.frames).toEqual([{ id: 'TXXX', description: 'cue', value: `frame ${ID3_FRAME}` }]);
    expect(scte.scte35).toMatchObject({ commandType: 5, eventId: 0x4321, outOfNetwork: true, duration: 20 });
    // The times, within 1 ms.
    expect(Math.abs(id3.time! - id3Time), `ID3 time ${id3.time}, expected ${id3Time}`).toBeLessThan(0.001);
    expect(Math.abs(scte.time! - scteTime), `SCTE-35 time ${scte.time}, expected ${scteTime}`).toBeLessThan(0.001);
    // Both arrived ahead of their time (a page can schedule them against currentTime).
    for (const e of events) expect(e.receivedAt, `${e.kind} received ahead of its time`).toBeLessThan(e.time!);
    // And when the playhead passes each time, the frame presented is the one the metadata names: the first frame
    // presented at or after `time` (requestVideoFrameCallback's mediaTime) is presented at `time`, to 1 ms. The first
    // frame's own time checks the origin above against the element.
    const shown = await presentedFrames(page);
    const firstShownAtOrAfter = (t: number) => shown.find((f) => f.mediaTime >= t - 0.0005)?.mediaTime;
    expect(Math.abs(shown[0]!.mediaTime - firstFrameTime), 'the first frame on the element').toBeLessThan(0.001);
    for (const e of events) {
      const at = firstShownAtOrAfter(e.time!);
      expect(at, `a frame presented after ${e.kind} time ${e.time}`).toBeDefined();
      expect(Math.abs(at! - e.time!), `${e.kind}: frame presented at ${at}, event time ${e.time}`).toBeLessThan(0.001);
    }
    expect((await snapshot(page)).errors).toEqual([]);
  });
}
