/**
 * Evaluation in the simulator: every policy over every trace, per-trace results and per-policy
 * summaries, optionally against the optimum.
 */
import type { Trace } from './trace.js';
import type { SimVideo } from './ladder-parsers.js';
import type { SimEnv } from './env.js';
import type { AbrPolicy } from '../core/policy.js';
import type { ThroughputEstimator } from '../core/estimator.js';
import type { QoeName } from '../qoe/models.js';
import type { SessionMetrics } from '../qoe/session-metrics.js';
import { createQoeModel } from '../qoe/models.js';
import { summarizeSession } from '../qoe/session-metrics.js';
import { AbrController } from '../core/controller.js';
import { ManualClock } from '../core/clock.js';
import { createAbandonRule } from '../core/abandon.js';
import { invalidOptions } from '../core/errors.js';
import { createHarmonicMeanEstimator } from '../estimators/harmonic.js';
import { createNamedPolicy, POLICY_NAMES, ESTIMATOR_NAMES, type PolicyName, type EstimatorName } from '../policies/named.js';

export { ESTIMATOR_NAMES, type EstimatorName };
import { createPensieveEnv, PENSIEVE_CONSTANTS } from './pensieve-env.js';
import { createRealisticEnv, type RealisticEnvOptions } from './realistic-env.js';
import { runSession } from './session.js';
import { createPlanPolicy, planOptimal } from './optimal.js';

export type SimMode = 'pensieve' | 'realistic';

/** An online policy with the estimator it is evaluated with. */
export interface PolicySpec {
  readonly name: string;
  createPolicy(): AbrPolicy;
  createEstimator(): ThroughputEstimator;
}

/** Options that change how the built-in policies are set up for an evaluation. */
export interface BuiltinPolicyOptions {
  readonly qoe: QoeName;
  /** Reproduce Pensieve's RobustMPC quirks: next-chunk sizes, and error history kept across traces. */
  readonly pensieveQuirks: boolean;
  /** RobustMPC: QoE units charged per rung change in its plan (default 0). */
  readonly switchPenalty?: number;
}

export const BUILTIN_POLICY_NAMES = POLICY_NAMES;
export type BuiltinPolicyName = PolicyName;

/** A built-in policy by name (see `createNamedPolicy`: `robustmpc`, `robustmpc+regression`, ...) as a spec. */
export function builtinPolicySpec(name: string, options: BuiltinPolicyOptions): PolicySpec {
  createNamedPolicy(name, options); // validate once, up front
  return {
    name,
    createPolicy: () => createNamedPolicy(name, options).policy,
    createEstimator: () => createNamedPolicy(name, options).estimator,
  };
}

export interface EvaluateOptions {
  readonly mode: SimMode;
  readonly qoe: QoeName;
  readonly policies: readonly PolicySpec[];
  /** Also compute the offline optimum (simulator only; much slower than the online policies). */
  readonly optimal: boolean;
  readonly realistic?: Partial<RealisticEnvOptions>;
  /** Pensieve mode: chunks per session (default 48). */
  readonly chunkCount?: number;
  readonly onProgress?: (done: number, total: number, label: string) => void;
}

export interface TraceResult extends SessionMetrics {
  readonly policy: string;
  readonly trace: string;
}

/** A policy's figures over a trace set: every session metric averaged over traces, plus the extras below. */
export interface PolicySummary extends SessionMetrics {
  readonly policy: string;
  readonly traces: number;
  readonly qoeMedian: number;
  /** `qoe / optimal qoe`, when the optimum was computed. */
  readonly qoeOfOptimal: number | null;
}

export interface EvaluationResult {
  readonly mode: SimMode;
  readonly qoe: QoeName;
  readonly video: string;
  readonly summary: readonly PolicySummary[];
  readonly perTrace: readonly TraceResult[];
}

export const OPTIMAL_POLICY_NAME = 'optimal';

/**
 * Runs every policy over every trace (traces in the order given; callers sort them) and reduces
 * the sessions to per-trace metrics and per-policy means. Each policy keeps one controller for the
 * whole set, reset between traces, as a player page would between videos.
 */
