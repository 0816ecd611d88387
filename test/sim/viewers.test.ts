import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEWER_MODEL, inIntervals, parseViewerModel, sampleViewer, type ViewerScript } from '../../src/sim/viewers.js';
import { runViewerSession } from '../../src/sim/viewer-session.js';
import { createRealisticEnv } from '../../src/sim/realistic-env.js';
import { runSession } from '../../src/sim/session.js';
import { evaluateViewers } from '../../src/sim/viewer-eval.js';
import { builtinPolicySpec } from '../../src/sim/evaluate.js';
import { createViewerBufferRule } from '../../src/policies/viewer-buffer.js';
import { AbrController } from '../../src/core/controller.js';
import { ManualClock } from '../../src/core/clock.js';
import { createAbandonRule } from '../../src/core/abandon.js';
import { createQoeModel } from '../../src/qoe/models.js';
import { createSyntheticVideo } from '../../src/sim/synthetic-video.js';
import { synthesizeTrace } from '../../src/sim/synth.js';
import type { Trace } from '../../src/sim/trace.js';

const video = createSyntheticVideo({ segments: 30 });
const flat = (mbps: number): Trace => ({ name: `flat-${mbps}`, timesS: Float64Array.from([0, 1000]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 });
const spec = builtinPolicySpec('robustmpc', { qoe: 'lin', pensieveQuirks: false });
const qoe = createQoeModel('lin', video);

function play(trace: Trace, viewer: ViewerScript, rule: ReturnType<typeof createViewerBufferRule> | null, realistic = {}) {
  const clock = new ManualClock();
  const controller = new AbrController({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock });
  return runViewerSession(trace, video, controller, viewer, { rule, clock, qoe, abandon: createAbandonRule(), realistic });
}

describe('simulated viewers', () => {
  it('are seeded: the same seed and index give the same script, another index another', () => {
    expect(sampleViewer(DEFAULT_VIEWER_MODEL, 3, 5)).toEqual(sampleViewer(DEFAULT_VIEWER_MODEL, 3, 5));
    expect(sampleViewer(DEFAULT_VIEWER_MODEL, 3, 6).exitAtS).not.toBe(sampleViewer(DEFAULT_VIEWER_MODEL, 3, 5).exitAtS);
  });

  it('leave after a heavy-tailed time: median near the Lomax median (41 s), one in five past 3 minutes', () => {
    const exits = Array.from({ length: 4000 }, (_, i) => sampleViewer(DEFAULT_VIEWER_MODEL, 1, i).exitAtS).sort((a, b) => a - b);
    expect(exits[2000]!).toBeGreaterThan(37);
    expect(exits[2000]!).toBeLessThan(45);
    const past = exits.filter((t) => t > 180).length / exits.length;
    expect(past).toBeGreaterThan(0.18);
    expect(past).toBeLessThan(0.24);
  });

  it('pause and hide in sorted, non-overlapping intervals before they leave', () => {
    for (let i = 0; i < 200; i++) {
      const v = sampleViewer(DEFAULT_VIEWER_MODEL, 2, i);
      for (const list of [v.pauses, v.hides]) {
        list.forEach((p, k) => {
          expect(p.endS).toBeGreaterThan(p.startS);
          expect(p.startS).toBeLessThan(v.exitAtS);
          if (k > 0) expect(p.startS).toBeGreaterThanOrEqual(list[k - 1]!.endS);
        });
      }
    }
    expect(inIntervals([{ startS: 1, endS: 2 }], 1.5)).toBe(true);
    expect(inIntervals([{ startS: 1, endS: 2 }], 2)).toBe(false);
  });

  it('a model file overrides the default field by field and is validated', () => {
    expect(parseViewerModel('{"exitScaleS": 60}', 'm.json')).toMatchObject({ exitScaleS: 60, exitShape: 0.8, name: 'm.json' });
    expect(() => parseViewerModel('{"exitShape": -1}', 'm.json')).toThrow(/exitShape/);
  });
});

describe('viewer session', () => {
  const stays: ViewerScript = { exitAtS: Infinity, pauses: [], hides: [] };

  it('with a viewer who watches everything and no rule, plays as the realistic simulator does', () => {
    // A goal the buffer never reaches: the realistic simulator decides before it waits for room
    // under the goal, a player (and this session) after, so with waits the two part ways.
    const trace = synthesizeTrace({ profile: 'markov', seed: 4, durationS: 400 });
    const result = play(trace, stays, null, { bufferGoalS: 1000 });
    const controller = new AbrController({ ladder: video, policy: spec.createPolicy(), estimator: spec.createEstimator(), clock: new ManualClock() });
    const log = runSession(createRealisticEnv(trace, video, { bufferGoalS: 1000 }), controller, { abandon: createAbandonRule() });
    const realisticBytes = log.records.reduce((s, r) => s + r.bytes + r.wastedBytes, 0);
    expect(result.downloadedBytes).toBeCloseTo(realisticBytes, 0);
    expect(result.rebufferS).toBeCloseTo(log.records.reduce((s, r) => s + r.rebufferS, 0), 6);
    expect(result.startupS).toBeCloseTo(log.startupS, 9);
    expect(result.watchedChunks).toBe(30);
    expect(result.leftEarly).toBe(false);
    expect(result.playedS).toBeCloseTo(30 * video.segmentDurationS, 9);
  });

  it('a viewer who leaves early leaves buffered bytes unplayed; the rule keeps fewer of them', () => {
    const leaves: ViewerScript = { exitAtS: 40, pauses: [], hides: [] };
    const unaware = play(flat(20), leaves, null);
    expect(unaware.leftEarly).toBe(true);
    expect(unaware.playedS).toBeLessThan(40);
    expect(unaware.wastedBytes).toBeGreaterThan(0);
    expect(unaware.wastedBytes).toBeCloseTo(unaware.downloadedBytes - unaware.playedBytes, 6);
    const aware = play(flat(20), leaves, createViewerBufferRule({ floorS: 8, minSurvival: 0.95 }));
    expect(aware.downloadedBytes).toBeLessThan(unaware.downloadedBytes);
    expect(aware.playedBytes).toBeCloseTo(unaware.playedBytes, -3);
  });

  it('a hidden page fetches less while hidden and plays on; a pause holds the playhead', () => {
    // They leave while hidden (the tab was closed): what was fetched meanwhile is never played.
    const hides: ViewerScript = { exitAtS: 50, pauses: [], hides: [{ startS: 10, endS: 60 }] };
    const unaware = play(flat(20), hides, null);
    const aware = play(flat(20), hides, createViewerBufferRule({ hiddenGoalS: 8, engagement: null }));
    expect(aware.downloadedBytes).toBeLessThan(unaware.downloadedBytes);
    expect(aware.rebufferS).toBe(0);
    const pauses: ViewerScript = { exitAtS: 70, pauses: [{ startS: 20, endS: 50 }], hides: [] };
    expect(play(flat(20), pauses, null).playedS).toBeCloseTo(70 - 30 - play(flat(20), pauses, null).startupS, 6);
  });

  it('hidden at the lowest rung, replaced on return: watched segments are not at the lowest rung', () => {
    const hides: ViewerScript = { exitAtS: 110, pauses: [], hides: [{ startS: 10, endS: 60 }] };
    const unaware = play(flat(20), hides, null);
    const options = { hiddenGoalS: 30, hiddenLowestRung: true, replaceMarginS: 4, engagement: null };
    const replaced = play(flat(20), hides, createViewerBufferRule(options));
    const kept = play(flat(20), hides, createViewerBufferRule({ ...options, replaceOnReturn: false }));
    expect(replaced.downloadedBytes).toBeLessThan(unaware.downloadedBytes);
    expect(replaced.downloadedBytes).toBeGreaterThan(kept.downloadedBytes);
    const watchedKbps = (r: typeof kept) => r.bitrateSumKbps / r.watchedChunks;
    expect(watchedKbps(kept)).toBeLessThan(watchedKbps(unaware) * 0.7);
    expect(watchedKbps(replaced)).toBeGreaterThan(watchedKbps(unaware) * 0.85);
  });
});

describe('evaluateViewers', () => {
  it('meets every policy with the same viewers and reports the saving against the unaware run', () => {
    const traces = [flat(3), flat(8)];
    const result = evaluateViewers(video, traces, { qoe: 'lin', policies: [spec], model: DEFAULT_VIEWER_MODEL, sessionsPerTrace: 3, seed: 1, rule: { hiddenGoalS: 8, floorS: 8, minHeadroom: 0 } });
    expect(result.summary.map((s) => [s.policy, s.aware, s.sessions])).toEqual([['robustmpc', false, 6], ['robustmpc', true, 6]]);
    const [unaware, aware] = result.summary;
    expect(result.savings[0]!.bytesSaved).toBeCloseTo(1 - aware!.downloadedMB / unaware!.downloadedMB, 12);
    expect(result.savings[0]!.bytesSaved).toBeGreaterThan(0);
    expect(evaluateViewers(video, traces, { qoe: 'lin', policies: [spec], model: DEFAULT_VIEWER_MODEL, sessionsPerTrace: 3, seed: 1, rule: { hiddenGoalS: 8, floorS: 8, minHeadroom: 0 } })).toEqual(result);
  });

  it('with the default headroom gate: links below twice the top rung are left alone, a fast one saves', () => {
    const run = (traces: Trace[], minHeadroom?: number) =>
      evaluateViewers(video, traces, { qoe: 'lin', policies: [spec], model: DEFAULT_VIEWER_MODEL, sessionsPerTrace: 3, seed: 1, rule: { hiddenGoalS: 8, floorS: 8, ...(minHeadroom === undefined ? {} : { minHeadroom }) } });
    // 3 and 8 Mbit/s against a 4.3 Mbit/s top rung: the ungated rule saves there (above), the gated one does nothing.
    const slow = run([flat(3), flat(8)]);
    expect(slow.summary[1]!.downloadedMB).toBe(slow.summary[0]!.downloadedMB);
    expect(slow.savings[0]!.bytesSaved).toBe(0);
    expect(run([flat(3), flat(8)], 0).savings[0]!.bytesSaved).toBeGreaterThan(0);
    expect(run([flat(40)]).savings[0]!.bytesSaved).toBeGreaterThan(0);
  });
});
