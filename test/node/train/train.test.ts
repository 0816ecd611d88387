import { describe, expect, it } from 'vitest';
import { createDqnTrainer } from '../../../src/node/train/dqn-trainer.js';
import type { DqnTrainOptions } from '../../../src/node/train/dqn-options.js';
import { optimalPlan } from '../../../src/node/train/plans.js';
import { syntheticVideo } from '../../../src/node/train/synthetic-ladder.js';
import { SeededRandom } from '../../../src/node/train/random.js';
import { encodeModel } from '../../../src/learned/model.js';
import { withWideEnvelope } from '../../learned/helpers.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { constantVideo } from '../../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 49);
const traces = [1, 2, 3].map((seed) => synthesizeTrace({ profile: seed % 2 ? 'markov' : '3g', seed, durationS: 300 }));
const tiny: Partial<DqnTrainOptions> = {
  episodes: 12,
  hidden: [12],
  valueHidden: [6],
  batchSize: 8,
  replayCapacity: 2000,
  warmupTransitions: 60,
  targetSyncUpdates: 20,
  pretrainUpdates: 20,
  syntheticDemos: 1,
  syntheticLadderShare: 0.3,
  prefillEpisodes: 4,
};

describe('DQN training (tiny seeded runs)', () => {
  it('is reproducible from its seed and learns something', () => {
    const demonstrations = [{ trace: traces[0], video, plan: optimalPlan(traces[0], video) }];
    const run = (seed: number) => {
      const trainer = createDqnTrainer({ traceSets: [traces], video, demonstrations }, { ...tiny, seed });
      const before = JSON.stringify(encodeModel(withWideEnvelope(trainer.model()), 'f32').advantage);
      const losses: number[] = [];
      trainer.train(100, (r) => losses.push(r.loss));
      expect(trainer.episode).toBe(12);
      return { before, after: JSON.stringify(encodeModel(withWideEnvelope(trainer.model()), 'f32')), losses };
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    expect(a.after).toBe(b.after);
    expect(a.losses).toEqual(b.losses);
    expect(a.after).not.toBe(c.after);
    expect(a.after).not.toContain(a.before.slice(0, 200));
    expect(a.losses.every(Number.isFinite)).toBe(true);
  }, 30_000);

  it('resumes from a checkpoint', () => {
    const trainer = createDqnTrainer({ traceSets: [traces], video }, { ...tiny, syntheticDemos: 0, seed: 3 });
    trainer.train(5);
    const checkpoint = JSON.parse(JSON.stringify(trainer.checkpoint()));
    const resumed = createDqnTrainer({ traceSets: [traces], video }, {}, checkpoint);
    expect(resumed.episode).toBe(5);
    expect(encodeModel(withWideEnvelope(resumed.model()), 'f32')).toEqual(encodeModel(withWideEnvelope(trainer.model()), 'f32'));
    resumed.train(100);
    expect(resumed.episode).toBe(12);
    const scores = resumed.evaluateGreedy(traces, video);
    expect(scores).toHaveLength(3);
    expect(scores.every(Number.isFinite)).toBe(true);
  });

  it('learns from demonstrations to choose the top rung on a fast steady link', () => {
    const fast = { name: 'fast', timesS: Float64Array.from({ length: 400 }, (_, i) => i), mbps: new Float64Array(400).fill(20), shiftedByS: 0 };
    const trainer = createDqnTrainer(
      { traceSets: [[fast]], video, demonstrations: [{ trace: fast, video, plan: optimalPlan(fast, video) }] },
      { ...tiny, episodes: 0, syntheticDemos: 0, pretrainUpdates: 300, seed: 1 },
    );
    expect(trainer.pretrained).toBe(0);
    trainer.pretrain(150);
    expect(trainer.pretrained).toBe(150);
    trainer.train(0);
    expect(trainer.pretrained).toBe(300);
    // The optimum on a 20 Mbps link is the top rung from chunk 1 on: 4.3 per chunk, minus one switch.
    const [score] = trainer.evaluateGreedy([fast], video);
    expect(score).toBeGreaterThan(4);
  });

  it('makes valid synthetic ladders', () => {
    const random = new SeededRandom(4);
    for (let i = 0; i < 20; i++) {
      const v = syntheticVideo(random);
      expect(v.renditions.length).toBeGreaterThanOrEqual(4);
      expect(v.renditions.length).toBeLessThanOrEqual(10);
      expect(v.segmentSizesBytes).toHaveLength(49);
      for (let r = 1; r < v.renditions.length; r++) expect(v.renditions[r].bitrateBps).toBeGreaterThan(v.renditions[r - 1].bitrateBps);
    }
  });
});
