import type { Trace } from '../sim/trace.js';
import type { SimVideo } from '../sim/ladder-parsers.js';
import type { DownloadSample } from '../core/sample.js';
import type { Features } from './features.js';
import type { DqnModel } from './model.js';
import type { QNetwork, Adam, MlpGradients, MlpCache } from './network.js';
import type { RegressorState } from './regressor.js';
import { GLOBAL_FEATURES, RUNG_FEATURES, shieldMask } from './features.js';
import {
  ADVANTAGE_INPUTS,
  adamUpdate,
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
import { playEpisode, type EpisodeStep } from './episode.js';
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
