/**
 * One demo session: tell the server which trace to replay, play the stream with hls.js or
 * shaka-player (with the player's own ABR or an abrkit policy), and record, on the session clock
 * (seconds since the trace started): measured throughput of each video segment, the controller's
 * predictions and decisions, the buffer level, stalls (`waiting` -> `playing`), and a telemetry log.
 */
import Hls from 'hls.js';
import shaka from 'shaka-player';
import { createAbrController } from '../src/hls.js';
import { createAbrManager } from '../src/shaka.js';
import { createDqnPolicy } from '../src/dqn.js';
import { createTelemetry, type Telemetry } from '../src/telemetry.js';
import { createNamedPolicy, type AdapterOptions, type AdapterPolicyName } from '../src/adapters/setup.js';
import { createHarmonicMeanEstimator } from '../src/estimators/harmonic.js';
import { withPredictionErrors } from '../src/estimators/prediction-errors.js';
import { ladderFromBitrates } from '../src/core/ladder.js';
import type { ControllerEvent } from '../src/core/controller.js';
import type { Trace } from '../src/sim/trace.js';
import type { SessionMetrics } from '../src/qoe/session-metrics.js';
import { waitForUpload } from './telemetry-panel.js';
import { describeReason, measureSession, qoeModelFor, type SegmentRecord, type StallRecord, type StreamInfo } from './metrics.js';

export type PlayerName = 'hls' | 'shaka';
/** `default` is the player's own ABR. */
export type PolicyChoice = 'default' | AdapterPolicyName | 'dqn';

export interface SessionSpec {
  readonly player: PlayerName;
  readonly policy: PolicyChoice;
  readonly trace: Trace;
  /** Stop once the playhead passes this (s); the stream's duration plays it to the end. */
  readonly playS: number;
  readonly stream: StreamInfo;
  readonly mediaOrigin: string;
  readonly video: HTMLVideoElement;
  /** Optional collector endpoint for the telemetry upload sink (e.g. `http://127.0.0.1:8787/v1/events`). */
  readonly uploadEndpoint?: string;
  readonly signal: AbortSignal;
  /** Called about four times a second, and once at the end. */
  readonly onUpdate: (state: SessionState) => void;
}

export interface DecisionRecord {
  readonly tS: number;
  readonly segmentIndex: number;
  readonly rungIndex: number;
  readonly bitrateKbps: number;
  readonly bufferS: number;
  /** Predicted throughput and its error band, Mbit/s (`null` before the first sample). */
  readonly predictedMbps: number | null;
  readonly lowMbps: number | null;
  readonly highMbps: number | null;
  readonly reasonKind: string;
  readonly reason: string;
}

export interface SessionState {
  readonly label: string;
  readonly player: PlayerName;
  readonly policy: PolicyChoice;
  readonly traceName: string;
  /** Session time now, s. */
  nowS: number;
  playheadS: number;
  /** Measured throughput of each video segment download: end time, Mbit/s. */
  readonly throughput: { tS: number; mbps: number }[];
  /** Bitrate of each video segment requested: request time, kbps. */
  readonly fetched: { tS: number; kbps: number }[];
  readonly decisions: DecisionRecord[];
  readonly buffer: { tS: number; bufferS: number }[];
  readonly stalls: StallRecord[];
  /** Running QoE_lin (mean per chunk so far). */
  readonly qoe: { tS: number; qoe: number }[];
  readonly segments: Map<number, SegmentRecord>;
  startupS: number | null;
  metrics: SessionMetrics | null;
  /** From the server's request log, once the session is over. */
  network: { bytes: number; wastedBytes: number; abortedRequests: number } | null;
  done: boolean;
  ended: boolean;
  readonly errors: string[];
  readonly notes: string[];
  telemetrySessionId: string;
}

/** What the page exposes as `window.__demo` (read by the e2e test and curious visitors). */
export interface DemoPageState {
  busy: boolean;
  /** Sessions finished since the page loaded. */
  runs: number;
  last: SessionState | null;
  compare: [SessionState, SessionState] | null;
  errors: string[];
}

declare global {
  interface Window {
    __demo?: DemoPageState;
  }
}

const TICK_MS = 250;
/** A session may take this long beyond its content (startup, stalls) before it is cut. */
const SESSION_SLACK_S = 120;

export function policyLabel(policy: PolicyChoice): string {
  return policy === 'default' ? 'player default' : policy;
}

