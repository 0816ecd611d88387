import { describe, expect, it } from 'vitest';
import { createLivePolicy } from '../../src/policies/live.js';
import { createNamedPolicy } from '../../src/policies/named.js';
import type { DecisionContext } from '../../src/core/context.js';
import { PENSIEVE_LADDER } from '../helpers.js';

// Ladder 300/750/1200/1850/2850/4300 kbps.
function context(over: Partial<DecisionContext> & { throughputBps?: number }): DecisionContext {
  const { throughputBps = 3e6, ...rest } = over;
  return {
    ladder: PENSIEVE_LADDER, segmentIndex: 5, segmentsRemaining: null, isLive: true, bufferS: 4, playbackRate: 1,
    lastRungIndex: 3, history: [], prediction: { throughputBps, errorRatio: 0 }, minRungIndex: 0, maxRungIndex: 5, nowMs: 0,
    live: { latencyS: 3, targetLatencyS: 3 }, ...rest,
  };
}

describe('live policy', () => {
  const policy = createLivePolicy();

  it('plays at 1x at the target and picks the rung 50% of the estimate affords', () => {
    const d = policy.decide(context({}));
    expect(d.playbackRate).toBe(1);
    expect(d.rungIndex).toBe(2); // 0.5 * 3 Mbit/s = 1.5 -> 1200 kbps
    expect(d.reason.kind).toBe('live');
  });

  it('speeds up when behind the target and slows down when ahead, within 0.95-1.05', () => {
    expect(policy.decide(context({ live: { latencyS: 3.5, targetLatencyS: 3 } })).playbackRate).toBeCloseTo(1.025, 9);
    expect(policy.decide(context({ live: { latencyS: 9, targetLatencyS: 3 } })).playbackRate).toBe(1.05);
    expect(policy.decide(context({ live: { latencyS: 2, targetLatencyS: 3 } })).playbackRate).toBe(0.95);
    expect(policy.decide(context({ live: { latencyS: 3.1, targetLatencyS: 3 } })).playbackRate).toBe(1);
  });

  it('takes a smaller share when the buffer is short of a segment (4 s here), down to half', () => {
    // 4 Mbit/s estimated: 0.5 * 4 = 2 -> 1850 kbps; 0.5 * 3/4 * 4 = 1.5 -> 1200; 0.5 * 0.5 * 4 = 1 -> 750.
    expect(policy.decide(context({ bufferS: 4, throughputBps: 4e6 })).rungIndex).toBe(3);
    expect(policy.decide(context({ bufferS: 3, throughputBps: 4e6 })).rungIndex).toBe(2);
    expect(policy.decide(context({ bufferS: 1.5, throughputBps: 4e6 })).rungIndex).toBe(1);
  });

  it('never speeds up on a low buffer: it slows down however late it is', () => {
    const d = policy.decide(context({ bufferS: 0.8, live: { latencyS: 6, targetLatencyS: 3 } }));
    expect(d.playbackRate).toBeLessThan(1);
    expect(d.playbackRate).toBeGreaterThanOrEqual(0.95);
  });

  it('drops to the lowest rung when the buffer is nearly empty, and holds rather than switching up on a low buffer', () => {
    expect(policy.decide(context({ bufferS: 0.3 })).rungIndex).toBe(0);
    expect(policy.decide(context({ bufferS: 2, lastRungIndex: 1, throughputBps: 10e6 })).rungIndex).toBe(1);
    expect(policy.decide(context({ bufferS: 2.6, lastRungIndex: 1, throughputBps: 10e6 })).rungIndex).toBe(2);
  });

  it('with the part duration known, switches up with the target less a part buffered (the most a player at the target holds between parts)', () => {
    const live = (partDurationS: number) => ({ latencyS: 3, targetLatencyS: 3, partDurationS });
    // 3 s target, 1 s parts: 2 s is enough; 0.5 s parts (the simulator's): the 2.5 s default stands.
    expect(policy.decide(context({ bufferS: 2.1, lastRungIndex: 1, throughputBps: 10e6, live: live(1) })).rungIndex).toBe(2);
    expect(policy.decide(context({ bufferS: 1.9, lastRungIndex: 1, throughputBps: 10e6, live: live(1) })).rungIndex).toBe(1);
    expect(policy.decide(context({ bufferS: 2.4, lastRungIndex: 1, throughputBps: 10e6, live: live(0.5) })).rungIndex).toBe(1);
  });

  it('leaves the rate alone without a measured latency', () => {
    const d = policy.decide(context({ live: undefined, isLive: false }));
    expect('playbackRate' in d).toBe(false);
    expect(d.rungIndex).toBe(2);
  });

  it('caps the estimate by the last download, so one slow segment lowers the next rung at once', () => {
    const slow = { bytes: 150_000, durationMs: 2040, ttfbMs: 40, startMs: 0, endMs: 2040 }; // 0.6 Mbit/s of flow
    expect(policy.decide(context({ history: [slow], throughputBps: 5e6 })).rungIndex).toBe(0); // 0.5 * 0.6 = 0.3 -> 300 kbps
  });

  it('is a named policy with the chunked estimator', () => {
    const { policy: named, estimator } = createNamedPolicy('live');
    expect(named.name).toBe('live');
    expect(estimator.name).toBe('chunked');
    expect(createNamedPolicy('live+harmonic').estimator.name).toBe('harmonic');
  });

  it('rejects contradictory options', () => {
    expect(() => createLivePolicy({ panicBufferS: 2, slowDownBufferS: 1 })).toThrow(/panicBufferS/);
  });
});
