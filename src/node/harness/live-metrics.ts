/**
 * Live latency of a real-browser session from the page's once-a-second playhead samples and the
 * server's publication schedule: latency = newest published media time at that wall time minus the
 * playhead. Both clocks are the same machine's `Date.now()`.
 */
export interface LiveSample {
  readonly wallMs: number;
  readonly timeS: number;
  readonly rate: number;
}

export interface LiveSummary {
  /** Mean seconds behind the live edge. */
  readonly latencyS: number;
  /** 95th percentile of the latency, seconds. */
  readonly latencyP95S: number;
  readonly targetLatencyS: number;
  /** Share of samples within `AT_TARGET_TOLERANCE_S` of the target. */
  readonly atTargetShare: number;
  /** Share of samples played at a rate other than 1 and 0 (catching up or slowing down; 0 is shaka buffering). */
  readonly catchUpShare: number;
  /** The per-second latencies, seconds. */
  readonly latenciesS: readonly number[];
}

/** "Within 0.5 s of the target" (issue #15's target). */
export const AT_TARGET_TOLERANCE_S = 0.5;

/** Null without samples. `edgeS(wallMs)` is the newest published media time at a wall time. */
export function summarizeLatency(samples: readonly LiveSample[], edgeS: (wallMs: number) => number, targetLatencyS: number): LiveSummary | null {
  if (samples.length === 0) return null;
  const latenciesS = samples.map((s) => edgeS(s.wallMs) - s.timeS);
  const sorted = [...latenciesS].sort((a, b) => a - b);
  const mean = latenciesS.reduce((sum, x) => sum + x, 0) / latenciesS.length;
  return {
    latencyS: mean,
    latencyP95S: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!,
    targetLatencyS,
    atTargetShare: latenciesS.filter((x) => Math.abs(x - targetLatencyS) <= AT_TARGET_TOLERANCE_S).length / latenciesS.length,
    // Rate 0 is shaka buffering (a stall), not a catch-up.
    catchUpShare: samples.filter((s) => s.rate !== 1 && s.rate > 0).length / samples.length,
    latenciesS,
  };
}
