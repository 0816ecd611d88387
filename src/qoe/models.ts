/**
 * QoE models (QoE_lin, QoE_log, QoE_hd): per-chunk utility, rebuffering and smoothness penalties.
 */
import type { Ladder } from '../core/ladder.js';
import { invalidOptions } from '../core/errors.js';

export type QoeName = 'lin' | 'log' | 'hd';

/**
 * A per-chunk QoE: `utility(rung) - rebufferPenalty * rebufferS - smoothPenalty * |utility - previousUtility|`.
 * Utilities are kept as integers-where-possible "units" and divided once (`unitDivisor`), so that
 * QoE_lin is computed exactly as Pensieve does (`kbps / 1000`) and ties break the same way.
 */
export interface QoeModel {
  readonly name: QoeName;
  /** Utility of each rung, in units; the utility proper is `units / unitDivisor`. */
  readonly utilityUnits: readonly number[];
  readonly unitDivisor: number;
  /** Penalty per second of rebuffering, in utility. */
  readonly rebufferPenalty: number;
  /** Penalty per unit of utility change between consecutive chunks. */
  readonly smoothPenalty: number;
}

export interface QoeOptions {
  readonly rebufferPenalty?: number;
  readonly smoothPenalty?: number;
}

/** Pensieve's constants: QoE_lin penalises rebuffering by 4.3 (its top bitrate, Mbps) per second. */
export const QOE_DEFAULT_PENALTIES: Readonly<Record<QoeName, { rebufferPenalty: number; smoothPenalty: number }>> =
  Object.freeze({
    lin: { rebufferPenalty: 4.3, smoothPenalty: 1 },
    log: { rebufferPenalty: 2.66, smoothPenalty: 1 },
    hd: { rebufferPenalty: 8, smoothPenalty: 1 },
  });

/** The Pensieve paper's QoE_hd utilities for its 300..4300 kbps ladder, used as a curve over bitrate. */
const HD_UTILITY_CURVE: readonly (readonly [kbps: number, utility: number])[] = [
  [300, 1],
  [750, 2],
  [1200, 3],
  [1850, 12],
  [2850, 15],
  [4300, 20],
];

/** QoE_hd for any ladder: piecewise-linear in bitrate through the paper's points, flat beyond them. */
function hdUtility(kbps: number): number {
  const first = HD_UTILITY_CURVE[0];
  if (kbps <= first[0]) return first[1];
  for (let i = 1; i < HD_UTILITY_CURVE.length; i++) {
    const [x1, y1] = HD_UTILITY_CURVE[i];
    if (kbps <= x1) {
      const [x0, y0] = HD_UTILITY_CURVE[i - 1];
      return y0 + ((y1 - y0) * (kbps - x0)) / (x1 - x0);
    }
  }
  return HD_UTILITY_CURVE[HD_UTILITY_CURVE.length - 1][1];
}

export function createQoeModel(name: QoeName, ladder: Ladder, options: QoeOptions = {}): QoeModel {
  const defaults = QOE_DEFAULT_PENALTIES[name];
  if (!defaults) throw invalidOptions('qoe', `unknown QoE '${String(name)}' (expected lin, log or hd)`);
  const rebufferPenalty = options.rebufferPenalty ?? defaults.rebufferPenalty;
  const smoothPenalty = options.smoothPenalty ?? defaults.smoothPenalty;
  if (!(rebufferPenalty >= 0) || !(smoothPenalty >= 0)) throw invalidOptions('qoe', 'penalties must be >= 0');
  const kbps = ladder.renditions.map((r) => r.bitrateBps / 1000);
  const model = (utilityUnits: number[], unitDivisor: number): QoeModel =>
    Object.freeze({ name, utilityUnits, unitDivisor, rebufferPenalty, smoothPenalty });
  switch (name) {
    case 'lin':
      return model(kbps, 1000);
    case 'log':
      return model(
        kbps.map((k) => Math.log(k / kbps[0])),
        1,
      );
    case 'hd':
      return model(kbps.map(hdUtility), 1);
  }
}

/** QoE of one chunk. `previousRung` is the rung of the chunk before (the first chunk's is a convention). */
export function chunkQoe(model: QoeModel, rung: number, previousRung: number, rebufferS: number): number {
  const units = model.utilityUnits;
  return (
    units[rung] / model.unitDivisor -
    model.rebufferPenalty * rebufferS -
    (model.smoothPenalty * Math.abs(units[rung] - units[previousRung])) / model.unitDivisor
  );
}
