#!/usr/bin/env node
// npm run soak -- --hours 24 [--minutes M] [--seed S] [--container ts|webm] [--clip file] [--damage-every SECONDS]
//                 [--jumps N] [--damage-kinds KIND,...] [--json]
//                 WebM only: [--restarts N] [--long-clusters N] [--start-ms MS]
//
// Damage kinds: TS drop-packet,drop-run,bit-flip,garbage,duplicate-packet,bad-timestamp (live-source.mjs);
// WebM bit-flip,drop-block,garbage,truncated-cluster,bad-size,bad-timestamp (live-webm-source.mjs).
//
// The simulated live soak of issue 7 (soak.mjs) against the built engine (lib/, build/weir.wasm: `npm run build`
// first). Prints progress every simulated hour and a summary with the bounds observed; exits 1 on any failure.
// --json prints the whole report as one JSON line at the end (test/node/soak-smoke.test.ts reads it).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import { checkBuild, ROOT } from '../fuzz/harness.mjs';
import { soak } from './soak.mjs';

const { values } = parseArgs({
  options: {
    hours: { type: 'string' },
    minutes: { type: 'string' },
    seed: { type: 'string', default: '1' },
    container: { type: 'string', default: 'ts' },
    clip: { type: 'string' },
    'damage-every': { type: 'string' },
    jumps: { type: 'string' },
    restarts: { type: 'string' },
    'long-clusters': { type: 'string' },
    'start-ms': { type: 'string' },
    'damage-kinds': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

try {
  checkBuild();
} catch (e) {
  console.error(`soak: ${/** @type {Error} */ (e).message}`);
  process.exit(2);
}

// A full GC before each heap sample, so the samples show what is live, not what is not yet collected.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const container = values.container;
if (container !== 'ts' && container !== 'webm') {
  console.error(`soak: --container must be ts or webm, not ${container}`);
  process.exit(2);
}
const clipPath =
  values.clip ?? `${ROOT}/test/fixtures/${container === 'ts' ? 'ts-h264-baseline-aac.ts' : 'webm-vp9-opus.webm'}`;
const seconds = values.minutes !== undefined ? Number(values.minutes) * 60 : Number(values.hours ?? 24) * 3600;
if (!(seconds > 0)) {
  console.error('soak: --hours or --minutes must be a positive number');
  process.exit(2);
}
const engineModule = await import('../../lib/engine/index.js');
const clip = new Uint8Array(readFileSync(clipPath));
console.log(
  `soak: ${(seconds / 3600).toFixed(2)} h of simulated live ${container === 'ts' ? 'TS' : 'WebM'} from ${clipPath}, seed ${values.seed}`,
);
const r = await soak({
  engineModule,
  container,
  clip,
  seconds,
  seed: Number(values.seed),
  gc,
  log: (line) => console.log(line),
  logEverySeconds: Math.min(3600, seconds / 4),
  ...(values['damage-every'] !== undefined ? { damageEvery: Number(values['damage-every']) } : {}),
  ...(values.jumps !== undefined ? { jumps: Number(values.jumps) } : {}),
  ...(values.restarts !== undefined ? { restarts: Number(values.restarts) } : {}),
  ...(values['long-clusters'] !== undefined ? { longClusters: Number(values['long-clusters']) } : {}),
  ...(values['start-ms'] !== undefined ? { startMs: Number(values['start-ms']) } : {}),
  ...(values['damage-kinds'] !== undefined ? { damageKinds: values['damage-kinds'].split(',') } : {}),
});
const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;
const ms = (s) => `${(s * 1000).toFixed(3)} ms`;
const h = r.stats.heap;
console.log(
  `media ${(r.seconds / 3600).toFixed(2)} h in ${r.wallSeconds.toFixed(1)} s (${(r.seconds / r.wallSeconds).toFixed(0)}x real time), ` +
    `${(r.bytes / 1e9).toFixed(2)} GB in, ${r.fragments} fragments`,
);
console.log(
  (container === 'ts'
    ? `events: ${r.events.jumps} timestamp jumps, ${r.events.wraps} 33-bit wraps, `
    : `events: ${r.events.jumps} Cluster Timestamp jumps, ${r.events.restarts} encoder restarts, boundaries ${JSON.stringify(r.events.boundaries)}, `) +
    `damage ${JSON.stringify(r.events.damage)}; ` +
    `engine warnings ${JSON.stringify(r.warnings)}`,
);
console.log(
  `WASM memory: ${r.stats.wasmMemory.initial} bytes at start, ${r.stats.wasmMemory.min}..${r.stats.wasmMemory.max} during the run`,
);
console.log(
  `JS heap (after GC, ${h.samples} samples after warm-up): baseline ${mib(h.baseline ?? 0)}, min ${mib(h.min)}, max ${mib(h.max)}, ` +
    `final ${mib(h.final)}; growth over baseline ${mib(h.max - (h.baseline ?? 0))}`,
);
console.log(
  `A/V offset (video lag - audio lag) at ${r.stats.checkpoints} checkpoints: ${ms(r.stats.av.min)}..${ms(r.stats.av.max)} ` +
    `(right after damage: ${ms(r.stats.avDisturbed.min)}..${ms(r.stats.avDisturbed.max)}); ` +
    `lag video ${ms(r.stats.lag.video.min)}..${ms(r.stats.lag.video.max)}, audio ${ms(r.stats.lag.audio.min)}..${ms(r.stats.lag.audio.max)}`,
);
console.log(
  `after flush: video ends ${ms(r.finalLag.video)} and audio ${ms(r.finalLag.audio)} before their media; ` +
    `timeline breaks (tfdt gap or overlap) right after damage, reported, not failures: ${r.explainedBreaks.count}` +
    (r.explainedBreaks.examples.length ? `, e.g. ${r.explainedBreaks.examples[0]}` : ''),
);
console.log(
  `soak summary: ${r.failureCount ? `FAILED (${r.failureCount} failures: ${JSON.stringify(r.failureKinds)})` : 'passed'}`,
);
if (values.json) console.log(JSON.stringify(r));
process.exit(r.failureCount ? 1 : 0);
