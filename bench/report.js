#!/usr/bin/env node
/**
 * The bench's HTML report: one self-contained page (inline SVG, no scripts, no external files) from a
 * results JSON written by bench/remux.js and, when there is one, the browser bench's (bench/browser.js). Written by
 * every run next to its JSON; alone:
 *   node bench/report.js [bench/results/latest.json] [bench/results/report.html]
 * (the browser results are read from browser-latest.json, or browser-<mode>.json, beside the first file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @param {unknown} s */
const esc = (s) =>
  String(s).replace(
    /[&<>"]/g,
    (c) => /** @type {Record<string, string>} */ ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c],
  );

/** @param {number} x */
const fmt = (x) => {
  if (!Number.isFinite(x)) return '–';
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toPrecision(3);
};

/** @param {number} bytes */
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

const COLORS = {
  weir: '#1f6feb',
  'weir-reused': '#5b9bff',
  'mux.js': '#d97706',
  'hls.js': '#16a34a',
  'mpegts.js': '#9333ea',
  mediabunny: '#db2777',
  ffmpeg: '#0f766e',
  'ffmpeg-process': '#5eada5',
  memcpy: '#9ca3af',
  'mpegts.js (main thread)': '#9333ea',
  'mpegts.js (enableWorkerForMSE)': '#c084fc',
  '<video> + MP4 (no player)': '#9ca3af',
};
/** @param {string} name */
const color = (name) => /** @type {Record<string, string>} */ (COLORS)[name] ?? '#6b7280';

const LABELS = {
  weir: 'weir',
  'weir-reused': 'weir (engine reused)',
  ffmpeg: 'ffmpeg -c copy (in process)',
  'ffmpeg-process': 'ffmpeg -c copy (whole process)',
  memcpy: 'memcpy (ceiling)',
};
/** @param {string} name */
const label = (name) => /** @type {Record<string, string>} */ (LABELS)[name] ?? name;

/** Powers of ten covering [lo, hi]. */
function decades(/** @type {number} */ lo, /** @type {number} */ hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) ticks.push(10 ** e);
  return ticks;
}

/**
 * Horizontal bars on a log scale: median bar, min–max whisker, value label.
 * @param {{ name: string, median: number, min: number, max: number, note?: string }[]} bars
 * @param {string} unit
 */
function barChart(bars, unit) {
  const left = 230;
  const width = 560;
  const right = 150;
  const rowH = 26;
  const top = 10;
  const height = top + bars.length * rowH + 30;
  const positive = bars.flatMap((b) => [b.min, b.max, b.median]).filter((v) => v > 0);
  const ticks = decades(Math.min(...positive), Math.max(...positive));
  const lo = Math.log10(ticks[0]);
  const hi = Math.log10(ticks[ticks.length - 1]);
  const x = (/** @type {number} */ v) => left + ((Math.log10(Math.max(v, ticks[0])) - lo) / (hi - lo || 1)) * width;
  const parts = [];
  for (const t of ticks) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top - 4}" y2="${height - 26}" stroke="#e5e7eb"/>`,
      `<text x="${x(t)}" y="${height - 12}" text-anchor="middle" class="tick">${fmt(t)}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const mid = y + rowH / 2 - 2;
    parts.push(
      `<text x="${left - 8}" y="${mid + 4}" text-anchor="end" class="lbl">${esc(label(b.name))}</text>`,
      `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(b.median) - left)}" height="${rowH - 10}" fill="${color(b.name)}"><title>${esc(`${label(b.name)}: ${fmt(b.median)} ${unit} (${fmt(b.min)}–${fmt(b.max)})`)}</title></rect>`,
      `<line x1="${x(b.min)}" x2="${x(b.max)}" y1="${mid}" y2="${mid}" stroke="#111827"/>`,
      `<line x1="${x(b.min)}" x2="${x(b.min)}" y1="${mid - 4}" y2="${mid + 4}" stroke="#111827"/>`,
      `<line x1="${x(b.max)}" x2="${x(b.max)}" y1="${mid - 4}" y2="${mid + 4}" stroke="#111827"/>`,
      `<text x="${Math.max(x(b.max), x(b.median)) + 6}" y="${mid + 4}" class="val">${fmt(b.median)}${b.note ? ` ${esc(b.note)}` : ''}</text>`,
    );
  });
  parts.push(
    `<text x="${left + width}" y="${height - 1}" text-anchor="end" class="tick">${esc(unit)}, log scale</text>`,
  );
  return `<svg viewBox="0 0 ${left + width + right} ${height}" width="${left + width + right}" height="${height}" role="img">${parts.join('')}</svg>`;
}

