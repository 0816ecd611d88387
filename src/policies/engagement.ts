/**
 * The engagement model: the chance a session ends within a horizon, from what the session has seen
 * (watch time so far, pauses, seeks, visibility changes). A discrete-time logistic hazard, small
 * enough to ship in the browser bundle and to fit from telemetry (`abrkit train engagement`).
 */
import { invalidOptions } from '../core/errors.js';

/** What a session has seen so far: the model's inputs. */
export interface EngagementFeatures {
  /** Media played so far in this session, s. */
  readonly watchedS: number;
  readonly pauses: number;
  readonly seeks: number;
  /** Times the page went hidden. */
  readonly hides: number;
}

/**
 * `P(exit within the next intervalS | features) = sigmoid(bias + w · x)` with
 * `x = [ln(1 + watchedS), pauses, seeks, hides]`. A horizon of h seconds is `h / intervalS`
 * intervals at the same hazard (the hazard of a heavy-tailed exit time falls with watch time, so
 * holding it fixed over the horizon overstates the exit chance: the cautious side for bytes, not QoE).
 */
export interface EngagementModel {
  readonly format: 'abrkit-engagement';
  readonly version: 1;
  readonly intervalS: number;
  readonly bias: number;
  readonly weights: {
    readonly logWatched: number;
    readonly pauses: number;
    readonly seeks: number;
    readonly hides: number;
  };
  /** Where the numbers come from (a file name, "default"). */
  readonly source?: string;
  /** Sessions and intervals it was fitted on. */
  readonly sessions?: number;
  readonly intervals?: number;
}

/**
 * The shipped default: fitted (`abrkit train engagement --synthetic default --out <file>`) on 4,000 sessions of the
 * simulator's `default` viewer model (src/sim/viewers.ts, seed 7, not a seed the evaluation uses),
 * whose exit time is Lomax (alpha 0.8, scale 30 s: median 41 s, a heavy tail). It is a stand-in for
 * real audiences until a fit on your own telemetry replaces it. (Pauses and hides come out as signs of
 * a longer session there only because long sessions have more of them; real data may say otherwise.)
 */
export const DEFAULT_ENGAGEMENT_MODEL: EngagementModel = Object.freeze({
  format: 'abrkit-engagement',
  version: 1,
  intervalS: 4,
  bias: -1.9176,
  weights: Object.freeze({ logWatched: -0.3308, pauses: -0.2598, seeks: 0, hides: -0.1111 }),
  source: 'default (simulated viewers, seed 7)',
  sessions: 4000,
  intervals: 74803,
}) as EngagementModel;

export function engagementInputs(f: EngagementFeatures): [number, number, number, number] {
  return [Math.log1p(Math.max(0, f.watchedS)), f.pauses, f.seeks, f.hides];
}

/** P(the session ends within the next `intervalS`). */
export function intervalExitProbability(model: EngagementModel, f: EngagementFeatures): number {
  const [lw, p, s, h] = engagementInputs(f);
  const w = model.weights;
  const z = model.bias + w.logWatched * lw + w.pauses * p + w.seeks * s + w.hides * h;
  return 1 / (1 + Math.exp(-z));
}

/** P(the session ends within `horizonS` from now). */
export function exitProbability(model: EngagementModel, f: EngagementFeatures, horizonS: number): number {
  if (!(horizonS > 0)) return 0;
  const p = intervalExitProbability(model, f);
  return 1 - Math.pow(1 - p, horizonS / model.intervalS);
}

/**
 * The longest horizon over which the session survives with at least `minSurvival` probability
 * (Infinity when the hazard is 0).
 */
export function likelyWatchHorizonS(model: EngagementModel, f: EngagementFeatures, minSurvival: number): number {
  const p = intervalExitProbability(model, f);
  if (p <= 0) return Infinity;
  if (p >= 1) return 0;
  return (model.intervalS * Math.log(minSurvival)) / Math.log(1 - p);
}

/** Reads an engagement model file's text; a bad one throws `invalid-options` naming the file. */
export function parseEngagementModel(text: string, name: string): EngagementModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidOptions('engagement model', `${name}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const m = value as Partial<EngagementModel> | null;
  const w = m?.weights as Partial<EngagementModel['weights']> | undefined;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!m || m.format !== 'abrkit-engagement' || m.version !== 1) throw invalidOptions('engagement model', `${name}: not an abrkit-engagement version 1 model`);
  if (!(finite(m.intervalS) && m.intervalS > 0) || !finite(m.bias) || !w || !finite(w.logWatched) || !finite(w.pauses) || !finite(w.seeks) || !finite(w.hides)) {
    throw invalidOptions('engagement model', `${name}: intervalS (> 0), bias and weights.{logWatched,pauses,seeks,hides} must be finite numbers`);
  }
  return m as EngagementModel;
}
