// The damaged fixtures (DAMAGED_FIXTURES in test/helpers/media.ts, left out of the generic remux suite), judged
// against the clean fixture they were made from (`damage.source` in their summary, ts-h264-baseline-aac.ts) and
// the damage the fixture script recorded (`damage`):
//
// - ts-h264-aac-gap.ts (runs of packets removed): one CONTINUITY_ERROR per run, at the packet after the run, with
//   the run's PID as detail; the video access units the removed packets touched are missing and only they (the
//   decoded output is what ffmpeg decodes from the source's access units without them, and every frame that does
//   not depend on a lost picture is the source's); the audio frames are source frames, byte for byte, and the
//   missing ones are exactly those the removed packets touched (a damaged PES keeps the frames complete before the
//   damage, loses those after it, and a PES whose start was removed is lost whole), each replaced by a silent frame
//   (one AUDIO_GAP_FILLED; test/node/silence.test.ts judges the fill itself);
// - ts-h264-aac-garbage.ts (runs of stray bytes inserted between packets, none lost): one SYNC_LOST per run, at the
//   run, with its length as detail. Stray bytes after a packet cannot be told from bytes inserted inside it (the
//   next sync byte is at the same place either way), so the access unit of the packet before each run is given up
//   (demux.ts: "the packet before was cut short"): exactly those are missing, every other frame of the source is
//   kept (here the three packets before the runs are video, so all audio is kept).
//
// Both: the output decodes with no ffmpeg error line. ffmpeg is required (see test/helpers/ffmpeg.ts).
// ts-h264-ac3-gap.ts (AC-3 packets removed) is judged with the other audio gaps in test/node/silence.test.ts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '../../engine/codes.js';
import { decodeErrors, framemd5, requireFfmpeg } from '../helpers/ffmpeg.js';
import { type Mp4Track, readFmp4, trackOf } from '../helpers/fmp4.js';
import { DAMAGED_FIXTURES, type DroppedRun, fixturePath, type GarbageRun, readSummary } from '../helpers/media.js';
import { type RunResult, runEngine } from '../helpers/run-engine.js';
import { nalUnits, type Pes, readAdts, walkTs } from '../helpers/ts-walk.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-damaged-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** One ADTS frame of a source PES: where it lies in the PES bytes, and its raw_data_block (the MP4 sample). */
interface SourceFrame {
  end: number;
  raw: Uint8Array;
}

/** The ADTS frames of an audio PES (ffmpeg's muxer starts each PES on a frame and never splits one). */
function adtsFrames(pes: Pes): SourceFrame[] {
  const frames: SourceFrame[] = [];
  const start = pes.bytes.length - pes.payload.length; // 9 + PES_header_data_length
  let o = 0;
  while (o < pes.payload.length) {
    const h = readAdts(pes.payload, o);
    if (!h) throw new Error(`no ADTS header at ${o} of the PES at ${pes.offset}`);
    frames.push({ end: start + o + h.frameLength, raw: pes.payload.subarray(o + h.headerLength, o + h.frameLength) });
    o += h.frameLength;
  }
  return frames;
}

/** True when one of the PES's packets is in the removed run. */
function touched(pes: Pes, run: DroppedRun): boolean {
  return pes.packets.some(
    (k) => k.pidPacketIndex >= run.pidPacketIndex && k.pidPacketIndex < run.pidPacketIndex + run.packets,
  );
}

/** What weir gives for a fixture: the run (warnings, output), the output written to a file, its tracks. */
interface Remuxed {
  run: RunResult;
  path: string;
  tracks: Mp4Track[];
}

async function remux(name: string): Promise<Remuxed> {
  const run = await runEngine(new Uint8Array(readFileSync(fixturePath(name))), { output: 'muxed' });
  if (run.thrown) throw run.thrown;
  const path = join(tmp, name.replace(/\.ts$/, '.mp4'));
  writeFileSync(path, run.output);
  return { run, path, tracks: readFmp4(run.output) };
}

const hashes = (path: string, stream: string) => framemd5(path, stream).map((h) => h.hash);

