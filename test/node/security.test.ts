// Issue 7, security: what weir trusts (the application's URLs and options) and what it does not (every byte of media).
// These are the checks that can be made mechanically; the README's "Security" section says the rest.

import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback, startServer } from '../../scripts/serve.js';

const ROOT = join(import.meta.dirname, '../..');

describe('the WASM core cannot reach the outside world', () => {
  it('the release core imports nothing: no JS callbacks, so nothing in a stream can call out of it', () => {
    const module = new WebAssembly.Module(readFileSync(join(ROOT, 'build/weir.wasm')));
    expect(WebAssembly.Module.imports(module)).toEqual([]);
  });

  it('the shipped JavaScript never evaluates code: no eval, Function constructor, importScripts or document.write', () => {
    // The bundles a browser runs (facade and worker) and the Node engine. A stream's bytes only ever become numbers,
    // typed-array views and codec strings built from numeric fields (engine/tracks.ts), never code or markup.
    const engine = readdirSync(join(ROOT, 'lib/engine')).filter((f) => f.endsWith('.js'));
    expect(engine).toContain('engine.js');
    const files = ['lib/web/weir.js', 'lib/web/worker.js', ...engine.map((f) => `lib/engine/${f}`)];
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const pattern of [
        /\beval\s*\(/,
        /\bFunction\s*\(/,
        /\bimportScripts\s*\(/,
        /document\.write/,
        /innerHTML/,
      ]) {
        expect(pattern.test(text), `${f} matches ${pattern}`).toBe(false);
      }
    }
  });
});

describe('the demo and test server is reachable from this machine only', () => {
  it('refuses a non-loopback host', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '', 'example.com']) {
      expect(isLoopback(host), host).toBe(false);
      await expect(startServer({ port: 0, host }), host).rejects.toThrow(/loopback/);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(host), host).toBe(true);
  });

  let server: { port: number; server: import('node:http').Server; close: () => Promise<void> };
  beforeAll(async () => {
    server = await startServer({ port: 0, root: join(ROOT, 'demo') });
  });
  afterAll(() => server?.close());

  it('binds 127.0.0.1 by default', () => {
    const address = server.server.address();
    expect(address && typeof address === 'object' ? address.address : address).toBe('127.0.0.1');
  });

  it('serves nothing outside its roots, however the path is spelled', async () => {
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        // A raw request path: fetch() and URL would normalise the dot segments away before they reach the server.
        const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const secret = readFileSync(join(ROOT, 'package.json'), 'utf8');
    for (const path of [
      '/../package.json',
      '/media/../../package.json',
      '/%2e%2e/package.json',
      '/media/%2e%2e%2f%2e%2e%2fpackage.json',
      '/fixtures/..%2f..%2fpackage.json',
      '/media/..\\..\\package.json',
    ]) {
      const { status, body } = await get(path);
      expect(body, path).not.toBe(secret);
      expect([400, 403, 404], `${path} → ${status}`).toContain(status);
    }
  });
});
