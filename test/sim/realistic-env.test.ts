import { describe, expect, it } from 'vitest';
import { createRealisticEnv } from '../../src/sim/realistic-env.js';
import { createAbandonRule } from '../../src/core/abandon.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import type { Trace } from '../../src/sim/trace.js';

const video: SimVideo = {
  name: 'v',
  renditions: [
    { id: 'lo', bitrateBps: 1e6 },
    { id: 'hi', bitrateBps: 4e6 },
  ],
  segmentDurationS: 4,
  segmentSizesBytes: Array.from({ length: 20 }, () => [500_000, 2_000_000]),
};
const trace = (timesS: number[], mbps: number[]): Trace => ({ name: 't', timesS: Float64Array.from(timesS), mbps: Float64Array.from(mbps), shiftedByS: 0 });

describe('realistic env', () => {
  it('waits a round trip per request and counts the first segment as startup, not a stall', () => {
    // 10 Mbit/s at 100% payload = 1.25 MB/s: 500 kB in 0.4 s, after 100 ms RTT.
    const env = createRealisticEnv(trace([0, 100], [10, 10]), video, { rttMs: 100, payloadPortion: 1 });
    const state = env.initial();
    const first = env.step(state, 0, 0);
    expect(first.downloadMs).toBeCloseTo(500, 9);
    expect(first.startupS).toBeCloseTo(0.5, 12);
    expect(first.rebufferS).toBe(0);
    expect(first.samples[0]).toMatchObject({ bytes: 500_000, ttfbMs: 100, durationMs: expect.closeTo(500, 9) });
    const second = env.step(state, 1, 1); // 2 MB in 1.6 s + 0.1 s RTT, buffer 4 s: no stall
    expect(second.rebufferS).toBe(0);
    expect(second.bufferAfterS).toBeCloseTo(4 - 1.7 + 4, 9);
  });

  it('idles while the buffer is at its goal', () => {
    const env = createRealisticEnv(trace([0, 1000], [100, 100]), video, { bufferGoalS: 12, rttMs: 0 });
    const state = env.initial();
    for (let i = 0; i < 6; i++) env.step(state, i, 0);
    // Never more than one segment over the room left under the goal.
    expect(env.bufferS(state)).toBeLessThanOrEqual(12 + 1e-9);
    expect(env.bufferS(state)).toBeGreaterThan(11);
  });

  it('does not wrap by default: past its end the link runs at the trace mean', () => {
    // 1 s at 4 Mbit/s then the trace ends; mean = 4 Mbit/s = 500 kB/s: 2 MB takes 4 s.
    const env = createRealisticEnv(trace([0, 1], [4, 4]), video, { rttMs: 0, payloadPortion: 1 });
    expect(env.step(env.initial(), 0, 1).downloadMs).toBeCloseTo(4000, 6);
  });

  it('abandons a segment that would stall for a lower rung, counting the waste', () => {
    // 8 s fast (20 Mbit/s), then a collapse to 0.5 Mbit/s.
    const env = createRealisticEnv(trace([0, 8, 200], [20, 20, 0.5]), video, { rttMs: 50, payloadPortion: 1 });
    const state = env.initial();
    for (let i = 0; i < 6; i++) env.step(state, i, 1);
    const bufferBeforeS = env.bufferS(state);
    const abandon = createAbandonRule();
    let outcome = env.step(state, 6, 1, abandon);
    for (let i = 7; outcome.wastedBytes === 0 && i < 20; i++) outcome = env.step(state, i, 1, abandon);
    expect(bufferBeforeS).toBeGreaterThan(0);
    expect(outcome.wastedBytes).toBeGreaterThan(0);
    expect(outcome.rungIndex).toBe(0);
    expect(outcome.samples.length).toBe(2);
  });
});
