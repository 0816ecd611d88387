/**
 * The throughput regressor's offline fit in TensorFlow.js (Node-only; issue #3: "trained with tfjs").
 * Same linear model, features (`regressorFeatures`) and target as the ridge fit (`fitRegressor`):
 * it minimises the same objective, sum of squared log-space errors + ridge * |w|^2, by full-batch
 * tfjs Adam instead of solving the normal equations, then ends as the ridge fit does
 * (`completeRegressorFit`: MAPE bias calibration, residual variance, RLS covariance), so the
 * browser's online RLS starts from it the same way.
 */
import type { DownloadSample } from '../../../core/sample.js';
import type { RegressorFitOptions } from '../../../learned/regressor-fit.js';
import type { RegressorState } from '../../../learned/regressor.js';
import { completeRegressorFit, regressorPairs } from '../../../learned/regressor-fit.js';
import { REGRESSOR_FEATURES } from '../../../learned/regressor.js';
import { tf } from './tfjs.js';
import { invalidOptions } from '../../../core/errors.js';

export interface TfjsRegressorFitOptions extends RegressorFitOptions {
  /** Full-batch Adam steps. */
  readonly iterations?: number;
  /** Adam's learning rate in the first third of the steps; 1/10 of it in the second, 1/100 in the last. */
  readonly learningRate?: number;
}

export const TFJS_REGRESSOR_FIT_DEFAULTS = Object.freeze({ ridge: 1, iterations: 3000, learningRate: 0.05 });

/** Fits the regressor with tfjs from zero weights; deterministic (cpu backend, no random draws). */
export function fitRegressorTfjs(sequences: readonly (readonly DownloadSample[])[], options: TfjsRegressorFitOptions = {}): RegressorState {
  const { ridge, iterations, learningRate } = { ...TFJS_REGRESSOR_FIT_DEFAULTS, ...options };
  if (!(ridge >= 0 && iterations >= 1 && learningRate > 0)) throw invalidOptions('regressor', 'ridge >= 0, iterations >= 1 and learningRate > 0 required');
  const data = regressorPairs(sequences);
  const D = REGRESSOR_FEATURES;
  const count = data.pairs.length;
  const xs = new Float32Array(count * D);
  const ys = new Float32Array(count);
  data.pairs.forEach(({ x, y }, k) => {
    xs.set(x, k * D);
    ys[k] = y;
  });
  const x = tf.tensor2d(xs, [count, D]);
  const y = tf.tensor2d(ys, [count, 1]);
  // In a tidy, so the zeros the variable starts from are freed (variables outlive tidy).
  const w = tf.tidy(() => tf.variable(tf.zeros([D, 1]), true));
  // Loss per pair (the objective / count), so the step size does not depend on the data's size.
  const loss = () => tf.div(tf.add(tf.sum(tf.square(tf.sub(tf.matMul(x, w), y))), tf.mul(ridge, tf.sum(tf.square(w)))), count) as tf.Scalar;
  try {
    // Adam's learning rate is fixed per optimizer: three phases, each a tenth of the last, so the
    // iterates settle where a fixed rate would keep circling the optimum.
    for (let phase = 0; phase < 3; phase++) {
      const optimizer = tf.train.adam(learningRate / 10 ** phase);
      const steps = Math.ceil(iterations / 3);
      for (let i = 0; i < steps; i++) {
        tf.tidy(() => {
          optimizer.minimize(loss, false, [w]);
        });
      }
      optimizer.dispose();
    }
    return completeRegressorFit(data, w.dataSync(), { ...options, ridge });
  } finally {
    tf.dispose([x, y, w]);
  }
}
