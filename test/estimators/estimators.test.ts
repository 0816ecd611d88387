import { describe, expect, it } from 'vitest';
import { createHarmonicMeanEstimator, harmonicMean } from '../../src/estimators/harmonic.js';
import { createDualEwmaEstimator } from '../../src/estimators/ewma.js';
import { createLinearRegressionEstimator } from '../../src/estimators/regression.js';
import { withPredictionErrors } from '../../src/estimators/prediction-errors.js';
import { checkSample, DEFAULT_SAMPLE_FILTER } from '../../src/core/sample.js';
import { sampleAt } from '../helpers.js';

describe('harmonic mean', () => {
  it('is the harmonic mean of the last N throughputs', () => {
    const estimator = createHarmonicMeanEstimator({ windowSize: 3 });
    expect(estimator.predict()).toBeNull();
    for (const mbps of [8, 1, 2, 4]) estimator.addSample(sampleAt(mbps));
    // Window holds 1, 2, 4 Mbit/s: 3 / (1 + 1/2 + 1/4) = 12/7 Mbit/s.
    expect(estimator.predict()!.throughputBps).toBeCloseTo(12e6 / 7, 3);
    expect(harmonicMean([1, 2, 4])).toBeCloseTo(12 / 7, 12);
  });

  it('forgets everything on reset', () => {
    const estimator = createHarmonicMeanEstimator();
    estimator.addSample(sampleAt(3));
    estimator.reset();
    expect(estimator.predict()).toBeNull();
  });
});

describe('dual EWMA', () => {
  it('weights samples by download time and reports the lower average', () => {
    const estimator = createDualEwmaEstimator({ fastHalfLifeS: 3, slowHalfLifeS: 9 });
    // 1 Mbit/s for 1 s, then 4 Mbit/s for 2 s.
    estimator.addSample({ bytes: 125_000, durationMs: 1000, ttfbMs: 10, startMs: 0, endMs: 1000 });
    expect(estimator.predict()!.throughputBps).toBeCloseTo(1e6, 6);
    estimator.addSample({ bytes: 1_000_000, durationMs: 2000, ttfbMs: 10, startMs: 1000, endMs: 3000 });
    const prediction = estimator.predict()!;
    // Values from an independent implementation: fast 3220236.8503, slow 3075953.1913.
    expect(prediction.throughputBps).toBeCloseTo(3075953.191270731, 3);
    expect(prediction.errorRatio).toBeCloseTo(3220236.8503153804 / 3075953.191270731 - 1, 9);
  });

  it('rejects a fast half-life longer than the slow one', () => {
    expect(() => createDualEwmaEstimator({ fastHalfLifeS: 10, slowHalfLifeS: 5 })).toThrow(/fastHalfLifeS/);
  });
});

describe('linear regression', () => {
  it('extrapolates the log-throughput trend one sample ahead with a relative error bound', () => {
    const estimator = createLinearRegressionEstimator({ windowSize: 5 });
    for (const mbps of [2, 4, 2, 4, 3]) estimator.addSample(sampleAt(mbps));
    const prediction = estimator.predict()!;
    expect(prediction.throughputBps).toBeCloseTo(3650186.051359229, 2);
    expect(prediction.errorRatio).toBeCloseTo(0.7170024735093641, 9);
  });

  it('never predicts above the fastest sample in the window', () => {
    const estimator = createLinearRegressionEstimator({ windowSize: 4 });
    for (const mbps of [2, 2.5, 2.2, 2.6]) estimator.addSample(sampleAt(mbps));
    expect(estimator.predict()!.throughputBps).toBeCloseTo(2.6e6, 2);
    expect(estimator.predict()!.errorRatio).toBeCloseTo(0.1787827284712753, 9);
  });
});

describe('prediction errors (RobustMPC discount)', () => {
  it('tracks |predicted - actual| / actual of the last N predictions', () => {
    const estimator = withPredictionErrors(createHarmonicMeanEstimator({ windowSize: 5 }), { windowSize: 2 });
    estimator.addSample(sampleAt(2)); // first sample: error 0, prediction 2
    expect(estimator.predict()).toEqual({ throughputBps: expect.closeTo(2e6, 3), errorRatio: 0 });
    estimator.addSample(sampleAt(1)); // |2 - 1| / 1 = 1; prediction now 4/3
    expect(estimator.predict()!.errorRatio).toBeCloseTo(1, 12);
    estimator.addSample(sampleAt(4 / 3)); // error 0; window of 2 holds 1 and 0
    expect(estimator.predict()!.errorRatio).toBeCloseTo(1, 12);
    estimator.addSample(sampleAt(2)); // |4/3 - 2| / 2 = 1/3; window holds 0 and 1/3
    expect(estimator.predict()!.errorRatio).toBeCloseTo(1 / 3, 9);
  });

  it('keeps its history across reset only when asked (Pensieve quirk)', () => {
    const quirky = withPredictionErrors(createHarmonicMeanEstimator(), { keepAcrossResets: true });
    const clean = withPredictionErrors(createHarmonicMeanEstimator());
    for (const e of [quirky, clean]) {
      e.addSample(sampleAt(2));
      e.addSample(sampleAt(1));
      e.reset();
      e.addSample(sampleAt(3));
    }
    // The quirky one compares the new trace's first sample with the old trace's last prediction (4/3).
    expect(quirky.predict()!.errorRatio).toBeCloseTo(1, 12);
    expect(clean.predict()!.errorRatio).toBe(0);
  });
});

describe('sample filtering', () => {
  const base = { bytes: 500_000, durationMs: 400, ttfbMs: 30, startMs: 0, endMs: 400 };
  it.each([
    ['not-finite', { bytes: NaN }],
    ['not-finite', { durationMs: Infinity }],
    ['non-positive-duration', { durationMs: 0 }],
    ['non-positive-duration', { durationMs: -5 }],
    ['negative-bytes', { bytes: -1 }],
    ['too-small', { bytes: 1200 }],
    ['cache-hit', { durationMs: 3 }],
    ['cache-hit', { bytes: 5e8, durationMs: 1000 }],
  ])('rejects %s (%o)', (reason, patch) => {
    expect(checkSample({ ...base, ...patch }, DEFAULT_SAMPLE_FILTER)).toEqual({ accepted: false, reason });
  });

  it('every estimator ignores rejected samples', () => {
    for (const estimator of [createHarmonicMeanEstimator(), createDualEwmaEstimator(), createLinearRegressionEstimator()]) {
      expect(estimator.addSample({ ...base, durationMs: NaN }).accepted).toBe(false);
      expect(estimator.addSample({ ...base, durationMs: 2 }).accepted).toBe(false);
      expect(estimator.predict()).toBeNull();
      expect(estimator.addSample(base).accepted).toBe(true);
      expect(estimator.predict()!.throughputBps).toBeCloseTo(1e7, 0);
    }
  });
});
