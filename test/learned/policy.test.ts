import { describe, expect, it } from 'vitest';
import type { DecisionContext } from '../../src/core/context.js';
import { createDqnPolicy, DqnFallbackError } from '../../src/dqn.js';
import { createQNetwork } from '../../src/learned/network.js';
import { encodeModel, type DqnModel } from '../../src/learned/model.js';
import { freshRegressorState } from '../../src/learned/regressor.js';
import { createRobustMpcPolicy } from '../../src/policies/robustmpc.js';
import { createPrng } from '../../src/sim/prng.js';
import { constantVideo, contextAt, sampleAt, wideEnvelope } from './helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 48);

function context(segmentIndex: number, mbps: number): DecisionContext {
  return contextAt(video, segmentIndex, mbps, { bufferS: 10, noPredictionWithoutHistory: true });
}

function model(): DqnModel {
  return { network: createQNetwork([16, 8], [8], createPrng(5)), regressor: freshRegressorState(), envelope: wideEnvelope() };
}

describe('createDqnPolicy', () => {
  it('decides with a good model and reports nothing', () => {
    const errors: DqnFallbackError[] = [];
    const policy = createDqnPolicy({ model: encodeModel(model(), 'f16'), warmUpDecisions: 0, onError: (e) => errors.push(e) });
    expect(policy.status()).toBe('ready');
    for (let s = 1; s < 10; s++) {
      const d = policy.decide(context(s, 2));
      expect(d.rungIndex).toBeGreaterThanOrEqual(0);
      expect(d.rungIndex).toBeLessThanOrEqual(5);
      expect(d.reason.kind).toBe('plan');
    }
    expect(errors).toEqual([]);
  });

  it('warms up on a throwaway network before ready resolves, a few decisions per task, the fallback deciding meanwhile, without changing what it decides', async () => {
    const steps: (() => void)[] = [];
    const warmed = createDqnPolicy({ model: model(), warmUpDecisions: 25, schedule: (step) => steps.push(step) });
    const cold = createDqnPolicy({ model: model(), warmUpDecisions: 0 });
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    let readyValue: boolean | null = null;
    void warmed.ready.then((v) => (readyValue = v));
    expect(warmed.status()).toBe('warming');
    expect(warmed.decide(context(5, 2))).toEqual(mpc.decide(context(5, 2)));
    let tasks = 0;
    while (steps.length > 0) {
      steps.shift()!();
      tasks++;
      await Promise.resolve();
    }
    await Promise.resolve();
    expect(tasks).toBe(3); // 10 + 10 + 5 decisions
    expect(readyValue).toBe(true);
    // Then two real decisions shadowed: the fallback decides them, the network runs on them in a later task.
    expect(warmed.status()).toBe('warming');
    for (const s of [1, 2]) expect(warmed.decide(context(s, 1 + s / 4))).toEqual(mpc.decide(context(s, 1 + s / 4)));
    expect(steps).toHaveLength(2);
    steps.shift()!();
    expect(warmed.status()).toBe('warming');
    steps.shift()!();
    expect(warmed.status()).toBe('ready');
    // The shadowed network is where it would be had it decided those two itself.
    for (const s of [1, 2]) cold.decide(context(s, 1 + s / 4));
    for (let s = 3; s < 12; s++) expect(warmed.decide(context(s, 1 + s / 4))).toEqual(cold.decide(context(s, 1 + s / 4)));
    expect(() => createDqnPolicy({ warmUpDecisions: -1 })).toThrow(/warmUpDecisions/);
    expect(() => createDqnPolicy({ shadowDecisions: 0.5 })).toThrow(/shadowDecisions/);
  });

  it('falls back to RobustMPC and reports a typed error on a corrupt model', async () => {
    const errors: DqnFallbackError[] = [];
    const file = encodeModel(model(), 'f16');
    const corrupt = { ...file, advantage: [{ ...file.advantage[0], weights: 'AAAA' }, ...file.advantage.slice(1)] };
    const policy = createDqnPolicy({ loadModel: async () => corrupt, onError: (e) => errors.push(e) });
    expect(await policy.ready).toBe(false);
    expect(policy.status()).toBe('failed');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(DqnFallbackError);
    expect(errors[0].code).toBe('policy-failed');
    expect(errors[0].kind).toBe('model-load');
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    for (const mbps of [0.5, 1.5, 3, 6]) expect(policy.decide(context(5, mbps))).toEqual(mpc.decide(context(5, mbps)));
  });

  it('falls back when loading throws', async () => {
    const errors: DqnFallbackError[] = [];
    const policy = createDqnPolicy({
      loadModel: () => Promise.reject(new Error('network down')),
      onError: (e) => errors.push(e),
    });
    expect(await policy.ready).toBe(false);
    expect(errors.map((e) => e.kind)).toEqual(['model-load']);
    expect(errors[0].message).toMatch(/network down/);
  });

  it('uses the fallback while the model is loading, then the model', async () => {
    let release: (value: unknown) => void = () => {};
    const pending = new Promise((resolve) => (release = resolve));
    const policy = createDqnPolicy({ loadModel: () => pending, shadowDecisions: 0 });
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    expect(policy.status()).toBe('loading');
    expect(policy.decide(context(5, 2))).toEqual(mpc.decide(context(5, 2)));
    release(encodeModel(model(), 'f32'));
    expect(await policy.ready).toBe(true);
    expect(policy.decide(context(5, 2)).reason.kind).toBe('plan');
  });

  it('falls back when the network outputs NaN', () => {
    const broken = model();
    broken.network.value.layers[0].bias[0] = NaN;
    broken.network.value.layers[0].weights.fill(0);
    const errors: DqnFallbackError[] = [];
    const policy = createDqnPolicy({ model: broken, warmUpDecisions: 0, onError: (e) => errors.push(e) });
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    expect(policy.decide(context(5, 2))).toEqual(mpc.decide(context(5, 2)));
    expect(errors.map((e) => e.kind)).toEqual(['non-finite-output']);
    expect(policy.status()).toBe('failed');
  });

  it('falls back after too many decisions over the time budget', () => {
    let nowMs = 0;
    const errors: DqnFallbackError[] = [];
    const policy = createDqnPolicy({
      model: model(),
      warmUpDecisions: 0,
      timeBudgetMs: 1,
      overBudgetLimit: 2,
      timer: () => (nowMs += 3),
      onError: (e) => errors.push(e),
    });
    policy.decide(context(5, 2));
    expect(errors).toEqual([]);
    policy.decide(context(6, 2));
    expect(errors.map((e) => e.kind)).toEqual(['over-budget']);
    expect(policy.status()).toBe('failed');
  });

  it('loads the shipped model lazily', async () => {
    const policy = createDqnPolicy({ shadowDecisions: 0 });
    expect(policy.status()).toBe('loading');
    expect(await policy.ready).toBe(true);
    // Decided by the loaded model (its network, or the baseline it did not beat), not a fallback.
    expect(['plan', 'dqn']).toContain(policy.decide(context(5, 2)).reason.kind);
  });

  it('keeps the baseline choice unless the network beats it by the deviation margin', () => {
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    const trusting = createDqnPolicy({ model: model(), warmUpDecisions: 0, deviationMargin: 1e9 });
    const free = createDqnPolicy({ model: model(), warmUpDecisions: 0, deviationMargin: -1 });
    let kept = 0;
    for (const mbps of [0.8, 1.5, 3, 6]) {
      const c = { ...context(5, mbps), bufferS: 20 };
      const d = trusting.decide(c);
      if (d.rungIndex === mpc.decide(c).rungIndex) kept++;
      expect(free.decide(c).reason.kind).toBe('plan');
    }
    // With 20 s of buffer the shield allows every rung, so the baseline is always kept.
    expect(kept).toBe(4);
  });

  it('rejects bad options', () => {
    expect(() => createDqnPolicy({ timeBudgetMs: 0 })).toThrow(/timeBudgetMs/);
  });
});
