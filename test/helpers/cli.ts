/** Runs the real `weir` command (bin/weir.js → lib/cli/main.js, built by `npm run build`) in a child process. */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './media.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the time limit killed it. */
  timedOut: boolean;
}

const BIN = join(ROOT, 'bin/weir.js');

export function weir(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  if (!existsSync(join(ROOT, 'lib/cli/main.js'))) {
    throw new Error('lib/cli/main.js is missing: run `npm run build` (or `npx tsc -p tsconfig.build.json`) first');
  }
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 60_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    timedOut: r.signal === 'SIGKILL' || (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
  };
}
