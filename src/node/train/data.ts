/**
 * What a training run learns from: trace sets, the video, demonstrations, and regressor samples.
 */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { DownloadSample } from '../../core/sample.js';
import { createPensieveEnv, PENSIEVE_CONSTANTS } from '../../sim/pensieve-env.js';
import { highestRungAtMost } from '../../core/ladder.js';
import { historyStats } from '../../learned/features.js';

/** Most candidate rungs a training transition may have (synthetic ladders stay below this). */
export const MAX_TRAIN_RUNGS = 12;

/** A session played by a demonstrator (the offline optimum): the rung of every chunk. */
export interface Demonstration {
  readonly trace: Trace;
  readonly video: SimVideo;
  readonly plan: readonly number[];
}

export interface TrainData {
  /** Training trace sets; episodes pick a set uniformly, then a trace in it. */
  readonly traceSets: readonly (readonly Trace[])[];
  readonly video: SimVideo;
  /** Offline-optimal sessions to learn from as well (DQfD); see `optimalDemonstrations`. */
  readonly demonstrations?: readonly Demonstration[];
}

/** Download samples of a session played by the rate rule (highest rung under the harmonic mean): regressor training data. */
export function collectSamples(trace: Trace, video: SimVideo): DownloadSample[] {
  const env = createPensieveEnv(trace, video);
  const state = env.initial();
  const samples: DownloadSample[] = [];
  let rung = Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1);
  for (let segment = 0; segment < env.chunkCount; segment++) {
    if (segment > 0) rung = highestRungAtMost(video, historyStats(samples.slice(-5)).harmonicBps);
    samples.push(...env.step(state, segment, rung).samples);
  }
  return samples;
}
