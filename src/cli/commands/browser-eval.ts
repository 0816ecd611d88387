import { writeFileSync } from 'node:fs';
import { loadTraces } from '../node-io.js';
import { parseCommandArgs, requireOption, UsageError } from '../args.js';
import { formatSummary } from '../table.js';
import { cutTrace, traceDurationS } from '../../sim/trace.js';
import { mean, median, type PolicySummary, type TraceResult } from '../../sim/evaluate.js';
import type { SessionMetrics } from '../../qoe/session-metrics.js';
import { ADAPTER_POLICY_NAMES } from '../../adapters/setup.js';
import { BrowserHarness, DEFAULT_MEDIA_DIR, type BrowserRunResult } from '../../harness/runner.js';

const DEFAULT_POLICY = 'default';
const KNOWN = [DEFAULT_POLICY, ...ADAPTER_POLICY_NAMES, 'dqn', 'robustmpc+learned'];

const HELP = `usage: abrkit browser-eval --player hls|shaka --traces <dir|file> [options]

Plays the test stream (scripts/setup-media.sh) in headless Chromium (/usr/bin/chromium) at 1x, one
session at a time, through a loopback server that shapes throughput to each trace, and measures
from the <video> element. Traces are cut to the played duration.

  --player <hls|shaka>   player to drive
  --policies <list>      comma-separated: ${KNOWN.join(', ')} (default: all; 'default' = the player's own ABR)
  --traces <dir|file>    trace file or folder (time_s Mbps, Mahimahi, Sabre JSON), sorted by name
  --duration <s>         seconds of content to play (default: the whole stream)
  --repeat <n>           sessions per (policy, trace); the per-trace figures are medians (default 1)
  --rtt <ms>             round-trip time added per request (default: the trace's, else 40)
  --buffer <s>           forward buffer for every player and policy (default 30)
  --media <dir>          stream folder (default .cache/media)
  --json <file>          also write {summary, perTrace} as JSON (the shape of 'abrkit eval')`;

export interface BrowserEvalResult {
  readonly summary: PolicySummary[];
  readonly perTrace: (TraceResult & { readonly player: string; readonly repeats: number; readonly decisionP99Ms: number | null })[];
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseCommandArgs(
    args,
    {
      player: { type: 'string' },
      policies: { type: 'string' },
      traces: { type: 'string' },
      duration: { type: 'string' },
      repeat: { type: 'string' },
      rtt: { type: 'string' },
      buffer: { type: 'string' },
      media: { type: 'string' },
      json: { type: 'string' },
    },
    HELP,
  );
  const player = requireOption(values.player, 'player', HELP);
  if (player !== 'hls' && player !== 'shaka') throw new UsageError(`--player must be hls or shaka, got '${player}'`);
  const policies = (values.policies ?? KNOWN.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of policies) if (!KNOWN.includes(name)) throw new UsageError(`unknown policy '${name}' (known: ${KNOWN.join(', ')})`);
  const positive = (value: string | undefined, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!(n > 0)) throw new UsageError(`--${name} must be a positive number, got '${value}'`);
    return n;
  };
  const durationOption = positive(values.duration, 'duration');
  const repeat = Math.round(positive(values.repeat, 'repeat') ?? 1);
  const rttMs = positive(values.rtt, 'rtt');
  const bufferGoalS = positive(values.buffer, 'buffer');
  const traces = loadTraces(requireOption(values.traces, 'traces', HELP));
  const result = await browserEval({ player, policies, traces, durationS: durationOption, repeat, rttMs, bufferGoalS, mediaDir: values.media ?? DEFAULT_MEDIA_DIR });
  console.log(`\n${player}, ${traces.length} traces x ${repeat}, QoE_lin\n`);
  console.log(formatBrowserSummary(result));
  if (values.json) {
    writeFileSync(values.json, JSON.stringify(result, null, 2));
    console.log(`\nwrote ${values.json}`);
  }
}

export async function browserEval(options: {
  player: 'hls' | 'shaka';
  policies: readonly string[];
  traces: ReturnType<typeof loadTraces>;
  durationS?: number | undefined;
  repeat: number;
  rttMs?: number | undefined;
  bufferGoalS?: number | undefined;
  mediaDir: string;
  onSession?: (run: BrowserRunResult) => void;
}): Promise<BrowserEvalResult> {
  const harness = await BrowserHarness.start(options.mediaDir);
  const perTrace: BrowserEvalResult['perTrace'] = [];
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
            ...(options.rttMs === undefined ? {} : { rttMs: options.rttMs }),
            ...(options.bufferGoalS === undefined ? {} : { bufferGoalS: options.bufferGoalS }),
          });
          runs.push(session);
          options.onSession?.(session);
          done++;
          process.stderr.write(
            `[${done}/${total}] ${options.player} ${policy} ${trace.name}: QoE ${session.qoe.toFixed(3)}, ${session.bitrateKbps.toFixed(0)} kbps, rebuffer ${session.rebufferS.toFixed(2)} s${session.errors.length ? `, errors: ${session.errors.join('; ')}` : ''}\n`,
          );
        }
        const decisions = runs.flatMap((r) => r.decisionMs);
        perTrace.push({ player: options.player, policy, trace: trace.name, repeats: runs.length, ...medianMetrics(runs), decisionP99Ms: decisions.length ? percentile(decisions, 0.99) : null });
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
  return { summary, perTrace };
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
  return formatSummary(result, [
    {
      header: 'decision p99 ms',
      cell: (s) => {
        const p99s = result.perTrace.filter((r) => r.policy === s.policy && r.decisionP99Ms !== null).map((r) => r.decisionP99Ms!);
        return p99s.length ? Math.max(...p99s).toFixed(3) : '-';
      },
    },
  ]);
}
