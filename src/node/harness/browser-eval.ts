/**
 * Real-browser evaluation as a library (what `abrkit browser-eval` runs): every (policy, trace) played
 * `repeat` times in one harness, one session at a time, with per-trace medians and per-policy means
 * in the shape `abrkit eval` reports, plus each policy's decision cost.
 */
import type { Trace } from '../../sim/trace.js';
import { cutTrace, traceDurationS } from '../../sim/trace.js';
import { mean, median, type PolicySummary, type TraceResult } from '../../sim/evaluate.js';
import type { SessionMetrics } from '../../qoe/session-metrics.js';
import { formatSummary } from '../table.js';
import type { PlayableSource } from './source.js';
import { BrowserHarness, type BrowserRunResult, type StreamFormat } from './runner.js';

/** A live session's latency figures (see live-metrics.ts); medians over repeats in `perTrace`. */
export interface LiveFigures {
  readonly latencyS: number;
  readonly latencyP95S: number;
  readonly atTargetShare: number;
  readonly catchUpShare: number;
}

/** One session as played (with `live`: its latency figures, null if it never played). */
export interface BrowserEvalSession {
  readonly player: string;
  readonly policy: string;
  readonly trace: string;
  readonly qoe: number;
  readonly bitrateKbps: number;
  readonly rebufferS: number;
  readonly stalls: number;
  readonly switches: number;
  readonly startupS: number;
  /** Decisions the controller handed to its safe rung after a policy failure. */
  readonly fallbacks: number;
  /** The rung of every segment that reached the buffer, in media order. */
  readonly segmentRungs: readonly number[];
  /** Main-thread time of each abrkit decision, ms (empty for the player's own ABR). */
  readonly decisionMs: readonly number[];
  /** What made each decision, from its reason (`mpc`, `plan`, `stall-guard(plan)`, ...). */
  readonly decisionKinds: readonly string[];
  readonly errors: readonly string[];
  readonly live: LiveFigures | null;
  /** Live: the adapter's jumps back to the target (`--resync-above`), media seconds skipped each. */
  readonly liveResyncsS: readonly number[];
}

export interface BrowserEvalResult {
  readonly summary: PolicySummary[];
  readonly perTrace: (TraceResult & { readonly player: string; readonly repeats: number; readonly decisionP99Ms: number | null; readonly live?: LiveFigures | null })[];
  /** Every session; with `live`, each carries latencyS, latencyP95S and atTargetShare. */
  readonly sessions: BrowserEvalSession[];
}

export async function browserEval(options: {
  player: 'hls' | 'shaka';
  policies: readonly string[];
  traces: readonly Trace[];
  durationS?: number | undefined;
  repeat: number;
  rttMs?: number | undefined;
  bufferGoalS?: number | undefined;
  /** abrkit policies: the adapters' `minSwitchUpIntervalMs`. */
  minSwitchUpIntervalMs?: number | undefined;
  /** abrkit policies: the adapters' `switchPenalty`. */
  switchPenalty?: number | undefined;
  /** A generated stream's folder, or a user's stream from `openSource`. */
  mediaDir: string | PlayableSource;
  format?: StreamFormat;
  /**
   * Play live against a latency target (default 3 s): `ll-hls` (the generated stream as LL-HLS, see
   * ll-hls.ts) or `ll-dash` (the same parts as low-latency DASH, see ll-dash.ts; shaka only).
   */
  live?: { readonly mode: 'll-hls' | 'll-dash'; readonly targetLatencyS?: number | undefined; readonly resyncAboveS?: number | undefined } | undefined;
  onSession?: (run: BrowserRunResult) => void;
}): Promise<BrowserEvalResult> {
  const harness = await BrowserHarness.start(options.mediaDir);
  const perTrace: BrowserEvalResult['perTrace'] = [];
  const sessions: BrowserEvalSession[] = [];
  try {
    const durationS = Math.min(options.durationS ?? harness.stream.durationS, harness.stream.durationS);
    const total = options.policies.length * options.traces.length * options.repeat;
    let done = 0;
    for (const trace of options.traces) {
      // Cut to what a session can use: the content plus slack for startup and stalls.
      const cut = traceDurationS(trace) > durationS + 60 ? cutTrace(trace, durationS + 60) : trace;
      for (const policy of options.policies) {
        const runs: BrowserRunResult[] = [];
        for (let r = 0; r < options.repeat; r++) {
          const session = await harness.run({
            player: options.player,
            policy,
            trace: cut,
            durationS,
            ...(options.format ? { format: options.format } : {}),
            ...(options.rttMs === undefined ? {} : { rttMs: options.rttMs }),
            ...(options.bufferGoalS === undefined ? {} : { bufferGoalS: options.bufferGoalS }),
            ...(options.minSwitchUpIntervalMs === undefined ? {} : { minSwitchUpIntervalMs: options.minSwitchUpIntervalMs }),
            ...(options.switchPenalty === undefined ? {} : { switchPenalty: options.switchPenalty }),
            ...(options.live
              ? {
                  [options.live.mode === 'll-dash' ? 'llDash' : 'llHls']: {
                    ...(options.live.targetLatencyS === undefined ? {} : { targetLatencyS: options.live.targetLatencyS }),
                    ...(options.live.resyncAboveS === undefined ? {} : { resyncAboveS: options.live.resyncAboveS }),
                  },
                }
              : {}),
          });
          runs.push(session);
          sessions.push({ player: options.player, policy, trace: trace.name, qoe: session.qoe, bitrateKbps: session.bitrateKbps, rebufferS: session.rebufferS, stalls: session.stalls, switches: session.switches, startupS: session.startupS, fallbacks: session.fallbacks, segmentRungs: session.segmentRungs, decisionMs: session.decisionMs, decisionKinds: session.decisionKinds, errors: session.errors, live: session.live && liveFigures(session.live), liveResyncsS: session.liveResyncsS });
          options.onSession?.(session);
          done++;
          process.stderr.write(
            `[${done}/${total}] ${options.player} ${policy} ${trace.name}: QoE ${session.qoe.toFixed(3)}, ${session.bitrateKbps.toFixed(0)} kbps, rebuffer ${session.rebufferS.toFixed(2)} s${session.live ? `, latency ${session.live.latencyS.toFixed(2)} s (p95 ${session.live.latencyP95S.toFixed(2)}), at target ${(100 * session.live.atTargetShare).toFixed(0)}%` : ''}${session.errors.length ? `, errors: ${session.errors.join('; ')}` : ''}\n`,
          );
        }
        const decisions = runs.flatMap((r) => r.decisionMs);
        perTrace.push({ player: options.player, policy, trace: trace.name, repeats: runs.length, ...medianMetrics(runs), decisionP99Ms: decisions.length ? percentile(decisions, 0.99) : null, ...(options.live ? { live: medianLive(runs) } : {}) });
      }
    }
  } finally {
    await harness.close();
  }
  const summary = options.policies.map((policy): PolicySummary => {
    const rows = perTrace.filter((r) => r.policy === policy);
    const keys = Object.keys(emptyMetrics()) as (keyof SessionMetrics)[];
    const averaged = Object.fromEntries(keys.map((k) => [k, mean(rows.map((r) => r[k]))])) as unknown as SessionMetrics;
    return { policy, traces: rows.length, ...averaged, qoeMedian: median(rows.map((r) => r.qoe)), qoeOfOptimal: null };
  });
  return { summary, perTrace, sessions };
}

