/**
 * The abandonment rule: give up a download that would stall for a lower rung that would not (used
 * by both adapters and the simulator).
 */
import type { Ladder } from './ladder.js';
import { segmentSizeBytes } from './ladder.js';

/** A download in flight, as seen by the abandonment check. */
export interface DownloadProgress {
  readonly ladder: Ladder;
  readonly segmentIndex: number;
  readonly rungIndex: number;
  readonly bytesLoaded: number;
  readonly bytesTotal: number;
  /** Since the request was sent. */
  readonly elapsedMs: number;
  readonly ttfbMs: number;
  /** Buffer ahead of the playhead right now. */
  readonly bufferS: number;
  readonly minRungIndex: number;
}

/** Returns the rung to switch down to, or `null` to let the download finish. */
export type AbandonRule = (progress: DownloadProgress) => number | null;

export interface AbandonOptions {
  /** Do not judge a download before this much of it has run (first bytes are noisy). */
  readonly minElapsedMs: number;
  /** The replacement must arrive within this fraction of the remaining buffer. */
  readonly safetyFactor: number;
}

export const ABANDON_DEFAULTS: AbandonOptions = Object.freeze({ minElapsedMs: 500, safetyFactor: 0.8 });

/**
 * Emergency switch-down: if the segment in flight, at the rate it is arriving, will not finish
 * before the buffer drains, and a lower rung fetched from scratch would, abandon it for the
 * highest such rung (the lowest when none fits). A request with no byte yet is abandoned for the
 * lowest rung once it has waited `safetyFactor` of the buffer. The same rule serves the simulator and players.
 */
export function createAbandonRule(options: Partial<AbandonOptions> = {}): AbandonRule {
  const { minElapsedMs, safetyFactor } = { ...ABANDON_DEFAULTS, ...options };
  return (progress) => {
    const { rungIndex, minRungIndex, elapsedMs, ttfbMs, bytesLoaded, bytesTotal, bufferS } = progress;
    if (rungIndex <= minRungIndex || elapsedMs < minElapsedMs) return null;
    const bufferMs = bufferS * 1000;
    // Not a byte yet (a server or connection that stalls before answering): nothing to measure the
    // link by, so once the wait has used up the buffer's safe share, the lowest rung is the best bet.
    if (bytesLoaded <= 0) return elapsedMs >= bufferMs * safetyFactor ? minRungIndex : null;
    const transferMs = elapsedMs - ttfbMs;
    if (transferMs <= 0) return null;
    const bytesPerMs = bytesLoaded / transferMs;
    const remainingMs = (bytesTotal - bytesLoaded) / bytesPerMs;
    if (remainingMs <= bufferMs) return null;
    for (let rung = rungIndex - 1; rung >= minRungIndex; rung--) {
      const refetchMs = ttfbMs + segmentSizeBytes(progress.ladder, progress.segmentIndex, rung) / bytesPerMs;
      if (refetchMs <= bufferMs * safetyFactor) return refetchMs < remainingMs ? rung : null;
    }
    const lowestMs = ttfbMs + segmentSizeBytes(progress.ladder, progress.segmentIndex, minRungIndex) / bytesPerMs;
    return lowestMs < remainingMs ? minRungIndex : null;
  };
}
