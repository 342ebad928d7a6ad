/**
 * The bench corpus, generated once with ffmpeg into a cache folder (bench/.cache/, git-ignored) and
 * summarised with ffprobe (packet counts): synthetic H.264/AAC and HEVC/AAC MPEG-TS, VP9/Opus and AV1/Opus WebM,
 * and an H.264/AAC Matroska stream-copied from the 1080p TS; cuts of one long encode for the
 * throughput-against-length sweep. Also the external tools (ffmpeg, ffprobe) the bench runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const MB = 1e6;

/**
 * @typedef {'mpegts' | 'webm' | 'matroska'} Container
 * @typedef {object} InputSpec
 * @property {string} name what `--inputs` takes
 * @property {Container} container
 * @property {'h264' | 'hevc' | 'vp9' | 'av1'} video
 * @property {number} width
 * @property {number} height
 * @property {number} fps
 * @property {number} seconds
 * @property {string} videoBitrate target (CBR-ish for H.264 and VP9, VBR for AV1)
 * @property {string} [bufsize] H.264's VBV buffer
 * @property {string} [copyOf] made by `-c copy` from this input's file instead of encoded
 */

/**
 * The measured inputs. DESIGN.md §6: 1080p H.264/AAC TS is the bar; 360p shows per-frame overhead.
 * WebM (issue 4, issue 6): VP9/Opus at 1080p, encoded by libvpx-vp9 in its realtime mode (12 s here
 * for 60 s); AV1/Opus at 720p by SVT-AV1's fastest preset (9 s; libaom takes 24 s in realtime mode).
 * Both at bitrates a streaming service would use for those sizes; Opus at 128 kbit/s (20 ms packets).
 * hevc-1080p: HEVC Main/AAC TS with the 1080p H.264 one's settings (libx265 veryfast, same bitrate,
 * VBV, 2 s closed GOPs; about a minute to encode here), the issue's "HEVC TS likewise".
 * mkv-h264-1080p is the 1080p TS stream-copied into Matroska: the same frames (B-frames, the H.264
 * reorder path) in the other container, for a like-for-like comparison of the two demuxers.
 */
/** @type {InputSpec[]} */
export const INPUTS = [
  {
    name: '1080p',
    container: 'mpegts',
    video: 'h264',
    width: 1920,
    height: 1080,
    fps: 30,
    seconds: 60,
    videoBitrate: '8M',
    bufsize: '16M',
  },
  {
    name: '360p',
    container: 'mpegts',
    video: 'h264',
    width: 640,
    height: 360,
    fps: 30,
    seconds: 60,
    videoBitrate: '1M',
    bufsize: '2M',
  },
  {
    name: 'hevc-1080p',
    container: 'mpegts',
    video: 'hevc',
    width: 1920,
    height: 1080,
    fps: 30,
    seconds: 60,
    videoBitrate: '8M',
    bufsize: '16M',
  },
  {
    name: 'webm-vp9-1080p',
    container: 'webm',
    video: 'vp9',
    width: 1920,
    height: 1080,
    fps: 30,
    seconds: 60,
    videoBitrate: '4M',
  },
  {
    name: 'webm-av1-720p',
    container: 'webm',
    video: 'av1',
    width: 1280,
    height: 720,
    fps: 30,
    seconds: 60,
    videoBitrate: '2M',
  },
  {
    name: 'mkv-h264-1080p',
    container: 'matroska',
    video: 'h264',
    width: 1920,
    height: 1080,
    fps: 30,
    seconds: 60,
    videoBitrate: '8M',
    copyOf: '1080p',
  },
];

/** File extension and ffmpeg muxer of each container. */
const MUXERS = {
  mpegts: { ext: '.ts', format: 'mpegts' },
  webm: { ext: '.webm', format: 'webm' },
  matroska: { ext: '.mkv', format: 'matroska' },
};

/**
 * The container of a file by its extension (for existing files such as the smoke fixtures).
 * @param {string} file
 * @returns {Container}
 */
export function containerOf(file) {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.webm') return 'webm';
  if (ext === '.mkv' || ext === '.mka') return 'matroska';
  return 'mpegts';
}

/**
 * @typedef {object} Input
 * @property {string} name
 * @property {string} file
 * @property {Container} container
 * @property {any} summary ffprobe summary: duration, video/audio codec and packet counts, how it was made
 */

/** @param {string} message */
export function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/**
 * Runs a tool, failing with a clear message when it is missing or fails.
 * @param {string} tool
 * @param {string[]} toolArgs
 * @param {boolean} [inherit] let the tool print to the terminal (progress)
 */
