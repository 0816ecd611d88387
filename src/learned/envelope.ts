/**
 * The training envelope of a DQN model: the range every feature the network sees took over the
 * model's own training distribution. A decision whose inputs fall outside it asks the network to
 * extrapolate (a 4K ladder for a model trained on ladders topping out near 4.3 Mbit/s), so the
 * policy hands it to RobustMPC instead and says so in the decision's reason.
 */
import type { Features } from './features.js';
import { GLOBAL_FEATURE_NAMES, GLOBAL_FEATURES, RUNG_FEATURE_NAMES, RUNG_FEATURES } from './features.js';
import { allowed } from './network.js';

/** Per-feature bounds, in the features' own (already normalised) units. */
export interface FeatureEnvelope {
  readonly globalMin: readonly number[];
  readonly globalMax: readonly number[];
  readonly rungMin: readonly number[];
  readonly rungMax: readonly number[];
}

/** The first feature found outside the envelope. `rungIndex` is null for a global feature. */
export interface EnvelopeViolation {
  readonly feature: string;
  readonly rungIndex: number | null;
  readonly value: number;
  readonly min: number;
  readonly max: number;
}

export interface EnvelopeAccumulator {
  add(features: Features): void;
  /** Decisions seen so far. */
  count(): number;
  /**
   * The envelope seen, each range widened by `marginFraction` of its width on both sides (float16
   * rounding of the inputs, and values a finite sample just missed). Throws if nothing was added.
   */
  envelope(marginFraction: number): FeatureEnvelope;
}

export function createEnvelopeAccumulator(): EnvelopeAccumulator {
  const gMin = new Array<number>(GLOBAL_FEATURES).fill(Infinity);
  const gMax = new Array<number>(GLOBAL_FEATURES).fill(-Infinity);
  const rMin = new Array<number>(RUNG_FEATURES).fill(Infinity);
  const rMax = new Array<number>(RUNG_FEATURES).fill(-Infinity);
  let n = 0;
  const widen = (lo: number[], hi: number[], m: number) =>
    lo.map((l, i) => {
      const pad = (hi[i] - l) * m;
      return [l - pad, hi[i] + pad] as const;
    });
  return {
    add(features) {
      n++;
      for (let i = 0; i < GLOBAL_FEATURES; i++) {
        const v = features.global[i];
        if (v < gMin[i]) gMin[i] = v;
        if (v > gMax[i]) gMax[i] = v;
      }
      for (let k = 0; k < features.rungCount; k++) {
        for (let i = 0; i < RUNG_FEATURES; i++) {
          const v = features.perRung[k * RUNG_FEATURES + i];
          if (v < rMin[i]) rMin[i] = v;
          if (v > rMax[i]) rMax[i] = v;
        }
      }
    },
    count: () => n,
    envelope(marginFraction) {
      if (n === 0) throw new RangeError('envelope: no decisions seen');
      const g = widen(gMin, gMax, marginFraction);
      const r = widen(rMin, rMax, marginFraction);
      return { globalMin: g.map((x) => x[0]), globalMax: g.map((x) => x[1]), rungMin: r.map((x) => x[0]), rungMax: r.map((x) => x[1]) };
    },
  };
}

/**
 * The first feature outside the envelope, or null when the decision is inside it. Global features
 * are checked, and the per-rung features of the candidates `mask` allows (the only scores the
 * policy compares; bit k = candidate k, as `shieldMask` returns).
 */
export function envelopeViolation(envelope: FeatureEnvelope, features: Features, mask: number): EnvelopeViolation | null {
  const { globalMin, globalMax, rungMin, rungMax } = envelope;
  for (let i = 0; i < GLOBAL_FEATURES; i++) {
    const v = features.global[i];
    if (v < globalMin[i] || v > globalMax[i]) return { feature: GLOBAL_FEATURE_NAMES[i], rungIndex: null, value: v, min: globalMin[i], max: globalMax[i] };
  }
  for (let k = 0; k < features.rungCount; k++) {
    if (!allowed(mask, k)) continue;
    for (let i = 0; i < RUNG_FEATURES; i++) {
      const v = features.perRung[k * RUNG_FEATURES + i];
      if (v < rungMin[i] || v > rungMax[i]) return { feature: RUNG_FEATURE_NAMES[i], rungIndex: features.minRungIndex + k, value: v, min: rungMin[i], max: rungMax[i] };
    }
  }
  return null;
}
