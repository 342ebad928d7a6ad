#!/usr/bin/env node
// Regenerates the README's performance table (between the perf-table markers) from
// bench/results/latest.json and bench/results/browser-latest.json (the browser bench), so the README always shows the latest measured figures, every peer's
// output validity next to its speed, and the machine they were measured on. Run by `npm run bench`
// after a full run, or alone: node bench/table.js
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NAMES = {
  'weir-reused': 'weir (engine reused, reset())',
  ffmpeg: 'ffmpeg -c copy (in process)',
  'ffmpeg-process': 'ffmpeg -c copy (whole process)',
  memcpy: 'memcpy (ceiling)',
};
const CODECS = { h264: 'H.264', hevc: 'HEVC', vp9: 'VP9', av1: 'AV1', aac: 'AAC', opus: 'Opus' };
const CONTAINERS = { mpegts: 'MPEG-TS', webm: 'WebM', matroska: 'Matroska' };

/** @param {number} x */
const num = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));
/** @param {string | undefined} c */
const codec = (c) => (c ? (CODECS[c] ?? c) : 'none');
/** @param {string} name */
const named = (name) => NAMES[name] ?? name;

/**
 * The README's performance section (Markdown, without the markers) from a results JSON of bench/remux.js.
 * @param {any} results
 * @param {any} [browser] the browser bench's results (bench/browser.js), when there are any
 * @returns {string}
 */
export function perfTable(results, browser = null) {
  const m = results.machine;
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  const peers = Object.entries(results.peers ?? { 'mux.js': results.muxjs })
    .filter(([k]) => k !== 'esbuild')
    .map(([k, v]) => `${k} ${String(v).replace(/^ffmpeg version /, '')}`)
    .join(', ');
  const load = m.loadAverageBefore ? m.loadAverageBefore[0] : m.loadAverage1m;
  const inputs = results.inputs
    .map(
      (/** @type {any} */ i) =>
        `${i.name} = ${codec(i.video?.codec)}/${codec(i.audio?.codec)} ${CONTAINERS[i.container ?? 'mpegts'] ?? i.container}` +
        `${i.video ? ` ${i.video.width}x${i.video.height}` : ''}, ${Math.round(i.duration)} s, ${(i.bitRate / 1e6).toFixed(1)} Mbit/s`,
    )
    .join('; ');
  const lines = [
    `Measured ${results.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${gib} GiB, Node ${m.node} (load ${load} at the start); weir ${results.weir.commit.slice(0, 7)}; ${peers}.`,
    `Inputs (synthetic, see bench/README.md): ${inputs}.`,
    `Input held in memory, pushed in ${results.config.chunkBytes / 1024} KiB chunks; median of ${results.config.rounds} interleaved rounds (min–max). Valid: packets in the output (ffprobe) = packets in the input, video and audio. n/a: the peer does not read that container.`,
    '',
    '| input | contestant | MB/s of input | × realtime | peak RSS | valid | weir ÷ contestant |',
    '|---|---|---|---|---|---|---|',
  ];
  // The peers that do not read an input's container share one row per input.
  /** @type {Map<string, string[]>} */
  const notApplicable = new Map();
  for (const r of results.results) {
    if (!r.notApplicable) continue;
    const key = `${r.input}\u0000${r.notApplicable}`;
    notApplicable.set(key, [...(notApplicable.get(key) ?? []), r.contestant]);
  }
  for (const r of results.results) {
    if (r.notApplicable) {
      const names = notApplicable.get(`${r.input}\u0000${r.notApplicable}`) ?? [];
      if (names[0] === r.contestant)
        lines.push(`| ${r.input} | ${names.join(', ')} | n/a (${r.notApplicable}) | | | | |`);
      continue;
    }
    if (r.failed) {
      lines.push(`| ${r.input} | ${named(r.contestant)} | **failed**: ${r.failed.replace(/\|/g, '/')} | | | | |`);
      continue;
    }
    const weir = results.results.find((/** @type {any} */ x) => x.input === r.input && x.contestant === 'weir');
    const isWeir = r.contestant.startsWith('weir');
    const ratio = isWeir
      ? ''
      : `${(r.weirRatio?.median ?? weir.mbps.median / r.mbps.median).toFixed(r.contestant === 'memcpy' ? 2 : 1)}×`;
    const v = r.validation;
    const valid = v
      ? v.samePacketCounts
        ? 'yes'
        : `**no**: video ${v.videoPackets.output}/${v.videoPackets.input}, audio ${v.audioPackets.output}/${v.audioPackets.input}`
      : '';
    const rss = r.peakRss?.peakBytes ? `${Math.round(r.peakRss.peakBytes / 2 ** 20)} MiB` : '';
    lines.push(
      `| ${r.input} | ${named(r.contestant)} | ${num(r.mbps.median)} (${num(r.mbps.min)}–${num(r.mbps.max)}) | ${num(r.realtime.median)} | ${rss} | ${valid} | ${ratio} |`,
    );
  }
  const kib = (/** @type {number} */ b) => (b >= 1 << 20 ? `${b / (1 << 20)} MiB` : `${b / 1024} KiB`);
  const cs = results.chunkSweep;
  const chunkRows = cs?.rows.filter((/** @type {any} */ r) => r.contestant === 'weir-reused') ?? [];
  if (chunkRows.length > 0) {
    lines.push(
      '',
      `weir (engine reused) against chunk size, ${cs.input}: ${chunkRows.map((/** @type {any} */ r) => `${kib(r.chunkBytes)} ${num(r.mbps.median)}`).join(', ')} MB/s.`,
    );
  }
  const ls = results.lengthSweep;
  const fit = ls?.fits['weir-reused'];
  if (fit) {
    const rows = ls.rows.filter((/** @type {any} */ r) => r.contestant === 'weir-reused');
    const fresh = ls.fits.weir;
    lines.push(
      `weir (engine reused) against input length: ${rows.map((/** @type {any} */ r) => `${r.seconds} s ${num(r.mbps.median)}`).join(', ')} MB/s ` +
        `(cost = ${num(fit.fixedMs)} ms + bytes ÷ ${num(fit.marginalMbps)} MB/s, r² ${fit.r2}` +
        (fresh ? `; with a fresh engine per stream the fixed cost is ${num(fresh.fixedMs)} ms` : '') +
        '). Charts: bench/results/report.html.',
    );
  }
  lines.push(...memoryAndSize(results));
  if (browser) lines.push(...browserTable(browser));
  lines.push(...targets(results, browser));
  return lines.join('\n');
}

