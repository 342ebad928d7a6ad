/**
 * The machine and the build a bench run measures, shared by bench/remux.js and bench/browser.js: how busy the
 * machine was (load average, cores other processes kept busy just before the start), weir's commit and whether its
 * build is older than its sources.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fail } from './inputs.js';

/** How many cores other processes kept busy over the last half second (the 1-minute load average lags). */
export async function busyCores() {
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
  return b.all > a.all ? Number((((b.busy - a.busy) / (b.all - a.all)) * os.cpus().length).toFixed(2)) : 0;
}

export const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));

/** @param {string} ROOT */
export function gitInfo(ROOT) {
  const git = (/** @type {string[]} */ a) => spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
  // Dirty: weir's own sources (the core, the engine) differ from the commit; bench files do not count.
  const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'wasm', 'engine']) !== '';
  return { commit: git(['rev-parse', 'HEAD']), dirty };
}

/** Newest modification time (ms) of the files under a folder with a given suffix. */
function newestMtime(/** @type {string} */ dir, /** @type {string} */ suffix) {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(suffix)) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** weir's build: present, its size and hash, and whether the sources have moved on since. */
/** @param {string} ROOT */
export function weirBuild(ROOT) {
  const entry = path.join(ROOT, 'lib', 'engine', 'index.js');
  const wasm = path.join(ROOT, 'build', 'weir.wasm');
  if (!fs.existsSync(entry) || !fs.existsSync(wasm)) {
    fail('weir is not built (lib/engine/index.js or build/weir.wasm missing): run `npm run build` first');
  }
  const stale = {
    wasm: newestMtime(path.join(ROOT, 'wasm'), '.ts') > fs.statSync(wasm).mtimeMs,
    engine: newestMtime(path.join(ROOT, 'engine'), '.ts') > fs.statSync(entry).mtimeMs,
  };
  if (stale.wasm) console.warn('bench: warning: wasm/ has changes newer than build/weir.wasm (npm run build:wasm)');
  if (stale.engine) console.warn('bench: warning: engine/ has changes newer than lib/engine (npm run build:ts)');
  const bytes = fs.readFileSync(wasm);
  // What a page downloads, gzip -9 as test/node/package.test.ts measures it: the release core, the worker bundle and
  // the facade (lib/web, `npm run build:lib`), when built.
  /** @type {Record<string, number>} */
  const gzippedBytes = {};
  const web = path.join(ROOT, 'lib', 'web');
  for (const [key, file] of [
    ['wasm', wasm],
    ['worker', path.join(web, 'worker.js')],
    ['facade', path.join(web, 'weir.js')],
  ]) {
    if (fs.existsSync(file)) gzippedBytes[key] = gzipSync(fs.readFileSync(file), { level: 9 }).length;
  }
  return {
    wasmBytes: bytes.length,
    wasmSha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    gzippedBytes,
    buildOlderThanSources: stale,
  };
}
