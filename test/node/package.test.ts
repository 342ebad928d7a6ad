// The npm package as a user receives it (issue 8): `npm pack` of the built tree, checked with publint and
// arethetypeswrong, imported from the unpacked tarball, and its browser files held to a gzipped size budget.
// Needs `npm run build` first (npm test runs it); packing itself runs no scripts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/**
 * Gzipped bytes (level 9) allowed for each browser file of the package: the figures measured when the budget was
 * set, plus a little room. Raising one is a decision to write down in the README's size table, not a fix.
 * Measured (esbuild 0.28, AssemblyScript 0.28 -O3): facade 8.0 kB, worker 17.3 kB, WASM 36.2 kB. Raised on 2026-11-25
 * (WASM 39,000 → 41,000, worker + WASM 56,500 → 59,000): the core grew to 38,956 B with the Matroska timeline
 * (discontinuities, chained Segments, late blocks), the Cluster-head check in live Clusters and the MPEG-TS
 * late-timestamp repair; the README's size table says so.
 */
const SIZE_BUDGET = {
  facade: 8_600, // lib/web/weir.js: Player + the main-thread MSE fallback (append queue, buffer controller)
  worker: 18_500, // lib/web/worker.js: engine host, loader, session, latency controller
  wasm: 41_000, // lib/web/weir.wasm: the release core
  workerAndWasm: 59_000,
};

const gzipped = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;

let dir = '';
let tarball = '';
let pkg = '';

beforeAll(() => {
  for (const built of ['lib/web/weir.js', 'lib/web/worker.js', 'lib/web/weir.wasm', 'lib/player/index.d.ts']) {
    if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run npm run build first`);
  }
  dir = mkdtempSync(join(tmpdir(), 'weir-pack-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  tarball = join(dir, info!.filename);
  execFileSync('tar', ['-xzf', tarball, '-C', dir]);
  pkg = join(dir, 'package');
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the three entry points, the browser files side by side, and no sources or tests', () => {
    for (const file of [
      'package.json',
      'bin/weir.js',
      'lib/cli/main.js',
      'lib/engine/index.js',
      'lib/engine/index.d.ts',
      'lib/player/index.d.ts',
      'lib/web/weir.js',
      'lib/web/worker.js',
      'lib/web/weir.wasm',
      'build/weir.wasm',
    ]) {
      expect(existsSync(join(pkg, file)), file).toBe(true);
    }
    for (const absent of [
      'wasm',
      'worker',
      'player',
      'test',
      'demo',
      'lib/player/player.js',
      'build/weir.debug.wasm',
    ]) {
      expect(existsSync(join(pkg, absent)), absent).toBe(false);
    }
    // The URLs bundlers rewrite: a literal relative path in `new URL(..., import.meta.url)`.
    expect(readFileSync(join(pkg, 'lib/web/weir.js'), 'utf8')).toContain('new URL("./worker.js",import.meta.url)');
    const worker = readFileSync(join(pkg, 'lib/web/worker.js'), 'utf8');
    expect(worker).toContain('new URL("./weir.wasm",import.meta.url)');
    // No Node built-in for a bundler to trip on (webpack 5 fails on a node: import in a browser build).
    expect(worker).not.toMatch(/\bnode:/);
    expect(readFileSync(join(pkg, 'lib/web/weir.wasm')).equals(readFileSync(join(pkg, 'build/weir.wasm')))).toBe(true);
  });

  it('passes publint (strict: warnings fail too)', async () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const { messages } = await publint({ pkgDir: pkg, level: 'suggestion', strict: true, pack: false });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, manifest)}`)).toEqual([]);
  });

  it('passes arethetypeswrong for ESM consumers (node16 and bundler resolution)', () => {
    // esm-only: the package is ESM, so CommonJS require() and node10 (no `exports`) are out of scope.
    // ./worker.js and ./weir.wasm are exported as files to copy or to import by URL (self-hosting), not modules.
    const attw = spawnSync(
      join(root, 'node_modules/.bin/attw'),
      [tarball, '--profile', 'esm-only', '--exclude-entrypoints', './worker.js', './weir.wasm', '--format', 'ascii'],
      { encoding: 'utf8' },
    );
    expect(attw.status, attw.stdout + attw.stderr).toBe(0);
  });

  it('imports in Node from the unpacked files: weir (the facade, no DOM touched) and weir/engine (a working core)', async () => {
    const weir = await import(pathToFileURL(join(pkg, 'lib/web/weir.js')).href);
    expect(typeof weir.Player).toBe('function');
    expect(typeof weir.WeirError).toBe('function');
    expect(weir.ErrorCodes).toBeTypeOf('object');
    const engine = await import(pathToFileURL(join(pkg, 'lib/engine/index.js')).href);
    const module: WebAssembly.Module = await engine.loadCoreModule();
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('push');
  });
});

describe('size budget (gzip -9 of the packed browser files)', () => {
  it('facade, worker and WASM stay within the budget', () => {
    const sizes = {
      facade: gzipped(join(pkg, 'lib/web/weir.js')),
      worker: gzipped(join(pkg, 'lib/web/worker.js')),
      wasm: gzipped(join(pkg, 'lib/web/weir.wasm')),
    };
    const measured = { ...sizes, workerAndWasm: sizes.worker + sizes.wasm };
    console.log(`weir gzipped bytes: ${JSON.stringify(measured)}; budget ${JSON.stringify(SIZE_BUDGET)}`);
    for (const key of Object.keys(SIZE_BUDGET) as (keyof typeof SIZE_BUDGET)[]) {
      expect(measured[key], `${key}: ${measured[key]} B gzipped, budget ${SIZE_BUDGET[key]} B`).toBeLessThanOrEqual(
        SIZE_BUDGET[key],
      );
    }
  });
});
