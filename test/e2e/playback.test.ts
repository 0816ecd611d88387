import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type BrowserRunResult } from '../../src/node/harness/runner.js';
import type { Trace } from '../../src/sim/trace.js';
import type { FaultSpec } from '../../src/node/harness/server.js';

/**
 * Real playback in headless Chromium through the shaped loopback server, with abrkit's rate-based
 * policy in each player (it reacts to throughput within a segment or two, so a 60 s clip shows both
 * switches). A 12 s forward buffer keeps the segments played close in time to the network phases.
 * Needs the stream from scripts/setup-media.sh (scripts/test-e2e.sh makes it).
 */
const POLICY = 'rate';
const BUFFER_GOAL_S = 12;

/** 5 Mbps, then 0.5 Mbps from 10 s to 26 s, then 5 Mbps again: only the lowest rung fits the low phase. */
function stepTrace(): Trace {
  const timesS = [0, 10, 26, 400];
  const mbps = [5, 5, 0.5, 5];
  return { name: 'step-5-0.5-5', timesS: Float64Array.from(timesS), mbps: Float64Array.from(mbps), shiftedByS: 0 };
}

function flatTrace(mbps: number): Trace {
  return { name: `flat-${mbps}`, timesS: Float64Array.from([0, 400]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 };
}

function describeRun(r: BrowserRunResult): string {
  return `rungs=${r.segmentRungs.join(',')} stalls=${r.stalls} rebuffer=${r.rebufferS.toFixed(2)}s errors=${JSON.stringify(r.errors)} playerErrors=${JSON.stringify(r.playerErrors)}`;
}

/** The rungs played went high (>= 3), then down to the lowest two in the low phase, then high again. */
function expectDownThenUp(rungs: readonly number[], info: string): void {
  const firstHigh = rungs.findIndex((r) => r >= 3);
  expect(firstHigh, info).toBeGreaterThanOrEqual(0);
  const low = rungs.findIndex((r, i) => i > firstHigh && r <= 1);
  expect(low, `no switch down after a high rung: ${info}`).toBeGreaterThan(firstHigh);
  const backUp = rungs.findIndex((r, i) => i > low && r >= 3);
  expect(backUp, `no switch back up after the low phase: ${info}`).toBeGreaterThan(low);
}

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await BrowserHarness.start();
});

afterAll(async () => {
  await harness?.close();
});

for (const player of ['hls', 'shaka'] as const) {
  describe(`${player} with abrkit`, () => {
    it('plays to the end under a step trace, switching down in the low phase and back up', async () => {
      const run = await harness.run({ player, policy: POLICY, trace: stepTrace(), rttMs: 40, bufferGoalS: BUFFER_GOAL_S });
      const info = describeRun(run);
      expect(run.errors, info).toEqual([]);
      expect(run.playerErrors.filter((e) => e.startsWith('fatal')), info).toEqual([]);
      expect(run.ended, info).toBe(true);
      const segmentCount = harness.stream.durationS / harness.stream.segmentDurationS;
      expect(run.segmentRungs.length, info).toBe(segmentCount);
      expectDownThenUp(run.segmentRungs, info);
      expect(run.fallbacks, info).toBe(0);
      expect(run.decisionMs.length, info).toBeGreaterThanOrEqual(segmentCount - 1);
    });

    it('keeps playing through injected 5xx, truncated and stalled segments, and keeps deciding', async () => {
      const faults: FaultSpec[] = [
        { kind: '5xx', segments: [2] },
        { kind: 'truncate', segments: [4] },
        { kind: 'stall', segments: [6], stallMs: 5000 },
      ];
      const durationS = 40;
      const run = await harness.run({ player, policy: POLICY, trace: flatTrace(3), rttMs: 40, faults, durationS, bufferGoalS: BUFFER_GOAL_S });
      const info = describeRun(run);
      // The faults really were served (otherwise this test would prove nothing). A truncated or stalled
      // response may end as 'aborted' rather than 'faulted' when the player gives up on it first.
      const armed = new Set(run.requests.map((r) => r.fault).filter((f) => f !== null));
      expect([...armed].sort(), info).toEqual(['5xx', 'stall', 'truncate']);
      expect(run.requests.some((r) => r.fault === '5xx' && r.outcome === 'faulted' && r.status === 503), info).toBe(true);
      expect(run.requests.some((r) => r.fault !== null && r.fault !== '5xx' && (r.outcome === 'faulted' || r.outcome === 'aborted')), info).toBe(true);
      expect(run.errors, info).toEqual([]);
      expect(run.playerErrors.filter((e) => e.startsWith('fatal') || e.includes('severity 2')), info).toEqual([]);
      // Playback went on past every faulted segment to the requested end.
      const positions = durationS / harness.stream.segmentDurationS;
      expect(run.segmentRungs.length, info).toBeGreaterThanOrEqual(positions);
      expect(run.fallbacks, info).toBe(0);
      // The controller recovered: decisions continued after the faults and reached a rung above the lowest.
      expect(run.decisionMs.length, info).toBeGreaterThanOrEqual(positions - 1);
      expect(Math.max(...run.segmentRungs.slice(7, positions)), info).toBeGreaterThanOrEqual(2);
    });
  });
}

describe('hls with abrkit, live', () => {
  it('plays a live stream (sliding window, no end tag), deciding as live and switching with the link', async () => {
    // 4 segments published at the start, one more every 4 s, 6 in the window: hls.js starts 3
    // segments behind the edge and refreshes the playlist as it goes.
    const durationS = 44;
    const run = await harness.run({ player: 'hls', policy: POLICY, trace: stepTrace(), rttMs: 40, bufferGoalS: BUFFER_GOAL_S, durationS, live: { initialSegments: 4, windowSegments: 6 } });
    const info = `${describeRun(run)} liveDecisions=${run.liveDecisions}/${run.decisionMs.length} finalTimeS=${run.finalTimeS}`;
    expect(run.errors, info).toEqual([]);
    expect(run.playerErrors.filter((e) => e.startsWith('fatal')), info).toEqual([]);
    // It was live: the media playlists were fetched again and again, and no end was reached.
    const playlistLoads = run.requests.filter((r) => /r\d\/index\.m3u8$/.test(r.path)).length;
    expect(playlistLoads, info).toBeGreaterThanOrEqual(5);
    expect(run.ended, info).toBe(false);
    expect(run.finalTimeS, info).toBeGreaterThanOrEqual(durationS);
    // Every decision saw a live context (no segments remaining to plan to), except possibly the
    // first: hls.js asks for a level before it has loaded any media playlist.
    expect(run.decisionMs.length, info).toBeGreaterThanOrEqual(6);
    expect(run.liveDecisions, info).toBeGreaterThanOrEqual(run.decisionMs.length - 1);
    expect(run.fallbacks, info).toBe(0);
    expectDownThenUp(run.segmentRungs, info);
  });
});
