import { describe, expect, it } from 'vitest';
import { createAdapterCore, mapLadder, rungBounds, createNamedPolicy } from '../../src/adapters/setup.js';
import { ladderFromBitrates } from '../../src/core/ladder.js';
import { AbrkitError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AbrPolicy } from '../../src/core/policy.js';

describe('mapLadder', () => {
  it('sorts player renditions by bitrate and maps rungs back to player indices', () => {
    const mapping = mapLadder(
      [
        { id: 'a', bitrateBps: 1_200_000 },
        { id: 'b', bitrateBps: 300_000 },
        { id: 'c', bitrateBps: 4_300_000 },
      ],
      4,
    );
    expect(mapping.ladder.renditions.map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(mapping.rungOf).toEqual([1, 0, 2]);
    expect(mapping.playerIndexOf).toEqual([1, 0, 2]);
    expect(rungBounds(mapping, (i) => i !== 2)).toEqual({ min: 0, max: 1 });
    expect(rungBounds(mapping, () => false)).toBeNull();
  });
});

describe('createAdapterCore', () => {
  const ladder = ladderFromBitrates([300_000, 750_000], 4);

  it('rejects an unknown policy name with invalid-options before anything runs', () => {
    const attempt = () => createAdapterCore({ policy: 'nope' as 'rate' }, ladder);
    expect(attempt).toThrow(AbrkitError);
    expect(attempt).toThrow(/unknown policy 'nope'/);
  });

  it('rejects a policy object without decide', () => {
    expect(() => createAdapterCore({ policy: { name: 'x' } as unknown as AbrPolicy }, ladder)).toThrow(/decide/);
  });

  it('runs a caller policy through the core and forwards events', () => {
    const events: string[] = [];
    const policy: AbrPolicy = { name: 'always-top', decide: (c) => ({ rungIndex: c.maxRungIndex, reason: { kind: 'startup', detail: 'test' } }) };
    const core = createAdapterCore({ policy, clock: new ManualClock(), onEvent: (e) => events.push(e.type) }, ladder);
    expect(core.controller.decide({ segmentIndex: 0, segmentsRemaining: 3, bufferS: 0, lastRungIndex: null }).rungIndex).toBe(1);
    expect(events).toEqual(['decision']);
    expect(core.abandonRule).not.toBeNull();
    expect(createAdapterCore({ policy, abandon: false }, ladder).abandonRule).toBeNull();
  });

  it('puts the policy behind the stall guard when asked, and rejects a malformed stallGuard', () => {
    const policy: AbrPolicy = { name: 'always-top', decide: (c) => ({ rungIndex: c.maxRungIndex, reason: { kind: 'startup', detail: 'test' } }) };
    const sample = { bytes: 100_000, durationMs: 2000, ttfbMs: 50, startMs: 0, endMs: 2000 }; // 0.4 Mbit/s
    const decideAfterSlowSample = (stallGuard?: boolean) => {
      const core = createAdapterCore({ policy, clock: new ManualClock(), ...(stallGuard === undefined ? {} : { stallGuard }) }, ladder);
      core.controller.addSample(sample);
      // 750 kbps x 4 s = 3 Mbit: 7.5 s at 0.4 Mbit/s, with 8 s buffered.
      return core.controller.decide({ segmentIndex: 1, segmentsRemaining: 3, bufferS: 8, lastRungIndex: 0 });
    };
    expect(decideAfterSlowSample().rungIndex).toBe(1);
    expect(decideAfterSlowSample(false).rungIndex).toBe(1);
    const guarded = decideAfterSlowSample(true);
    expect(guarded.rungIndex).toBe(0);
    expect(guarded.reason.kind).toBe('stall-guard');
    expect(() => createAdapterCore({ policy, stallGuard: 3 as unknown as boolean }, ladder)).toThrow(/stallGuard/);
    expect(() => createAdapterCore({ policy, stallGuard: { minReserveS: -1 } }, ladder)).toThrow(/minReserveS/);
  });

  it('gives RobustMPC an estimator with prediction errors, like the simulator', () => {
    const { policy, estimator } = createNamedPolicy('robustmpc');
    expect(policy.name).toBe('robustmpc');
    estimator.addSample({ bytes: 500_000, durationMs: 1000, ttfbMs: 50, startMs: 0, endMs: 1000 });
    estimator.addSample({ bytes: 250_000, durationMs: 1000, ttfbMs: 50, startMs: 1000, endMs: 2000 });
    // Predicted 4 Mbps after the first sample, then saw 2 Mbps: relative error 1.
    expect(estimator.predict()?.errorRatio).toBe(1);
  });
});
