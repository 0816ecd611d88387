import type { DownloadSample } from '../src/core/sample.js';
import type { DecisionContext } from '../src/core/context.js';
import type { Ladder } from '../src/core/ladder.js';
import { ladderFromBitrates } from '../src/core/ladder.js';

export const PENSIEVE_LADDER: Ladder = ladderFromBitrates([300, 750, 1200, 1850, 2850, 4300].map((k) => k * 1000), 4);

/** A sample of `mbps` throughput carrying `bytes` (duration derived), ending at `endMs`. */
export function sampleAt(mbps: number, bytes = 1_000_000, endMs = 0): DownloadSample {
  const durationMs = (bytes * 8) / (mbps * 1000);
  return { bytes, durationMs, ttfbMs: 20, startMs: endMs - durationMs, endMs };
}

export function contextFor(ladder: Ladder, overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    ladder,
    segmentIndex: 10,
    segmentsRemaining: 30,
    isLive: false,
    bufferS: 10,
    playbackRate: 1,
    lastRungIndex: 2,
    history: [],
    prediction: { throughputBps: 2_000_000, errorRatio: 0 },
    minRungIndex: 0,
    maxRungIndex: ladder.renditions.length - 1,
    nowMs: 0,
    ...overrides,
  };
}
