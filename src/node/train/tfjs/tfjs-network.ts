/**
 * The DQN's dueling network in TensorFlow.js, for training in Node (issue #3: "trained with tfjs").
 * Node-only: the CLI's train command imports it lazily, and no browser entry reaches it. The
 * browser keeps playing the trained weights with our own forward pass (`qValues`), so the two
 * copy functions here move weights between a tfjs network and our `QNetwork` both ways.
 *
 * Layout: our dense layers are row-major `[out][in]`; a tfjs Dense kernel is `[in, out]`.
 */
import type { Features } from '../../../learned/features.js';
import type { QNetwork, Mlp } from '../../../learned/network.js';
import type { LearnerState, RolloutBackend, RolloutLearner, RolloutLearnerFactory } from '../rollout-learner.js';
import type { RolloutDecision } from '../rollout-episode.js';
import type { RolloutResume, RolloutTrainer } from '../rollout-trainer.js';
import type { RolloutTrainOptions } from '../rollout-options.js';
import type { TrainData } from '../data.js';
import { GLOBAL_FEATURES } from '../../../learned/features.js';
import { ADVANTAGE_INPUTS, advantageInput } from '../../../learned/network.js';
import { createRolloutTrainer } from '../rollout-trainer.js';
import { fitRegressorTfjs } from './tfjs-regressor.js';
import { fitRegressor } from '../../../learned/regressor-fit.js';
import { readyTfjs, tf, tfl } from './tfjs.js';
import { invalidOptions } from '../../../core/errors.js';

/** The QNetwork as two tfjs-layers models: the advantage MLP (one row per rung) and the value MLP. */
export interface TfjsQNetwork {
  readonly advantage: tfl.Sequential;
  readonly value: tfl.Sequential;
}

/** A Sequential MLP with the layer sizes of `mlp` (ReLU hidden layers, a linear output). */
function sequentialLike(mlp: Mlp): tfl.Sequential {
  const last = mlp.layers.length - 1;
  return tfl.sequential({
    layers: mlp.layers.map((layer, i) =>
      tfl.layers.dense({
        units: layer.outSize,
        activation: i < last ? 'relu' : 'linear',
        // Overwritten by our seeded weights at once; zeros so tfjs's own RNG is never drawn.
        kernelInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [layer.inSize] } : {}),
      }),
    ),
  });
}

/** A tfjs network with `net`'s architecture and weights. Dispose it with `disposeTfjsQNetwork`. */
export function createTfjsQNetwork(net: QNetwork): TfjsQNetwork {
  const tfjsNet = { advantage: sequentialLike(net.advantage), value: sequentialLike(net.value) };
  copyQNetworkToTfjs(net, tfjsNet);
  return tfjsNet;
}

export function disposeTfjsQNetwork(net: TfjsQNetwork): void {
  net.advantage.dispose();
  net.value.dispose();
}

/** The trainable variables, in the order [kernel, bias] per layer, advantage then value. */
export function tfjsVariables(net: TfjsQNetwork): tf.Variable[] {
  return [...net.advantage.trainableWeights, ...net.value.trainableWeights].map((w) => w.read() as tf.Variable);
}

function checkShapes(mlp: Mlp, model: tfl.Sequential, name: string): void {
  const weights = model.trainableWeights;
  const ok =
    weights.length === 2 * mlp.layers.length &&
    mlp.layers.every((l, i) => {
      const [kernel, bias] = [weights[2 * i].shape, weights[2 * i + 1].shape];
      return kernel[0] === l.inSize && kernel[1] === l.outSize && bias[0] === l.outSize;
    });
  if (!ok) throw invalidOptions('tfjs-network', `${name}: the tfjs model's layer sizes differ from the QNetwork's`);
}

/** Our `[out][in]` layer as the tfjs `[in, out]` kernel. */
function kernelOf(weights: Float32Array, inSize: number, outSize: number): Float32Array {
  const kernel = new Float32Array(inSize * outSize);
  for (let o = 0; o < outSize; o++) for (let i = 0; i < inSize; i++) kernel[i * outSize + o] = weights[o * inSize + i];
  return kernel;
}

function mlpToModel(mlp: Mlp, model: tfl.Sequential, name: string): void {
  checkShapes(mlp, model, name);
  tf.tidy(() => {
    model.setWeights(
      mlp.layers.flatMap((l) => [tf.tensor2d(kernelOf(l.weights, l.inSize, l.outSize), [l.inSize, l.outSize]), tf.tensor1d(l.bias)]),
    );
  });
}

