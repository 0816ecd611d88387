import type { DownloadSample } from '../../src/core/sample.js';
import type { SimVideo } from '../../src/sim/ladder-parsers.js';

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
