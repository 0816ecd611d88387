/**
 * The learned policies by name for the adapters (`policy: 'dqn'`, `'robustmpc+learned'`), loaded
 * lazily: `abrkit/dqn` (network, weights, regressor) is a dynamic import, so an app that never names
 * a learned policy does not download it. Until it has loaded, and for good if it fails to load,
 * decisions come from RobustMPC on the harmonic mean behind the stall guard, and a failed load is
 * reported once as an AbrkitError (`policy-failed`). Playback never waits on the import.
 * Both learned policies play behind the stall guard (the simulator's cost of it: notes/anyladder.md).
 */
import type { AbrPolicy } from '../core/policy.js';
import type { ThroughputEstimator } from '../core/estimator.js';
import type { DownloadSample } from '../core/sample.js';
import type { DqnFallbackError } from '../learned/dqn-policy.js';
import { AbrkitError } from '../core/errors.js';
import { createRobustMpcPolicy } from '../policies/robustmpc.js';
import { withStallGuard, type StallGuardOptions } from '../policies/stall-guard.js';
import { createNamedEstimator } from '../policies/named.js';
import { withPredictionErrors } from '../estimators/prediction-errors.js';

export const LEARNED_POLICY_NAMES = ['dqn', 'robustmpc+learned'] as const;
export type LearnedPolicyName = (typeof LEARNED_POLICY_NAMES)[number];

export function isLearnedPolicyName(name: string): name is LearnedPolicyName {
  return (LEARNED_POLICY_NAMES as readonly string[]).includes(name);
}

/** What the lazy policy needs from `abrkit/dqn` (its module namespace satisfies it). */
export interface LearnedModule {
  createDqnPolicy(options: { onError?: (error: DqnFallbackError) => void }): AbrPolicy & { readonly ready: Promise<boolean> };
  loadLearnedEstimator(): Promise<ThroughputEstimator>;
}

export interface LazyLearnedOptions {
  /** Loads the learned parts (the adapters: a dynamic import of src/learned's policy and estimator modules). */
  readonly load: () => Promise<LearnedModule>;
  /** Called when the module or the model fails to load, and when the DQN falls back (its own typed errors). */
  readonly onError?: (error: AbrkitError) => void;
  /** The stall guard's options; default its defaults (the learned policies always play behind it). */
  readonly stallGuard?: Partial<StallGuardOptions>;
  /** `robustmpc+learned` and the stand-in: RobustMPC's cost per rung change (`RobustMpcOptions.switchPenalty`; default 0). */
  readonly switchPenalty?: number;
}

export interface LazyLearned {
  readonly policy: AbrPolicy;
  readonly estimator: ThroughputEstimator;
  /** Resolves true once the learned parts are in use (for `dqn`: its weights loaded), false if they failed to load. Never rejects. */
  readonly ready: Promise<boolean>;
}

/** Samples the stand-in estimator keeps, to bring a late-loaded learned estimator up to date. */
const REPLAY_SAMPLES = 20;

/** RobustMPC on the harmonic mean (the named `robustmpc`'s estimator), the stand-in while loading. */
function standInEstimator(): ThroughputEstimator {
  return withPredictionErrors(createNamedEstimator('harmonic'), { windowSize: 5 });
}

export function createLazyLearnedPolicy(name: LearnedPolicyName, options: LazyLearnedOptions): LazyLearned {
  const guard = (p: AbrPolicy) => withStallGuard(p, options.stallGuard ?? {});
  let policy: AbrPolicy = guard(createRobustMpcPolicy({ qoe: 'lin', switchPenalty: options.switchPenalty ?? 0 }));
  let estimator: ThroughputEstimator = standInEstimator();
  const recent: DownloadSample[] = [];
  const ready = Promise.resolve()
    .then(options.load)
    .then(async (module) => {
      if (name === 'dqn') {
        const dqn = module.createDqnPolicy({ onError: (error) => options.onError?.(error) });
        policy = guard(dqn);
        // The DQN decides with its own RobustMPC fallback until its weights load (and reports if they fail).
        return dqn.ready;
      }
      const learned = await module.loadLearnedEstimator();
      for (const sample of recent) learned.addSample(sample);
      estimator = learned;
      return true;
    })
    .catch((error: unknown) => {
      const detail = error instanceof Error ? error.message : String(error);
      options.onError?.(new AbrkitError('policy-failed', `${name}: could not load abrkit/dqn (${detail}); playing robustmpc behind the stall guard`, { cause: error }));
      return false;
    });
  return {
    ready,
    policy: {
      name,
      decide: (context) => policy.decide(context),
      reset: () => policy.reset?.(),
    },
    estimator: {
      name,
      addSample(sample) {
        recent.push(sample);
        if (recent.length > REPLAY_SAMPLES) recent.shift();
        return estimator.addSample(sample);
      },
      predict: () => estimator.predict(),
      reset() {
        recent.length = 0;
        estimator.reset();
      },
    },
  };
}
