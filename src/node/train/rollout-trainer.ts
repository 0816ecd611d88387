/** The rollout trainer (`abrkit train dqn --method rollout`, the shipped recipe). */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { DownloadSample } from '../../core/sample.js';
import type { DqnModel } from '../../learned/model.js';
import type { RegressorState } from '../../learned/regressor.js';
import { shieldMask } from '../../learned/features.js';
import { allowed, maskedArgmax, cloneQNetwork, createQNetwork, qValues, type QNetwork } from '../../learned/network.js';
import { createThroughputRegressor } from '../../learned/regressor.js';
import { fitRegressor } from '../../learned/regressor-fit.js';
import { playEpisode, type ActionChooser, type EpisodeMode, EPISODE_MODES } from './episode.js';
import { createRobustMpcPolicy } from '../../policies/robustmpc.js';
import { invalidOptions } from '../../core/errors.js';
import { SeededRandom } from './random.js';
import { syntheticEpisode } from './synthetic-ladder.js';
import { type TrainData, collectSamples } from './data.js';
import { type SerializedNetwork, serializeNetwork, restoreNetwork } from './checkpoint.js';
import { type RolloutTrainOptions, ROLLOUT_TRAIN_DEFAULTS } from './rollout-options.js';
import { type RolloutDecision, type RolloutBase, rolloutEpisode } from './rollout-episode.js';
import { type LearnerState, type RolloutBackend, createNativeRolloutLearner } from './rollout-learner.js';

export interface RolloutTrainer {
  readonly options: RolloutTrainOptions;
  /** Decisions collected so far (all rounds kept, as in DAgger). */
  readonly size: number;
  /** Rounds collected so far. */
  readonly rounds: number;
  /**
   * Plays every training trace on the training video (and `syntheticPerEpisode` sessions on random
   * ladders per trace), the behaviour being RobustMPC in round 0 and the current network after, with
   * `explore` random allowed actions; scores every allowed rung of every decision by rollouts.
   */
  collect(onProgress?: (done: number, total: number) => void): void;
  /** One pass over the collected decisions in random order; returns the mean loss. */
  epoch(): number;
  /** Mean QoE_lin per decided chunk of the played (greedy, shielded) network on each trace. */
  evaluateGreedy(traces: readonly Trace[], video: SimVideo, mode?: EpisodeMode): number[];
  model(): DqnModel;
  /** Resolves once a resumed trainer's optimiser state is restored (at once otherwise); `epoch` waits for it. */
  readonly ready: Promise<void>;
  /** Everything but the collected decisions (`decisions()`, saved apart with `encodeRolloutDecisions`) needed to resume exactly here. */
  checkpoint(): Promise<RolloutCheckpoint>;
  /** The decisions trained on, oldest round first. */
  decisions(): readonly RolloutDecision[];
  /** Frees the learner's tensors (tfjs); the trainer is unusable after. */
  dispose(): void;
}

/** A rollout run stopped after an epoch: with the decisions it had collected, it resumes exactly. */
export interface RolloutCheckpoint {
  readonly format: 'abrkit-rollout-checkpoint';
  readonly version: 1;
  readonly options: RolloutTrainOptions;
  /** Rounds collected so far, and the decisions each kept round contributed (oldest first). */
  readonly rounds: number;
  readonly roundSizes: readonly number[];
  readonly randomState: number;
  readonly online: SerializedNetwork;
  readonly played: SerializedNetwork;
  readonly learner: LearnerState;
  readonly regressor: RegressorState;
}

export interface RolloutResume {
  readonly checkpoint: RolloutCheckpoint;
  readonly decisions: readonly RolloutDecision[];
}

/** Options read back from a checkpoint's JSON, where Infinity was written as null. */
export function reviveRolloutOptions(saved: RolloutTrainOptions): RolloutTrainOptions {
  const infinite = (value: number | null) => (value === null ? Infinity : value);
  return { ...saved, learnedRolloutsFrom: infinite(saved.learnedRolloutsFrom), keepRounds: infinite(saved.keepRounds) };
}

