/**
 * One training session scored by rollouts: every allowed rung of every decision, played to the end.
 */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { DownloadSample } from '../../core/sample.js';
import type { Features } from '../../learned/features.js';
import type { QNetwork } from '../../learned/network.js';
import { computeFeatures, shieldMask } from '../../learned/features.js';
import { allowed, maskedArgmax, qValues } from '../../learned/network.js';
import { acceptedSamples, createEpisodeEnv, outcomeRewardLin, simDecisionContext, type ActionChooser, type EpisodeMode } from './episode.js';
import type { ThroughputRegressor } from '../../learned/regressor.js';
import type { AbrPolicy } from '../../core/policy.js';

/** One decision with the return of every allowed candidate (NaN where the shield forbids it). */
export interface RolloutDecision {
  readonly features: Features;
  readonly mask: number;
  /**
   * Scaled return to the end of the video of taking candidate k, then following the base policy,
   * minus the mean of these returns over the allowed candidates.
   */
  readonly targets: Float32Array;
}

export interface RolloutPosition<S> {
  readonly state: S;
  readonly history: DownloadSample[];
  readonly lastRung: number;
}


/**
 * What a rollout follows after its first chunk: an online policy that sees only the past, or a
 * network choosing greedily among the shielded rungs (the previous round's policy).
 */
export type RolloutBase = { readonly policy: AbrPolicy } | { readonly network: QNetwork };

/**
 * Plays one Pensieve-mode session with `behave` choosing, and at every decision scores each rung
 * the shield allows by a rollout: that rung now, then `base` (which sees only the past) to the end
 * of the video, on the true trace. The mean of these returns over sessions that look alike is
 * Q of the base policy, so the greedy policy on a fitted Q is one step of policy improvement over it.
 */
export function rolloutEpisode(
  trace: Trace,
  video: SimVideo,
  makeRegressor: () => ThroughputRegressor,
  base: RolloutBase,
  behave: ActionChooser,
  rewardScale: number,
  mode: EpisodeMode = 'pensieve',
): RolloutDecision[] {
  const regressor = makeRegressor();
  const seen: DownloadSample[] = [];
  const { env, firstRung, abandon } = createEpisodeEnv(mode, trace, video);
  const state = env.initial();
  const top = video.renditions.length - 1;
  const history: DownloadSample[] = [];
  regressor.reset();
  const first = env.step(state, 0, firstRung, abandon);
  let lastRung = first.rungIndex;
  for (const s of acceptedSamples(first)) {
    history.push(s);
    seen.push(s);
    regressor.addSample(s);
  }
  const decisions: RolloutDecision[] = [];
  /** Return from `segmentIndex` on of rung `first` then the base policy. */
  const rollout = (from: RolloutPosition<unknown>, segmentIndex: number, first: number): number => {
    const s = env.clone(from.state);
    const h = from.history.slice(-20);
    let previous = from.lastRung;
    let total = 0;
    // The network's regressor, forked by replaying the session's samples into a fresh one.
    let forked: ThroughputRegressor | null = null;
    if ('network' in base) {
      forked = makeRegressor();
      for (const sample of seen) forked.addSample(sample);
    }
    for (let segment = segmentIndex; segment < env.chunkCount; segment++) {
      let rung = first;
      if (segment !== segmentIndex) {
        if (h.length === 0) {
          rung = previous; // no accepted sample yet: hold the rung (see playEpisode)
        } else if ('network' in base) {
          const features = computeFeatures({
            ladder: video,
            segmentIndex: segment,
            segmentsRemaining: env.chunkCount - segment,
            bufferS: env.bufferS(s),
            lastRungIndex: previous,
            history: h,
            minRungIndex: 0,
            maxRungIndex: top,
            prediction: forked!.predict(),
          });
          rung = features.minRungIndex + maskedArgmax(qValues(base.network, features), shieldMask(features));
        } else {
          rung = base.policy.decide(simDecisionContext(video, segment, env.chunkCount - segment, env.bufferS(s), previous, h, env.nowMs(s))).rungIndex;
        }
      }
      const outcome = env.step(s, segment, rung, abandon);
      total += outcomeRewardLin(video, outcome, previous);
      const samples = acceptedSamples(outcome);
      if (forked) for (const sample of samples) forked.addSample(sample);
      h.push(...samples);
      if (h.length > 20) h.splice(0, h.length - 20);
      previous = outcome.rungIndex;
    }
    return total * rewardScale;
  };
  for (let segmentIndex = 1; segmentIndex < env.chunkCount; segmentIndex++) {
    const segmentsRemaining = env.chunkCount - segmentIndex;
    const bufferS = env.bufferS(state);
    const recent = history.length > 20 ? history.slice(-20) : history;
    if (recent.length === 0) {
      // Every sample so far was rejected: no features, no decision to learn from; hold the rung.
      const held = env.step(state, segmentIndex, lastRung, abandon);
      for (const s of acceptedSamples(held)) {
        history.push(s);
        seen.push(s);
        regressor.addSample(s);
      }
      lastRung = held.rungIndex;
      continue;
    }
    const features = computeFeatures({
      ladder: video,
      segmentIndex,
      segmentsRemaining,
      bufferS,
      lastRungIndex: lastRung,
      history: recent,
      minRungIndex: 0,
      maxRungIndex: top,
      prediction: regressor.predict(),
    });
    const mask = shieldMask(features);
    const targets = new Float32Array(features.rungCount).fill(NaN);
    const position = { state, history: recent, lastRung };
    let sum = 0;
    let count = 0;
    for (let k = 0; k < features.rungCount; k++) {
      if (!allowed(mask, k)) continue;
      targets[k] = rollout(position, segmentIndex, k);
      sum += targets[k];
      count++;
    }
    // Only the differences between rungs matter to a decision: centre them, so the value head
    // has nothing large to fit and the Huber loss never saturates on a level it cannot predict.
    for (let k = 0; k < features.rungCount; k++) targets[k] -= sum / count;
    decisions.push({ features, mask, targets });
    const context = simDecisionContext(video, segmentIndex, segmentsRemaining, bufferS, lastRung, recent, env.nowMs(state));
    const outcome = env.step(state, segmentIndex, features.minRungIndex + behave(features, context), abandon);
    for (const s of acceptedSamples(outcome)) {
      history.push(s);
      seen.push(s);
      regressor.addSample(s);
    }
    if (history.length > 40) history.splice(0, history.length - 20);
    lastRung = outcome.rungIndex;
  }
  return decisions;
}
