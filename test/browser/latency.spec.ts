// Issue 5: end-to-end live latency, measured independently of weir. The live simulator logs when it hands out each
// video frame's last packet (/live.ts?id=…, then /test/sent?id=…); the page records when each frame is presented
// (requestVideoFrameCallback: expectedDisplayTime, when it becomes visible), and the output timeline's origin on the
// source clock (stats.timeOrigin) maps the frame's element time back to its PTS, so each presented frame is matched
// to its own send time: latency = presented - last byte sent (one machine, clocks aligned through Date.now()). The
// worker's own figure (stats.latency) is compared with it over the same window. A breakdown of where the time goes
// (sent → appended: network and weir; appended → shown: the buffer kept and Chromium) comes from instrumenting the
// worker's appends from outside (nothing in weir is changed for it).
//
// Settings: one frame per fragment (fragmentDuration 33 at 30 fps), liveTargetLatency 0.12 s (the default 0.5 s makes
// 150 ms impossible by design; at 0.15 s p50 was 121-176 ms depending on where in the controller's band the latency
// settled; 0.1 s stalls: see README, "Live latency"). Source: the low-delay clip
// (test/fixtures/ts-h264-aac-low-delay.ts: no B-frames, one AAC frame per PES). The demo sample's own mux puts the
// floor for any player at p50 244 ms, p95 358 ms (scripts/latency-floor.js); measured with it (target 0.3 s, as
// 0.15 s stalls there): p50 496, p95 610.
//
// Knobs for measuring other settings (the second test then says whether p50 passes): LATENCY_SOURCE (a /live.ts URL),
// LATENCY_OPTIONS (Player options as JSON), LATENCY_WARM_UP_MS, LATENCY_WINDOW_MS, LATENCY_TRACE=1 (stats per tick).
import { expect, type Page, test, type Worker } from '@playwright/test';
import { openDemo } from './helpers.js';

const TICKS = 90_000;
const WRAP = 2 ** 33;
const WARM_UP_MS = Number(process.env.LATENCY_WARM_UP_MS ?? 10_000);
const WINDOW_MS = Number(process.env.LATENCY_WINDOW_MS ?? 60_000);
const SOURCE = process.env.LATENCY_SOURCE ?? '/live.ts?clip=ts-h264-aac-low-delay';
const OPTIONS = JSON.parse(process.env.LATENCY_OPTIONS ?? '{"fragmentDuration":33,"liveTargetLatency":0.12}') as Record<
  string,
  number
>;

/** One frame presented, as requestVideoFrameCallback reports it (times on the page's clock, ms). */
interface Presented {
  mediaTime: number;
  presentationTime: number;
  expectedDisplayTime: number;
  presentedFrames: number;
  /** The element's count of frames dropped so far (decoded too late: the machine was busy), at this callback. */
  dropped: number;
}

interface PageRecord {
  frames: Presented[];
  waiting: number[];
  stats: { at: number; latency: number; timeOrigin: number; rate: number; bufferAhead: number; currentTime: number }[];
  perfMinusDate: number;
  timeOrigin: number;
  dropped: number;
  decoded: number;
}

interface SentFrame {
  pts: number;
  ptsUnwrapped: number;
  dts: number;
  sentAt: number;
  completeAt: number | null;
  endByte: number | null;
}

/** What the worker did, seen from outside: each read of the response body and each append (epoch ms, worker clock). */
interface WorkerRecord {
  perfMinusDate: number;
  appends: { kind: string; at: number; done: number; pts: number[]; end: number }[];
}

