/**
 * Simulated viewers: seeded scripts of when a viewer leaves, pauses and hides the tab, from a small
 * model (heavy-tailed exit times, Poisson pauses and hides with log-normal lengths).
 */
import { invalidOptions } from '../core/errors.js';
import { createPrng, gaussian } from './prng.js';

/** A viewer population. Times are wall-clock seconds from the session's first request. */
export interface ViewerModel {
  readonly name: string;
  /** Exit time is Lomax (Pareto II): `P(T > t) = (1 + t / exitScaleS)^-exitShape`; shape < 1 is a heavy tail. */
  readonly exitShape: number;
  readonly exitScaleS: number;
  /** Pauses start as a Poisson process at this rate while the session lasts, per minute. */
  readonly pausesPerMin: number;
  /** Pause lengths are log-normal: median and the log's standard deviation. */
  readonly pauseMedianS: number;
  readonly pauseSigma: number;
  /** Tab hides, the same way. */
  readonly hidesPerMin: number;
  readonly hideMedianS: number;
  readonly hideSigma: number;
}

/**
 * The `default` population. Made up, not measured: a median watch of 41 s with a tail (about one
 * in five watches a 3-minute video to its end), a pause every 5 minutes (median 20 s), a tab hide
 * every 3 minutes (median 30 s). Change it with a JSON file (`abrkit eval --viewers model.json`).
 */
export const DEFAULT_VIEWER_MODEL: ViewerModel = Object.freeze({
  name: 'default',
  exitShape: 0.8,
  exitScaleS: 30,
  pausesPerMin: 0.2,
  pauseMedianS: 20,
  pauseSigma: 1,
  hidesPerMin: 1 / 3,
  hideMedianS: 30,
  hideSigma: 1,
});

export const VIEWER_MODELS: Readonly<Record<string, ViewerModel>> = Object.freeze({ default: DEFAULT_VIEWER_MODEL });

/** An interval of wall time, s. */
export interface Interval {
  readonly startS: number;
  readonly endS: number;
}

/** One viewer's session, fixed in advance so that every policy meets the same viewer. */
export interface ViewerScript {
  /** When the viewer leaves (Infinity: watches to the end). */
  readonly exitAtS: number;
  /** Sorted, non-overlapping. */
  readonly pauses: readonly Interval[];
  readonly hides: readonly Interval[];
}

export function validateViewerModel(m: ViewerModel): ViewerModel {
  const positive = ['exitShape', 'exitScaleS', 'pauseMedianS', 'hideMedianS'] as const;
  for (const k of positive) if (!(m[k] > 0) || !Number.isFinite(m[k])) throw invalidOptions('viewer model', `${k} must be a positive number`);
  for (const k of ['pausesPerMin', 'hidesPerMin', 'pauseSigma', 'hideSigma'] as const) {
    if (!(m[k] >= 0) || !Number.isFinite(m[k])) throw invalidOptions('viewer model', `${k} must be a number >= 0`);
  }
  return m;
}

/** A viewer model from a JSON file's text; fields not given take the default's values. */
export function parseViewerModel(text: string, name: string): ViewerModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidOptions('viewer model', `${name}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidOptions('viewer model', `${name}: not a JSON object`);
  return validateViewerModel({ ...DEFAULT_VIEWER_MODEL, name, ...(value as Partial<ViewerModel>) });
}

/** The script of viewer `index` for a seed: the same (seed, index) always gives the same viewer. */
export function sampleViewer(model: ViewerModel, seed: number, index: number): ViewerScript {
  const random = createPrng((seed * 0x9e3779b1 + index * 0x85ebca6b) >>> 0);
  random();
  const u = random();
  const exitAtS = model.exitScaleS * (Math.pow(1 - u, -1 / model.exitShape) - 1);
  // Events are drawn over a long enough span; what falls after the exit is dropped.
  const spanS = Math.min(exitAtS, 24 * 3600);
  const draw = (perMin: number, medianS: number, sigma: number): Interval[] => {
    const out: Interval[] = [];
    if (!(perMin > 0)) return out;
    let tS = 0;
    for (;;) {
      tS += -Math.log(Math.max(random(), Number.EPSILON)) * (60 / perMin);
      if (tS >= spanS) return out;
      const lengthS = medianS * Math.exp(sigma * gaussian(random));
      out.push({ startS: tS, endS: tS + lengthS });
      tS += lengthS;
    }
  };
  return {
    exitAtS,
    pauses: draw(model.pausesPerMin, model.pauseMedianS, model.pauseSigma),
    hides: draw(model.hidesPerMin, model.hideMedianS, model.hideSigma),
  };
}

/** Whether `tS` falls inside one of the (sorted) intervals. */
export function inIntervals(intervals: readonly Interval[], tS: number): boolean {
  for (const i of intervals) {
    if (i.startS > tS) return false;
    if (tS < i.endS) return true;
  }
  return false;
}

/** Intervals that started at or before `tS`. */
export function startedBefore(intervals: readonly Interval[], tS: number): number {
  let n = 0;
  for (const i of intervals) if (i.startS <= tS) n++;
  return n;
}

/** The first interval boundary strictly after `tS` (Infinity if none). */
export function nextBoundaryS(intervals: readonly Interval[], tS: number): number {
  for (const i of intervals) {
    if (i.startS > tS) return i.startS;
    if (i.endS > tS) return i.endS;
  }
  return Infinity;
}
