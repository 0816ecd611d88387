import { describe, expect, it } from 'vitest';
import type { DecisionContext } from '../../src/core/context.js';
import type { DownloadSample } from '../../src/core/sample.js';
import { warmUp, warmUpDecisions } from '../../src/core/warm-up.js';
import { createNamedPolicy } from '../../src/adapters/setup.js';

describe('warmUp', () => {
  it('runs the decisions through the target a few per task, feeding its estimator first, then resolves', async () => {
    const steps: (() => void)[] = [];
    const contexts: DecisionContext[] = [];
    const samples: DownloadSample[] = [];
    const target = {
      policy: { name: 'probe', decide: (c: DecisionContext) => (contexts.push(c), { rungIndex: c.minRungIndex, reason: { kind: 'startup' as const, detail: '' } }) },
      estimator: { name: 'probe', addSample: (s: DownloadSample) => (samples.push(s), { accepted: true as const }), predict: () => ({ throughputBps: 1234, errorRatio: 0 }), reset: () => undefined },
    };
    let done = false;
    const finished = warmUp(target, { decisions: 25, perTask: 10, schedule: (step) => steps.push(step) }).then(() => (done = true));
    let tasks = 0;
    while (steps.length > 0) {
      steps.shift()!();
      tasks++;
      expect(contexts.length).toBe(Math.min(25, tasks * 10));
    }
    await finished;
    expect(done).toBe(true);
    expect(tasks).toBe(3);
    expect(samples).toHaveLength(25);
    expect(contexts.every((c) => c.prediction?.throughputBps === 1234)).toBe(true);
    expect(new Set(contexts.map((c) => c.ladder.renditions.length))).toEqual(new Set([3, 6, 10]));
  });

  it('resolves early, without throwing, when the target throws; does nothing for 0 decisions', async () => {
    const steps: (() => void)[] = [];
    let calls = 0;
    const failing = { policy: { name: 'bad', decide: () => { calls++; throw new Error('boom'); } } };
    const finished = warmUp(failing, { decisions: 50, perTask: 10, schedule: (step) => steps.push(step) });
    steps.shift()!();
    await expect(finished).resolves.toBeUndefined();
    expect(calls).toBe(1);
    expect(steps).toHaveLength(0);
    await expect(warmUp(failing, { decisions: 0, perTask: 10, schedule: () => { throw new Error('not scheduled'); } })).resolves.toBeUndefined();
  });

  it('reaches the end-of-stream paths (a shrinking planning horizon) as well as mid-stream ones', () => {
    const remaining = [...warmUpDecisions(30)].map(({ context }) => context.segmentsRemaining!);
    expect(remaining.some((r) => r < 5)).toBe(true);
    expect(remaining.some((r) => r >= 5)).toBe(true);
  });

  it('every synthetic context is one a built-in policy accepts', () => {
    for (const name of ['rate', 'bba', 'bola', 'robustmpc'] as const) {
      const { policy } = createNamedPolicy(name);
      for (const { context } of warmUpDecisions(30)) {
        const d = policy.decide(context);
        expect(d.rungIndex).toBeGreaterThanOrEqual(context.minRungIndex);
        expect(d.rungIndex).toBeLessThanOrEqual(context.maxRungIndex);
      }
    }
  });
});
