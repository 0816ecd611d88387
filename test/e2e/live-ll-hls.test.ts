import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../../src/node/harness/runner.js';
import { describeRun, median, RESYNC_ABOVE_S, stepTrace, TARGET_S } from './live-helpers.js';

/**
 * LL-HLS in headless Chromium (the harness's 1 s parts, blocking reloads, preload hints) with
 * abrkit's `live` policy: 5 Mbit/s, 0.4 Mbit/s from 12 s to 22 s (only the lowest rung fits, and the
 * ~3 s buffer of a live edge runs dry), then 5 Mbit/s. About 50 s per session (the stream's 60 s,
 * 12 s of it out at the start). Bounds are behaviour bounds, generous for a loaded machine.
 */
let harness: BrowserHarness;
beforeAll(async () => {
  harness = await BrowserHarness.start();
});
afterAll(async () => {
  await harness?.close();
});

describe('LL-HLS live with abrkit', () => {
  it('hls.js: plays live, decides as live from the first decision, steps down in the low phase, catches up after the stall', async () => {
    const run = await harness.run({ player: 'hls', policy: 'live', trace: stepTrace(), rttMs: 40, bufferGoalS: 12, llHls: { targetLatencyS: TARGET_S, resyncAboveS: RESYNC_ABOVE_S } });
    const info = describeRun(run);
    expect(run.errors, info).toEqual([]);
    expect(run.playerErrors.filter((e) => e.startsWith('fatal')), info).toEqual([]);
    expect(run.liveDecisions, info).toBe(run.decisionMs.length);
    expect(run.decisionMs.length, info).toBeGreaterThan(10);
    // Parts, not whole segments, were fetched, and playlists were reloaded with blocking queries.
    expect(run.requests.filter((q) => /\/ll-hls\/r\d\/p\d+\.\d+\.m4s$/.test(q.path)).length, info).toBeGreaterThan(20);
    // Down to the lowest two rungs in the low phase (segments 3-5 play 12-24 s), above them outside it.
    expect(Math.max(...run.segmentRungs), info).toBeGreaterThanOrEqual(2);
    expect(Math.min(...run.segmentRungs.slice(3, 6)), info).toBeLessThanOrEqual(1);
    const latencies = run.live!.latenciesS;
    expect(latencies.length, info).toBeGreaterThan(25);
    // After the stall the latency rose; by the end it is back near the target: the rate catch-up, and
    // past RESYNC_ABOVE_S over it a jump within the buffer (a 7 s stall once left hls.js 10 s behind,
    // which 1.05x would take minutes to win back).
    const peak = Math.max(...latencies);
    const end = median(latencies.slice(-5));
    expect(peak, info).toBeGreaterThan(TARGET_S + 0.5);
    expect(end, info).toBeLessThan(peak - 0.5);
    expect(Math.abs(end - TARGET_S), info).toBeLessThan(1);
    expect(run.live!.catchUpShare, info).toBeGreaterThan(0);
    if (peak > TARGET_S + RESYNC_ABOVE_S + 1) expect(run.liveResyncsS.length, info).toBeGreaterThan(0);
  });

  it('shaka: plays the LL-HLS stream live in low-latency mode with abrkit, without errors, latency bounded', async () => {
    const run = await harness.run({ player: 'shaka', policy: 'live', trace: stepTrace(), rttMs: 40, bufferGoalS: 12, llHls: { targetLatencyS: TARGET_S } });
    const info = describeRun(run);
    expect(run.errors, info).toEqual([]);
    expect(run.playerErrors.filter((e) => e.startsWith('fatal')), info).toEqual([]);
    expect(run.liveDecisions, info).toBe(run.decisionMs.length);
    expect(run.decisionMs.length, info).toBeGreaterThan(5);
    const latencies = run.live!.latenciesS;
    expect(latencies.length, info).toBeGreaterThan(25);
    expect(median(latencies), info).toBeLessThan(TARGET_S + 3);
    expect(Math.min(...run.segmentRungs.slice(3, 6)), info).toBeLessThanOrEqual(1);
  });
});