it('covers every damaged fixture: the ones whose summary records damage (ts-h264-ac3-gap.ts: silence.test.ts)', () => {
  expect(DAMAGED_FIXTURES).toEqual(['ts-h264-aac-gap.ts', 'ts-h264-aac-garbage.ts', 'ts-h264-ac3-gap.ts']);
  for (const name of DAMAGED_FIXTURES) expect(readSummary(fixturePath(name)).damage, name).toBeDefined();
});

describe('ts-h264-aac-gap.ts: packets removed', () => {
  const name = 'ts-h264-aac-gap.ts';
  const summary = readSummary(fixturePath(name));
  const damage = summary.damage!;
  if (damage.kind !== 'dropped-packets') throw new Error(`${name}: damage ${damage.kind}`);
  const source = walkTs(new Uint8Array(readFileSync(fixturePath(damage.source))));
  const pidOf = (kind: 'video' | 'audio') => summary.tracks.find((t) => t.kind === kind)!.pid;
  const videoPes = source.pes.filter((p) => p.pid === pidOf('video'));
  const audioPes = source.pes.filter((p) => p.pid === pidOf('audio'));
  const videoRuns = damage.runs.filter((r) => r.pid === pidOf('video'));
  const audioRuns = damage.runs.filter((r) => r.pid === pidOf('audio'));
  /** Indices (in decode order) of the source's video access units a removed run touched. */
  const lostUnits = videoPes.flatMap((p, k) => (videoRuns.some((r) => touched(p, r)) ? [k] : []));
  let out: Remuxed;

  beforeAll(async () => {
    requireFfmpeg();
    out = await remux(name);
  });

  it('the damage is one run on each PID (what the checks below are written for)', () => {
    expect(videoRuns).toHaveLength(1);
    expect(audioRuns).toHaveLength(1);
    expect(lostUnits.length, 'access units touched by the video run').toBeGreaterThan(1);
  });

  it('warnings: one CONTINUITY_ERROR per removed run (detail = PID, at the packet after it), one AUDIO_GAP_FILLED for the audio hole', () => {
    const trackOfPid = (pid: number) =>
      trackOf(out.tracks, summary.tracks.find((t) => t.pid === pid)!.kind === 'video' ? 'vide' : 'soun').id;
    const gaps = out.run.warnings.filter((w) => w.code === ErrorCodes.CONTINUITY_ERROR);
    expect(gaps.map((w) => ({ offset: w.offset, track: w.track, detail: w.detail }))).toEqual(
      damage.runs.map((r) => ({ offset: r.outputOffset, track: trackOfPid(r.pid), detail: r.pid })),
    );
    // The audio frames after the hole keep their times: the hole is filled with one silent frame per lost frame,
    // reported once (detail = frames inserted) by the first PES after it.
    const lost = expectedAudio().lost;
    const fills = out.run.warnings.filter((w) => w.code === ErrorCodes.AUDIO_GAP_FILLED);
    expect(fills.map((w) => ({ track: w.track, detail: w.detail }))).toEqual([
      { track: trackOfPid(pidOf('audio')), detail: lost },
    ]);
    const damaged = walkTs(new Uint8Array(readFileSync(fixturePath(name))));
    // The first audio PES that starts after the run (in the damaged file).
    const after = damaged.pes.find((p) => p.pid === pidOf('audio') && p.offset > audioRuns[0]!.outputOffset)!;
    expect(fills[0]!.offset).toBeGreaterThanOrEqual(after.packets[0]!.offset);
    expect(fills[0]!.offset).toBeLessThanOrEqual(after.packets.at(-1)!.offset);
    expect(out.run.warnings.length, 'no other warning').toBe(gaps.length + fills.length);
    expect(out.run.errors).toEqual([]);
  });

  it('the output decodes with no ffmpeg error line', () => {
    expect(decodeErrors(out.path)).toEqual([]);
  });

  it('video: the source’s access units minus those the removed packets touched, decoded as ffmpeg decodes them', () => {
    const video = trackOf(out.tracks, 'vide');
    expect(video.samples.length).toBe(videoPes.length - lostUnits.length);
    // The reference: the source's H.264 elementary stream without the lost access units, decoded by ffmpeg.
    const es = Buffer.concat(videoPes.filter((_, k) => !lostUnits.includes(k)).map((p) => p.payload));
    const reference = join(tmp, 'gap-reference.h264');
    writeFileSync(reference, es);
    expect(hashes(out.path, 'v')).toEqual(hashes(reference, 'v'));
  });

  it('video: every frame that does not depend on a lost picture is the source’s', () => {
    // No B-frames in the source (decode order = output order): the pictures after the lost ones reference them
    // until the next IDR picture (nal_unit_type 5).
    expect(summary.tracks.find((t) => t.kind === 'video')!.firstDts).toBe(
      summary.tracks.find((t) => t.kind === 'video')!.firstPts,
    );
    const idr = (k: number) => nalUnits(videoPes[k]!.payload).some((n) => (n[0]! & 0x1f) === 5);
    let nextIdr = lostUnits.at(-1)! + 1;
    while (!idr(nextIdr)) nextIdr++;
    const kept = videoPes.map((_, k) => k).filter((k) => !lostUnits.includes(k));
    const source = hashes(fixturePath(damage.source), 'v');
    const output = hashes(out.path, 'v');
    const independent = kept.flatMap((k, j) => (k < lostUnits[0]! || k >= nextIdr ? [[j, k] as const] : []));
    expect(independent.length, 'frames before the damage and from the next IDR on').toBe(
      lostUnits[0]! + (videoPes.length - nextIdr),
    );
    for (const [j, k] of independent) expect(output[j], `output frame ${j} = source frame ${k}`).toBe(source[k]);
  });

  /**
   * The source's audio frames weir must keep: in a PES one of the removed packets belongs to, the frames complete
   * in the packets before the run (none when the run removed its first packet); every frame of the other PES. `at`:
   * how many are kept before the hole.
   */
  function expectedAudio(): { kept: Uint8Array[]; lost: number; at: number } {
    const kept: Uint8Array[] = [];
    let lost = 0;
    let at = -1;
    for (const pes of audioPes) {
      const frames = adtsFrames(pes);
      const run = audioRuns.find((r) => touched(pes, r));
      if (!run) {
        kept.push(...frames.map((f) => f.raw));
        continue;
      }
      const before = pes.packets.filter((k) => k.pidPacketIndex < run.pidPacketIndex);
      const intact = before.length > 0 && before[0] === pes.packets[0] ? before.at(-1)!.end : 0;
      const whole = frames.filter((f) => f.end <= intact);
      kept.push(...whole.map((f) => f.raw));
      if (at < 0) at = kept.length;
      lost += frames.length - whole.length;
    }
    return { kept, lost, at };
  }

  it('audio: every output frame is a source frame, byte for byte, but for one silent frame per frame the removed packets touched, in its place', () => {
    const { kept, lost, at } = expectedAudio();
    // The run (10 packets) begins inside one PES and removes the start of the next: frames of both are lost.
    const hit = audioPes.filter((p) => audioRuns.some((r) => touched(p, r)));
    expect(hit.length).toBe(2);
    expect(lost).toBeGreaterThan(adtsFrames(hit[1]!).length);
    // AAC-LC stereo silence (wasm/codecs/silence.ts): a CPE of two channels coding no band, then ID_END.
    const silent = Buffer.from('2000000000000e', 'hex');
    const expected = [...kept.slice(0, at), ...Array<Uint8Array>(lost).fill(silent), ...kept.slice(at)];
    const samples = trackOf(out.tracks, 'soun').samples.map((s) => Buffer.from(s.data));
    expect(samples.length).toBe(kept.length + lost);
    samples.forEach((s, k) => {
      expect(s.equals(Buffer.from(expected[k]!)), `output audio frame ${k}`).toBe(true);
    });
  });
});

