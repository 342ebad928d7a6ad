/**
 * Loading the WebAssembly core, in Node and in browsers. The compiled module is cached per source,
 * so many engines (one per stream) share one compilation.
 */

/** Where the core's .wasm comes from: a compiled module, its bytes, or a URL to fetch. */
export type WasmSource = WebAssembly.Module | ArrayBuffer | Uint8Array | URL | string;

/** The functions the core exports (wasm/index.ts). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  init(mode: number, fragmentMs: number, audioTrack: number, flags: number, program: number): number;
  programsPtr(): number;
  programCount(): number;
  programEntrySize(): number;
  reset(): void;
  inputPtr(): number;
  inputCapacity(): number;
  push(len: number): number;
  pending(): number;
  flush(): number;
  eventsPtr(): number;
  eventCount(): number;
  outputPtr(): number;
  outputLength(): number;
  trackInfoPtr(): number;
  trackInfoSize(): number;
  maxTracks(): number;
  warningsSuppressed(): number;
  containerKind(): number;
  mkvEntriesPtr(): number;
  mkvEntryCount(): number;
  mkvEntrySize(): number;
  seekTo(offset: number, clusterTimestamp: number): number;
  probeMkv(len: number, target: number): number;
  probeMkvResult(i: number): number;
  timestampScale(): number;
  cuesPosition(): number;
  cuesInputPtr(): number;
  cuesInputCapacity(): number;
  parseCues(len: number): number;
  cuesTablePtr(): number;
  declaredDuration(): number;
  probeTs(len: number, target: number): number;
  probeResult(i: number): number;
  timeOrigin(): number;
}

let defaultModule: Promise<WebAssembly.Module> | undefined;

const isNode = typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

async function readNodeFile(url: URL): Promise<Uint8Array> {
  const fsName = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  return fs.readFile(url);
}

/** The default core next to this module: build/weir.wasm from the source tree or the package. */
async function loadDefault(): Promise<WebAssembly.Module> {
  if (isNode) {
    // From engine/*.ts (tests, dev) the build folder is one level up; from lib/engine/*.js two.
    // Built from parts so that bundlers do not try to resolve the Node-only second path.
    const candidates = [
      new URL('../build/weir.wasm', import.meta.url),
      new URL(['..', '..', 'build', 'weir.wasm'].join('/'), import.meta.url),
    ];
    let lastError: unknown;
    for (const url of candidates) {
      try {
        return await WebAssembly.compile((await readNodeFile(url)) as BufferSource);
      } catch (e) {
        lastError = e;
      }
    }
    throw new Error(`weir: cannot load build/weir.wasm (run npm run build): ${String(lastError)}`);
  }
  return compileFromUrl(new URL('../build/weir.wasm', import.meta.url));
}

async function compileFromUrl(url: URL | string): Promise<WebAssembly.Module> {
  const href = typeof url === 'string' ? url : url.href;
  if (isNode && href.startsWith('file:'))
    return WebAssembly.compile((await readNodeFile(new URL(href))) as BufferSource);
  const response = await fetch(href);
  if (!response.ok) throw new Error(`weir: cannot fetch the core from ${href}: HTTP ${response.status}`);
  if (
    typeof WebAssembly.compileStreaming === 'function' &&
    response.headers.get('content-type') === 'application/wasm'
  ) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles (once) the core module from a source, or the default core. */
export function loadCoreModule(source?: WasmSource): Promise<WebAssembly.Module> {
  if (source === undefined) {
    defaultModule ??= loadDefault();
    return defaultModule;
  }
  if (source instanceof WebAssembly.Module) return Promise.resolve(source);
  if (source instanceof ArrayBuffer || source instanceof Uint8Array) return WebAssembly.compile(source as BufferSource);
  return compileFromUrl(source);
}

/** A fresh instance of the core (its own memory). */
export function instantiateCore(module: WebAssembly.Module): CoreExports {
  const instance = new WebAssembly.Instance(module, {});
  return instance.exports as unknown as CoreExports;
}
