// Edge cases of the demuxer found in review, each built from a fixture with the independent TS reader and writer
// (test/helpers/ts-walk.ts, ts-mux.ts): ADTS with channel_configuration 0 (channels in a PCE that ADTS does not
// expose), a PMT announced with current_next_indicator 0, and a PES holding more NAL units than any picture does.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeName } from '../../engine/index.js';
import { readFmp4, trackOf } from '../helpers/fmp4.js';
import { fixturePath } from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';
import { muxTs } from '../helpers/ts-mux.js';
import { pidsOf, walkTs } from '../helpers/ts-walk.js';

const codes = (list: { code: number }[]) => list.map((e) => codeName(e.code));

describe('ADTS with channel_configuration 0', () => {
  // Every ADTS header of the audio-only fixture rewritten to channel_configuration 0 (13818-7 6.2.1): an MP4
  // AudioSpecificConfig would need the program_config_element from inside the raw data, which weir does not parse.
  const ts = walkTs(new Uint8Array(readFileSync(fixturePath('ts-aac-only.ts'))));
  const pid = pidsOf(ts).audio!;
  const pes = ts.pes
    .filter((p) => p.pid === pid)
    .map((p) => {
      const payload = p.payload.slice();
      for (let o = 0; o + 7 <= payload.length; ) {
        if (payload[o] !== 0xff || (payload[o + 1]! & 0xf6) !== 0xf0) break; // frames are PES-aligned here
        payload[o + 2] = payload[o + 2]! & ~1; // channel_configuration bit 2
        payload[o + 3] = payload[o + 3]! & 0x3f; // channel_configuration bits 1..0
        o += ((payload[o + 3]! & 3) << 11) | (payload[o + 4]! << 3) | (payload[o + 5]! >> 5);
      }
      return { pid, streamId: 0xc0, ...(p.pts === undefined ? {} : { pts: p.pts }), payload };
    });
  const input = muxTs(pes, { streams: [[0x0f, pid]] });

  it('is reported as an unsupported track, not written as a wrong configuration', async () => {
    const r = await runEngine(input, { output: 'muxed' });
    expect(codes(r.warnings)).toContain('TRACK_UNSUPPORTED');
    expect(codes(r.errors)).toEqual(['NO_PLAYABLE_TRACKS']);
    expect(r.output.length).toBe(0);
  });
});

describe('a PMT with current_next_indicator 0', () => {
  it('is not taken as the current program map (13818-1 2.4.4.5)', async () => {
    const ts = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-baseline-aac.ts'))));
    const { video, audio } = pidsOf(ts);
    const pes = ts.pes
      .filter((p) => p.pid === video || p.pid === audio)
      .map((p) => ({
        pid: p.pid,
        streamId: p.pid === video ? 0xe0 : 0xc0,
        ...(p.pts === undefined ? {} : { pts: p.pts }),
        ...(p.dts === undefined ? {} : { dts: p.dts }),
        payload: p.payload,
      }));
    const good = muxTs(pes, {
      streams: [
        [0x1b, video!],
        [0x0f, audio!],
      ],
    });
    // The writer's sections carry current_next_indicator 1 (byte 5 = 0xC1); announce every PMT as "next" instead,
    // and fix its CRC. With no current PMT, no track may be declared.
    const next = good.slice();
    for (let o = 0; o + 188 <= next.length; o += 188) {
      const packetPid = ((next[o + 1]! & 0x1f) << 8) | next[o + 2]!;
      if (packetPid === 0 || !(next[o + 1]! & 0x40)) continue;
      const payload = o + 4 + (next[o + 3]! & 0x20 ? 1 + next[o + 4]! : 0); // after any adaptation field
      const s = payload + 1 + next[payload]!; // section start after pointer_field
      if (next[s] !== 0x02) continue; // table_id of a PMT
      next[s + 5] = next[s + 5]! & 0xfe;
      const length = 3 + (((next[s + 1]! & 0x0f) << 8) | next[s + 2]!);
      let crc = 0xffffffff;
      for (let i = s; i < s + length - 4; i++) {
        crc ^= next[i]! << 24;
        for (let k = 0; k < 8; k++) crc = crc & 0x80000000 ? ((crc << 1) ^ 0x04c11db7) >>> 0 : (crc << 1) >>> 0;
      }
      next.set([crc >>> 24, (crc >> 16) & 0xff, (crc >> 8) & 0xff, crc & 0xff], s + length - 4);
    }
    const ok = await runEngine(good, { output: 'muxed' });
    expect(ok.errors).toEqual([]);
    const r = await runEngine(next, { output: 'muxed' });
    expect(codes(r.errors)).toEqual(['NO_PLAYABLE_TRACKS']);
  });
});

describe('a PES with more NAL units than a picture holds', () => {
  it('costs only its own access unit, reported', async () => {
    const ts = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-video-only.ts'))));
    const { video } = pidsOf(ts);
    const pes = ts.pes.filter((p) => p.pid === video);
    const victim = Math.floor(pes.length / 2);
    const packets = pes.map((p, i) => {
      let payload = p.payload;
      if (i === victim) {
        // 5000 one-byte NAL units (an SEI header byte each) after the picture: more than the core's limit of 4096.
        const junk = new Uint8Array(5000 * 4);
        for (let k = 0; k < 5000; k++) junk.set([0, 0, 1, 0x06], k * 4);
        payload = new Uint8Array([...p.payload, ...junk]);
      }
      return {
        pid: video!,
        streamId: 0xe0,
        ...(p.pts === undefined ? {} : { pts: p.pts }),
        ...(p.dts === undefined ? {} : { dts: p.dts }),
        payload,
      };
    });
    const r = await runEngine(muxTs(packets, { streams: [[0x1b, video!]] }), { output: 'muxed' });
    expect(r.errors).toEqual([]);
    expect(codes(r.warnings)).toContain('PES_INVALID');
    expect(trackOf(readFmp4(r.output), 'vide').samples.length).toBe(pes.length - 1);
  });
});
