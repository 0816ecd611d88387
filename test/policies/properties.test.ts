import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DecisionContext } from '../../src/core/context.js';
import type { Ladder } from '../../src/core/ladder.js';
import { createRatePolicy } from '../../src/policies/rate.js';
import { createBbaPolicy } from '../../src/policies/bba.js';
import { createBolaPolicy } from '../../src/policies/bola.js';
import { createRobustMpcPolicy } from '../../src/policies/robustmpc.js';

const ladderArb: fc.Arbitrary<Ladder> = fc
  .record({
    bitratesKbps: fc.uniqueArray(fc.integer({ min: 50, max: 50_000 }), { minLength: 1, maxLength: 14 }),
    segmentDurationS: fc.double({ min: 0.5, max: 10, noNaN: true }),
    withSizes: fc.boolean(),
    segments: fc.integer({ min: 1, max: 30 }),
    complexity: fc.double({ min: 0.2, max: 3, noNaN: true }),
  })
  .map(({ bitratesKbps, segmentDurationS, withSizes, segments, complexity }) => {
    const sorted = [...bitratesKbps].sort((a, b) => a - b);
    return {
      renditions: sorted.map((kbps, i) => ({ id: String(i), bitrateBps: kbps * 1000 })),
      segmentDurationS,
      ...(withSizes
        ? { segmentSizesBytes: Array.from({ length: segments }, (_, s) => sorted.map((kbps) => (kbps * 125 * segmentDurationS * complexity * (1 + (s % 3))) / 2)) }
        : {}),
    };
  });

const contextArb: fc.Arbitrary<DecisionContext> = ladderArb.chain((ladder) => {
  const top = ladder.renditions.length - 1;
  return fc
    .record({
      min: fc.integer({ min: 0, max: top }),
      span: fc.integer({ min: 0, max: top }),
      lastRung: fc.option(fc.integer({ min: 0, max: top })),
      bufferS: fc.double({ min: 0, max: 200, noNaN: true }),
      prediction: fc.option(fc.record({ throughputBps: fc.double({ min: 1e3, max: 1e9, noNaN: true }), errorRatio: fc.double({ min: 0, max: 20, noNaN: true }) })),
      segmentIndex: fc.integer({ min: 0, max: 40 }),
      remaining: fc.option(fc.integer({ min: 1, max: 40 })),
      playbackRate: fc.double({ min: 0.25, max: 4, noNaN: true }),
    })
    .map(({ min, span, lastRung, bufferS, prediction, segmentIndex, remaining, playbackRate }): DecisionContext => ({
      ladder,
      segmentIndex,
      segmentsRemaining: remaining,
      isLive: remaining === null,
      bufferS,
      playbackRate,
      lastRungIndex: lastRung,
      history: [],
      prediction,
      minRungIndex: min,
      maxRungIndex: Math.min(top, min + span),
      nowMs: 0,
    }));
});

const POLICIES = {
  rate: () => createRatePolicy(),
  bba: () => createBbaPolicy(),
  'bba (bitrate mapping)': () => createBbaPolicy({ mapping: 'bitrate' }),
  bola: () => createBolaPolicy(),
  robustmpc: () => createRobustMpcPolicy(),
  'robustmpc (pensieve sizes)': () => createRobustMpcPolicy({ pensieveNextChunkSizes: true, horizon: 3 }),
};

describe('every policy, on arbitrary ladders and contexts', () => {
  for (const [name, create] of Object.entries(POLICIES)) {
    it(`${name} returns an allowed rung with a reason and never throws`, () => {
      const policy = create();
      fc.assert(
        fc.property(fc.array(contextArb, { minLength: 1, maxLength: 5 }), (contexts) => {
          // A sequence of decisions, so stateful policies (BOLA's placeholder) are exercised too.
          for (const context of contexts) {
            const decision = policy.decide(context);
            expect(Number.isInteger(decision.rungIndex)).toBe(true);
            expect(decision.rungIndex).toBeGreaterThanOrEqual(context.minRungIndex);
            expect(decision.rungIndex).toBeLessThanOrEqual(context.maxRungIndex);
            expect(typeof decision.reason.kind).toBe('string');
          }
        }),
        { numRuns: 300, seed: 20261122 },
      );
    });
  }
});
