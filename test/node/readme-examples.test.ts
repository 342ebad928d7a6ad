// README examples cannot rot (issue 8): every ```ts, ```tsx and ```js block of README.md is written as a module into a
// scratch project that installs this package as `weir` (a link to the built tree: its package.json `exports` and the
// declarations in lib/), and compiled by tsc with strict settings; a type error is reported at its README line. The
// Node engine's example is then run for real on a fixture, and its output file must be byte-identical to the
// engine's own output for that input. Shell blocks (```sh) and the plain diagram are not code to compile.
// Needs `npm run build` first (lib/).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type EngineEvent } from '../../engine/index.js';

const root = resolve(import.meta.dirname, '../..');
const FIXTURE = 'test/fixtures/ts-h264-high-bframes-aac.ts';

/** One fenced code block: its language, its first line in README.md (1-based) and its text. */
interface Block {
  lang: string;
  line: number;
  code: string;
}

/** The fenced blocks of a Markdown text, in order. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`README.md:${i + 1}: a code block that is never closed`);
    blocks.push({ lang: open[1]!, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Languages compiled; every other block must be one of the languages that are not code to compile. */
const COMPILED = new Set(['ts', 'tsx', 'js']);
const NOT_COMPILED = new Set(['sh', '']);

let dir = '';
let examples: { file: string; block: Block }[] = [];
/** tsc's output over all the examples, and its exit status. */
let tsc = { status: -1, output: '' };

beforeAll(() => {
  if (!readFileSync(join(root, 'lib/player/index.d.ts'), 'utf8')) throw new Error('run npm run build first');
  dir = mkdtempSync(join(tmpdir(), 'weir-readme-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '@types'), { recursive: true });
  // The package as a dependency; React and the Node types from the repository's own node_modules.
  symlinkSync(root, join(modules, 'weir'), 'dir');
  for (const name of ['react', '@types/react', '@types/node', 'undici-types']) {
    symlinkSync(join(root, 'node_modules', name), join(modules, name), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', type: 'module', private: true }));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2023', 'dom', 'dom.iterable'],
        types: ['node'],
        jsx: 'react-jsx',
        allowJs: true,
        checkJs: true,
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        outDir: 'out',
        rootDir: 'src',
      },
      include: ['src'],
    }),
  );
  mkdirSync(join(dir, 'src'));
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = codeBlocks(readme);
  const unknown = blocks.filter((b) => !COMPILED.has(b.lang) && !NOT_COMPILED.has(b.lang));
  if (unknown.length)
    throw new Error(`README.md: blocks of unknown language: ${unknown.map((b) => `${b.lang}@${b.line}`)}`);
  examples = blocks
    .filter((b) => COMPILED.has(b.lang))
    .map((block) => ({ file: `example-${block.line}.${block.lang}`, block }));
  // Each block is a module of its own (top-level await, its own imports).
  for (const { file, block } of examples) writeFileSync(join(dir, 'src', file), `${block.code}\nexport {};\n`);
  const run = spawnSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir, '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
  });
  tsc = { status: run.status ?? -1, output: run.stdout + run.stderr };
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** tsc's messages with each example's file and line turned into README.md's line. */
function inReadme(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) =>
      l.replace(/src\/example-(\d+)\.(?:tsx?|js)\((\d+),(\d+)\)/, (_, start, line, col) => {
        return `README.md:${Number(start) + Number(line) - 1}:${col}`;
      }),
    );
}

describe('README.md examples', () => {
  it('has TypeScript examples for each audience: the player, React, live, pushed bytes, the engine', () => {
    const code = examples.map((e) => e.block.code);
    expect(code.some((c) => c.includes("from 'weir'") && c.includes('player.load('))).toBe(true);
    expect(code.some((c) => c.includes("from 'react'") && c.includes('player.destroy()'))).toBe(true);
    expect(code.some((c) => c.includes('liveTargetLatency'))).toBe(true);
    expect(code.some((c) => c.includes('player.open('))).toBe(true);
    expect(code.some((c) => c.includes("from 'weir/engine'"))).toBe(true);
  });

  it('every TypeScript example compiles against the package (strict tsc)', () => {
    expect(inReadme(tsc.output)).toEqual([]);
    expect(tsc.status).toBe(0);
  });

  it("the Node engine example remuxes a fixture into the same bytes as the engine's own output", async () => {
    expect(tsc.status).toBe(0);
    const engineExample = examples.find((e) => e.block.code.includes("from 'weir/engine'"));
    expect(engineExample, 'an example that imports weir/engine').toBeDefined();
    const script = join(dir, 'out', engineExample!.file.replace(/\.tsx?$/, '.js'));
    copyFileSync(join(root, FIXTURE), join(dir, 'input.ts'));
    const stdout = execFileSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
    // What it printed: the tracks and the container.
    expect(stdout).toContain('video avc1.');
    expect(stdout).toContain('audio mp4a.40.2');
    expect(stdout).toContain('mpegts');
    // Its file is the engine's muxed output for the same input, byte for byte.
    const engine = await Engine.create({ output: 'muxed' });
    const parts: Uint8Array[] = [];
    const keep = (events: EngineEvent[]) => {
      // Copied before the next call: the views are into the core's memory.
      for (const e of events) if (e.type === 'init' || e.type === 'fragment') parts.push(e.data.slice());
    };
    keep(engine.push(readFileSync(join(root, FIXTURE))));
    keep(engine.flush());
    const expected = Buffer.concat(parts);
    const written = readFileSync(join(dir, 'output.mp4'));
    expect(written.length).toBeGreaterThan(100_000);
    expect(written.equals(expected)).toBe(true);
  });
});
