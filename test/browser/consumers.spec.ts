// The consumer apps of issue 8, each built from the packed tarball (`npm pack`) as a user would install it into
// node_modules/, and each playing the sample in Chromium with the MediaSource in the worker:
// - a plain `<script type="module">` page, no bundler: an import map gives the bare specifier `weir` the package's
//   `exports` target; the facade finds its worker and the worker its .wasm by `import.meta.url` alone;
// - a Vite app (`vite build`) and a webpack 5 app: each bundler must find both through the same
//   `new URL(..., import.meta.url)`, emit them as assets and rewrite the URLs, with no configuration for weir;
// - an esbuild app: esbuild leaves `new URL('./worker.js', import.meta.url)` as it is (a URL relative to the bundle),
//   so the one step a user adds is copying the package's worker.js and weir.wasm next to the bundle (README);
// - a React app (esbuild, React's development build, so that <StrictMode> really mounts each effect twice) that
//   creates the Player in useEffect and destroys it in the cleanup, mounted and unmounted several times: it must
//   play each time, leave no worker running, and touch no global and no element but its <video>.
// Needs `npm run build` first (npm test runs it); packing runs no scripts.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import * as esbuild from 'esbuild';
import { build, createLogger } from 'vite';
import webpack from 'webpack';
import { startServer } from '../../scripts/serve.js';

const root = resolve(import.meta.dirname, '../..');

/**
 * The application code every consumer runs: what the README shows, plus a window handle for the test. `options` is
 * the Player's options object as source text.
 */
const app = (options = '{}') => `import { Player } from 'weir';
const state = { errors: [], tracks: [] };
window.consumer = state;
const player = new Player(document.querySelector('video'), ${options});
state.player = player;
player.on('error', (e) => state.errors.push(e.codeName + ': ' + e.message));
player.on('tracks', (t) => { state.tracks = t.map((x) => x.mimeType); });
await player.load('/media/sample.ts');
await player.play();
`;

/** The page of a consumer: `head` adds the import map, `script` is the app inline or the module to load. */
const html = (head: string, script: string) => `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>weir consumer</title>
<link rel="icon" href="data:,">
${head}
</head>
<body>
<video muted playsinline></video>
${script}
</body>
</html>
`;

