import { describe, expect, it } from 'vitest';
import { percentile, summarizeLiveSession } from '../../src/qoe/live.js';

describe('live QoE', () => {
  const record = {
    targetLatencyS: 3, startupS: 0.4, segmentBitratesBps: [1e6, 2e6, 2e6], stallS: 1, stalls: 1,
    latencyPerSecondS: [3, 4, 3.2], ratePerSecond: [1, 1.05, 1], rateChanges: 2,
  };

  it('scores bitrate, switches, stalls, latency above target and rate changes per segment', () => {
    const m = summarizeLiveSession(record);
    // (1 + (2 - 1) + 2 - 4.3 * 1 - 0.5 * (0 + 1 + 0.2) - 2 * 0.05) / 3
    expect(m.qoe).toBeCloseTo(-1 / 3, 12);
    expect(m).toMatchObject({ switches: 1, stallS: 1, stalls: 1, startupS: 0.4, rateChanges: 2, latencyP95S: 4 });
    expect(m.bitrateMbps).toBeCloseTo(5 / 3, 12);
    expect(m.latencyS).toBeCloseTo(3.4, 12);
    expect(m.atTargetShare).toBeCloseTo(2 / 3, 12);
    expect(m.latencyAboveTargetS).toBeCloseTo(0.4, 12);
    expect(m.rateAdjustedShare).toBeCloseTo(1 / 3, 12);
  });

  it('takes its penalties and tolerance as options, and rejects negative ones', () => {
    expect(summarizeLiveSession(record, { atTargetToleranceS: 1 }).atTargetShare).toBe(1);
    expect(summarizeLiveSession(record, { latencyPenaltyPerS: 0, ratePenaltyPerS: 0 }).qoe).toBeCloseTo((4 - 4.3) / 3, 12);
    expect(() => summarizeLiveSession(record, { latencyPenaltyPerS: -1 })).toThrow(/penalties/);
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 0.95)).toBe(5);
    expect(percentile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
