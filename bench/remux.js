#!/usr/bin/env node
/**
 * `npm run bench`: MPEG-TS and WebM/Matroska → fragmented MP4 remux throughput in Node, one core,
 * input held in memory (DESIGN.md §6), weir side by side with its peers in one run. See bench/README.md.
 *
 * 1. Peers: weir (fresh engine and reused engine), mux.js, hls.js's and mpegts.js's transmuxers
 *    (bundled from their npm sources, harness/peers.js; MPEG-TS only: "n/a" on WebM and Matroska),
 *    Mediabunny (stream copy), ffmpeg `-c copy` (child process: in-process `-benchmark` figure and
 *    whole process) and a memcpy ceiling, on each input. Every output is validated once (packet
 *    counts by ffprobe against the input's); then all
 *    run interleaved round by round, the order rotated each round, a forced GC before each sample;
 *    ratios come from the same round. Peak RSS: one child process per contestant (harness/rss-child.js).
 * 2. Throughput against chunk size (1 KiB … 1 MiB) and against input length (cuts of one encode).
 * 3. Results: JSON in bench/results/ (latest.json + a dated copy), bench/results/report.html, and the
 *    README's performance table (bench/table.js).
 * 4. Then the browser bench, bench/browser.js, in the same mode (not with --smoke, nor with --skip browser).
 *
 * Modes: default (full: the H.264 and HEVC TS, WebM and Matroska inputs); --quick (360p TS and the 720p AV1 WebM,
 * 5 rounds: well under 3 minutes); --smoke (two committed test fixtures, TS and WebM, 1 round,
 * everything exercised once, results to --out or a temporary folder, README untouched: what
 * `npm test` runs).
 * Options: --rounds N, --inputs 1080p,webm-vp9-1080p,..., --chunk-kib N, --skip rss,chunks,lengths,memory,browser, --out DIR,
 * --prepare (only generate the inputs).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { createLiveTsStream } from '../scripts/live-ts.js';
import { CONTESTANTS, loadLibraries, makeContestants, reads } from './harness/contestants.js';
import { ffmpegVersion, runFfmpeg } from './harness/ffmpeg.js';
import { ensureCuts, ensureInput, existingInput, fail, INPUTS, MB, probe } from './harness/inputs.js';
import { busyCores, gitInfo, loadAverage, weirBuild } from './harness/machine.js';
import { bundlePeer } from './harness/peers.js';
import { renderReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
/** Shortest timed sample: faster contestants repeat their pass within one sample. */
const MIN_SAMPLE_MS = 100;
const KIB = 1024;

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string' },
    inputs: { type: 'string' },
    'chunk-kib': { type: 'string', default: '64' },
    skip: { type: 'string', default: '' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    prepare: { type: 'boolean', default: false },
  },
});

const MODE = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
/** What each mode runs. */
const PLAN = {
  full: {
    rounds: 7,
    inputs: ['1080p', '360p', 'hevc-1080p', 'webm-vp9-1080p', 'webm-av1-720p', 'mkv-h264-1080p'],
    chunkSweep: { input: '1080p', kib: [1, 4, 16, 64, 256, 512, 1024], contestants: ['weir', 'weir-reused', 'mux.js'] },
    lengthSweep: { input: '1080p', seconds: [10, 30, 60, 120], contestants: ['weir', 'weir-reused', 'mux.js'] },
    memory: { input: '1080p', loops: 30 },
  },
  quick: {
    rounds: 5,
    inputs: ['360p', 'webm-av1-720p'],
    chunkSweep: { input: '360p', kib: [1, 4, 16, 64, 256, 512, 1024], contestants: ['weir', 'weir-reused', 'mux.js'] },
    lengthSweep: { input: '360p', seconds: [10, 30, 60, 120], contestants: ['weir', 'weir-reused', 'mux.js'] },
    memory: { input: '360p', loops: 5 },
  },
  smoke: {
    rounds: 1,
    inputs: ['ts-h264-baseline-aac', 'webm-vp9-opus'],
    chunkSweep: { input: 'ts-h264-baseline-aac', kib: [1, 64], contestants: ['weir', 'mux.js'] },
    lengthSweep: { input: 'ts-h264-baseline-aac', seconds: [1, 3], contestants: ['weir', 'mux.js'] },
    memory: { input: 'ts-h264-baseline-aac', loops: 3 },
  },
}[MODE];
const ROUNDS = Math.max(1, Number.parseInt(args.rounds ?? '', 10) || PLAN.rounds);
const CHUNK = Math.max(1, Number.parseInt(args['chunk-kib'], 10) || 64) * KIB;
const SKIP = new Set(args.skip.split(',').filter(Boolean));
const selected = args.inputs ? args.inputs.split(',').map((s) => s.trim()) : PLAN.inputs;
if (MODE !== 'smoke') {
  for (const name of selected) {
    if (!INPUTS.some((i) => i.name === name)) fail(`unknown input "${name}" (known: ${INPUTS.map((i) => i.name)})`);
  }
}
/** Where results go; the README is regenerated only by a full run into bench/results/. */
const OUT = path.resolve(
  args.out ??
    (MODE === 'smoke'
      ? fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-smoke-'))
      : MODE === 'quick'
        ? path.join(ROOT, 'bench', '.cache', 'quick')
        : RESULTS),
);
/** Inputs, peer bundles and validation outputs; a smoke run keeps its own, inside OUT. */
const CACHE = MODE === 'smoke' ? path.join(OUT, 'cache') : path.join(ROOT, 'bench', '.cache');
/** The smoke run's inputs: committed fixtures, one per container family, named by their files. */
const FIXTURES = ['ts-h264-baseline-aac.ts', 'webm-vp9-opus.webm'].map((f) => path.join(ROOT, 'test', 'fixtures', f));

