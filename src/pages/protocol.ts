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
  /** The adapters' `viewer` option (JSON: `true` or the rule's options); absent = off. */
  readonly viewer?: true | Readonly<Record<string, number | boolean | null>>;
  /**
   * Emulate a hidden tab: once the playhead passes `atS`, the page redefines
   * `document.visibilityState`/`document.hidden` as hidden and fires `visibilitychange`; `forS`
   * seconds later (wall clock), visible again. Playback goes on meanwhile, as in a background tab.
   */
  readonly hide?: { readonly atS: number; readonly forS: number };
  /** A live session: the page samples the playhead every second (wall clock, for the latency) and passes the target to abrkit's adapters. */
  readonly live?: {
    readonly targetLatencyS: number;
    /** The adapters' `live.resyncAboveS`. */
    readonly resyncAboveS?: number;
    /** shaka: start this many seconds behind its seek range end (`player.load(src, -s)`) rather than at it. */
    readonly startBehindEdgeS?: number;
  };
  /** abrkit policies: the adapters' `minSwitchUpIntervalMs` (absent: off). */
  readonly minSwitchUpIntervalMs?: number;
  /** abrkit policies: the adapters' `switchPenalty` (absent: their default). */
  readonly switchPenalty?: number;
  /** abrkit policies: the adapters' `cmcd` option as JSON (absent: off). */
  readonly cmcd?: Readonly<Record<string, unknown>>;
}

/** A moment of the session on the page clock (`performance.now()` ms since the page started). */
export interface PageSample {
  readonly tMs: number;
  /** Buffered time ahead of the playhead, s. */
  readonly bufferS: number;
  readonly hidden: boolean;
}

export interface PageSegment {
  /** Segment position (start time / segment duration). */
  readonly index: number;
  /** Rung by bitrate rank among its codec's renditions, 0 = lowest. */
  readonly rungIndex: number;
  /** Video codec family (`avc`, `vp9`, ...). */
  readonly codec: string;
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
  /**
   * What made each of those decisions, from its reason: the kind (`mpc`, `plan` for the DQN's network,
   * `dqn-out-of-distribution`), and under a guard the kind it lowered (`stall-guard(plan)`).
   */
  decisionKinds: string[];
  /** Decisions whose context said live (`isLive`, no `segmentsRemaining`). */
  liveDecisions: number;
  /** Live: the adapter's jumps back to the latency target (`LiveOptions.onResync`), media seconds skipped each. */
  liveResyncsS: number[];
  abandons: number;
  fallbacks: number;
  /** URL path of every download abrkit's adapter took as a throughput sample. */
  sampleUrls: string[];
  /** The adapter's codec choice on a ladder with several (`vp9:preference`), else null. */
  codecChoice: string | null;
  /** Uncaught page errors and unhandled rejections. */
  errors: string[];
  /** Player error events (fatal ones are prefixed). */
  playerErrors: string[];
  finalTimeS: number;
  /** With `hide`: when the page went hidden and visible again, page clock ms. */
  hiddenMs: { startMs: number; endMs: number | null } | null;
  /** With `viewer` or `hide`: the buffer ahead every 500 ms. */
  bufferSamples: PageSample[];
  /**
   * With `viewer`: each change of the adapter's buffer goal (`hidden:8`, `watching:30`), page clock ms;
   * `replacedBeyondS` on the return that dropped the lowest-rung media beyond that margin (`replaceOnReturn`).
   */
  viewerChanges: { tMs: number; goalS: number; reason: string; lowestRung: boolean; replacedBeyondS?: number }[];
  /** Main-media segments as they reached the buffer, page clock ms. */
  segmentTimes: { tMs: number; index: number; rungIndex: number }[];
  /** With `live`: the playhead every second once playing (`wallMs` = `Date.now()`, the server's clock too), and the playback rate. */
  liveSamples: { wallMs: number; timeS: number; rate: number }[];
}

/** One encoded rendition of a generated stream. */
export interface StreamVariant {
  /** Folder under hls/ (and the DASH Representation id). */
  readonly id: string;
  /** Codec family: 'avc' (H.264), 'vp9', ... */
  readonly family: string;
  /** RFC 6381 codec string. */
  readonly codecs: string;
  /** Rung in the nominal ladder, 0 = lowest. */
  readonly rung: number;
  /** Nominal total bitrate (video + audio), kbit/s. */
  readonly totalKbps: number;
  /** Encoded picture size, `WxH`. */
  readonly size: string;
  /** Mean bitrate of its media segments as encoded, kbit/s (video only when audio is separate). */
  readonly measuredKbps: number;
}

/** What `abrkit media` writes next to a stream (`stream.json`), or what is learnt from a manifest. */
export interface StreamInfo {
  readonly durationS: number;
  readonly segmentDurationS: number;
  /** Nominal ladder (total kbit/s), lowest first; every codec of a generated stream shares it. */
  readonly ladderKbps: readonly number[];
  /** Paths of the manifests, relative to the stream's folder or origin. */
  readonly hls: string;
  readonly dash: string;
  /** The ladder per video codec family (kbit/s, lowest first), when a stream's codecs differ in it. */
  readonly laddersKbps?: Readonly<Record<string, readonly number[]>>;
  /** AES-128 encrypted HLS copy, when generated. */
  readonly hlsAes?: string;
  readonly variants?: readonly StreamVariant[];
}
