/** The throughput estimator contract: samples in, a prediction with its error bound out. */
import type { DownloadSample, SampleVerdict } from './sample.js';

/** What an estimator believes the next download will see. */
export interface ThroughputPrediction {
  /** Predicted throughput of the next segment download, bit/s. */
  readonly throughputBps: number;
  /**
   * Relative error bound of the prediction (0.2 = the truth may be 20% off). Policies that want
   * a conservative figure use `throughputBps / (1 + errorRatio)`. 0 when the estimator has no idea.
   */
  readonly errorRatio: number;
}

/**
 * Turns download samples into a throughput prediction. Estimators validate samples themselves
 * (NaN, non-positive durations, tiny responses and cache hits are rejected, never averaged in).
 */
export interface ThroughputEstimator {
  readonly name: string;
  addSample(sample: DownloadSample): SampleVerdict;
  /** `null` until the estimator has enough data to say anything. */
  predict(): ThroughputPrediction | null;
  reset(): void;
}
