/**
 * One training session in a simulator (Pensieve's or the realistic one), decided by a chooser over
 * the DQN's features.
 */
import type { DownloadSample } from '../../core/sample.js';
import type { DecisionContext } from '../../core/context.js';
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { ThroughputRegressor } from '../../learned/regressor.js';
import type { SimEnv, ChunkOutcome } from '../../sim/env.js';
import type { AbandonRule } from '../../core/abandon.js';
import { createPensieveEnv, PENSIEVE_CONSTANTS } from '../../sim/pensieve-env.js';
import { createRealisticEnv } from '../../sim/realistic-env.js';
import { createAbandonRule } from '../../core/abandon.js';
import { checkSample, DEFAULT_SAMPLE_FILTER } from '../../core/sample.js';
import { computeFeatures, historyStats, type Features } from '../../learned/features.js';

/** QoE_lin of one chunk (Pensieve's reward): Mbps - 4.3 * rebuffer s - |Mbps change|. */
export const REBUFFER_PENALTY_LIN = 4.3;

export function chunkRewardLin(video: SimVideo, rung: number, previousRung: number, rebufferS: number): number {
  const mbps = video.renditions[rung].bitrateBps / 1e6;
  const previousMbps = video.renditions[previousRung].bitrateBps / 1e6;
  return mbps - REBUFFER_PENALTY_LIN * rebufferS - Math.abs(mbps - previousMbps);
}

/** The simulator a training episode runs in (the modes of `abrkit eval`). */
export type EpisodeMode = 'pensieve' | 'realistic';
export const EPISODE_MODES: readonly EpisodeMode[] = Object.freeze(['pensieve', 'realistic']);

/** A session to train in: the simulator, chunk 0's rung, and the abandonment rule the player applies. */
export interface EpisodeEnv {
  readonly env: SimEnv<unknown>;
  /**
   * Rung of chunk 0, chosen before any sample: Pensieve's default rung (its protocol), or in the
   * realistic mode the lowest, which is what the DQN policy picks with no samples.
   */
  readonly firstRung: number;
  readonly abandon?: AbandonRule;
}

const ABANDON = createAbandonRule();

/** The environment of `abrkit eval --mode <mode>` for one trace (realistic: defaults, with the adapters' abandonment rule). */
export function createEpisodeEnv(mode: EpisodeMode, trace: Trace, video: SimVideo): EpisodeEnv {
  if (mode === 'pensieve') {
    return { env: createPensieveEnv(trace, video) as SimEnv<unknown>, firstRung: Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1) };
  }
  return { env: createRealisticEnv(trace, video) as SimEnv<unknown>, firstRung: 0, abandon: ABANDON };
}

/**
 * The samples of a chunk the policy gets to see: those the controller's estimator accepts in a
 * player (`DEFAULT_SAMPLE_FILTER`). Pensieve mode's are all full chunks; the realistic mode's
 * abandoned attempts can be a few bytes, which a policy never sees as history.
 */
export function acceptedSamples(outcome: ChunkOutcome): readonly DownloadSample[] {
  return outcome.samples.filter((s) => checkSample(s, DEFAULT_SAMPLE_FILTER).accepted);
}

/**
 * QoE_lin of a chunk as delivered (the rung an abandonment fell back to), startup delay charged as
 * rebuffering as `abrkit eval` does in the realistic mode (Pensieve mode has none after chunk 0).
 */
export function outcomeRewardLin(video: SimVideo, outcome: ChunkOutcome, previousRung: number): number {
  return chunkRewardLin(video, outcome.rungIndex, previousRung, outcome.rebufferS + outcome.startupS);
}

export interface EpisodeStep {
  readonly features: Features;
  /** Index into the candidate rungs (rung = features.minRungIndex + action). */
  readonly action: number;
  readonly reward: number;
}

/** Chooses the action for one decision: the candidate index, given the features and the context. */
export type ActionChooser = (features: Features, context: DecisionContext) => number;

/**
 * Plays one session as the DQN sees it (chunk 0 at the mode's first rung, then one decision per
 * chunk), returning each decision's features, action and QoE_lin reward.
 */
export function playEpisode(trace: Trace, video: SimVideo, regressor: ThroughputRegressor, choose: ActionChooser, mode: EpisodeMode = 'pensieve'): EpisodeStep[] {
  const { env, firstRung, abandon } = createEpisodeEnv(mode, trace, video);
  const state = env.initial();
  const top = video.renditions.length - 1;
  const history: DownloadSample[] = [];
  regressor.reset();
  const first = env.step(state, 0, firstRung, abandon);
  let lastRung = first.rungIndex;
  for (const s of acceptedSamples(first)) {
    history.push(s);
    regressor.addSample(s);
  }
  const steps: EpisodeStep[] = [];
  for (let segmentIndex = 1; segmentIndex < env.chunkCount; segmentIndex++) {
    const segmentsRemaining = env.chunkCount - segmentIndex;
    const bufferS = env.bufferS(state);
    const prediction = regressor.predict();
    const recent = history.length > 20 ? history.slice(-20) : history;
    if (recent.length === 0) {
      // Every sample so far was rejected (DEFAULT_SAMPLE_FILTER): no features yet, so hold the rung, as a player would.
      const held = env.step(state, segmentIndex, lastRung, abandon);
      for (const s of acceptedSamples(held)) {
        history.push(s);
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
      prediction,
    });
    const context = simDecisionContext(video, segmentIndex, segmentsRemaining, bufferS, lastRung, recent, env.nowMs(state));
    const action = choose(features, context);
    const outcome = env.step(state, segmentIndex, features.minRungIndex + action, abandon);
    steps.push({ features, action, reward: outcomeRewardLin(video, outcome, lastRung) });
    for (const s of acceptedSamples(outcome)) {
      history.push(s);
      regressor.addSample(s);
    }
    if (history.length > 40) history.splice(0, history.length - 20);
    lastRung = outcome.rungIndex;
  }
  return steps;
}

/** The context a simulated policy sees at a decision, with RobustMPC's harmonic-mean prediction (Pensieve mode: VoD, 1x, every rung allowed). */
export function simDecisionContext(video: SimVideo, segmentIndex: number, segmentsRemaining: number, bufferS: number, lastRung: number, recent: readonly DownloadSample[], nowMs: number): DecisionContext {
  const stats = historyStats(recent);
  return {
    ladder: video,
    segmentIndex,
    segmentsRemaining,
    isLive: false,
    bufferS,
    playbackRate: 1,
    lastRungIndex: lastRung,
    history: recent,
    prediction: { throughputBps: stats.harmonicBps, errorRatio: stats.maxErrorRatio },
    minRungIndex: 0,
    maxRungIndex: video.renditions.length - 1,
    nowMs,
  };
}
