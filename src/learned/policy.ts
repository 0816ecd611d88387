/**
 * The DQN's decision: features of every allowed rung, the out-of-distribution guard (RobustMPC
 * decides when a feature leaves the model's training envelope), the Q-network's scores, a safety
 * shield, and the learned regressor's update.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import type { DownloadSample } from '../core/sample.js';
import type { DqnModel } from './model.js';
import type { RegressorState } from './regressor.js';
import { computeFeatures, shieldMask } from './features.js';
import { envelopeViolation } from './envelope.js';
import { createRobustMpcPolicy } from '../policies/robustmpc.js';
import { allowed, maskedArgmax, qValues } from './network.js';
import { createThroughputRegressor } from './regressor.js';
import { AbrkitError } from '../core/errors.js';

export interface DqnCoreOptions {
  /** Regressor state to start from (e.g. persisted from an earlier session); default: the model's. */
  readonly regressorState?: RegressorState;
  /**
   * Keep what the regressor learnt about the link across `reset()` (a player on one device). Off by
   * default, so every session starts from the same state, as in training and in the simulator.
   */
  readonly keepAdaptation: boolean;
  /**
   * A trusted policy to deviate from only when the network is confident: its choice is kept unless
   * the network's best allowed rung beats it by more than `deviationMargin` in Q (scaled reward
   * units, 0.25 per QoE_lin unit). A simplified form of baseline-bootstrapped safe policy
   * improvement (SPIBB, Laroche et al. 2019). Absent: the network alone decides.
   */
  readonly baseline?: AbrPolicy;
  readonly deviationMargin: number;
  /**
   * Decides when the inputs fall outside the model's training envelope (the reason says
   * `{ kind: 'dqn', fallback: 'out-of-distribution' }`); default RobustMPC (QoE_lin).
   */
  readonly outOfDistribution?: AbrPolicy;
  /** Check the envelope (default true); off only to measure what the guard costs or saves. */
  readonly envelopeGuard?: boolean;
}

export interface DqnCorePolicy extends AbrPolicy {
  /** The adapted regressor state, for persistence. */
  regressorState(): RegressorState;
}

/**
 * The trained network as a policy: features from the context, a Q-value per candidate rung, and the
 * best of the rungs the safety shield allows (see `shieldMask`).
 * Throws an AbrkitError if the network outputs a non-finite value (the wrapper in `abrkit/dqn`
 * falls back to RobustMPC and reports it). The first decision, with no samples yet, is the lowest
 * allowed rung (rung choice without any throughput evidence).
 */
export function createDqnCorePolicy(model: DqnModel, options: Partial<DqnCoreOptions> = {}): DqnCorePolicy {
  const initial = options.regressorState ?? model.regressor;
  let regressor = createThroughputRegressor({ initial });
  let lastSeen: DownloadSample | null = null;
  const envelope = options.envelopeGuard === false ? undefined : model.envelope;
  const outOfDistribution = envelope ? (options.outOfDistribution ?? createRobustMpcPolicy({ qoe: 'lin' })) : null;

  /** Feeds the regressor the samples that arrived since the last decision. */
  const catchUp = (history: readonly DownloadSample[]) => {
    let start = 0;
    if (lastSeen !== null) {
      const at = history.lastIndexOf(lastSeen);
      start = at >= 0 ? at + 1 : 0;
    }
    for (let i = start; i < history.length; i++) regressor.addSample(history[i]);
    if (history.length > 0) lastSeen = history[history.length - 1];
  };

  return {
    name: 'dqn',
    decide(context: DecisionContext): Decision {
      catchUp(context.history);
      if (context.history.length === 0) {
        return { rungIndex: context.minRungIndex, reason: { kind: 'startup', detail: 'dqn: no download samples yet' } };
      }
      const features = computeFeatures({
        ladder: context.ladder,
        segmentIndex: context.segmentIndex,
        segmentsRemaining: context.segmentsRemaining,
        bufferS: context.bufferS,
        lastRungIndex: context.lastRungIndex,
        history: context.history,
        minRungIndex: context.minRungIndex,
        maxRungIndex: context.maxRungIndex,
        prediction: regressor.predict(),
      });
      const mask = shieldMask(features);
      if (envelope && outOfDistribution) {
        const outside = envelopeViolation(envelope, features, mask);
        if (outside) {
          const decided = outOfDistribution.decide(context);
          return { rungIndex: decided.rungIndex, reason: { kind: 'dqn', fallback: 'out-of-distribution', ...outside, decided } };
        }
      }
      // Only the rungs the shield allows are scored (the rest are -Infinity).
      const q = qValues(model.network, features, mask);
      for (let k = 0; k < q.length; k++) {
        if (allowed(mask, k) && !Number.isFinite(q[k])) throw new AbrkitError('policy-failed', `dqn: the network output ${q[k]} for rung ${features.minRungIndex + k}`);
      }
      const best = maskedArgmax(q, mask);
      if (options.baseline) {
        const baseline = options.baseline.decide(context);
        const k = baseline.rungIndex - features.minRungIndex;
        if (k >= 0 && k < q.length && allowed(mask, k) && q[best] - q[k] <= (options.deviationMargin ?? 0)) {
          return { rungIndex: baseline.rungIndex, reason: { kind: 'plan', detail: `dqn: kept ${options.baseline.name}'s choice (Q ${q[k].toFixed(3)} vs best ${q[best].toFixed(3)})` } };
        }
      }
      return {
        rungIndex: features.minRungIndex + best,
        reason: { kind: 'plan', detail: `dqn: Q ${Array.from(q, (v) => (v === -Infinity ? '-' : v.toFixed(3))).join(' ')}` },
      };
    },
    reset(): void {
      lastSeen = null;
      outOfDistribution?.reset?.();
      if (options.keepAdaptation) regressor.reset();
      else regressor = createThroughputRegressor({ initial });
    },
    regressorState: () => regressor.state(),
  };
}