export function evaluate(video: SimVideo, traces: readonly Trace[], options: EvaluateOptions): EvaluationResult {
  if (traces.length === 0) throw invalidOptions('evaluate', 'no traces to evaluate');
  const model = createQoeModel(options.qoe, video);
  const pensieve = options.mode === 'pensieve';
  const firstRungIndex = pensieve ? Math.min(PENSIEVE_CONSTANTS.defaultRung, video.renditions.length - 1) : undefined;
  const makeEnv = (trace: Trace): SimEnv<unknown> =>
    (pensieve
      ? createPensieveEnv(trace, video, options.chunkCount === undefined ? {} : { chunkCount: options.chunkCount })
      : createRealisticEnv(trace, video, options.realistic)) as SimEnv<unknown>;
  const metricsFor = (records: Parameters<typeof summarizeSession>[0], startupS: number): SessionMetrics =>
    summarizeSession(records, model, {
      skipFirst: pensieve ? 1 : 0,
      initialPreviousRung: pensieve ? (firstRungIndex ?? 0) : (records[0]?.rungIndex ?? 0),
      startupS,
      startupPenaltyPerS: pensieve ? 0 : model.rebufferPenalty,
      segmentDurationS: video.segmentDurationS,
    });

  const total = traces.length * (options.policies.length + (options.optimal ? 1 : 0));
  let done = 0;
  const perTrace: TraceResult[] = [];
  const abandon = pensieve ? undefined : createAbandonRule();

  for (const spec of options.policies) {
    const clock = new ManualClock();
    const controller = new AbrController({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock });
    for (const trace of traces) {
      controller.reset();
      clock.restart();
      const log = runSession(makeEnv(trace), controller, {
        ...(firstRungIndex === undefined ? {} : { firstRungIndex }),
        ...(abandon ? { abandon } : {}),
        clock,
      });
      perTrace.push({ policy: spec.name, trace: trace.name, ...metricsFor(log.records, log.startupS) });
      options.onProgress?.(++done, total, spec.name);
    }
  }

  if (options.optimal) {
    for (const trace of traces) {
      const env = makeEnv(trace);
      const { plan } = planOptimal(env, {
        qoe: model,
        skipFirst: pensieve ? 1 : 0,
        ...(firstRungIndex === undefined ? {} : { firstRungIndex }),
        startupPenaltyPerS: pensieve ? 0 : model.rebufferPenalty,
      });
      const controller = new AbrController({
        ladder: video,
        policy: createPlanPolicy(plan),
        estimator: createHarmonicMeanEstimator(),
        clock: new ManualClock(),
      });
      const log = runSession(env, controller, firstRungIndex === undefined ? {} : { firstRungIndex });
      perTrace.push({ policy: OPTIMAL_POLICY_NAME, trace: trace.name, ...metricsFor(log.records, log.startupS) });
      options.onProgress?.(++done, total, OPTIMAL_POLICY_NAME);
    }
  }

  const names = [...options.policies.map((p) => p.name), ...(options.optimal ? [OPTIMAL_POLICY_NAME] : [])];
  const optimalQoe = options.optimal ? mean(perTrace.filter((r) => r.policy === OPTIMAL_POLICY_NAME).map((r) => r.qoe)) : null;
  const summary = names.map((policy): PolicySummary => {
    const rows = perTrace.filter((r) => r.policy === policy);
    const averaged = meanMetrics(rows);
    return {
      policy,
      traces: rows.length,
      ...averaged,
      qoeMedian: median(rows.map((r) => r.qoe)),
      qoeOfOptimal: optimalQoe === null || optimalQoe === 0 ? null : averaged.qoe / optimalQoe,
    };
  });
  return { mode: options.mode, qoe: options.qoe, video: video.name, summary, perTrace };
}

/** Every field of the session metrics, averaged over sessions. */
function meanMetrics(rows: readonly SessionMetrics[]): SessionMetrics {
  const keys = Object.keys(rows[0] ?? {}).filter((k) => typeof rows[0][k as keyof SessionMetrics] === 'number') as (keyof SessionMetrics)[];
  return Object.fromEntries(keys.map((k) => [k, mean(rows.map((r) => r[k]))])) as unknown as SessionMetrics;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
