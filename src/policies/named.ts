/**
 * Built-in policies and estimators by name (`robustmpc+regression`): the one table the adapters,
 * the simulator and the CLI use.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { ThroughputEstimator } from '../core/estimator.js';
import type { QoeName } from '../qoe/models.js';
import { invalidOptions } from '../core/errors.js';
import { createHarmonicMeanEstimator } from '../estimators/harmonic.js';
import { createDualEwmaEstimator } from '../estimators/ewma.js';
import { createLinearRegressionEstimator } from '../estimators/regression.js';
import { withPredictionErrors } from '../estimators/prediction-errors.js';
import { createChunkedThroughputEstimator } from '../estimators/chunked.js';
import { createRatePolicy } from './rate.js';
import { createBbaPolicy } from './bba.js';
import { createBolaPolicy } from './bola.js';
import { createRobustMpcPolicy } from './robustmpc.js';
import { createLivePolicy } from './live.js';

export const POLICY_NAMES = ['rate', 'bba', 'bola', 'robustmpc', 'live'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const ESTIMATOR_NAMES = ['harmonic', 'ewma', 'regression', 'chunked'] as const;
export type EstimatorName = (typeof ESTIMATOR_NAMES)[number];

export interface NamedPolicyOptions {
  readonly qoe?: QoeName;
  /** Reproduce Pensieve's RobustMPC quirks (next-chunk sizes, error history kept across resets). */
  readonly pensieveQuirks?: boolean;
  /** RobustMPC: QoE units charged per rung change in its plan (`RobustMpcOptions.switchPenalty`; default 0). */
  readonly switchPenalty?: number;
}

/** Pensieve's baselines predict with the harmonic mean of the last 5 samples. */
const DEFAULT_ESTIMATOR: EstimatorName = 'harmonic';
/** The live policy measures only while data flows: idle waits between parts are not the link. */
const LIVE_ESTIMATOR: EstimatorName = 'chunked';

export function createNamedEstimator(name: EstimatorName): ThroughputEstimator {
  switch (name) {
    case 'harmonic':
      return createHarmonicMeanEstimator({ windowSize: 5 });
    case 'ewma':
      return createDualEwmaEstimator();
    case 'regression':
      return createLinearRegressionEstimator();
    case 'chunked':
      return createChunkedThroughputEstimator();
  }
}

/** True when `name` is a built-in policy name, optionally with `+<estimator>`. */
export function isNamedPolicy(name: string): boolean {
  const [policy, estimator = DEFAULT_ESTIMATOR, ...rest] = name.split('+');
  return (POLICY_NAMES as readonly string[]).includes(policy) && (ESTIMATOR_NAMES as readonly string[]).includes(estimator) && rest.length === 0;
}

/**
 * A built-in policy and its estimator, by name: `rate`, `bba`, `bola`, `robustmpc`, `live` (latency-aware,
 * for live streams; its default estimator is `chunked`), optionally with
 * `+<estimator>` (`robustmpc+regression`, `rate+ewma`). The one place names become objects, so the
 * simulator, the CLI and the player adapters run exactly the same configuration.
 * RobustMPC discounts by the estimator's recent errors, except with the regression, which carries its
 * own error bound.
 */
export function createNamedPolicy(name: string, options: NamedPolicyOptions = {}): { policy: AbrPolicy; estimator: ThroughputEstimator } {
  if (!isNamedPolicy(name)) {
    throw invalidOptions('policy', `unknown policy '${name}' (expected one of ${POLICY_NAMES.join(', ')}, optionally +${ESTIMATOR_NAMES.join('|+')})`);
  }
  const [policyName, estimatorName = policyName === 'live' ? LIVE_ESTIMATOR : DEFAULT_ESTIMATOR] = name.split('+') as [PolicyName, EstimatorName?];
  const estimator = createNamedEstimator(estimatorName);
  const quirks = options.pensieveQuirks ?? false;
  switch (policyName) {
    case 'rate':
      return { policy: createRatePolicy(), estimator };
    case 'bba':
      return { policy: createBbaPolicy(), estimator };
    case 'bola':
      return { policy: createBolaPolicy(), estimator };
    case 'live':
      // Four segments: the live buffer is too small to wait for a longer window to notice a drop.
      return { policy: createLivePolicy(), estimator: estimatorName === 'chunked' ? createChunkedThroughputEstimator({ windowSamples: 4 }) : estimator };
    case 'robustmpc':
      return {
        policy: createRobustMpcPolicy({ qoe: options.qoe ?? 'lin', pensieveNextChunkSizes: quirks, switchPenalty: options.switchPenalty ?? 0 }),
        estimator: estimatorName === 'regression' ? estimator : withPredictionErrors(estimator, { windowSize: 5, keepAcrossResets: quirks }),
      };
  }
}
