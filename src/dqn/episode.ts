import type { DownloadSample } from '../core/sample.js';
import type { DecisionContext } from '../core/context.js';
import type { Trace } from '../sim/trace.js';
import type { SimVideo } from '../sim/ladder-parsers.js';
import type { ThroughputRegressor } from './regressor.js';
import { createPensieveEnv, PENSIEVE_CONSTANTS } from '../sim/pensieve-env.js';
import { computeFeatures, historyStats, type Features } from './features.js';

/** QoE_lin of one chunk (Pensieve's reward): Mbps - 4.3 * rebuffer s - |Mbps change|. */
export const REBUFFER_PENALTY_LIN = 4.3;

export function chunkRewardLin(video: SimVideo, rung: number, previousRung: number, rebufferS: number): number {
  const mbps = video.renditions[rung].bitrateBps / 1e6;
  const previousMbps = video.renditions[previousRung].bitrateBps / 1e6;
  return mbps - REBUFFER_PENALTY_LIN * rebufferS - Math.abs(mbps - previousMbps);
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
 * Plays one Pensieve-mode session as the DQN sees it (chunk 0 at the default rung, then one
 * decision per chunk), returning each decision's features, action and QoE_lin reward.
 */
export function playEpisode(trace: Trace, video: SimVideo, regressor: ThroughputRegressor, choose: ActionChooser): EpisodeStep[] {
  const env = createPensieveEnv(trace, video);
  const state = env.initial();
  const top = video.renditions.length - 1;
  const history: DownloadSample[] = [];
  regressor.reset();
  let lastRung = Math.min(PENSIEVE_CONSTANTS.defaultRung, top);
  const first = env.step(state, 0, lastRung);
  for (const s of first.samples) {
    history.push(s);
    regressor.addSample(s);
  }
  const steps: EpisodeStep[] = [];
  for (let segmentIndex = 1; segmentIndex < env.chunkCount; segmentIndex++) {
    const segmentsRemaining = env.chunkCount - segmentIndex;
    const bufferS = env.bufferS(state);
    const prediction = regressor.predict();
    const recent = history.length > 20 ? history.slice(-20) : history;
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
    const rung = features.minRungIndex + action;
    const outcome = env.step(state, segmentIndex, rung);
    steps.push({ features, action, reward: chunkRewardLin(video, rung, lastRung, outcome.rebufferS) });
    for (const s of outcome.samples) {
      history.push(s);
      regressor.addSample(s);
    }
    if (history.length > 40) history.splice(0, history.length - 20);
    lastRung = rung;
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