/** A `gc()` between samples, so that one contestant's garbage is not collected on the next one's clock. */
const gc = (() => {
  v8.setFlagsFromString('--expose-gc');
  return /** @type {() => void} */ (vm.runInNewContext('gc'));
})();

/** @param {number[]} xs */
function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  const round = (/** @type {number} */ x) => Number(x.toPrecision(4));
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]) };
}

/**
 * A timed entry of a round: `sample(passes)` runs it `passes` times and returns the time of one
 * pass (ms) and, for ffmpeg, its own in-process figure.
 * @typedef {{ id: string, sample: (passes: number) => Promise<{ ms: number, inProcessMs?: number }> }} Timed
 */

/**
 * Wraps an in-process run as a timed entry.
 * @param {string} id
 * @param {() => unknown} run
 * @returns {Timed}
 */
function timed(id, run) {
  return {
    id,
    sample: async (passes) => {
      const t0 = performance.now();
      for (let i = 0; i < passes; i++) await run();
      return { ms: (performance.now() - t0) / passes };
    },
  };
}

/**
 * Warms every entry up once (which also sets its passes per sample), then runs `rounds` rounds,
 * each running every entry once in an order rotated by one per round, with a GC before each sample.
 * @param {Timed[]} entries
 * @param {number} rounds
 * @param {number} [maxPasses]
 */
async function measure(entries, rounds, maxPasses = 200) {
  /** @type {Record<string, number>} */
  const passes = {};
  for (const e of entries) {
    gc();
    const { ms } = await e.sample(1);
    passes[e.id] = Math.min(maxPasses, Math.max(1, Math.ceil(MIN_SAMPLE_MS / Math.max(ms, 0.01))));
  }
  /** @type {Record<string, { ms: number, inProcessMs?: number }[]>} */
  const samples = Object.fromEntries(entries.map((e) => [e.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[(i + round) % entries.length];
      gc();
      samples[e.id].push(await e.sample(passes[e.id]));
    }
  }
  return { passes, samples };
}

/**
 * Writes the output pieces per track and compares the packet counts ffprobe finds with the input's.
 * Per-track outputs (hls.js, mpegts.js) are one file per track; their counts are added up.
 * @param {string} base output path without extension
 * @param {Map<string, Uint8Array[]>} pieces track → pieces
 * @param {any} inputSummary
 */
function validate(base, pieces, inputSummary) {
  const files = [];
  let videoOut = 0;
  let audioOut = 0;
  /** @type {number[]} */
  const durations = [];
  for (const [track, list] of pieces) {
    const file = track === 'muxed' ? `${base}.mp4` : `${base}-${track}.mp4`;
    fs.writeFileSync(file, Buffer.concat(list));
    files.push(file);
    const out = probe(file);
    videoOut += out.video?.packets ?? 0;
    audioOut += out.audio?.packets ?? 0;
    durations.push(out.duration);
  }
  return validationOf(files, videoOut, audioOut, durations, inputSummary);
}

/**
 * @param {string[]} files
 * @param {number} videoOut
 * @param {number} audioOut
 * @param {number[]} durations
 * @param {any} inputSummary
 */
function validationOf(files, videoOut, audioOut, durations, inputSummary) {
  const videoIn = inputSummary.video?.packets ?? 0;
  const audioIn = inputSummary.audio?.packets ?? 0;
  return {
    files: files.map((f) => path.relative(ROOT, f)),
    videoPackets: { input: videoIn, output: videoOut },
    audioPackets: { input: audioIn, output: audioOut },
    durations,
    samePacketCounts: videoIn === videoOut && audioIn === audioOut,
  };
}

/** @param {any} v */
function validityText(v) {
  if (!v) return '';
  return (
    `video ${v.videoPackets.output}/${v.videoPackets.input}, audio ${v.audioPackets.output}/${v.audioPackets.input}` +
    (v.samePacketCounts ? '' : '  <-- packet counts differ from the input')
  );
}

/**
 * Peak RSS of each contestant, one child process each (harness/rss-child.js); ffmpeg's comes from its
 * own `-benchmark` maxrss.
 * @param {import('./harness/inputs.js').Input} input
 * @param {string[]} names
 */
function peakRss(input, names) {
  /** @type {Record<string, { peakBytes: number, baselineBytes: number, addedBytes: number } | { error: string }>} */
  const result = {};
  for (const name of names) {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bench', 'harness', 'rss-child.js'), ROOT, CACHE, input.file, String(CHUNK), name, '2'],
      { encoding: 'utf8', maxBuffer: 16 * MB },
    );
    const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('{'));
    if (r.status !== 0 || !line) {
      result[name] = { error: `exit ${r.status}: ${(r.stderr ?? '').trim().slice(-300)}` };
      continue;
    }
    const { baselineBytes, peakBytes, source } = JSON.parse(line);
    result[name] = { peakBytes, baselineBytes, addedBytes: peakBytes - baselineBytes, source };
  }
  return result;
}

