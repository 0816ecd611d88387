/**
 * A tiny multilayer perceptron in plain Float32Arrays: ReLU hidden layers, a linear output.
 * Written out by hand (forward, backward, Adam) because the network is small enough that tfjs's
 * per-op overhead would dominate on CPU, and so inference needs no tfjs at all in the browser.
 */
import type { Features } from './features.js';
import { GLOBAL_FEATURES, RUNG_FEATURES } from './features.js';

export interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  /** Row-major `[out][in]`. */
  readonly weights: Float32Array;
  readonly bias: Float32Array;
}

export interface Mlp {
  readonly layers: readonly DenseLayer[];
}

/**
 * The DQN: Q(s, rung) = V(global) + A(global, rung) - mean over candidate rungs of A.
 * `advantage` scores one rung from [global features, that rung's features]; `value` sees the global ones.
 */
export interface QNetwork {
  readonly advantage: Mlp;
  readonly value: Mlp;
}

export const ADVANTAGE_INPUTS = GLOBAL_FEATURES + RUNG_FEATURES;

/** He-initialised MLP with the given layer sizes, from a seeded uniform source. */
export function createMlp(sizes: readonly number[], random: () => number): Mlp {
  const layers: DenseLayer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const inSize = sizes[i];
    const outSize = sizes[i + 1];
    const scale = Math.sqrt(6 / inSize) * (i + 2 === sizes.length ? 0.1 : 1);
    const weights = new Float32Array(inSize * outSize);
    for (let j = 0; j < weights.length; j++) weights[j] = (random() * 2 - 1) * scale;
    layers.push({ inSize, outSize, weights, bias: new Float32Array(outSize) });
  }
  return { layers };
}

export function createQNetwork(hidden: readonly number[], valueHidden: readonly number[], random: () => number): QNetwork {
  return {
    advantage: createMlp([ADVANTAGE_INPUTS, ...hidden, 1], random),
    value: createMlp([GLOBAL_FEATURES, ...valueHidden, 1], random),
  };
}

export function cloneMlp(mlp: Mlp): Mlp {
  return { layers: mlp.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, weights: l.weights.slice(), bias: l.bias.slice() })) };
}

export function cloneQNetwork(net: QNetwork): QNetwork {
  return { advantage: cloneMlp(net.advantage), value: cloneMlp(net.value) };
}

export function copyMlpInto(target: Mlp, source: Mlp): void {
  target.layers.forEach((layer, i) => {
    layer.weights.set(source.layers[i].weights);
    layer.bias.set(source.layers[i].bias);
  });
}

/** Activations kept by a forward pass for the backward pass: the input and each layer's output. */
export type MlpCache = Float32Array[];

/** Forward pass over `rows` inputs laid out row after row. Returns the output (rows * outSize). */
export function mlpForward(mlp: Mlp, input: Float32Array, rows: number, cache?: MlpCache): Float32Array {
  let x = input;
  if (cache) {
    cache.length = 0;
    cache.push(x);
  }
  const last = mlp.layers.length - 1;
  mlp.layers.forEach((layer, li) => {
    const { inSize, outSize, weights, bias } = layer;
    const y = new Float32Array(rows * outSize);
    for (let r = 0; r < rows; r++) {
      const xo = r * inSize;
      const yo = r * outSize;
      for (let o = 0; o < outSize; o++) {
        let sum = bias[o];
        const wo = o * inSize;
        for (let i = 0; i < inSize; i++) sum += weights[wo + i] * x[xo + i];
        y[yo + o] = li < last && sum < 0 ? 0 : sum;
      }
    }
    x = y;
    cache?.push(y);
  });
  return x;
}

export interface MlpGradients {
  readonly weights: Float32Array[];
  readonly bias: Float32Array[];
}

export function zeroGradients(mlp: Mlp): MlpGradients {
  return {
    weights: mlp.layers.map((l) => new Float32Array(l.weights.length)),
    bias: mlp.layers.map((l) => new Float32Array(l.bias.length)),
  };
}

/** Accumulates the gradient of the loss into `grads`, given dLoss/dOutput for every row. */
export function mlpBackward(mlp: Mlp, cache: MlpCache, rows: number, dOutput: Float32Array, grads: MlpGradients): void {
  let delta = dOutput;
  for (let li = mlp.layers.length - 1; li >= 0; li--) {
    const { inSize, outSize, weights } = mlp.layers[li];
    const x = cache[li];
    const gw = grads.weights[li];
    const gb = grads.bias[li];
    const needInput = li > 0;
    const dx = needInput ? new Float32Array(rows * inSize) : delta;
    for (let r = 0; r < rows; r++) {
      const xo = r * inSize;
      const d0 = r * outSize;
      for (let o = 0; o < outSize; o++) {
        const d = delta[d0 + o];
        if (d === 0) continue;
        gb[o] += d;
        const wo = o * inSize;
        for (let i = 0; i < inSize; i++) {
          gw[wo + i] += d * x[xo + i];
          if (needInput) dx[xo + i] += d * weights[wo + i];
        }
      }
    }
    if (needInput) {
      // ReLU of the previous layer: no gradient where it output 0.
      for (let j = 0; j < dx.length; j++) if (x[j] <= 0) dx[j] = 0;
    }
    delta = dx;
  }
}

/** Adam state for one MLP (Kingma & Ba 2015, default betas). */
export interface Adam {
  step: number;
  readonly m: MlpGradients;
  readonly v: MlpGradients;
}

