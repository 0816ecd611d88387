import type { DownloadSample } from '../../src/core/sample.js';
import type { DecisionContext } from '../../src/core/context.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';
import type { DqnModel } from '../../src/learned/model.js';
import type { FeatureEnvelope } from '../../src/learned/envelope.js';
import { GLOBAL_FEATURES, RUNG_FEATURES } from '../../src/learned/features.js';

/** A sample of `mbps` throughput for a `bytes`-byte download that ended at `endMs`. */
export function sampleAt(mbps: number, bytes: number, endMs: number): DownloadSample {
  const durationMs = (bytes * 8) / (mbps * 1e3);
  return { bytes, durationMs, ttfbMs: 80, startMs: endMs - durationMs, endMs };
}

/** A small video with constant-bitrate segments. */
export function constantVideo(bitratesKbps: readonly number[], segmentDurationS: number, segments: number): SimVideo {
  return {
    name: `test-${bitratesKbps.length}`,
    renditions: bitratesKbps.map((kbps, i) => ({ id: String(i), bitrateBps: kbps * 1000 })),
    segmentDurationS,
    segmentSizesBytes: Array.from({ length: segments }, () => bitratesKbps.map((kbps) => (kbps * 1000 * segmentDurationS) / 8)),
  };
}

/** An envelope no feature leaves: the guard never triggers (tests of everything but the guard). */
export function wideEnvelope(): FeatureEnvelope {
  return {
    globalMin: new Array(GLOBAL_FEATURES).fill(-1e6),
    globalMax: new Array(GLOBAL_FEATURES).fill(1e6),
    rungMin: new Array(RUNG_FEATURES).fill(-1e6),
    rungMax: new Array(RUNG_FEATURES).fill(1e6),
  };
}

/** The model with `wideEnvelope()`, so it can be written and loaded. */
export function withWideEnvelope<M extends DqnModel>(model: M): M & { envelope: FeatureEnvelope } {
  return { ...model, envelope: wideEnvelope() };
}

export interface ContextOptions {
  readonly bufferS?: number;
  /** Six past samples even at the first segments (default: as many as segments so far, at most six). */
  readonly fullHistory?: boolean;
  /** No prediction while there is no history (default: a prediction of `mbps` always). */
  readonly noPredictionWithoutHistory?: boolean;
}

/** A decision at segment `segmentIndex` of a 48-segment session on a link of about `mbps`, last rung 2. */
export function contextAt(video: SimVideo, segmentIndex: number, mbps: number, options: ContextOptions = {}): DecisionContext {
  const length = options.fullHistory ? 6 : Math.min(segmentIndex, 6);
  const history = Array.from({ length }, (_, i) => sampleAt(mbps * (1 + 0.1 * (i % 3)), 600_000, 4000 * (i + 1)));
  const predict = history.length > 0 || !options.noPredictionWithoutHistory;
  return {
    ladder: video,
    segmentIndex,
    segmentsRemaining: 48 - segmentIndex,
    isLive: false,
    bufferS: options.bufferS ?? 12,
    playbackRate: 1,
    lastRungIndex: 2,
    history,
    prediction: predict ? { throughputBps: mbps * 1e6, errorRatio: 0.2 } : null,
    minRungIndex: 0,
    maxRungIndex: video.renditions.length - 1,
    nowMs: 4000 * segmentIndex,
  };
}
