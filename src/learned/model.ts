/**
 * The on-disk (and in-package) form of a trained DQN: JSON with each weight array as base64,
 * either float32 (exact; checkpoints) or float16 (half the bytes; what ships).
 */
import type { DenseLayer, Mlp, QNetwork } from './network.js';
import type { RegressorState } from './regressor.js';
import { ADVANTAGE_INPUTS } from './network.js';
import type { FeatureEnvelope } from './envelope.js';
import { GLOBAL_FEATURES, RUNG_FEATURES } from './features.js';
import { validateRegressorState } from './regressor.js';
import { AbrkitError } from '../core/errors.js';

export type WeightEncoding = 'f32' | 'f16';

export interface LayerFile {
  readonly inSize: number;
  readonly outSize: number;
  readonly weights: string;
  readonly bias: string;
}

export interface DqnModelFile {
  readonly format: 'abrkit-dqn';
  /** 2: the scale-free features of features.ts; 1 (absolute Mbit/s features) is refused. */
  readonly version: 2;
  readonly encoding: WeightEncoding;
  readonly globalFeatures: number;
  readonly rungFeatures: number;
  readonly advantage: readonly LayerFile[];
  readonly value: readonly LayerFile[];
  readonly regressor: RegressorState;
  /**
   * The range of every feature over the model's training distribution (envelope.ts). Required: a
   * file without one is rejected with a DqnEnvelopeMissingError, since the policy could not tell
   * when it is asked to extrapolate.
   */
  readonly envelope: FeatureEnvelope;
  /** Free-form provenance (seed, episodes, data sets); never read by the policy. */
  readonly meta?: Record<string, unknown>;
}

export interface DqnModel {
  readonly network: QNetwork;
  readonly regressor: RegressorState;
  /** Always present on a decoded model; absent on a model still in training (trainers add it when they write a file). */
  readonly envelope?: FeatureEnvelope;
}

/** A model file that cannot be used. Its code is `invalid-options`; `detail` says what is wrong. */
export class DqnModelError extends AbrkitError {
  constructor(detail: string, options?: { cause?: unknown }) {
    super('invalid-options', `dqn model: ${detail}`, options);
    this.name = 'DqnModelError';
  }
}

/** A model file with no training envelope (`envelope`): written before the guard existed, or by hand. */
export class DqnEnvelopeMissingError extends DqnModelError {
  constructor() {
    super('no training envelope (files written before abrkit stored one need `npx tsx bench/dqn-envelope.ts`)');
    this.name = 'DqnEnvelopeMissingError';
  }
}

function decodeEnvelope(raw: unknown): FeatureEnvelope {
  if (raw === undefined || raw === null) throw new DqnEnvelopeMissingError();
  const e = raw as Partial<Record<keyof FeatureEnvelope, unknown>>;
  const list = (value: unknown, length: number, what: string): number[] => {
    if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DqnModelError(`envelope.${what} must be ${length} finite numbers`);
    }
    return value as number[];
  };
  const envelope = {
    globalMin: list(e.globalMin, GLOBAL_FEATURES, 'globalMin'),
    globalMax: list(e.globalMax, GLOBAL_FEATURES, 'globalMax'),
    rungMin: list(e.rungMin, RUNG_FEATURES, 'rungMin'),
    rungMax: list(e.rungMax, RUNG_FEATURES, 'rungMax'),
  };
  envelope.globalMin.forEach((v, i) => {
    if (v > envelope.globalMax[i]) throw new DqnModelError(`envelope global feature ${i}: min ${v} > max ${envelope.globalMax[i]}`);
  });
  envelope.rungMin.forEach((v, i) => {
    if (v > envelope.rungMax[i]) throw new DqnModelError(`envelope rung feature ${i}: min ${v} > max ${envelope.rungMax[i]}`);
  });
  return envelope;
}

// --- float16 ------------------------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 from a float32, round to nearest even. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const remainder = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (remainder > halfway || (remainder === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  if (remainder > 0x1000 || (remainder === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromHalf(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// --- base64 (no Buffer, so it runs in browsers) -----------------------------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i];
    const b = i + 1 < bytes.length ? bytes[i + 1] : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2] : 0;
    const n = (a << 16) | (b << 8) | c;
    out += ALPHABET[(n >> 18) & 63] + ALPHABET[(n >> 12) & 63];
    out += i + 1 < bytes.length ? ALPHABET[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? ALPHABET[n & 63] : '=';
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new DqnModelError('base64 length is not a multiple of 4');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = new Uint8Array((text.length / 4) * 3 - padding);
  let j = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const ch = text.charCodeAt(i + k);
      const v = ch === 61 /* = */ && i + k >= text.length - padding ? 0 : ch < 128 ? LOOKUP[ch] : -1;
      if (v < 0) throw new DqnModelError(`invalid base64 character at ${i + k}`);
      n = (n << 6) | v;
    }
    if (j < bytes.length) bytes[j++] = (n >> 16) & 255;
    if (j < bytes.length) bytes[j++] = (n >> 8) & 255;
    if (j < bytes.length) bytes[j++] = n & 255;
  }
  return bytes;
}

