/**
 * The `weir` command line: `weir remux <input> -o <output.mp4>`, `weir probe <input>` and
 * `weir bench <input>`.
 * Reads its input in chunks (constant memory, any size), from a file or an http(s) URL.
 * Every failure is one line on stderr and a non-zero exit: 1 for input problems, 2 for usage.
 */

import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { Engine, type EngineEvent, type TrackInfo, type WeirError } from '../engine/index.js';

const USAGE = `usage:
  weir remux <input.ts|.webm|.mkv|url> -o <output.mp4> [--fragment-duration <ms>] [--audio <n>] [--program <n>] [--quiet]
  weir probe <input.ts|.webm|.mkv|url> [--program <n>]
  weir bench <input.ts|.webm|.mkv|url> [--runs <n>] [--chunk-kib <n>] [--json]
  weir --help | --version`;

// Half the core's input region: one chunk is always one core call (a bigger one is split, and the output of
// the first part must then be copied out of WebAssembly memory before the second overwrites it).
const CHUNK = 512 * 1024;

class UsageError extends Error {}
class InputError extends Error {}

interface Summary {
  warnings: Map<string, { count: number; first: WeirError }>;
  error: WeirError | undefined;
  /** The input was cut short: the first TRUNCATED_INPUT / INCOMPLETE_ACCESS_UNIT of the end of input (flush). */
  cut: WeirError | undefined;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command ? 0 : 2;
    }
    if (command === '--version') {
      console.log('weir 0.1.0');
      return 0;
    }
    if (command === 'remux') return await remux(rest);
    if (command === 'probe') return await probe(rest);
    if (command === 'bench') return await bench(rest);
    throw new UsageError(`unknown command '${command}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`weir: ${e.message}\n${USAGE}`);
      return 2;
    }
    console.error(`weir: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

interface Args {
  input: string;
  output?: string;
  fragmentDuration: number;
  /** --audio N: keep only the N-th audio track (as probe lists them); undefined: every one. */
  audio?: number;
  /** --program N: the program_number to remux (as probe lists them); undefined: the first with video. */
  program?: number;
  quiet: boolean;
}

function parseArgs(args: string[], needOutput: boolean): Args {
  let input: string | undefined;
  let output: string | undefined;
  let fragmentDuration = 0;
  let quiet = false;
  let audio: number | undefined;
  let program: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-o' || a === '--output') {
      output = args[++i];
      if (!output) throw new UsageError(`${a} needs a file name`);
    } else if (a === '--fragment-duration') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 0)
        throw new UsageError('--fragment-duration needs a whole number of milliseconds');
      fragmentDuration = v;
    } else if (a === '--audio') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new UsageError('--audio needs a track index (0, 1, ...)');
      audio = v;
    } else if (a === '--program') {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 1 || v > 0xffff)
        throw new UsageError('--program needs a program_number (1..65535)');
      program = v;
    } else if (a === '--quiet' || a === '-q') {
      quiet = true;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option '${a}'`);
    } else if (input === undefined) {
      input = a;
    } else {
      throw new UsageError(`unexpected argument '${a}'`);
    }
  }
  if (!input) throw new UsageError('no input given');
  if (needOutput && !output) throw new UsageError('no output given (-o <output.mp4>)');
  return {
    input,
    ...(output ? { output } : {}),
    ...(audio !== undefined ? { audio } : {}),
    ...(program !== undefined ? { program } : {}),
    fragmentDuration,
    quiet,
  };
}

/** Yields the input in chunks: a file read through one reused buffer, or a streamed HTTP body. */
async function* readInput(input: string): AsyncGenerator<Uint8Array> {
  if (/^https?:\/\//i.test(input)) {
    let response: Response;
    try {
      response = await fetch(input);
    } catch (e) {
      throw new InputError(`cannot fetch ${input}: ${(e as Error).cause ?? (e as Error).message}`);
    }
    if (!response.ok || !response.body) throw new InputError(`cannot fetch ${input}: HTTP ${response.status}`);
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  let fd: number;
  try {
    fd = input === '-' ? 0 : openSync(input, 'r');
  } catch (e) {
    throw new InputError(`cannot read ${input}: ${describeFsError(e)}`);
  }
  const buffer = new Uint8Array(CHUNK);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, 0, CHUNK, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        throw new InputError(`cannot read ${input}: ${describeFsError(e)}`);
      }
      if (n === 0) return;
      yield buffer.subarray(0, n);
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (e as Error).message;
}

function record(summary: Summary, event: EngineEvent): void {
  if (event.type === 'warning') {
    const entry = summary.warnings.get(event.error.codeName);
    if (entry) entry.count++;
    else summary.warnings.set(event.error.codeName, { count: 1, first: event.error });
  } else if (event.type === 'error') {
    summary.error ??= event.error;
  }
}

/** Runs the whole input through an engine; `sink` sees every event as it comes. */
async function run(args: Args, sink: (e: EngineEvent) => void): Promise<{ engine: Engine; summary: Summary }> {
  const engine = await Engine.create({
    output: 'muxed',
    fragmentDuration: args.fragmentDuration,
    audioTrack: args.audio ?? 'all',
    ...(args.program !== undefined ? { program: args.program } : {}),
  });
  const summary: Summary = { warnings: new Map(), error: undefined, cut: undefined };
  const handle = (events: EngineEvent[], atEnd: boolean) => {
    for (const e of events) {
      record(summary, e);
      // Only at the end of input does an incomplete access unit mean the input was cut short; mid-stream it is
      // damage (a PES shorter than it says), reported as a warning like any other repair.
      if (atEnd && e.type === 'warning' && TRUNCATION.includes(e.error.codeName)) summary.cut ??= e.error;
      sink(e);
    }
  };
  for await (const chunk of readInput(args.input)) {
    handle(engine.push(chunk), false);
    if (summary.error) break;
  }
  if (!summary.error) handle(engine.flush(), true);
  return { engine, summary };
}

/** Warnings that mean the input was cut short: the end of the stream is missing (issue 2: an error). */
const TRUNCATION = ['TRUNCATED_INPUT', 'INCOMPLETE_ACCESS_UNIT'];

/** The warning saying the input was cut short, if any. */
function truncation(summary: Summary): WeirError | undefined {
  return summary.cut;
}

/** The one error line of a truncated input. */
function truncationLine(input: string, cut: WeirError): string {
  return `weir: ${input}: ${cut.message}${cut.offset !== undefined ? ` at byte ${cut.offset}` : ''}`;
}

function printWarnings(summary: Summary): void {
  for (const [name, entry] of summary.warnings) {
    const first = entry.first;
    // The cut is reported as the error line instead; the other ones of its kind (mid-stream damage) are warnings.
    const count = entry.count - (summary.cut?.codeName === name ? 1 : 0);
    if (count === 0) continue;
    const where = first.offset !== undefined ? ` at byte ${first.offset}` : '';
    console.error(
      `weir: warning ${name}: ${first.message.replace(/^[A-Z0-9_]+ \(\d+\): /, '')}${where}${count > 1 ? ` (${count} times)` : ''}`,
    );
  }
}

async function remux(rest: string[]): Promise<number> {
  const args = parseArgs(rest, true);
  const output = args.output!;
  // Written to a side file and renamed at the end: a failed run never leaves a wrong output behind.
  const partial = `${output}.partial`;
  let fd: number;
  try {
    fd = openSync(partial, 'w');
  } catch (e) {
    throw new InputError(`cannot write ${output}: ${describeFsError(e)}`);
  }
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(args, (e) => {
      if (e.type === 'init' || e.type === 'fragment') writeSync(fd, e.data);
    });
  } catch (e) {
    closeSync(fd);
    rmSync(partial, { force: true });
    throw e;
  }
  closeSync(fd);
  const { engine, summary } = result;
  if (!args.quiet) printWarnings(summary);
  if (summary.error) {
    rmSync(partial, { force: true });
    console.error(`weir: ${args.input}: ${summary.error.message}`);
    return 1;
  }
  renameSync(partial, output);
  const cut = truncation(summary);
  if (cut) {
    // A cut input is an error (non-zero exit), but every access unit before the cut is whole and
    // was written, so the output is kept: it is what a player would have played.
    console.error(`${truncationLine(args.input, cut)}; ${output} holds everything before it`);
    return 1;
  }
  if (!args.quiet) {
    const tracks = engine.tracks().map(describeTrack).join(', ');
    console.error(`weir: wrote ${output} (${tracks})`);
  }
  return 0;
}

function describeTrack(t: TrackInfo): string {
  return t.kind === 'video'
    ? `${t.codecString} ${t.width}x${t.height}, ${t.samples} frames`
    : `${t.codecString} ${t.sampleRate} Hz ${t.channels} ch (${t.language}), ${t.samples} frames`;
}

async function probe(rest: string[]): Promise<number> {
  const args = parseArgs(rest, false);
  const { engine, summary } = await run(args, () => {});
  if (summary.error) {
    console.error(`weir: ${args.input}: ${summary.error.message}`);
    return 1;
  }
  const tracks = engine.tracks();
  const duration =
    Math.max(0, ...tracks.map((t) => t.lastPresentationEnd)) - Math.min(...tracks.map((t) => t.firstPresentationTime));
  const report = {
    input: args.input,
    container: engine.container(),
    bytes: engine.bytesPushed,
    duration: round(duration),
    programs: engine.programs(),
    matroskaTracks: engine.matroskaTracks(),
    tracks: tracks.map((t) => ({
      id: t.id,
      kind: t.kind,
      codec: t.codec,
      codecString: t.codecString,
      pid: t.pid,
      streamType: t.streamType,
      ...(t.kind === 'video'
        ? { width: t.width, height: t.height, sampleAspectRatio: t.sampleAspectRatio, frameRate: t.frameRate }
        : { sampleRate: t.sampleRate, channels: t.channels, language: t.language, audioIndex: t.audioIndex }),
      samples: t.samples,
      dropped: t.dropped,
      bytes: t.bytes,
      firstTime: round(t.firstPresentationTime),
      lastTime: round(t.lastPresentationEnd),
      duration: round(t.lastPresentationEnd - t.firstPresentationTime),
      sourceStartTime: round(t.sourceStartTime),
    })),
    warnings: Object.fromEntries([...summary.warnings].map(([name, { count }]) => [name, count])),
  };
  console.log(JSON.stringify(report, null, 2));
  const cut = truncation(summary);
  if (cut) {
    console.error(truncationLine(args.input, cut));
    return 1;
  }
  return 0;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

// ---------------------------------------------------------------------------------------------
// weir bench: the user's own stream through weir, several times, with throughput and a breakdown
// of where the time goes as far as the host side can see it.

interface BenchArgs {
  input: string;
  runs: number;
  chunk: number;
  json: boolean;
}

function parseBenchArgs(args: string[]): BenchArgs {
  let input: string | undefined;
  let runs = 5;
  // 64 KiB, as `npm run bench` pushes (and about what a fetch delivers), so the figures compare.
  let chunkKib = 64;
  let json = false;
  const whole = (name: string, value: string | undefined, min: number, max: number): number => {
    const v = Number(value);
    if (!Number.isInteger(v) || v < min || v > max) throw new UsageError(`${name} needs a whole number ${min}..${max}`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--runs') runs = whole(a, args[++i], 1, 1000);
    else if (a === '--chunk-kib') chunkKib = whole(a, args[++i], 1, 1 << 20);
    else if (a === '--json') json = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option '${a}'`);
    else if (input === undefined) input = a;
    else throw new UsageError(`unexpected argument '${a}'`);
  }
  if (!input) throw new UsageError('no input given');
  return { input, runs, chunk: chunkKib * 1024, json };
}

