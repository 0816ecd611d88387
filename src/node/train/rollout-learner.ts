/**
 * The gradient steps of a rollout run: the learner interface and our native (typed-array) learner.
 */
import type { DownloadSample } from '../../core/sample.js';
import type { QNetwork, MlpCache } from '../../learned/network.js';
import type { RegressorState } from '../../learned/regressor.js';
import { GLOBAL_FEATURES } from '../../learned/features.js';
import { ADVANTAGE_INPUTS, adamUpdate, advantageInput, createAdam, mlpBackward, mlpForward, zeroGradients } from '../../learned/network.js';
import { invalidOptions } from '../../core/errors.js';
import { MAX_TRAIN_RUNGS } from './data.js';
import { type RolloutTrainOptions, type RolloutBackendName } from './rollout-options.js';
import { type RolloutDecision } from './rollout-episode.js';

/**
 * The gradient steps of a rollout run, on the network the trainer created. `step` fits one batch
 * (Huber loss through the dueling head, Adam) and returns the batch's loss: the sum over scored
 * rungs of the Huber loss, averaged over decisions. After `sync`, `played` (the Polyak average,
 * or `online` when averageDecay is 0) holds the learner's current weights.
 */
export interface RolloutLearner {
  step(batch: readonly RolloutDecision[]): number;
  /** The optimiser's state (Adam's moments and step count), for a checkpoint. */
  saveState(): Promise<LearnerState>;
  /**
   * Restores a saved optimiser state, once the trainer has put the checkpoint's weights into
   * `online` and `played` (a backend with its own copy of the weights takes them from there).
   */
  loadState(state: LearnerState): Promise<void>;
  sync(): void;
  /** Frees what the learner holds outside the JS heap (tfjs tensors). */
  dispose(): void;
}

/** A learner's optimiser state as named arrays (a tfjs optimizer's weights, or our Adam's). */
export interface LearnerState {
  readonly backend: RolloutBackendName;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly values: readonly number[] }[];
}

export type RolloutLearnerFactory = (online: QNetwork, played: QNetwork, options: RolloutTrainOptions) => RolloutLearner;

/** What a non-native backend plugs into `createRolloutTrainer`. */
export interface RolloutBackend {
  readonly learner: RolloutLearnerFactory;
  /** The offline fit of the regressor whose predictions the features carry (default: ridge, `fitRegressor`). */
  readonly fitRegressor?: (sequences: readonly (readonly DownloadSample[])[]) => RegressorState;
}

/** The rollout trainer's gradient steps on our typed-array MLP (forward, backward, Adam in network.ts). */
export const createNativeRolloutLearner: RolloutLearnerFactory = (online, played, o) => {
  const adamA = createAdam(online.advantage);
  const adamV = createAdam(online.value);
  const gradA = zeroGradients(online.advantage);
  const gradV = zeroGradients(online.value);
  const blend = (into: QNetwork['advantage'], from: QNetwork['advantage']) =>
    into.layers.forEach((layer, i) => {
      const source = from.layers[i];
      for (let j = 0; j < layer.weights.length; j++) layer.weights[j] += (1 - o.averageDecay) * (source.weights[j] - layer.weights[j]);
      for (let j = 0; j < layer.bias.length; j++) layer.bias[j] += (1 - o.averageDecay) * (source.bias[j] - layer.bias[j]);
    });
  const B = o.batchSize;
  const advIn = new Float32Array(B * MAX_TRAIN_RUNGS * ADVANTAGE_INPUTS);
  const valIn = new Float32Array(B * GLOBAL_FEATURES);
  const cacheA: MlpCache = [];
  const cacheV: MlpCache = [];
  const huber = (e: number) => (Math.abs(e) <= o.huberDelta ? 0.5 * e * e : o.huberDelta * (Math.abs(e) - 0.5 * o.huberDelta));

  const step = (batch: readonly RolloutDecision[]): number => {
    const offsets: number[] = [];
    let row = 0;
    batch.forEach((d, b) => {
      offsets.push(row);
      valIn.set(d.features.global, b * GLOBAL_FEATURES);
      advantageInput(d.features, advIn, row * ADVANTAGE_INPUTS);
      row += d.features.rungCount;
    });
    offsets.push(row);
    const a = mlpForward(online.advantage, advIn, row, cacheA);
    const v = mlpForward(online.value, valIn, batch.length, cacheV);
    const dA = new Float32Array(row);
    const dV = new Float32Array(batch.length);
    let loss = 0;
    batch.forEach((d, b) => {
      const from = offsets[b];
      const n = offsets[b + 1] - from;
      let mean = 0;
      for (let k = 0; k < n; k++) mean += a[from + k];
      mean /= n;
      let sum = 0;
      const dQ = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const t = d.targets[k];
        if (Number.isNaN(t)) continue;
        const error = v[b] + a[from + k] - mean - t;
        loss += huber(error);
        dQ[k] = Math.max(-o.huberDelta, Math.min(o.huberDelta, error));
        sum += dQ[k];
      }
      dV[b] = sum;
      for (let k = 0; k < n; k++) dA[from + k] = dQ[k] - sum / n;
    });
    mlpBackward(online.advantage, cacheA, row, dA, gradA);
    mlpBackward(online.value, cacheV, batch.length, dV, gradV);
    adamUpdate(online.advantage, gradA, adamA, o.learningRate, 1 / batch.length);
    adamUpdate(online.value, gradV, adamV, o.learningRate, 1 / batch.length);
    if (played !== online) {
      blend(played.advantage, online.advantage);
      blend(played.value, online.value);
    }
    return loss / batch.length;
  };

  const adams = [
    ['advantage', adamA],
    ['value', adamV],
  ] as const;
  const saveState = async (): Promise<LearnerState> => ({
    backend: 'native',
    tensors: adams.flatMap(([net, adam]) => [
      { name: `${net}/step`, shape: [1], values: [adam.step] },
      ...(['m', 'v'] as const).flatMap((moment) =>
        adam[moment].weights.flatMap((w, i) => [
          { name: `${net}/${moment}/weights${i}`, shape: [w.length], values: Array.from(w) },
          { name: `${net}/${moment}/bias${i}`, shape: [adam[moment].bias[i].length], values: Array.from(adam[moment].bias[i]) },
        ]),
      ),
    ]),
  });
  const loadState = async (state: LearnerState): Promise<void> => {
    const byName = new Map(state.tensors.map((t) => [t.name, t.values]));
    const take = (name: string, into: Float32Array | null, length: number) => {
      const values = byName.get(name);
      if (!values || values.length !== length) throw invalidOptions('train', `checkpoint: optimiser state ${name} is missing or has the wrong size`);
      into?.set(values);
      return values;
    };
    for (const [net, adam] of adams) {
      adam.step = take(`${net}/step`, null, 1)[0];
      for (const moment of ['m', 'v'] as const) {
        adam[moment].weights.forEach((w, i) => take(`${net}/${moment}/weights${i}`, w, w.length));
        adam[moment].bias.forEach((b, i) => take(`${net}/${moment}/bias${i}`, b, b.length));
      }
    }
  };
  // The native learner updates `online` and `played` in place at every step.
  return { step, sync: () => {}, dispose: () => {}, saveState, loadState };
};
