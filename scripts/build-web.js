// The packaged browser build of `weir` (issue 8): three files in lib/web/, side by side, so that a bundler (or a
// plain static server) resolves them the way it resolves any module-relative asset:
//   lib/web/weir.js    the Player facade (main thread), ESM, minified
//   lib/web/worker.js  the dedicated worker (engine + session), ESM, minified
//   lib/web/weir.wasm  the release core
// The facade starts its worker with `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` and the
// worker fetches `new URL('./weir.wasm', import.meta.url)`: Vite, webpack 5 and esbuild-with-a-plugin all recognise
// that form, emit the file as an asset and rewrite the URL. The sources name the files by their source-tree paths
// (`../worker/worker.ts`, `../build/weir.wasm`), so each one is rewritten here, and the build fails if a path is not
// found as often as expected (a moved source must not silently ship a broken URL). The worker bundle also drops the
// engine's Node-only code path (see below).
// The type declarations come from tsc (lib/player/*.d.ts, `npm run build:ts`).
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'lib/web');

/**
 * An esbuild plugin that rewrites exact source text in one file: each `[from, to, times]` must occur `times` times.
 */
function rewrite(file, replacements) {
  const path = resolve(root, file);
  return {
    name: `rewrite:${file}`,
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path !== path) return undefined;
        let source = await readFile(path, 'utf8');
        for (const [from, to, times = 1] of replacements) {
          const count = source.split(from).length - 1;
          if (count !== times) throw new Error(`${file}: expected ${from} ${times} times, found it ${count}`);
          source = source.replaceAll(from, to);
        }
        return { contents: source, loader: 'ts' };
      });
    },
  };
}

/** `new URL('<path>', import.meta.url)` as written in the sources. */
const urlOf = (path) => `new URL('${path}', import.meta.url)`;

const common = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  ...common,
  entryPoints: [resolve(root, 'player/index.ts')],
  outfile: resolve(out, 'weir.js'),
  plugins: [rewrite('player/player.ts', [[urlOf('../worker/worker.ts'), urlOf('./worker.js')]])],
});
await build({
  ...common,
  entryPoints: [resolve(root, 'worker/worker.ts')],
  outfile: resolve(out, 'worker.js'),
  plugins: [
    rewrite('engine/wasm.ts', [
      [urlOf('../build/weir.wasm'), urlOf('./weir.wasm'), 2],
      // A browser bundle: the Node branches (reading the core with node:fs) go, so that no bundler meets a Node
      // built-in (Vite externalises it with a warning, webpack 5 fails on the node: scheme).
      ['const isNode = typeof process', 'const isNode = false && typeof process'],
    ]),
  ],
});
await copyFile(resolve(root, 'build/weir.wasm'), resolve(out, 'weir.wasm'));
