/**
 * The harmonic mean of the last samples' throughput (Pensieve's rate-based and RobustMPC
 * estimator).
 */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { ThroughputWindow } from './sample-window.js';

export interface HarmonicMeanOptions {
  /** Samples in the window; 5 as in Pensieve's rate-based and RobustMPC baselines. */
  readonly windowSize: number;
  readonly sampleFilter?: SampleFilterOptions;
}

export const HARMONIC_MEAN_DEFAULTS: HarmonicMeanOptions = Object.freeze({ windowSize: 5 });

/**
 * Harmonic mean of the last N throughputs. Robust to a single fast outlier, which an
 * arithmetic mean is not: one cache-speed sample cannot drag the estimate up.
 */
export function createHarmonicMeanEstimator(options: Partial<HarmonicMeanOptions> = {}): ThroughputEstimator {
  const { windowSize, sampleFilter } = { ...HARMONIC_MEAN_DEFAULTS, ...options };
  const window = new ThroughputWindow('harmonic-mean', windowSize, sampleFilter);
  return {
    name: 'harmonic',
    addSample: (sample: DownloadSample): SampleVerdict => window.add(sample),
    predict(): ThroughputPrediction | null {
      const values = window.values;
      if (values.length === 0) return null;
      return { throughputBps: harmonicMean(values), errorRatio: 0 };
    },
    reset: () => window.clear(),
  };
}

/** Harmonic mean, summed in order (so results match reference implementations to the last bit). */
export function harmonicMean(values: readonly number[]): number {
  let inverseSum = 0;
  for (const value of values) inverseSum += 1 / value;
  return 1 / (inverseSum / values.length);
}
