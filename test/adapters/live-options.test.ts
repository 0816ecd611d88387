import { describe, expect, it } from 'vitest';
import { applyPlaybackRate, createAdapterCore, resolveLiveOptions } from '../../src/adapters/setup.js';
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
});
