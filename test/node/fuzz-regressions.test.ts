// Issue 7: every reproducer the fuzz harness saved (test/fuzz/regressions/<name>.bin + .json) is replayed through the
// same checks as in the fuzz run (test/fuzz/run-case.mjs: no trap, no hang, no escaping exception, flat core memory,
// known error codes, and the fMP4 invariants), in a worker thread under the case's time bound, with the engine built
// in lib/ (npm test builds it first).
//
// Reproducers of bugs still open are listed in test/fuzz/known-bugs.mjs and run as it.fails, named by the bug: the
// suite stays green while the bug is open and turns red when it is fixed, so that the entry is removed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBuild, listRegressions, Pool, replay, signature } from '../fuzz/harness.mjs';
import { bugOf } from '../fuzz/known-bugs.mjs';

const regressions = listRegressions();

describe('fuzz regressions (test/fuzz/regressions)', () => {
  let pool: Pool;
  beforeAll(() => {
    checkBuild();
    pool = new Pool(1);
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('the folder holds reproducers, each a .bin with its .json note', () => {
    expect(regressions.length).toBeGreaterThan(0);
    for (const r of regressions) {
      expect(r.note.spec, r.name).toBeDefined();
      expect(r.note.kind, r.name).toBeTypeOf('string');
    }
  });

  for (const r of regressions) {
    const bug = bugOf(r.name);
    if (!bug) {
      it(`${r.name}: passes every check`, async () => {
        const { failures } = await replay(pool, r);
        expect(failures.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
      });
      continue;
    }
    // it.fails: the open bug `bug.id` (test/fuzz/known-bugs.mjs says what goes wrong and where).
    it.fails(`${r.name}: passes every check (fails until bug ${bug.id} is fixed)`, async () => {
      const { failures } = await replay(pool, r);
      expect(failures.map((f) => `${f.kind}: ${f.message}`)).toEqual([]);
    });
    // ...and while it is open, the reproducer fails that way only: another failure is not hidden by it.fails.
    it(`${r.name}: fails only as bug ${bug.id} describes`, async () => {
      const { failures } = await replay(pool, r);
      expect(failures.length).toBeGreaterThan(0);
      for (const f of failures) expect(bug.signatures, `${f.kind}: ${f.message}`).toContain(signature(f));
    });
  }
});