/**
 * The peers comparison on one input.
 * @param {any} libs
 * @param {import('./harness/inputs.js').Input} input
 * @param {boolean} withFfmpeg
 */
async function comparePeers(libs, input, withFfmpeg) {
  const { summary } = input;
  const buffer = fs.readFileSync(input.file);
  const duration = summary.duration;
  console.log(
    `\n${input.name}: ${path.relative(ROOT, input.file)}, ${(buffer.length / MB).toFixed(1)} MB, ${duration.toFixed(2)} s, ` +
      `${summary.video?.packets ?? 0} video + ${summary.audio?.packets ?? 0} audio packets ` +
      `(${input.container}, ${summary.video?.codec ?? 'no video'}/${summary.audio?.codec ?? 'no audio'})`,
  );
  /** @type {Record<string, string>} */
  const notApplicable = {};
  for (const name of CONTESTANTS) {
    const r = reads(name, input.container, summary.video?.codec);
    if (!r.reads) notApplicable[name] = r.reason;
  }
  const applicable = CONTESTANTS.filter((name) => !notApplicable[name]);
  for (const [name, reason] of Object.entries(notApplicable)) console.log(`  ${name.padEnd(10)} n/a: ${reason}`);
  const contestants = await makeContestants(libs, buffer, CHUNK, applicable);
  const outDir = path.join(CACHE, 'out');
  fs.mkdirSync(outDir, { recursive: true });

  // Validation run (also the first warm-up): every output written once and counted by ffprobe.
  /** @type {Record<string, any>} */
  const validation = {};
  /** @type {Record<string, any>} */
  const details = {};
  /** @type {Record<string, number>} */
  const bytesOut = {};
  /** Peers that threw on this input: not timed, a row with the reason (weir failing ends the bench). */
  /** @type {Record<string, string>} */
  const failed = {};
  for (const c of contestants) {
    /** @type {Map<string, Uint8Array[]>} */
    const pieces = new Map();
    /** @type {import('./harness/contestants.js').RunResult} */
    let r;
    try {
      r = await c.run(
        c.validated === false
          ? null
          : (track, bytes) => {
              if (!pieces.has(track)) pieces.set(track, []);
              pieces.get(track)?.push(bytes);
            },
      );
    } catch (e) {
      if (c.kind === 'weir') fail(`${c.name} failed on ${input.name}: ${e instanceof Error ? e.stack : e}`);
      failed[c.name] = (e instanceof Error ? e.message : String(e)).slice(0, 300);
      console.log(`  ${c.name.padEnd(10)} FAILED: ${failed[c.name]}`);
      continue;
    }
    bytesOut[c.name] = r.bytesOut;
    if (r.detail) details[c.name] = r.detail;
    if (c.validated === false) continue;
    validation[c.name] = validate(path.join(outDir, `${c.name.replace(/\W/g, '')}-${input.name}`), pieces, summary);
    console.log(`  ${c.name.padEnd(10)} ${validityText(validation[c.name])}`);
    const problems = /** @type {any} */ (r.detail)?.problems;
    for (const [k, n] of Object.entries(problems ?? {})) console.log(`  ${c.name.padEnd(10)} reported ${n}x ${k}`);
  }
  if (bytesOut['weir-reused'] !== undefined && bytesOut['weir-reused'] !== bytesOut.weir) {
    console.log(`  weir-reused output: ${bytesOut['weir-reused']} bytes, not ${bytesOut.weir} as from a new engine`);
  }
  /** @type {Timed[]} */
  const entries = contestants.filter((c) => !failed[c.name]).map((c) => timed(c.name, () => c.run(null)));
  let ffmpegMaxRss = 0;
  const ffmpegFile = path.join(outDir, `ffmpeg-${input.name}.mp4`);
  if (withFfmpeg) {
    try {
      runFfmpeg(input.file, input.container, ffmpegFile);
    } catch (e) {
      failed.ffmpeg = failed['ffmpeg-process'] = (e instanceof Error ? e.message : String(e)).slice(0, 300);
      console.log(`  ${'ffmpeg'.padEnd(10)} FAILED: ${failed.ffmpeg}`);
    }
  }
  if (withFfmpeg && !failed.ffmpeg) {
    const file = ffmpegFile;
    const out = probe(file);
    validation.ffmpeg = validationOf([file], out.video?.packets ?? 0, out.audio?.packets ?? 0, [out.duration], summary);
    validation['ffmpeg-process'] = validation.ffmpeg;
    bytesOut.ffmpeg = bytesOut['ffmpeg-process'] = fs.statSync(file).size;
    // Its peak RSS from a run started by a small shell (see harness/ffmpeg.js), writing the file as above.
    ffmpegMaxRss = runFfmpeg(input.file, input.container, '/dev/null', true).maxRssBytes;
    console.log(`  ${'ffmpeg'.padEnd(10)} ${validityText(validation.ffmpeg)}`);
    entries.push({
      id: 'ffmpeg',
      sample: async () => {
        const r = runFfmpeg(input.file, input.container, '/dev/null');
        return { ms: r.wallMs, inProcessMs: r.inProcessMs };
      },
    });
  }

  const { passes, samples } = await measure(entries, ROUNDS);
  // ffmpeg gives two rows from the same samples: its in-process figure and the whole process.
  /** @type {Record<string, number[]>} */
  const times = {};
  for (const [id, list] of Object.entries(samples)) {
    if (id === 'ffmpeg') {
      times.ffmpeg = list.map((s) => s.inProcessMs ?? s.ms);
      times['ffmpeg-process'] = list.map((s) => s.ms);
    } else times[id] = list.map((s) => s.ms);
  }
  const names = Object.keys(times);
  const mbps = (/** @type {number} */ ms) => buffer.length / MB / (ms / 1000);
  /** Per round, b's time over a's (how many times faster a is), as statistics. */
  const ratio = (/** @type {string} */ a, /** @type {string} */ b) => stats(times[a].map((t, i) => times[b][i] / t));
  const rows = names.map((name) => {
    const ms = times[name];
    const isWeir = name.startsWith('weir');
    return {
      input: input.name,
      contestant: name,
      kind: isWeir ? 'weir' : name === 'memcpy' ? 'ceiling' : 'peer',
      inputBytes: buffer.length,
      mediaSeconds: duration,
      passesPerSample: passes[name === 'ffmpeg-process' ? 'ffmpeg' : name] ?? 1,
      runsMs: ms.map((t) => Number(t.toFixed(3))),
      mbps: stats(ms.map(mbps)),
      realtime: stats(ms.map((t) => duration / (t / 1000))),
      bytesOut: bytesOut[name] ?? 0,
      ...(isWeir
        ? {
            ratios: Object.fromEntries(names.filter((n) => n !== name).map((n) => [n, ratio(name, n)])),
            ...(times['mux.js'] ? { ratioToMuxjs: ratio(name, 'mux.js') } : {}),
            ...(times.memcpy ? { ratioToMemcpy: ratio(name, 'memcpy') } : {}),
          }
        : {
            weirRatio: ratio('weir', name),
            weirReusedRatio: times['weir-reused'] ? ratio('weir-reused', name) : null,
          }),
      ...(details[name] ? { detail: details[name] } : {}),
      ...(validation[name] ? { validation: validation[name] } : {}),
    };
  });
  // The TS-only peers on another container, and peers that failed: a row that says so and has no
  // figures, in the listed order (ffmpeg's two rows last).
  const noFigures = [
    ...Object.entries(notApplicable).map(([name, reason]) => ({ contestant: name, notApplicable: reason })),
    ...Object.entries(failed).map(([name, reason]) => ({ contestant: name, failed: reason })),
  ];
  for (const row of noFigures) {
    rows.push(
      /** @type {any} */ ({
        input: input.name,
        kind: row.contestant === 'memcpy' ? 'ceiling' : 'peer',
        inputBytes: buffer.length,
        mediaSeconds: duration,
        ...row,
      }),
    );
  }
  const rank = (/** @type {string} */ name) => {
    const i = CONTESTANTS.indexOf(name);
    return i < 0 ? CONTESTANTS.length : i;
  };
  rows.sort((x, y) => rank(x.contestant) - rank(y.contestant));
  if (!SKIP.has('rss')) {
    const rss = peakRss(
      input,
      applicable.filter((name) => !failed[name]),
    );
    for (const row of rows) {
      if (!row.mbps) continue;
      if (row.contestant.startsWith('ffmpeg')) {
        /** @type {any} */ (row).peakRss = {
          peakBytes: ffmpegMaxRss,
          method: 'ffmpeg -benchmark maxrss, started by sh',
        };
      } else if (rss[row.contestant]) {
        /** @type {any} */ (row).peakRss = { ...rss[row.contestant], method: 'child process high-water mark' };
      }
    }
  }
  return rows;
}

