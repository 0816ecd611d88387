/**
 * A network trace: piecewise-constant bandwidth over time. Sample k's bandwidth applies to the
 * interval (timesS[k-1], timesS[k]], so `mbps[0]` is never used (Pensieve's convention).
 * Times start at 0: loaders shift traces that start later and record the shift.
 */
export interface Trace {
  readonly name: string;
  readonly timesS: Float64Array;
  readonly mbps: Float64Array;
  /** Round-trip time of each interval in ms, when the trace carries one (Sabre JSON). */
  readonly rttMs?: Float64Array;
  /** Seconds subtracted from the file's times so that the trace starts at 0. */
  readonly shiftedByS: number;
}

/** Length of the trace, seconds. */
export function traceDurationS(trace: Trace): number {
  return trace.timesS[trace.timesS.length - 1];
}

/** Time-weighted mean bandwidth over the trace, Mbit/s. */
export function traceMeanMbps(trace: Trace): number {
  const { timesS, mbps } = trace;
  let megabits = 0;
  for (let k = 1; k < timesS.length; k++) megabits += mbps[k] * (timesS[k] - timesS[k - 1]);
  const durationS = traceDurationS(trace);
  return durationS > 0 ? megabits / durationS : 0;
}

/** A copy of the trace cut to its first `durationS` seconds (the last interval is prorated). */
export function cutTrace(trace: Trace, durationS: number): Trace {
  const { timesS, mbps, rttMs } = trace;
  let end = 1;
  while (end < timesS.length - 1 && timesS[end] < durationS) end++;
  const times = timesS.slice(0, end + 1);
  times[end] = Math.min(times[end], durationS);
  return {
    name: trace.name,
    timesS: times,
    mbps: mbps.slice(0, end + 1),
    ...(rttMs ? { rttMs: rttMs.slice(0, end + 1) } : {}),
    shiftedByS: trace.shiftedByS,
  };
}
