#!/usr/bin/env node
/**
 * `npm run bench`: remux throughput in Node, one core, input held in memory (DESIGN.md §6).
 *
 * Contestants, measured in one process, interleaved round by round with the order rotated so that
 * drift (thermal, other load) spreads evenly over them:
 *  - weir: lib/engine in muxed mode, the input pushed in 64 KiB chunks, fragment sizes summed (no copies);
 *  - weir-reused: the same with one engine for all runs, `reset()` between them (no instantiation, memory
 *    already paged in: the steady state of a long-lived engine);
 *  - mux.js: `muxjs.mp4.Transmuxer({ remux: true })`, same chunks, one flush at the end, 'data' sizes summed;
 *  - memcpy: the input copied chunk by chunk into one reused 64 KiB buffer (the ceiling).
 *
 * Inputs are generated once with ffmpeg into bench/.cache/ (git-ignored). Results are printed and
 * written to bench/results/remux-<timestamp>.json and bench/results/latest.json.
 *
 * Options: --rounds N (default 5), --inputs 1080p,360p (default both), --chunk-kib N (default 64),
 * --prepare (only generate the inputs, measure nothing).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, 'bench', '.cache');
const RESULTS = path.join(ROOT, 'bench', 'results');
const MB = 1e6;
/** Shortest timed sample: faster contestants repeat their pass within one sample. */
const MIN_SAMPLE_MS = 100;

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

/** @type {InputSpec[]} */
const INPUTS = [
  { name: '1080p', width: 1920, height: 1080, fps: 30, seconds: 60, videoBitrate: '8M', bufsize: '16M' },
  { name: '360p', width: 640, height: 360, fps: 30, seconds: 60, videoBitrate: '1M', bufsize: '2M' },
];

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    inputs: { type: 'string', default: INPUTS.map((i) => i.name).join(',') },
    'chunk-kib': { type: 'string', default: '64' },
    prepare: { type: 'boolean', default: false },
  },
});
const ROUNDS = Math.max(1, Number.parseInt(args.rounds, 10) || 5);
const CHUNK = Math.max(1, Number.parseInt(args['chunk-kib'], 10) || 64) * 1024;
const selected = args.inputs.split(',').map((s) => s.trim());
for (const name of selected) {
  if (!INPUTS.some((i) => i.name === name)) fail(`unknown input "${name}" (known: ${INPUTS.map((i) => i.name)})`);
}

/** @param {string} message */
function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** A `gc()` between runs, so that one contestant's garbage is not collected on the next one's clock. */
const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return /** @type {() => void} */ (vm.runInNewContext('gc'));
})();

/**
 * Runs a tool, failing with a clear message when it is missing or fails.
 * @param {string} tool
 * @param {string[]} toolArgs
 * @param {boolean} [inherit] let the tool print to the terminal (progress)
 */
function run(tool, toolArgs, inherit = false) {
  const r = spawnSync(tool, toolArgs, {
    encoding: 'utf8',
    maxBuffer: 64 * MB,
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : 'pipe',
  });
  if (r.error && /** @type {NodeJS.ErrnoException} */ (r.error).code === 'ENOENT') {
    fail(`${tool} not found on PATH: install ffmpeg (which provides ffmpeg and ffprobe) to generate the inputs`);
  }
  if (r.error) fail(`${tool} failed: ${r.error.message}`);
  if (r.status !== 0) fail(`${tool} ${toolArgs.join(' ')} exited with ${r.status}: ${(r.stderr ?? '').trim()}`);
  return r.stdout ?? '';
}

/**
 * ffprobe summary with packets counted (`-count_packets`).
 * @param {string} file
 */
function probe(file) {
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
    const s = json.streams.find((x) => x.codec_type === type);
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
    duration: Number(json.format.duration),
    bitRate: Number(json.format.bit_rate),
    video: stream('video'),
    audio: stream('audio'),
  };
}

/**
 * The ffmpeg arguments that make an input (H.264 High + AAC LC in MPEG-TS, CBR-ish).
 * @param {InputSpec} spec
 * @param {string} out
 */
