// The README's events and error-codes tables are generated from the code (scripts/reference-tables.js): the codes
// from engine/codes.ts (ErrorCodes and its doc comments, isFatalCode for the severity), the events from player.ts
// (PlayerEventMap, checked against every `this.emit(...)`). This fails when README.md and the code differ.
// Needs lib/engine/codes.js (`npm run build`).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isFatalCode } from '../../engine/codes.js';
import { codesTable, eventsTable, members, readmeWithTables } from '../../scripts/reference-tables.js';

const root = resolve(import.meta.dirname, '../..');

describe('README reference tables', () => {
  it('README.md holds the events and codes tables exactly as the code defines them', async () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    // On a difference, `node scripts/reference-tables.js` rewrites the tables.
    expect(await readmeWithTables(readme)).toBe(readme);
  });

  it('the codes table has one row per ErrorCodes entry, with its number and the severity a WeirError gets', async () => {
    const rows = (await codesTable()).split('\n').slice(2);
    expect(rows).toHaveLength(Object.keys(ErrorCodes).length);
    for (const [name, code] of Object.entries(ErrorCodes)) {
      const severity = isFatalCode(code) ? 'fatal' : 'recoverable';
      expect(rows).toContainEqual(
        expect.stringMatching(new RegExp(`^\\| ${code} \\| \`${name}\` \\| ${severity} \\| .+ \\|$`)),
      );
    }
  });

  it('the events table lists every event the Player emits', () => {
    const source = readFileSync(resolve(root, 'player/player.ts'), 'utf8');
    const emitted = new Set([...source.matchAll(/this\.emit\('([a-z]+)'/g)].map((m) => m[1]));
    const rows = eventsTable().split('\n').slice(2);
    expect(rows.map((r: string) => /^\| `([a-z]+)`/.exec(r)?.[1]).sort()).toEqual([...emitted].sort());
  });

  it('a member without a doc comment is refused (the check can fail); a comment over several lines is joined', () => {
    expect(() =>
      members('const X = {\n  /** One. */\n  A: 1,\n  B: 2,\n} as const;', 'const X = {', '} as const;'),
    ).toThrow('B has no doc comment');
    expect(
      members(
        'const X = {\n  /** One. */\n  A: 1,\n  /**\n   * Two,\n   * in two lines.\n   */\n  B: 2,\n} as const;',
        'const X = {',
        '} as const;',
      ),
    ).toEqual([
      { name: 'A', value: '1', doc: 'One.' },
      { name: 'B', value: '2', doc: 'Two, in two lines.' },
    ]);
  });
});
