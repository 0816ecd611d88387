import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type BrowserRunResult } from '../../src/node/harness/runner.js';
import type { Trace } from '../../src/sim/trace.js';

/**
 * The `viewer` option in real Chromium, one short session per player: the page goes hidden 2 s into
 * playback for 16 s (emulated: headless Chromium has no tabs to hide), on a 20 Mbit/s link with a
 * 30 s buffer goal. While hidden the adapter lowers the goal to 8 s and holds the lowest rung, so
 * downloads slow to about one lowest-rung segment per segment played; visible again, the goal is
 * 30 s, the lowest-rung media buffered beyond one segment ahead is dropped and fetched again
 * (`replaceOnReturn`), and the top rungs come back at once, with no stall.
 */
const HIDDEN_GOAL_S = 8;
const REPLACE_MARGIN_S = 4;
const BUFFER_GOAL_S = 30;
const HIDE = { atS: 2, forS: 16 };

function flatTrace(mbps: number): Trace {
  return { name: `flat-${mbps}`, timesS: Float64Array.from([0, 400]), mbps: Float64Array.from([mbps, mbps]), shiftedByS: 0 };
}

function describeRun(r: BrowserRunResult): string {
  const t = r.timeline;
  const buffer = t.bufferSamples.map((s) => `${(s.tMs / 1000).toFixed(1)}${s.hidden ? 'h' : ''}:${s.bufferS.toFixed(1)}`).join(' ');
  const segments = t.segmentTimes.map((s) => `${(s.tMs / 1000).toFixed(1)}:${s.index}/r${s.rungIndex}`).join(' ');
  return `hidden=${JSON.stringify(t.hiddenMs)} changes=${JSON.stringify(t.viewerChanges)} segments=${segments} buffer=${buffer} stalls=${JSON.stringify(t.stalls)} errors=${JSON.stringify(r.errors)} playerErrors=${JSON.stringify(r.playerErrors)}`;
}

let harness: BrowserHarness;

beforeAll(async () => {
  harness = await BrowserHarness.start();
});

afterAll(async () => {
  await harness?.close();
});

for (const player of ['hls', 'shaka'] as const) {
  describe(`${player} with abrkit's viewer option`, () => {
    it('hidden mid-session: downloads slow and the buffer cap applies; visible again: the lowest-rung media ahead is replaced and quality recovers with no stall', async () => {
      const run = await harness.run({
        player,
        policy: 'rate',
        trace: flatTrace(20),
        rttMs: 40,
        bufferGoalS: BUFFER_GOAL_S,
        durationS: 40,
        viewer: { hiddenGoalS: HIDDEN_GOAL_S, hiddenLowestRung: true, replaceMarginS: REPLACE_MARGIN_S, engagement: null },
        hide: HIDE,
      });
      const info = describeRun(run);
      const t = run.timeline;
      expect(run.errors, info).toEqual([]);
      expect(run.playerErrors.filter((e) => e.startsWith('fatal') || e.includes('severity 2')), info).toEqual([]);
      expect(t.hiddenMs?.endMs, info).toBeGreaterThan(0);
      const { startMs, endMs } = t.hiddenMs as { startMs: number; endMs: number };
      const top = harness.stream.ladderKbps.length - 1;
      const segmentS = harness.stream.segmentDurationS;

      // The adapter lowered the goal while hidden and gave the player's own back on return.
      const reasons = t.viewerChanges.map((c) => `${c.reason}:${c.goalS}`);
      const hiddenAt = reasons.indexOf(`hidden:${HIDDEN_GOAL_S}`);
      expect(hiddenAt, info).toBeGreaterThanOrEqual(0);
      expect(reasons.slice(hiddenAt + 1), info).toContain(`watching:${BUFFER_GOAL_S}`);

      // Before hiding, the link carried the top rungs (shaka starts lower and takes a segment longer).
      expect(t.segmentTimes.some((s) => s.tMs < startMs && s.rungIndex >= top - 1), info).toBe(true);

      // Hidden: after what was in flight at the switch, only lowest-rung segments, about one per
      // segment played (none at all until the buffer drained to the goal).
      const hidden = t.segmentTimes.filter((s) => s.tMs > startMs + 1500 && s.tMs <= endMs);
      expect(hidden.every((s) => s.rungIndex === 0), info).toBe(true);
      expect(hidden.length, info).toBeLessThanOrEqual(Math.ceil(HIDE.forS / segmentS) + 1);
      // The cap held: once drained, the buffer stayed within the hidden goal plus a segment (and a second's slack).
      const settled = t.bufferSamples.filter((s) => s.hidden && s.tMs > startMs + 8000);
      expect(settled.length, info).toBeGreaterThan(0);
      expect(Math.max(...settled.map((s) => s.bufferS)), info).toBeLessThanOrEqual(HIDDEN_GOAL_S + segmentS + 1);

      // Visible again: the player refilled past the hidden goal at the top rungs.
      const after = t.segmentTimes.filter((s) => s.tMs > endMs + 1000);
      expect(after.length, info).toBeGreaterThanOrEqual(2);
      expect(Math.min(...after.map((s) => s.rungIndex)), info).toBeGreaterThanOrEqual(top - 1);
      expect(Math.max(...t.bufferSamples.filter((s) => s.tMs > endMs).map((s) => s.bufferS)), info).toBeGreaterThan(HIDDEN_GOAL_S + segmentS + 1);

      // Replaced on return: the adapter said so, and segments loaded at the lowest rung while hidden
      // were loaded again at the top rungs after the return (the page keeps the last load per segment).
      expect(t.viewerChanges.filter((c) => c.replacedBeyondS === REPLACE_MARGIN_S).length, info).toBe(1);
      const hiddenLowest = new Set(hidden.filter((s) => s.rungIndex === 0).map((s) => s.index));
      const reloaded = after.filter((s) => hiddenLowest.has(s.index) && s.rungIndex >= top - 1);
      expect(reloaded.length, info).toBeGreaterThanOrEqual(1);
      expect(t.stalls, info).toEqual([]);
    });
  });
}