function liveFigures(live: LiveFigures): LiveFigures {
  return { latencyS: live.latencyS, latencyP95S: live.latencyP95S, atTargetShare: live.atTargetShare, catchUpShare: live.catchUpShare };
}

/** Per-field medians of the sessions that played (null if none did). */
function medianLive(runs: readonly BrowserRunResult[]): LiveFigures | null {
  const played = runs.flatMap((r) => (r.live ? [r.live] : []));
  if (played.length === 0) return null;
  return { latencyS: median(played.map((l) => l.latencyS)), latencyP95S: median(played.map((l) => l.latencyP95S)), atTargetShare: median(played.map((l) => l.atTargetShare)), catchUpShare: median(played.map((l) => l.catchUpShare)) };
}

/** Per-field median over repeated sessions of one (policy, trace). */
function medianMetrics(runs: readonly SessionMetrics[]): SessionMetrics {
  const keys = Object.keys(emptyMetrics()) as (keyof SessionMetrics)[];
  return Object.fromEntries(keys.map((k) => [k, median(runs.map((r) => r[k]))])) as unknown as SessionMetrics;
}

function emptyMetrics(): SessionMetrics {
  return { qoe: 0, qoeSum: 0, chunks: 0, bitrateKbps: 0, rebufferS: 0, rebufferRatio: 0, stalls: 0, startupS: 0, switches: 0, bytes: 0, wastedBytes: 0 };
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

export function formatBrowserSummary(result: BrowserEvalResult): string {
  const live = (policy: string, pick: (l: LiveFigures) => number, digits: number) => {
    const values = result.perTrace.filter((r) => r.policy === policy && r.live).map((r) => pick(r.live!));
    return values.length ? median(values).toFixed(digits) : '-';
  };
  const liveColumns = result.perTrace.some((r) => r.live)
    ? [
        { header: 'latency s', cell: (s: PolicySummary) => live(s.policy, (l) => l.latencyS, 2) },
        { header: 'p95 s', cell: (s: PolicySummary) => live(s.policy, (l) => l.latencyP95S, 2) },
        { header: 'at target', cell: (s: PolicySummary) => live(s.policy, (l) => l.atTargetShare, 2) },
      ]
    : [];
  return formatSummary(result, [
    ...liveColumns,
    {
      header: 'decision p99 ms',
      cell: (s) => {
        const p99s = result.perTrace.filter((r) => r.policy === s.policy && r.decisionP99Ms !== null).map((r) => r.decisionP99Ms!);
        return p99s.length ? Math.max(...p99s).toFixed(3) : '-';
      },
    },
  ]);
}
