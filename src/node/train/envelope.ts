/**
 * Measures a model's training envelope (src/learned/envelope.ts): the greedy policy, behind its
 * shield, plays every training trace on the training video and on seeded random ladders with traces
 * scaled to them from the trainer's own generator (synthetic-ladder.ts), in every training mode, and the range of every
 * feature it saw is kept. Written into each model file the trainers save; bench/dqn-envelope.ts
 * adds it to a file written before.
 */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { DqnModel } from '../../learned/model.js';
import type { FeatureEnvelope } from '../../learned/envelope.js';
import type { EpisodeMode } from './episode.js';
import { createEnvelopeAccumulator } from '../../learned/envelope.js';
import { shieldMask } from '../../learned/features.js';
import { maskedArgmax, qValues } from '../../learned/network.js';
import { createThroughputRegressor } from '../../learned/regressor.js';
import { playEpisode } from './episode.js';
import { syntheticEpisode } from './synthetic-ladder.js';
import { SeededRandom } from './random.js';

export interface EnvelopeRun {
  readonly traces: readonly Trace[];
  readonly video: SimVideo;
  readonly modes: readonly EpisodeMode[];
  /** Sessions on random ladders per trace and mode (the trainers' `syntheticPerEpisode`). */
  readonly syntheticPerTrace: number;
  readonly seed: number;
}

/** Each feature's range widened by this share of its width: float16 rounding, and what a finite sample just missed. */
export const ENVELOPE_MARGIN = 0.05;

export function measureEnvelope(model: DqnModel, run: EnvelopeRun): FeatureEnvelope {
  const accumulator = createEnvelopeAccumulator();
  const random = new SeededRandom(run.seed);
  const regressor = createThroughputRegressor({ initial: model.regressor });
  const choose = (features: Parameters<typeof shieldMask>[0]) => {
    accumulator.add(features);
    return maskedArgmax(qValues(model.network, features), shieldMask(features));
  };
  for (const mode of run.modes) {
    for (const trace of run.traces) {
      playEpisode(trace, run.video, regressor, choose, mode);
      for (let i = 0; i < run.syntheticPerTrace; i++) {
        const episode = syntheticEpisode(random, run.traces);
        playEpisode(episode.trace, episode.video, regressor, choose, mode);
      }
    }
  }
  return accumulator.envelope(ENVELOPE_MARGIN);
}

/** The model with its envelope measured over `run`. */
export function withMeasuredEnvelope(model: DqnModel, run: EnvelopeRun): DqnModel {
  return { ...model, envelope: measureEnvelope(model, run) };
}