export async function postTrace(trace: Trace): Promise<void> {
  const response = await fetch('/api/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: trace.name, timesS: [...trace.timesS], mbps: [...trace.mbps], ...(trace.rttMs ? { rttMs: trace.rttMs[0] } : {}) }),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(`the server refused the trace: ${body.error ?? response.status}`);
  }
}

/** The buffered time ahead of the playhead, s. */
function bufferAheadS(video: HTMLVideoElement): number {
  const t = video.currentTime;
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= t + 0.1 && video.buffered.end(i) > t) return video.buffered.end(i) - t;
  }
  return 0;
}

function adapterOptions(spec: SessionSpec, onEvent: (event: ControllerEvent) => void, state: SessionState): AdapterOptions {
  // Every policy gets the 5-sample harmonic mean with RobustMPC's error bound (max relative error of
  // the last 5 predictions): only RobustMPC reads the bound, so the others decide exactly as with the
  // plain harmonic mean, and the charts can show every policy's prediction band.
  const estimator = withPredictionErrors(createHarmonicMeanEstimator({ windowSize: 5 }), { windowSize: 5 });
  const policy =
    spec.policy === 'dqn'
      ? createDqnPolicy({ onError: (error) => state.notes.push(`dqn fell back to RobustMPC: ${error.message}`) })
      : createNamedPolicy(spec.policy as AdapterPolicyName).policy;
  return {
    policy,
    estimator,
    onEvent,
    onAbandon: (event) => state.notes.push(`abandoned a ${spec.stream.ladderKbps[event.fromRungIndex] ?? '?'} kbps download for ${spec.stream.ladderKbps[event.toRungIndex] ?? '?'} kbps (buffer ${event.bufferS.toFixed(1)} s)`),
  };
}

