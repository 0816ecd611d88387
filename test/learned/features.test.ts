import { describe, expect, it } from 'vitest';
import { computeFeatures, GLOBAL_FEATURES, historyStats, RUNG_FEATURES, shieldMask, type FeatureInput } from '../../src/learned/features.js';
import { constantVideo, sampleAt } from './helpers.js';

const envivio = constantVideo([300, 750, 1200, 1850, 2850, 4300], 4, 48);
const history = [sampleAt(1, 500_000, 4000), sampleAt(2, 500_000, 8000), sampleAt(4, 500_000, 12000)];
const base: FeatureInput = {
  ladder: envivio,
  segmentIndex: 3,
  segmentsRemaining: 45,
  bufferS: 8,
  lastRungIndex: 2,
  history,
  minRungIndex: 0,
  maxRungIndex: 5,
};

describe('dqn features', () => {
  it('harmonic mean and RobustMPC error bound come from the history alone', () => {
    const stats = historyStats(history);
    expect(stats.harmonicBps).toBeCloseTo(3 / (1 / 1e6 + 1 / 2e6 + 1 / 4e6), 3);
    // Predictions before samples 2 and 3: 1 Mbps (error 0.5 on 2), 4/3 Mbps (error 2/3 on 4).
    expect(stats.maxErrorRatio).toBeCloseTo(2 / 3, 9);
  });

  it('has fixed-size global features and one vector per candidate rung', () => {
    const f = computeFeatures(base);
    expect(f.global).toHaveLength(GLOBAL_FEATURES);
    expect(f.perRung).toHaveLength(6 * RUNG_FEATURES);
    expect(f.rungCount).toBe(6);
    expect(f.global[0]).toBeCloseTo(0.8, 6);
    for (const v of [...f.global, ...f.perRung]) expect(Number.isFinite(v)).toBe(true);
  });

  it('is pure: same input, same numbers, input untouched', () => {
    const copy = JSON.stringify(base);
    const a = computeFeatures(base);
    const b = computeFeatures(base);
    expect(Array.from(a.global)).toEqual(Array.from(b.global));
    expect(Array.from(a.perRung)).toEqual(Array.from(b.perRung));
    expect(JSON.stringify(base)).toBe(copy);
  });

  it('masks to the allowed rungs', () => {
    const all = computeFeatures(base);
    const some = computeFeatures({ ...base, minRungIndex: 1, maxRungIndex: 3 });
    expect(some.rungCount).toBe(3);
    expect(some.minRungIndex).toBe(1);
    expect(Array.from(some.perRung)).toEqual(Array.from(all.perRung.subarray(RUNG_FEATURES, 4 * RUNG_FEATURES)));
  });

  it('describes a rung by what it is, not by its index: the same rendition in another ladder gets the same non-index features', () => {
    const ladderA = constantVideo([300, 1200, 4300], 4, 48);
    const ladderB = constantVideo([200, 300, 600, 1200, 2400, 4300], 4, 48);
    const a = computeFeatures({ ...base, ladder: ladderA, lastRungIndex: 1, maxRungIndex: 2 });
    const b = computeFeatures({ ...base, ladder: ladderB, lastRungIndex: 3, maxRungIndex: 5 });
    const rungA = a.perRung.subarray(1 * RUNG_FEATURES, 2 * RUNG_FEATURES); // 1200 kbps
    const rungB = b.perRung.subarray(3 * RUNG_FEATURES, 4 * RUNG_FEATURES); // 1200 kbps
    const indexFree = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    for (const i of indexFree) expect(rungB[i]).toBeCloseTo(rungA[i], 6);
    expect(rungA[0]).toBeCloseTo(0.5, 6);
    expect(rungB[0]).toBeCloseTo(0.6, 6);
    expect(Array.from(a.global)).toEqual(Array.from(b.global));
  });

  it('predicts a stall for a rung the robust throughput cannot fetch within the buffer', () => {
    const f = computeFeatures({ ...base, bufferS: 1 });
    const mid = f.perRung.subarray(2 * RUNG_FEATURES, 3 * RUNG_FEATURES);
    const robustBps = historyStats(history).harmonicBps / (1 + 2 / 3);
    expect(mid[6]).toBeCloseTo(Math.log1p((1200e3 * 4) / robustBps - 1), 5);
    expect(f.rebufferRobustS[2]).toBeCloseTo((1200e3 * 4) / robustBps - 1, 6);
    expect(f.perRung[6]).toBeCloseTo(Math.log1p((300e3 * 4) / robustBps - 1), 5);
    // Stalls keep ordering the rungs however slow the link is.
    for (let k = 1; k < 6; k++) expect(f.perRung[k * RUNG_FEATURES + 6]).toBeGreaterThan(f.perRung[(k - 1) * RUNG_FEATURES + 6]);
    expect(computeFeatures(base).perRung[6]).toBe(0); // 8 s of buffer: no stall at 300 kbps
  });

  it('shields rungs predicted to stall more than the least-stalling one by over the slack', () => {
    const f = computeFeatures({ ...base, bufferS: 1 });
    const mask = shieldMask(f, 1);
    const least = Math.min(...f.rebufferRobustS);
    for (let k = 0; k < 6; k++) expect(((mask >>> k) & 1) === 1).toBe(f.rebufferRobustS[k] <= least + 1);
    expect(mask & 1).toBe(1);
    expect(mask & (1 << 5)).toBe(0);
    expect(shieldMask(computeFeatures({ ...base, bufferS: 30 }), 1)).toBe(0b111111);
  });

  it('uses a learned prediction when given one', () => {
    const plain = computeFeatures(base);
    const learned = computeFeatures({ ...base, prediction: { throughputBps: 3e6, errorRatio: 0.1 } });
    expect(learned.global[4]).toBeCloseTo(Math.log(3e6 / historyStats(history).harmonicBps), 5);
    expect(learned.global[5]).toBeCloseTo(0.1, 6);
    expect(plain.global[4]).toBe(0);
  });

  it('refuses an empty history', () => {
    expect(() => computeFeatures({ ...base, history: [] })).toThrow(RangeError);
  });
});
