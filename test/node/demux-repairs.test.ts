// Stream structures seen in real-world captures (the third-party corpus) rebuilt from a fixture with an independent
// TS writer (test/helpers/ts-mux.ts), so they are tested on every run, with or without WEIR_CORPUS. Each variant
// carries the same access units with the same timestamps as the plain rebuild, so weir's output must be
// byte-identical to it, with no warning:
// - PAT/PMT arriving after the first frames (mux.js test-middle-pat-pmt.ts);
// - PES packets that end inside a NAL unit or inside the next start code (mux.js sintel-captions.ts);
// - payload-less packets with adaptation_field_control '11' between PES packets (Mediabunny no-initial-keyframe.ts);
// - a PAT whose first program's PMT never comes (tsduck test-137).

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/media.js';
import { describeProblems, type RunResult, randomChunks, runEngine, sha1 } from '../helpers/run-engine.js';
import { type EsPacket, type MuxOptions, muxTs } from '../helpers/ts-mux.js';
import { pidsOf, walkTs } from '../helpers/ts-walk.js';

for (const fixture of ['ts-h264-baseline-aac.ts', 'ts-h264-high-bframes-aac.ts']) {
  describe(fixture, () => {
    let pes: EsPacket[];
    let options: MuxOptions;
    let videoPid: number;
    let reference: RunResult;

    /** weir's output for a rebuilt stream, checked against the plain rebuild (also in random chunks). */
    async function expectSameOutput(data: Uint8Array): Promise<void> {
      for (const chunking of [data.length, randomChunks(data.length, 1, 5000)]) {
        const r = await runEngine(data, { output: 'muxed' }, chunking);
        expect(r.thrown).toBeUndefined();
        expect(describeProblems(r.errors)).toEqual([]);
        expect(describeProblems(r.warnings)).toEqual([]);
        expect(r.segments).toEqual(reference.segments);
        expect(sha1(r.output)).toBe(sha1(reference.output));
      }
    }

    beforeAll(async () => {
      const ts = walkTs(new Uint8Array(readFileSync(fixturePath(fixture))));
      const pids = pidsOf(ts);
      videoPid = pids.video!;
      pes = ts.pes.map((p) => ({
        pid: p.pid,
        streamId: p.pid === videoPid ? 0xe0 : 0xc0,
        ...(p.pts !== undefined ? { pts: p.pts } : {}),
        ...(p.dts !== undefined ? { dts: p.dts } : {}),
        payload: p.payload,
      }));
      options = {
        streams: [
          [0x1b, videoPid],
          [0x0f, pids.audio!],
        ],
      };
      reference = await runEngine(muxTs(pes, options), { output: 'muxed' });
    });

    it('the plain rebuild gives the same output as the fixture itself', async () => {
      const original = await runEngine(new Uint8Array(readFileSync(fixturePath(fixture))), { output: 'muxed' });
      expect(reference.errors).toEqual([]);
      expect(reference.warnings).toEqual([]);
      expect(sha1(reference.output)).toBe(sha1(original.output));
    });

    it('PAT and PMT only after the first IDR frame and some audio: the packets before them are kept', async () => {
      const firstVideo = pes.findIndex((p) => p.pid === videoPid);
      await expectSameOutput(muxTs(pes, { ...options, psiAt: firstVideo + 6 }));
    });

    it('video PES packets that end inside the last NAL unit of their access unit', async () => {
      // Move the last k bytes of every video access unit into the next video PES (k varies: 1..300 bytes).
      const moved = pes.map((p) => ({ ...p }));
      let previous: EsPacket | undefined;
      let i = 0;
      for (const p of moved) {
        if (p.pid !== videoPid) continue;
        if (previous) {
          const k = 1 + ((i * 37) % 300);
          const tail = previous.payload.subarray(previous.payload.length - k);
          previous.payload = previous.payload.subarray(0, previous.payload.length - k);
          p.payload = Uint8Array.from([...tail, ...p.payload]);
        }
        previous = p;
        i++;
      }
      await expectSameOutput(muxTs(moved, options));
    });

    for (const cut of [1, 2, 3]) {
      it(`video PES packets that end inside the next access unit's start code (${cut} byte(s) of it)`, async () => {
        // The first `cut` bytes of each access unit (00, 00 00, 00 00 00 of 00 00 00 01) end the PES before it.
        const moved = pes.map((p) => ({ ...p }));
        let previous: EsPacket | undefined;
        for (const p of moved) {
          if (p.pid !== videoPid) continue;
          if (previous) {
            expect([...p.payload.subarray(0, 4)]).toEqual([0, 0, 0, 1]);
            previous.payload = Uint8Array.from([...previous.payload, ...p.payload.subarray(0, cut)]);
            p.payload = p.payload.subarray(cut);
          }
          previous = p;
        }
        await expectSameOutput(muxTs(moved, options));
      });
    }

    it("payload-less packets with adaptation_field_control '11' (183 bytes of adaptation field) between PES", async () => {
      const data = muxTs(pes, {
        ...options,
        after: (p, cc) =>
          [0, 1].map(() => {
            const packet = new Uint8Array(188).fill(0xff);
            packet.set([0x47, p.pid >> 8, p.pid & 0xff, 0x30 | cc(p.pid), 183, 0x00]);
            return packet;
          }),
      });
      await expectSameOutput(data);
    });

    it("a PAT whose first program's PMT never comes: the program whose PMT arrives is played", async () => {
      await expectSameOutput(
        muxTs(pes, {
          ...options,
          programs: [
            [7, 0x0200],
            [1, 0x1000],
          ],
        }),
      );
    });
  });
}
