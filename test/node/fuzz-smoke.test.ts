// Issue 7: a short seeded fuzz run in `npm test` (the long one is `npm run fuzz -- --minutes N`). A few hundred
// mutated fixtures (and corpus files when WEIR_CORPUS is set) go through the built engine in a worker thread, each
// under a time bound, with every check of test/fuzz/run-case.mjs. Failures with the signature of an open bug
// (test/fuzz/known-bugs.mjs) are listed and tolerated; any other failure fails this test, naming the command that
// reproduces it and saves a minimised reproducer.

import { describe, expect, it } from 'vitest';
import { checkBuild, fuzz, loadSources } from '../fuzz/harness.mjs';
import { KNOWN_SIGNATURES } from '../fuzz/known-bugs.mjs';

const SEED = 7007;
const CASES = 400;

describe('fuzz smoke run', () => {
  it(`${CASES} seeded cases (seed ${SEED}): no failure other than the open bugs`, async () => {
    checkBuild();
    const corpus = process.env.WEIR_CORPUS || undefined;
    const summary = await fuzz({
      seed: SEED,
      cases: CASES,
      workers: 1,
      sources: loadSources({ corpus }),
      saveDir: null,
      known: KNOWN_SIGNATURES,
    });
    const known = summary.failures.filter((f) => f.known);
    const rerun = `${corpus ? `WEIR_CORPUS=${corpus} ` : ''}npm run fuzz -- --seed ${SEED} --case`;
    console.log(
      `fuzz smoke: ${summary.cases} cases in ${(summary.ms / 1000).toFixed(1)} s (${summary.rate.toFixed(1)} cases/s), ` +
        `outcomes ${JSON.stringify(summary.outcomes)}, ${known.length} known-bug failures` +
        (known.length ? ` (cases ${known.map((f) => f.case).join(', ')})` : ''),
    );
    expect(summary.cases).toBe(CASES);
    // Enough mutated inputs must stay playable for the output checks to run (with WEIR_CORPUS, WebM and HEVC-only
    // sources end in fatal errors: about 40 % of cases give output then, over 95 % without the corpus).
    expect(summary.outcomes.output ?? 0).toBeGreaterThan(CASES / 5);
    const unknown = summary.failures.filter((f) => !f.known).map((f) => `${rerun} ${f.case}: ${f.kind}: ${f.message}`);
    expect(unknown).toEqual([]);
  });
});
