import { describe, expect, it } from 'vitest';
import { decodeRolloutDecisions, encodeRolloutDecisions } from '../../../src/node/train/decision-file.js';
import { rolloutEpisode } from '../../../src/node/train/rollout-episode.js';
import { createThroughputRegressor } from '../../../src/learned/regressor.js';
import { createRobustMpcPolicy } from '../../../src/policies/robustmpc.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { AbrkitError } from '../../../src/core/errors.js';
import { constantVideo } from '../../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 49);
const decisions = rolloutEpisode(synthesizeTrace({ profile: '3g', seed: 4, durationS: 300 }), video, () => createThroughputRegressor(), { policy: createRobustMpcPolicy({ qoe: 'lin' }) }, () => 0, 0.25);

describe('rollout decisions file', () => {
  it('round-trips every value exactly, NaN targets of shielded rungs included', () => {
    const bytes = encodeRolloutDecisions(decisions);
    const back = decodeRolloutDecisions(bytes);
    expect(back).toHaveLength(decisions.length);
    expect(decisions.some((d) => Array.from(d.targets).some(Number.isNaN))).toBe(true);
    back.forEach((d, i) => {
      const original = decisions[i];
      expect(d.mask).toBe(original.mask);
      expect(d.features.rungCount).toBe(original.features.rungCount);
      expect(d.features.minRungIndex).toBe(original.features.minRungIndex);
      expect(d.features.global).toEqual(original.features.global);
      expect(d.features.perRung).toEqual(original.features.perRung);
      expect(d.features.rebufferRobustS).toEqual(original.features.rebufferRobustS);
      expect(d.targets).toEqual(original.targets);
    });
    expect(encodeRolloutDecisions(back)).toEqual(bytes);
  });

  it('keeps a mask with the 32nd candidate allowed', () => {
    const wide = { ...decisions[0], mask: (1 << 31) | 1 };
    expect(decodeRolloutDecisions(encodeRolloutDecisions([wide]))[0].mask).toBe(wide.mask);
  });

  it('rejects a truncated or foreign file with a typed error', () => {
    const bytes = encodeRolloutDecisions(decisions);
    const reject = (data: Uint8Array, message: RegExp) => {
      let caught: unknown;
      try {
        decodeRolloutDecisions(data);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AbrkitError);
      expect((caught as Error).message).toMatch(message);
    };
    reject(bytes.subarray(0, bytes.length - 3), /ends inside decision/);
    reject(bytes.subarray(0, 10), /too short/);
    reject(new TextEncoder().encode('{"not": "a decisions file"}'), /not an abrkit decisions file/);
    const extra = new Uint8Array(bytes.length + 4);
    extra.set(bytes);
    reject(extra, /4 bytes after the last decision/);
  });
});
