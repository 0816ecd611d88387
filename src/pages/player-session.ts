/**
 * One player session in a page, shared by the harness page (src/pages/harness) and the demo page
 * (src/pages/demo): starts hls.js or shaka-player on a <video> element, with the player's own ABR
 * or abrkit's adapter, the same forward buffer for every policy, and reports every main-media
 * segment that reached the buffer and every player error. `watchStalls` reads startup and stalls
 * from the element itself (waiting -> playing), never from the player's or the policy's beliefs.
 *
 * The players are the page's globals (the servers load the app's own hls.js and shaka-player
 * builds beside the page; see scripts/build-pages.mjs), so the page bundle holds only abrkit.
 */
import Hls from 'hls.js';
import shaka from 'shaka-player';
import { createAbrController } from '../hls.js';
import { createAbrManager } from '../shaka.js';
import type { AdapterOptions } from '../adapters/setup.js';
import { codecFamily } from '../adapters/codecs.js';

export type PlayerName = 'hls' | 'shaka';

/** A main-media segment that reached the buffer, with its download's timing on the page clock. */
export interface SegmentLoad {
  readonly url: string;
  /** Segment position: start time / segment duration. */
  readonly index: number;
  /** Rung by bitrate rank among the renditions of its codec, 0 = lowest (-1 if not found). */
  readonly rungIndex: number;
  /** Its video codec family (`avc`, `vp9`, ...). */
  readonly codec: string;
  readonly bytes: number;
  /** Request start, `performance.now()` ms. */
  readonly startMs: number;
  readonly ttfbMs: number;
  readonly durationMs: number;
  /** CMCD object type: hls.js muxes audio with video here ('av'); shaka's DASH video is 'v'. */
  readonly objectType: 'av' | 'v';
}

export interface PlayerSessionOptions {
  readonly player: PlayerName;
  /** Manifest URL (HLS master playlist or DASH MPD). */
  readonly src: string;
  readonly video: HTMLVideoElement;
  /** Forward buffer the player may hold (hls.js maxBufferLength, shaka bufferingGoal), s. */
  readonly bufferGoalS: number;
  readonly segmentDurationS: number;
  /** abrkit's adapter options; null plays the player's own ABR. */
  readonly abrkit: AdapterOptions | null;
  readonly onSegment: (load: SegmentLoad) => void;
  /** A player error event; fatal ones end playback. */
  readonly onPlayerError: (message: string, fatal: boolean) => void;
  /** A low-latency live stream: hls.js `lowLatencyMode` (its default, set explicitly), shaka `streaming.lowLatencyMode`. */
  readonly lowLatency?: boolean;
  /** shaka, live: start this many seconds behind its seek range end (a negative `load` start time). */
  readonly liveStartBehindEdgeS?: number;
}

export interface PlayerSession {
  /** `hls.js` or `shaka-player`, and its version. */
  readonly name: string;
  readonly version: string;
  destroy(): Promise<void>;
}

/** Starts playback; resolves once the player has the manifest (shaka) or has been attached (hls.js). */
export async function startPlayerSession(options: PlayerSessionOptions): Promise<PlayerSession> {
  return options.player === 'hls' ? startHls(options) : startShaka(options);
}

function startHls(o: PlayerSessionOptions): PlayerSession {
  const hls = new Hls({
    ...(o.abrkit ? { abrController: createAbrController(o.abrkit) } : {}),
    maxBufferLength: o.bufferGoalS,
    maxMaxBufferLength: o.bufferGoalS,
    ...(o.lowLatency ? { lowLatencyMode: true } : {}),
  });
  const familyOfLevel = (level: number): string => codecFamily(hls.levels[level]?.videoCodec ?? hls.levels[level]?.codecSet);
  const rungOfLevel = (level: number): number => {
    const family = familyOfLevel(level);
    const bitrates = [...new Set(hls.levels.filter((_, i) => familyOfLevel(i) === family).map((l) => l.bitrate))].sort((a, b) => a - b);
    return bitrates.indexOf(hls.levels[level]?.bitrate ?? -1);
  };
  hls.on(Hls.Events.FRAG_BUFFERED, (_event, data) => {
    const frag = data.frag;
    if (String(frag.type) !== 'main' || frag.sn === 'initSegment') return;
    const loading = frag.stats.loading;
    o.onSegment({
      url: frag.url,
      index: Math.round(frag.start / o.segmentDurationS),
      rungIndex: rungOfLevel(frag.level),
      codec: familyOfLevel(frag.level),
      bytes: frag.stats.loaded,
      startMs: loading.start,
      ttfbMs: Math.max(0, loading.first - loading.start),
      durationMs: Math.max(0, loading.end - loading.start),
      objectType: 'av',
    });
  });
  hls.on(Hls.Events.ERROR, (_event, data) => o.onPlayerError(data.details, data.fatal));
  hls.loadSource(o.src);
  hls.attachMedia(o.video);
  void o.video.play().catch(() => undefined);
  return { name: 'hls.js', version: Hls.version, destroy: async () => hls.destroy() };
}

