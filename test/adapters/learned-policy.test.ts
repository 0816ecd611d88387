import { describe, expect, it } from 'vitest';
import type { DecisionContext } from '../../src/core/context.js';
import type { DecisionReason } from '../../src/core/decision.js';
import { AbrkitError } from '../../src/core/errors.js';
import { createAdapterCore, createAdapterPolicy } from '../../src/adapters/setup.js';
import { createLazyLearnedPolicy, type LearnedModule } from '../../src/adapters/learned-policy.js';
import { ladderFromBitrates } from '../../src/core/ladder.js';
import { createDqnPolicy } from '../../src/learned/dqn-policy.js';
import { loadLearnedEstimator } from '../../src/learned/learned-estimator.js';
import { constantVideo, contextAt, sampleAt } from '../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 48);

function context(segmentIndex: number, mbps: number): DecisionContext {
  return contextAt(video, segmentIndex, mbps, { fullHistory: true });
}

const realModule = async (): Promise<LearnedModule> => ({ createDqnPolicy: (o) => createDqnPolicy({ ...o, warmUpDecisions: 0 }), loadLearnedEstimator: () => loadLearnedEstimator() });

/** The reason under the stall guard's, when it lowered the choice. */
const inner = (reason: DecisionReason): DecisionReason => (reason.kind === 'stall-guard' ? inner(reason.proposed.reason) : reason);

describe('learned policies by name in the adapters', () => {
  it('dqn: RobustMPC decides until the weights load, then the network (behind the stall guard)', async () => {
    const errors: AbrkitError[] = [];
    const lazy = createLazyLearnedPolicy('dqn', { load: realModule, onError: (e) => errors.push(e) });
    expect(inner(lazy.policy.decide(context(5, 2)).reason).kind).toBe('mpc');
    expect(await lazy.ready).toBe(true);
    const reason = inner(lazy.policy.decide(context(6, 2)).reason);
    expect(reason.kind).toBe('plan');
    if (reason.kind === 'plan') expect(reason.detail).toMatch(/^dqn/);
    expect(errors).toEqual([]);
  });

  it('a failed load falls back to RobustMPC behind the stall guard and reports it once', async () => {
    const errors: AbrkitError[] = [];
    const lazy = createLazyLearnedPolicy('dqn', { load: () => Promise.reject(new Error('offline')), onError: (e) => errors.push(e) });
    expect(await lazy.ready).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(AbrkitError);
    expect(errors[0].code).toBe('policy-failed');
    expect(errors[0].message).toMatch(/offline/);
    expect(inner(lazy.policy.decide(context(6, 2)).reason).kind).toBe('mpc');
  });

  it('robustmpc+learned: the learned estimator replaces the stand-in once loaded, caught up on recent samples', async () => {
    const lazy = createLazyLearnedPolicy('robustmpc+learned', { load: realModule });
    for (let i = 0; i < 4; i++) lazy.estimator.addSample(sampleAt(3, 600_000, 4000 * (i + 1)));
    const before = lazy.estimator.predict();
    expect(await lazy.ready).toBe(true);
    const after = lazy.estimator.predict();
    expect(before).not.toBeNull();
    expect(after).not.toBeNull();
    // The regressor, not the harmonic mean of four equal samples (exactly 3 Mbit/s).
    expect(before!.throughputBps).toBeCloseTo(3e6, 0);
    expect(after!.throughputBps).not.toBeCloseTo(3e6, 0);
  });

  it('createAdapterCore accepts the names and decides at once', () => {
    for (const policy of ['dqn', 'robustmpc+learned'] as const) {
      const core = createAdapterCore({ policy, onPolicyError: () => {} }, ladderFromBitrates([300_000, 750_000], 4));
      expect(core.controller).toBeDefined();
    }
  });

  it('createAdapterPolicy builds what the adapter plays: the learned policy by name, its estimator, the stand-in warmed up', async () => {
    const errors: AbrkitError[] = [];
    const built = createAdapterPolicy({ policy: 'dqn', warmUpDecisions: 20, onPolicyError: (e) => errors.push(e) });
    expect(built.policy.name).toBe('dqn');
    const first = built.policy.decide(context(5, 2));
    expect(inner(first.reason).kind).toBe('mpc');
    await built.warmedUp;
    expect(errors).toEqual([]);
    expect(() => createAdapterPolicy({ policy: 'dqn', warmUpDecisions: -1 })).toThrow(/warmUpDecisions/);
    expect(() => createAdapterPolicy({ policy: 'nope' as never })).toThrow(/unknown|policy/i);
  });

  it('switchPenalty reaches the RobustMPC of robustmpc, robustmpc+learned and the stand-in', () => {
    // At 2.5 Mbit/s with 4 s buffered on rung 0, RobustMPC alone plans 0 -> 3 -> 4; at 1 QoE unit a switch it stays on 0.
    const ramp: DecisionContext = { ...context(5, 2.5), bufferS: 4, lastRungIndex: 0, prediction: { throughputBps: 2.5e6, errorRatio: 0 } };
    const first = (options: Parameters<typeof createAdapterPolicy>[0]) => {
      const reason = inner(createAdapterPolicy({ warmUpDecisions: 0, ...options }).policy.decide(ramp).reason);
      if (reason.kind !== 'mpc') throw new Error(`expected an mpc decision, got ${reason.kind}`);
      return reason.plan[0];
    };
    expect(first({ policy: 'robustmpc' })).toBeGreaterThan(0);
    expect(first({ policy: 'robustmpc', switchPenalty: 1 })).toBe(0);
    // robustmpc+learned before its module has loaded: the stand-in RobustMPC with the same penalty.
    expect(first({ policy: 'robustmpc+learned', switchPenalty: 1 })).toBe(0);
    expect(() => createAdapterPolicy({ policy: 'robustmpc', switchPenalty: -1 })).toThrow(/switchPenalty/);
  });
});
