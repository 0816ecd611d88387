import { describe, expect, it } from 'vitest';
import { playEpisode, type EpisodeMode } from '../../../src/node/train/episode.js';
import { rolloutEpisode } from '../../../src/node/train/rollout-episode.js';
import { createThroughputRegressor } from '../../../src/learned/regressor.js';
import { createRobustMpcPolicy } from '../../../src/policies/robustmpc.js';
import { createPlanPolicy } from '../../../src/sim/optimal.js';
import { evaluate } from '../../../src/sim/evaluate.js';
import { createHarmonicMeanEstimator } from '../../../src/estimators/harmonic.js';
import { maskedArgmax } from '../../../src/learned/network.js';
import { constantVideo } from '../../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 49);
/** 20 Mbit/s for 60 s, then 0.5 Mbit/s: a top-rung request is abandoned once the link falls. */
const cliff = {
  name: 'cliff',
  timesS: Float64Array.from({ length: 600 }, (_, i) => i),
  mbps: Float64Array.from({ length: 600 }, (_, i) => (i < 60 ? 20 : 0.5)),
  shiftedByS: 0,
};
const steady = (mbps: number) => ({ name: `steady-${mbps}`, timesS: Float64Array.from({ length: 600 }, (_, i) => i), mbps: new Float64Array(600).fill(mbps), shiftedByS: 0 });

/** Sum of the training rewards of a policy that always requests the top rung. */
function alwaysTop(mode: EpisodeMode): { total: number; decisions: number } {
  const steps = playEpisode(cliff, video, createThroughputRegressor(), (features) => features.rungCount - 1, mode);
  return { total: steps.reduce((sum, s) => sum + s.reward, 0), decisions: steps.length };
}

/** The same plan scored by `abrkit eval` (chunk 0 at the mode's first rung, then the top rung). */
function evaluated(mode: EpisodeMode, firstRung: number) {
  const plan = [firstRung, ...Array.from({ length: 48 }, () => 5)];
  const result = evaluate(video, [cliff], {
    mode,
    qoe: 'lin',
    optimal: false,
    policies: [{ name: 'top', createPolicy: () => createPlanPolicy(plan), createEstimator: () => createHarmonicMeanEstimator() }],
  });
  return result.perTrace[0];
}

describe('training episodes', () => {
  it('score a Pensieve-mode session as abrkit eval does (chunks 1..47)', () => {
    const { total, decisions } = alwaysTop('pensieve');
    const row = evaluated('pensieve', 1);
    expect(decisions).toBe(47);
    expect(total).toBeCloseTo(row.qoeSum, 6);
  });

  it('score a realistic-mode session as abrkit eval does: abandoned requests, startup charged, every segment', () => {
    const { total, decisions } = alwaysTop('realistic');
    const row = evaluated('realistic', 0);
    expect(decisions).toBe(48);
    expect(row.wastedBytes).toBeGreaterThan(0); // the rule abandoned top-rung requests after the cliff
    // eval counts chunk 0 too (rung 0, no smoothness term) and charges the startup delay.
    const chunk0 = 0.3 - 4.3 * row.startupS;
    expect(total + chunk0).toBeCloseTo(row.qoeSum, 6);
  });

  it('hide abandoned attempts too small to be samples from the history, as the controller does', () => {
    // From 10 s to 30 s the link delivers nothing: a top-rung request waits without a byte until
    // the rule gives it up, leaving a sample of 0 bytes (a zero throughput: a harmonic mean of 0).
    const outage = { ...cliff, name: 'outage', mbps: cliff.mbps.map((_, i) => (i < 10 ? 20 : i < 30 ? 0 : 3)) };
    const mpc = { policy: createRobustMpcPolicy({ qoe: 'lin' }) };
    const decisions = rolloutEpisode(outage, video, () => createThroughputRegressor(), mpc, (features) => features.rungCount - 1, 0.25, 'realistic');
    for (const d of decisions) {
      expect(Array.from(d.features.global).every(Number.isFinite)).toBe(true);
      expect(Array.from(d.features.perRung).every(Number.isFinite)).toBe(true);
      expect(Array.from(d.targets).every((t, k) => Number.isFinite(t) === (((d.mask >>> k) & 1) === 1))).toBe(true);
    }
  });

  it('roll out in the realistic mode: one decision per segment after the first, the top rung best on a fast link', () => {
    const mpc = { policy: createRobustMpcPolicy({ qoe: 'lin' }) };
    const fast = rolloutEpisode(steady(20), video, () => createThroughputRegressor(), mpc, () => 0, 0.25, 'realistic');
    expect(fast).toHaveLength(48);
    expect(fast.slice(5, 40).every((d) => maskedArgmax(d.targets, d.mask) === 5)).toBe(true);
    const slow = rolloutEpisode(steady(0.2), video, () => createThroughputRegressor(), mpc, () => 0, 0.25, 'realistic');
    expect(slow.slice(5, 40).every((d) => maskedArgmax(d.targets, d.mask) === 0)).toBe(true);
  });
});
