import type { DownloadSample } from '../../src/core/sample.js';
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
