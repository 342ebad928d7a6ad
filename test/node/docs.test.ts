// The API reference (issue 8): every export of `weir` and `weir/engine`, and every member of what they export, has a
// TSDoc comment, and the declarations hold no TSDoc error and no type the API uses without exporting it. The check is
// API Extractor's, run by scripts/docs.js (`npm run docs` writes the Markdown reference from the same models).
// Needs `npm run build` first (the declarations in lib/).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { extract } from '../../scripts/docs.js';

const scratch = mkdtempSync(join(tmpdir(), 'weir-docs-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = extract as (models: string, entries?: { name: string; types: string; file: string }[]) => string[];

describe('API reference', () => {
  it('weir and weir/engine: every export and member documented, no TSDoc error, no unexported type used', () => {
    const problems = run(join(scratch, 'models'));
    expect(problems).toEqual([]);
    // The models were written, one per entry point, with the Player and the Engine in them.
    expect(readFileSync(join(scratch, 'models/weir.api.json'), 'utf8')).toContain('"name": "Player"');
    expect(readFileSync(join(scratch, 'models/weir-engine.api.json'), 'utf8')).toContain('"name": "Engine"');
  });

  it('the same check reports an undocumented export and an undocumented member (the check can fail)', () => {
    const types = join(scratch, 'undocumented.d.ts');
    writeFileSync(
      types,
      [
        '/** Documented. */',
        'export declare function documented(): void;',
        'export declare function bare(): void;',
        '/** Documented. */',
        'export interface Shape {',
        '  /** Documented. */',
        '  width: number;',
        '  height: number;',
        '}',
        '',
      ].join('\n'),
    );
    const problems = run(join(scratch, 'bad-models'), [{ name: 'bad', types, file: 'bad' }]);
    expect(problems).toEqual([
      expect.stringMatching(/"bare".*\(ae-undocumented\)$/),
      expect.stringMatching(/"height".*\(ae-undocumented\)$/),
    ]);
  });
});
