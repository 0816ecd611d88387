import { describe, expect, it } from 'vitest';
import type { DecisionContext } from '../../src/core/context.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import { createDqnPolicy, DqnEnvelopeMissingError, DqnModelError, decodeModel, encodeModel } from '../../src/dqn.js';
import { createEnvelopeAccumulator, envelopeViolation } from '../../src/learned/envelope.js';
import { computeFeatures, shieldMask } from '../../src/learned/features.js';
import { createQNetwork, maskedArgmax, qValues } from '../../src/learned/network.js';
import { createThroughputRegressor, freshRegressorState } from '../../src/learned/regressor.js';
import { createRobustMpcPolicy } from '../../src/policies/robustmpc.js';
import { createPrng } from '../../src/sim/prng.js';
import { constantVideo, contextAt, sampleAt } from './helpers.js';

/** Pensieve's ladder (what the shipped model trained on) and a 4K one whose top is six times higher. */
const hd = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 48);
const uhd = constantVideo([1200, 2500, 5000, 8500, 16000, 27000], 4, 48);

const context = (video: SimVideo, segmentIndex: number, mbps: number): DecisionContext => contextAt(video, segmentIndex, mbps);

/** The features the policy computes: its regressor (fresh) fed the same samples predicts. */
function featuresOf(c: DecisionContext) {
  const regressor = createThroughputRegressor({ initial: freshRegressorState() });
  for (const sample of c.history) regressor.addSample(sample);
  return computeFeatures({ ...c, prediction: regressor.predict() });
}

/** The envelope of decisions on the HD ladder at 0.5-6 Mbit/s: a stand-in for a training distribution. */
function hdEnvelope() {
  const accumulator = createEnvelopeAccumulator();
  for (const mbps of [0.5, 1, 2, 3, 4.5, 6]) for (let s = 1; s < 40; s++) accumulator.add(featuresOf(context(hd, s, mbps)));
  return accumulator.envelope(0.05);
}

function model() {
  return { network: createQNetwork([16, 8], [8], createPrng(5)), regressor: freshRegressorState(), envelope: hdEnvelope() };
}

describe('the training envelope', () => {
  it('holds every decision it was measured on, and not a 4K ladder at 30 Mbit/s', () => {
    const envelope = hdEnvelope();
    for (let s = 1; s < 40; s++) {
      const f = featuresOf(context(hd, s, 2));
      expect(envelopeViolation(envelope, f, shieldMask(f))).toBeNull();
    }
    const f = featuresOf(context(uhd, 10, 30));
    const outside = envelopeViolation(envelope, f, shieldMask(f));
    expect(outside).not.toBeNull();
    expect(outside!.value < outside!.min || outside!.value > outside!.max).toBe(true);
  });

  it('a model file without an envelope is rejected with a typed error, and so is a malformed one', () => {
    const file = encodeModel(model(), 'f16');
    const { envelope: _dropped, ...without } = file;
    expect(() => decodeModel(without)).toThrow(DqnEnvelopeMissingError);
    expect(() => decodeModel(without)).toThrow(DqnModelError);
    expect(() => decodeModel({ ...file, envelope: { ...file.envelope, rungMax: [1, 2] } })).toThrow(/rungMax/);
    expect(() => encodeModel({ ...model(), envelope: undefined }, 'f16')).toThrow(DqnEnvelopeMissingError);
    const errors: unknown[] = [];
    const policy = createDqnPolicy({ model: JSON.stringify(without), onError: (e) => errors.push(e) });
    expect(policy.status()).toBe('failed');
    expect(errors).toHaveLength(1);
  });

  it('on an out-of-envelope ladder the DQN decides with RobustMPC and says so', () => {
    const policy = createDqnPolicy({ model: encodeModel(model(), 'f32'), warmUpDecisions: 0 });
    const robust = createRobustMpcPolicy({ qoe: 'lin' });
    const c = context(uhd, 10, 30);
    const decision = policy.decide(c);
    expect(decision.reason.kind).toBe('dqn');
    if (decision.reason.kind !== 'dqn') return;
    expect(decision.reason.fallback).toBe('out-of-distribution');
    expect(decision.rungIndex).toBe(robust.decide(c).rungIndex);
    expect(decision.reason.decided.rungIndex).toBe(decision.rungIndex);
    // In the envelope the network decides (a fresh session: the regressor has seen only these samples).
    policy.reset?.();
    expect(policy.decide(context(hd, 10, 2)).reason.kind).toBe('plan');
  });

  it('with the guard off the network decides even out of its envelope', () => {
    const policy = createDqnPolicy({ model: encodeModel(model(), 'f32'), warmUpDecisions: 0, envelopeGuard: false });
    expect(policy.decide(context(uhd, 10, 30)).reason.kind).toBe('plan');
  });
});

describe('qValues with a shield mask', () => {
  it('scores only the allowed rungs, each shifted by the same constant from the unmasked scores', () => {
    const net = createQNetwork([16, 8], [8], createPrng(9));
    const f = featuresOf(context(hd, 10, 2));
    const full = qValues(net, f);
    const mask = 0b101101;
    const masked = qValues(net, f, mask);
    const shifts: number[] = [];
    for (let k = 0; k < 6; k++) {
      if ((mask >> k) & 1) shifts.push(masked[k] - full[k]);
      else expect(masked[k]).toBe(-Infinity);
    }
    for (const s of shifts) expect(s).toBeCloseTo(shifts[0], 9);
    expect(maskedArgmax(masked, mask)).toBe(maskedArgmax(full, mask));
  });
});
