// Timed metadata (issue 3): ID3 tags (stream_type 0x15) and SCTE-35 splice_info_sections (0x86) come out as
// `metadata` events whose time is on the output timeline. Each stream here is a committed fixture rebuilt with the
// test's own TS writer (test/helpers/ts-mux.ts) plus a metadata PID; the expected time of each event is the
// presentation time, in the remuxed file as ffprobe reads it, of the video frame whose source PTS the metadata
// names — so the check goes through an independent reader, not through weir's own numbers.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent, type MetadataEvent } from '../../engine/index.js';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { corpusDir, fixturePath } from '../helpers/media.js';
import { id3Tag, sectionPacket, spliceInsert } from '../helpers/ts-metadata.js';
import { type EsPacket, muxTs } from '../helpers/ts-mux.js';
import { pidsOf, walkTs } from '../helpers/ts-walk.js';

const tmp = mkdtempSync(join(tmpdir(), 'weir-metadata-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ID3_PID = 0x1f1;
const SCTE_PID = 0x1f0;

async function remux(ts: Uint8Array, name: string): Promise<{ events: MetadataEvent[]; mp4: string }> {
  const engine = await Engine.create({ output: 'muxed' });
  const events: EngineEvent[] = [];
  const parts: Uint8Array[] = [];
  for (let o = 0; o < ts.length; o += 4096) {
    for (const e of engine.push(ts.subarray(o, o + 4096))) {
      events.push(e);
      if (e.type === 'init' || e.type === 'fragment') parts.push(e.data.slice());
    }
  }
  for (const e of engine.flush()) {
    events.push(e);
    if (e.type === 'init' || e.type === 'fragment') parts.push(e.data.slice());
  }
  expect(events.filter((e) => e.type === 'error')).toEqual([]);
  const mp4 = join(tmp, `${name}.mp4`);
  writeFileSync(mp4, Buffer.concat(parts));
  return { events: events.filter((e): e is MetadataEvent => e.type === 'metadata'), mp4 };
}

/** Presentation times (s) of the video frames of an MP4 as ffprobe reads them, in presentation order. */
function videoPresentationTimes(mp4: string): number[] {
  const p = probe(mp4);
  const video = p.streams.find((s) => s.codec_type === 'video')!.index;
  return p.packets
    .filter((k) => k.stream_index === video)
    .map((k) => Number(k.pts_time))
    .sort((a, b) => a - b);
}

describe('timed metadata on the output timeline', () => {
  requireFfmpeg();
  const source = new Uint8Array(readFileSync(fixturePath('ts-h264-baseline-aac.ts')));
  const walked = walkTs(source);
  const { video, audio } = pidsOf(walked);
  const pes: EsPacket[] = walked.pes.map((p) => ({
    pid: p.pid,
    streamId: p.pid === video ? 0xe0 : 0xc0,
    ...(p.pts !== undefined ? { pts: p.pts } : {}),
    ...(p.dts !== undefined && p.dts !== p.pts ? { dts: p.dts } : {}),
    payload: p.payload,
  }));
  const videoPts = walked.pes.filter((p) => p.pid === video).map((p) => p.pts!);
  const sortedPts = [...videoPts].sort((a, b) => a - b);
  // Cue the 60th and the 80th frame (in presentation order).
  const cueA = sortedPts[60]!;
  const cueB = sortedPts[80]!;

  it('SCTE-35 splice_insert: event id, out-of-network, duration, and the splice time of the cued frame', async () => {
    let sent = 0;
    const ts = muxTs(pes, {
      streams: [
        [0x1b, video!],
        [0x0f, audio!],
        [0x86, SCTE_PID],
      ],
      after: (p, cc) => {
        // Cues are sent ahead of their splice time, as a splicer does (here: after the 40th and 50th video PES).
        if (p.pid !== video) return [];
        sent++;
        if (sent === 40) return [sectionPacket(SCTE_PID, cc(SCTE_PID), spliceInsert(0x1234, cueA, 30))];
        if (sent === 50) return [sectionPacket(SCTE_PID, cc(SCTE_PID), spliceInsert(0x1235, cueB - 90000, 15, 90000))];
        return [];
      },
    });
    const { events, mp4 } = await remux(ts, 'scte35');
    const presented = videoPresentationTimes(mp4);
    expect(events.map((e) => e.kind)).toEqual(['scte35', 'scte35']);
    const [a, b] = events as Extract<MetadataEvent, { kind: 'scte35' }>[];
    expect(a!.scte35).toMatchObject({
      commandType: 5,
      eventId: 0x1234,
      outOfNetwork: true,
      duration: 30,
      autoReturn: true,
    });
    expect(b!.scte35).toMatchObject({ eventId: 0x1235, ptsAdjustment: 90000, duration: 15 });
    expect(a!.time).toBeCloseTo(presented[60]!, 3);
    // pts_adjustment is added to pts_time (§9.6): the second cue names frame 80 through it.
    expect(b!.time).toBeCloseTo(presented[80]!, 3);
  });

  it('ID3 in PES: TXXX frames decoded, the time of the frame the PES is stamped with', async () => {
    const withId3: EsPacket[] = [];
    let n = 0;
    for (const p of pes) {
      withId3.push(p);
      if (p.pid === video && ++n % 30 === 0) {
        withId3.push({ pid: ID3_PID, streamId: 0xbd, pts: sortedPts[n]!, payload: id3Tag('cue', `frame ${n}`) });
      }
    }
    const ts = muxTs(withId3, {
      streams: [
        [0x1b, video!],
        [0x0f, audio!],
        [0x15, ID3_PID],
      ],
    });
    const { events, mp4 } = await remux(ts, 'id3');
    const presented = videoPresentationTimes(mp4);
    expect(events.length).toBe(3);
    events.forEach((e, i) => {
      if (e.kind !== 'id3') throw new Error('not ID3');
      const frame = (i + 1) * 30;
      expect(e.frames).toEqual([expect.objectContaining({ id: 'TXXX', description: 'cue', value: `frame ${frame}` })]);
      expect(e.time).toBeCloseTo(presented[frame]!, 3);
    });
  });

  it.skipIf(corpusDir() === undefined)(
    'shaka id3-metadata.ts: both tags, at their PES time relative to the audio',
    async () => {
      const path = join(corpusDir()!, 'ts/shaka_id3-metadata.ts');
      const { events, mp4 } = await remux(new Uint8Array(readFileSync(path)), 'shaka-id3');
      const input = probe(path);
      const data = input.streams.find((s) => s.codec_type === 'data')!.index;
      const audioIn = input.streams.find((s) => s.codec_type === 'audio')!.index;
      const firstAudio = Math.min(
        ...input.packets.filter((k) => k.stream_index === audioIn).map((k) => Number(k.pts_time)),
      );
      const output = probe(mp4);
      const firstAudioOut = Math.min(...output.packets.map((k) => Number(k.pts_time)));
      const tagTimes = input.packets.filter((k) => k.stream_index === data).map((k) => Number(k.pts_time));
      expect(events.map((e) => e.kind)).toEqual(tagTimes.map(() => 'id3'));
      events.forEach((e, i) => {
        expect(e.time).toBeCloseTo(tagTimes[i]! - firstAudio + firstAudioOut, 3);
        if (e.kind === 'id3') expect(e.frames.find((f) => f.id === 'TIT2')?.value).toBeTruthy();
      });
    },
  );
});
