import { beforeAll, describe, expect, it } from 'vitest';
import { createThroughputRegressor, validateRegressorState } from '../../../src/learned/regressor.js';
import { fitRegressor } from '../../../src/learned/regressor-fit.js';
import { fitRegressorTfjs } from '../../../src/node/train/tfjs/tfjs-regressor.js';
import { readyTfjs, tf } from '../../../src/node/train/tfjs/tfjs.js';
import { collectSamples } from '../../../src/node/train/data.js';
import { synthesizeTrace } from '../../../src/sim/synth.js';
import { AbrkitError } from '../../../src/core/errors.js';
import { constantVideo } from '../../learned/helpers.js';

const video = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 49);
const profiles = ['markov', 'lte-drive', '3g', 'congested-wifi'] as const;
const sequences = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => collectSamples(synthesizeTrace({ profile: profiles[seed % 4], seed, durationS: 300 }), video));

beforeAll(readyTfjs);

describe('the regressor fitted with tfjs', () => {
  it('reaches the ridge fit: same weights, covariance and residual, same predictions once adapting online', () => {
    const tensors = tf.memory().numTensors;
    const ridge = fitRegressor(sequences);
    const tfjs = validateRegressorState(fitRegressorTfjs(sequences, { iterations: 1500 }));
    expect(tf.memory().numTensors).toBe(tensors);
    tfjs.weights.forEach((w, i) => expect(Math.abs(w - ridge.weights[i])).toBeLessThan(2e-3));
    // The fit's tail is shared: covariance from the same data, residual of nearly the same weights.
    expect(tfjs.covariance).toEqual(ridge.covariance);
    expect(Math.abs(tfjs.residualVariance - ridge.residualVariance)).toBeLessThan(1e-3 * ridge.residualVariance);
    const a = createThroughputRegressor({ initial: ridge });
    const b = createThroughputRegressor({ initial: tfjs });
    let compared = 0;
    for (const sample of collectSamples(synthesizeTrace({ profile: 'markov', seed: 42, durationS: 200 }), video)) {
      const [pa, pb] = [a.predict(), b.predict()];
      if (pa && pb) {
        expect(Math.abs(pb.throughputBps / pa.throughputBps - 1)).toBeLessThan(5e-3);
        compared++;
      }
      a.addSample(sample);
      b.addSample(sample);
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('differs from an unfitted start, and rejects bad options and empty data', () => {
    const fitted = fitRegressorTfjs(sequences, { iterations: 300 });
    expect(fitted.weights.some((w) => Math.abs(w) > 0.05)).toBe(true);
    expect(() => fitRegressorTfjs(sequences, { iterations: 0 })).toThrow(AbrkitError);
    expect(() => fitRegressorTfjs([[]])).toThrow(AbrkitError);
  });
});
