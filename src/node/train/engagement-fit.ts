/**
 * Fits the engagement model: logistic regression of "the session ends in this interval" on the
 * interval's inputs, by Newton's method with a small ridge penalty (5 parameters, so exact steps are cheap).
 */
import type { EngagementModel } from '../../policies/engagement.js';
import type { EngagementRow } from '../../sim/engagement-data.js';
import { invalidOptions } from '../../core/errors.js';

export interface EngagementFitOptions {
  readonly intervalS: number;
  /** Ridge penalty on the weights (not the bias). */
  readonly l2: number;
  readonly iterations: number;
  readonly source?: string;
  readonly sessions?: number;
}

export const ENGAGEMENT_FIT_DEFAULTS = Object.freeze({ l2: 1e-3, iterations: 30 });

export function fitEngagementModel(rows: readonly EngagementRow[], options: Partial<EngagementFitOptions> & { intervalS: number }): EngagementModel {
  const { l2, iterations } = { ...ENGAGEMENT_FIT_DEFAULTS, ...options };
  if (rows.length === 0) throw invalidOptions('train engagement', 'no intervals to fit');
  if (!rows.some((r) => r.exited)) throw invalidOptions('train engagement', 'no session ended before its video did: nothing to learn exits from');
  const d = rows[0]!.x.length + 1;
  const beta = new Array<number>(d).fill(0);
  const exits = rows.filter((r) => r.exited).length;
  beta[0] = Math.log(exits / (rows.length - exits || 1));
  for (let it = 0; it < iterations; it++) {
    const grad = new Array<number>(d).fill(0);
    const hess = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (const row of rows) {
      const x = [1, ...row.x];
      let z = 0;
      for (let j = 0; j < d; j++) z += beta[j]! * x[j]!;
      const p = 1 / (1 + Math.exp(-z));
      const w = p * (1 - p);
      const y = row.exited ? 1 : 0;
      for (let j = 0; j < d; j++) {
        grad[j]! += (p - y) * x[j]!;
        for (let k = 0; k < d; k++) hess[j]![k]! += w * x[j]! * x[k]!;
      }
    }
    for (let j = 1; j < d; j++) {
      grad[j]! += l2 * rows.length * beta[j]!;
      hess[j]![j]! += l2 * rows.length;
    }
    const step = solve(hess, grad);
    let size = 0;
    for (let j = 0; j < d; j++) {
      beta[j]! -= step[j]!;
      size = Math.max(size, Math.abs(step[j]!));
    }
    if (size < 1e-8) break;
  }
  const round = (v: number) => Math.round(v * 1e4) / 1e4 || 0;
  return {
    format: 'abrkit-engagement',
    version: 1,
    intervalS: options.intervalS,
    bias: round(beta[0]!),
    weights: { logWatched: round(beta[1]!), pauses: round(beta[2]!), seeks: round(beta[3]!), hides: round(beta[4]!) },
    ...(options.source ? { source: options.source } : {}),
    ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
    intervals: rows.length,
  };
}

/** Mean log-loss of a model's interval predictions: how well it predicts exits (lower is better). */
export function engagementLogLoss(rows: readonly EngagementRow[], model: EngagementModel): number {
  const w = model.weights;
  let loss = 0;
  for (const r of rows) {
    const [lw, p, s, h] = r.x as [number, number, number, number];
    const q = 1 / (1 + Math.exp(-(model.bias + w.logWatched * lw + w.pauses * p + w.seeks * s + w.hides * h)));
    const c = Math.min(1 - 1e-12, Math.max(1e-12, r.exited ? q : 1 - q));
    loss -= Math.log(c);
  }
  return loss / rows.length;
}

/** Gaussian elimination with partial pivoting; a singular direction gets a zero step. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const v = m[c]![c]!;
    if (Math.abs(v) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / v;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}
