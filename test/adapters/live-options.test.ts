import { describe, expect, it } from 'vitest';
import { applyLiveResync, applyPlaybackRate, createAdapterCore, resolveLiveOptions } from '../../src/adapters/setup.js';
import { resyncToTarget, type LiveResync, type ResyncMedia } from '../../src/adapters/live-resync.js';
import { ladderFromBitrates } from '../../src/core/ladder.js';

describe('adapter live options', () => {
  it('accepts a positive target and rejects others before playback', () => {
    expect(resolveLiveOptions(undefined)).toBeNull();
    expect(resolveLiveOptions({ targetLatencyS: 3 })).toEqual({ targetLatencyS: 3 });
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveLiveOptions({ targetLatencyS: bad })).toThrow(/targetLatencyS/);
      expect(() => createAdapterCore({ live: { targetLatencyS: bad } }, ladderFromBitrates([1], 1))).toThrow(/targetLatencyS/);
    }
  });

  it('sets the element rate only when a decision asks for a different one', () => {
    const media = { playbackRate: 1 };
    applyPlaybackRate(media, undefined);
    expect(media.playbackRate).toBe(1);
    applyPlaybackRate(media, 1.05);
    expect(media.playbackRate).toBe(1.05);
    applyPlaybackRate(media, 1.0504);
    expect(media.playbackRate).toBe(1.05);
    applyPlaybackRate(null, 0.95);
  });

  it('jumps back to the target after a long stall, only within the buffered range, only while playing', () => {
    const media = (currentTime: number, ranges: [number, number][], paused = false): ResyncMedia => ({
      currentTime,
      paused,
      buffered: { length: ranges.length, start: (i) => ranges[i]![0], end: (i) => ranges[i]![1] },
    });
    // 10.8 s behind a 3 s target with 9 s buffered: 7.8 s ahead (1 s still buffered after the jump).
    const far = media(20, [[0, 5], [19.95, 29]]);
    expect(resyncToTarget(far, 10.8, 3, 3)).toEqual({ latencyS: 10.8, targetLatencyS: 3, jumpS: expect.closeTo(7.8, 9) });
    expect(far.currentTime).toBeCloseTo(27.8, 9);
    // Only 4 s buffered: as far as leaves 1 s.
    const short = media(20, [[18, 24]]);
    expect(resyncToTarget(short, 10.8, 3, 3)?.jumpS).toBeCloseTo(3, 9);
    // Within the threshold, paused, nothing buffered there, or too little to gain: no jump.
    for (const [m, latency] of [[media(20, [[18, 40]]), 5.9], [media(20, [[18, 40]], true), 10], [media(20, [[25, 40]]), 10], [media(20, [[18, 21.5]]), 10]] as const) {
      expect(resyncToTarget(m, latency, 3, 3)).toBeNull();
      expect(m.currentTime).toBe(20);
    }
    expect(resyncToTarget(media(20, [[18, 40]]), Number.NaN, 3, 3)).toBeNull();
    // Through the adapters' hook: reported; off by default (as in the players).
    const seen: LiveResync[] = [];
    // It runs before the decision, which then sees the latency after the jump.
    const state = { latencyS: 6.5, targetLatencyS: 3, partDurationS: 1 };
    expect(applyLiveResync(media(20, [[18, 40]]), { targetLatencyS: 3, resyncAboveS: 3, onResync: (r) => seen.push(r) }, state)).toEqual({ ...state, latencyS: 3 });
    expect(seen.map((r) => r.jumpS)).toEqual([3.5]);
    const untouched = media(20, [[18, 40]]);
    const far60 = { latencyS: 60, targetLatencyS: 3 };
    expect(applyLiveResync(untouched, { targetLatencyS: 3, onResync: (r) => seen.push(r) }, far60)).toBe(far60);
    expect(seen).toHaveLength(1);
    expect(untouched.currentTime).toBe(20);
    expect(() => resolveLiveOptions({ targetLatencyS: 3, resyncAboveS: 0 })).toThrow(/resyncAboveS/);
  });
});
