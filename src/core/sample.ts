/**
 * One completed media download, as the network saw it. Times are on the injected clock.
 * `durationMs` runs from the request to the last byte, so it includes the time to first byte.
 */
export interface DownloadSample {
  readonly bytes: number;
  readonly durationMs: number;
  /** Time to first byte; 0 when unknown. */
  readonly ttfbMs: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Rung the bytes belong to, when the sample is a media segment of a known rendition. */
  readonly rungIndex?: number;
  readonly segmentIndex?: number;
  /**
   * When the response arrived in pieces with idle time between them (CMAF chunks over chunked
   * transfer, a segment fetched while it is still being produced): each piece's bytes and the
   * times its first and last byte arrived. Lets an estimator measure only while data flowed.
   */
  readonly chunks?: readonly ChunkTiming[];
}

/** One piece of a chunked response as it arrived. Times are on the injected clock. */
export interface ChunkTiming {
  readonly bytes: number;
  readonly firstByteMs: number;
  readonly lastByteMs: number;
}

/** The sample with every field present, in one order (for the same reason as `createRendition`). */
export function normalizeSample(s: DownloadSample): DownloadSample {
  const sample = { bytes: s.bytes, durationMs: s.durationMs, ttfbMs: s.ttfbMs, startMs: s.startMs, endMs: s.endMs, rungIndex: s.rungIndex, segmentIndex: s.segmentIndex };
  return s.chunks === undefined ? sample : { ...sample, chunks: s.chunks };
}

/** Throughput of a sample in bit/s, measured over its whole duration (request to last byte). */
export function sampleThroughputBps(sample: DownloadSample): number {
  return (sample.bytes * 8 * 1000) / sample.durationMs;
}

export type SampleRejection =
  | 'not-finite'
  | 'non-positive-duration'
  | 'negative-bytes'
  | 'too-small'
  | 'cache-hit';

export type SampleVerdict = { readonly accepted: true } | { readonly accepted: false; readonly reason: SampleRejection };

export interface SampleFilterOptions {
  /** Responses smaller than this say little about the link (shaka's default `minBytes` is 16 kB). */
  readonly minBytes: number;
  /**
   * A response that completes faster than this was served from a cache, not the network
   * (dash.js uses 10 ms for video as its cache-load threshold). 0 disables the check.
   */
  readonly cacheHitMaxDurationMs: number;
  /** Throughputs above this are implausible for a network link and treated as cache hits. */
  readonly cacheHitMinThroughputBps: number;
}

export const DEFAULT_SAMPLE_FILTER: SampleFilterOptions = Object.freeze({
  minBytes: 16_000,
  cacheHitMaxDurationMs: 10,
  cacheHitMinThroughputBps: 2e9,
});

/** Accepts every well-formed sample: the Pensieve-parity setting, where chunks are always real downloads. */
export const PERMISSIVE_SAMPLE_FILTER: SampleFilterOptions = Object.freeze({
  minBytes: 0,
  cacheHitMaxDurationMs: 0,
  cacheHitMinThroughputBps: Infinity,
});

const ACCEPTED: SampleVerdict = Object.freeze({ accepted: true });

export function checkSample(sample: DownloadSample, options: SampleFilterOptions): SampleVerdict {
  const { bytes, durationMs, ttfbMs } = sample;
  if (!Number.isFinite(bytes) || !Number.isFinite(durationMs) || !Number.isFinite(ttfbMs)) {
    return { accepted: false, reason: 'not-finite' };
  }
  if (durationMs <= 0) return { accepted: false, reason: 'non-positive-duration' };
  if (bytes < 0) return { accepted: false, reason: 'negative-bytes' };
  if (bytes < options.minBytes || bytes === 0) return { accepted: false, reason: 'too-small' };
  if (durationMs < options.cacheHitMaxDurationMs) return { accepted: false, reason: 'cache-hit' };
  if (sampleThroughputBps(sample) > options.cacheHitMinThroughputBps) return { accepted: false, reason: 'cache-hit' };
  return ACCEPTED;
}
