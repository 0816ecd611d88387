import { beforeAll, describe, expect, it } from 'vitest';
import type { Features } from '../../../src/learned/features.js';
import { GLOBAL_FEATURES, RUNG_FEATURES } from '../../../src/learned/features.js';
import { cloneQNetwork, createQNetwork, qValues, type QNetwork } from '../../../src/learned/network.js';
import { createNativeRolloutLearner } from '../../../src/node/train/rollout-learner.js';
import { createRolloutTrainer } from '../../../src/node/train/rollout-trainer.js';
import { rolloutEpisode, type RolloutDecision } from '../../../src/node/train/rollout-episode.js';
import { ROLLOUT_TRAIN_DEFAULTS, type RolloutTrainOptions } from '../../../src/node/train/rollout-options.js';
import { SeededRandom } from '../../../src/node/train/random.js';
import {
  copyQNetworkToTfjs,
  copyTfjsToQNetwork,
  createTfjsQNetwork,
  createTfjsRolloutLearner,
  createTfjsRolloutTrainer,
  disposeTfjsQNetwork,
  tfjsQValues,
} from '../../../src/node/train/tfjs/tfjs-network.js';
import { readyTfjs, tf } from '../../../src/node/train/tfjs/tfjs.js';
import { encodeModel } from '../../../src/learned/model.js';
import { withWideEnvelope } from '../../learned/helpers.js';
import { createThroughputRegressor } from '../../../src/learned/regressor.js';
import { createRobustMpcPolicy } from '../../../src/policies/robustmpc.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { AbrkitError } from '../../../src/core/errors.js';
import { constantVideo } from '../../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 49);
const traces = [1, 2].map((seed) => synthesizeTrace({ profile: seed % 2 ? 'markov' : '3g', seed, durationS: 300 }));
const tiny: Partial<RolloutTrainOptions> = { hidden: [12], valueHidden: [6], batchSize: 16, syntheticPerEpisode: 1 };

function randomFeatures(random: SeededRandom, rungCount: number): Features {
  return {
    global: Float32Array.from({ length: GLOBAL_FEATURES }, () => random.next() * 4 - 2),
    perRung: Float32Array.from({ length: rungCount * RUNG_FEATURES }, () => random.next() * 4 - 2),
    minRungIndex: 0,
    rungCount,
    rebufferRobustS: new Float64Array(rungCount),
  };
}

function networkOf(seed: number, hidden = [64, 32], valueHidden = [32]): QNetwork {
  const random = new SeededRandom(seed);
  return createQNetwork(hidden, valueHidden, () => random.next());
}

function flatWeights(net: QNetwork): number[] {
  return [...net.advantage.layers, ...net.value.layers].flatMap((l) => [...l.weights, ...l.bias]);
}

beforeAll(readyTfjs);