function encodeArray(values: Float32Array, encoding: WeightEncoding): string {
  if (encoding === 'f32') {
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return bytesToBase64(bytes);
  }
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setUint16(i * 2, toHalf(v), true));
  return bytesToBase64(bytes);
}

function decodeArray(text: unknown, length: number, encoding: WeightEncoding, what: string): Float32Array {
  if (typeof text !== 'string') throw new DqnModelError(`${what} is not a base64 string`);
  const bytes = base64ToBytes(text);
  const width = encoding === 'f32' ? 4 : 2;
  if (bytes.length !== length * width) throw new DqnModelError(`${what} has ${bytes.length} bytes, expected ${length * width}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const v = encoding === 'f32' ? view.getFloat32(i * 4, true) : fromHalf(view.getUint16(i * 2, true));
    if (!Number.isFinite(v)) throw new DqnModelError(`${what}[${i}] is not finite`);
    out[i] = v;
  }
  return out;
}

function encodeMlp(mlp: Mlp, encoding: WeightEncoding): LayerFile[] {
  return mlp.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, weights: encodeArray(l.weights, encoding), bias: encodeArray(l.bias, encoding) }));
}

function decodeMlp(layers: unknown, inputs: number, encoding: WeightEncoding, what: string): Mlp {
  if (!Array.isArray(layers) || layers.length === 0) throw new DqnModelError(`${what} has no layers`);
  let expectedIn = inputs;
  const decoded: DenseLayer[] = layers.map((raw: Partial<LayerFile>, i) => {
    const { inSize, outSize } = raw ?? {};
    if (inSize !== expectedIn || !Number.isInteger(outSize) || !(outSize! > 0) || outSize! > 4096) {
      throw new DqnModelError(`${what} layer ${i} has shape ${inSize}x${outSize}, expected ${expectedIn} inputs`);
    }
    expectedIn = outSize!;
    return {
      inSize: inSize!,
      outSize: outSize!,
      weights: decodeArray(raw.weights, inSize! * outSize!, encoding, `${what} layer ${i} weights`),
      bias: decodeArray(raw.bias, outSize!, encoding, `${what} layer ${i} bias`),
    };
  });
  if (expectedIn !== 1) throw new DqnModelError(`${what} must end in one output, ends in ${expectedIn}`);
  return { layers: decoded };
}

/** Version of the model files this build writes and reads. */
export const MODEL_FILE_VERSION = 2;

/** The file form of a model. Throws a DqnEnvelopeMissingError when the model has no envelope. */
export function encodeModel(model: DqnModel, encoding: WeightEncoding, meta?: Record<string, unknown>): DqnModelFile {
  if (!model.envelope) throw new DqnEnvelopeMissingError();
  return {
    format: 'abrkit-dqn',
    version: MODEL_FILE_VERSION,
    encoding,
    globalFeatures: GLOBAL_FEATURES,
    rungFeatures: RUNG_FEATURES,
    advantage: encodeMlp(model.network.advantage, encoding),
    value: encodeMlp(model.network.value, encoding),
    regressor: model.regressor,
    envelope: model.envelope,
    ...(meta ? { meta } : {}),
  };
}

/** Parses and checks a model file (an object or its JSON text). Throws DqnModelError on anything unusable. */
export function decodeModel(input: unknown): DqnModel {
  let file: Partial<DqnModelFile>;
  try {
    file = (typeof input === 'string' ? JSON.parse(input) : input) as Partial<DqnModelFile>;
  } catch (error) {
    throw new DqnModelError('not valid JSON', { cause: error });
  }
  if (!file || file.format !== 'abrkit-dqn') throw new DqnModelError('not an abrkit-dqn file');
  if ((file.version as number) === 1) {
    throw new DqnModelError('an abrkit-dqn version 1 file: its network reads the absolute Mbit/s features this build no longer computes; retrain it (`abrkit train dqn`), or start from it with `--init`');
  }
  if (file.version !== MODEL_FILE_VERSION) throw new DqnModelError(`abrkit-dqn version ${String(file.version)}: this build reads version ${MODEL_FILE_VERSION}`);
  if (file.encoding !== 'f32' && file.encoding !== 'f16') throw new DqnModelError(`unknown encoding '${String(file.encoding)}'`);
  if (file.globalFeatures !== GLOBAL_FEATURES || file.rungFeatures !== RUNG_FEATURES) {
    throw new DqnModelError(
      `model expects ${file.globalFeatures}+${file.rungFeatures} features, this build computes ${GLOBAL_FEATURES}+${RUNG_FEATURES}`,
    );
  }
  const advantage = decodeMlp(file.advantage, ADVANTAGE_INPUTS, file.encoding, 'advantage');
  const value = decodeMlp(file.value, GLOBAL_FEATURES, file.encoding, 'value');
  let regressor: RegressorState;
  try {
    regressor = validateRegressorState(file.regressor);
  } catch (error) {
    throw new DqnModelError('regressor state is malformed', { cause: error });
  }
  const envelope = decodeEnvelope(file.envelope);
  return { network: { advantage, value }, regressor, envelope };
}
