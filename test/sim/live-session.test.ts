import { describe, expect, it } from 'vitest';
import { runLiveSession, type LiveSimOptions } from '../../src/sim/live-session.js';
import { evaluateLive } from '../../src/sim/live-eval.js';
import { builtinPolicySpec } from '../../src/sim/evaluate.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import { AbrController } from '../../src/core/controller.js';
import { ManualClock } from '../../src/core/clock.js';
import type { AbrPolicy } from '../../src/core/policy.js';
import type { ThroughputEstimator } from '../../src/core/estimator.js';
import type { Trace } from '../../src/sim/trace.js';
import { createChunkedThroughputEstimator } from '../../src/estimators/chunked.js';
import { createHarmonicMeanEstimator } from '../../src/estimators/harmonic.js';

const video = createSyntheticVideo({ segmentDurationS: 2, vbrSigma: 0 }); // 300..4300 kbps, CBR
const flat = (mbps: number, durationS = 400): Trace => ({ name: `flat-${mbps}`, timesS: Float64Array.from([0, durationS]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 });
const fixed = (rungIndex: number, playbackRate?: number): AbrPolicy => ({
  name: 'fixed', decide: () => ({ rungIndex, reason: { kind: 'plan', detail: '' }, ...(playbackRate === undefined ? {} : { playbackRate }) }),
});
function play(trace: Trace, policy: AbrPolicy, estimator: ThroughputEstimator = createHarmonicMeanEstimator(), sessionS = 60, options: Partial<LiveSimOptions> = {}) {
  const clock = new ManualClock();
  const controller = new AbrController({ ladder: video, policy, estimator, clock });
  const record = runLiveSession(trace, video, controller, clock, { sessionS, ...options });
  return { record, estimator };
}

describe('live simulator', () => {
  it('holds the latency where it started on a fast link at 1x, never ahead of the live edge', () => {
    const { record } = play(flat(50), fixed(0));
    expect(record.stallS).toBe(0);
    const lat = record.latencyPerSecondS;
    expect(lat.length).toBeGreaterThan(50);
    // Started 3 s behind the edge, rounded down to a 0.5 s part, plus the startup wait: constant from then on.
    for (const l of lat) expect(l).toBeCloseTo(lat[0]!, 6);
    expect(lat[0]).toBeGreaterThanOrEqual(3);
    expect(lat[0]).toBeLessThan(3.5 + 0.5);
  });

  it('applies the playback rate: at 1.05x the latency falls 0.05 s per second until the buffer runs dry', () => {
    const { record } = play(flat(50), fixed(0, 1.05));
    const lat = record.latencyPerSecondS;
    expect(lat[10]! - lat[20]!).toBeCloseTo(0.5, 6);
    // It cannot get closer to the edge than one part plus the delivery time: then it stalls.
    expect(Math.min(...lat)).toBeGreaterThan(0.5);
    expect(record.stalls).toBeGreaterThan(0);
    expect(record.rateChanges).toBe(1);
  });

  it('produces idle gaps between chunks: the chunked estimator sees the link, a whole-request one the encoder', () => {
    const chunked = play(flat(10), fixed(0), createChunkedThroughputEstimator()).estimator.predict()!.throughputBps;
    const whole = play(flat(10), fixed(0)).estimator.predict()!.throughputBps;
    expect(chunked).toBeCloseTo(10e6 * 0.95, -3);
    expect(whole).toBeLessThan(0.5e6); // about the 300 kbit/s the encoder produces
  });

  it('stalls on a link slower than the rung, and the latency grows by the stall', () => {
    const { record } = play(flat(1), fixed(5));
    expect(record.stallS).toBeGreaterThan(10);
    const lat = record.latencyPerSecondS;
    expect(lat[lat.length - 1]! - lat[0]!).toBeGreaterThan(10);
  });

  it('live holds the target better than rate on a step trace, with no more stall time', () => {
    const trace = synthesizeTrace({ profile: 'step', seed: 1, durationS: 300 });
    const result = evaluateLive(video, [trace], { policies: ['live', 'rate'].map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })), live: { sessionS: 200 } });
    const [live, rate] = result.summary;
    expect(live!.policy).toBe('live');
    expect(live!.atTargetShare).toBeGreaterThan(rate!.atTargetShare);
    expect(live!.stallS).toBeLessThanOrEqual(rate!.stallS);
    expect(result.perTrace).toHaveLength(2);
  });

  it('with resyncAboveS, jumps back to the target within the buffer after a long stall; without it the latency stays up', () => {
    // 0.2 Mbit/s for 20 s under the 300 kbit/s rung (the latency grows by the stalls), then 50 Mbit/s
    // (a trace's value holds over the interval ending at its time).
    const trace: Trace = { name: 'slow-then-fast', timesS: Float64Array.from([0, 20, 400]), mbps: Float64Array.from([0.2, 0.2, 50]), shiftedByS: 0 };
    const stay = play(trace, fixed(0), undefined, 60).record;
    const jump = play(trace, fixed(0), undefined, 60, { resyncAboveS: 3 }).record;
    const start = stay.latencyPerSecondS[0]!;
    expect(stay.latencyPerSecondS.at(-1)! - start).toBeGreaterThan(5);
    expect(stay.resyncs).toBe(0);
    expect(jump.resyncs).toBeGreaterThanOrEqual(1);
    expect(jump.skippedS).toBeGreaterThan(3);
    // Near the target: the jump keeps a second of buffer, and the edge is up to a segment ahead of it.
    expect(jump.latencyPerSecondS.at(-1)!).toBeLessThan(3 + 2);
    expect(jump.latencyPerSecondS.at(-1)!).toBeLessThan(stay.latencyPerSecondS.at(-1)! - 5);
    // The jump itself never stalls: the same stalls as without it, all in the slow phase.
    expect(jump.stalls).toBe(stay.stalls);
    expect(() => play(trace, fixed(0), undefined, 60, { resyncAboveS: 0 })).toThrow(/resyncAboveS/);
  });

  it('rejects a part that does not divide the segment', () => {
    const controller = new AbrController({ ladder: video, policy: fixed(0), estimator: createHarmonicMeanEstimator(), clock: new ManualClock() });
    expect(() => runLiveSession(flat(5), video, controller, undefined, { partDurationS: 0.7 })).toThrow(/partDurationS/);
  });
});

