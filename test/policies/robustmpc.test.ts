import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createRobustMpcPolicy } from '../../src/policies/robustmpc.js';
import { createQoeModel } from '../../src/qoe/models.js';
import { ladderFromBitrates, segmentSizeBytes, type Ladder } from '../../src/core/ladder.js';
import type { Decision } from '../../src/core/decision.js';
import { contextFor, PENSIEVE_LADDER } from '../helpers.js';

/** Exhaustive reference: every rung combination, ties to the lexicographically last (Pensieve's `>=`). */
function bruteForce(ladder: Ladder, bufferS: number, lastRung: number, bps: number, segment: number, steps: number, switchPenalty = 0) {
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
    let switches = 0;
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
      if (rung !== last) switches++;
      last = rung;
    });
    const objective = units / model.unitDivisor - model.rebufferPenalty * rebuffer - smooth / model.unitDivisor - switchPenalty * switches;
    if (objective >= best) {
      best = objective;
      bestPlan = plan;
    }
  }
  return { plan: bestPlan, objective: best };
}

/** The plan of a RobustMPC decision (throws on any other reason). */
function planOf(decision: Decision): readonly number[] {
  if (decision.reason.kind !== 'mpc') throw new Error(`expected an mpc decision, got ${decision.reason.kind}`);
  return decision.reason.plan;
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

  it('plans exactly what exhaustive search plans with a cost per switch', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 100, max: 8000 }), { minLength: 2, maxLength: 5 }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.nat(),
        (kbps, bufferS, mbps, switchPenalty, lastSeed) => {
          const ladder = ladderFromBitrates([...kbps].sort((a, b) => a - b).map((k) => k * 1000), 4);
          const lastRung = lastSeed % kbps.length;
          const decision = createRobustMpcPolicy({ horizon: 4, switchPenalty }).decide(
            contextFor(ladder, { bufferS, lastRungIndex: lastRung, prediction: { throughputBps: mbps * 1e6, errorRatio: 0 }, segmentsRemaining: 99 }),
          );
          const reference = bruteForce(ladder, bufferS, lastRung, mbps * 1e6, 10, 4, switchPenalty);
          if (decision.reason.kind !== 'mpc') throw new Error(`expected an mpc decision, got ${decision.reason.kind}`);
          expect(decision.reason.objective).toBeCloseTo(reference.objective, 9);
          expect(decision.reason.plan).toEqual(reference.plan);
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it('plans no more switches with a larger cost per switch', () => {
    const switches = (plan: readonly number[], last: number) => plan.filter((rung, i) => rung !== (i === 0 ? last : plan[i - 1])).length;
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 100, max: 8000 }), { minLength: 2, maxLength: 6 }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        fc.double({ min: 0.1, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        fc.nat(),
        (kbps, bufferS, mbps, low, extra, lastSeed) => {
          const ladder = ladderFromBitrates([...kbps].sort((a, b) => a - b).map((k) => k * 1000), 4);
          const lastRung = lastSeed % kbps.length;
          const context = contextFor(ladder, { bufferS, lastRungIndex: lastRung, prediction: { throughputBps: mbps * 1e6, errorRatio: 0 }, segmentsRemaining: 99 });
          const plans = [low, low + extra].map((switchPenalty) => planOf(createRobustMpcPolicy({ switchPenalty }).decide(context)));
          expect(switches(plans[1], lastRung)).toBeLessThanOrEqual(switches(plans[0], lastRung));
        },
      ),
      { numRuns: 300, seed: 5 },
    );
  });

  it('climbs a ramp in fewer steps with a cost per switch', () => {
    // The QoE alone plans 0 -> 3 -> 4 (two switches: its smoothness term charges the size of a change,
    // not how many); at 1 QoE unit a switch the plan stays a chunk longer and jumps once (0 -> 4).
    const ladder = ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4);
    const context = contextFor(ladder, { bufferS: 4, lastRungIndex: 0, prediction: { throughputBps: 2.5e6, errorRatio: 0 }, segmentsRemaining: 99 });
    const plan = (switchPenalty: number) => planOf(createRobustMpcPolicy({ switchPenalty }).decide(context));
    const count = (p: readonly number[]) => p.filter((rung, i) => rung !== (i === 0 ? 0 : p[i - 1])).length;
    expect(count(plan(1))).toBeLessThan(count(plan(0)));
  });

  it('rejects a negative or non-finite switch penalty', () => {
    expect(() => createRobustMpcPolicy({ switchPenalty: -1 })).toThrow(/switchPenalty/);
    expect(() => createRobustMpcPolicy({ switchPenalty: Number.NaN })).toThrow(/switchPenalty/);
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