/**
 * Lines with points.
 * @param {{ name: string, points: { x: number, y: number, lo?: number, hi?: number }[] }[]} series
 * @param {{ xLog?: boolean, xTicks: number[], xTickLabel: (x: number) => string, xLabel: string, yLabel: string }} o
 */
function lineChart(series, o) {
  const left = 70;
  const top = 14;
  const width = 560;
  const height = 260;
  const legendW = 200;
  const all = series.flatMap((s) => s.points);
  const yMax = Math.max(...all.map((p) => p.hi ?? p.y)) * 1.08 || 1;
  const xs = o.xTicks;
  const fx = (/** @type {number} */ v) => (o.xLog ? Math.log2(v) : v);
  const x0 = fx(Math.min(...xs));
  const x1 = fx(Math.max(...xs));
  const x = (/** @type {number} */ v) => left + ((fx(v) - x0) / (x1 - x0 || 1)) * width;
  const y = (/** @type {number} */ v) => top + height - (v / yMax) * height;
  const parts = [];
  const step = 10 ** Math.floor(Math.log10(yMax / 2));
  const yStep = yMax / step > 10 ? step * 2 : step;
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(
      `<line x1="${left}" x2="${left + width}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${fmt(v)}</text>`,
    );
  }
  for (const t of xs) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${top}" y2="${top + height}" stroke="#f3f4f6"/>`,
      `<text x="${x(t)}" y="${top + height + 16}" text-anchor="middle" class="tick">${esc(o.xTickLabel(t))}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle" class="lbl">${esc(o.xLabel)}</text>`,
    `<text x="14" y="${top + height / 2}" text-anchor="middle" class="lbl" transform="rotate(-90 14 ${top + height / 2})">${esc(o.yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const c = color(s.name);
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of s.points) {
      if (p.lo !== undefined && p.hi !== undefined) {
        parts.push(`<line x1="${x(p.x)}" x2="${x(p.x)}" y1="${y(p.lo)}" y2="${y(p.hi)}" stroke="${c}"/>`);
      }
      parts.push(
        `<circle cx="${x(p.x)}" cy="${y(p.y)}" r="3.5" fill="${c}"><title>${esc(`${label(s.name)} ${o.xTickLabel(p.x)}: ${fmt(p.y)}`)}</title></circle>`,
      );
    }
    const ly = top + 10 + i * 20;
    parts.push(
      `<rect x="${left + width + 20}" y="${ly - 8}" width="14" height="10" fill="${c}"/>`,
      `<text x="${left + width + 40}" y="${ly + 1}" class="lbl">${esc(label(s.name))}</text>`,
    );
  });
  const w = left + width + legendW;
  const h = top + height + 44;
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${parts.join('')}</svg>`;
}

/** @param {any} v */
function validity(v) {
  if (!v) return '<td class="muted">–</td>';
  const text = `video ${v.videoPackets.output}/${v.videoPackets.input}, audio ${v.audioPackets.output}/${v.audioPackets.input}`;
  return v.samePacketCounts ? `<td class="ok">✓ ${text}</td>` : `<td class="bad">✗ ${text}</td>`;
}

/** @param {any} r */
function rssCell(r) {
  if (!r.peakRss) return '<td class="muted">–</td>';
  if (r.peakRss.error) return `<td class="bad">${esc(r.peakRss.error.slice(0, 60))}</td>`;
  const added = r.peakRss.addedBytes !== undefined ? ` (+${mib(r.peakRss.addedBytes)})` : '';
  return `<td class="num">${mib(r.peakRss.peakBytes)}${added}</td>`;
}

