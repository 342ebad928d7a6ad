import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The demo page (and the browser tests' page): demo/ built to dist/, served by scripts/serve.js.
// The worker is bundled as an ES module worker; the core's .wasm becomes an asset by URL.
export default defineConfig({
  root: resolve(import.meta.dirname, 'demo'),
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    sourcemap: true,
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
