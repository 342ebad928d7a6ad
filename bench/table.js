// Regenerates the README's performance table (between the perf-table markers) from
// bench/results/latest.json, so the README always shows the latest measured figures, every peer's
// output validity next to its speed, and the machine they were measured on. Run by `npm run bench`
// after a full run, or alone: node bench/table.js
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = JSON.parse(readFileSync(`${root}bench/results/latest.json`, 'utf8'));
const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');

const NAMES = {
  'weir-reused': 'weir (engine reused, reset())',
  ffmpeg: 'ffmpeg -c copy (in process)',
  'ffmpeg-process': 'ffmpeg -c copy (whole process)',
  memcpy: 'memcpy (ceiling)',
};
/** @param {number} x */
const num = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(3));

const m = results.machine;
const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
const peers = Object.entries(results.peers ?? { 'mux.js': results.muxjs })
  .filter(([k]) => k !== 'esbuild')
  .map(([k, v]) => `${k} ${v.replace(/^ffmpeg version /, '')}`)
  .join(', ');
const load = m.loadAverageBefore ? m.loadAverageBefore[0] : m.loadAverage1m;
const lines = [
  `Measured ${results.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${gib} GiB, Node ${m.node} (load ${load} at the start); weir ${results.weir.commit.slice(0, 7)}; ${peers}.`,
  `Input held in memory, pushed in ${results.config.chunkBytes / 1024} KiB chunks; median of ${results.config.rounds} interleaved rounds (min–max). Valid: packets in the output (ffprobe) = packets in the input, video and audio.`,
  '',
  '| input | contestant | MB/s of input | × realtime | peak RSS | valid | weir ÷ contestant |',
  '|---|---|---|---|---|---|---|',
];
for (const r of results.results) {
  const weir = results.results.find((x) => x.input === r.input && x.contestant === 'weir');
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
    `| ${r.input} | ${NAMES[r.contestant] ?? r.contestant} | ${num(r.mbps.median)} (${num(r.mbps.min)}–${num(r.mbps.max)}) | ${num(r.realtime.median)} | ${rss} | ${valid} | ${ratio} |`,
  );
}
const cs = results.chunkSweep;
if (cs) {
  const weirRows = cs.rows.filter((r) => r.contestant === 'weir-reused');
  const kib = (b) => (b >= 1 << 20 ? `${b / (1 << 20)} MiB` : `${b / 1024} KiB`);
  lines.push(
    '',
    `weir (engine reused) against chunk size, ${cs.input}: ${weirRows.map((r) => `${kib(r.chunkBytes)} ${num(r.mbps.median)}`).join(', ')} MB/s.`,
  );
}
const ls = results.lengthSweep;
if (ls) {
  const rows = ls.rows.filter((r) => r.contestant === 'weir-reused');
  const fit = ls.fits['weir-reused'];
  const fresh = ls.fits.weir;
  lines.push(
    `weir (engine reused) against input length: ${rows.map((r) => `${r.seconds} s ${num(r.mbps.median)}`).join(', ')} MB/s ` +
      `(cost = ${num(fit.fixedMs)} ms + bytes ÷ ${num(fit.marginalMbps)} MB/s, r² ${fit.r2}` +
      (fresh ? `; with a fresh engine per stream the fixed cost is ${num(fresh.fixedMs)} ms` : '') +
      '). Charts: bench/results/report.html.',
  );
}
const start = '<!-- perf-table:start -->';
const end = '<!-- perf-table:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no perf-table markers');
writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${lines.join('\n')}\n${readme.slice(j)}`);
console.log('README.md performance table updated from bench/results/latest.json');
