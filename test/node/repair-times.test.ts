// Every repair is a counted warning with its kind, track and the media time it happened at (issue 3). The gap
// fixture lost 40 packets of video and 10 of audio (its JSON records where, in the source fixture); the warnings
// for those gaps must carry a media time on the output timeline within a frame or so of where the lost packets
// were, as the independent TS walker places them (the time is that of the access unit being read when the gap
// was seen, so it can be the unit just before the damaged one).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/media.js';
import { runEngine } from '../helpers/run-engine.js';
import { walkTs } from '../helpers/ts-walk.js';

interface Damage {
  runs: { pid: number; sourceOffset: number }[];
}

describe('repairs carry their media time', () => {
  it('the two continuity gaps of ts-h264-aac-gap.ts are reported at the times of the lost packets', async () => {
    const summary = JSON.parse(readFileSync(fixturePath('ts-h264-aac-gap.json'), 'utf8')) as { damage: Damage };
    const source = walkTs(new Uint8Array(readFileSync(fixturePath('ts-h264-baseline-aac.ts'))));
    const origin = Math.min(...source.pes.filter((p) => p.pts !== undefined).map((p) => p.dts ?? p.pts!)) / 90000;
    const r = await runEngine(new Uint8Array(readFileSync(fixturePath('ts-h264-aac-gap.ts'))), { output: 'muxed' });
    const gaps = r.warnings.filter((w) => w.codeName === 'CONTINUITY_ERROR');
    expect(gaps.map((w) => w.detail)).toEqual(summary.damage.runs.map((run) => run.pid));
    for (const [i, run] of summary.damage.runs.entries()) {
      // The PES the lost packets belonged to is the last one of that PID starting before them; the one before it
      // is the last read whole.
      const ofPid = source.pes.filter((p) => p.pid === run.pid && p.offset <= run.sourceOffset);
      const expected = ofPid.at(-2)!.pts! / 90000 - origin;
      const time = gaps[i]!.time;
      expect(time, `gap ${i} has a media time`).toBeTypeOf('number');
      expect(time!, `gap ${i}: reported at ${time}, the PES before the damaged one at ${expected}`).toBeCloseTo(
        expected,
        4,
      );
    }
  });
});
