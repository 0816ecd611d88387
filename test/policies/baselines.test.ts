import { describe, expect, it } from 'vitest';
import { createBbaPolicy } from '../../src/policies/bba.js';
import { createRatePolicy } from '../../src/policies/rate.js';
import { createBolaPolicy, solveBolaParameters } from '../../src/policies/bola.js';
import { contextFor, PENSIEVE_LADDER } from '../helpers.js';

describe('bba', () => {
  const policy = createBbaPolicy();
  it.each([
    [0, 0, 'reservoir'],
    [4.99, 0, 'reservoir'],
    [5, 0, 'cushion'],
    [7, 1, 'cushion'], // floor(5 * 2 / 10)
    [11.1, 3, 'cushion'], // floor(5 * 6.1 / 10)
    [14.99, 4, 'cushion'],
    [15, 5, 'upper'],
    [60, 5, 'upper'],
  ])('buffer %f s -> rung %i (%s)', (bufferS, rung, zone) => {
    expect(policy.decide(contextFor(PENSIEVE_LADDER, { bufferS }))).toEqual({ rungIndex: rung, reason: { kind: 'buffer', bufferS, zone } });
  });

  it('respects the allowed range', () => {
    expect(policy.decide(contextFor(PENSIEVE_LADDER, { bufferS: 60, maxRungIndex: 3 })).rungIndex).toBe(3);
    expect(policy.decide(contextFor(PENSIEVE_LADDER, { bufferS: 0, minRungIndex: 2 })).rungIndex).toBe(2);
  });
});

describe('rate', () => {
  it('takes the highest rung at most the budget', () => {
    const policy = createRatePolicy({ safetyFactor: 0.8 });
    const decision = policy.decide(contextFor(PENSIEVE_LADDER, { prediction: { throughputBps: 2_400_000, errorRatio: 0 } }));
    // Budget 1.92 Mbit/s: 1850 kbps fits, 2850 does not.
    expect(decision).toEqual({ rungIndex: 3, reason: { kind: 'throughput', estimateBps: 2_400_000, budgetBps: 1_920_000 } });
  });

  it('rejects a safety factor outside (0, 1]', () => {
    expect(() => createRatePolicy({ safetyFactor: 1.5 })).toThrow(/safetyFactor/);
  });
});

describe('bola', () => {
  it('places the switch points between minBufferS and the target', () => {
    const { switchUpBufferS } = solveBolaParameters(PENSIEVE_LADDER, 10, 30);
    expect(switchUpBufferS[1]).toBeCloseTo(10, 9);
    expect(switchUpBufferS[5]).toBeCloseTo(26, 9); // target 30 minus one 4 s segment
    for (let i = 2; i < switchUpBufferS.length; i++) expect(switchUpBufferS[i]).toBeGreaterThan(switchUpBufferS[i - 1]);
  });

  it('starts at the throughput rung thanks to the placeholder, then follows the buffer', () => {
    const policy = createBolaPolicy();
    const startup = policy.decide(contextFor(PENSIEVE_LADDER, { bufferS: 0, lastRungIndex: null, prediction: { throughputBps: 2.2e6, errorRatio: 0 } }));
    // 0.9 * 2.2 Mbit/s = 1.98 Mbit/s supports 1850 kbps (rung 3); plain BOLA would pick rung 0 on an empty buffer.
    expect(startup.rungIndex).toBe(3);
    expect(startup.reason).toMatchObject({ kind: 'bola', cappedByThroughput: false });
  });

  it('never steps up past what the throughput supports', () => {
    const policy = createBolaPolicy();
    policy.decide(contextFor(PENSIEVE_LADDER, { bufferS: 0, lastRungIndex: null, prediction: { throughputBps: 1e6, errorRatio: 0 } }));
    const decision = policy.decide(contextFor(PENSIEVE_LADDER, { bufferS: 29, lastRungIndex: 1, prediction: { throughputBps: 1e6, errorRatio: 0 } }));
    expect(decision.rungIndex).toBe(1);
    expect(decision.reason).toMatchObject({ kind: 'bola', cappedByThroughput: true });
  });
});
