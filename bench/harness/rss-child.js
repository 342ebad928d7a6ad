#!/usr/bin/env node
/**
 * Peak RSS of one contestant: run by remux.js in a child process that loads the libraries and the
 * input, sets the contestant up, notes its RSS high-water mark (the baseline), runs it `passes` times
 * and prints one JSON line: { contestant, baselineBytes, peakBytes } (peak = the process's maxRSS).
 *
 * usage: node bench/harness/rss-child.js <root> <cacheDir> <input.ts> <chunkBytes> <contestant> [passes]
 */
import fs from 'node:fs';
import { loadLibraries, makeContestants } from './contestants.js';

const [root, cacheDir, file, chunkArg, name, passesArg] = process.argv.slice(2);
if (!root || !cacheDir || !file || !chunkArg || !name) {
  console.error('usage: rss-child.js <root> <cacheDir> <input.ts> <chunkBytes> <contestant> [passes]');
  process.exit(2);
}
const libs = await loadLibraries(root, cacheDir);
const input = fs.readFileSync(file);
const [contestant] = await makeContestants(libs, input, Number(chunkArg), [name]);
if (!contestant) throw new Error(`unknown contestant ${name}`);
const rss = () => process.resourceUsage().maxRSS * 1024;
const baselineBytes = rss();
for (let i = 0; i < Number(passesArg ?? 2); i++) await contestant.run(null);
console.log(JSON.stringify({ contestant: name, baselineBytes, peakBytes: rss() }));