/**
 * Throughput against chunk size: each (contestant, chunk size) an entry of the same rounds.
 * @param {any} libs
 * @param {import('./harness/inputs.js').Input} input
 * @param {number[]} kibs
 * @param {string[]} names
 */
async function chunkSweep(libs, input, kibs, names) {
  const buffer = fs.readFileSync(input.file);
  console.log(`\nchunk sizes on ${input.name}: ${kibs.map((k) => `${k} KiB`).join(', ')} (${names.join(', ')})`);
  /** @type {Timed[]} */
  const entries = [];
  for (const kib of kibs) {
    for (const c of await makeContestants(libs, buffer, kib * KIB, names)) {
      entries.push(timed(`${c.name}@${kib}`, () => c.run(null)));
    }
  }
  const { samples } = await measure(entries, ROUNDS);
  const rows = [];
  for (const name of names) {
    for (const kib of kibs) {
      const ms = samples[`${name}@${kib}`].map((s) => s.ms);
      rows.push({
        contestant: name,
        chunkBytes: kib * KIB,
        runsMs: ms.map((t) => Number(t.toFixed(3))),
        mbps: stats(ms.map((t) => buffer.length / MB / (t / 1000))),
      });
    }
  }
  return { input: input.name, inputBytes: buffer.length, chunkBytes: kibs.map((k) => k * KIB), rows };
}