describe('the DQN in tfjs', () => {
  it('computes the same Q-values as our forward pass after copying our weights in, for 6 and 10 rungs', () => {
    const net = networkOf(11);
    // Larger output layers than the He/10 initialisation, so the advantage term is not negligible.
    net.advantage.layers[2].weights.forEach((_, j, w) => (w[j] *= 10));
    net.value.layers[1].bias[0] = 0.7;
    const tfjsNet = createTfjsQNetwork(net);
    const random = new SeededRandom(5);
    for (const rungs of [6, 10]) {
      for (let trial = 0; trial < 20; trial++) {
        const features = randomFeatures(random, rungs);
        const ours = qValues(net, features);
        const theirs = tfjsQValues(tfjsNet, features);
        expect(theirs).toHaveLength(rungs);
        for (let k = 0; k < rungs; k++) expect(Math.abs(theirs[k] - ours[k])).toBeLessThan(1e-5);
      }
    }
    disposeTfjsQNetwork(tfjsNet);
  });

  it('copies weights ours -> tfjs -> ours exactly, and refuses a network of another shape', () => {
    const net = networkOf(3);
    const tfjsNet = createTfjsQNetwork(net);
    const other = networkOf(4);
    expect(flatWeights(other)).not.toEqual(flatWeights(net));
    copyTfjsToQNetwork(tfjsNet, other);
    expect(flatWeights(other)).toEqual(flatWeights(net));
    // And back: a changed network copied in replaces every weight.
    const changed = networkOf(9);
    copyQNetworkToTfjs(changed, tfjsNet);
    copyTfjsToQNetwork(tfjsNet, other);
    expect(flatWeights(other)).toEqual(flatWeights(changed));
    const smaller = networkOf(3, [16], [8]);
    expect(() => copyQNetworkToTfjs(smaller, tfjsNet)).toThrow(AbrkitError);
    expect(() => copyTfjsToQNetwork(tfjsNet, smaller)).toThrow(AbrkitError);
    disposeTfjsQNetwork(tfjsNet);
  });

  it('takes the same gradient steps as the native learner (Huber loss, unscored rungs excluded, Adam, Polyak average)', () => {
    const mpc = createRobustMpcPolicy({ qoe: 'lin' });
    const decisions: RolloutDecision[] = rolloutEpisode(traces[0], video, () => createThroughputRegressor(), { policy: mpc }, () => 0, 0.25);
    expect(decisions.some((d) => d.targets.some(Number.isNaN))).toBe(true);
    const o = { ...ROLLOUT_TRAIN_DEFAULTS, averageDecay: 0.9, learningRate: 3e-3 };
    const start = networkOf(21, [16], [8]);
    const [onlineA, playedA, onlineB, playedB] = [0, 1, 2, 3].map(() => cloneQNetwork(start));
    const native = createNativeRolloutLearner(onlineA, playedA, o);
    const learner = createTfjsRolloutLearner(onlineB, playedB, o);
    const tensorsAfter: number[] = [];
    for (let i = 0; i + 16 <= decisions.length; i += 4) {
      const batch = decisions.slice(i, i + 16);
      const expected = native.step(batch);
      expect(learner.step(batch)).toBeCloseTo(expected, 4);
      tensorsAfter.push(tf.memory().numTensors);
    }
    learner.sync();
    // tf.tidy frees every step's intermediates: the tensor count is flat from the second step on.
    expect(new Set(tensorsAfter.slice(1)).size).toBe(1);
    // Compared through their Q-values: the advantage output's bias has no gradient (the dueling
    // mean cancels it), so Adam turns each side's rounding noise there into steps that change no Q.
    const maxDifference = (a: QNetwork, b: QNetwork) =>
      Math.max(
        ...decisions.map((d) => {
          const [qa, qb] = [qValues(a, d.features), qValues(b, d.features)];
          return Math.max(...qa.map((q, k) => Math.abs(q - qb[k])));
        }),
      );
    expect(maxDifference(onlineA, onlineB)).toBeLessThan(1e-4);
    expect(maxDifference(playedA, playedB)).toBeLessThan(1e-4);
    expect(maxDifference(playedB, start)).toBeGreaterThan(1e-2);
    const before = tf.memory().numTensors;
    learner.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  });

  it('trains a tiny seeded rollout run: the loss falls, the memory stays flat, and a seed reproduces its weights', async () => {
    const run = async (seed: number) => {
      const startTensors = tf.memory().numTensors;
      const trainer = await createTfjsRolloutTrainer({ traceSets: [traces], video }, { ...tiny, seed, learningRate: 3e-3 });
      expect(trainer.options.backend).toBe('tfjs');
      trainer.collect();
      const losses = [trainer.epoch()];
      const tensors = tf.memory().numTensors;
      losses.push(trainer.epoch());
      expect(tf.memory().numTensors).toBe(tensors);
      const model = JSON.stringify(encodeModel(withWideEnvelope(trainer.model()), 'f32'));
      trainer.dispose();
      expect(tf.memory().numTensors).toBe(startTensors);
      return { losses, model };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    expect(a.losses[1]).toBeLessThan(a.losses[0]);
    expect(b.model).toBe(a.model);
    expect(b.losses).toEqual(a.losses);
    expect(c.model).not.toBe(a.model);
  }, 30_000);

  it('resumes a tfjs run exactly: weights, Polyak average and tfjs Adam state from a checkpoint', async () => {
    const options = { ...tiny, seed: 4, learningRate: 3e-3, averageDecay: 0.9 };
    const straight = await createTfjsRolloutTrainer({ traceSets: [traces], video }, options);
    straight.collect();
    const losses = [straight.epoch(), straight.epoch(), straight.epoch()];
    const expected = JSON.stringify(encodeModel(withWideEnvelope(straight.model()), 'f32'));
    straight.dispose();

    const first = await createTfjsRolloutTrainer({ traceSets: [traces], video }, options);
    first.collect();
    first.epoch();
    const saved = JSON.parse(JSON.stringify(await first.checkpoint()));
    expect(saved.learner.backend).toBe('tfjs');
    expect(saved.learner.tensors[0].name).toBe('iter');
    const decisions = first.decisions().slice();
    first.dispose();
    const startTensors = tf.memory().numTensors;
    const resumed = await createTfjsRolloutTrainer({ traceSets: [traces], video }, {}, 'tfjs', { checkpoint: saved, decisions });
    const resumedLosses = [losses[0], resumed.epoch(), resumed.epoch()];
    expect(resumedLosses).toEqual(losses);
    expect(JSON.stringify(encodeModel(withWideEnvelope(resumed.model()), 'f32'))).toBe(expected);
    resumed.dispose();
    expect(tf.memory().numTensors).toBe(startTensors);
    // A native run's optimiser state is not tfjs's.
    const native = createRolloutTrainer({ traceSets: [traces], video }, { ...tiny, seed: 4 });
    native.collect();
    const nativeSaved = { ...(await native.checkpoint()), options: { ...native.options, backend: 'tfjs' as const } };
    await expect(createTfjsRolloutTrainer({ traceSets: [traces], video }, {}, 'tfjs', { checkpoint: nativeSaved, decisions: native.decisions() })).rejects.toThrow(/optimiser/);
  }, 60_000);

  it('is refused by createRolloutTrainer without its learner', () => {
    expect(() => createRolloutTrainer({ traceSets: [traces], video }, { ...tiny, backend: 'tfjs' })).toThrow(AbrkitError);
  });
});
