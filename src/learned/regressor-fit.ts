/**
 * The learned regressor's offline fit: ridge least squares over the (window, next sample) pairs of
 * training sessions, giving a state (weights, RLS covariance, residual variance) that the online
 * regressor (regressor.ts) starts from and adapts. Used by training and by `abrkit train regression`.
 */
import type { DownloadSample } from '../core/sample.js';
import { sampleThroughputBps } from '../core/sample.js';
import { AbrkitError } from '../core/errors.js';

import { REGRESSOR_FEATURES, REGRESSOR_WINDOW, regressorFeatures, type RegressorState } from './regressor.js';

/** The (window, next sample) pairs an offline fit learns from, with their correlation sums. */
export interface RegressorPairs {
  readonly pairs: readonly { readonly x: Float64Array; readonly y: number }[];
  /** Sum of x x^T over the pairs, row-major D x D. */
  readonly gram: Float64Array;
  /** Sum of x y over the pairs. */
  readonly xy: Float64Array;
}

/**
 * Every (window, next sample) pair of the given sample sequences: the features of the window and
 * the target log(next throughput / harmonic mean), clipped to [-3, 3] as the online update clips it.
 */
export function regressorPairs(sequences: readonly (readonly DownloadSample[])[]): RegressorPairs {
  const D = REGRESSOR_FEATURES;
  const gram = new Float64Array(D * D);
  const xy = new Float64Array(D);
  const pairs: { x: Float64Array; y: number }[] = [];
  for (const sequence of sequences) {
    for (let t = 1; t < sequence.length; t++) {
      const { x, harmonicBps } = regressorFeatures(sequence.slice(Math.max(0, t - REGRESSOR_WINDOW), t));
      const y = Math.max(-3, Math.min(3, Math.log(sampleThroughputBps(sequence[t]) / harmonicBps)));
      if (!Number.isFinite(y)) continue;
      pairs.push({ x, y });
      for (let i = 0; i < D; i++) {
        xy[i] += x[i] * y;
        for (let j = 0; j < D; j++) gram[i * D + j] += x[i] * x[j];
      }
    }
  }
  if (pairs.length === 0) throw new AbrkitError('invalid-options', 'regressor: no sample pairs to fit');
  return { pairs, gram, xy };
}

/** Options shared by the offline fits (ridge here, tfjs in tfjs-regressor.ts). */
export interface RegressorFitOptions {
  /** L2 penalty on the weights, added to the diagonal of the pairs' correlation sum. */
  readonly ridge?: number;
  /** The fitted state's RLS covariance is that of `priorSamples` samples of this data. */
  readonly priorSamples?: number;
  /** Shift the bias by the offset that minimises MAPE on the training pairs. */
  readonly calibrateMape?: boolean;
}

/**
 * Offline fit: ridge least squares over every (window, next sample) pair of the given sample
 * sequences. Returns a state whose covariance is the scaled inverse of the data's correlation,
 * so that online RLS continues from the fit with the confidence the data gave it (capped by `priorSamples`).
 */
export function fitRegressor(
  sequences: readonly (readonly DownloadSample[])[],
  options: RegressorFitOptions & { robustIterations?: number } = {},
): RegressorState {
  const D = REGRESSOR_FEATURES;
  const ridge = options.ridge ?? 1;
  const data = regressorPairs(sequences);
  const { pairs } = data;
  const A = Float64Array.from(data.gram);
  for (let i = 0; i < D; i++) A[i * D + i] += ridge;
  let weights = solve(A, data.xy, D);
  // Throughput has heavy tails (a sample of a stall, a burst): refit for least absolute deviation
  // in log space by iteratively reweighted least squares (weights 1 / |residual|). Off by default:
  // on puffer-2021 validation it raised MAPE (54.9% against 53.9% with 6 iterations).
  for (let iteration = 0; iteration < (options.robustIterations ?? 0); iteration++) {
    const Aw = new Float64Array(D * D);
    const bw = new Float64Array(D);
    for (const { x, y } of pairs) {
      let p = 0;
      for (let i = 0; i < D; i++) p += weights[i] * x[i];
      const w = 1 / Math.max(Math.abs(y - p), 0.05);
      for (let i = 0; i < D; i++) {
        bw[i] += w * x[i] * y;
        for (let j = 0; j < D; j++) Aw[i * D + j] += w * x[i] * x[j];
      }
    }
    for (let i = 0; i < D; i++) Aw[i * D + i] += ridge;
    weights = solve(Aw, bw, D);
  }
  return completeRegressorFit(data, weights, options);
}

