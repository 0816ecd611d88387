/**
 * The AbrController: samples in, estimates, a policy's decision out, with a safe fallback and an
 * event for every decision or failure.
 */
import type { AbrPolicy } from './policy.js';
import type { ThroughputEstimator, ThroughputPrediction } from './estimator.js';
import type { Clock } from './clock.js';
import type { Decision } from './decision.js';
import type { DecisionContext } from './context.js';
import { normalizeSample, type DownloadSample, type SampleRejection, type SampleVerdict } from './sample.js';
import { highestRungAtMost, normalizeLadder, validateLadder, type Ladder } from './ladder.js';
import { AbrkitError, asAbrkitError, invalidOptions } from './errors.js';
import { checkedLiveState, clampPlaybackRate, DEFAULT_PLAYBACK_RATE_BOUNDS, validatePlaybackRateBounds, type LiveState, type PlaybackRateBounds } from './live.js';

/** What the player knows when it needs the next rung. */
export interface DecisionInput {
  readonly segmentIndex: number;
  /** Segments left including this one; `null` for live. */
  readonly segmentsRemaining: number | null;
  readonly bufferS: number;
  readonly lastRungIndex: number | null;
  readonly playbackRate?: number;
  readonly isLive?: boolean;
  /** Live latency and its target, measured by the adapter (see `LiveState`); omit when unknown. */
  readonly live?: LiveState;
  /** Player-imposed bounds (caps, restrictions); default: the whole ladder. */
  readonly minRungIndex?: number;
  readonly maxRungIndex?: number;
}

export type ControllerEvent =
  | { readonly type: 'decision'; readonly decision: Decision; readonly context: DecisionContext }
  | { readonly type: 'sample-rejected'; readonly sample: DownloadSample; readonly reason: SampleRejection }
  | { readonly type: 'error'; readonly error: AbrkitError; readonly fallbackRungIndex: number };

export interface AbrControllerOptions {
  readonly ladder: Ladder;
  readonly policy: AbrPolicy;
  readonly estimator: ThroughputEstimator;
  readonly clock: Clock;
  /** Accepted samples kept for policies to look at. */
  readonly historyLength?: number;
  /** Fraction of the prediction the fallback rung may use when the policy fails. */
  readonly fallbackSafetyFactor?: number;
  readonly onEvent?: (event: ControllerEvent) => void;
  /** A decision's `playbackRate` is held to these (default `DEFAULT_PLAYBACK_RATE_BOUNDS`, 0.95-1.05). */
  readonly playbackRateBounds?: PlaybackRateBounds;
}

export const CONTROLLER_DEFAULTS = Object.freeze({ historyLength: 20, fallbackSafetyFactor: 0.8 });

/**
 * The one piece both players and the simulator drive: it feeds samples to the estimator, builds
 * the decision context, asks the policy, and checks the answer. A policy that throws or answers
 * nonsense never stalls playback: the controller falls back to a safe rung and reports the error.
 */
export class AbrController {
  readonly policy: AbrPolicy;
  readonly estimator: ThroughputEstimator;
  #ladder: Ladder;
  readonly #clock: Clock;
  readonly #historyLength: number;
  readonly #fallbackSafetyFactor: number;
  readonly #onEvent: ((event: ControllerEvent) => void) | undefined;
  readonly #rateBounds: PlaybackRateBounds;
  #history: DownloadSample[] = [];

  constructor(options: AbrControllerOptions) {
    const historyLength = options.historyLength ?? CONTROLLER_DEFAULTS.historyLength;
    const fallbackSafetyFactor = options.fallbackSafetyFactor ?? CONTROLLER_DEFAULTS.fallbackSafetyFactor;
    if (!Number.isInteger(historyLength) || historyLength < 1) throw invalidOptions('controller', 'historyLength must be an integer >= 1');
    if (!(fallbackSafetyFactor > 0 && fallbackSafetyFactor <= 1)) throw invalidOptions('controller', 'fallbackSafetyFactor must be in (0, 1]');
    this.#ladder = normalizeLadder(validateLadder(options.ladder));
    this.policy = options.policy;
    this.estimator = options.estimator;
    this.#clock = options.clock;
    this.#historyLength = historyLength;
    this.#fallbackSafetyFactor = fallbackSafetyFactor;
    this.#onEvent = options.onEvent;
    this.#rateBounds = validatePlaybackRateBounds(options.playbackRateBounds ?? DEFAULT_PLAYBACK_RATE_BOUNDS);
  }

