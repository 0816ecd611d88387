/**
 * abrkit's controller as hls.js's `abrController`: hls.js's ABR component API, over the adapter
 * core.
 */
import type Hls from 'hls.js';
import type { AbrComponentAPI, Fragment, Part, FragLoadedData, FragLoadingData, LevelLoadedData } from 'hls.js';
import type { DownloadSample } from '../../core/sample.js';
import { AbrkitError } from '../../core/errors.js';
import { ladderFromBitrates } from '../../core/ladder.js';
import { CodecLock } from '../codec-lock.js';
import { applyLiveResync, applyPlaybackRate, createAdapterCore, mapLadder, rungBounds, type AdapterCore, type AdapterOptions, type LadderMapping } from '../setup.js';
import type { LiveState } from '../../core/live.js';
import { PlayerLimits, resolveParity, CORE_CACHE_HIT_MS } from '../player-limits.js';
import { resolveViewerOptions, ViewerWatcher } from '../viewer.js';
import { hlsViewerTarget, viewerHeadroom } from '../viewer-targets.js';
import { resolveCmcdOptions } from '../cmcd.js';
import { installHlsCmcd } from './cmcd-loader.js';
import { lazyCmcdEvents, type LazyCmcdEvents } from '../cmcd-events-lazy.js';
import { createEstimatorView, isMainMedia, sampleFromStats, TtfbWindow, type HlsBandwidthEstimatorView } from './samples.js';

export type { HlsBandwidthEstimatorView } from './samples.js';

/** HLS target duration to assume until a media playlist is loaded (the 6 s Apple recommends). */
const UNKNOWN_SEGMENT_DURATION_S = 6;
/** How often a download in flight is checked for abandonment (hls.js's own abandon timer uses 100 ms). */
const ABANDON_CHECK_INTERVAL_MS = 100;
/** hls.js's own default when `abrEwmaDefaultEstimate` is not configured (bit/s). */
const FALLBACK_DEFAULT_ESTIMATE_BPS = 500_000;

interface CachedDecision {
  readonly epoch: number;
  readonly minLevel: number;
  readonly maxLevel: number;
  readonly level: number;
}

/**
 * hls.js ABR controller backed by abrkit's core. hls.js constructs it with `new (hls)`, reads
 * `nextAutoLevel` whenever its stream controller looks for the next fragment, and writes
 * `nextAutoLevel` both to force a level (error recovery, emergency switch) and to echo back the level
 * it just picked; an echo of our own answer is not a forced level.
 *
 * One decision per fragment: the answer is cached until the next main fragment has loaded (or the
 * level bounds change), so the policy is asked once per segment as in the simulator.
 */
export class AbrkitHlsController implements Omit<AbrComponentAPI, 'bwEstimator'> {
  readonly bwEstimator: HlsBandwidthEstimatorView;
  readonly #hls: Hls;
  readonly #core: AdapterCore;
  readonly #options: AdapterOptions;
  #mapping: LadderMapping;
  #epoch = 0;
  #cached: CachedDecision | null = null;
  #forcedLevel = -1;
  #lastLoadedLevel = -1;
  #lastLoadedSn = -1;
  readonly #ttfbs = new TtfbWindow();
  readonly #limits: PlayerLimits;
  readonly #viewer: ViewerWatcher | null;
  readonly #cmcdEvents: LazyCmcdEvents | null;
  #defaultEstimateBps: number;
  #inFlight: { frag: Fragment; part: Part | null } | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #destroyed = false;
  readonly #codecs: CodecLock;

