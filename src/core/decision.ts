/** A policy's answer: the rung and a typed reason for it. */
import type { AbrkitError } from './errors.js';

/** Why a rung was chosen. Every decision carries one, so "why 360p?" always has an answer. */
export type DecisionReason =
  | { readonly kind: 'startup'; readonly detail: string }
  | { readonly kind: 'throughput'; readonly estimateBps: number; readonly budgetBps: number }
  | { readonly kind: 'buffer'; readonly bufferS: number; readonly zone: 'reservoir' | 'cushion' | 'upper' }
  | {
      readonly kind: 'bola';
      readonly effectiveBufferS: number;
      readonly placeholderS: number;
      readonly cappedByThroughput: boolean;
    }
  | {
      readonly kind: 'mpc';
      readonly predictedBps: number;
      readonly plan: readonly number[];
      readonly objective: number;
    }
  | { readonly kind: 'plan'; readonly detail: string }
  | { readonly kind: 'fallback'; readonly error: AbrkitError }
  | { readonly kind: 'emergency'; readonly detail: string }
  /** `withStallGuard` lowered the policy's choice: at `slowestBps` it would have stalled or left too little buffer. */
  | { readonly kind: 'stall-guard'; readonly proposed: Decision; readonly slowestBps: number; readonly bufferS: number }
  /** `withSwitchHysteresis` held the rung: the policy's switch up came `sinceSwitchMs` after the last switch. */
  | { readonly kind: 'hysteresis'; readonly proposed: Decision; readonly sinceSwitchMs: number }
  /**
   * The DQN handed the decision to RobustMPC: `feature` (of rung `rungIndex`, null for a global
   * feature) was `value`, outside the range [`min`, `max`] it took over the model's training
   * distribution. `decided` is RobustMPC's decision, whose rung this one plays.
   */
  | {
      readonly kind: 'dqn';
      readonly fallback: 'out-of-distribution';
      readonly feature: string;
      readonly rungIndex: number | null;
      readonly value: number;
      readonly min: number;
      readonly max: number;
      readonly decided: Decision;
    }
  /** The live policy: the rung it could afford, and the latency it steered by. */
  | {
      readonly kind: 'live';
      readonly latencyS: number;
      readonly targetLatencyS: number;
      readonly budgetBps: number;
      readonly detail: string;
    };

export interface Decision {
  readonly rungIndex: number;
  readonly reason: DecisionReason;
  /**
   * The playback rate the policy asks for (1 = real time), for live catch-up (> 1) or slow-down
   * (< 1). The controller holds it to its `playbackRateBounds` (0.95-1.05 by default); adapters
   * set it on the media element. Omitted = no opinion: the adapter leaves the rate as it is.
   */
  readonly playbackRate?: number;
}
