import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The demo pages (and the browser tests' pages): demo/ built to dist/, served by scripts/serve.js. index.html is the
// one-player demo, wall.html nine players on one page.
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
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'demo/index.html'),
        wall: resolve(import.meta.dirname, 'demo/wall.html'),
      },
    },
  },
  worker: { format: 'es' },
  server: { host: '127.0.0.1' },
});