/**
 * The steps every offline fit ends with, given the fitted weights: the MAPE bias calibration, the
 * residual variance, and the RLS covariance of `priorSamples` samples of the data.
 */
export function completeRegressorFit(data: RegressorPairs, fitted: ArrayLike<number>, options: RegressorFitOptions = {}): RegressorState {
  const D = REGRESSOR_FEATURES;
  const ridge = options.ridge ?? 1;
  const priorSamples = options.priorSamples ?? 200;
  const calibrate = options.calibrateMape ?? true;
  const { pairs } = data;
  const count = pairs.length;
  const weights = Float64Array.from(fitted);
  // Least squares in log space predicts the typical log ratio; the relative error of the
  // throughput itself (MAPE) is smallest a little lower. Shift the bias by the offset that
  // minimises MAPE on the training pairs (a 1-D grid search).
  const logPredictions = pairs.map(({ x }) => {
    let p = 0;
    for (let i = 0; i < D; i++) p += weights[i] * x[i];
    return p;
  });
  let bestOffset = 0;
  let bestMape = Infinity;
  for (let offset = -1; offset <= 1.0001; offset += 0.01) {
    let ape = 0;
    pairs.forEach(({ y }, k) => (ape += Math.abs(Math.expm1(logPredictions[k] + offset - y))));
    if (ape < bestMape) {
      bestMape = ape;
      bestOffset = offset;
    }
  }
  if (calibrate) weights[0] += bestOffset;
  let sse = 0;
  pairs.forEach(({ y }, k) => (sse += (y - logPredictions[k] - (calibrate ? bestOffset : 0)) ** 2));
  // Covariance of RLS after `priorSamples` samples of this data: ((gram + ridge I) * priorSamples / count)^-1.
  const scaled = Float64Array.from(data.gram, (v, k) => ((v + (k % (D + 1) === 0 ? ridge : 0)) * priorSamples) / count);
  const covariance = invert(scaled, D);
  return { version: 1, weights: Array.from(weights), covariance: Array.from(covariance), residualVariance: sse / count, updates: 0 };
}

function solve(A: Float64Array, b: Float64Array, n: number): Float64Array {
  const inverse = invert(A, n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += inverse[i * n + j] * b[j];
    x[i] = sum;
  }
  return x;
}

/** Gauss-Jordan inverse with partial pivoting (the matrices here are small and ridge-regularised). */
function invert(matrix: Float64Array, n: number): Float64Array {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[pivot * n + col])) pivot = r;
    if (Math.abs(a[pivot * n + col]) < 1e-12) throw new AbrkitError('invalid-options', 'regressor: singular matrix in fit');
    if (pivot !== col) {
      for (let j = 0; j < n; j++) {
        [a[col * n + j], a[pivot * n + j]] = [a[pivot * n + j], a[col * n + j]];
        [inv[col * n + j], inv[pivot * n + j]] = [inv[pivot * n + j], inv[col * n + j]];
      }
    }
    const p = a[col * n + col];
    for (let j = 0; j < n; j++) {
      a[col * n + j] /= p;
      inv[col * n + j] /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r * n + col];
      if (f === 0) continue;
      for (let j = 0; j < n; j++) {
        a[r * n + j] -= f * a[col * n + j];
        inv[r * n + j] -= f * inv[col * n + j];
      }
    }
  }
  return inv;
}