function ffmpegArgs(spec, out) {
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
 * Returns the cached input for a spec, generating it (and its probe summary) on first use.
 * @param {InputSpec} spec
 */
function ensureInput(spec) {
  fs.mkdirSync(CACHE, { recursive: true });
  const base = `h264-aac-${spec.name}${spec.fps}-${spec.seconds}s-${spec.videoBitrate}`;
  const file = path.join(CACHE, `${base}.ts`);
  const summaryFile = path.join(CACHE, `${base}.json`);
  if (!fs.existsSync(file) || !fs.existsSync(summaryFile)) {
    const tmp = `${file}.partial`;
    const toolArgs = ffmpegArgs(spec, tmp);
    console.log(
      `bench: generating ${path.relative(ROOT, file)} (${spec.seconds} s, ${spec.width}x${spec.height}, once)`,
    );
    console.log(`  ffmpeg ${toolArgs.map((a) => (/[\s:=]/.test(a) ? `'${a}'` : a)).join(' ')}`);
    const t0 = performance.now();
    run('ffmpeg', toolArgs, true);
    fs.renameSync(tmp, file);
    console.log(`bench: encoded in ${((performance.now() - t0) / 1000).toFixed(1)} s; counting packets with ffprobe`);
    const summary = { ...probe(file), generatedWith: `ffmpeg ${toolArgs.slice(0, -1).join(' ')}` };
    fs.writeFileSync(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  return { spec, file, summary };
}

/** Newest modification time (ms) of the files under a folder with a given suffix. */
function newestMtime(dir, suffix) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(suffix)) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** Loads weir's compiled engine, with a clear message when it has not been built. */
async function loadWeir() {
  const entry = path.join(ROOT, 'lib', 'engine', 'index.js');
  const wasm = path.join(ROOT, 'build', 'weir.wasm');
  if (!fs.existsSync(entry) || !fs.existsSync(wasm)) {
    fail('weir is not built (lib/engine/index.js or build/weir.wasm missing): run `npm run build` first');
  }
  // The bench measures what is built; say so when the sources have moved on since.
  const stale = {
    wasm: newestMtime(path.join(ROOT, 'wasm'), '.ts') > fs.statSync(wasm).mtimeMs,
    engine: newestMtime(path.join(ROOT, 'engine'), '.ts') > fs.statSync(entry).mtimeMs,
  };
  if (stale.wasm) console.warn('bench: warning: wasm/ has changes newer than build/weir.wasm (npm run build:wasm)');
  if (stale.engine) console.warn('bench: warning: engine/ has changes newer than lib/engine (npm run build:ts)');
  const bytes = fs.readFileSync(wasm);
  const { Engine } = await import(pathToFileURL(entry).href);
  return {
    Engine,
    wasmBytes: bytes.length,
    wasmSha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    buildOlderThanSources: stale,
  };
}

/**
 * @typedef {object} RunResult
 * @property {number} bytesOut
 * @property {Record<string, unknown>} [detail]
 */

/**
 * weir, muxed output: a new engine per run, or `reused` after `reset()`. `sink` (validation only)
 * receives a copy of every output piece.
 * @param {any} Engine
 * @param {Uint8Array} input
 * @param {((piece: Uint8Array) => void) | null} sink
 * @param {any} [reused]
 * @returns {Promise<RunResult>}
 */
async function runWeir(Engine, input, sink, reused) {
  const engine = reused ?? (await Engine.create({ output: 'muxed' }));
  if (reused) engine.reset();
  let bytesOut = 0;
  let fragments = 0;
  /** @type {Map<string, number>} */
  const problems = new Map();
  /** @param {any[]} events */
  const consume = (events) => {
    for (const e of events) {
      if (e.type === 'fragment' || e.type === 'init') {
        bytesOut += e.data.byteLength;
        if (e.type === 'fragment') fragments++;
        if (sink) sink(e.data.slice());
      } else if (e.type === 'warning' || e.type === 'error') {
        const key = `${e.type} ${e.error.code}: ${e.error.message}`;
        problems.set(key, (problems.get(key) ?? 0) + 1);
      }
    }
  };
  for (let off = 0; off < input.length; off += CHUNK) consume(engine.push(input.subarray(off, off + CHUNK)));
  consume(engine.flush());
  return { bytesOut, detail: { fragments, problems: Object.fromEntries(problems) } };
}

/**
 * mux.js, one combined (remux: true) output, flushed once at the end of the input.
 * @param {any} muxjs
 * @param {Uint8Array} input
 * @param {((piece: Uint8Array) => void) | null} sink
 * @returns {RunResult}
 */
function runMuxjs(muxjs, input, sink) {
  const transmuxer = new muxjs.mp4.Transmuxer({ remux: true });
  let bytesOut = 0;
  let segments = 0;
  let logs = 0;
  transmuxer.on('data', (/** @type {any} */ segment) => {
    // Every 'data' event carries its own init segment; a file needs only the first.
    if (segments === 0) {
      bytesOut += segment.initSegment.byteLength;
      if (sink) sink(segment.initSegment);
    }
    bytesOut += segment.data.byteLength;
    if (sink) sink(segment.data);
    segments++;
  });
  transmuxer.on('log', () => logs++);
  for (let off = 0; off < input.length; off += CHUNK) transmuxer.push(input.subarray(off, off + CHUNK));
  transmuxer.flush();
  return { bytesOut, detail: { segments, logs } };
}

const copyBuffer = Buffer.alloc(CHUNK);
/**
 * The ceiling: the input copied in chunks into one reused buffer.
 * @param {Buffer} input
 * @returns {RunResult}
 */
function runMemcpy(input) {
  let bytesOut = 0;
  for (let off = 0; off < input.length; off += CHUNK) bytesOut += input.copy(copyBuffer, 0, off, off + CHUNK);
  return { bytesOut };
}

/** @param {number[]} xs */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const round = (/** @type {number} */ x) => Number(x.toPrecision(4));
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]) };
}