/**
 * One line on an input: container, codecs, size, bitrate, packets.
 * @param {any} info an entry of the results' `inputs`
 */
export function inputLine(info) {
  const v = info.video;
  const a = info.audio;
  const kbps = info.bitRate ? `, ${(info.bitRate / 1e6).toFixed(2)} Mbit/s` : '';
  return (
    `${esc(info.container ?? 'mpegts')}, ${(info.bytes / 1e6).toFixed(1)} MB, ${info.duration.toFixed(2)} s${kbps}, ` +
    `${esc(v?.codec ?? 'no video')} ${v ? `${v.width}x${v.height}` : ''} + ${esc(a?.codec ?? 'no audio')}, ` +
    `${v?.packets ?? 0} video + ${a?.packets ?? 0} audio packets`
  );
}

/**
 * Latency over time: one line per contestant (no markers: hundreds of frames), the main-thread blocks shaded.
 * @param {{ name: string, points: number[][], blocks: number[][] }[]} series points [seconds, ms]; blocks [from, to] s
 */
function timeChart(series) {
  const left = 70;
  const top = 14;
  const width = 560;
  const height = 240;
  const legendW = 240;
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '<p class="muted">no frames matched</p>';
  const xMax = Math.max(...all.map((p) => p[0])) || 1;
  const yMax = Math.max(...all.map((p) => p[1])) * 1.08 || 1;
  const x = (/** @type {number} */ v) => left + (v / xMax) * width;
  const y = (/** @type {number} */ v) => top + height - (Math.max(0, v) / yMax) * height;
  const parts = [];
  const step = 10 ** Math.floor(Math.log10(yMax / 2));
  const yStep = yMax / step > 10 ? step * 2 : step;
  for (let v = 0; v <= yMax; v += yStep) {
    parts.push(
      `<line x1="${left}" x2="${left + width}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" class="tick">${fmt(v)}</text>`,
    );
  }
  const xStep = xMax > 40 ? 10 : xMax > 10 ? 5 : 1;
  for (let t = 0; t <= xMax; t += xStep) {
    parts.push(`<text x="${x(t)}" y="${top + height + 16}" text-anchor="middle" class="tick">${t} s</text>`);
  }
  // Blocks of the first series that has them (every contestant gets the same schedule).
  for (const [a, b] of series.find((s) => s.blocks.length)?.blocks ?? []) {
    parts.push(`<rect x="${x(a)}" y="${top}" width="${Math.max(1, x(b) - x(a))}" height="${height}" fill="#fee2e2"/>`);
  }
  parts.push(
    `<text x="${left + width / 2}" y="${top + height + 34}" text-anchor="middle" class="lbl">seconds from the start of the steady window (red: main thread blocked)</text>`,
    `<text x="14" y="${top + height / 2}" text-anchor="middle" class="lbl" transform="rotate(-90 14 ${top + height / 2})">latency, ms</text>`,
  );
  series.forEach((s, i) => {
    const c = color(s.name);
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="1.5"/>`);
    const ly = top + 10 + i * 20;
    parts.push(
      `<rect x="${left + width + 20}" y="${ly - 8}" width="14" height="10" fill="${c}"/>`,
      `<text x="${left + width + 40}" y="${ly + 1}" class="lbl">${esc(label(s.name))}</text>`,
    );
  });
  const w = left + width + legendW;
  const h = top + height + 44;
  return `<svg viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${parts.join('')}</svg>`;
}

/** @param {any} s a summary { median | p50, min, max } @param {string} [key] */
const barOf = (s, key = 'median') => ({
  median: s?.[key] ?? Number.NaN,
  min: s?.min ?? Number.NaN,
  max: s?.max ?? Number.NaN,
});

/**
 * weir's WASM memory (fresh, after each input, over one long continuous stream) and gzipped sizes, when recorded.
 * @param {any} report
 */
function memorySection(report) {
  const m = report.weirMemory;
  const g = report.weir?.gzippedBytes;
  if (!m && !g?.wasm) return '';
  const rows = (m?.perInput ?? [])
    .map(
      (/** @type {any} */ x) =>
        `<tr><td>${esc(x.input)}</td><td class="num">${fmt(x.seconds)} s</td><td class="num">${mib(x.memoryBytes)}</td></tr>`,
    )
    .join('');
  const long = m?.long
    ? `<tr><td>${esc(m.long.input)} looped ${m.long.loops}× (one continuous stream, ${(m.long.inputBytes / 1e9).toFixed(2)} GB)</td><td class="num">${fmt(m.long.seconds)} s</td><td class="num">${mib(m.long.memoryBytesMin)}–${mib(m.long.memoryBytesMax)}</td></tr>`
    : '';
  return `
<h2>weir: WASM memory and size</h2>
${
  m
    ? `<p>A fresh engine: ${mib(m.freshEngineBytes)}. After each input, and over one stream many times longer (the live simulator's generator at full speed, sampled after every slice):</p>
<table><thead><tr><th>stream</th><th>length</th><th>WASM memory</th></tr></thead><tbody>${rows}${long}</tbody></table>`
    : ''
}
${g?.wasm ? `<p>Gzipped (-9): core ${(g.wasm / 1000).toFixed(1)} kB, worker ${((g.worker ?? 0) / 1000).toFixed(1)} kB, facade ${((g.facade ?? 0) / 1000).toFixed(1)} kB.</p>` : ''}`;
}

/**
 * The live sessions' table: latency, stalls in the steady window and under blocks, appends during blocks, main
 * thread, the PTS anchor's check. Rows may lack a window (blocks only) or blocks.
 * @param {any[]} rows
 */
function liveTable(rows) {
  const cell = (/** @type {string} */ x, cls = '') => `<td class="num ${cls}">${x}</td>`;
  const body = rows
    .map((/** @type {any} */ r) => {
      const u = r.underBlocks;
      const a = r.anchor;
      const mt = r.mainThread;
      const check = !a
        ? ''
        : a.weirTimeOriginMinusAnchorTicks !== null
          ? `weir timeOrigin − anchor: ${a.weirTimeOriginMinusAnchorTicks} ticks`
          : a.mpegtsDtsBaseMinusAnchorMs !== null
            ? `mpegts.js dtsBase − anchor: ${a.mpegtsDtsBaseMinusAnchorMs} ms`
            : 'no internal origin to check against';
      return (
        `<tr><td>${esc(label(r.contestant))}</td>` +
        cell(r.latencyMs?.n ? `${fmt(r.latencyMs.p50)} / ${fmt(r.latencyMs.p95)}` : '') +
        cell(
          r.framesMatched !== undefined
            ? `${r.framesMatched}${r.framesUnmatched ? ` (${r.framesUnmatched})` : ''}`
            : '',
        ) +
        cell(r.steady ? `${r.steady.waiting}, ${r.steady.freezes}` : '') +
        cell(
          u ? `${u.waiting}, ${u.freezes} (+${u.freezesWithDrops}), ${fmt(u.frozenMs)}` : '',
          u && u.waiting + u.freezes > 0 ? 'bad' : '',
        ) +
        cell(u ? `${u.presentedFrames} / ${u.dueFrames}` : '') +
        cell(u ? u.atBlockStart.map((/** @type {any} */ x) => x.appendsDuringBlock).join(', ') : '') +
        cell(
          r.latencyUnderBlocksMs?.n ? `${fmt(r.latencyUnderBlocksMs.p50)} / ${fmt(r.latencyUnderBlocksMs.p95)}` : '',
        ) +
        cell(mt ? `${fmt(mt.taskMsPerSecond)} (${fmt(mt.scriptMsPerSecond)})` : '') +
        cell(mt ? `${mt.longTasks} (${fmt(mt.longTaskMsPerSecond)})` : '') +
        cell(mt ? fmt(mt.rafLateMsPerSecond) : '') +
        `<td class="muted">${esc(check)}</td><td class="bad">${esc((r.errors ?? []).join('; '))}</td></tr>`
      );
    })
    .join('');
  return `<table><thead><tr><th>contestant</th><th>latency p50 / p95 ms</th><th>frames matched (unmatched)</th><th>steady: waiting, freezes</th><th>under blocks: waiting, freezes (+ with drops), frozen ms</th><th>frames presented / due under blocks</th><th>appends during each block</th><th>latency under blocks p50 / p95 ms</th><th>main thread ms/s (script)</th><th>long tasks (ms/s)</th><th>rAF late ms/s</th><th>PTS anchor check</th><th>errors</th></tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * The browser bench's sections (bench/browser.js): time to first frame and seeks on a file, live latency (bars and
 * over time), stalls under main-thread blocks, main-thread busy time.
 * @param {any} b
 * @returns {string}
 */
export function renderBrowser(b) {
  const m = b.machine;
  const out = [];
  const f = b.config.file;
  out.push(`
<h2>Browser: weir against mpegts.js in Chromium</h2>
<p>${esc(b.date)} (${esc(b.mode)} run, ${esc(b.durationSeconds)} s), Chromium ${esc(m.chromium)} headless (software decoding), ${esc(m.cpu)}, ${m.cores} cores; load average before ${esc(m.loadAverageBefore.join(' '))}, after ${esc((m.loadAverageAfter ?? []).join(' '))}; ${esc(m.busyCoresBeforeStart)} cores busy just before the start. weir ${esc(b.weir.commit.slice(0, 7))} (lib/web, the packaged build); mpegts.js ${esc(b.peers['mpegts.js'])} (dist/mpegts.js). One page for all, both libraries loaded before any starts; the element muted and autoplaying.</p>`);
  const file = (b.file ?? []).filter((/** @type {any} */ r) => r.ttffMs?.n);
  if (file.length) {
    out.push(`
<h3>Time to first frame, local file (${esc(f.name)}: ${esc(f.file)}, ${fmt(f.duration)} s), ms: start → first frame's expected display (median of ${b.config.plan.ttffTrials} fresh pages, min–max)</h3>
${barChart(
  file.map((/** @type {any} */ r) => ({ name: r.contestant, ...barOf(r.ttffMs) })),
  'ms',
)}`);
    const seeks = file.filter((/** @type {any} */ r) => r.seekFrameMs?.n);
    if (seeks.length) {
      out.push(`
<h3>Seek in the file, ms: currentTime= → first frame at the new position (median over ${b.config.plan.seekAt.length} points, min–max)</h3>
${barChart(
  seeks.map((/** @type {any} */ r) => ({ name: r.contestant, ...barOf(r.seekFrameMs) })),
  'ms',
)}
<table><thead><tr><th>contestant</th><th>first frame, ms (trials)</th><th>seeks: target s → seeked / frame ms</th><th>WASM memory</th><th>errors</th></tr></thead><tbody>${file
        .map(
          (/** @type {any} */ r) =>
            `<tr><td>${esc(label(r.contestant))}</td><td class="num">${r.trialsMs.map(fmt).join(', ')}</td><td>${r.seeks
              .map(
                (/** @type {any} */ s) =>
                  `${fmt(s.target)} → ${fmt(s.seekedMs)} / ${s.timedOut ? '<span class="bad">timed out</span>' : fmt(s.frameMs)}${s.wasBuffered ? ' <span class="muted">(buffered)</span>' : ''}`,
              )
              .join(
                '<br>',
              )}</td><td class="num">${r.wasmMemoryBytes ? mib(r.wasmMemoryBytes) : ''}</td><td class="bad">${esc(r.errors.join('; '))}</td></tr>`,
        )
        .join('')}</tbody></table>`);
    }
  }
  const live = b.live ?? [];
  if (live.length) {
    const p = b.config.plan.live;
    out.push(`
<h3>Live latency end to end at a 0.12 s target, ms: the simulator hands out a frame's last packet → the frame's expected display (p50 bar, min–max whisker; ${p.windowMs / 1000} s steady window after ${p.warmUpMs / 1000} s)</h3>
${barChart(
  live
    .filter((/** @type {any} */ r) => r.latencyMs?.n)
    .map((/** @type {any} */ r) => ({ name: r.contestant, ...barOf(r.latencyMs, 'p50') })),
  'ms',
)}
<h3>Latency over time, every third frame${p.blocks ? `; then ${p.blocks} blocks of the page's main thread, ${p.blockMs / 1000} s each` : ''}</h3>
${timeChart(live.map((/** @type {any} */ r) => ({ name: r.contestant, points: r.series, blocks: r.seriesBlocks })))}`);
    const rows = [...live, ...(b.baseline ? [b.baseline] : [])];
    const busy = rows.filter((/** @type {any} */ r) => Number.isFinite(r.mainThread?.taskMsPerSecond));
    out.push(`
<h3>Main-thread busy time, ms per second of steady playback (Chrome DevTools Protocol Performance.getMetrics TaskDuration: every task of the page's main thread)</h3>
${barChart(
  busy.map((/** @type {any} */ r) => ({
    name: r.contestant,
    median: r.mainThread.taskMsPerSecond,
    min: r.mainThread.taskMsPerSecond,
    max: r.mainThread.taskMsPerSecond,
  })),
  'ms/s',
)}
${liveTable(rows)}`);
  }
  const relaxed = b.liveBlocks ?? [];
  if (relaxed.length) {
    const p = b.config.plan.liveBlocks;
    out.push(`
<h3>At a 0.5 s target: latency over time through ${p.blocks} blocks of the page's main thread, ${p.blockMs / 1000} s each</h3>
${timeChart(relaxed.map((/** @type {any} */ r) => ({ name: r.contestant, points: r.series, blocks: r.seriesBlocks })))}
${liveTable(relaxed)}`);
  }
  if (live.length || relaxed.length) {
    out.push(
      `<p class="muted">Latency: each presented frame (requestVideoFrameCallback) is mapped back to its source PTS through the first video sample the contestant appended (read from the fMP4 boxes by a wrapper of SourceBuffer.appendBuffer, in whichever thread appends), taken to be the first frame the simulator sent; checked against weir's own stats.timeOrigin and mpegts.js's remuxer timestamp base where they can be read. Freezes: a frame on screen for more than two frame times (frames dropped in the same interval counted apart). Options: ${esc(JSON.stringify(b.config.contestants.map((/** @type {any} */ c) => ({ [c.id]: { live: c.live, liveRelaxed: c.liveRelaxed } }))))}.</p>`,
    );
  }
  return out.join('\n');
}

/**
 * @param {any} report a results JSON written by bench/remux.js
 * @param {any} [browser] the browser bench's results
 * @returns {string}
 */
export function renderReport(report, browser = null) {
  const m = report.machine;
  const inputs = [...new Set(report.results.map((/** @type {any} */ r) => r.input))];
  const sections = [];
  for (const name of inputs) {
    const rows = report.results.filter((/** @type {any} */ r) => r.input === name);
    const measured = rows.filter((/** @type {any} */ r) => r.mbps);
    const info = report.inputs.find((/** @type {any} */ i) => i.name === name);
    const bars = measured.map((/** @type {any} */ r) => ({
      name: r.contestant,
      ...r.mbps,
      note: r.validation && !r.validation.samePacketCounts ? '✗' : '',
    }));
    const ratioBars = measured
      .filter((/** @type {any} */ r) => r.weirRatio && r.kind === 'peer')
      .map((/** @type {any} */ r) => ({ name: r.contestant, ...r.weirRatio }));
    const table = rows
      .map((/** @type {any} */ r) =>
        !r.mbps
          ? `<tr><td><span class="sw" style="background:${color(r.contestant)}"></span>${esc(label(r.contestant))}</td>` +
            `<td colspan="7" class="${r.failed ? 'bad' : 'muted'}">${r.failed ? `failed: ${esc(r.failed)}` : `n/a: ${esc(r.notApplicable)}`}</td></tr>`
          : `<tr><td><span class="sw" style="background:${color(r.contestant)}"></span>${esc(label(r.contestant))}</td>` +
            `<td class="num"><b>${fmt(r.mbps.median)}</b></td><td class="num">${fmt(r.mbps.min)}–${fmt(r.mbps.max)}</td>` +
            `<td class="num">${fmt(r.realtime.median)}×</td>${rssCell(r)}<td class="num">${r.bytesOut.toLocaleString('en-US')}</td>` +
            `${validity(r.validation)}<td class="num">${r.weirRatio ? `${r.weirRatio.median.toFixed(2)}×` : ''}</td></tr>`,
      )
      .join('');
    sections.push(`
<h2>${esc(name)}</h2>
<p class="muted">${esc(info?.file ?? '')}: ${info ? inputLine(info) : ''}</p>
<h3>Throughput, MB/s of input (median, min–max whisker)</h3>
${barChart(bars, 'MB/s')}
${ratioBars.length ? `<h3>weir ÷ peer (time ratio per round; &gt;1: weir faster)</h3>${barChart(ratioBars, '×')}` : ''}
<table><thead><tr><th>contestant</th><th>MB/s median</th><th>min–max</th><th>× realtime</th><th>peak RSS (added by the run)</th><th>output bytes</th><th>valid (packets out/in, ffprobe)</th><th>weir ÷ it</th></tr></thead><tbody>${table}</tbody></table>`);
  }

  const cs = report.chunkSweep;
  if (cs) {
    const names = [...new Set(cs.rows.map((/** @type {any} */ r) => r.contestant))];
    const series = names.map((n) => ({
      name: /** @type {string} */ (n),
      points: cs.rows
        .filter((/** @type {any} */ r) => r.contestant === n)
        .map((/** @type {any} */ r) => ({ x: r.chunkBytes, y: r.mbps.median, lo: r.mbps.min, hi: r.mbps.max })),
    }));
    const kib = (/** @type {number} */ b) => (b >= 1 << 20 ? `${b / (1 << 20)} MiB` : `${b / 1024} KiB`);
    const head = cs.chunkBytes.map((/** @type {number} */ b) => `<th>${kib(b)}</th>`).join('');
    const body = names
      .map(
        (n) =>
          `<tr><td>${esc(label(/** @type {string} */ (n)))}</td>${cs.chunkBytes
            .map((/** @type {number} */ b) => {
              const r = cs.rows.find((/** @type {any} */ x) => x.contestant === n && x.chunkBytes === b);
              return `<td class="num">${r ? fmt(r.mbps.median) : ''}</td>`;
            })
            .join('')}</tr>`,
      )
      .join('');
    sections.push(`
<h2>Throughput against chunk size (${esc(cs.input)})</h2>
${lineChart(series, { xLog: true, xTicks: cs.chunkBytes, xTickLabel: kib, xLabel: 'chunk size pushed per call', yLabel: 'MB/s' })}
<table><thead><tr><th>MB/s median</th>${head}</tr></thead><tbody>${body}</tbody></table>`);
  }

  const ls = report.lengthSweep;
  if (ls) {
    const names = [...new Set(ls.rows.map((/** @type {any} */ r) => r.contestant))];
    const lengths = [...new Set(ls.rows.map((/** @type {any} */ r) => r.seconds))];
    const series = names.map((n) => ({
      name: /** @type {string} */ (n),
      points: ls.rows
        .filter((/** @type {any} */ r) => r.contestant === n)
        .map((/** @type {any} */ r) => ({ x: r.seconds, y: r.mbps.median, lo: r.mbps.min, hi: r.mbps.max })),
    }));
    const body = names
      .map((n) => {
        const f = ls.fits[/** @type {string} */ (n)];
        return `<tr><td>${esc(label(/** @type {string} */ (n)))}</td>${lengths
          .map((s) => {
            const r = ls.rows.find((/** @type {any} */ x) => x.contestant === n && x.seconds === s);
            return `<td class="num">${r ? `${fmt(r.mbps.median)} <span class="muted">(${fmt(r.ms.median)} ms)</span>` : ''}</td>`;
          })
          .join(
            '',
          )}<td class="num">${fmt(f.fixedMs)} ms + bytes ÷ ${fmt(f.marginalMbps)} MB/s</td><td class="num">${f.r2}</td><td class="num">${f.maxDeviationPct} %</td></tr>`;
      })
      .join('');
    sections.push(`
<h2>Throughput against input length</h2>
<p class="muted">Cuts (ffmpeg <code>-t N -c copy</code>) of one encode, ${esc(ls.source)}; ${ls.chunkBytes / 1024} KiB chunks. Cost grows linearly when MB/s stays flat; the fit gives the fixed cost per stream and the marginal rate.</p>
${lineChart(series, { xTicks: lengths, xTickLabel: (s) => `${s} s`, xLabel: 'input length', yLabel: 'MB/s' })}
<table><thead><tr><th>MB/s median (time)</th>${lengths.map((s) => `<th>${s} s</th>`).join('')}<th>least-squares fit</th><th>r²</th><th>largest deviation</th></tr></thead><tbody>${body}</tbody></table>`);
  }

  const peers = Object.entries(report.peers ?? { 'mux.js': report.muxjs })
    .map(([k, v]) => `${esc(k)} ${esc(String(v).replace(/^ffmpeg version /, ''))}`)
    .join(', ');
  const cfg = report.config ?? {};
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>weir bench ${esc(report.date.slice(0, 10))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#111827;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:36px;border-bottom:1px solid #e5e7eb}h3{font-size:14px;margin:18px 0 4px}
table{border-collapse:collapse;margin:10px 0;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #f3f4f6;text-align:left}
.num{text-align:right;font-variant-numeric:tabular-nums}.muted{color:#6b7280}.ok{color:#15803d}.bad{color:#b91c1c}
.sw{display:inline-block;width:10px;height:10px;margin-right:6px}svg{display:block;max-width:100%;height:auto}
svg .tick{font-size:11px;fill:#6b7280}svg .lbl{font-size:12px;fill:#111827}svg .val{font-size:12px;fill:#111827;font-weight:600}
code{font-size:12px}
</style></head><body>
<h1>weir bench: remux in Node${browser ? ' and playback in Chromium' : ''}</h1>
<p>${esc(report.date)} (${esc(report.mode ?? 'full')} run, ${esc(report.durationSeconds ?? '?')} s) on ${esc(m.cpu)}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${esc(m.node)}, ${esc(m.platform ?? '')}.
Load average before ${esc((m.loadAverageBefore ?? [m.loadAverage1m]).join(' '))}, after ${esc((m.loadAverageAfter ?? []).join(' '))}; ${esc(m.busyCoresBeforeStart)} cores busy just before the start.</p>
<p>weir ${esc(report.weir.commit.slice(0, 7))}${report.weir.dirty ? ' (uncommitted changes)' : ''}, core ${report.weir.wasmBytes.toLocaleString('en-US')} bytes; ${peers}.</p>
<p class="muted">Each input is held in memory and pushed in ${cfg.chunkBytes / 1024} KiB chunks; ${cfg.rounds} interleaved rounds, order rotated each round, GC before every sample, a sample at least ${cfg.minSampleMs ?? 100} ms (fast contestants repeat within it). MB = 10<sup>6</sup> bytes of input per second of wall time; × realtime = media duration ÷ wall time; ratios are per round. Validity: packet counts of the output by ffprobe (<code>-count_packets</code>) against the input's. Peak RSS: ${esc(cfg.peakRss ?? '')}.</p>
${sections.join('\n')}
${memorySection(report)}
${browser ? renderBrowser(browser) : ''}
<h2>How each contestant runs</h2>
<ul>${Object.entries(cfg)
    .filter(([, v]) => typeof v === 'string')
    .map(([k, v]) => `<li><b>${esc(k)}</b>: ${esc(v)}</li>`)
    .join('')}</ul>
</body></html>
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const from = process.argv[2] ?? path.join(root, 'bench', 'results', 'latest.json');
  const to = process.argv[3] ?? path.join(path.dirname(from), 'report.html');
  const report = JSON.parse(fs.readFileSync(from, 'utf8'));
  const browserFile = path.join(
    path.dirname(from),
    report.mode === 'full' ? 'browser-latest.json' : `browser-${report.mode}.json`,
  );
  const browser = fs.existsSync(browserFile) ? JSON.parse(fs.readFileSync(browserFile, 'utf8')) : null;
  fs.writeFileSync(to, renderReport(report, browser));
  console.log(`wrote ${path.relative(process.cwd(), to)}`);
}
