/**
 * A guard around any policy: no choice that would stall, no step up without a margin, at the
 * slowest recent throughput.
 */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import { segmentSizeBytes } from '../core/ladder.js';
import { sampleThroughputBps } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

export interface StallGuardOptions {
  /** Recent downloads whose slowest throughput the guard assumes for the next one. */
  readonly windowSamples: number;
  /** Buffer a step up must still leave when its segment arrives at that throughput, seconds of media. */
  readonly upSwitchReserveS: number;
  /** Buffer any choice must still leave at that throughput (0: it must not stall), seconds of media. */
  readonly minReserveS: number;
  /**
   * How many times longer than at the slowest recent throughput the guard assumes the download may
   * take (>= 1). A margin for a link that gets slower still: with 1, a rung may be held with a fraction
   * of a second to spare.
   */
  readonly safetyFactor: number;
}

/**
 * Window and reserves: chosen in the realistic simulator on the training traces only (puffer-2021, its
 * low-bandwidth subset, and fcc-hsdpa; 60 s clips of the test stream) by the mean QoE_lin over the
 * three sets, among windows of 3/5/8 samples, step-up reserves of 4-10 s and reserves for any choice of
 * 0/2/4 s. A larger reserve for every choice made RobustMPC switch more on the 3G traces without
 * stalling less.
 *
 * Safety factor: with 1, real playback (hls.js, a Puffer trace) held 750 kbps with 0.3 s to spare on a
 * link that had just given 0.26 Mbit/s, then stalled 7 s when it gave less. 1.5 asks the buffer to cover
 * half as long again as the download at the slowest recent throughput (dash.js's insufficient-buffer
 * rule keeps a like margin: half the buffer, at its mean throughput). It is paid for: on the same
 * training sets it costs 0.02-0.03 QoE_lin per chunk, and the simulator's stall time hardly moves.
 */
export const STALL_GUARD_DEFAULTS: StallGuardOptions = Object.freeze({ windowSamples: 5, upSwitchReserveS: 6, minReserveS: 0, safetyFactor: 1.5 });

/**
 * Wraps a policy so that no choice would stall, and no step up would leave less than
 * `upSwitchReserveS` of buffer, if the next segment took `safetyFactor` times as long as it would at
 * the slowest throughput of the last few downloads. A choice that fails is lowered to the highest rung
 * that passes (the lowest allowed rung if none does). Mean predictions average a dip away; this looks
 * at the dip, so a policy neither climbs nor holds a rung on a link that was just too slow for it, with
 * a buffer that could not absorb it again.
 */
export function withStallGuard(policy: AbrPolicy, options: Partial<StallGuardOptions> = {}): AbrPolicy {
  const { windowSamples, upSwitchReserveS, minReserveS, safetyFactor } = { ...STALL_GUARD_DEFAULTS, ...options };
  if (!(Number.isInteger(windowSamples) && windowSamples >= 1)) {
    throw invalidOptions('stall guard', `windowSamples must be an integer >= 1, got ${windowSamples}`);
  }
  if (!(Number.isFinite(minReserveS) && minReserveS >= 0 && Number.isFinite(upSwitchReserveS) && upSwitchReserveS >= minReserveS)) {
    throw invalidOptions('stall guard', `need 0 <= minReserveS <= upSwitchReserveS, both finite; got ${minReserveS} and ${upSwitchReserveS}`);
  }
  if (!(Number.isFinite(safetyFactor) && safetyFactor >= 1)) {
    throw invalidOptions('stall guard', `safetyFactor must be a finite number >= 1, got ${safetyFactor}`);
  }

  return {
    name: policy.name,
    reset: () => policy.reset?.(),
    decide(context: DecisionContext): Decision {
      const decision = policy.decide(context);
      const { history, lastRungIndex, ladder, segmentIndex, bufferS, minRungIndex } = context;
      if (lastRungIndex === null || history.length === 0) return decision;
      let slowestBps = Infinity;
      for (let i = Math.max(0, history.length - windowSamples); i < history.length; i++) {
        slowestBps = Math.min(slowestBps, sampleThroughputBps(history[i]));
      }
      const playbackRate = context.playbackRate > 0 ? context.playbackRate : 1;
      const leftS = (rung: number) => bufferS - ((safetyFactor * segmentSizeBytes(ladder, segmentIndex, rung) * 8) / slowestBps) * playbackRate;
      const passes = (rung: number) => leftS(rung) >= (rung > lastRungIndex ? upSwitchReserveS : minReserveS);
      let rung = decision.rungIndex;
      while (rung > minRungIndex && !passes(rung)) rung--;
      if (rung === decision.rungIndex) return decision;
      const lowered: Decision = { rungIndex: rung, reason: { kind: 'stall-guard', proposed: decision, slowestBps, bufferS } };
      return decision.playbackRate === undefined ? lowered : { ...lowered, playbackRate: decision.playbackRate };
    },
  };
}