/** Plays one session to `playS` (or the end, or an abort) and resolves with its final state. */
export async function runSession(spec: SessionSpec): Promise<SessionState> {
  const { stream, video } = spec;
  const segmentDurationS = stream.segmentDurationS;
  const model = qoeModelFor(stream);
  const ladderKbps = stream.ladderKbps;
  const state: SessionState = {
    label: `${spec.player === 'hls' ? 'hls.js' : 'shaka'} / ${policyLabel(spec.policy)}`,
    player: spec.player,
    policy: spec.policy,
    traceName: spec.trace.name,
    nowS: 0,
    playheadS: 0,
    throughput: [],
    fetched: [],
    decisions: [],
    buffer: [],
    stalls: [],
    qoe: [],
    segments: new Map(),
    startupS: null,
    metrics: null,
    network: null,
    done: false,
    ended: false,
    errors: [],
    notes: [],
    telemetrySessionId: '',
  };

  await postTrace(spec.trace);
  const t0Ms = performance.now();
  const nowS = () => (performance.now() - t0Ms) / 1000;
  const telemetry: Telemetry = createTelemetry({
    clock: { nowMs: () => performance.now() - t0Ms },
    ...(spec.uploadEndpoint ? { upload: { endpoint: spec.uploadEndpoint } } : {}),
    onError: (error) => state.notes.push(`telemetry: ${error instanceof Error ? error.message : String(error)}`),
  });
  state.telemetrySessionId = telemetry.sessionId;
  telemetry.recordSessionStart({
    ladder: ladderFromBitrates(ladderKbps.map((k) => k * 1000), segmentDurationS),
    player: spec.player === 'hls' ? { name: 'hls.js', version: Hls.version } : { name: 'shaka-player', version: shaka.Player.version },
    policy: { name: spec.policy },
    streamingFormat: spec.player === 'hls' ? 'h' : 'd',
    streamType: 'v',
  });

  const onControllerEvent = (event: ControllerEvent) => {
    telemetry.onControllerEvent(event);
    if (event.type !== 'decision') return;
    const { decision, context } = event;
    const last = state.decisions[state.decisions.length - 1];
    // hls.js may ask again for the same fragment (level bounds changed): log a repeat only if it differs.
    if (last && last.segmentIndex === context.segmentIndex && last.rungIndex === decision.rungIndex) return;
    const p = context.prediction;
    state.decisions.push({
      tS: nowS(),
      segmentIndex: context.segmentIndex,
      rungIndex: decision.rungIndex,
      bitrateKbps: context.ladder.renditions[decision.rungIndex]!.bitrateBps / 1000,
      bufferS: context.bufferS,
      predictedMbps: p ? p.throughputBps / 1e6 : null,
      lowMbps: p ? p.throughputBps / (1 + p.errorRatio) / 1e6 : null,
      highMbps: p ? (p.throughputBps * (1 + p.errorRatio)) / 1e6 : null,
      reasonKind: decision.reason.kind,
      reason: describeReason(decision.reason, ladderKbps),
    });
  };

  const onSegment = (info: { url: string; index: number; rungIndex: number; bytes: number; startMs: number; ttfbMs: number; durationMs: number; objectType: 'av' | 'v' }) => {
    state.segments.set(info.index, { index: info.index, rungIndex: info.rungIndex, bytes: info.bytes });
    const startS = (info.startMs - t0Ms) / 1000;
    state.fetched.push({ tS: Math.max(0, startS), kbps: ladderKbps[info.rungIndex] ?? 0 });
    if (info.durationMs > 0) state.throughput.push({ tS: startS + info.durationMs / 1000, mbps: (info.bytes * 8) / info.durationMs / 1000 });
    telemetry.recordSegment({
      url: info.url,
      bytes: info.bytes,
      startMs: info.startMs - t0Ms,
      ttfbMs: info.ttfbMs,
      durationMs: info.durationMs,
      objectType: info.objectType,
      rungIndex: info.rungIndex,
      segmentIndex: info.index,
      mediaDurationMs: segmentDurationS * 1000,
    });
  };

  // Stalls and startup, from the <video> element.
  let stallOpen: StallRecord | null = null;
  const onPlaying = () => {
    if (state.startupS === null) {
      state.startupS = nowS();
      telemetry.recordPlayback({ kind: 'play', positionMs: video.currentTime * 1000 });
    }
    if (stallOpen) {
      stallOpen.endS = nowS();
      stallOpen = null;
      telemetry.recordPlayback({ kind: 'stall-end', positionMs: video.currentTime * 1000, bufferMs: bufferAheadS(video) * 1000 });
    }
  };
  const onWaiting = () => {
    if (state.startupS === null || stallOpen || video.ended) return;
    stallOpen = { atS: video.currentTime, startS: nowS(), endS: null };
    state.stalls.push(stallOpen);
    telemetry.recordPlayback({ kind: 'stall-start', positionMs: video.currentTime * 1000, bufferMs: bufferAheadS(video) * 1000 });
  };
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const onEnded = () => {
    state.ended = true;
    finished();
  };
  const onAbort = () => finished();
  video.addEventListener('playing', onPlaying);
  video.addEventListener('waiting', onWaiting);
  video.addEventListener('ended', onEnded);
  spec.signal.addEventListener('abort', onAbort);

  const sample = () => {
    state.nowS = nowS();
    state.playheadS = video.currentTime;
    state.buffer.push({ tS: state.nowS, bufferS: bufferAheadS(video) });
    state.metrics = measureSession(stream, model, state.segments, state.stalls, state.startupS, state.playheadS, state.nowS);
    if (state.metrics.chunks > 0) state.qoe.push({ tS: state.nowS, qoe: state.metrics.qoe });
    spec.onUpdate(state);
    if (state.playheadS >= spec.playS || state.nowS > spec.playS + SESSION_SLACK_S) finished();
  };
  const ticker = setInterval(sample, TICK_MS);
  const src = `${spec.mediaOrigin}/media/${spec.player === 'hls' ? stream.hls : stream.dash}`;
  let teardown: () => Promise<void> = async () => undefined;
  try {
    teardown = spec.player === 'hls' ? startHls(spec, src, state, onSegment, onControllerEvent, finished) : await startShaka(spec, src, state, onSegment, onControllerEvent, finished);
    if (spec.signal.aborted) finished();
    await done;
  } catch (error) {
    state.errors.push(`could not start ${spec.player}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearInterval(ticker);
    video.pause();
    sample();
    if (stallOpen) (stallOpen as StallRecord).endS = nowS();
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('waiting', onWaiting);
    video.removeEventListener('ended', onEnded);
    spec.signal.removeEventListener('abort', onAbort);
    telemetry.recordPlayback({ kind: state.ended ? 'ended' : 'pause', positionMs: video.currentTime * 1000 });
    await teardown().catch((error: unknown) => state.notes.push(`player teardown: ${String(error)}`));
    state.network = await fetch('/api/session/network')
      .then((r) => r.json() as Promise<{ bytes: number; wastedBytes: number; abortedRequests: number }>)
      .catch(() => null);
    state.metrics = measureSession(stream, model, state.segments, state.stalls, state.startupS, state.playheadS, state.nowS);
    if (state.network) state.metrics = { ...state.metrics, bytes: state.network.bytes, wastedBytes: state.network.wastedBytes };
    if (spec.uploadEndpoint) {
      const upload = await waitForUpload(telemetry).catch(() => null);
      if (!upload?.settled) state.notes.push('telemetry upload not finished: the rest stays stored and goes with the next upload');
    }
    await telemetry.close().catch(() => undefined);
    state.done = true;
    spec.onUpdate(state);
  }
  return state;
}

type SegmentSink = (info: { url: string; index: number; rungIndex: number; bytes: number; startMs: number; ttfbMs: number; durationMs: number; objectType: 'av' | 'v' }) => void;

function startHls(spec: SessionSpec, src: string, state: SessionState, onSegment: SegmentSink, onEvent: (e: ControllerEvent) => void, finished: () => void): () => Promise<void> {
  const hls = new Hls({
    ...(spec.policy === 'default' ? {} : { abrController: createAbrController(adapterOptions(spec, onEvent, state)) }),
    maxBufferLength: 30,
    maxMaxBufferLength: 30,
  });
  const rungOfLevel = (level: number): number => {
    const bitrates = hls.levels.map((l) => l.bitrate).sort((a, b) => a - b);
    return bitrates.indexOf(hls.levels[level]?.bitrate ?? -1);
  };
  hls.on(Hls.Events.FRAG_LOADED, (_event, data) => {
    const frag = data.frag;
    if (String(frag.type) !== 'main' || frag.sn === 'initSegment') return;
    const loading = frag.stats.loading;
    onSegment({
      url: frag.url,
      index: Math.round(frag.start / spec.stream.segmentDurationS),
      rungIndex: rungOfLevel(frag.level),
      bytes: frag.stats.loaded,
      startMs: loading.start,
      ttfbMs: Math.max(0, loading.first - loading.start),
      durationMs: Math.max(0, loading.end - loading.start),
      objectType: 'av',
    });
  });
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (data.fatal) {
      state.errors.push(`hls.js fatal error: ${data.details}`);
      finished();
    } else state.notes.push(`hls.js: ${data.details}`);
  });
  hls.loadSource(src);
  hls.attachMedia(spec.video);
  void spec.video.play().catch(() => undefined);
  return async () => hls.destroy();
}

async function startShaka(spec: SessionSpec, src: string, state: SessionState, onSegment: SegmentSink, onEvent: (e: ControllerEvent) => void, finished: () => void): Promise<() => Promise<void>> {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  await player.attach(spec.video);
  player.configure({ streaming: { bufferingGoal: 30, rebufferingGoal: 2 } });
  if (spec.policy !== 'default') {
    const options = adapterOptions(spec, onEvent, state);
    player.configure({ abrFactory: () => createAbrManager({ ...options, player }) });
  }
  let videoBandwidths: number[] = [];
  player.getNetworkingEngine()!.registerResponseFilter((type, response, context) => {
    const stream = context?.stream;
    const segment = context?.segment;
    // RequestType.SEGMENT = 1, AdvancedRequestType.MEDIA_SEGMENT = 1 (shaka 5).
    if (type !== 1 || context?.type !== 1 || !stream || stream.type !== 'video' || !segment) return;
    if (videoBandwidths.length === 0) videoBandwidths = [...new Set(player.getVariantTracks().map((t) => t.videoBandwidth ?? 0))].sort((a, b) => a - b);
    const request = response.originalRequest;
    const durationMs = response.timeMs ?? 0;
    const endMs = performance.now();
    onSegment({
      url: response.uri,
      index: Math.round(segment.getStartTime() / spec.stream.segmentDurationS),
      rungIndex: videoBandwidths.indexOf(stream.bandwidth ?? -1),
      bytes: response.data.byteLength,
      // Shaka's own request start time may be on the wall clock: derive it on the page clock.
      startMs: endMs - durationMs,
      ttfbMs: request.timeToFirstByte ?? 0,
      durationMs,
      objectType: 'v',
    });
  });
  player.addEventListener('error', (event) => {
    const detail = (event as unknown as { detail?: { code?: number; severity?: number } }).detail;
    if (detail?.severity === 2) {
      state.errors.push(`shaka critical error ${detail.code ?? '?'}`);
      finished();
    } else state.notes.push(`shaka error ${detail?.code ?? '?'}`);
  });
  await player.load(src);
  void spec.video.play().catch(() => undefined);
  return () => player.destroy();
}
