/** BOLA (Spiteri et al.) with BOLA-E's placeholder buffer and BOLA-O's throughput cap. */
import type { AbrPolicy } from '../core/policy.js';
import type { DecisionContext } from '../core/context.js';
import type { Decision } from '../core/decision.js';
import type { Ladder } from '../core/ladder.js';
import { highestRungAtMost } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

export interface BolaOptions {
  /** Below this (effective) buffer BOLA stays on the lowest rung. */
  readonly minBufferS: number;
  /** BOLA reaches the top rung when the buffer has room for just one more segment under this target. */
  readonly bufferTargetS: number;
  /** Fraction of the predicted throughput used for the startup choice and the oscillation cap. */
  readonly safetyFactor: number;
}

export const BOLA_DEFAULTS: BolaOptions = Object.freeze({ minBufferS: 10, bufferTargetS: 30, safetyFactor: 0.9 });

/**
 * BOLA (Spiteri et al., INFOCOM'16) with the BOLA-E refinements (Spiteri et al., MMSys'18):
 *
 * - Lyapunov rule: choose the rung maximising `(V * (utility + gp) - Q) / size`, with utility
 *   `ln(bitrate / lowest) + 1`. V and gp are solved per ladder so that the lowest rung holds below
 *   `minBufferS` and the top rung is reached at `bufferTargetS - segment duration`.
 * - Placeholder buffer: at startup (and after a stall) BOLA would pick the lowest rung because the
 *   buffer is empty. BOLA-E adds a virtual "placeholder" so that the first choice matches the
 *   throughput; the placeholder is used up as real buffer replaces it.
 * - Oscillation cap (BOLA-O): never step up to a rung above what the throughput supports.
 */
export function createBolaPolicy(options: Partial<BolaOptions> = {}): AbrPolicy {
  const { minBufferS, bufferTargetS, safetyFactor } = { ...BOLA_DEFAULTS, ...options };
  if (!(minBufferS > 0) || !(bufferTargetS > minBufferS)) {
    throw invalidOptions('bola', `need 0 < minBufferS < bufferTargetS (got ${minBufferS}, ${bufferTargetS})`);
  }
  if (!(safetyFactor > 0 && safetyFactor <= 1)) throw invalidOptions('bola', `safetyFactor must be in (0, 1]`);
  let cachedLadder: Ladder | null = null;
  let params: BolaParameters | null = null;
  let placeholderS = 0;
  let lastBufferS = 0;

  return {
    name: 'bola',
    decide(context: DecisionContext): Decision {
      const { ladder, bufferS, prediction, minRungIndex, maxRungIndex, lastRungIndex } = context;
      if (ladder !== cachedLadder || params === null) {
        cachedLadder = ladder;
        params = solveBolaParameters(ladder, minBufferS, bufferTargetS);
      }
      const rateRung =
        prediction === null
          ? minRungIndex
          : highestRungAtMost(ladder, prediction.throughputBps * safetyFactor, minRungIndex, maxRungIndex);

      if (lastRungIndex === null || bufferS <= 0) {
        // Startup or just stalled: seed the placeholder so BOLA's choice equals the throughput rung.
        placeholderS = Math.max(0, params.switchUpBufferS[rateRung] - bufferS);
      } else if (bufferS > lastBufferS) {
        placeholderS = Math.max(0, placeholderS - (bufferS - lastBufferS));
      }
      lastBufferS = bufferS;

      const effectiveBufferS = bufferS + placeholderS;
      let rung = bolaRung(params, effectiveBufferS, minRungIndex, maxRungIndex);
      let cappedByThroughput = false;
      if (lastRungIndex !== null && rung > lastRungIndex && rung > rateRung) {
        rung = Math.max(lastRungIndex, rateRung);
        cappedByThroughput = true;
      }
      return {
        rungIndex: Math.min(maxRungIndex, Math.max(minRungIndex, rung)),
        reason: { kind: 'bola', effectiveBufferS, placeholderS, cappedByThroughput },
      };
    },
    reset(): void {
      placeholderS = 0;
      lastBufferS = 0;
    },
  };
}

interface BolaParameters {
  readonly utilities: readonly number[];
  readonly sizes: readonly number[];
  readonly v: number;
  readonly gp: number;
  /** Buffer level at which each rung starts to beat the rung below it (0 for the lowest). */
  readonly switchUpBufferS: readonly number[];
}

/** Solves V and gp from two indifference points; see createBolaPolicy. Sizes are nominal bitrates. */
export function solveBolaParameters(ladder: Ladder, minBufferS: number, bufferTargetS: number): BolaParameters {
  const sizes = ladder.renditions.map((r) => r.bitrateBps);
  const utilities = sizes.map((s) => Math.log(s / sizes[0]) + 1);
  const n = sizes.length;
  const topBufferS = Math.max(minBufferS, bufferTargetS - ladder.segmentDurationS);
  let v: number;
  let w: number; // w = V * gp
  if (n === 1) {
    return { utilities, sizes, v: 1, gp: 1, switchUpBufferS: [0] };
  }
  // Indifference between rungs a and b at buffer q:
  //   q * (1/S_b - 1/S_a) = V * (u_b/S_b - u_a/S_a) + W * (1/S_b - 1/S_a)
  const row = (a: number, b: number, q: number): [number, number, number] => [
    utilities[b] / sizes[b] - utilities[a] / sizes[a],
    1 / sizes[b] - 1 / sizes[a],
    q * (1 / sizes[b] - 1 / sizes[a]),
  ];
  if (n === 2 || sizes[1] === sizes[0] || sizes[n - 1] === sizes[n - 2]) {
    // One switch point only: put it midway, and let the lowest rung stop being worth fetching at the target.
    const [a1, b1, c1] = row(0, n - 1, (minBufferS + topBufferS) / 2);
    // V * u_0 + W = bufferTargetS
    const a2 = utilities[0];
    const b2 = 1;
    const c2 = bufferTargetS;
    const det = a1 * b2 - a2 * b1;
    v = (c1 * b2 - c2 * b1) / det;
    w = (a1 * c2 - a2 * c1) / det;
  } else {
    const [a1, b1, c1] = row(0, 1, minBufferS);
    const [a2, b2, c2] = row(n - 2, n - 1, topBufferS);
    const det = a1 * b2 - a2 * b1;
    v = (c1 * b2 - c2 * b1) / det;
    w = (a1 * c2 - a2 * c1) / det;
  }
  const gp = w / v;
  const switchUpBufferS = sizes.map((_, b) => {
    if (b === 0) return 0;
    const [rv, rw, rq] = row(b - 1, b, 1);
    // q * rq = V * rv + W * rw  (rq is the coefficient of q for q = 1)
    return Math.max(0, (v * rv + w * rw) / rq);
  });
  return { utilities, sizes, v, gp, switchUpBufferS };
}

function bolaRung(params: BolaParameters, bufferS: number, minRung: number, maxRung: number): number {
  let bestRung = maxRung;
  let bestScore = -Infinity;
  for (let rung = minRung; rung <= maxRung; rung++) {
    const score = (params.v * (params.utilities[rung] + params.gp) - bufferS) / params.sizes[rung];
    if (score > bestScore) {
      bestScore = score;
      bestRung = rung;
    }
  }
  // All scores negative means the buffer is past BOLA's target: any fetch should be the best one.
  return bestScore < 0 ? maxRung : bestRung;
}