  constructor(hls: Hls, options: AdapterOptions) {
    this.#hls = hls;
    this.#options = options;
    this.#defaultEstimateBps = hls.config.abrEwmaDefaultEstimate || FALLBACK_DEFAULT_ESTIMATE_BPS;
    this.#codecs = new CodecLock({
      ...(options.codecPreference ? { preference: options.codecPreference } : {}),
      ...(options.onCodecChoice ? { onChoice: options.onCodecChoice } : {}),
      onChange: () => this.#onLevelsChanged(),
    });
    // hls.js builds its ABR controller before its level controller: levels are unknown until MANIFEST_PARSED.
    this.#mapping = mapLadder([], UNKNOWN_SEGMENT_DURATION_S);
    this.#core = createAdapterCore(options, ladderFromBitrates([1], UNKNOWN_SEGMENT_DURATION_S));
    const viewer = resolveViewerOptions(options.viewer);
    const target = hlsViewerTarget(hls.config, {
      segmentDurationS: () => this.#mapping.ladder.segmentDurationS,
      headroom: () => viewerHeadroom(this.#core, this.#mapping.ladder),
      replaceAhead: (marginS) => this.#replaceAhead(marginS),
    });
    this.#viewer = viewer ? new ViewerWatcher(viewer, target, this.#core.clock) : null;
    const cmcd = resolveCmcdOptions(options.cmcd);
    if (cmcd && cmcd.requests !== false) installHlsCmcd(hls, cmcd, () => this.#core.controller.prediction()?.throughputBps ?? null);
    this.#cmcdEvents = lazyCmcdEvents(cmcd, {
      bitrateBps: () => (this.#lastLoadedLevel >= 0 ? (hls.levels[this.#lastLoadedLevel]?.bitrate ?? null) : null),
      bufferS: () => hls.mainForwardBufferInfo?.len ?? 0,
      throughputBps: () => this.#core.controller.prediction()?.throughputBps ?? null,
    });
    this.bwEstimator = createEstimatorView(this.#core, this.#ttfbs, () => this.#defaultEstimateBps);
    const fpsDrop = hls.config.capLevelOnFPSDrop ? { maxDroppedRatio: hls.config.fpsDroppedMonitoringThreshold } : false;
    this.#limits = new PlayerLimits(
      resolveParity(options, { capToPlayerSize: hls.config.capLevelToPlayerSize ?? false, maxDevicePixelRatio: hls.config.maxDevicePixelRatio ?? Infinity, droppedFrames: fpsDrop, cacheHitMaxDurationMs: CORE_CACHE_HIT_MS }),
    );
    const events = (hls.constructor as typeof Hls).Events;
    hls.on(events.MANIFEST_LOADING, this.#onManifestLoading);
    hls.on(events.MANIFEST_PARSED, this.#onLevelsChanged);
    hls.on(events.LEVELS_UPDATED, this.#onLevelsChanged);
    hls.on(events.LEVEL_LOADED, this.#onLevelLoaded);
    hls.on(events.MAX_AUTO_LEVEL_UPDATED, this.#invalidate);
    hls.on(events.FRAG_LOADING, this.#onFragLoading);
    hls.on(events.FRAG_LOADED, this.#onFragLoaded);
    if (this.#cmcdEvents) {
      hls.on(events.MEDIA_ATTACHED, this.#onMediaAttached);
      hls.on(events.ERROR, this.#onError);
    }
  }

  /** The core controller (for inspection and tests). */
  get core(): AdapterCore {
    return this.#core;
  }

  get firstAutoLevel(): number {
    if (this.#levelCount() === 0) return 0;
    return this.#decideLevel();
  }

  get forcedAutoLevel(): number {
    return this.#forcedLevel;
  }

  get nextAutoLevel(): number {
    if (this.#destroyed || this.#levelCount() === 0) return -1;
    if (this.#forcedLevel !== -1) return this.#clampLevel(this.#forcedLevel);
    return this.#decideLevel();
  }

  set nextAutoLevel(level: number) {
    if (this.#destroyed || this.#levelCount() === 0) return;
    const clamped = this.#clampLevel(level);
    if (this.#forcedLevel === -1 && this.#cached !== null && this.#cached.epoch === this.#epoch && clamped === this.#cached.level) return;
    this.#forcedLevel = clamped;
  }

  resetEstimator(abrEwmaDefaultEstimate?: number): void {
    if (abrEwmaDefaultEstimate !== undefined && abrEwmaDefaultEstimate > 0) this.#defaultEstimateBps = abrEwmaDefaultEstimate;
    this.#core.controller.estimator.reset();
    this.#ttfbs.reset();
    this.#cached = null;
  }

  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#clearTimer();
    this.#viewer?.destroy();
    const events = (this.#hls.constructor as typeof Hls).Events;
    const hls = this.#hls;
    hls.off(events.MANIFEST_LOADING, this.#onManifestLoading);
    hls.off(events.MANIFEST_PARSED, this.#onLevelsChanged);
    hls.off(events.LEVELS_UPDATED, this.#onLevelsChanged);
    hls.off(events.LEVEL_LOADED, this.#onLevelLoaded);
    hls.off(events.MAX_AUTO_LEVEL_UPDATED, this.#invalidate);
    hls.off(events.FRAG_LOADING, this.#onFragLoading);
    hls.off(events.FRAG_LOADED, this.#onFragLoaded);
    hls.off(events.MEDIA_ATTACHED, this.#onMediaAttached);
    hls.off(events.ERROR, this.#onError);
    this.#cmcdEvents?.destroy();
    this.#inFlight = null;
  }

  // ---- decisions ----

  #decideLevel(): number {
    const { minAutoLevel, maxAutoLevel } = this.#hls;
    const cached = this.#cached;
    if (cached && cached.epoch === this.#epoch && cached.minLevel === minAutoLevel && cached.maxLevel === maxAutoLevel) return cached.level;
    const mapping = this.#mapping;
    const bounds = rungBounds(mapping, (i) => i >= minAutoLevel && i <= maxAutoLevel) ?? { min: 0, max: 0 };
    const details = this.#hls.latestLevelDetails;
    const liveOptions = this.#options.live;
    // Told live up front: the first decision comes before any media playlist (details null).
    const isLive = details?.live ?? liveOptions !== undefined;
    let segmentsRemaining: number | null = null;
    if (details && !isLive) {
      const next = this.#lastLoadedSn < 0 ? details.startSN : this.#lastLoadedSn + 1;
      segmentsRemaining = Math.max(1, details.endSN - next + 1);
    }
    const media = this.#hls.media;
    const playing = this.#hls.currentLevel;
    this.#viewer?.attach(media);
    const lowest = this.#viewer?.update()?.lowestRung ?? false;
    const capped = lowest ? bounds.min : this.#limits.maxRungIndex(mapping.ladder, media as HTMLVideoElement | null, playing >= 0 ? (mapping.rungOf[playing] ?? null) : null, this.#core.clock.nowMs());
    // Back to the target first, so that the rung and the rate are chosen on the latency and buffer after the jump.
    const live = liveOptions && isLive ? applyLiveResync(media, liveOptions, this.#liveState(liveOptions.targetLatencyS)) : undefined;
    const decision = this.#core.controller.decide({
      segmentIndex: this.#epoch,
      segmentsRemaining,
      bufferS: this.#hls.mainForwardBufferInfo?.len ?? 0,
      lastRungIndex: this.#lastLoadedLevel >= 0 ? (mapping.rungOf[this.#lastLoadedLevel] ?? null) : null,
      playbackRate: media && media.playbackRate > 0 ? media.playbackRate : 1,
      isLive,
      ...(live ? { live } : {}),
      minRungIndex: bounds.min,
      maxRungIndex: Math.max(bounds.min, Math.min(bounds.max, capped)),
    });
    if (liveOptions) applyPlaybackRate(media, decision.playbackRate);
    const level = mapping.playerIndexOf[decision.rungIndex] ?? minAutoLevel;
    this.#cached = { epoch: this.#epoch, minLevel: minAutoLevel, maxLevel: maxAutoLevel, level };
    return level;
  }

  /**
   * The viewer is back from a hidden page whose segments were held at the lowest rung
   * (`viewer.replaceOnReturn`): if the policy now picks a higher rung than the one last loaded, drop
   * the main buffer from `marginS` ahead of the playhead with a forward `BUFFER_FLUSHING`, as hls.js
   * does for its own immediate level switches; its stream controller sees the evicted fragments and
   * fetches that range again at the new decision.
   */
  #replaceAhead(marginS: number): boolean {
    const hls = this.#hls;
    const media = hls.media;
    if (this.#destroyed || !media || this.#levelCount() === 0 || (hls.mainForwardBufferInfo?.len ?? 0) <= marginS) return false;
    this.#cached = null;
    const rung = this.#mapping.rungOf[this.#decideLevel()];
    const loadedRung = this.#lastLoadedLevel >= 0 ? this.#mapping.rungOf[this.#lastLoadedLevel] : undefined;
    if (rung === undefined || loadedRung === undefined || rung <= loadedRung) return false;
    const events = (hls.constructor as typeof Hls).Events;
    hls.trigger(events.BUFFER_FLUSHING, { startOffset: media.currentTime + marginS, endOffset: Number.POSITIVE_INFINITY, type: null });
    return true;
  }

  /**
   * hls.js's latency (its live edge, the newest part or segment end, minus the playhead); NaN until a
   * live playlist and the media are there, which the controller drops as unknown.
   */
  #liveState(targetLatencyS: number): LiveState {
    const details = this.#hls.latestLevelDetails;
    const latencyS = details?.live && this.#hls.media ? this.#hls.latency : Number.NaN;
    const partDurationS = details?.partTarget ?? 0;
    return partDurationS > 0 ? { latencyS, targetLatencyS, partDurationS } : { latencyS, targetLatencyS };
  }

  /** Levels hls.js knows and abrkit has mapped (0 before the manifest is parsed). */
  #levelCount(): number {
    return this.#mapping.rungOf.length;
  }

  /** Within hls.js's auto-level bounds and, on a ladder with several codecs, within the chosen one. */
  #clampLevel(level: number): number {
    const { minAutoLevel, maxAutoLevel } = this.#hls;
    const clamped = Math.min(Math.max(Math.round(level), minAutoLevel), Math.max(minAutoLevel, maxAutoLevel));
    const { rungOf, playerIndexOf, ladder } = this.#mapping;
    if (rungOf[clamped] !== undefined || playerIndexOf.length === 0) return clamped;
    // Another codec's level (hls.js forcing one after an error): the chosen codec's nearest rung at or below it.
    const bitrateBps = this.#hls.levels[clamped]?.bitrate ?? 0;
    let rung = 0;
    ladder.renditions.forEach((r, i) => {
      if (r.bitrateBps <= bitrateBps) rung = i;
    });
    return playerIndexOf[rung]!;
  }

  #invalidate = (): void => {
    this.#cached = null;
  };

  // ---- ladder ----

  #buildMapping(): LadderMapping {
    const levels = this.#hls.levels ?? [];
    const withDetails = levels.find((level) => level.details);
    const durationS = withDetails?.details?.averagetargetduration || withDetails?.details?.targetduration || UNKNOWN_SEGMENT_DURATION_S;
    this.#codecs.update(levels.map((level) => ({ codecs: level.videoCodec ?? level.codecSet, width: level.width, height: level.height, bitrateBps: level.bitrate, frameRate: level.frameRate })));
    return mapLadder(
      levels.map((level, i) => ({
        id: String(i),
        bitrateBps: level.averageBitrate || level.bitrate || 1,
        width: level.width,
        height: level.height,
        codecs: level.codecSet,
      })),
      durationS,
      (i) => this.#codecs.includes(i),
    );
  }

  #onLevelsChanged = (): void => {
    if ((this.#hls.levels ?? []).length === 0) return;
    this.#mapping = this.#buildMapping();
    this.#core.controller.setLadder(this.#mapping.ladder);
    this.#forcedLevel = -1;
    this.#cached = null;
  };

  #onManifestLoading = (): void => {
    this.#clearTimer();
    this.#inFlight = null;
    this.#forcedLevel = -1;
    this.#cached = null;
    this.#lastLoadedLevel = -1;
    this.#lastLoadedSn = -1;
    this.#epoch = 0;
    this.#codecs.reset();
    this.#limits.reset();
    this.#viewer?.reset();
    this.#core.controller.reset();
  };

  #onMediaAttached = (): void => {
    this.#cmcdEvents?.attach(this.#hls.media);
  };

  #onError = (_event: unknown, data: { fatal: boolean; details: string }): void => {
    if (!data.fatal || !this.#cmcdEvents) return;
    this.#cmcdEvents.fatal(data.details);
  };

  #onLevelLoaded = (_event: unknown, data: LevelLoadedData): void => {
    const durationS = data.details.averagetargetduration || data.details.targetduration;
    if (durationS > 0 && durationS !== this.#mapping.ladder.segmentDurationS) this.#onLevelsChanged();
  };

  // ---- samples ----

  #onFragLoaded = (_event: unknown, data: FragLoadedData): void => {
    const { frag, part } = data;
    if (!isMainMedia(frag)) return;
    if (this.#inFlight?.frag === frag) {
      this.#clearTimer();
      this.#inFlight = null;
    }
    const stats = part ? part.stats : frag.stats;
    const sample = sampleFromStats(stats, frag.level, this.#mapping);
    if (sample) {
      if (this.#limits.acceptSample(sample, this.#core.controller.prediction()?.throughputBps ?? null)) this.#core.controller.addSample(sample);
      this.#reportSegment(frag, part, sample);
      this.#ttfbs.add(sample.ttfbMs);
    }
    // A bitrate-test fragment is measured but never played; it does not count as the previous rung.
    if (!frag.bitrateTest) {
      this.#lastLoadedLevel = frag.level;
      const bitrateBps = this.#hls.levels[frag.level]?.bitrate;
      if (bitrateBps) this.#cmcdEvents?.bitrate(bitrateBps);
      if (typeof frag.sn === 'number' && !part) this.#lastLoadedSn = frag.sn;
    }
    if (frag.level === this.#forcedLevel) this.#forcedLevel = -1;
    this.#epoch++;
    this.#cached = null;
  };

  #reportSegment(frag: Fragment, part: Part | null | undefined, sample: DownloadSample): void {
    const onSegment = this.#options.onSegment;
    if (!onSegment) return;
    const rung = sample.rungIndex;
    const durationS = part ? part.duration : frag.duration;
    onSegment({
      url: part ? part.url : frag.url,
      bytes: sample.bytes,
      startMs: sample.startMs,
      ttfbMs: sample.ttfbMs,
      durationMs: sample.durationMs,
      ...(rung === undefined ? {} : { rungIndex: rung, bitrateBps: this.#mapping.ladder.renditions[rung]!.bitrateBps }),
      ...(typeof frag.sn === 'number' ? { segmentIndex: frag.sn } : {}),
      ...(durationS > 0 ? { mediaDurationMs: durationS * 1000 } : {}),
    });
  }

  // ---- emergency abandonment ----

  #onFragLoading = (_event: unknown, data: FragLoadingData): void => {
    const { frag } = data;
    if (isMainMedia(frag)) this.#codecs.lock();
    if (!isMainMedia(frag) || frag.bitrateTest || !this.#core.abandonRule) return;
    this.#inFlight = { frag, part: data.part ?? null };
    this.#clearTimer();
    this.#timer = setInterval(this.#checkAbandon, ABANDON_CHECK_INTERVAL_MS);
  };

  #checkAbandon = (): void => {
    const inFlight = this.#inFlight;
    const rule = this.#core.abandonRule;
    const hls = this.#hls;
    if (!inFlight || !rule || this.#destroyed) {
      this.#clearTimer();
      return;
    }
    const { frag, part } = inFlight;
    const stats = part ? part.stats : frag.stats;
    if (stats.aborted || (stats.total > 0 && stats.loaded >= stats.total) || stats.loading.end > 0) {
      this.#clearTimer();
      this.#inFlight = null;
      return;
    }
    if (!hls.autoLevelEnabled || !hls.media) return;
    const mapping = this.#mapping;
    const rung = mapping.rungOf[frag.level];
    const bounds = rungBounds(mapping, (i) => i >= hls.minAutoLevel && i <= hls.maxAutoLevel);
    if (rung === undefined || bounds === null) return;
    const nowMs = performance.now();
    const elapsedMs = nowMs - stats.loading.start;
    const ttfbMs = stats.loading.first > 0 ? stats.loading.first - stats.loading.start : elapsedMs;
    const durationS = part ? part.duration : frag.duration;
    const expectedBytes = (mapping.ladder.renditions[rung]!.bitrateBps * durationS) / 8;
    const playbackRate = hls.media.playbackRate > 0 ? hls.media.playbackRate : 1;
    const bufferS = (hls.mainForwardBufferInfo?.len ?? 0) / playbackRate;
    const ladder = { ...mapping.ladder, segmentDurationS: durationS };
    const target = rule({
      ladder,
      segmentIndex: this.#epoch,
      rungIndex: rung,
      bytesLoaded: stats.loaded,
      bytesTotal: stats.total > stats.loaded ? stats.total : Math.max(expectedBytes, stats.loaded + 1),
      elapsedMs,
      ttfbMs,
      bufferS,
      minRungIndex: bounds.min,
    });
    if (target === null || target >= rung) return;
    const level = mapping.playerIndexOf[target];
    if (level === undefined) return;
    this.#clearTimer();
    this.#inFlight = null;
    // What arrived so far is the freshest view of the link: feed it before the next decision.
    if (stats.loaded > 0) {
      const sample: DownloadSample = { bytes: stats.loaded, durationMs: elapsedMs, ttfbMs: Math.min(ttfbMs, elapsedMs), startMs: stats.loading.start, endMs: nowMs, rungIndex: rung };
      this.#core.controller.addSample(sample);
    }
    this.#options.onAbandon?.({ fromRungIndex: rung, toRungIndex: target, bytesLoaded: stats.loaded, elapsedMs, bufferS });
    this.#forcedLevel = level;
    this.#cached = null;
    hls.nextLoadLevel = level;
    frag.abortRequests();
    const events = (hls.constructor as typeof Hls).Events;
    hls.trigger(events.FRAG_LOAD_EMERGENCY_ABORTED, { frag, part, stats });
  };

  #clearTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

}

/** Checks a value is an hls.js instance closely enough to drive, before playback starts. */
export function assertHlsLike(hls: unknown): asserts hls is Hls {
  const candidate = hls as { on?: unknown; config?: unknown } | null;
  if (!candidate || typeof candidate.on !== 'function' || typeof candidate.config !== 'object') {
    throw new AbrkitError('invalid-options', 'hls adapter: constructed without an hls.js instance');
  }
}