/**
 * Writes the pieces to a file and compares its packet counts with the input's.
 * @param {string} file
 * @param {Uint8Array[]} pieces
 * @param {any} inputSummary
 */
function validate(file, pieces, inputSummary) {
  fs.writeFileSync(file, Buffer.concat(pieces));
  const out = probe(file);
  const videoIn = inputSummary.video?.packets ?? 0;
  const audioIn = inputSummary.audio?.packets ?? 0;
  const videoOut = out.video?.packets ?? 0;
  const audioOut = out.audio?.packets ?? 0;
  return {
    file: path.relative(ROOT, file),
    videoPackets: { input: videoIn, output: videoOut },
    audioPackets: { input: audioIn, output: audioOut },
    duration: out.duration,
    samePacketCounts: videoIn === videoOut && audioIn === audioOut,
  };
}

/** How many cores other processes kept busy over the last half second (the 1-minute load average lags). */
async function otherLoad() {
  const total = () =>
    os.cpus().reduce(
      (acc, c) => {
        const t = c.times;
        acc.busy += t.user + t.nice + t.sys + t.irq;
        acc.all += t.user + t.nice + t.sys + t.irq + t.idle;
        return acc;
      },
      { busy: 0, all: 0 },
    );
  const a = total();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const b = total();
  return b.all > a.all ? ((b.busy - a.busy) / (b.all - a.all)) * os.cpus().length : 0;
}

