/**
 * The player-parity rules as both adapters apply them (src/policies/parity.ts holds the portable
 * rules): a rung cap from the element's size and from dropped frames, read off the page at each
 * decision, and the cache-hit check on samples. Each adapter resolves its defaults from its player's
 * own configuration (`PlayerParityDefaults`), so abrkit does what the player's ABR would have done.
 */
import type { Ladder } from '../core/ladder.js';
import type { DownloadSample } from '../core/sample.js';
import { sampleThroughputBps, DEFAULT_SAMPLE_FILTER } from '../core/sample.js';
import { invalidOptions } from '../core/errors.js';
import { createDroppedFramesRule, maxRungForPlayerSize, type DroppedFramesOptions, type DroppedFramesRule } from '../policies/parity.js';

/** `capToPlayerSize` as the adapters take it. */
export interface CapToPlayerSizeOptions {
  /** Device pixel ratio used at most (hls.js `maxDevicePixelRatio`; shaka's `ignoreDevicePixelRatio` is 1). Default: no limit. */
  readonly maxDevicePixelRatio?: number;
}

/** The parity options of `AdapterOptions` (see there for each one's default). */
export interface ParityOptions {
  readonly capToPlayerSize?: boolean | CapToPlayerSizeOptions;
  readonly droppedFrames?: boolean | Partial<DroppedFramesOptions>;
  readonly minSwitchUpIntervalMs?: number;
  readonly cacheHitMaxDurationMs?: number;
}

/** What the player itself would do, read from its configuration by the adapter. */
export interface PlayerParityDefaults {
  readonly capToPlayerSize: boolean;
  readonly maxDevicePixelRatio: number;
  readonly droppedFrames: false | Partial<DroppedFramesOptions>;
  readonly cacheHitMaxDurationMs: number;
}

/** The element the caps read: its layout size and the frames it played. */
export interface MeasuredVideo {
  readonly clientWidth?: number;
  readonly clientHeight?: number;
  getVideoPlaybackQuality?(): { readonly totalVideoFrames: number; readonly droppedVideoFrames: number };
}

/** Settings once options and the player's defaults are merged. */
export interface ParitySettings {
  readonly capToPlayerSize: boolean;
  readonly maxDevicePixelRatio: number;
  readonly droppedFrames: false | Partial<DroppedFramesOptions>;
  readonly cacheHitMaxDurationMs: number;
}

/** Validates the options (typed `invalid-options` error) and fills the gaps from the player's defaults. */
export function resolveParity(options: ParityOptions, defaults: PlayerParityDefaults): ParitySettings {
  const cap = options.capToPlayerSize;
  if (cap !== undefined && typeof cap !== 'boolean' && (typeof cap !== 'object' || cap === null)) throw invalidOptions('adapter', 'capToPlayerSize must be a boolean or { maxDevicePixelRatio }');
  const maxDevicePixelRatio = (typeof cap === 'object' ? cap.maxDevicePixelRatio : undefined) ?? defaults.maxDevicePixelRatio;
  if (!(maxDevicePixelRatio >= 1)) throw invalidOptions('adapter', `capToPlayerSize.maxDevicePixelRatio must be >= 1, got ${maxDevicePixelRatio}`);
  const dropped = options.droppedFrames;
  if (dropped !== undefined && typeof dropped !== 'boolean' && (typeof dropped !== 'object' || dropped === null)) throw invalidOptions('adapter', 'droppedFrames must be a boolean or an options object');
  const droppedFrames = dropped === undefined ? defaults.droppedFrames : dropped === false ? false : dropped === true ? defaults.droppedFrames || {} : dropped;
  // Validated now (the rule throws on bad options), not at the first decision.
  if (droppedFrames) createDroppedFramesRule(droppedFrames);
  const cacheHitMaxDurationMs = options.cacheHitMaxDurationMs ?? defaults.cacheHitMaxDurationMs;
  if (!(cacheHitMaxDurationMs >= 0) || !Number.isFinite(cacheHitMaxDurationMs)) throw invalidOptions('adapter', `cacheHitMaxDurationMs must be a number >= 0, got ${cacheHitMaxDurationMs}`);
  const interval = options.minSwitchUpIntervalMs;
  if (interval !== undefined && !(interval >= 0 && Number.isFinite(interval))) throw invalidOptions('adapter', `minSwitchUpIntervalMs must be a number of ms >= 0, got ${interval}`);
  return { capToPlayerSize: cap === undefined ? defaults.capToPlayerSize : cap !== false, maxDevicePixelRatio, droppedFrames, cacheHitMaxDurationMs };
}

/** The core filter's cache-hit threshold (dash.js's 10 ms): below it a sample is rejected outright anyway. */
export const CORE_CACHE_HIT_MS = DEFAULT_SAMPLE_FILTER.cacheHitMaxDurationMs;

/**
 * Per-session state of the parity rules. The adapter calls `maxRungIndex` at each decision and
 * `acceptSample` before feeding a sample to the core.
 */
export class PlayerLimits {
  readonly settings: ParitySettings;
  readonly #dropped: DroppedFramesRule | null;
  #lastFrames: { total: number; dropped: number } | null = null;

  constructor(settings: ParitySettings) {
    this.settings = settings;
    this.#dropped = settings.droppedFrames ? createDroppedFramesRule(settings.droppedFrames) : null;
  }

  /**
   * Highest rung allowed now (`Infinity` for no cap): the element's size in device pixels, and
   * rungs banned for dropping frames. Frames played since the last call are charged to `playingRung`
   * (the rung on screen), as shaka charges them to its current stream.
   */
  maxRungIndex(ladder: Ladder, video: MeasuredVideo | null, playingRung: number | null, nowMs: number, devicePixelRatio = pageDevicePixelRatio()): number {
    let max = Infinity;
    if (video && this.settings.capToPlayerSize) {
      const widthPx = video.clientWidth ?? 0;
      const heightPx = video.clientHeight ?? 0;
      if (widthPx > 0 && heightPx > 0) max = maxRungForPlayerSize(ladder, { widthPx, heightPx, devicePixelRatio }, this.settings.maxDevicePixelRatio);
    }
    const rule = this.#dropped;
    if (rule && video?.getVideoPlaybackQuality) {
      const q = video.getVideoPlaybackQuality();
      const last = this.#lastFrames;
      // A new element or a reset counter (a new source) starts the count again.
      if (last && q.totalVideoFrames >= last.total && playingRung !== null) {
        rule.report(playingRung, q.totalVideoFrames - last.total, q.droppedVideoFrames - last.dropped, nowMs);
      }
      this.#lastFrames = { total: q.totalVideoFrames, dropped: q.droppedVideoFrames };
      max = Math.min(max, rule.maxRungIndex(nowMs));
    }
    return max;
  }

  /**
   * Cache hits never raise the estimate: a sample shorter than `cacheHitMaxDurationMs`, or one the
   * player says came from its cache, is kept only when it is slower than the current estimate.
   */
  acceptSample(sample: DownloadSample, estimateBps: number | null, fromCache = false): boolean {
    const suspect = fromCache || sample.durationMs < this.settings.cacheHitMaxDurationMs;
    if (!suspect) return true;
    return estimateBps !== null && sampleThroughputBps(sample) < estimateBps;
  }

  /** A new source: frame counts and bans start again. */
  reset(): void {
    this.#dropped?.reset();
    this.#lastFrames = null;
  }
}

function pageDevicePixelRatio(): number {
  const ratio = (globalThis as { devicePixelRatio?: number }).devicePixelRatio;
  return typeof ratio === 'number' && ratio > 0 ? ratio : 1;
}