export function run(tool, toolArgs, inherit = false) {
  const r = spawnSync(tool, toolArgs, {
    encoding: 'utf8',
    // SVT-AV1 prints its whole configuration at its default log level (info); warnings and errors stay.
    env: { ...process.env, SVT_LOG: process.env.SVT_LOG ?? '2' },
    maxBuffer: 64 * MB,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : 'pipe',
  });
  if (r.error && /** @type {NodeJS.ErrnoException} */ (r.error).code === 'ENOENT') {
    fail(`${tool} not found on PATH: install ffmpeg (which provides ffmpeg and ffprobe)`);
  }
  if (r.error) fail(`${tool} failed: ${r.error.message}`);
  if (r.status !== 0) fail(`${tool} ${toolArgs.join(' ')} exited with ${r.status}: ${(r.stderr ?? '').trim()}`);
  return r.stdout ?? '';
}

/**
 * ffprobe summary with packets counted (`-count_packets`); null streams when absent.
 * @param {string} file
 */
export function probe(file) {
  const out = run('ffprobe', [
    '-v',
    'error',
    '-count_packets',
    '-show_entries',
    'format=duration,bit_rate,size:stream=index,codec_type,codec_name,profile,width,height,r_frame_rate,sample_rate,channels,nb_read_packets',
    '-of',
    'json',
    file,
  ]);
  const json = JSON.parse(out);
  /** @param {string} type */
  const stream = (type) => {
    const s = (json.streams ?? []).find((/** @type {any} */ x) => x.codec_type === type);
    if (!s) return null;
    return {
      codec: s.codec_name,
      profile: s.profile,
      ...(type === 'video' ? { width: s.width, height: s.height, frameRate: s.r_frame_rate } : {}),
      ...(type === 'audio' ? { sampleRate: Number(s.sample_rate), channels: s.channels } : {}),
      packets: Number(s.nb_read_packets),
    };
  };
  return {
    duration: Number(json.format?.duration),
    bitRate: Number(json.format?.bit_rate),
    video: stream('video'),
    audio: stream('audio'),
  };
}

/** @param {string[]} a */
const quoteArgs = (a) => a.map((x) => (/[\s:=]/.test(x) ? `'${x}'` : x)).join(' ');

/**
 * The ffmpeg arguments that encode an input (synthetic picture and tone, 2 s GOPs, 128 kbit/s stereo
 * audio): H.264 High + AAC-LC (x264 veryfast, CBR-ish); HEVC Main + AAC-LC (x265 veryfast, the same
 * rate control; closed GOPs as x264's, where x265 defaults to open ones); VP9 + Opus (libvpx-vp9 realtime, cpu-used 8,
 * row-mt, CBR); AV1 + Opus (SVT-AV1 preset 12, VBR).
 * @param {InputSpec} spec
 * @param {string} out
 */
function encodeArgs(spec, out) {
  const { width, height, fps, seconds, videoBitrate } = spec;
  const gop = String(fps * 2);
  /** @type {Record<InputSpec['video'], string[]>} */
  const video = {
    h264: [
      '-c:v',
      'libx264',
      '-profile:v',
      'high',
      '-pix_fmt',
      'yuv420p',
      '-preset',
      'veryfast',
      '-b:v',
      videoBitrate,
      '-maxrate',
      videoBitrate,
      '-bufsize',
      spec.bufsize ?? videoBitrate,
      '-g',
      gop,
    ],
    vp9: [
      '-c:v',
      'libvpx-vp9',
      '-pix_fmt',
      'yuv420p',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-row-mt',
      '1',
      '-b:v',
      videoBitrate,
      '-minrate',
      videoBitrate,
      '-maxrate',
      videoBitrate,
      '-g',
      gop,
      '-keyint_min',
      gop,
    ],
    hevc: [
      '-c:v',
      'libx265',
      '-pix_fmt',
      'yuv420p',
      '-preset',
      'veryfast',
      '-b:v',
      videoBitrate,
      '-maxrate',
      videoBitrate,
      '-bufsize',
      spec.bufsize ?? videoBitrate,
      '-g',
      gop,
      '-x265-params',
      'open-gop=0:log-level=error',
    ],
    av1: ['-c:v', 'libsvtav1', '-pix_fmt', 'yuv420p', '-preset', '12', '-b:v', videoBitrate, '-g', gop],
  };
  const audio = spec.container === 'mpegts' ? ['-c:a', 'aac'] : ['-c:a', 'libopus'];
  return [
    '-hide_banner',
    '-v',
    'error',
    '-stats',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...video[spec.video],
    ...audio,
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-f',
    MUXERS[spec.container].format,
    out,
  ];
}

