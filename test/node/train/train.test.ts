import { describe, expect, it } from 'vitest';
import { createDqnTrainer } from '../../../src/node/train/dqn-trainer.js';
import type { DqnTrainOptions } from '../../../src/node/train/dqn-options.js';
import { optimalPlan } from '../../../src/node/train/plans.js';
import { syntheticEpisode, syntheticVideo } from '../../../src/node/train/synthetic-ladder.js';
import { SeededRandom } from '../../../src/node/train/random.js';
import { encodeModel } from '../../../src/learned/model.js';
import { withWideEnvelope } from '../../learned/helpers.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { traceMeanMbps } from '../../../src/sim/trace.js';
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

  it('makes valid synthetic ladders (3-12 rungs, top 1-60 Mbit/s, steps 1.3x-2.5x, 2/4/6 s) over the whole range', () => {
    const random = new SeededRandom(4);
    const tops: number[] = [];
    const counts = new Set<number>();
    const durations = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const v = syntheticVideo(random);
      const kbps = v.renditions.map((r) => r.bitrateBps / 1000);
      expect(kbps.length).toBeGreaterThanOrEqual(3);
      expect(kbps.length).toBeLessThanOrEqual(12);
      expect(v.segmentSizesBytes).toHaveLength(49);
      expect(kbps[kbps.length - 1]).toBeGreaterThanOrEqual(999);
      expect(kbps[kbps.length - 1]).toBeLessThanOrEqual(60_001);
      expect(kbps[0]).toBeGreaterThanOrEqual(79);
      for (let r = 1; r < kbps.length; r++) {
        expect(kbps[r] / kbps[r - 1]).toBeGreaterThan(1.29);
        expect(kbps[r] / kbps[r - 1]).toBeLessThan(2.51);
      }
      tops.push(kbps[kbps.length - 1]);
      counts.add(kbps.length);
      durations.add(v.segmentDurationS);
    }
    expect(Math.min(...tops)).toBeLessThan(2000);
    expect(Math.max(...tops)).toBeGreaterThan(30_000);
    // 12 rungs need small steps and a high top (the bottom stays >= 0.1 Mbit/s): rare, but 10+ is common.
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(10);
    expect(Math.min(...counts)).toBe(3);
    expect([...durations].sort()).toEqual([2, 4, 6]);
  });

  it('scales a training trace to each random ladder, from below its lowest rung to above its top one, and the reward to its top rung', () => {
    const random = new SeededRandom(9);
    const base = [{ name: 'flat', timesS: Float64Array.from([0, 500]), mbps: Float64Array.from([2, 2]), shiftedByS: 0 }];
    let below = 0;
    let above = 0;
    let generated = 0;
    for (let i = 0; i < 200; i++) {
      const { trace, video, rewardFactor } = syntheticEpisode(random, base);
      const bottomMbps = video.renditions[0]!.bitrateBps / 1e6;
      const topMbps = video.renditions[video.renditions.length - 1]!.bitrateBps / 1e6;
      const meanMbps = traceMeanMbps(trace);
      expect(meanMbps).toBeGreaterThanOrEqual(0.5 * bottomMbps * 0.999);
      expect(meanMbps).toBeLessThanOrEqual(1.5 * topMbps * 1.001);
      if (meanMbps < bottomMbps) below++;
      if (meanMbps > topMbps) above++;
      if (!trace.name.startsWith('flat')) generated++;
      expect(rewardFactor).toBeCloseTo(4.3 / topMbps, 9);
    }
    expect(below).toBeGreaterThan(0);
    expect(above).toBeGreaterThan(0);
    // Some sessions run on generated LTE-like or congested Wi-Fi traces instead of training ones.
    expect(generated).toBeGreaterThan(20);
    expect(generated).toBeLessThan(120);
  });
});
