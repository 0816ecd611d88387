/** Options of the Double DQN trainer (`createDqnTrainer`), with their defaults. */
import type { Demonstrator } from './plans.js';

/** Hyper-parameters of a training run. One frozen defaults object; a run records the values it used. */
export interface DqnTrainOptions {
  readonly seed: number;
  readonly episodes: number;
  readonly hidden: readonly number[];
  readonly valueHidden: readonly number[];
  readonly gamma: number;
  /** n of n-step returns. */
  readonly nStep: number;
  readonly learningRate: number;
  readonly batchSize: number;
  readonly replayCapacity: number;
  /** Gradient updates between copies of the online network into the target network. */
  readonly targetSyncUpdates: number;
  /** Environment steps per gradient update. */
  readonly stepsPerUpdate: number;
  /** Transitions collected before learning starts. */
  readonly warmupTransitions: number;
  readonly epsilonStart: number;
  readonly epsilonEnd: number;
  /** Episodes over which epsilon decays linearly. */
  readonly epsilonDecayEpisodes: number;
  /** Share of exploratory actions taken from RobustMPC rather than uniformly at random. */
  readonly guidedExploration: number;
  /** Rewards are multiplied by this before learning (keeps Q-values near 1). */
  readonly rewardScale: number;
  /** Share of episodes played on a random synthetic ladder instead of the training video. */
  readonly syntheticLadderShare: number;
  /** Share of each batch drawn from the demonstrations (offline-optimal sessions), when there are any. */
  readonly demoShare: number;
  /** Weight of the large-margin loss on demonstrated actions (DQfD, Hester et al. 2018). */
  readonly demoMarginWeight: number;
  /** Margin by which the demonstrated action's Q must beat the others (scaled reward units). */
  readonly demoMargin: number;
  /** Gradient updates on the demonstrations alone before the agent starts playing. */
  readonly pretrainUpdates: number;
  /** Synthetic-ladder sessions whose demonstrator's plan is added to the demonstrations. */
  readonly syntheticDemos: number;
  /**
   * Who plays the synthetic-ladder demonstrations: RobustMPC (sees only the past, like the agent)
   * or the offline optimum (clairvoyant: its choices cannot be explained by the agent's features).
   */
  readonly demonstrator: Demonstrator;
  /**
   * Episodes played before learning by RobustMPC with a share of uniformly random actions, so that
   * the replay shows the consequences of bad choices (stalls) that demonstrations never make.
   */
  readonly prefillEpisodes: number;
  readonly prefillRandomShare: number;
}

export const DQN_TRAIN_DEFAULTS: DqnTrainOptions = Object.freeze({
  seed: 1,
  episodes: 6000,
  hidden: [64, 32],
  valueHidden: [32],
  gamma: 0.95,
  nStep: 3,
  learningRate: 2.5e-4,
  batchSize: 32,
  replayCapacity: 60_000,
  targetSyncUpdates: 500,
  stepsPerUpdate: 2,
  warmupTransitions: 2_000,
  epsilonStart: 0.3,
  epsilonEnd: 0.02,
  epsilonDecayEpisodes: 2000,
  guidedExploration: 0.5,
  rewardScale: 0.25,
  syntheticLadderShare: 0.3,
  demoShare: 0.5,
  demoMarginWeight: 1,
  demoMargin: 0.1,
  pretrainUpdates: 8000,
  syntheticDemos: 200,
  demonstrator: 'best-online',
  prefillEpisodes: 1000,
  prefillRandomShare: 0.3,
});
