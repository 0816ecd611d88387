/** A seeded synthetic video: a ladder with segment sizes varying around each rung's bitrate. */
import type { SimVideo } from './ladder-parsers.js';
import { createPrng, gaussian } from './prng.js';
import { invalidOptions } from '../core/errors.js';

export interface SyntheticVideoOptions {
  readonly bitratesKbps: readonly number[];
  readonly segmentDurationS: number;
  readonly segments: number;
  readonly seed: number;
  /** Standard deviation of ln(segment size / nominal): scene complexity, shared by all rungs of a segment. */
  readonly vbrSigma: number;
  readonly name: string;
}

/** Pensieve's ladder and chunking: the embedded default video, so nothing outside the repo is needed. */
export const DEFAULT_SYNTHETIC_VIDEO: SyntheticVideoOptions = Object.freeze({
  bitratesKbps: [300, 750, 1200, 1850, 2850, 4300],
  segmentDurationS: 4,
  segments: 49,
  seed: 1,
  vbrSigma: 0.25,
  name: 'synthetic-pensieve-ladder',
});

/**
 * A seeded VBR video: each segment's size is its rung's nominal size times a per-segment complexity
 * factor (log-normal, mean 1) common to all rungs, plus a little per-rung noise, as encoders produce.
 */
export function createSyntheticVideo(options: Partial<SyntheticVideoOptions> = {}): SimVideo {
  const o = { ...DEFAULT_SYNTHETIC_VIDEO, ...options };
  if (!(o.segments >= 1) || !(o.segmentDurationS > 0) || o.bitratesKbps.length === 0) {
    throw invalidOptions('synthetic-video', 'need at least one segment, one rung and a positive duration');
  }
  const random = createPrng(o.seed);
  const meanCorrection = Math.exp((-o.vbrSigma * o.vbrSigma) / 2);
  const segmentSizesBytes: number[][] = [];
  for (let s = 0; s < o.segments; s++) {
    const complexity = Math.exp(o.vbrSigma * gaussian(random)) * meanCorrection;
    segmentSizesBytes.push(
      o.bitratesKbps.map((kbps) => Math.max(1000, Math.round(((kbps * 1000 * o.segmentDurationS) / 8) * complexity * (1 + 0.03 * gaussian(random))))),
    );
  }
  return {
    name: o.name,
    renditions: o.bitratesKbps.map((kbps, i) => ({ id: String(i), bitrateBps: kbps * 1000 })),
    segmentDurationS: o.segmentDurationS,
    segmentSizesBytes,
  };
}
