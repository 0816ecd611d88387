import type { Trace } from '../sim/trace.js';
import type { SimVideo } from '../sim/ladder-parsers.js';
import type { DownloadSample } from '../core/sample.js';
import type { Features } from './features.js';
import type { DqnModel } from './model.js';
import type { QNetwork, Adam, MlpGradients, MlpCache } from './network.js';
import type { RegressorState } from './regressor.js';
import { computeFeatures, GLOBAL_FEATURES, RUNG_FEATURES, shieldMask } from './features.js';
import {
  ADVANTAGE_INPUTS,
  adamUpdate,
  advantageInput,
  allowed,
  maskedArgmax,
  cloneQNetwork,
  copyMlpInto,
  createAdam,
  createQNetwork,
  mlpBackward,
  mlpForward,
  qValues,
  zeroGradients,
} from './network.js';
import { createThroughputRegressor, fitRegressor } from './regressor.js';
import { acceptedSamples, createEpisodeEnv, outcomeRewardLin, playEpisode, simDecisionContext, type ActionChooser, type EpisodeMode, type EpisodeStep, EPISODE_MODES } from './episode.js';
import type { DecisionContext } from '../core/context.js';
import type { ThroughputRegressor } from './regressor.js';
import { planOptimal } from '../sim/optimal.js';
import { createQoeModel } from '../qoe/models.js';
import { createPensieveEnv, PENSIEVE_CONSTANTS } from '../sim/pensieve-env.js';
import { createRobustMpcPolicy } from '../policies/robustmpc.js';
import { createBolaPolicy } from '../policies/bola.js';
import { createRatePolicy } from '../policies/rate.js';
import type { AbrPolicy } from '../core/policy.js';
import { highestRungAtMost } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';
import { historyStats } from './features.js';

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

export type Demonstrator = 'robustmpc' | 'best-online' | 'optimal';

/** The demonstration plan of one trace. */
export function demonstrationPlan(demonstrator: Demonstrator, trace: Trace, video: SimVideo): number[] {
  switch (demonstrator) {
    case 'robustmpc':
      return robustMpcPlan(trace, video);
    case 'best-online':
      return bestOnlinePlan(trace, video);
    case 'optimal':
      return optimalPlan(trace, video);
  }
}

/** Most candidate rungs a training transition may have (synthetic ladders stay below this). */
export const MAX_TRAIN_RUNGS = 12;

