// Issue 7, security: what weir trusts (the application's URLs and options) and what it does not (every byte of media).
// These are the checks that can be made mechanically; the README's "Security" section says the rest.

import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../engine/index.js';
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

// A minimal Matroska writer for the hand-built input below (RFC 8794 element = ID, size vint, data).
const vint = (n: number): number[] =>
  n < 0x7f ? [0x80 | n] : n < 0x3fff ? [0x40 | (n >> 8), n & 0xff] : [0x20 | (n >> 16), (n >> 8) & 0xff, n & 0xff];
const idBytes = (id: number): number[] => (id > 0xff ? [...idBytes(Math.floor(id / 256)), id & 0xff] : [id]);
const el = (id: number, payload: number[]): number[] => [...idBytes(id), ...vint(payload.length), ...payload];
const uint = (id: number, v: number): number[] => el(id, v > 0xff ? [v >> 8, v & 0xff] : [v]);
const str = (id: number, s: string): number[] => el(id, [...Buffer.from(s, 'latin1')]);
const simpleBlock = (track: number, rel: number, flags: number, frame: number[]) =>
  el(0xa3, [0x80 | track, (rel >> 8) & 0xff, rel & 0xff, flags, ...frame]);

describe('sizes from the stream never write past their region', () => {
  // Found by an audit of every copy in wasm/ (each one checked against its region in an instrumented build): a
  // Matroska AV1 track without CodecPrivate takes its av1C from the first keyframe's sequence header OBU, copied with
  // its own leb128 size field. That field may be 8 bytes long (padded, legal: AV1 spec 4.10.5); the bound assumed 5,
  // so an OBU of the largest size it let through wrote 3 bytes into the next track's configuration (here the Opus
  // dOps: version 0x58, 89 channels in the init segment).
  it("an AV1 sequence header with an 8-byte size field cannot overwrite the next track's configuration", async () => {
    const seq = [0x00, 0x08, 0xff, 0x01, 0x3f, 0x00, 0xef, 0x00, 0x00]; // reduced still picture header, 320x240
    const obuSize = 8192 - 4 - 1 - 5; // the largest OBU the old bound let through
    const payload = new Array<number>(obuSize).fill(0);
    seq.forEach((b, i) => {
      payload[i] = b;
    });
    payload.splice(obuSize - 3, 3, 0x58, 0x59, 0x5a);
    const leb = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (Math.floor(obuSize / 128 ** i) & 0x7f) | (i < 7 ? 0x80 : 0));
    const opusHead = [...Buffer.from('OpusHead', 'latin1'), 1, 2, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0];
    const opus = [0xfc, 1, 2, 3, 4];
    const file = Uint8Array.from([
      ...el(0x1a45dfa3, [...uint(0x4286, 1), ...str(0x4282, 'webm'), ...uint(0x4287, 4), ...uint(0x4285, 2)]),
      ...[0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // Segment, unknown size
      ...el(0x1549a966, [...el(0x2ad7b1, [0x0f, 0x42, 0x40])]), // Info: TimestampScale 1 ms
      ...el(0x1654ae6b, [
        ...el(0xae, [...uint(0xd7, 1), ...uint(0x83, 1), ...str(0x86, 'V_AV1')]),
        ...el(0xae, [...uint(0xd7, 2), ...uint(0x83, 2), ...str(0x86, 'A_OPUS'), ...el(0x63a2, opusHead)]),
      ]),
      ...el(0x1f43b675, [
        ...uint(0xe7, 0),
        ...simpleBlock(2, 0, 0x80, opus), // the audio track is configured first: its dOps follows the video's region
        ...simpleBlock(1, 0, 0x80, [(1 << 3) | 2, ...leb, ...payload]), // sequence header OBU, obu_has_size_field
        ...simpleBlock(2, 20, 0x80, opus),
        ...simpleBlock(1, 33, 0x00, [0x12, 0x00]),
      ]),
    ]);
    const engine = await Engine.create();
    const events = [...engine.push(file), ...engine.flush()].map((e) =>
      'data' in e && e.data ? { ...e, data: e.data.slice() } : e,
    );
    const inits = events.filter((e) => e.type === 'init');
    const audio = inits.map((e) => Buffer.from((e as { data: Uint8Array }).data)).find((b) => b.includes('dOps'));
    expect(audio, 'an audio init segment').toBeDefined();
    const dops = audio?.subarray(audio.indexOf('dOps') + 4, audio.indexOf('dOps') + 11);
    // dOps (Opus in ISOBMFF §4.3.2): Version 0, OutputChannelCount 2, PreSkip 312, InputSampleRate 48000.
    expect([...(dops ?? [])]).toEqual([0, 2, 0x01, 0x38, 0, 0, 0xbb]);
    for (const init of inits) {
      const b = Buffer.from((init as { data: Uint8Array }).data);
      const at = b.indexOf('av1C');
      if (at >= 0) expect(b.readUInt32BE(at - 4), 'av1C box size').toBeLessThanOrEqual(8 + 8192);
    }
  });
});
