import { describe, expect, it } from 'vitest';
import { createPensieveEnv } from '../../src/sim/pensieve-env.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import type { Trace } from '../../src/sim/trace.js';

function trace(timesS: number[], mbps: number[]): Trace {
  return { name: 't', timesS: Float64Array.from(timesS), mbps: Float64Array.from(mbps), shiftedByS: 0 };
}

/** Two rungs, 4 s chunks; chunk sizes chosen so download times come out round. */
const video: SimVideo = {
  name: 'v',
  renditions: [
    { id: 'lo', bitrateBps: 1e6 },
    { id: 'hi', bitrateBps: 4e6 },
  ],
  segmentDurationS: 4,
  segmentSizesBytes: Array.from({ length: 30 }, () => [475_000, 1_900_000]),
};

describe('pensieve env (fixed_env.py semantics)', () => {
  it('carries Mbps * 1e6 / 8 * 0.95 bytes per second and adds 80 ms RTT', () => {
    // 8 Mbit/s = 1e6 B/s, 95% payload: 950 kB/s. Line 0's bandwidth (99) is never used.
    const env = createPensieveEnv(trace([0, 10, 20], [99, 8, 8]), video);
    const state = env.initial();
    const first = env.step(state, 0, 0); // 475 kB: 0.5 s
    expect(first.downloadMs).toBeCloseTo(580, 9);
    expect(first.rebufferS).toBeCloseTo(0.58, 12);
    expect(first.bufferAfterS).toBeCloseTo(4, 12);
    const second = env.step(state, 1, 1); // 1.9 MB: 2 s
    expect(second.downloadMs).toBeCloseTo(2080, 9);
    expect(second.rebufferS).toBe(0);
    expect(second.bufferAfterS).toBeCloseTo(4 - 2.08 + 4, 9);
    expect(second.samples[0]).toMatchObject({ bytes: 1_900_000, durationMs: expect.closeTo(2080, 9), ttfbMs: 80 });
  });

  it('walks across trace intervals, prorating the last', () => {
    // 0-1 s at 4 Mbit/s (475 kB), then 16 Mbit/s (1.9 MB/s): 1.9 MB takes 1 s + 1.425/1.9 s.
    const env = createPensieveEnv(trace([0, 1, 10], [0, 4, 16]), video);
    const outcome = env.step(env.initial(), 0, 1);
    expect(outcome.downloadMs).toBeCloseTo(1000 + 750 + 80, 9);
  });

  it('wraps the trace to time 0 when it runs out', () => {
    // 1 s of 8 Mbit/s per lap: 1.9 MB needs two laps (2 s of link time).
    const env = createPensieveEnv(trace([0, 1], [0, 8]), video);
    expect(env.step(env.initial(), 0, 1).downloadMs).toBeCloseTo(2080, 9);
  });

  it('sleeps in 500 ms steps when the buffer passes 60 s', () => {
    const env = createPensieveEnv(trace([0, 1000], [0, 800]), video); // very fast link
    const state = env.initial();
    let outcome = env.step(state, 0, 0);
    for (let i = 1; i < 20; i++) outcome = env.step(state, i, 0);
    // Each chunk adds 4 s and costs ~0.085 s; once over 60 s the env sleeps down to <= 60 s.
    expect(outcome.bufferAfterS).toBeLessThanOrEqual(60);
    expect(outcome.bufferAfterS).toBeGreaterThan(59.5);
  });

  it('stops at 48 chunks by default (the 49th size is unused)', () => {
    const long: SimVideo = { ...video, segmentSizesBytes: Array.from({ length: 49 }, () => [475_000, 1_900_000]) };
    expect(createPensieveEnv(trace([0, 1], [0, 8]), long).chunkCount).toBe(48);
  });
});