describe('ts-h264-aac-garbage.ts: stray bytes between packets', () => {
  const name = 'ts-h264-aac-garbage.ts';
  const summary = readSummary(fixturePath(name));
  const damage = summary.damage!;
  if (damage.kind !== 'garbage') throw new Error(`${name}: damage ${damage.kind}`);
  const runs: GarbageRun[] = damage.runs;
  const sourcePath = fixturePath(damage.source);
  let out: Remuxed;

  beforeAll(async () => {
    requireFfmpeg();
    out = await remux(name);
  });

  it('the recorded runs are where the bytes are (the summary scan and test/helpers/ts-walk.ts agree)', () => {
    const walked = walkTs(new Uint8Array(readFileSync(fixturePath(name))));
    expect(walked.resyncs).toEqual(runs.map((r) => ({ offset: r.outputOffset, length: r.length })));
    expect(walked.resyncs).toEqual(summary.resyncs);
  });

  it('warnings: one SYNC_LOST per inserted run, at the run, with its length as detail; nothing else', () => {
    expect(out.run.warnings.map((w) => ({ code: w.code, offset: w.offset, detail: w.detail }))).toEqual(
      runs.map((r) => ({ code: ErrorCodes.SYNC_LOST, offset: r.outputOffset, detail: r.length })),
    );
    expect(out.run.errors).toEqual([]);
  });

  it('the output decodes with no ffmpeg error line', () => {
    expect(decodeErrors(out.path)).toEqual([]);
  });

  it('video: only the access units of the packets just before the runs are missing; the others are the source’s', () => {
    const videoPid = summary.tracks.find((t) => t.kind === 'video')!.pid;
    const damaged = walkTs(new Uint8Array(readFileSync(fixturePath(name)))).pes;
    // The PES whose packet ends where each run begins.
    const before = runs.map((r) => damaged.findIndex((p) => p.packets.some((k) => k.offset + 188 === r.outputOffset)));
    expect(
      before.every((i) => i >= 0 && damaged[i]!.pid === videoPid),
      'each run follows a video packet',
    ).toBe(true);
    const videoPes = damaged.filter((p) => p.pid === videoPid);
    const lostUnits = before.map((i) => videoPes.indexOf(damaged[i]!));
    const sourceUnits = walkTs(new Uint8Array(readFileSync(sourcePath))).pes.filter((p) => p.pid === videoPid);
    const samples = trackOf(out.tracks, 'vide').samples;
    expect(samples.length, 'video samples = source access units minus those given up').toBe(
      sourceUnits.length - lostUnits.length,
    );
    // Every sample is the source access unit it stands for (same NAL units, byte for byte), the lost ones skipped.
    const keptUnits = sourceUnits.filter((_, k) => !lostUnits.includes(k));
    samples.forEach((s, k) => {
      const nals = nalUnits(keptUnits[k]!.payload).filter((u) => u.length > 0);
      const expected = Buffer.concat(
        nals.flatMap((u) => [
          Buffer.from([0, 0, 0, 0].map((_, b) => (u.length >>> (24 - 8 * b)) & 0xff)),
          Buffer.from(u),
        ]),
      );
      expect(Buffer.from(s.data).equals(expected), `video sample ${k}`).toBe(true);
    });
  });

  it('audio: every frame of the source is kept (framemd5 and sample bytes equal to the source’s)', () => {
    expect(hashes(out.path, 'a')).toEqual(hashes(sourcePath, 'a'));
    const source = walkTs(new Uint8Array(readFileSync(sourcePath)));
    const pid = summary.tracks.find((t) => t.kind === 'audio')!.pid;
    const frames = source.pes.filter((p) => p.pid === pid).flatMap((p) => adtsFrames(p).map((f) => f.raw));
    const samples = trackOf(out.tracks, 'soun').samples;
    expect(samples.length).toBe(frames.length);
    samples.forEach((s, k) => {
      expect(Buffer.from(s.data).equals(Buffer.from(frames[k]!)), `audio frame ${k}`).toBe(true);
    });
  });
});
