// The first consumer app of issue 8: a plain `<script type="module">` page, no bundler, using the packed tarball
// (`npm pack`) as a user would unpack it into node_modules/. An import map gives the bare specifier `weir` the
// package's `exports` target; the facade then finds its worker and the worker its .wasm by `import.meta.url` alone.
// Needs `npm run build` first (npm test runs it); packing runs no scripts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { startServer } from '../../scripts/serve.js';

const root = resolve(import.meta.dirname, '../..');

const PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>weir: plain module consumer</title>
<link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "weir": "./node_modules/weir/lib/web/weir.js" } }</script>
</head>
<body>
<video muted playsinline></video>
<script type="module">
  import { Player } from 'weir';
  const state = { errors: [], tracks: [] };
  window.consumer = state;
  const player = new Player(document.querySelector('video'));
  state.player = player;
  player.on('error', (e) => state.errors.push(e.codeName + ': ' + e.message));
  player.on('tracks', (t) => { state.tracks = t.map((x) => x.mimeType); });
  await player.load('/media/sample.ts');
  await player.play();
</script>
</body>
</html>
`;

let dir = '';
let server: { url: string; close: () => Promise<void> } | undefined;

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weir-consumer-'));
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  const site = join(dir, 'site');
  const modules = join(site, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', join(dir, info!.filename), '-C', modules]);
  execFileSync('mv', [join(modules, 'package'), join(modules, 'weir')]);
  writeFileSync(join(site, 'index.html'), PAGE);
  // The page and the package come from the site folder; the sample from /media/ (demo/media), as in every test.
  expect(JSON.parse(readFileSync(join(modules, 'weir/package.json'), 'utf8')).name).toBe('weir');
  server = await startServer({ port: 0, root: site });
});

test.afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a plain <script type="module"> page plays the sample from the packed package, MSE in the worker', async ({
  page,
}) => {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(new URL('index.html', server!.url).href);
  await page.waitForFunction(
    () => {
      const c = (window as unknown as { consumer?: { player: { mseInWorker?: boolean } } }).consumer;
      const v = document.querySelector('video')!;
      return !!c && v.currentTime > 2 && c.player.mseInWorker !== undefined;
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
  // The three files came from the unpacked package, found by import.meta.url.
  for (const file of ['weir.js', 'worker.js', 'weir.wasm'].map((f) => `/node_modules/weir/lib/web/${f}`)) {
    expect(requested).toContain(file);
  }
});
