/**
 * The DQN's view of a decision, as pure functions of what a policy sees. Nothing here depends on
 * the number of rungs: the state is one "global" vector, and every candidate rung gets its own
 * vector of the same length, all expressed relative to the ladder and to the predicted throughput.
 * One absolute term is kept on purpose: the top rung's bitrate against 4.3 Mbit/s, because QoE_lin
 * charges a stall second 4.3 Mbit/s whatever the ladder, so how much a stall costs against a rung's
 * bitrate depends on the ladder's scale. A shared network scores each candidate rung, so the same
 * weights serve a 3-rung 1 Mbit/s ladder and a 12-rung 60 Mbit/s one (version 2; version 1 files used
 * absolute Mbit/s terms and are refused).
 */
import type { Ladder } from '../core/ladder.js';
import type { DownloadSample } from '../core/sample.js';
import type { ThroughputPrediction } from '../core/estimator.js';
import { segmentSizeBytes } from '../core/ladder.js';
import { sampleThroughputBps } from '../core/sample.js';

/** Samples of history the features look back over. */
export const HISTORY_FEATURES = 8;
/** Window of RobustMPC's harmonic mean and its error bound (Yin et al.; Pensieve's baselines). */
export const HARMONIC_WINDOW = 5;
/** Chunks of the "stay at this rung" lookahead (RobustMPC's horizon). */
export const LOOKAHEAD_CHUNKS = 5;

export const GLOBAL_FEATURE_NAMES = [
  'bufferS/10',
  'segmentsRemaining/60',
  'log(lastBitrate/robustBps)',
  'harmonicMaxError',
  'log(predicted/harmonic)',
  'predictedErrorRatio',
  'segmentDurationS/4',
  ...Array.from({ length: HISTORY_FEATURES }, (_, i) => `log(throughput[-${HISTORY_FEATURES - i}]/harmonic)`),
  ...Array.from({ length: HISTORY_FEATURES }, (_, i) => `downloadS[-${HISTORY_FEATURES - i}]/segmentDurationS`),
  'log(topBitrate/4.3Mbps)',
  'samples/8',
] as const;

export const RUNG_FEATURE_NAMES = [
  'rungFraction',
  'log(bitrate/topBitrate)',
  '|bitrate-lastBitrate|/topBitrate',
  'log(bitrate/robustBps)',
  'log(bitrate/predictedBps)',
  'log1p(downloadS(robust)/segmentDurationS)',
  'log1p(rebufferS(robust))',
  'log1p(rebufferS(predicted))',
  'bufferAfterS(robust)/10',
  'isLastRung',
  'bitrate/topBitrate',
  'log(bitrate/lastBitrate)',
  'log1p(rebufferS over 5 chunks at this rung (robust))',
] as const;

/** QoE_lin's stall penalty per second, in Mbit/s-equivalents (Pensieve's top rung, 4.3 Mbit/s): the scale the features and the training reward are written against. */
export const QOE_REFERENCE_TOP_BPS = 4_300_000;

export const GLOBAL_FEATURES = GLOBAL_FEATURE_NAMES.length;
export const RUNG_FEATURES = RUNG_FEATURE_NAMES.length;

/** What the features are computed from: a subset of the policy's DecisionContext plus an optional learned prediction. */
export interface FeatureInput {
  readonly ladder: Ladder;
  readonly segmentIndex: number;
  readonly segmentsRemaining: number | null;
  readonly bufferS: number;
  readonly lastRungIndex: number | null;
  /** Accepted samples, oldest first. Must hold at least one sample. */
  readonly history: readonly DownloadSample[];
  readonly minRungIndex: number;
  readonly maxRungIndex: number;
  /** A learned throughput prediction (the regressor's); when absent the harmonic mean stands in. */
  readonly prediction?: ThroughputPrediction | null;
}

export interface Features {
  readonly global: Float32Array;
  /** `rungCount * RUNG_FEATURES` values, candidate rungs `minRungIndex..maxRungIndex` in order. */
  readonly perRung: Float32Array;
  readonly minRungIndex: number;
  readonly rungCount: number;
  /** Stall each candidate would cause at the robust throughput, s (unclipped; for the safety shield). */
  readonly rebufferRobustS: Float64Array;
}

