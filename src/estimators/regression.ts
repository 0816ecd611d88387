/** A least-squares line through the recent samples' throughput, extrapolated one download ahead. */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { ThroughputWindow } from './sample-window.js';

export interface LinearRegressionOptions {
  /** Samples the line is fitted to. */
  readonly windowSize: number;
  readonly sampleFilter?: SampleFilterOptions;
}

export const LINEAR_REGRESSION_DEFAULTS: LinearRegressionOptions = Object.freeze({ windowSize: 8 });

/**
 * Least-squares line through ln(throughput) against sample index over a sliding window,
 * extrapolated one sample ahead. Working in log space makes the trend multiplicative and the
 * error bound relative: `errorRatio = exp(s) - 1`, where `s` is the standard error of a new
 * observation at the predicted index. The prediction is clamped to the window's range, so a
 * steep trend never predicts more than the fastest recent sample (over-prediction causes stalls).
 */
export function createLinearRegressionEstimator(options: Partial<LinearRegressionOptions> = {}): ThroughputEstimator {
  const { windowSize, sampleFilter } = { ...LINEAR_REGRESSION_DEFAULTS, ...options };
  const window = new ThroughputWindow('linear-regression', windowSize, sampleFilter);
  return {
    name: 'regression',
    addSample: (sample: DownloadSample): SampleVerdict => window.add(sample),
    predict: (): ThroughputPrediction | null => predictByRegression(window.values),
    reset: () => window.clear(),
  };
}

export function predictByRegression(throughputsBps: readonly number[]): ThroughputPrediction | null {
  const n = throughputsBps.length;
  if (n === 0) return null;
  const ys = throughputsBps.map(Math.log);
  if (n === 1) return { throughputBps: throughputsBps[0], errorRatio: 0 };
  const meanX = (n - 1) / 2;
  let meanY = 0;
  for (const y of ys) meanY += y;
  meanY /= n;
  let sxx = 0;
  let sxy = 0;
  for (let x = 0; x < n; x++) {
    sxx += (x - meanX) * (x - meanX);
    sxy += (x - meanX) * (ys[x] - meanY);
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const y of ys) {
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const predictedY = Math.min(maxY, Math.max(minY, intercept + slope * n));
  let errorRatio = 0;
  if (n > 2) {
    let residualSquares = 0;
    for (let x = 0; x < n; x++) {
      const residual = ys[x] - (intercept + slope * x);
      residualSquares += residual * residual;
    }
    const residualVariance = residualSquares / (n - 2);
    const standardError = Math.sqrt(residualVariance * (1 + 1 / n + ((n - meanX) * (n - meanX)) / sxx));
    errorRatio = Math.exp(standardError) - 1;
  }
  return { throughputBps: Math.exp(predictedY), errorRatio };
}
