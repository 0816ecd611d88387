/**
 * abrkit's controller as a shaka-player `AbrManager`: variants to a ladder, shaka's samples to
 * ours, decisions back to shaka.
 */
import type shaka from 'shaka-player';
import type { DownloadSample } from '../../core/sample.js';
import { CodecLock } from '../codec-lock.js';
import { applyLiveResync, applyPlaybackRate, createAdapterCore, mapLadder, type AdapterCore, type AdapterOptions, type LadderMapping } from '../setup.js';
import { ladderFromBitrates } from '../../core/ladder.js';
import { PlayerLimits, resolveParity } from '../player-limits.js';
import { invalidOptions } from '../../core/errors.js';
import { resolveViewerOptions, ViewerWatcher } from '../viewer.js';
import { shakaViewerTarget, viewerHeadroom, type ShakaConfigurable } from '../viewer-targets.js';
import { resolveCmcdOptions } from '../cmcd.js';
import { registerShakaCmcd, type ShakaNetworking } from './cmcd-filter.js';
import { lazyCmcdEvents, type LazyCmcdEvents } from '../cmcd-events-lazy.js';
import { bufferAheadS, playingRung } from './media.js';
import { isPlayable, meetsRestrictions, SHAKA_PARITY_DEFAULTS, shakaParityDefaults } from './config.js';
import { timeSegmentReads, type ReadTimings } from './read-timing.js';
import { busyMeasure } from '../../estimators/chunked.js';
import type { LiveState } from '../../core/live.js';

export { meetsRestrictions } from './config.js';

type Variant = shaka.extern.Variant;
type AbrConfiguration = shaka.extern.AbrConfiguration;
type Request = shaka.extern.Request;
type RequestContext = shaka.extern.RequestContext;

/** Segment duration assumed until a downloaded segment tells us (DASH/HLS packagers commonly use 4-6 s). */
const UNKNOWN_SEGMENT_DURATION_S = 4;
/** shaka's `AdvancedRequestType.INIT_SEGMENT` (numeric enum in shaka 5; read, not imported, so shaka stays optional). */
const INIT_SEGMENT_REQUEST_TYPE = 0;
/** shaka's own default estimate when `abr.defaultBandwidthEstimate` is not configured (bit/s). */
const FALLBACK_DEFAULT_ESTIMATE_BPS = 1e6;

/** shaka's `NetworkingEngine.RequestType.SEGMENT`. */
const SEGMENT_REQUEST_TYPE = 1;
/**
 * Requests kept in flight at most (shaka's low-latency mode prefetches 2 segments per stream; an
 * aborted request never completes, so the oldest beyond this are dropped without a sample).
 */
const MAX_IN_FLIGHT = 8;

