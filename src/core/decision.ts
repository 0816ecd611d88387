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
  | { readonly kind: 'hysteresis'; readonly proposed: Decision; readonly sinceSwitchMs: number };

export interface Decision {
  readonly rungIndex: number;
  readonly reason: DecisionReason;
}
