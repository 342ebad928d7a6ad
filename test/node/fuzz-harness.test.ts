// The fuzz harness's own checks fire: a fake engine (test/fuzz/testing/misbehaving-engine.mjs) that hangs, grows its
// memory, throws, traps, reports an unknown code, writes a broken box or nothing at all must give the matching
// failure kind, and a hang must be stopped within its bound. Without this, a harness that never fails would look
// like a core that never breaks.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeFills, sampleFinder } from '../fuzz/fmp4-check.mjs';
import { checkBuild, Pool, runOnPool } from '../fuzz/harness.mjs';
import { Behaviour } from '../fuzz/testing/misbehaving-engine.mjs';

const spec = { output: 'per-track', fragmentDuration: 0, chunking: { kind: 'whole' } } as const;

describe('fuzz harness: each check fires on an engine that misbehaves', () => {
  let pool: Pool;
  beforeAll(() => {
    checkBuild();
    pool = new Pool(1, { engineUrl: new URL('../fuzz/testing/misbehaving-engine.mjs', import.meta.url) });
  });
  afterAll(async () => {
    await pool?.close();
  });

  const cases: [string, number, string][] = [
    ['a WebAssembly loop that never ends', Behaviour.HANG, 'hang'],
    ['memory that grows', Behaviour.GROW_MEMORY, 'memory-growth'],
    ['an exception out of push()', Behaviour.THROW, 'thrown'],
    ['a trap out of push()', Behaviour.TRAP, 'trap'],
    ['INTERNAL caused by a trap', Behaviour.INTERNAL_TRAP, 'trap'],
    ['a code engine/codes.ts does not know', Behaviour.UNKNOWN_CODE, 'unknown-code'],
    ['a box whose size does not fit', Behaviour.BAD_BOX, 'bmff'],
    ['neither output nor an error', Behaviour.NOTHING, 'no-outcome'],
  ];
  for (const [label, behaviour, kind] of cases) {
    it(`${label}: ${kind}`, async () => {
      // A short bound (the fake does no work), confirmed once at twice the bound, as a real hang would be at 10x.
      const input = new Uint8Array(200).fill(behaviour);
      const started = performance.now();
      const { failures } = await runOnPool(pool, input, spec, { bound: 1000, confirm: 2 });
      expect(failures.map((f) => f.kind)).toContain(kind);
      expect(performance.now() - started).toBeLessThan(10_000);
    });
  }
});

describe('fuzz harness: the foreign-bytes reference', () => {
  // A header-stripping Matroska track (RFC 9559 ContentCompAlgo 3) has its ContentCompSettings put back in front of
  // each frame: such a sample is in the input, the settings then the frame, and anything else still is not.
  it('takes a stripped header followed by input bytes, and nothing else', () => {
    const input = Buffer.from('....FRAME-ONE....FRAME-TWO....');
    const head = Buffer.from([0xff, 0xfb]);
    const find = sampleFinder(
      () => new Map([[0, input]]),
      () => [head],
    );
    const track = {} as never;
    expect(find(Buffer.from('FRAME-ONE'), track)).toBe(true);
    expect(find(Buffer.concat([head, Buffer.from('FRAME-TWO')]), track)).toBe(true);
    expect(find(Buffer.concat([head, Buffer.from('FRAME-THREE')]), track)).toBe(false);
    expect(find(Buffer.concat([Buffer.from([0xff, 0xfa]), Buffer.from('FRAME-TWO')]), track)).toBe(false);
    expect(sampleFinder(() => new Map([[0, input]]))(Buffer.concat([head, Buffer.from('FRAME-TWO')]), track)).toBe(
      false,
    );
  });
});

describe('fuzz harness: placing the reported silent fills', () => {
  // 'R' a real frame, 'F' a silent frame not in the input, 'S' a silent frame that is in the input (real or a fill).
  // Seen in a fuzz run: a real 3-byte silent Opus frame before the first fill took it, and the check failed a correct
  // engine (test/fuzz/regressions/silent-fill-mediabunny_trim-buck-bunny-s78-c1261).
  it('places each fill where every unreported-looking silent frame is covered, not at the first silent frame', () => {
    expect(placeFills([...'SRFRF'], [1, 1])).toEqual([2, 4]);
    expect(placeFills([...'SRFFRSFFF'], [2, 3])).toEqual([2, 6]);
    expect(placeFills([...'FRS'], [1])).toEqual([0]);
    expect(placeFills([...'SR'], [1])).toEqual([0]);
  });
  it('finds none when a silent frame not in the input is left uncovered or a count does not fit', () => {
    expect(placeFills([...'FRF'], [1])).toBeNull();
    expect(placeFills([...'RFFR'], [3])).toBeNull();
    expect(placeFills([...'RFR'], [1, 1])).toBeNull();
  });
});
