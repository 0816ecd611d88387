/**
 * A learned throughput predictor: a linear model over engineered features of the recent samples,
 * predicting log(next throughput / harmonic mean of the last 5), fitted offline by ridge least
 * squares on training traces, then adapted online to the device by recursive least squares (RLS)
 * with forgetting. Its uncertainty is the running RMS of its own log-space residuals.
 */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { DEFAULT_SAMPLE_FILTER, checkSample, sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

/** Samples the features look back over. */
export const REGRESSOR_WINDOW = 5;

export const REGRESSOR_FEATURE_NAMES = [
  'bias',
  'log(t[-1]/harmonic)',
  'log(t[-2]/harmonic)',
  'log(t[-3]/harmonic)',
  'log(t[-4]/harmonic)',
  'log(t[-5]/harmonic)',
  'std(log t)',
  'ttfb/duration of the last sample',
  'log(bytes of the last sample / 1 MB)',
  'samples/5',
] as const;
export const REGRESSOR_FEATURES = REGRESSOR_FEATURE_NAMES.length;

/** Everything the regressor learnt; plain numbers so it can be stored (JSON, IndexedDB). */
export interface RegressorState {
  readonly version: 1;
  readonly weights: readonly number[];
  /** RLS inverse-correlation matrix, row-major D x D. */
  readonly covariance: readonly number[];
  /** Running mean of squared log-space residuals. */
  readonly residualVariance: number;
  readonly updates: number;
}

export interface RegressorOptions {
  /** Starting point (a fitted or persisted state); default: the plain harmonic mean. */
  readonly initial?: RegressorState;
  /** RLS forgetting factor: 1 never forgets, 0.99 weighs the last ~100 samples. */
  readonly forgetting: number;
  /** Weight of a new squared residual in the running variance. */
  readonly residualDecay: number;
  /** errorRatio = exp(z * residual RMS) - 1. */
  readonly errorZ: number;
  /**
   * Cap on the trace of the RLS covariance, as a multiple of the starting state's. With forgetting,
   * the covariance grows without bound along directions the samples do not excite (the sample count
   * feature is constant once the window is full, like the bias): unbounded, it reached 1e25 and lost
   * positive-definiteness after ~8,000 updates, and the predictions went to nonsense. A persisted
   * state sees that many updates in a few hours of viewing.
   */
  readonly maxCovarianceGrowth: number;
  readonly sampleFilter?: SampleFilterOptions;
}

export const REGRESSOR_DEFAULTS: RegressorOptions = Object.freeze({ forgetting: 0.995, residualDecay: 0.1, errorZ: 1, maxCovarianceGrowth: 10 });

/** Sum of the diagonal of a row-major D x D matrix. */
function traceOf(matrix: ArrayLike<number>, D: number): number {
  let sum = 0;
  for (let i = 0; i < D; i++) sum += matrix[i * D + i];
  return sum;
}

/** Initial RLS covariance scale when starting from scratch: a weak prior around the harmonic mean. */
const FRESH_COVARIANCE = 1;

export interface ThroughputRegressor extends ThroughputEstimator {
  /** The adapted state, for persistence. */
  state(): RegressorState;
}

/** Harmonic mean of the last REGRESSOR_WINDOW throughputs. */
function harmonic(throughputs: readonly number[]): number {
  const start = Math.max(0, throughputs.length - REGRESSOR_WINDOW);
  let inverse = 0;
  for (let i = start; i < throughputs.length; i++) inverse += 1 / throughputs[i];
  return (throughputs.length - start) / inverse;
}

/** The features of the next prediction, from the recent samples (oldest first, at least one). Pure. */
export function regressorFeatures(window: readonly DownloadSample[]): { x: Float64Array; harmonicBps: number } {
  const throughputs = window.slice(-REGRESSOR_WINDOW).map(sampleThroughputBps);
  const harmonicBps = harmonic(throughputs);
  const x = new Float64Array(REGRESSOR_FEATURES);
  x[0] = 1;
  const n = throughputs.length;
  let sum = 0;
  let sumSq = 0;
  for (let k = 1; k <= REGRESSOR_WINDOW; k++) {
    const t = throughputs[n - k];
    const r = t === undefined ? 0 : Math.log(t / harmonicBps);
    x[k] = r;
    sum += r;
    sumSq += r * r;
  }
  const meanR = sum / n;
  x[6] = Math.sqrt(Math.max(0, sumSq / n - meanR * meanR));
  const last = window[window.length - 1];
  x[7] = last.durationMs > 0 ? Math.min(1, Math.max(0, last.ttfbMs / last.durationMs)) : 0;
  x[8] = Math.max(-5, Math.min(5, Math.log(Math.max(last.bytes, 1) / 1e6)));
  x[9] = n / REGRESSOR_WINDOW;
  return { x, harmonicBps };
}

export function freshRegressorState(): RegressorState {
  const covariance = new Array<number>(REGRESSOR_FEATURES * REGRESSOR_FEATURES).fill(0);
  for (let i = 0; i < REGRESSOR_FEATURES; i++) covariance[i * REGRESSOR_FEATURES + i] = FRESH_COVARIANCE;
  return { version: 1, weights: new Array<number>(REGRESSOR_FEATURES).fill(0), covariance, residualVariance: 0.09, updates: 0 };
}

/** Checks a (possibly persisted, possibly corrupt) state; throws `invalid-options` when it is unusable. */
export function validateRegressorState(state: unknown): RegressorState {
  const s = state as Partial<RegressorState> | null;
  const finiteArray = (a: unknown, length: number) =>
    Array.isArray(a) && a.length === length && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (
    !s ||
    s.version !== 1 ||
    !finiteArray(s.weights, REGRESSOR_FEATURES) ||
    !finiteArray(s.covariance, REGRESSOR_FEATURES * REGRESSOR_FEATURES) ||
    !(typeof s.residualVariance === 'number' && s.residualVariance >= 0 && Number.isFinite(s.residualVariance)) ||
    !(typeof s.updates === 'number' && s.updates >= 0)
  ) {
    throw invalidOptions('regressor', 'state is malformed (expected version 1 with finite weights and covariance)');
  }
  // A covariance that lost its positive diagonal (a state saved by an unbounded RLS) is corrupt too.
  for (let i = 0; i < REGRESSOR_FEATURES; i++) {
    if (!(s.covariance![i * REGRESSOR_FEATURES + i]! > 0)) throw invalidOptions('regressor', 'state is malformed (covariance diagonal must be positive)');
  }
  return s as RegressorState;
}

export function createThroughputRegressor(options: Partial<RegressorOptions> = {}): ThroughputRegressor {
  const { forgetting, residualDecay, errorZ, sampleFilter, maxCovarianceGrowth } = { ...REGRESSOR_DEFAULTS, ...options };
  if (!(forgetting > 0 && forgetting <= 1)) throw invalidOptions('regressor', `forgetting must be in (0, 1], got ${forgetting}`);
  if (!(maxCovarianceGrowth >= 1 && Number.isFinite(maxCovarianceGrowth))) {
    throw invalidOptions('regressor', `maxCovarianceGrowth must be finite and >= 1, got ${maxCovarianceGrowth}`);
  }
  if (!(residualDecay > 0 && residualDecay <= 1)) throw invalidOptions('regressor', `residualDecay must be in (0, 1], got ${residualDecay}`);
  const initial = validateRegressorState(options.initial ?? freshRegressorState());
  const D = REGRESSOR_FEATURES;
  const w = Float64Array.from(initial.weights);
  const P = Float64Array.from(initial.covariance);
  const startTrace = traceOf(initial.covariance, D);
  const maxTrace = startTrace * maxCovarianceGrowth;
  let residualVariance = initial.residualVariance;
  let updates = initial.updates;
  let window: DownloadSample[] = [];
  const px = new Float64Array(D);

  const rlsUpdate = (x: Float64Array, y: number) => {
    let prediction = 0;
    for (let i = 0; i < D; i++) prediction += w[i] * x[i];
    // The error of the prediction as made (predict clamps the log ratio the same way).
    const residual = y - Math.max(-3, Math.min(3, prediction));
    let denominator = forgetting;
    for (let i = 0; i < D; i++) {
      let sum = 0;
      for (let j = 0; j < D; j++) sum += P[i * D + j] * x[j];
      px[i] = sum;
      denominator += x[i] * sum;
    }
    for (let i = 0; i < D; i++) w[i] += (px[i] / denominator) * residual;
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) P[i * D + j] = (P[i * D + j] - (px[i] * px[j]) / denominator) / forgetting;
    }
    boundCovariance();
    residualVariance = (1 - residualDecay) * residualVariance + residualDecay * residual * residual;
    updates++;
  };

  /**
   * Keeps P symmetric, positive on its diagonal and its trace at most `maxTrace`; a P (or w) that
   * rounding broke anyway restarts from the starting state's, rather than poisoning every later prediction.
   */
  const boundCovariance = () => {
    let healthy = true;
    for (let i = 0; i < D && healthy; i++) {
      if (!(P[i * D + i] > 0) || !Number.isFinite(w[i])) healthy = false;
      for (let j = i + 1; j < D; j++) {
        const mean = (P[i * D + j] + P[j * D + i]) / 2;
        P[i * D + j] = mean;
        P[j * D + i] = mean;
      }
    }
    const trace = traceOf(P, D);
    if (!healthy || !Number.isFinite(trace)) {
      P.set(initial.covariance);
      w.set(initial.weights);
      return;
    }
    if (trace > maxTrace) {
      const scale = maxTrace / trace;
      for (let k = 0; k < P.length; k++) P[k] *= scale;
    }
  };

  return {
    name: 'learned-regression',
    addSample(sample: DownloadSample): SampleVerdict {
      const verdict = checkSample(sample, sampleFilter ?? DEFAULT_SAMPLE_FILTER);
      if (!verdict.accepted) return verdict;
      if (window.length > 0) {
        const { x, harmonicBps } = regressorFeatures(window);
        const y = Math.log(sampleThroughputBps(sample) / harmonicBps);
        if (Number.isFinite(y)) rlsUpdate(x, Math.max(-3, Math.min(3, y)));
      }
      window.push(sample);
      if (window.length > REGRESSOR_WINDOW) window.shift();
      return verdict;
    },
    predict(): ThroughputPrediction | null {
      if (window.length === 0) return null;
      const { x, harmonicBps } = regressorFeatures(window);
      let logRatio = 0;
      for (let i = 0; i < D; i++) logRatio += w[i] * x[i];
      const throughputBps = harmonicBps * Math.exp(Math.max(-3, Math.min(3, logRatio)));
      const errorRatio = Math.expm1(errorZ * Math.sqrt(residualVariance));
      if (!Number.isFinite(throughputBps) || !Number.isFinite(errorRatio)) return null;
      return { throughputBps, errorRatio };
    },
    /** New session: forget the samples, keep what was learnt about the device. */
    reset(): void {
      window = [];
    },
    state(): RegressorState {
      return { version: 1, weights: Array.from(w), covariance: Array.from(P), residualVariance, updates };
    },
  };
}
