/** Options of the rollout trainer (approximate policy iteration against RobustMPC). */
import { type EpisodeMode } from './episode.js';

/** Hyper-parameters of a rollout run (`createRolloutTrainer`). */
export interface RolloutTrainOptions {
  readonly seed: number;
  readonly hidden: readonly number[];
  readonly valueHidden: readonly number[];
  readonly learningRate: number;
  /** Decisions (states) per gradient step. */
  readonly batchSize: number;
  /** Rewards are multiplied by this (the Q scale the policy's deviation margin is written in). */
  readonly rewardScale: number;
  /** Huber loss threshold, scaled reward units. */
  readonly huberDelta: number;
  /** Share of the behaviour's actions taken uniformly among the allowed rungs while collecting states. */
  readonly explore: number;
  /** Episodes played on a random synthetic ladder per episode on the training video. */
  readonly syntheticPerEpisode: number;
  /**
   * Decay of the running average of the weights after every step (Polyak averaging); the average
   * is the model played and returned. 0 = the latest weights.
   */
  readonly averageDecay: number;
  /**
   * First round whose rollouts follow the previous round's network instead of RobustMPC (policy
   * iteration proper); Infinity = always RobustMPC (one improvement step, on the learnt policy's states).
   */
  readonly learnedRolloutsFrom: number;
  /** Rounds of collected decisions trained on: the latest ones (Infinity = all, as in DAgger). */
  readonly keepRounds: number;
  /**
   * Who computes the gradient steps: our typed-array MLP (`native`) or TensorFlow.js (`tfjs`, Node
   * only: through `createTfjsRolloutTrainer` in tfjs-network.ts, which supplies the tfjs learner).
   * Both start from the same seeded weights and play the same plain-JS forward pass (`qValues`).
   */
  readonly backend: RolloutBackendName;
  /**
   * Simulators every training session is played in, one session per mode: Pensieve's (the
   * literature's protocol) and/or abrkit's realistic one (round trips, startup, a 30 s buffer goal,
   * abandonment: what a player in a browser sees).
   */
  readonly modes: readonly EpisodeMode[];
}

export type RolloutBackendName = 'native' | 'tfjs';

export const ROLLOUT_TRAIN_DEFAULTS: RolloutTrainOptions = Object.freeze({
  seed: 1,
  hidden: [64, 32],
  valueHidden: [32],
  learningRate: 1e-3,
  batchSize: 64,
  rewardScale: 0.25,
  huberDelta: 2,
  explore: 0.2,
  syntheticPerEpisode: 1,
  averageDecay: 0,
  learnedRolloutsFrom: Infinity,
  keepRounds: Infinity,
  backend: 'native',
  modes: Object.freeze(['pensieve'] as EpisodeMode[]),
});