function gitInfo() {
  const git = (/** @type {string[]} */ a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  return { commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '' };
}

async function main() {
  const inputs = INPUTS.filter((i) => selected.includes(i.name)).map(ensureInput);
  if (args.prepare) return;
  const load = os.loadavg()[0];
  const busyCores = await otherLoad();
  if (busyCores > 0.25) {
    console.warn(
      `bench: warning: ${busyCores.toFixed(2)} cores busy before the start: other work may skew the figures`,
    );
  }
  const weir = await loadWeir();
  const require = createRequire(import.meta.url);
  const muxjs = require('mux.js');
  const muxjsVersion = require('mux.js/package.json').version;

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverage1m: Number(load.toFixed(2)),
    busyCoresBeforeStart: Number(busyCores.toFixed(2)),
  };
  console.log(
    `bench: ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}`,
  );
  console.log(
    `bench: ${ROUNDS} rounds, ${CHUNK / 1024} KiB chunks, weir core ${weir.wasmBytes} B, mux.js ${muxjsVersion}`,
  );

  const results = [];
  for (const { spec, file, summary } of inputs) {
    const input = fs.readFileSync(file);
    const duration = summary.duration;
    console.log(
      `\n${spec.name}: ${path.relative(ROOT, file)}, ${(input.length / MB).toFixed(1)} MB, ${duration.toFixed(2)} s, ` +
        `${summary.video.packets} video + ${summary.audio.packets} audio packets`,
    );

    /** @type {{ name: string, run: (sink: ((p: Uint8Array) => void) | null) => Promise<RunResult> | RunResult }[]} */
    const contestants = [
      { name: 'weir', run: (sink) => runWeir(weir.Engine, input, sink) },
      { name: 'weir-reused', run: (sink) => runWeir(weir.Engine, input, sink, reusedEngine) },
      { name: 'mux.js', run: (sink) => runMuxjs(muxjs, input, sink) },
      { name: 'memcpy', run: () => runMemcpy(input) },
    ];

    const reusedEngine = await weir.Engine.create({ output: 'muxed' });
    // Validation run (also the first warm-up): outputs written once and counted by ffprobe.
    // weir-reused must give weir's bytes (checked by size below); memcpy has nothing to check.
    /** @type {Record<string, any>} */
    const validation = {};
    /** @type {Record<string, any>} */
    const details = {};
    for (const c of contestants) {
      if (c.name === 'memcpy' || c.name === 'weir-reused') continue;
      /** @type {Uint8Array[]} */
      const pieces = [];
      const r = await c.run((p) => pieces.push(p));
      details[c.name] = r.detail;
      const outFile = path.join(CACHE, `${c.name === 'weir' ? 'weir' : 'muxjs'}-out-${spec.name}.mp4`);
      validation[c.name] = { bytesOut: r.bytesOut, ...validate(outFile, pieces, summary) };
      const v = validation[c.name];
      console.log(
        `  ${c.name} output: ${v.file}, video ${v.videoPackets.output}/${v.videoPackets.input}, ` +
          `audio ${v.audioPackets.output}/${v.audioPackets.input} packets` +
          (v.samePacketCounts ? '' : '  <-- packet counts differ from the input'),
      );
      const problems = /** @type {any} */ (r.detail)?.problems;
      if (problems && Object.keys(problems).length > 0) {
        for (const [k, n] of Object.entries(problems)) console.log(`  ${c.name} reported ${n}x ${k}`);
      }
    }
    const reusedBytes = (await runWeir(weir.Engine, input, null, reusedEngine)).bytesOut;
    if (reusedBytes !== validation.weir.bytesOut) {
      console.log(`  weir-reused output: ${reusedBytes} bytes, not ${validation.weir.bytesOut} as from a new engine`);
    }
    // Plain warm-up, one each; it also sets how many passes make one timed sample, so that a fast
    // contestant's sample lasts at least MIN_SAMPLE_MS (a 2 ms memcpy pass is mostly timer noise).
    /** @type {Record<string, number>} */
    const passes = {};
    for (const c of contestants) {
      const t0 = performance.now();
      await c.run(null);
      passes[c.name] = Math.min(100, Math.max(1, Math.ceil(MIN_SAMPLE_MS / (performance.now() - t0))));
    }

    /** @type {Record<string, { ms: number, bytesOut: number }[]>} */
    const runs = Object.fromEntries(contestants.map((c) => [c.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = contestants.map((_, i) => contestants[(i + round) % contestants.length]);
      for (const c of order) {
        gc();
        let bytesOut = 0;
        const t0 = performance.now();
        for (let i = 0; i < passes[c.name]; i++) bytesOut = (await c.run(null)).bytesOut;
        const ms = (performance.now() - t0) / passes[c.name];
        runs[c.name].push({ ms, bytesOut });
      }
    }

    const mbps = (/** @type {number} */ ms) => input.length / MB / (ms / 1000);
    const perRound = (/** @type {string} */ a, /** @type {string} */ b) => runs[a].map((r, i) => runs[b][i].ms / r.ms);
    for (const c of contestants) {
      const rs = runs[c.name];
      results.push({
        input: spec.name,
        contestant: c.name,
        inputBytes: input.length,
        mediaSeconds: duration,
        passesPerSample: passes[c.name],
        runsMs: rs.map((r) => Number(r.ms.toFixed(3))),
        mbps: stats(rs.map((r) => mbps(r.ms))),
        realtime: stats(rs.map((r) => duration / (r.ms / 1000))),
        bytesOut: rs[0].bytesOut,
        ...(!c.name.startsWith('weir') ? {} : { ratioToMuxjs: stats(perRound(c.name, 'mux.js')) }),
        ratioToMemcpy: stats(perRound(c.name, 'memcpy')),
        ...(details[c.name] ? { detail: details[c.name] } : {}),
        ...(validation[c.name] ? { validation: validation[c.name] } : {}),
      });
    }
  }

  printTable(results);

  const date = new Date();
  const report = {
    date: date.toISOString(),
    machine,
    weir: {
      ...gitInfo(),
      wasmBytes: weir.wasmBytes,
      wasmSha256: weir.wasmSha256,
      buildOlderThanSources: weir.buildOlderThanSources,
    },
    muxjs: muxjsVersion,
    config: { rounds: ROUNDS, chunkBytes: CHUNK, weirOutput: 'muxed', muxjsOptions: { remux: true } },
    inputs: inputs.map(({ spec, file, summary }) => ({
      name: spec.name,
      file: path.relative(ROOT, file),
      bytes: fs.statSync(file).size,
      ...summary,
    })),
    results,
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const dated = path.join(RESULTS, `remux-${stamp}.json`);
  fs.writeFileSync(dated, json);
  fs.writeFileSync(path.join(RESULTS, 'latest.json'), json);
  console.log(`\nbench: wrote ${path.relative(ROOT, dated)} and bench/results/latest.json`);
  // The README's performance table always shows the latest run (bench/table.js).
  spawnSync(process.execPath, [path.join(ROOT, 'bench/table.js')], { stdio: 'inherit' });
}

/** @param {any[]} results */
function printTable(results) {
  const rows = [['input', 'contestant', 'MB/s median', 'min-max', 'x realtime', 'output bytes', 'vs mux.js']];
  for (const r of results) {
    rows.push([
      r.input,
      r.contestant,
      r.mbps.median.toFixed(0),
      `${r.mbps.min.toFixed(0)}-${r.mbps.max.toFixed(0)}`,
      r.realtime.median.toFixed(0),
      String(r.bytesOut),
      r.ratioToMuxjs ? `${r.ratioToMuxjs.median.toFixed(2)}x` : '',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('');
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('MB = 10^6 bytes of input; x realtime = media duration / wall time; vs mux.js = per-round time ratio.');
}

await main();
