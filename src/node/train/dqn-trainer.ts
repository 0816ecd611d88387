/** The Double DQN trainer (`abrkit train dqn --method dqn`). */
import type { Trace } from '../../sim/trace.js';
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { Features } from '../../learned/features.js';
import type { DqnModel } from '../../learned/model.js';
import type { Adam, MlpGradients, MlpCache } from '../../learned/network.js';
import type { RegressorState } from '../../learned/regressor.js';
import { type DqnTrainOptions, DQN_TRAIN_DEFAULTS } from './dqn-options.js';
import { GLOBAL_FEATURES, RUNG_FEATURES, shieldMask } from '../../learned/features.js';
import { ADVANTAGE_INPUTS, adamUpdate, allowed, maskedArgmax, cloneQNetwork, copyMlpInto, createAdam, createQNetwork, mlpBackward, mlpForward, qValues, zeroGradients } from '../../learned/network.js';
import { createThroughputRegressor } from '../../learned/regressor.js';
import { fitRegressor } from '../../learned/regressor-fit.js';
import { playEpisode, type EpisodeStep } from './episode.js';
import { createRobustMpcPolicy } from '../../policies/robustmpc.js';
import { invalidOptions } from '../../core/errors.js';
import { SeededRandom } from './random.js';
import { syntheticVideo } from './synthetic-ladder.js';
import { MAX_TRAIN_RUNGS, type Demonstration, type TrainData, collectSamples } from './data.js';
import { type Demonstrator, demonstrationPlan } from './plans.js';
import { Replay } from './replay.js';
import { type SerializedNetwork, serializeNetwork, restoreNetwork } from './checkpoint.js';

/** Everything needed to resume a run (the replay memory is not kept: a resumed run refills it). */
export interface TrainerCheckpoint {
  readonly options: DqnTrainOptions;
  readonly episode: number;
  readonly updates: number;
  /** Pre-training updates done (absent in old checkpoints: all of them). */
  readonly pretrained?: number;
  readonly randomState: number;
  readonly online: SerializedNetwork;
  readonly target: SerializedNetwork;
  readonly regressor: RegressorState;
}

export interface EpisodeReport {
  readonly episode: number;
  readonly meanReward: number;
  readonly epsilon: number;
  readonly loss: number;
}

export interface DqnTrainer {
  readonly options: DqnTrainOptions;
  readonly episode: number;
  /** Pre-training updates done so far (on demonstrations and the prefilled replay). */
  readonly pretrained: number;
  /** Runs up to `count` more of the `options.pretrainUpdates` pre-training updates. */
  pretrain(count: number): void;
  /** Finishes pre-training, then plays and learns from episodes until `options.episodes` or `count` more have been played. */
  train(count: number, onEpisode?: (report: EpisodeReport) => void): void;
  /** Mean QoE_lin per chunk (chunks 1..) of the greedy policy over each trace. */
  evaluateGreedy(traces: readonly Trace[], video: SimVideo): number[];
  model(): DqnModel;
  checkpoint(): TrainerCheckpoint;
}

/**
 * Double DQN (van Hasselt et al. 2016) with a dueling decomposition (Wang et al. 2016) over a
 * variable set of candidate rungs, n-step returns, uniform experience replay and a hard-synced
 * target network. As in DQfD (Hester et al. 2018), sessions of the offline optimum are kept in a
 * separate replay memory, learnt from first (pre-training) and then mixed into every batch with a
 * large-margin loss that pulls the greedy action toward the demonstrated one; the TD loss applies
 * to both memories. Exploration is epsilon-greedy, part of it guided by RobustMPC's choice.
 * Deterministic for a given seed, data and options.
 */
