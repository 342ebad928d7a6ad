// Regenerates the README's performance table (between the perf-table markers) from
// bench/results/latest.json, so the README always shows the latest measured figures and the
// machine they were measured on. Run by `npm run bench` after a run, or alone: node bench/table.js
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const results = JSON.parse(readFileSync(`${root}bench/results/latest.json`, 'utf8'));
const readmePath = `${root}README.md`;
const readme = readFileSync(readmePath, 'utf8');

const m = results.machine;
const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
const lines = [
  `Measured ${results.date.slice(0, 10)} on ${m.cpu}, ${m.cores} cores, ${gib} GiB, Node ${m.node}; weir ${results.weir.commit.slice(0, 7)}, mux.js ${results.muxjs}.`,
  `Input held in memory, pushed in ${results.config.chunkBytes / 1024} KiB chunks; median of ${results.config.rounds} interleaved rounds (min–max).`,
  '',
  '| input | contestant | MB/s of input | × realtime | weir ÷ contestant |',
  '|---|---|---|---|---|',
];
for (const r of results.results) {
  const weir = results.results.find((x) => x.input === r.input && x.contestant === 'weir');
  const isWeir = r.contestant.startsWith('weir');
  const ratio = isWeir ? '' : `${(weir.mbps.median / r.mbps.median).toFixed(r.contestant === 'memcpy' ? 2 : 1)}×`;
  const name = r.contestant === 'weir-reused' ? 'weir (engine reused, reset())' : r.contestant;
  lines.push(
    `| ${r.input} | ${name} | ${r.mbps.median} (${r.mbps.min}–${r.mbps.max}) | ${r.realtime.median} | ${ratio} |`,
  );
}
const start = '<!-- perf-table:start -->';
const end = '<!-- perf-table:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < i) throw new Error('README.md has no perf-table markers');
writeFileSync(readmePath, `${readme.slice(0, i + start.length)}\n${lines.join('\n')}\n${readme.slice(j)}`);
console.log('README.md performance table updated from bench/results/latest.json');