/**
 * Approximate policy iteration with RobustMPC as the policy rolled out (fitted Q iteration on
 * Monte-Carlo returns, collected DAgger-style on the states the learnt policy visits). The
 * network regresses every allowed rung's rollout return (Huber loss) through the dueling head;
 * only differences between rungs reach the advantage network. Deterministic for a seed and data.
 */
export function createRolloutTrainer(data: TrainData, options: Partial<RolloutTrainOptions> = {}, backend?: RolloutBackend, resume?: RolloutResume, init?: QNetwork): RolloutTrainer {
  const o: RolloutTrainOptions = Object.freeze({ ...ROLLOUT_TRAIN_DEFAULTS, ...(resume ? reviveRolloutOptions(resume.checkpoint.options) : options) });
  if (o.backend !== 'native' && backend === undefined) {
    throw invalidOptions('train', `backend '${o.backend}' needs its learner: use createTfjsRolloutTrainer (src/dqn/tfjs-network.ts)`);
  }
  if (data.traceSets.length === 0 || data.traceSets.some((set) => set.length === 0)) throw invalidOptions('train', 'every trace set needs traces');
  if (!(o.batchSize >= 1 && o.learningRate > 0 && o.huberDelta > 0 && o.explore >= 0 && o.explore <= 1 && o.averageDecay >= 0 && o.averageDecay < 1 && o.keepRounds >= 1)) {
    throw invalidOptions('train', 'batchSize >= 1, learningRate > 0, huberDelta > 0, explore in [0, 1], averageDecay in [0, 1) and keepRounds >= 1 required');
  }
  if (o.modes.length === 0 || new Set(o.modes).size !== o.modes.length || !o.modes.every((m) => EPISODE_MODES.includes(m))) {
    throw invalidOptions('train', `modes must be distinct values of ${EPISODE_MODES.join(', ')}, got ${o.modes.join(', ') || 'none'}`);
  }
  const random = new SeededRandom(o.seed);
  const online = createQNetwork(o.hidden, o.valueHidden, () => random.next());
  // A warm start (`--init`): the given weights instead of the seeded ones (same layer sizes).
  if (init && !resume) restoreNetwork(online, serializeNetwork(init));
  const average = cloneQNetwork(online);
  const played = o.averageDecay > 0 ? average : online;
  const fit = backend?.fitRegressor ?? ((sequences: readonly (readonly DownloadSample[])[]) => fitRegressor(sequences));
  const regressorState = resume
    ? resume.checkpoint.regressor
    : fit(data.traceSets.flatMap((set) => set.map((trace) => collectSamples(trace, data.video))));
  const regressor = () => createThroughputRegressor({ initial: regressorState });
  let decisions: RolloutDecision[] = [];
  const roundSizes: number[] = [];
  const mpc = createRobustMpcPolicy({ qoe: 'lin' });
  const guide = createRobustMpcPolicy({ qoe: 'lin' });
  let round = 0;
  if (resume) {
    const saved = resume.checkpoint;
    if (saved.format !== 'abrkit-rollout-checkpoint' || saved.version !== 1) throw invalidOptions('train', 'not a rollout checkpoint (format abrkit-rollout-checkpoint, version 1)');
    const expected = saved.roundSizes.reduce((a, b) => a + b, 0);
    if (resume.decisions.length !== expected) throw invalidOptions('train', `the checkpoint kept ${expected} decisions, the decisions file holds ${resume.decisions.length}`);
    restoreNetwork(online, saved.online);
    if (played !== online) restoreNetwork(played, saved.played);
    random.state = saved.randomState;
    decisions = resume.decisions.slice();
    roundSizes.push(...saved.roundSizes);
    round = saved.rounds;
  }

  const randomAllowed = (mask: number, count: number): number => {
    const choices: number[] = [];
    for (let k = 0; k < count; k++) if (allowed(mask, k)) choices.push(k);
    return choices[random.int(choices.length)];
  };
  const behave: ActionChooser = (features, context) => {
    const mask = shieldMask(features);
    if (random.next() < o.explore) return randomAllowed(mask, features.rungCount);
    if (round === 0) {
      const k = guide.decide(context).rungIndex - features.minRungIndex;
      for (let j = k; j >= 0; j--) if (allowed(mask, j)) return j;
      return maskedArgmax(features.rebufferRobustS.map((r) => -r), mask);
    }
    return maskedArgmax(qValues(played, features), mask);
  };

  const B = o.batchSize;
  const learner = (o.backend === 'native' ? createNativeRolloutLearner : backend!.learner)(online, played, o);
  if (resume && resume.checkpoint.learner.backend !== o.backend) {
    throw invalidOptions('train', `the checkpoint's optimiser state is ${resume.checkpoint.learner.backend}'s, this run's backend is ${o.backend}`);
  }
  let loaded = resume === undefined;
  const ready = resume ? learner.loadState(resume.checkpoint.learner).then(() => void (loaded = true)) : Promise.resolve();

  return {
    ready,
    async checkpoint() {
      return {
        format: 'abrkit-rollout-checkpoint',
        version: 1,
        options: o,
        rounds: round,
        roundSizes: roundSizes.slice(),
        randomState: random.state,
        online: serializeNetwork(online),
        played: serializeNetwork(played),
        learner: await learner.saveState(),
        regressor: regressorState,
      };
    },
    decisions: () => decisions,
    options: o,
    get size() {
      return decisions.length;
    },
    get rounds() {
      return round;
    },
    collect(onProgress) {
      const jobs: { trace: Trace; video: SimVideo; mode: EpisodeMode; rewardFactor: number }[] = [];
      for (const set of data.traceSets) {
        for (const trace of set) {
          for (const mode of o.modes) {
            jobs.push({ trace, video: data.video, mode, rewardFactor: 1 });
            // A random ladder on a trace scaled to it (synthetic-ladder.ts), its reward scaled to the ladder.
            for (let i = 0; i < o.syntheticPerEpisode; i++) jobs.push({ ...syntheticEpisode(random, set), mode });
          }
        }
      }
      const base: RolloutBase = round >= o.learnedRolloutsFrom ? { network: cloneQNetwork(played) } : { policy: mpc };
      jobs.forEach(({ trace, video, mode, rewardFactor }, i) => {
        guide.reset?.();
        decisions.push(...rolloutEpisode(trace, video, regressor, base, behave, o.rewardScale * rewardFactor, mode));
        onProgress?.(i + 1, jobs.length);
      });
      roundSizes.push(decisions.length - roundSizes.reduce((a, b) => a + b, 0));
      if (roundSizes.length > o.keepRounds) decisions = decisions.slice(roundSizes.shift()!);
      round++;
    },
    epoch() {
      if (!loaded) throw invalidOptions('train', 'a resumed trainer restores its optimiser first: await trainer.ready');
      const order = Array.from(decisions.keys());
      for (let i = order.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      let total = 0;
      let batches = 0;
      for (let i = 0; i < order.length; i += B) {
        total += learner.step(order.slice(i, i + B).map((k) => decisions[k]));
        batches++;
      }
      learner.sync();
      return batches ? total / batches : NaN;
    },
    evaluateGreedy(traces, video, mode = 'pensieve') {
      return traces.map((trace) => {
        const steps = playEpisode(trace, video, regressor(), (features) => maskedArgmax(qValues(played, features), shieldMask(features)), mode);
        let total = 0;
        for (const s of steps) total += s.reward;
        return total / steps.length;
      });
    },
    model: () => ({ network: cloneQNetwork(played), regressor: regressorState }),
    dispose: () => learner.dispose(),
  };
}
