// The README's two reference tables, generated from the code that defines them (issue 8: "events and error codes
// listed in one table that the code also uses"):
// - error and warning codes: engine/codes.ts `ErrorCodes` (the name, the number and the doc comment of each entry)
//   and `isFatalCode` (the severity a WeirError of that code gets);
// - player events: player/player.ts `PlayerEventMap` (each event's name, value type and doc comment).
// The tables sit in README.md between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers.
//
//   node scripts/reference-tables.js           rewrite the tables in README.md
//   node scripts/reference-tables.js --check   exit 1 if README.md's tables differ from the code
// test/node/reference-tables.test.ts runs the check in `npm test`. Needs lib/engine/codes.js (`npm run build:ts`).
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');

/** The text of a `/** ... *\/` comment, on one line. */
const commentText = (comment) =>
  comment
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, '').trim())
    .filter((line) => line !== '')
    .join(' ');

/** A table cell: pipes escaped, so that a comment cannot break the row. */
const cell = (text) => text.replaceAll('|', '\\|');

/**
 * The documented members of the object literal or interface that starts at `opening` in `source`: each member's
 * name, the rest of its line (value or type) and its doc comment. A member without a comment is an error: the table
 * would have a hole.
 */
export function members(source, opening, closing) {
  const start = source.indexOf(opening);
  if (start < 0) throw new Error(`${opening} not found`);
  const end = source.indexOf(closing, start);
  const body = `${source.slice(start + opening.length, end)}\n`;
  const out = [];
  const member = /(\/\*\*[\s\S]*?\*\/)?\s*\n\s*([A-Za-z_][A-Za-z0-9_]*)\??: ([^\n]*?)[,;]?\n/g;
  for (let m = member.exec(body); m; m = member.exec(body)) {
    const [, comment, name, value] = m;
    if (!comment) throw new Error(`${name} has no doc comment`);
    out.push({ name, value, doc: commentText(comment) });
    member.lastIndex -= 1; // the newline that ended this member may start the next one
  }
  return out;
}

/** The error and warning codes as a Markdown table: number, name, severity, meaning. */
export async function codesTable() {
  const source = readFileSync(resolve(root, 'engine/codes.ts'), 'utf8');
  const { ErrorCodes, isFatalCode } = await import(pathToFileURL(resolve(root, 'lib/engine/codes.js')).href);
  const rows = members(source, 'export const ErrorCodes = {', '} as const;');
  const listed = rows.map((r) => r.name).sort();
  const defined = Object.keys(ErrorCodes).sort();
  if (JSON.stringify(listed) !== JSON.stringify(defined)) {
    throw new Error(`engine/codes.ts parsed as ${listed.join(', ')}, but ErrorCodes holds ${defined.join(', ')}`);
  }
  const lines = ['| code | name | severity | meaning |', '| --- | --- | --- | --- |'];
  for (const { name, value, doc } of rows) {
    const code = Number(value);
    if (code !== ErrorCodes[name]) throw new Error(`${name}: parsed ${value}, ErrorCodes says ${ErrorCodes[name]}`);
    lines.push(`| ${code} | \`${name}\` | ${isFatalCode(code) ? 'fatal' : 'recoverable'} | ${cell(doc)} |`);
  }
  return lines.join('\n');
}

/** The Player's events as a Markdown table: name, the listener's value, when. */
export function eventsTable() {
  const source = readFileSync(resolve(root, 'player/player.ts'), 'utf8');
  const rows = members(source, 'export interface PlayerEventMap {', '\n}');
  // Every event the Player emits is in the map, and every event in the map is emitted.
  const emitted = new Set([...source.matchAll(/this\.emit\('([a-z]+)'/g)].map((m) => m[1]));
  const listed = new Set(rows.map((r) => r.name));
  const missing = [...emitted].filter((e) => !listed.has(e));
  const silent = [...listed].filter((e) => !emitted.has(e));
  if (missing.length || silent.length) {
    throw new Error(
      `PlayerEventMap lacks ${missing.join(', ') || 'nothing'}; never emitted: ${silent.join(', ') || 'none'}`,
    );
  }
  const lines = ['| event | listener gets | when |', '| --- | --- | --- |'];
  for (const { name, value, doc } of rows) lines.push(`| \`${name}\` | \`${cell(value)}\` | ${cell(doc)} |`);
  return lines.join('\n');
}

/** README.md with each table replaced by what the code says now. */
export async function readmeWithTables(readme) {
  const tables = { 'error-codes': await codesTable(), 'player-events': eventsTable() };
  let out = readme;
  for (const [name, table] of Object.entries(tables)) {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README.md has no ${start} ... ${end}`);
    out = `${out.slice(0, from + start.length)}\n${table}\n${out.slice(to)}`;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = resolve(root, 'README.md');
  const readme = readFileSync(file, 'utf8');
  const updated = await readmeWithTables(readme);
  if (process.argv.includes('--check')) {
    if (updated !== readme) {
      console.error('README.md: the events or codes table differs from the code; run node scripts/reference-tables.js');
      process.exit(1);
    }
  } else if (updated !== readme) {
    writeFileSync(file, updated);
    console.log('README.md: tables updated');
  }
}
