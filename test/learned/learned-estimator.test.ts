import { describe, expect, it } from 'vitest';
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { AbrkitError } from '../../src/core/errors.js';
import type { RegressorState } from '../../src/learned/regressor.js';
import { createIndexedDbRegressorStore, loadLearnedEstimator, type RegressorStore } from '../../src/learned/learned-estimator.js';
import { DEFAULT_DQN_MODEL } from '../../src/learned/model/default-model.js';
import { sampleAt } from './helpers.js';

/** A link whose throughput alternates 1 and 4 Mbps: a pattern the shipped fit has not seen, so RLS moves. */
function feed(estimator: { addSample: (s: ReturnType<typeof sampleAt>) => unknown }, count: number, fromMs = 0): void {
  for (let i = 0; i < count; i++) estimator.addSample(sampleAt(i % 2 === 0 ? 1 : 4, 500_000, fromMs + 4000 * (i + 1)));
}

describe('loadLearnedEstimator', () => {
  it('starts from the shipped fit, adapts, and a later session on the same IndexedDB starts from the adapted state', async () => {
    const indexedDB = new IDBFactory();
    const first = await loadLearnedEstimator({ store: createIndexedDbRegressorStore({ indexedDB }) });
    expect(first.origin).toBe('shipped');
    expect(first.state().weights).toEqual(DEFAULT_DQN_MODEL.regressor.weights);
    feed(first, 12);
    first.reset(); // end of the session: the last samples are saved too
    await first.flush();
    const adapted = first.state();
    expect(adapted.updates).toBe(DEFAULT_DQN_MODEL.regressor.updates + 11);
    expect(adapted.weights).not.toEqual(DEFAULT_DQN_MODEL.regressor.weights);

    const second = await loadLearnedEstimator({ store: createIndexedDbRegressorStore({ indexedDB }) });
    expect(second.origin).toBe('persisted');
    expect(second.state()).toEqual(adapted);
  });

  it('saves every `saveEverySamples` accepted samples, not for rejected ones', async () => {
    const saved: RegressorState[] = [];
    const store: RegressorStore = { load: async () => null, save: async (s) => void saved.push(s) };
    const estimator = await loadLearnedEstimator({ store, saveEverySamples: 3 });
    feed(estimator, 7);
    estimator.addSample({ bytes: 100, durationMs: 5, ttfbMs: 1, startMs: 0, endMs: 5 }); // too small: rejected
    await estimator.flush();
    expect(saved.map((s) => s.updates - DEFAULT_DQN_MODEL.regressor.updates)).toEqual([2, 5]);
  });

  it('a corrupt persisted state or a failing store is reported with a typed error, and the shipped fit is used', async () => {
    const errors: AbrkitError[] = [];
    const corrupt = await loadLearnedEstimator({ store: { load: async () => ({ version: 1, weights: [NaN] }), save: async () => undefined }, onError: (e) => errors.push(e) });
    expect(corrupt.origin).toBe('shipped');
    expect(errors[0]).toMatchObject({ code: 'invalid-options' });
    expect(errors[0].message).toMatch(/persisted state is unusable/);

    const failing: RegressorStore = {
      load: () => Promise.reject(new Error('disk on fire')),
      save: () => Promise.reject(Object.assign(new Error('quota'), { name: 'QuotaExceededError' })),
    };
    const estimator = await loadLearnedEstimator({ store: failing, saveEverySamples: 1, onError: (e) => errors.push(e) });
    expect(estimator.origin).toBe('shipped');
    feed(estimator, 3);
    await estimator.flush();
    expect(estimator.predict()?.throughputBps).toBeGreaterThan(0);
    expect(errors.slice(1).map((e) => e.code)).toEqual(['storage-failed', 'storage-failed', 'storage-failed', 'storage-failed']); // the load, then 3 saves
    expect(errors[1].message).toMatch(/loading the persisted state: disk on fire/);
  });

  it('without IndexedDB the store rejects with storage-failed and the estimator still works', async () => {
    const errors: AbrkitError[] = [];
    const estimator = await loadLearnedEstimator({ store: createIndexedDbRegressorStore({ indexedDB: null }), saveEverySamples: 1, onError: (e) => errors.push(e) });
    feed(estimator, 2);
    await estimator.flush();
    expect(estimator.origin).toBe('shipped');
    expect(errors.length).toBe(3);
    expect(errors.every((e) => e.code === 'storage-failed')).toBe(true);
  });

  it('a given state wins over the store; bad options are refused', async () => {
    const given = { ...DEFAULT_DQN_MODEL.regressor, updates: 7 };
    const estimator = await loadLearnedEstimator({ state: given, store: { load: () => Promise.reject(new Error('not called')), save: async () => undefined } });
    expect(estimator.origin).toBe('given');
    expect(estimator.state().updates).toBe(7);
    await expect(loadLearnedEstimator({ saveEverySamples: 0 })).rejects.toMatchObject({ code: 'invalid-options' });
  });
});
