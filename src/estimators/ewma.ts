/**
 * hls.js's estimator: two exponentially weighted moving averages (fast and slow) of throughput, the
 * lower one wins.
 */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { checkSample, DEFAULT_SAMPLE_FILTER, sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

export interface DualEwmaOptions {
  /** Half-life of the fast average, seconds of download time (hls.js VoD default: 3). */
  readonly fastHalfLifeS: number;
  /** Half-life of the slow average, seconds of download time (hls.js VoD default: 9). */
  readonly slowHalfLifeS: number;
  readonly sampleFilter?: SampleFilterOptions;
}

export const DUAL_EWMA_DEFAULTS: DualEwmaOptions = Object.freeze({ fastHalfLifeS: 3, slowHalfLifeS: 9 });

/**
 * An exponentially weighted average whose weight is the sample's download time, with the
 * zero-start bias corrected (the estimate is divided by `1 - alpha^totalWeight`).
 */
class WeightedEwma {
  readonly #alpha: number;
  #estimate = 0;
  #totalWeight = 0;

  constructor(halfLifeS: number) {
    this.#alpha = Math.exp(Math.log(0.5) / halfLifeS);
  }

  sample(weight: number, value: number): void {
    const adjustedAlpha = Math.pow(this.#alpha, weight);
    this.#estimate = value * (1 - adjustedAlpha) + adjustedAlpha * this.#estimate;
    this.#totalWeight += weight;
  }

  get estimate(): number {
    return this.#estimate / (1 - Math.pow(this.#alpha, this.#totalWeight));
  }

  get totalWeight(): number {
    return this.#totalWeight;
  }
}

/**
 * Two EWMAs of throughput, one fast and one slow, reporting the lower: it drops quickly when
 * the link degrades and rises slowly when it recovers (the hls.js and shaka-player design).
 */
export function createDualEwmaEstimator(options: Partial<DualEwmaOptions> = {}): ThroughputEstimator {
  const resolved = { ...DUAL_EWMA_DEFAULTS, ...options };
  const { fastHalfLifeS, slowHalfLifeS } = resolved;
  if (!(fastHalfLifeS > 0) || !(slowHalfLifeS > 0)) {
    throw invalidOptions('dual-ewma', 'half-lives must be positive');
  }
  if (fastHalfLifeS > slowHalfLifeS) {
    throw invalidOptions('dual-ewma', `fastHalfLifeS (${fastHalfLifeS}) must not exceed slowHalfLifeS (${slowHalfLifeS})`);
  }
  const filter = resolved.sampleFilter ?? DEFAULT_SAMPLE_FILTER;
  let fast = new WeightedEwma(fastHalfLifeS);
  let slow = new WeightedEwma(slowHalfLifeS);
  return {
    name: 'ewma',
    addSample(sample: DownloadSample): SampleVerdict {
      const verdict = checkSample(sample, filter);
      if (!verdict.accepted) return verdict;
      const weightS = sample.durationMs / 1000;
      const throughputBps = sampleThroughputBps(sample);
      fast.sample(weightS, throughputBps);
      slow.sample(weightS, throughputBps);
      return verdict;
    },
    predict(): ThroughputPrediction | null {
      if (fast.totalWeight === 0) return null;
      const fastBps = fast.estimate;
      const slowBps = slow.estimate;
      const lowBps = Math.min(fastBps, slowBps);
      // The two averages disagree by as much as the link has recently moved.
      return { throughputBps: lowBps, errorRatio: Math.max(fastBps, slowBps) / lowBps - 1 };
    },
    reset(): void {
      fast = new WeightedEwma(fastHalfLifeS);
      slow = new WeightedEwma(slowHalfLifeS);
    },
  };
}
