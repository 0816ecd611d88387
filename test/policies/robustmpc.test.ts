import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRobustMpcPolicy } from '../../src/policies/robustmpc.js';
import { createQoeModel } from '../../src/qoe/models.js';
import { ladderFromBitrates, segmentSizeBytes, type Ladder } from '../../src/core/ladder.js';
import { contextFor, PENSIEVE_LADDER } from '../helpers.js';

/** Exhaustive reference: every rung combination, ties to the lexicographically last (Pensieve's `>=`). */
function bruteForce(ladder: Ladder, bufferS: number, lastRung: number, bps: number, segment: number, steps: number) {
  const model = createQoeModel('lin', ladder);
  const n = ladder.renditions.length;
  let best = -Infinity;
  let bestPlan: number[] = [];
  const total = n ** steps;
  for (let code = 0; code < total; code++) {
    const plan: number[] = [];
    for (let i = steps - 1, c = code; i >= 0; i--, c = Math.floor(c / n)) plan[i] = c % n;
    let buffer = bufferS;
    let rebuffer = 0;
    let units = 0;
    let smooth = 0;
    let last = lastRung;
    plan.forEach((rung, step) => {
      const dt = (segmentSizeBytes(ladder, segment + step, rung) * 8) / bps;
      if (buffer < dt) {
        rebuffer += dt - buffer;
        buffer = 0;
      } else buffer -= dt;
      buffer += ladder.segmentDurationS;
      units += model.utilityUnits[rung];
      smooth += Math.abs(model.utilityUnits[rung] - model.utilityUnits[last]);
      last = rung;
    });
    const objective = units / model.unitDivisor - model.rebufferPenalty * rebuffer - smooth / model.unitDivisor;
    if (objective >= best) {
      best = objective;
      bestPlan = plan;
    }
  }
  return { plan: bestPlan, objective: best };
}

describe('robustmpc', () => {
  it('plans exactly what exhaustive search plans (branch and bound loses nothing)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 100, max: 8000 }), { minLength: 2, maxLength: 6 }),
        fc.double({ min: 0, max: 40, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        fc.nat(),
        (kbps, bufferS, mbps, horizon, lastSeed) => {
          const ladder = ladderFromBitrates([...kbps].sort((a, b) => a - b).map((k) => k * 1000), 4);
          const lastRung = lastSeed % kbps.length;
          const policy = createRobustMpcPolicy({ horizon });
          const decision = policy.decide(
            contextFor(ladder, { bufferS, lastRungIndex: lastRung, prediction: { throughputBps: mbps * 1e6, errorRatio: 0 }, segmentsRemaining: 99 }),
          );
          const reference = bruteForce(ladder, bufferS, lastRung, mbps * 1e6, 10, horizon);
          expect(decision.reason.kind).toBe('mpc');
          if (decision.reason.kind !== 'mpc') return;
          expect(decision.reason.objective).toBeCloseTo(reference.objective, 9);
          expect(decision.reason.plan).toEqual(reference.plan);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('discounts the prediction by its recent error', () => {
    const policy = createRobustMpcPolicy();
    const decision = policy.decide(contextFor(PENSIEVE_LADDER, { prediction: { throughputBps: 3e6, errorRatio: 0.5 } }));
    expect(decision.reason).toMatchObject({ kind: 'mpc', predictedBps: 2e6 });
  });

  it('shortens the horizon at the end of the video', () => {
    const policy = createRobustMpcPolicy();
    const decision = policy.decide(contextFor(PENSIEVE_LADDER, { segmentsRemaining: 2 }));
    expect(decision.reason.kind === 'mpc' && decision.reason.plan).toHaveLength(2);
  });

  it('starts on the configured rung before any estimate', () => {
    const decision = createRobustMpcPolicy({ startRung: 3 }).decide(contextFor(PENSIEVE_LADDER, { prediction: null }));
    expect(decision).toEqual({ rungIndex: 3, reason: { kind: 'startup', detail: 'no throughput estimate yet' } });
  });
});
