// The consumer apps of issue 8, each built from the packed tarball (`npm pack`) as a user would install it into
// node_modules/, and each playing the sample in Chromium with the MediaSource in the worker:
// - a plain `<script type="module">` page, no bundler: an import map gives the bare specifier `weir` the package's
//   `exports` target; the facade finds its worker and the worker its .wasm by `import.meta.url` alone;
// - a Vite app (`vite build`) and a webpack 5 app: each bundler must find both through the same
//   `new URL(..., import.meta.url)`, emit them as assets and rewrite the URLs, with no configuration for weir.
// Needs `npm run build` first (npm test runs it); packing runs no scripts.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
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

  server = await startServer({ port: 0, root: site });
});

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
