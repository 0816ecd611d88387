/**
 * The real-browser harness: one Chromium and one shaped server; runs a session, reads what the page
 * measured, summarises it.
 */
import type { Browser } from 'playwright-core';
import type { Trace } from '../../sim/trace.js';
import type { SessionMetrics, ChunkRecord } from '../../qoe/session-metrics.js';
import { summarizeSession } from '../../qoe/session-metrics.js';
import { createQoeModel } from '../../qoe/models.js';
import { ladderFromBitrates } from '../../core/ladder.js';
import { startHarnessServer, type FaultSpec, type HarnessServer, type RequestLogEntry } from './server.js';
import { loadPage, requirePlayerBuild } from '../pages.js';
import type { PageConfig, PageResult } from '../../pages/protocol.js';

export { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.js';
import { CHROMIUM_PATH, chromiumLaunchOptions } from './chromium.js';
import { AbrkitError } from '../../core/errors.js';

import { DEFAULT_MEDIA_DIR, readStreamInfo, type StreamInfo } from './stream.js';
import { folderStore } from './media-store.js';
import type { PlayableSource } from './source.js';
import { loadLlHlsStream, publishedParts, type LlHlsStream } from './ll-hls.js';
import { summarizeLatency, type LiveSummary } from './live-metrics.js';

/** LL-HLS defaults: 3 segments (12 s) out at the start, 6 in the playlist, a 3 s latency target. */
const LL_HLS_DEFAULTS = Object.freeze({ initialSegments: 3, windowSegments: 6, targetLatencyS: 3 });
/** A live session stops this long (plus the target latency) before the end of the content. */
const LL_HLS_END_MARGIN_S = 1;

export { DEFAULT_MEDIA_DIR, readStreamInfo, type StreamInfo } from './stream.js';

export interface BrowserRunOptions {
  readonly player: 'hls' | 'shaka';
  readonly policy: string;
  readonly trace: Trace;
  readonly faults?: readonly FaultSpec[];
  readonly rttMs?: number;
  /** Stop after this many seconds of content (default: the whole stream). */
  readonly durationS?: number;
  /** Forward buffer for every player and policy (default 30 s, hls.js's default). */
  readonly bufferGoalS?: number;
  /**
   * Which manifest to play: `hls` (hls.js's default), `dash` (shaka's default) or `hls-aes`, the
   * stream's AES-128 encrypted HLS copy (either player).
   */
  readonly format?: StreamFormat;
  /** Serve the HLS stream live: segments published in real time in a sliding window (hls.js only). */
  readonly live?: { readonly initialSegments: number; readonly windowSegments: number };
  /**
   * Serve the stream as LL-HLS (1 s parts, blocking reloads, preload hints; see ll-hls.ts), published in
   * real time, and measure the latency against `targetLatencyS` (default 3). A generated stream's folder only.
   */
  readonly llHls?: LowLatencyOptions;
  /**
   * Serve the same parts as low-latency DASH (a dynamic MPD with availabilityTimeOffset,
   * ServiceDescription and UTCTiming; the segment in production sent with chunked transfer encoding;
   * see ll-dash.ts), on the same schedule, with the same latency figures. shaka only; not with `llHls`.
   */
  readonly llDash?: LowLatencyOptions;
  /** The adapters' `viewer` option, as JSON (abrkit policies only). */
  readonly viewer?: PageConfig['viewer'];
  /** Emulate a hidden tab from playhead `atS` for `forS` wall seconds (see `PageConfig.hide`). */
  readonly hide?: PageConfig['hide'];
  /** abrkit policies: the adapters' `minSwitchUpIntervalMs`. */
  readonly minSwitchUpIntervalMs?: number;
  /** abrkit policies: the adapters' `switchPenalty`. */
  readonly switchPenalty?: number;
  /** abrkit policies: the adapters' `cmcd` option, as JSON (e.g. event mode to a collector). */
  readonly cmcd?: PageConfig['cmcd'];
}

export type StreamFormat = 'hls' | 'dash' | 'hls-aes';

/** A low-latency live session (LL-HLS or LL-DASH): what is out at the start, the window, the latency target. */
export interface LowLatencyOptions {
  readonly initialSegments?: number;
  readonly windowSegments?: number;
  readonly targetLatencyS?: number;
  /** abrkit's policies: the adapters' `live.resyncAboveS` (default: never jump). */
  readonly resyncAboveS?: number;
}

/** The manifest path for a format; a typed error when the stream has none. */
export function manifestFor(stream: StreamInfo, format: StreamFormat): string {
  const path = format === 'hls' ? stream.hls : format === 'dash' ? stream.dash : stream.hlsAes;
  if (!path) throw new AbrkitError('invalid-options', `this stream has no ${format} manifest`);
  return path;
}

export interface BrowserRunResult extends SessionMetrics {
  readonly player: string;
  readonly policy: string;
  readonly trace: string;
  readonly ended: boolean;
  readonly abandons: number;
  readonly fallbacks: number;
  readonly errors: readonly string[];
  readonly playerErrors: readonly string[];
  readonly decisionMs: readonly number[];
  /** What made each decision (`PageResult.decisionKinds`). */
  readonly decisionKinds: readonly string[];
  /** Decisions whose context said live (`isLive`, no `segmentsRemaining`). */
  readonly liveDecisions: number;
  /** Live: the adapter's jumps back to the target, media seconds skipped each. */
  readonly liveResyncsS: readonly number[];
  /** Playhead position when the session ended, seconds. */
  readonly finalTimeS: number;
  readonly segmentRungs: readonly number[];
  /** Played segments per video codec family. */
  readonly codecs: Readonly<Record<string, number>>;
  /** The adapter's codec choice (`vp9:preference`) on a ladder with several codecs, else null. */
  readonly codecChoice: string | null;
  /** Paths of the downloads abrkit's adapter took as throughput samples. */
  readonly sampleUrls: readonly string[];
  readonly requests: readonly RequestLogEntry[];
  readonly wallS: number;
  /** The page's own timeline (page clock ms): the hidden window, buffer samples, goal changes, segment arrivals. */
  /** With `llHls` or `llDash`: latency behind the live edge (null when the page never played). */
  readonly live: LiveSummary | null;
  readonly timeline: Pick<PageResult, 'hiddenMs' | 'bufferSamples' | 'viewerChanges' | 'segmentTimes' | 'stalls'>;
}

/** A session may run this long beyond the content's duration (startup, stalls) before it is cut. */
const SESSION_SLACK_S = 90;

/** playwright-core, loaded only when a browser is started (an optional peer dependency of abrkit). */
async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (error) {
    throw new AbrkitError('invalid-options', 'real-browser runs need playwright-core: run `npm install playwright-core` (it drives the Chromium at ' + CHROMIUM_PATH + ')', { cause: error });
  }
}