/**
 * Least-squares line ms = fixedMs + bytes / (marginal MB/s): how cost grows with length.
 * @param {{ bytes: number, ms: number }[]} points
 */
function linearFit(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.bytes, 0) / n;
  const my = points.reduce((s, p) => s + p.ms, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of points) {
    sxy += (p.bytes - mx) * (p.ms - my);
    sxx += (p.bytes - mx) ** 2;
    syy += (p.ms - my) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const fixedMs = my - slope * mx;
  const deviations = points.map((p) => Math.abs(p.ms - (fixedMs + slope * p.bytes)) / p.ms);
  return {
    fixedMs: Number(fixedMs.toPrecision(4)),
    marginalMbps: slope > 0 ? Number((1 / slope / 1000).toPrecision(4)) : null,
    r2: syy > 0 ? Number(((sxy * sxy) / (sxx * syy)).toFixed(5)) : 1,
    maxDeviationPct: Number((Math.max(...deviations) * 100).toFixed(2)),
  };
}

/**
 * Throughput against input length: cuts of one encode, each (contestant, length) an entry.
 * @param {any} libs
 * @param {(import('./harness/inputs.js').Input & { seconds: number })[]} cuts
 * @param {string[]} names
 * @param {string} sourceName
 */
async function lengthSweep(libs, cuts, names, sourceName) {
  console.log(`\nlengths of ${sourceName}: ${cuts.map((c) => `${c.seconds} s`).join(', ')} (${names.join(', ')})`);
  /** @type {Timed[]} */
  const entries = [];
  /** @type {Record<number, number>} */
  const sizes = {};
  for (const cut of cuts) {
    const buffer = fs.readFileSync(cut.file);
    sizes[cut.seconds] = buffer.length;
    for (const c of await makeContestants(libs, buffer, CHUNK, names)) {
      entries.push(timed(`${c.name}@${cut.seconds}`, () => c.run(null)));
    }
  }
  const { samples } = await measure(entries, ROUNDS);
  const rows = [];
  /** @type {Record<string, ReturnType<typeof linearFit>>} */
  const fits = {};
  for (const name of names) {
    const points = [];
    for (const cut of cuts) {
      const ms = samples[`${name}@${cut.seconds}`].map((s) => s.ms);
      const bytes = sizes[cut.seconds];
      const msStats = stats(ms);
      points.push({ bytes, ms: msStats.median });
      rows.push({
        contestant: name,
        seconds: cut.seconds,
        mediaSeconds: cut.summary.duration,
        inputBytes: bytes,
        ms: msStats,
        runsMs: ms.map((t) => Number(t.toFixed(3))),
        mbps: stats(ms.map((t) => bytes / MB / (t / 1000))),
      });
    }
    fits[name] = linearFit(points);
  }
  return { source: sourceName, chunkBytes: CHUNK, rows, fits };
}

