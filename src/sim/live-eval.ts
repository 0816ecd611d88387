/**
 * Evaluation in the simulator's live mode: every policy over every trace, live, with the live QoE
 * (src/qoe/live.ts) per session and its means per policy.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { PolicySpec } from './evaluate.js';
import { mean, median } from './evaluate.js';
import { runLiveSession, LIVE_SIM_DEFAULTS, type LiveSimOptions } from './live-session.js';
import { summarizeLiveSession, type LiveQoeOptions, type LiveSessionMetrics } from '../qoe/live.js';
import { AbrController } from '../core/controller.js';
import { ManualClock } from '../core/clock.js';
import { invalidOptions } from '../core/errors.js';

export interface LiveEvaluateOptions {
  readonly policies: readonly PolicySpec[];
  readonly live?: Partial<LiveSimOptions>;
  readonly qoe?: Partial<LiveQoeOptions>;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface LiveTraceResult extends LiveSessionMetrics {
  readonly policy: string;
  readonly trace: string;
}

export interface LivePolicySummary extends LiveSessionMetrics {
  readonly policy: string;
  readonly traces: number;
  readonly qoeMedian: number;
}

export interface LiveEvaluationResult {
  readonly mode: 'live';
  readonly video: string;
  readonly targetLatencyS: number;
  readonly summary: readonly LivePolicySummary[];
  readonly perTrace: readonly LiveTraceResult[];
}

export function evaluateLive(video: SimVideo, traces: readonly Trace[], options: LiveEvaluateOptions): LiveEvaluationResult {
  if (traces.length === 0) throw invalidOptions('evaluate', 'no traces to evaluate');
  const perTrace: LiveTraceResult[] = [];
  const total = traces.length * options.policies.length;
  let done = 0;
  for (const spec of options.policies) {
    const clock = new ManualClock();
    const controller = new AbrController({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock });
    for (const trace of traces) {
      controller.reset();
      clock.restart();
      const record = runLiveSession(trace, video, controller, clock, options.live);
      perTrace.push({ policy: spec.name, trace: trace.name, ...summarizeLiveSession(record, options.qoe) });
      options.onProgress?.(++done, total, spec.name);
    }
  }
  const summary = options.policies.map(({ name }): LivePolicySummary => {
    const rows = perTrace.filter((r) => r.policy === name);
    const keys = Object.keys(rows[0]!).filter((k) => typeof rows[0]![k as keyof LiveTraceResult] === 'number') as (keyof LiveSessionMetrics)[];
    const means = Object.fromEntries(keys.map((k) => [k, mean(rows.map((r) => r[k]).filter((v) => !Number.isNaN(v)))])) as unknown as LiveSessionMetrics;
    return { policy: name, traces: rows.length, ...means, qoeMedian: median(rows.map((r) => r.qoe)) };
  });
  const targetLatencyS = options.live?.targetLatencyS ?? LIVE_SIM_DEFAULTS.targetLatencyS;
  return { mode: 'live', video: video.name, targetLatencyS, summary, perTrace };
}
