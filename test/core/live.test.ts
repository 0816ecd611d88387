import { describe, expect, it } from 'vitest';
import { AbrController } from '../../src/core/controller.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import type { DecisionContext } from '../../src/core/context.js';
import { createHarmonicMeanEstimator } from '../../src/estimators/harmonic.js';
import { withStallGuard } from '../../src/policies/stall-guard.js';
import { PENSIEVE_LADDER } from '../helpers.js';

const input = { segmentIndex: 3, segmentsRemaining: null, bufferS: 2, lastRungIndex: 1 };

function controllerAsking(playbackRate: number | undefined, bounds?: { minRate: number; maxRate: number }) {
  let seen: DecisionContext | undefined;
  const policy: AbrPolicy = {
    name: 'rate-asker',
    decide: (c) => ((seen = c), { rungIndex: 1, reason: { kind: 'plan', detail: '' }, ...(playbackRate === undefined ? {} : { playbackRate }) }),
  };
  const controller = new AbrController({
    ladder: PENSIEVE_LADDER, policy, estimator: createHarmonicMeanEstimator(), clock: new ManualClock(0),
    ...(bounds === undefined ? {} : { playbackRateBounds: bounds }),
  });
  return { controller, seen: () => seen };
}

describe('live state and playback rate in the controller', () => {
  it('passes the live latency through to the policy and marks the context live', () => {
    const { controller, seen } = controllerAsking(undefined);
    controller.decide({ ...input, live: { latencyS: 4.2, targetLatencyS: 3, partDurationS: 1 } });
    expect(seen()).toMatchObject({ isLive: true, live: { latencyS: 4.2, targetLatencyS: 3, partDurationS: 1 } });
  });

  it('leaves `live` out when the adapter measured nothing usable', () => {
    const { controller, seen } = controllerAsking(undefined);
    controller.decide({ ...input, isLive: true, live: { latencyS: NaN, targetLatencyS: 3 } });
    expect(seen()?.isLive).toBe(true);
    expect(seen()?.live).toBeUndefined();
    controller.decide({ ...input });
    expect(seen()?.isLive).toBe(false);
  });

  it('holds the asked-for rate to 0.95-1.05 by default and to the given bounds otherwise', () => {
    expect(controllerAsking(1.3).controller.decide(input).playbackRate).toBe(1.05);
    expect(controllerAsking(0.5).controller.decide(input).playbackRate).toBe(0.95);
    expect(controllerAsking(1.02).controller.decide(input).playbackRate).toBe(1.02);
    expect(controllerAsking(1.3, { minRate: 0.9, maxRate: 1.1 }).controller.decide(input).playbackRate).toBe(1.1);
  });

  it('drops a non-finite rate and gives none when the policy gave none', () => {
    expect('playbackRate' in controllerAsking(NaN).controller.decide(input)).toBe(false);
    expect('playbackRate' in controllerAsking(undefined).controller.decide(input)).toBe(false);
  });

  it('rejects bounds that exclude real time', () => {
    expect(() => controllerAsking(1, { minRate: 1.01, maxRate: 1.05 })).toThrow(/playbackRateBounds/);
    expect(() => controllerAsking(1, { minRate: 0, maxRate: 1.05 })).toThrow(/playbackRateBounds/);
  });

  it('keeps the rate when the stall guard lowers the rung', () => {
    const inner: AbrPolicy = { name: 'greedy', decide: () => ({ rungIndex: 5, reason: { kind: 'plan', detail: '' }, playbackRate: 0.97 }) };
    const controller = new AbrController({ ladder: PENSIEVE_LADDER, policy: withStallGuard(inner), estimator: createHarmonicMeanEstimator(), clock: new ManualClock(0) });
    for (let i = 0; i < 5; i += 1) controller.addSample({ bytes: 100_000, durationMs: 1000, ttfbMs: 0, startMs: i * 1000, endMs: i * 1000 + 1000 });
    const decision = controller.decide({ ...input, bufferS: 1 });
    expect(decision.reason.kind).toBe('stall-guard');
    expect(decision.rungIndex).toBeLessThan(5);
    expect(decision.playbackRate).toBe(0.97);
  });
});
