/**
 * ffmpeg and ffprobe for the tests that check weir's output with tools that share no code with it. They are
 * required: a missing tool fails the test with a message saying what to install, it never skips it.
 */

import { execFileSync, spawnSync } from 'node:child_process';

let checked: string | undefined;

/** Throws (failing the test) when ffmpeg or ffprobe cannot be run. */
export function requireFfmpeg(): void {
  if (checked === 'ok') return;
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(tool, ['-version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new Error(
        `${tool} is required by this test but cannot be run (${r.error?.message ?? `exit ${r.status}`}): ` +
          'install ffmpeg (it provides ffmpeg and ffprobe), e.g. `apt-get install ffmpeg` or `brew install ffmpeg`',
      );
    }
  }
  checked = 'ok';
}

export interface ProbeStream {
  index: number;
  codec_type: string;
  codec_name: string;
  id?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  time_base: string;
  start_pts?: number;
  start_time?: string;
  tags?: { language?: string };
}

export interface ProbePacket {
  stream_index: number;
  pts?: number;
  dts?: number;
  pts_time?: string;
  dts_time?: string;
  duration_time?: string;
  size: string;
  pos?: string;
  flags: string;
}

export interface Probe {
  streams: ProbeStream[];
  packets: ProbePacket[];
}

/** ffprobe -show_streams -show_packets as JSON. */
export function probe(path: string): Probe {
  requireFfmpeg();
  const out = execFileSync('ffprobe', ['-v', 'quiet', '-show_streams', '-show_packets', '-of', 'json', path], {
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  const json = JSON.parse(out) as Partial<Probe>;
  return { streams: json.streams ?? [], packets: json.packets ?? [] };
}

/** 'v' and 'a' mean the first stream of that type; 'a:1', or a stream index ('3'), are used as they are. */
function specifier(stream: string): string {
  return stream === 'v' || stream === 'a' ? `${stream}:0` : stream;
}

export interface FrameHash {
  pts: number;
  size: number;
  hash: string;
}

/**
 * Decodes one stream of a file and returns the framemd5 lines (ffmpeg -f framemd5): one MD5 per decoded frame, in
 * output order. `stream` is an ffmpeg stream specifier of the input: 'v' or 'a' for the first video or audio stream,
 * 'a:1' for the second audio stream, '3' for the stream of index 3. `-fps_mode passthrough` keeps every decoded video frame as it is (the default
 * would drop or duplicate frames to keep a constant rate), so the list is exactly what the decoder produced.
 *
 * `decoder` forces ffmpeg's decoder by name for that stream: a stream two containers name differently (MPEG audio
 * layer II is 'mp2' in TS and 'mp3' in MP4, where object type 0x6B covers both layers) is then decoded by the same
 * code on both sides, so equal hashes mean equal frames.
 */
export function framemd5(path: string, stream: string, decoder?: string): FrameHash[] {
  requireFfmpeg();
  const spec = specifier(stream);
  const args = ['-v', 'error'];
  if (decoder !== undefined) args.push(`-c:${spec}`, decoder);
  args.push('-i', path, '-map', `0:${spec}`, '-fps_mode', 'passthrough', '-f', 'framemd5', '-');
  const r = spawnSync('ffmpeg', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`ffmpeg framemd5 of ${path} (${spec}) failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const f = l.split(',').map((s) => s.trim());
      return { pts: Number(f[2]), size: Number(f[4]), hash: f[5]! };
    });
}

/**
 * Decodes one audio stream to interleaved signed 16-bit PCM (`-f s16le`), for comparisons finer than a frame
 * (a decoder that drops the first samples of a stream: Opus pre-skip).
 */
export function decodePcm(path: string, stream: string, decoder?: string): Uint8Array {
  requireFfmpeg();
  const spec = specifier(stream);
  const args = ['-v', 'error'];
  if (decoder !== undefined) args.push(`-c:${spec}`, decoder);
  args.push('-i', path, '-map', `0:${spec}`, '-f', 's16le', '-');
  const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`ffmpeg s16le of ${path} (${spec}) failed: ${r.stderr.toString()}`);
  return new Uint8Array(r.stdout);
}

export interface ProbeFrame {
  width: number;
  height: number;
  pts_time?: string;
}

/** ffprobe -show_frames of the first video stream: the size of every decoded picture, in output order. */
export function videoFrames(path: string): ProbeFrame[] {
  requireFfmpeg();
  const out = execFileSync(
    'ffprobe',
    ['-v', 'quiet', '-select_streams', 'v:0', '-show_entries', 'frame=width,height,pts_time', '-of', 'json', path],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  return (JSON.parse(out) as { frames?: ProbeFrame[] }).frames ?? [];
}

/**
 * `ffmpeg -v error -i <file> -f null -`: the error lines a full decode prints (empty when it is clean).
 *
 * Frames are passed through with the input's own time base (`-fps_mode passthrough -enc_time_base -1`). With the
 * defaults, ffmpeg rounds video times to 1/frame-rate, and a stream with two frames closer than that (the corpus file
 * mediabunny_no-aud_truncated.ts has frames 4 ms apart in 30 fps video) makes the null muxer print "non monotonically
 * increasing dts" for the input and the output alike: a message about ffmpeg's rounding, not about the file.
 * `inputOptions` go before `-i` (e.g. `-err_detect crccheck`: decoders that can check CRCs do, and print mismatches).
 */
export function decodeErrors(path: string, inputOptions: string[] = []): string[] {
  requireFfmpeg();
  const args = ['-nostdin', '-v', 'error', ...inputOptions, '-i', path];
  args.push('-fps_mode', 'passthrough', '-enc_time_base', '-1');
  const r = spawnSync('ffmpeg', [...args, '-f', 'null', '-'], { encoding: 'utf8' });
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (r.status !== 0) lines.push(`(ffmpeg exited with ${r.status})`);
  return lines;
}

/** Parses "1/90000" into seconds per tick. */
export function timeBase(tb: string): number {
  const [n, d] = tb.split('/').map(Number);
  return n! / d!;
}