/** mulberry32 with its state exposed, so a run can be resumed exactly where it stopped. */
export class SeededRandom {
  state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/**
 * A random ladder, so the network learns to read rungs from their features rather than their
 * index: 4-10 rungs, a 150-450 kbps bottom, a 2.5-8 Mbps top, geometric spacing, 2-6 s segments,
 * segment sizes varying around the nominal bitrate with content complexity.
 */
export function syntheticVideo(random: SeededRandom, segments = PENSIEVE_CONSTANTS.chunkCount + 1): SimVideo {
  const rungs = 4 + random.int(7);
  const bottomKbps = 150 + random.next() * 300;
  const topKbps = 2500 + random.next() * 5500;
  const segmentDurationS = [2, 3, 4, 4, 6][random.int(5)];
  const bitrates = Array.from({ length: rungs }, (_, i) => Math.round(bottomKbps * (topKbps / bottomKbps) ** (i / (rungs - 1))) * 1000);
  const sizes: number[][] = [];
  for (let s = 0; s < segments; s++) {
    const complexity = Math.exp((random.next() - 0.5) * 0.6);
    sizes.push(bitrates.map((bps) => Math.max(1000, Math.round(((bps * segmentDurationS) / 8) * complexity * Math.exp((random.next() - 0.5) * 0.1)))));
  }
  return {
    name: `synthetic-${rungs}`,
    renditions: bitrates.map((bitrateBps, i) => ({ id: String(i), bitrateBps })),
    segmentDurationS,
    segmentSizesBytes: sizes,
  };
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

/** Replay memory in flat typed arrays: n-step transitions over variable rung counts (masked to MAX_TRAIN_RUNGS). */
class Replay {
  readonly capacity: number;
  size = 0;
  #next = 0;
  readonly global: Float32Array;
  readonly perRung: Float32Array;
  readonly rungs: Uint8Array;
  readonly action: Uint8Array;
  readonly ret: Float32Array;
  readonly discount: Float32Array;
  readonly nextGlobal: Float32Array;
  readonly nextPerRung: Float32Array;
  readonly nextRungs: Uint8Array;
  readonly mask: Uint32Array;
  readonly nextMask: Uint32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.global = new Float32Array(capacity * GLOBAL_FEATURES);
    this.perRung = new Float32Array(capacity * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.rungs = new Uint8Array(capacity);
    this.action = new Uint8Array(capacity);
    this.ret = new Float32Array(capacity);
    this.discount = new Float32Array(capacity);
    this.nextGlobal = new Float32Array(capacity * GLOBAL_FEATURES);
    this.nextPerRung = new Float32Array(capacity * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.nextRungs = new Uint8Array(capacity);
    this.mask = new Uint32Array(capacity);
    this.nextMask = new Uint32Array(capacity);
  }

  push(features: Features, action: number, ret: number, discount: number, next: Features | null): void {
    const i = this.#next;
    this.global.set(features.global, i * GLOBAL_FEATURES);
    this.perRung.set(features.perRung, i * MAX_TRAIN_RUNGS * RUNG_FEATURES);
    this.rungs[i] = features.rungCount;
    this.mask[i] = shieldMask(features);
    this.action[i] = action;
    this.ret[i] = ret;
    this.discount[i] = discount;
    if (next) {
      this.nextGlobal.set(next.global, i * GLOBAL_FEATURES);
      this.nextPerRung.set(next.perRung, i * MAX_TRAIN_RUNGS * RUNG_FEATURES);
      this.nextRungs[i] = next.rungCount;
      this.nextMask[i] = shieldMask(next);
    } else {
      this.nextRungs[i] = 0;
    }
    this.#next = (i + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }
}

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

type SerializedNetwork = { advantage: number[][][]; value: number[][][] };

function serializeNetwork(net: QNetwork): SerializedNetwork {
  const mlp = (m: QNetwork['advantage']) => m.layers.map((l) => [Array.from(l.weights), Array.from(l.bias)]);
  return { advantage: mlp(net.advantage), value: mlp(net.value) };
}

function restoreNetwork(into: QNetwork, saved: SerializedNetwork): void {
  const mlp = (m: QNetwork['advantage'], s: number[][][]) =>
    m.layers.forEach((l, i) => {
      if (s[i][0].length !== l.weights.length || s[i][1].length !== l.bias.length) throw invalidOptions('train', 'checkpoint shape differs from the options');
      l.weights.set(s[i][0]);
      l.bias.set(s[i][1]);
    });
  mlp(into.advantage, saved.advantage);
  mlp(into.value, saved.value);
}

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

/** The rungs an online policy chooses on a trace (chunk 0 included) and its mean QoE_lin over chunks 1.. */
export function onlinePlan(trace: Trace, video: SimVideo, policy: AbrPolicy): { plan: number[]; qoe: number } {
  policy.reset?.();
  const plan = [Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1)];
  const steps = playEpisode(trace, video, createThroughputRegressor(), (features, context) => {
    const rung = policy.decide(context).rungIndex;
    plan.push(rung);
    return rung - features.minRungIndex;
  });
  let total = 0;
  for (const step of steps) total += step.reward;
  return { plan, qoe: total / steps.length };
}

/** The rungs RobustMPC (QoE_lin, no quirks) chooses on a trace, chunk 0 included: a demonstration. */
export function robustMpcPlan(trace: Trace, video: SimVideo): number[] {
  return onlinePlan(trace, video, createRobustMpcPolicy({ qoe: 'lin' })).plan;
}

/**
 * The session of whichever online policy (RobustMPC, BOLA, rate) scored best on this trace. Each
 * demonstration only ever used the past; choosing which one to learn from uses the outcome
 * (filtered imitation), so the agent sees RobustMPC where planning paid and BOLA where the buffer did.
 */
export function bestOnlinePlan(trace: Trace, video: SimVideo): number[] {
  const candidates = [createRobustMpcPolicy({ qoe: 'lin' }), createBolaPolicy(), createRatePolicy()].map((p) => onlinePlan(trace, video, p));
  let best = candidates[0];
  for (const c of candidates) if (c.qoe > best.qoe) best = c;
  return best.plan;
}

/** The offline optimum's plan for each trace (Pensieve mode, QoE_lin): demonstrations for the trainer. */
export function optimalPlan(trace: Trace, video: SimVideo): number[] {
  const env = createPensieveEnv(trace, video);
  const firstRungIndex = Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1);
  return [...planOptimal(env, { qoe: createQoeModel('lin', video), skipFirst: 1, firstRungIndex, startupPenaltyPerS: 0 }).plan];
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

// ---------------------------------------------------------------------------------------------
// Rollout Q-learning: approximate policy iteration against RobustMPC.

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

interface RolloutPosition<S> {
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
        if ('network' in base) {
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

/**
 * The gradient steps of a rollout run, on the network the trainer created. `step` fits one batch
 * (Huber loss through the dueling head, Adam) and returns the batch's loss: the sum over scored
 * rungs of the Huber loss, averaged over decisions. After `sync`, `played` (the Polyak average,
 * or `online` when averageDecay is 0) holds the learner's current weights.
 */
export interface RolloutLearner {
  step(batch: readonly RolloutDecision[]): number;
  /** The optimiser's state (Adam's moments and step count), for a checkpoint. */
  saveState(): Promise<LearnerState>;
  /**
   * Restores a saved optimiser state, once the trainer has put the checkpoint's weights into
   * `online` and `played` (a backend with its own copy of the weights takes them from there).
   */
  loadState(state: LearnerState): Promise<void>;
  sync(): void;
  /** Frees what the learner holds outside the JS heap (tfjs tensors). */
  dispose(): void;
}

/** A learner's optimiser state as named arrays (a tfjs optimizer's weights, or our Adam's). */
export interface LearnerState {
  readonly backend: RolloutBackendName;
  readonly tensors: readonly { readonly name: string; readonly shape: readonly number[]; readonly values: readonly number[] }[];
}

export type RolloutLearnerFactory = (online: QNetwork, played: QNetwork, options: RolloutTrainOptions) => RolloutLearner;

/** What a non-native backend plugs into `createRolloutTrainer`. */
export interface RolloutBackend {
  readonly learner: RolloutLearnerFactory;
  /** The offline fit of the regressor whose predictions the features carry (default: ridge, `fitRegressor`). */
  readonly fitRegressor?: (sequences: readonly (readonly DownloadSample[])[]) => RegressorState;
}

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
export function createRolloutTrainer(data: TrainData, options: Partial<RolloutTrainOptions> = {}, backend?: RolloutBackend, resume?: RolloutResume): RolloutTrainer {
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
      const jobs: { trace: Trace; video: SimVideo; mode: EpisodeMode }[] = [];
      for (const set of data.traceSets) {
        for (const trace of set) {
          for (const mode of o.modes) {
            jobs.push({ trace, video: data.video, mode });
            for (let i = 0; i < o.syntheticPerEpisode; i++) jobs.push({ trace: set[random.int(set.length)], video: syntheticVideo(random), mode });
          }
        }
      }
      const base: RolloutBase = round >= o.learnedRolloutsFrom ? { network: cloneQNetwork(played) } : { policy: mpc };
      jobs.forEach(({ trace, video, mode }, i) => {
        guide.reset?.();
        decisions.push(...rolloutEpisode(trace, video, regressor, base, behave, o.rewardScale, mode));
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

/** The rollout trainer's gradient steps on our typed-array MLP (forward, backward, Adam in network.ts). */
export const createNativeRolloutLearner: RolloutLearnerFactory = (online, played, o) => {
  const adamA = createAdam(online.advantage);
  const adamV = createAdam(online.value);
  const gradA = zeroGradients(online.advantage);
  const gradV = zeroGradients(online.value);
  const blend = (into: QNetwork['advantage'], from: QNetwork['advantage']) =>
    into.layers.forEach((layer, i) => {
      const source = from.layers[i];
      for (let j = 0; j < layer.weights.length; j++) layer.weights[j] += (1 - o.averageDecay) * (source.weights[j] - layer.weights[j]);
      for (let j = 0; j < layer.bias.length; j++) layer.bias[j] += (1 - o.averageDecay) * (source.bias[j] - layer.bias[j]);
    });
  const B = o.batchSize;
  const advIn = new Float32Array(B * MAX_TRAIN_RUNGS * ADVANTAGE_INPUTS);
  const valIn = new Float32Array(B * GLOBAL_FEATURES);
  const cacheA: MlpCache = [];
  const cacheV: MlpCache = [];
  const huber = (e: number) => (Math.abs(e) <= o.huberDelta ? 0.5 * e * e : o.huberDelta * (Math.abs(e) - 0.5 * o.huberDelta));

  const step = (batch: readonly RolloutDecision[]): number => {
    const offsets: number[] = [];
    let row = 0;
    batch.forEach((d, b) => {
      offsets.push(row);
      valIn.set(d.features.global, b * GLOBAL_FEATURES);
      advantageInput(d.features, advIn, row * ADVANTAGE_INPUTS);
      row += d.features.rungCount;
    });
    offsets.push(row);
    const a = mlpForward(online.advantage, advIn, row, cacheA);
    const v = mlpForward(online.value, valIn, batch.length, cacheV);
    const dA = new Float32Array(row);
    const dV = new Float32Array(batch.length);
    let loss = 0;
    batch.forEach((d, b) => {
      const from = offsets[b];
      const n = offsets[b + 1] - from;
      let mean = 0;
      for (let k = 0; k < n; k++) mean += a[from + k];
      mean /= n;
      let sum = 0;
      const dQ = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        const t = d.targets[k];
        if (Number.isNaN(t)) continue;
        const error = v[b] + a[from + k] - mean - t;
        loss += huber(error);
        dQ[k] = Math.max(-o.huberDelta, Math.min(o.huberDelta, error));
        sum += dQ[k];
      }
      dV[b] = sum;
      for (let k = 0; k < n; k++) dA[from + k] = dQ[k] - sum / n;
    });
    mlpBackward(online.advantage, cacheA, row, dA, gradA);
    mlpBackward(online.value, cacheV, batch.length, dV, gradV);
    adamUpdate(online.advantage, gradA, adamA, o.learningRate, 1 / batch.length);
    adamUpdate(online.value, gradV, adamV, o.learningRate, 1 / batch.length);
    if (played !== online) {
      blend(played.advantage, online.advantage);
      blend(played.value, online.value);
    }
    return loss / batch.length;
  };

  const adams = [
    ['advantage', adamA],
    ['value', adamV],
  ] as const;
  const saveState = async (): Promise<LearnerState> => ({
    backend: 'native',
    tensors: adams.flatMap(([net, adam]) => [
      { name: `${net}/step`, shape: [1], values: [adam.step] },
      ...(['m', 'v'] as const).flatMap((moment) =>
        adam[moment].weights.flatMap((w, i) => [
          { name: `${net}/${moment}/weights${i}`, shape: [w.length], values: Array.from(w) },
          { name: `${net}/${moment}/bias${i}`, shape: [adam[moment].bias[i].length], values: Array.from(adam[moment].bias[i]) },
        ]),
      ),
    ]),
  });
  const loadState = async (state: LearnerState): Promise<void> => {
    const byName = new Map(state.tensors.map((t) => [t.name, t.values]));
    const take = (name: string, into: Float32Array | null, length: number) => {
      const values = byName.get(name);
      if (!values || values.length !== length) throw invalidOptions('train', `checkpoint: optimiser state ${name} is missing or has the wrong size`);
      into?.set(values);
      return values;
    };
    for (const [net, adam] of adams) {
      adam.step = take(`${net}/step`, null, 1)[0];
      for (const moment of ['m', 'v'] as const) {
        adam[moment].weights.forEach((w, i) => take(`${net}/${moment}/weights${i}`, w, w.length));
        adam[moment].bias.forEach((b, i) => take(`${net}/${moment}/bias${i}`, b, b.length));
      }
    }
  };
  // The native learner updates `online` and `played` in place at every step.
  return { step, sync: () => {}, dispose: () => {}, saveState, loadState };
};