function variablesToMlp(variables: readonly tf.Tensor[], mlp: Mlp): void {
  mlp.layers.forEach((l, i) => {
    const kernel = variables[2 * i].dataSync();
    for (let o = 0; o < l.outSize; o++) for (let k = 0; k < l.inSize; k++) l.weights[o * l.inSize + k] = kernel[k * l.outSize + o];
    l.bias.set(variables[2 * i + 1].dataSync());
  });
}

/** Copies our weights into the tfjs network (same architecture). */
export function copyQNetworkToTfjs(source: QNetwork, target: TfjsQNetwork): void {
  mlpToModel(source.advantage, target.advantage, 'advantage');
  mlpToModel(source.value, target.value, 'value');
}

/** Copies the tfjs network's weights into ours (same architecture), exactly (float32 both sides). */
export function copyTfjsToQNetwork(source: TfjsQNetwork, target: QNetwork): void {
  checkShapes(target.advantage, source.advantage, 'advantage');
  checkShapes(target.value, source.value, 'value');
  copyVariablesToQNetwork(tfjsVariables(source), target);
}

/** `variables` in `tfjsVariables` order (the network's own, or copies of them such as a Polyak average). */
function copyVariablesToQNetwork(variables: readonly tf.Tensor[], target: QNetwork): void {
  const split = 2 * target.advantage.layers.length;
  variablesToMlp(variables.slice(0, split), target.advantage);
  variablesToMlp(variables.slice(split), target.value);
}

/** A batch of decisions as tensors: advantage rows of all decisions one after the other. */
interface BatchTensors {
  readonly advantageIn: tf.Tensor2D;
  readonly valueIn: tf.Tensor2D;
  /** Decision index of each advantage row. */
  readonly segment: tf.Tensor1D;
  /** Rungs per decision (the mean of A runs over all of them). */
  readonly rungs: tf.Tensor1D;
  readonly targets: tf.Tensor1D;
  /** 1 where the rung was scored, 0 where its target is NaN (forbidden by the shield). */
  readonly scored: tf.Tensor1D;
  readonly decisions: number;
}

function batchTensors(batch: readonly RolloutDecision[]): BatchTensors {
  let rows = 0;
  for (const d of batch) rows += d.features.rungCount;
  const advIn = new Float32Array(rows * ADVANTAGE_INPUTS);
  const valIn = new Float32Array(batch.length * GLOBAL_FEATURES);
  const segment = new Int32Array(rows);
  const rungs = new Float32Array(batch.length);
  const targets = new Float32Array(rows);
  const scored = new Float32Array(rows);
  let row = 0;
  batch.forEach((d, b) => {
    const n = d.features.rungCount;
    valIn.set(d.features.global, b * GLOBAL_FEATURES);
    advantageInput(d.features, advIn, row * ADVANTAGE_INPUTS);
    rungs[b] = n;
    for (let k = 0; k < n; k++) {
      segment[row + k] = b;
      const t = d.targets[k];
      if (!Number.isNaN(t)) {
        targets[row + k] = t;
        scored[row + k] = 1;
      }
    }
    row += n;
  });
  return {
    advantageIn: tf.tensor2d(advIn, [rows, ADVANTAGE_INPUTS]),
    valueIn: tf.tensor2d(valIn, [batch.length, GLOBAL_FEATURES]),
    segment: tf.tensor1d(segment, 'int32'),
    rungs: tf.tensor1d(rungs),
    targets: tf.tensor1d(targets),
    scored: tf.tensor1d(scored),
    decisions: batch.length,
  };
}

/** Q of every advantage row: V(decision) + A(row) - mean of A over the decision's rungs. */
function duelingQ(net: TfjsQNetwork, t: BatchTensors): tf.Tensor1D {
  const a = tf.reshape(net.advantage.apply(t.advantageIn) as tf.Tensor, [-1]) as tf.Tensor1D;
  const v = tf.reshape(net.value.apply(t.valueIn) as tf.Tensor, [-1]) as tf.Tensor1D;
  const meanA = tf.div(tf.unsortedSegmentSum(a, t.segment, t.decisions), t.rungs);
  return tf.add(tf.gather(v, t.segment), tf.sub(a, tf.gather(meanA, t.segment)));
}

/** Q-values of one decision's candidates from the tfjs network (what `qValues` computes from ours). */
export function tfjsQValues(net: TfjsQNetwork, features: Features): Float32Array {
  return tf.tidy(() => {
    const targets = new Float32Array(features.rungCount).fill(NaN);
    return duelingQ(net, batchTensors([{ features, mask: 0, targets }])).dataSync() as Float32Array;
  });
}

