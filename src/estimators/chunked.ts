/**
 * Throughput for chunked and part-wise transfers, measured only while data flows.
 *
 * A live segment fetched near the live edge arrives in bursts: each CMAF chunk or LL-HLS part is
 * sent as soon as it is produced, and the link idles between them. Bytes over the whole request
 * time then measure the encoder, not the network. This estimator counts only the busy time:
 * - a sample with `chunks`: the bytes of each chunk over its first-to-last-byte time;
 * - a sample without: its bytes over `durationMs - ttfbMs` (a blocking LL-HLS part request
 *   waits for the part in its time to first byte).
 * A burst too short to time (one read, under `minActiveMs`) cannot be measured on its own; when a
 * sample has no measurable burst, its whole-request throughput, a lower bound, stands in.
 * The prediction is the total bytes over the total busy time of the last `windowSamples` samples
 * (a byte-weighted harmonic mean, so one fast burst cannot drag it up).
 */
import type { ThroughputEstimator, ThroughputPrediction } from '../core/estimator.js';
import type { ChunkTiming, DownloadSample, SampleFilterOptions, SampleVerdict } from '../core/sample.js';
import { checkSample } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';

export interface ChunkedThroughputOptions {
  readonly windowSamples: number;
  /** Bursts shorter than this are not timed on their own: the timer's resolution and one read's coalescing dominate them. */
  readonly minActiveMs: number;
  /** Parts are small (a 0.33 s part of a 300 kbit/s rung is 12 kB), so the VoD filter's 16 kB minimum would drop them. */
  readonly sampleFilter: SampleFilterOptions;
}

export const CHUNKED_THROUGHPUT_DEFAULTS: ChunkedThroughputOptions = Object.freeze({
  windowSamples: 8,
  // 5 ms: browsers' coarsened `performance.now()` (100 us - 1 ms) and one event-loop turn are well under it.
  minActiveMs: 5,
  sampleFilter: Object.freeze({ minBytes: 1000, cacheHitMaxDurationMs: 0, cacheHitMinThroughputBps: 2e9 }),
});

/** Bytes and the time data was flowing, for one sample. */
export interface BusyMeasure {
  readonly bytes: number;
  readonly activeMs: number;
  /** False when no burst could be timed and the whole request time stands in (a lower bound). */
  readonly measured: boolean;
}

/** The busy time of one sample, as described in the module comment. */
export function busyMeasure(sample: DownloadSample, minActiveMs: number = CHUNKED_THROUGHPUT_DEFAULTS.minActiveMs): BusyMeasure {
  if (sample.chunks !== undefined && sample.chunks.length > 0) {
    let bytes = 0;
    let activeMs = 0;
    for (const chunk of mergeOverlapping(sample.chunks)) {
      const ms = chunk.lastByteMs - chunk.firstByteMs;
      if (ms >= minActiveMs && chunk.bytes > 0) {
        bytes += chunk.bytes;
        activeMs += ms;
      }
    }
    if (activeMs > 0) return { bytes, activeMs, measured: true };
    return { bytes: sample.bytes, activeMs: sample.durationMs, measured: false };
  }
  const flowMs = sample.durationMs - sample.ttfbMs;
  if (sample.ttfbMs > 0 && flowMs >= minActiveMs) return { bytes: sample.bytes, activeMs: flowMs, measured: true };
  return { bytes: sample.bytes, activeMs: sample.durationMs, measured: false };
}

/** Chunks in arrival order, overlapping ones joined (a misreported boundary must not count time twice). */
function mergeOverlapping(chunks: readonly ChunkTiming[]): ChunkTiming[] {
  const sorted = [...chunks].filter((c) => Number.isFinite(c.firstByteMs) && Number.isFinite(c.lastByteMs) && c.lastByteMs >= c.firstByteMs)
    .sort((a, b) => a.firstByteMs - b.firstByteMs);
  const merged: ChunkTiming[] = [];
  for (const chunk of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && chunk.firstByteMs < last.lastByteMs) {
      merged[merged.length - 1] = { bytes: last.bytes + chunk.bytes, firstByteMs: last.firstByteMs, lastByteMs: Math.max(last.lastByteMs, chunk.lastByteMs) };
    } else {
      merged.push(chunk);
    }
  }
  return merged;
}

/**
 * Reads of a streamed response (`{ atMs, bytes }` per `reader.read()`) grouped into bursts: a new
 * burst starts after a silence longer than `idleGapMs`. The first read of a burst arrived at the
 * burst's start, so its bytes are not timed (they were in flight before the clock started).
 */
export function burstsFromReads(reads: readonly { readonly atMs: number; readonly bytes: number }[], idleGapMs: number): ChunkTiming[] {
  if (!(idleGapMs > 0)) throw invalidOptions('burstsFromReads', `idleGapMs must be > 0, got ${idleGapMs}`);
  const bursts: ChunkTiming[] = [];
  let current: { bytes: number; firstByteMs: number; lastByteMs: number } | null = null;
  for (const read of reads) {
    if (current !== null && read.atMs - current.lastByteMs <= idleGapMs) {
      current.bytes += read.bytes;
      current.lastByteMs = read.atMs;
    } else {
      if (current !== null) bursts.push(current);
      current = { bytes: 0, firstByteMs: read.atMs, lastByteMs: read.atMs };
    }
  }
  if (current !== null) bursts.push(current);
  return bursts;
}

export function createChunkedThroughputEstimator(options: Partial<ChunkedThroughputOptions> = {}): ThroughputEstimator {
  const o = { ...CHUNKED_THROUGHPUT_DEFAULTS, ...options };
  if (!Number.isInteger(o.windowSamples) || o.windowSamples < 1) throw invalidOptions('chunked estimator', `windowSamples must be an integer >= 1, got ${o.windowSamples}`);
  if (!(o.minActiveMs >= 0)) throw invalidOptions('chunked estimator', `minActiveMs must be >= 0, got ${o.minActiveMs}`);
  let window: BusyMeasure[] = [];
  return {
    name: 'chunked',
    addSample(sample: DownloadSample): SampleVerdict {
      const verdict = checkSample(sample, o.sampleFilter);
      if (!verdict.accepted) return verdict;
      window.push(busyMeasure(sample, o.minActiveMs));
      if (window.length > o.windowSamples) window.shift();
      return verdict;
    },
    predict(): ThroughputPrediction | null {
      if (window.length === 0) return null;
      let bytes = 0;
      let activeMs = 0;
      for (const m of window) {
        bytes += m.bytes;
        activeMs += m.activeMs;
      }
      return { throughputBps: (bytes * 8 * 1000) / activeMs, errorRatio: 0 };
    },
    reset() {
      window = [];
    },
  };
}
