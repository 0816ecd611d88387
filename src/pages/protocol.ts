/** What the runner passes to the test page (as `?config=<json>`). */
export interface PageConfig {
  readonly player: 'hls' | 'shaka';
  /** `default` = the player's own ABR; otherwise an abrkit policy name. */
  readonly policy: string;
  /** Manifest URL (HLS master or DASH MPD). */
  readonly src: string;
  readonly segmentDurationS: number;
  /** Forward buffer the player may hold (hls.js maxBufferLength, shaka bufferingGoal), same for every policy. */
  readonly bufferGoalS: number;
  /** Stop once the playhead passes this (0 = play to the end). */
  readonly maxS: number;
}

export interface PageSegment {
  /** Segment position (start time / segment duration). */
  readonly index: number;
  /** Rung by bitrate rank, 0 = lowest. */
  readonly rungIndex: number;
  readonly bytes: number;
}

/** What the page measured, read by the runner from `window.__abrkitResult`. */
export interface PageResult {
  done: boolean;
  ended: boolean;
  startupMs: number | null;
  stalls: { atS: number; durationMs: number }[];
  segments: PageSegment[];
  /** Main-thread time of each abrkit policy decision (empty for the players' own ABR). */
  decisionMs: number[];
  /** Decisions whose context said live (`isLive`, no `segmentsRemaining`). */
  liveDecisions: number;
  abandons: number;
  fallbacks: number;
  /** Uncaught page errors and unhandled rejections. */
  errors: string[];
  /** Player error events (fatal ones are prefixed). */
  playerErrors: string[];
  finalTimeS: number;
}

/** What `scripts/setup-media.sh` writes next to the stream (`stream.json`). */
export interface StreamInfo {
  readonly durationS: number;
  readonly segmentDurationS: number;
  readonly ladderKbps: readonly number[];
  readonly hls: string;
  readonly dash: string;
}