/** What the manager listens to on a shaka Player it is given (its `downloadcompleted` events). */
export interface ShakaPlayerEvents {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

export interface ShakaAbrOptions extends AdapterOptions {
  /**
   * The shaka Player. With it, a download's sample completes at the player's `downloadcompleted`
   * event (the response's full size and time), before the next choice; without it, the sample
   * completes only once the next request of its type is under way, so decisions see it one segment late.
   */
  readonly player?: ShakaPlayerEvents & Partial<ShakaConfigurable> & Partial<ShakaNetworking> & Partial<ShakaLiveStats> & Partial<ShakaLiveSync>;
}

/**
 * What the manager configures with `live` once a policy sets the playback rate: shaka's live sync
 * tolerance (see `#applyPlaybackRate`).
 */
interface ShakaLiveSync {
  configure(config: { streaming: { liveSync: { targetLatencyTolerance: number } } }): unknown;
}

/** What the manager reads of the live latency with `live`: shaka's own `liveLatency` stat (seconds behind its live edge). */
interface ShakaLiveStats {
  getStats(): { readonly liveLatency?: number };
  /** For low-latency DASH's availabilityTimeOffset (shaka sets it on the timeline in low-latency mode only). */
  getManifest(): { readonly presentationTimeline: { getAvailabilityTimeOffset(): number; getMaxSegmentDuration(): number } } | null;
}

/** The fields of shaka's `downloadcompleted` event the manager reads. */
interface DownloadCompletedEvent {
  readonly requestType?: number;
  readonly request?: Request;
  readonly context?: RequestContext;
  readonly response?: { readonly data?: ArrayBuffer | ArrayBufferView; readonly timeMs?: number; readonly fromCache?: boolean };
}

/** Bytes and time of one request so far, summed over the chunks shaka reports. */
interface RequestAggregate {
  readonly request: Request | undefined;
  /** The key in the in-flight map (the request, or a stand-in for a report without one). */
  readonly key: object;
  readonly startMs: number;
  bytes: number;
  durationMs: number;
  readonly ttfbMs: number;
  readonly contentType: string;
  readonly rungIndex: number | undefined;
  readonly segmentDurationS: number | undefined;
  readonly segmentEndS: number | undefined;
}

/**
 * shaka-player `AbrManager` backed by abrkit's core.
 *
 * shaka calls `segmentDownloaded` once per chunk of a streamed response (each carrying that chunk's
 * bytes and time since the previous report), not once per segment. The manager sums the chunks of a
 * request into one sample, which it completes at the player's `downloadcompleted` (given `player`;
 * requests of one type may then overlap, as shaka's low-latency prefetch makes them), else when the
 * next request of the same content type starts, or when shaka stops the manager. In low-latency mode
 * each read of a segment response is timed (read-timing.ts), so the sample carries `chunks`: the
 * bursts of a segment sent while it was produced, without the idle waits between them. While a video segment is in
 * flight, each chunk also runs the core's emergency abandonment rule; a switch-down is handed to shaka,
 * whose streaming engine aborts the request in flight when the new stream is quicker to fetch.
 */
export class AbrkitShakaAbrManager implements shaka.extern.AbrManager {
  readonly #options: ShakaAbrOptions;
  readonly #core: AdapterCore;
  /** Requests already completed from `downloadcompleted`: their late chunk reports are ignored. */
  #completed = new WeakSet<Request>();
  /** A sample completed at downloadcompleted, so the next request's first report brings a choice. */
  #choicePending = false;
  #switch: shaka.extern.AbrManager.SwitchCallback | null = null;
  #variants: Variant[] = [];
  #mapping: LadderMapping;
  #config: AbrConfiguration | null = null;
  #enabled = false;
  #playbackRate = 1;
  /** shaka's live sync was configured out of the way of the policy's rate (`#applyPlaybackRate`). */
  #liveSyncHandedOver = false;
  #media: HTMLMediaElement | null = null;
  #segmentDurationS = UNKNOWN_SEGMENT_DURATION_S;
  #lastRungIndex: number | null = null;
  #segmentIndex = 0;
  #inFlight = new Map<object, RequestAggregate>();
  readonly #reads: ReadTimings;
  /** Requests shaka's `downloadcompleted` said were served from its cache. */
  #fromCache = new WeakSet<Request>();
  #limits: PlayerLimits;
  #parityKey = '';
  readonly #viewer: ViewerWatcher | null;
  readonly #unregisterCmcd: () => void;
  readonly #cmcdEvents: LazyCmcdEvents | null;
  readonly #codecs: CodecLock;