const mib = (/** @type {number} */ b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
const kB = (/** @type {number} */ b) => `${(b / 1000).toFixed(1)} kB`;

/**
 * weir's WASM memory (fresh, after each input, over a long continuous stream) and its gzipped sizes.
 * @param {any} results
 */
function memoryAndSize(results) {
  const lines = [];
  const m = results.weirMemory;
  if (m) {
    const sizes = [...new Set(m.perInput.map((/** @type {any} */ x) => x.memoryBytes))];
    const long = m.long;
    lines.push(
      '',
      `WASM memory of one engine: ${mib(m.freshEngineBytes)} when created (a fixed layout of input, sample-table and output regions); ` +
        `${sizes.length === 1 ? `the same ${mib(sizes[0])}` : sizes.map(mib).join(', ')} after each input above` +
        (long
          ? `, and ${long.memoryBytesMin === long.memoryBytesMax ? mib(long.memoryBytesMax) : `${mib(long.memoryBytesMin)}–${mib(long.memoryBytesMax)}`} throughout one continuous ${(long.seconds / 60).toFixed(0)}-minute stream (the ${long.input} input looped ${long.loops}x by the live simulator's generator, ${(long.inputBytes / 1e9).toFixed(2)} GB, sampled after every slice)`
          : '') +
        ': bounded by the layout and independent of stream length.',
    );
  }
  const g = results.weir.gzippedBytes;
  if (g?.wasm) {
    lines.push(
      `Sizes (gzip -9): core (release WASM) ${kB(g.wasm)}, worker bundle ${kB(g.worker ?? 0)}, facade ${kB(g.facade ?? 0)}; ` +
        `WASM + worker ${kB(g.wasm + (g.worker ?? 0))}.`,
    );
  }
  return lines;
}

/** @param {any} s a summary @param {string} [key] */
const ms = (s, key = 'median') => (s && s[key] !== null && s[key] !== undefined ? `${Math.round(s[key])}` : '–');

/**
 * The browser bench's table: first frame and seeks on a file, live latency, stalls under main-thread blocks,
 * main-thread busy time against the plain <video> baseline.
 * @param {any} b
 */
function browserTable(b) {
  const m = b.machine;
  const p = b.config.plan;
  const f = b.config.file;
  const base = b.baseline?.mainThread?.taskMsPerSecond;
  const lines = [
    '',
    `Browser (\`bench/browser.js\`): measured ${b.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, Chromium ${m.chromium} headless (software decoding), load ${m.loadAverageBefore[0]} at the start; ` +
      `weir ${b.weir.commit.slice(0, 7)} (lib/web), mpegts.js ${b.peers['mpegts.js']}. Same page for all (both libraries loaded, muted autoplay). ` +
      `File: ${f.name} (${codec(f.video?.codec)}/${codec(f.audio?.codec)} ${f.video?.width}x${f.video?.height}, ${Math.round(f.duration)} s) from 127.0.0.1, ` +
      `first frame = start → first frame's expected display, median of ${p.ttffTrials} fresh pages; seek = \`currentTime=\` → first frame at the target, median of ${p.seekAt.length} points. ` +
      `Live: the simulator's low-delay clip (640x360 30 fps) in real time; latency = the frame's last packet sent → the frame displayed, every frame of a ${p.live.windowMs / 1000} s window after ${p.live.warmUpMs / 1000} s; ` +
      `Blocks: ${p.liveBlocks?.blocks ?? p.live.blocks} busy loops of ${(p.liveBlocks?.blockMs ?? p.live.blockMs) / 1000} s on the page's main thread, ${(p.liveBlocks?.gapMs ?? p.live.gapMs) / 1000} s apart, in a second session at a 0.5 s target (and after the window at 0.12 s where the mode has them): \`waiting\` events, freezes (a frame shown for more than two frame times; with frames dropped too in parentheses), frames presented / due, appends made during the blocks. ` +
      `Main thread: ms busy per s of steady live playback (DevTools Protocol TaskDuration)${Number.isFinite(base) ? `, and above a plain \`<video>\` playing an MP4 of the same clip (${base} ms/s)` : ''}.`,
    '',
    '| contestant | first frame, file (ms) | seek (ms) | live latency p50 / p95 (ms) | stalls, steady | 2 s blocks at 0.12 s: waiting, freezes | 2 s blocks at 0.5 s: waiting, freezes | frames presented / due, 0.5 s | appends during blocks, 0.5 s | main thread (ms/s) | long tasks |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const ids = [
    ...new Set([
      ...(b.file ?? []).map((/** @type {any} */ r) => r.contestant),
      ...(b.live ?? []).map((/** @type {any} */ r) => r.contestant),
    ]),
  ];
  const blocksCell = (/** @type {any} */ u) =>
    u ? `${u.waiting}, ${u.freezes}${u.freezesWithDrops ? ` (+${u.freezesWithDrops})` : ''}` : '–';
  for (const id of ids) {
    const file = (b.file ?? []).find((/** @type {any} */ r) => r.contestant === id);
    const live =
      (b.live ?? []).find((/** @type {any} */ r) => r.contestant === id) ??
      (b.baseline?.contestant === id ? b.baseline : null);
    const relaxed = (b.liveBlocks ?? []).find((/** @type {any} */ r) => r.contestant === id);
    const ttff = file?.ttffMs?.n ? `${ms(file.ttffMs)} (${ms(file.ttffMs, 'min')}–${ms(file.ttffMs, 'max')})` : '–';
    const seek = file?.seekFrameMs?.n ? ms(file.seekFrameMs) : '–';
    const latency = live?.latencyMs?.n ? `${ms(live.latencyMs, 'p50')} / ${ms(live.latencyMs, 'p95')}` : '–';
    const steady = live?.steady && live.latencyMs ? `${live.steady.waiting + live.steady.freezes}` : '–';
    const r = relaxed?.underBlocks;
    const frames = r ? `${r.presentedFrames} / ${r.dueFrames}` : '–';
    const appends = r ? r.atBlockStart.map((/** @type {any} */ x) => x.appendsDuringBlock).join(', ') : '–';
    const mt = live?.mainThread;
    const busy = mt
      ? `${mt.taskMsPerSecond}${Number.isFinite(base) && live !== b.baseline ? ` (${mt.taskMsPerSecond - base >= 0 ? '+' : ''}${(mt.taskMsPerSecond - base).toFixed(1)})` : ''}`
      : '–';
    const errors = [...new Set([...(file?.errors ?? []), ...(live?.errors ?? []), ...(relaxed?.errors ?? [])])];
    lines.push(
      `| ${id.replace(/</g, '&lt;')} | ${ttff} | ${seek} | ${latency} | ${steady} | ${blocksCell(live?.underBlocks)} | ${blocksCell(r)} | ${frames} | ${appends} | ${busy} | ${mt ? mt.longTasks : '–'} |` +
        (errors.length ? ` errors: ${errors.join('; ').replace(/\|/g, '/').slice(0, 200)}` : ''),
    );
  }
  return lines;
}

/**
 * Issue 6's targets against the measured figures: met, or missed by how much.
 * @param {any} results @param {any} browser
 */
function targets(results, browser) {
  /** @type {string[]} */
  const out = [];
  const row = (/** @type {string} */ input, /** @type {string} */ c) =>
    results.results.find((/** @type {any} */ r) => r.input === input && r.contestant === c && r.mbps);
  const verdict = (/** @type {boolean} */ ok, /** @type {string} */ missed) => (ok ? 'met' : `**missed** (${missed})`);
  for (const [input, what] of [
    ['1080p', '1080p H.264/AAC TS'],
    ['hevc-1080p', '1080p HEVC/AAC TS'],
    ['webm-vp9-1080p', 'VP9/Opus WebM'],
    ['webm-av1-720p', 'AV1/Opus WebM'],
  ]) {
    const w = row(input, 'weir');
    if (!w) continue;
    const v = w.mbps.median;
    let text = `${what}: weir ${num(v)} MB/s, target ≥ 2,000: ${verdict(v >= 2000, `by ${num(2000 - v)} MB/s, ${((1 - v / 2000) * 100).toFixed(0)} %`)}`;
    if (input === '1080p' || input === 'hevc-1080p') {
      const h = row(input, 'hls.js');
      const f = row(input, 'ffmpeg');
      if (h)
        text += `; ≥ 3× hls.js: ${h.weirRatio.median.toFixed(1)}×, ${verdict(h.weirRatio.median >= 3, `short by ${(3 - h.weirRatio.median).toFixed(1)}×`)}`;
      if (f)
        text += `; faster than ffmpeg in process: ${f.weirRatio.median.toFixed(1)}×, ${verdict(f.weirRatio.median > 1, `${((1 - f.weirRatio.median) * 100).toFixed(0)} % slower`)}`;
    }
    out.push(`- ${text}.`);
  }
  const g = results.weir.gzippedBytes;
  if (g?.wasm)
    out.push(`- WASM under 100 kB gzipped: ${kB(g.wasm)}, ${verdict(g.wasm < 100_000, `by ${kB(g.wasm - 100_000)}`)}.`);
  const m = results.weirMemory;
  if (m?.long) {
    const flat = m.long.memoryBytesMin === m.long.memoryBytesMax && m.long.memoryBytesMax === m.freshEngineBytes;
    out.push(
      `- WASM memory bounded and independent of stream length: ${mib(m.long.memoryBytesMax)} from creation to the end of ${(m.long.seconds / 60).toFixed(0)} minutes, ${verdict(flat, 'it grew')}.`,
    );
  }
  if (browser) {
    const weirFile = (browser.file ?? []).find((/** @type {any} */ r) => r.contestant === 'weir');
    if (weirFile?.ttffMs?.n) {
      const t = weirFile.ttffMs.median;
      out.push(
        `- Time to first frame for a local file under 300 ms: weir ${Math.round(t)} ms, ${verdict(t < 300, `by ${Math.round(t - 300)} ms`)}.`,
      );
    }
    /** @param {any[]} rows @param {string} name */
    const find = (rows, name) => rows.find((/** @type {any} */ r) => r.contestant === name && r.underBlocks);
    const stallsOf = (/** @type {any} */ r) => r.underBlocks.waiting + r.underBlocks.freezes;
    for (const [rows, target] of [
      [browser.liveBlocks ?? [], '0.5 s'],
      [browser.live ?? [], '0.12 s'],
    ]) {
      const w = find(rows, 'weir');
      const mm = find(rows, 'mpegts.js (main thread)');
      const mw = find(rows, 'mpegts.js (enableWorkerForMSE)');
      if (!w || !mm) continue;
      out.push(
        `- Zero stalls under 2 s main-thread blocks where mpegts.js's main-thread mode stalls (${target} target): weir ${stallsOf(w)} ` +
          `(${w.underBlocks.waiting} waiting, ${w.underBlocks.freezes} freezes), mpegts.js main thread ${stallsOf(mm)}` +
          `${mw ? `, with enableWorkerForMSE ${stallsOf(mw)}` : ''}: ${verdict(stallsOf(w) === 0, `${stallsOf(w)} stall${stallsOf(w) === 1 ? '' : 's'}`)}.`,
      );
    }
  }
  // Figures taken while other work kept the cores busy are not the machine's: say so next to the verdicts.
  const busy = [results.machine, browser?.machine]
    .filter(Boolean)
    .map((/** @type {any} */ m) => m.busyCoresBeforeStart ?? 0);
  const caveat =
    Math.max(0, ...busy) > 0.25
      ? ` **${Math.max(...busy)} of ${results.machine.cores} cores were busy with other work when they started** (load ${results.machine.loadAverageBefore?.[0]}): not this machine's figures; re-run \`npm run bench\` on a quiet machine.`
      : '';
  return out.length ? ['', `Targets (issue 6), from these runs:${caveat}`, ...out] : [];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const results = JSON.parse(readFileSync(`${root}bench/results/latest.json`, 'utf8'));
  const browserFile = `${root}bench/results/browser-latest.json`;
  const browser = existsSync(browserFile) ? JSON.parse(readFileSync(browserFile, 'utf8')) : null;
  const readmePath = `${root}README.md`;
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- perf-table:start -->';
  const end = '<!-- perf-table:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('README.md has no perf-table markers');
  writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${perfTable(results, browser)}\n${readme.slice(j)}`);
  console.log('README.md performance table updated from bench/results/latest.json');
}
