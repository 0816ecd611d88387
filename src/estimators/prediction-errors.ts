/**
 * Wraps an estimator with RobustMPC's error bound: the largest relative error of its recent
 * predictions.
 */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { DownloadSample, SampleVerdict } from '../core/sample.js';
import { sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

/** Recent relative errors of an estimator's predictions, newest last. */
export interface PredictionErrorHistory {
  errors: number[];
  lastPredictionBps: number | null;
}

export interface PredictionErrorOptions {
  /** Errors the bound is taken over (RobustMPC: the last 5). */
  readonly windowSize: number;
  /**
   * Keep the error history across `reset()`. Pensieve's RobustMPC does this by accident (its error
   * list is a module global that survives from one trace to the next); only the parity check wants it.
   */
  readonly keepAcrossResets: boolean;
}

export const PREDICTION_ERROR_DEFAULTS: PredictionErrorOptions = Object.freeze({ windowSize: 5, keepAcrossResets: false });

/**
 * Wraps an estimator so that its prediction carries the largest relative error it made over the
 * last N samples, `|predicted - actual| / actual`: RobustMPC's discount `1 + maxError`.
 */
export function withPredictionErrors(
  inner: ThroughputEstimator,
  options: Partial<PredictionErrorOptions> = {},
): ThroughputEstimator {
  const { windowSize, keepAcrossResets } = { ...PREDICTION_ERROR_DEFAULTS, ...options };
  if (!Number.isInteger(windowSize) || windowSize < 1) {
    throw invalidOptions('prediction-errors', `windowSize must be an integer >= 1, got ${windowSize}`);
  }
  const history: PredictionErrorHistory = { errors: [], lastPredictionBps: null };
  return {
    name: inner.name,
    addSample(sample: DownloadSample): SampleVerdict {
      const verdict = inner.addSample(sample);
      if (!verdict.accepted) return verdict;
      const actualBps = sampleThroughputBps(sample);
      const previous = history.lastPredictionBps;
      history.errors.push(previous === null ? 0 : Math.abs(previous - actualBps) / actualBps);
      if (history.errors.length > windowSize) history.errors.shift();
      history.lastPredictionBps = inner.predict()?.throughputBps ?? null;
      return verdict;
    },
    predict(): ThroughputPrediction | null {
      const prediction = inner.predict();
      if (prediction === null) return null;
      let maxError = 0;
      for (const error of history.errors) maxError = Math.max(maxError, error);
      return { throughputBps: prediction.throughputBps, errorRatio: maxError };
    },
    reset(): void {
      inner.reset();
      if (keepAcrossResets) return;
      history.errors = [];
      history.lastPredictionBps = null;
    },
  };
}