let dir = '';
/** What Vite warned while building the app (e.g. a Node built-in externalised in the worker): none expected. */
const viteWarnings: string[] = [];
/** webpack's errors and warnings: none expected. */
const webpackProblems: string[] = [];
/** esbuild's errors and warnings for the esbuild and React apps: none expected. */
const esbuildProblems: string[] = [];
/** Output bytes of the esbuild and React builds, for the report. */
const builtBytes: Record<string, number> = {};
let server: { url: string; close: () => Promise<void> } | undefined;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-consumer-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  // site/ is served: the plain page at /, the Vite build at /vite/; the sample comes from /media/ (demo/media).
  const site = join(dir, 'site');
  const modules = join(site, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, info!.filename), '-C', modules]);
  execFileSync('mv', [join(modules, 'package'), join(modules, 'weir')]);
  expect(JSON.parse(readFileSync(join(modules, 'weir/package.json'), 'utf8')).name).toBe('weir');

  const importMap =
    '<script type="importmap">{ "imports": { "weir": "./node_modules/weir/lib/web/weir.js" } }</script>';
  writeFileSync(join(site, 'index.html'), html(importMap, `<script type="module">\n${app()}</script>`));
  // Self-hosted: the worker and the core copied elsewhere (renamed, so the defaults cannot be what is fetched).
  mkdirSync(join(site, 'hosted'));
  copyFileSync(join(modules, 'weir/lib/web/worker.js'), join(site, 'hosted/weir-worker.js'));
  copyFileSync(join(modules, 'weir/lib/web/weir.wasm'), join(site, 'hosted/core.wasm'));
  const hosted = app("{ workerUrl: '/hosted/weir-worker.js', wasmUrl: '/hosted/core.wasm' }");
  writeFileSync(join(site, 'hosted.html'), html(importMap, `<script type="module">\n${hosted}</script>`));

  // The Vite app's sources sit under site/ so that `weir` resolves from site/node_modules like an installed package.
  const viteApp = join(site, 'vite-app');
  mkdirSync(viteApp);
  writeFileSync(join(viteApp, 'index.html'), html('', '<script type="module" src="./main.js"></script>'));
  writeFileSync(join(viteApp, 'main.js'), app());
  const logger = createLogger('warn');
  logger.warn = (message) => void viteWarnings.push(message);
  logger.warnOnce = (message) => void viteWarnings.push(message);
  await build({
    root: viteApp,
    configFile: false,
    customLogger: logger,
    base: './',
    logLevel: 'warn',
    build: { outDir: join(site, 'vite'), emptyOutDir: true, target: 'es2022' },
  });

  // webpack 5, production mode, nothing configured for weir (top-level await is the app's own, not weir's).
  const webpackApp = join(site, 'webpack-app');
  mkdirSync(webpackApp);
  writeFileSync(join(webpackApp, 'main.js'), app());
  const stats = await new Promise<webpack.Stats>((done, fail) => {
    const compiler = webpack({
      mode: 'production',
      context: webpackApp,
      entry: './main.js',
      output: { path: join(site, 'webpack'), publicPath: 'auto', clean: true },
      experiments: { topLevelAwait: true },
    });
    compiler.run((error, result) => compiler.close(() => (error || !result ? fail(error) : done(result))));
  });
  const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
  webpackProblems.push(...[...(errors ?? []), ...(warnings ?? [])].map((m) => m.message));
  writeFileSync(join(site, 'webpack/index.html'), html('', '<script src="./main.js"></script>'));

  // esbuild, production: the bundle, then the one step esbuild does not do (README, "Bundlers"): the package's
  // worker.js and weir.wasm copied beside it, where the facade's and the worker's import.meta.url find them.
  const esbuildApp = join(site, 'esbuild-app');
  mkdirSync(esbuildApp);
  writeFileSync(join(esbuildApp, 'main.js'), app());
  const esbuildOut = join(site, 'esbuild');
  await bundle('esbuild', {
    entryPoints: [join(esbuildApp, 'main.js')],
    outdir: esbuildOut,
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const file of ['worker.js', 'weir.wasm'])
    copyFileSync(join(modules, 'weir/lib/web', file), join(esbuildOut, file));
  writeFileSync(join(esbuildOut, 'index.html'), html('', '<script type="module" src="./main.js"></script>'));

  // React (its development build: StrictMode's double mount happens in development only), built by esbuild the
  // same way. React itself resolves from the repository's node_modules, weir from the installed tarball.
  const reactApp = join(site, 'react-app');
  mkdirSync(reactApp);
  writeFileSync(join(reactApp, 'main.jsx'), REACT_APP);
  const reactOut = join(site, 'react');
  await bundle('react', {
    entryPoints: [join(reactApp, 'main.jsx')],
    outdir: reactOut,
    jsx: 'automatic',
    nodePaths: [join(root, 'node_modules')],
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  for (const file of ['worker.js', 'weir.wasm'])
    copyFileSync(join(modules, 'weir/lib/web', file), join(reactOut, file));
  writeFileSync(
    join(reactOut, 'index.html'),
    html(COUNT_WORKERS, '<div id="root"></div>\n<script type="module" src="./main.js"></script>').replace(
      '<video muted playsinline></video>\n',
      '',
    ),
  );

  server = await startServer({ port: 0, root: site });
});

/** Builds an app with esbuild (bundled, minified ESM for the browser), keeping its warnings and its size. */
async function bundle(name: string, options: esbuild.BuildOptions): Promise<void> {
  const result = await esbuild.build({
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    logLevel: 'silent',
    metafile: true,
    ...options,
  });
  const format = await esbuild.formatMessages([...result.errors, ...result.warnings], { kind: 'warning' });
  esbuildProblems.push(...format);
  builtBytes[name] = Object.values(result.metafile!.outputs).reduce((sum, o) => sum + o.bytes, 0);
}

/**
 * Loaded before the React app: counts the workers the page creates and terminates, by wrapping the Worker
 * constructor (the page's own instrument, so weir cannot hide one), and records every DOM mutation that is not on a
 * <video> or React's container.
 */
const COUNT_WORKERS = `<script>
window.workers = { created: 0, terminated: 0 };
const NativeWorker = window.Worker;
window.Worker = class extends NativeWorker {
  constructor(...args) { super(...args); window.workers.created++; }
  terminate() { window.workers.terminated++; super.terminate(); }
};
window.foreignMutations = [];
const foreign = new MutationObserver((records) => {
  for (const r of records) {
    if (r.target instanceof HTMLVideoElement || (r.type === 'childList' && r.target.id === 'root')) continue;
    window.foreignMutations.push(r.type + ' on ' + (r.target.nodeName || '?') + (r.attributeName ? ' ' + r.attributeName : ''));
  }
});
// From the parsed page on (the parser's own insertions are not the app's).
document.addEventListener('DOMContentLoaded', () =>
  foreign.observe(document, { subtree: true, childList: true, attributes: true, characterData: true }),
);
</script>`;

/**
 * The React app: a component that creates the Player in useEffect and destroys it in the cleanup (the pattern the
 * README shows), under <StrictMode>. \`window.consumer.setMounted(bool)\` mounts and unmounts it; each mount plays
 * the sample (autoplay). Globals are listed before the first Player exists, to compare after the last is gone.
 */
const REACT_APP = `import { StrictMode, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Player } from 'weir';

const state = { errors: [], tracks: [], players: 0, destroyed: 0, player: undefined, globals: [] };
window.consumer = state;
state.globals = Object.getOwnPropertyNames(window);

function WeirVideo({ src }) {
  const video = useRef(null);
  useEffect(() => {
    const player = new Player(video.current);
    state.players++;
    state.player = player;
    player.on('error', (e) => state.errors.push(e.codeName + ': ' + e.message));
    player.on('tracks', (t) => { state.tracks = t.map((x) => x.mimeType); });
    player.load(src).catch((e) => state.errors.push('load: ' + e));
    return () => {
      player.destroy();
      state.destroyed++;
    };
  }, [src]);
  return <video ref={video} muted playsInline autoPlay />;
}

function App() {
  const [mounted, setMounted] = useState(true);
  state.setMounted = setMounted;
  return mounted ? <WeirVideo src="/media/sample.ts" /> : null;
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
`;

test.afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Opens a consumer page and waits for the sample to play 2 s; returns the paths the page and its worker fetched. */
async function plays(page: Page, path: string): Promise<string[]> {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(new URL(path, server!.url).href);
  await page.waitForFunction(
    () => {
      const c = (window as unknown as { consumer?: { player: { mseInWorker?: boolean } } }).consumer;
      return !!c && document.querySelector('video')!.currentTime > 2 && c.player.mseInWorker !== undefined;
    },
    undefined,
    { timeout: 30_000 },
  );
  const state = await page.evaluate(() => {
    const c = (
      window as unknown as { consumer: { errors: string[]; tracks: string[]; player: { mseInWorker?: boolean } } }
    ).consumer;
    return { errors: c.errors, tracks: c.tracks, mseInWorker: c.player.mseInWorker };
  });
  expect(state.errors).toEqual([]);
  expect(state.mseInWorker).toBe(true);
  expect(state.tracks).toEqual(['video/mp4; codecs="avc1.64001f"', 'audio/mp4; codecs="mp4a.40.2"']);
  expect(problems).toEqual([]);
  return requested;
}

test('a plain <script type="module"> page plays the sample from the packed package, MSE in the worker', async ({
  page,
}) => {
  const requested = await plays(page, 'index.html');
  // The three files came from the unpacked package, found by import.meta.url.
  for (const file of ['weir.js', 'worker.js', 'weir.wasm'].map((f) => `/node_modules/weir/lib/web/${f}`)) {
    expect(requested).toContain(file);
  }
});

test('workerUrl and wasmUrl: the same page with the worker and the core hosted elsewhere', async ({ page }) => {
  const requested = await plays(page, 'hosted.html');
  expect(requested).toContain('/hosted/weir-worker.js');
  expect(requested).toContain('/hosted/core.wasm');
  expect(requested.filter((p) => /\/lib\/web\/(worker\.js|weir\.wasm)$/.test(p))).toEqual([]);
});

test('a Vite app built from the packed package plays the sample, MSE in the worker', async ({ page }) => {
  expect(viteWarnings).toEqual([]);
  const emitted = readdirSync(join(dir, 'site/vite/assets'));
  expect(emitted.filter((f) => /^worker-.*\.js$/.test(f))).toHaveLength(1);
  expect(emitted.filter((f) => /^weir-.*\.wasm$/.test(f))).toHaveLength(1);
  const requested = await plays(page, 'vite/index.html');
  // Vite's own copies, not the package's files: the URLs were rewritten at build time.
  expect(requested.some((p) => /^\/vite\/assets\/worker-.*\.js$/.test(p))).toBe(true);
  expect(requested.some((p) => /^\/vite\/assets\/weir-.*\.wasm$/.test(p))).toBe(true);
  expect(requested.filter((p) => p.includes('node_modules'))).toEqual([]);
});

test('a webpack 5 app built from the packed package plays the sample, MSE in the worker', async ({ page }) => {
  expect(webpackProblems).toEqual([]);
  const emitted = readdirSync(join(dir, 'site/webpack'));
  expect(emitted.filter((f) => f.endsWith('.wasm'))).toHaveLength(1);
  const requested = await plays(page, 'webpack/index.html');
  expect(requested.some((p) => /^\/webpack\/[^/]+\.wasm$/.test(p))).toBe(true);
  expect(requested.filter((p) => p.includes('node_modules'))).toEqual([]);
});

test('an esbuild app built from the packed package plays the sample, MSE in the worker', async ({ page }) => {
  expect(esbuildProblems).toEqual([]);
  console.log(`esbuild app: ${builtBytes['esbuild']} bytes (minified, with weir's facade)`);
  // Why the copy step: esbuild bundled the facade and left its worker URL as written, relative to the bundle.
  expect(readFileSync(join(dir, 'site/esbuild/main.js'), 'utf8')).toContain('new URL("./worker.js",import.meta.url)');
  const requested = await plays(page, 'esbuild/index.html');
  // The copies beside the bundle, found by import.meta.url; nothing from node_modules at run time.
  expect(requested).toContain('/esbuild/worker.js');
  expect(requested).toContain('/esbuild/weir.wasm');
  expect(requested.filter((p) => p.includes('node_modules'))).toEqual([]);
});

test('React, StrictMode: the Player in useEffect plays on every mount, leaks no worker and touches nothing else', async ({
  page,
}) => {
  expect(esbuildProblems).toEqual([]);
  console.log(`React app: ${builtBytes['react']} bytes (React development build + weir's facade)`);
  type Consumer = {
    errors: string[];
    tracks: string[];
    players: number;
    destroyed: number;
    globals: string[];
    player: { mseInWorker?: boolean };
    setMounted: (mounted: boolean) => void;
  };
  type Page = { consumer: Consumer; workers: { created: number; terminated: number }; foreignMutations: string[] };
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
  });
  const live = () =>
    page.evaluate(() => {
      const w = (window as unknown as Page).workers;
      return w.created - w.terminated;
    });
  /** Waits for the mounted <video> to play past 1 s with its MediaSource in the worker. */
  const playing = () =>
    page.waitForFunction(
      () => {
        const c = (window as unknown as Page).consumer;
        const video = document.querySelector('video');
        return !!video && video.currentTime > 1 && c.player?.mseInWorker === true;
      },
      undefined,
      { timeout: 30_000 },
    );
  await page.goto(new URL('react/index.html', server!.url).href);
  const cycles = 3;
  for (let mount = 1; mount <= cycles; mount++) {
    if (mount > 1) await page.evaluate(() => (window as unknown as Page).consumer.setMounted(true));
    await playing();
    const s = await page.evaluate(() => {
      const c = (window as unknown as Page).consumer;
      return { players: c.players, destroyed: c.destroyed, tracks: c.tracks, errors: c.errors };
    });
    // StrictMode mounted, unmounted and mounted the effect again: two Players per mount, the first destroyed.
    expect(s).toEqual({
      players: 2 * mount,
      destroyed: 2 * mount - 1,
      tracks: ['video/mp4; codecs="avc1.64001f"', 'audio/mp4; codecs="mp4a.40.2"'],
      errors: [],
    });
    expect(await live(), 'workers running while mounted').toBe(1);
    await page.evaluate(() => (window as unknown as Page).consumer.setMounted(false));
    await page.waitForFunction(() => !document.querySelector('video'), undefined, { timeout: 5_000 });
    await expect.poll(live, { timeout: 5_000 }).toBe(0);
  }
  const end = await page.evaluate(() => {
    const w = window as unknown as Page;
    const before = new Set(w.consumer.globals);
    return {
      players: w.consumer.players,
      destroyed: w.consumer.destroyed,
      workers: w.workers,
      errors: w.consumer.errors,
      newGlobals: Object.getOwnPropertyNames(window).filter((name) => !before.has(name)),
      foreignMutations: w.foreignMutations,
    };
  });
  expect(end).toEqual({
    players: 2 * cycles,
    destroyed: 2 * cycles,
    // One worker per Player (each loaded once), every one of them terminated.
    workers: { created: 2 * cycles, terminated: 2 * cycles },
    errors: [],
    newGlobals: [],
    foreignMutations: [],
  });
  expect(problems).toEqual([]);
});
