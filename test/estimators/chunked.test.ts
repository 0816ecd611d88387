import { describe, expect, it } from 'vitest';
import { busyMeasure, burstsFromReads, createChunkedThroughputEstimator } from '../../src/estimators/chunked.js';
import { createHarmonicMeanEstimator } from '../../src/estimators/harmonic.js';
import type { ChunkTiming, DownloadSample } from '../../src/core/sample.js';

/**
 * Part timings as a low-latency segment delivers them: a 2 s segment of four 0.5 s CMAF chunks of
 * 100 kB each (1.6 Mbit/s media) over a 4 Mbit/s link. The request is made when the segment starts to
 * be produced; each chunk is sent when produced and takes 200 ms on the link, then the link idles
 * `idleMs` until the next chunk exists. Recorded as the adapter would record them (first and last
 * byte of each chunk).
 */
function liveSegment(startMs: number, idleMs: number, chunkBytes = 100_000, chunkLinkMs = 200): DownloadSample {
  const chunks: ChunkTiming[] = [];
  let t = startMs + 40; // 40 ms to the first byte
  for (let i = 0; i < 4; i += 1) {
    chunks.push({ bytes: chunkBytes, firstByteMs: t, lastByteMs: t + chunkLinkMs });
    t += chunkLinkMs + idleMs;
  }
  const endMs = chunks[3]!.lastByteMs;
  return { bytes: chunkBytes * 4, durationMs: endMs - startMs, ttfbMs: 40, startMs, endMs, chunks };
}

describe('chunked throughput estimator', () => {
  it('measures the link, not the encoder: 400 kB over 800 ms of flow is 4 Mbit/s', () => {
    const estimator = createChunkedThroughputEstimator();
    estimator.addSample(liveSegment(0, 300));
    expect(estimator.predict()?.throughputBps).toBeCloseTo(4e6, 6);
  });

  it('is not lowered by idle gaps between chunks, while a whole-request estimator is', () => {
    const estimates = [0, 300, 1000, 5000].map((idleMs) => {
      const chunked = createChunkedThroughputEstimator();
      const harmonic = createHarmonicMeanEstimator();
      const sample = liveSegment(0, idleMs);
      chunked.addSample(sample);
      harmonic.addSample(sample);
      return { chunked: chunked.predict()!.throughputBps, whole: harmonic.predict()!.throughputBps };
    });
    for (const e of estimates) expect(e.chunked).toBeCloseTo(4e6, 6);
    // The whole-request figure falls with every longer gap: 3.8, 1.8, 0.8 and 0.2 Mbit/s.
    const whole = estimates.map((e) => e.whole);
    expect(whole[0]).toBeCloseTo((400_000 * 8 * 1000) / 840, 0);
    for (let i = 1; i < whole.length; i += 1) expect(whole[i]).toBeLessThan(whole[i - 1]!);
    expect(whole[3]).toBeLessThan(0.3e6);
  });

  it('follows the link when it slows (a 2 Mbit/s segment after two 4 Mbit/s ones: 1.2 MB over 3.2 s of flow)', () => {
    const estimator = createChunkedThroughputEstimator();
    estimator.addSample(liveSegment(0, 300));
    estimator.addSample(liveSegment(2000, 300));
    estimator.addSample(liveSegment(4000, 100, 100_000, 400));
    expect(estimator.predict()?.throughputBps).toBeCloseTo((1_200_000 * 8 * 1000) / 3200, 6);
  });

  it('times a blocking part request from its first byte (the wait for the part is not link time)', () => {
    // A 0.5 s part of 50 kB: the request blocks 450 ms until the part exists, then 100 ms of flow.
    const part: DownloadSample = { bytes: 50_000, durationMs: 550, ttfbMs: 450, startMs: 0, endMs: 550 };
    expect(busyMeasure(part)).toEqual({ bytes: 50_000, activeMs: 100, measured: true });
    const estimator = createChunkedThroughputEstimator();
    estimator.addSample(part);
    expect(estimator.predict()?.throughputBps).toBeCloseTo(4e6, 6);
  });

  it('falls back to the whole request (a lower bound) when no burst can be timed', () => {
    const sample: DownloadSample = { bytes: 20_000, durationMs: 500, ttfbMs: 0, startMs: 0, endMs: 500, chunks: [{ bytes: 20_000, firstByteMs: 300, lastByteMs: 301 }] };
    expect(busyMeasure(sample)).toEqual({ bytes: 20_000, activeMs: 500, measured: false });
  });

  it('does not count overlapping chunk times twice', () => {
    const sample: DownloadSample = {
      bytes: 200_000, durationMs: 500, ttfbMs: 10, startMs: 0, endMs: 500,
      chunks: [{ bytes: 100_000, firstByteMs: 100, lastByteMs: 300 }, { bytes: 100_000, firstByteMs: 200, lastByteMs: 400 }],
    };
    expect(busyMeasure(sample)).toEqual({ bytes: 200_000, activeMs: 300, measured: true });
  });

  it('keeps small parts the VoD filter would drop, and rejects broken samples', () => {
    const estimator = createChunkedThroughputEstimator();
    expect(estimator.addSample({ bytes: 12_000, durationMs: 400, ttfbMs: 380, startMs: 0, endMs: 400 })).toEqual({ accepted: true });
    expect(estimator.addSample({ bytes: 12_000, durationMs: NaN, ttfbMs: 0, startMs: 0, endMs: 400 }).accepted).toBe(false);
    expect(estimator.predict()?.throughputBps).toBeCloseTo((12_000 * 8 * 1000) / 20, 6);
    estimator.reset();
    expect(estimator.predict()).toBeNull();
  });

  it('rejects bad options', () => {
    expect(() => createChunkedThroughputEstimator({ windowSamples: 0 })).toThrow(/windowSamples/);
  });
});

describe('burstsFromReads', () => {
  it('splits reads at silences longer than the gap, and does not time a burst\'s first read', () => {
    const reads = [
      { atMs: 100, bytes: 1000 }, { atMs: 110, bytes: 4000 }, { atMs: 130, bytes: 5000 },
      { atMs: 600, bytes: 2000 }, { atMs: 640, bytes: 8000 },
    ];
    expect(burstsFromReads(reads, 50)).toEqual([
      { bytes: 9000, firstByteMs: 100, lastByteMs: 130 },
      { bytes: 8000, firstByteMs: 600, lastByteMs: 640 },
    ]);
    expect(() => burstsFromReads(reads, 0)).toThrow(/idleGapMs/);
  });
});