describe('live mode regression (seeded synthetic traces, the embedded video)', () => {
  it('pins every policy\'s live figures: any change in the live simulator, QoE or policies shows here', () => {
    // If a change is intended, re-run with `npx vitest run test/sim/live-session.test.ts -u` and explain the new figures.
    const traces = [21, 22, 23].map((seed, i) => synthesizeTrace({ profile: (['markov', '3g', 'lte-drive'] as const)[i]!, seed, durationS: 320 }));
    const result = evaluateLive(createSyntheticVideo(), traces, { policies: ['live', 'rate', 'bola', 'robustmpc'].map((n) => builtinPolicySpec(n, { qoe: 'lin', pensieveQuirks: false })) });
    expect(result.summary.map((s) => `${s.policy}: qoe ${s.qoe.toFixed(4)} kbps ${(s.bitrateMbps * 1000).toFixed(1)} stall ${s.stallS.toFixed(3)} latency ${s.latencyS.toFixed(3)} p95 ${s.latencyP95S.toFixed(3)} atTarget ${s.atTargetShare.toFixed(3)} rateChanges ${s.rateChanges.toFixed(2)}`)).toMatchInlineSnapshot(`
      [
        "live: qoe -0.6988 kbps 466.9 stall 2.069 latency 3.467 p95 4.487 atTarget 0.847 rateChanges 16.33",
        "rate: qoe -6.8274 kbps 350.6 stall 3.466 latency 6.552 p95 6.989 atTarget 0.009 rateChanges 0.00",
        "bola: qoe -2.7108 kbps 300.0 stall 1.276 latency 4.499 p95 4.798 atTarget 0.333 rateChanges 0.00",
        "robustmpc: qoe -2.7108 kbps 303.9 stall 1.276 latency 4.499 p95 4.798 atTarget 0.333 rateChanges 0.00",
      ]
    `);
  });
});
