// The packaged browser build of `weir` (issue 8): three files in lib/web/, side by side, so that a bundler (or a
// plain static server) resolves them the way it resolves any module-relative asset:
//   lib/web/weir.js    the Player facade (main thread), ESM, minified
//   lib/web/worker.js  the dedicated worker (engine + session), ESM, minified
//   lib/web/weir.wasm  the release core
// The facade starts its worker with `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` and the
// worker fetches `new URL('./weir.wasm', import.meta.url)`: Vite, webpack 5 and esbuild-with-a-plugin all recognise
// that form, emit the file as an asset and rewrite the URL. The sources name the files by their source-tree paths
// (`../worker/worker.ts`, `../build/weir.wasm`), so each one is rewritten here, and the build fails if a path is not
// found as often as expected (a moved source must not silently ship a broken URL).
// The type declarations come from tsc (lib/player/*.d.ts, `npm run build:ts`).
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const out = resolve(root, 'lib/web');

/** An esbuild plugin that rewrites a source-tree URL literal in one file (expected `times` times). */
function rewriteUrl(file, from, to, times = 1) {
  const path = resolve(root, file);
  return {
    name: `rewrite-url:${file}`,
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path !== path) return undefined;
        const source = await readFile(path, 'utf8');
        const literal = `new URL('${from}', import.meta.url)`;
        const count = source.split(literal).length - 1;
        if (count !== times) throw new Error(`${file}: expected ${literal} ${times} times, found it ${count}`);
        return { contents: source.replaceAll(literal, `new URL('${to}', import.meta.url)`), loader: 'ts' };
      });
    },
  };
}

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
  plugins: [rewriteUrl('player/player.ts', '../worker/worker.ts', './worker.js')],
});
await build({
  ...common,
  entryPoints: [resolve(root, 'worker/worker.ts')],
  outfile: resolve(out, 'worker.js'),
  plugins: [rewriteUrl('engine/wasm.ts', '../build/weir.wasm', './weir.wasm', 2)],
});
await copyFile(resolve(root, 'build/weir.wasm'), resolve(out, 'weir.wasm'));
