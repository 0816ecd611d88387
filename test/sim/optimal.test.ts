import { describe, expect, it } from 'vitest';
import { planOptimal } from '../../src/sim/optimal.js';
import { createPensieveEnv } from '../../src/sim/pensieve-env.js';
import { createRealisticEnv } from '../../src/sim/realistic-env.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { createQoeModel, chunkQoe } from '../../src/qoe/models.js';
import { builtinPolicySpec, BUILTIN_POLICY_NAMES, evaluate } from '../../src/sim/evaluate.js';
import type { SimEnv } from '../../src/sim/env.js';

describe('offline optimum', () => {
  it('equals exhaustive search on a short video', () => {
    const video = createSyntheticVideo({ segments: 6, bitratesKbps: [300, 1200, 4300], seed: 3 });
    const model = createQoeModel('lin', video);
    for (const seed of [1, 2, 3]) {
      const trace = synthesizeTrace({ profile: '3g', seed, durationS: 60 });
      const env = createPensieveEnv(trace, video, { chunkCount: 6 }) as SimEnv<unknown>;
      // Exhaustive: chunk 0 fixed at rung 1, 3^5 plans for the rest.
      let best = -Infinity;
      for (let code = 0; code < 3 ** 5; code++) {
        const plan = [1, ...Array.from({ length: 5 }, (_, i) => Math.floor(code / 3 ** i) % 3)];
        const state = env.initial();
        let sum = 0;
        plan.forEach((rung, i) => {
          const outcome = env.step(state, i, rung);
          if (i > 0) sum += chunkQoe(model, rung, plan[i - 1], outcome.rebufferS);
        });
        best = Math.max(best, sum);
      }
      const result = planOptimal(env, { qoe: model, skipFirst: 1, firstRungIndex: 1, startupPenaltyPerS: 0 });
      expect(result.qoeSum).toBeCloseTo(best, 9);
      expect(result.plan[0]).toBe(1);
    }
  });

  it('is at least every online policy on every trace, in both modes', () => {
    const video = createSyntheticVideo();
    const traces = [1, 2, 3, 4].map((seed) => synthesizeTrace({ profile: seed % 2 ? 'markov' : '3g', seed, durationS: 300 }));
    for (const mode of ['pensieve', 'realistic'] as const) {
      const result = evaluate(video, traces, {
        mode,
        qoe: 'lin',
        policies: BUILTIN_POLICY_NAMES.map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })),
        optimal: true,
      });
      for (const trace of traces) {
        const rows = result.perTrace.filter((r) => r.trace === trace.name);
        const optimal = rows.find((r) => r.policy === 'optimal')!;
        for (const row of rows) expect(optimal.qoe).toBeGreaterThanOrEqual(row.qoe - 1e-9);
      }
    }
  });

  it('lets the realistic optimum choose the first rung (and pay for startup)', () => {
    const video = createSyntheticVideo({ segments: 8 });
    const env = createRealisticEnv(synthesizeTrace({ profile: 'step', seed: 0, durationS: 120 }), video) as SimEnv<unknown>;
    const result = planOptimal(env, { qoe: createQoeModel('lin', video), skipFirst: 0, startupPenaltyPerS: 4.3 });
    expect(result.plan).toHaveLength(8);
    expect(result.statesKept).toBeGreaterThan(8);
  });
});