/** Installed in the page before the player starts. */
function recordPage(page: Page): Promise<void> {
  return page.evaluate(() => {
    const v = window.weirDemo.video;
    const record = { frames: [] as unknown[], waiting: [] as number[], stats: [] as unknown[] };
    (window as unknown as { latencyRecord: typeof record }).latencyRecord = record;
    v.addEventListener('waiting', () => {
      record.waiting.push(performance.now());
      const b = v.buffered;
      const ranges: string[] = [];
      for (let i = 0; i < b.length; i++) ranges.push(`${b.start(i).toFixed(3)}-${b.end(i).toFixed(3)}`);
      console.log(`waiting at ${v.currentTime.toFixed(3)} buffered ${ranges.join(' ')}`);
    });
    const onFrame = (_now: number, m: VideoFrameCallbackMetadata) => {
      record.frames.push({
        mediaTime: m.mediaTime,
        presentationTime: m.presentationTime,
        expectedDisplayTime: m.expectedDisplayTime,
        presentedFrames: m.presentedFrames,
        dropped: v.getVideoPlaybackQuality().droppedVideoFrames,
      });
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  });
}

/**
 * Installed in the worker as soon as it exists (before its first append: the MediaSource opens first): logs each
 * body read, and each append with the presentation times of the samples it holds (from the fMP4 boxes).
 */
function instrumentWorker(worker: Worker): Promise<void> {
  return worker.evaluate(() => {
    const now = () => performance.timeOrigin + performance.now();
    const log = { perfMinusDate: now() - Date.now(), appends: [] as unknown[] };
    (self as unknown as { latencyLog: typeof log }).latencyLog = log;
    const tracks = new Map<number, { kind: string; timescale: number }>();
    const u32 = (d: DataView, o: number) => d.getUint32(o);
    /** Calls `each(type, start, end)` for the boxes in [from, to). */
    const boxes = (d: DataView, from: number, to: number, each: (type: string, start: number, end: number) => void) => {
      for (let o = from; o + 8 <= to; ) {
        const size = u32(d, o);
        const type = String.fromCharCode(d.getUint8(o + 4), d.getUint8(o + 5), d.getUint8(o + 6), d.getUint8(o + 7));
        if (size < 8) return;
        each(type, o, Math.min(to, o + size));
        o += size;
      }
    };
    const parse = (bytes: Uint8Array) => {
      const d = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const result = { kind: '', pts: [] as number[], end: 0 };
      boxes(d, 0, d.byteLength, (type, start, end) => {
        if (type === 'moov') {
          boxes(d, start + 8, end, (t, s, e) => {
            if (t !== 'trak') return;
            let id = 0;
            let kind = '';
            let timescale = 0;
            boxes(d, s + 8, e, (t2, s2, e2) => {
              if (t2 === 'tkhd') id = u32(d, s2 + (d.getUint8(s2 + 8) === 1 ? 28 : 20));
              if (t2 !== 'mdia') return;
              boxes(d, s2 + 8, e2, (t3, s3) => {
                if (t3 === 'mdhd') timescale = u32(d, s3 + (d.getUint8(s3 + 8) === 1 ? 28 : 20));
                if (t3 === 'hdlr') kind = u32(d, s3 + 16) === 0x76696465 ? 'video' : 'audio';
              });
            });
            tracks.set(id, { kind, timescale });
          });
        }
        if (type !== 'moof') return;
        boxes(d, start + 8, end, (t, s, e) => {
          if (t !== 'traf') return;
          let track: { kind: string; timescale: number } | undefined;
          let dts = 0;
          boxes(d, s + 8, e, (t2, s2) => {
            if (t2 === 'tfhd') track = tracks.get(u32(d, s2 + 12));
            if (t2 === 'tfdt') dts = d.getUint8(s2 + 8) === 1 ? Number(d.getBigUint64(s2 + 12)) : u32(d, s2 + 12);
            if (t2 !== 'trun' || !track) return;
            // weir's trun: data offset, then duration, size, flags and a signed composition offset per sample.
            const n = u32(d, s2 + 12);
            for (let i = 0, o = s2 + 20; i < n; i++, o += 16) {
              const pts = (dts + d.getInt32(o + 12)) / track.timescale;
              dts += u32(d, o);
              result.pts.push(pts);
              result.end = Math.max(result.end, pts + u32(d, o) / track.timescale);
            }
            result.kind = track.kind;
          });
        });
      });
      return result;
    };
    const append = SourceBuffer.prototype.appendBuffer;
    SourceBuffer.prototype.appendBuffer = function (this: SourceBuffer, data: BufferSource) {
      const at = now();
      const view = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
      const parsed = parse(view);
      const entry = { kind: parsed.kind, at, done: 0, pts: parsed.pts, end: parsed.end };
      if (parsed.kind) log.appends.push(entry);
      this.addEventListener('updateend', () => (entry.done = now()), { once: true });
      append.call(this, data);
    };
  });
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: quantile(s, 0.5), p95: quantile(s, 0.95), mean, min: s[0], max: s.at(-1) };
}

