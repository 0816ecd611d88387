/**
 * Random ladders and networks for training, so the network reads rungs from their features, not
 * their index, and one set of weights fits any scale: a ladder from 1 to 60 Mbit/s at the top, and a
 * trace scaled so its mean lands anywhere from below the lowest rung to above the top one.
 */
import type { SimVideo } from '../../sim/ladder-parsers.js';
import type { Trace } from '../../sim/trace.js';
import { traceMeanMbps } from '../../sim/trace.js';
import { synthesizeTrace } from '../../sim/synth.js';
import { PENSIEVE_CONSTANTS } from '../../sim/pensieve-env.js';
import { QOE_REFERENCE_TOP_BPS } from '../../learned/features.js';
import { SeededRandom } from './random.js';

/** The ranges random ladders are drawn from (issue #13: what real ladders span, SD to 4K). */
export const SYNTHETIC_LADDER_RANGE = Object.freeze({
  minRungs: 3,
  maxRungs: 12,
  minTopMbps: 1,
  maxTopMbps: 60,
  /** Bitrate ratio between neighbouring rungs (real ladders: about 1.3x to 2.5x). */
  minStep: 1.3,
  maxStep: 2.5,
  /**
   * The lowest rung never goes below this, Mbit/s (no real ladder starts lower; a 2 s segment of it,
   * at its simplest, stays above the 16 kB under which samples are rejected as uninformative).
   */
  minBottomMbps: 0.1,
  segmentDurationsS: [2, 4, 6] as readonly number[],
});

/**
 * A random ladder: 3-12 rungs, a top rung log-uniform in 1-60 Mbit/s, each rung 1.3x-2.5x the one
 * below (drawn per rung), 2, 4 or 6 s segments, segment sizes varying around the nominal bitrate
 * with content complexity (VBR).
 */
export function syntheticVideo(random: SeededRandom, segments = PENSIEVE_CONSTANTS.chunkCount + 1): SimVideo {
  const r = SYNTHETIC_LADDER_RANGE;
  const rungs = r.minRungs + random.int(r.maxRungs - r.minRungs + 1);
  const topKbps = 1000 * r.minTopMbps * (r.maxTopMbps / r.minTopMbps) ** random.next();
  const kbps = [topKbps];
  while (kbps.length < rungs) {
    const next = kbps[kbps.length - 1]! / (r.minStep + random.next() * (r.maxStep - r.minStep));
    if (next < r.minBottomMbps * 1000) break;
    kbps.push(next);
  }
  kbps.reverse();
  const segmentDurationS = r.segmentDurationsS[random.int(r.segmentDurationsS.length)]!;
  const bitrates = kbps.map((k) => Math.round(k) * 1000);
  const sizes: number[][] = [];
  for (let s = 0; s < segments; s++) {
    const complexity = Math.exp((random.next() - 0.5) * 0.6);
    sizes.push(bitrates.map((bps) => Math.max(1000, Math.round(((bps * segmentDurationS) / 8) * complexity * Math.exp((random.next() - 0.5) * 0.1)))));
  }
  return {
    name: `synthetic-${bitrates.length}`,
    renditions: bitrates.map((bitrateBps, i) => ({ id: String(i), bitrateBps })),
    segmentDurationS,
    segmentSizesBytes: sizes,
  };
}

/** A trace with every throughput multiplied by `factor`. */
export function scaleTrace(trace: Trace, factor: number): Trace {
  return { ...trace, name: `${trace.name}x${factor.toFixed(2)}`, mbps: trace.mbps.map((m) => m * factor) };
}

/** Share of synthetic-ladder sessions played on a generated LTE-like or broadband-like trace instead of a training one. */
export const SYNTHETIC_NETWORK_SHARE = 0.3;

/** One training session on a random ladder: the ladder, the network scaled to it, and the reward scale for it. */
export interface SyntheticEpisode {
  readonly trace: Trace;
  readonly video: SimVideo;
  /**
   * Reward multiplier for this ladder (training only): QoE_lin's terms are in absolute Mbit/s, so a
   * 60 Mbit/s ladder's returns are ~14 times a 4.3 Mbit/s one's; scaled by 4.3 Mbit/s over the top
   * rung they weigh alike, while the stall penalty keeps its real weight against the bitrates.
   */
  readonly rewardFactor: number;
}

/**
 * A random ladder with a network to match: a training trace (or, with SYNTHETIC_NETWORK_SHARE, a
 * generated `lte-drive` or `congested-wifi` one), scaled so its mean throughput is log-uniform
 * between half the lowest rung and one and a half times the top rung.
 */
export function syntheticEpisode(random: SeededRandom, traces: readonly Trace[]): SyntheticEpisode {
  const video = syntheticVideo(random);
  const durationS = video.segmentSizesBytes.length * video.segmentDurationS + 60;
  const base =
    random.next() < SYNTHETIC_NETWORK_SHARE
      ? synthesizeTrace({ profile: random.next() < 0.5 ? 'lte-drive' : 'congested-wifi', seed: random.int(1 << 30), durationS })
      : traces[random.int(traces.length)]!;
  const renditions = video.renditions;
  const lowMbps = (0.5 * renditions[0]!.bitrateBps) / 1e6;
  const highMbps = (1.5 * renditions[renditions.length - 1]!.bitrateBps) / 1e6;
  const targetMbps = lowMbps * (highMbps / lowMbps) ** random.next();
  const meanMbps = traceMeanMbps(base);
  const trace = meanMbps > 0 ? scaleTrace(base, targetMbps / meanMbps) : base;
  return { trace, video, rewardFactor: QOE_REFERENCE_TOP_BPS / renditions[renditions.length - 1]!.bitrateBps };
}