  get ladder(): Ladder {
    return this.#ladder;
  }

  setLadder(ladder: Ladder): void {
    this.#ladder = normalizeLadder(validateLadder(ladder));
  }

  addSample(given: DownloadSample): SampleVerdict {
    const sample = normalizeSample(given);
    const verdict = this.estimator.addSample(sample);
    if (verdict.accepted) {
      this.#history.push(sample);
      if (this.#history.length > this.#historyLength) this.#history.shift();
    } else {
      this.#onEvent?.({ type: 'sample-rejected', sample, reason: verdict.reason });
    }
    return verdict;
  }

  /** The estimator's prediction, or `null` if it has none or produced a non-finite one. */
  prediction(): ThroughputPrediction | null {
    const prediction = this.estimator.predict();
    if (prediction === null) return null;
    if (!(prediction.throughputBps > 0) || !Number.isFinite(prediction.throughputBps) || !(prediction.errorRatio >= 0)) {
      return null;
    }
    return prediction;
  }

  decide(input: DecisionInput): Decision {
    const ladder = this.#ladder;
    const top = ladder.renditions.length - 1;
    const minRungIndex = clampInt(input.minRungIndex ?? 0, 0, top);
    const maxRungIndex = clampInt(input.maxRungIndex ?? top, minRungIndex, top);
    const live = checkedLiveState(input.live);
    const context: DecisionContext = {
      ladder,
      segmentIndex: input.segmentIndex,
      segmentsRemaining: input.segmentsRemaining,
      isLive: input.isLive ?? live !== undefined,
      ...(live === undefined ? {} : { live }),
      bufferS: Number.isFinite(input.bufferS) ? Math.max(0, input.bufferS) : 0,
      playbackRate: input.playbackRate ?? 1,
      lastRungIndex: input.lastRungIndex,
      history: this.#history,
      prediction: this.prediction(),
      minRungIndex,
      maxRungIndex,
      nowMs: this.#clock.nowMs(),
    };
    let decision: Decision;
    try {
      decision = this.policy.decide(context);
      const rung = decision.rungIndex;
      if (!Number.isInteger(rung) || rung < minRungIndex || rung > maxRungIndex) {
        throw new AbrkitError(
          'invalid-decision',
          `policy '${this.policy.name}' chose rung ${rung}, outside [${minRungIndex}, ${maxRungIndex}]`,
        );
      }
      if (decision.playbackRate !== undefined) {
        const playbackRate = clampPlaybackRate(decision.playbackRate, this.#rateBounds);
        decision = playbackRate === undefined ? { rungIndex: rung, reason: decision.reason } : { ...decision, playbackRate };
      }
    } catch (thrown) {
      const error = asAbrkitError(thrown, 'policy-failed', `policy '${this.policy.name}'`);
      const fallbackRungIndex = this.#fallbackRung(context);
      decision = { rungIndex: fallbackRungIndex, reason: { kind: 'fallback', error } };
      this.#onEvent?.({ type: 'error', error, fallbackRungIndex });
    }
    this.#onEvent?.({ type: 'decision', decision, context });
    return decision;
  }

  /** Forget samples and policy state, for a new session on the same controller. */
  reset(): void {
    this.#history = [];
    this.estimator.reset();
    this.policy.reset?.();
  }

  /** The safe rung: what a conservative share of the prediction affords, never above the last rung. */
  #fallbackRung(context: DecisionContext): number {
    const { prediction, minRungIndex, maxRungIndex, lastRungIndex } = context;
    if (prediction === null) return minRungIndex;
    const rung = highestRungAtMost(context.ladder, prediction.throughputBps * this.#fallbackSafetyFactor, minRungIndex, maxRungIndex);
    return lastRungIndex === null ? rung : Math.max(minRungIndex, Math.min(rung, lastRungIndex));
  }
}

function clampInt(value: number, low: number, high: number): number {
  const integer = Number.isFinite(value) ? Math.round(value) : low;
  return Math.min(high, Math.max(low, integer));
}
