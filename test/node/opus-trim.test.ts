// Opus from Matroska: the codec delay (CodecDelay, the encoder's priming) carried into an edit list next to dOps
// PreSkip, and DiscardPadding (the encoder's padding after the last sample) honoured (issue 4, "Codecs → fMP4").
// Judged with ffmpeg, which applies both when it decodes Matroska:
//
// - the output's audio trak has one edit (media_time = CodecDelay in 48 kHz samples, segment_duration 0: the whole
//   media), the video trak none, and ffprobe's first audio pts is the first sample's decode time minus that edit
//   (ffmpeg reads the edit list: without it, or with another media_time, the pts differ);
// - the output's presented audio (every sample's duration, less the edit) is exactly as many samples as ffmpeg
//   decodes from the input, which it trims by CodecDelay and by the DiscardPadding of the last block. An output
//   that ignored the padding would be the padding's length longer; one that shifted the timeline instead of an edit
//   would be the delay's length longer.
//
// Opus in MPEG-TS: an access unit's end_trim (opus_in_ts: the control header's) shortens its sample the same way; the
// trims are read from the TS by the tests' own walker (test/helpers/ts-walk.ts), as ffmpeg's TS demuxer ignores them.
//
// webm-vp9-opus-joined.webm (two recordings joined: DiscardPadding mid-stream) is in the generic checks of
// remux-matroska.test.ts: every audio packet kept and at its input time within a millisecond; ignoring the padding
// there drops the frame after it as an overlap.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weir } from '../helpers/cli.js';
import { probe, requireFfmpeg } from '../helpers/ffmpeg.js';
import { readFmp4, trackOf } from '../helpers/fmp4.js';
import { find, u32, walkBoxes } from '../helpers/isobmff.js';
import { corpusDir, corpusUnset, FIXTURES, ROOT, requireCorpus } from '../helpers/media.js';
import { opusEndTrims } from '../helpers/ts-walk.js';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'weir-opus-trim-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Edit {
  segmentDuration: number;
  mediaTime: number;
  rate: number;
}

/** The edit list of each trak of an output, by handler ('vide', 'soun'). */
function edits(data: Uint8Array): Map<string, Edit[]> {
  const moov = walkBoxes(data).find((b) => b.type === 'moov');
  if (!moov) throw new Error('no moov');
  const out = new Map<string, Edit[]>();
  for (const trak of moov.children.filter((b) => b.type === 'trak')) {
    const hdlr = find(trak.children, 'mdia', 'hdlr')!;
    const handler = String.fromCharCode(...hdlr.payload.subarray(8, 12));
    const elst = find(trak.children, 'edts', 'elst');
    const list: Edit[] = [];
    if (elst) {
      const p = elst.payload;
      expect(p[0], 'elst version 0').toBe(0);
      const n = u32(p, 4);
      for (let i = 0; i < n; i++) {
        const o = 8 + i * 12;
        list.push({ segmentDuration: u32(p, o), mediaTime: u32(p, o + 4) | 0, rate: (p[o + 8]! << 8) | p[o + 9]! });
      }
    }
    out.set(handler, list);
  }
  return out;
}

/** CodecDelay of the first audio track in ns, from the file's own Tracks (scripts/mkv-summary.py). */
function codecDelayNs(path: string): number {
  const summary = JSON.parse(
    execFileSync('python3', [join(ROOT, 'scripts/mkv-summary.py'), '--stdout', path], { encoding: 'utf8' }),
  ) as {
    tracks: { kind: string; codecDelay: number }[];
  };
  return summary.tracks.find((t) => t.kind === 'audio')!.codecDelay;
}

/** Samples ffmpeg decodes from the first audio stream (it applies CodecDelay, DiscardPadding and edit lists). */
function decodedSamples(path: string): number {
  const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', path, '-map', '0:a:0', '-ac', '1', '-f', 's16le', '-'], {
    maxBuffer: 256 << 20,
  });
  return pcm.length / 2;
}

/** Blocks of the input with DiscardPadding, as ffprobe reports them (its side data), in samples. */
function paddings(path: string): number[] {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'packet_side_data=discard_padding',
      '-of',
      'csv=p=0',
      path,
    ],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

function trimSuite(path: () => string): void {
  let out: string;
  let mp4: Uint8Array;
  beforeAll(() => {
    requireFfmpeg();
    readFileSync(path());
    out = join(tmp, `${path().replace(/[^A-Za-z0-9_.-]/g, '_')}.mp4`);
    const r = weir(['remux', path(), '-o', out], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    mp4 = new Uint8Array(readFileSync(out));
  });

  it('writes CodecDelay as the audio track edit list, which ffmpeg applies', () => {
    const delay = codecDelayNs(path());
    expect(delay, 'the input has a CodecDelay').toBeGreaterThan(0);
    const mediaTime = Math.round((delay * 48000) / 1e9);
    const list = edits(mp4);
    expect(list.get('soun')).toEqual([{ segmentDuration: 0, mediaTime, rate: 1 }]);
    expect(list.get('vide') ?? []).toEqual([]);
    const audio = trackOf(readFmp4(mp4), 'soun');
    const p = probe(out);
    const stream = p.streams.find((s) => s.codec_type === 'audio')!;
    expect(stream.time_base).toBe('1/48000');
    const first = p.packets.find((k) => k.stream_index === stream.index)!;
    expect(first.pts).toBe(audio.samples[0]!.dts - mediaTime);
  });

  it('presents exactly the samples ffmpeg decodes from the input (delay and padding trimmed)', () => {
    const pads = paddings(path());
    expect(pads.length, 'the input has DiscardPadding').toBeGreaterThan(0);
    const audio = trackOf(readFmp4(mp4), 'soun');
    const mediaTime = edits(mp4).get('soun')![0]!.mediaTime;
    const last = audio.samples[audio.samples.length - 1]!;
    const presented = last.dts + last.duration - audio.samples[0]!.dts - mediaTime;
    expect(presented).toBe(decodedSamples(path()));
  });
}

describe('Opus CodecDelay and DiscardPadding: project fixtures', () => {
  for (const name of ['webm-vp9-opus.webm', 'webm-av1-opus.webm', 'webm-vp9-opus-ebml-lacing.webm']) {
    describe(name, () => trimSuite(() => join(FIXTURES, name)));
  }
});

describe.skipIf(corpusUnset)('Opus CodecDelay and DiscardPadding: corpus (WEIR_CORPUS)', () => {
  // VP9 + Opus 5.1 from libwebm: CodecDelay 6.5 ms, DiscardPadding on the last block.
  describe('libwebm_bbb_480p_vp9_opus_1second.webm', () =>
    trimSuite(() => {
      requireCorpus();
      return join(corpusDir()!, 'webm', 'libwebm_bbb_480p_vp9_opus_1second.webm');
    }));
});

describe('Opus in MPEG-TS: end_trim', () => {
  it('ts-h264-opus.ts: each unit with an end_trim is that much shorter, the others a whole frame', () => {
    requireFfmpeg();
    const path = join(FIXTURES, 'ts-h264-opus.ts');
    const trims = opusEndTrims(new Uint8Array(readFileSync(path)));
    expect(
      trims.filter((t) => t > 0),
      'the fixture ends with an end_trim',
    ).toEqual([648]);
    const out = join(tmp, 'ts-h264-opus.mp4');
    const r = weir(['remux', path, '-o', out], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    const audio = trackOf(readFmp4(new Uint8Array(readFileSync(out))), 'soun');
    expect(audio.samples.map((x) => x.duration)).toEqual(trims.map((t) => 960 - t)); // 20 ms frames
  });
});