export function createDqnTrainer(data: TrainData, options: Partial<DqnTrainOptions> = {}, resume?: TrainerCheckpoint): DqnTrainer {
  const o: DqnTrainOptions = Object.freeze({ ...DQN_TRAIN_DEFAULTS, ...(resume?.options ?? {}), ...options });
  if (data.traceSets.length === 0 || data.traceSets.some((set) => set.length === 0)) throw invalidOptions('train', 'every trace set needs traces');
  if (!(o.batchSize >= 1 && o.nStep >= 1 && o.gamma > 0 && o.gamma <= 1)) throw invalidOptions('train', 'batchSize, nStep >= 1 and gamma in (0, 1] required');
  const random = new SeededRandom(o.seed);
  const online = createQNetwork(o.hidden, o.valueHidden, () => random.next());
  const target = cloneQNetwork(online);
  let regressorState: RegressorState;
  let episode = 0;
  let updates = 0;
  if (resume) {
    restoreNetwork(online, resume.online);
    restoreNetwork(target, resume.target);
    regressorState = resume.regressor;
    episode = resume.episode;
    updates = resume.updates;
  } else {
    const sequences = data.traceSets.flatMap((set) => set.map((trace) => collectSamples(trace, data.video)));
    regressorState = fitRegressor(sequences);
  }
  const adamA: Adam = createAdam(online.advantage);
  const adamV: Adam = createAdam(online.value);
  const gradA: MlpGradients = zeroGradients(online.advantage);
  const gradV: MlpGradients = zeroGradients(online.value);
  const replay = new Replay(o.replayCapacity);
  const guide = createRobustMpcPolicy({ qoe: 'lin' });
  let stepsSinceUpdate = 0;
  let lastLoss = NaN;
  const regressor = () => createThroughputRegressor({ initial: regressorState });

  /** Turns one played session into n-step transitions in a memory. */
  const store = (memory: Replay, steps: readonly EpisodeStep[], afterEach?: () => void): number => {
    let total = 0;
    for (let t = 0; t < steps.length; t++) {
      total += steps[t].reward;
      let ret = 0;
      let discount = 1;
      let k = 0;
      for (; k < o.nStep && t + k < steps.length; k++) {
        ret += discount * steps[t + k].reward * o.rewardScale;
        discount *= o.gamma;
      }
      const next = t + k < steps.length ? steps[t + k].features : null;
      memory.push(steps[t].features, steps[t].action, ret, next ? discount : 0, next);
      afterEach?.();
    }
    return total;
  };

  // Demonstrations: the given ones, plus the offline optimum on seeded synthetic ladders.
  const demos: Demonstration[] = [...(data.demonstrations ?? [])];
  if (o.syntheticDemos > 0) {
    const demoRandom = new SeededRandom(o.seed ^ 0x5eed);
    const all = data.traceSets.flat();
    for (let i = 0; i < o.syntheticDemos; i++) {
      const trace = all[demoRandom.int(all.length)];
      const video = syntheticVideo(demoRandom);
      demos.push({ trace, video, plan: demonstrationPlan(o.demonstrator, trace, video) });
    }
  }
  let demoCount = 0;
  for (const d of demos) demoCount += Math.max(0, d.plan.length - 1);
  const demoMemory = new Replay(Math.max(1, demoCount));
  for (const d of demos) {
    store(demoMemory, playEpisode(d.trace, d.video, regressor(), (features, context) => d.plan[context.segmentIndex] - features.minRungIndex));
  }

  const B = o.batchSize;
  const rowsMax = B * MAX_TRAIN_RUNGS;
  const advIn = new Float32Array(rowsMax * ADVANTAGE_INPUTS);
  const valIn = new Float32Array(B * GLOBAL_FEATURES);
  const nextAdvIn = new Float32Array(rowsMax * ADVANTAGE_INPUTS);
  const nextValIn = new Float32Array(B * GLOBAL_FEATURES);
  const cacheA: MlpCache = [];
  const cacheV: MlpCache = [];
  const batch = new Int32Array(B);
  const batchMemory: Replay[] = new Array<Replay>(B);

  /** Fills [global, rung] rows for the batch; returns row offsets per sample (length B + 1). */
  const fillRows = (next: boolean, adv: Float32Array, val: Float32Array): Int32Array => {
    const offsets = new Int32Array(B + 1);
    let row = 0;
    for (let b = 0; b < B; b++) {
      const m = batchMemory[b];
      const i = batch[b];
      const G = next ? m.nextGlobal : m.global;
      const R = next ? m.nextPerRung : m.perRung;
      const count = next ? m.nextRungs[i] : m.rungs[i];
      offsets[b] = row;
      const g = G.subarray(i * GLOBAL_FEATURES, (i + 1) * GLOBAL_FEATURES);
      val.set(g, b * GLOBAL_FEATURES);
      for (let k = 0; k < count; k++) {
        adv.set(g, row * ADVANTAGE_INPUTS);
        const ro = (i * MAX_TRAIN_RUNGS + k) * RUNG_FEATURES;
        adv.set(R.subarray(ro, ro + RUNG_FEATURES), row * ADVANTAGE_INPUTS + GLOBAL_FEATURES);
        row++;
      }
    }
    offsets[B] = row;
    return offsets;
  };

  const qFrom = (adv: Float32Array, value: number, from: number, to: number, k: number): number => {
    let mean = 0;
    for (let j = from; j < to; j++) mean += adv[j];
    return value + adv[from + k] - mean / (to - from);
  };

  const learn = (demoOnly: boolean): number => {
    const demoRows = demoMemory.size === 0 ? 0 : replay.size === 0 ? B : Math.round(B * (demoOnly ? 0.5 : o.demoShare));
    for (let b = 0; b < B; b++) {
      const m = b < demoRows ? demoMemory : replay;
      batchMemory[b] = m;
      batch[b] = random.int(m.size);
    }
    // Targets: the online network picks the next action, the target network values it (Double DQN).
    const nextOffsets = fillRows(true, nextAdvIn, nextValIn);
    const nextRows = nextOffsets[B];
    const onlineNextA = mlpForward(online.advantage, nextAdvIn, nextRows);
    const targetNextA = mlpForward(target.advantage, nextAdvIn, nextRows);
    const targetNextV = mlpForward(target.value, nextValIn, B);
    const y = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const m = batchMemory[b];
      const i = batch[b];
      y[b] = m.ret[i];
      const from = nextOffsets[b];
      const to = nextOffsets[b + 1];
      if (to > from && m.discount[i] > 0) {
        const best = from + maskedArgmax(onlineNextA.subarray(from, to), m.nextMask[i]);
        y[b] += m.discount[i] * qFrom(targetNextA, targetNextV[b], from, to, best - from);
      }
    }
    const offsets = fillRows(false, advIn, valIn);
    const rows = offsets[B];
    const a = mlpForward(online.advantage, advIn, rows, cacheA);
    const v = mlpForward(online.value, valIn, B, cacheV);
    const dA = new Float32Array(rows);
    const dV = new Float32Array(B);
    const dQ = new Float32Array(MAX_TRAIN_RUNGS);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const from = offsets[b];
      const to = offsets[b + 1];
      const n = to - from;
      const action = batchMemory[b].action[batch[b]];
      dQ.fill(0);
      const error = qFrom(a, v[b], from, to, action) - y[b];
      // Huber loss, delta 1.
      loss += Math.abs(error) <= 1 ? 0.5 * error * error : Math.abs(error) - 0.5;
      dQ[action] += Math.max(-1, Math.min(1, error));
      const mask = batchMemory[b].mask[batch[b]];
      if (b < demoRows && o.demoMarginWeight > 0 && allowed(mask, action)) {
        // Large-margin loss: max_k [Q(k) + margin * (k != demonstrated)] - Q(demonstrated).
        let best = 0;
        let bestValue = -Infinity;
        for (let k = 0; k < n; k++) {
          if (!allowed(mask, k)) continue;
          const value = qFrom(a, v[b], from, to, k) + (k === action ? 0 : o.demoMargin);
          if (value > bestValue) {
            bestValue = value;
            best = k;
          }
        }
        if (best !== action) {
          loss += o.demoMarginWeight * (bestValue - qFrom(a, v[b], from, to, action));
          dQ[best] += o.demoMarginWeight;
          dQ[action] -= o.demoMarginWeight;
        }
      }
      let sum = 0;
      for (let k = 0; k < n; k++) sum += dQ[k];
      dV[b] = sum;
      for (let k = 0; k < n; k++) dA[from + k] = dQ[k] - sum / n;
    }
    mlpBackward(online.advantage, cacheA, rows, dA, gradA);
    mlpBackward(online.value, cacheV, B, dV, gradV);
    adamUpdate(online.advantage, gradA, adamA, o.learningRate, 1 / B);
    adamUpdate(online.value, gradV, adamV, o.learningRate, 1 / B);
    updates++;
    if (updates % o.targetSyncUpdates === 0) {
      copyMlpInto(target.advantage, online.advantage);
      copyMlpInto(target.value, online.value);
    }
    return loss / B;
  };

  /** A uniformly random candidate among those the shield allows. */
  const randomAllowed = (features: Features): number => {
    const mask = shieldMask(features);
    const choices: number[] = [];
    for (let k = 0; k < features.rungCount; k++) if (allowed(mask, k)) choices.push(k);
    return choices[random.int(choices.length)];
  };
  /** The given candidate if the shield allows it, else the highest allowed one below it (or the lowest allowed). */
  const shielded = (features: Features, k: number): number => {
    const mask = shieldMask(features);
    for (let j = k; j >= 0; j--) if (allowed(mask, j)) return j;
    return maskedArgmax(features.rebufferRobustS.map((r) => -r), mask);
  };

  const pickEpisode = (): { trace: Trace; video: SimVideo } => {
    const set = data.traceSets[random.int(data.traceSets.length)];
    const trace = set[random.int(set.length)];
    const video = random.next() < o.syntheticLadderShare ? syntheticVideo(random) : data.video;
    return { trace, video };
  };

  if (!resume) {
    for (let e = 0; e < o.prefillEpisodes; e++) {
      const { trace, video } = pickEpisode();
      guide.reset?.();
      store(
        replay,
        playEpisode(trace, video, regressor(), (features, context) =>
          random.next() < o.prefillRandomShare ? randomAllowed(features) : shielded(features, guide.decide(context).rungIndex - features.minRungIndex),
        ),
      );
    }
  }
  let pretrained = resume ? (resume.pretrained ?? o.pretrainUpdates) : 0;
  const pretrain = (count: number): void => {
    const end = Math.min(o.pretrainUpdates, pretrained + count);
    if (demoMemory.size + replay.size === 0) pretrained = o.pretrainUpdates;
    for (; pretrained < end; pretrained++) lastLoss = learn(true);
  };
  // Resume: the random state is restored after the (deterministic) demonstration set-up.
  if (resume) random.state = resume.randomState;

  const playOne = (): EpisodeReport => {
    const { trace, video } = pickEpisode();
    const progress = Math.min(1, episode / Math.max(1, o.epsilonDecayEpisodes));
    const epsilon = o.epsilonStart + (o.epsilonEnd - o.epsilonStart) * progress;
    guide.reset?.();
    const steps = playEpisode(trace, video, regressor(), (features, context) => {
      if (random.next() < epsilon) {
        if (random.next() < o.guidedExploration) return shielded(features, guide.decide(context).rungIndex - features.minRungIndex);
        return randomAllowed(features);
      }
      return maskedArgmax(qValues(online, features), shieldMask(features));
    });
    const total = store(replay, steps, () => {
      stepsSinceUpdate++;
      if (replay.size >= o.warmupTransitions) {
        while (stepsSinceUpdate >= o.stepsPerUpdate) {
          stepsSinceUpdate -= o.stepsPerUpdate;
          lastLoss = learn(false);
        }
      }
    });
    episode++;
    return { episode, meanReward: total / steps.length, epsilon, loss: lastLoss };
  };

  return {
    options: o,
    get episode() {
      return episode;
    },
    get pretrained() {
      return pretrained;
    },
    pretrain,
    train(count, onEpisode) {
      pretrain(Infinity);
      const end = Math.min(o.episodes, episode + count);
      while (episode < end) {
        const report = playOne();
        onEpisode?.(report);
      }
    },
    evaluateGreedy(traces, video) {
      return traces.map((trace) => {
        const steps = playEpisode(trace, video, regressor(), (features) => maskedArgmax(qValues(online, features), shieldMask(features)));
        let total = 0;
        for (const s of steps) total += s.reward;
        return total / steps.length;
      });
    },
    model: () => ({ network: cloneQNetwork(online), regressor: regressorState }),
    checkpoint: () => ({
      options: o,
      episode,
      updates,
      pretrained,
      randomState: random.state,
      online: serializeNetwork(online),
      target: serializeNetwork(target),
      regressor: regressorState,
    }),
  };
}
