/**
 * The learned throughput regressor as a ready-to-use estimator for the adapters
 * (`createAbrController({ policy: 'robustmpc', estimator })`), starting from the fit shipped in the
 * package or from the state it adapted to on this device in an earlier session, and saving that
 * state as it adapts. Persistence never blocks or breaks playback: a store that fails is reported
 * through `onError` and the estimator carries on in memory.
 */
import type { DownloadSample, SampleVerdict } from '../core/sample.js';
import type { RegressorOptions, RegressorState, ThroughputRegressor } from './regressor.js';
import { AbrkitError, asAbrkitError, invalidOptions } from '../core/errors.js';
import { createThroughputRegressor, validateRegressorState } from './regressor.js';

/** Where the adapted regressor state lives between sessions. */
export interface RegressorStore {
  /** The saved state, or null if none was saved. May hold anything: it is validated on load. */
  load(): Promise<unknown>;
  save(state: RegressorState): Promise<void>;
}

export interface LearnedEstimatorOptions {
  /** Start from this state (skips the store and the shipped fit). */
  readonly state?: RegressorState;
  /** Persist the adapted state here (see `createIndexedDbRegressorStore`); default: not persisted. */
  readonly store?: RegressorStore;
  /** Accepted samples between saves (and one more at `reset`, the end of a session). */
  readonly saveEverySamples: number;
  /** A store that fails or holds a corrupt state is reported here (code `storage-failed` or `invalid-options`). */
  readonly onError?: (error: AbrkitError) => void;
  /** The state to start from when there is no saved one; default the shipped fit, loaded lazily. */
  readonly loadShippedState?: () => Promise<RegressorState>;
  readonly regressor?: Partial<Omit<RegressorOptions, 'initial'>>;
}

export const LEARNED_ESTIMATOR_DEFAULTS = Object.freeze({ saveEverySamples: 5 });

/** Where a learned estimator started from. */
export type LearnedEstimatorOrigin = 'given' | 'persisted' | 'shipped';

export interface LearnedEstimator extends ThroughputRegressor {
  readonly origin: LearnedEstimatorOrigin;
  /** Resolves when the saves issued so far have settled (for tests and for a clean page exit). */
  flush(): Promise<void>;
}

async function shippedState(): Promise<RegressorState> {
  return (await import('./model/default-model.js')).DEFAULT_DQN_MODEL.regressor;
}

/** Builds the estimator once its starting state is known. */
export async function loadLearnedEstimator(options: Partial<LearnedEstimatorOptions> = {}): Promise<LearnedEstimator> {
  const o = { ...LEARNED_ESTIMATOR_DEFAULTS, ...options };
  if (!(Number.isInteger(o.saveEverySamples) && o.saveEverySamples >= 1)) throw invalidOptions('learned estimator', `saveEverySamples must be an integer >= 1, got ${o.saveEverySamples}`);
  const report = (error: unknown, context: string) => o.onError?.(asAbrkitError(error, 'storage-failed', context));

  let initial: RegressorState | null = o.state ? validateRegressorState(o.state) : null;
  let origin: LearnedEstimatorOrigin = 'given';
  if (!initial && o.store) {
    try {
      const saved = await o.store.load();
      if (saved !== null && saved !== undefined) {
        try {
          initial = validateRegressorState(saved);
          origin = 'persisted';
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          o.onError?.(new AbrkitError('invalid-options', `learned estimator: the persisted state is unusable (${detail}); starting from the shipped fit`, { cause: error }));
        }
      }
    } catch (error) {
      report(error, 'learned estimator: loading the persisted state');
    }
  }
  if (!initial) {
    initial = validateRegressorState(await (o.loadShippedState ?? shippedState)());
    origin = 'shipped';
  }

  const regressor = createThroughputRegressor({ ...o.regressor, initial });
  let sinceSave = 0;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    const store = o.store;
    if (!store) return;
    sinceSave = 0;
    const state = regressor.state();
    // One save at a time, in order: the last one issued is the one that stays.
    saving = saving.then(() => store.save(state)).catch((error: unknown) => report(error, 'learned estimator: saving the adapted state'));
  };

  return {
    name: regressor.name,
    origin,
    addSample(sample: DownloadSample): SampleVerdict {
      const verdict = regressor.addSample(sample);
      if (verdict.accepted && ++sinceSave >= o.saveEverySamples) save();
      return verdict;
    },
    predict: () => regressor.predict(),
    reset(): void {
      if (sinceSave > 0) save();
      regressor.reset();
    },
    state: () => regressor.state(),
    flush: () => saving,
  };
}

/** IndexedDB database and key the default store uses. */
const DB_NAME = 'abrkit-regressor';
const STORE = 'state';
const KEY = 'regressor';

/**
 * A RegressorStore in IndexedDB (one small record per origin). `indexedDB` defaults to
 * `globalThis.indexedDB`; without one, load and save reject with `storage-failed` (private modes),
 * which the estimator reports and otherwise ignores.
 */
export function createIndexedDbRegressorStore(options: { indexedDB?: IDBFactory | null; dbName?: string } = {}): RegressorStore {
  const factory = options.indexedDB === undefined ? (globalThis as { indexedDB?: IDBFactory }).indexedDB : options.indexedDB;
  const name = options.dbName ?? DB_NAME;
  let opened: Promise<IDBDatabase> | null = null;
  const open = (): Promise<IDBDatabase> => {
    if (!factory) return Promise.reject(new AbrkitError('storage-failed', 'learned estimator: IndexedDB is unavailable'));
    opened ??= new Promise<IDBDatabase>((resolve, reject) => {
      const request = factory.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => db.close();
        resolve(db);
      };
      request.onerror = () => reject(request.error ?? new Error('IndexedDB open failed'));
      request.onblocked = () => reject(new Error('IndexedDB open blocked'));
    }).catch((error: unknown) => {
      opened = null;
      throw error;
    });
    return opened;
  };
  const run = <T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest): Promise<T> =>
    open().then(
      (db) =>
        new Promise<T>((resolve, reject) => {
          const tx = db.transaction(STORE, mode, { durability: 'relaxed' });
          const request = body(tx.objectStore(STORE));
          tx.oncomplete = () => resolve(request.result as T);
          tx.onerror = () => reject(tx.error ?? request.error ?? new Error('IndexedDB transaction failed'));
          tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
        }),
    );
  return {
    load: () => run<unknown>('readonly', (store) => store.get(KEY)).then((value) => value ?? null),
    save: (state) => run<void>('readwrite', (store) => store.put(state, KEY)),
  };
}