const round = (x: number | undefined) => (x === undefined ? x : Math.round(x * 10) / 10);

/** Plays the live source for the warm-up and the window, and measures. */
async function measure(page: Page) {
  await openDemo(page);
  page.on('console', (m) => {
    if (m.text().startsWith('waiting')) console.log(m.text());
  });
  await recordPage(page);
  const workerReady = new Promise<Worker>((resolve) => {
    page.on('worker', (w) => void instrumentWorker(w).then(() => resolve(w)));
  });
  const id = `latency-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const url = `${SOURCE}${SOURCE.includes('?') ? '&' : '?'}id=${id}`;
  await page.evaluate(([u, options]) => window.weirDemo.start(u, options), [url, OPTIONS] as const);
  const worker = await workerReady;
  await page.evaluate(() => {
    const rec = (window as unknown as { latencyRecord: PageRecord }).latencyRecord;
    window.weirDemo.state.player!.on('stats', (s) =>
      rec.stats.push({
        at: performance.now(),
        latency: s.latency,
        timeOrigin: s.timeOrigin,
        rate: window.weirDemo.video.playbackRate,
        bufferAhead: s.bufferAhead,
        currentTime: s.currentTime,
      }),
    );
  });
  await expect
    .poll(() => page.evaluate(() => window.weirDemo.video.currentTime), { timeout: 20_000 })
    .toBeGreaterThan(0.5);
  await page.waitForTimeout(WARM_UP_MS);
  const windowStart = await page.evaluate(() => {
    const q = window.weirDemo.video.getVideoPlaybackQuality();
    return { at: performance.now(), dropped: q.droppedVideoFrames, decoded: q.totalVideoFrames };
  });
  await page.waitForTimeout(WINDOW_MS);
  const record = await page.evaluate(() => {
    const rec = (window as unknown as { latencyRecord: PageRecord }).latencyRecord;
    const q = window.weirDemo.video.getVideoPlaybackQuality();
    return {
      ...rec,
      perfMinusDate: performance.timeOrigin + performance.now() - Date.now(),
      timeOrigin: performance.timeOrigin,
      dropped: q.droppedVideoFrames,
      decoded: q.totalVideoFrames,
      windowEnd: performance.now(),
      errors: window.weirDemo.state.errors,
    };
  });
  const workerLog = await worker.evaluate(() => {
    const log = (self as unknown as { latencyLog: WorkerRecord }).latencyLog;
    return { ...log, perfMinusDate: performance.timeOrigin + performance.now() - Date.now() };
  });
  const sent = await page.evaluate(
    (u) => fetch(u).then((r) => r.json() as Promise<{ perfMinusDate: number; frames: SentFrame[] }>),
    `/test/sent?id=${id}`,
  );
  await page.evaluate(() => window.weirDemo.state.player?.destroy());
  expect(record.errors).toEqual([]);

  // Every clock onto the server's: epoch ms from performance.timeOrigin + now(), corrected by each process's
  // difference to Date.now() (the one system clock all three read).
  const pageToServer = (t: number) => record.timeOrigin + t - record.perfMinusDate + sent.perfMinusDate;
  const workerToServer = (t: number) => t - workerLog.perfMinusDate + sent.perfMinusDate;

  const origins = record.stats.map((s) => s.timeOrigin).filter((t) => Number.isFinite(t));
  expect(origins.length).toBeGreaterThan(0);
  expect(new Set(origins).size).toBe(1); // one timeline for the whole run
  const origin = origins[0]!;
  const byPts = new Map<number, SentFrame>();
  for (const f of sent.frames) byPts.set(f.pts, f);
  const find = (mediaTime: number) => {
    const pts = (origin + Math.round(mediaTime * TICKS)) % WRAP;
    for (const d of [0, -1, 1, -2, 2]) {
      const f = byPts.get((pts + d + WRAP) % WRAP);
      if (f) return f;
    }
    return undefined;
  };

  // Worker-side: when each media time was appended, per track.
  const appendedVideo = new Map<number, number>();
  for (const a of workerLog.appends)
    if (a.kind === 'video') for (const p of a.pts) appendedVideo.set(Math.round(p * TICKS), workerToServer(a.done));
  const audio = workerLog.appends.filter((a) => a.kind === 'audio');
  const audioThrough = (t: number) => audio.find((a) => a.end > t);

  const windowFrames = record.frames.filter(
    (f) => f.presentationTime >= windowStart.at && f.presentationTime <= record.windowEnd,
  );
  const rows: {
    latency: number;
    fromFirstPacket: number;
    atSubmission: number;
    toAppended: number | undefined;
    audioLater: number | undefined;
    appendedToShown: number | undefined;
    submitToDisplay: number;
  }[] = [];
  let unmatched = 0;
  for (const f of windowFrames) {
    const s = find(f.mediaTime);
    if (!s || s.completeAt === null) {
      unmatched++;
      continue;
    }
    const shown = pageToServer(f.expectedDisplayTime);
    const videoIn = appendedVideo.get(Math.round(f.mediaTime * TICKS));
    const audioIn = audioThrough(f.mediaTime);
    const audioAt = audioIn ? workerToServer(audioIn.done) : undefined;
    const ready = videoIn === undefined ? undefined : Math.max(videoIn, audioAt ?? videoIn);
    rows.push({
      latency: shown - s.completeAt,
      fromFirstPacket: shown - s.sentAt,
      atSubmission: pageToServer(f.presentationTime) - s.completeAt,
      toAppended: videoIn === undefined ? undefined : videoIn - s.completeAt,
      audioLater: videoIn === undefined || audioAt === undefined ? undefined : Math.max(0, audioAt - videoIn),
      appendedToShown: ready === undefined ? undefined : shown - ready,
      submitToDisplay: f.expectedDisplayTime - f.presentationTime,
    });
  }
  const defined = (key: keyof (typeof rows)[number]) =>
    rows.map((r) => r[key]).filter((x): x is number => x !== undefined);
  const latency = summary(defined('latency'));
  // How far the audio appended trails the video appended (the element plays only what both have).
  const shortfall: number[] = [];
  let videoEnd = 0;
  let audioEnd = 0;
  for (const a of workerLog.appends) {
    if (a.kind === 'video') videoEnd = Math.max(videoEnd, a.end);
    else audioEnd = Math.max(audioEnd, a.end);
    const at = workerToServer(a.done);
    if (at >= pageToServer(windowStart.at) && at <= pageToServer(record.windowEnd))
      shortfall.push((videoEnd - audioEnd) * 1000);
  }

  // Stalls: the element waiting for data, or a frame shown for more than two frame durations (a freeze) without
  // frames dropped meanwhile. Frames dropped (decoded too late: the shared machine was busy) are counted apart.
  const waiting = record.waiting.filter((t) => t >= windowStart.at && t <= record.windowEnd).length;
  let freezes = 0;
  let longestGap = 0;
  for (let i = 1; i < windowFrames.length; i++) {
    const gap = windowFrames[i]!.expectedDisplayTime - windowFrames[i - 1]!.expectedDisplayTime;
    longestGap = Math.max(longestGap, gap);
    if (gap > 2 * (1000 / 30) + 5 && windowFrames[i]!.dropped === windowFrames[i - 1]!.dropped) freezes++;
  }
  // The worker's own figure over the same window: its mean, against the mean of the measure.
  const statsWindow = record.stats.filter((s) => s.at >= windowStart.at && s.at <= record.windowEnd);
  const statsLatency = summary(statsWindow.map((s) => s.latency * 1000));
  // The same quantity as the stats, from the send log: at each stats event, now minus the last byte of the frame at
  // currentTime (tells the worker's arrival estimate apart from how currentTime relates to the frame on screen).
  const sorted = [...sent.frames].filter((f) => f.completeAt !== null).sort((a, b) => a.ptsUnwrapped - b.ptsUnwrapped);
  const atPlayhead: number[] = [];
  for (const x of statsWindow) {
    const pts = origin + x.currentTime * TICKS + 1;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.ptsUnwrapped <= pts) lo = mid + 1;
      else hi = mid;
    }
    const f = sorted[lo - 1];
    if (f) atPlayhead.push(pageToServer(x.at) - f.completeAt!);
  }
  const report = {
    options: OPTIONS,
    source: SOURCE,
    framesPresented: windowFrames.length,
    unmatched,
    latencyMs: latency,
    fromFirstPacketMs: summary(defined('fromFirstPacket')),
    toSubmissionMs: summary(defined('atSubmission')),
    breakdownMs: {
      sentToAppended: summary(defined('toAppended')),
      audioAppendedLater: summary(defined('audioLater')),
      audioEndBehindVideoEnd: summary(shortfall),
      appendedToShown: summary(defined('appendedToShown')),
      submitToDisplay: summary(defined('submitToDisplay')),
    },
    statsLatencyMs: statsLatency,
    playheadFrameLatencyMs: summary(atPlayhead),
    statsMinusMeasureMs: statsLatency.mean - latency.mean,
    stalls: { waiting, freezes, longestGapMs: longestGap },
    droppedFrames: record.dropped - windowStart.dropped,
    decodedFrames: record.decoded - windowStart.decoded,
    rateChanges: statsWindow.filter((s, i) => i > 0 && s.rate !== statsWindow[i - 1]!.rate).length,
  };
  console.log(JSON.stringify(report, (_k, v) => (typeof v === 'number' ? round(v) : v), 2));
  if (process.env.LATENCY_TRACE)
    console.log(
      statsWindow
        .map((x) => `${((x.at - windowStart.at) / 1000).toFixed(2)} ${(x.latency * 1000).toFixed(0)} ${x.rate}`)
        .join('\n'),
    );
  return report;
}

let result: Awaited<ReturnType<typeof measure>> | undefined;

test.describe
  .serial('live latency end to end (issue 5): last byte sent → frame presented', () => {
    test('60 s at steady state: no stall, p95 under 300 ms, stats within 50 ms of the measure', async ({ page }) => {
      test.setTimeout(WARM_UP_MS + WINDOW_MS + 60_000);
      result = await measure(page);
      const r = result;
      // Every frame of the window presented and matched to its send time (30 fps; a few may escape the callback).
      expect(r.framesPresented).toBeGreaterThan((WINDOW_MS / 1000) * 30 * 0.9);
      expect(r.unmatched).toBeLessThan(r.framesPresented * 0.01);
      // No stall: none in any 60 s run at this target (one run had a 100 ms freeze with 5 frames dropped while the
      // machine was busy: dropped frames are counted apart); at 0.1 s they came within a minute (README).
      expect(r.stalls.waiting + r.stalls.freezes).toBe(0);
      // Measured p95 177-238 ms in four runs: 60 ms of margin.
      expect(r.latencyMs.p95).toBeLessThan(300);
      // The stats count from the chunk that let weir write a frame (less the frames after it in its fragment, and one
      // more when the fragment waited for the next frame's bytes) to when currentTime reaches it; Chromium shows a frame
      // ~20 ms before that. Measured within 12 ms.
      expect(Math.abs(r.statsMinusMeasureMs)).toBeLessThan(50);
    });

    test('p50 under 150 ms', () => {
      // See the README, "Live latency": the frame is appended ~10 ms after its last byte is sent (weir writes it as soon
      // as the next frame's PES header shows it complete), then the distance kept behind the live edge (0.12-0.135 s:
      // the target and the upper half of the band the controller allows for ~3 s), less ~20 ms (Chromium shows a frame
      // that much before currentTime reaches it), plus a vsync. Measured p50 118-143 ms.
      expect(result).toBeDefined();
      expect(result!.latencyMs.p50).toBeLessThan(150);
    });
  });
