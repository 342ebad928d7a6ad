/**
 * hls.js and mpegts.js do not export their transmuxers: both are bundled here with esbuild from the
 * sources shipped in their npm packages (`src/`), into the cache folder, once per package version.
 * The bundles run in Node with two shims (installShims): `self` (hls.js reads `self.performance`,
 * mpegts.js `self.navigator`) and `navigator` (absent in Node 20; mpegts.js sniffs the user agent to
 * pick browser workarounds, none of which applies to an unknown agent).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The globals a browser bundle expects; harmless in Node. */
export function installShims() {
  const g = /** @type {any} */ (globalThis);
  g.self ??= globalThis;
  if (!g.navigator) g.navigator = { userAgent: 'Node.js' };
}

/**
 * The folder of an installed package, found as Node finds it (some packages do not export their
 * package.json, so it is not `require.resolve`d).
 * @param {string} pkg
 */
function packageDir(pkg) {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', pkg);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`${pkg} is not installed (npm install)`);
  }
}

/** @param {string} pkg */
export function packageVersion(pkg) {
  return JSON.parse(fs.readFileSync(path.join(packageDir(pkg), 'package.json'), 'utf8')).version;
}

/**
 * What each bundle exports, and the compile-time constants its own build defines. hls.js's full
 * build (dist/hls.js) enables every feature; `__IN_WORKER__` false: the transmuxer runs inline.
 */
const BUNDLES = {
  'hls.js': {
    entry: `
export { default as Transmuxer, TransmuxConfig, TransmuxState } from './src/demux/transmuxer';
export { ChunkMetadata } from './src/types/transmuxer';
export { hlsDefaultConfig } from './src/config';
export { enableLogs } from './src/utils/logger';
export { EventEmitter } from 'eventemitter3';
`,
    define: (/** @type {string} */ version) => ({
      __VERSION__: JSON.stringify(version),
      __USE_ALT_AUDIO__: 'true',
      __USE_EME_DRM__: 'true',
      __USE_SUBTITLES__: 'true',
      __USE_CMCD__: 'true',
      __USE_CONTENT_STEERING__: 'true',
      __USE_VARIABLE_SUBSTITUTION__: 'true',
      __USE_M2TS_ADVANCED_CODECS__: 'true',
      __USE_MEDIA_CAPABILITIES__: 'true',
      __USE_INTERSTITIALS__: 'true',
      __USE_IFRAMES__: 'true',
      __IN_WORKER__: 'false',
      __HLS_WORKER_BUNDLE__: 'undefined',
    }),
  },
  'mpegts.js': {
    entry: `
export { default as TSDemuxer } from './src/demux/ts-demuxer';
export { default as MP4Remuxer } from './src/remux/mp4-remuxer.js';
export { createDefaultConfig } from './src/config.js';
export { default as Log } from './src/utils/logger.js';
`,
    define: (/** @type {string} */ version) => ({ __VERSION__: JSON.stringify(version) }),
  },
};

/**
 * Returns the path of the bundle of a peer's transmuxer, building it on first use.
 * @param {'hls.js' | 'mpegts.js'} pkg
 * @param {string} cacheDir
 */
export async function bundlePeer(pkg, cacheDir) {
  const version = packageVersion(pkg);
  const out = path.join(cacheDir, 'peers', `${pkg.replace(/\W/g, '')}-${version}-transmuxer.cjs`);
  if (fs.existsSync(out)) return out;
  const esbuild = await import('esbuild');
  const spec = BUNDLES[pkg];
  const result = await esbuild.build({
    stdin: { contents: spec.entry, resolveDir: packageDir(pkg), loader: 'ts', sourcefile: `${pkg}-entry.ts` },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    define: spec.define(version),
    write: false,
    logLevel: 'error',
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(`${out}.partial`, result.outputFiles[0].contents);
  fs.renameSync(`${out}.partial`, out);
  return out;
}

/**
 * Loads both bundled transmuxers (installing the shims first).
 * @param {string} cacheDir
 */
export async function loadBundledPeers(cacheDir) {
  installShims();
  const hls = require(await bundlePeer('hls.js', cacheDir));
  const mpegts = require(await bundlePeer('mpegts.js', cacheDir));
  // mpegts.js logs every warning to the console by default; the bench counts them instead.
  for (const level of ['ENABLE_ERROR', 'ENABLE_INFO', 'ENABLE_WARN', 'ENABLE_DEBUG', 'ENABLE_VERBOSE']) {
    mpegts.Log[level] = false;
  }
  return { hls, mpegts };
}
