// CEA-608/708 captions (ATSC A/53 cc_data in H.264 SEI) come out as `metadata` events of kind `captions`, one
// per picture, at the picture's presentation time. Checked against ffmpeg's own extraction (the lavfi movie
// source's `subcc` output: the same cc_data bytes, frame by frame) and against the presentation times ffprobe
// reads from the remuxed file. The corpus file muxjs_sintel-captions.ts is Constrained Baseline (no B-frames),
// so decode order is presentation order and the two sequences line up one to one.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent, type MetadataEvent } from '../../engine/index.js';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { corpusDir, corpusUnset, requireCorpus } from '../helpers/media.js';

const tmp = mkdtempSync(join(tmpdir(), 'weir-captions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(corpusUnset)('captions from H.264 SEI (WEIR_CORPUS)', () => {
  it("every picture's cc_data, byte for byte as ffmpeg extracts it, at the picture's presentation time", async () => {
    requireCorpus();
    requireFfmpeg();
    const path = join(corpusDir()!, 'ts/muxjs_sintel-captions.ts');
    const engine = await Engine.create({ output: 'muxed' });
    // Fragment data are views valid until the next call: copied at once.
    const copy = (list: EngineEvent[]) =>
      list.map((e) => (e.type === 'init' || e.type === 'fragment' ? { ...e, data: e.data.slice() } : e));
    const events: EngineEvent[] = [...copy(engine.push(new Uint8Array(readFileSync(path)))), ...copy(engine.flush())];
    const parts = events.flatMap((e) => (e.type === 'init' || e.type === 'fragment' ? [e.data] : []));
    const captions = events.filter(
      (e): e is Extract<MetadataEvent, { kind: 'captions' }> => e.type === 'metadata' && e.kind === 'captions',
    );
    const ccFile = join(tmp, 'cc.bin');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `movie=${path}[out+subcc]`,
      '-map',
      '0:1',
      '-c',
      'copy',
      '-f',
      'data',
      ccFile,
    ]);
    const reference = new Uint8Array(readFileSync(ccFile));
    expect(reference.length).toBeGreaterThan(0);
    const ours = new Uint8Array(captions.reduce((n, c) => n + c.data.length, 0));
    let at = 0;
    for (const c of captions) {
      ours.set(c.data, at);
      at += c.data.length;
    }
    expect(Buffer.from(ours).equals(Buffer.from(reference))).toBe(true);
    // Decoded 608 pairs exist (valid triplets of field 1) — the stream does carry captions.
    expect(captions.some((c) => c.captions.some((x) => x.type === 0 && (x.data[0] & 0x7f) >= 0x20))).toBe(true);
    // One event per picture, at its presentation time in the remuxed file.
    const mp4 = join(tmp, 'out.mp4');
    writeFileSync(mp4, Buffer.concat(parts));
    const p = probe(mp4);
    const video = p.streams.find((s) => s.codec_type === 'video')!.index;
    const times = p.packets.filter((k) => k.stream_index === video).map((k) => Number(k.pts_time));
    expect(captions.length).toBe(times.length);
    captions.forEach((c, i) => {
      expect(c.time).toBeCloseTo(times[i]!, 3);
    });
  });
});
