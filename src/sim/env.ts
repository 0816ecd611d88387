/** The simulator's environment contract: a state, and one segment downloaded at a rung. */
import type { DownloadSample } from '../core/sample.js';
import type { AbandonRule } from '../core/abandon.js';
import type { SimVideo } from './ladder-parsers.js';

/** What the simulated network and player did with one segment. */
export interface ChunkOutcome {
  /** Rung actually delivered (lower than requested after an abandonment). */
  readonly rungIndex: number;
  readonly bytes: number;
  readonly wastedBytes: number;
  readonly downloadMs: number;
  readonly rebufferS: number;
  /** Startup delay accrued while fetching this segment (before playback began). */
  readonly startupS: number;
  readonly bufferAfterS: number;
  /** Samples the player would measure: the completed download, plus any abandoned attempt. */
  readonly samples: readonly DownloadSample[];
}

/**
 * A deterministic simulated session over one trace. State is a small plain object so the offline
 * optimum can clone it; `step` mutates the state it is given.
 */
export interface SimEnv<S> {
  readonly video: SimVideo;
  /** Segments in a session. */
  readonly chunkCount: number;
  initial(): S;
  clone(state: S): S;
  step(state: S, segmentIndex: number, rungIndex: number, abandon?: AbandonRule): ChunkOutcome;
  bufferS(state: S): number;
  nowMs(state: S): number;
  /** Wall time since the session started. */
  elapsedS(state: S): number;
  /** States in different phases (0: before playback starts, 1: playing) are never compared by the optimum. */
  phase(state: S): number;
}
