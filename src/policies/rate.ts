/** The rate rule: the highest rung the predicted throughput affords. */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import { highestRungAtMost } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

export interface RatePolicyOptions {
  /** Fraction of the predicted throughput the chosen bitrate may use (1 = Pensieve's RB baseline). */
  readonly safetyFactor: number;
  /** Rung before there is any estimate, clamped to the allowed range. */
  readonly startRung: number;
}

export const RATE_POLICY_DEFAULTS: RatePolicyOptions = Object.freeze({ safetyFactor: 1, startRung: 0 });

/** Rate-based: the highest rung whose bitrate fits the predicted throughput (harmonic mean by default). */
export function createRatePolicy(options: Partial<RatePolicyOptions> = {}): AbrPolicy {
  const { safetyFactor, startRung } = { ...RATE_POLICY_DEFAULTS, ...options };
  if (!(safetyFactor > 0 && safetyFactor <= 1)) throw invalidOptions('rate', `safetyFactor must be in (0, 1], got ${safetyFactor}`);
  return {
    name: 'rate',
    decide(context: DecisionContext): Decision {
      const { prediction, ladder, minRungIndex, maxRungIndex } = context;
      if (prediction === null) {
        return {
          rungIndex: Math.min(maxRungIndex, Math.max(minRungIndex, startRung)),
          reason: { kind: 'startup', detail: 'no throughput estimate yet' },
        };
      }
      const budgetBps = prediction.throughputBps * safetyFactor;
      return {
        rungIndex: highestRungAtMost(ladder, budgetBps, minRungIndex, maxRungIndex),
        reason: { kind: 'throughput', estimateBps: prediction.throughputBps, budgetBps },
      };
    },
  };
}
