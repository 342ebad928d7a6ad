// The BufferController's gap jump (issue 5: "small gaps in buffered ranges jumped, and each jump reported"): where the
// worker moves a playhead stopped at a hole in the element's buffered ranges. The browser test (webm.spec.ts, a WebM
// with a 0.5 s hole played as WebM) shows the jump in Chromium; these pin the decision.

import { describe, expect, it } from 'vitest';
import { gapJumpTarget, MAX_GAP_JUMP_SECONDS } from '../../worker/buffer-controller.js';

describe('gapJumpTarget', () => {
  const two: [number, number][] = [
    [0, 2.006],
    [2.52, 4],
  ];

  it('at the end of a range with the next one within the bound: the next range start', () => {
    expect(gapJumpTarget(2.006, two)).toBe(2.52);
    expect(gapJumpTarget(1.95, two)).toBe(2.52); // within 0.1 s of the end: Chromium stops a frame or so short
  });

  it('between two ranges (a seek or a tick that landed in the hole): the next range start', () => {
    expect(gapJumpTarget(2.2, two)).toBe(2.52);
  });

  it('media left to play in the current range: no jump', () => {
    expect(gapJumpTarget(1.5, two)).toBeUndefined();
    expect(gapJumpTarget(3, two)).toBeUndefined();
  });

  it('the end of the last range (the live edge, the end of what has loaded): no jump', () => {
    expect(gapJumpTarget(4, two)).toBeUndefined();
    expect(gapJumpTarget(5, two)).toBeUndefined();
    expect(gapJumpTarget(1, [])).toBeUndefined();
  });

  it('before the first range: left to the start-gap handling', () => {
    expect(gapJumpTarget(0, [[0.5, 3]])).toBeUndefined();
  });

  it(`a hole longer than ${MAX_GAP_JUMP_SECONDS} s: no jump (left to the application)`, () => {
    const far: [number, number][] = [
      [0, 2],
      [2 + MAX_GAP_JUMP_SECONDS + 0.5, 9],
    ];
    expect(gapJumpTarget(2, far)).toBeUndefined();
    expect(gapJumpTarget(2, far, 3)).toBe(4.5);
  });

  it('several holes: the one at the playhead', () => {
    const three: [number, number][] = [
      [0, 1],
      [1.3, 2],
      [2.4, 3],
    ];
    expect(gapJumpTarget(1, three)).toBe(1.3);
    expect(gapJumpTarget(2, three)).toBe(2.4);
  });
});
