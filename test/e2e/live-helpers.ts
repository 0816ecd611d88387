/** What the two low-latency suites (live-ll-hls, live-ll-dash) share: the target, the step trace, the failure report. */
import type { BrowserRunResult } from '../../src/node/harness/runner.js';
import type { Trace } from '../../src/sim/trace.js';

export const TARGET_S = 3;
/** The adapters' `live.resyncAboveS` (off by default): jump back to the target when this far over it. */
export const RESYNC_ABOVE_S = 2;

/** 5 Mbit/s, 0.4 Mbit/s from 12 s to 22 s (only the lowest rung fits), then 5 Mbit/s. */
export function stepTrace(): Trace {
  return { name: 'step-5-0.4-5', timesS: Float64Array.from([0, 12, 22, 400]), mbps: Float64Array.from([5, 5, 0.4, 5]), shiftedByS: 0 };
}

/** A session in one line, for assertion messages. */
export function describeRun(r: BrowserRunResult): string {
  return `rungs=${r.segmentRungs.join(',')} stalls=${JSON.stringify(r.timeline.stalls)} latency=${r.live?.latenciesS.map((x) => x.toFixed(1)).join(',')} errors=${JSON.stringify(r.errors)} playerErrors=${JSON.stringify(r.playerErrors)} live=${r.liveDecisions}/${r.decisionMs.length} resyncs=${r.liveResyncsS.map((x) => x.toFixed(1)).join(',')}`;
}

export const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
