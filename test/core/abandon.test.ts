import { describe, expect, it } from 'vitest';
import { createAbandonRule, type DownloadProgress } from '../../src/core/abandon.js';
import { ladderFromBitrates } from '../../src/core/ladder.js';

const ladder = ladderFromBitrates([300_000, 750_000, 1_200_000, 1_850_000], 4);

/** A rung-3 segment (925 kB) in flight. */
function progress(overrides: Partial<DownloadProgress>): DownloadProgress {
  return { ladder, segmentIndex: 0, rungIndex: 3, bytesLoaded: 0, bytesTotal: 925_000, elapsedMs: 1000, ttfbMs: 1000, bufferS: 4, minRungIndex: 0, ...overrides };
}

describe('createAbandonRule', () => {
  const rule = createAbandonRule();

  it('lets a download finish that arrives before the buffer drains', () => {
    // 400 kB in 1 s after a 50 ms TTFB: the remaining 525 kB take about 1.25 s, within 4 s of buffer.
    expect(rule(progress({ bytesLoaded: 400_000, elapsedMs: 1050, ttfbMs: 50 }))).toBeNull();
  });

  it('switches down to the highest rung that fits when the download would stall', () => {
    // 50 kB/s: 875 kB left take 17.5 s; buffer 4 s. Refetching rung 0 (150 kB) takes 3.05 s <= 3.2 s.
    expect(rule(progress({ bytesLoaded: 50_000, elapsedMs: 1050, ttfbMs: 50 }))).toBe(0);
    // At 150 kB/s rung 1 (375 kB) takes 2.55 s: it fits, and it is the highest that does.
    expect(rule(progress({ bytesLoaded: 150_000, elapsedMs: 1050, ttfbMs: 50 }))).toBe(1);
  });

  it('a request with no byte yet goes to the lowest rung once it has waited the safe share of the buffer', () => {
    expect(rule(progress({ bytesLoaded: 0, elapsedMs: 3000, ttfbMs: 3000, bufferS: 4 }))).toBeNull(); // 3 s < 0.8 x 4 s
    expect(rule(progress({ bytesLoaded: 0, elapsedMs: 3300, ttfbMs: 3300, bufferS: 4 }))).toBe(0);
    expect(rule(progress({ bytesLoaded: 0, elapsedMs: 3300, ttfbMs: 3300, bufferS: 4, rungIndex: 0 }))).toBeNull(); // already lowest
    expect(rule(progress({ bytesLoaded: 0, elapsedMs: 400, ttfbMs: 400, bufferS: 0 }))).toBeNull(); // too early to judge
  });
});