interface BenchRun {
  instantiateMs: number;
  pushMs: number;
  flushMs: number;
  totalMs: number;
  bytesOut: number;
  fragments: number;
}

/** One pass of the whole input through a new engine; the muxed output is counted, not kept. */
async function benchRun(
  input: Uint8Array,
  chunk: number,
  summary: Summary | null,
): Promise<BenchRun & { engine: Engine }> {
  const t0 = performance.now();
  const engine = await Engine.create({ output: 'muxed' });
  const t1 = performance.now();
  let bytesOut = 0;
  let fragments = 0;
  const consume = (events: EngineEvent[]) => {
    for (const e of events) {
      if (e.type === 'init' || e.type === 'fragment') {
        bytesOut += e.data.byteLength;
        if (e.type === 'fragment') fragments++;
      } else if (summary) record(summary, e);
    }
  };
  let pushMs = 0;
  for (let off = 0; off < input.length; off += chunk) {
    const p0 = performance.now();
    const events = engine.push(input.subarray(off, off + chunk));
    pushMs += performance.now() - p0;
    consume(events);
  }
  const f0 = performance.now();
  const events = engine.flush();
  const flushMs = performance.now() - f0;
  consume(events);
  const totalMs = performance.now() - t0;
  return { engine, instantiateMs: t1 - t0, pushMs, flushMs, totalMs, bytesOut, fragments };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function spread(xs: number[]): { median: number; min: number; max: number } {
  return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

async function bench(rest: string[]): Promise<number> {
  const args = parseBenchArgs(rest);
  const isUrl = /^https?:\/\//i.test(args.input);
  // 1. The input into memory, timed: how fast the source delivers, apart from the remux.
  const r0 = performance.now();
  const pieces: Uint8Array[] = [];
  let size = 0;
  for await (const piece of readInput(args.input)) {
    pieces.push(piece.slice());
    size += piece.byteLength;
  }
  const readMs = performance.now() - r0;
  if (size === 0) throw new InputError(`${args.input}: empty input`);
  const input = new Uint8Array(size);
  let at = 0;
  for (const p of pieces) {
    input.set(p, at);
    at += p.byteLength;
  }
  pieces.length = 0;

  // 2. A warm-up run (compiles the core, checks the stream), then the timed runs.
  const summary: Summary = { warnings: new Map(), error: undefined, cut: undefined };
  const warm = await benchRun(input, args.chunk, summary);
  if (summary.error) {
    console.error(`weir: ${args.input}: ${summary.error.message}`);
    return 1;
  }
  const tracks = warm.engine.tracks();
  const duration =
    Math.max(0, ...tracks.map((t) => t.lastPresentationEnd)) - Math.min(...tracks.map((t) => t.firstPresentationTime));
  const runs: BenchRun[] = [];
  for (let i = 0; i < args.runs; i++) {
    const { engine: _engine, ...run } = await benchRun(input, args.chunk, null);
    runs.push(run);
  }

  const mb = size / 1e6;
  const engineMs = runs.map((r) => r.pushMs + r.flushMs);
  const stage = (pick: (r: BenchRun) => number) => {
    const s = spread(runs.map(pick));
    return { ...s, share: s.median / median(runs.map((r) => r.totalMs)) };
  };
  const report = {
    input: args.input,
    bytes: size,
    duration: round(duration),
    tracks: tracks.map((t) => describeTrack(t)),
    chunkBytes: args.chunk,
    runs: args.runs,
    source: { kind: isUrl ? 'fetch' : 'read', ms: round(readMs), mbps: round(mb / (readMs / 1000)) },
    firstRun: { instantiateMs: round(warm.instantiateMs), note: 'includes compiling the WebAssembly core' },
    throughput: {
      mbps: mapSpread(spread(engineMs.map((ms) => mb / (ms / 1000)))),
      realtime: round(duration / (median(engineMs) / 1000)),
      perStreamMbps: round(mb / (median(runs.map((r) => r.totalMs)) / 1000)),
      endToEndMbps: round(mb / ((readMs + median(runs.map((r) => r.totalMs))) / 1000)),
    },
    stages: {
      instantiate: mapStage(stage((r) => r.instantiateMs)),
      push: mapStage(stage((r) => r.pushMs)),
      flush: mapStage(stage((r) => r.flushMs)),
      total: mapStage(stage((r) => r.totalMs)),
    },
    output: { bytes: warm.bytesOut, fragments: warm.fragments },
    warnings: Object.fromEntries([...summary.warnings].map(([name, { count }]) => [name, count])),
    perStageCounters: false,
  };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
    return 0;
  }
  const f = (x: number, digits = 1) => x.toFixed(digits);
  const t = report.throughput;
  const lines = [
    `weir bench: ${args.input}, ${f(mb)} MB, ${f(duration, 2)} s of media (${report.tracks.join('; ')})`,
    `${isUrl ? 'fetch' : 'read'}: ${f(readMs)} ms, ${f(report.source.mbps, 0)} MB/s (input held in memory for the runs)`,
    `${args.runs} runs after a warm-up, ${args.chunk / 1024} KiB chunks, a new engine per run, muxed output discarded`,
    `throughput: ${f(t.mbps.median, 0)} MB/s (${f(t.mbps.min, 0)}-${f(t.mbps.max, 0)}), ${f(t.realtime, 0)}x realtime (push + flush)`,
    `per stream: ${f(t.perStreamMbps, 0)} MB/s with instantiation; end to end with the ${isUrl ? 'fetch' : 'read'}: ${f(t.endToEndMbps, 0)} MB/s`,
    'stage          median ms      min-max ms   share',
  ];
  for (const [name, s] of Object.entries(report.stages)) {
    lines.push(
      `  ${name.padEnd(12)} ${f(s.median, 2).padStart(9)}  ${`${f(s.min, 2)}-${f(s.max, 2)}`.padStart(14)}  ${f(s.share * 100, 0).padStart(4)} %`,
    );
  }
  lines.push(
    `first run: instantiate ${f(warm.instantiateMs, 2)} ms (includes compiling the core)`,
    `output: ${warm.bytesOut} bytes in ${warm.fragments} fragments; warnings: ${
      summary.warnings.size === 0
        ? 'none'
        : [...summary.warnings].map(([name, { count }]) => `${name} x${count}`).join(', ')
    }`,
    'the core has no per-stage counters (demux, parse, mux): push time includes copying each chunk into its memory',
  );
  console.log(lines.join('\n'));
  return 0;
}

function mapSpread(s: { median: number; min: number; max: number }) {
  return { median: round(s.median), min: round(s.min), max: round(s.max) };
}

function mapStage(s: { median: number; min: number; max: number; share: number }) {
  return { ...mapSpread(s), share: round(s.share) };
}
