#!/usr/bin/env node
/**
 * Peak RSS of one contestant: run by remux.js in a child process that loads the libraries and the
 * input, sets the contestant up, notes its RSS high-water mark (the baseline), runs it `passes` times
 * and prints one JSON line: { contestant, baselineBytes, peakBytes, source }.
 *
 * The high-water mark is /proc/self/status VmHWM, not getrusage's maxRSS: on Linux a process forked
 * from a large one (the bench, with its inputs in memory) starts with the parent's resident pages
 * counted, and exec keeps that figure as a floor of maxRSS, so every child would report at least the
 * parent's RSS. VmHWM belongs to the memory map exec made. Elsewhere maxRSS is the fallback.
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
/** @returns {[number, string]} bytes and where they come from */
const rss = () => {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return [Number(hwm[1]) * 1024, 'VmHWM'];
  } catch {
    // not Linux
  }
  return [process.resourceUsage().maxRSS * 1024, 'maxRSS'];
};
const [baselineBytes] = rss();
for (let i = 0; i < Number(passesArg ?? 2); i++) await contestant.run(null);
const [peakBytes, source] = rss();
console.log(JSON.stringify({ contestant: name, baselineBytes, peakBytes, source }));
