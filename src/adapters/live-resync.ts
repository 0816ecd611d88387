/**
 * Back to the latency target after a long stall. A rate catch-up of 1.05x takes 20 s to win back
 * one second, so after a stall of several seconds a viewer stays far behind the live edge for minutes
 * (the LL-HLS e2e: a 7 s stall in hls.js left the latency near 10 s for the rest of the session).
 * Past `resyncAboveS` over the target, the adapter jumps the playhead forward to the target, as
 * hls.js does with `liveMaxLatencyDuration` and dash.js with `liveCatchup.maxDrift` (both off by
 * default there), but only within what is already buffered, so the jump itself never stalls.
 */
import { resyncJumpS } from '../core/live.js';

/** The element as the resync reads and moves it. */
export interface ResyncMedia {
  currentTime: number;
  readonly paused: boolean;
  readonly buffered: { readonly length: number; start(index: number): number; end(index: number): number };
}

/** A jump the adapter made (`LiveOptions.onResync`). */
export interface LiveResync {
  /** Latency before the jump, s. */
  readonly latencyS: number;
  readonly targetLatencyS: number;
  /** Media seconds skipped. */
  readonly jumpS: number;
}

/**
 * Jumps `media` ahead by `resyncJumpS` (src/core/live.ts) while the video plays, within the
 * buffered range holding the playhead. Returns the jump made, or null.
 */
export function resyncToTarget(media: ResyncMedia | null, latencyS: number, targetLatencyS: number, resyncAboveS: number): LiveResync | null {
  // The threshold first: this runs at every live decision, and reading `buffered` is a DOM call.
  if (media === null || media.paused || !(latencyS - targetLatencyS > resyncAboveS)) return null;
  const now = media.currentTime;
  let bufferedEnd = Number.NaN;
  for (let i = 0; i < media.buffered.length; i++) {
    // A small tolerance: after a stall the playhead can sit a few ms before its range's start.
    if (media.buffered.start(i) <= now + 0.1 && now <= media.buffered.end(i)) bufferedEnd = media.buffered.end(i);
  }
  if (!Number.isFinite(bufferedEnd)) return null;
  const jumpS = resyncJumpS(latencyS, targetLatencyS, resyncAboveS, bufferedEnd - now);
  if (jumpS === 0) return null;
  media.currentTime = now + jumpS;
  return { latencyS, targetLatencyS, jumpS };
}
