/**
 * QoE for live sessions, defined once: what a live session is scored on (bitrate, switches,
 * stalls, latency above the target, playback-rate changes) and the latency figures reported.
 *
 * qoe = mean over segments of (bitrate_Mbps - |bitrate_Mbps - previous_Mbps|)
 *       - (rebufferPenaltyPerS * stallS + latencyPenaltyPerS * excessLatencySS + ratePenaltyPerS * rateDeviationSS) / segments
 * where `excessLatencySS` is the integral over wall time of max(0, latency - target) (s * s, from the
 * per-second samples) and `rateDeviationSS` the integral of |rate - 1|. So, like QoE_lin, every term
 * is "Mbit/s-equivalents per segment"; the rebuffer penalty is QoE_lin's 4.3. Startup delay is
 * reported apart, not scored (it is the same join for every policy).
 */
import { invalidOptions } from '../core/errors.js';

export interface LiveQoeOptions {
  /** Per second of stall (QoE_lin's 4.3). */
  readonly rebufferPenaltyPerS: number;
  /** Per second spent one second above the target (0.5: a 2 s segment played 1 s late costs 1 Mbit/s). */
  readonly latencyPenaltyPerS: number;
  /** Per second played at rate 1 +- 1 (2: a second at 1.05x costs 0.1). */
  readonly ratePenaltyPerS: number;
  /** Latency within this of the target counts as "at target" (issue #15: 0.5 s). */
  readonly atTargetToleranceS: number;
}

export const LIVE_QOE_DEFAULTS: LiveQoeOptions = Object.freeze({
  rebufferPenaltyPerS: 4.3,
  latencyPenaltyPerS: 0.5,
  ratePenaltyPerS: 2,
  atTargetToleranceS: 0.5,
});

/** What a live session produced, per segment and per wall second. */
export interface LiveSessionRecord {
  readonly targetLatencyS: number;
  readonly startupS: number;
  /** Bitrate of every segment played, bit/s, in order. */
  readonly segmentBitratesBps: readonly number[];
  readonly stallS: number;
  readonly stalls: number;
  /** Latency behind the live edge once per wall second after playback started, s. */
  readonly latencyPerSecondS: readonly number[];
  /** Playback rate in force at each of those seconds. */
  readonly ratePerSecond: readonly number[];
  /** Times the applied rate changed. */
  readonly rateChanges: number;
  /** Jumps back to the target after long stalls, and the media seconds they skipped (0 when not recorded). */
  readonly resyncs?: number;
  readonly skippedS?: number;
}

export interface LiveSessionMetrics {
  readonly qoe: number;
  readonly bitrateMbps: number;
  readonly switches: number;
  readonly stallS: number;
  readonly stalls: number;
  readonly startupS: number;
  readonly latencyS: number;
  readonly latencyP95S: number;
  readonly atTargetShare: number;
  /** Mean of max(0, latency - target) over the seconds. */
  readonly latencyAboveTargetS: number;
  readonly rateChanges: number;
  /** Share of seconds at a rate other than 1. */
  readonly rateAdjustedShare: number;
}

export function validateLiveQoe(o: LiveQoeOptions): LiveQoeOptions {
  if (![o.rebufferPenaltyPerS, o.latencyPenaltyPerS, o.ratePenaltyPerS, o.atTargetToleranceS].every((v) => v >= 0 && Number.isFinite(v))) {
    throw invalidOptions('live qoe', 'penalties and tolerance must be finite and >= 0');
  }
  return o;
}

export function summarizeLiveSession(r: LiveSessionRecord, options: Partial<LiveQoeOptions> = {}): LiveSessionMetrics {
  const o = validateLiveQoe({ ...LIVE_QOE_DEFAULTS, ...options });
  const mbps = r.segmentBitratesBps.map((b) => b / 1e6);
  let bitrateTerm = 0;
  let switches = 0;
  for (let i = 0; i < mbps.length; i += 1) {
    const change = i === 0 ? 0 : Math.abs(mbps[i]! - mbps[i - 1]!);
    if (change > 0) switches += 1;
    bitrateTerm += mbps[i]! - change;
  }
  const lat = r.latencyPerSecondS;
  const excess = lat.map((l) => Math.max(0, l - r.targetLatencyS));
  const rateDeviation = r.ratePerSecond.map((x) => Math.abs(x - 1));
  const segments = Math.max(1, mbps.length);
  const penalty = o.rebufferPenaltyPerS * r.stallS + o.latencyPenaltyPerS * sum(excess) + o.ratePenaltyPerS * sum(rateDeviation);
  return {
    qoe: (bitrateTerm - penalty) / segments,
    bitrateMbps: mbps.length === 0 ? 0 : sum(mbps) / mbps.length,
    switches,
    stallS: r.stallS,
    stalls: r.stalls,
    startupS: r.startupS,
    latencyS: lat.length === 0 ? NaN : sum(lat) / lat.length,
    latencyP95S: percentile(lat, 0.95),
    atTargetShare: lat.length === 0 ? NaN : lat.filter((l) => Math.abs(l - r.targetLatencyS) <= o.atTargetToleranceS).length / lat.length,
    latencyAboveTargetS: excess.length === 0 ? NaN : sum(excess) / excess.length,
    rateChanges: r.rateChanges,
    rateAdjustedShare: rateDeviation.length === 0 ? 0 : rateDeviation.filter((d) => d > 1e-9).length / rateDeviation.length,
  };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Nearest-rank percentile (p in (0, 1]); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}