/**
 * Safety shield over the candidates: a rung is allowed when the stall it is predicted to cause (at
 * RobustMPC's discounted throughput) is at most `slackS` more than the least-stalling candidate's.
 * The network is only asked to rank allowed rungs, in training and in use, so it never has to
 * extrapolate into "every rung stalls, which stalls least?" states where a learnt value is least reliable.
 * Bit k set = candidate k allowed (at most 32 candidates are shielded; the rest are allowed).
 */
export function shieldMask(features: Features, slackS: number = SHIELD_SLACK_S): number {
  let least = Infinity;
  for (let k = 0; k < features.rungCount; k++) least = Math.min(least, features.rebufferRobustS[k]);
  let mask = 0;
  for (let k = 0; k < Math.min(32, features.rungCount); k++) {
    if (features.rebufferRobustS[k] <= least + slackS) mask |= 1 << k;
  }
  return mask;
}

/** Predicted extra stall the shield tolerates, s: one 4 s chunk's worth of hedging against a pessimistic estimate. */
export const SHIELD_SLACK_S = 1;

/** Summary of the history shared by the features and the fallbacks. */
export interface HistoryStats {
  /** Harmonic mean of the last HARMONIC_WINDOW throughputs, bit/s. */
  readonly harmonicBps: number;
  /** RobustMPC's bound: largest relative error of the harmonic mean over the last HARMONIC_WINDOW samples. */
  readonly maxErrorRatio: number;
}

function harmonicOf(throughputs: readonly number[], end: number): number {
  const start = Math.max(0, end - HARMONIC_WINDOW);
  let inverse = 0;
  for (let i = start; i < end; i++) inverse += 1 / throughputs[i];
  return (end - start) / inverse;
}

/** Harmonic mean and its recent worst relative error, computed from the history alone. */
export function historyStats(history: readonly DownloadSample[]): HistoryStats {
  const throughputs = history.map(sampleThroughputBps);
  const n = throughputs.length;
  if (n === 0) return { harmonicBps: NaN, maxErrorRatio: 0 };
  let maxErrorRatio = 0;
  for (let i = Math.max(1, n - HARMONIC_WINDOW); i < n; i++) {
    const predicted = harmonicOf(throughputs, i);
    maxErrorRatio = Math.max(maxErrorRatio, Math.abs(predicted - throughputs[i]) / throughputs[i]);
  }
  return { harmonicBps: harmonicOf(throughputs, n), maxErrorRatio };
}

const clip = (value: number, low: number, high: number): number => (value < low ? low : value > high ? high : value);

/**
 * Computes the features of one decision. Pure: the same input always gives the same numbers.
 * Throws a RangeError when the history is empty (the policy decides the first segment without the network).
 */
