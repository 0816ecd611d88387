import { describe, expect, it } from 'vitest';
import { builtinPolicySpec, evaluate } from '../../src/sim/evaluate.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { synthesizeTrace } from '../../src/sim/synth.js';

const options = { qoe: 'lin' as const, pensieveQuirks: false };

describe('built-in policy specs', () => {
  it('pair a policy with a named estimator', () => {
    expect(builtinPolicySpec('robustmpc', options).createEstimator().name).toBe('harmonic');
    expect(builtinPolicySpec('robustmpc+regression', options).createEstimator().name).toBe('regression');
    expect(builtinPolicySpec('rate+ewma', options).createEstimator().name).toBe('ewma');
    expect(builtinPolicySpec('bola+ewma', options).createPolicy().name).toBe('bola');
  });

  it.each(['magic', 'rate+oracle', 'rate+ewma+harmonic', ''])('rejects %j with a typed error', (name) => {
    expect(() => builtinPolicySpec(name, options)).toThrow(expect.objectContaining({ code: 'invalid-options' }));
  });
});

describe('evaluate', () => {
  it('reports one summary row per policy, with the share of the optimum', () => {
    const video = createSyntheticVideo({ segments: 12 });
    const traces = [1, 2].map((seed) => synthesizeTrace({ profile: 'markov', seed, durationS: 100 }));
    const result = evaluate(video, traces, { mode: 'realistic', qoe: 'lin', policies: [builtinPolicySpec('rate', options)], optimal: true });
    expect(result.summary.map((s) => s.policy)).toEqual(['rate', 'optimal']);
    expect(result.summary[1].qoeOfOptimal).toBe(1);
    expect(result.summary[0].qoeOfOptimal).toBeCloseTo(result.summary[0].qoe / result.summary[1].qoe, 12);
    expect(result.perTrace).toHaveLength(4);
    expect(() => evaluate(video, [], { mode: 'realistic', qoe: 'lin', policies: [], optimal: false })).toThrow(/no traces/);
  });
});
