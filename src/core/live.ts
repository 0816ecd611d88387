/**
 * Live streams: what the adapter measures about the live edge, and the playback-rate bounds a
 * policy's catch-up or slow-down is held to. The core never measures latency itself: the adapter
 * (or the simulator) does, from the player's live edge and the playhead, and passes it in.
 */
import { invalidOptions } from './errors.js';

/** The live state a latency-aware policy decides from. Only present for live streams whose latency is known. */
export interface LiveState {
  /**
   * Seconds behind the live edge now: the newest media time the origin has published (the
   * program date time of the newest part or segment, or the manifest's live edge) minus the
   * playhead's media time, as measured by the adapter. Includes whatever `bufferS` holds.
   */
  readonly latencyS: number;
  /** The latency the viewer asked for (`--target-latency`, a ServiceDescription, hls.js `liveSyncDuration`). */
  readonly targetLatencyS: number;
  /** Media seconds per part or CMAF chunk, when the stream is chunked (LL-HLS `PART-TARGET`); else omitted. */
  readonly partDurationS?: number;
}

/** Lowest and highest playback rate a decision may ask for. */
export interface PlaybackRateBounds {
  readonly minRate: number;
  readonly maxRate: number;
}

/**
 * 0.95x-1.05x, the bounds issue #15 asks for: small enough that viewers rarely notice, the range
 * dash.js's and hls.js's live catch-up are usually configured to.
 */
export const DEFAULT_PLAYBACK_RATE_BOUNDS: PlaybackRateBounds = Object.freeze({ minRate: 0.95, maxRate: 1.05 });

export function validatePlaybackRateBounds(bounds: PlaybackRateBounds): PlaybackRateBounds {
  const { minRate, maxRate } = bounds;
  if (!(Number.isFinite(minRate) && Number.isFinite(maxRate) && minRate > 0 && minRate <= 1 && maxRate >= 1 && maxRate <= 4)) {
    throw invalidOptions('playbackRateBounds', `need 0 < minRate <= 1 <= maxRate <= 4, got ${minRate}..${maxRate}`);
  }
  return bounds;
}

/** The rate held to the bounds; `undefined` (no opinion) when the policy gave none or a non-finite one. */
export function clampPlaybackRate(rate: number | undefined, bounds: PlaybackRateBounds): number | undefined {
  if (rate === undefined || !Number.isFinite(rate)) return undefined;
  return Math.min(bounds.maxRate, Math.max(bounds.minRate, rate));
}

/** `live` from an adapter's input, or `undefined` when it is missing or not finite (a policy then treats latency as unknown). */
export function checkedLiveState(live: LiveState | undefined): LiveState | undefined {
  if (live === undefined) return undefined;
  if (!Number.isFinite(live.latencyS) || !(live.targetLatencyS > 0) || !Number.isFinite(live.targetLatencyS)) return undefined;
  const partDurationS = live.partDurationS !== undefined && live.partDurationS > 0 && Number.isFinite(live.partDurationS) ? live.partDurationS : undefined;
  return partDurationS === undefined
    ? { latencyS: Math.max(0, live.latencyS), targetLatencyS: live.targetLatencyS }
    : { latencyS: Math.max(0, live.latencyS), targetLatencyS: live.targetLatencyS, partDurationS };
}

/** What a jump back to the target leaves buffered ahead of the playhead, s. */
export const RESYNC_KEEP_BUFFER_S = 1;
/** Shorter jumps are not worth the skipped media: the rate catch-up closes them. */
export const RESYNC_MIN_JUMP_S = 1;

/**
 * Media seconds to jump ahead when the latency is more than `resyncAboveS` over the target (after
 * a long stall: a 1.05x catch-up wins back one second in twenty), at most what leaves
 * `RESYNC_KEEP_BUFFER_S` of `bufferAheadS`; 0 for no jump (within the threshold, or under
 * `RESYNC_MIN_JUMP_S` to gain). The adapters (src/adapters/live-resync.ts) and the simulator's live
 * mode both jump by it.
 */
export function resyncJumpS(latencyS: number, targetLatencyS: number, resyncAboveS: number, bufferAheadS: number): number {
  if (!Number.isFinite(latencyS) || !(latencyS - targetLatencyS > resyncAboveS)) return 0;
  const jumpS = Math.min(latencyS - targetLatencyS, bufferAheadS - RESYNC_KEEP_BUFFER_S);
  return jumpS >= RESYNC_MIN_JUMP_S ? jumpS : 0;
}
