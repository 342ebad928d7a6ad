/**
 * The bench corpus: synthetic H.264/AAC MPEG-TS generated once with ffmpeg into a cache folder
 * (bench/.cache/, git-ignored), summarised with ffprobe (packet counts), and cuts of one long encode
 * for the throughput-against-length sweep. Also the external tools (ffmpeg, ffprobe) the bench runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const MB = 1e6;

/**
 * @typedef {object} InputSpec
 * @property {string} name
 * @property {number} width
 * @property {number} height
 * @property {number} fps
 * @property {number} seconds
 * @property {string} videoBitrate
 * @property {string} bufsize
 */

/** The measured inputs (DESIGN.md §6: 1080p is the bar; 360p shows per-frame overhead). */
/** @type {InputSpec[]} */
export const INPUTS = [
  { name: '1080p', width: 1920, height: 1080, fps: 30, seconds: 60, videoBitrate: '8M', bufsize: '16M' },
  { name: '360p', width: 640, height: 360, fps: 30, seconds: 60, videoBitrate: '1M', bufsize: '2M' },
];

/**
 * @typedef {object} Input
 * @property {string} name
 * @property {string} file
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
 * The ffmpeg arguments that make an input (H.264 High + AAC LC in MPEG-TS, CBR-ish).
 * @param {InputSpec} spec
 * @param {string} out
 */
function encodeArgs(spec, out) {
  const { width, height, fps, seconds } = spec;
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
    '-c:v',
    'libx264',
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    '-preset',
    'veryfast',
    '-b:v',
    spec.videoBitrate,
    '-maxrate',
    spec.videoBitrate,
    '-bufsize',
    spec.bufsize,
    '-g',
    String(fps * 2),
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-f',
    'mpegts',
    out,
  ];
}

/**
 * Makes `file` (and its summary next to it) once with the given tool arguments (output last).
 * @param {string} file
 * @param {(out: string) => string[]} makeArgs
 * @param {string} what
 * @param {string} root for relative paths in messages
 */
function ensureMade(file, makeArgs, what, root) {
  const summaryFile = file.replace(/\.ts$/, '.json');
  if (!fs.existsSync(file) || !fs.existsSync(summaryFile)) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.partial`;
    const toolArgs = makeArgs(tmp);
    console.log(`bench: generating ${path.relative(root, file)} (${what}, once)`);
    console.log(`  ffmpeg ${quoteArgs(toolArgs)}`);
    const t0 = performance.now();
    run('ffmpeg', toolArgs, true);
    fs.renameSync(tmp, file);
    console.log(`bench: made in ${((performance.now() - t0) / 1000).toFixed(1)} s; counting packets with ffprobe`);
    const summary = { ...probe(file), generatedWith: `ffmpeg ${quoteArgs(toolArgs.slice(0, -1))}` };
    fs.writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  }
  return JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
}

/**
 * The cached encode of a spec, generated on first use.
 * @param {InputSpec} spec
 * @param {string} cacheDir
 * @param {string} root
 * @returns {Input}
 */
export function ensureInput(spec, cacheDir, root) {
  const file = path.join(cacheDir, `h264-aac-${spec.name}${spec.fps}-${spec.seconds}s-${spec.videoBitrate}.ts`);
  const what = `${spec.seconds} s, ${spec.width}x${spec.height}`;
  const summary = ensureMade(file, (out) => encodeArgs(spec, out), what, root);
  return { name: spec.name, file, summary };
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
  const base = path.basename(source.file, '.ts');
  return lengths.map((seconds) => {
    const file = path.join(cacheDir, `${base}-cut${seconds}s.ts`);
    const summary = ensureMade(
      file,
      (out) => [
        '-hide_banner',
        '-v',
        'error',
        '-y',
        '-i',
        source.file,
        '-map',
        '0',
        '-t',
        String(seconds),
        '-c',
        'copy',
        '-f',
        'mpegts',
        out,
      ],
      `first ${seconds} s of ${path.basename(source.file)}`,
      root,
    );
    return { name: `${seconds}s`, file, summary, seconds };
  });
}

/**
 * A file that is already there (e.g. a test fixture, for --smoke), summarised with ffprobe.
 * @param {string} name
 * @param {string} file
 * @returns {Input}
 */
export function existingInput(name, file) {
  return { name, file, summary: { ...probe(file), generatedWith: '(existing file)' } };
}
