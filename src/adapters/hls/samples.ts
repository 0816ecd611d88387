/**
 * hls.js loader stats as abrkit samples, and the bandwidth-estimator view hls.js reads from its ABR
 * controller, answered from the core (split out of the controller, which holds only the glue).
 */
import type { Fragment, LoaderStats } from 'hls.js';
import type { DownloadSample } from '../../core/sample.js';
import { sampleThroughputBps } from '../../core/sample.js';
import type { AdapterCore, LadderMapping } from '../setup.js';

/** Time-to-first-byte samples averaged for `bwEstimator.getEstimateTTFB()`. */
const TTFB_WINDOW = 5;
/** Time to first byte assumed before any was measured (hls.js's estimator assumes 100 ms too). */
const DEFAULT_TTFB_MS = 100;

/**
 * The part of hls.js's `EwmaBandWidthEstimator` that hls.js reads from an ABR controller
 * (`hls.bandwidthEstimate`, `hls.ttfbEstimate`, `hls.abrEwmaDefaultEstimate`), answered from the core.
 */
export interface HlsBandwidthEstimatorView {
  getEstimate(): number;
  getEstimateTTFB(): number;
  canEstimate(): boolean;
  readonly defaultEstimate: number;
  /** Present for callers that feed hls.js estimators directly; samples go to the core estimator. */
  sample(durationMs: number, numBytes: number): void;
  sampleTTFB(ttfbMs: number): void;
  update(slow: number, fast: number): void;
  destroy(): void;
}

/** The last few times to first byte, for `getEstimateTTFB()`. */
export class TtfbWindow {
  #ttfbsMs: number[] = [];

  add(ttfbMs: number): void {
    if (!(ttfbMs > 0)) return;
    this.#ttfbsMs.push(ttfbMs);
    if (this.#ttfbsMs.length > TTFB_WINDOW) this.#ttfbsMs.shift();
  }

  meanMs(): number {
    const ttfbs = this.#ttfbsMs;
    if (ttfbs.length === 0) return DEFAULT_TTFB_MS;
    return ttfbs.reduce((sum, t) => sum + t, 0) / ttfbs.length;
  }

  reset(): void {
    this.#ttfbsMs = [];
  }
}

/** The estimator view over the core; `defaultEstimateBps` is read at each call (hls.js may reset it). */
export function createEstimatorView(core: AdapterCore, ttfbs: TtfbWindow, defaultEstimateBps: () => number): HlsBandwidthEstimatorView {
  return {
    getEstimate: () => core.controller.prediction()?.throughputBps ?? defaultEstimateBps(),
    getEstimateTTFB: () => ttfbs.meanMs(),
    canEstimate: () => core.controller.prediction() !== null,
    get defaultEstimate() {
      return defaultEstimateBps();
    },
    sample: (durationMs, numBytes) => {
      const endMs = core.clock.nowMs();
      core.controller.addSample({ bytes: numBytes, durationMs, ttfbMs: 0, startMs: endMs - durationMs, endMs });
    },
    sampleTTFB: () => undefined,
    update: () => undefined,
    destroy: () => undefined,
  };
}

export function isMainMedia(frag: Fragment): boolean {
  return String(frag.type) === 'main' && frag.sn !== 'initSegment';
}

/** A sample from hls.js loader stats: request start to last byte, with the time to first byte. */
export function sampleFromStats(stats: LoaderStats, level: number, mapping: LadderMapping): DownloadSample | null {
  const { start, first, end } = stats.loading;
  if (!(end > start) || stats.aborted) return null;
  const sample: DownloadSample = {
    bytes: stats.loaded,
    durationMs: end - start,
    ttfbMs: first >= start ? first - start : 0,
    startMs: start,
    endMs: end,
    ...(mapping.rungOf[level] !== undefined ? { rungIndex: mapping.rungOf[level] } : {}),
  };
  return Number.isFinite(sampleThroughputBps(sample)) ? sample : null;
}