/** @param {any[]} results */
function printTable(results) {
  const rows = [['input', 'contestant', 'MB/s median', 'min-max', 'x realtime', 'peak RSS', 'valid', 'weir ÷ it']];
  for (const r of results) {
    if (r.notApplicable || r.failed) {
      rows.push([r.input, r.contestant, r.failed ? 'FAILED' : 'n/a', '', '', '', '', r.failed ?? r.notApplicable]);
      continue;
    }
    const v = r.validation;
    rows.push([
      r.input,
      r.contestant,
      r.mbps.median.toFixed(0),
      `${r.mbps.min.toFixed(0)}-${r.mbps.max.toFixed(0)}`,
      r.realtime.median.toFixed(0),
      r.peakRss?.peakBytes ? `${(r.peakRss.peakBytes / 2 ** 20).toFixed(0)} MiB` : '',
      v ? (v.samePacketCounts ? 'yes' : `NO (${v.videoPackets.output}/${v.audioPackets.output})`) : '',
      r.weirRatio ? `${r.weirRatio.median.toFixed(2)}x` : '',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log('');
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, j) => (j < 2 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('MB = 10^6 bytes of input; x realtime = media duration / wall time; weir ÷ it = per-round time ratio.');
}

/**
 * weir's WASM memory (DESIGN.md §2: fixed regions, no allocation in steady state): a fresh engine's size, its size
 * after each whole input, and after one continuous stream many times longer than any input: the MPEG-TS input looped
 * `loops` times by the live simulator's generator (scripts/live-ts.js at full speed: timestamps and continuity
 * counters carried on, as a live encoder's), sampled after every slice it hands out.
 * @param {any} libs
 * @param {import('./harness/inputs.js').Input[]} inputs
 * @param {{ input: string, loops: number }} plan
 */
async function weirMemory(libs, inputs, plan) {
  const fresh = await libs.Engine.create({ output: 'muxed' });
  const perInput = [];
  for (const input of inputs) {
    const engine = await libs.Engine.create({ output: 'muxed' });
    const buffer = fs.readFileSync(input.file);
    for (let off = 0; off < buffer.length; off += CHUNK) engine.push(buffer.subarray(off, off + CHUNK));
    engine.flush();
    perInput.push({
      input: input.name,
      seconds: input.summary.duration,
      inputBytes: buffer.length,
      memoryBytes: engine.memoryBytes,
    });
  }
  const source = inputs.find((i) => i.name === plan.input && i.container === 'mpegts');
  let long = null;
  if (source) {
    const engine = await libs.Engine.create({ output: 'muxed' });
    const clip = new Uint8Array(fs.readFileSync(source.file));
    let bytes = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    let afterFirstLoop = 0;
    const t0 = performance.now();
    for await (const slice of createLiveTsStream(clip, { speed: 1e9, loops: plan.loops })) {
      for (let off = 0; off < slice.length; off += CHUNK) engine.push(slice.subarray(off, off + CHUNK));
      bytes += slice.length;
      min = Math.min(min, engine.memoryBytes);
      max = Math.max(max, engine.memoryBytes);
      if (!afterFirstLoop && bytes >= clip.length) afterFirstLoop = engine.memoryBytes;
    }
    engine.flush();
    long = {
      input: source.name,
      loops: plan.loops,
      seconds: Number((source.summary.duration * plan.loops).toFixed(1)),
      inputBytes: bytes,
      memoryBytesAfterFirstLoop: afterFirstLoop,
      memoryBytesMin: min,
      memoryBytesMax: max,
      memoryBytesAtEnd: engine.memoryBytes,
      wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    };
  }
  return { freshEngineBytes: fresh.memoryBytes, perInput, long };
}

async function main() {
  const started = performance.now();
  fs.mkdirSync(CACHE, { recursive: true });
  /** @type {import('./harness/inputs.js').Input[]} */
  let inputs;
  /** @type {(import('./harness/inputs.js').Input & { seconds: number })[]} */
  let cuts = [];
  let cutSource = '';
  if (MODE === 'smoke') {
    inputs = FIXTURES.map((file) => existingInput(path.basename(file, path.extname(file)), file));
    const source = inputs.find((i) => i.name === PLAN.lengthSweep.input);
    if (!SKIP.has('lengths') && source) {
      cuts = ensureCuts(source, PLAN.lengthSweep.seconds, CACHE, ROOT);
      cutSource = path.relative(ROOT, source.file);
    }
  } else {
    inputs = INPUTS.filter((i) => selected.includes(i.name)).map((spec) => ensureInput(spec, CACHE, ROOT));
    if (!SKIP.has('lengths')) {
      const spec = INPUTS.find((i) => i.name === PLAN.lengthSweep.input);
      if (!spec) throw new Error('no length sweep input');
      const longest = Math.max(...PLAN.lengthSweep.seconds);
      const long = ensureInput({ ...spec, seconds: longest }, CACHE, ROOT);
      cuts = ensureCuts(long, PLAN.lengthSweep.seconds, CACHE, ROOT);
      cutSource = path.relative(ROOT, long.file);
    }
  }
  if (args.prepare) return;

  const load = { before: loadAverage(), busyCoresBefore: await busyCores() };
  if (load.busyCoresBefore > 0.25) {
    console.warn(`bench: warning: ${load.busyCoresBefore} cores busy before the start: other work may skew figures`);
  }
  const build = weirBuild(ROOT);
  await bundlePeer('hls.js', CACHE);
  await bundlePeer('mpegts.js', CACHE);
  const libs = await loadLibraries(ROOT, CACHE);
  const ffmpeg = ffmpegVersion();
  if (!ffmpeg) fail('ffmpeg not found on PATH');

  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    nice: os.getPriority(),
    loadAverage1m: load.before[0],
    busyCoresBeforeStart: load.busyCoresBefore,
  };
  console.log(
    `bench (${MODE}): ${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, ` +
      `Node ${machine.node}, load ${load.before.join(' ')}`,
  );
  console.log(
    `bench: ${ROUNDS} rounds, ${CHUNK / KIB} KiB chunks, weir core ${build.wasmBytes} B, ` +
      Object.entries(libs.versions)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') +
      `, ffmpeg ${ffmpeg}`,
  );

  const results = [];
  for (const input of inputs) results.push(...((await comparePeers(libs, input, true)) ?? []));
  printTable(results);

  let chunks = null;
  if (!SKIP.has('chunks')) {
    const input = inputs.find((i) => i.name === PLAN.chunkSweep.input) ?? inputs[0];
    const names = PLAN.chunkSweep.contestants.filter(
      (n) => reads(n, input.container, input.summary.video?.codec).reads,
    );
    chunks = await chunkSweep(libs, input, PLAN.chunkSweep.kib, names);
    for (const r of chunks.rows) {
      console.log(
        `  ${r.contestant.padEnd(12)} ${String(r.chunkBytes / KIB).padStart(5)} KiB  ${r.mbps.median.toFixed(0).padStart(6)} MB/s`,
      );
    }
  }
  let lengths = null;
  if (cuts.length > 0) {
    const names = PLAN.lengthSweep.contestants.filter(
      (n) => reads(n, cuts[0].container, cuts[0].summary.video?.codec).reads,
    );
    lengths = await lengthSweep(libs, cuts, names, cutSource);
    for (const r of lengths.rows) {
      console.log(
        `  ${r.contestant.padEnd(12)} ${String(r.seconds).padStart(4)} s  ${(r.inputBytes / MB).toFixed(1).padStart(6)} MB  ` +
          `${r.ms.median.toFixed(1).padStart(8)} ms  ${r.mbps.median.toFixed(0).padStart(6)} MB/s`,
      );
    }
    for (const [name, f] of Object.entries(lengths.fits)) {
      console.log(
        `  ${name}: time = ${f.fixedMs} ms + bytes / ${f.marginalMbps} MB/s (r² ${f.r2}, largest deviation ${f.maxDeviationPct} %)`,
      );
    }
  }

  let memory = null;
  if (!SKIP.has('memory')) {
    memory = await weirMemory(libs, inputs, PLAN.memory);
    const mib = (/** @type {number} */ b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `\nweir WASM memory: fresh engine ${mib(memory.freshEngineBytes)}; after each input ` +
        memory.perInput.map((m) => `${m.input} ${mib(m.memoryBytes)}`).join(', ') +
        (memory.long
          ? `; ${memory.long.input} looped ${memory.long.loops}x (${memory.long.seconds} s, ${(memory.long.inputBytes / MB).toFixed(0)} MB) ` +
            `${mib(memory.long.memoryBytesMin)}–${mib(memory.long.memoryBytesMax)}`
          : ''),
    );
  }

  const date = new Date();
  const report = {
    date: date.toISOString(),
    mode: MODE,
    durationSeconds: 0,
    machine: { ...machine, loadAverageBefore: load.before, loadAverageAfter: loadAverage() },
    weir: { ...gitInfo(ROOT), ...build },
    muxjs: libs.versions['mux.js'],
    peers: { ...libs.versions, ffmpeg },
    config: {
      rounds: ROUNDS,
      chunkBytes: CHUNK,
      minSampleMs: MIN_SAMPLE_MS,
      weirOutput: 'muxed',
      muxjsOptions: { remux: true },
      hlsjs: 'transmuxer bundled from src/, progressive: true, ArrayBuffer chunks, one flush',
      mpegtsjs: 'TSDemuxer + MP4Remuxer bundled from src/, stash like IOController, flushStashedSamples()',
      mediabunny:
        "Conversion, Input(BufferSource, ALL_FORMATS) → Mp4OutputFormat({ fastStart: 'fragmented' }), copy forced",
      ffmpeg:
        '-c copy (-bsf:a aac_adtstoasc for MPEG-TS) -movflags frag_keyframe+empty_moov+default_base_moof+delay_moov -f mp4',
      notApplicable:
        'mux.js, hls.js and mpegts.js read MPEG-TS only: n/a on WebM and Matroska inputs; mux.js reads H.264 only: n/a on HEVC',
      peakRss:
        'child process per contestant (2 runs), VmHWM (Linux; maxRSS elsewhere), added = peak − mark before the runs; ffmpeg: -benchmark maxrss of a process started by sh',
    },
    inputs: inputs.map((i) => ({
      name: i.name,
      container: i.container,
      file: path.relative(ROOT, i.file),
      bytes: fs.statSync(i.file).size,
      ...i.summary,
    })),
    results,
    chunkSweep: chunks,
    lengthSweep: lengths,
    weirMemory: memory,
  };
  report.durationSeconds = Number(((performance.now() - started) / 1000).toFixed(1));
  fs.mkdirSync(OUT, { recursive: true });
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const written = [];
  if (MODE === 'full') {
    const dated = path.join(OUT, `remux-${stamp}.json`);
    fs.writeFileSync(dated, json);
    written.push(dated);
  }
  const latest = path.join(OUT, MODE === 'full' ? 'latest.json' : `${MODE}.json`);
  fs.writeFileSync(latest, json);
  const html = path.join(OUT, 'report.html');
  fs.writeFileSync(html, renderReport(report));
  written.push(latest, html);
  console.log(`\nbench: ${report.durationSeconds} s; wrote ${written.map((f) => path.relative(ROOT, f)).join(', ')}`);
  // Then the browser bench (bench/browser.js) in the same mode, into the same folder: it adds its section to
  // report.html. The smoke run leaves it to its own test (test/node/bench-browser.test.ts).
  let browserFailed = false;
  if (MODE !== 'smoke' && !SKIP.has('browser')) {
    console.log('');
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'bench', 'browser.js'), ...(MODE === 'quick' ? ['--quick'] : []), '--out', OUT],
      { stdio: 'inherit' },
    );
    browserFailed = r.status !== 0;
    if (browserFailed) console.error(`bench: the browser bench failed (exit ${r.status})`);
  }
  if (MODE === 'full' && OUT === RESULTS) {
    // The README's performance table always shows the latest full run (bench/table.js).
    spawnSync(process.execPath, [path.join(ROOT, 'bench', 'table.js')], { stdio: 'inherit' });
  }
  if (browserFailed) process.exitCode = 1;
}

await main();