  constructor(options: ShakaAbrOptions = {}) {
    this.#options = options;
    this.#mapping = mapLadder([], UNKNOWN_SEGMENT_DURATION_S);
    // shaka keeps one codec unless told `dontChooseCodecs`; this holds the choice when it is.
    this.#codecs = new CodecLock({
      ...(options.codecPreference ? { preference: options.codecPreference } : {}),
      ...(options.onCodecChoice ? { onChoice: options.onCodecChoice } : {}),
      onChange: () => this.#rebuildLadder(),
    });
    this.#core = createAdapterCore(options, ladderFromBitrates([1], UNKNOWN_SEGMENT_DURATION_S));
    this.#limits = new PlayerLimits(resolveParity(options, SHAKA_PARITY_DEFAULTS));
    const viewer = resolveViewerOptions(options.viewer);
    const player = options.player;
    if (viewer && !(player?.configure && player.getConfiguration)) throw invalidOptions('shaka adapter', 'the viewer option needs the shaka Player as `player` (it sets streaming.bufferingGoal)');
    this.#viewer =
      viewer && player?.configure && player.getConfiguration
        ? new ViewerWatcher(
            viewer,
            shakaViewerTarget(player as ShakaConfigurable, {
              segmentDurationS: () => this.#segmentDurationS,
              headroom: () => viewerHeadroom(this.#core, this.#mapping.ladder),
              replaceAhead: (marginS) => this.#replaceAhead(marginS),
            }),
            this.#core.clock,
          )
        : null;
    this.#reads = timeSegmentReads(player, this.#core.clock);
    const cmcd = resolveCmcdOptions(options.cmcd);
    const requestMode = cmcd !== null && cmcd.requests !== false;
    if (requestMode && !player?.getNetworkingEngine) throw invalidOptions('shaka adapter', 'the cmcd option needs the shaka Player as `player` (a request filter on its networking engine)');
    const source = { bufferS: () => this.#bufferS(), throughputBps: () => this.#core.controller.prediction()?.throughputBps ?? null, seeking: () => this.#media?.seeking ?? false };
    this.#unregisterCmcd = requestMode && player?.getNetworkingEngine ? registerShakaCmcd(player as ShakaNetworking, cmcd, source) : () => undefined;
    this.#cmcdEvents = lazyCmcdEvents(cmcd, {
      bitrateBps: () => (this.#lastRungIndex === null ? null : (this.#mapping.ladder.renditions[this.#lastRungIndex]?.bitrateBps ?? null)),
      bufferS: () => this.#bufferS(),
      throughputBps: () => this.#core.controller.prediction()?.throughputBps ?? null,
    });
    options.player?.addEventListener('downloadcompleted', this.#onDownloadCompleted);
  }

  /** The core controller (for inspection and tests). */
  get core(): AdapterCore {
    return this.#core;
  }

  init(switchCallback: shaka.extern.AbrManager.SwitchCallback, _disableStreamCallback: shaka.extern.AbrManager.DisableStreamCallback): void {
    this.#switch = switchCallback;
  }

  stop(): void {
    for (const aggregate of [...this.#inFlight.values()]) this.#complete(aggregate);
    this.#switch = null;
    this.#enabled = false;
    this.#variants = [];
    this.#media = null;
    this.#playbackRate = 1;
    this.#lastRungIndex = null;
    this.#segmentIndex = 0;
    this.#choicePending = false;
    this.#codecs.reset();
    this.#limits.reset();
    this.#viewer?.reset();
  }

  release(): void {
    this.#options.player?.removeEventListener('downloadcompleted', this.#onDownloadCompleted);
    this.#viewer?.destroy();
    this.#unregisterCmcd();
    this.#reads.release();
    this.#cmcdEvents?.destroy();
    this.stop();
    this.#core.controller.reset();
  }

  configure(config: AbrConfiguration): void {
    this.#config = config;
    // shaka calls configure again on every player.configure (the viewer option's included): keep the state.
    const settings = resolveParity(this.#options, shakaParityDefaults(config));
    const key = JSON.stringify(settings);
    if (key !== this.#parityKey) this.#limits = new PlayerLimits(settings);
    this.#parityKey = key;
  }

  enable(): void {
    this.#enabled = true;
  }

  disable(): void {
    this.#enabled = false;
  }

  setMediaElement(mediaElement: HTMLMediaElement | null): void {
    this.#media = mediaElement;
    this.#viewer?.attach(mediaElement);
    this.#cmcdEvents?.attach(mediaElement);
  }

  setCmsdManager(_cmsdManager: shaka.util.CmsdManager | null): void {
    // CMSD hints are not used by abrkit's policies; the manager decides from its own samples.
  }

  playbackRateChanged(rate: number): void {
    this.#playbackRate = Number.isFinite(rate) && rate !== 0 ? Math.abs(rate) : 1;
  }

  getBandwidthEstimate(): number {
    return this.#core.controller.prediction()?.throughputBps ?? (this.#config?.defaultBandwidthEstimate || FALLBACK_DEFAULT_ESTIMATE_BPS);
  }

  setVariants(variants: Variant[], _isLowLatency: boolean): boolean {
    const same = variants.length === this.#variants.length && variants.every((v, i) => v === this.#variants[i]);
    if (same) return false;
    const previous = this.#lastRungIndex === null ? null : this.#variants[this.#mapping.playerIndexOf[this.#lastRungIndex] ?? -1];
    this.#variants = [...variants];
    this.#rebuildLadder();
    this.#lastRungIndex = previous ? (this.#mapping.rungOf[this.#variants.indexOf(previous)] ?? null) : null;
    return true;
  }

  chooseVariant(_preferFastSwitching?: boolean): Variant {
    const rung = this.#decide();
    const variant = this.#variants[this.#mapping.playerIndexOf[rung] ?? 0]!;
    this.#lastRungIndex = rung;
    this.#codecs.lock();
    return variant;
  }

  trySuggestStreams(): void {
    this.#suggest();
  }

  segmentDownloaded(deltaTimeMs: number, numBytes: number, allowSwitch: boolean, request?: Request, context?: RequestContext): void {
    if (context?.type === INIT_SEGMENT_REQUEST_TYPE) return;
    if (request && this.#completed.has(request)) return;
    const contentType = context?.stream?.type ?? 'unknown';
    const nowMs = this.#core.clock.nowMs();
    let aggregate = request ? this.#inFlight.get(request) : undefined;
    if (!aggregate && !this.#options.player) {
      // No end-of-response signal: the previous request of this type ended when this one started.
      const previous = [...this.#inFlight.values()].filter((a) => a.contentType === contentType);
      for (const other of previous) this.#complete(other);
      if (previous.length > 0 && allowSwitch) this.#suggest();
    }
    if (!aggregate) {
      aggregate = this.#newAggregate(request, context, nowMs - deltaTimeMs);
      this.#inFlight.set(aggregate.key, aggregate);
      if (this.#inFlight.size > MAX_IN_FLIGHT) this.#inFlight.delete(this.#inFlight.keys().next().value!);
      // The previous request was completed by downloadcompleted: choose now, as shaka expects.
      if (this.#choicePending && allowSwitch) {
        this.#choicePending = false;
        this.#suggest();
      }
    }
    aggregate.bytes += numBytes;
    aggregate.durationMs += deltaTimeMs;
    if (request === undefined) {
      // Without a request object there is nothing to join chunks by: each report is a sample.
      this.#complete(aggregate);
      if (allowSwitch) this.#suggest();
      return;
    }
    if (contentType === 'video' && allowSwitch) this.#checkAbandon(aggregate);
  }

  // ---- internals ----

  #newAggregate(request: Request | undefined, context: RequestContext | undefined, startMs: number): RequestAggregate {
    const contentType = context?.stream?.type ?? 'unknown';
    const segment = context?.segment ?? null;
    const durationS = segment ? segment.getEndTime() - segment.getStartTime() : undefined;
    const variantIndex = this.#variants.findIndex((v) => v.video === context?.stream || v.audio === context?.stream);
    return {
      request,
      key: request ?? {},
      startMs,
      bytes: 0,
      durationMs: 0,
      ttfbMs: request?.timeToFirstByte ?? 0,
      contentType,
      rungIndex: contentType === 'video' && variantIndex >= 0 ? this.#mapping.rungOf[variantIndex] : undefined,
      segmentDurationS: durationS && durationS > 0 ? durationS : undefined,
      segmentEndS: segment ? segment.getEndTime() : undefined,
    };
  }

  /**
   * The player's `downloadcompleted`: the request's sample is complete, with the response's own size
   * and time (chunk reports are queued behind it and may not have all arrived yet).
   */
  #onDownloadCompleted = (event: Event): void => {
    const { requestType, request, context, response } = event as unknown as DownloadCompletedEvent;
    if (response?.fromCache && request) this.#fromCache.add(request);
    if (requestType !== SEGMENT_REQUEST_TYPE || !request || context?.type === INIT_SEGMENT_REQUEST_TYPE || response?.fromCache) return;
    const bytes = response?.data?.byteLength ?? 0;
    const timeMs = response?.timeMs ?? 0;
    if (!(bytes > 0 && timeMs > 0)) return;
    const aggregate = this.#inFlight.get(request) ?? this.#newAggregate(request, context, this.#core.clock.nowMs() - timeMs);
    aggregate.bytes = Math.max(aggregate.bytes, bytes);
    aggregate.durationMs = Math.max(aggregate.durationMs, timeMs);
    this.#completed.add(request);
    // Only the sample: switching from inside this event made shaka drop and refetch what it had
    // just downloaded. The next choice comes, as shaka expects, with the next request's progress.
    this.#complete(aggregate);
    this.#choicePending = true;
  };

  #complete(aggregate: RequestAggregate): void {
    if (this.#inFlight.get(aggregate.key) === aggregate) this.#inFlight.delete(aggregate.key);
    if (aggregate.durationMs <= 0 || aggregate.bytes <= 0) return;
    const chunks = aggregate.request ? this.#reads.chunks(aggregate.request) : undefined;
    const sample: DownloadSample = {
      bytes: aggregate.bytes,
      durationMs: aggregate.durationMs,
      ttfbMs: Math.min(aggregate.ttfbMs, aggregate.durationMs),
      startMs: aggregate.startMs,
      endMs: aggregate.startMs + aggregate.durationMs,
      ...(aggregate.rungIndex !== undefined ? { rungIndex: aggregate.rungIndex } : {}),
      ...(chunks ? { chunks } : {}),
    };
    const fromCache = aggregate.request !== undefined && this.#fromCache.has(aggregate.request);
    // Only video (or muxed) segments measure the link: a separate audio track's segments are a few
    // kB, fetched in tens of ms, and their round-trip-bound "throughput" dragged the estimate down.
    const measuresLink = aggregate.contentType === 'video' || aggregate.contentType === 'unknown';
    if (measuresLink && this.#limits.acceptSample(sample, this.#core.controller.prediction()?.throughputBps ?? null, fromCache)) this.#core.controller.addSample(sample);
    const url = aggregate.request?.uris[0];
    if (this.#options.onSegment && url !== undefined && (aggregate.contentType === 'video' || aggregate.contentType === 'unknown')) {
      this.#options.onSegment({
        url,
        bytes: sample.bytes,
        startMs: sample.startMs,
        ttfbMs: sample.ttfbMs,
        durationMs: sample.durationMs,
        ...(aggregate.rungIndex === undefined ? {} : { rungIndex: aggregate.rungIndex, bitrateBps: this.#mapping.ladder.renditions[aggregate.rungIndex]!.bitrateBps }),
        segmentIndex: this.#segmentIndex,
        ...(aggregate.segmentDurationS === undefined ? {} : { mediaDurationMs: aggregate.segmentDurationS * 1000 }),
      });
    }
    if (aggregate.contentType === 'video') {
      this.#segmentIndex++;
      if (aggregate.rungIndex !== undefined) this.#cmcdEvents?.bitrate(this.#mapping.ladder.renditions[aggregate.rungIndex]!.bitrateBps);
      if (aggregate.segmentDurationS !== undefined && Math.abs(aggregate.segmentDurationS - this.#segmentDurationS) > 0.05) {
        this.#segmentDurationS = aggregate.segmentDurationS;
        this.#rebuildLadder();
      }
    }
  }

  #suggest(): void {
    if (!this.#enabled || !this.#switch || this.#variants.length === 0) return;
    const previous = this.#lastRungIndex;
    const rung = this.#decide();
    this.#lastRungIndex = rung;
    if (rung !== previous) this.#switch(this.#variants[this.#mapping.playerIndexOf[rung] ?? 0]!, false);
  }

  /**
   * The viewer is back from a hidden page whose segments were held at the lowest rung
   * (`viewer.replaceOnReturn`): if the policy now picks a higher rung, switch with `clearBuffer`
   * and `safeMargin` (shaka keeps `marginS` ahead of the playhead and refetches the rest).
   */
  #replaceAhead(marginS: number): boolean {
    if (!this.#enabled || !this.#switch || this.#variants.length === 0 || this.#bufferS() <= marginS) return false;
    const previous = this.#lastRungIndex;
    const rung = this.#decide();
    if (previous === null || rung <= previous) return false;
    this.#lastRungIndex = rung;
    this.#switch(this.#variants[this.#mapping.playerIndexOf[rung] ?? 0]!, true, marginS);
    return true;
  }

  #checkAbandon(aggregate: RequestAggregate): void {
    const rule = this.#core.abandonRule;
    const rung = aggregate.rungIndex;
    if (!rule || rung === undefined || !this.#enabled || !this.#switch) return;
    const bounds = this.#bounds();
    const segmentDurationS = aggregate.segmentDurationS ?? this.#segmentDurationS;
    const ladder = { ...this.#mapping.ladder, segmentDurationS };
    const bufferS = this.#bufferS() / this.#playbackRate;
    const expectedBytes = (ladder.renditions[rung]!.bitrateBps * segmentDurationS) / 8;
    const target = rule({
      ladder,
      segmentIndex: this.#segmentIndex,
      rungIndex: rung,
      bytesLoaded: aggregate.bytes,
      bytesTotal: Math.max(expectedBytes, aggregate.bytes + 1),
      elapsedMs: this.#abandonElapsedMs(aggregate),
      ttfbMs: Math.min(aggregate.ttfbMs, aggregate.durationMs),
      bufferS,
      minRungIndex: bounds.min,
    });
    if (target === null || target >= rung) return;
    this.#options.onAbandon?.({ fromRungIndex: rung, toRungIndex: target, bytesLoaded: aggregate.bytes, elapsedMs: aggregate.durationMs, bufferS });
    // The partial download is the freshest view of the link.
    this.#complete(aggregate);
    this.#lastRungIndex = target;
    this.#switch(this.#variants[this.#mapping.playerIndexOf[target] ?? 0]!, false);
  }

  /**
   * The time the rule judges a download by: since the request, or, for a response timed in bursts
   * (a segment sent while it is produced), the time to first byte plus the time the bytes so far would
   * have taken at the rate they flowed, so that waiting for the encoder does not look like a slow link.
   */
  #abandonElapsedMs(aggregate: RequestAggregate): number {
    const chunks = aggregate.request ? this.#reads.chunks(aggregate.request) : undefined;
    if (!chunks) return aggregate.durationMs;
    const busy = busyMeasure({ bytes: aggregate.bytes, durationMs: aggregate.durationMs, ttfbMs: aggregate.ttfbMs, startMs: aggregate.startMs, endMs: aggregate.startMs + aggregate.durationMs, chunks });
    if (!busy.measured) return aggregate.durationMs;
    const ttfbMs = Math.min(aggregate.ttfbMs, aggregate.durationMs);
    return Math.min(aggregate.durationMs, ttfbMs + (aggregate.bytes * busy.activeMs) / busy.bytes);
  }

  #decide(): number {
    if (this.#variants.length === 0) throw new Error('abrkit shaka manager: chooseVariant called before setVariants');
    const bounds = this.#bounds();
    const media = this.#media;
    let segmentsRemaining: number | null = null;
    const liveOptions = this.#options.live;
    // Told live up front, so the first choice (before the element has a duration) is a live one.
    const isLive = liveOptions !== undefined || (media !== null && !Number.isFinite(media.duration));
    if (media && Number.isFinite(media.duration) && media.duration > 0) {
      segmentsRemaining = Math.max(1, Math.ceil((media.duration - media.currentTime - this.#bufferS()) / this.#segmentDurationS));
    }
    const lowest = this.#viewer?.update()?.lowestRung ?? false;
    const capped = lowest ? bounds.min : this.#limits.maxRungIndex(this.#mapping.ladder, media as HTMLVideoElement | null, this.#playingRung(), this.#core.clock.nowMs());
    // Back to the target first, so that the rung and the rate are chosen on the latency and buffer after the jump.
    const live = liveOptions ? applyLiveResync(media, liveOptions, this.#liveState(liveOptions.targetLatencyS)) : undefined;
    const decision = this.#core.controller.decide({
      segmentIndex: this.#segmentIndex,
      segmentsRemaining,
      bufferS: this.#bufferS(),
      lastRungIndex: this.#lastRungIndex,
      playbackRate: this.#playbackRate,
      isLive,
      ...(live ? { live } : {}),
      minRungIndex: bounds.min,
      maxRungIndex: Math.max(bounds.min, Math.min(bounds.max, capped)),
    });
    if (liveOptions) this.#applyPlaybackRate(media, decision.playbackRate);
    return this.#nearestAllowed(decision.rungIndex);
  }

  /**
   * A policy's rate, applied so that shaka's own live sync leaves it alone. shaka follows an MPD's
   * ServiceDescription (Latency target, PlaybackRate) even with `streaming.liveSync.enabled` false:
   * on every timeupdate it sets its own catch-up rate when its latency reading (behind its seek range
   * end, which already lags the edge by the presentation delay) is outside target +- tolerance, and
   * resets the element to `defaultPlaybackRate` inside it. So the policy's rate becomes the default
   * rate too, and the tolerance unbounded (shaka's sync then never acts); without a player to
   * configure, only the rate is set.
   */
  #applyPlaybackRate(media: HTMLMediaElement | null, rate: number | undefined): void {
    if (media === null || rate === undefined) return;
    if (!this.#liveSyncHandedOver) {
      this.#liveSyncHandedOver = true;
      this.#options.player?.configure?.({ streaming: { liveSync: { targetLatencyTolerance: Infinity } } });
    }
    if (Math.abs(media.defaultPlaybackRate - rate) >= 0.001) media.defaultPlaybackRate = rate;
    applyPlaybackRate(media, rate);
  }

  /** The latency, the target and, on low-latency DASH, the part duration (the segment's less its availabilityTimeOffset). */
  #liveState(targetLatencyS: number): LiveState {
    const latencyS = this.#liveLatencyS();
    const timeline = this.#options.player?.getManifest?.()?.presentationTimeline;
    const offsetS = timeline?.getAvailabilityTimeOffset() ?? 0;
    const partDurationS = offsetS > 0 && timeline ? timeline.getMaxSegmentDuration() - offsetS : 0;
    return partDurationS > 0 ? { latencyS, targetLatencyS, partDurationS } : { latencyS, targetLatencyS };
  }

  /** shaka's `liveLatency` stat once playing, NaN before (which the controller drops as unknown). */
  #liveLatencyS(): number {
    const latencyS = this.#options.player?.getStats?.().liveLatency;
    return latencyS !== undefined && latencyS > 0 ? latencyS : Number.NaN;
  }

  #playingRung(): number | null {
    return playingRung(this.#media as HTMLVideoElement | null, this.#mapping.ladder, this.#lastRungIndex);
  }


  /** Rung bounds of the variants shaka and the restrictions allow; the lowest rung if none is. */
  #bounds(): { min: number; max: number } {
    const allowed = this.#allowedRungs();
    if (allowed.length === 0) return { min: 0, max: 0 };
    return { min: allowed[0]!, max: allowed[allowed.length - 1]! };
  }

  #allowedRungs(): number[] {
    const restrictions = this.#config?.restrictions;
    const rungs: number[] = [];
    this.#mapping.playerIndexOf.forEach((playerIndex, rung) => {
      const variant = this.#variants[playerIndex];
      if (variant && isPlayable(variant) && (!restrictions || meetsRestrictions(variant, restrictions))) rungs.push(rung);
    });
    return rungs;
  }

  /** Restrictions need not carve a contiguous range out of the ladder: snap down to an allowed rung. */
  #nearestAllowed(rung: number): number {
    const allowed = this.#allowedRungs();
    if (allowed.length === 0 || allowed.includes(rung)) return allowed.length === 0 ? 0 : rung;
    const below = allowed.filter((r) => r < rung);
    return below.length > 0 ? below[below.length - 1]! : allowed[0]!;
  }

  #bufferS(): number {
    return bufferAheadS(this.#media);
  }


  #rebuildLadder(): void {
    this.#codecs.update(
      this.#variants.map((v) => ({ codecs: v.video?.codecs, width: v.video?.width ?? undefined, height: v.video?.height ?? undefined, bitrateBps: v.bandwidth, frameRate: v.video?.frameRate ?? undefined })),
      this.#variants.map((v) => v.decodingInfos?.[0]),
    );
    this.#mapping = mapLadder(
      this.#variants.map((variant, i) => ({
        id: String(variant.id ?? i),
        bitrateBps: variant.bandwidth > 0 ? variant.bandwidth : 1,
        width: variant.video?.width,
        height: variant.video?.height,
        codecs: variant.video?.codecs,
      })),
      this.#segmentDurationS,
      (i) => this.#codecs.includes(i),
    );
    if (this.#variants.length > 0) this.#core.controller.setLadder(this.#mapping.ladder);
  }
}
