/** The read-only context a policy decides from. */
import type { ThroughputPrediction } from './estimator.js';
import type { Ladder } from './ladder.js';
import type { DownloadSample } from './sample.js';
import type { LiveState } from './live.js';

/** Everything a policy may look at to choose the next segment's rung. Read-only by contract. */
export interface DecisionContext {
  readonly ladder: Ladder;
  /** Index of the segment about to be requested. */
  readonly segmentIndex: number;
  /** Segments left including this one; `null` for live streams. */
  readonly segmentsRemaining: number | null;
  readonly isLive: boolean;
  /**
   * Latency behind the live edge and its target, when the stream is live and the adapter measured
   * it; `undefined` for VoD and while the latency is unknown (before the first media playlist).
   */
  readonly live?: LiveState;
  /** Media buffered ahead of the playhead, seconds of media. */
  readonly bufferS: number;
  /** Playback rate (1 = real time); the buffer drains this many media seconds per second. */
  readonly playbackRate: number;
  /** Rung of the previous segment, `null` before the first one. */
  readonly lastRungIndex: number | null;
  /** Accepted samples, oldest first, at most the controller's history length. */
  readonly history: readonly DownloadSample[];
  /** The estimator's prediction, `null` before it has data. */
  readonly prediction: ThroughputPrediction | null;
  /** Lowest and highest rungs the player allows now (caps, restrictions). */
  readonly minRungIndex: number;
  readonly maxRungIndex: number;
  readonly nowMs: number;
}