export function computeFeatures(input: FeatureInput): Features {
  const { ladder, history, bufferS } = input;
  if (history.length === 0) throw new RangeError('features need at least one download sample');
  const renditions = ladder.renditions;
  const top = renditions.length - 1;
  const segmentDurationS = ladder.segmentDurationS;
  const stats = historyStats(history);
  const harmonicBps = stats.harmonicBps;
  const robustBps = harmonicBps / (1 + stats.maxErrorRatio);
  const learned = input.prediction;
  const predictedBps = learned && learned.throughputBps > 0 && Number.isFinite(learned.throughputBps) ? learned.throughputBps : harmonicBps;
  const predictedError = learned && Number.isFinite(learned.errorRatio) ? learned.errorRatio : stats.maxErrorRatio;
  const lastRung = input.lastRungIndex === null ? input.minRungIndex : Math.min(top, Math.max(0, input.lastRungIndex));
  const lastBitrateBps = renditions[lastRung].bitrateBps;

  const global = new Float32Array(GLOBAL_FEATURES);
  let g = 0;
  global[g++] = clip(bufferS / 10, 0, 10);
  global[g++] = input.segmentsRemaining === null ? 1 : clip(input.segmentsRemaining / 60, 0, 1);
  global[g++] = clip(Math.log(lastBitrateBps / robustBps), -5, 5);
  global[g++] = clip(stats.maxErrorRatio, 0, 3);
  global[g++] = clip(Math.log(predictedBps / harmonicBps), -3, 3);
  global[g++] = clip(predictedError, 0, 3);
  global[g++] = segmentDurationS / 4;
  const n = history.length;
  for (let i = 0; i < HISTORY_FEATURES; i++) {
    const sample = history[n - HISTORY_FEATURES + i];
    global[g + i] = sample ? clip(Math.log(sampleThroughputBps(sample) / harmonicBps), -3, 3) : 0;
    global[g + HISTORY_FEATURES + i] = sample ? clip(sample.durationMs / 1000 / segmentDurationS, 0, 5) : 0;
  }
  g += 2 * HISTORY_FEATURES;
  global[g++] = clip(Math.log(renditions[top].bitrateBps / QOE_REFERENCE_TOP_BPS), -5, 5);
  global[g++] = Math.min(n, HISTORY_FEATURES) / HISTORY_FEATURES;

  const minRung = input.minRungIndex;
  const rungCount = input.maxRungIndex - minRung + 1;
  const perRung = new Float32Array(rungCount * RUNG_FEATURES);
  const rebufferRobust = new Float64Array(rungCount);
  const topBitrateBps = renditions[top].bitrateBps;
  for (let k = 0; k < rungCount; k++) {
    const rung = minRung + k;
    const bitrateBps = renditions[rung].bitrateBps;
    const bits = segmentSizeBytes(ladder, input.segmentIndex, rung) * 8;
    const downloadRobustS = bits / robustBps;
    const downloadPredictedS = bits / predictedBps;
    // Stay at this rung for the next chunks at the robust throughput: how much would stall?
    let lookBufferS = bufferS;
    let lookRebufferS = 0;
    const chunks = input.segmentsRemaining === null ? LOOKAHEAD_CHUNKS : Math.max(1, Math.min(LOOKAHEAD_CHUNKS, input.segmentsRemaining));
    for (let c = 0; c < chunks; c++) {
      const dt = (segmentSizeBytes(ladder, input.segmentIndex + c, rung) * 8) / robustBps;
      if (dt > lookBufferS) {
        lookRebufferS += dt - lookBufferS;
        lookBufferS = 0;
      } else lookBufferS -= dt;
      lookBufferS += segmentDurationS;
    }
    const o = k * RUNG_FEATURES;
    perRung[o] = top === 0 ? 0 : rung / top;
    perRung[o + 1] = clip(Math.log(bitrateBps / topBitrateBps), -8, 0);
    perRung[o + 2] = Math.abs(bitrateBps - lastBitrateBps) / topBitrateBps;
    perRung[o + 3] = clip(Math.log(bitrateBps / robustBps), -5, 5);
    perRung[o + 4] = clip(Math.log(bitrateBps / predictedBps), -5, 5);
    // log1p, not a clip: on a link too slow for any rung the stalls still order the rungs.
    const rebufferRobustS = Math.max(downloadRobustS - bufferS, 0);
    rebufferRobust[k] = rebufferRobustS;
    perRung[o + 5] = clip(Math.log1p(downloadRobustS / segmentDurationS), 0, 10);
    perRung[o + 6] = clip(Math.log1p(rebufferRobustS), 0, 10);
    perRung[o + 7] = clip(Math.log1p(Math.max(downloadPredictedS - bufferS, 0)), 0, 10);
    perRung[o + 8] = clip((Math.max(bufferS - downloadRobustS, 0) + segmentDurationS) / 10, 0, 10);
    perRung[o + 9] = rung === lastRung ? 1 : 0;
    perRung[o + 10] = bitrateBps / topBitrateBps;
    perRung[o + 11] = clip(Math.log(bitrateBps / lastBitrateBps), -5, 5);
    perRung[o + 12] = clip(Math.log1p(lookRebufferS), 0, 10);
  }
  return { global, perRung, minRungIndex: minRung, rungCount, rebufferRobustS: rebufferRobust };
}
