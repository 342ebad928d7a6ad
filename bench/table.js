#!/usr/bin/env node
// Regenerates the README's performance table (between the perf-table markers) from
// bench/results/latest.json, so the README always shows the latest measured figures, every peer's
// output validity next to its speed, and the machine they were measured on. Run by `npm run bench`
// after a full run, or alone: node bench/table.js
import { readFileSync, writeFileSync } from 'node:fs';
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
 * @returns {string}
 */
export function perfTable(results) {
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
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const results = JSON.parse(readFileSync(`${root}bench/results/latest.json`, 'utf8'));
  const readmePath = `${root}README.md`;
  const readme = readFileSync(readmePath, 'utf8');
  const start = '<!-- perf-table:start -->';
  const end = '<!-- perf-table:end -->';
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error('README.md has no perf-table markers');
  writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${perfTable(results)}\n${readme.slice(j)}`);
  console.log('README.md performance table updated from bench/results/latest.json');
}
