// E-AC-3 sync frames of one, two or three audio blocks (numblkscod 0-2; TS 102 366 Annex E) in MPEG-TS: ISO BMFF
// wants an E-AC-3 sample to be six blocks, 1536 samples (Annex F.3), so weir joins consecutive frames into one sample
// (wasm/mpegts/audio.ts). ffmpeg's encoder writes six blocks only, so the streams here are made of silent frames
// (test/fuzz/ac3-silence.mjs) whose dialnorm differs from frame to frame (each frame's bytes and CRCs differ, so
// their order shows), muxed into MPEG-TS by ffmpeg. For each block count and both output modes (and 100 ms live
// fragments):
//
// - every MP4 sample is 6 / blocks consecutive frames of the input, in order, lasting 1536 (the last one may hold
//   fewer, lasting what it holds); the samples together are the input's frames, each once;
// - the tfdt chain is exact;
// - the output is the same for 1-, 7- and 188-byte chunks;
// - ffmpeg decodes the MP4 without an error line (CRCs checked) to the input's length: blocks * 256 per frame.
//
// Not here: a gap in such a stream is filled with silent frames of the stream's block count, one MP4 sample each
// (so they fill it exactly), and the sample before the gap may hold fewer than six blocks.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ac3SilentFrame } from '../fuzz/ac3-silence.mjs';
import { decodeErrors, decodePcm, requireFfmpeg } from '../helpers/ffmpeg.js';
import { readFmp4, trackOf } from '../helpers/fmp4.js';
import { runEngine } from '../helpers/run-engine.js';
import { BitWriter } from '../helpers/test-core.js';

let tmp: string;
beforeAll(() => {
  requireFfmpeg();
  tmp = mkdtempSync(join(tmpdir(), 'weir-eac3-blocks-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** E-AC-3 stereo frames of `blocks` blocks at 48 kHz and 96 kbit/s, 3 s of them, dialnorm cycling through 1-31. */
function eac3Frames(blocks: number): Uint8Array[] {
  const numblkscod = [1, 2, 3].indexOf(blocks);
  const words = (96000 / 8 / 2) * ((blocks * 256) / 48000);
  const count = Math.round((3 * 48000) / (blocks * 256));
  return Array.from({ length: count }, (_, i) => {
    const header = new BitWriter().u(16, 0x0b77); // syncword
    header.u(2, 0).u(3, 0); // strmtyp, substreamid
    header.u(11, words - 1); // frmsiz
    header.u(2, 0).u(2, numblkscod).u(3, 2).u(1, 0); // fscod, numblkscod, acmod (2/0), lfeon
    header.u(5, 16).u(5, 1 + (i % 31)); // bsid, dialnorm
    header.u(1, 0).u(1, 0).u(1, 0).u(1, 0); // compre, mixmdate, infomdate, convsync
    return ac3SilentFrame(header.u(32, 0).bytes())!;
  });
}

for (const blocks of [1, 2, 3]) {
  describe(`E-AC-3, ${blocks} block${blocks > 1 ? 's' : ''} a frame`, () => {
    const perSample = 6 / blocks;
    let frames: Uint8Array[];
    let ts: Uint8Array;

    beforeAll(() => {
      frames = eac3Frames(blocks);
      const raw = join(tmp, `blocks-${blocks}.eac3`);
      const out = join(tmp, `blocks-${blocks}.ts`);
      writeFileSync(raw, Buffer.concat(frames));
      const mux = ['-fflags', '+bitexact', '-flags', '+bitexact', '-f', 'mpegts'];
      execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'eac3', '-i', raw, '-c', 'copy', ...mux, out]);
      ts = new Uint8Array(readFileSync(out));
    });

    for (const [label, options] of [
      ['muxed', { output: 'muxed' }],
      ['per-track, 100 ms fragments', { output: 'per-track', fragmentDuration: 100 }],
    ] as const) {
      it(`${label}: each MP4 sample is ${perSample} consecutive frames lasting 1536, the tfdt chain exact`, async () => {
        const r = await runEngine(ts, options);
        expect(r.errors).toEqual([]);
        expect(r.warnings.map((w) => w.codeName)).toEqual([]);
        const track = trackOf(readFmp4(r.output), 'soun');
        let next = 0;
        for (const [i, s] of track.samples.entries()) {
          const joined = frames.slice(next, next + perSample);
          expect(Buffer.from(s.data).equals(Buffer.concat(joined)), `sample ${i}`).toBe(true);
          expect(s.duration, `sample ${i}`).toBe(joined.length * blocks * 256);
          expect(s.dts, `sample ${i}`).toBe(track.samples[0]!.dts + next * blocks * 256);
          next += joined.length;
        }
        expect(next).toBe(frames.length);
        expect(track.samples.length).toBe(Math.ceil(frames.length / perSample));
        for (let k = 1; k < track.runs.length; k++) {
          expect(track.runs[k]!.tfdt, `run ${k}`).toBe(track.runs[k - 1]!.tfdt + track.runs[k - 1]!.duration);
        }
      });
    }

    it('the output is the same whatever the chunking (1, 7 and 188 bytes)', async () => {
      const whole = await runEngine(ts, { output: 'muxed' });
      for (const chunk of [1, 7, 188]) {
        const r = await runEngine(ts, { output: 'muxed' }, chunk);
        expect(Buffer.from(r.output).equals(Buffer.from(whole.output)), `${chunk}-byte chunks`).toBe(true);
      }
    });

    it('ffmpeg decodes the MP4 without an error line to the frames’ length', async () => {
      const r = await runEngine(ts, { output: 'muxed' });
      const path = join(tmp, `blocks-${blocks}.mp4`);
      writeFileSync(path, r.output);
      expect(decodeErrors(path, ['-err_detect', 'crccheck'])).toEqual([]);
      expect(decodePcm(path, 'a').length / 2 / 2).toBe(frames.length * blocks * 256);
    });
  });
}