/**
 * One Chromium, one loopback server, sessions run one at a time. `close()` stops both; the server
 * also dies with the process (its sockets are unref'd), so nothing outlives the run.
 */
export class BrowserHarness {
  readonly #server: HarnessServer;
  readonly #browser: Browser;
  readonly stream: StreamInfo;
  /** The generated stream's folder (null for a user's stream), for the LL-HLS copy. */
  readonly #mediaDir: string | null;

  private constructor(server: HarnessServer, browser: Browser, stream: StreamInfo, mediaDir: string | null) {
    this.#server = server;
    this.#browser = browser;
    this.stream = stream;
    this.#mediaDir = mediaDir;
  }

  /** A generated stream's folder (default: the first test stream), or a user's stream (`openSource`). */
  static async start(source: string | PlayableSource = DEFAULT_MEDIA_DIR): Promise<BrowserHarness> {
    const stream = typeof source === 'string' ? readStreamInfo(source) : source.stream;
    const server = await startHarnessServer({ media: typeof source === 'string' ? folderStore(source) : source.store, appFiles: loadPage('harness') });
    try {
      const { chromium } = await loadPlaywright();
      const browser = await chromium.launch(chromiumLaunchOptions());
      return new BrowserHarness(server, browser, stream, typeof source === 'string' ? source : null);
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  async run(options: BrowserRunOptions): Promise<BrowserRunResult> {
    const { stream } = this;
    requirePlayerBuild(options.player === 'hls' ? 'hls.js' : 'shaka-player');
    const durationS = Math.min(options.durationS ?? stream.durationS, stream.durationS);
    if (options.llHls && options.llDash) throw new AbrkitError('invalid-options', 'give llHls or llDash, not both');
    if (options.llDash && options.player !== 'shaka') throw new AbrkitError('invalid-options', 'LL-DASH runs are for shaka (hls.js plays HLS only)');
    const lowLatency = options.llHls ?? options.llDash;
    const ll = lowLatency ? { ...LL_HLS_DEFAULTS, ...lowLatency } : null;
    let llStream: LlHlsStream | undefined;
    if (ll) {
      if (this.#mediaDir === null) throw new AbrkitError('invalid-options', 'low-latency runs need a generated test stream, not --src');
      llStream = loadLlHlsStream(this.#mediaDir, { ...ll, segmentDurationS: stream.segmentDurationS });
    }
    const config: PageConfig = {
      player: options.player,
      policy: options.policy,
      src: ll ? (options.llDash ? '/media/ll-dash/manifest.mpd' : '/media/ll-hls/master.m3u8') : `/media/${manifestFor(stream, options.format ?? (options.player === 'hls' || !stream.dash ? 'hls' : 'dash'))}`,
      // LL-DASH: shaka starts at its seek range end, which lags the newest part by about a part; a
      // viewer joins at the target instead (the same for every policy). LL-HLS: the players' own start.
      ...(ll ? { live: { targetLatencyS: ll.targetLatencyS, ...(ll.resyncAboveS === undefined ? {} : { resyncAboveS: ll.resyncAboveS }), ...(options.llDash && llStream ? { startBehindEdgeS: Math.max(0, ll.targetLatencyS - llStream.timing.partDurationS) } : {}) } } : {}),
      segmentDurationS: stream.segmentDurationS,
      bufferGoalS: options.bufferGoalS ?? 30,
      // Live: stop before the publication ends (the edge then stands still and the latency falls to 0).
      maxS: ll ? Math.min(durationS, stream.durationS - ll.targetLatencyS - LL_HLS_END_MARGIN_S) : durationS >= stream.durationS ? 0 : durationS,
      ...(options.viewer ? { viewer: options.viewer } : {}),
      ...(options.hide ? { hide: options.hide } : {}),
      ...(options.minSwitchUpIntervalMs ? { minSwitchUpIntervalMs: options.minSwitchUpIntervalMs } : {}),
      ...(options.switchPenalty === undefined ? {} : { switchPenalty: options.switchPenalty }),
      ...(options.cmcd ? { cmcd: options.cmcd } : {}),
    };
    const context = await this.#browser.newContext();
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const startedMs = Date.now();
    let sessionStartMs = startedMs;
    let result: PageResult;
    try {
      this.#server.startSession({ trace: options.trace, ...(options.rttMs === undefined ? {} : { rttMs: options.rttMs }), faults: options.faults ?? [], ...(options.live ? { live: options.live } : {}), ...(llStream && ll ? { ...(options.llDash ? { llDash: llStream } : { llHls: llStream }), targetLatencyS: ll.targetLatencyS } : {}) });
      sessionStartMs = Date.now();
      await page.goto(`${this.#server.origin}/app/index.html?config=${encodeURIComponent(JSON.stringify(config))}`);
      const timeoutMs = (durationS + SESSION_SLACK_S) * 1000;
      await page.waitForFunction(() => window.__abrkitResult?.done === true, undefined, { timeout: timeoutMs, polling: 250 }).catch(() => undefined);
      result = await page.evaluate(() => {
        const r = window.__abrkitResult!;
        if (!r.done) r.errors.push('session timed out');
        return r;
      });
    } finally {
      await context.close();
    }
    const wallS = (Date.now() - startedMs) / 1000;
    const requests = [...this.#server.log];
    const live = ll && llStream ? liveSummary(llStream, result, sessionStartMs, ll.targetLatencyS) : null;
    return { live, ...summarize(stream, durationS, result, requests), player: options.player, policy: options.policy, trace: options.trace.name, ended: result.ended, abandons: result.abandons, fallbacks: result.fallbacks, errors: [...pageErrors, ...result.errors], playerErrors: result.playerErrors, decisionMs: result.decisionMs, decisionKinds: result.decisionKinds ?? [], liveDecisions: result.liveDecisions, liveResyncsS: result.liveResyncsS ?? [], finalTimeS: result.finalTimeS, segmentRungs: result.segments.map((s) => s.rungIndex), codecs: countCodecs(result), codecChoice: result.codecChoice, sampleUrls: result.sampleUrls, requests, wallS, timeline: { hiddenMs: result.hiddenMs, bufferSamples: result.bufferSamples, viewerChanges: result.viewerChanges, segmentTimes: result.segmentTimes, stalls: result.stalls } };
  }

  async close(): Promise<void> {
    await this.#browser.close().catch(() => undefined);
    await this.#server.close();
  }
}

/** Latency against the publication schedule (parts out at each sample's wall time), while parts are still being published. */
function liveSummary(stream: LlHlsStream, page: PageResult, sessionStartMs: number, targetLatencyS: number): LiveSummary | null {
  const totalParts = stream.renditions.values().next().value?.parts.length ?? 0;
  const edgeS = (wallMs: number): number => publishedParts(stream.timing, totalParts, (wallMs - sessionStartMs) / 1000) * stream.timing.partDurationS;
  // Once the last part is out the edge stands still and the latency falls 1 s a second: not live any more.
  const live = page.liveSamples.filter((s) => publishedParts(stream.timing, totalParts, (s.wallMs - sessionStartMs) / 1000) < totalParts);
  return summarizeLatency(live, edgeS, targetLatencyS);
}

/** A media segment request (not a manifest, playlist, key or init segment), by its path. */
export function isMediaRequest(path: string): boolean {
  const clean = path.split('?')[0]!.toLowerCase();
  if (/\.(m3u8|mpd|key|json|html|js)$/.test(clean) || /(^|\/)key[^/]*$/.test(clean)) return false;
  if (/(^|\/)init[^/]*\.(mp4|m4s|m4v|m4a|cmfi)$/.test(clean) || clean.endsWith('.init')) return false;
  return /\.(m4s|mp4|m4v|m4a|ts|aac|cmfv|cmfa|webm)$/.test(clean);
}

function countCodecs(page: PageResult): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of page.segments) counts[s.codec] = (counts[s.codec] ?? 0) + 1;
  return counts;
}

/**
 * Page measurements -> the simulator's session metrics. Each played segment position is one chunk at
 * the nominal bitrate of its rung; a stall is charged to the segment the playhead was in; bytes are
 * what the server sent for video+audio media, wasted bytes those of requests that did not complete.
 */
export function summarize(stream: StreamInfo, durationS: number, page: PageResult, requests: readonly RequestLogEntry[]): SessionMetrics {
  // A session plays one codec: score it on that codec's ladder.
  const codecs = countCodecs(page);
  const played = Object.keys(codecs).sort((a, b) => codecs[b]! - codecs[a]!)[0];
  const ladderKbps = (played !== undefined ? stream.laddersKbps?.[played] : undefined) ?? stream.ladderKbps;
  const ladder = ladderFromBitrates(ladderKbps.map((k) => k * 1000), stream.segmentDurationS);
  const model = createQoeModel('lin', ladder);
  const segmentCount = Math.ceil(durationS / stream.segmentDurationS - 1e-9);
  const rebufferBySegment = new Map<number, number>();
  for (const stall of page.stalls) {
    const index = Math.min(segmentCount - 1, Math.floor(stall.atS / stream.segmentDurationS));
    rebufferBySegment.set(index, (rebufferBySegment.get(index) ?? 0) + stall.durationMs / 1000);
  }
  const media = requests.filter((r) => isMediaRequest(r.path));
  const wastedBytes = media.filter((r) => r.outcome !== 'completed').reduce((sum, r) => sum + r.bytesSent, 0);
  const records: ChunkRecord[] = page.segments
    .filter((s) => s.index < segmentCount && s.rungIndex >= 0)
    .map((s) => ({
      segmentIndex: s.index,
      rungIndex: s.rungIndex,
      bitrateBps: ladder.renditions[s.rungIndex]!.bitrateBps,
      bytes: s.bytes,
      wastedBytes: 0,
      downloadMs: 0,
      rebufferS: rebufferBySegment.get(s.index) ?? 0,
      bufferAfterS: 0,
    }));
  const last = records[records.length - 1];
  if (last) (records[records.length - 1] as { wastedBytes: number }).wastedBytes = wastedBytes;
  const metrics = summarizeSession(records, model, {
    skipFirst: 0,
    initialPreviousRung: records[0]?.rungIndex ?? 0,
    startupS: (page.startupMs ?? 0) / 1000,
    startupPenaltyPerS: model.rebufferPenalty,
    segmentDurationS: stream.segmentDurationS,
  });
  // Bytes as the network saw them (audio included), not only the video bytes the page counted.
  return { ...metrics, bytes: media.reduce((sum, r) => sum + r.bytesSent, 0), wastedBytes };
}
