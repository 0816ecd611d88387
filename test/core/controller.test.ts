import { describe, expect, it } from 'vitest';
import { AbrController, type ControllerEvent } from '../../src/core/controller.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import type { ThroughputEstimator } from '../../src/core/estimator.js';
import { createHarmonicMeanEstimator } from '../../src/estimators/harmonic.js';
import { createRatePolicy } from '../../src/policies/rate.js';
import { PENSIEVE_LADDER, sampleAt } from '../helpers.js';

function controllerWith(policy: AbrPolicy, estimator: ThroughputEstimator = createHarmonicMeanEstimator()) {
  const events: ControllerEvent[] = [];
  const clock = new ManualClock(1000);
  const controller = new AbrController({ ladder: PENSIEVE_LADDER, policy, estimator, clock, onEvent: (e) => events.push(e) });
  return { controller, events, clock };
}

const input = { segmentIndex: 3, segmentsRemaining: 10, bufferS: 8, lastRungIndex: 4 };

describe('AbrController', () => {
  it('builds the context from samples, buffer, bounds and the clock', () => {
    let seen: unknown;
    const { controller } = controllerWith({ name: 'spy', decide: (c) => ((seen = c), { rungIndex: 1, reason: { kind: 'plan', detail: '' } }) });
    controller.addSample(sampleAt(3));
    controller.decide({ ...input, minRungIndex: 1, maxRungIndex: 4 });
    expect(seen).toMatchObject({ bufferS: 8, lastRungIndex: 4, minRungIndex: 1, maxRungIndex: 4, nowMs: 1000, history: [expect.anything()] });
    expect((seen as { prediction: { throughputBps: number } }).prediction.throughputBps).toBeCloseTo(3e6, 3);
  });

  it('falls back to a safe rung and reports it when the policy throws', () => {
    const { controller, events } = controllerWith({ name: 'boom', decide: () => { throw new Error('model exploded'); } });
    controller.addSample(sampleAt(2));
    const decision = controller.decide(input);
    // 80% of 2 Mbit/s = 1.6 Mbit/s -> 1200 kbps (rung 2), never above the last rung (4).
    expect(decision.rungIndex).toBe(2);
    expect(decision.reason.kind).toBe('fallback');
    const error = events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ type: 'error', fallbackRungIndex: 2, error: { code: 'policy-failed' } });
    expect(error?.type === 'error' && error.error.message).toMatch(/model exploded/);
  });

  it('rejects out-of-range and non-integer rungs from a policy', () => {
    for (const rungIndex of [9, -1, 1.5, NaN]) {
      const { controller, events } = controllerWith({ name: 'bad', decide: () => ({ rungIndex, reason: { kind: 'plan', detail: '' } }) });
      expect(controller.decide(input).rungIndex).toBe(0); // no estimate yet: the lowest rung
      expect(events.some((e) => e.type === 'error' && e.error.code === 'invalid-decision')).toBe(true);
    }
  });

  it('treats a non-finite prediction as no prediction', () => {
    const broken: ThroughputEstimator = { name: 'nan', addSample: () => ({ accepted: true }), predict: () => ({ throughputBps: NaN, errorRatio: 0 }), reset: () => {} };
    const { controller } = controllerWith(createRatePolicy(), broken);
    expect(controller.decide(input).reason.kind).toBe('startup');
  });

  it('reports rejected samples and keeps them out of the history', () => {
    const { controller, events } = controllerWith(createRatePolicy());
    controller.addSample({ bytes: 100, durationMs: 0, ttfbMs: 0, startMs: 0, endMs: 0 });
    expect(events).toEqual([expect.objectContaining({ type: 'sample-rejected', reason: 'non-positive-duration' })]);
    expect(controller.decide(input).reason.kind).toBe('startup');
  });

  it('validates its options', () => {
    expect(() => new AbrController({ ladder: { renditions: [], segmentDurationS: 4 }, policy: createRatePolicy(), estimator: createHarmonicMeanEstimator(), clock: new ManualClock() })).toThrow(/no renditions/);
    expect(() => new AbrController({ ladder: PENSIEVE_LADDER, policy: createRatePolicy(), estimator: createHarmonicMeanEstimator(), clock: new ManualClock(), historyLength: 0 })).toThrow(/historyLength/);
  });
});