export function createAdam(mlp: Mlp): Adam {
  return { step: 0, m: zeroGradients(mlp), v: zeroGradients(mlp) };
}

export function adamUpdate(mlp: Mlp, grads: MlpGradients, adam: Adam, learningRate: number, scale: number): void {
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-8;
  adam.step++;
  const c1 = 1 - beta1 ** adam.step;
  const c2 = 1 - beta2 ** adam.step;
  const apply = (param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array) => {
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] * scale;
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      param[i] -= (learningRate * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      grad[i] = 0;
    }
  };
  mlp.layers.forEach((layer, li) => {
    apply(layer.weights, grads.weights[li], adam.m.weights[li], adam.v.weights[li]);
    apply(layer.bias, grads.bias[li], adam.m.bias[li], adam.v.bias[li]);
  });
}

/** The advantage network's input rows for one decision: [global, rung k] for every candidate rung. */
export function advantageInput(features: Features, out?: Float32Array, offset = 0): Float32Array {
  const rows = features.rungCount;
  const buffer = out ?? new Float32Array(rows * ADVANTAGE_INPUTS);
  for (let k = 0; k < rows; k++) {
    const o = offset + k * ADVANTAGE_INPUTS;
    buffer.set(features.global, o);
    buffer.set(features.perRung.subarray(k * RUNG_FEATURES, (k + 1) * RUNG_FEATURES), o + GLOBAL_FEATURES);
  }
  return buffer;
}

/** Reused activations of one network's inference (decisions run one at a time on one thread). */
interface InferenceScratch {
  readonly globalPart: Float64Array;
  readonly layers: Float64Array[];
}

const scratchOf = new WeakMap<QNetwork, InferenceScratch>();

function scratchFor(net: QNetwork): InferenceScratch {
  let scratch = scratchOf.get(net);
  if (!scratch) {
    const layers = net.advantage.layers;
    scratch = { globalPart: new Float64Array(layers[0].outSize), layers: layers.map((l) => new Float64Array(l.outSize)) };
    scratchOf.set(net, scratch);
  }
  return scratch;
}

/**
 * Q-value of every candidate rung of one decision (index k = rung minRungIndex + k).
 * The same function as `mlpForward` over `advantageInput` rows, evaluated for inference: the first
 * layer's product with the global features is shared by all rungs and computed once, and nothing
 * is allocated but the result, so a decision stays cheap even before the JIT has warmed up.
 * With a shield `mask`, only the allowed candidates are scored (the others get -Infinity) and the
 * dueling mean is taken over them: every allowed Q moves by the same constant, so their order and
 * differences, all a decision reads, are those of the unmasked call.
 */
export function qValues(net: QNetwork, features: Features, mask?: number): Float64Array {
  const rows = features.rungCount;
  const { globalPart, layers: act } = scratchFor(net);
  const layers = net.advantage.layers;
  // Locals, not the imported constants or the layer's fields, in the loops: an imported binding is
  // re-read (with its initialisation check) on every iteration when the module is not bundled,
  // which made this function 3 times slower under tsx (the simulator and training).
  const globalCount = GLOBAL_FEATURES;
  const rungFeatures = RUNG_FEATURES;
  const { inSize: firstIn, outSize: firstOut, weights: firstWeights, bias: firstBias } = layers[0];
  const global = features.global;
  const perRung = features.perRung;
  const last = layers.length - 1;
  for (let o = 0; o < firstOut; o++) {
    let sum = firstBias[o];
    const wo = o * firstIn;
    for (let i = 0; i < globalCount; i++) sum += firstWeights[wo + i] * global[i];
    globalPart[o] = sum;
  }
  const q = new Float64Array(rows);
  let meanAdvantage = 0;
  let scored = 0;
  for (let k = 0; k < rows; k++) {
    if (mask !== undefined && k < 32 && ((mask >>> k) & 1) === 0) {
      q[k] = -Infinity;
      continue;
    }
    scored++;
    const ro = k * rungFeatures;
    let x = act[0];
    for (let o = 0; o < firstOut; o++) {
      let sum = globalPart[o];
      const wo = o * firstIn + globalCount;
      for (let i = 0; i < rungFeatures; i++) sum += firstWeights[wo + i] * perRung[ro + i];
      x[o] = last > 0 && sum < 0 ? 0 : sum;
    }
    for (let li = 1; li <= last; li++) {
      const { inSize, outSize, weights, bias } = layers[li];
      const y = act[li];
      for (let o = 0; o < outSize; o++) {
        let sum = bias[o];
        const wo = o * inSize;
        for (let i = 0; i < inSize; i++) sum += weights[wo + i] * x[i];
        y[o] = li < last && sum < 0 ? 0 : sum;
      }
      x = y;
    }
    q[k] = x[0];
    meanAdvantage += x[0];
  }
  meanAdvantage /= scored;
  const value = mlpForward(net.value, global, 1)[0];
  for (let k = 0; k < rows; k++) q[k] = value + q[k] - meanAdvantage;
  return q;
}

/** Whether candidate k is allowed by a shield mask (candidates past 32 always are). */
export function allowed(mask: number, k: number): boolean {
  return k >= 32 || ((mask >>> k) & 1) === 1;
}

/** Index of the largest value among the allowed candidates (the first candidate if none is). */
export function maskedArgmax(values: ArrayLike<number>, mask: number): number {
  let best = -1;
  for (let i = 0; i < values.length; i++) if (allowed(mask, i) && (best < 0 || values[i] > values[best])) best = i;
  return best < 0 ? 0 : best;
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
