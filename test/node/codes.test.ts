// The stable error and warning codes exist twice: as const enums in the core (wasm/codes.ts `Warn`, `Fatal`) and
// as ErrorCodes in engine/codes.ts, which users match on. This test reads the AssemblyScript source and fails
// when a name or number differs between the two, or when a code of the core is missing on the host.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeName, ErrorCodes, isFatalCode } from '../../engine/codes.js';
import { WeirError } from '../../engine/errors.js';
import { ROOT } from '../helpers/media.js';

/** Members of `export const enum <name> { A = 1, ... }` in an AssemblyScript source. */
function constEnum(source: string, name: string): Map<string, number> {
  const m = new RegExp(`export const enum ${name} \\{([^}]*)\\}`).exec(source);
  if (!m) throw new Error(`const enum ${name} not found in wasm/codes.ts`);
  const members = new Map<string, number>();
  for (const line of m[1]!.split('\n')) {
    const code = line.replace(/\/\/.*$/, '').trim();
    if (!code) continue;
    const member = /^([A-Za-z0-9_]+)\s*=\s*(\d+),?$/.exec(code);
    if (!member) throw new Error(`cannot read enum member: ${line.trim()}`);
    members.set(member[1]!, Number(member[2]));
  }
  return members;
}

/** CamelCase → UPPER_SNAKE: SyncLost → SYNC_LOST, NotMpegTs → NOT_MPEG_TS. */
function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

const source = readFileSync(join(ROOT, 'wasm/codes.ts'), 'utf8');
const warn = constEnum(source, 'Warn');
const fatal = constEnum(source, 'Fatal');
const hostCodes = ErrorCodes as Record<string, number>;

describe('wasm/codes.ts and engine/codes.ts agree', () => {
  it('the enums were read (not empty)', () => {
    expect(warn.size).toBeGreaterThanOrEqual(17);
    expect(fatal.size).toBeGreaterThanOrEqual(6);
  });

  for (const [enumName, members, fatalExpected] of [
    ['Warn', warn, false],
    ['Fatal', fatal, true],
  ] as const) {
    for (const [name, value] of members) {
      it(`${enumName}.${name} = ${value} is ErrorCodes.${upperSnake(name)}`, () => {
        expect(hostCodes[upperSnake(name)]).toBe(value);
        expect(codeName(value)).toBe(upperSnake(name));
        expect(isFatalCode(value)).toBe(fatalExpected);
        expect(new WeirError(value, 'x').severity).toBe(fatalExpected ? 'fatal' : 'recoverable');
      });
    }
  }

  it('every host code below 300 comes from the core (300 and above are raised by worker and player only)', () => {
    const core = new Map([...warn, ...fatal].map(([name, value]) => [upperSnake(name), value]));
    for (const [name, value] of Object.entries(hostCodes)) {
      if (value < 300) expect(core.get(name), name).toBe(value);
    }
  });

  it('no number is used twice', () => {
    const values = Object.values(hostCodes);
    expect(new Set(values).size).toBe(values.length);
    const coreValues = [...warn.values(), ...fatal.values()];
    expect(new Set(coreValues).size).toBe(coreValues.length);
  });

  it('an unknown number gets a name that says so', () => {
    expect(codeName(999)).toBe('UNKNOWN_999');
  });
});
