// Several programs in one transport stream (13818-1 2.4.4.3): the PAT lists them, each has its PMT. By default the
// first program whose PMT lists video is played, even when an audio-only program's map comes first; the `program`
// option picks another; `programs()` (and `weir probe`) lists every program with the streams its PMT declares.
// The stream is two committed fixtures muxed by the test's own TS writer as two programs and interleaved packet by
// packet: program 1 = the audio-only fixture, program 2 = H.264 + AAC.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../../engine/index.js';
import { fixturePath } from '../helpers/media.js';
import { type EsPacket, muxTs } from '../helpers/ts-mux.js';
import { walkTs } from '../helpers/ts-walk.js';

function esPackets(name: string, pids: Map<number, number>): EsPacket[] {
  return walkTs(new Uint8Array(readFileSync(fixturePath(name)))).pes.map((p) => ({
    pid: pids.get(p.pid)!,
    streamId: p.pid === 0x100 && pids.size > 1 ? 0xe0 : 0xc0,
    ...(p.pts !== undefined ? { pts: p.pts } : {}),
    ...(p.dts !== undefined && p.dts !== p.pts ? { dts: p.dts } : {}),
    payload: p.payload,
  }));
}

const programs: [number, number][] = [
  [1, 0x1000],
  [2, 0x1010],
];
const radio = muxTs(esPackets('ts-aac-only.ts', new Map([[0x100, 0x201]])), {
  programs: [programs[0]!, programs[1]!].reverse() as [number, number][], // the written program is the last listed
  streams: [[0x0f, 0x201]],
});
const tv = muxTs(
  esPackets(
    'ts-h264-baseline-aac.ts',
    new Map([
      [0x100, 0x100],
      [0x101, 0x101],
    ]),
  ),
  {
    programs,
    streams: [
      [0x1b, 0x100],
      [0x0f, 0x101],
    ],
  },
);
// Interleaved packet by packet, the radio program first (its PAT and PMT arrive before the TV program's).
const packets = Math.max(radio.length, tv.length) / 188;
const input = new Uint8Array(radio.length + tv.length);
let o = 0;
for (let i = 0; i < packets; i++) {
  for (const part of [radio, tv]) {
    if (i * 188 < part.length) {
      input.set(part.subarray(i * 188, (i + 1) * 188), o);
      o += 188;
    }
  }
}

async function run(options: { program?: number }) {
  const engine = await Engine.create({ output: 'muxed', ...options });
  const events: EngineEvent[] = [...engine.push(input), ...engine.flush()];
  return { engine, events };
}

describe('several programs', () => {
  it('default: the program with video, though the audio-only one shows its map first', async () => {
    const { engine, events } = await run({});
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(engine.tracks().map((t) => `${t.kind}:${t.pid}`)).toEqual(['video:256', 'audio:257']);
    const listed = engine.programs();
    // In the order the PAT lists them (the first PAT to arrive, the radio part's, lists program 2 first).
    expect(listed.map((p) => [p.program, p.pmtPid, p.pmtRead, p.video, p.played])).toEqual([
      [2, 0x1010, true, true, true],
      [1, 0x1000, true, false, false],
    ]);
    expect(listed.find((p) => p.program === 2)!.streams).toEqual([
      { streamType: 0x1b, pid: 0x100 },
      { streamType: 0x0f, pid: 0x101 },
    ]);
    expect(listed.find((p) => p.program === 1)!.streams).toEqual([{ streamType: 0x0f, pid: 0x201 }]);
  });

  it('program: 1 plays the audio-only program', async () => {
    const { engine, events } = await run({ program: 1 });
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(engine.tracks().map((t) => `${t.kind}:${t.pid}`)).toEqual(['audio:513']);
    expect(engine.programs().find((p) => p.played)!.program).toBe(1);
  });

  it('a program the stream does not have: nothing to play, said so', async () => {
    const { events } = await run({ program: 7 });
    expect(events.filter((e) => e.type === 'error').map((e) => (e.type === 'error' ? e.error.codeName : ''))).toEqual([
      'NO_PLAYABLE_TRACKS',
    ]);
  });
});