/**
 * The rollout trainer's loss on a batch: the Huber loss (threshold `huberDelta`) of Q - target over
 * the scored rungs, summed per decision and averaged over decisions, the same loss whose gradient
 * the native learner computes by hand.
 */
function rolloutLoss(net: TfjsQNetwork, t: BatchTensors, huberDelta: number): tf.Scalar {
  const error = tf.sub(duelingQ(net, t), t.targets);
  const absError = tf.abs(error);
  const quadratic = tf.minimum(absError, huberDelta);
  const huber = tf.add(tf.mul(0.5, tf.square(quadratic)), tf.mul(huberDelta, tf.sub(absError, quadratic)));
  return tf.div(tf.sum(tf.mul(huber, t.scored)), t.decisions) as tf.Scalar;
}

/**
 * The rollout trainer's gradient steps in tfjs: the loss above, tfjs Adam at the trainer's learning
 * rate (betas 0.9/0.999, epsilon 1e-8 as the native Adam), the Polyak average kept in tfjs
 * variables. Starts from the trainer's seeded weights; `sync` copies the played weights back.
 */
export const createTfjsRolloutLearner: RolloutLearnerFactory = (online, played, o: RolloutTrainOptions): RolloutLearner => {
  const net = createTfjsQNetwork(online);
  const variables = tfjsVariables(net);
  const averaged = played !== online;
  const average = averaged ? variables.map((v) => tf.variable(v, false)) : [];
  const optimizer = tf.train.adam(o.learningRate, 0.9, 0.999, 1e-8);
  return {
    step(batch) {
      return tf.tidy(() => {
        const t = batchTensors(batch);
        const cost = optimizer.minimize(() => rolloutLoss(net, t, o.huberDelta), true, variables);
        if (averaged) variables.forEach((v, i) => average[i].assign(tf.add(average[i], tf.mul(1 - o.averageDecay, tf.sub(v, average[i])))));
        return cost!.dataSync()[0];
      });
    },
    sync() {
      copyVariablesToQNetwork(variables, online);
      if (averaged) copyVariablesToQNetwork(average, played);
    },
    async saveState(): Promise<LearnerState> {
      const weights = await optimizer.getWeights();
      const tensors = await Promise.all(weights.map(async ({ name, tensor }) => ({ name, shape: tensor.shape, values: Array.from(await tensor.data()) })));
      return { backend: 'tfjs', tensors };
    },
    async loadState(state: LearnerState): Promise<void> {
      // The trainer has restored `online` and `played`: the tfjs variables take their weights.
      copyQNetworkToTfjs(online, net);
      if (averaged) {
        const copy = createTfjsQNetwork(played);
        tfjsVariables(copy).forEach((v, i) => average[i].assign(v));
        disposeTfjsQNetwork(copy);
      }
      const [iterations, ...moments] = state.tensors;
      if (iterations?.name !== 'iter' || (moments.length !== 2 * variables.length && moments.length !== 0)) {
        throw invalidOptions('tfjs-network', 'checkpoint: the optimiser state is not this network\'s tfjs Adam state');
      }
      const named = [
        { name: 'iter', tensor: tf.scalar(iterations.values[0], 'int32') },
        ...moments.map((m) => ({ name: m.name, tensor: tf.tensor(m.values as number[], m.shape as number[]) })),
      ];
      await optimizer.setWeights(named); // copies them into the optimizer's own variables
      named.forEach(({ tensor }) => tensor.dispose());
    },
    dispose() {
      optimizer.dispose();
      average.forEach((v) => v.dispose());
      disposeTfjsQNetwork(net);
    },
  };
};

/** How the tfjs rollout trainer fits the regressor whose predictions the features carry. */
export type RegressorFit = 'tfjs' | 'ridge';

/**
 * `createRolloutTrainer` with tfjs gradient steps (options.backend 'tfjs'), and by default the
 * regressor fitted with tfjs too (`fitRegressorTfjs`); `regressorFit: 'ridge'` keeps the closed form.
 */
export async function createTfjsRolloutTrainer(
  data: TrainData,
  options: Partial<RolloutTrainOptions> = {},
  regressorFit: RegressorFit = 'tfjs',
  resume?: RolloutResume,
): Promise<RolloutTrainer> {
  await readyTfjs();
  const backend: RolloutBackend = {
    learner: createTfjsRolloutLearner,
    fitRegressor: regressorFit === 'tfjs' ? (sequences) => fitRegressorTfjs(sequences) : (sequences) => fitRegressor(sequences),
  };
  const trainer = createRolloutTrainer(data, { ...options, backend: 'tfjs' }, backend, resume);
  await trainer.ready;
  return trainer;
}
