// Issue 5: "A seek in a 60-second TS file lands on the keyframe at or before the target and plays on, using range
// requests." The 2 MB fixture is served at 1600 kbit/s (10 s to load in order, range requests too); a seek to 45 s
// right after the start must not wait for that: the worker bisects the file with small range requests (stats.probeBytes), fetches it again
// from the keyframe at or before 45 s (stats.rangeSeeks), and the element plays on from there.

import { expect, test } from '@playwright/test';
import { openDemo, seekInFile, waitFor } from './helpers.js';

test('a seek in a 60-second TS file lands on the keyframe at or before the target and plays on', async ({ page }) => {
  await openDemo(page);
  const size = 2_077_212; // test/fixtures/ts-h264-aac-60s.ts
  const { stats, rangeStart } = await seekInFile(page, '/fixtures/ts-h264-aac-60s.ts?kbps=1600', 45, 45.5);
  expect(stats.rangeSeeks, 'one seek served by a range request').toBe(1);
  expect(stats.probeBytes, 'the bisection fetched windows of the file').toBeGreaterThan(0);
  // Loading in order, playing 45 s would need the first 44/60 of the file (1.5 MB); the worker had loaded far less.
  expect(stats.bytesLoaded, 'the bytes before the target were not all loaded').toBeLessThan(0.6 * size);
  // Landed on the keyframe at or before the target (2 s GOPs): the buffered range holding 45 s starts at most one
  // GOP before it.
  expect(rangeStart, 'a buffered range holds the target').not.toBeNull();
  expect(rangeStart!).toBeLessThanOrEqual(45);
  expect(45 - rangeStart!).toBeLessThanOrEqual(2.1);
  // Then it plays on.
  await waitFor(page, (s) => s.currentTime >= 47, 10_000, 'playing on after the seek');
});