async function startShaka(o: PlayerSessionOptions): Promise<PlayerSession> {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  await player.attach(o.video);
  player.configure({ streaming: { bufferingGoal: o.bufferGoalS, rebufferingGoal: 2, ...(o.lowLatency ? { lowLatencyMode: true } : {}) } });
  const abrkit = o.abrkit;
  if (abrkit) player.configure({ abrFactory: () => createAbrManager({ ...abrkit, player }) });
  // A video stream's rung: its variants' bandwidth ranked among its codec's (DASH gives video
  // streams a bandwidth of their own; HLS only variants, so both are read from the variants).
  const rungs = new Map<number, number>();
  player.getNetworkingEngine()!.registerResponseFilter((type, response, context) => {
    const stream = context?.stream;
    const segment = context?.segment;
    // RequestType.SEGMENT = 1, AdvancedRequestType.MEDIA_SEGMENT = 1 (shaka 5).
    if (type !== 1 || context?.type !== 1 || !stream || stream.type !== 'video' || !segment) return;
    const codec = codecFamily(stream.codecs);
    if (!rungs.has(stream.id)) {
      const tracks = player.getVariantTracks().filter((t) => codecFamily(t.videoCodec ?? undefined) === codec);
      const bandwidthOf = (videoId: number | null) => Math.max(0, ...tracks.filter((t) => t.videoId === videoId).map((t) => t.videoBandwidth || t.bandwidth));
      const ladder = [...new Set(tracks.map((t) => bandwidthOf(t.videoId)))].sort((a, b) => a - b);
      rungs.set(stream.id, ladder.indexOf(bandwidthOf(stream.id)));
    }
    const durationMs = response.timeMs ?? 0;
    o.onSegment({
      url: response.uri,
      index: Math.round(segment.getStartTime() / o.segmentDurationS),
      rungIndex: rungs.get(stream.id)!,
      codec,
      bytes: response.data.byteLength,
      // Shaka's own request start time may be on the wall clock: derive it on the page clock.
      startMs: performance.now() - durationMs,
      ttfbMs: response.originalRequest.timeToFirstByte ?? 0,
      durationMs,
      objectType: 'v',
    });
  });
  player.addEventListener('error', (event) => {
    const detail = (event as unknown as { detail?: { code?: number; severity?: number } }).detail;
    // Severity 2 is shaka.util.Error.Severity.CRITICAL.
    o.onPlayerError(`shaka error ${detail?.code ?? '?'} severity ${detail?.severity ?? '?'}`, detail?.severity === 2);
  });
  await player.load(o.src, o.liveStartBehindEdgeS === undefined ? null : -o.liveStartBehindEdgeS);
  void o.video.play().catch(() => undefined);
  return { name: 'shaka-player', version: shaka.Player.version, destroy: () => player.destroy() };
}

export interface StallHandlers {
  /** The first `playing`: playback started. */
  onStartup(): void;
  /** `waiting` after startup (not at the end), or the rate held at 0: a stall began at playhead `atS`. */
  onStallStart(atS: number): void;
  /** `playing` again, or the rate back above 0, after a stall. */
  onStallEnd(): void;
}

/**
 * Startup and stalls from the element's events; returns a function that stops listening.
 *
 * shaka with a `rebufferingGoal` (the harness sets 2 s) buffers by setting the element's
 * `playbackRate` to 0 once less than ~0.5 s is ahead, before the element runs dry: the element
 * then never fires `waiting`, and the frozen playhead looked like playback. A rate of 0 while not
 * paused counts as a stall too, until the rate is back.
 */
export function watchStalls(video: HTMLVideoElement, handlers: StallHandlers): () => void {
  let started = false;
  let stalled = false;
  const start = () => {
    if (!started || stalled || video.ended) return;
    stalled = true;
    handlers.onStallStart(video.currentTime);
  };
  const end = () => {
    if (!stalled) return;
    stalled = false;
    handlers.onStallEnd();
  };
  // Startup is the first moment the playhead can move: `playing` at a rate above 0 (shaka may fire
  // `playing` while it still holds the rate at 0), or the rate rising above 0 after `playing`.
  let playing = false;
  const begin = () => {
    if (started || !playing || video.playbackRate <= 0) return;
    started = true;
    handlers.onStartup();
  };
  const onPlaying = () => {
    playing = true;
    begin();
    if (video.playbackRate > 0) end();
  };
  const onRateChange = () => {
    if (video.playbackRate === 0 && !video.paused) start();
    // HAVE_FUTURE_DATA: the element can play on; without it a `playing` event will end the stall.
    else if (video.playbackRate > 0 && video.readyState >= 3) {
      begin();
      end();
    }
  };
  video.addEventListener('playing', onPlaying);
  video.addEventListener('waiting', start);
  video.addEventListener('ratechange', onRateChange);
  return () => {
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('waiting', start);
    video.removeEventListener('ratechange', onRateChange);
  };
}

/** The buffered time ahead of the playhead, s. */
export function bufferAheadS(video: HTMLVideoElement): number {
  const t = video.currentTime;
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= t + 0.1 && video.buffered.end(i) > t) return video.buffered.end(i) - t;
  }
  return 0;
}
