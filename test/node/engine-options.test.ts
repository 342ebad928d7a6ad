// Engine options are checked up front: a bad one is a TypeError naming it (a programming error, thrown), never a
// stream error event.
import { describe, expect, it } from 'vitest';
import { Engine, WeirOptionError } from '../../engine/index.js';

describe('Engine options', () => {
  for (const [options, name] of [
    [{ output: 'mp4' }, 'output'],
    [{ fragmentDuration: -1 }, 'fragmentDuration'],
    [{ fragmentDuration: 1.5 }, 'fragmentDuration'],
    [{ fragmentDurations: 100 }, 'fragmentDurations'],
  ] as const) {
    it(`${JSON.stringify(options)} is a TypeError naming ${name}`, async () => {
      const error = await Engine.create(options as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error).toBeInstanceOf(WeirOptionError);
      expect((error as WeirOptionError).option).toBe(name);
      expect((error as Error).message).toContain(name);
      expect((error as WeirOptionError).code).toBe(306);
    });
  }

  it('good options are accepted', async () => {
    const engine = await Engine.create({ output: 'muxed', fragmentDuration: 100 });
    expect(engine.bytesPushed).toBe(0);
  });
});