/**
 * The ffmpeg arguments that stream-copy a whole file, or its first `seconds`, into a container.
 * @param {string} source
 * @param {Container} container
 * @param {string} out
 * @param {number} [seconds]
 */
function copyArgs(source, container, out, seconds) {
  return [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-i',
    source,
    '-map',
    '0',
    ...(seconds === undefined ? [] : ['-t', String(seconds)]),
    '-c',
    'copy',
    '-f',
    MUXERS[container].format,
    out,
  ];
}

/**
 * Makes `file` (and its summary next to it, `<file without extension>.json`) once with the given
 * tool arguments (output last).
 * @param {string} file
 * @param {(out: string) => string[]} makeArgs
 * @param {string} what
 * @param {string} root for relative paths in messages and in the summary
 */
function ensureMade(file, makeArgs, what, root) {
  const summaryFile = `${file.slice(0, -path.extname(file).length)}.json`;
  if (!fs.existsSync(file) || !fs.existsSync(summaryFile)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.partial`;
    const toolArgs = makeArgs(tmp);
    console.log(`bench: generating ${path.relative(root, file)} (${what}, once)`);
    console.log(`  ffmpeg ${quoteArgs(toolArgs)}`);
    const t0 = performance.now();
    run('ffmpeg', toolArgs, true);
    const seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
    fs.renameSync(tmp, file);
    console.log(`bench: made in ${seconds} s; counting packets with ffprobe`);
    const relative = toolArgs.slice(0, -1).map((a) => (path.isAbsolute(a) ? path.relative(root, a) : a));
    const summary = { ...probe(file), generatedWith: `ffmpeg ${quoteArgs(relative)}`, generatedInSeconds: seconds };
    fs.writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
}

/**
 * The cached file of a spec, generated on first use (a `copyOf` spec from its source's file, which
 * is generated first when needed).
 * @param {InputSpec} spec
 * @param {string} cacheDir
 * @param {string} root
 * @returns {Input}
 */
export function ensureInput(spec, cacheDir, root) {
  const { container } = spec;
  const { ext } = MUXERS[container];
  if (spec.copyOf) {
    const sourceSpec = INPUTS.find((i) => i.name === spec.copyOf);
    if (!sourceSpec) throw new Error(`${spec.name}: no input ${spec.copyOf}`);
    const source = ensureInput(sourceSpec, cacheDir, root);
    const file = path.join(cacheDir, `${path.basename(source.file, path.extname(source.file))}-copy${ext}`);
    const what = `${path.basename(source.file)} stream-copied into ${container}`;
    const summary = ensureMade(file, (out) => copyArgs(source.file, container, out), what, root);
    return { name: spec.name, file, container, summary };
  }
  const base =
    spec.video === 'h264'
      ? `h264-aac-${spec.name}${spec.fps}`
      : spec.container === 'mpegts'
        ? `${spec.video}-aac-${spec.height}p${spec.fps}`
        : `${spec.video}-opus-${spec.height}p${spec.fps}`;
  const file = path.join(cacheDir, `${base}-${spec.seconds}s-${spec.videoBitrate}${ext}`);
  const what = `${spec.seconds} s, ${spec.width}x${spec.height} ${spec.video}`;
  const summary = ensureMade(file, (out) => encodeArgs(spec, out), what, root);
  return { name: spec.name, file, container, summary };
}

/**
 * Cuts of one encode for the length sweep: the first `seconds` of `source`, stream-copied by ffmpeg
 * (`-t N -c copy`), so every length has the same bitrate, GOP and packetisation.
 * @param {Input} source
 * @param {number[]} lengths seconds
 * @param {string} cacheDir
 * @param {string} root
 * @returns {(Input & { seconds: number })[]}
 */
export function ensureCuts(source, lengths, cacheDir, root) {
  const ext = path.extname(source.file);
  const base = path.basename(source.file, ext);
  return lengths.map((seconds) => {
    const file = path.join(cacheDir, `${base}-cut${seconds}s${ext}`);
    const summary = ensureMade(
      file,
      (out) => copyArgs(source.file, source.container, out, seconds),
      `first ${seconds} s of ${path.basename(source.file)}`,
      root,
    );
    return { name: `${seconds}s`, file, container: source.container, summary, seconds };
  });
}

/**
 * A file that is already there (e.g. a test fixture, for --smoke), summarised with ffprobe.
 * @param {string} name
 * @param {string} file
 * @returns {Input}
 */
export function existingInput(name, file) {
  return { name, file, container: containerOf(file), summary: { ...probe(file), generatedWith: '(existing file)' } };
}
